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
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/mcp-exporter/mcp_exporter/internal/failure"
)

// TestLists: tools/list, resources/list and prompts/list share one
// pagination: each follows nextCursor, reads its own member, and fails the
// same way on a repeated cursor, too many pages or too many items.
func TestLists(t *testing.T) {
	lists := []struct {
		method, member string
		list           func(c *Client, pages, items int) ([]json.RawMessage, error)
	}{
		{"tools/list", "tools", func(c *Client, p, n int) ([]json.RawMessage, error) { return c.ListTools(context.Background(), p, n) }},
		{"resources/list", "resources", func(c *Client, p, n int) ([]json.RawMessage, error) {
			return c.ListResources(context.Background(), p, n)
		}},
		{"prompts/list", "prompts", func(c *Client, p, n int) ([]json.RawMessage, error) {
			return c.ListPrompts(context.Background(), p, n)
		}},
	}
	for _, l := range lists {
		t.Run(l.member, func(t *testing.T) {
			for _, tc := range []struct {
				name         string
				page         func(cursor string) string // the result for a cursor
				pages, items int
				want         int // items; -1: fails
				msg          string
			}{
				{name: "three pages", page: pages(l.member, 3), pages: 10, items: 100, want: 6},
				{name: "page bound", page: pages(l.member, 3), pages: 2, items: 100, want: -1, msg: "has more than 2 pages"},
				{name: "item bound", page: pages(l.member, 3), pages: 10, items: 5, want: -1, msg: "has more than 5 " + l.member},
				{name: "cursor loop", page: func(string) string { return `{"` + l.member + `":[{"a":1}],"nextCursor":"again"}` },
					pages: 10, items: 100, want: -1, msg: "nextCursor repeats an earlier cursor"},
				{name: "another list's member", page: func(string) string { return `{"other":[{"a":1}]}` },
					pages: 10, items: 100, want: -1, msg: "lacks the " + l.member + " array"},
				{name: "not an array", page: func(string) string { return `{"` + l.member + `":{}}` },
					pages: 10, items: 100, want: -1, msg: "not an object with a " + l.member + " array"},
			} {
				t.Run(tc.name, func(t *testing.T) {
					var methods []string
					ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
						var m struct {
							ID     json.RawMessage `json:"id"`
							Method string          `json:"method"`
							Params struct {
								Cursor string `json:"cursor"`
							} `json:"params"`
						}
						b, _ := io.ReadAll(r.Body)
						_ = json.Unmarshal(b, &m)
						methods = append(methods, m.Method)
						w.Header().Set("Content-Type", "application/json")
						_, _ = io.WriteString(w, `{"jsonrpc":"2.0","id":`+string(m.ID)+`,"result":`+tc.page(m.Params.Cursor)+`}`)
					}))
					defer ts.Close()
					c := &Client{HTTP: ts.Client(), Endpoint: ts.URL}
					items, err := l.list(c, tc.pages, tc.items)
					for _, m := range methods {
						if m != l.method {
							t.Errorf("sent %s, want only %s", m, l.method)
						}
					}
					if tc.want < 0 {
						var e *failure.Error
						if !errors.As(err, &e) || e.Reason != failure.ReasonProtocolViolation || !strings.Contains(err.Error(), tc.msg) ||
							!strings.Contains(err.Error(), l.method) {
							t.Errorf("err = %v, want a protocol violation of %s: %s", err, l.method, tc.msg)
						}
						return
					}
					if err != nil || len(items) != tc.want {
						t.Errorf("%d items, %v; want %d", len(items), err, tc.want)
					}
				})
			}
		})
	}
}

// pages answers n pages of two items each under member, with cursors
// "p1", "p2", ….
func pages(member string, n int) func(cursor string) string {
	return func(cursor string) string {
		i, _ := strconv.Atoi(strings.TrimPrefix(cursor, "p"))
		next := ""
		if i+1 < n {
			next = `,"nextCursor":"p` + strconv.Itoa(i+1) + `"`
		}
		return `{"` + member + `":[{"i":` + strconv.Itoa(2*i) + `},{"i":` + strconv.Itoa(2*i+1) + `}]` + next + `}`
	}
}

// The handshake tells which of the listable capabilities the server
// advertises.
func TestHandshakeListCapabilities(t *testing.T) {
	for _, tc := range []struct {
		caps                      string
		tools, resources, prompts bool
	}{
		{`{}`, false, false, false},
		{`{"tools":{},"resources":{"subscribe":true},"prompts":{}}`, true, true, true},
		{`{"resources":{},"prompts":null}`, false, true, false},
	} {
		ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			b, _ := io.ReadAll(r.Body)
			if !strings.Contains(string(b), `"initialize"`) {
				w.WriteHeader(http.StatusAccepted)
				return
			}
			w.Header().Set("Content-Type", "application/json")
			_, _ = io.WriteString(w, `{"jsonrpc":"2.0","id":1,"result":{"protocolVersion":"2025-11-25","capabilities":`+tc.caps+`,"serverInfo":{"name":"s","version":"1"}}}`)
		}))
		c := &Client{HTTP: ts.Client(), Endpoint: ts.URL}
		hs, err := c.Handshake(context.Background(), &HandshakeOptions{Pinned: "2025-11-25", Accept: []string{"2025-11-25"}})
		ts.Close()
		if err != nil {
			t.Fatalf("%s: %v", tc.caps, err)
		}
		if hs.Tools != tc.tools || hs.Resources != tc.resources || hs.Prompts != tc.prompts {
			t.Errorf("%s: tools %v, resources %v, prompts %v", tc.caps, hs.Tools, hs.Resources, hs.Prompts)
		}
	}
}
