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

package prober

import (
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/alecthomas/units"
	"github.com/prometheus/common/model"

	"github.com/mcp-exporter/mcp_exporter/config"
	"github.com/mcp-exporter/mcp_exporter/internal/failure"
	"github.com/mcp-exporter/mcp_exporter/internal/protocol"
	"github.com/mcp-exporter/mcp_exporter/internal/testsupport"
	"github.com/mcp-exporter/mcp_exporter/internal/testsupport/fakemcp"
)

func TestMain(m *testing.M) { os.Exit(testsupport.RunTests(m)) }

// filesystemDir holds the MCP reference server
// @modelcontextprotocol/server-filesystem; .ci/run installs it (npm ci).
const filesystemDir = "testdata/filesystem"

// stdioModule is a stdio module running argv.
func stdioModule(argv ...string) config.Module {
	m := config.DefaultModule
	m.Transport = protocol.TransportStdio
	m.Command = argv
	return m
}

// layerNames are the names of res's layers that passed, in order.
func passedLayers(res *Result) []string {
	var names []string
	for _, l := range res.Layers {
		if l.Outcome == Passed {
			names = append(names, l.Name)
		}
	}
	return names
}

// TestStdioRealServers probes real stdio servers: the go-sdk's (built by
// the test), and the reference servers server-everything and
// server-filesystem (npm), each with the layers of an HTTP probe but
// start for connect.
func TestStdioRealServers(t *testing.T) {
	sdk := testsupport.BuildCommand(t, testsupport.SDKStdioPackage)
	data := t.TempDir()
	testsupport.WriteFile(t, filepath.Join(data, "hello.txt"), []byte("hello"), 0o600)
	for _, tc := range []struct {
		name    string
		argv    func(t *testing.T) []string
		server  string
		minTool int
	}{
		{"go-sdk", func(*testing.T) []string { return []string{sdk} }, "sdk-test-server", 1},
		{"server-everything", func(t *testing.T) []string {
			node, dir := nodePackage(t, everythingDir, filepath.Join("node_modules", "@modelcontextprotocol", "server-everything", "dist", "index.js"))
			return []string{node, filepath.Join(dir, "node_modules", "@modelcontextprotocol", "server-everything", "dist", "index.js"), "stdio"}
		}, "", 5},
		{"server-filesystem", func(t *testing.T) []string {
			node, dir := nodePackage(t, filesystemDir, filepath.Join("node_modules", "@modelcontextprotocol", "server-filesystem", "dist", "index.js"))
			return []string{node, filepath.Join(dir, "node_modules", "@modelcontextprotocol", "server-filesystem", "dist", "index.js"), data}
		}, "secure-filesystem-server", 5},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := listsModule()
			m.Transport, m.Command = protocol.TransportStdio, tc.argv(t)
			m.MinTools = tc.minTool
			m.Timeout = model.Duration(30 * time.Second)
			res := runProbe(t, nil, "", m)
			if !res.ok {
				t.Fatalf("probe failed:\n%s\n%s", res.logs, describe(res.result))
			}
			want := []string{LayerStart, LayerHandshake, LayerTools, LayerResources, LayerPrompts, LayerClose}
			if got := passedLayers(res.result); !slices.Equal(got, want) {
				t.Errorf("passed layers %v, want %v", got, want)
			}
			if res.result.Transport != protocol.TransportStdio || res.result.HTTPStatus != 0 || res.result.Connection != nil {
				t.Errorf("transport %q, status %d, connection %+v", res.result.Transport, res.result.HTTPStatus, res.result.Connection)
			}
			if s := res.result.Server; s == nil || (tc.server != "" && s.Name != tc.server) {
				t.Errorf("server %+v", s)
			}
			// What a stdio probe's metrics leave out (every HTTP series) is
			// TestGoldenProbe's "stdio" case.
			if !strings.Contains(res.logs, "ended_by=\"stdin closed\"") {
				t.Errorf("the server did not end at the end of its stdin:\n%s", res.logs)
			}
			t.Logf("%s: probe took %s (start %s)", tc.name, res.result.Duration, layerDuration(res.result, LayerStart))
		})
	}
}

func layerDuration(res *Result, name string) time.Duration {
	l, _ := res.Layer(name)
	return l.Duration
}

// TestStdioMisbehaviour: every misbehaviour of a stdio server fails the
// probe with its layer and reason, and leaves no process behind.
func TestStdioMisbehaviour(t *testing.T) {
	fake := testsupport.BuildCommand(t, testsupport.FakeStdioPackage)
	t.Run("modes", func(modes *testing.T) { stdioModes(modes, fake) })
	// After the parallel subtests: none of the fake's processes (children,
	// or the escaped grandchild) runs any more.
	if left := processesRunning(t, fake); len(left) > 0 {
		t.Errorf("processes left: %v", left)
	}
}

func stdioModes(modes *testing.T, fake string) {
	for _, tc := range []struct {
		mode          string
		layer, reason string // "" passes
		timeout       time.Duration
	}{
		{mode: fakemcp.StdioOK},
		{mode: fakemcp.StdioPing},
		{mode: fakemcp.StdioForkChild},
		{mode: fakemcp.StdioTermOnly},
		{mode: fakemcp.StdioExit, layer: LayerStart, reason: string(failure.ReasonProcessExited)},
		{mode: fakemcp.StdioExitAfterInit, layer: LayerTools, reason: string(failure.ReasonProcessExited)},
		{mode: fakemcp.StdioSilent, layer: LayerStart, reason: string(failure.ReasonTimeout), timeout: time.Second},
		{mode: fakemcp.StdioNotJSON, layer: LayerHandshake, reason: string(failure.ReasonMalformedJSONRPC)},
		{mode: fakemcp.StdioFlood, layer: LayerHandshake, reason: string(failure.ReasonResponseTooLarge)},
		{mode: fakemcp.StdioIgnoreTerm, layer: LayerClose, reason: string(failure.ReasonSIGTERMIgnored)},
		{mode: fakemcp.StdioEscape, layer: LayerClose, reason: string(failure.ReasonPipesHeld)},
		{mode: "", layer: LayerStart, reason: string(failure.ReasonSpawn)},
	} {
		modes.Run(tc.mode, func(t *testing.T) {
			t.Parallel()
			m := stdioModule(fake, tc.mode)
			if tc.mode == "" {
				m.Command = []string{filepath.Join(t.TempDir(), "gone")}
			}
			m.MaxResponseBytes = units.MiB
			if tc.timeout > 0 {
				m.Timeout = model.Duration(tc.timeout)
			}
			res := runProbe(t, nil, "", m)
			if tc.layer == "" {
				if !res.ok {
					t.Fatalf("probe failed:\n%s", res.logs)
				}
			} else {
				failedAt(t, res.result, tc.layer, tc.reason)
			}
			if _, ok := res.result.Layer(LayerConnect); ok {
				t.Errorf("a stdio probe has a connect layer: %s", describe(res.result))
			}
		})
	}
}

// processesRunning lists the pids of processes running the executable
// path (from /proc; nil where there is none).
func processesRunning(t *testing.T, path string) []string {
	t.Helper()
	dirs, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	var pids []string
	for _, d := range dirs {
		exe, err := os.Readlink(filepath.Join("/proc", d.Name(), "exe"))
		if err == nil && exe == path {
			stat, _ := os.ReadFile(filepath.Join("/proc", d.Name(), "stat"))
			pids = append(pids, d.Name()+" "+string(stat))
		}
	}
	return pids
}

// TestStdioStderr: a stdio server's stderr is kept bounded, never reaches
// the metrics, and reaches the probe's log only as its size, or its last
// lines when the module asks, with the module's env values masked.
func TestStdioStderr(t *testing.T) {
	fake := testsupport.BuildCommand(t, testsupport.FakeStdioPackage)
	m := stdioModule(fake, fakemcp.StdioStderr)
	m.Env = map[string]string{"FAKE_SECRET": "s3cret-value-0123"}
	res := runProbe(t, nil, "", m)
	if !res.ok {
		t.Fatalf("probe failed:\n%s", res.logs)
	}
	if !strings.Contains(res.logs, "stderr_bytes=") || strings.Contains(res.logs, "stderr_tail") || strings.Contains(res.logs, "last line") {
		t.Errorf("log without debug_stderr_lines:\n%s", res.logs)
	}
	m.DebugStderrLines = 2
	res = runProbe(t, nil, "", m)
	if !res.ok || !strings.Contains(res.logs, "stderr_tail") || !strings.Contains(res.logs, "last line") {
		t.Fatalf("log with debug_stderr_lines:\n%s", res.logs)
	}
	if strings.Contains(res.logs, "s3cret-value-0123") || strings.Contains(res.logs, "00000001 xxx") {
		t.Errorf("the secret, or more than 2 lines, in the log:\n%s", res.logs)
	}
	if strings.Contains(res.metrics, "xxxx") || strings.Contains(res.metrics, "last line") || strings.Contains(res.metrics, "stderr") {
		t.Errorf("stderr in the metrics:\n%s", res.metrics)
	}
}

// TestStdioHandler: /probe runs a stdio module's command without a
// target, refuses any target parameter (an empty one too) with 400, and
// the debug output shows the server's stderr only as its size and the
// module's env hidden.
func TestStdioHandler(t *testing.T) {
	fake := testsupport.BuildCommand(t, testsupport.FakeStdioPackage)
	m := stdioModule(fake, fakemcp.StdioStderr)
	m.Env = map[string]string{"FAKE_SECRET": "s3cret-value-0123"}
	f := newHandlerFixture(t, map[string]config.Module{"local": m})
	for _, target := range []string{"http://127.0.0.1:1/mcp", "", fake} {
		w := f.probe(t, url.Values{"module": {"local"}, "target": {target}}, nil)
		if w.Code != http.StatusBadRequest || !strings.Contains(w.Body.String(), "takes no target") {
			t.Errorf("target %q: %d %s", target, w.Code, w.Body.String())
		}
	}
	w := f.probe(t, url.Values{"module": {"local"}}, nil)
	if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), "probe_success 1") {
		t.Fatalf("%d:\n%s", w.Code, w.Body.String())
	}
	w = f.probe(t, url.Values{"module": {"local"}, "debug": {"true"}}, nil)
	out := w.Body.String()
	if !strings.Contains(out, "stderr_bytes=") || strings.Contains(out, "last line") || strings.Contains(out, "s3cret") || !strings.Contains(out, "FAKE_SECRET: <secret>") {
		t.Errorf("debug output:\n%s", out)
	}
	if !strings.Contains(out, "target=stdio:fakemcp-stdio") {
		t.Errorf("the probe log does not name the command:\n%s", out)
	}
}

// TestStdioToolCall: the tool_call layer runs over stdio as over HTTP.
func TestStdioToolCall(t *testing.T) {
	sdk := testsupport.BuildCommand(t, testsupport.SDKStdioPackage)
	c, err := config.Parse([]byte("modules:\n  m:\n    transport: stdio\n    command: [" + sdk + "]\n" +
		"    tool_call: {name: echo, arguments: {text: hi-over-stdio}, allow_not_read_only: true, fail_if_content_not_matches_regexp: ['hi-over-stdio']}\n"))
	if err != nil {
		t.Fatal(err)
	}
	res := runProbe(t, nil, "", c.Modules["m"])
	if !res.ok {
		t.Fatalf("probe failed:\n%s", res.logs)
	}
	if l, _ := res.result.Layer(LayerToolCall); l.Outcome != Passed {
		t.Errorf("tool_call %+v", l)
	}
}
