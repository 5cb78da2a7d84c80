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
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/mcp-exporter/mcp_exporter/internal/failure"
)

// sharesMemory reports whether b starts within src's memory.
func sharesMemory(src, b []byte) bool {
	for i := range src {
		if len(b) > 0 && &src[i] == &b[0] {
			return true
		}
	}
	return false
}

// TestSplitArrayMatchesUnmarshal: splitArray returns what unmarshalling
// into []json.RawMessage returns, as slices of its input.
func TestSplitArrayMatchesUnmarshal(t *testing.T) {
	for _, in := range []string{
		`[]`, ` [ ] `, `[1]`, `[ 1 , "a" ,null,true,false, -1.5e3 ]`,
		`[{"a":[1,{"b":"]}"}]},"x\"]\\",[[]],{}]`,
		"[\n\t{\"name\":\"t\",\"inputSchema\":{\"type\":\"object\"}}\r\n,\n{\"name\":\"\\u00e9\"}\n]",
		"[\"\xff invalid UTF-8 is kept as it is\"]",
	} {
		var want []json.RawMessage
		if err := json.Unmarshal([]byte(in), &want); err != nil {
			t.Fatalf("%q: %v", in, err)
		}
		b := []byte(in)
		got, ok := splitArray(b)
		if !ok || len(got) != len(want) {
			t.Fatalf("%q: splitArray = %q, %v; want %q", in, got, ok, want)
		}
		for i := range got {
			if !bytes.Equal(got[i], want[i]) {
				t.Errorf("%q: element %d = %q, want %q", in, i, got[i], want[i])
			}
			if !sharesMemory(b, got[i]) {
				t.Errorf("%q: element %d is a copy", in, i)
			}
		}
	}
	for _, in := range []string{`{}`, `"[]"`, `1`, `null`, ``} {
		if _, ok := splitArray([]byte(in)); ok {
			t.Errorf("%q: splitArray ok", in)
		}
	}
}

// TestDecodeMessageSharesResult: the result of a decoded message is a
// slice of the message, and decodes as json.RawMessage would (null and
// absent included).
func TestDecodeMessageSharesResult(t *testing.T) {
	for in, want := range map[string]string{
		`{"jsonrpc":"2.0","id":1,"result":{"tools":[]}}`:      `{"tools":[]}`,
		` {"jsonrpc":"2.0","id":1,"result": [1, 2] } `:        `[1, 2]`,
		`{"jsonrpc":"2.0","id":1,"result":null}`:              `null`,
		`{"jsonrpc":"2.0","id":1,"result":1,"result":"last"}`: `"last"`,
	} {
		b := []byte(in)
		m, err := decodeMessage(b)
		if err != nil {
			t.Fatalf("%s: %v", in, err)
		}
		if string(m.Result) != want {
			t.Errorf("%s: Result = %s, want %s", in, m.Result, want)
		}
		if !sharesMemory(b, m.Result) {
			t.Errorf("%s: Result is a copy", in)
		}
	}
	m, err := decodeMessage([]byte(`{"jsonrpc":"2.0","id":1,"error":{"code":-32601,"message":"x"}}`))
	if err != nil || m.Result != nil || m.Error == nil {
		t.Errorf("error response: Result %q, Error %q, err %v", m.Result, m.Error, err)
	}
	// Where encoding/json does not hand over a slice of the input, the
	// value is copied.
	var s sharedRaw
	src := []byte(`"x"`)
	if err := s.UnmarshalJSON(bytes.Clone(src)); err != nil || string(s.raw) != `"x"` || sharesMemory(src, s.raw) {
		t.Errorf("foreign slice: %q, %v", s.raw, err)
	}
}

// TestListToolsPages: tools/list answers, well-formed or not, are read as
// before the tools were kept as slices of the answer.
func TestListToolsPages(t *testing.T) {
	tests := []struct {
		result string
		tools  []string
		reason failure.Reason
		msg    string
	}{
		{result: `{"tools":[{"name":"a"}, {"name":"b","x":[1,2]} ]}`, tools: []string{`{"name":"a"}`, `{"name":"b","x":[1,2]}`}},
		{result: `{"tools":[]}`, tools: []string{}},
		{result: `{"tools":null}`, reason: failure.ReasonProtocolViolation, msg: "lacks the tools array"},
		{result: `{}`, reason: failure.ReasonProtocolViolation, msg: "lacks the tools array"},
		{result: `null`, reason: failure.ReasonProtocolViolation, msg: "lacks the tools array"},
		{result: `{"tools":{}}`, reason: failure.ReasonProtocolViolation, msg: "not an object with a tools array"},
		{result: `{"tools":"x"}`, reason: failure.ReasonProtocolViolation, msg: "not an object with a tools array"},
		{result: `[1]`, reason: failure.ReasonProtocolViolation, msg: "not an object with a tools array"},
		{result: `{"tools":[],"nextCursor":5}`, reason: failure.ReasonProtocolViolation, msg: "nextCursor is not a string"},
	}
	for _, tt := range tests {
		ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			_, _ = io.WriteString(w, `{"jsonrpc":"2.0","id":1,"result":`+tt.result+`}`)
		}))
		c := &Client{HTTP: ts.Client(), Endpoint: ts.URL}
		tools, err := c.ListTools(context.Background(), 10, 100)
		ts.Close()
		if tt.msg != "" {
			var e *failure.Error
			if !errors.As(err, &e) || e.Reason != tt.reason || !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("%s: err = %v, want %s (%s)", tt.result, err, tt.reason, tt.msg)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", tt.result, err)
			continue
		}
		got := make([]string, len(tools))
		for i, tool := range tools {
			got[i] = string(tool)
		}
		if !slices.Equal(got, tt.tools) {
			t.Errorf("%s: tools = %q, want %q", tt.result, got, tt.tools)
		}
	}
}

// TestRequestBodies: the requests the prober sends, byte for byte (their
// params are structs, marshalled as the maps they replaced).
func TestRequestBodies(t *testing.T) {
	var bodies []string
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		bodies = append(bodies, string(b))
		w.Header().Set("Content-Type", "application/json")
		switch {
		case strings.Contains(string(b), `"initialize"`):
			_, _ = io.WriteString(w, `{"jsonrpc":"2.0","id":1,"result":{"protocolVersion":"2025-11-25","capabilities":{"tools":{}},"serverInfo":{"name":"s","version":"1"}}}`)
		case strings.Contains(string(b), `"notifications/initialized"`):
			w.WriteHeader(http.StatusAccepted)
		case strings.Contains(string(b), `"cursor"`):
			_, _ = io.WriteString(w, `{"jsonrpc":"2.0","id":3,"result":{"tools":[]}}`)
		default:
			_, _ = io.WriteString(w, `{"jsonrpc":"2.0","id":2,"result":{"tools":[],"nextCursor":"c1"}}`)
		}
	}))
	defer ts.Close()
	c := &Client{HTTP: ts.Client(), Endpoint: ts.URL, Info: Implementation{Name: "mcp_exporter", Version: "0.1.0"}}
	if _, err := c.Handshake(context.Background(), &HandshakeOptions{Pinned: "2025-11-25", Accept: []string{"2025-11-25"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.ListTools(context.Background(), 10, 100); err != nil {
		t.Fatal(err)
	}
	want := []string{
		`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"capabilities":{},"clientInfo":{"name":"mcp_exporter","version":"0.1.0"},"protocolVersion":"2025-11-25"}}`,
		`{"jsonrpc":"2.0","method":"notifications/initialized"}`,
		`{"jsonrpc":"2.0","id":2,"method":"tools/list","params":{}}`,
		`{"jsonrpc":"2.0","id":3,"method":"tools/list","params":{"cursor":"c1"}}`,
	}
	if !slices.Equal(bodies, want) {
		t.Errorf("bodies:\n%s\nwant:\n%s", strings.Join(bodies, "\n"), strings.Join(want, "\n"))
	}
	// The stateless era's params carry _meta first, as the map did.
	meta := c.meta()
	b, _ := json.Marshal(struct {
		Meta   map[string]any `json:"_meta,omitempty"`
		Cursor string         `json:"cursor,omitempty"`
	}{Meta: meta, Cursor: "c1"})
	m, _ := json.Marshal(map[string]any{"_meta": meta, "cursor": "c1"})
	if string(b) != string(m) {
		t.Errorf("stateless tools/list params %s, the map gave %s", b, m)
	}
}
