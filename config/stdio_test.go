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
	"slices"
	"strings"
	"testing"

	yaml "go.yaml.in/yaml/v3"

	"github.com/mcp-exporter/mcp_exporter/internal/protocol"
	"github.com/mcp-exporter/mcp_exporter/internal/testsupport"
)

// TestStdioModules: a stdio module's keys are checked at load, errors
// name the module, the key and its line; a stdio module refuses the keys
// of HTTP modules, and an HTTP module a stdio module's.
func TestStdioModules(t *testing.T) {
	dir := t.TempDir()
	server := testsupport.WriteFile(t, filepath.Join(dir, "server"), []byte("#!/bin/sh\n"), 0o700)
	notExec := testsupport.WriteFile(t, filepath.Join(dir, "data.txt"), nil, 0o600)
	ok := "modules:\n  m:\n    transport: stdio\n    command: [" + server + ", --root, /srv]\n    env: {NODE_ENV: production}\n    dir: " + dir + "\n    debug_stderr_lines: 20\n    list_prompts: true\n"
	c := mustParse(t, ok)
	m := c.Modules["m"]
	if m.Transport != protocol.TransportStdio || !slices.Equal(m.Command, []string{server, "--root", "/srv"}) || m.Dir != dir || m.DebugStderrLines != 20 {
		t.Errorf("module %+v", m)
	}
	// A name is looked up in PATH; a relative path in dir.
	for _, y := range []string{
		"modules:\n  m:\n    transport: stdio\n    command: [sh, -c, exit]\n",
		"modules:\n  m:\n    transport: stdio\n    command: [./server]\n    dir: " + dir + "\n",
		"modules:\n  m:\n    transport: stdio\n    command: [server]\n    env: {PATH: " + dir + "}\n",
	} {
		if _, err := Parse([]byte(y)); err != nil {
			t.Errorf("Parse(%q): %v", y, err)
		}
	}

	for _, tc := range []struct {
		name string
		yaml string
		want []string
	}{
		{"no command", "modules:\n  m:\n    timeout: 5s\n    transport: stdio\n", []string{`module "m"`, "line 4", "command", "needs its command"}},
		{"empty command", "modules:\n  m:\n    transport: stdio\n    command: []\n", []string{"line 3", "command"}},
		{"command a string", "modules:\n  m:\n    transport: stdio\n    command: node server.js\n", []string{"line 4", "command"}},
		{"command not found", "modules:\n  m:\n    transport: stdio\n    command: [no-such-server-x]\n", []string{"line 4", "command[0]", "not found in PATH"}},
		{"command not executable", "modules:\n  m:\n    transport: stdio\n    command: [" + notExec + "]\n", []string{"line 4", "command[0]", "not an executable"}},
		{"command missing", "modules:\n  m:\n    transport: stdio\n    command: [" + filepath.Join(dir, "gone") + "]\n", []string{"line 4", "command[0]", "no such file"}},
		{"dir missing", "modules:\n  m:\n    transport: stdio\n    command: [sh]\n    dir: /nonexistent/x\n", []string{"line 5", "dir", "not a directory"}},
		{"bad env name", "modules:\n  m:\n    transport: stdio\n    command: [sh]\n    env: {\"A=B\": x}\n", []string{"line 5", "env"}},
		{"too many stderr lines", "modules:\n  m:\n    transport: stdio\n    command: [sh]\n    debug_stderr_lines: 101\n", []string{"line 5", "debug_stderr_lines"}},
		{"http_config on stdio", "modules:\n  m:\n    transport: stdio\n    command: [sh]\n    http_config:\n      bearer_token: x\n", []string{"line 5", "http_config", "is for HTTP modules"}},
		{"allowed_targets on stdio", "modules:\n  m:\n    transport: stdio\n    command: [sh]\n    allowed_targets: ['.*']\n", []string{"line 5", "allowed_targets", "is for HTTP modules"}},
		{"fail_if_not_tls on stdio", "modules:\n  m:\n    transport: stdio\n    command: [sh]\n    fail_if_not_tls: true\n", []string{"line 5", "fail_if_not_tls"}},
		{"close_session false on stdio", "modules:\n  m:\n    transport: stdio\n    command: [sh]\n    close_session: false\n", []string{"line 5", "close_session"}},
		{"oauth2_discovery on stdio", "modules:\n  m:\n    transport: stdio\n    command: [sh]\n    oauth2_discovery: true\n", []string{"line 5", "oauth2_discovery"}},
		{"command on HTTP", "modules:\n  m:\n    command: [sh]\n", []string{"line 3", "command", "is for stdio modules"}},
		{"env on HTTP", "modules:\n  m:\n    transport: streamable_http\n    env: {A: b}\n", []string{"line 4", "env", "is for stdio modules"}},
		{"dir on HTTP", "modules:\n  m:\n    dir: /tmp\n", []string{"line 3", "dir"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			parseRefused(t, tc.yaml, tc.want...)
		})
	}
}

// TestStdioEnv: the command's environment is the exporter's PATH, HOME,
// LANG, LC_ALL, TZ and TMPDIR (those set), then env; nothing else of the
// exporter's.
func TestStdioEnv(t *testing.T) {
	m := Module{Env: map[string]string{"NODE_ENV": "production", "HOME": "/srv"}}
	exporter := map[string]string{"PATH": "/bin", "HOME": "/root", "AWS_SECRET_ACCESS_KEY": "x", "TZ": "UTC"}
	got := m.StdioEnv(func(k string) (string, bool) { v, ok := exporter[k]; return v, ok })
	want := []string{"HOME=/srv", "NODE_ENV=production", "PATH=/bin", "TZ=UTC"}
	if !slices.Equal(got, want) {
		t.Errorf("env %q, want %q", got, want)
	}
}

// TestStdioEnvHidden: env values are hidden wherever a module is shown.
func TestStdioEnvHidden(t *testing.T) {
	m := DefaultModule
	m.Transport, m.Command, m.Env = "stdio", []string{"sh"}, map[string]string{"GITHUB_TOKEN": "ghp_secret"}
	b, err := yaml.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(b), "ghp_secret") || !strings.Contains(string(b), "GITHUB_TOKEN: <secret>") {
		t.Errorf("marshalled:\n%s", b)
	}
	if m.Env["GITHUB_TOKEN"] != "ghp_secret" {
		t.Error("Redacted changed the module")
	}
}

// TestWithCommand: check's "-- command" makes a module stdio, validated.
func TestWithCommand(t *testing.T) {
	m, err := DefaultModule.WithCommand([]string{"sh", "-c", "exit"})
	if err != nil || m.Transport != protocol.TransportStdio || m.Command[0] != "sh" {
		t.Fatalf("%+v, %v", m, err)
	}
	if _, err := DefaultModule.WithCommand([]string{"no-such-server-x"}); err == nil {
		t.Error("a command not found is accepted")
	}
	h := DefaultModule
	h.FailIfNotTLS = true
	if _, err := h.WithCommand([]string{"sh"}); err == nil || !strings.Contains(err.Error(), "fail_if_not_tls") {
		t.Errorf("an HTTP-only key is accepted: %v", err)
	}
}
