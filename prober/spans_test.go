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
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
	promconfig "github.com/prometheus/common/config"
	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/mcp-exporter/mcp_exporter/config"
	"github.com/mcp-exporter/mcp_exporter/internal/testsupport"
	"github.com/mcp-exporter/mcp_exporter/internal/testsupport/fakemcp"
	"github.com/mcp-exporter/mcp_exporter/internal/tracing"
)

// tracedProber is a prober whose spans end up in the returned exporter
// (exported as they end, sampling fraction f).
func tracedProber(t *testing.T, f float64) (*Prober, *tracetest.InMemoryExporter, *sdktrace.TracerProvider) {
	t.Helper()
	exp := tracetest.NewInMemoryExporter()
	tp := tracing.NewProvider(exp, f, "test", true)
	t.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
	p := New()
	p.SetTracerProvider(tp)
	return p, exp, tp
}

// spanAttrs is every attribute value and name of spans, for leak checks.
func spanText(spans tracetest.SpanStubs) string {
	var b strings.Builder
	for _, s := range spans {
		b.WriteString(s.Name + "\n" + s.Status.Description + "\n")
		for _, a := range s.Attributes {
			b.WriteString(string(a.Key) + "=" + a.Value.String() + "\n")
		}
		for _, e := range s.Events {
			b.WriteString(e.Name + "\n")
			for _, a := range e.Attributes {
				b.WriteString(string(a.Key) + "=" + a.Value.String() + "\n")
			}
		}
	}
	return b.String()
}

func attr(s tracetest.SpanStub, key string) string {
	for _, a := range s.Attributes {
		if string(a.Key) == key {
			return a.Value.String()
		}
	}
	return ""
}

func TestProbeSpans(t *testing.T) {
	for _, stateless := range []bool{false, true} {
		name := "stateful"
		if stateless {
			name = "stateless"
		}
		t.Run(name, func(t *testing.T) {
			tt := &toolCallTools{}
			rec := &traceRecorder{}
			srv := testsupport.SDKServer{AddTools: tt.add}
			if stateless {
				srv.HTTP = mcp.StreamableHTTPOptions{Stateless: true}
			}
			ts := testsupport.Serve(t, rec.wrap(srv.Handler()))
			p, exp, _ := tracedProber(t, 1)
			m := toolCallModule("health_check", "")
			m.HTTPClientConfig.Authorization = &promconfig.Authorization{Type: "Bearer", Credentials: "s3cret-bearer-token"}
			res := runProbe(t, p, ts.URL+"/?api_key=hunter2-query-value", m)
			if !res.ok {
				t.Fatalf("probe failed:\n%s", res.logs)
			}
			spans := exp.GetSpans()
			byID := map[trace.SpanID]tracetest.SpanStub{}
			var root tracetest.SpanStub
			for _, s := range spans {
				byID[s.SpanContext.SpanID()] = s
				if s.SpanContext.TraceID() != trace.TraceID(res.result.TraceID) {
					t.Errorf("span %q in trace %s, the probe's is %s", s.Name, s.SpanContext.TraceID(), res.result.TraceID)
				}
				if !s.Parent.IsValid() {
					root = s
				}
			}
			if root.Name != "probe test" || attr(root, "mcp_exporter.result") != "success" || root.Status.Code != codes.Ok {
				t.Fatalf("root span %q result %q status %v", root.Name, attr(root, "mcp_exporter.result"), root.Status)
			}
			if got := attr(root, "mcp_exporter.target"); !strings.Contains(got, "api_key=") || strings.Contains(got, "hunter2") {
				t.Errorf("target attribute %q: want the query value masked", got)
			}
			if !res.result.TraceSampled {
				t.Error("the result does not say its trace was sampled")
			}
			// Each request of the Result is a CLIENT span under a layer span.
			var requests []tracetest.SpanStub
			for _, s := range spans {
				if attr(s, "mcp.method.name") != "" {
					requests = append(requests, s)
				}
			}
			if len(requests) != len(res.result.Requests) || len(requests) < 3 {
				t.Fatalf("%d request spans, the result has %d requests", len(requests), len(res.result.Requests))
			}
			for i, s := range requests {
				want := res.result.Requests[i].Method
				if s.SpanKind != trace.SpanKindClient || attr(s, "mcp.method.name") != want {
					t.Errorf("request span %d: %q kind %v, want %s, CLIENT", i, s.Name, s.SpanKind, want)
				}
				parent, ok := byID[s.Parent.SpanID()]
				if !ok || !strings.HasPrefix(parent.Name, "layer ") {
					t.Errorf("request span %q: parent %q, want a layer", s.Name, parent.Name)
				}
				if attr(s, "server.address") != "127.0.0.1" || attr(s, "network.transport") != "tcp" || attr(s, "server.port") == "" {
					t.Errorf("request span %q: server.address %q, network.transport %q", s.Name, attr(s, "server.address"), attr(s, "network.transport"))
				}
				if want == "tools/call" {
					if s.Name != "tools/call health_check" || attr(s, "gen_ai.tool.name") != "health_check" {
						t.Errorf("tools/call span %q gen_ai.tool.name %q", s.Name, attr(s, "gen_ai.tool.name"))
					}
				} else if attr(s, "gen_ai.tool.name") != "" {
					t.Errorf("%s span names a tool", want)
				}
				if want != "initialize" && want != "server/discover" && attr(s, "mcp.protocol.version") == "" {
					t.Errorf("%s span without mcp.protocol.version", want)
				}
			}
			// Every traceparent the server saw is a span of the trace: the
			// header an HTTP span under a request span, _meta a request span.
			rec.mu.Lock()
			seen := append(append([]string{}, rec.headers...), rec.metas...)
			nheaders := len(rec.headers)
			rec.mu.Unlock()
			for i, tp := range seen {
				if tp == "" {
					continue
				}
				mm := traceparentRE.FindStringSubmatch(tp)
				if mm == nil || mm[1] != res.result.TraceID.String() {
					t.Errorf("traceparent %q is not of the probe's trace", tp)
					continue
				}
				var sid trace.SpanID
				copy(sid[:], mustHex(t, mm[2]))
				s, ok := byID[sid]
				if !ok {
					t.Errorf("traceparent %q: no such span", tp)
					continue
				}
				if i < nheaders {
					parent := byID[s.Parent.SpanID()]
					if s.SpanKind != trace.SpanKindClient || attr(s, "http.request.method") == "" || attr(parent, "mcp.method.name") == "" && !strings.HasPrefix(parent.Name, "layer ") {
						t.Errorf("header traceparent %q is span %q under %q", tp, s.Name, parent.Name)
					}
				} else if attr(s, "mcp.method.name") == "" {
					t.Errorf("_meta traceparent %q is span %q, not a request's", tp, s.Name)
				}
			}
			if stateless && len(rec.metas) == 0 {
				t.Error("no _meta traceparent seen")
			}
			text := spanText(spans)
			for _, secret := range []string{"s3cret-bearer-token", "hunter2", "plain", "failing", "regional", "status: ok", "Echoes", "echo"} {
				if strings.Contains(text, secret) {
					t.Errorf("a span carries %q:\n%s", secret, text)
				}
			}
		})
	}
}

func mustHex(t *testing.T, s string) []byte {
	t.Helper()
	b := make([]byte, len(s)/2)
	for i := range b {
		var v byte
		for _, c := range []byte(s[2*i : 2*i+2]) {
			switch {
			case c >= '0' && c <= '9':
				v = v<<4 | (c - '0')
			case c >= 'a' && c <= 'f':
				v = v<<4 | (c - 'a' + 10)
			default:
				t.Fatalf("not hex: %q", s)
			}
		}
		b[i] = v
	}
	return b
}

// A failing probe's spans are ERROR with error.type, and are sent even
// when the probe's trace was not sampled; a passing unsampled probe sends
// nothing.
func TestProbeSpansFailure(t *testing.T) {
	fake := fakemcp.New()
	fake.On = map[string]fakemcp.Handler{"tools/list": func(w http.ResponseWriter, r *http.Request, m fakemcp.Msg) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(fakemcp.Error(m.ID, -32603, `"tool secret_tool_name broke"`)))
	}}
	target := fake.Start(t)
	p, exp, tp := tracedProber(t, 0)
	res := runProbe(t, p, target, config.DefaultModule)
	if res.ok {
		t.Fatal("the probe passed")
	}
	if err := tp.ForceFlush(context.Background()); err != nil {
		t.Fatal(err)
	}
	spans := exp.GetSpans()
	if len(spans) == 0 {
		t.Fatal("an unsampled failing probe sent no span")
	}
	var root, list tracetest.SpanStub
	for _, s := range spans {
		if !s.Parent.IsValid() {
			root = s
		}
		if attr(s, "mcp.method.name") == "tools/list" {
			list = s
		}
		if s.SpanContext.IsSampled() {
			t.Errorf("span %q sampled at fraction 0", s.Name)
		}
	}
	if root.Status.Code != codes.Error || attr(root, "error.type") != "jsonrpc_error" || attr(root, "mcp_exporter.failed_layer") != LayerTools {
		t.Errorf("root: status %v error.type %q failed layer %q", root.Status, attr(root, "error.type"), attr(root, "mcp_exporter.failed_layer"))
	}
	if list.Status.Code != codes.Error || attr(list, "error.type") != "-32603" {
		t.Errorf("tools/list span: status %v error.type %q", list.Status, attr(list, "error.type"))
	}
	if strings.Contains(spanText(spans), "secret_tool_name") || strings.Contains(spanText(spans), "error from the fake") {
		t.Error("a span quotes the server's error")
	}
	if res.result.TraceSampled {
		t.Error("TraceSampled at fraction 0")
	}

	exp.Reset()
	ok := fakemcp.New()
	res = runProbe(t, p, ok.Start(t), config.DefaultModule)
	if !res.ok {
		t.Fatalf("probe failed:\n%s", res.logs)
	}
	_ = tp.ForceFlush(context.Background())
	if n := len(exp.GetSpans()); n != 0 {
		t.Errorf("an unsampled passing probe sent %d spans", n)
	}
}

// Off, a probe makes no span and keeps sending its own traceparent.
func TestProbeSpansOff(t *testing.T) {
	p := New()
	p.SetTracerProvider(nil)
	fake := fakemcp.New()
	res := runProbe(t, p, fake.Start(t), config.DefaultModule)
	if !res.ok || res.result.TraceSampled {
		t.Fatalf("ok %v sampled %v", res.ok, res.result.TraceSampled)
	}
	r, _ := fake.LastSeen("tools/list")
	if tp := r.Header.Get("Traceparent"); !strings.HasPrefix(tp, "00-"+res.result.TraceID.String()+"-") || !strings.HasSuffix(tp, "-01") {
		t.Errorf("traceparent %q", tp)
	}
}

// Off, the tracing seams of a probe (its root, each layer, each request)
// allocate nothing.
func TestProbeSpansOffAllocs(t *testing.T) {
	pr := &probe{prober: New(), result: &Result{}, module: &config.DefaultModule}
	l := &layerSpec{name: LayerTools, step: func(*probe, context.Context) bool { return true }}
	rt := (*requestTracer)(pr)
	ctx := context.Background()
	allocs := testing.AllocsPerRun(100, func() {
		pr.result.Requests = pr.result.requests[:0]
		c := pr.startProbeSpan(ctx, "default", TraceID{1})
		pr.runLayer(c, l)
		c2, tp := rt.StartRequest(c, "tools/list")
		rt.EndRequest(c2, "tools/list", time.Millisecond, nil)
		pr.endProbeSpan()
		if tp != "" || pr.span != nil {
			t.Fatal("a span with tracing off")
		}
	})
	if allocs != 0 {
		t.Errorf("%v allocations per probe with tracing off, want 0", allocs)
	}
}

// The OAuth2 token has a span under the request that waited for it: the
// token endpoint's host, whether this probe fetched it; never the token
// or the client secret.
func TestProbeSpansToken(t *testing.T) {
	ep, target, m := authOAuthTarget(t, 3600)
	p, exp, _ := tracedProber(t, 1)
	res := runProbe(t, p, target, m)
	if !res.ok {
		t.Fatalf("probe failed:\n%s", res.logs)
	}
	spans := exp.GetSpans()
	var token tracetest.SpanStub
	for _, s := range spans {
		if s.Name == "oauth2 token" {
			token = s
		}
	}
	if token.Name == "" || attr(token, "server.address") != "127.0.0.1" || attr(token, "mcp_exporter.oauth2.fetched_by_this_probe") != "true" {
		t.Fatalf("token span %q server.address %q fetched %q", token.Name, attr(token, "server.address"), attr(token, "mcp_exporter.oauth2.fetched_by_this_probe"))
	}
	text := spanText(spans)
	issued := ep.tokens.presented()
	if len(issued) == 0 {
		t.Fatal("the server saw no token")
	}
	for _, secret := range append([]string{"s3cr3t-client", "Bearer "}, issued...) {
		if strings.Contains(text, secret) {
			t.Errorf("a span carries %q", secret)
		}
	}
}
