// Copyright 2026 The mcp_exporter Authors
// Licensed under the Apache License, Version 2.0 (the "License");
// you may not use this file except in compliance with the License.
// You may obtain a copy of the License at
//
// http://www.apache.org/licenses/LICENSE-2.0
//
// Unless required by applicable law or agreed to in writing, software
// distributed under the License is distributed on an "AS IS" BASIS,
// WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
// See the License for the specific language governing permissions and
// limitations under the License.

package prober

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/mcp-exporter/mcp_exporter/config"
	"github.com/mcp-exporter/mcp_exporter/internal/testsupport"
)

// sdkServerOptions chooses how a real go-sdk server runs.
type sdkServerOptions struct {
	http     mcp.StreamableHTTPOptions
	versions []string // ServerOptions.SupportedProtocolVersions; nil = all
	tools    int      // how many tools to register
	pageSize int
	noTools  bool // register no tools at all: no tools capability
	tls      bool
	sse      bool // the legacy HTTP+SSE transport (NewSSEHandler)
}

type echoIn struct {
	Text string `json:"text" jsonschema:"the text to echo"`
}

type echoOut struct {
	Echo string `json:"echo"`
}

// newSDKServer starts a real MCP server from the official Go SDK.
func newSDKServer(t testing.TB, o sdkServerOptions) *httptest.Server {
	t.Helper()
	server := mcp.NewServer(&mcp.Implementation{Name: "sdk-test-server", Version: "1.2.3"},
		&mcp.ServerOptions{SupportedProtocolVersions: o.versions, PageSize: o.pageSize})
	if !o.noTools {
		n := max(o.tools, 1)
		for i := range n {
			name := "echo"
			if i > 0 {
				name = "echo_" + strings.Repeat("x", i%7) + string(rune('a'+i%26)) + "_" + itoa(i)
			}
			mcp.AddTool(server, &mcp.Tool{Name: name, Description: "Echoes its input."},
				func(_ context.Context, _ *mcp.CallToolRequest, in echoIn) (*mcp.CallToolResult, echoOut, error) {
					return nil, echoOut{Echo: in.Text}, nil
				})
		}
	}
	var h http.Handler = mcp.NewStreamableHTTPHandler(func(*http.Request) *mcp.Server { return server }, &o.http)
	if o.sse {
		h = mcp.NewSSEHandler(func(*http.Request) *mcp.Server { return server }, nil)
	}
	var ts *httptest.Server
	if o.tls {
		ts = httptest.NewTLSServer(h)
	} else {
		ts = httptest.NewServer(h)
	}
	t.Cleanup(ts.Close)
	return ts
}

func itoa(i int) string {
	const digits = "0123456789"
	if i < 10 {
		return digits[i : i+1]
	}
	return itoa(i/10) + digits[i%10:i%10+1]
}

// probeResult is what a probe produced.
type probeResult struct {
	ok      bool
	metrics string // text exposition
	logs    string
	result  *Result
}

// runProbe probes target with module through a fresh Prober.
func runProbe(t testing.TB, p *Prober, target string, module config.Module) probeResult {
	t.Helper()
	if p == nil {
		p = New()
	}
	reg := prometheus.NewRegistry()
	var logs strings.Builder
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	ctx, cancel := context.WithTimeout(context.Background(), time.Duration(module.Timeout))
	defer cancel()
	res := p.Probe(ctx, Request{ModuleName: "test", Module: module, Target: target, Logger: logger})
	reg.MustRegister(NewCollector(res))
	return probeResult{ok: res.Success, metrics: gatherText(t, reg), logs: logs.String(), result: res}
}

func gatherText(t testing.TB, reg *prometheus.Registry) string {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatalf("gather: %v", err)
	}
	var b strings.Builder
	enc := expfmt.NewEncoder(&b, expfmt.NewFormat(expfmt.TypeTextPlain))
	for _, mf := range mfs {
		if err := enc.Encode(mf); err != nil {
			t.Fatal(err)
		}
	}
	return b.String()
}

// trustServer makes module trust a TLS test server's certificate, the way
// an operator would: through http_config.tls_config.ca_file.
func trustServer(t testing.TB, ts *httptest.Server, module *config.Module) {
	t.Helper()
	caFile := filepath.Join(t.TempDir(), "ca.pem")
	testsupport.WritePEM(t, caFile, "CERTIFICATE", ts.Certificate().Raw)
	module.HTTPClientConfig.TLSConfig.CAFile = caFile
}

// metricValue returns the value of the series name{labels} in a text
// exposition; labels must match exactly (all of the series' labels).
func metricValue(t testing.TB, text, name string, labels map[string]string) (float64, bool) {
	t.Helper()
	parser := expfmt.NewTextParser(model.UTF8Validation)
	mfs, err := parser.TextToMetricFamilies(strings.NewReader(text))
	if err != nil {
		t.Fatalf("parsing metrics: %v", err)
	}
	mf, ok := mfs[name]
	if !ok {
		return 0, false
	}
	for _, m := range mf.GetMetric() {
		if len(m.GetLabel()) != len(labels) {
			continue
		}
		match := true
		for _, lp := range m.GetLabel() {
			if v, ok := labels[lp.GetName()]; !ok || v != lp.GetValue() {
				match = false
			}
		}
		if match {
			return m.GetGauge().GetValue(), true
		}
	}
	return 0, false
}
