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

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
	"github.com/prometheus/common/promslog"

	"github.com/mcp-exporter/mcp_exporter/internal/testsupport"
)

type checkIn struct {
	Text string `json:"text"`
}

// checkServer is a real MCP server (the official Go SDK) with two tools.
// Their definitions are its own (not the echo tools): the check golden
// files hold their schema hashes.
func checkServer() http.Handler {
	return testsupport.SDKServer{Name: "check-server", Version: "2.0.0", AddTools: func(s *mcp.Server) {
		for _, name := range []string{"alpha", "beta"} {
			mcp.AddTool(s, &mcp.Tool{Name: name, Description: "a tool"},
				func(context.Context, *mcp.CallToolRequest, checkIn) (*mcp.CallToolResult, any, error) {
					return nil, nil, nil
				})
		}
	}}.Handler()
}

func runCheckArgs(t *testing.T, wait time.Duration, output, configFile string, configSet bool, module, target string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	o := checkOptions{configFile: configFile, configFileSet: configSet, module: &module, wait: &wait, output: &output, target: &target}
	code := runCheck(context.Background(), o, &stdout, &stderr, promslog.NewNopLogger())
	return code, stdout.String(), stderr.String()
}

// serveCheck serves checkServer on loopback for the test's time and
// returns its MCP endpoint.
func serveCheck(t *testing.T) string {
	t.Helper()
	srv := &http.Server{Handler: checkServer()}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return "http://" + ln.Addr().String() + "/mcp"
}

func TestCheckCommand(t *testing.T) {
	target := serveCheck(t)
	noFile := filepath.Join(t.TempDir(), "absent.yml")

	t.Run("healthy server, table, no configuration file", func(t *testing.T) {
		code, out, _ := runCheckArgs(t, 0, "table", noFile, false, "default", target)
		if code != exitProbeOK {
			t.Fatalf("exit %d, want 0:\n%s", code, out)
		}
		for _, want := range []string{"LAYER", "connect", "handshake", "tools", "close", "SUCCESS", "tools=2", "protocol_version=2025-11-25", "server=check-server 2.0.0", "schema_sha256="} {
			if !strings.Contains(out, want) {
				t.Errorf("output lacks %q:\n%s", want, out)
			}
		}
		if strings.Contains(out, "alpha") {
			t.Errorf("output names a tool:\n%s", out)
		}
	})
	t.Run("healthy server, json", func(t *testing.T) {
		code, out, _ := runCheckArgs(t, 0, "json", noFile, false, "default", target)
		var res checkResult
		if err := json.Unmarshal([]byte(out), &res); err != nil {
			t.Fatalf("not JSON: %v\n%s", err, out)
		}
		if code != 0 || !res.Success || res.Tools == nil || *res.Tools != 2 || len(res.Layers) != 4 || res.SchemaSHA256 == "" || res.Attempts != 1 {
			t.Errorf("exit %d, result %+v", code, res)
		}
	})
	t.Run("failing server", func(t *testing.T) {
		closed, _ := net.Listen("tcp", "127.0.0.1:0")
		addr := closed.Addr().String()
		closed.Close()
		code, out, _ := runCheckArgs(t, 0, "table", noFile, false, "default", "http://"+addr+"/mcp")
		if code != exitProbeFailed || !strings.Contains(out, "FAILURE (connect: connect, connection refused)") {
			t.Errorf("exit %d, want 1 with the failing layer:\n%s", code, out)
		}
	})
	t.Run("usage and configuration errors", func(t *testing.T) {
		bad := filepath.Join(t.TempDir(), "bad.yml")
		os.WriteFile(bad, []byte("modules:\n  default:\n    timout: 1s\n"), 0o600)
		for name, c := range map[string]struct {
			file   string
			set    bool
			module string
			target string
		}{
			"unknown module":        {noFile, false, "nope", target},
			"named file is missing": {noFile, true, "default", target},
			"invalid file":          {bad, true, "default", target},
			"target without scheme": {noFile, false, "default", "127.0.0.1/mcp"},
		} {
			if code, _, stderr := runCheckArgs(t, 0, "table", c.file, c.set, c.module, c.target); code != exitUsage || stderr == "" {
				t.Errorf("%s: exit %d (stderr %q), want 2 with a reason", name, code, stderr)
			}
		}
	})
	t.Run("server that starts late, --wait", func(t *testing.T) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := ln.Addr().String()
		ln.Close() // nothing listens until the server starts
		late := &http.Server{Handler: checkServer()}
		t.Cleanup(func() { late.Close() })
		go func() {
			time.Sleep(1500 * time.Millisecond)
			if ln, err := net.Listen("tcp", addr); err == nil {
				late.Serve(ln)
			}
		}()
		code, out, stderr := runCheckArgs(t, 20*time.Second, "json", noFile, false, "default", "http://"+addr+"/mcp")
		var res checkResult
		_ = json.Unmarshal([]byte(out), &res)
		if code != exitProbeOK || res.Attempts < 2 || !strings.Contains(stderr, "retrying") {
			t.Errorf("exit %d, attempts %d, want success after retries; stderr:\n%s", code, res.Attempts, stderr)
		}
	})
	t.Run("--wait gives up", func(t *testing.T) {
		start := time.Now()
		code, _, _ := runCheckArgs(t, 2*time.Second, "table", noFile, false, "default", "http://127.0.0.1:1/mcp")
		if code != exitProbeFailed || time.Since(start) > 5*time.Second {
			t.Errorf("exit %d after %v, want 1 within the wait", code, time.Since(start))
		}
	})
}

// Serving stays the default command, so blackbox-style invocations work.
func TestServeIsTheDefaultCommand(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "ok.yml")
	os.WriteFile(path, []byte("modules:\n  default: {}\n"), 0o600)
	if code := run([]string{"--config.file", path, "--config.check"}); code != 0 {
		t.Errorf("--config.check without a command: exit %d", code)
	}
	if code := run([]string{"serve", "--config.file", path, "--config.check"}); code != 0 {
		t.Errorf("serve --config.check: exit %d", code)
	}
}

// TestCheckSaysWhatHappenedToALayer (issue 11 item 10): a server that
// answers the session's DELETE with 404 fails the close layer without
// failing the probe; check says so instead of "not reached", and tells a
// layer that never ran apart from one that failed.
func TestCheckSaysWhatHappenedToALayer(t *testing.T) {
	sdk := checkServer()
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodDelete {
			http.NotFound(w, r)
			return
		}
		sdk.ServeHTTP(w, r)
	})
	ts := testsupport.Serve(t, h)
	noFile := filepath.Join(t.TempDir(), "absent.yml")

	code, out, _ := runCheckArgs(t, 0, "table", noFile, false, "default", ts.URL+"/mcp")
	if code != exitProbeOK {
		t.Fatalf("exit %d, want 0:\n%s", code, out)
	}
	if !regexp.MustCompile(`(?m)^close\s+FAILED\s+\S+\s+\(does not fail the probe\)$`).MatchString(out) {
		t.Errorf("the close layer's failure is not said:\n%s", out)
	}
	code, out, _ = runCheckArgs(t, 0, "json", noFile, false, "default", ts.URL+"/mcp")
	if code != exitProbeOK {
		t.Fatalf("exit %d, want 0:\n%s", code, out)
	}
	var res checkResult
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatal(err)
	}
	for _, l := range res.Layers {
		want := "passed"
		if l.Name == "close" {
			want = "failed"
		}
		if l.Outcome != want {
			t.Errorf("layer %s: outcome %q, want %q", l.Name, l.Outcome, want)
		}
	}

	// A refused connection: the layers after connect never ran.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + ln.Addr().String() + "/mcp"
	ln.Close()
	_, out, _ = runCheckArgs(t, 0, "table", noFile, false, "default", closed)
	if !regexp.MustCompile(`(?m)^handshake\s+not reached\s`).MatchString(out) || !regexp.MustCompile(`(?m)^connect\s+FAILED\s+\S+\s+connect \(connection refused\)$`).MatchString(out) {
		t.Errorf("table:\n%s", out)
	}
}

// check prints the resources and prompts a module lists: counts in the
// table, counts and definition hashes in JSON.
func TestCheckPrintsLists(t *testing.T) {
	ts := testsupport.SDKServer{Resources: 2, Prompts: 1}.Start(t)
	cfg := testsupport.WriteFile(t, filepath.Join(t.TempDir(), "lists.yml"), []byte("modules:\n  lists:\n    list_resources: true\n    list_prompts: true\n"), 0o600)
	code, out, _ := runCheckArgs(t, 0, "table", cfg, true, "lists", ts.URL)
	if code != exitProbeOK || !strings.Contains(out, "  resources=2  prompts=1") ||
		!regexp.MustCompile(`(?m)^resources\s+ok\s`).MatchString(out) || !regexp.MustCompile(`(?m)^prompts\s+ok\s`).MatchString(out) {
		t.Errorf("exit %d, table:\n%s", code, out)
	}
	_, out, _ = runCheckArgs(t, 0, "json", cfg, true, "lists", ts.URL)
	var res checkResult
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatal(err)
	}
	hex64 := regexp.MustCompile(`^[0-9a-f]{64}$`)
	if res.Resources == nil || *res.Resources != 2 || res.Prompts == nil || *res.Prompts != 1 ||
		!hex64.MatchString(res.ResourcesDefinitionSHA256) || !hex64.MatchString(res.PromptsDefinitionSHA256) {
		t.Errorf("json:\n%s", out)
	}
}

// TestCheckWaitIsQuietAndWhole (issue 14 item 8): under --wait, check
// prints one line per failed attempt and no probe log, keeps trying until
// the wait is over, and its summary's duration is the whole time.
func TestCheckWaitIsQuietAndWhole(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	refused := "http://" + ln.Addr().String() + "/mcp"
	ln.Close()
	noFile := filepath.Join(t.TempDir(), "absent.yml")
	cfg := testsupport.WriteFile(t, filepath.Join(t.TempDir(), "mcp.yml"), []byte("modules:\n  default: {}\n"), 0o600)

	var stdout, stderr bytes.Buffer
	start := time.Now()
	code := runWith([]string{"check", "--config.file", cfg, "--wait", "2500ms", "--output", "json", refused}, &stdout, &stderr)
	elapsed := time.Since(start)
	var res checkResult
	if err := json.Unmarshal(stdout.Bytes(), &res); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, stdout.String())
	}
	if code != exitProbeFailed || res.Success {
		t.Fatalf("exit %d, want 1:\n%s", code, stdout.String())
	}
	// Attempts at 0, 1 and 2 s, and a last one at 2.4 s, 100 ms before the
	// wait's end.
	if elapsed < 2300*time.Millisecond || elapsed > 4*time.Second || res.Attempts < 4 {
		t.Errorf("gave up after %v and %d attempts, want about 2.5 s and 4", elapsed, res.Attempts)
	}
	if res.DurationSeconds < 2.3 || res.DurationSeconds > elapsed.Seconds() {
		t.Errorf("duration_seconds %v, want the whole %v", res.DurationSeconds, elapsed)
	}
	lines := strings.Split(strings.TrimSuffix(stderr.String(), "\n"), "\n")
	line := regexp.MustCompile(`^attempt \d+ failed after \S+ \(connect: connect, connection refused\); retrying in \S+$`)
	for _, l := range lines {
		if !line.MatchString(l) {
			t.Errorf("stderr line %q is not one attempt's", l)
		}
	}
	if len(lines) != res.Attempts-1 {
		t.Errorf("%d lines on stderr for %d attempts:\n%s", len(lines), res.Attempts, stderr.String())
	}

	// The table's summary counts the whole time too.
	code, out, _ := runCheckArgs(t, 1500*time.Millisecond, "table", noFile, false, "default", refused)
	m := regexp.MustCompile(`attempts=(\d+)  duration=(\S+)`).FindStringSubmatch(out)
	if code != exitProbeFailed || m == nil || m[1] != "3" {
		t.Fatalf("exit %d, summary %q, want 3 attempts (0, 1 and 1.4 s):\n%s", code, m, out)
	}
	if d, err := time.ParseDuration(m[2]); err != nil || d < 1300*time.Millisecond {
		t.Errorf("summary duration %s, want the whole wait", m[2])
	}
}

// TestCheckNamesMissingTools: missing_tool says which of the module's
// required_tools (the operator's names) the server did not list.
func TestCheckNamesMissingTools(t *testing.T) {
	ts := testsupport.Serve(t, checkServer())
	cfg := testsupport.WriteFile(t, filepath.Join(t.TempDir(), "mcp.yml"), []byte("modules:\n  missing:\n    required_tools: [gamma, alpha, delta]\n"), 0o600)
	code, out, stderr := runCheckArgs(t, 0, "table", cfg, true, "missing", ts.URL+"/mcp")
	if code != exitProbeFailed || !strings.Contains(out, "FAILURE (tools: missing_tool)") {
		t.Fatalf("exit %d:\n%s", code, out)
	}
	if stderr != "required_tools not listed: gamma, delta\n" {
		t.Errorf("stderr %q, want the missing required_tools", stderr)
	}
	_, _, stderr = runCheckArgs(t, 1500*time.Millisecond, "json", cfg, true, "missing", ts.URL+"/mcp")
	if !strings.Contains(stderr, "(tools: missing_tool: gamma, delta); retrying") {
		t.Errorf("the retry line does not name the missing tools:\n%s", stderr)
	}
}

// TestCheckUsageHelp: an unknown module lists the modules; a flag error
// points to --help; check -h lists the check flags before the exporter's.
func TestCheckUsageHelp(t *testing.T) {
	cfg := testsupport.WriteFile(t, filepath.Join(t.TempDir(), "mcp.yml"), []byte("modules:\n  zeta: {}\n  alpha: {}\n"), 0o600)
	code, _, stderr := runCheckArgs(t, 0, "table", cfg, true, "nope", "http://127.0.0.1:1/mcp")
	if code != exitUsage || stderr != "unknown module \"nope\"; modules: alpha, zeta\n" {
		t.Errorf("exit %d, stderr %q", code, stderr)
	}

	for args, want := range map[string]string{
		"check --wat 1s http://127.0.0.1:1/mcp": "see mcp_exporter check --help",
		"check --wait soon http://x/mcp":        "see mcp_exporter check --help",
		"check":                                 "see mcp_exporter check --help",
		"--bogus":                               "see mcp_exporter --help",
	} {
		var stdout, stderr bytes.Buffer
		if code := runWith(strings.Fields(args), &stdout, &stderr); code != exitUsage || !strings.HasSuffix(stderr.String(), want+"\n") {
			t.Errorf("%s: exit %d, stderr %q, want 2 and %q", args, code, stderr.String(), want)
		}
	}

	var stdout, usage bytes.Buffer
	if code := runWith([]string{"check", "-h"}, &stdout, &usage); code != 0 {
		t.Fatalf("check -h: exit %d\n%s", code, usage.String())
	}
	help := usage.String()
	wait, global, config := strings.Index(help, "--wait"), strings.Index(help, "Global flags:"), strings.Index(help, "--config.file")
	if wait < 0 || global < 0 || config < 0 || !(wait < global && global < config) {
		t.Errorf("check -h does not list the check flags first:\n%s", help)
	}
}

// TestCheckSaysWhy is issue 25 item 5: a failed connection said only
// "connect: connect"; the cause is now in the table, the summary line and
// the JSON output, in fixed words.
func TestCheckSaysWhy(t *testing.T) {
	tlsServer := httptest.NewTLSServer(http.NotFoundHandler()) // a certificate nobody here trusts
	t.Cleanup(tlsServer.Close)
	noFile := filepath.Join(t.TempDir(), "absent.yml")
	for _, tc := range []struct{ name, target, want string }{
		{"refused", "http://" + testsupport.RefusedAddr(t) + "/mcp", "connection refused"},
		{"untrusted TLS", tlsServer.URL + "/mcp", "TLS: the certificate is signed by an unknown authority"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, out, _ := runCheckArgs(t, 0, "table", noFile, false, "default", tc.target)
			if code == 0 || !strings.Contains(out, "("+tc.want+")") || !strings.Contains(out, ", "+tc.want+")") {
				t.Errorf("exit %d, want the cause %q in the table and the summary:\n%s", code, tc.want, out)
			}
			_, js, _ := runCheckArgs(t, 0, "json", noFile, false, "default", tc.target)
			var res struct {
				FailureCause string `json:"failure_cause"`
			}
			if err := json.Unmarshal([]byte(js), &res); err != nil || res.FailureCause != tc.want {
				t.Errorf("JSON failure_cause %q (%v), want %q:\n%s", res.FailureCause, err, tc.want, js)
			}
		})
	}
}
