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
	"strings"
	"testing"
	"unicode"

	"github.com/modelcontextprotocol/go-sdk/auth"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/mcp-exporter/mcp_exporter/config"
	"github.com/mcp-exporter/mcp_exporter/internal/protocol"
	"github.com/mcp-exporter/mcp_exporter/internal/testsupport"
	"github.com/mcp-exporter/mcp_exporter/internal/testsupport/fakemcp"
)

// The golden tests keep the exposition of a few probes exact, one for each
// shape the rendering takes: every metric name, label and value, in order.
// The goldens leave out the HELP lines (their texts are the descriptors',
// listed in the README's metric reference) and are named by case. Run
// with -update to rewrite them after an intended change, and read the
// diff. The probe-behaviour tests assert on the Result instead.
var updateGolden = flag.Bool("update", false, "rewrite the golden files under testdata/golden")

// goldenTimed matches a series whose value is a time: its value is
// replaced, keeping whether it was 0 (a layer not reached, no DNS lookup).
var goldenTimed = regexp.MustCompile(`(?m)^((?:probe_mcp_layer_duration_seconds|probe_duration_seconds|probe_dns_lookup_time_seconds|probe_ssl_earliest_cert_expiry|probe_mcp_credential_expiry_timestamp_seconds|probe_mcp_oauth2_token_age_seconds|probe_mcp_oauth2_token_fetch_duration_seconds)(?:\{[^}]*\})?) (\S+)$`)

// goldenHandlerOnly are the families /probe adds around the probe's own.
var goldenHandlerOnly = regexp.MustCompile(`(?m)^(?:# (?:HELP|TYPE) )?(?:probe_success|probe_duration_seconds|probe_timeout_seconds)[ {].*\n`)

// goldenHelp matches a HELP line, which the goldens leave out.
var goldenHelp = regexp.MustCompile(`(?m)^# HELP .*\n`)

// normalizeExposition replaces what changes from run to run, and drops
// the HELP lines.
func normalizeExposition(text string) string {
	return goldenTimed.ReplaceAllStringFunc(goldenHelp.ReplaceAllString(text, ""), func(line string) string {
		m := goldenTimed.FindStringSubmatch(line)
		if m[2] == "0" {
			return line
		}
		return m[1] + " <time>"
	})
}

// goldenName turns a case's name into a file name, one for each name.
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

// checkGolden compares an exposition, normalized, with
// testdata/golden/<dir>/<name>.txt and prints their diff when they differ.
func checkGolden(t *testing.T, dir, name, text string) {
	t.Helper()
	text = normalizeExposition(text)
	path := filepath.Join("testdata", "golden", dir, goldenName(name))
	if *updateGolden {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		testsupport.WriteFile(t, path, []byte(text), 0o644)
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("golden file: %v (run with -update to write it)", err)
	}
	if string(want) != text {
		t.Errorf("exposition differs from %s (run with -update to accept it):\n%s", path, lineDiff(path, string(want), text))
	}
}

// checkProbeGolden keeps a probe's own series (what the probe adds to
// /probe's answer, without probe_success, probe_duration_seconds and
// probe_timeout_seconds, which the handler adds) exact.
func checkProbeGolden(t *testing.T, name string, res probeResult) {
	t.Helper()
	checkGolden(t, "probe", name, goldenHandlerOnly.ReplaceAllString(res.metrics, ""))
}

// lineDiff is a unified diff of two texts, line by line, with three lines
// of context: --- want, +++ got.
func lineDiff(name, want, got string) string {
	a, b := splitLines(want), splitLines(got)
	// lcs[i][j] is the length of the longest common subsequence of a[i:]
	// and b[j:].
	lcs := make([][]int, len(a)+1)
	for i := range lcs {
		lcs[i] = make([]int, len(b)+1)
	}
	for i := len(a) - 1; i >= 0; i-- {
		for j := len(b) - 1; j >= 0; j-- {
			if a[i] == b[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	type edit struct {
		op   byte // ' ', '-' or '+'
		line string
		i, j int // the lines of a and b before it
	}
	var edits []edit
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		switch {
		case i < len(a) && j < len(b) && a[i] == b[j]:
			edits = append(edits, edit{' ', a[i], i, j})
			i, j = i+1, j+1
		case i < len(a) && (j == len(b) || lcs[i+1][j] >= lcs[i][j+1]):
			edits = append(edits, edit{'-', a[i], i, j})
			i++
		default:
			edits = append(edits, edit{'+', b[j], i, j})
			j++
		}
	}
	const context = 3
	var out strings.Builder
	fmt.Fprintf(&out, "--- %s (want)\n+++ got\n", name)
	for k := 0; k < len(edits); {
		if edits[k].op == ' ' {
			k++
			continue
		}
		// A hunk: from context lines before this change to context lines
		// after the last change, taking in the changes whose contexts
		// would touch.
		first := max(k-context, 0)
		last := k
		for n := k; n < len(edits) && n <= last+2*context+1; n++ {
			if edits[n].op != ' ' {
				last = n
			}
		}
		end := min(last+context+1, len(edits))
		var aLines, bLines int
		for _, e := range edits[first:end] {
			if e.op != '+' {
				aLines++
			}
			if e.op != '-' {
				bLines++
			}
		}
		fmt.Fprintf(&out, "@@ -%d,%d +%d,%d @@\n", edits[first].i+1, aLines, edits[first].j+1, bLines)
		for _, e := range edits[first:end] {
			fmt.Fprintf(&out, "%c%s\n", e.op, e.line)
		}
		k = end
	}
	return out.String()
}

// splitLines splits a text into its lines, without their newlines.
func splitLines(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(strings.TrimSuffix(s, "\n"), "\n")
}

// lineDiff's hunks are those of diff -u.
func TestLineDiff(t *testing.T) {
	want := "a\nb\nc\nd\ne\nf\ng\nh\ni\nj\nk\nl\n"
	got := "a\nb\nc\nD\ne\nf\ng\nh\ni\nj\nk\nl\nm\n"
	const diff = `--- w (want)
+++ got
@@ -1,7 +1,7 @@
 a
 b
 c
-d
+D
 e
 f
 g
@@ -10,3 +10,4 @@
 j
 k
 l
+m
`
	if d := lineDiff("w", want, got); d != diff {
		t.Errorf("lineDiff:\n%s\nwant\n%s", d, diff)
	}
	if d := lineDiff("w", "x\n", "x\n"); d != "--- w (want)\n+++ got\n" {
		t.Errorf("lineDiff of equal texts:\n%s", d)
	}
	// Changes 6 lines apart share a hunk, as diff -u has them.
	if d := lineDiff("w", "a\nb\nc\nd\ne\nf\ng\nh\n", "A\nb\nc\nd\ne\nf\ng\nH\n"); d != "--- w (want)\n+++ got\n@@ -1,8 +1,8 @@\n-a\n+A\n b\n c\n d\n e\n f\n g\n-h\n+H\n" {
		t.Errorf("lineDiff of near changes:\n%s", d)
	}
}

// TestGoldenProbeHandler keeps /probe's whole answer exact for go-sdk
// servers in every mode and era, and for a few failures.
func TestGoldenProbeHandler(t *testing.T) {
	pin := func(v string) func(*config.Module) { return func(m *config.Module) { m.ProtocolVersion = v } }
	cases := []sdkCase{
		sdkStatefulSSE,
		sdkStatefulJSON,
		{"stateless", testsupport.SDKServer{HTTP: mcp.StreamableHTTPOptions{Stateless: true}}, nil},
		{"stateless JSON", testsupport.SDKServer{HTTP: mcp.StreamableHTTPOptions{Stateless: true, JSONResponse: true}}, nil},
		{"legacy SSE", testsupport.SDKServer{SSE: true, Tools: 3}, legacySSE},
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
			m := moduleWith(c.module)
			if c.name == "TLS" {
				m.FailIfNotTLS = true
				trustServer(t, ts, &m)
			}
			f := newHandlerFixture(t, map[string]config.Module{"test": m})
			w := f.probe(t, url.Values{"module": {"test"}, "target": {ts.URL}}, nil)
			if w.Code != http.StatusOK {
				t.Fatalf("status %d: %s", w.Code, w.Body)
			}
			checkGolden(t, "handler", c.name, w.Body.String())
		})
	}
	t.Run("connection refused", func(t *testing.T) {
		target := "http://" + testsupport.RefusedAddr(t)
		f := newHandlerFixture(t, map[string]config.Module{"test": config.DefaultModule})
		w := f.probe(t, url.Values{"module": {"test"}, "target": {target}}, http.Header{"X-Prometheus-Scrape-Timeout-Seconds": {"3"}})
		checkGolden(t, "handler", "connection refused", w.Body.String())
	})
}

// TestToolCallGolden keeps the exposition of tool_call probes exact; the
// modules without tool_call keep theirs (TestGoldenProbeHandler).
func TestToolCallGolden(t *testing.T) {
	for _, c := range []struct {
		name   string
		module config.Module
	}{
		{"passes", toolCallModule("health_check", "{}", "ok")},
		{"not read-only", toolCallModule("plain", "{}")},
		{"content mismatch", toolCallModule("health_check", "{}", "^nope$")},
	} {
		t.Run(c.name, func(t *testing.T) {
			tools := &toolCallTools{}
			ts := testsupport.SDKServer{AddTools: tools.add}.Start(t)
			f := newHandlerFixture(t, map[string]config.Module{"test": c.module})
			w := f.probe(t, url.Values{"module": {"test"}, "target": {ts.URL}}, nil)
			if w.Code != http.StatusOK {
				t.Fatalf("status %d: %s", w.Code, w.Body)
			}
			checkGolden(t, "toolcall", c.name, w.Body.String())
		})
	}
}

// TestGoldenProbe keeps a probe's own series exact for one probe of each
// shape the handler goldens do not show: failures of each layer, with and
// without an answer or a JSON-RPC code, a close that fails, hostile labels,
// HTTP+SSE, the auth layers and their facts, and stdio (whose metrics have
// no HTTP series). promtool checks each.
func TestGoldenProbe(t *testing.T) {
	t.Parallel()
	misbehave := func(name string) func(t *testing.T) probeResult {
		return func(t *testing.T) probeResult {
			_, _, res, _ := mbRun(t, mbCase(t, name))
			return res
		}
	}
	sse := func(name string) func(t *testing.T) probeResult {
		return func(t *testing.T) probeResult {
			_, _, res := ssembRun(t, ssembCaseNamed(t, name))
			return res.probeResult
		}
	}
	stdio := func(mode string) func(t *testing.T) probeResult {
		return func(t *testing.T) probeResult {
			return runProbe(t, nil, "", stdioModule(testsupport.BuildCommand(t, testsupport.FakeStdioPackage), mode))
		}
	}
	for _, c := range []struct {
		name  string
		probe func(t *testing.T) probeResult
	}{
		{"misbehave well-behaved legacy fake", misbehave("well-behaved legacy fake")},
		{"misbehave JSON-RPC error to initialize", misbehave("JSON-RPC error to initialize")},
		{"misbehave initialize result without serverInfo", misbehave("initialize result without serverInfo")},
		{"misbehave slow answer past the deadline", misbehave("slow answer past the deadline")},
		{"misbehave answer that is not HTTP", misbehave("answer that is not HTTP")},
		{"misbehave TLS to a plain-HTTP server", misbehave("TLS to a plain-HTTP server")},
		{"misbehave tools/list -32001 session not found in a 404", misbehave("tools/list -32001 session not found in a 404")},
		{"misbehave DELETE answered 500", misbehave("DELETE answered 500")},
		{"misbehave hostile serverInfo", misbehave("hostile serverInfo")},
		{"misbehave capability flood with hostile names", misbehave("capability flood with hostile names")},
		{"sse tools/list over two pages", sse("tools/list over two pages")},
		{"sse auto: target refuses POST with 405", sse("auto: target refuses POST with 405")},
		{"sse initialize response never comes", sse("initialize response never comes")},
		{"sse tools/list POST answered 404 session not found", sse("tools/list POST answered 404 session not found")},
		{"auth oauth2 client credentials", func(t *testing.T) probeResult {
			_, target, m := authOAuthTarget(t, 3600)
			return runProbe(t, nil, target, m)
		}},
		{"auth oauth2 token endpoint down", func(t *testing.T) probeResult {
			ts, _ := authBearerServer(t, authStaticVerifier(authPtr("never")), nil)
			return runProbe(t, nil, ts.URL, authOAuthModule(t, closedPortURL(t).String(), ""))
		}},
		{"auth bearer token refused", func(t *testing.T) probeResult {
			ts, _ := authBearerServer(t, authStaticVerifier(authPtr("s3cr3t-right")), nil)
			return runProbe(t, nil, ts.URL, authModule(t, "http_config:\n  authorization: {credentials: s3cr3t-wrong}\nallow_any_target: true"))
		}},
		{"auth wall held", func(t *testing.T) probeResult {
			ts, _ := authBearerServer(t, authStaticVerifier(authPtr("s3cr3t-wall-token")), &auth.RequireBearerTokenOptions{ResourceMetadataURL: "http://127.0.0.1:1/.well-known/oauth-protected-resource"})
			return runProbe(t, nil, ts.URL+"/mcp", authModule(t, "http_config:\n  authorization: {credentials: s3cr3t-wall-token}\nallow_any_target: true\nfail_if_anonymous_allowed: true"))
		}},
		{"auth oauth2 discovery", func(t *testing.T) probeResult {
			d := newAuthDiscoveryPeers(t, "/.well-known/oauth-protected-resource/mcp")
			return runProbe(t, nil, d.target, authModule(t, authDiscoveryModule))
		}},
		{"stdio", stdio(fakemcp.StdioOK)},
		{"stdio process exits at start", stdio(fakemcp.StdioExit)},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			res := c.probe(t)
			checkProbeGolden(t, c.name, res)
			testsupport.CheckMetrics(t, res.metrics)
		})
	}
}
