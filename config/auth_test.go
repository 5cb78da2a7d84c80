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
	"net/url"
	"strings"
	"testing"
)

func TestAllowedTargetsMatchTheRealHost(t *testing.T) {
	c := mustParse(t, `
modules:
  m:
    allowed_targets: ['https://mcp\.example\.com.*']
    http_config:
      authorization: {credentials: s3cr3t}
`)
	m := c.Modules["m"]
	for target, want := range map[string]bool{
		"https://mcp.example.com/mcp":                true,
		"HTTPS://MCP.Example.com:443/mcp#frag":       true,
		"https://user:pw@mcp.example.com/mcp":        true, // userinfo is not part of the match
		"https://mcp.example.com@evil.example/":      false,
		"https://mcp.example.com.evil.example/":      true, // the operator's pattern allows it: anchor the host with a slash
		"http://mcp.example.com/mcp":                 false,
		"https://mcp.example.com:8443/mcp":           true,
		"https://other.example.com/?mcp.example.com": false,
	} {
		u, err := url.Parse(target)
		if err != nil {
			t.Fatal(err)
		}
		if got := m.TargetAllowed(u); got != want {
			t.Errorf("TargetAllowed(%s) = %v (normalized %s), want %v", target, got, NormalizeTarget(u), want)
		}
	}
}

// TestAllowedTargetsMatchTheDialledHost attacks allowed_targets with hosts
// that look like an allowed one once lower-cased with Unicode rules but are
// dialled as another (issue 9 item 2), and checks the other host spellings.
func TestAllowedTargetsMatchTheDialledHost(t *testing.T) {
	c := mustParse(t, `
modules:
  m:
    allowed_targets:
      - 'https?://mcp\.victim\.example/.*'
      - 'https://xn--bcher-kva\.example/.*'
      - 'https://\[::1\]:8443/.*'
      - 'https://\[fe80::1%25eth0\]/.*'
      - 'https://k\.example/.*'
    http_config:
      authorization: {credentials: s3cr3t}
  any:
    allow_any_target: true
    http_config:
      authorization: {credentials: s3cr3t}
  anonymous: {}
`)
	for _, tc := range []struct {
		target string
		want   string // the URL to probe; "" = refused
	}{
		// U+0130 lower-cases to "i" with Unicode rules, but the transport
		// dials mcp.xn--victim-qyd.example.
		{"http://mcp.v%C4%B0ctim.example/mcp", ""},
		{"http://mcp.vİctim.example/mcp", ""},
		{"http://MCP.V%C4%B0CT%C4%B0M.EXAMPLE/mcp", ""},
		// Upper-case ASCII is the same DNS name.
		{"HTTP://MCP.VICTIM.EXAMPLE/mcp", "http://MCP.VICTIM.EXAMPLE/mcp"},
		// A trailing dot is dialled with it: the pattern must say so.
		{"http://mcp.victim.example./mcp", ""},
		// Fullwidth full stops map to "." in IDNA: the transport dials the
		// allowed host, and the probe goes there by its ASCII name.
		{"http://mcp%EF%BC%8Evictim%EF%BC%8Eexample/mcp", "http://mcp.victim.example/mcp"},
		// A legitimate IDN target is listed in its ASCII form and probed there.
		{"https://b%C3%BCcher.example/mcp", "https://xn--bcher-kva.example/mcp"},
		{"https://B%C3%9Ccher.example:443/mcp", "https://xn--bcher-kva.example:443/mcp"},
		{"https://bücher.example/mcp", "https://xn--bcher-kva.example/mcp"},
		// The Kelvin sign maps to "k" both ways: the dialled host is k.example.
		{"https://%E2%84%AA.example/mcp", "https://k.example/mcp"},
		// A host with no ASCII form (a zero width joiner outside a joining
		// context) could not be checked.
		{"https://mcp.vic%E2%80%8Dtim.example/mcp", ""},
		// IPv6 literals: case-insensitive, zone kept.
		{"https://[::1]:8443/mcp", "https://[::1]:8443/mcp"},
		{"https://[0:0::1]:8443/mcp", ""}, // another spelling is not normalized: refused, never widened
		{"https://[FE80::1%25eth0]/mcp", "https://[FE80::1%25eth0]/mcp"},
		{"https://[fe80::1%25ETH0]/mcp", ""},
	} {
		u, err := url.Parse(tc.target)
		if err != nil {
			t.Fatalf("%s: %v", tc.target, err)
		}
		m := c.Modules["m"]
		got, err := m.AdmitTarget(u)
		switch {
		case tc.want == "" && err == nil:
			t.Errorf("AdmitTarget(%s) = %s (normalized %s), want a refusal", tc.target, got, NormalizeTarget(u))
		case tc.want != "" && err != nil:
			t.Errorf("AdmitTarget(%s): %v (normalized %s)", tc.target, err, NormalizeTarget(u))
		case tc.want != "" && got.String() != tc.want:
			t.Errorf("AdmitTarget(%s) = %s, want %s", tc.target, got, tc.want)
		}
		if err != nil && strings.ContainsAny(err.Error(), "\n\r") {
			t.Errorf("AdmitTarget(%s): reason %q is not one line", tc.target, err)
		}
	}

	// A host without an ASCII form is refused for credentials even with
	// allow_any_target, and only for credentials.
	zwj, _ := url.Parse("https://mcp.vic%E2%80%8Dtim.example/mcp")
	anyM, anon := c.Modules["any"], c.Modules["anonymous"]
	if _, err := anyM.AdmitTarget(zwj); err == nil || !strings.Contains(err.Error(), "IDNA") {
		t.Errorf("allow_any_target admitted a host without an ASCII form: %v", err)
	}
	if got, err := anon.AdmitTarget(zwj); err != nil || got.String() != zwj.String() {
		t.Errorf("a module without credentials: AdmitTarget = %v, %v; want the target unchanged", got, err)
	}
	idn, _ := url.Parse("https://b%C3%BCcher.example/mcp")
	if got, err := anon.AdmitTarget(idn); err != nil || got.Host != "xn--bcher-kva.example" {
		t.Errorf("a module without credentials: AdmitTarget = %v, %v; want the ASCII host", got, err)
	}
	if idn.Host != "bücher.example" {
		t.Errorf("AdmitTarget changed its argument: %s", idn)
	}
}

func TestNormalizeTargetHosts(t *testing.T) {
	for in, want := range map[string]string{
		"http://mcp.v%C4%B0ctim.example/mcp":  "http://mcp.xn--victim-qyd.example/mcp",
		"HTTPS://MCP.Example.COM:443/mcp#x":   "https://mcp.example.com/mcp",
		"https://u:p@mcp.example.com./mcp":    "https://mcp.example.com./mcp",
		"http://[::FFFF:127.0.0.1]:80/mcp":    "http://[::ffff:127.0.0.1]/mcp",
		"https://mcp.vic%E2%80%8Dtim.example": "https://mcp.vic%E2%80%8Dtim.example", // as written: no ASCII form
	} {
		u, err := url.Parse(in)
		if err != nil {
			t.Fatal(err)
		}
		if got := NormalizeTarget(u); got != want {
			t.Errorf("NormalizeTarget(%s) = %s, want %s", in, got, want)
		}
	}
	// Percent-encoded ASCII in a host is not a URL: a target cannot hide
	// "v" as %76 from the patterns.
	//lint:ignore SA1007 the point is that url.Parse refuses it
	if _, err := url.Parse("http://mcp.%76ictim.example/"); err == nil {
		t.Error("url.Parse accepted a percent-encoded ASCII host")
	}
}

func TestOAuth2Issuers(t *testing.T) {
	c := mustParse(t, `
modules:
  m:
    allow_any_target: true
    oauth2_discovery: true
    oauth2_issuers: ['https://idp\.example\.internal/realms/mcp', 'https://login\.example\.com/[a-z]+']
    http_config:
      oauth2: {client_id: c, client_secret: s}
`)
	m := c.Modules["m"]
	for issuer, want := range map[string]bool{
		"https://idp.example.internal/realms/mcp":          true,
		"HTTPS://IDP.example.internal:443/realms/mcp":      true,
		"https://idp.example.internal/realms/mcp/":         false, // anchored
		"https://idp.example.internal/realms/other":        false,
		"https://idp.example.internal:8443/realms/mcp":     false,
		"http://idp.example.internal/realms/mcp":           false,
		"https://idp.example.internal.evil/realms/mcp":     false,
		"https://x@idp.example.internal/realms/mcp":        true, // userinfo is not part of the match
		"https://login.example.com/tenant":                 true,
		"https://login.example.com/tenant/oauth2/token":    false,
		"https://%C4%B0dp.example.internal/realms/mcp":     false, // İ folds to i, but dials xn--
		"https://idp.example.%E2%80%8Dinternal/realms/mcp": false,
	} {
		u, err := url.Parse(issuer)
		if err != nil {
			t.Fatal(err)
		}
		if got := m.IssuerAllowed(u); got != want {
			t.Errorf("IssuerAllowed(%s) = %v, want %v", issuer, got, want)
		}
	}
	if m.IssuerAllowed(nil) {
		t.Error("IssuerAllowed(nil) = true")
	}
}

func TestOAuth2IssuersErrors(t *testing.T) {
	for _, tc := range []struct {
		name, yaml string
		want       []string
	}{
		{
			name: "discovery without issuers",
			yaml: "modules:\n  d:\n    allowed_targets: ['https://mcp\\.example/mcp']\n    oauth2_discovery: true\n    http_config:\n      oauth2: {client_id: c, client_secret: s}\n",
			want: []string{`module "d"`, "oauth2_issuers", "line 4", `oauth2_issuers: ['https://idp\.example\.internal/realms/mcp']`},
		},
		{
			name: "discovery with allow_any_target and no issuers",
			yaml: "modules:\n  d:\n    allow_any_target: true\n    http_config:\n      oauth2: {client_id: c, client_secret: s}\n    oauth2_discovery: true\n",
			want: []string{`module "d"`, "oauth2_issuers", "line 6"},
		},
		{
			name: "issuers without discovery",
			yaml: "modules:\n  d:\n    allowed_targets: ['https://mcp\\.example/mcp']\n    oauth2_issuers: ['https://idp\\.example']\n    http_config:\n      oauth2: {client_id: c, client_secret: s, token_url: 'https://idp.example/token'}\n",
			want: []string{`module "d"`, "oauth2_issuers", "line 4", "restrict nothing"},
		},
		{
			name: "issuer not a regular expression",
			yaml: "modules:\n  d:\n    allowed_targets: ['https://mcp\\.example/mcp']\n    oauth2_discovery: true\n    oauth2_issuers:\n      - 'https://idp\\.example'\n      - 'https://(idp'\n    http_config:\n      oauth2: {client_id: c, client_secret: s}\n",
			want: []string{`module "d"`, "oauth2_issuers[1]", "line 7", "not a regular expression"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			parseRefused(t, tc.yaml, tc.want...)
		})
	}
}

func TestOAuth2GrantTypeRefused(t *testing.T) {
	_, err := Parse([]byte(`modules:
  m:
    allow_any_target: true
    http_config:
      oauth2:
        client_id: c
        client_secret: s
        token_url: https://idp.example/token
        grant_type: urn:ietf:params:oauth:grant-type:jwt-bearer
`))
	if err == nil || !strings.Contains(err.Error(), `module "m"`) || !strings.Contains(err.Error(), "grant_type") || !strings.Contains(err.Error(), "line ") {
		t.Fatalf("err = %v, want a grant_type error naming the module and line", err)
	}
	if _, err := Parse([]byte("modules:\n  m:\n    allow_any_target: true\n    http_config:\n      oauth2: {client_id: c, client_secret: s, token_url: 'https://idp.example/token', grant_type: client_credentials}\n")); err != nil {
		t.Fatalf("grant_type client_credentials: %v", err)
	}
}
