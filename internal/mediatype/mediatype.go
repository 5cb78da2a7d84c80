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

// Package mediatype reads the media type of a Content-Type header, one
// rule for the wire client and OAuth discovery.
package mediatype

import (
	"mime"
	"strings"
	"unicode/utf8"
)

// Of returns the media type of contentType without parameters,
// lower-cased; "" for "".
func Of(contentType string) string {
	if contentType == "" {
		return ""
	}
	if mt, ok := plain(contentType); ok {
		return mt
	}
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		mt, _, _ = strings.Cut(contentType, ";")
	}
	return strings.ToLower(strings.TrimSpace(mt))
}

// plain is Of without allocating, for the common case of an ASCII content
// type: its part before any parameters, trimmed and lower-cased.
// mime.ParseMediaType returns that part so (lower-cased, then trimmed)
// whether the parameters parse or not, and when the part is no media type
// the fallback is the same part, trimmed and lower-cased; in ASCII the
// order does not matter. ok is false for anything else.
func plain(contentType string) (string, bool) {
	base, _, _ := strings.Cut(contentType, ";")
	for i := 0; i < len(base); i++ {
		if base[i] >= utf8.RuneSelf {
			return "", false
		}
	}
	return strings.ToLower(strings.TrimSpace(base)), true
}
