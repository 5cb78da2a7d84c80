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

// Workload identity federation (issue 21) through /probe: a token endpoint
// that trusts the platform's issuer, as Keycloak, Entra, Okta or a SPIFFE
// federation do, verifies the platform token (signature, iss, aud, exp)
// with golang-jwt and issues an access token a go-sdk server accepts.

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/modelcontextprotocol/go-sdk/auth"
	"github.com/modelcontextprotocol/go-sdk/oauthex"

	"github.com/mcp-exporter/mcp_exporter/internal/testsupport"
)

const platformIssuer = "https://oidc.platform.example/cluster-1"

// platformKey signs platform tokens, as a cluster's service account
// issuer does.
type platformKey struct{ key *ecdsa.PrivateKey }

func newPlatformKey(t *testing.T) platformKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return platformKey{k}
}

func (p platformKey) token(t *testing.T, aud string, exp time.Time) string {
	t.Helper()
	s, err := jwt.NewWithClaims(jwt.SigningMethodES256, jwt.MapClaims{
		"iss": platformIssuer, "sub": "system:serviceaccount:monitoring:mcp-exporter",
		"aud": []string{aud}, "exp": exp.Unix(), "iat": time.Now().Unix(), "jti": rand.Text(),
	}).SignedString(p.key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// federatingIdP is a token endpoint of the jwt-bearer grant that trusts
// one platform key.
type federatingIdP struct {
	trusted  platformKey
	audience string
	tokens   *authTokens

	mu         sync.Mutex
	assertions []string
	issued     []string
	problems   []string
}

func (e *federatingIdP) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	e.mu.Lock()
	defer e.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	if err := r.ParseForm(); err != nil || r.Method != http.MethodPost {
		e.problems = append(e.problems, "not a form POST")
	}
	f := r.PostForm
	if f.Get("grant_type") != "urn:ietf:params:oauth:grant-type:jwt-bearer" {
		e.problems = append(e.problems, "grant_type "+f.Get("grant_type"))
	}
	if _, _, basic := r.BasicAuth(); basic || f.Has("client_secret") || f.Has("client_assertion") {
		e.problems = append(e.problems, "client authentication sent")
	}
	raw := f.Get("assertion")
	e.assertions = append(e.assertions, raw)
	_, err := jwt.Parse(raw, func(*jwt.Token) (any, error) { return &e.trusted.key.PublicKey, nil },
		jwt.WithValidMethods([]string{"ES256"}), jwt.WithIssuer(platformIssuer), jwt.WithAudience(e.audience), jwt.WithExpirationRequired())
	if err != nil {
		w.WriteHeader(http.StatusBadRequest)
		// Some servers echo what they refused; the exporter never quotes it.
		fmt.Fprintf(w, `{"error":"invalid_grant","error_description":"assertion %s: %s"}`, raw, err)
		return
	}
	tok := "wif-access-" + rand.Text()
	e.issued = append(e.issued, tok)
	e.tokens.add(tok, nil)
	_ = json.NewEncoder(w).Encode(map[string]any{"access_token": tok, "token_type": "Bearer", "expires_in": 600})
}

func (e *federatingIdP) snapshot() (assertions, issued, problems []string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]string(nil), e.assertions...), append([]string(nil), e.issued...), append([]string(nil), e.problems...)
}

func TestWorkloadIdentityThroughProbe(t *testing.T) {
	t.Parallel()
	platform := newPlatformKey(t)
	tokens := newAuthTokens()
	idp := &federatingIdP{trusted: platform, tokens: tokens}
	asMux := http.NewServeMux()
	as, _ := authServe(t, asMux)
	idp.audience = as.URL + "/token"
	asMux.Handle("/token", idp)
	asMux.HandleFunc("/.well-known/oauth-authorization-server", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		// Lists the grants of its interactive clients only: a warning,
		// and the token request is tried anyway.
		_ = json.NewEncoder(w).Encode(map[string]any{
			"issuer": as.URL, "token_endpoint": as.URL + "/token",
			"grant_types_supported":                 []string{"authorization_code", "client_credentials"},
			"token_endpoint_auth_methods_supported": []string{"private_key_jwt"},
		})
	})
	rsMux := http.NewServeMux()
	rs, _ := authServe(t, rsMux)
	target := rs.URL + "/mcp"
	rsMux.Handle("/mcp", auth.RequireBearerToken(tokens.verify, &auth.RequireBearerTokenOptions{
		ResourceMetadataURL: rs.URL + "/.well-known/oauth-protected-resource/mcp",
	})(authMCPHandler()))
	rsMux.Handle("/.well-known/oauth-protected-resource/mcp", auth.ProtectedResourceMetadataHandler(&oauthex.ProtectedResourceMetadata{
		Resource: target, AuthorizationServers: []string{as.URL},
	}))

	dir := t.TempDir()
	good, refused := filepath.Join(dir, "token"), filepath.Join(dir, "other-token")
	exp := time.Unix(time.Now().Add(50*time.Minute).Unix(), 0)
	authWriteFile(t, good, platform.token(t, idp.audience, exp)+"\n")
	authWriteFile(t, refused, newPlatformKey(t).token(t, idp.audience, exp)) // a key the IdP does not trust
	wif := func(file, oauth2 string) string {
		return fmt.Sprintf("http_config:\n  oauth2: %s\noauth2_workload_identity: {assertion_file: %s}\n%s", oauth2, file, authAllowOnly(target))
	}
	discovery := "oauth2_discovery: true\noauth2_issuers: ['" + regexp.QuoteMeta(as.URL) + "']\n"
	f := newHandlerFixture(t, authConfig(t, map[string]string{
		"wif":           wif(good, "{token_url: "+idp.audience+"}"),
		"wif_discovery": discovery + wif(good, "{}"),
		"wif_refused":   wif(refused, "{token_url: "+idp.audience+"}"),
	}))
	f.h.History = NewHistory(100)

	var served []string
	probe := func(module string, debug, wantOK bool) string {
		t.Helper()
		q := url.Values{"module": {module}, "target": {target}}
		if debug {
			q.Set("debug", "true")
		}
		body := f.probe(t, q, nil).Body.String()
		served = append(served, body)
		if got := strings.Contains(body, "probe_success 1\n"); got != wantOK {
			t.Errorf("module %s: success %v, want %v\n%s", module, got, wantOK, body)
		}
		return body
	}
	for _, m := range []string{"wif", "wif_discovery"} {
		body := probe(m, false, true)
		series := `probe_mcp_credential_expiry_timestamp_seconds{kind="workload_identity"} ` + strconv.FormatInt(exp.Unix(), 10)
		if !strings.Contains(body, series) && !strings.Contains(body, `probe_mcp_credential_expiry_timestamp_seconds{kind="workload_identity"} `+fmt.Sprintf("%g", float64(exp.Unix()))) {
			t.Errorf("module %s: no %s\n%s", m, series, body)
		}
		probe(m, true, true) // the cached token
	}
	if !strings.Contains(f.log.String(), "does not list urn:ietf:params:oauth:grant-type:jwt-bearer, the grant the module uses") {
		t.Errorf("no warning about grant_types_supported in the log:\n%s", f.log.String())
	}
	body := probe("wif_refused", true, false)
	if !strings.Contains(body, `probe_mcp_failure_info{layer="auth",reason="token_request"} 1`) || !strings.Contains(body, "invalid_grant") {
		t.Errorf("a refused assertion:\n%s", body)
	}
	probe("wif_refused", true, false)
	assertions, issued, problems := idp.snapshot()
	for _, p := range problems {
		t.Errorf("token endpoint: %s", p)
	}
	if len(issued) != 2 || len(assertions) != 3 {
		t.Errorf("%d token requests, %d tokens; want 3 and 2 (one per module; the refused one backs off)", len(assertions), len(issued))
	}

	places := f.shown(t, served)
	secrets := append(issued, assertions...)
	for _, file := range []string{good, refused} {
		b := testsupport.ReadFile(t, file)
		a := strings.TrimSpace(string(b))
		parts := strings.Split(a, ".")
		secrets = append(secrets, a, parts[1], parts[2]) // the claims and the signature
	}
	for where, text := range places {
		for _, s := range secrets {
			if strings.Contains(text, s) {
				t.Errorf("%s contains a credential (%.12s…)", where, s)
			}
		}
	}
}
