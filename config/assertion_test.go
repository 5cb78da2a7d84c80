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
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mcp-exporter/mcp_exporter/internal/testsupport"
)

func writePEM(t *testing.T, dir, name, typ string, der []byte) string {
	t.Helper()
	path := filepath.Join(dir, name)
	testsupport.WritePEM(t, path, typ, der)
	return path
}

// keyFiles writes, in a temporary directory, a private key file of each
// kind the key checks tell apart and files that hold none, by name: rsa1
// and rsa8 (RSA 2048, PKCS#1 and PKCS#8), small (RSA 1024, PKCS#1), sec1
// and ec8 (P-256, SEC 1 and PKCS#8), p384 and p384-8 (P-384, SEC 1 and
// PKCS#8), ed (Ed25519), cert (a certificate block), bad (an EC block
// without a key) and gone (no file).
func keyFiles(t *testing.T) map[string]string {
	t.Helper()
	dir := t.TempDir()
	rsaKey, _ := rsa.GenerateKey(rand.Reader, 2048)
	smallRSA, _ := rsa.GenerateKey(rand.Reader, 1024)
	p256, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	p384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	_, edKey, _ := ed25519.GenerateKey(rand.Reader)
	sec1, _ := x509.MarshalECPrivateKey(p256)
	pkcs8EC, _ := x509.MarshalPKCS8PrivateKey(p256)
	sec1384, _ := x509.MarshalECPrivateKey(p384)
	pkcs8384, _ := x509.MarshalPKCS8PrivateKey(p384)
	pkcs8RSA, _ := x509.MarshalPKCS8PrivateKey(rsaKey)
	pkcs8Ed, _ := x509.MarshalPKCS8PrivateKey(edKey)
	return map[string]string{
		"rsa1":   writePEM(t, dir, "rsa1.pem", "RSA PRIVATE KEY", x509.MarshalPKCS1PrivateKey(rsaKey)),
		"rsa8":   writePEM(t, dir, "rsa8.pem", "PRIVATE KEY", pkcs8RSA),
		"small":  writePEM(t, dir, "small.pem", "RSA PRIVATE KEY", x509.MarshalPKCS1PrivateKey(smallRSA)),
		"sec1":   writePEM(t, dir, "sec1.pem", "EC PRIVATE KEY", sec1),
		"ec8":    writePEM(t, dir, "ec8.pem", "PRIVATE KEY", pkcs8EC),
		"p384":   writePEM(t, dir, "p384.pem", "EC PRIVATE KEY", sec1384),
		"p384-8": writePEM(t, dir, "p384-8.pem", "PRIVATE KEY", pkcs8384),
		"ed":     writePEM(t, dir, "ed.pem", "PRIVATE KEY", pkcs8Ed),
		"cert":   writePEM(t, dir, "cert.pem", "CERTIFICATE", []byte{1, 2, 3}),
		"bad":    writePEM(t, dir, "bad.pem", "EC PRIVATE KEY", []byte("SECRET-KEY-BYTES")),
		"gone":   filepath.Join(dir, "missing.pem"),
	}
}

func TestClientAssertionConfig(t *testing.T) {
	files := keyFiles(t)
	module := func(oauth2, assertion string) string {
		return "modules:\n  m:\n    allow_any_target: true\n    http_config:\n      oauth2: " + oauth2 +
			"\n    oauth2_client_assertion:\n" + assertion
	}
	cc := "{client_id: c, token_url: 'https://idp.example/token'}"
	for _, tc := range []struct {
		name, yaml string
		want       []string // nil: loads
	}{
		{name: "RSA PKCS#1, RS256", yaml: module(cc, "      key_file: "+files["rsa1"]+"\n      algorithm: RS256\n      key_id: k\n")},
		{name: "RSA PKCS#8, PS512", yaml: module(cc, "      key_file: "+files["rsa8"]+"\n      algorithm: PS512\n")},
		{name: "EC SEC1, default algorithm", yaml: module(cc, "      key_file: "+files["sec1"]+"\n")},
		{name: "EC P-384 PKCS#8, ES384", yaml: module(cc, "      key_file: "+files["p384-8"]+"\n      algorithm: ES384\n")},
		{name: "with discovery", yaml: "modules:\n  m:\n    allow_any_target: true\n    oauth2_discovery: true\n    oauth2_issuers: ['https://idp\\.example']\n    http_config:\n      oauth2: {client_id: c}\n    oauth2_client_assertion: {key_file: " + files["sec1"] + "}\n"},
		{
			name: "algorithm does not fit an RSA key",
			yaml: module(cc, "      key_file: "+files["rsa1"]+"\n      algorithm: ES256\n"),
			want: []string{`module "m"`, "line 8", "oauth2_client_assertion.algorithm", "needs an EC key"},
		},
		{
			name: "algorithm does not fit the curve",
			yaml: module(cc, "      key_file: "+files["sec1"]+"\n      algorithm: ES384\n"),
			want: []string{"line 8", "oauth2_client_assertion.algorithm", "P-256", "signs ES256"},
		},
		{
			name: "unknown algorithm",
			yaml: module(cc, "      key_file: "+files["sec1"]+"\n      algorithm: HS256\n"),
			want: []string{"line 8", "unknown algorithm \"HS256\""},
		},
		{
			name: "RSA key too small",
			yaml: module(cc, "      key_file: "+files["small"]+"\n"),
			want: []string{"line 7", "oauth2_client_assertion.key_file", "1024 bits"},
		},
		{
			name: "Ed25519 key",
			yaml: module(cc, "      key_file: "+files["ed"]+"\n"),
			want: []string{"neither an RSA nor an EC key"},
		},
		{
			name: "no key in the file",
			yaml: module(cc, "      key_file: "+files["cert"]+"\n"),
			want: []string{"line 7", "no PEM private key"},
		},
		{
			name: "key that does not parse",
			yaml: module(cc, "      key_file: "+files["bad"]+"\n"),
			want: []string{"EC PRIVATE KEY block does not parse"},
		},
		{
			name: "missing file",
			yaml: module(cc, "      key_file: "+files["gone"]+"\n"),
			want: []string{"line 7", "oauth2_client_assertion.key_file", "missing.pem", "no such file"},
		},
		{
			name: "no key_file",
			yaml: module(cc, "      key_id: k\n"),
			want: []string{"line 6", "oauth2_client_assertion.key_file: required"},
		},
		{
			name: "with a client secret",
			yaml: module("{client_id: c, client_secret: s, token_url: 'https://idp.example/token'}", "      key_file: "+files["sec1"]+"\n"),
			want: []string{"line 6", "also sets a client secret", "remove the secret"},
		},
		{
			name: "with a client secret file",
			yaml: module("{client_id: c, client_secret_file: /etc/x, token_url: 'https://idp.example/token'}", "      key_file: "+files["sec1"]+"\n"),
			want: []string{"also sets a client secret"},
		},
		{
			name: "without oauth2",
			yaml: "modules:\n  m:\n    allow_any_target: true\n    oauth2_client_assertion: {key_file: " + files["sec1"] + "}\n",
			want: []string{"line 4", "needs http_config.oauth2"},
		},
		{
			name: "unknown key",
			yaml: module(cc, "      key_file: "+files["sec1"]+"\n      key: inline\n"),
			want: []string{"unknown key \"key\""},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := Parse([]byte(tc.yaml))
			if tc.want == nil {
				if err != nil {
					t.Fatalf("Parse: %v\n%s", err, tc.yaml)
				}
				if c.Modules["m"].OAuth2ClientAssertion == nil {
					t.Fatal("oauth2_client_assertion not kept")
				}
				return
			}
			err = parseRefused(t, tc.yaml, tc.want...)
			if strings.Contains(err.Error(), "SECRET-KEY-BYTES") || strings.Contains(err.Error(), "BEGIN") {
				t.Errorf("error quotes the key file: %v", err)
			}
		})
	}
}

func TestOAuth2ResourceValues(t *testing.T) {
	base := "modules:\n  m:\n    allow_any_target: true\n    http_config:\n      oauth2: {client_id: c, client_secret: s, token_url: 'https://idp.example/token'}\n"
	disc := "modules:\n  m:\n    allow_any_target: true\n    oauth2_discovery: true\n    oauth2_issuers: ['https://idp\\.example']\n    http_config:\n      oauth2: {client_id: c, client_secret: s}\n"
	discParam := "modules:\n  m:\n    allow_any_target: true\n    oauth2_discovery: true\n    oauth2_issuers: ['https://idp\\.example']\n    http_config:\n      oauth2: {client_id: c, client_secret: s, endpoint_params: {resource: x}}\n"
	for _, tc := range []struct {
		yaml string
		want bool
	}{
		{base, false},
		{base + "    oauth2_resource: target\n", true},
		{disc, true},
		{disc + "    oauth2_resource: none\n", false},
		{discParam, false},
	} {
		c := mustParse(t, tc.yaml)
		m := c.Modules["m"]
		if got := m.SendsResource(); got != tc.want {
			t.Errorf("SendsResource = %v, want %v for\n%s", got, tc.want, tc.yaml)
		}
	}
	if _, err := Parse([]byte(base + "    oauth2_resource: always\n")); err == nil || !strings.Contains(err.Error(), "target or none") {
		t.Errorf("unknown oauth2_resource: %v", err)
	}
}
