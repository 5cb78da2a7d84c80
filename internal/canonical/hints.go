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

package canonical

// ToolHints counts tools by their effective annotations: each hint a tool
// states as a JSON boolean, the specification's default for any other
// (ToolAnnotations: readOnlyHint false, destructiveHint true,
// idempotentHint false, openWorldHint true). destructiveHint and
// idempotentHint are "meaningful only when readOnlyHint == false", so a
// read-only tool counts as neither destructive nor idempotent, whatever
// it states. A tool without annotations (or whose annotations are not an
// object) is thus destructive and open-world.
type ToolHints struct {
	ReadOnly, Destructive, Idempotent, OpenWorld int
}

// toolHint is one tool's effective annotations.
type toolHint struct {
	readOnly, destructive, idempotent, openWorld bool
}

func (h *ToolHints) add(t toolHint) {
	if t.readOnly {
		h.ReadOnly++
	}
	if t.destructive {
		h.Destructive++
	}
	if t.idempotent {
		h.Idempotent++
	}
	if t.openWorld {
		h.OpenWorld++
	}
}

// toolHints reads the effective annotations of the tool toolEncodings just
// encoded: its sorted top-level member spans are on e.spans and their
// canonical bytes in e.out, so nothing is decoded again but the few bytes
// of "annotations".
func (e *encoder) toolHints() toolHint {
	stated := [4]int8{} // readOnly, destructive, idempotent, openWorld: 0 unstated, 1 true, -1 false
	for i := range e.spans {
		s := &e.spans[i]
		if string(e.key(s)) == "annotations" {
			readAnnotations(e.out[s.start:s.end], &stated)
			break
		}
	}
	hint := func(i int, def bool) bool {
		if stated[i] == 0 {
			return def
		}
		return stated[i] > 0
	}
	t := toolHint{readOnly: hint(0, false), openWorld: hint(3, true)}
	if !t.readOnly {
		t.destructive, t.idempotent = hint(1, true), hint(2, false)
	}
	return t
}

// readAnnotations reads the boolean hints of one canonical member
// "annotations":<value> (valid JSON, no whitespace, no duplicate keys).
func readAnnotations(member []byte, stated *[4]int8) {
	a := encoder{src: member}
	if _, err := a.scanString(); err != nil || a.pos >= len(member) || member[a.pos] != ':' {
		return
	}
	a.pos++
	if a.pos >= len(member) || member[a.pos] != '{' {
		return // not an object: every hint takes its default
	}
	a.pos++
	for a.pos < len(member) && member[a.pos] == '"' {
		ks := a.pos
		esc, err := a.scanString()
		if err != nil {
			return
		}
		key := member[ks+1 : a.pos-1]
		if esc {
			a.keys = unescape(a.keys[:0], key)
			key = a.keys
		}
		a.pos++ // ':'
		slot := -1
		switch string(key) {
		case "readOnlyHint":
			slot = 0
		case "destructiveHint":
			slot = 1
		case "idempotentHint":
			slot = 2
		case "openWorldHint":
			slot = 3
		}
		if slot >= 0 {
			rest := member[a.pos:]
			switch {
			case len(rest) >= 4 && string(rest[:4]) == "true":
				stated[slot] = 1
			case len(rest) >= 5 && string(rest[:5]) == "false":
				stated[slot] = -1
			}
		}
		if a.skipValue() != nil || a.pos >= len(member) || member[a.pos] != ',' {
			return
		}
		a.pos++
	}
}
