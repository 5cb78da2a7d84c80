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
	"context"
	"io"
	"net/http"
	"net/url"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/auth"

	"github.com/mcp-exporter/mcp_exporter/internal/testsupport"
	"github.com/mcp-exporter/mcp_exporter/internal/testsupport/fakemcp"
)

// stackBudget is the stack a healthy probe may use: a goroutine's stack,
// once grown, stays grown while the probe waits for its answers, so a
// probe that needs more than 8 KiB anywhere holds 16 KiB for all its wait
// (docs/performance.md).
const stackBudget = 8 << 10

// TestProbeStackBudget runs healthy probes through the exporter's HTTP
// server, as in production, in a process (testsupport.StackBudgetPackage,
// built without the race detector) whose goroutines may not grow a stack
// past stackBudget once one warm-up probe of each kind has run: a probe
// that needs more crashes that process, which prints where. The modules:
// the default, against SSE and JSON answers, and a bearer token, whose
// masking runs in every log record. HTTPS is not among them: a TLS
// handshake runs on the goroutine that dials, which ends with it, and
// crypto/tls's ML-KEM key generation alone needs more than 8 KiB.
func TestProbeStackBudget(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and starts a process of its own")
	}
	const token = "stack-budget-token"
	sse := testsupport.SDKServer{Name: "stack-sse", Version: "1.0.0"}.Start(t)
	json := fakemcp.New().Start(t)
	verify := func(_ context.Context, got string, _ *http.Request) (*auth.TokenInfo, error) {
		if got != token {
			return nil, auth.ErrInvalidToken
		}
		return &auth.TokenInfo{Expiration: time.Now().Add(time.Hour)}, nil
	}
	bearer := testsupport.Serve(t, auth.RequireBearerToken(verify, nil)(testsupport.SDKServer{Name: "stack-bearer", Version: "1.0.0"}.Handler()))
	probes := []struct{ module, target string }{
		{"default", sse.URL + "/mcp"},
		{"default", json},
		{"bearer", bearer.URL + "/mcp"},
	}

	cmd := exec.Command(testsupport.BuildCommand(t, testsupport.StackBudgetPackage), token, strconv.Itoa(stackBudget))
	var stderr testsupport.SyncBuffer
	cmd.Stderr = &stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		_ = stdin.Close() // the process stops when its stdin closes
		_ = cmd.Wait()
	}()
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		t.Fatalf("the exporter process said nothing: %v\n%s", err, stderr.String())
	}
	base := "http://" + strings.TrimSpace(line)
	// A connection per request: each probe runs on a goroutine of its own,
	// not on one whose stack the warm-up grew.
	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	get := func(path string) (string, error) {
		resp, err := client.Get(base + path)
		if err != nil {
			return "", err
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		return string(b), err
	}
	probe := func(module, target string) {
		t.Helper()
		body, err := get("/probe?module=" + module + "&target=" + url.QueryEscape(target))
		if err != nil {
			_ = stdin.Close()
			_ = cmd.Wait() // all of the crash report
			t.Fatalf("probe of %s (module %s): %v; the exporter process said:\n%s", target, module, err, stderr.String())
		}
		if !strings.Contains(body, "\nprobe_success 1\n") {
			t.Fatalf("probe of %s (module %s) failed:\n%s", target, module, body)
		}
	}
	for _, p := range probes { // warm-up: what fills once (encoding/json's caches)
		probe(p.module, p.target)
	}
	if _, err := get("/max-stack"); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		for _, p := range probes {
			probe(p.module, p.target)
		}
	}
}
