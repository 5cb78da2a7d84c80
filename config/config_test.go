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
	"time"

	"github.com/prometheus/common/model"
	yaml "go.yaml.in/yaml/v3"

	"github.com/mcp-exporter/mcp_exporter/internal/protocol"
	"github.com/mcp-exporter/mcp_exporter/internal/testsupport"
)

func TestLoadShippedConfig(t *testing.T) {
	c, err := Load("../mcp_exporter.yml")
	if err != nil {
		t.Fatalf("the shipped mcp_exporter.yml does not load: %v", err)
	}
	if _, ok := c.Modules[DefaultModuleName]; !ok {
		t.Errorf("the shipped file has no %q module; modules: %v", DefaultModuleName, c.Modules)
	}
}

// TestShippedExamplesLoad uncomments the shipped file's example modules, so
// that the examples users copy stay valid.
func TestShippedExamplesLoad(t *testing.T) {
	b := testsupport.ReadFile(t, "../mcp_exporter.yml")
	var lines []string
	for _, l := range strings.Split(string(b), "\n") {
		// "  # name:" and "  #   key: value" are commented-out YAML; other
		// comments are prose.
		if rest, ok := strings.CutPrefix(l, "  # "); ok && strings.Contains(rest, ":") &&
			(strings.HasPrefix(rest, "  ") || !strings.Contains(rest, " ")) {
			l = "  " + rest
		}
		lines = append(lines, l)
	}
	text := strings.Join(lines, "\n")
	// The schema hash example is elided on purpose.
	text = strings.Replace(text, "expected_schema_hash: 0f1e...", "expected_schema_hash: "+strings.Repeat("0f", 32), 1)
	// The files the examples name exist where they would be mounted.
	text = mountFiles(t, text, "/etc/mcp_exporter/", t.TempDir())
	c, err := Parse([]byte(text))
	if err != nil {
		t.Fatalf("the shipped examples, uncommented, do not load: %v\n%s", err, text)
	}
	for _, name := range []string{"strict_tls", "stateless", "via_proxy", "legacy_sse", "bearer", "oauth2", "discovered", "local_fs"} {
		if _, ok := c.Modules[name]; !ok {
			t.Errorf("example module %q missing after uncommenting; got %d modules", name, len(c.Modules))
		}
	}
	if got := c.Modules["strict_tls"].ValidProtocolVersions; len(got) != 2 || got[0] != protocol.Version20251125 || got[1] != protocol.Version20260728 {
		t.Errorf("strict_tls valid_protocol_versions = %q, want unquoted dates read as strings", got)
	}
	if c.Modules["via_proxy"].HTTPClientConfig.FollowRedirects {
		t.Error("via_proxy: follow_redirects: false was not applied")
	}
}

func TestDefaults(t *testing.T) {
	for name, text := range map[string]string{
		"empty mapping": "modules:\n  m: {}\n",
		"null":          "modules:\n  m:\n",
	} {
		t.Run(name, func(t *testing.T) {
			c := mustParse(t, text)
			m := c.Modules["m"]
			if m.Timeout != model.Duration(10*time.Second) {
				t.Errorf("timeout = %s, want 10s", m.Timeout)
			}
			if m.Transport != protocol.TransportAuto {
				t.Errorf("transport = %q, want %q", m.Transport, protocol.TransportAuto)
			}
			if m.ProtocolVersion != protocol.VersionAuto {
				t.Errorf("protocol_version = %q, want %q", m.ProtocolVersion, protocol.VersionAuto)
			}
			if m.MinTools != 1 {
				t.Errorf("min_tools = %d, want 1", m.MinTools)
			}
			if !m.CloseSession {
				t.Error("close_session = false, want true")
			}
			if !m.HTTPClientConfig.FollowRedirects {
				t.Error("http_config.follow_redirects = false, want true")
			}
			if m.FailIfNotTLS {
				t.Error("fail_if_not_tls = true, want false")
			}
		})
	}
}

func TestOverridesKeepOtherDefaults(t *testing.T) {
	c := mustParse(t, `
modules:
  m:
    timeout: 3s
    close_session: false
    min_tools: 0
    valid_protocol_versions: [2025-06-18, "2025-11-25"]
    protocol_version: 2025-06-18
`)
	m := c.Modules["m"]
	if m.Timeout != model.Duration(3*time.Second) || m.CloseSession || m.MinTools != 0 {
		t.Errorf("overrides not applied: %+v", m)
	}
	if m.Transport != protocol.TransportAuto || !m.HTTPClientConfig.FollowRedirects {
		t.Errorf("defaults lost by an override: %+v", m)
	}
	if m.ProtocolVersion != protocol.Version20250618 || len(m.ValidProtocolVersions) != 2 || m.ValidProtocolVersions[1] != protocol.Version20251125 {
		t.Errorf("versions: pinned %q, valid %q", m.ProtocolVersion, m.ValidProtocolVersions)
	}
}

func TestAnchorsAndMergeKeys(t *testing.T) {
	c := mustParse(t, `
modules:
  base: &base
    timeout: 5s
    min_tools: 3
    http_config: &http
      follow_redirects: false
  merged:
    min_tools: 2
    <<: *base
  aliased: *base
  shared_http:
    http_config: *http
`)
	if m := c.Modules["merged"]; m.Timeout != model.Duration(5*time.Second) || m.MinTools != 2 || m.HTTPClientConfig.FollowRedirects {
		t.Errorf("merged: want timeout 5s from the anchor, min_tools 2 set locally, follow_redirects false; got %+v", m)
	}
	if m := c.Modules["aliased"]; m.Timeout != model.Duration(5*time.Second) || m.MinTools != 3 {
		t.Errorf("aliased: got %+v", m)
	}
	if m := c.Modules["shared_http"]; m.HTTPClientConfig.FollowRedirects || m.Timeout != DefaultModule.Timeout {
		t.Errorf("shared_http: got %+v", m)
	}
}

func TestStrictness(t *testing.T) {
	for _, tc := range []struct {
		name string
		yaml string
		want []string // substrings of the error
	}{
		{
			name: "unknown key in module",
			yaml: "modules:\n  m:\n    timout: 5s\n",
			want: []string{`module "m"`, `unknown key "timout"`, "line 3"},
		},
		{
			name: "unknown key nested in http_config",
			yaml: "modules:\n  m:\n    http_config:\n      tls_config:\n        ca_fil: x\n",
			want: []string{`module "m"`, "http_config", `unknown key "ca_fil"`, "line 5"},
		},
		{
			name: "unknown key nested in flow style",
			yaml: "modules:\n  m:\n    timeout: 5s\n    http_config: {tls_config: {ca_fil: x}}\n",
			want: []string{`module "m"`, "http_config", `unknown key "ca_fil"`, "line 4"},
		},
		{
			name: "unknown top-level key",
			yaml: "modules:\n  m: {}\nmodulez: {}\n",
			want: []string{`unknown key "modulez"`, "line 3"},
		},
		{
			name: "wrong type",
			yaml: "modules:\n  m:\n    timeout: 5s\n    min_tools: lots\n",
			want: []string{`module "m"`, "min_tools", `"lots"`, "line 4"},
		},
		{
			name: "list where a scalar belongs",
			yaml: "modules:\n  m:\n    timeout: [1]\n",
			want: []string{`module "m"`, "timeout", "line 3"},
		},
		{
			name: "bad duration",
			yaml: "modules:\n  m:\n\n    timeout: 5 parsecs\n",
			want: []string{`module "m"`, "timeout", "5 parsecs", "line 4"},
		},
		{
			name: "zero timeout",
			yaml: "modules:\n  m:\n    timeout: 0s\n",
			want: []string{`module "m"`, "timeout", "greater than 0", "line 3"},
		},
		{
			name: "unknown transport",
			yaml: "modules:\n  m:\n    transport: websocket\n",
			want: []string{`module "m"`, "transport", `"websocket"`, "line 3"},
		},
		{
			name: "unknown protocol_version",
			yaml: "modules:\n  m:\n    protocol_version: 2099-01-01\n",
			want: []string{`module "m"`, "protocol_version", `"2099-01-01"`, "line 3"},
		},
		{
			name: "2024-11-05 pinned over streamable_http",
			yaml: "modules:\n  m:\n    transport: streamable_http\n    protocol_version: 2024-11-05\n",
			want: []string{`module "m"`, "protocol_version", "HTTP+SSE transport", "set transport to sse or auto", "line 4"},
		},
		{
			name: "2026-07-28 pinned over sse",
			yaml: "modules:\n  m:\n    transport: sse\n    protocol_version: 2026-07-28\n",
			want: []string{`module "m"`, "protocol_version", "no HTTP+SSE transport", "line 4"},
		},
		{
			name: "bad valid_protocol_versions entry",
			yaml: "modules:\n  m:\n    valid_protocol_versions:\n      - 2025-06-18\n      - latest\n",
			want: []string{`module "m"`, "valid_protocol_versions[1]", `"latest"`, "line 5"},
		},
		{
			name: "pinned version not among valid ones",
			yaml: "modules:\n  m:\n    valid_protocol_versions: [2025-11-25]\n    protocol_version: 2025-06-18\n",
			want: []string{`module "m"`, "protocol_version", "2025-06-18", "valid_protocol_versions", "line 4"},
		},
		{
			name: "negative min_tools",
			yaml: "modules:\n  m:\n    min_tools: -1\n",
			want: []string{`module "m"`, "min_tools", "negative", "line 3"},
		},
		{
			name: "negative min_resources",
			yaml: "modules:\n  m:\n    list_resources: true\n    min_resources: -2\n",
			want: []string{`module "m"`, "min_resources", "negative", "line 4"},
		},
		{
			name: "min_prompts without list_prompts",
			yaml: "modules:\n  m:\n    min_prompts: 1\n",
			want: []string{`module "m"`, "min_prompts", "list_prompts: true", "line 3"},
		},
		{
			name: "list_resources not a boolean",
			yaml: "modules:\n  m:\n    list_resources: maybe\n",
			want: []string{`module "m"`, "list_resources", "line 3"},
		},
		{
			name: "empty required tool name",
			yaml: "modules:\n  m:\n    required_tools:\n      - search\n      - ' '\n",
			want: []string{`module "m"`, "required_tools[1]", "empty", "line 5"},
		},
		{
			name: "upper-case schema hash",
			yaml: "modules:\n  m:\n    expected_schema_hash: " + strings.Repeat("AB", 32) + "\n",
			want: []string{`module "m"`, "expected_schema_hash", "lower-case", "line 3"},
		},
		{
			name: "short schema hash",
			yaml: "modules:\n  m:\n    expected_schema_hash: 0f1e\n",
			want: []string{`module "m"`, "expected_schema_hash", "64", "line 3"},
		},
		{
			name: "bearer_token and authorization",
			yaml: "modules:\n  m:\n    http_config:\n      bearer_token: a\n      authorization: {credentials: b}\n",
			want: []string{`module "m"`, "http_config", "authorization", "line 3"},
		},
		{
			name: "basic_auth and oauth2",
			yaml: "modules:\n  m:\n    timeout: 5s\n    http_config:\n      basic_auth: {username: u, password: p}\n      oauth2: {client_id: c, client_secret: s, token_url: 'https://tok.example/'}\n",
			want: []string{`module "m"`, "http_config", "at most one", "line 4"},
		},
		{
			name: "key set twice",
			yaml: "modules:\n  m:\n    timeout: 5s\n    timeout: 6s\n",
			want: []string{`module "m"`, "timeout", "twice", "line 4", "line 3"},
		},
		{
			name: "duplicate module",
			yaml: "modules:\n  m: {}\n  n: {}\n  m:\n    timeout: 1s\n",
			want: []string{`module "m"`, "twice", "line 4"},
		},
		{
			name: "modules twice",
			yaml: "modules:\n  a: {}\nmodules:\n  b: {}\n",
			want: []string{"modules", "twice", "line 3"},
		},
		{
			name: "module not a mapping",
			yaml: "modules:\n  m: [timeout]\n",
			want: []string{`module "m"`, "mapping", "line 2"},
		},
		{
			name: "not YAML",
			yaml: "modules:\n  m:\n    timeout: [5s\n",
			want: []string{"line"},
		},
		{
			name: "empty file",
			yaml: "",
			want: []string{"empty"},
		},
		{
			name: "only comments",
			yaml: "# nothing here\n",
			want: []string{"empty"},
		},
		{
			name: "no modules",
			yaml: "modules:\n",
			want: []string{"no modules"},
		},
		{
			name: "empty modules",
			yaml: "modules: {}\n",
			want: []string{"no modules"},
		},
		{
			name: "modules a list",
			yaml: "modules:\n  - default\n",
			want: []string{"modules", "mapping", "line 2"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			msg := parseRefused(t, tc.yaml, tc.want...).Error()
			for _, leak := range []string{"config.", "plain", "promconfig", "model.Duration", "reflect", "*"} {
				if strings.Contains(msg, leak) {
					t.Errorf("error %q contains Go internals %q", msg, leak)
				}
			}
		})
	}
}

func TestLoadNamesTheFile(t *testing.T) {
	path := writeFile(t, "modules:\n  m:\n    timout: 5s\n")
	_, err := Load(path)
	if err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "line 3") {
		t.Errorf("Load error = %v, want the path and the line", err)
	}
	if _, err := Load(filepath.Join(t.TempDir(), "missing.yml")); err == nil {
		t.Error("Load of a missing file succeeded")
	}
}

var secrets = []string{"s3cr3t-AUTH", "s3cr3t-BASIC", "s3cr3t-OAUTH", "s3cr3t-HEADER", "s3cr3t-BEARER"}

// secretConfig has a module for each kind of secret, since prometheus/common
// allows only one of basic_auth, authorization and oauth2 per http_config.
const secretConfig = `
modules:
  authorization:
    allow_any_target: true
    http_config:
      authorization: {credentials: "s3cr3t-AUTH"}
  basic_auth:
    allow_any_target: true
    http_config:
      basic_auth: {username: u, password: "s3cr3t-BASIC"}
  oauth2:
    allow_any_target: true
    http_config:
      oauth2: {client_id: c, client_secret: "s3cr3t-OAUTH", token_url: "https://tok.example/token"}
  headers:
    allow_any_target: true
    http_config:
      http_headers:
        X-API-Key:
          secrets: ["s3cr3t-HEADER"]
  bearer:
    allow_any_target: true
    http_config:
      bearer_token: "s3cr3t-BEARER"
`

func TestSecretsHiddenWhenMarshalled(t *testing.T) {
	c := mustParse(t, secretConfig)
	// The secrets were read, not dropped.
	if got := string(c.Modules["authorization"].HTTPClientConfig.Authorization.Credentials); got != "s3cr3t-AUTH" {
		t.Errorf("authorization credentials = %q", got)
	}
	if got := string(c.Modules["bearer"].HTTPClientConfig.Authorization.Credentials); got != "s3cr3t-BEARER" {
		t.Errorf("bearer_token not moved to authorization: %q", got)
	}
	out, err := yaml.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	text := string(out)
	if n := strings.Count(text, "<secret>"); n < len(secrets) {
		t.Errorf("marshalled config has %d <secret>, want at least %d:\n%s", n, len(secrets), text)
	}
	for _, s := range secrets {
		if strings.Contains(text, s) {
			t.Errorf("marshalled config leaks %q:\n%s", s, text)
		}
	}
}

func TestSafeConfigReload(t *testing.T) {
	path := writeFile(t, "modules:\n  old: {}\n")
	c, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	sc := NewSafeConfig(c)
	if sc.Get() != c {
		t.Fatal("Get does not return the initial config")
	}

	testsupport.WriteFile(t, path, []byte("modules:\n  new:\n    timeout: 2s\n"), 0o600)
	if err := sc.Reload(path); err != nil {
		t.Fatalf("Reload of a valid file: %v", err)
	}
	got := sc.Get()
	if _, ok := got.Modules["new"]; !ok || len(got.Modules) != 1 {
		t.Fatalf("after Reload, modules = %v, want only new", got.Modules)
	}

	testsupport.WriteFile(t, path, []byte("modules:\n  broken:\n    timout: 2s\n"), 0o600)
	err = sc.Reload(path)
	if err == nil || !strings.Contains(err.Error(), `unknown key "timout"`) {
		t.Fatalf("Reload of a bad file: err = %v", err)
	}
	if sc.Get() != got {
		t.Error("a failed Reload replaced the config in force")
	}

	if err := sc.Reload(filepath.Join(t.TempDir(), "gone.yml")); err == nil {
		t.Error("Reload of a missing file succeeded")
	}
	if sc.Get() != got {
		t.Error("a failed Reload replaced the config in force")
	}
}

func TestSafeConfigConcurrent(t *testing.T) {
	path := writeFile(t, "modules:\n  m: {}\n")
	c, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	sc := NewSafeConfig(c)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for range 50 {
			if err := sc.Reload(path); err != nil {
				t.Error(err)
				return
			}
		}
	}()
	for range 200 {
		if _, ok := sc.Get().Modules["m"]; !ok {
			t.Fatal("module m missing during reloads")
		}
	}
	<-done
}

func writeFile(t *testing.T, text string) string {
	t.Helper()
	return testsupport.WriteFile(t, filepath.Join(t.TempDir(), "mcp_exporter.yml"), []byte(text), 0o600)
}

func TestListKeys(t *testing.T) {
	c := mustParse(t, "modules:\n  m:\n    list_resources: true\n    min_resources: 2\n    list_prompts: true\n    min_prompts: 1\n  plain: {}\n")
	if m := c.Modules["m"]; !m.ListResources || m.MinResources != 2 || !m.ListPrompts || m.MinPrompts != 1 {
		t.Errorf("m = %+v", m)
	}
	if m := c.Modules["plain"]; m.ListResources || m.ListPrompts || m.MinResources != 0 || m.MinPrompts != 0 {
		t.Errorf("resources and prompts are opt-in; plain = %+v", m)
	}
}

// mustParse parses text, which must load.
func mustParse(t *testing.T, text string) *Config {
	t.Helper()
	c, err := Parse([]byte(text))
	if err != nil {
		t.Fatalf("Parse: %v\n%s", err, text)
	}
	return c
}

// parseRefused parses text, which must be refused with an error that
// contains each of want, and returns that error.
func parseRefused(t *testing.T, text string, want ...string) error {
	t.Helper()
	_, err := Parse([]byte(text))
	if err == nil {
		t.Fatalf("Parse accepted:\n%s", text)
	}
	for _, w := range want {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error %q does not contain %q", err, w)
		}
	}
	return err
}
