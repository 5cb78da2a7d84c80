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

package prober

import (
	"context"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/mcp-exporter/mcp_exporter/internal/canonical"
)

// everythingDir holds the MCP reference server
// @modelcontextprotocol/server-everything; .ci/run installs it (npm ci).
const everythingDir = "testdata/everything"

// startEverything starts the reference server in its Streamable HTTP mode
// and returns its MCP endpoint. Without node the test is skipped, but under
// CI (CI set) it fails: .ci/run must have installed what the test needs.
func startEverything(t *testing.T) string {
	t.Helper()
	node, dir := nodePackage(t, everythingDir, filepath.Join("node_modules", "@modelcontextprotocol", "server-everything", "dist", "index.js"))
	main := filepath.Join(dir, "node_modules", "@modelcontextprotocol", "server-everything", "dist", "index.js")
	// The server takes its port from PORT and listens on every interface;
	// a free port is found first, and tried again should another process
	// take it meanwhile.
	for attempt := 1; ; attempt++ {
		port := freePort(t)
		cmd := exec.Command(node, main, "streamableHttp")
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "PORT="+strconv.Itoa(port))
		var out strings.Builder
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		exited := make(chan struct{})
		go func() { _ = cmd.Wait(); close(exited) }()
		t.Cleanup(func() {
			_ = cmd.Process.Kill()
			<-exited
		})
		addr := "127.0.0.1:" + strconv.Itoa(port)
		deadline := time.Now().Add(30 * time.Second)
		for time.Now().Before(deadline) {
			select {
			case <-exited:
				deadline = time.Time{}
				continue
			default:
			}
			if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
				_ = c.Close()
				return "http://" + addr + "/mcp"
			}
			time.Sleep(50 * time.Millisecond)
		}
		if attempt == 3 {
			t.Fatalf("server-everything did not start; its output:\n%s", out.String())
		}
	}
}

// freePort is a TCP port nothing listens on, just now.
func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", ":0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// The reference server (server-everything, Streamable HTTP) advertises
// resources and prompts: both are listed, counted and hashed, the hashes
// are stable from probe to probe, and none of its URIs or names leave the
// exporter.
func TestEverythingResourcesAndPrompts(t *testing.T) {
	target := startEverything(t)
	m := listsModule()
	m.MinResources, m.MinPrompts = 1, 1
	p := New()
	first := runProbe(t, p, target, m)
	if !first.ok {
		t.Fatalf("probe failed:\n%s\n%s", first.logs, describe(first.result))
	}
	res, prompts := first.result.Resources, first.result.Prompts
	if res == nil || prompts == nil || res.Count < 1 || prompts.Count < 1 {
		t.Fatalf("resources %+v, prompts %+v", res, prompts)
	}
	r1, p1 := listHashes(t, first, res.Count, prompts.Count)
	second := runProbe(t, p, target, m)
	if !second.ok {
		t.Fatalf("second probe failed:\n%s\n%s", second.logs, describe(second.result))
	}
	if r2, p2 := listHashes(t, second, res.Count, prompts.Count); r2 != r1 || p2 != p1 {
		t.Errorf("hashes moved between probes: resources %s -> %s, prompts %s -> %s", r1, r2, p1, p2)
	}
	for _, s := range []string{"demo://", "simple-prompt", "args-prompt", "resource-prompt"} {
		if strings.Contains(first.metrics+first.logs, s) {
			t.Errorf("%q leaked into the metrics or the log", s)
		}
	}
	// One more than it lists fails each layer with its own reason.
	m.MinResources = res.Count + 1
	failedAt(t, runProbe(t, p, target, m).result, LayerResources, "no_resources")
	m.MinResources, m.MinPrompts = 1, prompts.Count+1
	failedAt(t, runProbe(t, p, target, m).result, LayerPrompts, "no_prompts")
}

// The reference server's tools, some of them annotated, are counted by
// effective annotation exactly as the specification's defaults say; the
// expected counts come from the go-sdk's own client listing the same
// tools (it may see more: the server offers get-roots-list only to clients
// with the roots capability, so only the tools the probe listed count).
func TestEverythingToolHints(t *testing.T) {
	target := startEverything(t)
	res := runProbe(t, nil, target, listsModule())
	if !res.ok || res.result.Tools == nil || res.result.Tools.Digest == nil {
		t.Fatalf("probe failed:\n%s\n%s", res.logs, describe(res.result))
	}
	digest := res.result.Tools.Digest

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	client := mcp.NewClient(&mcp.Implementation{Name: "hints-oracle", Version: "1"}, nil)
	session, err := client.Connect(ctx, &mcp.StreamableClientTransport{Endpoint: target}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer session.Close()
	var want canonical.ToolHints
	seen, annotated := 0, 0
	for tool, err := range session.Tools(ctx, nil) {
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Contains(digest.Names, tool.Name) {
			continue
		}
		seen++
		readOnly, destructive, idempotent, openWorld := false, true, false, true
		if a := tool.Annotations; a != nil {
			annotated++
			readOnly, idempotent = a.ReadOnlyHint, a.IdempotentHint
			if a.DestructiveHint != nil {
				destructive = *a.DestructiveHint
			}
			if a.OpenWorldHint != nil {
				openWorld = *a.OpenWorldHint
			}
		}
		if readOnly {
			want.ReadOnly++
		} else {
			if destructive {
				want.Destructive++
			}
			if idempotent {
				want.Idempotent++
			}
		}
		if openWorld {
			want.OpenWorld++
		}
	}
	if seen != digest.Count || annotated == 0 {
		t.Fatalf("the oracle saw %d of the probe's %d tools, %d annotated: the test proves nothing", seen, digest.Count, annotated)
	}
	if digest.Hints != want {
		t.Errorf("hints = %+v, want %+v (%d of %d tools annotated)", digest.Hints, want, annotated, seen)
	}
}
