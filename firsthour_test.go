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
	"net/http"
	"strings"
	"testing"

	"github.com/mcp-exporter/mcp_exporter/internal/testsupport"
)

// TestProbeOfNothingSaysSo is issue 25 items 3 and 4, as a user meets them:
// a refused connection has probe_http_status_code 0 (blackbox_exporter
// users look for it), and a path that answers 404 to everything is not
// reported as a transport the server spoke.
func TestProbeOfNothingSaysSo(t *testing.T) {
	notFound := testsupport.Serve(t, http.NotFoundHandler())
	te := newTestExporter(t, initialConfig, "")
	for _, tc := range []struct{ name, target, status string }{
		{"refused", "http://" + testsupport.RefusedAddr(t) + "/mcp", "probe_http_status_code 0\n"},
		{"404 to everything", notFound.URL + "/mcp", "probe_http_status_code 404\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, body := te.get(t, probePath(tc.target, "module", "default"))
			if !strings.Contains(body, "probe_success 0\n") || !strings.Contains(body, tc.status) {
				t.Errorf("want a failed probe with %q:\n%s", tc.status, body)
			}
			if strings.Contains(body, "probe_mcp_transport_info{") {
				t.Errorf("a transport is reported that the server never spoke:\n%s", body)
			}
		})
	}
}
