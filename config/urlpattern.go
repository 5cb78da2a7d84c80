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
	"fmt"
	"net/url"
	"regexp"
	"regexp/syntax"
)

// urlPattern is one of the operator's URL patterns (allowed_targets,
// oauth2_issuers): a regular expression, fully anchored, that decides
// where a credential may go. It is the one place a URL is matched against
// an operator's pattern.
//
// A pattern decides on the URL the exporter dials: scheme, host and port as
// the transport dials them, and the path. What follows "?" is matched only
// by a pattern that names a query (a literal "?", e.g. `/mcp\?tenant=a`),
// and a fragment never: otherwise a target such as
// "http://attacker:1?.victim.example/" met `http://[^/]*\.victim\.example/.*`,
// the query standing where the pattern expected the rest of the host.
// When the query is matched, an empty path is written "/" (the path the
// request carries), so that a host part like `[^/]*` still ends at the host.
type urlPattern struct {
	re    *regexp.Regexp
	query bool // the pattern names a query: the URL's query is matched too
}

// compileURLPatterns compiles the fully anchored URL patterns of key;
// errors name key and the element.
func compileURLPatterns(key string, exprs []string) ([]urlPattern, error) {
	res, err := compileAnchored(key, exprs)
	if err != nil {
		return nil, err
	}
	out := make([]urlPattern, len(res))
	for i, re := range res {
		out[i] = urlPattern{re: re, query: namesQuery(exprs[i])}
	}
	return out, nil
}

// compileAnchored compiles a list of fully anchored regular expressions
// over names (not URLs: those are urlPatterns); errors name key and the
// element.
func compileAnchored(key string, exprs []string) ([]*regexp.Regexp, error) {
	var out []*regexp.Regexp
	for i, expr := range exprs {
		re, err := regexp.Compile("^(?:" + expr + ")$")
		if err != nil {
			return nil, &keyError{key: key, index: i, err: fmt.Errorf("not a regular expression: %w", err)}
		}
		out = append(out, re)
	}
	return out, nil
}

func anyMatch(res []*regexp.Regexp, s string) bool {
	for _, re := range res {
		if re.MatchString(s) {
			return true
		}
	}
	return false
}

// namesQuery reports whether the regular expression expr matches a
// literal "?" somewhere (`\?` or `[?]`): a pattern that spells out a query.
// A class that merely admits "?" among other characters (`[^/]`, `.`) does
// not name one.
func namesQuery(expr string) bool {
	re, err := syntax.Parse(expr, syntax.Perl)
	if err != nil {
		return false
	}
	var walk func(*syntax.Regexp) bool
	walk = func(r *syntax.Regexp) bool {
		switch r.Op {
		case syntax.OpLiteral:
			for _, c := range r.Rune {
				if c == '?' {
					return true
				}
			}
		case syntax.OpCharClass:
			if len(r.Rune) == 2 && r.Rune[0] == '?' && r.Rune[1] == '?' {
				return true
			}
		}
		for _, sub := range r.Sub {
			if walk(sub) {
				return true
			}
		}
		return false
	}
	return walk(re)
}

// matchURL reports whether any of ps matches u in the forms above.
func matchURL(ps []urlPattern, u *url.URL) bool {
	if len(ps) == 0 {
		return false
	}
	n := *u
	n.RawQuery, n.ForceQuery = "", false
	base := NormalizeTarget(&n)
	for _, p := range ps {
		if p.query {
			if p.re.MatchString(withQuery(base, u)) {
				return true
			}
			continue
		}
		if p.re.MatchString(base) {
			return true
		}
		// An empty path is requested as "/": a pattern written with the
		// slash (https://mcp\.example\.com/.*) admits the bare origin.
		if u.Opaque == "" && u.EscapedPath() == "" && p.re.MatchString(base+"/") {
			return true
		}
	}
	return false
}

// withQuery is base (a normalized URL without query) with u's query, an
// empty path written "/" first.
func withQuery(base string, u *url.URL) string {
	if u.Opaque == "" && u.EscapedPath() == "" {
		base += "/"
	}
	if u.RawQuery != "" {
		base += "?" + u.RawQuery
	}
	return base
}
