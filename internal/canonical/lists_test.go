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
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
)

// Resources are hashed in uri order and prompts in name order, each
// canonical and without its top-level _meta: the hash is that of the
// hand-written encoding.
func TestDigestResourcesAndPrompts(t *testing.T) {
	for _, tc := range []struct {
		name   string
		digest func([]string) (ListDigest, error)
		items  []string
		enc    string
	}{
		{"no resources", digestResources, nil, `[]`},
		{"resources by uri", digestResources, []string{
			`{"uri":"file:///z","name":"a","mimeType":"text/plain","_meta":{"x":1}}`,
			`{ "name" : "z", "uri" : "file:///a", "annotations": {"priority": 0.5, "audience": ["user"]} }`,
		}, `[{"annotations":{"audience":["user"],"priority":0.5},"name":"z","uri":"file:///a"},{"mimeType":"text/plain","name":"a","uri":"file:///z"}]`},
		{"escaped uri", digestResources, []string{`{"uri":"b"}`, `{"uri":"\u0061"}`}, `[{"uri":"\u0061"},{"uri":"b"}]`},
		{"duplicate uris by their bytes", digestResources, []string{`{"uri":"u","name":"b"}`, `{"uri":"u","name":"a"}`},
			`[{"name":"a","uri":"u"},{"name":"b","uri":"u"}]`},
		{"no prompts", digestPrompts, nil, `[]`},
		{"prompts by name", digestPrompts, []string{
			`{"name":"summarize","arguments":[{"name":"text","required":true}],"_meta":{}}`,
			`{"name":"greet","description":"Say hello"}`,
		}, `[{"description":"Say hello","name":"greet"},{"arguments":[{"name":"text","required":true}],"name":"summarize"}]`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d, err := tc.digest(tc.items)
			if err != nil {
				t.Fatal(err)
			}
			if d.Count != len(tc.items) {
				t.Errorf("Count = %d, want %d", d.Count, len(tc.items))
			}
			if want := sha256.Sum256([]byte(tc.enc)); d.Definition != want {
				t.Errorf("Definition = %x, want sha256(%s) = %x", d.Definition, tc.enc, want)
			}
		})
	}
}

// A resource and a prompt of the same bytes hash alike, and like the
// definition hash of a tool of the same bytes: one encoding for all three.
func TestDigestListsMatchTools(t *testing.T) {
	item := `{"name":"n","uri":"u","description":"d","_meta":{"a":1}}`
	tools := mustDigest(t, item)
	res, err := digestResources([]string{item})
	if err != nil {
		t.Fatal(err)
	}
	prompts, err := digestPrompts([]string{item})
	if err != nil {
		t.Fatal(err)
	}
	if res.Definition != tools.Definition || prompts.Definition != tools.Definition {
		t.Errorf("definitions differ: tools %x, resources %x, prompts %x", tools.Definition, res.Definition, prompts.Definition)
	}
}

func TestDigestListsErrors(t *testing.T) {
	for _, tc := range []struct {
		digest func([]string) (ListDigest, error)
		item   string
		want   string
	}{
		{digestResources, `{"name":"no uri"}`, `resource 0: no "uri" member`},
		{digestResources, `{"uri":7}`, `resource 0: "uri" is not a string`},
		{digestResources, `["uri"]`, `resource 0: not a JSON object`},
		{digestResources, `{"uri":"u","uri":"v"}`, `resource 0: invalid JSON`},
		{digestResources, `{"uri":"u"} x`, `resource 0: invalid JSON`},
		{digestPrompts, `{"uri":"u"}`, `prompt 0: no "name" member`},
		{digestPrompts, `{"name":"p","arguments":[}`, `prompt 0: invalid JSON`},
	} {
		d, err := tc.digest([]string{tc.item})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %+v, %v; want an error with %q", tc.item, d, err, tc.want)
		}
	}
}

func digestResources(items []string) (ListDigest, error) { return DigestResources(rawTools(items...)) }
func digestPrompts(items []string) (ListDigest, error)   { return DigestPrompts(rawTools(items...)) }

// Digests running at once, each on a slab another digest used before it,
// give what each gives alone: nothing of one digest's buffers reaches
// another.
func TestDigestsShareNoBuffers(t *testing.T) {
	lists := make([][]json.RawMessage, 8)
	want := make([]ToolsDigest, len(lists))
	for i := range lists {
		for j := range i + 1 {
			lists[i] = append(lists[i], json.RawMessage(fmt.Sprintf(
				`{"name":"t%d-%d","description":"%s","inputSchema":{"type":"object","properties":{"x%d":{"type":"string"}}}}`,
				i, j, strings.Repeat("d", 50*(i+1)), j)))
		}
		var err error
		if want[i], err = DigestTools(lists[i]); err != nil {
			t.Fatal(err)
		}
	}
	var wg sync.WaitGroup
	for i := range lists {
		wg.Go(func() {
			for range 200 {
				got, err := DigestTools(lists[i])
				if err != nil || got.Schema != want[i].Schema || got.Definition != want[i].Definition || !slices.Equal(got.Names, want[i].Names) {
					t.Errorf("list %d: a digest among others differs from its own (%v)", i, err)
					return
				}
			}
		})
	}
	wg.Wait()
}
