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
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"reflect"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"testing"
)

// vectors are literal inputs with their exact canonical encodings.
var vectors = []struct {
	name, in, want string
}{
	{"sorted object", `{"a":1,"b":2}`, `{"a":1,"b":2}`},
	{"unsorted object", `{"b":1,"a":2}`, `{"a":2,"b":1}`},
	{"whitespace", " \t\r\n{ \"b\" : [ 1 , 2 ] ,\n \"a\" : { \"d\" : null , \"c\" : true } }\n",
		`{"a":{"c":true,"d":null},"b":[1,2]}`},
	{"nested", `{"z":{"y":{"x":{"b":[{"d":1,"c":2}],"a":false}}},"a":[]}`,
		`{"a":[],"z":{"y":{"x":{"a":false,"b":[{"c":2,"d":1}]}}}}`},
	{"array order kept", `[3,1,2,"b","a"]`, `[3,1,2,"b","a"]`},
	{"escape and raw kept distinct", `["\u00e9","é","\u00E9"]`, `["\u00e9","é","\u00E9"]`},
	{"escapes kept as sent", `"a\/b\n\"\\\t\b\f\r\u0000"`, `"a\/b\n\"\\\t\b\f\r\u0000"`},
	{"numbers kept exactly", `[1.0,1e3,1E+3,-0,0,-0.0,12345678901234567890,-1.5e-10,0.1,1e400]`,
		`[1.0,1e3,1E+3,-0,0,-0.0,12345678901234567890,-1.5e-10,0.1,1e400]`},
	{"empty object", `{}`, `{}`},
	{"empty array", `[ ]`, `[]`},
	{"empties nested", `{ "b" : { } , "a" : [ [ ] , { } ] }`, `{"a":[[],{}],"b":{}}`},
	{"scalars", ` "x" `, `"x"`},
	{"number top level", "\n42\n", `42`},
	{"true", `true`, `true`},
	{"false", `false`, `false`},
	{"null", `null`, `null`},
	{"prefix keys", `{"ab":1,"a":2,"":3}`, `{"":3,"a":2,"ab":1}`},
	// Bytewise UTF-8 order: a (61) < z (7A) < à (C3 A0) < é (C3 A9).
	{"unicode keys", `{"é":1,"z":2,"a":3,"\u00e0":4}`, `{"a":3,"z":2,"\u00e0":4,"é":1}`},
	// UTF-8 order puts U+FF61 (EF ..) before U+1F600 (F0 ..), unlike UTF-16.
	{"astral vs BMP keys", `{"😀":1,"｡":2}`, `{"｡":2,"😀":1}`},
	{"escaped key sorts decoded", `{"\u0062":1,"a":2,"c":3}`, `{"a":2,"\u0062":1,"c":3}`},
	{"surrogate pair key", `{"\ud83d\ude00":1,"｡":2}`, `{"｡":2,"\ud83d\ude00":1}`},
	{"lone surrogate keys distinct", `{"\udc00":1,"\ud800":2}`, `{"\ud800":2,"\udc00":1}`},
	{"escaped quote key", `{"a\"":1,"a":2}`, `{"a":2,"a\"":1}`},
	{"many members", `{"m":13,"l":12,"k":11,"j":10,"i":9,"h":8,"g":7,"f":6,"e":5,"d":4,"c":3,"b":2,"a":1,"n":{"y":1,"x":2}}`,
		`{"a":1,"b":2,"c":3,"d":4,"e":5,"f":6,"g":7,"h":8,"i":9,"j":10,"k":11,"l":12,"m":13,"n":{"x":2,"y":1}}`},
	{"DEL and U+FFFD allowed", "\"\x7f\uFFFD\"", "\"\x7f\uFFFD\""},
}

// errorCases must all be rejected.
var errorCases = []struct {
	name, in string
}{
	{"empty", ``},
	{"only whitespace", " \n\t "},
	{"trailing object", `{} {}`},
	{"trailing number", `1 2`},
	{"trailing garbage", `[]x`},
	{"trailing string", `"a""b"`},
	{"trailing comma top", `1,`},
	{"BOM", "\ufeff{}"},
	{"bad literal tru", `tru`},
	{"bad literal nul", `[nul]`},
	{"bad literal True", `True`},
	{"literal suffix", `truex`},
	{"undefined", `undefined`},
	{"NaN", `NaN`},
	{"Infinity", `-Infinity`},
	{"plus sign", `+1`},
	{"leading dot", `.5`},
	{"trailing dot", `1.`},
	{"bare exponent", `1e`},
	{"signed bare exponent", `1e+`},
	{"lone minus", `-`},
	{"hex number", `0x10`},
	{"leading zero", `01`},
	{"negative leading zero", `-01`},
	{"double zero", `[00]`},
	{"unterminated string", `"abc`},
	{"unterminated after escape", `"abc\`},
	{"control char", "\"a\x01b\""},
	{"raw tab", "\"a\tb\""},
	{"raw newline", "\"a\nb\""},
	{"bad escape x", `"\x41"`},
	{"bad escape quote", `"\'"`},
	{"bad unicode hex", `"\u12G4"`},
	{"short unicode", `"\u12"`},
	{"invalid UTF-8 byte", "\"\xff\""},
	{"overlong UTF-8", "\"\xc0\xaf\""},
	{"UTF-8 surrogate", "\"\xed\xa0\x80\""},
	{"truncated UTF-8", "\"\xe2\x82\""},
	{"invalid UTF-8 key", "{\"\xff\":1}"},
	{"array trailing comma", `[1,]`},
	{"object trailing comma", `{"a":1,}`},
	{"array leading comma", `[,1]`},
	{"object comma only", `{,}`},
	{"missing value", `{"a"}`},
	{"missing colon", `{"a" 1}`},
	{"unquoted key", `{a:1}`},
	{"single quotes", `{'a':1}`},
	{"number key", `{1:1}`},
	{"missing comma", `[1 2]`},
	{"unclosed array", `[`},
	{"unclosed object", `{`},
	{"unclosed member", `{"a":`},
	{"stray close bracket", `]`},
	{"stray close brace", `}`},
	{"mismatched object", `{"a":1]`},
	{"mismatched array", `[1}`},
	{"comment", `[1/*x*/]`},
}

// dupCases are valid to encoding/json but rejected for duplicate keys.
var dupCases = []struct {
	name, in string
}{
	{"adjacent", `{"a":1,"a":2}`},
	{"escaped equals raw", `{"a":1,"\u0061":2}`},
	{"escaped equals UTF-8", `{"é":1,"\u00e9":2}`},
	{"surrogate pair equals UTF-8", `{"😀":1,"\ud83d\ude00":2}`},
	{"non adjacent unsorted", `{"b":1,"a":1,"b":2}`},
	{"nested", `{"x":[{"k":1,"j":0,"k":2}]}`},
	{"large object", `{"m":1,"l":1,"k":1,"j":1,"i":1,"h":1,"g":1,"f":1,"e":1,"d":1,"c":1,"b":1,"a":1,"c":2}`},
}

func TestAppendVectors(t *testing.T) {
	for _, tc := range vectors {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Append(nil, []byte(tc.in))
			if err != nil {
				t.Fatalf("Append(%q): %v", tc.in, err)
			}
			if string(got) != tc.want {
				t.Fatalf("Append(%q)\n got %s\nwant %s", tc.in, got, tc.want)
			}
			again, err := Append(nil, got)
			if err != nil || !bytes.Equal(again, got) {
				t.Fatalf("not idempotent: %s -> %s, %v", got, again, err)
			}
		})
	}
}

func TestAppendAppends(t *testing.T) {
	dst := []byte("prefix:")
	got, err := Append(dst, []byte(`{"b":1,"a":2}`))
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != `prefix:{"a":2,"b":1}` {
		t.Fatalf("got %s", got)
	}
	got, err = Append(dst, []byte(`{"b":1,"a":}`))
	if err == nil || string(got) != "prefix:" {
		t.Fatalf("on error want dst unchanged and an error, got %q, %v", got, err)
	}
}

func TestAppendErrors(t *testing.T) {
	for _, tc := range errorCases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Append(nil, []byte(tc.in))
			if err == nil {
				t.Fatalf("Append(%q) = %s, want error", tc.in, got)
			}
			if errors.Is(err, errDupKey) || errors.Is(err, ErrTooDeep) {
				t.Fatalf("Append(%q): wrong error class: %v", tc.in, err)
			}
		})
	}
	for _, tc := range dupCases {
		t.Run("duplicate key/"+tc.name, func(t *testing.T) {
			if !json.Valid([]byte(tc.in)) {
				t.Fatalf("test input %q should be valid to encoding/json", tc.in)
			}
			_, err := Append(nil, []byte(tc.in))
			if !errors.Is(err, errDupKey) {
				t.Fatalf("Append(%q) error = %v, want duplicate key", tc.in, err)
			}
		})
	}
}

func nested(open, closeTok string, depth int) []byte {
	return []byte(strings.Repeat(open, depth) + "1" + strings.Repeat(closeTok, depth))
}

func TestAppendDepth(t *testing.T) {
	tests := []struct {
		name    string
		in      []byte
		tooDeep bool
	}{
		{"arrays at limit", nested("[", "]", maxDepth), false},
		{"objects at limit", nested(`{"a":`, "}", maxDepth), false},
		{"arrays over limit", nested("[", "]", maxDepth+1), true},
		{"objects over limit", nested(`{"a":`, "}", maxDepth+1), true},
		{"mixed over limit", nested(`[{"a":`, "}]", (maxDepth+1)/2+1), true},
		{"100000 deep arrays", nested("[", "]", 100000), true},
		{"100000 deep objects", nested(`{"a":`, "}", 100000), true},
		{"100000 deep unclosed", bytes.Repeat([]byte("["), 100000), true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Append(nil, tc.in)
			if !tc.tooDeep {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				if !bytes.Equal(got, tc.in) {
					t.Fatalf("already-canonical input changed")
				}
				return
			}
			if !errors.Is(err, ErrTooDeep) {
				t.Fatalf("error = %v, want ErrTooDeep", err)
			}
		})
	}
}

func TestAppendLargeObjectSort(t *testing.T) {
	// Enough members to take the slices.SortFunc path, in reverse order.
	var in, want strings.Builder
	const n = 200
	in.WriteString("{")
	want.WriteString("{")
	for i := range n {
		if i > 0 {
			in.WriteString(",")
			want.WriteString(",")
		}
		fmt.Fprintf(&in, `"k%03d":{"z":%d,"y":[%d]}`, n-1-i, i, i)
		fmt.Fprintf(&want, `"k%03d":{"y":[%d],"z":%d}`, i, n-1-i, n-1-i)
	}
	in.WriteString("}")
	want.WriteString("}")
	got, err := Append(nil, []byte(in.String()))
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != want.String() {
		t.Fatalf("got %s\nwant %s", got, want.String())
	}
}

func TestUnescape(t *testing.T) {
	tests := []struct{ in, want string }{
		{`plain`, "plain"},
		{`a\"b\\c\/d\be\ff\ng\rh\ti`, "a\"b\\c/d\be\ff\ng\rh\ti"},
		{`\u00e9\u00E9`, "éé"},
		{`\ud83d\ude00`, "😀"},
		{`\ud800`, "\xed\xa0\x80"},
		{`\udc00\ud800x`, "\xed\xb0\x80\xed\xa0\x80x"},
		{`\ud800\u0041`, "\xed\xa0\x80A"},
		{`\u0000`, "\x00"},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			if got := string(unescape(nil, []byte(tc.in))); got != tc.want {
				t.Fatalf("unescape(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

// rawTools turns literal tool objects into the []json.RawMessage DigestTools takes.
func rawTools(tools ...string) []json.RawMessage {
	out := make([]json.RawMessage, len(tools))
	for i, s := range tools {
		out[i] = json.RawMessage(s)
	}
	return out
}

const (
	toolSearch = `{"name":"search","title":"Search","description":"Find things",` +
		`"inputSchema":{"type":"object","properties":{"q":{"type":"string"}},"required":["q"]},` +
		`"annotations":{"readOnlyHint":true},"_meta":{"x":1}}`
	toolAdd = `{"name":"add","description":"Add",` +
		`"inputSchema":{"type":"object","properties":{"a":{"type":"number"},"b":{"type":"number"}}},` +
		`"outputSchema":{"type":"object"}}`
)

func TestDigestToolsVectors(t *testing.T) {
	tests := []struct {
		name       string
		tools      []json.RawMessage
		names      []string
		schemaEnc  string // hand-written expected encodings
		defEnc     string
		schemaHex  string // recorded digests
		definition string
	}{
		{
			name:       "empty",
			tools:      nil,
			names:      []string{},
			schemaEnc:  `[]`,
			defEnc:     `[]`,
			schemaHex:  "4f53cda18c2baa0c0354bb5f9a3ecbe5ed12ab4d8e11ba873c2f11161202b945",
			definition: "4f53cda18c2baa0c0354bb5f9a3ecbe5ed12ab4d8e11ba873c2f11161202b945",
		},
		{
			name:  "two tools",
			tools: rawTools(toolSearch, toolAdd),
			names: []string{"add", "search"},
			schemaEnc: `[{"inputSchema":{"properties":{"a":{"type":"number"},"b":{"type":"number"}},"type":"object"},"name":"add","outputSchema":{"type":"object"}},` +
				`{"annotations":{"readOnlyHint":true},"inputSchema":{"properties":{"q":{"type":"string"}},"required":["q"],"type":"object"},"name":"search"}]`,
			defEnc: `[{"description":"Add","inputSchema":{"properties":{"a":{"type":"number"},"b":{"type":"number"}},"type":"object"},"name":"add","outputSchema":{"type":"object"}},` +
				`{"annotations":{"readOnlyHint":true},"description":"Find things","inputSchema":{"properties":{"q":{"type":"string"}},"required":["q"],"type":"object"},"name":"search","title":"Search"}]`,
			schemaHex:  "1da4c084cc208ca33be97a2b8efa7e0e1ea29c4d0982a9df0543e112621b2943",
			definition: "d1fdc467217a73adc716e0555626b175036d530a4ad7e936b3edff199dd6253a",
		},
		{
			name:       "escaped name",
			tools:      rawTools(`{"name":"\u0062eta","_meta":{}}`, `{"name":"alpha","title":"A"}`),
			names:      []string{"alpha", "beta"},
			schemaEnc:  `[{"name":"alpha"},{"name":"\u0062eta"}]`,
			defEnc:     `[{"name":"alpha","title":"A"},{"name":"\u0062eta"}]`,
			schemaHex:  "d324d6085e0136eef78fd0598cf8142da5f895b178499b1ecfc1c1699396e06d",
			definition: "f5bdcf2bf01710611b994ede8e7d94a0a7af3d718924f4216dc7b7c4db8f64ec",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d, err := DigestTools(tc.tools)
			if err != nil {
				t.Fatal(err)
			}
			if d.Count != len(tc.tools) || !slices.Equal(d.Names, tc.names) {
				t.Fatalf("Count, Names = %d, %q; want %d, %q", d.Count, d.Names, len(tc.tools), tc.names)
			}
			// The recorded hex is justified by an independent reference: the
			// hash of the hand-written encoding.
			if want := sha256.Sum256([]byte(tc.schemaEnc)); d.Schema != want {
				t.Errorf("Schema = %x, want sha256(%s) = %x", d.Schema, tc.schemaEnc, want)
			}
			if want := sha256.Sum256([]byte(tc.defEnc)); d.Definition != want {
				t.Errorf("Definition = %x, want sha256(%s) = %x", d.Definition, tc.defEnc, want)
			}
			if got := hex.EncodeToString(d.Schema[:]); got != tc.schemaHex {
				t.Errorf("Schema hex = %s, want %s", got, tc.schemaHex)
			}
			if got := hex.EncodeToString(d.Definition[:]); got != tc.definition {
				t.Errorf("Definition hex = %s, want %s", got, tc.definition)
			}
		})
	}
}

func mustDigest(t *testing.T, tools ...string) ToolsDigest {
	t.Helper()
	d, err := DigestTools(rawTools(tools...))
	if err != nil {
		t.Fatalf("DigestTools: %v", err)
	}
	return d
}

func indent(t *testing.T, s string) string {
	t.Helper()
	var b bytes.Buffer
	if err := json.Indent(&b, []byte(s), "\t", "    "); err != nil {
		t.Fatal(err)
	}
	return "\n " + b.String() + " \r\n"
}

func TestDigestToolsInvariance(t *testing.T) {
	base := mustDigest(t, toolSearch, toolAdd)
	reorderedSearch := `{"_meta":{"x":1},"annotations":{"readOnlyHint":true},` +
		`"inputSchema":{"required":["q"],"properties":{"q":{"type":"string"}},"type":"object"},` +
		`"description":"Find things","title":"Search","name":"search"}`
	tests := []struct {
		name  string
		tools []string
	}{
		{"tool order", []string{toolAdd, toolSearch}},
		{"key order", []string{reorderedSearch, toolAdd}},
		{"whitespace", []string{indent(t, toolSearch), indent(t, toolAdd)}},
		{"all together", []string{indent(t, toolAdd), indent(t, reorderedSearch)}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := mustDigest(t, tc.tools...)
			if d.Schema != base.Schema || d.Definition != base.Definition {
				t.Fatalf("digest changed: %x/%x vs %x/%x", d.Schema, d.Definition, base.Schema, base.Definition)
			}
			if !slices.Equal(d.Names, base.Names) || d.Count != base.Count {
				t.Fatalf("Names/Count changed: %q %d", d.Names, d.Count)
			}
		})
	}
}

func TestDigestToolsSensitivity(t *testing.T) {
	base := mustDigest(t, toolSearch, toolAdd)
	replace := func(old, repl string) string {
		if !strings.Contains(toolSearch, old) {
			t.Fatalf("test bug: %q not in tool", old)
		}
		return strings.Replace(toolSearch, old, repl, 1)
	}
	tests := []struct {
		name                string
		tool                string
		schemaSame, defSame bool
	}{
		{"description", replace(`"Find things"`, `"Find other things"`), true, false},
		{"title", replace(`"Search"`, `"Finder"`), true, false},
		{"title removed", replace(`"title":"Search",`, ``), true, false},
		{"top-level _meta value", replace(`"_meta":{"x":1}`, `"_meta":{"x":2,"y":[1]}`), true, true},
		{"top-level _meta removed", replace(`,"_meta":{"x":1}`, ``), true, true},
		{"escaped _meta key", replace(`"_meta":{"x":1}`, `"\u005fmeta":{"x":3}`), true, true},
		{"inputSchema", replace(`"q":{"type":"string"}`, `"q":{"type":"integer"}`), false, false},
		{"inputSchema number spelling", replace(`"required":["q"]`, `"required":["q"],"maxItems":1.0`), false, false},
		{"nested _meta in inputSchema", replace(`"type":"object"`, `"type":"object","_meta":{"x":1}`), false, false},
		{"outputSchema added", replace(`"annotations"`, `"outputSchema":{"type":"object"},"annotations"`), false, false},
		{"annotations", replace(`"readOnlyHint":true`, `"readOnlyHint":false`), false, false},
		{"annotations removed", replace(`"annotations":{"readOnlyHint":true},`, ``), false, false},
		{"name", replace(`"name":"search"`, `"name":"search2"`), false, false},
		{"string escape spelling", replace(`"Find things"`, `"Find thing\u0073"`), true, false},
		{"other member added", replace(`"title"`, `"icons":[],"title"`), true, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := mustDigest(t, tc.tool, toolAdd)
			if got := d.Schema == base.Schema; got != tc.schemaSame {
				t.Errorf("schema unchanged = %v, want %v", got, tc.schemaSame)
			}
			if got := d.Definition == base.Definition; got != tc.defSame {
				t.Errorf("definition unchanged = %v, want %v", got, tc.defSame)
			}
		})
	}
	t.Run("outputSchema changed", func(t *testing.T) {
		d := mustDigest(t, toolSearch, strings.Replace(toolAdd, `"outputSchema":{"type":"object"}`, `"outputSchema":{"type":"array"}`, 1))
		if d.Schema == base.Schema || d.Definition == base.Definition {
			t.Fatal("outputSchema change not detected")
		}
	})
}

func TestDigestToolsDuplicateNames(t *testing.T) {
	a1 := `{"name":"dup","description":"one"}`
	a2 := `{"description":"two","name":"dup","inputSchema":{"type":"object"}}`
	b := `{"name":"b"}`
	first := mustDigest(t, a1, b, a2)
	for _, order := range [][]string{{a2, a1, b}, {b, a2, a1}, {a1, a2, b}} {
		d := mustDigest(t, order...)
		if d.Schema != first.Schema || d.Definition != first.Definition {
			t.Fatalf("order %q changed the digest", order)
		}
	}
	if want := []string{"b", "dup", "dup"}; !slices.Equal(first.Names, want) || first.Count != 3 {
		t.Fatalf("Names = %q, Count = %d", first.Names, first.Count)
	}
	// Tie broken by canonical definition: {"description":"one",...} < {"description":"two",...}.
	wantDef := sha256.Sum256([]byte(`[{"name":"b"},{"description":"one","name":"dup"},{"description":"two","inputSchema":{"type":"object"},"name":"dup"}]`))
	wantSchema := sha256.Sum256([]byte(`[{"name":"b"},{"name":"dup"},{"inputSchema":{"type":"object"},"name":"dup"}]`))
	if first.Definition != wantDef || first.Schema != wantSchema {
		t.Fatal("duplicate-name encoding differs from the hand-written one")
	}
	// Identical duplicates are fine too.
	mustDigest(t, a1, a1)
}

func TestDigestToolsNameScan(t *testing.T) {
	// "name" appears after nested members that contain decoys.
	tool := `{"inputSchema":{"properties":{"name":{"type":"string","default":"}{]["}}},` +
		`"x":[{"name":"no"},"\"name\"",-1.5e3,true,null],"y" : 7 ,"z":"a\\","name" : "real"}`
	d := mustDigest(t, tool)
	if !slices.Equal(d.Names, []string{"real"}) {
		t.Fatalf("Names = %q", d.Names)
	}
}

func TestDigestToolsErrors(t *testing.T) {
	deep := `{"name":"x","s":` + string(nested("[", "]", 100000)) + `}`
	deepBeforeName := `{"s":` + string(nested("[", "]", 100000)) + `,"name":"x"}`
	tests := []struct {
		name    string
		tools   []string
		tooDeep bool
	}{
		{"array tool", []string{`[]`}, false},
		{"string tool", []string{`"search"`}, false},
		{"null tool", []string{`null`}, false},
		{"empty raw", []string{``}, false},
		{"no name", []string{`{}`}, false},
		{"no name with members", []string{`{"title":"x","inputSchema":{"name":"n"}}`}, false},
		{"number name", []string{`{"name":1}`}, false},
		{"null name", []string{`{"name":null}`}, false},
		{"object name", []string{`{"name":{"a":"b"}}`}, false},
		{"second tool bad", []string{toolAdd, `{"title":"x"}`}, false},
		{"invalid after name", []string{`{"name":"a","x":}`}, false},
		{"invalid before name", []string{`{"x":tru,"name":"a"}`}, false},
		{"unclosed", []string{`{"name":"a"`}, false},
		{"trailing data", []string{`{"name":"a"} x`}, false},
		{"duplicate name key", []string{`{"name":"a","name":"b"}`}, false},
		{"duplicate other key", []string{`{"name":"a","x":1,"x":2}`}, false},
		{"bad escape in name", []string{`{"name":"\q"}`}, false},
		{"invalid UTF-8 in name", []string{"{\"name\":\"\xff\"}"}, false},
		{"deep after name", []string{deep}, true},
		{"deep before name", []string{deepBeforeName}, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d, err := DigestTools(rawTools(tc.tools...))
			if err == nil {
				t.Fatalf("DigestTools(%q) = %+v, want error", tc.tools, d)
			}
			if tc.tooDeep && !errors.Is(err, ErrTooDeep) {
				t.Fatalf("error = %v, want ErrTooDeep", err)
			}
		})
	}
}

// genTools builds a deterministic tools/list-like payload: n tools with
// realistic nested input schemas, about 4 KiB each. It returns the raw tools
// and the same bytes as one JSON array.
func genTools(n int) ([]json.RawMessage, []byte) {
	r := rand.New(rand.NewPCG(1, 2))
	words := strings.Fields("the a tool returns list of items for given query user project file path " +
		"repository issue search filter limit offset page token résumé données 検索 optional required " +
		"string value when set otherwise default used by server to format output as JSON or text")
	sentence := func(nw int) string {
		var b strings.Builder
		for i := range nw {
			if i > 0 {
				b.WriteByte(' ')
			}
			b.WriteString(words[r.IntN(len(words))])
		}
		return b.String()
	}
	q := func(s string) string { b, _ := json.Marshal(s); return string(b) }
	var prop func(depth int) string
	prop = func(depth int) string {
		switch k := r.IntN(6); {
		case k == 0 && depth < 3:
			var b strings.Builder
			b.WriteString(`{"type":"object","description":` + q(sentence(12)) + `,"properties":{`)
			for i := range 3 {
				if i > 0 {
					b.WriteByte(',')
				}
				fmt.Fprintf(&b, `"field_%d":%s`, i, prop(depth+1))
			}
			b.WriteString(`},"required":["field_0"],"additionalProperties":false}`)
			return b.String()
		case k == 1 && depth < 3:
			return `{"type":"array","description":` + q(sentence(10)) + `,"items":` + prop(depth+1) + `,"minItems":0,"maxItems":100}`
		case k == 2:
			return `{"type":"string","enum":["asc","desc","relevance","created"],"default":"relevance","description":` + q(sentence(15)) + `}`
		case k == 3:
			return `{"type":"integer","minimum":1,"maximum":1000,"default":30,"description":` + q(sentence(14)) + `}`
		case k == 4:
			return `{"type":"boolean","default":false,"description":` + q(sentence(12)) + `}`
		default:
			return `{"type":"string","format":"uri","pattern":"^[a-z]+://.*$","description":` + q(sentence(18)) + `}`
		}
	}
	tools := make([]json.RawMessage, n)
	var all bytes.Buffer
	all.WriteByte('[')
	for i := range n {
		var b strings.Builder
		fmt.Fprintf(&b, `{"name":"tool_%05d","title":%s,"description":%s,"inputSchema":{"type":"object","properties":{`,
			(i*7919)%n, q(sentence(4)), q(sentence(100)))
		np := 6 + r.IntN(5)
		for p := range np {
			if p > 0 {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, `"param_%d":%s`, p, prop(0))
		}
		b.WriteString(`},"required":["param_0","param_1"],"additionalProperties":false,"$schema":"http://json-schema.org/draft-07/schema#"}`)
		if i%3 == 0 {
			b.WriteString(`,"outputSchema":{"type":"object","properties":{"result":{"type":"string"},"count":{"type":"integer"}}}`)
		}
		b.WriteString(`,"annotations":{"readOnlyHint":true,"destructiveHint":false,"openWorldHint":true}`)
		if i%2 == 0 {
			fmt.Fprintf(&b, `,"_meta":{"vendor/trace":"%d","ui":{"icon":"x"}}`, i)
		}
		b.WriteByte('}')
		if i > 0 {
			all.WriteByte(',')
		}
		start := all.Len()
		all.WriteString(b.String())
		tools[i] = all.Bytes()[start:all.Len():all.Len()]
	}
	all.WriteByte(']')
	// The tool slices above may point into superseded buffers; re-slice
	// them out of the final array so both benchmarks read the same bytes.
	data := all.Bytes()
	off := 1
	for i := range tools {
		l := len(tools[i])
		tools[i] = data[off : off+l : off+l]
		off += l + 1
	}
	return tools, data
}

func TestGenToolsValid(t *testing.T) {
	tools, data := genTools(50)
	if !json.Valid(data) {
		t.Fatal("generated data is not valid JSON")
	}
	var split []json.RawMessage
	if err := json.Unmarshal(data, &split); err != nil {
		t.Fatal(err)
	}
	for i := range tools {
		if !bytes.Equal(tools[i], split[i]) {
			t.Fatalf("tool %d slice mismatch", i)
		}
	}
	d, err := DigestTools(tools)
	if err != nil || d.Count != 50 {
		t.Fatalf("DigestTools: %+v, %v", d, err)
	}
}

// TestDigestToolsAllocations checks that DigestTools streams: its total
// allocation (an upper bound on its added peak heap) stays well under the
// input size, because only per-tool buffers are kept.
func TestDigestToolsAllocations(t *testing.T) {
	if testing.Short() {
		t.Skip("allocates a few MiB")
	}
	tools, data := genTools(500)
	if _, err := DigestTools(tools); err != nil { // warm up
		t.Fatal(err)
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	if _, err := DigestTools(tools); err != nil {
		t.Fatal(err)
	}
	runtime.ReadMemStats(&after)
	allocated := after.TotalAlloc - before.TotalAlloc
	t.Logf("input %d bytes, DigestTools allocated %d bytes", len(data), allocated)
	if allocated > uint64(len(data)) {
		t.Fatalf("DigestTools allocated %d bytes for %d bytes of input", allocated, len(data))
	}
}

var (
	benchTools []json.RawMessage
	benchData  []byte
)

func benchSetup(b *testing.B) {
	if benchData == nil {
		// 5,000 tools of about 4 KiB: a ~20 MiB tools/list result.
		benchTools, benchData = genTools(5000)
	}
	b.SetBytes(int64(len(benchData)))
	b.ReportAllocs()
}

func BenchmarkDigestTools(b *testing.B) {
	benchSetup(b)
	for b.Loop() {
		if _, err := DigestTools(benchTools); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(benchData))/(1<<20), "input-MiB")
}

func BenchmarkJSONUnmarshal(b *testing.B) {
	benchSetup(b)
	for b.Loop() {
		var v []map[string]any
		if err := json.Unmarshal(benchData, &v); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkAppend(b *testing.B) {
	benchSetup(b)
	var out []byte
	for b.Loop() {
		var err error
		if out, err = Append(out[:0], benchData); err != nil {
			b.Fatal(err)
		}
	}
}

var surrogateEscape = regexp.MustCompile(`\\u[dD][89a-fA-F]`)

func FuzzCanonical(f *testing.F) {
	for _, tc := range vectors {
		f.Add([]byte(tc.in))
	}
	for _, tc := range errorCases {
		f.Add([]byte(tc.in))
	}
	for _, tc := range dupCases {
		f.Add([]byte(tc.in))
	}
	f.Add([]byte(toolSearch))
	f.Add([]byte(toolAdd))
	f.Add(nested("[", "]", maxDepth+1))
	f.Fuzz(func(t *testing.T, in []byte) {
		out, err := Append(nil, in)
		if err != nil {
			// Only our stricter rules may reject what encoding/json accepts.
			if json.Valid(in) && !errors.Is(err, errDupKey) && !errors.Is(err, ErrTooDeep) && !errors.Is(err, errBadUTF8) {
				t.Fatalf("rejected valid JSON %q: %v", in, err)
			}
			return
		}
		if !json.Valid(in) {
			t.Fatalf("accepted invalid JSON %q as %q", in, out)
		}
		if !json.Valid(out) {
			t.Fatalf("output not valid JSON: %q -> %q", in, out)
		}
		again, err := Append(nil, out)
		if err != nil || !bytes.Equal(again, out) {
			t.Fatalf("not idempotent: %q -> %q -> %q, %v", in, out, again, err)
		}
		// Same value once decoded (numbers compared as their literal text).
		// encoding/json turns every lone surrogate into U+FFFD, which can
		// merge keys we keep apart, so skip inputs that might have one.
		if surrogateEscape.Match(in) {
			return
		}
		var a, b any
		da, db := json.NewDecoder(bytes.NewReader(in)), json.NewDecoder(bytes.NewReader(out))
		da.UseNumber()
		db.UseNumber()
		if err := da.Decode(&a); err != nil {
			t.Fatalf("decoding input: %v", err)
		}
		if err := db.Decode(&b); err != nil {
			t.Fatalf("decoding output: %v", err)
		}
		if !reflect.DeepEqual(a, b) {
			t.Fatalf("value changed: %q -> %q", in, out)
		}
		if len(out) > len(in) {
			t.Fatalf("output longer than input: %q -> %q", in, out)
		}
	})
}
