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
)

// TestRefusedProbesAreLogged is issue 25 item 2: a refused /probe request
// was only counted. Each cause is now logged at warn level, once (and then
// at most once a minute with how many more came), and an unknown module's
// answer names the modules there are.
func TestRefusedProbesAreLogged(t *testing.T) {
	te := newTestExporter(t, initialConfig, "")
	for range 3 {
		code, body := te.get(t, "/probe?module=nosuch&target=http://127.0.0.1:1/mcp")
		if code != http.StatusBadRequest || !strings.Contains(body, `unknown module "nosuch"; the modules are: default, with_secret`) {
			t.Errorf("unknown module: HTTP %d %q, want 400 naming the modules", code, body)
		}
	}
	for range 2 {
		te.get(t, "/probe?module=default&target=ftp://x/")
	}
	logs := te.log.String()
	for cause, want := range map[string]int{"unknown_module": 1, "bad_target": 1} {
		if n := strings.Count(logs, "probe request refused"); n < 2 {
			t.Fatalf("%d refusal lines:\n%s", n, logs)
		}
		got := 0
		for _, line := range strings.Split(logs, "\n") {
			if strings.Contains(line, "probe request refused") && strings.Contains(line, "cause="+cause) {
				got++
				if !strings.Contains(line, "level=WARN") {
					t.Errorf("not at warn level: %s", line)
				}
			}
		}
		if got != want {
			t.Errorf("%d lines for %s, want %d (once per cause):\n%s", got, cause, want, logs)
		}
	}
	if !strings.Contains(logs, "modules are: default, with_secret") {
		t.Errorf("the log line does not say what was answered:\n%s", logs)
	}
}
