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
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"regexp"
	"strings"

	yaml "go.yaml.in/yaml/v3"
)

// ToolCall is a module's tool_call: one call of a tool the server lists,
// after tools/list.
type ToolCall struct {
	// Name is the tool to call.
	Name string `yaml:"name"`
	// Arguments are the call's arguments, a JSON object sent as is; {}
	// when left out.
	Arguments JSONObject `yaml:"arguments,omitempty"`
	// AllowNotReadOnly lets the probe call a tool that is not annotated
	// readOnlyHint: true. Off, such a tool is refused before anything is
	// sent: a monitor must never call a destructive tool by accident.
	AllowNotReadOnly bool `yaml:"allow_not_read_only,omitempty"`
	// FailIfContentNotMatchesRegexp are regular expressions (unanchored)
	// that must each match the text content of the result.
	FailIfContentNotMatchesRegexp []string `yaml:"fail_if_content_not_matches_regexp,omitempty"`

	content []*regexp.Regexp // FailIfContentNotMatchesRegexp, compiled by validate
}

// ContentRegexps are FailIfContentNotMatchesRegexp, compiled.
func (t *ToolCall) ContentRegexps() []*regexp.Regexp { return t.content }

// validate checks the block and compiles its regular expressions; errors
// are about the tool_call key.
func (t *ToolCall) validate() error {
	if strings.TrimSpace(t.Name) == "" {
		return &keyError{key: "tool_call", index: -1, sub: "name", err: errors.New("the name of the tool to call is required")}
	}
	if t.Name != strings.TrimSpace(t.Name) {
		return &keyError{key: "tool_call", index: -1, sub: "name", err: fmt.Errorf("tool name %q has leading or trailing spaces", t.Name)}
	}
	t.content = make([]*regexp.Regexp, 0, len(t.FailIfContentNotMatchesRegexp))
	for i, expr := range t.FailIfContentNotMatchesRegexp {
		re, err := regexp.Compile(expr)
		if err != nil {
			return &keyError{key: "tool_call", index: -1, sub: "fail_if_content_not_matches_regexp",
				err: fmt.Errorf("element %d: %w", i, err)}
		}
		t.content = append(t.content, re)
	}
	return nil
}

// JSONObject is a JSON object written in YAML as a mapping: its JSON
// encoding, empty when not set.
type JSONObject []byte

// UnmarshalYAML accepts a mapping (or null) and keeps its JSON encoding.
func (o *JSONObject) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		*o = nil
		return nil
	}
	if n.Kind != yaml.MappingNode {
		return fmt.Errorf("line %d: arguments: want a mapping (a JSON object), such as {} or {city: Paris}", n.Line)
	}
	v, err := yamlToJSON(n, 0)
	if err != nil {
		return fmt.Errorf("arguments: %w", err)
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return fmt.Errorf("arguments: %w", err)
	}
	*o = bytes.TrimSuffix(b.Bytes(), []byte("\n"))
	return nil
}

// MarshalYAML shows the object as the mapping it was written as.
func (o JSONObject) MarshalYAML() (any, error) {
	if len(o) == 0 {
		return nil, nil
	}
	dec := json.NewDecoder(bytes.NewReader(o))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	return numbersAsYAML(v), nil
}

// numbersAsYAML replaces the json.Numbers in v by YAML number nodes, so
// that a number is shown as written and loads again as a number.
func numbersAsYAML(v any) any {
	switch v := v.(type) {
	case json.Number:
		tag := "!!int"
		if strings.ContainsAny(string(v), ".eE") {
			tag = "!!float"
		}
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: tag, Value: string(v)}
	case map[string]any:
		for k, x := range v {
			v[k] = numbersAsYAML(x)
		}
	case []any:
		for i, x := range v {
			v[i] = numbersAsYAML(x)
		}
	}
	return v
}

// maxJSONDepth bounds the nesting of arguments.
const maxJSONDepth = 64

// yamlToJSON turns a YAML node (aliases already expanded) into a value
// encoding/json encodes: mappings with string keys, sequences, and
// scalars by their tag.
func yamlToJSON(n *yaml.Node, depth int) (any, error) {
	if depth > maxJSONDepth {
		return nil, fmt.Errorf("line %d: nested more than %d levels deep", n.Line, maxJSONDepth)
	}
	switch n.Kind {
	case yaml.AliasNode:
		if n.Alias == nil {
			return nil, fmt.Errorf("line %d: unresolved alias", n.Line)
		}
		return yamlToJSON(n.Alias, depth+1)
	case yaml.MappingNode:
		m := make(map[string]any, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i]
			if k.Kind != yaml.ScalarNode {
				return nil, fmt.Errorf("line %d: a key must be a scalar", k.Line)
			}
			if _, dup := m[k.Value]; dup {
				return nil, fmt.Errorf("line %d: key %q is set twice", k.Line, k.Value)
			}
			v, err := yamlToJSON(n.Content[i+1], depth+1)
			if err != nil {
				return nil, err
			}
			m[k.Value] = v
		}
		return m, nil
	case yaml.SequenceNode:
		s := make([]any, 0, len(n.Content))
		for _, c := range n.Content {
			v, err := yamlToJSON(c, depth+1)
			if err != nil {
				return nil, err
			}
			s = append(s, v)
		}
		return s, nil
	case yaml.ScalarNode:
		switch n.ShortTag() {
		case "!!null":
			return nil, nil
		case "!!bool", "!!int", "!!float":
			var v any
			if err := n.Decode(&v); err != nil {
				return nil, fmt.Errorf("line %d: %w", n.Line, err)
			}
			if f, ok := v.(float64); ok && (math.IsInf(f, 0) || math.IsNaN(f)) {
				return nil, fmt.Errorf("line %d: %s is not a JSON number", n.Line, n.Value)
			}
			return v, nil
		}
		return n.Value, nil // strings, and timestamps as written
	}
	return nil, fmt.Errorf("line %d: not a JSON value", n.Line)
}
