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
	"fmt"
	"reflect"
	"slices"
	"strings"

	yaml "go.yaml.in/yaml/v3"
)

// blackboxKeys are keys a blackbox_exporter module has that an
// mcp_exporter module has not, with where their settings go here.
var blackboxKeys = map[string]string{
	"prober":     "every module here probes MCP: there is no prober key; remove it",
	"http":       "blackbox_exporter's http prober settings: the HTTP client's settings (TLS, auth, proxy, headers) go under http_config",
	"tls_config": "tls_config belongs under http_config here, as in blackbox_exporter's http.http_config",
	"tcp":        "blackbox_exporter's tcp prober has no counterpart: an MCP module probes the MCP endpoint it is given",
	"dns":        "blackbox_exporter's dns prober has no counterpart here",
	"icmp":       "blackbox_exporter's icmp prober has no counterpart here",
	"grpc":       "blackbox_exporter's grpc prober has no counterpart here",
}

// unknownKey is the error text for key, which is not among known: with a
// pointer to where a blackbox_exporter habit goes (module keys only), or
// the known key it is likely a typo of.
func unknownKey(key string, known []string, module bool) string {
	msg := fmt.Sprintf("unknown key %q", key)
	if hint, ok := blackboxKeys[key]; ok && module {
		return msg + " (" + hint + ")"
	}
	if guess := closest(key, known); guess != "" {
		return msg + fmt.Sprintf(" (did you mean %q?)", guess)
	}
	return msg
}

// closest is the known key nearest to key by edit distance, if it is
// near enough to be a typo (at most 2 edits, and fewer than a third of
// its length); "" otherwise.
func closest(key string, known []string) string {
	best, bestD := "", 3
	for _, k := range known {
		if d := editDistance(strings.ToLower(key), k); d < bestD && 3*d < max(len(k), 3)+2 {
			best, bestD = k, d
		}
	}
	return best
}

// editDistance is the Levenshtein distance of a and b (bytes).
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// keysAt are the YAML keys of the struct found by following path (keys,
// and the names of map entries) from root; nil when path leads to no
// struct. It names what may stand beside a key yaml.v3 did not know,
// whose error names only a type (often a method-less alias, "plain").
func keysAt(root reflect.Type, path []string) []string {
	t := root
	for _, key := range path {
		t = deref(t)
		switch t.Kind() {
		case reflect.Map:
			t = t.Elem()
			continue
		case reflect.Struct:
		default:
			return nil
		}
		f, ok := fieldByKey(t, key)
		if !ok {
			return nil
		}
		t = f.Type
	}
	t = deref(t)
	if t.Kind() != reflect.Struct {
		return nil
	}
	var names []string
	for i := range t.NumField() {
		f := t.Field(i)
		name, opts, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		switch {
		case !f.IsExported() || name == "-":
		case strings.Contains(opts, "inline"):
			names = append(names, keysAt(f.Type, nil)...)
		case name == "":
			names = append(names, strings.ToLower(f.Name))
		default:
			names = append(names, name)
		}
	}
	slices.Sort(names)
	return names
}

// fieldByKey is t's field that YAML calls key, looking into inlined
// structs.
func fieldByKey(t reflect.Type, key string) (reflect.StructField, bool) {
	for i := range t.NumField() {
		f := t.Field(i)
		name, opts, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if strings.Contains(opts, "inline") {
			switch ft := deref(f.Type); ft.Kind() {
			case reflect.Map: // an inlined map takes any key
				return reflect.StructField{Type: ft.Elem()}, true
			case reflect.Struct:
				if g, ok := fieldByKey(ft, key); ok {
					return g, true
				}
			}
			continue
		}
		if name == "" {
			name = strings.ToLower(f.Name)
		}
		if f.IsExported() && name == key {
			return f, true
		}
	}
	return reflect.StructField{}, false
}

func deref(t reflect.Type) reflect.Type {
	for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice {
		t = t.Elem()
	}
	return t
}

// sortedKeys are the keys of a set, sorted.
func sortedKeys(set map[string]bool) []string {
	out := make([]string, 0, len(set))
	for k := range set {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// keyPath is the keys of the mappings (and, in a sequence, nothing) that
// lead from n to the first key called name; nil when there is none.
func keyPath(n *yaml.Node, name string) []string {
	switch n.Kind {
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			if k.Value == name {
				return []string{}
			}
			if p := keyPath(v, name); p != nil {
				return append([]string{k.Value}, p...)
			}
		}
	case yaml.SequenceNode, yaml.DocumentNode:
		for _, c := range n.Content {
			if p := keyPath(c, name); p != nil {
				return p
			}
		}
	}
	return nil
}
