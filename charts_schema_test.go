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

package main

import (
	"bytes"
	"encoding/json"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"

	yaml "go.yaml.in/yaml/v3"

	"github.com/mcp-exporter/mcp_exporter/config"
	"github.com/mcp-exporter/mcp_exporter/internal/testsupport"
)

const chartSchema = chartDir + "/values.schema.json"

// passThrough are the values that go to Kubernetes (or Prometheus) as they
// are: objects of another API, whose keys the chart does not know.
var passThrough = []string{
	"strategy", "resources", "podSecurityContext", "securityContext", "livenessProbe", "readinessProbe",
	"configReloader.resources", "configReloader.securityContext",
}

// valuesSchema is the chart's values.schema.json, made from values.yaml
// (each value's type; every mapping with keys closed to others, but the
// pass-through objects and the empty ones, which are open maps) and from
// the exporter's configuration types (config: the keys a module and a
// registry may set).
func valuesSchema(t *testing.T) []byte {
	t.Helper()
	b := testsupport.ReadFile(t, chartDir+"/values.yaml")
	var doc yaml.Node
	if err := yaml.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	schema := schemaOf(doc.Content[0], "")
	schema["$schema"] = "http://json-schema.org/draft-07/schema#"
	schema["title"] = "mcp-exporter chart values (made by TestHelmValuesSchema -update from values.yaml and the configuration's keys)"
	props := schema["properties"].(map[string]any)
	props["config"] = map[string]any{
		"type":                 "object",
		"additionalProperties": false,
		"properties": map[string]any{
			"modules":    map[string]any{"type": []string{"object", "null"}, "additionalProperties": closedKeys(reflect.TypeFor[config.Module]())},
			"registries": map[string]any{"type": []string{"object", "null"}, "additionalProperties": closedKeys(reflect.TypeFor[config.Registry]())},
			"tracing":    closedKeys(reflect.TypeFor[config.Tracing]()),
		},
	}
	out, err := json.MarshalIndent(schema, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return append(out, '\n')
}

// schemaOf is the schema of one value of values.yaml at path.
func schemaOf(n *yaml.Node, path string) map[string]any {
	switch n.Kind {
	case yaml.MappingNode:
		s := map[string]any{"type": "object"}
		if len(n.Content) == 0 || slices.Contains(passThrough, path) {
			return s
		}
		props := map[string]any{}
		for i := 0; i+1 < len(n.Content); i += 2 {
			key := n.Content[i].Value
			p := key
			if path != "" {
				p = path + "." + key
			}
			props[key] = schemaOf(n.Content[i+1], p)
		}
		s["properties"], s["additionalProperties"] = props, false
		return s
	case yaml.SequenceNode:
		return map[string]any{"type": "array"}
	}
	switch n.Tag {
	case "!!bool":
		return map[string]any{"type": "boolean"}
	case "!!int":
		return map[string]any{"type": "integer"}
	case "!!float":
		return map[string]any{"type": "number"}
	case "!!null":
		return map[string]any{}
	}
	return map[string]any{"type": "string"}
}

// closedKeys is the schema of a mapping that may set only the YAML keys
// of t (a module, a registry): their values are checked by the exporter
// (--config.check, which the chart's tests run on what it renders).
func closedKeys(t reflect.Type) map[string]any {
	props := map[string]any{}
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if f.IsExported() && name != "" && name != "-" {
			props[name] = map[string]any{}
		}
	}
	return map[string]any{"type": []string{"object", "null"}, "properties": props, "additionalProperties": false}
}

// TestHelmValuesSchema is issue 25 item 8: the chart had no schema, so a
// value of the wrong type or a mistyped key rendered fine and failed only
// when the pod started. values.schema.json is made from values.yaml and the
// configuration's keys, and helm refuses what it does not allow.
func TestHelmValuesSchema(t *testing.T) {
	want := valuesSchema(t)
	if *updateGolden {
		testsupport.WriteFile(t, chartSchema, want, 0o644)
	}
	got, err := os.ReadFile(chartSchema)
	if err != nil || !bytes.Equal(got, want) {
		t.Fatalf("%s is not what values.yaml and the configuration's keys make (%v); go test -run TestHelmValuesSchema -update . rewrites it", chartSchema, err)
	}
	for _, tc := range []struct{ name, set, want string }{
		{"a number as a word", "replicas=two", "replicas"},
		{"an unknown top-level key", "replica=2", "replica"},
		{"a mistyped nested key", "serviceMonitor.enabeld=true", "enabeld"},
		{"a mistyped module key", "config.modules.default.timout=5s", "timout"},
		{"a boolean as a word", "networkPolicy.enabled=yes please", "enabled"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, cmd := range [][]string{{"template", "mcp-exporter", chartDir}, {"lint", chartDir}} {
				out, err := runHelm(t, append(cmd, "--set", tc.set)...)
				if err == nil || !strings.Contains(err.Error()+out, tc.want) {
					t.Errorf("helm %s --set %s: %v, want a refusal naming %q\n%s", cmd[0], tc.set, err, tc.want, out)
				}
			}
		})
	}
	// What the chart ships renders.
	renderChart(t)
	renderChart(t, "--values", chartAllValues)
	renderChart(t, "--set", "config.modules.m.http_config.bearer_token_file=/etc/mcp_exporter/secrets/token",
		"--set", "config.modules.m.allowed_targets[0]=https://mcp\\.example/.*", "--set", "resources.limits.cpu=1")
}
