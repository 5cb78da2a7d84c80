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

// OAuth as servers publish it (issue 11 items 7 and 8): the resource
// parameter by default with discovery, the client authentication method
// and grant types of the authorization server's metadata, the scope of
// the 401 or of the protected resource metadata, insufficient_scope, and
// servers of the 2025-03-26 revision without protected resource metadata.
// The MCP servers are go-sdk servers behind auth.RequireBearerToken.

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/auth"
	"github.com/modelcontextprotocol/go-sdk/oauthex"
)

// publishedPeers is a go-sdk server with protected resource metadata (or,
// legacy, without) and an authorization server publishing asMeta.
type publishedPeers struct {
	target string
	rs, as *httptest.Server
	ep     *authTokenEndpoint
}

type publishedSetup struct {
	challenge    []string // the scopes the server requires, named in its 401 (scope=)
	prmScopes    []string
	asMeta       map[string]any // token_endpoint and issuer are added
	legacy       bool           // no protected resource metadata; the AS is the server's origin
	noASMetadata bool           // legacy without metadata: default endpoints
	scope        string         // the scope the token endpoint expects
	grant        []string
	wrap         func(http.Handler) http.Handler
}

func newPublishedPeers(t *testing.T, s publishedSetup) *publishedPeers {
	t.Helper()
	d := &publishedPeers{}
	tokens := newAuthTokens()
	d.ep = newAuthTokenEndpoint("probe-client", "s3cr3t-client", tokens)
	d.ep.scope, d.ep.grant = s.scope, s.grant

	rsMux := http.NewServeMux()
	d.rs = httptest.NewServer(rsMux)
	t.Cleanup(d.rs.Close)
	d.target = d.rs.URL + "/mcp"
	asMux, issuer := rsMux, d.rs.URL
	if !s.legacy {
		asMux = http.NewServeMux()
		d.as = httptest.NewServer(asMux)
		t.Cleanup(d.as.Close)
		issuer = d.as.URL
	}
	asMux.Handle("/token", d.ep)
	if !s.noASMetadata {
		asMux.HandleFunc("/.well-known/oauth-authorization-server", func(w http.ResponseWriter, _ *http.Request) {
			m := map[string]any{"issuer": issuer, "token_endpoint": issuer + "/token"}
			for k, v := range s.asMeta {
				m[k] = v
			}
			w.Header().Set("Content-Type", "application/json")
			_ = json.NewEncoder(w).Encode(m)
		})
	}
	opts := &auth.RequireBearerTokenOptions{Scopes: s.challenge}
	if !s.legacy {
		opts.ResourceMetadataURL = d.rs.URL + "/.well-known/oauth-protected-resource/mcp"
	}
	var h http.Handler = auth.RequireBearerToken(tokens.verify, opts)(authMCPHandler())
	if s.wrap != nil {
		h = s.wrap(h)
	}
	rsMux.Handle("/mcp", h)
	if !s.legacy {
		rsMux.Handle("/.well-known/oauth-protected-resource/mcp", auth.ProtectedResourceMetadataHandler(&oauthex.ProtectedResourceMetadata{
			Resource: d.target, AuthorizationServers: []string{issuer}, ScopesSupported: s.prmScopes,
		}))
	}
	return d
}

// publishedModule discovers, with the client secret and extra keys.
func publishedModule(extra string) string {
	return `http_config:
  oauth2: {client_id: probe-client, client_secret: s3cr3t-client}
oauth2_discovery: true
oauth2_issuers: ['http://127\.0\.0\.1:[0-9]+']
allow_any_target: true
` + extra
}

// Item 7: with discovery, the resource is the target's canonical URI
// without being asked; oauth2_resource: none and endpoint_params opt out.
func TestDiscoveryResourceByDefault(t *testing.T) {
	for _, tc := range []struct{ name, module, want string }{
		{"by default", publishedModule(""), "{{target}}"},
		{"oauth2_resource: target", publishedModule("oauth2_resource: target"), "{{target}}"},
		{"oauth2_resource: none", publishedModule("oauth2_resource: none"), ""},
		{"endpoint_params", strings.Replace(publishedModule(""), "client_secret: s3cr3t-client}",
			"client_secret: s3cr3t-client, endpoint_params: {resource: 'https://mcp.example/'}}", 1), "https://mcp.example/"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := newPublishedPeers(t, publishedSetup{})
			authOK(t, runProbe(t, nil, d.target, authModule(t, tc.module)))
			_, _, resources, _ := d.ep.stats()
			want := strings.ReplaceAll(tc.want, "{{target}}", d.target)
			if !slices.Equal(resources, []string{want}) {
				t.Errorf("resource parameters %q, want %q", resources, want)
			}
			d.ep.checkClean(t)
		})
	}
}

// Item 8: the method the metadata lists is used from the first request.
func TestDiscoveryPublishedAuthMethod(t *testing.T) {
	t.Run("client_secret_post only", func(t *testing.T) {
		d := newPublishedPeers(t, publishedSetup{asMeta: map[string]any{"token_endpoint_auth_methods_supported": []string{"client_secret_post"}}})
		d.ep.onlyPost = true
		p := New()
		authOK(t, runProbe(t, p, d.target, authModule(t, publishedModule(""))))
		if styles := d.ep.authStyles(); !slices.Equal(styles, []string{"post"}) {
			t.Errorf("client authentication %q, want [post]: no failed probe for Basic", styles)
		}
	})
	t.Run("client_secret_basic listed: never switches to the form", func(t *testing.T) {
		d := newPublishedPeers(t, publishedSetup{asMeta: map[string]any{"token_endpoint_auth_methods_supported": []string{"client_secret_basic"}}})
		d.ep.onlyPost = true // misbehaves: refuses what it publishes
		clock := &testClock{}
		p := NewWithClock(clock.Now)
		m := authModule(t, publishedModule(""))
		authFail(t, runProbe(t, p, d.target, m), LayerAuth, "token_request")
		clock.Step(2 * time.Second) // past the back-off
		authFail(t, runProbe(t, p, d.target, m), LayerAuth, "token_request")
		for _, s := range d.ep.authStyles() {
			if s != "refused basic" {
				t.Errorf("client authentication %q: the published method is the only one", s)
			}
		}
	})
	t.Run("none the module can use", func(t *testing.T) {
		d := newPublishedPeers(t, publishedSetup{asMeta: map[string]any{"token_endpoint_auth_methods_supported": []string{"private_key_jwt"}}})
		res := runProbe(t, nil, d.target, authModule(t, publishedModule("")))
		authFail(t, res, LayerDiscovery, "discovery")
		if r, _, _, _ := d.ep.stats(); r != 0 {
			t.Errorf("%d token requests, want 0", r)
		}
	})
	t.Run("grant_types_supported without client_credentials", func(t *testing.T) {
		// A warning, not a failure: servers list their interactive
		// grants and still grant client credentials.
		d := newPublishedPeers(t, publishedSetup{asMeta: map[string]any{"grant_types_supported": []string{"authorization_code"}}})
		res := runProbe(t, nil, d.target, authModule(t, publishedModule("")))
		authOK(t, res)
		if !strings.Contains(res.logs, "does not list client_credentials") {
			t.Errorf("the log does not warn:\n%s", res.logs)
		}
		if r, _, _, _ := d.ep.stats(); r != 1 {
			t.Errorf("%d token requests, want 1", r)
		}
	})
}

// Item 8: the scope, when the module names none.
func TestDiscoveryScope(t *testing.T) {
	t.Run("from the 401's scope=", func(t *testing.T) {
		d := newPublishedPeers(t, publishedSetup{challenge: []string{"mcp:read", "mcp:tools"}, prmScopes: []string{"other"},
			scope: "mcp:read mcp:tools", grant: []string{"mcp:read", "mcp:tools"}})
		authOK(t, runProbe(t, nil, d.target, authModule(t, publishedModule(""))))
		d.ep.checkClean(t)
	})
	t.Run("from scopes_supported", func(t *testing.T) {
		d := newPublishedPeers(t, publishedSetup{prmScopes: []string{"mcp:read", "mcp:write"}, scope: "mcp:read mcp:write"})
		authOK(t, runProbe(t, nil, d.target, authModule(t, publishedModule(""))))
		d.ep.checkClean(t)
	})
	t.Run("the module's scopes win", func(t *testing.T) {
		d := newPublishedPeers(t, publishedSetup{challenge: []string{"mcp:read"}, prmScopes: []string{"mcp:read", "mcp:write"},
			scope: "mcp:read", grant: []string{"mcp:read"}})
		m := strings.Replace(publishedModule(""), "client_secret: s3cr3t-client}", "client_secret: s3cr3t-client, scopes: [mcp:read]}", 1)
		authOK(t, runProbe(t, nil, d.target, authModule(t, m)))
		d.ep.checkClean(t)
	})
}

// Item 8: a 403 with error="insufficient_scope" has its own reason, on the
// auth layer. go-sdk's RequireBearerToken answers a missing scope with a
// bare 403, so the RFC 6750 challenge is added around it here.
func TestInsufficientScope(t *testing.T) {
	insufficient := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			rec := httptest.NewRecorder()
			next.ServeHTTP(rec, r)
			if rec.Code == http.StatusForbidden {
				w.Header().Set("WWW-Authenticate", `Bearer error="insufficient_scope", scope="mcp:admin", error_description="needs admin"`)
				http.Error(w, "insufficient scope", http.StatusForbidden)
				return
			}
			for k, v := range rec.Header() {
				w.Header()[k] = v
			}
			w.WriteHeader(rec.Code)
			_, _ = w.Write(rec.Body.Bytes())
		})
	}
	tokens := newAuthTokens()
	ep := newAuthTokenEndpoint("probe-client", "s3cr3t-client", tokens)
	ep.grant = []string{"mcp:read"}
	tokenURL := ep.serve(t)
	m := authModule(t, fmt.Sprintf("http_config:\n  oauth2: {client_id: probe-client, client_secret: s3cr3t-client, token_url: %s}\nallow_any_target: true", tokenURL))
	needs := &auth.RequireBearerTokenOptions{Scopes: []string{"mcp:admin"}}

	rs, _ := authServe(t, insufficient(auth.RequireBearerToken(tokens.verify, needs)(authMCPHandler())))
	res := runProbe(t, nil, rs.URL+"/mcp", m)
	authFail(t, res, LayerAuth, "insufficient_scope")
	if !strings.Contains(res.logs, `it asks for scope \"mcp:admin\"`) {
		t.Errorf("the log does not name the scope asked for:\n%s", res.logs)
	}
	// A 403 without the challenge stays forbidden.
	plain, _ := authBearerServer(t, tokens.verify, needs)
	authFail(t, runProbe(t, nil, plain.URL+"/mcp", m), LayerAuth, "forbidden")
}

// Item 8: a server of the 2025-03-26 revision has no protected resource
// metadata; its origin is the authorization server, if oauth2_issuers
// allow it.
func TestDiscoveryLegacyServer(t *testing.T) {
	t.Run("metadata at the origin", func(t *testing.T) {
		d := newPublishedPeers(t, publishedSetup{legacy: true, asMeta: map[string]any{"token_endpoint_auth_methods_supported": []string{"client_secret_post"}}})
		d.ep.onlyPost = true
		res := runProbe(t, nil, d.target, authModule(t, publishedModule("")))
		authOK(t, res)
		if !strings.Contains(res.logs, `legacy="2025-03-26 metadata"`) {
			t.Errorf("the log does not say which rules found the server:\n%s", res.logs)
		}
		_, _, resources, _ := d.ep.stats()
		if !slices.Equal(resources, []string{d.target}) {
			t.Errorf("resources %q, want the target", resources)
		}
	})
	t.Run("default endpoints", func(t *testing.T) {
		d := newPublishedPeers(t, publishedSetup{legacy: true, noASMetadata: true})
		res := runProbe(t, nil, d.target, authModule(t, publishedModule("")))
		authOK(t, res)
		if n := d.ep.issuedCount(); n != 1 {
			t.Errorf("%d tokens from %s/token, want 1", n, d.rs.URL)
		}
	})
	t.Run("origin not in oauth2_issuers", func(t *testing.T) {
		d := newPublishedPeers(t, publishedSetup{legacy: true})
		m := strings.Replace(publishedModule(""), `oauth2_issuers: ['http://127\.0\.0\.1:[0-9]+']`, `oauth2_issuers: ['https://idp\.example']`, 1)
		res := runProbe(t, nil, d.target, authModule(t, m))
		authFail(t, res, LayerDiscovery, "issuer_not_allowed")
		if r, _, _, _ := d.ep.stats(); r != 0 {
			t.Errorf("%d token requests, want 0", r)
		}
	})
}
