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

package main

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/mcp-exporter/mcp_exporter/internal/testsupport/fakemcp"
	"github.com/mcp-exporter/mcp_exporter/internal/tracing"
)

// The tracing block is reloadable: a new block swaps the tracer provider,
// a bad one keeps the configuration and the provider in force, none turns
// tracing off (no provider at all).
func TestTracingReload(t *testing.T) {
	const modules = "modules:\n  default: {}\n"
	te := newTestExporter(t, modules, "")
	if te.exporter.tracer != nil {
		t.Fatal("a tracer provider without a tracing block")
	}
	reload := func(text string) int {
		t.Helper()
		writeConfig(t, te.configFile, text)
		code, _ := do(t, http.MethodPost, te.server.URL+"/-/reload")
		return code
	}
	good := modules + "tracing:\n  endpoint: 127.0.0.1:4317\n  insecure: true\n  headers:\n    X-Scope-OrgID: tenant-secret\n"
	if code := reload(good); code != http.StatusOK {
		t.Fatalf("reload: %d", code)
	}
	tp := te.exporter.tracer
	if tp == nil {
		t.Fatal("no tracer provider after a reload with a tracing block")
	}
	if _, body := te.get(t, "/config"); strings.Contains(body, "tenant-secret") || !strings.Contains(body, "endpoint: 127.0.0.1:4317") {
		t.Errorf("/config shows:\n%s", body)
	}
	for _, bad := range []string{
		modules + "tracing:\n  endpoint: 127.0.0.1:4318\n  sampling_fraction: 2\n",
		modules + "tracing:\n  endpoint: 127.0.0.1:4318\n  tls_config:\n    ca_file: /nonexistent/ca.pem\n",
	} {
		if code := reload(bad); code == http.StatusOK {
			t.Errorf("a bad tracing block reloaded:\n%s", bad)
		}
		if te.exporter.tracer != tp || te.exporter.config.Get().Tracing.Endpoint != "127.0.0.1:4317" {
			t.Errorf("a bad tracing block changed what is in force:\n%s", bad)
		}
	}
	if code := reload(good); code != http.StatusOK || te.exporter.tracer != tp {
		t.Error("an unchanged block rebuilt the provider")
	}
	if code := reload(modules); code != http.StatusOK || te.exporter.tracer != nil {
		t.Errorf("reload without the block: %d, provider %v", code, te.exporter.tracer)
	}
}

// /metrics in OpenMetrics carries a sampled probe's trace_id as the
// exemplar of its observations, and the trace id is the probe's trace's;
// an unsampled probe (tracing off) observes without one.
func TestDurationExemplars(t *testing.T) {
	te := newTestExporter(t, "modules:\n  default: {}\n", "")
	fake := fakemcp.New()
	target := fake.Start(t)
	probe := func() {
		t.Helper()
		if code, body := te.get(t, "/probe?module=default&target="+url.QueryEscape(target)); code != http.StatusOK || !strings.Contains(body, "probe_success 1") {
			t.Fatalf("probe: %d\n%s", code, body)
		}
	}
	openMetrics := func() string {
		t.Helper()
		req, _ := http.NewRequest(http.MethodGet, te.server.URL+"/metrics", nil)
		req.Header.Set("Accept", "application/openmetrics-text;version=1.0.0")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return string(b)
	}
	probe()
	if m := openMetrics(); !strings.Contains(m, `mcp_exporter_probe_duration_seconds_count{module="default",result="success"} 1`) ||
		!strings.Contains(m, `mcp_client_operation_duration_seconds_count{error_type="",mcp_method_name="tools/list",module="default"} 1`) ||
		strings.Contains(m, "# {trace_id") {
		t.Fatalf("tracing off:\n%s", grepLines(m, "duration_seconds"))
	}
	exp := tracetest.NewInMemoryExporter()
	tp := tracing.NewProvider(exp, 1, "test", true)
	t.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
	te.exporter.prober.SetTracerProvider(tp)
	probe()
	m := openMetrics()
	re := regexp.MustCompile(`(?m)^mcp_exporter_probe_duration_seconds_bucket\{module="default",result="success",le="[^"]+"\} [12] # \{trace_id="([0-9a-f]{32})"\} [0-9.e+-]+ [0-9.e+-]+$`)
	found := re.FindStringSubmatch(m)
	if found == nil {
		t.Fatalf("no exemplar on the probe histogram:\n%s", grepLines(m, "duration_seconds"))
	}
	if !regexp.MustCompile(`(?m)^mcp_client_operation_duration_seconds_bucket\{error_type="",mcp_method_name="initialize",module="default",le="[^"]+"\} [12] # \{trace_id="` + found[1] + `"\}`).MatchString(m) {
		t.Errorf("no exemplar of trace %s on the operation histogram:\n%s", found[1], grepLines(m, "operation_duration"))
	}
	inTrace := false
	for _, s := range exp.GetSpans() {
		inTrace = inTrace || s.SpanContext.TraceID().String() == found[1]
	}
	if !inTrace {
		t.Errorf("exemplar trace %s has no span", found[1])
	}
}

func grepLines(s, sub string) string {
	var out []string
	for l := range strings.SplitSeq(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// --config.check validates the tracing block, naming the key and its line.
func TestConfigCheckTracing(t *testing.T) {
	dir := t.TempDir()
	path := dir + "/c.yml"
	writeConfig(t, path, "modules:\n  default: {}\ntracing:\n  endpoint: collector:4317\n")
	if code := run([]string{"--config.check", "--config.file", path}); code != 0 {
		t.Errorf("--config.check with a valid tracing block: exit %d", code)
	}
	writeConfig(t, path, "modules:\n  default: {}\ntracing:\n  endpoint: collector:4317\n  client_type: thrift\n")
	var code int
	stderr := captureStderr(t, func() { code = run([]string{"--config.check", "--config.file", path}) })
	if want := `tracing: line 5: client_type: "thrift": want grpc or http`; code != 1 || !strings.Contains(stderr, want) {
		t.Errorf("--config.check: exit %d, %q; want 1 and %q", code, stderr, want)
	}
}
