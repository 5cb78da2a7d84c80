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
	"net"
	"regexp"
	"strings"
	"testing"
	"time"
)

// landingRowRE takes a row of the recent probes apart: its class, result,
// module, target, reason, duration and logs id.
var landingRowRE = regexp.MustCompile(`<tr class="(ok|failed)"><td class="result">([^<]*)</td><td>([^<]*)</td><td class="target">([^<]*)</td><td>([^<]*)</td><td>([^<]*)</td><td>[^<]*</td><td><a href="logs\?id=(\d+)">`)

// TestLandingPageTellsFailures: what an operator sees of a healthy and a
// refused probe on the landing page (issue 14 item 9).
func TestLandingPageTellsFailures(t *testing.T) {
	te := newTestExporter(t, initialConfig, "")
	healthy := mcpServer(t).URL
	closed, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	refused := "http://" + closed.Addr().String() + "/mcp"
	closed.Close()

	te.get(t, probePath(healthy))
	te.get(t, probePath(refused))
	_, page := te.get(t, "/")

	if !strings.Contains(page, "<th>Failed layer: reason</th>") {
		t.Errorf("the recent probes have no reason column:\n%s", page)
	}
	if !strings.Contains(page, `input[name="target"] { width: 40em;`) {
		t.Errorf("the form's target field is not widened for a URL:\n%s", page)
	}
	rows := landingRowRE.FindAllStringSubmatch(page, -1)
	if len(rows) != 2 {
		t.Fatalf("want 2 probe rows, got %d:\n%s", len(rows), page)
	}
	readable := regexp.MustCompile(`^\d+(\.\d)?(µs|ms|s)$`)
	// Newest first: the refused probe, then the healthy one.
	failed, ok := rows[0], rows[1]
	for _, c := range []struct {
		row                                  []string
		class, result, target, reason, where string
	}{
		{failed, "failed", "\u2718 FAILED", refused, "connect: connect", "refused"},
		{ok, "ok", "\u2714 OK", healthy, "", "healthy"},
	} {
		if c.row[1] != c.class || c.row[2] != c.result {
			t.Errorf("%s probe: row class %q, result %q; want %q, %q", c.where, c.row[1], c.row[2], c.class, c.result)
		}
		if c.row[3] != "default" || c.row[4] != c.target {
			t.Errorf("%s probe: module %q target %q", c.where, c.row[3], c.row[4])
		}
		if c.row[5] != c.reason {
			t.Errorf("%s probe: reason %q, want %q", c.where, c.row[5], c.reason)
		}
		if !readable.MatchString(c.row[6]) {
			t.Errorf("%s probe: duration %q is not rounded to a readable unit", c.where, c.row[6])
		}
	}

	// The refused probe's debug output reports no transport (the server
	// never answered over one) and status 0, as blackbox_exporter does.
	_, logs := te.get(t, "/logs?id="+failed[7])
	if !strings.Contains(logs, `probe_mcp_failure_info{layer="connect",reason="connect"} 1`) {
		t.Fatalf("/logs of the refused probe:\n%s", logs)
	}
	if strings.Contains(logs, "probe_mcp_transport_info") || !strings.Contains(logs, "probe_http_status_code 0\n") {
		t.Errorf("the refused probe reports a transport, or no status 0:\n%s", logs)
	}
	_, logs = te.get(t, "/logs?id="+ok[7])
	if !strings.Contains(logs, `probe_mcp_transport_info{transport="streamable_http"} 1`) {
		t.Errorf("the healthy probe does not report its transport:\n%s", logs)
	}
}

func TestReadableDuration(t *testing.T) {
	for _, c := range []struct {
		d    time.Duration
		want string
	}{
		{0, "0s"},
		{850*time.Microsecond + 412, "850µs"},
		{2345 * time.Microsecond, "2.3ms"},
		{12*time.Millisecond + 345*time.Microsecond, "12ms"},
		{999 * time.Millisecond, "999ms"},
		{1234 * time.Millisecond, "1.2s"},
		{12345 * time.Millisecond, "12s"},
		{90*time.Second + 400*time.Millisecond, "1m30s"},
	} {
		if got := readableDuration(c.d); got != c.want {
			t.Errorf("readableDuration(%v) = %q, want %q", c.d, got, c.want)
		}
	}
}
