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
	"net/url"
	"testing"
)

// TestURLPatternsDecideOnTheDialledURL is issue 18 items 1 and 2: a pattern
// sees the scheme, host, port and path the exporter dials; the query only
// when the pattern names one, and then after a "/" so that a host part
// cannot run into it.
func TestURLPatternsDecideOnTheDialledURL(t *testing.T) {
	for _, tc := range []struct {
		pattern, u string
		want       bool
	}{
		// The attack: the query stood where the pattern wanted the host.
		{`http://[^/]*\.victim\.test:18281/.*`, "http://127.0.0.2:18282?.victim.test:18281/", false},
		{`http://[^/]*\.victim\.test:18281/.*`, "http://127.0.0.2:18282/?.victim.test:18281/", false},
		{`http://[^/]*\.victim\.test:18281/.*`, "http://127.0.0.2:18282#.victim.test:18281/", false},
		{`http://[^/]*\.victim\.test:18281/.*`, "http://mcp.victim.test:18281/mcp", true},
		{`http://[^/]*\.victim\.test:18281/.*`, "http://mcp.victim.test:18281/mcp?tenant=a", true},
		{`http://[^/]*\.victim\.test:18281/.*`, "http://mcp.victim.test:18281", true}, // requested as "/"
		{`https://[^/]*\.idp\.test/.*`, "https://127.0.0.2:18282?.idp.test/", false},
		// A pattern without a path still meets the bare origin.
		{`https://mcp\.example\.com`, "https://mcp.example.com", true},
		{`https://mcp\.example\.com`, "https://mcp.example.com?x=1", true},
		// Patterns that name a query match it, after the path.
		{`https://mcp\.example\.com/mcp\?tenant=a`, "https://mcp.example.com/mcp?tenant=a", true},
		{`https://mcp\.example\.com/mcp\?tenant=a`, "https://mcp.example.com/mcp?tenant=b", false},
		{`https://mcp\.example\.com/mcp\?tenant=a`, "https://mcp.example.com/mcp", false},
		{`https://mcp\.example\.com/mcp[?]tenant=a`, "https://mcp.example.com/mcp?tenant=a", true},
		{`http://[^/]*\.victim\.test/mcp\?t=.*`, "http://evil:1?.victim.test/mcp?t=x", false},
		{`http://[^/]*\.victim\.test/mcp\?t=.*`, "http://a.victim.test/mcp?t=x", true},
		{`https://h\.example/\?.*`, "https://h.example?x=1", true},
	} {
		ps, err := compileURLPatterns("allowed_targets", []string{tc.pattern})
		if err != nil {
			t.Fatal(err)
		}
		u, err := url.Parse(tc.u)
		if err != nil {
			t.Fatal(err)
		}
		if got := matchURL(ps, u); got != tc.want {
			t.Errorf("%s matches %s: %v, want %v", tc.pattern, tc.u, got, tc.want)
		}
	}
}

func TestNamesQuery(t *testing.T) {
	for expr, want := range map[string]bool{
		`https://h/.*`:         false,
		`https://[^/]*/.*`:     false,
		`https://h/mcp\?a=b`:   true,
		`https://h/mcp[?]a=b`:  true,
		`https://h/mcp(\?.*)?`: true,
		`https://h/mc?p`:       false, // an optional "c", not a query
		`https://h/[?&]`:       false,
	} {
		if got := namesQuery(expr); got != want {
			t.Errorf("namesQuery(%s) = %v, want %v", expr, got, want)
		}
	}
}
