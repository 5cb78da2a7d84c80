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
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mcp-exporter/mcp_exporter/config"
)

// tsServerDir holds the TypeScript SDK servers the tests start with node;
// .ci/run installs their packages (npm ci).
const tsServerDir = "testdata/tsserver"

// startTSServer starts testdata/tsserver/<script> under node with env and
// returns its URL. Without node the test is skipped, but under CI (CI set)
// it fails: .ci/run must have installed what the test needs.
func startTSServer(t *testing.T, script string, env ...string) string {
	t.Helper()
	node, dir := nodePackage(t, tsServerDir, filepath.Join("node_modules", "@modelcontextprotocol", "sdk"))
	cmd := exec.Command(node, script)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	port := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if p, ok := strings.CutPrefix(sc.Text(), "listening "); ok {
				port <- p
				break
			}
		}
		for sc.Scan() { // drain, so that the server never blocks on a write
		}
	}()
	select {
	case p := <-port:
		return "http://127.0.0.1:" + p + "/mcp"
	case <-time.After(30 * time.Second):
		t.Fatalf("%s did not start within 30s; stderr:\n%s", script, stderr.String())
	}
	return ""
}

// A conformant 2025-11-25 server (the TypeScript SDK with an event store)
// closes tools/list's SSE stream after its priming event, once or twice:
// the probe resumes it with GET and Last-Event-ID, succeeds, and counts the
// resumptions.
func TestTSServerSSEResumption(t *testing.T) {
	for _, closes := range []int{1, 2} {
		t.Run(strconv.Itoa(closes), func(t *testing.T) {
			url := startTSServer(t, "resumable.mjs", "CLOSES="+strconv.Itoa(closes), "RETRY_MS=100")
			res := runProbe(t, nil, url, config.DefaultModule)
			if !res.ok {
				t.Fatalf("probe failed:\n%s\n%s", res.logs, describe(res.result))
			}
			r := res.result
			if r.SSEResumptions != closes {
				t.Errorf("%d SSE resumptions, want %d\n%s", r.SSEResumptions, closes, res.logs)
			}
			if r.Tools == nil || r.Tools.Count != 1 {
				t.Errorf("tools %+v, want 1", r.Tools)
			}
			if r.Server == nil || r.Server.ProtocolVersion != "2025-11-25" {
				t.Errorf("server %+v, want 2025-11-25", r.Server)
			}
			if n := strings.Count(res.logs, "op=\"GET resume tools/list\""); n != closes {
				t.Errorf("%d resuming GETs logged, want %d:\n%s", n, closes, res.logs)
			}
		})
	}
}
