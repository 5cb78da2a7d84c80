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
	"bytes"
	"encoding/json"

	"github.com/mcp-exporter/mcp_exporter/internal/jsonscan"
)

// sharedRaw decodes a raw JSON value as json.RawMessage does (null
// included), but keeps a slice of the input instead of a copy when
// encoding/json hands the Unmarshaler a slice of the input, as it does
// when decoding from a []byte. A tools/list answer of many megabytes is
// then held once, not once per decoding step. src must be the input given
// to json.Unmarshal, and must not be modified while raw is in use; when
// the value is not found within src, it is copied.
type sharedRaw struct {
	src []byte
	raw json.RawMessage
}

func (s *sharedRaw) UnmarshalJSON(b []byte) error {
	if within(s.src, b) {
		s.raw = b[:len(b):len(b)]
	} else {
		s.raw = append(json.RawMessage(nil), b...)
	}
	return nil
}

// within reports whether b lies in src's memory. b must not have been cut
// to a smaller capacity (encoding/json does not), since its offset in src is
// found from the capacities.
func within(src, b []byte) bool {
	if len(b) == 0 {
		return false
	}
	o := cap(src) - cap(b)
	return o >= 0 && o+len(b) <= len(src) && &src[o] == &b[0]
}

// isNull reports whether a raw JSON value is null.
func isNull(b []byte) bool { return bytes.Equal(bytes.TrimSpace(b), []byte("null")) }

// splitArray returns the elements of b, a JSON array that encoding/json
// has already found valid, as slices of b, just as unmarshalling it into
// []json.RawMessage would return them as copies. ok is false when b is
// not an array.
func splitArray(b []byte) (elems []json.RawMessage, ok bool) {
	i := jsonscan.Space(b, 0)
	if i >= len(b) || b[i] != '[' {
		return nil, false
	}
	elems = []json.RawMessage{}
	i = jsonscan.Space(b, i+1)
	if i < len(b) && b[i] == ']' {
		return elems, true
	}
	for i < len(b) {
		i = jsonscan.Space(b, i)
		start := i
		i = jsonscan.ValidValue(b, i)
		elems = append(elems, b[start:i:i])
		i = jsonscan.Space(b, i)
		if i >= len(b) {
			break
		}
		switch b[i] {
		case ',':
			i++
		case ']':
			return elems, true
		default:
			return nil, false
		}
	}
	return nil, false
}
