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
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/mcp-exporter/mcp_exporter/internal/protocol"
)

// TestDiscoverResult: what 2026-07-28 makes a MUST in a server/discover
// result (resultType, ttlMs >= 0, cacheScope) is reported as a warning
// when broken, never as a failure; serverInfo is a SHOULD and its absence
// is reported as empty server info. ttlMs comes back on the Handshake.
func TestDiscoverResult(t *testing.T) {
	const base = `"supportedVersions":["2026-07-28"],"capabilities":{"tools":{}}`
	tests := []struct {
		name     string
		result   string
		server   Implementation
		ttl      time.Duration
		hasTTL   bool
		warnings []string
	}{
		{
			name:   "complete",
			result: `{` + base + `,"_meta":{"io.modelcontextprotocol/serverInfo":{"name":"s","version":"2"}},"resultType":"complete","ttlMs":3600000,"cacheScope":"public"}`,
			server: Implementation{Name: "s", Version: "2"}, ttl: time.Hour, hasTTL: true,
		},
		{
			name:   "no serverInfo",
			result: `{` + base + `,"resultType":"complete","ttlMs":0,"cacheScope":"private"}`,
			hasTTL: true,
		},
		{
			name:   "serverInfo outside _meta",
			result: `{` + base + `,"serverInfo":{"name":"old","version":"1"},"resultType":"complete","ttlMs":5,"cacheScope":"public"}`,
			server: Implementation{Name: "old", Version: "1"}, ttl: 5 * time.Millisecond, hasTTL: true,
		},
		{
			name:   "no MUST fields",
			result: `{` + base + `}`,
			warnings: []string{
				"server/discover result lacks resultType",
				"server/discover result lacks ttlMs",
				"server/discover result lacks cacheScope",
			},
		},
		{
			name:   "null MUST fields",
			result: `{` + base + `,"resultType":null,"ttlMs":null,"cacheScope":null}`,
			warnings: []string{
				"server/discover result lacks resultType",
				"server/discover result lacks ttlMs",
				"server/discover result lacks cacheScope",
			},
		},
		{
			name:   "wrong values",
			result: `{` + base + `,"resultType":"input_required","ttlMs":-5,"cacheScope":"shared"}`,
			hasTTL: true, // a negative ttlMs is taken as 0
			warnings: []string{
				`server/discover result has resultType "input_required", not "complete"`,
				"server/discover result has a ttlMs that is not an integer >= 0",
				`server/discover result has cacheScope "shared", not "public" or "private"`,
			},
		},
		{
			name:     "ttlMs not a number",
			result:   `{` + base + `,"resultType":"complete","ttlMs":"60000","cacheScope":"public"}`,
			warnings: []string{"server/discover result has a ttlMs that is not a number"},
		},
		{
			name:   "ttlMs not an integer",
			result: `{` + base + `,"resultType":"complete","ttlMs":1.5,"cacheScope":"public"}`,
			ttl:    time.Millisecond, hasTTL: true,
			warnings: []string{"server/discover result has a ttlMs that is not an integer >= 0"},
		},
		{
			name:   "ttlMs huge",
			result: `{` + base + `,"resultType":"complete","ttlMs":1e300,"cacheScope":"public"}`,
			ttl:    maxTTL, hasTTL: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := &resumeFake{}
			f.post = func(w http.ResponseWriter, _ string, id int64) { writeJSON(w, id, tt.result) }
			c, done := startResumeFake(t, f)
			defer done()
			hs, err := c.Handshake(context.Background(), &HandshakeOptions{Accept: []string{protocol.Version20260728}})
			if err != nil {
				t.Fatalf("Handshake: %v", err)
			}
			if hs.Era != EraStateless || hs.Server != tt.server || hs.TTL != tt.ttl || hs.HasTTL != tt.hasTTL {
				t.Errorf("handshake era %v server %+v ttl %v/%v; want server %+v ttl %v/%v",
					hs.Era, hs.Server, hs.TTL, hs.HasTTL, tt.server, tt.ttl, tt.hasTTL)
			}
			if !slices.Equal(c.Warnings(), tt.warnings) {
				t.Errorf("warnings %q, want %q", c.Warnings(), tt.warnings)
			}
		})
	}
}

// tools/list results of 2026-07-28 carry the same MUSTs; each warning is
// counted once however many pages break it.
func TestStatelessToolsListWarnings(t *testing.T) {
	f := &resumeFake{}
	f.post = func(w http.ResponseWriter, method string, id int64) {
		switch method {
		case "server/discover":
			writeJSON(w, id, `{"supportedVersions":["2026-07-28"],"capabilities":{"tools":{}},"resultType":"complete","ttlMs":0,"cacheScope":"public"}`)
		case "tools/list":
			if id == 2 {
				writeJSON(w, id, `{"tools":[{"name":"a","inputSchema":{"type":"object"}}],"nextCursor":"p2"}`)
			} else {
				writeJSON(w, id, `{"tools":[{"name":"b","inputSchema":{"type":"object"}}],"resultType":"complete"}`)
			}
		}
	}
	c, done := startResumeFake(t, f)
	defer done()
	ctx := context.Background()
	if _, err := c.Handshake(ctx, &HandshakeOptions{Accept: []string{protocol.Version20260728}}); err != nil {
		t.Fatalf("Handshake: %v", err)
	}
	if tools, err := c.ListTools(ctx, 10, 10); err != nil || len(tools) != 2 {
		t.Fatalf("ListTools: %d tools, %v", len(tools), err)
	}
	want := []string{"tools/list result lacks resultType", "tools/list result lacks ttlMs", "tools/list result lacks cacheScope"}
	if !slices.Equal(c.Warnings(), want) {
		t.Errorf("warnings %q, want %q", c.Warnings(), want)
	}
}

// A stateful server that answers server/discover without 2026-07-28 (the
// go-sdk's stateful handler does) still says how long that answer holds:
// the Handshake of the initialize that follows carries its ttlMs, and the
// fields of a revision it does not speak are not held against it.
func TestDiscoverTTLOfStatefulServer(t *testing.T) {
	f := &resumeFake{}
	f.post = func(w http.ResponseWriter, method string, id int64) {
		switch method {
		case "server/discover":
			writeJSON(w, id, `{"supportedVersions":["2025-11-25"],"capabilities":{},"ttlMs":90000}`)
		case "initialize":
			writeJSON(w, id, initResult)
		}
	}
	c, done := startResumeFake(t, f)
	defer done()
	hs, err := c.Handshake(context.Background(), &HandshakeOptions{Accept: []string{protocol.Version20260728, "2025-11-25"}})
	if err != nil {
		t.Fatalf("Handshake: %v", err)
	}
	if hs.Era != EraStateful || hs.TTL != 90*time.Second || !hs.HasTTL {
		t.Errorf("handshake era %v ttl %v/%v, want stateful 90s", hs.Era, hs.TTL, hs.HasTTL)
	}
	if len(c.Warnings()) != 0 {
		t.Errorf("warnings %q", c.Warnings())
	}
}
