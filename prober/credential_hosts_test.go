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
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/mcp-exporter/mcp_exporter/internal/dialhost"
	"github.com/mcp-exporter/mcp_exporter/internal/failure"
	"github.com/mcp-exporter/mcp_exporter/internal/oauthdiscovery"
	"github.com/mcp-exporter/mcp_exporter/internal/testsupport"
)

// idnProxy is a loopback HTTP proxy that stands in for DNS: every request
// the exporter sends, to whatever host, arrives here with the host it was
// meant for and its Authorization header. It answers 502.
type idnProxy struct {
	*httptest.Server
	seenLog // "host authorization"
}

// seenLog is what a test server was sent, a line a request, kept across
// the server's goroutines.
type seenLog struct {
	mu   sync.Mutex
	seen []string
}

func (l *seenLog) add(entry string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.seen = append(l.seen, entry)
}

// requests returns a copy of the lines so far.
func (l *seenLog) requests() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.seen...)
}

func newIDNProxy(t *testing.T) *idnProxy {
	t.Helper()
	p := &idnProxy{}
	p.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.add(r.URL.Host + " " + r.Header.Get("Authorization"))
		http.Error(w, "no upstream", http.StatusBadGateway)
	}))
	t.Cleanup(p.Close)
	return p
}

// TestUnicodeHostDoesNotBorrowAllowedTargets is issue 9 item 2:
// mcp.vİctim.example (U+0130) lower-cases to mcp.victim.example with Unicode
// rules and so matched the allowed pattern, while the transport dials
// mcp.xn--victim-qyd.example, a name the attacker registers, and sends it
// the bearer token. The proxy sees where each request was going.
func TestUnicodeHostDoesNotBorrowAllowedTargets(t *testing.T) {
	t.Parallel()
	const secret = "s3cr3t-idn-token"
	proxy := newIDNProxy(t)
	modules := authConfig(t, map[string]string{
		"m": `allowed_targets: ['http://mcp\.victim\.example/.*', 'http://xn--bcher-kva\.example/.*']
http_config:
  authorization: {credentials: ` + secret + `}
  proxy_url: ` + proxy.URL,
	})
	f := newHandlerFixture(t, modules)
	refused := func() float64 { return testsupport.MetricValue(t, f.h.Metrics.RefusedTargets.WithLabelValues("m")) }

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

// discStrangerMarker is in everything the stranger answers: it must never
// reach the probe's output.
const discStrangerMarker = "stranger-was-here"

// discStranger is a host that no module lists: it answers every GET with
// metadata that makes it the protected resource's metadata host, the
// authorization server and the token endpoint, and every POST with a
// token, and counts what it is sent.
type discStranger struct {
	*httptest.Server
	seenLog // "METHOD path", with " +secret" when the client secret came along

	mu       sync.Mutex // guards resource
	resource string     // what its protected resource metadata claims to describe
}

func newDiscStranger(t *testing.T) *discStranger {
	t.Helper()
	s := &discStranger{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<16))
		entry := r.Method + " " + r.URL.Path
		if _, pw, _ := r.BasicAuth(); pw != "" || strings.Contains(string(body), "s3cr3t-client") {
			entry += " +secret"
		}
		s.add(entry)
		s.mu.Lock()
		resource := s.resource
		s.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		if r.Method == http.MethodPost {
			_ = json.NewEncoder(w).Encode(map[string]any{"access_token": discStrangerMarker, "token_type": "Bearer", "expires_in": 3600})
			return
		}
		_ = json.NewEncoder(w).Encode(map[string]any{
			"resource": resource, "authorization_servers": []string{s.URL},
			"issuer": s.URL, "token_endpoint": s.URL + "/token", "note": discStrangerMarker,
		})
	}))
	t.Cleanup(s.Close)
	return s
}

// discAttackPeers is an allowed MCP target under an attacker's control and
// the operator's own authorization server. The target answers 401 with
// resourceMetadata (if any) and serves protected resource metadata naming
// issuers; the authorization server's metadata names tokenEndpoint.
type discAttackPeers struct {
	rs, as *httptest.Server
	target string
}

func newDiscAttackPeers(t *testing.T, resourceMetadata string, issuers []string, tokenEndpoint string) *discAttackPeers {
	t.Helper()
	d := &discAttackPeers{}
	asMux := http.NewServeMux()
	d.as = testsupport.Serve(t, asMux)
	asMux.HandleFunc("/.well-known/oauth-authorization-server", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		te := strings.ReplaceAll(tokenEndpoint, "{{AS}}", d.as.URL)
		_ = json.NewEncoder(w).Encode(map[string]any{"issuer": d.as.URL, "token_endpoint": te})
	})
	asMux.HandleFunc("/token", func(w http.ResponseWriter, _ *http.Request) {
		http.Error(w, `{"error":"invalid_client"}`, http.StatusUnauthorized)
	})
	rsMux := http.NewServeMux()
	d.rs = testsupport.Serve(t, rsMux)
	d.target = d.rs.URL + "/mcp"
	rsMux.HandleFunc("/mcp", func(w http.ResponseWriter, _ *http.Request) {
		challenge := `Bearer error="invalid_token"`
		if resourceMetadata != "" {
			challenge += fmt.Sprintf(`, resource_metadata=%q`, resourceMetadata)
		}
		w.Header().Set("WWW-Authenticate", challenge)
		http.Error(w, "unauthorized", http.StatusUnauthorized)
	})
	rsMux.HandleFunc("/.well-known/oauth-protected-resource/mcp", func(w http.ResponseWriter, _ *http.Request) {
		named := make([]string, len(issuers))
		for i, is := range issuers {
			named[i] = strings.ReplaceAll(is, "{{AS}}", d.as.URL)
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"resource": d.target, "authorization_servers": named})
	})
	return d
}

// TestDiscoveryGoesOnlyToListedIssuers is issue 9 item 1: with
// oauth2_discovery, an allowed target named where discovery went next, and
// the exporter fetched metadata from any host and port and POSTed
// client_id:client_secret to whatever token endpoint it found. Now protected
// resource metadata comes only from the target's origin, authorization
// server metadata only from an issuer in oauth2_issuers, and the token
// endpoint must be on that issuer's origin or listed too; each refusal fails
// the discovery layer, and the stranger hears nothing.
func TestDiscoveryGoesOnlyToListedIssuers(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name             string
		resourceMetadata string // "{{XX}}" is the stranger
		issuers          []string
		tokenEndpoint    string
		reason           failure.Reason
		why              string
	}{
		{
			name:             "resource_metadata on the stranger",
			resourceMetadata: "{{XX}}/.well-known/oauth-protected-resource",
			issuers:          []string{"{{AS}}"}, tokenEndpoint: "{{AS}}/token",
			reason: failure.ReasonDiscovery, why: "is not on the target's origin",
		},
		{
			name:    "the target's metadata names the stranger as authorization server",
			issuers: []string{"{{XX}}"}, tokenEndpoint: "{{AS}}/token",
			reason: failure.ReasonIssuerNotAllowed, why: "is not in oauth2_issuers",
		},
		{
			name:    "the listed issuer names the stranger's token endpoint",
			issuers: []string{"{{AS}}"}, tokenEndpoint: "{{XX}}/token",
			reason: failure.ReasonIssuerNotAllowed, why: "is neither on the issuer's origin nor allowed by oauth2_issuers",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			xx := newDiscStranger(t)
			expand := strings.NewReplacer("{{XX}}", xx.URL)
			issuers := make([]string, len(tc.issuers))
			for i, is := range tc.issuers {
				issuers[i] = expand.Replace(is)
			}
			d := newDiscAttackPeers(t, expand.Replace(tc.resourceMetadata), issuers, expand.Replace(tc.tokenEndpoint))
			xx.mu.Lock()
			xx.resource = d.target
			xx.mu.Unlock()
			m := authModule(t, fmt.Sprintf(`http_config:
  oauth2: {client_id: probe-client, client_secret: s3cr3t-client}
oauth2_discovery: true
oauth2_issuers: ['%s']
%s`, regexp.QuoteMeta(d.as.URL), authAllowOnly(d.target)))
			res := runProbe(t, nil, d.target, m)
			authFail(t, res, LayerDiscovery, string(tc.reason))
			if !strings.Contains(res.logs, tc.why) {
				t.Errorf("the log does not say why (%q):\n%s", tc.why, res.logs)
			}
			if reqs := xx.requests(); len(reqs) != 0 {
				t.Errorf("the stranger was sent %q", reqs)
			}
			if strings.Contains(res.logs+res.metrics, discStrangerMarker) {
				t.Errorf("the probe reports what the stranger answers:\n%s", res.logs)
			}
		})
	}

	t.Run("the listed issuer on its own origin", func(t *testing.T) {
		d := newDiscAttackPeers(t, "", []string{"{{AS}}"}, "{{AS}}/token")
		m := authModule(t, fmt.Sprintf("http_config:\n  oauth2: {client_id: probe-client, client_secret: s3cr3t-client}\noauth2_discovery: true\noauth2_issuers: ['%s']\n%s",
			regexp.QuoteMeta(d.as.URL), authAllowOnly(d.target)))
		res := runProbe(t, nil, d.target, m)
		// Discovery passes; the operator's authorization server then refuses the client.
		if o := layerOutcome(t, res.result, LayerDiscovery); o != Passed {
			t.Errorf("discovery layer %s, want passed\n%s", o, res.logs)
		}
		authFail(t, res, LayerAuth, string(failure.ReasonTokenRequest))
	})
}

// TestRedirectToUnicodeHostKeepsCredential: a credentialed probe of an
// allowed ASCII host is redirected to a non-ASCII spelling of the same
// host. Compared in its ASCII form it is the same origin, but through a
// proxy net/http asks for the name in another spelling, so a credential
// that followed could reach a host nobody allowed. It is refused.
func TestRedirectToUnicodeHostKeepsCredential(t *testing.T) {
	t.Parallel()
	const secret = "s3cr3t-idn-redirect"
	unicodeHost := "mcp.vİctim.example"
	asciiHost, err := dialhost.Normalize(unicodeHost)
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var seen []string
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen = append(seen, r.URL.Host+" "+r.Header.Get("Authorization"))
		mu.Unlock()
		if r.URL.Host == asciiHost {
			http.Redirect(w, r, "http://"+unicodeHost+"/mcp", http.StatusTemporaryRedirect)
			return
		}
		http.Error(w, "no upstream", http.StatusBadGateway)
	}))
	t.Cleanup(proxy.Close)
	m := authModule(t, "allowed_targets: ['http://"+regexp.QuoteMeta(asciiHost)+"/.*']\nhttp_config:\n  authorization: {credentials: "+secret+"}\n  proxy_url: "+proxy.URL)
	res := runProbe(t, nil, "http://"+asciiHost+"/mcp", m)
	authFail(t, res, LayerHandshake, "redirect")
	mu.Lock()
	defer mu.Unlock()
	for _, s := range seen {
		if host, _, _ := strings.Cut(s, " "); host != asciiHost {
			t.Errorf("a request went to %q", s)
		}
	}
	if len(seen) == 0 {
		t.Error("the proxy saw nothing: the refusal proves nothing")
	}
}

// TestDiscoveredEndpointFollowsNarrowedIssuers: a token endpoint found
// under one configuration is not used once the module's oauth2_issuers no
// longer admit its issuer, even if a probe that ran across a reload kept
// it after the reload had emptied the cache.
func TestDiscoveredEndpointFollowsNarrowedIssuers(t *testing.T) {
	t.Parallel()
	xx := newDiscStranger(t)
	d := newDiscAttackPeers(t, "", []string{"{{AS}}"}, "{{AS}}/token")
	m := authModule(t, fmt.Sprintf("http_config:\n  oauth2: {client_id: probe-client, client_secret: s3cr3t-client}\noauth2_discovery: true\noauth2_issuers: ['%s']\n%s",
		regexp.QuoteMeta(d.as.URL), authAllowOnly(d.target)))
	p := New()
	u, _ := url.Parse(d.target)
	// What a probe under a wider, earlier configuration found and kept.
	p.discovered.put("test\x00"+u.String(), &oauthdiscovery.AuthServer{Issuer: xx.URL, TokenEndpoint: xx.URL + "/token"})
	res := runProbe(t, p, d.target, m)
	if reqs := xx.requests(); len(reqs) != 0 {
		t.Errorf("the token endpoint kept from before was sent %q", reqs)
	}
	// Discovery ran afresh and found the listed issuer.
	if o := layerOutcome(t, res.result, LayerDiscovery); o != Passed {
		t.Errorf("discovery layer %s, want passed\n%s", o, res.logs)
	}
}
