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
	"fmt"
	"slices"
	"testing"

	"github.com/mcp-exporter/mcp_exporter/internal/protocol"
)

// memoryTransport is a transport with the server in process: what a new
// transport (stdio) adds, a file implementing Transport and a registration.
type memoryTransport struct {
	sent   []string // methods, in order
	closed int
}

func (*memoryTransport) Name() string { return "memory" }

func (t *memoryTransport) Call(_ context.Context, s *Session, m *Outgoing) (*Message, error) {
	t.sent = append(t.sent, m.Method)
	var req struct {
		ID int64 `json:"id"`
	}
	if err := json.Unmarshal(m.Body, &req); err != nil || req.ID != m.ID {
		return nil, fmt.Errorf("body does not carry id %d", m.ID)
	}
	var answer string
	switch m.Method {
	case "server/discover":
		answer = `"error":{"code":-32601,"message":"method not found"}`
	case "initialize":
		answer = `"result":{"protocolVersion":"2025-06-18","capabilities":{"tools":{}},"serverInfo":{"name":"mem","version":"1"}}`
	case "tools/list":
		if s.Version != "2025-06-18" {
			return nil, fmt.Errorf("session version %q", s.Version)
		}
		answer = `"result":{"tools":[{"name":"a","inputSchema":{"type":"object"}}]}`
	default:
		return nil, fmt.Errorf("unexpected %s", m.Method)
	}
	return decodeMessage(fmt.Appendf(nil, `{"jsonrpc":"2.0","id":%d,%s}`, m.ID, answer))
}

func (t *memoryTransport) Notify(_ context.Context, _ *Session, m *Outgoing) error {
	t.sent = append(t.sent, m.Method)
	return nil
}

func (t *memoryTransport) Close() error { t.closed++; return nil }

// TestTransportSeam runs a whole conversation over a transport the Client
// knows only through the registration: era detection, the handshake,
// tools/list and closing, with no HTTP facts.
func TestTransportSeam(t *testing.T) {
	mem := &memoryTransport{}
	transports["memory"] = transportKind{open: func(context.Context, TransportConfig) (Transport, error) { return mem, nil }}
	defer delete(transports, "memory")

	c := &Client{Info: Implementation{Name: "test", Version: "0"}}
	hs, err := c.Handshake(context.Background(), &HandshakeOptions{Transport: "memory", Accept: []string{protocol.Version20260728, "2025-06-18"}})
	if err != nil {
		t.Fatalf("Handshake: %v", err)
	}
	if hs.Transport != "memory" || hs.Era != EraStateful || hs.Version != "2025-06-18" || !hs.Tools {
		t.Fatalf("handshake %+v", hs)
	}
	tools, err := c.ListTools(context.Background(), 10, 10)
	if err != nil || len(tools) != 1 {
		t.Fatalf("ListTools: %d tools, %v", len(tools), err)
	}
	if done, err := c.CloseSession(context.Background()); !done || err != nil {
		t.Fatalf("CloseSession: %v, %v", done, err)
	}
	c.Close()
	want := []string{"server/discover", "initialize", "notifications/initialized", "tools/list"}
	if !slices.Equal(mem.sent, want) {
		t.Errorf("sent %v, want %v", mem.sent, want)
	}
	if mem.closed != 2 {
		t.Errorf("closed %d times, want 2 (CloseSession, Close)", mem.closed)
	}
	if c.Conn() != (ConnInfo{}) || c.LastStatus() != 0 {
		t.Errorf("HTTP facts from a transport without them: %+v, %d", c.Conn(), c.LastStatus())
	}
}

// TestHTTPTransportsImplement pins which optional interfaces the HTTP
// transports implement: the prober reads the connect layer and the HTTP
// status through HTTPTransport, and only Streamable HTTP ends a session
// with a message of its own.
func TestHTTPTransportsImplement(t *testing.T) {
	for _, tc := range []struct {
		t             Transport
		sessionCloser bool
	}{
		{streamableHTTP{}, true},
		{&legacySSE{}, false},
	} {
		if _, ok := tc.t.(HTTPTransport); !ok {
			t.Errorf("%s does not implement HTTPTransport", tc.t.Name())
		}
		if _, ok := tc.t.(SessionCloser); ok != tc.sessionCloser {
			t.Errorf("%s implements SessionCloser: %v, want %v", tc.t.Name(), ok, tc.sessionCloser)
		}
		if _, ok := transports[tc.t.Name()]; !ok {
			t.Errorf("%s is not registered", tc.t.Name())
		}
	}
}

// TestTransportTables: the wire client speaks exactly the transports of
// internal/protocol's table (but auto, which is detection), so that what
// the configuration accepts and the prober reads of a transport (its kind)
// is there for every transport the wire client opens, and a transport is
// added to both.
func TestTransportTables(t *testing.T) {
	var declared []string
	for _, name := range protocol.Transports() {
		if name != protocol.TransportAuto {
			declared = append(declared, name)
		}
	}
	var spoken []string
	for name := range transports {
		spoken = append(spoken, name)
	}
	slices.Sort(declared)
	slices.Sort(spoken)
	if !slices.Equal(declared, spoken) {
		t.Errorf("internal/protocol declares %q, the wire client speaks %q", declared, spoken)
	}
}
