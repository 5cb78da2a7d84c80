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

package mcpwire

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Sanitize makes a server-chosen string fit for a label value or a log
// line: invalid UTF-8, control characters and bidirectional formatting
// characters (which reorder how the text around them is shown, in a
// dashboard, a terminal or check's output) become U+FFFD, surrounding
// space is trimmed, and the result is cut to at most max runes.
func Sanitize(s string, max int) string {
	var b strings.Builder
	n := 0
	for _, r := range strings.TrimSpace(strings.ToValidUTF8(s, "\uFFFD")) {
		if n == max {
			break
		}
		if unicode.IsControl(r) || r == utf8.RuneError || isBidiControl(r) {
			r = '\uFFFD'
		}
		b.WriteRune(r)
		n++
	}
	return b.String()
}

// isBidiControl reports whether r is one of Unicode's explicit
// bidirectional formatting characters (Bidi_Control): the embeddings and
// overrides U+202A–U+202E, the isolates U+2066–U+2069, and the marks
// U+200E, U+200F and U+061C.
func isBidiControl(r rune) bool {
	return unicode.Is(unicode.Bidi_Control, r)
}
