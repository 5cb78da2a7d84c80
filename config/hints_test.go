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

package config

import (
	"strings"
	"testing"
)

// TestUnknownKeyHints is issue 25 item 6: a typo gets the key it was
// likely meant to be, at any depth, and a blackbox_exporter habit where its
// settings go here.
func TestUnknownKeyHints(t *testing.T) {
	for _, tc := range []struct {
		name, text string
		want       []string
	}{
		{"module key", "modules:\n  m:\n    timout: 5s\n", []string{"line 3", `unknown key "timout" (did you mean "timeout"?)`}},
		{"top level", "modulez:\n  m: {}\n", []string{"line 1", `did you mean "modules"?`}},
		{"in http_config", "modules:\n  m:\n    http_config:\n      bearer_tokn: x\n", []string{"line 4", `did you mean "bearer_token"?`}},
		{"in tls_config", "modules:\n  m:\n    http_config:\n      tls_config: {ca_fil: /x}\n", []string{`did you mean "ca_file"?`}},
		{"in a header", "modules:\n  m:\n    http_config:\n      http_headers:\n        X-A: {valus: [a]}\n", []string{"line 5", `did you mean "values"?`}},
		{"in tool_call", "modules:\n  m:\n    tool_call:\n      nme: x\n", []string{`did you mean "name"?`}},
		{"in a registry", "modules:\n  default: {}\nregistries:\n  r:\n    url: https://r.example\n    moduel: default\n", []string{`did you mean "module"?`}},
		{"blackbox prober", "modules:\n  m:\n    prober: mcp\n", []string{`unknown key "prober" (every module here probes MCP`}},
		{"blackbox http", "modules:\n  m:\n    http:\n      method: POST\n", []string{`unknown key "http"`, "go under http_config"}},
		{"blackbox tls_config", "modules:\n  m:\n    tls_config: {insecure_skip_verify: true}\n", []string{"tls_config belongs under http_config"}},
	} {
		t.Run(tc.name, func(t *testing.T) { parseRefused(t, tc.text, tc.want...) })
	}
	// No guess where nothing is near.
	err := parseRefused(t, "modules:\n  m:\n    zzzzzzzz: 1\n", `unknown key "zzzzzzzz"`)
	if strings.Contains(err.Error(), "did you mean") {
		t.Errorf("a guess for a key like no other: %v", err)
	}
}

func TestEditDistance(t *testing.T) {
	for _, c := range []struct {
		a, b string
		d    int
	}{{"", "", 0}, {"timout", "timeout", 1}, {"ca_fil", "ca_file", 1}, {"abc", "xyz", 3}, {"moduel", "module", 2}} {
		if got := editDistance(c.a, c.b); got != c.d {
			t.Errorf("editDistance(%q, %q) = %d, want %d", c.a, c.b, got, c.d)
		}
	}
}
