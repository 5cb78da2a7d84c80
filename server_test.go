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
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// sumMetric adds up every series of name in a /metrics text.
func sumMetric(t *testing.T, text, name string) float64 {
	t.Helper()
	re := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(name) + `(?:\{[^}]*\})? (\S+)$`)
	sum := 0.0
	for _, m := range re.FindAllStringSubmatch(text, -1) {
		v, err := strconv.ParseFloat(m[1], 64)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		sum += v
	}
	return sum
}

// TestProbeStormRefused: a target that answers 307 to
// <exporter>/probe?target=<itself> does not make the exporter probe itself
// (issue 9 item 3). The exporter is a real HTTP server on loopback; the
// target stops redirecting after 50 requests so that the old code's storm
// ends.
func TestProbeStormRefused(t *testing.T) {
	te := newTestExporter(t, initialConfig, "")
	var redirects atomic.Int64
	var self string
	hostile := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if redirects.Add(1) > 50 {
			http.Error(w, "storm over", http.StatusNotFound)
			return
		}
		http.Redirect(w, r, te.server.URL+probePath(self), http.StatusTemporaryRedirect)
	}))
	t.Cleanup(hostile.Close)
	self = hostile.URL + "/mcp"

	code, body := te.get(t, probePath(self))
	if code != http.StatusOK || !strings.Contains(body, "probe_success 0\n") {
		t.Errorf("the probe of the redirecting target: %d\n%s", code, body)
	}
	var metrics string
	for deadline := time.Now().Add(10 * time.Second); ; {
		_, metrics = te.get(t, "/metrics")
		if sumMetric(t, metrics, "mcp_exporter_probes_in_flight") == 0 || time.Now().After(deadline) {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if n := sumMetric(t, metrics, "mcp_exporter_probes_total"); n != 1 {
		t.Errorf("mcp_exporter_probes_total = %v, want 1: the exporter probed itself (%d redirects)", n, redirects.Load())
	}
	loops := sumMetric(t, metrics, "mcp_exporter_probe_loops_refused_total")
	if loops < 1 || loops != float64(redirects.Load()) {
		t.Errorf("mcp_exporter_probe_loops_refused_total = %v, want one per redirect (%d)", loops, redirects.Load())
	}
	t.Logf("%d redirect(s), %v refused with 508", redirects.Load(), loops)
}

// startServer serves e's routes on loopback through newHTTPServer with l.
func startServer(t *testing.T, te *testExporter, l serverLimits) *httptest.Server {
	t.Helper()
	h, err := te.routes()
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewUnstartedServer(nil)
	ts.Config = newHTTPServer(h, l)
	ts.Start()
	t.Cleanup(ts.Close)
	return ts
}

// TestServerClosesIdleConnections: idle keep-alive connections are closed
// after the idle timeout (issue 9 item 10); the old server kept them open
// for ever.
func TestServerClosesIdleConnections(t *testing.T) {
	te := newTestExporter(t, initialConfig, "")
	l := defaultServerLimits
	l.idle = 300 * time.Millisecond
	ts := startServer(t, te, l)
	addr := strings.TrimPrefix(ts.URL, "http://")

	const conns = 50
	closed := make(chan error, conns)
	for range conns {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		fmt.Fprintf(c, "GET /-/healthy HTTP/1.1\r\nHost: %s\r\n\r\n", addr)
		br := bufio.NewReader(c)
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || resp.Close {
			t.Fatalf("/-/healthy: %d, close %v; want 200 on a kept-alive connection", resp.StatusCode, resp.Close)
		}
		go func() {
			// The server closes an idle connection: the read ends with EOF.
			_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
			_, err := br.ReadByte()
			closed <- err
		}()
	}
	for range conns {
		if err := <-closed; err != io.EOF {
			t.Fatalf("an idle keep-alive connection: %v, want EOF (closed by the server) within 5s", err)
		}
	}
}

// TestLongProbeOutlivesServerTimeouts: the server's read and write
// timeouts bound clients, not probes: a probe that takes longer than both
// succeeds, and one whose scraper leaves still ends.
func TestLongProbeOutlivesServerTimeouts(t *testing.T) {
	te := newTestExporter(t, initialConfig, "")
	l := defaultServerLimits
	l.readHeader, l.read, l.write = 200*time.Millisecond, 300*time.Millisecond, 300*time.Millisecond
	ts := startServer(t, te, l)
	slowMCP := mcpServer(t)
	var requests atomic.Int64
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if requests.Add(1) == 1 {
			// The first request waits longer than the server's timeouts.
			select {
			case <-time.After(time.Second):
			case <-r.Context().Done():
				return
			}
		}
		slowMCP.Config.Handler.ServeHTTP(w, r)
	}))
	t.Cleanup(slow.Close)

	start := time.Now()
	code, body := do(t, http.MethodGet, ts.URL+probePath(slow.URL))
	if code != http.StatusOK || !strings.Contains(body, "probe_success 1\n") {
		t.Fatalf("a probe of a server slower than the read and write timeouts: %d after %v\n%s", code, time.Since(start), body)
	}
	if d := time.Since(start); d < time.Second {
		t.Errorf("the probe took %v; the test wants it longer than the server's timeouts", d)
	}

	// The idle connection still answers later requests.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, ts.URL+"/-/healthy", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
}

// TestLandingPageMasksQuerySecrets: a secret in the target's query shows
// on neither the landing page, /logs nor the exporter's log (issue 9 item
// 11).
func TestLandingPageMasksQuerySecrets(t *testing.T) {
	const secret = "Q5ecr3t-in-the-query"
	te := newTestExporter(t, initialConfig, "")
	te.get(t, probePath("http://127.0.0.1:1/mcp?api_key="+secret))
	te.get(t, probePath(mcpServer(t).URL+"?api_key="+secret))
	_, page := te.get(t, "/")
	if strings.Contains(page, secret) || !strings.Contains(page, "api_key=xxxxx") {
		t.Errorf("the landing page shows the query secret, or not the masked target:\n%s", page)
	}
	for _, r := range te.history.List() {
		if _, logs := te.get(t, "/logs?id="+strconv.FormatInt(r.ID, 10)); strings.Contains(logs, secret) {
			t.Errorf("/logs?id=%d shows the query secret:\n%s", r.ID, logs)
		}
	}
	if strings.Contains(te.log.String(), secret) {
		t.Errorf("the exporter's log shows the query secret:\n%s", te.log)
	}
}
