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

package oauthdiscovery

// What the authorization server publishes (issue 11 item 8): client
// authentication methods, grant types, scopes, and the discovery rules of
// the 2025-03-26 revision for servers without protected resource metadata.

import (
	"context"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/mcp-exporter/mcp_exporter/internal/failure"
)

func TestDiscoverWhatTheServerPublishes(t *testing.T) {
	prm := func(extra map[string]any) testRoute {
		m := map[string]any{"resource": "{{RS}}/mcp", "authorization_servers": []string{"{{AS}}"}}
		for k, v := range extra {
			m[k] = v
		}
		return doc(m)
	}
	asm := func(extra map[string]any) testRoute {
		m := map[string]any{"issuer": "{{AS}}", "token_endpoint": "{{AS}}/token"}
		for k, v := range extra {
			m[k] = v
		}
		return doc(m)
	}
	secretMethods := []string{"client_secret_basic", "client_secret_post"}
	tests := []struct {
		name    string
		path    string // the target's path, /mcp when empty
		rs, as  map[string]testRoute
		issuers []string // nil: RS's and AS's origins
		scope   string   // the 401's scope parameter
		methods []string // Options.ClientAuthMethods

		want       *AuthServer // only the fields named in check are compared
		check      []string
		wantErr    []string
		wantReason failure.Reason
		wantReqs   []string
	}{
		{
			name:    "client_secret_post only",
			rs:      map[string]testRoute{wkPRM + "/mcp": prm(nil)},
			as:      map[string]testRoute{wkAS: asm(map[string]any{"token_endpoint_auth_methods_supported": []string{"client_secret_post"}})},
			methods: secretMethods,
			want:    &AuthServer{AuthMethod: "client_secret_post"},
			check:   []string{"AuthMethod"},
		},
		{
			name:    "basic preferred when both are listed",
			rs:      map[string]testRoute{wkPRM + "/mcp": prm(nil)},
			as:      map[string]testRoute{wkAS: asm(map[string]any{"token_endpoint_auth_methods_supported": []string{"client_secret_post", "client_secret_basic"}})},
			methods: secretMethods,
			want:    &AuthServer{AuthMethod: "client_secret_basic"},
			check:   []string{"AuthMethod"},
		},
		{
			name:    "auth methods not published: the client's own default",
			rs:      map[string]testRoute{wkPRM + "/mcp": prm(nil)},
			as:      map[string]testRoute{wkAS: asm(nil)},
			methods: secretMethods,
			want:    &AuthServer{AuthMethod: "", AuthMethods: []string{"client_secret_basic"}},
			check:   []string{"AuthMethod", "AuthMethods"},
		},
		{
			name:       "no method the module can use",
			rs:         map[string]testRoute{wkPRM + "/mcp": prm(nil)},
			as:         map[string]testRoute{wkAS: asm(map[string]any{"token_endpoint_auth_methods_supported": []string{"private_key_jwt", "tls_client_auth"}})},
			methods:    secretMethods,
			wantErr:    []string{"token_endpoint_auth_methods_supported at {{AS}}" + wkAS + " lists none of the methods the module can use (client_secret_basic, client_secret_post)"},
			wantReason: failure.ReasonDiscovery,
		},
		{
			name:    "private_key_jwt chosen",
			rs:      map[string]testRoute{wkPRM + "/mcp": prm(nil)},
			as:      map[string]testRoute{wkAS: asm(map[string]any{"token_endpoint_auth_methods_supported": []string{"client_secret_basic", "private_key_jwt"}})},
			methods: []string{"private_key_jwt"},
			want:    &AuthServer{AuthMethod: "private_key_jwt"},
			check:   []string{"AuthMethod"},
		},
		{
			name: "grant types without client_credentials",
			rs:   map[string]testRoute{wkPRM + "/mcp": prm(nil)},
			as: map[string]testRoute{wkAS: asm(map[string]any{
				"grant_types_supported": []string{"authorization_code", "refresh_token"},
			})},
			want:  &AuthServer{TokenEndpoint: "{{AS}}/token", Warnings: []string{"authorization server metadata: grant_types_supported at {{AS}}" + wkAS + " does not list client_credentials, the grant the module uses; trying it anyway"}},
			check: []string{"TokenEndpoint", "Warnings"},
		},
		{
			name:       "grant types not an array",
			rs:         map[string]testRoute{wkPRM + "/mcp": prm(nil)},
			as:         map[string]testRoute{wkAS: asm(map[string]any{"grant_types_supported": "client_credentials"})},
			wantErr:    []string{"grant_types_supported is not an array of strings"},
			wantReason: failure.ReasonDiscovery,
		},
		{
			name:  "grant types with client_credentials",
			rs:    map[string]testRoute{wkPRM + "/mcp": prm(nil)},
			as:    map[string]testRoute{wkAS: asm(map[string]any{"grant_types_supported": []string{"authorization_code", "client_credentials"}})},
			want:  &AuthServer{TokenEndpoint: "{{AS}}/token"},
			check: []string{"TokenEndpoint"},
		},
		{
			name:  "scope from the challenge wins",
			rs:    map[string]testRoute{wkPRM + "/mcp": prm(map[string]any{"scopes_supported": []string{"a", "b"}})},
			as:    map[string]testRoute{wkAS: asm(nil)},
			scope: " mcp:read   mcp:tools ",
			want:  &AuthServer{Scope: "mcp:read mcp:tools"},
			check: []string{"Scope"},
		},
		{
			name:  "scope from scopes_supported",
			rs:    map[string]testRoute{wkPRM + "/mcp": prm(map[string]any{"scopes_supported": []string{"mcp:read", "mcp:write"}})},
			as:    map[string]testRoute{wkAS: asm(nil)},
			want:  &AuthServer{Scope: "mcp:read mcp:write"},
			check: []string{"Scope"},
		},
		{
			name:  "a scope that is not scope-tokens is not used",
			rs:    map[string]testRoute{wkPRM + "/mcp": prm(map[string]any{"scopes_supported": []string{"ok", "bad\"quote"}})},
			as:    map[string]testRoute{wkAS: asm(nil)},
			scope: "bad\\slash",
			want:  &AuthServer{Scope: ""},
			check: []string{"Scope"},
		},
		{
			name: "2025-03-26: metadata at the server's origin",
			rs: map[string]testRoute{wkAS: doc(map[string]any{
				"issuer": "{{RS}}", "token_endpoint": "{{RS}}/oauth/token",
				"token_endpoint_auth_methods_supported": []string{"client_secret_post"},
			})},
			issuers: []string{"{{RS}}"},
			methods: secretMethods,
			scope:   "mcp",
			want: &AuthServer{Issuer: "{{RS}}", TokenEndpoint: "{{RS}}/oauth/token", AuthMethod: "client_secret_post",
				Scope: "mcp", Legacy: LegacyMetadata},
			check:    []string{"Issuer", "TokenEndpoint", "AuthMethod", "Scope", "Legacy", "Resource", "ResourceMetadataURL"},
			wantReqs: []string{"RS " + wkPRM + "/mcp", "RS " + wkPRM, "RS " + wkAS},
		},
		{
			name:     "2025-03-26: default endpoints",
			path:     "/api/mcp",
			issuers:  []string{"{{RS}}"},
			want:     &AuthServer{Issuer: "{{RS}}", TokenEndpoint: "{{RS}}/token", Legacy: LegacyDefaults},
			check:    []string{"Issuer", "TokenEndpoint", "Legacy"},
			wantReqs: []string{"RS " + wkPRM + "/api/mcp", "RS " + wkPRM, "RS " + wkAS},
		},
		{
			name:       "2025-03-26: origin not in oauth2_issuers",
			issuers:    []string{"{{AS}}"},
			wantErr:    []string{"the target's origin {{RS}}, which is not in oauth2_issuers"},
			wantReason: failure.ReasonIssuerNotAllowed,
			wantReqs:   []string{"RS " + wkPRM + "/mcp", "RS " + wkPRM},
		},
		{
			name:       "2025-03-26: metadata naming another issuer",
			rs:         map[string]testRoute{wkAS: doc(map[string]any{"issuer": "{{AS}}", "token_endpoint": "{{AS}}/token"})},
			issuers:    []string{"{{RS}}", "{{AS}}"},
			wantErr:    []string{"issuer mismatch at {{RS}}" + wkAS},
			wantReason: failure.ReasonDiscovery,
		},
		{
			name:       "2025-03-26: token endpoint elsewhere, not allowed",
			rs:         map[string]testRoute{wkAS: doc(map[string]any{"issuer": "{{RS}}", "token_endpoint": "{{XX}}/token"})},
			issuers:    []string{"{{RS}}"},
			wantErr:    []string{"is neither on the issuer's origin nor allowed by oauth2_issuers"},
			wantReason: failure.ReasonIssuerNotAllowed,
		},
		{
			name:       "2025-03-26: metadata answering 500",
			rs:         map[string]testRoute{wkAS: {status: 500}},
			issuers:    []string{"{{RS}}"},
			wantErr:    []string{"under the 2025-03-26 rules: authorization server metadata: HTTP 500 at {{RS}}" + wkAS},
			wantReason: failure.ReasonDiscovery,
		},
		{
			name: "no fallback when the well-known answers otherwise than 404",
			rs: map[string]testRoute{
				wkPRM + "/mcp": {status: 503},
				wkAS:           doc(map[string]any{"issuer": "{{RS}}", "token_endpoint": "{{RS}}/token"}),
			},
			issuers:    []string{"{{RS}}"},
			wantErr:    []string{"protected resource metadata: HTTP 503"},
			wantReason: failure.ReasonDiscovery,
			wantReqs:   []string{"RS " + wkPRM + "/mcp", "RS " + wkPRM},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := newTestEnv(t, testPeer{routes: tt.rs}, testPeer{routes: tt.as})
			p := tt.path
			if p == "" {
				p = "/mcp"
			}
			target, _ := url.Parse(env.rs.URL + p)
			issuers := tt.issuers
			if issuers == nil {
				issuers = []string{"{{RS}}(/.*)?", "{{AS}}(/.*)?"}
			}
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			got, err := Discover(ctx, env.client(), target, Options{
				IssuerAllowed: env.issuerPolicy(issuers), Scope: tt.scope, ClientAuthMethods: tt.methods,
			})
			if tt.wantErr != nil {
				if err == nil {
					t.Fatalf("Discover = %+v, want an error", got)
				}
				if r := failure.ReasonOf(err); r != tt.wantReason {
					t.Errorf("reason %q, want %q (%v)", r, tt.wantReason, err)
				}
				for _, w := range tt.wantErr {
					if !strings.Contains(err.Error(), env.expand(w)) {
						t.Errorf("error %q\ndoes not contain %q", err, env.expand(w))
					}
				}
				if strings.Contains(err.Error(), secretMarker) {
					t.Errorf("error repeats the body: %v", err)
				}
			} else {
				if err != nil {
					t.Fatalf("Discover: %v", err)
				}
				gv, wv := reflect.ValueOf(got).Elem(), reflect.ValueOf(tt.want).Elem()
				for _, f := range tt.check {
					g, w := gv.FieldByName(f).Interface(), wv.FieldByName(f).Interface()
					if s, ok := w.(string); ok {
						w = env.expand(s)
					}
					if ss, ok := w.([]string); ok {
						expanded := make([]string, len(ss))
						for i, s := range ss {
							expanded[i] = env.expand(s)
						}
						w = expanded
					}
					if !reflect.DeepEqual(g, w) {
						t.Errorf("%s = %#v, want %#v", f, g, w)
					}
				}
			}
			env.checkRequests(t, tt.wantReqs)
		})
	}
}
