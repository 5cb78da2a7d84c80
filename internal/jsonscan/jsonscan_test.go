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

package jsonscan

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"
)

// delimiter reports whether Value stops at c outside any bracket.
func delimiter(c byte) bool {
	return strings.IndexByte(", \t\n\r]}", c) >= 0
}

// checkAgainstDecoder compares Value and ValidValue with encoding/json on
// b: where a json.Decoder reads a first value followed by the end of the
// input or a delimiter, both scanners end where it ends; Value refuses the
// value only for invalid UTF-8, which encoding/json lets through.
func checkAgainstDecoder(t *testing.T, b []byte) {
	t.Helper()
	start := Space(b, 0)
	end, err := Value(b, start)
	valid := ValidValue(b, start)
	if end < start || end > len(b) || valid < start || valid > len(b) {
		t.Fatalf("%q: ends %d, %d outside [%d, %d]", b, end, valid, start, len(b))
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	var raw json.RawMessage
	if dec.Decode(&raw) != nil {
		return
	}
	want := int(dec.InputOffset())
	if want < len(b) && !delimiter(b[want]) {
		return // Value does not stop there: `true"x"` is not one value to it
	}
	if valid != want {
		t.Errorf("%q: ValidValue ends at %d, encoding/json at %d", b, valid, want)
	}
	switch {
	case utf8.Valid(raw):
		if err != nil || end != want {
			t.Errorf("%q: Value = %d, %v; encoding/json ends at %d", b, end, err, want)
		}
	case !errors.Is(err, ErrBadUTF8):
		t.Errorf("%q: Value = %d, %v; want ErrBadUTF8", b, end, err)
	}
	if json.Valid(b) && Space(b, valid) != len(b) {
		t.Errorf("%q: valid JSON, but ValidValue stops at %d", b, valid)
	}
}

var seeds = []string{
	`{"a":[1,2,{"b":"c\"]"}],"d":null}`,
	` [true, false, null, -1.5e3, "\u00e9\n"] `,
	`"caf\u00e9"`,
	"\"caf\xc3\xa9\"",
	"\"bad \xff utf-8\"",
	`"unterminated`,
	`"bad escape \q"`,
	`"\u12"`,
	"\"ctl \x01\"",
	`{"a":1}]`,
	`1, 2`,
	`true"x"`,
	`[[[[]]]]`,
	`{"k":"v\\"}`,
}

func TestValueAgainstDecoder(t *testing.T) {
	for _, s := range seeds {
		checkAgainstDecoder(t, []byte(s))
	}
}

// FuzzValue compares the scanner with encoding/json on the same input.
func FuzzValue(f *testing.F) {
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Fuzz(checkAgainstDecoder)
}

// TestStringErrors: the offset and words of each refusal, which
// internal/canonical reports as they are.
func TestStringErrors(t *testing.T) {
	for _, c := range []struct {
		in, want string
		bad      bool
	}{
		{`"ok"`, "", false},
		{`"open`, "invalid JSON at offset 5: unterminated string", false},
		{`"a\`, "invalid JSON at offset 2: unterminated string", false},
		{`"\x"`, `invalid JSON at offset 1: invalid escape \x`, false},
		{`"\u00g0"`, `invalid JSON at offset 1: invalid \u escape`, false},
		{"\"a\x1f\"", "invalid JSON at offset 2: control character 0x1f in string", false},
		{"\"a\xc3\"", "invalid JSON at offset 2: invalid UTF-8 in string", true},
	} {
		end, _, err := String([]byte(c.in), 0)
		if c.want == "" {
			if err != nil || end != len(c.in) {
				t.Errorf("%q: String = %d, %v", c.in, end, err)
			}
			continue
		}
		if err == nil || err.Error() != c.want || errors.Is(err, ErrBadUTF8) != c.bad {
			t.Errorf("%q: String error %v, want %q (ErrBadUTF8 %v)", c.in, err, c.want, c.bad)
		}
	}
}

// BenchmarkValue passes over a tools/list page of 2,000 tools whose strings
// carry escapes, as the wire client (ValidValue) and internal/canonical
// (Value) do.
func BenchmarkValue(b *testing.B) {
	var doc bytes.Buffer
	doc.WriteString("[")
	for i := range 2000 {
		if i > 0 {
			doc.WriteString(",")
		}
		fmt.Fprintf(&doc, `{"name":"tool_%d","description":"Reads caf\u00e9 menus and \"quoted\" text, %d","inputSchema":{"type":"object","properties":{"a":{"type":"string"}},"required":["a"]},"annotations":{"readOnlyHint":true}}`, i, i)
	}
	doc.WriteString("]")
	in := doc.Bytes()
	b.Run("ValidValue", func(b *testing.B) {
		b.SetBytes(int64(len(in)))
		for range b.N {
			if ValidValue(in, 0) != len(in) {
				b.Fatal("short")
			}
		}
	})
	b.Run("Value", func(b *testing.B) {
		b.SetBytes(int64(len(in)))
		for range b.N {
			if end, err := Value(in, 0); end != len(in) || err != nil {
				b.Fatal(end, err)
			}
		}
	})
}

// validSeeds are JSON texts and near misses for Valid.
var validSeeds = []string{
	`{}`, `[]`, ` {"a": [1, -2.5e+3, true, false, null, "x\u00e9\n"]} `, `"\ud83d\ude00"`, `0`, `-0.0E-0`,
	`01`, `1.`, `.5`, `1e`, `-`, `+1`, `tru`, `nul`, `[1,]`, `{"a":1,}`, `{"a" 1}`, `{1:2}`, `[1 2]`, `{"a":1}}`,
	`"\x"`, "\"\x01\"", "\"\xff\xfe\"", `"\u12G4"`, `[[[[[[]]]]]]`, `{"a":{"b":[{}]}}`, "\t\r\n[ ]\n", ``, ` `, `[`, `]`,
	`{"a":1]`, `[1}`, `"abc`, `{"a"}`, `nulll`, `[true false]`, `1 2`,
}

// Valid agrees with encoding/json.Valid, including its nesting limit.
func TestValidAgainstEncodingJSON(t *testing.T) {
	for _, s := range validSeeds {
		if got, want := Valid([]byte(s)), json.Valid([]byte(s)); got != want {
			t.Errorf("Valid(%q) = %v, encoding/json says %v", s, got, want)
		}
	}
	for _, depth := range []int{maxDepth - 1, maxDepth, maxDepth + 1} {
		for _, s := range []string{strings.Repeat("[", depth) + strings.Repeat("]", depth),
			strings.Repeat(`{"a":`, depth-1) + "{}" + strings.Repeat("}", depth-1)} {
			if got, want := Valid([]byte(s)), json.Valid([]byte(s)); got != want {
				t.Errorf("depth %d (%.10s…): Valid = %v, encoding/json says %v", depth, s, got, want)
			}
		}
	}
}

func FuzzValid(f *testing.F) {
	for _, s := range validSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if got, want := Valid(b), json.Valid(b); got != want {
			t.Fatalf("Valid(%q) = %v, encoding/json says %v", b, got, want)
		}
	})
}

func BenchmarkValid(b *testing.B) {
	msg := []byte(`{"jsonrpc":"2.0","id":2,"result":{"tools":[{"name":"echo","description":"Echoes its input back.","inputSchema":{"type":"object","properties":{"text":{"type":"string","description":"what to echo"}},"required":["text"]},"annotations":{"readOnlyHint":true}},{"name":"add","inputSchema":{"type":"object","properties":{"a":{"type":"number"},"b":{"type":"number"}}}}]}}`)
	b.Run("jsonscan", func(b *testing.B) {
		b.SetBytes(int64(len(msg)))
		for b.Loop() {
			if !Valid(msg) {
				b.Fatal("invalid")
			}
		}
	})
	b.Run("encoding/json", func(b *testing.B) {
		b.SetBytes(int64(len(msg)))
		for b.Loop() {
			if !json.Valid(msg) {
				b.Fatal("invalid")
			}
		}
	})
}
