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

func TestCheckCommand(t *testing.T) {
	srv := &http.Server{Handler: checkServer()}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	target := "http://" + ln.Addr().String() + "/mcp"
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
		if code != exitProbeFailed || !strings.Contains(out, "FAILURE (connect: connect)") {
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
	ts := httptest.NewServer(h)
	t.Cleanup(ts.Close)
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
	if !regexp.MustCompile(`(?m)^handshake\s+not reached\s`).MatchString(out) || !regexp.MustCompile(`(?m)^connect\s+FAILED\s+\S+\s+connect$`).MatchString(out) {
		t.Errorf("table:\n%s", out)
	}
}

// check prints the resources and prompts a module lists: counts in the
// table, counts and definition hashes in JSON.
func TestCheckPrintsLists(t *testing.T) {
	ts := testsupport.SDKServer{Resources: 2, Prompts: 1}.Start(t)
	cfg := filepath.Join(t.TempDir(), "lists.yml")
	if err := os.WriteFile(cfg, []byte("modules:\n  lists:\n    list_resources: true\n    list_prompts: true\n"), 0o600); err != nil {
		t.Fatal(err)
	}
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
