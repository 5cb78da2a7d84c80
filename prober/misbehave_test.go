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
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/prometheus/common/model"

	"github.com/mcp-exporter/mcp_exporter/config"
	"github.com/mcp-exporter/mcp_exporter/internal/failure"
	"github.com/mcp-exporter/mcp_exporter/internal/testsupport"
	"github.com/mcp-exporter/mcp_exporter/internal/testsupport/fakemcp"
	"github.com/mcp-exporter/mcp_exporter/prober/mcpwire"
)

// ---------------------------------------------------------------------------
// The fake MCP server is internal/testsupport/fakemcp's: by default a
// well-behaved stateful (2025-11-25 era) server; cases override single
// methods to misbehave. The short names below keep the tables readable;
// helpers carry an mb prefix to stay clear of the package's other test
// files.

type (
	mbFake     = fakemcp.Server
	mbRpcMsg   = fakemcp.Msg
	mbFakeFunc = fakemcp.Handler
)

const (
	mbFakeSession = fakemcp.DefaultSession
	mbEchoTool    = fakemcp.EchoTool
)

var (
	mbNewFake    = fakemcp.New
	mbRpcResult  = fakemcp.Result
	mbRpcError   = fakemcp.Error
	mbInitResult = fakemcp.InitResult
	mbWriteJSON  = fakemcp.WriteJSON
	mbWriteSSE   = fakemcp.WriteSSE
	mbSleepCtx   = fakemcp.SleepCtx
	mbBadSession = fakemcp.BadSession
)

// mbNoisySSE wraps the response to id in everything a stream may carry before it.
func mbNoisySSE(id json.RawMessage, result string) string {
	return "id: prime-1\ndata: \n\n" + // priming event
		": keep-alive comment\n\n" +
		"event: message\ndata: {\"jsonrpc\":\"2.0\",\"method\":\"notifications/message\",\"params\":{\"level\":\"info\",\"data\":\"hi\"}}\n\n" +
		"data: {\"jsonrpc\":\"2.0\",\"id\":\"srv-1\",\"method\":\"roots/list\"}\r\n\r\n" + // a server→client request, CRLF
		// Another event name, carrying a response lookalike that must be ignored:
		// had the prober taken it, the empty result would fail the handshake.
		"event: something-else\ndata: {\"jsonrpc\":\"2.0\",\"id\":" + string(id) + ",\"result\":{}}\n\n" +
		"retry: 1000\n" +
		"event: message\nid: 7\n" +
		"data: {\"jsonrpc\":\"2.0\",\n" +
		"data:   \"id\":" + string(id) + ",\n" +
		"data: \"result\":" + result + "}\n\n"
}

// ---------------------------------------------------------------------------
// The table.

var mbLayerOrder = [4]string{LayerConnect, LayerHandshake, LayerTools, LayerClose}

// Layer success values, in mbLayerOrder. A layer with nothing to do (close
// without a session) passes.
var (
	mbAllPass = [4]float64{1, 1, 1, 1}
	// The close layer is not reached when the probe fails before the
	// handshake completes and no session was issued.
	mbConnectFailed   = [4]float64{0, 0, 0, 0}
	mbHandshakeFailed = [4]float64{1, 0, 0, 0}
	// A session issued before the handshake failed is still closed.
	mbHandshakeFailedSession = [4]float64{1, 0, 0, 1}
	mbToolsFailed            = [4]float64{1, 1, 0, 1}
)

// mbTimeout is the module timeout of the cases that do not wait one out
// (those set a short one of their own): long enough that on a loaded
// machine only the answer ends them.
const mbTimeout = 10 * time.Second

// mbSlack is how far past its deadline a probe may end: room for a loaded
// machine, and still well under the fakes' 10s hold.
const mbSlack = 3 * time.Second

// mbStatusAbsent: probe_http_status_code must not be reported (with
// probe_mcp_transport_info: the server never answered).
const mbStatusAbsent = -1

type mbMisbehaveCase struct {
	name   string
	setup  func(f *mbFake)
	module func(m *config.Module)
	// target returns the URL to probe; nil serves the fake over plain HTTP.
	target func(t *testing.T, f *mbFake) string

	layer, reason string // both "" for a successful probe
	layers        [4]float64
	status        int // probe_http_status_code, or mbStatusAbsent
	rpcCode       int // probe_mcp_jsonrpc_error_code; 0 means absent
	check         func(t *testing.T, f *mbFake, res probeResult)
}

func mbEvery(h mbFakeFunc) func(f *mbFake) { return func(f *mbFake) { f.On["*"] = h } }

func mbOnInit(h mbFakeFunc) func(f *mbFake) { return func(f *mbFake) { f.On["initialize"] = h } }

func mbInitAnswer(result string) func(f *mbFake) {
	return mbOnInit(func(w http.ResponseWriter, _ *http.Request, m mbRpcMsg) {
		w.Header().Set("Mcp-Session-Id", mbFakeSession)
		mbWriteJSON(w, http.StatusOK, mbRpcResult(m.ID, result))
	})
}

func mbOnTools(h mbFakeFunc) func(f *mbFake) { return func(f *mbFake) { f.On["tools/list"] = h } }

func mbShortTimeout(m *config.Module) { m.Timeout = model.Duration(time.Second) }

func mbPin(v string) func(m *config.Module) {
	return func(m *config.Module) { m.ProtocolVersion = v }
}

// fakeRequests checks the fake's request counts, as the check of a case
// whose probe's outcome is an R.
func fakeRequests[R any](want map[string]int) func(t *testing.T, f *fakemcp.Server, res R) {
	return func(t *testing.T, f *fakemcp.Server, _ R) {
		t.Helper()
		for kind, n := range want {
			if got := f.Requests(kind); got != n {
				t.Errorf("the fake got %d %q requests, want %d", got, kind, n)
			}
		}
	}
}

// mbWantRequests checks the fake's request counts.
var mbWantRequests = fakeRequests[probeResult]

func mbMisbehaveCases() []mbMisbehaveCase {
	const mib16 = mcpwire.DefaultMaxMessageBytes
	return []mbMisbehaveCase{
		{
			name:   "well-behaved legacy fake",
			layers: mbAllPass,
			status: 200,
			check: func(t *testing.T, f *mbFake, res probeResult) {
				mbWantRequests(map[string]int{"server/discover": 1, "initialize": 1, "notifications/initialized": 1, "tools/list": 1, "DELETE": 1, "": 5})(t, f, res)
				d, _ := f.LastSeen("server/discover")
				if got := d.Header.Get("Mcp-Method"); got != "server/discover" {
					t.Errorf("server/discover Mcp-Method header = %q", got)
				}
				if got := d.Header.Get("MCP-Protocol-Version"); got != "2026-07-28" {
					t.Errorf("server/discover MCP-Protocol-Version header = %q", got)
				}
				if !d.Msg.HasParam("_meta") {
					t.Errorf("server/discover params lack _meta: %s", d.Msg.Params)
				}
				i, _ := f.LastSeen("initialize")
				if got := i.Msg.Param("protocolVersion"); got != "2025-11-25" {
					t.Errorf("initialize offered %q, want 2025-11-25", got)
				}
				if i.Header.Get("Mcp-Session-Id") != "" || i.Header.Get("Mcp-Method") != "" {
					t.Errorf("initialize carries a session or Mcp-Method header: %v", i.Header)
				}
				for _, kind := range []string{"notifications/initialized", "tools/list", "DELETE"} {
					s, _ := f.LastSeen(kind)
					if got := s.Header.Get("Mcp-Session-Id"); got != mbFakeSession {
						t.Errorf("%s carries session %q, want %q", kind, got, mbFakeSession)
					}
					if got := s.Header.Get("MCP-Protocol-Version"); got != "2025-11-25" {
						t.Errorf("%s carries MCP-Protocol-Version %q, want 2025-11-25", kind, got)
					}
				}
				if tl := res.result.Tools; tl == nil || tl.Count != 1 {
					t.Errorf("tools %+v, want 1", tl)
				}
			},
		},
		{
			name: "discover answered -32601 in a 404, then a legacy handshake",
			setup: func(f *mbFake) {
				f.On["server/discover"] = func(w http.ResponseWriter, _ *http.Request, m mbRpcMsg) {
					mbWriteJSON(w, http.StatusNotFound, mbRpcError(m.ID, -32601, ""))
				}
			},
			layers: mbAllPass,
			status: 200,
			check:  mbWantRequests(map[string]int{"server/discover": 1, "initialize": 1}),
		},

		// --- handshake: not MCP at all
		{
			name: "HTML login page to every POST",
			setup: mbEvery(func(w http.ResponseWriter, _ *http.Request, _ mbRpcMsg) {
				w.Header().Set("Content-Type", "text/html; charset=utf-8")
				_, _ = io.WriteString(w, "<!doctype html><html><body><form action=/login>Sign in</form></body></html>")
			}),
			layer: LayerHandshake, reason: "not_mcp", layers: mbHandshakeFailed, status: 200,
			check: mbWantRequests(map[string]int{"server/discover": 1, "initialize": 1, "DELETE": 0}),
		},
		{
			name: "406 Not Acceptable",
			setup: mbEvery(func(w http.ResponseWriter, _ *http.Request, _ mbRpcMsg) {
				http.Error(w, "Not Acceptable: Client must accept both application/json and text/event-stream", http.StatusNotAcceptable)
			}),
			layer: LayerHandshake, reason: "http_status", layers: mbHandshakeFailed, status: 406,
		},
		{
			name: "JSON that is not JSON-RPC",
			setup: mbEvery(func(w http.ResponseWriter, _ *http.Request, _ mbRpcMsg) {
				mbWriteJSON(w, http.StatusOK, `{"status":"ok"}`)
			}),
			layer: LayerHandshake, reason: "malformed_jsonrpc", layers: mbHandshakeFailed, status: 200,
		},
		{
			name: "invalid JSON",
			setup: mbEvery(func(w http.ResponseWriter, _ *http.Request, m mbRpcMsg) {
				mbWriteJSON(w, http.StatusOK, `{"jsonrpc":"2.0","id":`+string(m.ID)+`,"result":{`)
			}),
			layer: LayerHandshake, reason: "malformed_jsonrpc", layers: mbHandshakeFailed, status: 200,
		},
		{
			name: "invalid JSON in an SSE event",
			setup: mbOnInit(func(w http.ResponseWriter, _ *http.Request, _ mbRpcMsg) {
				mbWriteSSE(w, "event: message\ndata: {not json\n\n")
			}),
			layer: LayerHandshake, reason: "malformed_jsonrpc", layers: mbHandshakeFailed, status: 200,
		},

		// --- handshake: JSON-RPC but wrong
		{
			name: "response with the wrong id (JSON)",
			setup: mbOnInit(func(w http.ResponseWriter, _ *http.Request, m mbRpcMsg) {
				mbWriteJSON(w, http.StatusOK, mbRpcResult(json.RawMessage("999"), mbInitResult("2025-11-25")))
			}),
			layer: LayerHandshake, reason: "protocol_violation", layers: mbHandshakeFailed, status: 200,
		},
		{
			name: "response with the id as a string (JSON)",
			setup: mbOnInit(func(w http.ResponseWriter, _ *http.Request, m mbRpcMsg) {
				mbWriteJSON(w, http.StatusOK, mbRpcResult(json.RawMessage(`"`+string(m.ID)+`"`), mbInitResult("2025-11-25")))
			}),
			layer: LayerHandshake, reason: "protocol_violation", layers: mbHandshakeFailed, status: 200,
		},
		{
			name: "response with the wrong id (SSE)",
			setup: mbOnInit(func(w http.ResponseWriter, _ *http.Request, _ mbRpcMsg) {
				mbWriteSSE(w, "id: p\ndata: \n\nevent: message\ndata: "+mbRpcResult(json.RawMessage("999"), mbInitResult("2025-11-25"))+"\n\n")
			}),
			layer: LayerHandshake, reason: "protocol_violation", layers: mbHandshakeFailed, status: 200,
		},
		{
			name: "JSON answer is a request, not the response",
			setup: mbOnInit(func(w http.ResponseWriter, _ *http.Request, _ mbRpcMsg) {
				mbWriteJSON(w, http.StatusOK, `{"jsonrpc":"2.0","id":1,"method":"roots/list"}`)
			}),
			layer: LayerHandshake, reason: "protocol_violation", layers: mbHandshakeFailed, status: 200,
		},
		{
			name: "JSON-RPC error to initialize",
			setup: mbOnInit(func(w http.ResponseWriter, _ *http.Request, m mbRpcMsg) {
				mbWriteJSON(w, http.StatusOK, mbRpcError(m.ID, -32603, ""))
			}),
			layer: LayerHandshake, reason: "jsonrpc_error", layers: mbHandshakeFailed, status: 200, rpcCode: -32603,
		},
		{
			name: "JSON-RPC error in a 500 to initialize",
			setup: mbOnInit(func(w http.ResponseWriter, _ *http.Request, m mbRpcMsg) {
				mbWriteJSON(w, http.StatusInternalServerError, mbRpcError(m.ID, -32603, ""))
			}),
			layer: LayerHandshake, reason: "http_status", layers: mbHandshakeFailed, status: 500, rpcCode: -32603,
		},
		{
			name:  "initialize result without serverInfo",
			setup: mbInitAnswer(mbInitResult("2025-11-25", "serverInfo")),
			layer: LayerHandshake, reason: "protocol_violation", layers: mbHandshakeFailedSession, status: 200,
			// The session was issued before the result was found wanting: it is closed.
			check: mbWantRequests(map[string]int{"DELETE": 1, "notifications/initialized": 0}),
		},
		{
			name:  "initialize result without capabilities",
			setup: mbInitAnswer(mbInitResult("2025-11-25", "capabilities")),
			layer: LayerHandshake, reason: "protocol_violation", layers: mbHandshakeFailedSession, status: 200,
		},
		{
			name:  "initialize result without protocolVersion",
			setup: mbInitAnswer(mbInitResult("2025-11-25", "protocolVersion")),
			layer: LayerHandshake, reason: "protocol_violation", layers: mbHandshakeFailedSession, status: 200,
		},
		{
			name:  "initialize result is not an object",
			setup: mbInitAnswer(`"ok"`),
			layer: LayerHandshake, reason: "protocol_violation", layers: mbHandshakeFailedSession, status: 200,
		},
		{
			name: "batch answer",
			setup: mbOnInit(func(w http.ResponseWriter, _ *http.Request, m mbRpcMsg) {
				mbWriteJSON(w, http.StatusOK, "["+mbRpcResult(m.ID, mbInitResult("2025-11-25"))+"]")
			}),
			layer: LayerHandshake, reason: "protocol_violation", layers: mbHandshakeFailed, status: 200,
		},
		{
			name: "202 answer to a request",
			setup: mbOnInit(func(w http.ResponseWriter, _ *http.Request, _ mbRpcMsg) {
				w.WriteHeader(http.StatusAccepted)
			}),
			layer: LayerHandshake, reason: "protocol_violation", layers: mbHandshakeFailed, status: 202,
		},

		// --- handshake: versions
		{
			name:   "server answers an unknown revision",
			setup:  func(f *mbFake) { f.Version = "1999-01-01" },
			layer:  LayerHandshake,
			reason: "unsupported_protocol_version", layers: mbHandshakeFailedSession, status: 200,
		},
		{
			name:   "server answers a revision outside valid_protocol_versions",
			setup:  func(f *mbFake) { f.Version = "2025-11-25" },
			module: func(m *config.Module) { m.ValidProtocolVersions = []string{"2025-06-18"} },
			layer:  LayerHandshake, reason: "unsupported_protocol_version", layers: mbHandshakeFailedSession, status: 200,
			check: func(t *testing.T, f *mbFake, res probeResult) {
				mbWantRequests(map[string]int{"server/discover": 0, "initialize": 1})(t, f, res)
				if i, _ := f.LastSeen("initialize"); i.Msg.Param("protocolVersion") != "2025-06-18" {
					t.Errorf("initialize offered %q, want 2025-06-18", i.Msg.Param("protocolVersion"))
				}
			},
		},
		{
			name: "-32602 naming only unknown revisions",
			setup: mbOnInit(func(w http.ResponseWriter, _ *http.Request, m mbRpcMsg) {
				mbWriteJSON(w, http.StatusOK, mbRpcError(m.ID, -32602, `{"supported":["1999-01-01"],"requested":"2025-11-25"}`))
			}),
			layer: LayerHandshake, reason: "unsupported_protocol_version", layers: mbHandshakeFailed, status: 200, rpcCode: -32602,
			check: mbWantRequests(map[string]int{"initialize": 1}),
		},
		{
			name: "JSON-RPC error with a null id to initialize",
			setup: mbOnInit(func(w http.ResponseWriter, _ *http.Request, m mbRpcMsg) {
				mbWriteJSON(w, http.StatusOK, mbRpcError(json.RawMessage("null"), -32600, ""))
			}),
			layer: LayerHandshake, reason: "jsonrpc_error", layers: mbHandshakeFailed, status: 200, rpcCode: -32600,
		},
		{
			name: "-32602 again after the retry with a named revision",
			setup: mbOnInit(func(w http.ResponseWriter, _ *http.Request, m mbRpcMsg) {
				mbWriteJSON(w, http.StatusOK, mbRpcError(m.ID, -32602, `{"supported":["2025-06-18"]}`))
			}),
			layer: LayerHandshake, reason: "unsupported_protocol_version", layers: mbHandshakeFailed, status: 200, rpcCode: -32602,
			check: mbWantRequests(map[string]int{"initialize": 2}),
		},
		{
			name:   "pinned 2025-11-25 skips discovery",
			module: mbPin("2025-11-25"),
			layers: mbAllPass, status: 200,
			check: mbWantRequests(map[string]int{"server/discover": 0, "initialize": 1}),
		},

		// --- handshake: SSE
		{
			name: "SSE stream ends before the response",
			setup: mbOnInit(func(w http.ResponseWriter, _ *http.Request, _ mbRpcMsg) {
				// No event id: the stream cannot be resumed (see resume_test.go).
				mbWriteSSE(w, "data: \n\n: comment\n\ndata: {\"jsonrpc\":\"2.0\",\"method\":\"notifications/message\",\"params\":{}}\n\n")
			}),
			module: mbPin("2025-11-25"),
			layer:  LayerHandshake, reason: "protocol_violation", layers: mbHandshakeFailed, status: 200,
		},
		{
			name: "SSE stream ends in the middle of the response event",
			setup: mbOnInit(func(w http.ResponseWriter, _ *http.Request, m mbRpcMsg) {
				mbWriteSSE(w, "event: message\ndata: "+mbRpcResult(m.ID, mbInitResult("2025-11-25"))+"\n") // no blank line
			}),
			module: mbPin("2025-11-25"),
			layer:  LayerHandshake, reason: "protocol_violation", layers: mbHandshakeFailed, status: 200,
		},
		{
			name: "noisy SSE answers before the responses",
			setup: func(f *mbFake) {
				f.On["initialize"] = func(w http.ResponseWriter, _ *http.Request, m mbRpcMsg) {
					w.Header().Set("Mcp-Session-Id", mbFakeSession)
					mbWriteSSE(w, mbNoisySSE(m.ID, mbInitResult(m.Param("protocolVersion"))))
				}
				f.On["tools/list"] = func(w http.ResponseWriter, _ *http.Request, m mbRpcMsg) {
					w.Header().Set("Content-Type", "text/event-stream; charset=utf-8")
					_, _ = io.WriteString(w, mbNoisySSE(m.ID, `{"tools":[`+mbEchoTool+`]}`))
				}
			},
			layers: mbAllPass, status: 200,
			check: func(t *testing.T, _ *mbFake, res probeResult) {
				if tl := res.result.Tools; tl == nil || tl.Count != 1 {
					t.Errorf("tools %+v, want 1", tl)
				}
			},
		},
		{
			name: "response too large (JSON, default limit)",
			setup: mbOnInit(func(w http.ResponseWriter, _ *http.Request, m mbRpcMsg) {
				w.Header().Set("Content-Type", "application/json")
				_, _ = io.WriteString(w, `{"jsonrpc":"2.0","id":`+string(m.ID)+`,"result":{"pad":"`)
				_, _ = w.Write(bytes.Repeat([]byte("x"), mib16))
				_, _ = io.WriteString(w, `"}}`)
			}),
			module: mbPin("2025-11-25"),
			layer:  LayerHandshake, reason: "response_too_large", layers: mbHandshakeFailed, status: 200,
		},
		{
			name: "discover answer too large is final",
			setup: func(f *mbFake) {
				f.On["server/discover"] = func(w http.ResponseWriter, _ *http.Request, _ mbRpcMsg) {
					w.Header().Set("Content-Type", "text/event-stream")
					_, _ = io.WriteString(w, "data: ")
					_, _ = w.Write(bytes.Repeat([]byte("x"), mib16+100))
					_, _ = io.WriteString(w, "\n\n")
				}
			},
			layer: LayerHandshake, reason: "response_too_large", layers: mbHandshakeFailed, status: 200,
			check: mbWantRequests(map[string]int{"server/discover": 1, "initialize": 0}),
		},

		// --- handshake: timeouts
		{
			name:   "slow answer past the deadline",
			setup:  mbEvery(func(_ http.ResponseWriter, r *http.Request, _ mbRpcMsg) { mbSleepCtx(r) }),
			module: mbShortTimeout,
			layer:  LayerHandshake, reason: "timeout", layers: mbHandshakeFailed, status: mbStatusAbsent,
			check: mbWantRequests(map[string]int{"server/discover": 1, "initialize": 0}),
		},
		{
			name: "SSE stream that stalls after its headers",
			setup: mbOnInit(func(w http.ResponseWriter, r *http.Request, _ mbRpcMsg) {
				w.Header().Set("Content-Type", "text/event-stream")
				_, _ = io.WriteString(w, "id: prime\ndata: \n\n")
				w.(http.Flusher).Flush()
				mbSleepCtx(r)
			}),
			module: func(m *config.Module) { mbShortTimeout(m); m.ProtocolVersion = "2025-11-25" },
			layer:  LayerHandshake, reason: "timeout", layers: mbHandshakeFailed, status: 200,
		},

		// --- connect
		{
			name: "connection refused",
			target: func(t *testing.T, _ *mbFake) string {
				return "http://" + testsupport.RefusedAddr(t) + "/mcp"
			},
			layer: LayerConnect, reason: "connect", layers: mbConnectFailed, status: mbStatusAbsent,
		},
		{
			name:   "unresolvable host",
			target: func(*testing.T, *mbFake) string { return "http://nonexistent.invalid/mcp" },
			layer:  LayerConnect, reason: "dns", layers: mbConnectFailed, status: mbStatusAbsent,
		},
		{
			name: "TLS to a plain-HTTP server",
			target: func(t *testing.T, f *mbFake) string {
				return strings.Replace(f.Start(t), "http://", "https://", 1)
			},
			layer: LayerConnect, reason: "tls", layers: mbConnectFailed, status: mbStatusAbsent,
			check: mbWantRequests(map[string]int{"": 0}),
		},
		{
			name: "TLS server with an untrusted certificate",
			target: func(t *testing.T, f *mbFake) string {
				ts := httptest.NewUnstartedServer(f)
				ts.Config.ErrorLog = log.New(io.Discard, "", 0)
				ts.StartTLS()
				t.Cleanup(ts.Close)
				return ts.URL + "/mcp"
			},
			layer: LayerConnect, reason: "tls", layers: mbConnectFailed, status: mbStatusAbsent,
			check: mbWantRequests(map[string]int{"": 0}),
		},
		{
			name:   "fail_if_not_tls with an http:// target",
			module: func(m *config.Module) { m.FailIfNotTLS = true },
			layer:  LayerConnect, reason: "not_tls", layers: [4]float64{0, 0, 0, 0}, status: mbStatusAbsent,
			check: mbWantRequests(map[string]int{"": 0}),
		},

		// --- tools
		{
			name:  "tools capability with an empty list",
			setup: func(f *mbFake) { f.Tools = `[]` },
			layer: LayerTools, reason: "no_tools", layers: mbToolsFailed, status: 200,
			check: mbWantRequests(map[string]int{"DELETE": 1}),
		},
		{
			name:   "required tool absent",
			module: func(m *config.Module) { m.RequiredTools = []string{"echo", "absent_tool"} },
			layer:  LayerTools, reason: "missing_tool", layers: mbToolsFailed, status: 200,
		},
		{
			name:   "schema hash differs",
			module: func(m *config.Module) { m.ExpectedSchemaHash = strings.Repeat("0", 64) },
			layer:  LayerTools, reason: "schema_mismatch", layers: mbToolsFailed, status: 200,
		},
		{
			name:  "tool without a name",
			setup: func(f *mbFake) { f.Tools = `[{"description":"nameless","inputSchema":{"type":"object"}}]` },
			layer: LayerTools, reason: "protocol_violation", layers: mbToolsFailed, status: 200,
		},
		{
			name: "tools/list result lacks the tools array",
			setup: mbOnTools(func(w http.ResponseWriter, _ *http.Request, m mbRpcMsg) {
				mbWriteJSON(w, http.StatusOK, mbRpcResult(m.ID, `{}`))
			}),
			layer: LayerTools, reason: "protocol_violation", layers: mbToolsFailed, status: 200,
		},
		{
			name: "nextCursor repeats",
			setup: mbOnTools(func(w http.ResponseWriter, _ *http.Request, m mbRpcMsg) {
				mbWriteJSON(w, http.StatusOK, mbRpcResult(m.ID, `{"tools":[`+mbEchoTool+`],"nextCursor":"same"}`))
			}),
			layer: LayerTools, reason: "protocol_violation", layers: mbToolsFailed, status: 200,
			check: mbWantRequests(map[string]int{"tools/list": 2, "DELETE": 1}),
		},
		{
			name: "more than 100 distinct pages",
			setup: mbOnTools(func(w http.ResponseWriter, _ *http.Request, m mbRpcMsg) {
				n, _ := strconv.Atoi(strings.TrimPrefix(m.Param("cursor"), "p"))
				tool := fmt.Sprintf(`{"name":"tool_%d","inputSchema":{"type":"object"}}`, n)
				mbWriteJSON(w, http.StatusOK, mbRpcResult(m.ID, fmt.Sprintf(`{"tools":[%s],"nextCursor":"p%d"}`, tool, n+1)))
			}),
			layer: LayerTools, reason: "protocol_violation", layers: mbToolsFailed, status: 200,
			check: mbWantRequests(map[string]int{"tools/list": 100}),
		},
		{
			name:  "no session issued, later requests refused for want of one",
			setup: func(f *mbFake) { f.Session = ""; f.On["tools/list"] = mbBadSession },
			layer: LayerTools, reason: "session", layers: mbToolsFailed, status: 400, rpcCode: -32000,
			check: mbWantRequests(map[string]int{"DELETE": 0}),
		},
		{
			name: "no session issued, later requests refused for want of one (plain text)",
			setup: func(f *mbFake) {
				f.Session = ""
				f.On["tools/list"] = func(w http.ResponseWriter, _ *http.Request, _ mbRpcMsg) {
					http.Error(w, "Bad Request: No valid session ID provided", http.StatusBadRequest)
				}
			},
			layer: LayerTools, reason: "session", layers: mbToolsFailed, status: 400,
		},
		{
			name: "session issued, then unknown (404)",
			setup: mbOnTools(func(w http.ResponseWriter, _ *http.Request, _ mbRpcMsg) {
				http.Error(w, "Not Found", http.StatusNotFound)
			}),
			layer: LayerTools, reason: "session", layers: mbToolsFailed, status: 404,
			check: mbWantRequests(map[string]int{"DELETE": 1}),
		},
		{
			name: "tools/list -32001 session not found in a 404",
			setup: mbOnTools(func(w http.ResponseWriter, _ *http.Request, m mbRpcMsg) {
				mbWriteJSON(w, http.StatusNotFound, mbRpcError(m.ID, -32001, ""))
			}),
			layer: LayerTools, reason: "session", layers: mbToolsFailed, status: 404, rpcCode: -32001,
		},
		{
			name: "tools/list SSE stream ends before the response",
			setup: mbOnTools(func(w http.ResponseWriter, _ *http.Request, _ mbRpcMsg) {
				mbWriteSSE(w, "data: \n\n") // no event id: not resumable
			}),
			layer: LayerTools, reason: "protocol_violation", layers: mbToolsFailed, status: 200,
		},
		{
			name: "slow tools/list",
			setup: func(f *mbFake) {
				f.Session = ""
				f.On["tools/list"] = func(_ http.ResponseWriter, r *http.Request, _ mbRpcMsg) { mbSleepCtx(r) }
			},
			// tools/list got no answer: the status is 0, not the 202 before it.
			module: mbShortTimeout,
			layer:  LayerTools, reason: "timeout", layers: mbToolsFailed, status: 0,
		},

		{
			name: "session id outside visible ASCII",
			setup: func(f *mbFake) {
				f.Session = "bad session"
			},
			layer: LayerHandshake, reason: "session", layers: mbHandshakeFailed, status: 200,
			check: mbWantRequests(map[string]int{"notifications/initialized": 0, "DELETE": 0}),
		},
		{
			name: "-32602 naming a revision the prober accepts: one retry",
			setup: func(f *mbFake) {
				f.On["initialize"] = func(w http.ResponseWriter, _ *http.Request, m mbRpcMsg) {
					if v := m.Param("protocolVersion"); v != "2025-06-18" {
						mbWriteJSON(w, http.StatusOK, mbRpcError(m.ID, -32602, `{"supported":["1999-01-01","2025-06-18"],"requested":"`+v+`"}`))
						return
					}
					mbWriteJSON(w, http.StatusOK, mbRpcResult(m.ID, mbInitResult("2025-06-18")))
				}
			},
			layers: mbAllPass, status: 200,
			check: func(t *testing.T, f *mbFake, res probeResult) {
				mbWantRequests(map[string]int{"initialize": 2})(t, f, res)
				if sv := res.result.Server; sv == nil || sv.ProtocolVersion != "2025-06-18" {
					t.Errorf("server %+v, want 2025-06-18 negotiated", sv)
				}
			},
		},
		{
			name: "answer that is not HTTP",
			target: func(t *testing.T, _ *mbFake) string {
				return mbRawServer(t, func(c net.Conn) { _, _ = io.WriteString(c, "SSH-2.0-OpenSSH_9.6\r\n") })
			},
			// The connection was made; it then failed as a connection.
			layer: LayerHandshake, reason: "connect", layers: mbHandshakeFailed, status: mbStatusAbsent,
			check: func(t *testing.T, _ *mbFake, res probeResult) {
				if strings.Contains(res.logs, "SSH-2.0") {
					t.Error("the probe log quotes the server's bytes")
				}
			},
		},
		{
			name: "connection cut in the middle of the answer",
			target: func(t *testing.T, _ *mbFake) string {
				return mbRawServer(t, func(c net.Conn) {
					_, _ = io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 500\r\n\r\n{\"jsonrpc\":\"2.0\",")
				})
			},
			layer: LayerHandshake, reason: "connect", layers: mbHandshakeFailed, status: 200,
		},
		{
			name: "server accepts the connection and never answers",
			target: func(t *testing.T, _ *mbFake) string {
				return mbRawServer(t, func(c net.Conn) {
					_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
					_, _ = io.Copy(io.Discard, c) // until the prober hangs up
				})
			},
			module: mbShortTimeout,
			layer:  LayerHandshake, reason: "timeout", layers: mbHandshakeFailed, status: mbStatusAbsent,
		},

		{
			name: "notifications/initialized answered with an open event stream",
			setup: func(f *mbFake) {
				f.On["notifications/initialized"] = func(w http.ResponseWriter, r *http.Request, _ mbRpcMsg) {
					w.Header().Set("Content-Type", "text/event-stream")
					_, _ = io.WriteString(w, ": accepted\n\n")
					w.(http.Flusher).Flush()
					mbSleepCtx(r)
				}
			},
			module: mbShortTimeout,
			layers: mbAllPass, status: 200,
			check: func(t *testing.T, _ *mbFake, res probeResult) {
				if d := layerDuration(res.result, LayerHandshake); d > 500*time.Millisecond {
					t.Errorf("handshake took %v: the prober waited on the notification's stream", d)
				}
			},
		},
		{
			name: "notifications/initialized refused for want of a session",
			setup: func(f *mbFake) {
				f.Session = ""
				f.On["notifications/initialized"] = mbBadSession
			},
			layer: LayerHandshake, reason: "session", layers: mbHandshakeFailed, status: 400, rpcCode: -32000,
		},

		// --- labels
		{
			name: "hostile serverInfo",
			setup: mbInitAnswer(`{"protocolVersion":"2025-11-25","capabilities":{"tools":{}},"serverInfo":{"name":"\n ` +
				strings.Repeat("A\xff\\u0007\\u001b\xfe\\ud800\\u00e9", 1500) + `","version":"` + strings.Repeat("\\u0000v\x80", 4000) + `"}}`),
			layers: mbAllPass, status: 200,
			check: func(t *testing.T, _ *mbFake, res probeResult) {
				sv := res.result.Server
				if sv == nil {
					t.Fatalf("no server info: %s", describe(res.result))
				}
				for k, v := range map[string]string{"name": sv.Name, "version": sv.Version} {
					if !utf8.ValidString(v) || utf8.RuneCountInString(v) > 128 || v == "" {
						t.Errorf("label %s = %q: not valid UTF-8 of 1…128 runes", k, v)
					}
					if strings.ContainsFunc(v, unicode.IsControl) {
						t.Errorf("label %s = %q holds control characters", k, v)
					}
				}
				if !strings.HasPrefix(sv.Name, "A\uFFFD") {
					t.Errorf("name label = %q, want it trimmed and starting with A\\uFFFD", sv.Name)
				}
			},
		},

		// --- close
		{
			name: "DELETE answered 500",
			setup: func(f *mbFake) {
				f.On["DELETE"] = func(w http.ResponseWriter, _ *http.Request, _ mbRpcMsg) {
					http.Error(w, "boom", http.StatusInternalServerError)
				}
			},
			layers: [4]float64{1, 1, 1, 0}, status: 200,
			check: mbWantRequests(map[string]int{"DELETE": 1}),
		},
		{
			name: "DELETE answered 405",
			setup: func(f *mbFake) {
				f.On["DELETE"] = func(w http.ResponseWriter, _ *http.Request, _ mbRpcMsg) {
					http.Error(w, "Method Not Allowed", http.StatusMethodNotAllowed)
				}
			},
			layers: mbAllPass, status: 200,
			check: mbWantRequests(map[string]int{"DELETE": 1}),
		},
		{
			name: "DELETE never answers",
			setup: func(f *mbFake) {
				f.On["DELETE"] = func(_ http.ResponseWriter, r *http.Request, _ mbRpcMsg) { mbSleepCtx(r) }
			},
			module: mbShortTimeout,
			layers: [4]float64{1, 1, 1, 0}, status: 200,
			check: mbWantRequests(map[string]int{"DELETE": 1}),
		},
		{
			name: "DELETE never answers, bounded by the close timeout",
			setup: func(f *mbFake) {
				f.On["DELETE"] = func(_ http.ResponseWriter, r *http.Request, _ mbRpcMsg) { mbSleepCtx(r) }
			},
			module: func(m *config.Module) { m.Timeout = model.Duration(5 * time.Second) },
			layers: [4]float64{1, 1, 1, 0}, status: 200,
			check: func(t *testing.T, f *mbFake, res probeResult) {
				d := layerDuration(res.result, LayerClose)
				if d < closeTimeout-100*time.Millisecond || d > closeTimeout+time.Second {
					t.Errorf("close layer took %vs, want about the close timeout (%v)", d, closeTimeout)
				}
			},
		},
		{
			name: "capability flood with hostile names",
			setup: mbInitAnswer(`{"protocolVersion":"2025-11-25","serverInfo":{"name":"s","version":"1"},"capabilities":{` +
				mbManyCapabilities(1000) + `}}`),
			layers: mbAllPass, status: 200,
			check: func(t *testing.T, _ *mbFake, res probeResult) {
				sv := res.result.Server
				if sv == nil {
					t.Fatalf("no server info: %s", describe(res.result))
				}
				if n := len(sv.Capabilities); n == 0 || n > maxCapabilities {
					t.Errorf("%d capabilities, want 1…%d", n, maxCapabilities)
				}
				tools := false
				for _, v := range sv.Capabilities {
					if v == "" || !utf8.ValidString(v) || utf8.RuneCountInString(v) > 64 || strings.ContainsFunc(v, unicode.IsControl) {
						t.Errorf("capability label %q is not clean", v)
					}
					tools = tools || v == "tools"
				}
				// The flood's names sort before "tools"; a specified
				// capability must not be pushed out by them.
				if !tools {
					t.Error("the tools capability was pushed out by the flood")
				}
			},
		},
		{
			name:   "no session, no DELETE",
			setup:  func(f *mbFake) { f.Session = "" },
			layers: mbAllPass, status: 200,
			check: mbWantRequests(map[string]int{"DELETE": 0}),
		},
	}
}

// mbRawServer accepts TCP connections and hands each to serve after reading
// what the prober sent first; it returns an http:// URL.
func mbRawServer(t *testing.T, serve func(c net.Conn)) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	t.Cleanup(func() { _ = l.Close(); wg.Wait() })
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer c.Close()
				buf := make([]byte, 4096)
				_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
				_, _ = c.Read(buf) // the request head, enough to answer after it
				serve(c)
			}()
		}
	}()
	return "http://" + l.Addr().String() + "/mcp"
}

// mbManyCapabilities returns n capability members with colliding, control
// and invalid-UTF-8 names, and one "tools".
func mbManyCapabilities(n int) string {
	var b strings.Builder
	b.WriteString(`"tools":{}`)
	for i := range n {
		fmt.Fprintf(&b, `,"cap\u0007%d`+"\xff"+`%s":{}`, i, strings.Repeat("z", i%200))
	}
	b.WriteString(`,"":{},"x\u0001":{},"x\u0002":{}`)
	return b.String()
}

// mbRun probes the fake server a case describes: its fake, module,
// probe and how long the probe took.
func mbRun(t *testing.T, tc mbMisbehaveCase) (*mbFake, config.Module, probeResult, time.Duration) {
	t.Helper()
	module := config.DefaultModule
	module.Timeout = model.Duration(mbTimeout)
	f, module, target := mbPrepare(t, mbNewFake(), tc.setup, module, tc.module, tc.target)
	start := time.Now()
	res := runProbe(t, nil, target, module)
	return f, module, res, time.Since(start)
}

// mbPrepare readies the fake f as a case describes it (setup, the edit of
// the module, the target, f itself served when target is nil) and returns
// it with the module and the target to probe.
func mbPrepare(t *testing.T, f *fakemcp.Server, setup func(f *fakemcp.Server), module config.Module,
	edit func(m *config.Module), target func(t *testing.T, f *fakemcp.Server) string) (*fakemcp.Server, config.Module, string) {
	t.Helper()
	if setup != nil {
		setup(f)
	}
	if edit != nil {
		edit(&module)
	}
	if target != nil {
		return f, module, target(t, f)
	}
	return f, module, f.Start(t)
}

// mbCase is the misbehaviour case of that name.
func mbCase(t *testing.T, name string) mbMisbehaveCase {
	t.Helper()
	return caseNamed(t, mbMisbehaveCases(), func(c mbMisbehaveCase) string { return c.name }, name)
}

// caseNamed is the case of that name among cases.
func caseNamed[C any](t *testing.T, cases []C, nameOf func(C) string, name string) C {
	t.Helper()
	for _, c := range cases {
		if nameOf(c) == name {
			return c
		}
	}
	t.Fatalf("no case %q", name)
	var none C
	return none
}

func TestMisbehavingServers(t *testing.T) {
	for _, tc := range mbMisbehaveCases() {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f, module, res, elapsed := mbRun(t, tc)
			mbCheckOutcome(t, res, tc.layer, tc.reason, tc.layers, tc.status)
			if got := rpcCode(res.result); got != tc.rpcCode {
				t.Errorf("JSON-RPC error code %d, want %d (0: none)", got, tc.rpcCode)
			}
			mbCheckElapsed(t, module, elapsed)
			if tc.check != nil {
				tc.check(t, f, res)
			}
		})
	}
}

// mbCheckOutcome asserts what every misbehaviour case states of its
// probe: the layer that failed and why, each layer's outcome and the last
// HTTP status; the probe's logs and result are logged if the test fails.
func mbCheckOutcome(t *testing.T, res probeResult, layer, reason string, layers [4]float64, status int) {
	t.Helper()
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("probe logs:\n%s\nresult: %s", res.logs, describe(res.result))
		}
	})
	wantOutcome(t, res.result, layer, reason)
	mbCheckLayers(t, res.result, layers)
	mbCheckStatus(t, res.result, status)
}

// mbCheckElapsed asserts that the probe returned within the module's
// timeout plus mbSlack.
func mbCheckElapsed(t *testing.T, module config.Module, elapsed time.Duration) {
	t.Helper()
	if limit := time.Duration(module.Timeout) + mbSlack; elapsed > limit {
		t.Errorf("probe took %v, more than the timeout plus %v (%v)", elapsed, mbSlack, limit)
	}
}

// mbCheckLayers asserts which of the layers in mbLayerOrder passed (1)
// and which failed or were not reached (0); every one must be the
// module's. A want of ssembLayerAbsent is a layer the module lacks.
func mbCheckLayers(t *testing.T, r *Result, want [4]float64) {
	t.Helper()
	for i, name := range mbLayerOrder {
		l, ok := r.Layer(name)
		if want[i] == ssembLayerAbsent {
			if ok {
				t.Errorf("layer %s %s, want the module without it", name, l.Outcome)
			}
			continue
		}
		wantPassed := want[i] == 1
		switch {
		case !ok:
			t.Errorf("the module has no %s layer: %s", name, describe(r))
		case (l.Outcome == Passed) != wantPassed && wantPassed:
			t.Errorf("layer %s %s, want passed: %s", name, l.Outcome, describe(r))
		case (l.Outcome == Passed) != wantPassed:
			t.Errorf("layer %s passed, want failed or not reached: %s", name, describe(r))
		}
	}
}

// mbCheckStatus asserts the HTTP status of the last answer to an MCP
// request; mbStatusAbsent: the server never answered over the transport.
func mbCheckStatus(t *testing.T, r *Result, want int) {
	t.Helper()
	switch {
	case want == mbStatusAbsent && r.HTTPStatus != 0:
		t.Errorf("the server answered (%q, status %d), want no answer", r.Transport, r.HTTPStatus)
	case want != mbStatusAbsent && r.HTTPStatus != want:
		t.Errorf("status %d (transport %q), want %d", r.HTTPStatus, r.Transport, want)
	}
}

func TestMisbehaveExpectedSchemaHash(t *testing.T) {
	t.Parallel()
	f := mbNewFake()
	target := f.Start(t)
	module := config.DefaultModule
	module.Timeout = model.Duration(mbTimeout)

	first := runProbe(t, nil, target, module).result
	succeeded(t, first)
	hash := schemaSHA256(t, first)

	module.ExpectedSchemaHash = hash
	second := runProbe(t, nil, target, module).result
	succeeded(t, second)
	if got := schemaSHA256(t, second); got != hash {
		t.Errorf("schema hash moved between probes: %s, then %s", hash, got)
	}

	// A description is not part of the schema hash; a schema change is.
	f.SetTools(`[` + strings.Replace(mbEchoTool, "Echoes its input.", "Says it back.", 1) + `]`)
	succeeded(t, runProbe(t, nil, target, module).result)
	f.SetTools(`[` + strings.Replace(mbEchoTool, `"required":["text"]`, `"required":[]`, 1) + `]`)
	failedAt(t, runProbe(t, nil, target, module).result, LayerTools, "schema_mismatch")
}

func TestMisbehaveEraCache(t *testing.T) {
	t.Parallel()
	f := mbNewFake()
	target := f.Start(t)
	module := config.DefaultModule
	module.Timeout = model.Duration(mbTimeout)
	p := New()

	probe := func(step string, wantOK bool, wantDiscover int) {
		t.Helper()
		res := runProbe(t, p, target, module)
		if res.ok != wantOK {
			t.Errorf("%s: probe ok = %v, want %v\n%s", step, res.ok, wantOK, res.logs)
		}
		if got := f.Requests("server/discover"); got != wantDiscover {
			t.Errorf("%s: %d server/discover requests so far, want %d", step, got, wantDiscover)
		}
	}
	probe("first probe", true, 1)
	probe("second probe, era remembered", true, 1)
	if got := f.Requests("initialize"); got != 2 {
		t.Errorf("initialize sent %d times over two probes, want 2", got)
	}

	f.SetTools(`[]`) // the next probe fails
	probe("failing probe, era still remembered", false, 1)
	f.SetTools(`[` + mbEchoTool + `]`)
	probe("after a failure the verdict is forgotten", true, 2)
	probe("and remembered again", true, 2)

	// Another module name is another cache key.
	ctx, cancel := context.WithTimeout(context.Background(), time.Duration(module.Timeout))
	defer cancel()
	if !p.Probe(ctx, &Request{ModuleName: "other", Module: module, Target: target, Logger: slog.New(slog.DiscardHandler)}).Success {
		t.Error("probe under another module name failed")
	}
	if got := f.Requests("server/discover"); got != 3 {
		t.Errorf("a new module name sent %d server/discover in all, want 3", got)
	}

	p.Reset()
	probe("after Reset", true, 4)
}

// TestMisbehaveRedirectOffTLS: under fail_if_not_tls, a redirect from https
// to http is refused and nothing reaches the plain-HTTP server.
func TestMisbehaveRedirectOffTLS(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name         string
		redirect     string // "*" or a JSON-RPC method
		failIfNotTLS bool
		layer        string
		layers       [4]float64
		status       int
		plainGets    bool
		noFollow     bool // follow_redirects: false
		reason       string
	}{
		{name: "every request", redirect: "*", failIfNotTLS: true, layer: LayerConnect, layers: mbConnectFailed, status: 0},
		// The refused redirect leaves tools/list without an answer: status 0.
		{name: "tools/list only", redirect: "tools/list", failIfNotTLS: true, layer: LayerTools, layers: mbToolsFailed, status: 0},
		{name: "every request, fail_if_not_tls off", redirect: "*", layers: mbAllPass, status: 200, plainGets: true},
		// Redirects not followed: the 307 itself is the answer.
		{name: "every request, redirects not followed", redirect: "*", failIfNotTLS: true, noFollow: true,
			layer: LayerHandshake, reason: "http_status", layers: mbHandshakeFailed, status: 307},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			plain := mbNewFake()
			plainURL := plain.Start(t)
			secure := mbNewFake()
			secure.On[tc.redirect] = func(w http.ResponseWriter, r *http.Request, _ mbRpcMsg) {
				http.Redirect(w, r, plainURL, http.StatusTemporaryRedirect)
			}
			ts := httptest.NewUnstartedServer(secure)
			ts.Config.ErrorLog = log.New(io.Discard, "", 0)
			ts.StartTLS()
			t.Cleanup(ts.Close)

			module := config.DefaultModule
			module.Timeout = model.Duration(mbTimeout)
			module.FailIfNotTLS = tc.failIfNotTLS
			module.HTTPClientConfig.FollowRedirects = !tc.noFollow
			trustServer(t, ts, &module)
			res := runProbe(t, nil, ts.URL+"/mcp", module)
			defer func() {
				if t.Failed() {
					t.Logf("probe logs:\n%s\nresult: %s", res.logs, describe(res.result))
				}
			}()
			reason := tc.reason
			if reason == "" && tc.layer != "" {
				reason = string(failure.ReasonNotTLS)
			}
			wantOutcome(t, res.result, tc.layer, reason)
			mbCheckLayers(t, res.result, tc.layers)
			if got := res.result.HTTPStatus; got != tc.status {
				t.Errorf("status %d, want %d", got, tc.status)
			}
			if n := plain.Requests(""); (n > 0) != tc.plainGets {
				t.Errorf("the plain-HTTP server got %d requests", n)
			}
		})
	}
}
