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

package config

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"path/filepath"
	"strings"
	"testing"

	yaml "go.yaml.in/yaml/v3"

	"github.com/mcp-exporter/mcp_exporter/internal/testsupport"
)

func TestWorkloadIdentityConfig(t *testing.T) {
	dir := t.TempDir()
	token := testsupport.WriteFile(t, filepath.Join(dir, "token"), []byte("eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJQTEFURk9STS1TRUNSRVQifQ.c2ln\n"), 0o600)
	ec, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	sec1, _ := x509.MarshalECPrivateKey(ec)
	keyFile := writePEM(t, dir, "key.pem", "EC PRIVATE KEY", sec1)
	gone := filepath.Join(dir, "missing")
	module := func(oauth2, wif string) string {
		return "modules:\n  m:\n    allow_any_target: true\n    http_config:\n      oauth2: " + oauth2 +
			"\n    oauth2_workload_identity:\n" + wif
	}
	tu := "{token_url: 'https://idp.example/token'}"
	file := "      assertion_file: " + token + "\n"
	for _, tc := range []struct {
		name, yaml string
		want       []string // nil: loads
		clientID   string
	}{
		{name: "token_url, no client_id", yaml: module(tu, file)},
		{name: "with a client_id", yaml: module("{client_id: probe, token_url: 'https://idp.example/token', scopes: [mcp]}", file), clientID: "probe"},
		{name: "with discovery", yaml: "modules:\n  m:\n    allow_any_target: true\n    oauth2_discovery: true\n    oauth2_issuers: ['https://idp\\.example']\n    http_config:\n      oauth2: {}\n    oauth2_workload_identity: {assertion_file: " + token + "}\n"},
		{
			name: "missing file",
			yaml: module(tu, "      assertion_file: "+gone+"\n"),
			want: []string{`module "m"`, "line 7", "oauth2_workload_identity.assertion_file", "missing", "no such file"},
		},
		{
			name: "a directory",
			yaml: module(tu, "      assertion_file: "+dir+"\n"),
			want: []string{"line 7", "oauth2_workload_identity.assertion_file", "is a directory"},
		},
		{
			name: "no assertion_file",
			yaml: module(tu, "      {}\n"),
			want: []string{"line 6", "oauth2_workload_identity.assertion_file: required"},
		},
		{
			name: "with a client secret",
			yaml: module("{client_id: c, client_secret: s3cr3t, token_url: 'https://idp.example/token'}", file),
			want: []string{`module "m"`, "line 6", "oauth2_workload_identity", "also sets a client secret", "contradict"},
		},
		{
			name: "with a client secret file",
			yaml: module("{client_id: c, client_secret_file: "+token+", token_url: 'https://idp.example/token'}", file),
			want: []string{"line 6", "also sets a client secret", "contradict"},
		},
		{
			name: "with a client assertion",
			yaml: module("{client_id: c, token_url: 'https://idp.example/token'}", file) + "    oauth2_client_assertion: {key_file: " + keyFile + "}\n",
			want: []string{"line 6", "oauth2_workload_identity", "oauth2_client_assertion is set too", "contradict"},
		},
		{
			name: "with grant_type",
			yaml: module("{grant_type: client_credentials, token_url: 'https://idp.example/token'}", file),
			want: []string{"line 6", "sets grant_type"},
		},
		{
			name: "without oauth2",
			yaml: "modules:\n  m:\n    allow_any_target: true\n    oauth2_workload_identity: {assertion_file: " + token + "}\n",
			want: []string{"line 4", "oauth2_workload_identity", "needs http_config.oauth2"},
		},
		{
			name: "without allowed_targets",
			yaml: "modules:\n  m:\n    http_config:\n      oauth2: " + tu + "\n    oauth2_workload_identity: {assertion_file: " + token + "}\n",
			want: []string{"allowed_targets", "carries credentials (oauth2)"},
		},
		{
			name: "unknown key",
			yaml: module(tu, file+"      audience: x\n"),
			want: []string{"unknown key \"audience\"", "oauth2_workload_identity"},
		},
		{
			name: "stdio module",
			yaml: "modules:\n  m:\n    transport: stdio\n    command: [srv]\n    oauth2_workload_identity: {assertion_file: " + token + "}\n",
			want: []string{"oauth2_workload_identity"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.want != nil {
				err := parseRefused(t, tc.yaml, tc.want...)
				if strings.Contains(err.Error(), "PLATFORM") || strings.Contains(err.Error(), "eyJ") {
					t.Errorf("error quotes the assertion file: %v", err)
				}
				return
			}
			c := mustParse(t, tc.yaml)
			m := c.Modules["m"]
			if m.OAuth2WorkloadIdentity == nil || m.OAuth2WorkloadIdentity.AssertionFile != token {
				t.Fatalf("oauth2_workload_identity not kept: %+v", m.OAuth2WorkloadIdentity)
			}
			if got := m.HTTPClientConfig.OAuth2.ClientID; got != tc.clientID {
				t.Errorf("client_id %q, want %q (no placeholder left)", got, tc.clientID)
			}
			if m.OAuth2GrantType() != JWTBearerGrant || m.ClientAuthMethods() != nil {
				t.Errorf("grant %q, client authentication %v", m.OAuth2GrantType(), m.ClientAuthMethods())
			}
			// What /config shows loads again, and shows the path only.
			b, err := yaml.Marshal(c)
			if err != nil {
				t.Fatal(err)
			}
			if strings.Contains(string(b), "PLATFORM") || strings.Contains(string(b), workloadIdentityClientID) || !strings.Contains(string(b), token) {
				t.Errorf("shown configuration:\n%s", b)
			}
			if _, err := Parse(b); err != nil {
				t.Errorf("the shown configuration does not load: %v\n%s", err, b)
			}
		})
	}
}
