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
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"

	"github.com/mcp-exporter/mcp_exporter/internal/failure"
)

// ListedTool is what the prober keeps of the one tool it calls, taken from
// the tools/list answer: its name, whether it is annotated read-only, and
// the parameters its inputSchema mirrors into HTTP headers (x-mcp-header,
// 2026-07-28). Nothing else of the definition is kept.
type ListedTool struct {
	Name string
	// ReadOnly: annotations.readOnlyHint is true. A tool without the
	// annotation is not read-only (the specification's default).
	ReadOnly bool
	// HeaderErr, when set, says why the tool's x-mcp-header annotations
	// are invalid: a 2026-07-28 client must not call such a tool.
	HeaderErr error
	// Invalid, when set, says why the definition cannot be read with
	// certainty (keys that differ only in case): the tool is not called,
	// in any revision.
	Invalid error

	params []paramHeader
}

// paramHeader is one x-mcp-header annotation: the property path within
// the arguments and the header's name part (Mcp-Param-<name>).
type paramHeader struct {
	path []string
	name string
}

// FindTool looks for the tool called name among the raw tool objects of
// tools/list and returns what a call needs of it, nil when it is not
// listed.
//
// The name and the hints are read from their exact keys, as the duplicate
// name check and the hashes read them (internal/canonical): encoding/json
// would match "NAME" or "ReadOnlyHint" too and keep the last, so that
// {"name":"wipe","NAME":"search"} would be found as search and
// {"readOnlyHint":false,"ReadOnlyHint":true} read as read-only. An entry
// whose keys (or whose annotations' keys) differ only in case is found
// under either spelling of its name, and refused (ListedTool.Invalid).
func FindTool(tools []json.RawMessage, name string) *ListedTool {
	for _, raw := range tools {
		var obj map[string]json.RawMessage
		if json.Unmarshal(raw, &obj) != nil || !namesTool(obj, name) {
			continue
		}
		t := &ListedTool{Name: name}
		var annotations map[string]json.RawMessage
		if a, ok := obj["annotations"]; ok && json.Unmarshal(a, &annotations) != nil {
			annotations = nil // not an object: every hint takes its default
		}
		if caseCollision(obj) || caseCollision(annotations) {
			t.Invalid = errors.New("the tool definition has keys that differ only in case")
			return t
		}
		var readOnly bool
		t.ReadOnly = json.Unmarshal(annotations["readOnlyHint"], &readOnly) == nil && readOnly
		seen := map[string]bool{}
		t.HeaderErr = collectParamHeaders(obj["inputSchema"], nil, &t.params, seen)
		return t
	}
	return nil
}

// namesTool reports whether a tool object is called name: by its "name"
// member or by a key that differs from "name" only in case.
func namesTool(obj map[string]json.RawMessage, name string) bool {
	for key, v := range obj {
		if !strings.EqualFold(key, "name") {
			continue
		}
		var s string
		if json.Unmarshal(v, &s) == nil && s == name {
			return true
		}
	}
	return false
}

// caseCollision reports whether two keys of obj differ only in case.
func caseCollision(obj map[string]json.RawMessage) bool {
	if len(obj) < 2 {
		return false
	}
	folded := make(map[string]bool, len(obj))
	for key := range obj {
		k := strings.ToLower(key)
		if folded[k] {
			return true
		}
		folded[k] = true
	}
	return false
}

// maxSchemaDepth bounds the walk through nested properties.
const maxSchemaDepth = 32

// collectParamHeaders gathers the x-mcp-header annotations of the
// properties statically reachable from schema (a chain of properties
// keys), checking the constraints of 2026-07-28.
func collectParamHeaders(schema json.RawMessage, path []string, out *[]paramHeader, seen map[string]bool) error {
	if len(path) > maxSchemaDepth {
		return nil
	}
	var s struct {
		Properties map[string]json.RawMessage `json:"properties"`
	}
	if len(schema) == 0 || json.Unmarshal(schema, &s) != nil {
		return nil
	}
	for key, prop := range s.Properties {
		var p struct {
			Header *json.RawMessage `json:"x-mcp-header"`
			Type   json.RawMessage  `json:"type"`
		}
		if json.Unmarshal(prop, &p) != nil {
			continue
		}
		at := append(path[:len(path):len(path)], key)
		if p.Header != nil {
			var name string
			if json.Unmarshal(*p.Header, &name) != nil || !isToken(name) {
				return errors.New("an x-mcp-header value is not an HTTP field-name token")
			}
			if seen[strings.ToLower(name)] {
				return errors.New("two x-mcp-header values are the same")
			}
			var typ string
			if len(p.Type) > 0 && (json.Unmarshal(p.Type, &typ) != nil || (typ != "string" && typ != "integer" && typ != "boolean")) {
				return errors.New("an x-mcp-header annotates a parameter that is not a string, integer or boolean")
			}
			seen[strings.ToLower(name)] = true
			*out = append(*out, paramHeader{path: at, name: name})
		}
		if err := collectParamHeaders(prop, at, out, seen); err != nil {
			return err
		}
	}
	return nil
}

// isToken reports whether s is an HTTP field-name token (RFC 9110 §5.6.2).
func isToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0 {
			continue
		}
		return false
	}
	return true
}

// ParamHeader is a header a request carries besides the standard ones:
// Mcp-Param-<Name>, with the parameter's value as a string (the transport
// encodes it).
type ParamHeader struct {
	Name, Value string
}

// paramHeaders are the x-mcp-header headers of a call of t with args:
// one per annotated parameter with a primitive value; absent and null
// parameters have none.
func (t *ListedTool) paramHeaders(args json.RawMessage) []ParamHeader {
	if len(t.params) == 0 {
		return nil
	}
	var hs []ParamHeader
	for _, p := range t.params {
		v := args
		for _, key := range p.path {
			var obj map[string]json.RawMessage
			if json.Unmarshal(v, &obj) != nil {
				v = nil
				break
			}
			v = obj[key]
		}
		v = bytes.TrimSpace(v)
		if len(v) == 0 {
			continue
		}
		switch v[0] {
		case '"':
			var s string
			if json.Unmarshal(v, &s) == nil {
				hs = append(hs, ParamHeader{Name: p.name, Value: s})
			}
		case 't', 'f', '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
			hs = append(hs, ParamHeader{Name: p.name, Value: string(v)})
		}
	}
	return hs
}

// ToolResult is what the prober reads of a tools/call result.
type ToolResult struct {
	// IsError is the result's isError.
	IsError bool
	// Text is the text of the content's text items, joined by newlines.
	// It is for matching in memory only: never to be logged or reported.
	Text string
}

// CallTool calls the listed tool t once with args (a JSON object; nil is
// {}). In 2026-07-28 the request carries Mcp-Name and the tool's
// x-mcp-header parameters as headers. A JSON-RPC error is a failure; a
// result with isError is not (the caller decides).
func (c *Client) CallTool(ctx context.Context, t *ListedTool, args json.RawMessage) (*ToolResult, error) {
	if len(args) == 0 {
		args = json.RawMessage("{}")
	}
	params := struct {
		Meta      map[string]any  `json:"_meta,omitempty"`
		Name      string          `json:"name"`
		Arguments json.RawMessage `json:"arguments"`
	}{Name: t.Name, Arguments: args}
	out := Outgoing{Method: "tools/call", Name: t.Name}
	if c.session.Stateless {
		params.Meta = c.meta()
		out.Params = t.paramHeaders(args)
	}
	raw, err := c.send(ctx, out, params)
	if err != nil {
		return nil, err
	}
	var r struct {
		Content    []json.RawMessage `json:"content"`
		IsError    bool              `json:"isError"`
		ResultType *string           `json:"resultType"`
	}
	if err := json.Unmarshal(raw, &r); err != nil {
		return nil, failure.Errorf(failure.ReasonProtocolViolation, c.LastStatus(), "tools/call result is not an object with a content array")
	}
	if c.session.Stateless {
		switch {
		case r.ResultType == nil:
			c.warn("tools/call result lacks resultType")
		case *r.ResultType == "input_required":
			return nil, failure.Errorf(failure.ReasonProtocolViolation, c.LastStatus(), "tools/call asked for input (resultType input_required), which a probe cannot give")
		case *r.ResultType != "complete":
			c.warn("tools/call result has resultType %q, not \"complete\"", Sanitize(*r.ResultType, 32))
		}
	}
	if r.Content == nil {
		return nil, failure.Errorf(failure.ReasonProtocolViolation, c.LastStatus(), "tools/call result lacks the content array")
	}
	res := &ToolResult{IsError: r.IsError}
	var text strings.Builder
	for i, item := range r.Content {
		var it struct {
			Type string  `json:"type"`
			Text *string `json:"text"`
		}
		if json.Unmarshal(item, &it) != nil {
			return nil, failure.Errorf(failure.ReasonProtocolViolation, c.LastStatus(), "tools/call result: content item %d is not an object", i)
		}
		if it.Type != "text" {
			continue
		}
		if it.Text == nil {
			return nil, failure.Errorf(failure.ReasonProtocolViolation, c.LastStatus(), "tools/call result: text content item %d lacks text", i)
		}
		if text.Len() > 0 {
			text.WriteByte('\n')
		}
		text.WriteString(*it.Text)
	}
	res.Text = text.String()
	return res, nil
}

// encodeHeaderValue is v as an Mcp-Name or Mcp-Param-* value (2026-07-28): as
// is when it is plain visible ASCII with inner spaces, else Base64 in the
// =?base64?…?= sentinel, as is a plain value that looks like the sentinel.
func encodeHeaderValue(v string) string {
	plain := v != "" && v[0] != ' ' && v[0] != '\t' && v[len(v)-1] != ' ' && v[len(v)-1] != '\t' &&
		!(strings.HasPrefix(v, "=?base64?") && strings.HasSuffix(v, "?="))
	for i := 0; plain && i < len(v); i++ {
		if c := v[i]; (c < 0x20 || c > 0x7e) && c != '\t' {
			plain = false
		}
	}
	if plain || v == "" {
		return v
	}
	return "=?base64?" + base64.StdEncoding.EncodeToString([]byte(v)) + "?="
}
