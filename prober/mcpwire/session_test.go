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

	"github.com/mcp-exporter/mcp_exporter/internal/protocol"
)

// The session is the id on the answer that carries the InitializeResult.
// A server that sets another id on its 200 answer to server/discover (no
// real server does it on demand) does not choose the session with it.
func TestSessionOnlyFromInitialize(t *testing.T) {
	f := &resumeFake{}
	f.post = func(w http.ResponseWriter, method string, id int64) {
		switch method {
		case "server/discover":
			w.Header().Set(HeaderSessionID, "from-discover")
			writeJSON(w, id, `{"supportedVersions":["2025-11-25"],"capabilities":{},"ttlMs":0,"cacheScope":"public","resultType":"complete"}`)
		case "initialize":
			w.Header().Set(HeaderSessionID, "from-initialize")
			writeJSON(w, id, initResult)
		case "tools/list":
			w.Header().Set(HeaderSessionID, "from-tools-list")
			writeJSON(w, id, toolsResult)
		}
	}
	c, done := startResumeFake(t, f)
	defer done()
	ctx := context.Background()
	if _, err := c.Handshake(ctx, &HandshakeOptions{Accept: []string{protocol.Version20260728, "2025-11-25"}}); err != nil {
		t.Fatalf("Handshake: %v", err)
	}
	if _, err := c.ListTools(ctx, 10, 10); err != nil {
		t.Fatalf("ListTools: %v", err)
	}
	if _, err := c.CloseSession(ctx); err != nil {
		t.Fatalf("CloseSession: %v", err)
	}
	if c.SessionID() != "from-initialize" {
		t.Errorf("SessionID = %q, want from-initialize", c.SessionID())
	}
	for op, want := range map[string][]string{
		"server/discover":           {""},
		"initialize":                {""},
		"notifications/initialized": {"from-initialize"},
		"tools/list":                {"from-initialize"},
		"DELETE":                    {"from-initialize"},
	} {
		if got := f.sessionsOf(op); !slices.Equal(got, want) {
			t.Errorf("%s carried sessions %q, want %q", op, got, want)
		}
	}
}

// A 2026-07-28 server has no session: an id on its discover answer is not
// echoed, and there is nothing to DELETE.
func TestNoSessionFromStatelessDiscover(t *testing.T) {
	f := &resumeFake{}
	f.post = func(w http.ResponseWriter, method string, id int64) {
		w.Header().Set(HeaderSessionID, "stray")
		switch method {
		case "server/discover":
			writeJSON(w, id, `{"supportedVersions":["2026-07-28"],"capabilities":{"tools":{}},"ttlMs":0,"cacheScope":"public","resultType":"complete"}`)
		case "tools/list":
			writeJSON(w, id, `{"tools":[],"ttlMs":0,"cacheScope":"public","resultType":"complete"}`)
		}
	}
	c, done := startResumeFake(t, f)
	defer done()
	ctx := context.Background()
	if _, err := c.Handshake(ctx, &HandshakeOptions{Accept: []string{protocol.Version20260728}}); err != nil {
		t.Fatalf("Handshake: %v", err)
	}
	if _, err := c.ListTools(ctx, 10, 10); err != nil {
		t.Fatalf("ListTools: %v", err)
	}
	if had, err := c.CloseSession(ctx); had || err != nil {
		t.Errorf("CloseSession: %v, %v; want nothing to close", had, err)
	}
	if got := f.sessionsOf("tools/list"); !slices.Equal(got, []string{""}) {
		t.Errorf("tools/list carried sessions %q", got)
	}
	if len(f.sessionsOf("DELETE")) != 0 {
		t.Error("DELETE sent")
	}
}
