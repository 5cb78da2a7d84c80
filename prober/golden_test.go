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
	"flag"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"unicode"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/mcp-exporter/mcp_exporter/config"
	"github.com/mcp-exporter/mcp_exporter/internal/protocol"
	"github.com/mcp-exporter/mcp_exporter/internal/testsupport"
)

// The golden tests keep the exposition text of a probe exact: every metric
// name, label, value and help text, in order. Run with -update to rewrite
// them after an intended change, and read the diff.
var updateGolden = flag.Bool("update", false, "rewrite the golden files under testdata/golden")

// goldenTimed matches a series whose value is a time: its value is
// replaced, keeping whether it was 0 (a layer not reached, no DNS lookup).
var goldenTimed = regexp.MustCompile(`(?m)^((?:probe_mcp_layer_duration_seconds|probe_duration_seconds|probe_dns_lookup_time_seconds|probe_ssl_earliest_cert_expiry|probe_mcp_credential_expiry_timestamp_seconds|probe_mcp_oauth2_token_age_seconds|probe_mcp_oauth2_token_fetch_duration_seconds)(?:\{[^}]*\})?) (\S+)$`)

// goldenHandlerOnly are the families /probe adds around the probe's own.
var goldenHandlerOnly = regexp.MustCompile(`(?m)^(?:# (?:HELP|TYPE) )?(?:probe_success|probe_duration_seconds|probe_timeout_seconds)[ {].*\n`)

// normalizeExposition replaces what changes from run to run.
func normalizeExposition(text string) string {
	return goldenTimed.ReplaceAllStringFunc(text, func(line string) string {
		m := goldenTimed.FindStringSubmatch(line)
		if m[2] == "0" {
			return line
		}
		return m[1] + " <time>"
	})
}

// goldenName turns a test name into a file name, one for each name.
func goldenName(name string) string {
	var b strings.Builder
	for _, r := range name {
		switch {
		case r == '/' || r == ' ':
			b.WriteByte('_')
		case r < 0x80 && (r == '-' || r == '.' || r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r)):
			b.WriteRune(r)
		default:
			fmt.Fprintf(&b, "~%x", r)
		}
	}
	return b.String() + ".txt"
}

// goldenCalls counts the goldens a test has checked so far: the second
// of a test is <name>_2.txt, and so on.
var goldenCalls sync.Map

// checkGolden compares text with testdata/golden/<dir>/<the test's name>.
func checkGolden(t *testing.T, dir, text string) {
	t.Helper()
	name := t.Name()
	n, loaded := goldenCalls.LoadOrStore(name, new(int))
	if !loaded {
		t.Cleanup(func() { goldenCalls.Delete(name) })
	}
	*n.(*int)++
	if k := *n.(*int); k > 1 {
		name += "_" + strconv.Itoa(k)
	}
	path := filepath.Join("testdata", "golden", dir, goldenName(name))
	if *updateGolden {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("golden file: %v (run with -update to write it)", err)
	}
	if string(want) != text {
		t.Errorf("exposition differs from %s\n--- want\n%s\n--- got\n%s", path, want, text)
	}
}

// checkProbeGolden keeps a probe's own series (what the probe adds to
// /probe's answer, without probe_success, probe_duration_seconds and
// probe_timeout_seconds, which the handler adds) exact.
func checkProbeGolden(t *testing.T, dir string, res probeResult) {
	t.Helper()
	checkGolden(t, dir, normalizeExposition(goldenHandlerOnly.ReplaceAllString(res.metrics, "")))
}

// TestGoldenProbeHandler keeps /probe's whole answer exact for go-sdk
// servers in every mode and era, and for a few failures.
func TestGoldenProbeHandler(t *testing.T) {
	pin := func(v string) func(*config.Module) { return func(m *config.Module) { m.ProtocolVersion = v } }
	cases := []struct {
		name   string
		server testsupport.SDKServer
		module func(*config.Module)
	}{
		{"stateful SSE answers", testsupport.SDKServer{}, nil},
		{"stateful JSON answers", testsupport.SDKServer{HTTP: mcp.StreamableHTTPOptions{JSONResponse: true}}, nil},
		{"stateless", testsupport.SDKServer{HTTP: mcp.StreamableHTTPOptions{Stateless: true}}, nil},
		{"stateless JSON", testsupport.SDKServer{HTTP: mcp.StreamableHTTPOptions{Stateless: true, JSONResponse: true}}, nil},
		{"legacy SSE", testsupport.SDKServer{SSE: true, Tools: 3}, func(m *config.Module) { m.Transport = protocol.TransportSSE }},
		{"legacy SSE auto", testsupport.SDKServer{SSE: true}, nil},
		{"legacy SSE pinned 2024-11-05", testsupport.SDKServer{SSE: true}, func(m *config.Module) {
			m.Transport = protocol.TransportSSE
			m.ProtocolVersion = "2024-11-05"
		}},
		{"server speaks only 2025-11-25", testsupport.SDKServer{Versions: []string{"2025-11-25"}}, nil},
		{"server speaks only 2025-06-18", testsupport.SDKServer{Versions: []string{"2025-06-18"}}, nil},
		{"server speaks only 2025-03-26", testsupport.SDKServer{Versions: []string{"2025-03-26"}}, nil},
		{"server speaks only 2024-11-05", testsupport.SDKServer{Versions: []string{"2024-11-05"}}, nil},
		{"pinned 2025-06-18", testsupport.SDKServer{}, pin("2025-06-18")},
		{"pinned 2025-03-26", testsupport.SDKServer{}, pin("2025-03-26")},
		{"pinned 2026-07-28 stateless", testsupport.SDKServer{HTTP: mcp.StreamableHTTPOptions{Stateless: true}}, pin("2026-07-28")},
		{"pinned 2026-07-28 stateful fails", testsupport.SDKServer{}, pin("2026-07-28")},
		{"streamable_http against sse fails", testsupport.SDKServer{SSE: true}, func(m *config.Module) { m.Transport = protocol.TransportStreamableHTTP }},
		{"paged tools", testsupport.SDKServer{Tools: 5, PageSize: 2}, nil},
		{"without tools", testsupport.SDKServer{NoTools: true}, nil},
		{"close_session off", testsupport.SDKServer{}, func(m *config.Module) { m.CloseSession = false }},
		{"missing required tool", testsupport.SDKServer{Tools: 3}, func(m *config.Module) { m.RequiredTools = []string{"absent"} }},
		{"min_tools not met", testsupport.SDKServer{Tools: 3}, func(m *config.Module) { m.MinTools = 4 }},
		{"schema hash mismatch", testsupport.SDKServer{Tools: 3}, func(m *config.Module) { m.ExpectedSchemaHash = strings.Repeat("0", 64) }},
		{"fail_if_not_tls over plain HTTP", testsupport.SDKServer{}, func(m *config.Module) { m.FailIfNotTLS = true }},
		{"TLS", testsupport.SDKServer{TLS: true}, nil},
		// The opt-in lists.
		{"resources and prompts listed", testsupport.SDKServer{Resources: 3, Prompts: 2}, func(m *config.Module) { m.ListResources, m.ListPrompts = true, true }},
		{"resources and prompts not advertised", testsupport.SDKServer{}, func(m *config.Module) { m.ListResources, m.ListPrompts = true, true }},
		{"min_resources not met", testsupport.SDKServer{Resources: 1, Prompts: 1}, func(m *config.Module) {
			m.ListResources, m.ListPrompts, m.MinResources = true, true, 2
		}},
		{"TLS untrusted", testsupport.SDKServer{TLS: true}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ts := c.server.Start(t)
			m := config.DefaultModule
			if c.module != nil {
				c.module(&m)
			}
			if c.name == "TLS" {
				m.FailIfNotTLS = true
				trustServer(t, ts, &m)
			}
			f := newHandlerFixture(t, map[string]config.Module{"test": m})
			w := f.probe(t, url.Values{"module": {"test"}, "target": {ts.URL}}, nil)
			if w.Code != http.StatusOK {
				t.Fatalf("status %d: %s", w.Code, w.Body)
			}
			checkGolden(t, "handler", normalizeExposition(w.Body.String()))
		})
	}
	t.Run("connection refused", func(t *testing.T) {
		target := "http://" + testsupport.RefusedAddr(t)
		f := newHandlerFixture(t, map[string]config.Module{"test": config.DefaultModule})
		w := f.probe(t, url.Values{"module": {"test"}, "target": {target}}, http.Header{"X-Prometheus-Scrape-Timeout-Seconds": {"3"}})
		checkGolden(t, "handler", normalizeExposition(w.Body.String()))
	})
}
