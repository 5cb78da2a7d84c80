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
	"bytes"
	"context"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
	promconfig "github.com/prometheus/common/config"

	"github.com/mcp-exporter/mcp_exporter/config"
	"github.com/mcp-exporter/mcp_exporter/internal/testsupport"
)

// annotatedTools registers tools covering every way of stating (or not)
// the hints: read_only 1, destructive 2, idempotent 1, open_world 2.
func annotatedTools(s *mcp.Server) {
	no, yes := false, true
	handler := func(_ context.Context, _ *mcp.CallToolRequest, in testsupport.EchoIn) (*mcp.CallToolResult, testsupport.EchoOut, error) {
		return nil, testsupport.EchoOut{Echo: in.Text}, nil
	}
	for _, tool := range []*mcp.Tool{
		// read-only: destructive and idempotent are not meaningful.
		{Name: "reader", Annotations: &mcp.ToolAnnotations{ReadOnlyHint: true, DestructiveHint: &yes, IdempotentHint: true, OpenWorldHint: &no}},
		{Name: "writer", Annotations: &mcp.ToolAnnotations{DestructiveHint: &no, IdempotentHint: true}},
		{Name: "plain"}, // no annotations: destructive, open-world
		{Name: "deleter", Annotations: &mcp.ToolAnnotations{DestructiveHint: &yes, OpenWorldHint: &no}},
	} {
		mcp.AddTool(s, tool, handler)
	}
}

// listBytesRecorder adds up the results of the tools/list answers a
// server sends in JSON (the same bytes the wire client takes in).
type listBytesRecorder struct {
	mu sync.Mutex
	n  int
}

func (rec *listBytesRecorder) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		var req struct{ Method string }
		_ = json.Unmarshal(body, &req)
		if req.Method != "tools/list" {
			next.ServeHTTP(w, r)
			return
		}
		cw := httptest.NewRecorder()
		next.ServeHTTP(cw, r)
		var msg struct{ Result json.RawMessage }
		if json.Unmarshal(cw.Body.Bytes(), &msg) == nil {
			rec.mu.Lock()
			rec.n += len(msg.Result)
			rec.mu.Unlock()
		}
		for k, v := range cw.Header() {
			w.Header()[k] = v
		}
		w.WriteHeader(cw.Code)
		_, _ = w.Write(cw.Body.Bytes())
	})
}

func TestToolsByHint(t *testing.T) {
	want := map[string]float64{"read_only": 1, "destructive": 2, "idempotent": 1, "open_world": 2}
	cases := []sdkCase{
		sdkStatefulSSE,
		sdkStatefulJSON,
		{"stateless JSON paged", testsupport.SDKServer{HTTP: mcp.StreamableHTTPOptions{Stateless: true, JSONResponse: true}, PageSize: 3}, nil},
		{"legacy SSE", testsupport.SDKServer{SSE: true}, legacySSE},
	}
	sizes := map[string]float64{}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			c.server.AddTools = annotatedTools
			rec := &listBytesRecorder{}
			ts := testsupport.Serve(t, rec.wrap(c.server.Handler()))
			m := moduleWith(c.module)
			res := runProbe(t, nil, ts.URL, m)
			if !res.ok {
				t.Fatalf("probe failed:\n%s", res.logs)
			}
			for hint, n := range want {
				if got, ok := metricValue(t, res.metrics, "probe_mcp_tools_by_hint", map[string]string{"hint": hint}); !ok || got != n {
					t.Errorf("probe_mcp_tools_by_hint{hint=%q} = %v (present %v), want %v", hint, got, ok, n)
				}
			}
			size, ok := metricValue(t, res.metrics, "probe_mcp_tools_list_bytes", nil)
			if !ok || size < 200 {
				t.Fatalf("probe_mcp_tools_list_bytes = %v (present %v)", size, ok)
			}
			if c.server.HTTP.JSONResponse && size != float64(rec.n) {
				t.Errorf("probe_mcp_tools_list_bytes = %v, the server's tools/list results hold %d bytes", size, rec.n)
			}
			sizes[c.name] = size
		})
	}
	// The same list in one page is the same size whatever carries it.
	if sizes["stateful SSE answers"] != sizes["stateful JSON answers"] || sizes["legacy SSE"] != sizes["stateful JSON answers"] {
		t.Errorf("list sizes differ across transports: %v", sizes)
	}
}

func TestToolsByHintAllPresentWhenZero(t *testing.T) {
	res := runProbe(t, nil, testsupport.SDKServer{}.Start(t).URL, config.DefaultModule)
	for hint, n := range map[string]float64{"read_only": 0, "destructive": 1, "idempotent": 0, "open_world": 1} {
		if got, ok := metricValue(t, res.metrics, "probe_mcp_tools_by_hint", map[string]string{"hint": hint}); !ok || got != n {
			t.Errorf("probe_mcp_tools_by_hint{hint=%q} = %v (present %v), want %v", hint, got, ok, n)
		}
	}
	// No tools capability: nothing listed, no series.
	res = runProbe(t, nil, testsupport.SDKServer{NoTools: true}.Start(t).URL, config.DefaultModule)
	if strings.Contains(res.metrics, "probe_mcp_tools_by_hint") || strings.Contains(res.metrics, "probe_mcp_tools_list_bytes") {
		t.Errorf("series without tools/list:\n%s", res.metrics)
	}
}

// testJWT is an unsigned JWT whose payload is claims.
func testJWT(claims string) string {
	enc := base64.RawURLEncoding.EncodeToString
	return enc([]byte(`{"alg":"none","typ":"JWT"}`)) + "." + enc([]byte(claims)) + "." + enc([]byte("sig"))
}

func TestCredentialExpiryBearerJWT(t *testing.T) {
	exp := time.Now().Add(80 * time.Hour).Unix()
	token := testJWT(fmt.Sprintf(`{"exp":%d,"sub":"probe"}`, exp))
	ts := authSDKServer(t, token)
	file := testsupport.WriteFile(t, filepath.Join(t.TempDir(), "token"), []byte(token+"\n"), 0o600)
	for name, body := range map[string]string{
		"authorization credentials":      "http_config:\n  authorization: {credentials: " + token + "}\nallow_any_target: true",
		"authorization credentials_file": "http_config:\n  authorization: {credentials_file: " + file + "}\nallow_any_target: true",
		"bearer_token_file":              "http_config:\n  bearer_token_file: " + file + "\nallow_any_target: true",
	} {
		t.Run(name, func(t *testing.T) {
			res := runProbe(t, nil, ts.URL, authModule(t, body))
			if !res.ok {
				t.Fatalf("probe failed:\n%s", res.logs)
			}
			got, ok := metricValue(t, res.metrics, "probe_mcp_credential_expiry_timestamp_seconds", map[string]string{"kind": "bearer_jwt"})
			if !ok || int64(got) != exp {
				t.Errorf("bearer_jwt expiry = %v (present %v), want %d", got, ok, exp)
			}
			if strings.Contains(res.metrics+res.logs, token) {
				t.Error("the token shows in the metrics or logs")
			}
		})
	}
	t.Run("an opaque token has none", func(t *testing.T) {
		ts := authSDKServer(t, "opaque-token-value")
		res := runProbe(t, nil, ts.URL, authModule(t, "http_config:\n  authorization: {credentials: opaque-token-value}\nallow_any_target: true"))
		if !res.ok || strings.Contains(res.metrics, "probe_mcp_credential_expiry_timestamp_seconds") {
			t.Errorf("ok %v, metrics:\n%s", res.ok, res.metrics)
		}
	})
}

func TestCredentialExpiryClientCertificate(t *testing.T) {
	cert := testsupport.Certificate(t, "probe-client")
	pemBytes := testsupport.ReadFile(t, cert.CertFile)
	block, _ := pem.Decode(pemBytes)
	parsed, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	ts := testsupport.SDKServer{TLS: true}.Start(t)
	m := config.DefaultModule
	trustServer(t, ts, &m)
	m.HTTPClientConfig.TLSConfig.CertFile, m.HTTPClientConfig.TLSConfig.KeyFile = cert.CertFile, cert.KeyFile
	res := runProbe(t, nil, ts.URL, m)
	if !res.ok {
		t.Fatalf("probe failed:\n%s", res.logs)
	}
	got, ok := metricValue(t, res.metrics, "probe_mcp_credential_expiry_timestamp_seconds", map[string]string{"kind": "client_certificate"})
	if !ok || int64(got) != parsed.NotAfter.Unix() {
		t.Errorf("client_certificate expiry = %v (present %v), want %d", got, ok, parsed.NotAfter.Unix())
	}
	// Inline, and the probe fails: the expiry is still reported.
	m.HTTPClientConfig.TLSConfig.CertFile, m.HTTPClientConfig.TLSConfig.KeyFile = "", ""
	m.HTTPClientConfig.TLSConfig.Cert = string(pemBytes)
	keyBytes, _ := os.ReadFile(cert.KeyFile)
	m.HTTPClientConfig.TLSConfig.Key = promconfig.Secret(keyBytes)
	res = runProbe(t, nil, "https://"+testsupport.RefusedAddr(t), m)
	if got, ok := metricValue(t, res.metrics, "probe_mcp_credential_expiry_timestamp_seconds", map[string]string{"kind": "client_certificate"}); res.ok || !ok || int64(got) != parsed.NotAfter.Unix() {
		t.Errorf("failed probe: ok %v, client_certificate expiry = %v (present %v)", res.ok, got, ok)
	}
}

// tokenEndpoint answers token requests with answer, or status 500 while
// down is set.
type tokenEndpoint struct {
	mu     sync.Mutex
	answer string
	down   bool
}

func (e *tokenEndpoint) ServeHTTP(w http.ResponseWriter, _ *http.Request) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.down {
		http.Error(w, "down", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = io.WriteString(w, e.answer)
}

func (e *tokenEndpoint) set(answer string, down bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.answer, e.down = answer, down
}

func TestCredentialExpiryOAuth2(t *testing.T) {
	idp := &tokenEndpoint{answer: `{"access_token":"opaque-access-token","token_type":"Bearer","expires_in":3600}`}
	tokenURL, _ := serveIdP(t, idp)
	ts := testsupport.SDKServer{}.Start(t)
	m := authModule(t, fmt.Sprintf("http_config:\n  oauth2: {client_id: probe-client, client_secret: s3cr3t-client, token_url: %s}\nallow_any_target: true", tokenURL))
	value := func(res probeResult, name string, labels map[string]string) float64 {
		t.Helper()
		v, ok := metricValue(t, res.metrics, name, labels)
		if !ok {
			t.Fatalf("no %s%v in\n%s", name, labels, res.metrics)
		}
		return v
	}
	oauth2Kind := map[string]string{"kind": "oauth2"}
	clock := &testClock{}
	p := NewWithClock(clock.Now)

	before := time.Now()
	first := runProbe(t, p, ts.URL, m)
	if !first.ok {
		t.Fatalf("probe failed:\n%s", first.logs)
	}
	exp := value(first, "probe_mcp_credential_expiry_timestamp_seconds", oauth2Kind)
	if lo, hi := float64(before.Add(time.Hour).Unix()-1), float64(time.Now().Add(time.Hour).Unix()+1); exp < lo || exp > hi {
		t.Errorf("oauth2 expiry %v, want within [%v, %v]", exp, lo, hi)
	}
	if f := value(first, "probe_mcp_oauth2_token_fetched", nil); f != 1 {
		t.Errorf("first probe: fetched %v, want 1", f)
	}
	if s := value(first, "probe_mcp_oauth2_token_fetch_success", nil); s != 1 {
		t.Errorf("first probe: fetch_success %v, want 1", s)
	}
	if d := value(first, "probe_mcp_oauth2_token_fetch_duration_seconds", nil); d <= 0 || d > 5 {
		t.Errorf("fetch duration %v", d)
	}

	clock.Step(1100 * time.Millisecond)
	second := runProbe(t, p, ts.URL, m)
	if f := value(second, "probe_mcp_oauth2_token_fetched", nil); f != 0 {
		t.Errorf("second probe: fetched %v, want 0 (cached)", f)
	}
	if age := value(second, "probe_mcp_oauth2_token_age_seconds", nil); age < 1 || age > 10 {
		t.Errorf("second probe: age %v, want about 1s", age)
	}
	if e := value(second, "probe_mcp_credential_expiry_timestamp_seconds", oauth2Kind); e != exp {
		t.Errorf("second probe: expiry %v, want the cached token's %v", e, exp)
	}

	// Without expires_in, a JWT access token's exp is its expiry.
	jwtExp := time.Now().Add(30 * time.Minute).Unix()
	idp.set(fmt.Sprintf(`{"access_token":%q,"token_type":"Bearer"}`, testJWT(fmt.Sprintf(`{"exp":%d}`, jwtExp))), false)
	p.Reset()
	third := runProbe(t, p, ts.URL, m)
	if e := value(third, "probe_mcp_credential_expiry_timestamp_seconds", oauth2Kind); int64(e) != jwtExp {
		t.Errorf("JWT access token: expiry %v, want %d", e, jwtExp)
	}
	// Neither: the expiry is not known.
	idp.set(`{"access_token":"opaque","token_type":"Bearer"}`, false)
	p.Reset()
	fourth := runProbe(t, p, ts.URL, m)
	if _, ok := metricValue(t, fourth.metrics, "probe_mcp_credential_expiry_timestamp_seconds", oauth2Kind); ok || !fourth.ok {
		t.Errorf("no expires_in, opaque token: ok %v, metrics:\n%s", fourth.ok, fourth.metrics)
	}

	// The identity provider is down: the fetch's outcome shows, no token.
	idp.set("", true)
	p.Reset()
	down := runProbe(t, p, ts.URL, m)
	if down.ok {
		t.Fatal("probe passed without a token")
	}
	if s := value(down, "probe_mcp_oauth2_token_fetch_success", nil); s != 0 {
		t.Errorf("IdP down: fetch_success %v, want 0", s)
	}
	for _, name := range []string{"probe_mcp_oauth2_token_age_seconds", "probe_mcp_oauth2_token_fetched", "probe_mcp_credential_expiry_timestamp_seconds"} {
		if strings.Contains(down.metrics, name+" ") || strings.Contains(down.metrics, name+"{") {
			t.Errorf("IdP down: %s reported without a token", name)
		}
	}
	for _, res := range []probeResult{first, second, third, fourth, down} {
		if strings.Contains(res.metrics+res.logs, "opaque-access-token") {
			t.Error("the access token shows in the metrics or logs")
		}
	}
}

var traceparentRE = regexp.MustCompile(`^00-([0-9a-f]{32})-([0-9a-f]{16})-01$`)

// traceRecorder records the traceparent header of every request a server
// gets, and the _meta traceparent of every JSON-RPC request.
type traceRecorder struct {
	mu      sync.Mutex
	headers []string
	metas   []string
	methods []string
}

func (rec *traceRecorder) wrap(next http.Handler) http.Handler {
	return observeRequests(next, func(r *http.Request, body []byte) {
		var msg struct {
			Method string
			Params struct {
				Meta map[string]any `json:"_meta"`
			}
		}
		_ = json.Unmarshal(body, &msg)
		rec.mu.Lock()
		rec.headers = append(rec.headers, r.Header.Get("traceparent"))
		if msg.Method != "" {
			tp, _ := msg.Params.Meta["traceparent"].(string)
			rec.metas = append(rec.metas, tp)
			rec.methods = append(rec.methods, msg.Method)
		}
		rec.mu.Unlock()
	})
}

func (rec *traceRecorder) reset() {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	rec.headers, rec.metas, rec.methods = nil, nil, nil
}

// check checks that every request carried the trace id, each with a span
// of its own, and returns the trace id.
func (rec *traceRecorder) check(t *testing.T, stateless bool) string {
	t.Helper()
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if len(rec.headers) < 2 {
		t.Fatalf("only %d requests", len(rec.headers))
	}
	trace := ""
	spans := map[string]bool{}
	see := func(tp, where string) {
		m := traceparentRE.FindStringSubmatch(tp)
		if m == nil {
			t.Errorf("%s: traceparent %q", where, tp)
			return
		}
		if trace == "" {
			trace = m[1]
		}
		if m[1] != trace {
			t.Errorf("%s: trace id %s, the probe's is %s", where, m[1], trace)
		}
		if spans[m[2]] {
			t.Errorf("%s: span id %s used twice", where, m[2])
		}
		spans[m[2]] = true
	}
	for i, h := range rec.headers {
		see(h, fmt.Sprintf("request %d header", i))
	}
	for i, tp := range rec.metas {
		switch {
		case stateless || rec.methods[i] == "server/discover":
			// server/discover is a 2026-07-28 request, whoever answers it.
			see(tp, rec.methods[i]+" _meta")
		case tp != "":
			t.Errorf("%s carries _meta traceparent %q before 2026-07-28", rec.methods[i], tp)
		}
	}
	return trace
}

func TestTraceContext(t *testing.T) {
	cases := []sdkCase{
		{"stateful", testsupport.SDKServer{Tools: 5, PageSize: 2}, nil},
		{"stateless", testsupport.SDKServer{HTTP: mcp.StreamableHTTPOptions{Stateless: true}, Tools: 5, PageSize: 2}, nil},
		{"legacy SSE", testsupport.SDKServer{SSE: true}, legacySSE},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rec := &traceRecorder{}
			ts := testsupport.Serve(t, rec.wrap(c.server.Handler()))
			m := moduleWith(c.module)
			p := New()
			res := runProbe(t, p, ts.URL, m)
			if !res.ok {
				t.Fatalf("probe failed:\n%s", res.logs)
			}
			stateless := c.name == "stateless"
			trace := rec.check(t, stateless)
			if trace != res.result.TraceID.String() {
				t.Errorf("server saw trace %s, the result says %s", trace, res.result.TraceID)
			}
			if !strings.Contains(res.logs, "trace_id="+trace) {
				t.Errorf("the trace id is not in the probe's log lines:\n%s", res.logs)
			}
			if strings.Contains(res.metrics, trace) {
				t.Error("the trace id is a label")
			}
			rec.reset()
			runProbe(t, p, ts.URL, m)
			if again := rec.check(t, stateless); again == trace {
				t.Error("two probes share a trace id")
			}
		})
	}
}

func TestTraceContextHandler(t *testing.T) {
	rec := &traceRecorder{}
	ts := testsupport.Serve(t, rec.wrap(testsupport.SDKServer{}.Handler()))
	f := newHandlerFixture(t, map[string]config.Module{"test": config.DefaultModule})
	w := f.probe(t, url.Values{"module": {"test"}, "target": {ts.URL}, "debug": {"true"}}, nil)
	trace := rec.check(t, false)
	started := regexp.MustCompile(`(?m)^.*msg="probe started".*$`).FindString(w.Body.String())
	if !strings.Contains(started, "trace_id="+trace) {
		t.Errorf("the probe started line lacks trace_id=%s: %q", trace, started)
	}
	metrics := w.Body.String()[strings.Index(w.Body.String(), "Metrics that would have been returned"):]
	if strings.Contains(metrics[:strings.Index(metrics, "Module configuration")], trace) {
		t.Error("the trace id is in the metrics")
	}
}
