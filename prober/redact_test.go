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
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/mcp-exporter/mcp_exporter/config"
)

func TestRedactTarget(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"http://h/mcp":                             "http://h/mcp",
		"http://h/mcp?api_key=s3cr3t":              "http://h/mcp?api_key=xxxxx",
		"http://u:pw@h/mcp?a=1&b=&token":           "http://u:xxxxx@h/mcp?a=xxxxx&b=&xxxxx",
		"https://h/mcp?api_key=a%20b&api_key=c":    "https://h/mcp?api_key=xxxxx&api_key=xxxxx",
		"http://h/mcp?":                            "http://h/mcp?",
		"http://h/mcp?x=1&&y=2":                    "http://h/mcp?x=xxxxx&&y=xxxxx",
		"http://h/mcp?<script>alert(1)</script>=1": "http://h/mcp?<script>alert(1)</script>=xxxxx",
	} {
		u, err := url.Parse(in)
		if err != nil {
			t.Fatal(err)
		}
		if got := RedactTarget(u); got != want {
			t.Errorf("RedactTarget(%s) = %s, want %s", in, got, want)
		}
	}
}

// TestQuerySecretsHidden: a secret in the target's query (?api_key=...)
// appears in none of the places a target is shown: debug output, /logs,
// the History (landing page) and the exporter's log lines (issue 9 item
// 11); errors that quote the URL are masked too.
func TestQuerySecretsHidden(t *testing.T) {
	t.Parallel()
	const secret = "Q5ecr3t-in-the-query"
	redirecting := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "ftp://elsewhere.example/", http.StatusTemporaryRedirect)
	})
	ts := hzQuietServer(t, redirecting)
	fake := mbNewFake()
	healthy := fake.Start(t)
	f := newHandlerFixture(t, map[string]config.Module{"default": fastModule()})
	for _, base := range []string{healthy, ts.URL + "/mcp", closedPortURL(t).String() + "/mcp"} {
		target := base + "?api_key=" + secret + "&user=" + secret
		w := f.probe(t, url.Values{"target": {target}, "debug": {"true"}}, nil)
		if w.Code != http.StatusOK {
			t.Fatalf("probe of %s: %d", base, w.Code)
		}
		if strings.Contains(w.Body.String(), secret) {
			t.Errorf("debug output of a probe of %s shows the query secret:\n%s", base, w.Body.String())
		}
		if !strings.Contains(w.Body.String(), "api_key=xxxxx&user=xxxxx") {
			t.Errorf("debug output of a probe of %s does not show the masked target:\n%s", base, w.Body.String())
		}
	}
	for _, r := range f.h.History.List() {
		if strings.Contains(r.Target, secret) || strings.Contains(r.DebugOutput(), secret) {
			t.Errorf("History (landing page, /logs) shows the query secret: %s\n%s", r.Target, r.DebugOutput())
		}
	}
	if strings.Contains(f.log.String(), secret) {
		t.Errorf("the exporter's log shows the query secret:\n%s", f.log.String())
	}
}
