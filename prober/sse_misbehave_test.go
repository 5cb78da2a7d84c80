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
	"encoding/json"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"runtime"
	"runtime/pprof"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/model"

	"github.com/mcp-exporter/mcp_exporter/config"
	"github.com/mcp-exporter/mcp_exporter/internal/protocol"
	"github.com/mcp-exporter/mcp_exporter/internal/testsupport/fakemcp"
	"github.com/mcp-exporter/mcp_exporter/prober/mcpwire"
)

// ---------------------------------------------------------------------------
// The legacy HTTP+SSE (2024-11-05) server is fakemcp's with LegacySSE set:
// a GET on the target (/sse) opens an event stream whose first event names
// the endpoint (/message?sessionId=…); JSON-RPC requests POSTed there are
// answered 202 and their responses written as message events on the
// stream. A POST to the target itself is refused with 405 in plain text,
// as a legacy-only server does, so that transport auto falls back. By
// default it is well-behaved; cases override single steps to misbehave.
// Helpers carry an ssemb prefix to stay clear of the package's other test
// files.

const (
	ssembTargetPath   = fakemcp.LegacyTargetPath
	ssembEndpointPath = fakemcp.LegacyEndpointPath
)

type ssembFake = fakemcp.Server

var (
	ssembNewFake = fakemcp.NewLegacy
	ssembMessage = fakemcp.Message
)

// ssembPostFunc answers one message POSTed to the endpoint in place of the
// default; send writes raw SSE text on the message's event stream.
type ssembPostFunc func(w http.ResponseWriter, m mbRpcMsg, send func(string))

// ssembEndpoint returns an endpointEvent that names the given data.
func ssembEndpoint(data func(base, sid string) string) func(f *ssembFake) {
	return func(f *ssembFake) {
		f.EndpointEvent = func(base, sid string) string { return "event: endpoint\ndata: " + data(base, sid) + "\n\n" }
	}
}

// ssembOn answers method with h.
func ssembOn(method string, h ssembPostFunc) func(f *ssembFake) {
	return func(f *ssembFake) {
		f.On[method] = func(w http.ResponseWriter, r *http.Request, m mbRpcMsg) {
			h(w, m, func(ev string) { f.Send(r, ev) })
		}
	}
}

// ssembInitEvents answers initialize 202 with events before the response.
func ssembInitEvents(before func(id json.RawMessage) string) func(f *ssembFake) {
	return func(f *ssembFake) {
		ssembOn("initialize", func(w http.ResponseWriter, m mbRpcMsg, send func(string)) {
			send(before(m.ID) + f.Event(m))
			w.WriteHeader(http.StatusAccepted)
		})(f)
	}
}

// ssembSilent accepts method and never answers it.
func ssembSilent(method string) func(f *ssembFake) {
	return ssembOn(method, func(w http.ResponseWriter, _ mbRpcMsg, _ func(string)) {
		w.WriteHeader(http.StatusAccepted)
	})
}

// ssembRefuse answers method with status and a plain-text body.
func ssembRefuse(method string, status int, body string) func(f *ssembFake) {
	return ssembOn(method, func(w http.ResponseWriter, _ mbRpcMsg, _ func(string)) {
		http.Error(w, body, status)
	})
}

// ---------------------------------------------------------------------------
// Running a probe.

// ssembResult is a probe's outcome, with what the fake saw of its end.
type ssembResult struct {
	probeResult
	elapsed time.Duration
	// streamsEnded: every event stream the fake opened was hung up by the
	// prober within mbSlack of the probe's return, before its context
	// was cancelled.
	streamsEnded bool
}

// ssembProbe probes target with p (a fresh Prober when nil) and checks, before
// cancelling the probe's context, that the prober hung up f's event streams.
func ssembProbe(t *testing.T, p *Prober, f *ssembFake, req Request) ssembResult {
	t.Helper()
	var r ssembResult
	start := time.Now()
	r.probeResult = probeRequest(t, p, req, func() {
		r.elapsed = time.Since(start)
		r.streamsEnded = f.WaitStreamsEnded(mbSlack)
	})
	return r
}

// ssembModule is the default module over the legacy transport with mbTimeout.
func ssembModule() config.Module {
	m := config.DefaultModule
	m.Transport = protocol.TransportSSE
	m.Timeout = model.Duration(mbTimeout)
	return m
}

// ---------------------------------------------------------------------------
// The table.

type ssembCase struct {
	name   string
	setup  func(f *ssembFake)
	module func(m *config.Module)
	// target returns the URL to probe; nil serves the fake.
	target func(t *testing.T, f *ssembFake) string

	layer, reason string // both "" for a successful probe
	layers        [4]float64
	status        int    // probe_http_status_code, or mbStatusAbsent
	transport     string // probe_mcp_transport_info; "" means sse, ssembNoTransport none
	check         func(t *testing.T, f *ssembFake, res ssembResult)
}

// ssembLayerAbsent: the layer's success series must not be reported.
const ssembLayerAbsent = -1

func ssembAuto(m *config.Module) { m.Transport = protocol.TransportAuto }

// ssembWant checks the fake's request counts.
var ssembWant = fakeRequests[ssembResult]

func ssembTools(n int) func(t *testing.T, f *ssembFake, res ssembResult) {
	return func(t *testing.T, _ *ssembFake, res ssembResult) {
		t.Helper()
		if tl := res.result.Tools; tl == nil || tl.Count != n {
			t.Errorf("tools %+v, want %d", tl, n)
		}
	}
}

func ssembChecks(checks ...func(t *testing.T, f *ssembFake, res ssembResult)) func(t *testing.T, f *ssembFake, res ssembResult) {
	return func(t *testing.T, f *ssembFake, res ssembResult) {
		t.Helper()
		for _, c := range checks {
			c(t, f, res)
		}
	}
}

// ssembFirstEvent makes the stream's first event the raw text ev.
func ssembFirstEvent(ev string) func(f *ssembFake) {
	return func(f *ssembFake) { f.EndpointEvent = func(string, string) string { return ev } }
}

func ssembCases() []ssembCase {
	// A handshake that succeeded over the legacy transport: one GET, one
	// initialize, one notifications/initialized, and nothing POSTed to the
	// target.
	handshook := ssembWant(map[string]int{"GET": 1, "initialize": 1, "notifications/initialized": 1, "POST target": 0})
	pageTwo := strings.Replace(mbEchoTool, `"echo"`, `"echo_2"`, 1)
	return []ssembCase{
		// --- success paths
		{
			name:   "relative endpoint",
			layers: mbAllPass, status: 202,
			check: ssembChecks(handshook, ssembTools(1),
				ssembWant(map[string]int{"tools/list": 1, "POST": 3}),
				func(t *testing.T, f *ssembFake, _ ssembResult) {
					if g, _ := f.LastSeen("GET"); g.Header.Get("Accept") != "text/event-stream" {
						t.Errorf("GET with Accept %q, want text/event-stream", g.Header.Get("Accept"))
					}
				},
				func(t *testing.T, f *ssembFake, _ ssembResult) {
					i, _ := f.LastSeen("initialize")
					if got := i.Msg.Param("protocolVersion"); got != "2025-11-25" {
						t.Errorf("initialize offered %q over sse, want 2025-11-25", got)
					}
					if n, _ := f.LastSeen("notifications/initialized"); len(n.Msg.ID) != 0 {
						t.Errorf("notifications/initialized carries an id: %s", n.Msg.ID)
					}
				}),
		},
		{
			name:   "absolute endpoint on the same origin",
			setup:  ssembEndpoint(func(base, sid string) string { return base + ssembEndpointPath + "?sessionId=" + sid }),
			layers: mbAllPass, status: 202,
			check: ssembChecks(handshook, ssembTools(1)),
		},
		{
			name:   "endpoint with surrounding whitespace",
			setup:  ssembEndpoint(func(_, sid string) string { return " \t " + ssembEndpointPath + "?sessionId=" + sid + " \t " }),
			layers: mbAllPass, status: 202,
			check: handshook,
		},
		{
			name: "comments and keep-alives before and between events",
			setup: func(f *ssembFake) {
				f.Prelude = ": ping\n\n: stream opened\n:\n\n"
				f.EndpointEvent = func(_, sid string) string {
					return "event: endpoint\n: a comment inside the event\ndata: " + ssembEndpointPath + "?sessionId=" + sid + "\n\n: ping\n\n"
				}
				ssembInitEvents(func(json.RawMessage) string { return ": ping\n\n: ping\n\n" })(f)
			},
			layers: mbAllPass, status: 202,
			check: handshook,
		},
		{
			name: "multi-line data in the response",
			setup: ssembOn("initialize", func(w http.ResponseWriter, m mbRpcMsg, send func(string)) {
				send("event: message\n" +
					"data: {\"jsonrpc\":\"2.0\",\n" +
					"data:  \"id\":" + string(m.ID) + ",\n" +
					"data: \"result\":" + mbInitResult(m.Param("protocolVersion")) + "\n" +
					"data: }\r\n\r\n")
				w.WriteHeader(http.StatusAccepted)
			}),
			layers: mbAllPass, status: 202,
			check: handshook,
		},
		{
			name: "server requests and notifications before the response",
			setup: ssembInitEvents(func(json.RawMessage) string {
				return ssembMessage(`{"jsonrpc":"2.0","id":"srv-1","method":"ping"}`) +
					ssembMessage(`{"jsonrpc":"2.0","method":"notifications/message","params":{"level":"info","data":"hi"}}`) +
					"data: {\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"roots/list\"}\n\n" + // unnamed: a message
					ssembMessage(`{"jsonrpc":"2.0","method":"notifications/progress","params":{"progressToken":1,"progress":1}}`)
			}),
			layers: mbAllPass, status: 202,
			check: handshook,
		},
		{
			name: "events of another name before the response",
			setup: ssembInitEvents(func(id json.RawMessage) string {
				// A response lookalike under another name must be passed
				// over: taken, its empty result would fail the handshake.
				return "event: heartbeat\ndata: {}\n\n" +
					"event: something-else\ndata: {\"jsonrpc\":\"2.0\",\"id\":" + string(id) + ",\"result\":{}}\n\n" +
					"event: endpoint\ndata: /elsewhere\n\n" +
					"id: 3\nretry: 1000\ndata: \n\n" // empty data
			}),
			layers: mbAllPass, status: 202,
			check: handshook,
		},
		{
			name: "POSTs answered 200 instead of 202",
			setup: func(f *ssembFake) {
				for _, method := range []string{"initialize", "notifications/initialized", "tools/list"} {
					f.On[method] = func(w http.ResponseWriter, r *http.Request, m mbRpcMsg) {
						if ev := f.Event(m); ev != "" {
							f.Send(r, ev)
						}
						w.Header().Set("Content-Type", "text/plain")
						_, _ = io.WriteString(w, "Accepted")
					}
				}
			},
			layers: mbAllPass, status: 200,
			check: ssembChecks(handshook, ssembTools(1)),
		},
		{
			name: "tools/list over two pages",
			setup: ssembOn("tools/list", func(w http.ResponseWriter, m mbRpcMsg, send func(string)) {
				if m.Param("cursor") == "" {
					send(ssembMessage(mbRpcResult(m.ID, `{"tools":[`+mbEchoTool+`],"nextCursor":"page-2"}`)))
				} else if m.Param("cursor") == "page-2" {
					send(ssembMessage(mbRpcResult(m.ID, `{"tools":[`+pageTwo+`]}`)))
				}
				w.WriteHeader(http.StatusAccepted)
			}),
			layers: mbAllPass, status: 202,
			check: ssembChecks(handshook, ssembTools(2), ssembWant(map[string]int{"tools/list": 2})),
		},
		{
			name:   "close_session off: the stream is still closed",
			module: func(m *config.Module) { m.CloseSession = false },
			layers: [4]float64{1, 1, 1, ssembLayerAbsent}, status: 202,
			check: handshook,
		},

		// --- handshake: the event stream
		{
			name:  "first event is a message",
			setup: ssembFirstEvent(ssembMessage(`{"jsonrpc":"2.0","method":"notifications/message","params":{}}`)),
			layer: LayerHandshake, reason: "protocol_violation", layers: mbHandshakeFailed, status: 200,
			check: ssembWant(map[string]int{"POST": 0}),
		},
		{
			name:  "first event unnamed",
			setup: ssembFirstEvent("data: /message?sessionId=x\n\n"),
			layer: LayerHandshake, reason: "protocol_violation", layers: mbHandshakeFailed, status: 200,
			check: ssembWant(map[string]int{"POST": 0}),
		},
		{
			name: "endpoint on another port",
			target: func(t *testing.T, f *ssembFake) string {
				other := ssembNewFake()
				otherURL := other.Start(t)
				origin := strings.TrimSuffix(otherURL, ssembTargetPath)
				f.EndpointEvent = func(_, sid string) string {
					return "event: endpoint\ndata: " + origin + ssembEndpointPath + "?sessionId=" + sid + "\n\n"
				}
				t.Cleanup(func() {
					if n := other.Requests("POST"); n != 0 {
						t.Errorf("the server on the other port got %d POSTs", n)
					}
				})
				return f.Start(t)
			},
			layer: LayerHandshake, reason: "protocol_violation", layers: mbHandshakeFailed, status: 200,
			check: ssembWant(map[string]int{"POST": 0}),
		},
		{
			name:  "endpoint on another host",
			setup: ssembEndpoint(func(_, sid string) string { return "http://evil.example" + ssembEndpointPath + "?sessionId=" + sid }),
			layer: LayerHandshake, reason: "protocol_violation", layers: mbHandshakeFailed, status: 200,
			check: ssembWant(map[string]int{"POST": 0}),
		},
		{
			name:  "endpoint on another host, protocol-relative",
			setup: ssembEndpoint(func(_, sid string) string { return "//evil.example" + ssembEndpointPath + "?sessionId=" + sid }),
			layer: LayerHandshake, reason: "protocol_violation", layers: mbHandshakeFailed, status: 200,
			check: ssembWant(map[string]int{"POST": 0}),
		},
		{
			name: "endpoint with another scheme",
			setup: ssembEndpoint(func(base, sid string) string {
				return strings.Replace(base, "http://", "https://", 1) + ssembEndpointPath + "?sessionId=" + sid
			}),
			layer: LayerHandshake, reason: "protocol_violation", layers: mbHandshakeFailed, status: 200,
			check: ssembWant(map[string]int{"POST": 0}),
		},
		{
			name:  "endpoint not a URI",
			setup: ssembEndpoint(func(string, string) string { return "::not a uri" }),
			layer: LayerHandshake, reason: "protocol_violation", layers: mbHandshakeFailed, status: 200,
			check: ssembWant(map[string]int{"POST": 0}),
		},
		{
			name:  "endpoint empty",
			setup: ssembEndpoint(func(string, string) string { return " " }),
			layer: LayerHandshake, reason: "protocol_violation", layers: mbHandshakeFailed, status: 200,
			check: ssembWant(map[string]int{"POST": 0}),
		},
		{
			name: "GET answered with HTML",
			setup: func(f *ssembFake) {
				f.Get = func(w http.ResponseWriter, _ *http.Request) {
					w.Header().Set("Content-Type", "text/html; charset=utf-8")
					_, _ = io.WriteString(w, "<!doctype html><html><body>Sign in</body></html>")
				}
			},
			layer: LayerHandshake, reason: "not_mcp", layers: mbHandshakeFailed, status: 200,
			check: ssembWant(map[string]int{"POST": 0}),
		},
		{
			name:  "GET answered 404",
			setup: func(f *ssembFake) { f.Get = http.NotFound },
			layer: LayerHandshake, reason: "http_status", layers: mbHandshakeFailed, status: 404,
			// A 404 says no event stream is there: no transport answered.
			transport: ssembNoTransport,
			check:     ssembWant(map[string]int{"POST": 0}),
		},
		{
			name:  "stream ends before the endpoint event",
			setup: func(f *ssembFake) { ssembFirstEvent(": hello\n\nevent: endpoint\n")(f); f.EndAfterEndpoint = true },
			layer: LayerHandshake, reason: "protocol_violation", layers: mbHandshakeFailed, status: 200,
			check: ssembWant(map[string]int{"POST": 0}),
		},
		{
			name:  "stream ends after the endpoint, before the initialize response",
			setup: func(f *ssembFake) { f.EndAfterEndpoint = true },
			layer: LayerHandshake, reason: "protocol_violation", layers: mbHandshakeFailed, status: 202,
		},
		{
			name:   "initialize response never comes",
			setup:  ssembSilent("initialize"),
			module: func(m *config.Module) { m.Timeout = model.Duration(time.Second) },
			layer:  LayerHandshake, reason: "timeout", layers: mbHandshakeFailed, status: 202,
			check: func(t *testing.T, _ *ssembFake, res ssembResult) {
				if res.elapsed < 900*time.Millisecond {
					t.Errorf("probe returned after %v, before its deadline", res.elapsed)
				}
			},
		},
		{
			name: "response with another id",
			setup: ssembOn("initialize", func(w http.ResponseWriter, m mbRpcMsg, send func(string)) {
				send(ssembMessage(mbRpcResult(json.RawMessage(`12345`), mbInitResult(m.Param("protocolVersion")))))
				w.WriteHeader(http.StatusAccepted)
			}),
			layer: LayerHandshake, reason: "protocol_violation", layers: mbHandshakeFailed, status: 202,
		},
		{
			name:  "initialize POST answered 500",
			setup: ssembRefuse("initialize", http.StatusInternalServerError, "boom"),
			layer: LayerHandshake, reason: "http_status", layers: mbHandshakeFailed, status: 500,
		},
		{
			name:  "notifications/initialized answered 500",
			setup: ssembRefuse("notifications/initialized", http.StatusInternalServerError, "boom"),
			layer: LayerHandshake, reason: "http_status", layers: mbHandshakeFailed, status: 500,
		},
		{
			name: "oversized response event",
			setup: ssembOn("initialize", func(w http.ResponseWriter, _ mbRpcMsg, send func(string)) {
				send("event: message\ndata: " + strings.Repeat("x", mcpwire.DefaultMaxMessageBytes+1<<20) + "\n\n")
				w.WriteHeader(http.StatusAccepted)
			}),
			layer: LayerHandshake, reason: "response_too_large", layers: mbHandshakeFailed, status: 202,
		},

		// --- tools
		{
			// No session id header: the legacy session lives in the
			// endpoint's query. A bare 404 is taken as an HTTP failure…
			name:  "tools/list POST answered a bare 404",
			setup: ssembRefuse("tools/list", http.StatusNotFound, "404 page not found"),
			layer: LayerTools, reason: "http_status", layers: mbToolsFailed, status: 404,
		},
		{
			// …and one that names the session (the go-sdk's "session not
			// found", the Python SDK's "Could not find session") as a lost
			// session.
			name:  "tools/list POST answered 404 session not found",
			setup: ssembRefuse("tools/list", http.StatusNotFound, "session not found"),
			layer: LayerTools, reason: "session", layers: mbToolsFailed, status: 404,
		},
		{
			name:   "tools/list response never comes",
			setup:  ssembSilent("tools/list"),
			module: func(m *config.Module) { m.Timeout = model.Duration(time.Second) },
			// The close layer still passes: closing the stream needs no answer.
			layer: LayerTools, reason: "timeout", layers: mbToolsFailed, status: 202,
		},

		// --- transport auto
		{
			name:   "auto: target refuses POST with 405",
			module: ssembAuto,
			layers: mbAllPass, status: 202,
			// server/discover and initialize, then the fallback.
			check: ssembWant(map[string]int{"POST target": 2, "GET": 1, "initialize": 1, "notifications/initialized": 1}),
		},
		{
			name:   "auto: target refuses POST with 404",
			setup:  func(f *ssembFake) { f.Target = http.NotFound },
			module: ssembAuto,
			layers: mbAllPass, status: 202,
			check: ssembWant(map[string]int{"POST target": 2, "GET": 1}),
		},
		{
			name: "auto: target refuses POST with 400",
			setup: func(f *ssembFake) {
				f.Target = func(w http.ResponseWriter, _ *http.Request) { http.Error(w, "Bad Request", http.StatusBadRequest) }
			},
			module: ssembAuto,
			layers: mbAllPass, status: 202,
			check: ssembWant(map[string]int{"POST target": 2, "GET": 1}),
		},
		{
			name: "auto: target answers POST 500, no fallback",
			setup: func(f *ssembFake) {
				f.Target = func(w http.ResponseWriter, _ *http.Request) { http.Error(w, "boom", http.StatusInternalServerError) }
			},
			module: ssembAuto,
			layer:  LayerHandshake, reason: "http_status", layers: mbHandshakeFailed, status: 500,
			transport: protocol.TransportStreamableHTTP,
			check:     ssembWant(map[string]int{"GET": 0}),
		},
		{
			name:   "auto: fallback whose GET fails too",
			setup:  func(f *ssembFake) { f.Target = http.NotFound; f.Get = http.NotFound },
			module: ssembAuto,
			layer:  LayerHandshake, reason: "http_status", layers: mbHandshakeFailed, status: 404,
			// A path that answers 404 to everything speaks no transport
			// (issue 25 item 4; it was reported as sse).
			transport: ssembNoTransport,
			check:     ssembWant(map[string]int{"POST target": 2, "GET": 1}),
		},
		{
			// Streamable HTTP was answered (404), the fallback's event
			// stream never: the probe spoke no transport with the server.
			name: "auto: fallback whose GET is never answered",
			setup: func(f *ssembFake) {
				f.Target = http.NotFound
				f.Get = func(w http.ResponseWriter, _ *http.Request) {
					conn, _, err := http.NewResponseController(w).Hijack()
					if err == nil {
						conn.Close()
					}
				}
			},
			module: ssembAuto,
			layer:  LayerHandshake, reason: "connect", layers: mbHandshakeFailed, status: mbStatusAbsent,
			transport: ssembNoTransport,
			// net/http sends the GET again on a fresh connection when a
			// reused one closes before an answer: one or two GETs.
			check: ssembWant(map[string]int{"POST target": 2}),
		},
	}
}

// ssembNoTransport: probe_mcp_transport_info must not be reported.
const ssembNoTransport = "-"

// ssembRun probes the fake server a case describes: its fake, module and
// probe.
func ssembRun(t *testing.T, tc ssembCase) (*ssembFake, config.Module, ssembResult) {
	t.Helper()
	f, module, target := mbPrepare(t, ssembNewFake(), tc.setup, ssembModule(), tc.module, tc.target)
	return f, module, ssembProbe(t, nil, f, Request{ModuleName: "test", Target: target, Module: module})
}

// ssembCaseNamed is the HTTP+SSE misbehaviour case of that name.
func ssembCaseNamed(t *testing.T, name string) ssembCase {
	t.Helper()
	return caseNamed(t, ssembCases(), func(c ssembCase) string { return c.name }, name)
}

func TestSSEMisbehavingServers(t *testing.T) {
	for _, tc := range ssembCases() {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f, module, res := ssembRun(t, tc)
			mbCheckOutcome(t, res.probeResult, tc.layer, tc.reason, tc.layers, tc.status)
			r := res.result
			transport := tc.transport
			switch transport {
			case "":
				transport = protocol.TransportSSE
			case ssembNoTransport:
				transport = ""
			}
			if r.Transport != transport {
				t.Errorf("transport %q, want %q (\"\": the server never answered)", r.Transport, transport)
			}
			if module.Transport == protocol.TransportSSE {
				if n := f.Requests("POST target"); n != 0 {
					t.Errorf("transport sse POSTed %d times to the target", n)
				}
			}
			mbCheckElapsed(t, module, res.elapsed)
			if !res.streamsEnded {
				t.Errorf("the event stream was still open %v after the probe returned", mbSlack)
			}
			if tc.check != nil {
				tc.check(t, f, res)
			}
		})
	}
}

// TestSSEMisbehaveAutoVerdict: transport auto remembers that a target
// speaks only HTTP+SSE, and forgets it after a failed probe.
func TestSSEMisbehaveAutoVerdict(t *testing.T) {
	t.Parallel()
	f := ssembNewFake()
	target := f.Start(t)
	module := ssembModule()
	module.Transport = protocol.TransportAuto
	p := New()

	probe := func(step string, wantOK bool, wantTargetPOSTs, wantGETs int) {
		t.Helper()
		res := ssembProbe(t, p, f, Request{ModuleName: "test", Target: target, Module: module})
		if res.ok != wantOK {
			t.Errorf("%s: probe ok = %v, want %v\n%s", step, res.ok, wantOK, res.logs)
		}
		if res.result.Transport != protocol.TransportSSE {
			t.Errorf("%s: transport %q, want sse", step, res.result.Transport)
		}
		if got := f.Requests("POST target"); got != wantTargetPOSTs {
			t.Errorf("%s: %d POSTs to the target so far, want %d", step, got, wantTargetPOSTs)
		}
		if got := f.Requests("GET"); got != wantGETs {
			t.Errorf("%s: %d GETs so far, want %d", step, got, wantGETs)
		}
		if !res.streamsEnded {
			t.Errorf("%s: the event stream was left open", step)
		}
	}
	// server/discover and initialize are refused, then the fallback.
	probe("first probe falls back", true, 2, 1)
	probe("second probe goes straight to the stream", true, 2, 2)
	probe("and so does the third", true, 2, 3)

	f.FailGet.Store(true)
	probe("a failing probe", false, 2, 4)
	f.FailGet.Store(false)
	probe("after a failure Streamable HTTP is tried again", true, 4, 5)
	probe("and the verdict is remembered again", true, 4, 6)
}

// TestSSEMisbehaveNoLeak: a response that never comes leaves nothing
// running once the probe has returned and the server is gone.
func TestSSEMisbehaveNoLeak(t *testing.T) {
	// Not parallel: the goroutine count must be this test's alone.
	f := ssembNewFake()
	ssembSilent("initialize")(f)
	ts := httptest.NewUnstartedServer(f)
	ts.Config.ErrorLog = log.New(io.Discard, "", 0)
	ts.Start()
	defer ts.Close()
	module := ssembModule()
	module.Timeout = model.Duration(300 * time.Millisecond)

	runtime.GC()
	before := runtime.NumGoroutine()
	p := New()
	for i := range 5 {
		res := ssembProbe(t, p, f, Request{ModuleName: "test", Target: ts.URL + ssembTargetPath, Module: module})
		failedAt(t, res.result, LayerHandshake, "timeout")
		if limit := time.Duration(module.Timeout) + mbSlack; res.elapsed > limit {
			t.Errorf("probe %d took %v, more than the timeout plus %v", i, res.elapsed, mbSlack)
		}
	}
	ts.Close()

	deadline := time.Now().Add(5 * time.Second)
	n := runtime.NumGoroutine()
	for n > before+2 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
		n = runtime.NumGoroutine()
	}
	if n > before+2 {
		var dump bytes.Buffer
		_ = pprof.Lookup("goroutine").WriteTo(&dump, 1)
		t.Fatalf("%d goroutines after the probes, %d before:\n%s", n, before, dump.String())
	}
}
