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

import (
	"encoding/json"
	"testing"
)

func TestDigestToolsHints(t *testing.T) {
	cases := []struct {
		name  string
		tools []string
		want  ToolHints
	}{
		{"none", nil, ToolHints{}},
		{"no annotations: destructive and open-world", []string{`{"name":"a","inputSchema":{}}`}, ToolHints{Destructive: 1, OpenWorld: 1}},
		{"annotations not an object", []string{`{"name":"a","annotations":null}`, `{"name":"b","annotations":[true]}`}, ToolHints{Destructive: 2, OpenWorld: 2}},
		{"read-only: destructive and idempotent not meaningful", []string{
			`{"name":"a","annotations":{"readOnlyHint":true,"destructiveHint":true,"idempotentHint":true}}`,
		}, ToolHints{ReadOnly: 1, OpenWorld: 1}},
		{"every hint stated", []string{
			`{"name":"a","annotations":{"openWorldHint":false,"idempotentHint":true,"destructiveHint":false,"readOnlyHint":false,"title":"A"}}`,
		}, ToolHints{Idempotent: 1}},
		{"non-boolean hints take the default", []string{
			`{"name":"a","annotations":{"readOnlyHint":"true","destructiveHint":0,"openWorldHint":null,"idempotentHint":{"x":true}}}`,
		}, ToolHints{Destructive: 1, OpenWorld: 1}},
		{"escaped keys, whitespace and nested values", []string{
			"{ \"name\" : \"a\", \"annotations\" : { \"x\" : {\"readOnlyHint\":true,\"y\":[1,{}]}, \"readOnly\\u0048int\" : true , \"openWorldHint\" : false } }",
		}, ToolHints{ReadOnly: 1}},
		{"duplicate names count each tool", []string{
			`{"name":"a","annotations":{"readOnlyHint":true}}`, `{"name":"a"}`, `{"name":"b","annotations":{"destructiveHint":false}}`,
		}, ToolHints{ReadOnly: 1, Destructive: 1, OpenWorld: 3}},
		{"_meta and annotations both present", []string{
			`{"_meta":{"annotations":{"readOnlyHint":true}},"name":"a","annotations":{"readOnlyHint":true,"openWorldHint":false}}`,
		}, ToolHints{ReadOnly: 1}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			raw := make([]json.RawMessage, len(c.tools))
			for i, s := range c.tools {
				raw[i] = json.RawMessage(s)
			}
			d, err := DigestTools(raw)
			if err != nil {
				t.Fatal(err)
			}
			if d.Hints != c.want {
				t.Errorf("hints %+v, want %+v", d.Hints, c.want)
			}
		})
	}
}
