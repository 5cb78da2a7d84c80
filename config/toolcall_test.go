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
	"strings"
	"testing"

	yaml "go.yaml.in/yaml/v3"
)

func TestToolCallConfig(t *testing.T) {
	c := mustParse(t, `modules:
  m:
    tool_call:
      name: health_check
      arguments: {city: Paris, zip: "75001", n: 3, big: 12345678901234567, ratio: 0.5, deep: {x: [1, true, null, "two"]}}
      fail_if_content_not_matches_regexp: ["status: ok", '^\d+']
  plain:
    min_tools: 2
`)
	tc := c.Modules["m"].ToolCall
	if tc == nil || tc.Name != "health_check" || tc.AllowNotReadOnly {
		t.Fatalf("tool_call = %+v", tc)
	}
	const want = `{"big":12345678901234567,"city":"Paris","deep":{"x":[1,true,null,"two"]},"n":3,"ratio":0.5,"zip":"75001"}`
	if string(tc.Arguments) != want {
		t.Errorf("arguments = %s, want %s", tc.Arguments, want)
	}
	if res := tc.ContentRegexps(); len(res) != 2 || !res[1].MatchString("42") {
		t.Errorf("regexps = %v", res)
	}
	if c.Modules["plain"].ToolCall != nil {
		t.Error("a module without tool_call has one")
	}
	// Shown (/config) and loaded again, it is the same.
	out, err := yaml.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	again, err := Parse(out)
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if got := again.Modules["m"].ToolCall; string(got.Arguments) != want || len(got.ContentRegexps()) != 2 {
		t.Errorf("after the round trip: %+v\n%s", got, out)
	}
	if strings.Contains(string(out), "tool_call") != true {
		t.Errorf("tool_call not shown:\n%s", out)
	}
	// Without arguments, none are set: the call sends {}.
	c, err = Parse([]byte("modules:\n  m:\n    tool_call:\n      name: x\n      allow_not_read_only: true\n"))
	if err != nil || c.Modules["m"].ToolCall.Arguments != nil || !c.Modules["m"].ToolCall.AllowNotReadOnly {
		t.Fatalf("%v %+v", err, c.Modules["m"].ToolCall)
	}
}

func TestToolCallConfigErrors(t *testing.T) {
	for _, tc := range []struct {
		name, yaml string
		want       []string
	}{
		{"name missing", "modules:\n  m:\n    tool_call:\n      arguments: {}\n",
			[]string{`module "m"`, "line 3", "tool_call.name", "required"}},
		{"name empty", "modules:\n  m:\n    tool_call:\n      name: ''\n",
			[]string{`module "m"`, "line 4", "tool_call.name", "required"}},
		{"name with spaces", "modules:\n  m:\n    tool_call:\n      name: ' x'\n",
			[]string{`module "m"`, "line 4", "tool_call.name", "spaces"}},
		{"arguments a list", "modules:\n  m:\n    tool_call:\n      name: x\n      arguments: [1]\n",
			[]string{`module "m"`, "line 3", "tool_call", "arguments", "mapping"}},
		{"arguments a scalar", "modules:\n  m:\n    tool_call:\n      name: x\n      arguments: yes\n",
			[]string{`module "m"`, "tool_call", "arguments", "mapping"}},
		{"arguments not JSON", "modules:\n  m:\n    tool_call:\n      name: x\n      arguments: {a: .inf}\n",
			[]string{`module "m"`, "tool_call", "arguments", "not a JSON number"}},
		{"arguments with a duplicate key", "modules:\n  m:\n    tool_call:\n      name: x\n      arguments: {a: 1, a: 2}\n",
			[]string{`module "m"`, "tool_call"}},
		{"unknown key", "modules:\n  m:\n    tool_call:\n      name: x\n      allow_destructive: true\n",
			[]string{`module "m"`, "line 5", "tool_call", `unknown key "allow_destructive"`}},
		{"bad regexp", "modules:\n  m:\n    tool_call:\n      name: x\n      fail_if_content_not_matches_regexp:\n      - ok\n      - '('\n",
			[]string{`module "m"`, "line 5", "tool_call.fail_if_content_not_matches_regexp", "element 1", "missing closing )"}},
		{"not a mapping", "modules:\n  m:\n    tool_call: health_check\n",
			[]string{`module "m"`, "line 3", "tool_call"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse([]byte(tc.yaml))
			if err == nil {
				t.Fatal("accepted")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}
}
