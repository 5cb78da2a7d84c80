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
	"strings"
	"testing"
)

func TestDPoPConfig(t *testing.T) {
	files := keyFiles(t)
	module := func(dpop string) string {
		return "modules:\n  m:\n    allow_any_target: true\n    http_config:\n      oauth2: {client_id: c, client_secret: s, token_url: 'https://idp.example/token'}\n    oauth2_dpop:\n" + dpop
	}
	for _, tc := range []struct {
		name, yaml string
		want       []string // nil: loads
	}{
		{name: "RSA PKCS#1", yaml: module("      key_file: " + files["rsa1"] + "\n")},
		{name: "RSA PKCS#8", yaml: module("      key_file: " + files["rsa8"] + "\n")},
		{name: "EC SEC1", yaml: module("      key_file: " + files["sec1"] + "\n")},
		{name: "EC PKCS#8", yaml: module("      key_file: " + files["ec8"] + "\n")},
		{name: "with workload identity and discovery", yaml: "modules:\n  m:\n    allow_any_target: true\n    oauth2_discovery: true\n    oauth2_issuers: ['https://idp\\.example']\n    http_config:\n      oauth2: {}\n" +
			"    oauth2_workload_identity: {assertion_file: " + files["sec1"] + "}\n    oauth2_dpop: {key_file: " + files["sec1"] + "}\n"},
		{name: "P-384", yaml: module("      key_file: " + files["p384"] + "\n"), want: []string{`module "m"`, "line 7", "oauth2_dpop.key_file", "ES384", "ES256"}},
		{name: "not a key", yaml: module("      key_file: " + files["bad"] + "\n"), want: []string{"line 7", "oauth2_dpop.key_file", "does not parse"}},
		{name: "missing file", yaml: module("      key_file: " + files["gone"] + "\n"), want: []string{"line 7", "oauth2_dpop.key_file", "missing.pem", "no such file"}},
		{name: "no key_file", yaml: module("      {}\n"), want: []string{"line 6", "oauth2_dpop.key_file: required"}},
		{name: "without oauth2", yaml: "modules:\n  m:\n    allow_any_target: true\n    oauth2_dpop: {key_file: " + files["sec1"] + "}\n", want: []string{"line 4", "oauth2_dpop", "needs http_config.oauth2"}},
		{name: "unknown key", yaml: module("      key_file: " + files["sec1"] + "\n      algorithm: ES256\n"), want: []string{"unknown key \"algorithm\""}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.want == nil {
				c := mustParse(t, tc.yaml)
				if c.Modules["m"].OAuth2DPoP == nil {
					t.Fatal("oauth2_dpop not kept")
				}
				return
			}
			err := parseRefused(t, tc.yaml, tc.want...)
			if strings.Contains(err.Error(), "SECRET-KEY-BYTES") || strings.Contains(err.Error(), "BEGIN") {
				t.Errorf("error quotes the key file: %v", err)
			}
		})
	}
}
