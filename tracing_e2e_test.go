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
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mcp-exporter/mcp_exporter/internal/testsupport"
	"github.com/mcp-exporter/mcp_exporter/internal/testsupport/fakemcp"
)

// EnvJaeger names the Jaeger binary (module github.com/jaegertracing/jaeger
// v1.75.0, cmd/jaeger), which .ci/run builds from tools/jaeger.
const EnvJaeger = "MCP_EXPORTER_JAEGER"

// jaegerServer is a Jaeger all-in-one (memory storage) on free ports.
type jaegerServer struct {
	otlpGRPC string // host:port
	query    string // http://host:port
	log      *testsupport.SyncBuffer
}

func startJaeger(t *testing.T) *jaegerServer {
	t.Helper()
	bin := testsupport.Tool(t, EnvJaeger, "jaeger",
		"cd tools/jaeger && go build -o \"$(go env GOPATH)/bin/jaeger\" github.com/jaegertracing/jaeger/cmd/jaeger, as .ci/run does")
	j := &jaegerServer{otlpGRPC: testsupport.FreeAddr(t), query: "http://" + testsupport.FreeAddr(t), log: &testsupport.SyncBuffer{}}
	cfg := fmt.Sprintf(`service:
  extensions: [jaeger_storage, jaeger_query]
  pipelines:
    traces:
      receivers: [otlp]
      processors: [batch]
      exporters: [jaeger_storage_exporter]
  telemetry:
    metrics:
      level: none
    logs:
      level: warn
extensions:
  jaeger_query:
    storage:
      traces: memstore
    http:
      endpoint: %s
    grpc:
      endpoint: %s
  jaeger_storage:
    backends:
      memstore:
        memory:
          max_traces: 10000
receivers:
  otlp:
    protocols:
      grpc:
        endpoint: %s
      http:
        endpoint: %s
processors:
  batch:
    timeout: 100ms
exporters:
  jaeger_storage_exporter:
    trace_storage: memstore
`, strings.TrimPrefix(j.query, "http://"), testsupport.FreeAddr(t), j.otlpGRPC, testsupport.FreeAddr(t))
	path := testsupport.WriteFile(t, filepath.Join(t.TempDir(), "jaeger.yml"), []byte(cfg), 0o600)
	cmd := exec.Command(bin, "--config", "file:"+path)
	cmd.Stdout, cmd.Stderr = j.log, j.log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		// Jaeger's memory store holds nothing worth a graceful stop (which
		// takes it over 10 s).
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		if t.Failed() {
			t.Logf("Jaeger log:\n%s", j.log)
		}
	})
	if !testsupport.WaitOK(j.query+"/api/services", 30*time.Second, func() bool { return cmd.ProcessState != nil }) {
		t.Fatalf("Jaeger did not answer at %s; log:\n%s", j.query, j.log)
	}
	return j
}

// jaegerSpan is a span as Jaeger's query API shows it.
type jaegerSpan struct {
	SpanID        string `json:"spanID"`
	OperationName string `json:"operationName"`
	References    []struct {
		SpanID string `json:"spanID"`
	} `json:"references"`
	Tags []struct {
		Key   string `json:"key"`
		Value any    `json:"value"`
	} `json:"tags"`
}

func (s jaegerSpan) tag(key string) string {
	for _, t := range s.Tags {
		if t.Key == key {
			return fmt.Sprint(t.Value)
		}
	}
	return ""
}

// trace returns the spans of trace id, waiting (within 15 s) until there
// are at least min of them; nil if Jaeger has none.
func (j *jaegerServer) trace(t *testing.T, id string, min int) []jaegerSpan {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		var got struct {
			Data []struct {
				Spans []jaegerSpan `json:"spans"`
			} `json:"data"`
		}
		resp, err := http.Get(j.query + "/api/traces/" + id)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode == http.StatusOK {
			if err := json.Unmarshal(b, &got); err != nil {
				t.Fatalf("Jaeger's trace %s: %v", id, err)
			}
			if len(got.Data) == 1 && len(got.Data[0].Spans) >= min {
				return got.Data[0].Spans
			}
		}
		if time.Now().After(deadline) {
			if len(got.Data) == 1 {
				return got.Data[0].Spans
			}
			return nil
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// seenRequests records the traceparent and JSON-RPC method of each request
// a server got.
type seenRequests struct {
	mu      sync.Mutex
	parents []string
	methods []string
}

func (s *seenRequests) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var msg struct {
			Method string `json:"method"`
		}
		if r.Body != nil {
			b, _ := io.ReadAll(r.Body)
			_ = json.Unmarshal(b, &msg)
			r.Body = io.NopCloser(bytes.NewReader(b))
		}
		s.mu.Lock()
		s.parents = append(s.parents, r.Header.Get("Traceparent"))
		s.methods = append(s.methods, msg.Method)
		s.mu.Unlock()
		next.ServeHTTP(w, r)
	})
}

func (s *seenRequests) take() (parents, methods []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	parents, methods = s.parents, s.methods
	s.parents, s.methods = nil, nil
	return parents, methods
}

var e2eTraceparentRE = regexp.MustCompile(`^00-([0-9a-f]{32})-([0-9a-f]{16})-0[01]$`)

// TestTracesEndToEnd probes real MCP servers with tracing to a real
// Jaeger, scraped by a real Prometheus 3 storing exemplars: every request
// span of a probe is in its trace, every traceparent a server saw is a
// span of a trace in Jaeger, a failing probe's spans are ERROR with
// error.type, no span carries a credential or an undeclared tool name,
// the exemplars Prometheus stores are traces in Jaeger, and nothing is
// sent with tracing off.
func TestTracesEndToEnd(t *testing.T) {
	jaeger := startJaeger(t)
	prom3 := testsupport.Prometheus3Path(t)

	seen := &seenRequests{}
	srv := testsupport.Serve(t, seen.wrap(endToEndServer()))
	failing := fakemcp.New()
	failing.On = map[string]fakemcp.Handler{"tools/list": func(w http.ResponseWriter, r *http.Request, m fakemcp.Msg) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(fakemcp.Error(m.ID, -32603, `"undeclared_tool_beta failed"`)))
	}}
	failingSeen := &seenRequests{}
	failingSrv := testsupport.Serve(t, failingSeen.wrap(failing))

	const bearer = "e2e-bearer-secret-value"
	modules := fmt.Sprintf(`modules:
  default:
    timeout: 5s
    tool_call: {name: alpha, arguments: {text: probe}}
  bearer:
    timeout: 5s
    allow_any_target: true
    http_config: {bearer_token: %s}
`, bearer)
	withTracing := modules + fmt.Sprintf("tracing:\n  endpoint: %s\n  insecure: true\n  sampling_fraction: 1.0\n", jaeger.otlpGRPC)
	te := newTestExporter(t, withTracing, "")
	if err := te.exporter.applyTracing(te.exporter.config.Get().Tracing); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(te.exporter.stopTracing)
	exporterAddr := strings.TrimPrefix(te.server.URL, "http://")
	prom := startPrometheus(t, prom3, map[string]any{
		"global": map[string]any{"scrape_interval": "1s", "scrape_timeout": "1s"},
		"scrape_configs": []any{map[string]any{
			"job_name":       "mcp_exporter",
			"static_configs": []any{map[string]any{"targets": []any{exporterAddr}}},
		}},
	}, "--enable-feature=exemplar-storage")

	probe := func(module, target string, wantOK bool) {
		t.Helper()
		code, body := te.get(t, "/probe?"+url.Values{"module": {module}, "target": {target + "/mcp?api_key=e2e-query-secret"}}.Encode())
		if code != http.StatusOK || strings.Contains(body, "probe_success 1") != wantOK {
			t.Fatalf("probe %s of %s: %d\n%s", module, target, code, body)
		}
	}
	for range 3 {
		probe("default", srv.URL, true)
	}
	probe("bearer", srv.URL, true)
	probe("default", failingSrv.URL, false)
	if err := te.exporter.tracer.ForceFlush(context.Background()); err != nil {
		t.Fatal(err)
	}

	secrets := []string{bearer, "e2e-query-secret", "beta", "a tool", "undeclared_tool_beta", "error from the fake"}
	check := func(name string, s *seenRequests, failed bool) map[string]bool {
		parents, methods := s.take()
		byTrace := map[string][]int{}
		for i, p := range parents {
			m := e2eTraceparentRE.FindStringSubmatch(p)
			if m == nil {
				t.Fatalf("%s: request %d (%s) traceparent %q", name, i, methods[i], p)
			}
			byTrace[m[1]] = append(byTrace[m[1]], i)
		}
		for id, reqs := range byTrace {
			spans := jaeger.trace(t, id, len(reqs))
			if spans == nil {
				t.Errorf("%s: trace %s is not in Jaeger", name, id)
				continue
			}
			t.Logf("%s: trace %s: %d requests seen by the server, %d spans in Jaeger", name, id, len(reqs), len(spans))
			bySpan := map[string]jaegerSpan{}
			for _, sp := range spans {
				bySpan[sp.SpanID] = sp
				for _, tg := range sp.Tags {
					for _, secret := range secrets {
						if strings.Contains(fmt.Sprint(tg.Value), secret) || strings.Contains(sp.OperationName, secret) {
							t.Errorf("%s: span %q tag %s carries %q", name, sp.OperationName, tg.Key, secret)
						}
					}
				}
			}
			for _, i := range reqs {
				m := e2eTraceparentRE.FindStringSubmatch(parents[i])
				sp, ok := bySpan[m[2]]
				if !ok {
					t.Errorf("%s: the traceparent of request %d (%s) is no span of trace %s", name, i, methods[i], id)
					continue
				}
				if methods[i] == "" {
					continue
				}
				// The HTTP span's parent is the MCP request's span.
				if len(sp.References) == 0 {
					t.Errorf("%s: HTTP span %q has no parent", name, sp.OperationName)
					continue
				}
				if parent := bySpan[sp.References[0].SpanID]; parent.tag("mcp.method.name") != methods[i] {
					t.Errorf("%s: request %s: the HTTP span's parent is %q (mcp.method.name %q)", name, methods[i], parent.OperationName, parent.tag("mcp.method.name"))
				}
			}
			var root jaegerSpan
			for _, sp := range spans {
				if len(sp.References) == 0 {
					root = sp
				}
			}
			if failed {
				if root.tag("otel.status_code") != "ERROR" || root.tag("error.type") != "jsonrpc_error" {
					t.Errorf("%s: failing probe's root span: status %q error.type %q", name, root.tag("otel.status_code"), root.tag("error.type"))
				}
				found := false
				for _, sp := range spans {
					if sp.tag("mcp.method.name") == "tools/list" {
						found = sp.tag("otel.status_code") == "ERROR" && sp.tag("error.type") == "-32603"
					}
				}
				if !found {
					t.Errorf("%s: no tools/list span ERROR with error.type -32603", name)
				}
			} else if root.tag("mcp_exporter.result") != "success" {
				t.Errorf("%s: root span %q result %q", name, root.OperationName, root.tag("mcp_exporter.result"))
			}
		}
		ids := map[string]bool{}
		for id := range byTrace {
			ids[id] = true
		}
		return ids
	}
	traces := check("passing", seen, false)
	if len(traces) != 4 {
		t.Errorf("%d traces of passing probes, want 4", len(traces))
	}
	check("failing", failingSeen, true)

	// Prometheus 3 stores the probes' exemplars; each is a trace in Jaeger.
	deadline := time.Now().Add(30 * time.Second)
	var exemplarIDs []string
	for len(exemplarIDs) == 0 {
		exemplarIDs = queryExemplarTraceIDs(t, prom, `mcp_exporter_probe_duration_seconds_bucket{module="default"}`)
		if len(exemplarIDs) == 0 {
			if time.Now().After(deadline) {
				t.Fatalf("Prometheus stored no exemplar; log:\n%s", prom.log)
			}
			time.Sleep(200 * time.Millisecond)
		}
	}
	t.Logf("Prometheus returned %d exemplars of mcp_exporter_probe_duration_seconds", len(exemplarIDs))
	for _, id := range exemplarIDs {
		if jaeger.trace(t, id, 1) == nil {
			t.Errorf("exemplar trace %s is not in Jaeger", id)
		}
	}
	if ops := queryExemplarTraceIDs(t, prom, `mcp_client_operation_duration_seconds_bucket{mcp_method_name="tools/call"}`); len(ops) == 0 {
		t.Error("no exemplar on mcp_client_operation_duration_seconds")
	}

	// Tracing off: a probe's trace never reaches Jaeger.
	writeConfig(t, te.configFile, modules)
	if code, _ := do(t, http.MethodPost, te.server.URL+"/-/reload"); code != http.StatusOK || te.exporter.tracer != nil {
		t.Fatalf("reload without tracing: %d", code)
	}
	probe("default", srv.URL, true)
	parents, _ := seen.take()
	m := e2eTraceparentRE.FindStringSubmatch(parents[0])
	time.Sleep(time.Second) // the batch timeout of Jaeger's pipeline, ten times over
	resp, err := http.Get(jaeger.query + "/api/traces/" + m[1])
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("with tracing off, Jaeger answers %d for the probe's trace %s", resp.StatusCode, m[1])
	}
}

// queryExemplarTraceIDs returns the trace ids of the exemplars Prometheus
// stored for q over the last five minutes.
func queryExemplarTraceIDs(t *testing.T, p *promServer, q string) []string {
	t.Helper()
	now := time.Now()
	resp, err := http.Get(p.url + "/api/v1/query_exemplars?" + url.Values{"query": {q},
		"start": {fmt.Sprint(now.Add(-5 * time.Minute).Unix())}, "end": {fmt.Sprint(now.Add(time.Minute).Unix())}}.Encode())
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var got struct {
		Data []struct {
			Exemplars []struct {
				Labels map[string]string `json:"labels"`
			} `json:"exemplars"`
		} `json:"data"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&got); err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, d := range got.Data {
		for _, e := range d.Exemplars {
			if id := e.Labels["trace_id"]; id != "" {
				ids = append(ids, id)
			}
		}
	}
	return ids
}
