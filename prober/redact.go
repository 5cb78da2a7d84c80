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
	"net/url"
	"strings"
)

// queryMask replaces every query value of a target where it is shown.
const queryMask = "xxxxx"

// RedactTarget is the target as the exporter shows it: on the landing
// page, in /logs and debug output, and in log lines. A password in the URL
// is masked (as url.URL.Redacted does) and so is every query value
// (?api_key=xxxxx): both are where credentials end up in a URL. A query
// part without "=" is masked whole. The instance label is Prometheus's
// (relabelling), not the exporter's.
func RedactTarget(u *url.URL) string {
	c := *u
	c.RawQuery = redactQuery(u.RawQuery)
	return c.Redacted()
}

func redactQuery(q string) string {
	if q == "" {
		return ""
	}
	parts := strings.Split(q, "&")
	for i, p := range parts {
		key, value, found := strings.Cut(p, "=")
		switch {
		case !found && p != "":
			parts[i] = queryMask
		case found && value != "":
			parts[i] = key + "=" + queryMask
		}
	}
	return strings.Join(parts, "&")
}

// targetScrubber replaces the target's query, and its password, in text
// that quotes the target (an error from net/http names the URL it
// requested) with their masked forms; nil when there is nothing to mask.
func targetScrubber(u *url.URL) *strings.Replacer {
	var pairs []string
	if u.RawQuery != "" {
		pairs = append(pairs, "?"+u.RawQuery, "?"+redactQuery(u.RawQuery))
	}
	if p, ok := u.User.Password(); ok && p != "" {
		pairs = append(pairs, ":"+p+"@", ":xxxxx@")
		if e := url.UserPassword("", p).String(); e != ":"+p {
			pairs = append(pairs, e+"@", ":xxxxx@")
		}
	}
	if len(pairs) == 0 {
		return nil
	}
	return strings.NewReplacer(pairs...)
}
