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
	"encoding/json"
	"strconv"
	"unicode/utf8"

	"github.com/mcp-exporter/mcp_exporter/internal/jsonscan"
)

// The results the prober reads on every probe (the JSON-RPC envelope, the
// initialize result, a tools/list page) are decoded here by hand when they
// are plain, and by encoding/json otherwise: the same values, without its
// allocations. "Plain" is valid JSON whose member names are ASCII without
// escapes and whose strings the code reads are ASCII without escapes; any
// other input is left to json.Unmarshal, which then decides as it always
// did. As encoding/json does, member names match the fields without regard
// to ASCII case, unknown members are passed over and a repeated member
// counts as its last. Raw values are slices of the input.

// eachMember calls f with the name and raw value of each member of b, a
// JSON object that json.Valid accepts, in order. It returns false, calling
// f no further, when b is not an object, when a name is not plain or when
// f returns false.
func eachMember(b []byte, f func(name, value []byte) bool) bool {
	if len(b) == 0 || b[0] != '{' {
		return false
	}
	i := jsonscan.Space(b, 1)
	if b[i] == '}' {
		return true
	}
	for i < len(b) {
		start := i + 1
		for i = start; b[i] != '"'; i++ {
			if b[i] == '\\' || b[i] >= utf8.RuneSelf {
				return false
			}
		}
		name := b[start:i]
		i = jsonscan.Space(b, jsonscan.Space(b, i+1)+1) // past the colon
		start = i
		i = jsonscan.ValidValue(b, i)
		if !f(name, b[start:i:i]) {
			return false
		}
		i = jsonscan.Space(b, i)
		if b[i] == '}' {
			return true
		}
		i = jsonscan.Space(b, i+1) // past the comma
	}
	return false
}

// asciiEqualFold reports whether the ASCII name equals the lower-case
// word w without regard to case.
func asciiEqualFold(name []byte, w string) bool {
	if len(name) != len(w) {
		return false
	}
	for i := range len(name) {
		c := name[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != w[i] {
			return false
		}
	}
	return true
}

// plainString returns the string the raw JSON value v holds when it is a
// string of ASCII without escapes (and false for anything else, valid JSON
// or not).
func plainString(v []byte) (string, bool) {
	if len(v) < 2 || v[0] != '"' || v[len(v)-1] != '"' {
		return "", false
	}
	for _, c := range v[1 : len(v)-1] {
		if c == '\\' || c == '"' || c < ' ' || c >= utf8.RuneSelf {
			return "", false
		}
	}
	return string(v[1 : len(v)-1]), true
}

// optionalString decodes v into *p as encoding/json decodes into a
// *string: null leaves nil.
func optionalString(p **string, v []byte) bool {
	if isNullLiteral(v) {
		*p = nil
		return true
	}
	s, ok := plainString(v)
	if ok {
		*p = &s
	}
	return ok
}

// isNullLiteral reports whether a raw value that json.Valid accepts is null.
func isNullLiteral(v []byte) bool { return string(v) == "null" }

// cacheableMember decodes a member of cacheable into r; known is false for
// other names.
func (r *cacheable) member(name, v []byte) (known, ok bool) {
	switch {
	case asciiEqualFold(name, "resulttype"):
		return true, optionalString(&r.ResultType, v)
	case asciiEqualFold(name, "ttlms"):
		r.TTLMs = v
		return true, true
	case asciiEqualFold(name, "cachescope"):
		return true, optionalString(&r.CacheScope, v)
	}
	return false, true
}

// decodeServer decodes the result of initialize or server/discover: a
// decoded message's result, which decodeMessage found to be valid JSON.
func decodeServer(b []byte, r *serverResult) error {
	if decodeServerResult(b, r) {
		return nil
	}
	return json.Unmarshal(b, r)
}

// decodeServerResult is json.Unmarshal(b, r) for a plain result; ok is
// false, r untouched, for anything else. b is valid JSON (a result of
// decodeMessage's): it is not checked again.
func decodeServerResult(b []byte, r *serverResult) (ok bool) {
	var d serverResult
	ok = eachMember(b, func(name, v []byte) bool {
		if known, ok := d.cacheable.member(name, v); known {
			return ok
		}
		switch {
		case asciiEqualFold(name, "protocolversion"):
			return optionalString(&d.ProtocolVersion, v)
		case asciiEqualFold(name, "capabilities"):
			return decodeRawMap(&d.Capabilities, v)
		case asciiEqualFold(name, "serverinfo"):
			return decodeImplementation(&d.ServerInfo, v)
		case asciiEqualFold(name, "supportedversions"), asciiEqualFold(name, "_meta"):
			// Rare in initialize results; left to encoding/json.
			return isNullLiteral(v)
		}
		return true
	})
	if ok {
		*r = d
	}
	return ok
}

// decodeRawMap decodes the object v into *m as encoding/json decodes into
// a map[string]json.RawMessage (which it reuses when not nil).
func decodeRawMap(m *map[string]json.RawMessage, v []byte) bool {
	if isNullLiteral(v) {
		*m = nil
		return true
	}
	if *m == nil {
		*m = map[string]json.RawMessage{}
	}
	return eachMember(v, func(name, v []byte) bool {
		(*m)[string(name)] = v
		return true
	})
}

// decodeImplementation decodes v into *p as encoding/json decodes into an
// *Implementation (reusing one that is there).
func decodeImplementation(p **Implementation, v []byte) bool {
	if isNullLiteral(v) {
		*p = nil
		return true
	}
	impl := *p
	if impl == nil {
		impl = new(Implementation)
	}
	ok := eachMember(v, func(name, v []byte) bool {
		var s *string
		switch {
		case asciiEqualFold(name, "name"):
			s = &impl.Name
		case asciiEqualFold(name, "version"):
			s = &impl.Version
		default:
			return true
		}
		if isNullLiteral(v) {
			return true // null leaves a string as it is
		}
		var ok bool
		*s, ok = plainString(v)
		return ok
	})
	if ok {
		*p = impl
	}
	return ok
}

// decodeListPage decodes the result b of tools/list, resources/list or
// prompts/list into r, by hand when it is plain; the error is
// json.Unmarshal's otherwise. The items stay slices of the answer. b is
// valid JSON (a result of decodeMessage's): it is not checked again.
func decodeListPage(b []byte, r *listResult) error {
	var d listResult
	ok := eachMember(b, func(name, v []byte) bool {
		if known, ok := d.cacheable.member(name, v); known {
			return ok
		}
		switch {
		case asciiEqualFold(name, "tools"):
			d.Tools.raw = v
		case asciiEqualFold(name, "resources"):
			d.Resources.raw = v
		case asciiEqualFold(name, "prompts"):
			d.Prompts.raw = v
		case asciiEqualFold(name, "nextcursor"):
			d.NextCursor = v
		}
		return true
	})
	if ok {
		*r = d
		return nil
	}
	r.Tools.src, r.Resources.src, r.Prompts.src = b, b, b
	return json.Unmarshal(b, r)
}

// plainJSONString reports whether json.Marshal writes s as it is between
// quotes: printable ASCII without '"', '\\' and the characters it escapes
// for HTML ('<', '>', '&').
func plainJSONString(s string) bool {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c < ' ' || c >= 0x7f, c == '"', c == '\\', c == '<', c == '>', c == '&':
			return false
		}
	}
	return true
}

// requestBody is the envelope of a request or notification (id 0) whose
// method is plain, encoded by hand as json.Marshal of request does.
type requestBody struct {
	id     int64
	method string
}

// encode writes the envelope around params, the pieces of the encoded
// params object (none: no params member). The result is sized to fit, one
// allocation.
func (r requestBody) encode(params ...string) []byte {
	n := len(`{"jsonrpc":"2.0","id":,"method":"","params":}`) + 20 + len(r.method)
	for _, p := range params {
		n += len(p)
	}
	b := make([]byte, 0, n)
	b = append(b, `{"jsonrpc":"2.0"`...)
	if r.id != 0 {
		b = append(b, `,"id":`...)
		b = strconv.AppendInt(b, r.id, 10)
	}
	b = append(b, `,"method":"`...)
	b = append(b, r.method...)
	b = append(b, '"')
	if len(params) > 0 {
		b = append(b, `,"params":`...)
		for _, p := range params {
			b = append(b, p...)
		}
	}
	return append(b, '}')
}

// body encodes the initialize request id with params p, by hand when its
// strings are plain.
func (p *initializeParams) body(id int64) ([]byte, error) {
	if !plainJSONString(p.ClientInfo.Name) || !plainJSONString(p.ClientInfo.Version) || !plainJSONString(p.ProtocolVersion) {
		return json.Marshal(request{JSONRPC: "2.0", ID: id, Method: methodInitialize, Params: *p})
	}
	return requestBody{id: id, method: methodInitialize}.encode(`{"capabilities":{},"clientInfo":{"name":"`, p.ClientInfo.Name,
		`","version":"`, p.ClientInfo.Version, `"},"protocolVersion":"`, p.ProtocolVersion, `"}`), nil
}

// methodToolsList is the method of ListTools.
const methodToolsList = "tools/list"

// listBody encodes the stateful request id of the list method (a plain
// string) after cursor ("" for the first page), a plain string, as
// json.Marshal does: the cursor, if any, and no _meta.
func listBody(id int64, method, cursor string) []byte {
	r := requestBody{id: id, method: method}
	if cursor == "" {
		return r.encode("{}")
	}
	return r.encode(`{"cursor":"`, cursor, `"}`)
}
