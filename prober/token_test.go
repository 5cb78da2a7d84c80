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

// Attacks on the OAuth2 token source (issue 9 items 5, 6 and 8, issue 11
// item 6): an identity provider that never answers, fails, redirects,
// answers garbage, or a server that stops taking its token. Each test
// goes through Prober.Probe (or the /probe handler) only.

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/auth"

	"github.com/mcp-exporter/mcp_exporter/internal/testsupport"
)

// countingIdP wraps a token endpoint's handler, counting the requests it
// receives and how many are in flight at once.
type countingIdP struct {
	next     http.Handler
	requests atomic.Int64
	inFlight atomic.Int64
	maxIn    atomic.Int64
}

func (c *countingIdP) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	c.requests.Add(1)
	n := c.inFlight.Add(1)
	defer c.inFlight.Add(-1)
	for {
		m := c.maxIn.Load()
		if n <= m || c.maxIn.CompareAndSwap(m, n) {
			break
		}
	}
	c.next.ServeHTTP(w, r)
}

// serveIdP starts h as a token endpoint and returns its token URL and
// counter.
func serveIdP(t *testing.T, h http.Handler) (string, *countingIdP) {
	t.Helper()
	c := &countingIdP{next: h}
	ts := testsupport.Serve(t, c)
	return ts.URL + "/token", c
}

// settledGoroutines waits up to d for the goroutine count to fall to at
// most want, and returns the last count.
func settledGoroutines(want int, d time.Duration) int {
	deadline := time.Now().Add(d)
	n := runtime.NumGoroutine()
	for n > want && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
		n = runtime.NumGoroutine()
	}
	return n
}

// (a) An identity provider that accepts connections and never answers:
// probes faster than one per 30s must not pile up goroutines, and only one
// token request may be in flight.
func TestTokenHungIdPLeavesNothingBehind(t *testing.T) {
	release := make(chan struct{})
	tokenURL, idp := serveIdP(t, http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(func() { close(release) }) // runs first: lets the IdP close
	ts, rec := authBearerServer(t, authStaticVerifier(authPtr("never")), nil)
	m := authOAuthModule(t, tokenURL, "timeout: 200ms")
	p := New()

	base := settledGoroutines(0, 200*time.Millisecond)
	const probes = 60
	var wg sync.WaitGroup
	var failed atomic.Int64
	for i := range probes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res := runProbe(t, p, ts.URL, m)
			if res.ok || !strings.Contains(res.metrics, `probe_mcp_failure_info{layer="auth",reason="token_request"} 1`) {
				failed.Add(1)
			}
		}()
		time.Sleep(20 * time.Millisecond)
		if i%10 == 9 {
			// Every probe started more than its 200ms ago has ended and
			// left nothing behind: the count stays near the baseline.
			if n := settledGoroutines(base+10, time.Second); n > base+10 {
				t.Fatalf("after %d probes: %d goroutines, baseline %d", i+1, n, base)
			}
		}
	}
	wg.Wait()
	if n := failed.Load(); n != 0 {
		t.Errorf("%d probes did not fail with auth/token_request", n)
	}
	// What stays: the one fetch in flight (its goroutine, its connection's
	// two and the IdP's handler), not one per probe.
	n := settledGoroutines(base+10, 2*time.Second)
	t.Logf("goroutines: baseline %d, after %d probes %d", base, probes, n)
	if n > base+10 {
		t.Errorf("%d goroutines after %d probes, baseline %d: probes left work behind", n, probes, base)
	}
	if n := idp.requests.Load(); n != 1 {
		t.Errorf("%d token requests, want 1 (one fetch in flight, shared)", n)
	}
	if n := idp.maxIn.Load(); n != 1 {
		t.Errorf("%d token requests in flight at once, want 1", n)
	}
	if n := len(rec.all()); n != 0 {
		t.Errorf("the MCP server got %d requests without a token", n)
	}
}

// (b) After a failed fetch the source backs off: the probes of the next
// second fail with token_request at once, and send nothing.
func TestTokenBackoff(t *testing.T) {
	tokenURL, idp := serveIdP(t, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = io.WriteString(w, `{"error":"temporarily_unavailable"}`)
	}))
	ts, _ := authBearerServer(t, authStaticVerifier(authPtr("never")), nil)
	m := authOAuthModule(t, tokenURL, "")
	clock := &testClock{}
	p := NewWithClock(clock.Now)
	first := runProbe(t, p, ts.URL, m)
	authFail(t, first, LayerAuth, "token_request")
	if n := idp.requests.Load(); n != 1 {
		t.Fatalf("%d token requests in the first probe, want 1", n)
	}
	for i := range 5 {
		start := time.Now()
		res := runProbe(t, p, ts.URL, m)
		authFail(t, res, LayerAuth, "token_request")
		if d := time.Since(start); d > 200*time.Millisecond {
			t.Errorf("probe %d during the back-off took %s", i, d)
		}
		if !strings.Contains(res.logs, "backing off") || !strings.Contains(res.logs, "temporarily_unavailable") {
			t.Errorf("probe %d does not say it backs off, and why:\n%s", i, res.logs)
		}
	}
	if n := idp.requests.Load(); n != 1 {
		t.Errorf("%d token requests, want 1: the probes during the back-off sent some", n)
	}
	clock.Step(1100 * time.Millisecond) // the first back-off is 1s
	authFail(t, runProbe(t, p, ts.URL, m), LayerAuth, "token_request")
	if n := idp.requests.Load(); n != 2 {
		t.Errorf("%d token requests after the back-off, want 2", n)
	}
}

// (c) A token_url that answers 307 towards another port: the secret
// follows no redirect.
func TestTokenRedirectRefused(t *testing.T) {
	t.Parallel()
	const secret = "s3cr3t-c7f0e1-RD9Q4XZ"
	tokens := newAuthTokens()
	other := newAuthTokenEndpoint("probe-client", secret, tokens)
	otherURL, otherIdP := serveIdP(t, other)
	for _, status := range []int{http.StatusTemporaryRedirect, http.StatusPermanentRedirect, http.StatusFound} {
		t.Run(fmt.Sprint(status), func(t *testing.T) {
			tokenURL, idp := serveIdP(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				http.Redirect(w, r, otherURL, status)
			}))
			ts, rec := authBearerServer(t, tokens.verify, nil)
			m := authModule(t, fmt.Sprintf("http_config:\n  oauth2: {client_id: probe-client, client_secret: %s, token_url: %s}\nallow_any_target: true", secret, tokenURL))
			before := otherIdP.requests.Load()
			res := runProbe(t, New(), ts.URL, m)
			authFail(t, res, LayerAuth, "token_request")
			if n := otherIdP.requests.Load() - before; n != 0 {
				t.Errorf("the redirect's destination received %d token requests", n)
			}
			if n := idp.requests.Load(); n != 1 {
				t.Errorf("%d token requests, want 1", n)
			}
			if !strings.Contains(res.logs, "redirect") {
				t.Errorf("the log does not say a redirect was refused:\n%s", res.logs)
			}
			if strings.Contains(res.logs, secret) || strings.Contains(res.logs, otherURL) {
				t.Errorf("the log shows the secret or the redirect's destination:\n%s", res.logs)
			}
			if n := len(rec.all()); n != 0 {
				t.Errorf("the MCP server got %d requests", n)
			}
		})
	}
}

// (d) An expires_in of 0, negative or absent must not cost a fetch per
// request: one token serves many probes.
func TestTokenWithoutUsableLifetime(t *testing.T) {
	for _, expiresIn := range []string{`0`, `-1`, `-3600`, `null`, ``, `"0"`} {
		t.Run("expires_in="+expiresIn, func(t *testing.T) {
			tokens := newAuthTokens()
			var issued atomic.Int64
			tokenURL, idp := serveIdP(t, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				tok := fmt.Sprintf("access-%d", issued.Add(1))
				tokens.add(tok, nil)
				w.Header().Set("Content-Type", "application/json")
				field := ""
				if expiresIn != "" {
					field = `,"expires_in":` + expiresIn
				}
				fmt.Fprintf(w, `{"access_token":%q,"token_type":"bearer"%s}`, tok, field)
			}))
			ts, _ := authBearerServer(t, tokens.verify, nil)
			m := authOAuthModule(t, tokenURL, "")
			p := New()
			for range 10 {
				authOK(t, runProbe(t, p, ts.URL, m))
			}
			if n := idp.requests.Load(); n != 1 {
				t.Errorf("%d token requests for 10 probes, want 1", n)
			}
		})
	}
}

// (e) The server stops taking the token (revoked, or the IdP restarted):
// its 401 drops the token, and the next probe fetches a new one.
func TestToken401FetchesANewToken(t *testing.T) {
	t.Parallel()
	ep, target, m := authOAuthTarget(t, 3600)
	tokens := ep.tokens
	p := New()
	authOK(t, runProbe(t, p, target, m))
	authOK(t, runProbe(t, p, target, m))
	if n := ep.issuedCount(); n != 1 {
		t.Fatalf("%d tokens issued, want 1", n)
	}
	// Revoke every token issued so far.
	tokens.mu.Lock()
	clear(tokens.scopes)
	tokens.mu.Unlock()
	authFail(t, runProbe(t, p, target, m), LayerAuth, "unauthorized")
	if n := ep.issuedCount(); n != 1 {
		t.Errorf("%d tokens issued by the refused probe, want no new one within it", n)
	}
	authOK(t, runProbe(t, p, target, m))
	if n := ep.issuedCount(); n != 2 {
		t.Errorf("%d tokens issued, want 2: the probe after the 401 fetches anew", n)
	}
	authOK(t, runProbe(t, p, target, m))
	if n := ep.issuedCount(); n != 2 {
		t.Errorf("%d tokens issued, want 2: the new token is reused", n)
	}
}

// (f) At most one token request per probe, whatever happens: a refused
// or failing token request is final within the probe (no retry, no
// re-fetch on the era or transport fallback, nor for the anonymous attempt
// of fail_if_anonymous_allowed), and a token that expires at once still
// serves the whole probe, legacy HTTP+SSE fallback included.
func TestTokenOneRequestPerProbe(t *testing.T) {
	t.Parallel()
	refusing := func(status int, body string) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(status)
			_, _ = io.WriteString(w, body)
		})
	}
	for _, tc := range []struct {
		name   string
		idp    http.Handler
		module string
	}{
		{"invalid_client", refusing(http.StatusUnauthorized, `{"error":"invalid_client"}`), ""},
		{"invalid_client with the auth wall", refusing(http.StatusUnauthorized, `{"error":"invalid_client"}`), "fail_if_anonymous_allowed: true"},
		{"server error", refusing(http.StatusInternalServerError, `oops`), ""},
		{"200 without a token", refusing(http.StatusOK, `{"token_type":"bearer"}`), ""},
		{"pinned transport", refusing(http.StatusBadRequest, `{"error":"invalid_request"}`), "transport: streamable_http"},
		{"legacy SSE", refusing(http.StatusBadRequest, `{"error":"invalid_request"}`), "transport: sse\nprotocol_version: \"2024-11-05\""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tokenURL, idp := serveIdP(t, tc.idp)
			ts, _ := authBearerServer(t, authStaticVerifier(authPtr("never")), nil)
			m := authOAuthModule(t, tokenURL, tc.module)
			res := runProbe(t, New(), ts.URL, m)
			authFail(t, res, LayerAuth, "token_request")
			if n := idp.requests.Load(); n != 1 {
				t.Errorf("%d token requests in one probe, want 1:\n%s", n, res.logs)
			}
		})
	}

	t.Run("a token that expires at once serves a legacy server's whole probe", func(t *testing.T) {
		tokens := newAuthTokens()
		ep := newAuthTokenEndpoint("probe-client", "s3cr3t-client", tokens)
		ep.expiresIn = -1
		tokenURL, idp := serveIdP(t, ep)
		legacy := testsupport.SDKServer{Name: "legacy", Version: "1.0.0", SSE: true}.Handler()
		ts, rec := authServe(t, auth.RequireBearerToken(tokens.verify, nil)(legacy))
		m := authOAuthModule(t, tokenURL, "")
		p := New()
		for i := range 3 {
			before := idp.requests.Load()
			res := runProbe(t, p, ts.URL, m)
			authOK(t, res)
			if !strings.Contains(res.metrics, `probe_mcp_transport_info{transport="sse"} 1`) {
				t.Fatalf("the probe did not fall back to HTTP+SSE:\n%s", res.metrics)
			}
			if n := idp.requests.Load() - before; n > 1 {
				t.Errorf("probe %d sent %d token requests, want at most 1", i, n)
			}
		}
		if n := len(rec.all()); n < 6 {
			t.Errorf("the server got %d requests: the fallback was not exercised", n)
		}
	})
}

// (g) Token endpoint bytes never reach an error, a log line or debug
// output: 200 KB of text in expires_in is not quoted anywhere.
func TestTokenEndpointBytesNeverQuoted(t *testing.T) {
	t.Parallel()
	marker := "Z0MBIE-" + strings.Repeat("garbage text ", 200<<10/13)
	for _, tc := range []struct{ name, contentType, body string }{
		{"json string", "application/json", `{"access_token":"s3cr3t-ACCESS-1","token_type":"bearer","expires_in":"` + marker + `"}`},
		{"json bare", "application/json", `{"access_token":"s3cr3t-ACCESS-1","token_type":"bearer","expires_in":` + marker + `}`},
		{"form", "application/x-www-form-urlencoded", "access_token=s3cr3t-ACCESS-1&expires_in=" + url.QueryEscape(marker)},
		{"error code", "application/json", `{"error":"` + marker + `"}`},
		{"token type", "application/json", `{"access_token":"s3cr3t-ACCESS-1","token_type":"` + marker + `"}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tokenURL, _ := serveIdP(t, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("Content-Type", tc.contentType)
				_, _ = io.WriteString(w, tc.body)
			}))
			ts, _ := authBearerServer(t, authStaticVerifier(authPtr("never")), nil)
			modules := authConfig(t, map[string]string{
				"oauth2": fmt.Sprintf("http_config:\n  oauth2: {client_id: probe-client, client_secret: s3cr3t-client, token_url: %s}\nallow_any_target: true", tokenURL),
			})
			f := newHandlerFixture(t, modules)
			var served []string
			for _, debug := range []string{"true", "false", "true"} {
				w := f.probe(t, url.Values{"module": {"oauth2"}, "target": {ts.URL + "/mcp"}, "debug": {debug}}, nil)
				served = append(served, w.Body.String())
			}
			all := strings.Join(served, "\n")
			if !strings.Contains(all, "token_request") {
				t.Fatalf("the probe did not fail with token_request:\n%.2000s", all)
			}
			for where, text := range f.shown(t, []string{all}) {
				for _, s := range []string{"Z0MBIE", "garbage text", "s3cr3t-ACCESS"} {
					if strings.Contains(text, s) {
						t.Errorf("%s quotes the token endpoint (%q), %d bytes", where, s, len(text))
					}
				}
				if len(text) > 64<<10 {
					t.Errorf("%s is %d bytes long", where, len(text))
				}
			}
		})
	}
}

// The token endpoint's connection follows the oauth2 block's tls_config
// and proxy_url, as prometheus/common's did.
func TestTokenTLSAndProxy(t *testing.T) {
	t.Parallel()
	tokens := newAuthTokens()
	ep := newAuthTokenEndpoint("probe-client", "s3cr3t-client", tokens)
	idp := httptest.NewTLSServer(ep)
	t.Cleanup(idp.Close)
	ca := filepath.Join(t.TempDir(), "ca.pem")
	testsupport.WritePEM(t, ca, "CERTIFICATE", idp.Certificate().Raw)
	ts, _ := authBearerServer(t, tokens.verify, nil)

	trusted := authModule(t, fmt.Sprintf("http_config:\n  oauth2:\n    client_id: probe-client\n    client_secret: s3cr3t-client\n    token_url: %s/token\n    tls_config: {ca_file: %s}\nallow_any_target: true", idp.URL, ca))
	authOK(t, runProbe(t, nil, ts.URL, trusted))

	untrusted := authOAuthModule(t, idp.URL+"/token", "")
	res := runProbe(t, nil, ts.URL, untrusted)
	authFail(t, res, LayerAuth, "token_request")
	if !strings.Contains(res.logs, "unknown authority") {
		t.Errorf("the log does not say why TLS failed:\n%s", res.logs)
	}

	var proxied atomic.Int64
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Host == "idp.invalid" {
			proxied.Add(1)
		}
		ep.ServeHTTP(w, r) // the proxy answers for the endpoint
	}))
	t.Cleanup(proxy.Close)
	viaProxy := authModule(t, fmt.Sprintf("http_config:\n  oauth2:\n    client_id: probe-client\n    client_secret: s3cr3t-client\n    token_url: http://idp.invalid/token\n    proxy_url: %s\nallow_any_target: true", proxy.URL))
	authOK(t, runProbe(t, nil, ts.URL, viaProxy))
	if n := proxied.Load(); n != 1 {
		t.Errorf("the proxy forwarded %d token requests, want 1", n)
	}
	ep.checkClean(t)
}

// An identity provider that fails is seen before the cached token runs
// out: three quarters of the way to the token's refresh, a probe renews it
// in the background and still uses the token it has; the failed renewal
// shows as probe_mcp_oauth2_token_fetch_success 0 while probes succeed.
func TestTokenRenewalShowsAnOutageEarly(t *testing.T) {
	tokens := newAuthTokens()
	var issued atomic.Int64
	var failing atomic.Bool
	tokenURL, idp := serveIdP(t, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		if failing.Load() {
			http.Error(w, `{"error":"temporarily_unavailable"}`, http.StatusServiceUnavailable)
			return
		}
		tok := fmt.Sprintf("access-%d", issued.Add(1))
		tokens.add(tok, nil)
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"access_token":%q,"token_type":"bearer","expires_in":4}`, tok)
	}))
	ts, _ := authBearerServer(t, tokens.verify, nil)
	m := authOAuthModule(t, tokenURL, "")
	clock := &testClock{}
	p := NewWithClock(clock.Now)

	// Lifetime 4 s: handed out until 2 s, renewed in the background from 1.5 s.
	authOK(t, runProbe(t, p, ts.URL, m))
	failing.Store(true)
	clock.Step(1600 * time.Millisecond)
	res := runProbe(t, p, ts.URL, m) // starts the renewal, uses the cached token
	authOK(t, res)
	deadline := time.Now().Add(2 * time.Second)
	for idp.requests.Load() < 2 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := idp.requests.Load(); n != 2 {
		t.Fatalf("%d token requests, want 2 (the first fetch and one renewal)", n)
	}
	time.Sleep(50 * time.Millisecond) // the renewal's outcome is recorded
	res = runProbe(t, p, ts.URL, m)
	authOK(t, res)
	if !strings.Contains(res.metrics, "probe_mcp_oauth2_token_fetch_success 0\n") {
		t.Errorf("the failed renewal is not visible while the token still works:\n%s", res.metrics)
	}
	if n := idp.requests.Load(); n != 2 {
		t.Errorf("%d token requests after the failed renewal, want 2 (back-off)", n)
	}
}
