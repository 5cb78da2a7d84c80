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
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/mcp-exporter/mcp_exporter/internal/testsupport"
)

// mountFiles creates in dir every file text names under prefix, and returns
// text naming them in dir instead, as if they had been mounted there.
func mountFiles(t *testing.T, text, prefix, dir string) string {
	t.Helper()
	re := regexp.MustCompile(regexp.QuoteMeta(prefix) + `[\w.-]+`)
	for _, p := range re.FindAllString(text, -1) {
		testsupport.WriteFile(t, filepath.Join(dir, strings.TrimPrefix(p, prefix)), []byte("mounted\n"), 0o600)
	}
	return strings.ReplaceAll(text, prefix, dir+string(filepath.Separator))
}

// TestReferencedFilesChecked: a file that http_config names and that cannot
// be read fails the load, with the module, the key and its line; the file's
// content is never quoted.
func TestReferencedFilesChecked(t *testing.T) {
	dir := t.TempDir()
	present := filepath.Join(dir, "present")
	const secret = "s3cr3t-FILE-CONTENT"
	testsupport.WriteFile(t, present, []byte(secret), 0o600)
	missing := filepath.Join(dir, "missing")
	cases := []struct {
		name, body, key string
		line            int
	}{
		{"ca_file", "http_config:\n      tls_config:\n        ca_file: MISSING\n", "http_config.tls_config.ca_file", 6},
		{"cert_file", "http_config:\n      tls_config:\n        cert_file: MISSING\n        key_file: PRESENT\n", "http_config.tls_config.cert_file", 6},
		{"key_file", "http_config:\n      tls_config:\n        cert_file: PRESENT\n        key_file: MISSING\n", "http_config.tls_config.key_file", 7},
		{"credentials_file", "http_config:\n      authorization:\n        credentials_file: MISSING\n", "http_config.authorization.credentials_file", 6},
		{"bearer_token_file", "http_config:\n      bearer_token_file: MISSING\n", "http_config.bearer_token_file", 5},
		{"password_file", "http_config:\n      basic_auth:\n        username: u\n        password_file: MISSING\n", "http_config.basic_auth.password_file", 7},
		{"username_file", "http_config:\n      basic_auth:\n        username_file: MISSING\n        password: p\n", "http_config.basic_auth.username_file", 6},
		{"client_secret_file", "http_config:\n      oauth2:\n        client_id: c\n        token_url: https://idp.example/token\n        client_secret_file: MISSING\n", "http_config.oauth2.client_secret_file", 8},
		{"oauth2 ca_file", "http_config:\n      oauth2:\n        client_id: c\n        client_secret: x\n        token_url: https://idp.example/token\n        tls_config: {ca_file: MISSING}\n", "http_config.oauth2.tls_config.ca_file", 9},
		{"header files", "http_config:\n      http_headers:\n        X-Key:\n          files: [PRESENT, MISSING]\n", "http_config.http_headers.X-Key.files[1]", 7},
		{"directory", "http_config:\n      bearer_token_file: DIR\n", "http_config.bearer_token_file", 5},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			body := strings.NewReplacer("MISSING", missing, "PRESENT", present, "DIR", dir).Replace(tc.body)
			text := "modules:\n  m:\n    allow_any_target: true\n    " + body
			_, err := Parse([]byte(text))
			if err == nil {
				t.Fatalf("loaded with an unreadable file:\n%s", text)
			}
			msg := err.Error()
			for _, want := range []string{`module "m"`, "line " + itoa(tc.line) + ": " + tc.key + ": "} {
				if !strings.Contains(msg, want) {
					t.Errorf("error %q does not contain %q", msg, want)
				}
			}
			if strings.Contains(msg, secret) {
				t.Errorf("error %q quotes a file's content", msg)
			}
			// The good file alone loads.
			good := strings.NewReplacer("MISSING", present, "PRESENT", present, "DIR", present).Replace(tc.body)
			if _, err := Parse([]byte("modules:\n  m:\n    allow_any_target: true\n    " + good)); err != nil {
				t.Errorf("with the file present: %v", err)
			}
		})
	}
}

// TestUnreadableFileChecked: a file that exists but cannot be read fails
// the load too.
func TestUnreadableFileChecked(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("root reads any file")
	}
	f := testsupport.WriteFile(t, filepath.Join(t.TempDir(), "token"), []byte("x"), 0o000)
	_, err := Parse([]byte("modules:\n  m:\n    allow_any_target: true\n    http_config:\n      bearer_token_file: " + f + "\n"))
	if err == nil || !strings.Contains(err.Error(), "permission denied") {
		t.Errorf("got %v, want a permission error", err)
	}
}

// TestReloadKeepsConfigOnMissingFile: a reload whose file names a missing
// file keeps the configuration in force.
func TestReloadKeepsConfigOnMissingFile(t *testing.T) {
	dir := t.TempDir()
	token := testsupport.WriteFile(t, filepath.Join(dir, "token"), []byte("t"), 0o600)
	path := filepath.Join(dir, "c.yml")
	text := "modules:\n  m:\n    allow_any_target: true\n    http_config:\n      bearer_token_file: " + token + "\n"
	testsupport.WriteFile(t, path, []byte(text), 0o600)
	c, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	s := NewSafeConfig(c)
	if err := os.Remove(token); err != nil {
		t.Fatal(err)
	}
	if err := s.Reload(path); err == nil || !strings.Contains(err.Error(), "bearer_token_file") {
		t.Errorf("reload with the token file gone: %v, want an error naming bearer_token_file", err)
	}
	if s.Get() != c {
		t.Error("a failed reload replaced the configuration")
	}
}

func itoa(n int) string { return strconv.Itoa(n) }
