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

package credentials

import (
	"encoding/base64"
	"encoding/json"
	"testing"

	"github.com/mcp-exporter/mcp_exporter/config"
)

func TestRedact(t *testing.T) {
	t.Parallel()
	m := config.DefaultModule
	s := NewSecrets(m, nil)
	s.add("Bearer Tok3n-0123456789")
	s.add("Basic " + base64.StdEncoding.EncodeToString([]byte("user:pa55-w0rd")))
	s.add("k3y")     // shorter than minSecretLen
	s.add("a/b c&d") // encoded forms
	for in, want := range map[string]string{
		"":                                      "",
		"no secret here":                        "no secret here",
		"Bearer Tok3n-0123456789":               RedactedMask,
		"got tok3n-0123456789!":                 "got " + RedactedMask + "!",
		"got TOK3N-0123456789":                  "got " + RedactedMask,
		"cut Tok3n-01234":                       "cut " + RedactedMask,
		"cut Tok3n-0":                           "cut Tok3n-0",
		"pa55-w0rd and user:pa55-w0rd":          RedactedMask + " and " + RedactedMask,
		"dXNlcjpwYTU1LXcwcmQ=":                  RedactedMask,
		"k3y":                                   RedactedMask,
		" K3Y ":                                 RedactedMask,
		"k3ys and monk3y":                       "k3ys and monk3y",
		"a%2Fb+c%26d or a%2Fb%20c&d or a/b c&d": RedactedMask + " or " + RedactedMask + " or " + RedactedMask,
		"Tok3n-0123456789Tok3n-0123456789":      RedactedMask + RedactedMask,
		"x Tok3n-0123456789 y pa55-w0rd z":      "x " + RedactedMask + " y " + RedactedMask + " z",
	} {
		if got := s.Redact(in); got != want {
			t.Errorf("Redact(%q) = %q, want %q", in, got, want)
		}
	}
	var none *Secrets
	if got := none.Redact("Tok3n-0123456789"); got != "Tok3n-0123456789" {
		t.Errorf("nil Redact changed its text: %q", got)
	}
}

// FuzzJSONForm checks jsonForm against what it stands for: json.Marshal's
// output without its quotes, HTML characters, control characters, invalid
// UTF-8 and the line separators included.
func FuzzJSONForm(f *testing.F) {
	for _, seed := range []string{"", "plain-token_0123", "a\"b\\c", "<&>", "\x00\x1f\b\f\n\r\t\x7f", "caf\u00e9", "\u2028\u2029", "\xff\xfe", "bad \xed\xa0\x80 half", "é\x80"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, v string) {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		if want, got := string(b[1:len(b)-1]), jsonForm(v); got != want {
			t.Errorf("jsonForm(%q) = %q, json.Marshal has %q", v, got, want)
		}
	})
}
