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
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/expfmt"

	"github.com/mcp-exporter/mcp_exporter/config"
	"github.com/mcp-exporter/mcp_exporter/internal/protocol"
	"github.com/mcp-exporter/mcp_exporter/internal/testsupport"
)

// sdkCase is a go-sdk server to probe and what the case sets on the module
// (nothing when module is nil).
type sdkCase struct {
	name   string
	server testsupport.SDKServer
	module func(*config.Module)
}

// The go-sdk servers most tables of SDK cases begin with: its two stateful
// answer styles.
var (
	sdkStatefulSSE  = sdkCase{"stateful SSE answers", testsupport.SDKServer{}, nil}
	sdkStatefulJSON = sdkCase{"stateful JSON answers", testsupport.SDKServer{HTTP: mcp.StreamableHTTPOptions{JSONResponse: true}}, nil}
)

// legacySSE sets the module's transport to HTTP+SSE.
func legacySSE(m *config.Module) { m.Transport = protocol.TransportSSE }

// probeResult is what a probe produced.
type probeResult struct {
	ok      bool
	metrics string // text exposition
	logs    string
	result  *Result
}

// runProbe probes target with module through a fresh Prober.
// moduleWith is the default module, changed by edit unless it is nil.
func moduleWith(edit func(*config.Module)) config.Module {
	m := config.DefaultModule
	if edit != nil {
		edit(&m)
	}
	return m
}

func runProbe(t testing.TB, p *Prober, target string, module config.Module) probeResult {
	t.Helper()
	return probeRequest(t, p, Request{ModuleName: "test", Module: module, Target: target}, nil)
}

// probeRequest runs req through p (a fresh Prober when nil) within its
// module's timeout, logging at debug level into the result; whileOpen, when
// not nil, runs once the probe has returned and before its context ends.
func probeRequest(t testing.TB, p *Prober, req Request, whileOpen func()) probeResult {
	t.Helper()
	if p == nil {
		p = New()
	}
	reg := prometheus.NewRegistry()
	var logs strings.Builder
	req.Logger = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	ctx, cancel := context.WithTimeout(context.Background(), time.Duration(req.Module.Timeout))
	defer cancel()
	res := p.Probe(ctx, &req)
	if whileOpen != nil {
		whileOpen()
	}
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
