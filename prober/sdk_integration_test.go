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
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/mcp-exporter/mcp_exporter/config"
	"github.com/mcp-exporter/mcp_exporter/internal/protocol"
	"github.com/mcp-exporter/mcp_exporter/internal/testsupport"
)

// requestLog counts what a real server was sent, by JSON-RPC method (or
// HTTP method for bodiless requests), so tests can assert the exchanges.
type requestLog struct {
	mu      sync.Mutex
	methods []string
}

func (l *requestLog) wrap(next http.Handler) http.Handler {
	return observeRequests(next, func(r *http.Request, body []byte) {
		op := r.Method
		if r.Method == http.MethodPost {
			var m struct {
				Method string `json:"method"`
			}
			_ = json.Unmarshal(body, &m)
			op = m.Method
		}
		l.mu.Lock()
		l.methods = append(l.methods, op)
		l.mu.Unlock()
	})
}

// observeRequests serves next, showing see each request and its body
// first (the body read, and put back for next).
func observeRequests(next http.Handler, see func(r *http.Request, body []byte)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		see(r, body)
		next.ServeHTTP(w, r)
	})
}

func (l *requestLog) count(op string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for _, m := range l.methods {
		if m == op {
			n++
		}
	}
	return n
}

// wrapServer puts a requestLog in front of a test server's handler.
func wrapServer(ts *httptest.Server) *requestLog {
	l := &requestLog{}
	ts.Config.Handler = l.wrap(ts.Config.Handler)
	return l
}

// healthy is what assertHealthy expects of a probe: the negotiated
// revision, the tool count, and whether the module has a close layer.
type healthy struct {
	version    string
	tools      int
	closeLayer bool
}

// assertHealthy checks what a successful probe of a go-sdk test server
// must have found.
func assertHealthy(t *testing.T, res probeResult, want healthy) {
	t.Helper()
	r := res.result
	if !res.ok {
		t.Fatalf("probe failed:\n%s\n%s", res.logs, describe(r))
	}
	succeeded(t, r)
	layers := []string{LayerConnect, LayerHandshake, LayerTools}
	if want.closeLayer {
		layers = append(layers, LayerClose)
	}
	wantPassed(t, r, layers...)
	for _, l := range r.Layers {
		if l.Duration < 0 {
			t.Errorf("layer %s duration = %v", l.Name, l.Duration)
		}
	}
	for _, l := range []string{LayerConnect, LayerHandshake} {
		if d := layerDuration(r, l); d <= 0 {
			t.Errorf("layer %s duration = %v, want > 0", l, d)
		}
	}
	// Over HTTP+SSE the last answer to an MCP request is the POST's 202;
	// over Streamable HTTP it is the 200 that carried the response.
	transport, status := protocol.TransportStreamableHTTP, 200
	if r.Transport == protocol.TransportSSE {
		transport, status = protocol.TransportSSE, 202
	}
	if r.Transport != transport || r.HTTPStatus != status {
		t.Errorf("transport %q, status %d; want %q, %d", r.Transport, r.HTTPStatus, transport, status)
	}
	if sv := r.Server; sv == nil || sv.ProtocolVersion != want.version || sv.Name != "sdk-test-server" || sv.Version != "1.2.3" || !slices.Contains(sv.Capabilities, "tools") {
		t.Errorf("server %+v, want sdk-test-server 1.2.3 speaking %s with tools", sv, want.version)
	}
	if tl := r.Tools; tl == nil || tl.Count != want.tools || (want.tools > 0 && tl.Digest == nil) {
		t.Errorf("tools %+v, want %d with their hashes", tl, want.tools)
	}
	// An IP address: no lookup.
	if c := r.Connection; c == nil || c.DNSLookup != 0 {
		t.Errorf("connection %+v, want one without a DNS lookup", c)
	}
	if r.RPCErrorCode != nil {
		t.Errorf("JSON-RPC error code %d on a successful probe", *r.RPCErrorCode)
	}
}

func TestSDKServersEveryMode(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name       string
		server     testsupport.SDKServer
		wantVer    string
		wantDELETE int
	}{
		{"stateful SSE answers", testsupport.SDKServer{}, "2025-11-25", 1},
		{"stateful JSON answers", testsupport.SDKServer{HTTP: mcp.StreamableHTTPOptions{JSONResponse: true}}, "2025-11-25", 1},
		{"stateless (2026-07-28)", testsupport.SDKServer{HTTP: mcp.StreamableHTTPOptions{Stateless: true}}, "2026-07-28", 0},
		{"stateless JSON (2026-07-28)", testsupport.SDKServer{HTTP: mcp.StreamableHTTPOptions{Stateless: true, JSONResponse: true}}, "2026-07-28", 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ts := c.server.Start(t)
			log := wrapServer(ts)
			res := runProbe(t, nil, ts.URL, config.DefaultModule)
			assertHealthy(t, res, healthy{c.wantVer, 1, true})
			if n := log.count(http.MethodDelete); n != c.wantDELETE {
				t.Errorf("DELETE sent %d times, want %d", n, c.wantDELETE)
			}
			if c.wantVer == "2026-07-28" && log.count("initialize") != 0 {
				t.Error("a stateless server was sent initialize")
			}
		})
	}
}

// A server restricted to one revision is detected as such; the prober
// pinned to a revision speaks exactly that one.
func TestSDKServersPinnedRevisions(t *testing.T) {
	t.Parallel()
	for _, v := range []string{"2025-11-25", "2025-06-18", "2025-03-26", "2024-11-05"} {
		t.Run("server speaks only "+v, func(t *testing.T) {
			ts := testsupport.SDKServer{Versions: []string{v}}.Start(t)
			assertHealthy(t, runProbe(t, nil, ts.URL, config.DefaultModule), healthy{v, 1, true})
		})
		if v == "2024-11-05" {
			continue // the config refuses to pin it: that revision's transport is legacy SSE
		}
		t.Run("prober pinned to "+v, func(t *testing.T) {
			ts := testsupport.SDKServer{}.Start(t)
			log := wrapServer(ts)
			m := config.DefaultModule
			m.ProtocolVersion = v
			assertHealthy(t, runProbe(t, nil, ts.URL, m), healthy{v, 1, true})
			if log.count("server/discover") != 0 {
				t.Error("a pinned legacy revision must skip server/discover")
			}
		})
	}
	t.Run("prober pinned to 2026-07-28 against a stateless server", func(t *testing.T) {
		ts := testsupport.SDKServer{HTTP: mcp.StreamableHTTPOptions{Stateless: true}}.Start(t)
		m := config.DefaultModule
		m.ProtocolVersion = "2026-07-28"
		assertHealthy(t, runProbe(t, nil, ts.URL, m), healthy{"2026-07-28", 1, true})
	})
	t.Run("prober pinned to 2026-07-28 against a stateful server", func(t *testing.T) {
		ts := testsupport.SDKServer{}.Start(t)
		log := wrapServer(ts)
		m := config.DefaultModule
		m.ProtocolVersion = "2026-07-28"
		res := runProbe(t, nil, ts.URL, m)
		if res.ok {
			t.Fatal("probe succeeded")
		}
		failedAt(t, res.result, LayerHandshake, "unsupported_protocol_version")
		if log.count("initialize") != 0 {
			t.Error("pinned 2026-07-28 must not fall back to initialize")
		}
	})
	t.Run("valid_protocol_versions steers auto", func(t *testing.T) {
		ts := testsupport.SDKServer{HTTP: mcp.StreamableHTTPOptions{Stateless: true}}.Start(t)
		log := wrapServer(ts)
		m := config.DefaultModule
		m.ValidProtocolVersions = []string{"2025-06-18"}
		// The stateless go-sdk server also speaks the older revisions
		// through initialize; excluding 2026-07-28 skips discovery.
		assertHealthy(t, runProbe(t, nil, ts.URL, m), healthy{"2025-06-18", 1, true})
		if log.count("server/discover") != 0 {
			t.Error("server/discover sent although 2026-07-28 is not valid")
		}
	})
}

func TestSDKServerTLS(t *testing.T) {
	t.Parallel()
	ts := testsupport.SDKServer{TLS: true}.Start(t)
	cert := ts.Certificate()
	m := config.DefaultModule
	m.FailIfNotTLS = true
	trustServer(t, ts, &m)
	res := runProbe(t, nil, ts.URL, m)
	assertHealthy(t, res, healthy{"2025-11-25", 1, true})
	if c := res.result.Connection; c == nil || c.TLS == nil || !c.TLS.EarliestCertExpiry.Equal(cert.NotAfter) || c.TLS.Version != "TLS 1.3" {
		t.Errorf("connection %+v, want TLS 1.3 and the certificate's expiry %v", c, cert.NotAfter)
	}

	t.Run("untrusted certificate fails the connect layer with tls", func(t *testing.T) {
		res := runProbe(t, nil, ts.URL, config.DefaultModule)
		failedAt(t, res.result, LayerConnect, "tls")
		if o := layerOutcome(t, res.result, LayerHandshake); o != NotReached {
			t.Errorf("handshake %s without a connection", o)
		}
	})
}

func TestSDKServerPagination(t *testing.T) {
	t.Parallel()
	ts := testsupport.SDKServer{Tools: 5, PageSize: 2}.Start(t)
	log := wrapServer(ts)
	res := runProbe(t, nil, ts.URL, config.DefaultModule)
	assertHealthy(t, res, healthy{"2025-11-25", 5, true})
	if n := log.count("tools/list"); n != 3 {
		t.Errorf("tools/list sent %d times, want 3 pages", n)
	}
	// The hash covers the whole list, not a page: the same tools in one
	// page hash the same.
	one := testsupport.SDKServer{Tools: 5}.Start(t)
	if a, b := schemaSHA256(t, res.result), schemaSHA256(t, runProbe(t, nil, one.URL, config.DefaultModule).result); a != b {
		t.Errorf("paged and unpaged lists hash differently: %s vs %s", a, b)
	}
}

func TestSDKServerWithoutTools(t *testing.T) {
	t.Parallel()
	ts := testsupport.SDKServer{NoTools: true}.Start(t)
	log := wrapServer(ts)
	res := runProbe(t, nil, ts.URL, config.DefaultModule)
	if !res.ok {
		t.Fatalf("probe failed:\n%s", res.logs)
	}
	if tl := res.result.Tools; tl == nil || tl.Count != 0 || tl.Digest != nil {
		t.Errorf("tools %+v, want none and no hashes", tl)
	}
	if sv := res.result.Server; sv == nil || slices.Contains(sv.Capabilities, "tools") {
		t.Errorf("server %+v: tools capability reported for a server without tools", sv)
	}
	if log.count("tools/list") != 0 {
		t.Error("tools/list sent to a server without the tools capability")
	}
}

// The schema hash depends on the tools only: not on the server process,
// the era it speaks, or the answer format.
func TestSDKSchemaHashStable(t *testing.T) {
	t.Parallel()
	var hashes []string
	for _, o := range []testsupport.SDKServer{
		{Tools: 3},
		{Tools: 3}, // a second process: a "restart"
		{Tools: 3, HTTP: mcp.StreamableHTTPOptions{Stateless: true}},
		{Tools: 3, HTTP: mcp.StreamableHTTPOptions{JSONResponse: true}},
	} {
		ts := o.Start(t)
		hashes = append(hashes, schemaSHA256(t, runProbe(t, nil, ts.URL, config.DefaultModule).result))
	}
	for _, h := range hashes[1:] {
		if h != hashes[0] {
			t.Fatalf("schema hashes differ: %v", hashes)
		}
	}
	ts := testsupport.SDKServer{Tools: 4}.Start(t)
	if h := schemaSHA256(t, runProbe(t, nil, ts.URL, config.DefaultModule).result); h == hashes[0] {
		t.Error("adding a tool did not change the schema hash")
	}
}

// A stateful server is sent server/discover once; later probes remember
// the era. A failed probe makes the next one detect again.
func TestSDKEraVerdictRemembered(t *testing.T) {
	t.Parallel()
	ts := testsupport.SDKServer{}.Start(t)
	log := wrapServer(ts)
	p := New()
	for range 3 {
		assertHealthy(t, runProbe(t, p, ts.URL, config.DefaultModule), healthy{"2025-11-25", 1, true})
	}
	if n := log.count("server/discover"); n != 1 {
		t.Errorf("server/discover sent %d times over 3 probes, want 1", n)
	}
	m := config.DefaultModule
	m.RequiredTools = []string{"absent"}
	if runProbe(t, p, ts.URL, m).ok {
		t.Fatal("probe with a missing required tool succeeded")
	}
	runProbe(t, p, ts.URL, config.DefaultModule)
	if n := log.count("server/discover"); n != 2 {
		t.Errorf("server/discover sent %d times, want 2 after a failed probe", n)
	}
	p.Reset()
	runProbe(t, p, ts.URL, config.DefaultModule)
	if n := log.count("server/discover"); n != 3 {
		t.Errorf("server/discover sent %d times, want 3 after Reset", n)
	}
}

// close_session: false leaves the session (and the close layer) out.
func TestSDKCloseSessionOff(t *testing.T) {
	t.Parallel()
	ts := testsupport.SDKServer{}.Start(t)
	log := wrapServer(ts)
	m := config.DefaultModule
	m.CloseSession = false
	res := runProbe(t, nil, ts.URL, m)
	assertHealthy(t, res, healthy{"2025-11-25", 1, false})
	if _, ok := res.result.Layer(LayerClose); ok {
		t.Error("close layer reported although close_session is false")
	}
	if log.count(http.MethodDelete) != 0 {
		t.Error("DELETE sent although close_session is false")
	}
}

func TestSDKRequiredToolsAndHash(t *testing.T) {
	t.Parallel()
	ts := testsupport.SDKServer{Tools: 3}.Start(t)
	first := runProbe(t, nil, ts.URL, config.DefaultModule)
	m := config.DefaultModule
	m.RequiredTools = []string{"echo"}
	m.ExpectedSchemaHash = schemaSHA256(t, first.result)
	m.MinTools = 3
	assertHealthy(t, runProbe(t, nil, ts.URL, m), healthy{"2025-11-25", 3, true})
	m.MinTools = 4
	res := runProbe(t, nil, ts.URL, m)
	failedAt(t, res.result, LayerTools, "no_tools")
	if tl := res.result.Tools; tl == nil || tl.Count != 3 {
		t.Errorf("tools %+v on a failed count check, want 3", tl)
	}
}
