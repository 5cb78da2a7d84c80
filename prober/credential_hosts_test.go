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
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
)

// idnProxy is a loopback HTTP proxy that stands in for DNS: every request
// the exporter sends, to whatever host, arrives here with the host it was
// meant for and its Authorization header. It answers 502.
type idnProxy struct {
	*httptest.Server
	mu   sync.Mutex
	seen []string // "host authorization"
}

func newIDNProxy(t *testing.T) *idnProxy {
	t.Helper()
	p := &idnProxy{}
	p.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.mu.Lock()
		p.seen = append(p.seen, r.URL.Host+" "+r.Header.Get("Authorization"))
		p.mu.Unlock()
		http.Error(w, "no upstream", http.StatusBadGateway)
	}))
	t.Cleanup(p.Close)
	return p
}

func (p *idnProxy) requests() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.seen...)
}

// TestUnicodeHostDoesNotBorrowAllowedTargets is issue 9 item 2:
// mcp.vİctim.example (U+0130) lower-cases to mcp.victim.example with Unicode
// rules and so matched the allowed pattern, while the transport dials
// mcp.xn--victim-qyd.example, a name the attacker registers, and sends it
// the bearer token. The proxy sees where each request was going.
func TestUnicodeHostDoesNotBorrowAllowedTargets(t *testing.T) {
	const secret = "s3cr3t-idn-token"
	proxy := newIDNProxy(t)
	modules := authConfig(t, map[string]string{
		"m": `allowed_targets: ['http://mcp\.victim\.example/.*', 'http://xn--bcher-kva\.example/.*']
http_config:
  authorization: {credentials: ` + secret + `}
  proxy_url: ` + proxy.URL,
	})
	f := newHandlerFixture(t, modules)
	refused := func() float64 { return counterValue(t, f.h.Metrics.RefusedTargets.WithLabelValues("m")) }

	for i, target := range []string{
		"http://mcp.v%C4%B0ctim.example/mcp",
		"http://mcp.vİctim.example/mcp",
		"http://MCP.V%C4%B0CTIM.EXAMPLE/mcp",
		"http://mcp.vic%E2%80%8Dtim.example/mcp", // no ASCII form at all
		"http://mcp.victim.example./mcp",         // dialled with its dot: not what the pattern names
	} {
		w := f.probe(t, url.Values{"module": {"m"}, "target": {target}}, nil)
		body := strings.TrimSpace(w.Body.String())
		if w.Code != http.StatusBadRequest || !strings.HasPrefix(body, "target not allowed") || strings.Contains(body, "\n") {
			t.Errorf("%s: %d %.80q, want 400 with a one-line reason", target, w.Code, body)
		}
		if got := refused(); got != float64(i+1) {
			t.Errorf("%s: refused targets = %v, want %d", target, got, i+1)
		}
	}
	if reqs := proxy.requests(); len(reqs) != 0 {
		t.Fatalf("the credential left for hosts that allowed_targets do not name: %q", reqs)
	}

	// The proxy does see what is allowed: the real host, and an IDN target
	// listed in its ASCII form, which is the host the request goes to.
	for _, target := range []string{"http://MCP.victim.example/mcp", "http://b%C3%BCcher.example/mcp"} {
		if w := f.probe(t, url.Values{"module": {"m"}, "target": {target}}, nil); w.Code != http.StatusOK {
			t.Fatalf("%s: %d %s", target, w.Code, w.Body)
		}
	}
	for _, r := range proxy.requests() {
		host, _, _ := strings.Cut(r, " ")
		if host != "MCP.victim.example" && host != "xn--bcher-kva.example" {
			t.Errorf("a request went to %q", r)
		}
	}
	if len(proxy.requests()) == 0 {
		t.Error("the proxy saw nothing: the refusals above prove nothing")
	}
}
