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

// Credentialed probing against real peers: the go-sdk's auth middleware
// (auth.RequireBearerToken, auth.ProtectedResourceMetadataHandler) in front
// of a go-sdk MCP server, an OAuth2 client-credentials token endpoint and
// authorization server metadata written here, a server requiring X-API-Key,
// one requiring basic auth, and an mTLS server.

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/auth"
	"github.com/modelcontextprotocol/go-sdk/oauthex"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/mcp-exporter/mcp_exporter/config"
	"github.com/mcp-exporter/mcp_exporter/internal/failure"
	"github.com/mcp-exporter/mcp_exporter/internal/testsupport"
)

// ---------------------------------------------------------------------------
// Peers

// authMCPHandler is a real go-sdk MCP server (Streamable HTTP, stateful)
// with one tool.
func authMCPHandler() http.Handler {
	return testsupport.SDKServer{Name: "auth-peer", Version: "1.0.0"}.Handler()
}

// authRequest is what a peer saw of one request.
type authRequest struct {
	Method, Path, Op string // Op: the JSON-RPC method of a POST
	Authorization    string
	APIKey           string
}

// authRecorder records every request a peer receives, before any check.
type authRecorder struct {
	mu   sync.Mutex
	reqs []authRequest
}

func (rec *authRecorder) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ar := authRequest{Method: r.Method, Path: r.URL.Path, Authorization: r.Header.Get("Authorization"), APIKey: r.Header.Get("X-API-Key")}
		if r.Method == http.MethodPost {
			body, _ := io.ReadAll(r.Body)
			r.Body = io.NopCloser(strings.NewReader(string(body)))
			var m struct {
				Method string `json:"method"`
			}
			_ = json.Unmarshal(body, &m)
			ar.Op = m.Method
		}
		rec.mu.Lock()
		rec.reqs = append(rec.reqs, ar)
		rec.mu.Unlock()
		next.ServeHTTP(w, r)
	})
}

func (rec *authRecorder) all() []authRequest {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return slices.Clone(rec.reqs)
}

func (rec *authRecorder) count(match func(authRequest) bool) int {
	n := 0
	for _, r := range rec.all() {
		if match(r) {
			n++
		}
	}
	return n
}

// authServe starts a plain HTTP test server whose requests are recorded.
func authServe(t *testing.T, h http.Handler) (*httptest.Server, *authRecorder) {
	t.Helper()
	rec := &authRecorder{}
	ts := testsupport.Serve(t, rec.wrap(h))
	return ts, rec
}

// authTokens is the resource server's view of valid access tokens: the
// token endpoint registers what it issues, the verifier looks them up.
type authTokens struct {
	mu     sync.Mutex
	scopes map[string][]string
	seen   []string // tokens presented, valid or not, in order
}

func newAuthTokens() *authTokens { return &authTokens{scopes: map[string][]string{}} }

func (a *authTokens) add(token string, scopes []string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.scopes[token] = scopes
}

func (a *authTokens) presented() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return slices.Clone(a.seen)
}

// verify is an auth.TokenVerifier.
func (a *authTokens) verify(_ context.Context, token string, _ *http.Request) (*auth.TokenInfo, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.seen = append(a.seen, token)
	scopes, ok := a.scopes[token]
	if !ok {
		return nil, fmt.Errorf("unknown token: %w", auth.ErrInvalidToken)
	}
	return &auth.TokenInfo{Scopes: scopes, Expiration: time.Now().Add(time.Hour)}, nil
}

// authStaticVerifier accepts exactly the token *accept holds (it may be
// swapped to rotate).
func authStaticVerifier(accept *atomic.Pointer[string]) auth.TokenVerifier {
	return func(_ context.Context, token string, _ *http.Request) (*auth.TokenInfo, error) {
		if token != *accept.Load() {
			return nil, auth.ErrInvalidToken
		}
		return &auth.TokenInfo{Expiration: time.Now().Add(time.Hour)}, nil
	}
}

func authPtr(s string) *atomic.Pointer[string] {
	p := &atomic.Pointer[string]{}
	p.Store(&s)
	return p
}

// authBearerServer is a go-sdk MCP server behind auth.RequireBearerToken.
func authBearerServer(t *testing.T, verifier auth.TokenVerifier, opts *auth.RequireBearerTokenOptions) (*httptest.Server, *authRecorder) {
	t.Helper()
	return authServe(t, auth.RequireBearerToken(verifier, opts)(authMCPHandler()))
}

// authTokenEndpoint is an OAuth2 client-credentials token endpoint (RFC
// 6749 §4.4). It checks grant_type, client authentication (basic or post),
// scope and, when wantResource is set, resource; it registers what it
// issues with tokens.
type authTokenEndpoint struct {
	clientID  string
	secret    atomic.Pointer[string]
	scope     string   // the scope parameter it expects ("" = none)
	grant     []string // scopes granted
	expiresIn int
	delay     time.Duration
	prefix    string
	tokens    *authTokens
	refuse    string // a whole 400 body to answer every request with
	onlyPost  bool   // refuse client authentication by HTTP basic

	mu        sync.Mutex
	requests  int
	issued    []string
	resources []string // resource parameter of each issued token
	secrets   []string // client secret of each issued token
	styles    []string // "basic" or "post"
	problems  []string
}

func newAuthTokenEndpoint(clientID, secret string, tokens *authTokens) *authTokenEndpoint {
	e := &authTokenEndpoint{clientID: clientID, expiresIn: 3600, prefix: "access", tokens: tokens}
	e.secret.Store(&secret)
	return e
}

// serve starts the endpoint on a server of its own and returns its URL.
func (e *authTokenEndpoint) serve(t *testing.T) string {
	t.Helper()
	ts := testsupport.Serve(t, e)
	return ts.URL + "/token"
}

func (e *authTokenEndpoint) problem(format string, args ...any) {
	e.problems = append(e.problems, fmt.Sprintf(format, args...))
}

func (e *authTokenEndpoint) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if e.delay > 0 {
		time.Sleep(e.delay)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	e.requests++
	oauthError := func(status int, code string) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		fmt.Fprintf(w, `{"error":%q}`, code)
	}
	if e.refuse != "" {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		_, _ = io.WriteString(w, e.refuse)
		return
	}
	if r.Method != http.MethodPost {
		e.problem("token request with method %s", r.Method)
		oauthError(http.StatusBadRequest, "invalid_request")
		return
	}
	if err := r.ParseForm(); err != nil {
		e.problem("token request form: %v", err)
		oauthError(http.StatusBadRequest, "invalid_request")
		return
	}
	if gt := r.PostForm.Get("grant_type"); gt != "client_credentials" {
		e.problem("grant_type %q", gt)
		oauthError(http.StatusBadRequest, "unsupported_grant_type")
		return
	}
	if got := r.PostForm.Get("scope"); got != e.scope {
		e.problem("scope %q, want %q", got, e.scope)
		oauthError(http.StatusBadRequest, "invalid_scope")
		return
	}
	id, secret, style := "", "", ""
	if u, p, ok := r.BasicAuth(); ok {
		// RFC 6749 §2.3.1: form-urlencoded inside the basic credentials.
		id, _ = url.QueryUnescape(u)
		secret, _ = url.QueryUnescape(p)
		style = "basic"
	} else {
		id, secret, style = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret"), "post"
	}
	if style == "basic" && e.onlyPost {
		e.styles = append(e.styles, "refused basic")
		oauthError(http.StatusUnauthorized, "invalid_client")
		return
	}
	if id != e.clientID || secret != *e.secret.Load() {
		// A wrong secret is not a problem of the client's: rotation
		// tests present the old one on purpose.
		oauthError(http.StatusUnauthorized, "invalid_client")
		return
	}
	n := len(e.issued) + 1
	token := fmt.Sprintf("%s-%d-%s", e.prefix, n, rand.Text()[:8])
	e.issued = append(e.issued, token)
	e.resources = append(e.resources, r.PostForm.Get("resource"))
	e.secrets = append(e.secrets, secret)
	e.styles = append(e.styles, style)
	if e.tokens != nil {
		e.tokens.add(token, e.grant)
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	_ = json.NewEncoder(w).Encode(map[string]any{
		"access_token": token, "token_type": "Bearer", "expires_in": e.expiresIn,
	})
}

// stats returns the number of requests and copies of what was issued.
func (e *authTokenEndpoint) stats() (requests int, issued, resources, secrets []string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.requests, slices.Clone(e.issued), slices.Clone(e.resources), slices.Clone(e.secrets)
}

func (e *authTokenEndpoint) authStyles() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return slices.Clone(e.styles)
}

func (e *authTokenEndpoint) issuedCount() int {
	_, issued, _, _ := e.stats()
	return len(issued)
}

// checkClean fails the test if the endpoint saw a malformed token request.
func (e *authTokenEndpoint) checkClean(t *testing.T) {
	t.Helper()
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, p := range e.problems {
		t.Errorf("token endpoint: %s", p)
	}
}

// authHeaderServer is a go-sdk MCP server that answers only requests whose
// header name carries value.
func authHeaderServer(t *testing.T, name, value string) (*httptest.Server, *authRecorder) {
	t.Helper()
	h := authMCPHandler()
	return authServe(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get(name) != value {
			http.Error(w, "missing or wrong "+name, http.StatusUnauthorized)
			return
		}
		h.ServeHTTP(w, r)
	}))
}

// authBasicServer is a go-sdk MCP server behind a basic-auth middleware.
func authBasicServer(t *testing.T, user, password string) (*httptest.Server, *authRecorder) {
	t.Helper()
	h := authMCPHandler()
	return authServe(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if u, p, ok := r.BasicAuth(); !ok || u != user || p != password {
			w.Header().Set("WWW-Authenticate", `Basic realm="mcp"`)
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		h.ServeHTTP(w, r)
	}))
}

// ---------------------------------------------------------------------------
// Modules, probes, assertions

// authConfig parses modules (name → YAML body without indentation) through
// config.Parse, so that they are validated (allowed_targets compiled) the
// way the exporter loads them. A module without a timeout gets 5s.
func authConfig(t *testing.T, modules map[string]string) map[string]config.Module {
	t.Helper()
	var b strings.Builder
	b.WriteString("modules:\n")
	names := make([]string, 0, len(modules))
	for name := range modules {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		body := strings.TrimSpace(modules[name])
		if !regexp.MustCompile(`(?m)^timeout:`).MatchString(body) {
			body = "timeout: 5s\n" + body
		}
		fmt.Fprintf(&b, "  %s:\n", name)
		for _, line := range strings.Split(body, "\n") {
			b.WriteString("    " + line + "\n")
		}
	}
	c, err := config.Parse([]byte(b.String()))
	if err != nil {
		t.Fatalf("config.Parse: %v\n%s", err, b.String())
	}
	return c.Modules
}

func authModule(t *testing.T, body string) config.Module {
	t.Helper()
	return authConfig(t, map[string]string{"m": body})["m"]
}

// authAllowOnly is an allowed_targets line admitting exactly target.
func authAllowOnly(target string) string {
	return fmt.Sprintf("allowed_targets: ['%s']", regexp.QuoteMeta(target))
}

// authOK asserts a successful credentialed probe: every layer up to tools
// passed, the auth layer included, and no failure was reported.
func authOK(t *testing.T, res probeResult) {
	t.Helper()
	if !res.ok {
		t.Fatalf("probe failed:\n%s\n%s", res.logs, describe(res.result))
	}
	wantPassed(t, res.result, LayerAuth, LayerConnect, LayerHandshake, LayerTools)
	succeeded(t, res.result)
}

// authFail asserts a failed probe, first at layer l for reason, and that
// the layer failed.
func authFail(t *testing.T, res probeResult, l, reason string) {
	t.Helper()
	if res.ok {
		t.Fatalf("probe succeeded, want failure %s/%s: %s", l, reason, describe(res.result))
	}
	failedAt(t, res.result, l, reason)
}

// authWriteFile replaces path's content the way a rotation should: write a
// new file, then rename it over the old one.
func authWriteFile(t *testing.T, path, content string) {
	t.Helper()
	tmp := path + ".new"
	testsupport.WriteFile(t, tmp, []byte(content), 0o600)
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
}

// ---------------------------------------------------------------------------
// 1. Success with each credential type

func TestAuthEachCredentialType(t *testing.T) {
	t.Parallel()
	const bearer = "s3cr3t-bearer-1"
	bearerTS, bearerRec := authBearerServer(t, authStaticVerifier(authPtr(bearer)), nil)
	bearerFile := testsupport.WriteFile(t, filepath.Join(t.TempDir(), "token"), []byte(bearer+"\n"), 0o600)

	tokens := newAuthTokens()
	ep := newAuthTokenEndpoint("probe-client", "s3cr3t-client-1", tokens)
	ep.scope, ep.grant = "mcp:read mcp:tools", []string{"mcp:read", "mcp:tools"}
	tokenURL := ep.serve(t)
	oauthTS, _ := authBearerServer(t, tokens.verify, &auth.RequireBearerTokenOptions{Scopes: []string{"mcp:read"}})

	apiKeyTS, apiKeyRec := authHeaderServer(t, "X-API-Key", "s3cr3t-apikey-1")
	basicTS, _ := authBasicServer(t, "probe", "s3cr3t-basic-1")

	client := testsupport.Certificate(t, "mcp_exporter probe")
	certFile, keyFile, cas := client.CertFile, client.KeyFile, client.CA
	var mtlsPeers atomic.Int64
	h := authMCPHandler()
	mtlsTS := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.TLS != nil && len(r.TLS.PeerCertificates) > 0 && r.TLS.PeerCertificates[0].Subject.CommonName == "mcp_exporter probe" {
			mtlsPeers.Add(1)
		}
		h.ServeHTTP(w, r)
	}))
	mtlsTS.TLS = &tls.Config{ClientAuth: tls.RequireAndVerifyClientCert, ClientCAs: cas}
	mtlsTS.StartTLS()
	t.Cleanup(mtlsTS.Close)
	serverCA := filepath.Join(t.TempDir(), "server-ca.pem")
	testsupport.WritePEM(t, serverCA, "CERTIFICATE", mtlsTS.Certificate().Raw)

	for _, tc := range []struct {
		name, target, module string
		kind                 string // what Credentials() reports
		check                func(t *testing.T)
	}{
		{
			name: "authorization credentials", target: bearerTS.URL + "/mcp", kind: "authorization",
			module: "http_config:\n  authorization: {type: Bearer, credentials: " + bearer + "}\n" + authAllowOnly(bearerTS.URL+"/mcp"),
			check: func(t *testing.T) {
				if n := bearerRec.count(func(r authRequest) bool { return r.Authorization != "Bearer "+bearer }); n != 0 {
					t.Errorf("%d requests without the bearer token", n)
				}
			},
		},
		{
			name: "authorization credentials_file", target: bearerTS.URL + "/mcp", kind: "authorization",
			module: "http_config:\n  authorization: {type: Bearer, credentials_file: " + bearerFile + "}\nallowed_targets: ['http://127\\.0\\.0\\.1:\\d+/mcp']",
		},
		{
			// prometheus/common turns bearer_token into authorization.
			name: "legacy bearer_token", target: bearerTS.URL, kind: "authorization",
			module: "http_config:\n  bearer_token: " + bearer + "\nallow_any_target: true",
		},
		{
			name: "oauth2 client credentials", target: oauthTS.URL + "/mcp", kind: "oauth2",
			module: fmt.Sprintf("http_config:\n  oauth2:\n    client_id: probe-client\n    client_secret: s3cr3t-client-1\n    token_url: %s\n    scopes: [mcp:read, mcp:tools]\n%s",
				tokenURL, authAllowOnly(oauthTS.URL+"/mcp")),
			check: func(t *testing.T) {
				ep.checkClean(t)
				if n := ep.issuedCount(); n != 1 {
					t.Errorf("%d tokens issued, want 1", n)
				}
				if got := tokens.presented(); len(got) == 0 || slices.ContainsFunc(got, func(s string) bool { return !strings.HasPrefix(s, "access-1-") }) {
					t.Errorf("server was presented %q, want only the issued token", got)
				}
			},
		},
		{
			name: "X-API-Key header", target: apiKeyTS.URL + "/mcp", kind: "http_headers",
			module: "http_config:\n  http_headers:\n    X-API-Key: {secrets: [s3cr3t-apikey-1]}\n" + authAllowOnly(apiKeyTS.URL+"/mcp"),
			check: func(t *testing.T) {
				if n := apiKeyRec.count(func(r authRequest) bool { return r.APIKey != "s3cr3t-apikey-1" }); n != 0 {
					t.Errorf("%d requests without the API key", n)
				}
			},
		},
		{
			name: "basic_auth", target: basicTS.URL + "/mcp", kind: "basic_auth",
			module: "http_config:\n  basic_auth: {username: probe, password: s3cr3t-basic-1}\nallow_any_target: true",
		},
		{
			name: "mTLS client certificate", target: mtlsTS.URL + "/mcp", kind: "tls_config client certificate",
			module: fmt.Sprintf("http_config:\n  tls_config: {ca_file: %s, cert_file: %s, key_file: %s}\n%s",
				serverCA, certFile, keyFile, authAllowOnly(mtlsTS.URL+"/mcp")),
			check: func(t *testing.T) {
				if mtlsPeers.Load() == 0 {
					t.Error("the server never saw the client certificate")
				}
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := authModule(t, tc.module)
			if got := m.Credentials(); !slices.Equal(got, []string{tc.kind}) {
				t.Fatalf("Credentials() = %q, want [%s]", got, tc.kind)
			}
			u, _ := url.Parse(tc.target)
			if !m.TargetAllowed(u) {
				t.Fatalf("target %s not allowed", tc.target)
			}
			res := runProbe(t, nil, tc.target, m)
			authOK(t, res)
			wantPassed(t, res.result, LayerClose)
			if tc.check != nil {
				tc.check(t)
			}
		})
	}

	t.Run("mTLS without the client certificate fails", func(t *testing.T) {
		m := authModule(t, "http_config:\n  tls_config: {ca_file: "+serverCA+"}")
		res := runProbe(t, nil, mtlsTS.URL+"/mcp", m)
		r := res.result
		if res.ok {
			t.Fatalf("probe without a client certificate succeeded: %s", describe(r))
		}
		if _, ok := r.Layer(LayerAuth); ok {
			t.Errorf("a module without credentials has an auth layer: %s", describe(r))
		}
		if (r.FailedLayer != LayerConnect && r.FailedLayer != LayerHandshake) || r.FailureReason != failure.ReasonTLS {
			t.Errorf("want a tls failure at connect or handshake: %s", describe(r))
		}
	})
}

// ---------------------------------------------------------------------------
// 2. Wrong credential → the right reason

func TestAuthFailureReasons(t *testing.T) {
	t.Run("wrong bearer token is unauthorized", func(t *testing.T) {
		ts, _ := authBearerServer(t, authStaticVerifier(authPtr("s3cr3t-right")), &auth.RequireBearerTokenOptions{ResourceMetadataURL: "http://127.0.0.1:1/prm"})
		m := authModule(t, "http_config:\n  authorization: {credentials: s3cr3t-wrong}\nallow_any_target: true")
		res := runProbe(t, nil, ts.URL, m)
		authFail(t, res, LayerAuth, "unauthorized")
		if status, ok := answered(res.result); !ok || status != 401 {
			t.Errorf("status %d (answered %v), want 401", status, ok)
		}
		if o := layerOutcome(t, res.result, LayerConnect); o != Passed {
			t.Errorf("connect layer %s, want passed: the connection was made", o)
		}
	})

	t.Run("wrong API key is unauthorized", func(t *testing.T) {
		ts, _ := authHeaderServer(t, "X-API-Key", "s3cr3t-right")
		m := authModule(t, "http_config:\n  http_headers:\n    X-API-Key: {secrets: [s3cr3t-wrong]}\nallow_any_target: true")
		authFail(t, runProbe(t, nil, ts.URL, m), LayerAuth, "unauthorized")
	})

	t.Run("wrong basic password is unauthorized", func(t *testing.T) {
		ts, _ := authBasicServer(t, "probe", "s3cr3t-right")
		m := authModule(t, "http_config:\n  basic_auth: {username: probe, password: s3cr3t-wrong}\nallow_any_target: true")
		authFail(t, runProbe(t, nil, ts.URL, m), LayerAuth, "unauthorized")
	})

	t.Run("insufficient scope is forbidden", func(t *testing.T) {
		tokens := newAuthTokens()
		ep := newAuthTokenEndpoint("probe-client", "s3cr3t-client", tokens)
		ep.scope, ep.grant = "mcp:read", []string{"mcp:read"}
		ts, _ := authBearerServer(t, tokens.verify, &auth.RequireBearerTokenOptions{Scopes: []string{"mcp:read", "mcp:admin"}})
		m := authModule(t, fmt.Sprintf("http_config:\n  oauth2: {client_id: probe-client, client_secret: s3cr3t-client, token_url: %s, scopes: [mcp:read]}\nallow_any_target: true", ep.serve(t)))
		res := runProbe(t, nil, ts.URL, m)
		authFail(t, res, LayerAuth, "forbidden")
		if status, ok := answered(res.result); !ok || status != 403 {
			t.Errorf("status %d (answered %v), want 403", status, ok)
		}
		ep.checkClean(t)
	})

	t.Run("JSON-RPC -32001 inside a 200 is unauthorized", func(t *testing.T) {
		ts, _ := authServe(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			var msg struct {
				ID json.RawMessage `json:"id"`
			}
			_ = json.NewDecoder(r.Body).Decode(&msg)
			if r.Method != http.MethodPost || msg.ID == nil {
				w.WriteHeader(http.StatusAccepted)
				return
			}
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprintf(w, `{"jsonrpc":"2.0","id":%s,"error":{"code":-32001,"message":"Unauthorized: invalid token"}}`, msg.ID)
		}))
		m := authModule(t, "http_config:\n  authorization: {credentials: s3cr3t-token}\nallow_any_target: true")
		res := runProbe(t, nil, ts.URL, m)
		authFail(t, res, LayerAuth, "unauthorized")
		if c := rpcCode(res.result); c != -32001 {
			t.Errorf("JSON-RPC error code %d, want -32001", c)
		}
	})

	t.Run("token endpoint refusal is token_request without its body", func(t *testing.T) {
		ep := newAuthTokenEndpoint("probe-client", "s3cr3t-c7f0e1-RF2K8Y", nil)
		ep.refuse = `{"error":"invalid_client","error_description":"SECRET-DESCRIPTION"}`
		ts, rec := authBearerServer(t, authStaticVerifier(authPtr("never")), nil)
		m := authModule(t, fmt.Sprintf("http_config:\n  oauth2: {client_id: probe-client, client_secret: s3cr3t-c7f0e1-RF2K8Y, token_url: %s}\nallow_any_target: true", ep.serve(t)))
		res := runProbe(t, nil, ts.URL, m)
		authFail(t, res, LayerAuth, "token_request")
		if !strings.Contains(res.logs, "invalid_client") {
			t.Errorf("the probe log does not name the OAuth error code:\n%s", res.logs)
		}
		for _, secret := range []string{"SECRET-DESCRIPTION", "error_description", ep.refuse, "s3cr3t-c7f0e1-RF2K8Y"} {
			if strings.Contains(res.logs, secret) || strings.Contains(res.metrics, secret) {
				t.Errorf("the probe's output contains %q:\n%s\n%s", secret, res.logs, res.metrics)
			}
		}
		if n := len(rec.all()); n != 0 {
			t.Errorf("the MCP server got %d requests although no token was had", n)
		}
		if r, _, _, _ := ep.stats(); r == 0 {
			t.Error("the token endpoint was never asked")
		}
	})

	t.Run("token endpoint down is token_request", func(t *testing.T) {
		ts, rec := authBearerServer(t, authStaticVerifier(authPtr("never")), nil)
		m := authModule(t, fmt.Sprintf("http_config:\n  oauth2: {client_id: probe-client, client_secret: s3cr3t-client, token_url: %s}\nallow_any_target: true", closedPortURL(t)))
		res := runProbe(t, nil, ts.URL, m)
		authFail(t, res, LayerAuth, "token_request")
		if n := len(rec.all()); n != 0 {
			t.Errorf("the MCP server got %d requests although no token was had", n)
		}
	})

	t.Run("token endpoint that does not answer is token_request within the timeout", func(t *testing.T) {
		release := make(chan struct{})
		hung := httptest.NewServer(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
			select {
			case <-release:
			case <-r.Context().Done():
			}
		}))
		t.Cleanup(hung.Close)
		t.Cleanup(func() { close(release) }) // runs first: lets hung.Close finish
		ts, rec := authBearerServer(t, authStaticVerifier(authPtr("never")), nil)
		m := authModule(t, fmt.Sprintf("timeout: 300ms\nhttp_config:\n  oauth2: {client_id: probe-client, client_secret: s3cr3t-client, token_url: %s}\nallow_any_target: true", hung.URL))
		start := time.Now()
		res := runProbe(t, nil, ts.URL, m)
		if d := time.Since(start); d > time.Second {
			t.Errorf("the probe took %s with a timeout of 300ms", d)
		}
		authFail(t, res, LayerAuth, "token_request")
		if n := len(rec.all()); n != 0 {
			t.Errorf("the MCP server got %d requests although no token was had", n)
		}
	})

	// The files exist at load (config checks that) and are gone by the
	// probe: they are read at every probe.
	vanishing := func(t *testing.T) string {
		t.Helper()
		f := testsupport.WriteFile(t, filepath.Join(t.TempDir(), "vanishing"), []byte("s3cr3t-file"), 0o600)
		return f
	}
	t.Run("missing credentials_file is credentials", func(t *testing.T) {
		ts, rec := authBearerServer(t, authStaticVerifier(authPtr("never")), nil)
		f := vanishing(t)
		m := authModule(t, "http_config:\n  authorization: {credentials_file: "+f+"}\nallow_any_target: true")
		if err := os.Remove(f); err != nil {
			t.Fatal(err)
		}
		res := runProbe(t, nil, ts.URL, m)
		authFail(t, res, LayerAuth, "credentials")
		if n := len(rec.all()); n != 0 {
			t.Errorf("the MCP server got %d requests although the credential could not be read", n)
		}
	})

	t.Run("missing client_secret_file is credentials", func(t *testing.T) {
		ep := newAuthTokenEndpoint("probe-client", "s3cr3t-client", nil)
		ts, _ := authBearerServer(t, authStaticVerifier(authPtr("never")), nil)
		f := vanishing(t)
		m := authModule(t, fmt.Sprintf("http_config:\n  oauth2: {client_id: probe-client, client_secret_file: %s, token_url: %s}\nallow_any_target: true",
			f, ep.serve(t)))
		if err := os.Remove(f); err != nil {
			t.Fatal(err)
		}
		res := runProbe(t, nil, ts.URL, m)
		authFail(t, res, LayerAuth, "credentials")
		if r, _, _, _ := ep.stats(); r != 0 {
			t.Errorf("the token endpoint got %d requests without a client secret", r)
		}
	})
}

// ---------------------------------------------------------------------------
// 3. Token reuse and refresh

// authOAuthPeer is a token endpoint and a go-sdk server accepting its tokens.
func authOAuthPeer(t *testing.T, expiresIn int) (*authTokenEndpoint, string, *httptest.Server) {
	t.Helper()
	tokens := newAuthTokens()
	ep := newAuthTokenEndpoint("probe-client", "s3cr3t-client", tokens)
	ep.expiresIn = expiresIn
	tokenURL := ep.serve(t)
	ts, _ := authBearerServer(t, tokens.verify, nil)
	return ep, tokenURL, ts
}

func authOAuthModule(t *testing.T, tokenURL string, extra string) config.Module {
	t.Helper()
	return authModule(t, fmt.Sprintf("http_config:\n  oauth2: {client_id: probe-client, client_secret: s3cr3t-client, token_url: %s}\nallow_any_target: true\n%s", tokenURL, extra))
}

// authOAuthTarget is authOAuthPeer's token endpoint, the URL of its
// server, and a module that probes it with the client credentials.
func authOAuthTarget(t *testing.T, expiresIn int) (*authTokenEndpoint, string, config.Module) {
	t.Helper()
	ep, tokenURL, ts := authOAuthPeer(t, expiresIn)
	return ep, ts.URL, authOAuthModule(t, tokenURL, "")
}

func TestAuthTokenReuse(t *testing.T) {
	t.Run("20 probes, one token", func(t *testing.T) {
		ep, target, m := authOAuthTarget(t, 3600)
		p := New()
		for i := range 20 {
			res := runProbe(t, p, target, m)
			if !res.ok {
				t.Fatalf("probe %d failed:\n%s", i, res.logs)
			}
		}
		if n, _, _, _ := ep.stats(); n != 1 {
			t.Errorf("%d token requests over 20 probes, want 1", n)
		}
		ep.checkClean(t)
	})

	t.Run("a token about to expire is refreshed", func(t *testing.T) {
		// A token is fetched again 10s before it expires, or after half its
		// lifetime when that is shorter: one valid for 1s serves the probes
		// of the next 0.5s, and the first probe after that fetches another.
		ep, target, m := authOAuthTarget(t, 1)
		p := New()
		for i := range 3 {
			authOK(t, runProbe(t, p, target, m))
			authOK(t, runProbe(t, p, target, m))
			if n := ep.issuedCount(); n != i+1 {
				t.Errorf("round %d: %d tokens issued, want %d", i, n, i+1)
			}
			time.Sleep(600 * time.Millisecond)
		}
	})

	t.Run("client authentication basic, or post when basic is refused", func(t *testing.T) {
		ep, tokenURL, ts := authOAuthPeer(t, 3600)
		p := New()
		authOK(t, runProbe(t, p, ts.URL, authOAuthModule(t, tokenURL, "")))
		if got := ep.authStyles(); !slices.Equal(got, []string{"basic"}) {
			t.Errorf("client authentication %q, want [basic]", got)
		}
		// One token request per probe: the probe that meets the refusal of
		// Basic fails, the next authenticates in the form, without back-off.
		ep2, tokenURL2, ts2 := authOAuthPeer(t, 3600)
		ep2.onlyPost = true
		authFail(t, runProbe(t, p, ts2.URL, authOAuthModule(t, tokenURL2, "")), LayerAuth, "token_request")
		for range 3 {
			authOK(t, runProbe(t, p, ts2.URL, authOAuthModule(t, tokenURL2, "")))
		}
		if got := ep2.authStyles(); !slices.Equal(got, []string{"refused basic", "post"}) {
			t.Errorf("client authentication %q, want basic refused, then post", got)
		}
		ep2.checkClean(t)
	})

	t.Run("a reload fetches again", func(t *testing.T) {
		ep, target, m := authOAuthTarget(t, 3600)
		p := New()
		authOK(t, runProbe(t, p, target, m))
		authOK(t, runProbe(t, p, target, m))
		if n := ep.issuedCount(); n != 1 {
			t.Fatalf("%d tokens before the reload, want 1", n)
		}
		p.Reset()
		authOK(t, runProbe(t, p, target, m))
		authOK(t, runProbe(t, p, target, m))
		if n := ep.issuedCount(); n != 2 {
			t.Errorf("%d tokens after the reload, want 2", n)
		}
	})

	t.Run("the auth layer of a cached token takes next to nothing", func(t *testing.T) {
		ep, target, m := authOAuthTarget(t, 3600)
		ep.delay = 50 * time.Millisecond
		p := New()
		first := runProbe(t, p, target, m)
		authOK(t, first)
		second := runProbe(t, p, target, m)
		authOK(t, second)
		d1 := layerDuration(first.result, LayerAuth)
		d2 := layerDuration(second.result, LayerAuth)
		if d1 < 50*time.Millisecond {
			t.Errorf("auth layer of the fetching probe = %v, want >= 50ms (the endpoint sleeps 50ms)", d1)
		}
		if d2 > d1/5 || d2 > 20*time.Millisecond {
			t.Errorf("auth layer of the cached probe = %v, want far below %v", d2, d1)
		}
	})

	t.Run("modules do not share tokens", func(t *testing.T) {
		ep, target, m := authOAuthTarget(t, 3600)
		p := New()
		for _, name := range []string{"a", "b", "a", "b"} {
			res := authProbeNamed(t, p, Request{ModuleName: name, Target: target, Module: m})
			authOK(t, res)
		}
		if n := ep.issuedCount(); n != 2 {
			t.Errorf("%d tokens for two modules, want 2", n)
		}
	})
}

// authProbeNamed is runProbe under a module name of the caller's (req
// without a logger: the probe's log is kept for the result).
func authProbeNamed(t *testing.T, p *Prober, req Request) probeResult {
	t.Helper()
	m := req.Module
	var logs strings.Builder
	reg, logger := authProbeSinks(&logs)
	ctx, cancel := context.WithTimeout(context.Background(), time.Duration(m.Timeout))
	defer cancel()
	req.Logger = logger
	res := p.Probe(ctx, &req)
	reg.MustRegister(NewCollector(res))
	return probeResult{ok: res.Success, metrics: gatherText(t, reg), logs: logs.String(), result: res}
}

func authProbeSinks(logs io.Writer) (*prometheus.Registry, *slog.Logger) {
	return prometheus.NewRegistry(), slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// ---------------------------------------------------------------------------
// 4. Resource indicator

func TestAuthResourceIndicator(t *testing.T) {
	t.Parallel()
	tokens := newAuthTokens()
	ep := newAuthTokenEndpoint("probe-client", "s3cr3t-client", tokens)
	tokenURL := ep.serve(t)
	ts, _ := authBearerServer(t, tokens.verify, nil)
	m := authModule(t, fmt.Sprintf("http_config:\n  oauth2: {client_id: probe-client, client_secret: s3cr3t-client, token_url: %s}\noauth2_resource: target\nallowed_targets: ['http://127\\.0\\.0\\.1:\\d+/(mcp|other)/?']", tokenURL))
	p := New()
	a, b := ts.URL+"/mcp", ts.URL+"/other/" // the trailing slash is not part of the resource
	for _, target := range []string{a, b, a, b, a, b} {
		authOK(t, runProbe(t, p, target, m))
	}
	n, _, resources, _ := ep.stats()
	if n != 2 {
		t.Errorf("%d token requests for two targets, want 2 (one per resource)", n)
	}
	slices.Sort(resources)
	if want := []string{ts.URL + "/mcp", ts.URL + "/other"}; !slices.Equal(resources, want) {
		t.Errorf("resource parameters %q, want %q", resources, want)
	}
	ep.checkClean(t)

	// Without oauth2_resource no resource is sent.
	ep2 := newAuthTokenEndpoint("probe-client", "s3cr3t-client", tokens)
	plain := authModule(t, fmt.Sprintf("http_config:\n  oauth2: {client_id: probe-client, client_secret: s3cr3t-client, token_url: %s}\nallow_any_target: true", ep2.serve(t)))
	authOK(t, runProbe(t, nil, a, plain))
	if _, _, resources, _ := ep2.stats(); !slices.Equal(resources, []string{""}) {
		t.Errorf("resource parameters without oauth2_resource: %q, want none", resources)
	}
}

// ---------------------------------------------------------------------------
// 5. Discovery end to end

// authDiscoveryPeers is a protected go-sdk server with protected resource
// metadata, and an authorization server with RFC 8414 metadata and a token
// endpoint. prmPath is where the 401's resource_metadata points ("" = no
// resource_metadata in the challenge); the metadata is always served at the
// well-known path for /mcp.
type authDiscoveryPeers struct {
	rs, as        *httptest.Server
	rsRec, asRec  *authRecorder
	ep            *authTokenEndpoint
	target        string
	prmCount      atomic.Int64
	asmCount      atomic.Int64
	wellKnownPath string
}

func newAuthDiscoveryPeers(t *testing.T, prmPath string) *authDiscoveryPeers {
	t.Helper()
	d := &authDiscoveryPeers{wellKnownPath: "/.well-known/oauth-protected-resource/mcp"}
	tokens := newAuthTokens()
	d.ep = newAuthTokenEndpoint("probe-client", "s3cr3t-client", tokens)
	d.ep.scope, d.ep.grant = "mcp:read", []string{"mcp:read"}

	asMux := http.NewServeMux()
	d.as, d.asRec = authServe(t, asMux)
	asMux.Handle("/token", d.ep)
	asMux.HandleFunc("/.well-known/oauth-authorization-server", func(w http.ResponseWriter, _ *http.Request) {
		d.asmCount.Add(1)
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{
			"issuer":                                d.as.URL,
			"token_endpoint":                        d.as.URL + "/token",
			"grant_types_supported":                 []string{"client_credentials"},
			"token_endpoint_auth_methods_supported": []string{"client_secret_basic", "client_secret_post"},
		})
	})

	rsMux := http.NewServeMux()
	d.rs, d.rsRec = authServe(t, rsMux)
	d.target = d.rs.URL + "/mcp"
	opts := &auth.RequireBearerTokenOptions{Scopes: []string{"mcp:read"}}
	if prmPath != "" {
		opts.ResourceMetadataURL = d.rs.URL + prmPath
	}
	rsMux.Handle("/mcp", auth.RequireBearerToken(tokens.verify, opts)(authMCPHandler()))
	prm := auth.ProtectedResourceMetadataHandler(&oauthex.ProtectedResourceMetadata{
		Resource:             d.target,
		AuthorizationServers: []string{d.as.URL},
		ScopesSupported:      []string{"mcp:read"},
	})
	rsMux.HandleFunc(d.wellKnownPath, func(w http.ResponseWriter, r *http.Request) {
		d.prmCount.Add(1)
		prm.ServeHTTP(w, r)
	})
	return d
}

const authDiscoveryModule = `http_config:
  oauth2: {client_id: probe-client, client_secret: s3cr3t-client, scopes: [mcp:read]}
oauth2_discovery: true
oauth2_issuers: ['http://127\.0\.0\.1:[0-9]+']
allow_any_target: true`

func TestAuthDiscovery(t *testing.T) {
	t.Parallel()
	t.Run("end to end, then cached", func(t *testing.T) {
		d := newAuthDiscoveryPeers(t, "/.well-known/oauth-protected-resource/mcp")
		m := authModule(t, authDiscoveryModule)
		p := New()
		res := runProbe(t, p, d.target, m)
		authOK(t, res)
		wantPassed(t, res.result, LayerDiscovery)
		if d := layerDuration(res.result, LayerDiscovery); d <= 0 {
			t.Errorf("discovery layer duration = %v, want > 0", d)
		}
		if d.prmCount.Load() != 1 || d.asmCount.Load() != 1 || d.ep.issuedCount() != 1 {
			t.Errorf("first probe: %d PRM, %d AS metadata requests, %d tokens; want 1 each", d.prmCount.Load(), d.asmCount.Load(), d.ep.issuedCount())
		}
		d.ep.checkClean(t)
		if !strings.Contains(res.logs, d.as.URL+"/token") {
			t.Errorf("the log does not name the discovered token endpoint:\n%s", res.logs)
		}
		anonymous := func(r authRequest) bool { return r.Path == "/mcp" && r.Authorization == "" }
		anon := d.rsRec.count(anonymous)
		if anon == 0 {
			t.Error("discovery sent no request without credentials to learn resource_metadata")
		}

		for range 3 {
			res = runProbe(t, p, d.target, m)
			authOK(t, res)
			wantPassed(t, res.result, LayerDiscovery)
		}
		if d.prmCount.Load() != 1 || d.asmCount.Load() != 1 || d.ep.issuedCount() != 1 {
			t.Errorf("cached probes: %d PRM, %d AS metadata requests, %d tokens in all; want 1 each", d.prmCount.Load(), d.asmCount.Load(), d.ep.issuedCount())
		}
		if n := d.rsRec.count(anonymous); n != anon {
			t.Errorf("cached probes sent %d more anonymous requests", n-anon)
		}
	})

	t.Run("well-known fallback without resource_metadata", func(t *testing.T) {
		d := newAuthDiscoveryPeers(t, "")
		res := runProbe(t, nil, d.target, authModule(t, authDiscoveryModule))
		authOK(t, res)
		if d.prmCount.Load() != 1 {
			t.Errorf("%d requests for the well-known PRM, want 1", d.prmCount.Load())
		}
	})

	t.Run("auth wall challenge is reused", func(t *testing.T) {
		d := newAuthDiscoveryPeers(t, "/.well-known/oauth-protected-resource/mcp")
		m := authModule(t, authDiscoveryModule+"\nfail_if_anonymous_allowed: true")
		res := runProbe(t, nil, d.target, m)
		authOK(t, res)
		if w := res.result.AuthWall; w == nil || *w != (AuthWallResult{Status: 401, ResourceMetadata: true}) {
			t.Errorf("auth wall %+v, want a 401 naming resource_metadata", w)
		}
		if d.prmCount.Load() != 1 {
			t.Errorf("%d PRM requests, want 1", d.prmCount.Load())
		}
		if n := d.rsRec.count(func(r authRequest) bool { return r.Authorization == "" && r.Method == http.MethodPost }); n != 1 {
			t.Errorf("%d anonymous POSTs, want 1: discovery reuses the auth wall's challenge", n)
		}
	})

	t.Run("broken protected resource metadata", func(t *testing.T) {
		d := newAuthDiscoveryPeers(t, "/no-such-metadata")
		res := runProbe(t, nil, d.target, authModule(t, authDiscoveryModule))
		authFail(t, res, LayerDiscovery, "discovery")
		if o := layerOutcome(t, res.result, LayerAuth); o == Passed {
			t.Errorf("auth layer %s after failed discovery", o)
		}
		if d.asmCount.Load() != 0 {
			t.Errorf("%d AS metadata requests, want 0", d.asmCount.Load())
		}
		if r, _, _, _ := d.ep.stats(); r != 0 {
			t.Errorf("%d token requests, want 0", r)
		}
		if n := d.rsRec.count(func(r authRequest) bool { return r.Authorization != "" }); n != 0 {
			t.Errorf("%d requests with credentials although discovery failed", n)
		}
	})
}

// ---------------------------------------------------------------------------
// 6. Auth wall

func TestAuthWall(t *testing.T) {
	t.Parallel()
	const token = "s3cr3t-wall-token"
	bearerModule := "http_config:\n  authorization: {credentials: " + token + "}\nallow_any_target: true\nfail_if_anonymous_allowed: true"

	t.Run("go-sdk bearer server holds the wall", func(t *testing.T) {
		ts, rec := authBearerServer(t, authStaticVerifier(authPtr(token)), &auth.RequireBearerTokenOptions{ResourceMetadataURL: "http://127.0.0.1:1/.well-known/oauth-protected-resource"})
		res := runProbe(t, nil, ts.URL+"/mcp", authModule(t, bearerModule))
		authOK(t, res)
		wantPassed(t, res.result, LayerAuthWall)
		if w := res.result.AuthWall; w == nil || *w != (AuthWallResult{Status: 401, ResourceMetadata: true}) {
			t.Errorf("auth wall %+v, want a 401 naming resource_metadata", w)
		}
		if n := rec.count(func(r authRequest) bool { return r.Authorization == "" }); n == 0 {
			t.Error("no request without credentials was sent")
		}
	})

	t.Run("plain 401 without resource_metadata", func(t *testing.T) {
		ts, _ := authHeaderServer(t, "X-API-Key", "s3cr3t-wall-key")
		m := authModule(t, "http_config:\n  http_headers:\n    X-API-Key: {secrets: [s3cr3t-wall-key]}\nallow_any_target: true\nfail_if_anonymous_allowed: true")
		res := runProbe(t, nil, ts.URL, m)
		authOK(t, res)
		if w := res.result.AuthWall; w == nil || *w != (AuthWallResult{Status: 401}) {
			t.Errorf("auth wall %+v, want a 401 without resource_metadata", w)
		}
	})

	t.Run("anonymous answer fails the wall and its session is closed", func(t *testing.T) {
		h := authMCPHandler()
		ts, rec := authServe(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			// The auth middleware was dropped in this deploy: a wrong token
			// is refused, no token at all is let through.
			if a := r.Header.Get("Authorization"); a != "" && a != "Bearer "+token {
				http.Error(w, "unauthorized", http.StatusUnauthorized)
				return
			}
			h.ServeHTTP(w, r)
		}))
		res := runProbe(t, nil, ts.URL, authModule(t, bearerModule))
		authFail(t, res, LayerAuthWall, "anonymous_allowed")
		if w := res.result.AuthWall; w != nil {
			t.Errorf("auth wall %+v on a failed wall", w)
		}
		if n := rec.count(func(r authRequest) bool { return r.Method == http.MethodDelete && r.Authorization == "" }); n != 1 {
			t.Errorf("%d anonymous DELETEs, want 1: the anonymous session must be closed\n%v", n, rec.all())
		}
		if n := rec.count(func(r authRequest) bool { return r.Authorization != "" }); n != 0 {
			t.Errorf("%d requests with the credential after the wall failed", n)
		}
	})
}

// ---------------------------------------------------------------------------
// 7. allowed_targets through /probe

func TestAuthAllowedTargetsHandler(t *testing.T) {
	t.Parallel()
	const token = "s3cr3t-allowed-token"
	good, goodRec := authBearerServer(t, authStaticVerifier(authPtr(token)), nil)
	evil, evilCount := countingServer(t)
	goodTarget := good.URL + "/mcp"
	modules := authConfig(t, map[string]string{
		"locked": "http_config:\n  authorization: {credentials: " + token + "}\n" + authAllowOnly(goodTarget),
		"plain":  "min_tools: 1",
	})
	f := newHandlerFixture(t, modules)

	for _, target := range []string{
		evil.URL + "/mcp",
		good.URL + "/mcp/extra", // anchored: no prefix match
		"http://" + good.Listener.Addr().String() + "@" + strings.TrimPrefix(evil.URL, "http://") + "/mcp", // userinfo trick
	} {
		w := f.probe(t, url.Values{"module": {"locked"}, "target": {target}}, nil)
		if w.Code != http.StatusBadRequest || !strings.Contains(w.Body.String(), "target not allowed") {
			t.Errorf("target %s: HTTP %d %q, want 400 target not allowed", target, w.Code, w.Body)
		}
	}
	if n := evilCount.Load(); n != 0 {
		t.Errorf("the disallowed server received %d requests", n)
	}
	if n := len(goodRec.all()); n != 0 {
		t.Errorf("the allowed server received %d requests for disallowed targets", n)
	}
	if v := testsupport.MetricValue(t, f.h.Metrics.RefusedTargets.WithLabelValues("locked")); v != 3 {
		t.Errorf("refused targets counter = %v, want 3", v)
	}
	if !strings.Contains(f.exporterMetrics(t), `mcp_exporter_probe_targets_refused_total{module="locked"} 3`) {
		t.Errorf("exporter metrics:\n%s", f.exporterMetrics(t))
	}
	if strings.Contains(f.log.String(), "probe started") {
		t.Errorf("a refused target reached the prober:\n%s", f.log)
	}

	// The allowed target is probed, with the credential.
	w := f.probe(t, url.Values{"module": {"locked"}, "target": {goodTarget}}, nil)
	if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), "probe_success 1\n") {
		t.Fatalf("allowed target: HTTP %d\n%s\n%s", w.Code, w.Body, f.log)
	}
	if n := goodRec.count(func(r authRequest) bool { return r.Authorization == "Bearer "+token }); n == 0 {
		t.Error("the allowed server got no request with the credential")
	}
	// A module without credentials may probe anything.
	w = f.probe(t, url.Values{"module": {"plain"}, "target": {evil.URL}}, nil)
	if w.Code != http.StatusOK || evilCount.Load() == 0 {
		t.Errorf("module without credentials: HTTP %d, %d requests", w.Code, evilCount.Load())
	}
	// The same host and path with a query: a pattern that names no query
	// decides on what is dialled (issue 18), so this is admitted.
	w = f.probe(t, url.Values{"module": {"locked"}, "target": {goodTarget + "?x=1"}}, nil)
	if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), "probe_success 1\n") {
		t.Errorf("allowed target with a query: HTTP %d\n%s", w.Code, w.Body)
	}
	if v := testsupport.MetricValue(t, f.h.Metrics.RefusedTargets.WithLabelValues("locked")); v != 3 {
		t.Errorf("refused targets counter = %v after allowed probes, want 3", v)
	}
}

// ---------------------------------------------------------------------------
// 8. Redirects

func TestAuthRedirects(t *testing.T) {
	t.Parallel()
	const token = "s3cr3t-redirect-token"
	other, otherRec := authServe(t, authMCPHandler()) // another origin, same host
	var targetMux http.ServeMux
	target, targetRec := authServe(t, &targetMux)
	targetMux.Handle("/mcp", auth.RequireBearerToken(authStaticVerifier(authPtr(token)), nil)(authMCPHandler()))
	targetMux.HandleFunc("/away", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, other.URL+"/mcp", http.StatusTemporaryRedirect)
	})
	targetMux.HandleFunc("/moved", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/mcp", http.StatusTemporaryRedirect)
	})

	for _, tc := range []struct{ name, module string }{
		{"bearer", "http_config:\n  authorization: {credentials: " + token + "}\nallow_any_target: true"},
		{"X-API-Key", "http_config:\n  http_headers:\n    X-API-Key: {secrets: [s3cr3t-redirect-key]}\nallow_any_target: true"},
		{"oauth2", ""},
	} {
		t.Run("cross-origin refused with "+tc.name, func(t *testing.T) {
			module := tc.module
			if module == "" {
				ep := newAuthTokenEndpoint("probe-client", "s3cr3t-client", nil)
				module = fmt.Sprintf("http_config:\n  oauth2: {client_id: probe-client, client_secret: s3cr3t-client, token_url: %s}\nallow_any_target: true", ep.serve(t))
			}
			before := len(otherRec.all())
			res := runProbe(t, nil, target.URL+"/away", authModule(t, module))
			authFail(t, res, LayerHandshake, "redirect")
			if n := len(otherRec.all()) - before; n != 0 {
				t.Errorf("the other origin received %d requests", n)
			}
			if !strings.Contains(res.logs, "another origin") {
				t.Errorf("the log does not explain the refusal:\n%s", res.logs)
			}
		})
	}

	t.Run("same-origin redirect keeps the credential", func(t *testing.T) {
		m := authModule(t, "http_config:\n  authorization: {credentials: "+token+"}\nallow_any_target: true")
		res := runProbe(t, nil, target.URL+"/moved", m)
		authOK(t, res)
		if n := targetRec.count(func(r authRequest) bool { return r.Path == "/mcp" && r.Authorization == "Bearer "+token }); n == 0 {
			t.Error("the redirect's destination got no request with the credential")
		}
	})

	t.Run("module without credentials follows cross-origin redirects", func(t *testing.T) {
		before := len(otherRec.all())
		res := runProbe(t, nil, target.URL+"/away", authModule(t, "min_tools: 1"))
		if !res.ok {
			t.Fatalf("probe failed:\n%s\n%s", res.logs, describe(res.result))
		}
		if n := len(otherRec.all()) - before; n == 0 {
			t.Error("the other origin received nothing")
		}
	})
}

// ---------------------------------------------------------------------------
// 9. Rotation without reload

func TestAuthFileRotation(t *testing.T) {
	t.Parallel()
	t.Run("credentials_file", func(t *testing.T) {
		accept := authPtr("s3cr3t-old-token")
		ts, _ := authBearerServer(t, authStaticVerifier(accept), nil)
		file := filepath.Join(t.TempDir(), "token")
		authWriteFile(t, file, "s3cr3t-old-token\n")
		m := authModule(t, "http_config:\n  authorization: {credentials_file: "+file+"}\nallow_any_target: true")
		p := New()
		authOK(t, runProbe(t, p, ts.URL, m))

		// Rotate: the server now accepts only the new token.
		newToken := "s3cr3t-new-token"
		accept.Store(&newToken)
		authFail(t, runProbe(t, p, ts.URL, m), LayerAuth, "unauthorized")
		authWriteFile(t, file, newToken+"\n")
		authOK(t, runProbe(t, p, ts.URL, m))
	})

	t.Run("client_secret_file", func(t *testing.T) {
		ep, tokenURL, ts := authOAuthPeer(t, 5) // every fetch is a new one
		file := filepath.Join(t.TempDir(), "secret")
		authWriteFile(t, file, "s3cr3t-client")
		m := authModule(t, fmt.Sprintf("http_config:\n  oauth2: {client_id: probe-client, client_secret_file: %s, token_url: %s}\nallow_any_target: true", file, tokenURL))
		p := New()
		authOK(t, runProbe(t, p, ts.URL, m))

		second := "s3cr3t-client-ROTATED"
		ep.secret.Store(&second)
		authWriteFile(t, file, second)
		res := runProbe(t, p, ts.URL, m)
		authOK(t, res)
		_, _, _, secrets := ep.stats()
		if len(secrets) < 2 || secrets[0] != "s3cr3t-client" || secrets[len(secrets)-1] != second {
			t.Errorf("secrets used for issued tokens: %q", secrets)
		}
		ep.checkClean(t)
	})

	t.Run("client_secret_file rotation replaces a cached token source", func(t *testing.T) {
		// With a long-lived token the rotated secret is used the next time a
		// token is fetched; prometheus/common rebuilds the token source when
		// the file's content changes, so that is the next probe.
		ep, tokenURL, ts := authOAuthPeer(t, 3600)
		file := filepath.Join(t.TempDir(), "secret")
		authWriteFile(t, file, "s3cr3t-client")
		m := authModule(t, fmt.Sprintf("http_config:\n  oauth2: {client_id: probe-client, client_secret_file: %s, token_url: %s}\nallow_any_target: true", file, tokenURL))
		p := New()
		authOK(t, runProbe(t, p, ts.URL, m))
		authOK(t, runProbe(t, p, ts.URL, m))
		second := "s3cr3t-client-2"
		ep.secret.Store(&second)
		authWriteFile(t, file, second)
		authOK(t, runProbe(t, p, ts.URL, m))
		if _, _, _, secrets := ep.stats(); !slices.Equal(secrets, []string{"s3cr3t-client", second}) {
			t.Errorf("secrets used for issued tokens: %q", secrets)
		}
	})
}

// ---------------------------------------------------------------------------
// 10. Nothing leaks

func TestAuthNothingLeaks(t *testing.T) {
	t.Parallel()
	const (
		bearer   = "s3cr3t-BEARER-d41d8c"
		client   = "s3cr3t-CLIENT-98f00b"
		apiKey   = "s3cr3t-APIKEY-2e7d2c"
		password = "s3cr3t-PASSWD-9a0364"
	)
	bearerTS, _ := authBearerServer(t, authStaticVerifier(authPtr(bearer)), &auth.RequireBearerTokenOptions{ResourceMetadataURL: "http://127.0.0.1:1/prm"})
	tokens := newAuthTokens()
	ep := newAuthTokenEndpoint("probe-client", client, tokens)
	ep.prefix = "s3cr3t-ACCESS"
	tokenURL := ep.serve(t)
	refusing := newAuthTokenEndpoint("probe-client", "other", nil)
	refusing.refuse = `{"error":"invalid_client","error_description":"s3cr3t-DESCRIPTION"}`
	refusingURL := refusing.serve(t)
	oauthTS, _ := authBearerServer(t, tokens.verify, nil)
	apiKeyTS, _ := authHeaderServer(t, "X-API-Key", apiKey)
	basicTS, _ := authBasicServer(t, "probe", password)
	// A server that refuses everything, so that error paths are logged too.
	refuser, _ := authServe(t, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
		http.Error(w, "no", http.StatusUnauthorized)
	}))

	oauth := func(url string) string {
		return fmt.Sprintf("http_config:\n  oauth2: {client_id: probe-client, client_secret: %s, token_url: %s}\nallow_any_target: true\nfail_if_anonymous_allowed: true", client, url)
	}
	modules := authConfig(t, map[string]string{
		"bearer":       "http_config:\n  authorization: {credentials: " + bearer + "}\nallow_any_target: true\nfail_if_anonymous_allowed: true",
		"oauth2":       oauth(tokenURL),
		"oauth2_fails": oauth(refusingURL),
		"apikey":       "http_config:\n  http_headers:\n    X-API-Key: {secrets: [" + apiKey + "]}\nallow_any_target: true",
		"basic":        "http_config:\n  basic_auth: {username: probe, password: " + password + "}\nallow_any_target: true",
	})
	f := newHandlerFixture(t, modules)
	f.h.History = NewHistory(100) // keep every probe of this test

	var served []string
	probe := func(module, target string, debug, wantOK bool) {
		t.Helper()
		q := url.Values{"module": {module}, "target": {target}}
		if debug {
			q.Set("debug", "true")
		}
		w := f.probe(t, q, nil)
		body := w.Body.String()
		served = append(served, body)
		if got := strings.Contains(body, "probe_success 1\n"); got != wantOK {
			t.Errorf("module %s, target %s: success %v, want %v\n%s", module, target, got, wantOK, body)
		}
	}
	for _, tc := range []struct{ module, target string }{
		{"bearer", bearerTS.URL + "/mcp"},
		{"oauth2", oauthTS.URL + "/mcp"},
		{"apikey", apiKeyTS.URL + "/mcp"},
		{"basic", basicTS.URL + "/mcp"},
	} {
		probe(tc.module, tc.target, false, true)
		probe(tc.module, tc.target, true, true)
		probe(tc.module, tc.target, true, true) // the cached token, for OAuth2
		probe(tc.module, refuser.URL+"/mcp", true, false)
	}
	probe("oauth2_fails", oauthTS.URL+"/mcp", true, false)
	probe("oauth2_fails", oauthTS.URL+"/mcp", false, false)

	if !strings.Contains(strings.Join(served, "\n"), "invalid_client") {
		t.Error("the refused token request's OAuth error code is not in the debug output")
	}
	if len(f.h.History.List()) == 0 {
		t.Fatal("no history")
	}
	places := f.shown(t, served)
	if !strings.Contains(places["exporter log"], "level=DEBUG") {
		t.Errorf("the exporter log has no debug lines:\n%s", places["exporter log"])
	}
	_, issued, _, _ := ep.stats()
	if len(issued) == 0 {
		t.Fatal("no access token was issued")
	}
	secrets := append([]string{bearer, client, apiKey, password, "s3cr3t-DESCRIPTION", "s3cr3t-ACCESS"}, issued...)
	for where, text := range places {
		for _, secret := range secrets {
			if strings.Contains(text, secret) {
				t.Errorf("%s contains %q:\n%s", where, secret, text)
			}
		}
	}
}

// ---------------------------------------------------------------------------
// Configuration rules the tests above rely on

func TestAuthModuleNeedsAllowedTargets(t *testing.T) {
	t.Parallel()
	_, err := config.Parse([]byte("modules:\n  m:\n    http_config:\n      authorization: {credentials: s3cr3t-x}\n"))
	if err == nil || !strings.Contains(err.Error(), "allowed_targets") || !strings.Contains(err.Error(), "allow_any_target") {
		t.Errorf("a credentialed module without allowed_targets: %v", err)
	}
	if err != nil && strings.Contains(err.Error(), "s3cr3t-x") {
		t.Errorf("the error shows the credential: %v", err)
	}
}
