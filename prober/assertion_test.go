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

// private_key_jwt (issue 11 item 9): the client authenticates to the token
// endpoint with a JWT signed by its private key. The token endpoint here
// verifies each assertion with golang-jwt as an authorization server would:
// signature with the public key, alg, aud, iss, sub, exp, iat, and that no
// jti comes twice.

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/modelcontextprotocol/go-sdk/auth"
	"github.com/modelcontextprotocol/go-sdk/oauthex"
	yaml "go.yaml.in/yaml/v3"

	"github.com/mcp-exporter/mcp_exporter/internal/testsupport"
)

// jwtKey is a test key: its PEM (in the given encoding) and public half.
type jwtKey struct {
	pem []byte
	pub crypto.PublicKey
}

func newJWTKey(t *testing.T, kind string) jwtKey {
	t.Helper()
	var block *pem.Block
	var pub crypto.PublicKey
	switch kind {
	case "rsa-pkcs1", "rsa-pkcs8":
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			t.Fatal(err)
		}
		pub = &k.PublicKey
		block = &pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(k)}
		if kind == "rsa-pkcs8" {
			b, _ := x509.MarshalPKCS8PrivateKey(k)
			block = &pem.Block{Type: "PRIVATE KEY", Bytes: b}
		}
	case "p256-sec1", "p256-pkcs8", "p384-sec1":
		curve := elliptic.P256()
		if kind == "p384-sec1" {
			curve = elliptic.P384()
		}
		k, err := ecdsa.GenerateKey(curve, rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		pub = &k.PublicKey
		b, _ := x509.MarshalECPrivateKey(k)
		block = &pem.Block{Type: "EC PRIVATE KEY", Bytes: b}
		if kind == "p256-pkcs8" {
			b, _ = x509.MarshalPKCS8PrivateKey(k)
			block = &pem.Block{Type: "PRIVATE KEY", Bytes: b}
		}
	default:
		t.Fatalf("unknown key kind %s", kind)
	}
	return jwtKey{pem: pem.EncodeToMemory(block), pub: pub}
}

// jwtIdP is a client-credentials token endpoint that authenticates the
// client by private_key_jwt only.
type jwtIdP struct {
	clientID string
	alg      string
	kid      string
	tokens   *authTokens
	audience atomic.Pointer[string] // set once the URL is known
	pub      atomic.Pointer[crypto.PublicKey]
	grant    []string

	mu         sync.Mutex
	jtis       map[string]bool
	assertions []string // as received
	resources  []string
	problems   []string
	issued     int
}

func newJWTIdP(clientID, alg string, pub crypto.PublicKey, tokens *authTokens) *jwtIdP {
	e := &jwtIdP{clientID: clientID, alg: alg, tokens: tokens, jtis: map[string]bool{}}
	e.pub.Store(&pub)
	return e
}

func (e *jwtIdP) problem(format string, args ...any) {
	e.problems = append(e.problems, fmt.Sprintf(format, args...))
}

func (e *jwtIdP) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	e.mu.Lock()
	defer e.mu.Unlock()
	refuse := func(code string) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnauthorized)
		fmt.Fprintf(w, `{"error":%q}`, code)
	}
	if err := r.ParseForm(); err != nil || r.Method != http.MethodPost {
		e.problem("not a form POST")
		refuse("invalid_request")
		return
	}
	f := r.PostForm
	if f.Get("grant_type") != "client_credentials" {
		e.problem("grant_type %q", f.Get("grant_type"))
	}
	if f.Get("client_assertion_type") != "urn:ietf:params:oauth:client-assertion-type:jwt-bearer" {
		e.problem("client_assertion_type %q", f.Get("client_assertion_type"))
	}
	if _, _, basic := r.BasicAuth(); basic || f.Has("client_secret") {
		e.problem("a client secret was sent with the assertion")
	}
	if id := f.Get("client_id"); id != "" && id != e.clientID {
		e.problem("client_id %q", id)
	}
	raw := f.Get("client_assertion")
	e.assertions = append(e.assertions, raw)
	var claims jwt.RegisteredClaims
	tok, err := jwt.ParseWithClaims(raw, &claims, func(tok *jwt.Token) (any, error) {
		return *e.pub.Load(), nil
	}, jwt.WithValidMethods([]string{e.alg}), jwt.WithAudience(*e.audience.Load()), jwt.WithIssuer(e.clientID),
		jwt.WithSubject(e.clientID), jwt.WithExpirationRequired(), jwt.WithIssuedAt(), jwt.WithLeeway(5*time.Second))
	if err != nil {
		e.problem("assertion refused: %v", err)
		refuse("invalid_client")
		return
	}
	if kid, _ := tok.Header["kid"].(string); kid != e.kid {
		e.problem("kid %q, want %q", kid, e.kid)
	}
	if life := claims.ExpiresAt.Sub(claims.IssuedAt.Time); life <= 0 || life > 5*time.Minute {
		e.problem("assertion lifetime %s: want short", life)
	}
	if claims.ID == "" || e.jtis[claims.ID] {
		e.problem("jti %q empty or seen before", claims.ID)
		refuse("invalid_client")
		return
	}
	e.jtis[claims.ID] = true
	var rawClaims map[string]any
	parts := strings.Split(raw, ".")
	if b, err := jwt.NewParser().DecodeSegment(parts[1]); err == nil && json.Unmarshal(b, &rawClaims) == nil {
		if _, isString := rawClaims["aud"].(string); !isString {
			e.problem("aud is not a single string: %v", rawClaims["aud"])
		}
	}
	e.issued++
	e.resources = append(e.resources, f.Get("resource"))
	token := fmt.Sprintf("jwt-access-%d-%s", e.issued, rand.Text()[:8])
	e.tokens.add(token, e.grant)
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"access_token": token, "token_type": "Bearer", "expires_in": 3600})
}

func (e *jwtIdP) snapshot() (issued int, assertions, resources, problems []string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.issued, append([]string(nil), e.assertions...), append([]string(nil), e.resources...), append([]string(nil), e.problems...)
}

func (e *jwtIdP) checkClean(t *testing.T) {
	t.Helper()
	_, _, _, problems := e.snapshot()
	for _, p := range problems {
		t.Errorf("token endpoint: %s", p)
	}
}

func writeKey(t *testing.T, dir string, k jwtKey) string {
	t.Helper()
	path := filepath.Join(dir, "probe-key.pem")
	authWriteFile(t, path, string(k.pem))
	return path
}

// assertionKey is the oauth2_client_assertion block of assertionModule:
// alg and kid are left out when empty.
type assertionKey struct{ file, alg, kid string }

// assertionModule is a configured-token_url module authenticating by
// private_key_jwt.
func assertionModule(t *testing.T, tokenURL string, key assertionKey) string {
	t.Helper()
	keyFile, alg, kid := key.file, key.alg, key.kid
	s := fmt.Sprintf("http_config:\n  oauth2: {client_id: probe-client, token_url: %s}\noauth2_client_assertion:\n  key_file: %s\n", tokenURL, keyFile)
	if alg != "" {
		s += "  algorithm: " + alg + "\n"
	}
	if kid != "" {
		s += "  key_id: " + kid + "\n"
	}
	return s + "allow_any_target: true"
}

func TestClientAssertion(t *testing.T) {
	for _, tc := range []struct{ alg, kind, kid string }{
		{"RS256", "rsa-pkcs1", "probe-2026"},
		{"ES256", "p256-pkcs8", ""},
		{"PS256", "rsa-pkcs8", "k1"},
		{"ES384", "p384-sec1", ""},
		{"", "p256-sec1", ""}, // the algorithm follows the key: ES256
	} {
		t.Run(tc.alg+"/"+tc.kind, func(t *testing.T) {
			dir := t.TempDir()
			key := newJWTKey(t, tc.kind)
			keyFile := writeKey(t, dir, key)
			tokens := newAuthTokens()
			alg := tc.alg
			if alg == "" {
				alg = "ES256"
			}
			idp := newJWTIdP("probe-client", alg, key.pub, tokens)
			idp.kid = tc.kid
			ts := testsupport.Serve(t, idp)
			tokenURL := ts.URL + "/token"
			idp.audience.Store(&tokenURL) // no issuer known: the token endpoint
			rs, _ := authBearerServer(t, tokens.verify, nil)

			m := authModule(t, assertionModule(t, tokenURL, assertionKey{keyFile, tc.alg, tc.kid}))
			p := New()
			res := runProbe(t, p, rs.URL+"/mcp", m)
			authOK(t, res)
			authOK(t, runProbe(t, p, rs.URL+"/mcp", m))
			idp.checkClean(t)
			issued, assertions, _, _ := idp.snapshot()
			if issued != 1 {
				t.Errorf("%d tokens for two probes, want 1 (the token is reused)", issued)
			}
			for _, a := range assertions {
				if strings.Contains(res.logs+res.metrics, a) {
					t.Error("the client assertion appears in the probe's output")
				}
			}
			if strings.Contains(res.logs+res.metrics, "PRIVATE KEY") {
				t.Error("the key appears in the probe's output")
			}
		})
	}
}

func TestClientAssertionRotationAndUniqueJTI(t *testing.T) {
	dir := t.TempDir()
	key := newJWTKey(t, "p256-sec1")
	keyFile := writeKey(t, dir, key)
	tokens := newAuthTokens()
	idp := newJWTIdP("probe-client", "ES256", key.pub, tokens)
	ts := testsupport.Serve(t, idp)
	tokenURL := ts.URL + "/token"
	idp.audience.Store(&tokenURL)
	rs, _ := authBearerServer(t, tokens.verify, nil)
	m := authModule(t, assertionModule(t, tokenURL, assertionKey{keyFile, "ES256", ""}))
	p := New()
	target := rs.URL + "/mcp"

	authOK(t, runProbe(t, p, target, m))
	// A new key in the file (and at the authorization server): the next
	// probe signs with it, without a reload, and fetches a new token.
	key2 := newJWTKey(t, "p256-pkcs8")
	idp.pub.Store(&key2.pub)
	writeKey(t, dir, key2)
	authOK(t, runProbe(t, p, target, m))
	// The server stops taking the token: a 401 drops it, and every fetch
	// after carries a fresh jti (the endpoint refuses a repeated one).
	for range 3 {
		tokens.mu.Lock()
		clear(tokens.scopes)
		tokens.mu.Unlock()
		authFail(t, runProbe(t, p, target, m), LayerAuth, "unauthorized")
		authOK(t, runProbe(t, p, target, m))
	}
	idp.checkClean(t)
	if issued, _, _, _ := idp.snapshot(); issued != 5 {
		t.Errorf("%d tokens, want 5 (first, after the rotation, after each of 3 refusals)", issued)
	}

	// A key file that no longer parses fails with credentials (as an
	// unreadable client_secret_file does, cached token or not), and
	// nothing is sent.
	authWriteFile(t, keyFile, "not a key")
	before, _, _, _ := idp.snapshot()
	res := runProbe(t, p, target, m)
	authFail(t, res, LayerAuth, "credentials")
	if after, assertions, _, _ := idp.snapshot(); after != before || len(assertions) != before {
		t.Errorf("token requests sent with an unreadable key")
	}
	if strings.Contains(res.logs, "not a key") {
		t.Error("the key file's content appears in the log")
	}
}

// Discovery: the assertion's audience is the issuer, and the
// authorization server must list private_key_jwt when it lists methods.
func TestClientAssertionWithDiscovery(t *testing.T) {
	setup := func(t *testing.T, methods []string) (*jwtIdP, string, string) {
		dir := t.TempDir()
		key := newJWTKey(t, "p256-pkcs8")
		keyFile := writeKey(t, dir, key)
		tokens := newAuthTokens()
		idp := newJWTIdP("probe-client", "ES256", key.pub, tokens)
		asMux := http.NewServeMux()
		as := testsupport.Serve(t, asMux)
		issuer := as.URL + "/realms/mcp"
		idp.audience.Store(&issuer)
		asMux.Handle("/realms/mcp/token", idp)
		asMux.HandleFunc("/.well-known/oauth-authorization-server/realms/mcp", func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			_ = json.NewEncoder(w).Encode(map[string]any{
				"issuer": issuer, "token_endpoint": issuer + "/token",
				"grant_types_supported":                 []string{"client_credentials"},
				"token_endpoint_auth_methods_supported": methods,
			})
		})
		rsMux := http.NewServeMux()
		rs := testsupport.Serve(t, rsMux)
		target := rs.URL + "/mcp"
		rsMux.Handle("/mcp", auth.RequireBearerToken(tokens.verify, &auth.RequireBearerTokenOptions{
			ResourceMetadataURL: rs.URL + "/.well-known/oauth-protected-resource/mcp",
		})(authMCPHandler()))
		rsMux.Handle("/.well-known/oauth-protected-resource/mcp", auth.ProtectedResourceMetadataHandler(&oauthex.ProtectedResourceMetadata{
			Resource: target, AuthorizationServers: []string{issuer},
		}))
		module := fmt.Sprintf(`http_config:
  oauth2: {client_id: probe-client}
oauth2_client_assertion: {key_file: %s, algorithm: ES256, key_id: probe-2026}
oauth2_discovery: true
oauth2_issuers: ['http://127\.0\.0\.1:[0-9]+/realms/mcp']
allow_any_target: true`, keyFile)
		idp.kid = "probe-2026"
		return idp, target, module
	}

	t.Run("aud is the issuer", func(t *testing.T) {
		idp, target, module := setup(t, []string{"client_secret_basic", "private_key_jwt"})
		authOK(t, runProbe(t, nil, target, authModule(t, module)))
		idp.checkClean(t)
		issued, _, resources, _ := idp.snapshot()
		if issued != 1 {
			t.Fatalf("%d tokens, want 1", issued)
		}
		if resources[0] != target {
			t.Errorf("resource %q, want the target %q", resources[0], target)
		}
	})
	t.Run("the server does not list private_key_jwt", func(t *testing.T) {
		idp, target, module := setup(t, []string{"client_secret_basic", "client_secret_post"})
		res := runProbe(t, nil, target, authModule(t, module))
		authFail(t, res, LayerDiscovery, "discovery")
		if !strings.Contains(res.logs, "lists none of the methods the module can use (private_key_jwt)") {
			t.Errorf("the log does not say why:\n%s", res.logs)
		}
		if _, assertions, _, _ := idp.snapshot(); len(assertions) != 0 {
			t.Errorf("%d token requests, want none", len(assertions))
		}
	})
}

// The key is never shown: /config and the debug output show its path.
func TestClientAssertionNeverShown(t *testing.T) {
	key := newJWTKey(t, "p256-sec1")
	keyFile := writeKey(t, t.TempDir(), key)
	m := authModule(t, assertionModule(t, "http://127.0.0.1:1/token", assertionKey{keyFile, "ES256", "kid-1"}))
	b, err := yaml.Marshal(m.Redacted())
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(b), "PRIVATE KEY") || !strings.Contains(string(b), keyFile) {
		t.Errorf("the shown module:\n%s", b)
	}
	if _, err := os.Stat(keyFile); err != nil {
		t.Fatal(err)
	}
}
