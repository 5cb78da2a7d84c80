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

package prober

import (
	"net/http"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/mcp-exporter/mcp_exporter/config"
	"github.com/mcp-exporter/mcp_exporter/internal/protocol"
	"github.com/mcp-exporter/mcp_exporter/internal/testsupport"
)

// assertTransport checks the transport over which the server answered.
func assertTransport(t *testing.T, res probeResult, want string) {
	t.Helper()
	if got := res.result.Transport; got != want {
		t.Errorf("transport %q, want %q", got, want)
	}
}

func TestSDKLegacySSE(t *testing.T) {
	t.Parallel()
	t.Run("transport sse", func(t *testing.T) {
		ts := testsupport.SDKServer{SSE: true, Tools: 3}.Start(t)
		log := wrapServer(ts)
		m := config.DefaultModule
		m.Transport = protocol.TransportSSE
		res := runProbe(t, nil, ts.URL, m)
		assertHealthy(t, res, healthy{"2025-11-25", 3, true})
		assertTransport(t, res, "sse")
		if n := log.count(http.MethodGet); n != 1 {
			t.Errorf("GET sent %d times, want 1", n)
		}
		if n := log.count("server/discover"); n != 0 {
			t.Errorf("server/discover sent over sse")
		}
	})
	t.Run("transport auto falls back and remembers", func(t *testing.T) {
		ts := testsupport.SDKServer{SSE: true}.Start(t)
		log := wrapServer(ts)
		p := New()
		res := runProbe(t, p, ts.URL, config.DefaultModule)
		assertHealthy(t, res, healthy{"2025-11-25", 1, true})
		assertTransport(t, res, "sse")
		posts := log.count("server/discover") + log.count("initialize")
		assertHealthy(t, runProbe(t, p, ts.URL, config.DefaultModule), healthy{"2025-11-25", 1, true})
		// The second probe goes straight to the event stream: one more
		// initialize (over SSE), no failing Streamable HTTP POSTs.
		if n := log.count("server/discover"); n != 1 {
			t.Errorf("server/discover sent %d times over two probes, want 1", n)
		}
		if got := log.count("server/discover") + log.count("initialize"); got != posts+1 {
			t.Errorf("second probe sent %d discover/initialize, want 1", got-posts)
		}
	})
	t.Run("pinned 2024-11-05 over sse", func(t *testing.T) {
		ts := testsupport.SDKServer{SSE: true}.Start(t)
		m := config.DefaultModule
		m.Transport = protocol.TransportSSE
		m.ProtocolVersion = "2024-11-05"
		assertHealthy(t, runProbe(t, nil, ts.URL, m), healthy{"2024-11-05", 1, true})
	})
	t.Run("streamable server probed with auto stays streamable", func(t *testing.T) {
		ts := testsupport.SDKServer{HTTP: mcp.StreamableHTTPOptions{JSONResponse: true}}.Start(t)
		log := wrapServer(ts)
		res := runProbe(t, nil, ts.URL, config.DefaultModule)
		assertTransport(t, res, "streamable_http")
		if log.count(http.MethodGet) != 0 {
			t.Error("a Streamable HTTP server was sent a GET")
		}
	})
	t.Run("streamable_http against an sse server fails without fallback", func(t *testing.T) {
		ts := testsupport.SDKServer{SSE: true}.Start(t)
		log := wrapServer(ts)
		m := config.DefaultModule
		m.Transport = protocol.TransportStreamableHTTP
		res := runProbe(t, nil, ts.URL, m)
		failedAt(t, res.result, LayerHandshake, "http_status")
		if log.count(http.MethodGet) != 0 {
			t.Error("transport streamable_http fell back to a GET")
		}
	})
}
