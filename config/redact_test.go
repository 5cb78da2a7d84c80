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
	"path/filepath"
	"strings"
	"testing"

	yaml "go.yaml.in/yaml/v3"
)

// plainSecretConfig holds credentials that prometheus/common keeps as plain
// strings: http_headers values and oauth2 endpoint_params.
const plainSecretConfig = `
modules:
  headers:
    allow_any_target: true
    http_config:
      http_headers:
        X-API-Key: {values: ["s3cr3t-VALUE-1", "s3cr3t-VALUE-2"], files: [/etc/key]}
        X-Other: {secrets: ["s3cr3t-SECRET"]}
  oauth2:
    allow_any_target: true
    http_config:
      oauth2:
        client_id: c
        client_secret: s3cr3t-CLIENT
        token_url: https://tok.example/token
        endpoint_params: {api_key: s3cr3t-PARAM, audience: s3cr3t-AUDIENCE}
        proxy_url: 'u:s3cr3t-OPAQUE@proxy.example'
      proxy_url: 'http://u:s3cr3t-PROXYPW@proxy.example/'
`

func TestMarshalHidesPlainCredentials(t *testing.T) {
	dir := t.TempDir()
	c := mustParse(t, mountFiles(t, plainSecretConfig, "/etc/", dir))
	wantShown := []string{"X-API-Key", filepath.Join(dir, "key"), "api_key", "audience", "client_id: c", "proxy.example"}
	hidden := []string{"s3cr3t-VALUE-1", "s3cr3t-VALUE-2", "s3cr3t-SECRET", "s3cr3t-CLIENT", "s3cr3t-PARAM", "s3cr3t-AUDIENCE", "s3cr3t-OPAQUE", "s3cr3t-PROXYPW"}
	check := func(what string, v any) {
		t.Helper()
		out, err := yaml.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		text := string(out)
		for _, s := range hidden {
			if strings.Contains(text, s) {
				t.Errorf("%s shows %q:\n%s", what, s, text)
			}
		}
		for _, s := range wantShown {
			if !strings.Contains(text, s) {
				t.Errorf("%s lost %q:\n%s", what, s, text)
			}
		}
	}
	check("the marshalled configuration", c)
	check("the marshalled modules", []Module{c.Modules["headers"], c.Modules["oauth2"]})
	check("the redacted modules", []Module{c.Modules["headers"].Redacted(), c.Modules["oauth2"].Redacted()})

	// Hiding changes nothing in force.
	if got := c.Modules["headers"].HTTPClientConfig.HTTPHeaders.Headers["X-API-Key"].Values; len(got) != 2 || got[0] != "s3cr3t-VALUE-1" {
		t.Errorf("header values in force = %q", got)
	}
	if got := c.Modules["oauth2"].HTTPClientConfig.OAuth2.EndpointParams["api_key"]; got != "s3cr3t-PARAM" {
		t.Errorf("endpoint param in force = %q", got)
	}
}

func TestParseErrorsHideCredentials(t *testing.T) {
	for _, tc := range []struct{ name, body, secret, want string }{
		{"proxy_url with a bad port", "http_config:\n  proxy_url: 'http://u:s3cr3t-PROXY@proxy.example:80x/'", "s3cr3t-PROXY", "proxy.example"},
		{"proxy_url with a bad host", "http_config:\n  proxy_url: 'http://u:s3cr3t-PROXY@[::1/'", "s3cr3t-PROXY", "line"},
		{"proxy_url with a slash in the password", "http_config:\n  proxy_url: 'http://u:s3cr3t/PROXY@proxy.example/'", "s3cr3t", "line"},
		{"proxy_url with an @ in the password", "http_config:\n  proxy_url: 'http://u:s3cr3t@PROXY@proxy.example:x/'", "s3cr3t", "proxy.example"},
		{"oauth2 proxy_url", "http_config:\n  oauth2: {client_id: a, client_secret: b, token_url: 'https://t/', proxy_url: 'http://u:s3cr3t-PROXY@h:x/'}", "s3cr3t-PROXY", "line"},
		{"a password where basic_auth belongs", "http_config:\n  basic_auth: s3cr3t-BASIC", "s3cr3t-BASIC", "line 5"},
		{"a header value where a header belongs", "http_config:\n  http_headers:\n    X-API-Key: s3cr3t-HEADER", "s3cr3t-HEADER", "line 6"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			body := "allow_any_target: true\n" + tc.body
			text := "modules:\n  m:\n" + indent(body, "    ")
			_, err := Parse([]byte(text))
			if err == nil {
				t.Fatalf("Parse accepted:\n%s", text)
			}
			if strings.Contains(err.Error(), tc.secret) {
				t.Errorf("error shows the credential: %v", err)
			}
			if !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), `module "m"`) {
				t.Errorf("error %q does not say where (want %q)", err, tc.want)
			}
		})
	}
	// Values outside http_config are still quoted, to be found.
	_, err := Parse([]byte("modules:\n  m:\n    min_tools: many\n"))
	if err == nil || !strings.Contains(err.Error(), `"many"`) {
		t.Errorf("min_tools: many: %v", err)
	}
}

func TestHideURLPasswords(t *testing.T) {
	for in, want := range map[string]string{
		`parse "http://u:pw@h:x/": invalid port`:                  `parse "http://xxxxx@h:x/": invalid port`,
		`parse "http://h:x/": invalid port`:                       `parse "http://h:x/": invalid port`,
		`module "team@example": bad`:                              `module "team@example": bad`,
		`parse "u:pw@h": first path segment`:                      `parse "xxxxx@h": first path segment`,
		`parse "http://u:p\"w@h:x/": x`:                           `parse "http://xxxxx@h:x/": x`,
		`parse "http://u:pw/x@h/": invalid port ":pw" after host`: `parse "http://xxxxx@h/": invalid port "xxxxx" after host`,
		`parse "http://u:pw@h:x/": invalid port ":x" after host`:  `parse "http://xxxxx@h:x/": invalid port ":x" after host`,
	} {
		if got := hideURLPasswords(in); got != want {
			t.Errorf("hideURLPasswords(%q) = %q, want %q", in, got, want)
		}
	}
}

func indent(s, prefix string) string {
	var b strings.Builder
	for _, line := range strings.Split(s, "\n") {
		b.WriteString(prefix + line + "\n")
	}
	return b.String()
}
