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
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"unicode"

	yaml "go.yaml.in/yaml/v3"

	"github.com/mcp-exporter/mcp_exporter/internal/testsupport"
)

// docFiles are the documentation files: the README and docs/.
func docFiles(t *testing.T) []string {
	t.Helper()
	files := []string{"README.md"}
	entries, err := os.ReadDir("docs")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".md") {
			files = append(files, "docs/"+e.Name())
		}
	}
	return files
}

var alertRowRE = regexp.MustCompile("(?m)^\\| `(MCP\\w+)` \\| (\\w+) \\| (.*) \\|$")

// TestDocsAlertTable is issue 25 item 7: the documented alert table
// listed 11 of the alerts. It must list every alert of examples/alerts.yml
// once, in the file's order, with its severity, and name every failure
// reason an alert matches on.
func TestDocsAlertTable(t *testing.T) {
	b := testsupport.ReadFile(t, "examples/alerts.yml")
	var rules struct {
		Groups []struct {
			Rules []struct {
				Alert  string            `yaml:"alert"`
				Expr   string            `yaml:"expr"`
				Labels map[string]string `yaml:"labels"`
			} `yaml:"rules"`
		} `yaml:"groups"`
	}
	if err := yaml.Unmarshal(b, &rules); err != nil {
		t.Fatal(err)
	}
	var rows [][]string
	for _, f := range docFiles(t) {
		text := testsupport.ReadFile(t, f)
		rows = append(rows, alertRowRE.FindAllStringSubmatch(string(text), -1)...)
	}
	var documented []string
	for _, r := range rows {
		documented = append(documented, r[1])
	}
	reasonsRE := regexp.MustCompile(`reason=~?"([^"]+)"`)
	var want []string
	for _, g := range rules.Groups {
		for _, r := range g.Rules {
			if r.Alert == "" {
				continue
			}
			want = append(want, r.Alert)
			i := slices.Index(documented, r.Alert)
			if i < 0 {
				continue
			}
			row := rows[i]
			if row[2] != r.Labels["severity"] {
				t.Errorf("%s: documented severity %q, the rule's %q", r.Alert, row[2], r.Labels["severity"])
			}
			if m := reasonsRE.FindStringSubmatch(r.Expr); m != nil {
				for _, reason := range strings.Split(m[1], "|") {
					if !strings.Contains(row[3], "`"+reason+"`") {
						t.Errorf("%s matches reason %s, which its row does not name: %s", r.Alert, reason, row[3])
					}
				}
			}
		}
	}
	if !slices.Equal(documented, want) {
		t.Errorf("the documented alerts\n%q\nare not those of examples/alerts.yml, in order:\n%q", documented, want)
	}
}

// TestDocsRunInstalledCheck is issue 25 item 9: an example ran check with
// go run ...@latest, which turns exit code 2 into 1; every example that
// runs check from the module proxy installs it first.
func TestDocsRunInstalledCheck(t *testing.T) {
	files := append(docFiles(t), "examples/ci/README.md")
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		if strings.Contains(string(b), "go run github.com/mcp-exporter/mcp_exporter@") {
			t.Errorf("%s runs check with go run from the module proxy; install it and run the binary", f)
		}
	}
}

// headingAnchor is the anchor GitHub gives a Markdown heading.
func headingAnchor(h string) string {
	h = strings.ToLower(strings.TrimSpace(h))
	var b strings.Builder
	for _, r := range h {
		switch {
		case r == ' ':
			b.WriteByte('-')
		case r == '-' || r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r):
			b.WriteRune(r)
		}
	}
	return b.String()
}

// docAnchors are the anchors of a Markdown file's headings (outside code
// blocks).
func docAnchors(t *testing.T, file string) map[string]bool {
	t.Helper()
	b := testsupport.ReadFile(t, file)
	anchors := map[string]bool{}
	fence := false
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, "```") {
			fence = !fence
		}
		if m := regexp.MustCompile(`^#{1,6} (.*)$`).FindStringSubmatch(l); m != nil && !fence {
			anchors[headingAnchor(m[1])] = true
		}
	}
	return anchors
}

var mdLinkRE = regexp.MustCompile(`\[[^\]]*\]\(([^)\s]+)\)`)

// TestDocsLinks is issue 25 item 1: the README leads and the reference is
// in docs/. Every relative link of the README and of docs/ reaches a file
// of the repository, and an anchor a heading of that file.
func TestDocsLinks(t *testing.T) {
	if n := len(strings.Split(readFileString(t, "README.md"), "\n")); n > 450 {
		t.Errorf("README.md has %d lines; it leads in at most 450, the reference is in docs/", n)
	}
	links := 0
	for _, f := range docFiles(t) {
		fence := false
		for i, l := range strings.Split(readFileString(t, f), "\n") {
			if strings.HasPrefix(l, "```") {
				fence = !fence
			}
			if fence {
				continue
			}
			for _, m := range mdLinkRE.FindAllStringSubmatch(l, -1) {
				target := m[1]
				if regexp.MustCompile(`^[a-z]+:`).MatchString(target) {
					continue
				}
				links++
				path, anchor, _ := strings.Cut(target, "#")
				file := f
				if path != "" {
					file = filepath.Join(filepath.Dir(f), path)
				}
				if _, err := os.Stat(file); err != nil {
					t.Errorf("%s:%d: link %s: %v", f, i+1, target, err)
					continue
				}
				if anchor != "" && !docAnchors(t, file)[anchor] {
					t.Errorf("%s:%d: link %s: %s has no heading #%s", f, i+1, target, file, anchor)
				}
			}
		}
	}
	if links < 30 {
		t.Errorf("only %d relative links found: the checker reads nothing", links)
	}
}

func readFileString(t *testing.T, f string) string {
	t.Helper()
	return string(testsupport.ReadFile(t, f))
}
