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

//go:build unix

package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mcp-exporter/mcp_exporter/internal/testsupport"
	"github.com/mcp-exporter/mcp_exporter/internal/testsupport/fakemcp"
)

func TestMain(m *testing.M) { os.Exit(testsupport.RunTests(m)) }

// checkCLI runs the whole command line, as a shell would.
func checkCLI(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := runWith(args, &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

// TestCheckStdio: check -- command args... probes a stdio server with the
// same table, JSON and exit codes as a target.
func TestCheckStdio(t *testing.T) {
	sdk := testsupport.BuildCommand(t, testsupport.SDKStdioPackage)
	fake := testsupport.BuildCommand(t, testsupport.FakeStdioPackage)
	dir := t.TempDir()
	noFile := testsupport.WriteFile(t, filepath.Join(dir, "default.yml"), []byte("modules:\n  default:\n"), 0o600)
	cfg := testsupport.WriteFile(t, filepath.Join(dir, "cfg.yml"), []byte("modules:\n  http:\n    allow_any_target: true\n    http_config:\n      bearer_token: x\n  local:\n    transport: stdio\n    command: ["+sdk+"]\n  lists:\n    list_prompts: true\n"), 0o600)

	t.Run("healthy, json", func(t *testing.T) {
		code, out, errOut := checkCLI(t, "--config.file", noFile, "check", "--output", "json", "--", sdk, "--unused-arg")
		if code != exitProbeOK {
			t.Fatalf("exit %d, want 0:\n%s\n%s", code, out, errOut)
		}
		var res checkResult
		if err := json.Unmarshal([]byte(out), &res); err != nil {
			t.Fatal(err)
		}
		var layers []string
		for _, l := range res.Layers {
			layers = append(layers, l.Name+":"+l.Outcome)
		}
		if res.Target != "stdio:sdk-stdio" || res.Transport != "stdio" || res.ServerName != "sdk-test-server" || res.Tools == nil || *res.Tools != 1 ||
			strings.Join(layers, " ") != "start:passed handshake:passed tools:passed close:passed" {
			t.Errorf("result %+v, layers %v", res, layers)
		}
	})
	t.Run("healthy, table, the module's settings", func(t *testing.T) {
		code, out, _ := checkCLI(t, "--config.file", cfg, "check", "--module", "lists", "--", sdk)
		if code != exitProbeOK || !strings.Contains(out, "prompts") || !strings.Contains(out, "SUCCESS  stdio:sdk-stdio  module=lists") || strings.Contains(out, "connect") {
			t.Errorf("exit %d:\n%s", code, out)
		}
	})
	t.Run("a stdio module of the configuration", func(t *testing.T) {
		if code, out, _ := checkCLI(t, "--config.file", cfg, "check", "--module", "local"); code != exitProbeOK {
			t.Errorf("exit %d:\n%s", code, out)
		}
		if code, _, errOut := checkCLI(t, "--config.file", cfg, "check", "--module", "local", "http://127.0.0.1:1/mcp"); code != exitUsage || !strings.Contains(errOut, "takes no target") {
			t.Errorf("exit %d: %s", code, errOut)
		}
	})
	t.Run("failing server", func(t *testing.T) {
		code, out, _ := checkCLI(t, "--config.file", noFile, "check", "--output", "json", "--", fake, fakemcp.StdioExit)
		var res checkResult
		if err := json.Unmarshal([]byte(out), &res); err != nil {
			t.Fatal(err)
		}
		if code != exitProbeFailed || res.Success || res.Layers[0].Name != "start" || res.Layers[0].Reason != "process_exited" {
			t.Errorf("exit %d:\n%s", code, out)
		}
	})
	t.Run("--wait retries", func(t *testing.T) {
		code, out, errOut := checkCLI(t, "--config.file", noFile, "check", "--wait", "1500ms", "--output", "json", "--", fake, fakemcp.StdioExit)
		var res checkResult
		if err := json.Unmarshal([]byte(out), &res); err != nil {
			t.Fatal(err)
		}
		if code != exitProbeFailed || res.Attempts < 2 || !strings.Contains(errOut, "attempt 1 failed") || !strings.Contains(errOut, "start: process_exited") {
			t.Errorf("exit %d, %d attempts:\n%s", code, res.Attempts, errOut)
		}
	})
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"no command", []string{"check", "--"}, "no command after --"},
		{"no target, no command", []string{"check"}, "or a stdio server's command"},
		{"target and command", []string{"check", "http://127.0.0.1:1/mcp", "--", sdk}, "not both"},
		{"command not found", []string{"check", "--", filepath.Join(dir, "absent-server")}, "absent-server"},
		{"HTTP-only module", []string{"--config.file", cfg, "check", "--module", "http", "--", sdk}, "http_config: is for HTTP modules"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := tc.args
			if args[0] == "check" {
				args = append([]string{"--config.file", noFile}, args...)
			}
			code, out, errOut := checkCLI(t, args...)
			if code != exitUsage || !strings.Contains(errOut, tc.want) || out != "" {
				t.Errorf("exit %d, stderr %q (want %q), stdout %q", code, errOut, tc.want, out)
			}
		})
	}
}
