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
	"slices"
	"strings"
	"testing"
)

func TestFindTool(t *testing.T) {
	tools := []json.RawMessage{
		json.RawMessage(`{"name":"a","inputSchema":{"type":"object"}}`),
		json.RawMessage(`{"name":"ro","inputSchema":{"type":"object"},"annotations":{"readOnlyHint":true,"destructiveHint":false}}`),
		json.RawMessage(`{"name":"rw","inputSchema":{"type":"object"},"annotations":{"readOnlyHint":false}}`),
		json.RawMessage(`{"name":"hdr","annotations":{"readOnlyHint":true},"inputSchema":{"type":"object","properties":{
			"region":{"type":"string","x-mcp-header":"Region"},
			"opts":{"type":"object","properties":{"n":{"type":"integer","x-mcp-header":"N"},"on":{"type":"boolean","x-mcp-header":"On"}}},
			"items":{"type":"array","items":{"type":"object","properties":{"x":{"type":"string"}}}}}}}`),
		json.RawMessage(`{"name":"badname","inputSchema":{"type":"object","properties":{"r":{"type":"string","x-mcp-header":"Bad Name"}}}}`),
		json.RawMessage(`{"name":"badtype","inputSchema":{"type":"object","properties":{"r":{"type":"number","x-mcp-header":"R"}}}}`),
		json.RawMessage(`{"name":"dup","inputSchema":{"type":"object","properties":{"a":{"type":"string","x-mcp-header":"X"},"b":{"type":"string","x-mcp-header":"x"}}}}`),
	}
	if FindTool(tools, "absent") != nil {
		t.Error("found an absent tool")
	}
	for name, readOnly := range map[string]bool{"a": false, "ro": true, "rw": false, "hdr": true} {
		tool := FindTool(tools, name)
		if tool == nil || tool.Name != name || tool.ReadOnly != readOnly || tool.HeaderErr != nil {
			t.Errorf("%s: %+v", name, tool)
		}
	}
	for _, name := range []string{"badname", "badtype", "dup"} {
		if tool := FindTool(tools, name); tool == nil || tool.HeaderErr == nil {
			t.Errorf("%s: x-mcp-header accepted: %+v", name, tool)
		}
	}
	tool := FindTool(tools, "hdr")
	got := tool.paramHeaders(json.RawMessage(`{"region":"eu-west-1","opts":{"n":42,"on":false},"items":[]}`))
	slices.SortFunc(got, func(a, b ParamHeader) int { return strings.Compare(a.Name, b.Name) })
	want := []ParamHeader{{"N", "42"}, {"On", "false"}, {"Region", "eu-west-1"}}
	if !slices.Equal(got, want) {
		t.Errorf("headers %v, want %v", got, want)
	}
	if got := tool.paramHeaders(json.RawMessage(`{"region":null,"opts":"x"}`)); len(got) != 0 {
		t.Errorf("headers for null and absent parameters: %v", got)
	}
}

func TestHeaderValue(t *testing.T) {
	for in, want := range map[string]string{
		"get_weather":        "get_weather",
		"with inner space":   "with inner space",
		"Hello, 世界":          "=?base64?SGVsbG8sIOS4lueVjA==?=",
		" padded ":           "=?base64?IHBhZGRlZCA=?=",
		"line1\nline2":       "=?base64?bGluZTEKbGluZTI=?=",
		"=?base64?literal?=": "=?base64?PT9iYXNlNjQ/bGl0ZXJhbD89?=",
	} {
		if got := encodeHeaderValue(in); got != want {
			t.Errorf("encodeHeaderValue(%q) = %q, want %q", in, got, want)
		}
	}
}
