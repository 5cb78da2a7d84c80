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
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/mcp-exporter/mcp_exporter/internal/testsupport"
)

var updateGolden = flag.Bool("update", false, "rewrite the golden files under testdata/golden")

var (
	goldenAddr     = regexp.MustCompile(`127\.0\.0\.1:\d+`)
	goldenDuration = regexp.MustCompile(`\b\d+(\.\d+)?(ns|µs|ms|s|m)\b`)
	goldenSeconds  = regexp.MustCompile(`"duration_seconds": [0-9.e+-]+`)
	goldenPadding  = regexp.MustCompile(`(<time>|0s) +`)
	goldenTrailing = regexp.MustCompile(`(?m) +$`)
	goldenTotal    = regexp.MustCompile(`  duration=\S+`)
)

// normalizeCheck replaces what changes from run to run: the port and the
// times, keeping whether a time was zero.
func normalizeCheck(s string) string {
	s = goldenAddr.ReplaceAllString(s, "127.0.0.1:PORT")
	// The whole probe's time is rounded to the millisecond: 0s or not.
	s = goldenTotal.ReplaceAllString(s, "  duration=<time>")
	s = goldenSeconds.ReplaceAllStringFunc(s, func(m string) string {
		if strings.HasSuffix(m, " 0") {
			return m
		}
		return `"duration_seconds": "<time>"`
	})
	s = goldenDuration.ReplaceAllStringFunc(s, func(m string) string {
		if m == "0s" {
			return m
		}
		return "<time>"
	})
	// The table's duration column is as wide as its widest time.
	s = goldenPadding.ReplaceAllString(s, "$1 ")
	return goldenTrailing.ReplaceAllString(s, "")
}

// TestCheckGolden keeps the check command's output and exit code exact.
func TestCheckGolden(t *testing.T) {
	target := serveCheck(t)
	refused := "http://" + testsupport.RefusedAddr(t) + "/mcp"
	noFile := filepath.Join(t.TempDir(), "absent.yml")
	cfg := filepath.Join(t.TempDir(), "mcp.yml")
	os.WriteFile(cfg, []byte("modules:\n  missing:\n    required_tools: [gamma]\n  noclose:\n    close_session: false\n  tls:\n    fail_if_not_tls: true\n"), 0o600)

	for _, c := range []struct {
		name, file string
		set        bool
		module     string
		target     string
	}{
		{"healthy", noFile, false, "default", target},
		{"refused", noFile, false, "default", refused},
		{"missing tool", cfg, true, "missing", target},
		{"no close", cfg, true, "noclose", target},
		{"not tls", cfg, true, "tls", target},
	} {
		for _, output := range []string{"table", "json"} {
			t.Run(c.name+" "+output, func(t *testing.T) {
				code, out, _ := runCheckArgs(t, 0, output, c.file, c.set, c.module, c.target)
				got := normalizeCheck(fmt.Sprintf("exit %d\n%s", code, out))
				path := filepath.Join("testdata", "golden", "check", strings.ReplaceAll(c.name, " ", "_")+"_"+output+".txt")
				if *updateGolden {
					os.MkdirAll(filepath.Dir(path), 0o755)
					os.WriteFile(path, []byte(got), 0o644)
					return
				}
				want := testsupport.ReadFile(t, path)
				if string(want) != got {
					t.Errorf("check output differs from %s\n--- want\n%s\n--- got\n%s", path, want, got)
				}
			})
		}
	}
}
