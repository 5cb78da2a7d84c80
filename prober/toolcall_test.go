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
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
	"github.com/prometheus/common/model"

	"github.com/mcp-exporter/mcp_exporter/config"
	"github.com/mcp-exporter/mcp_exporter/internal/failure"
	"github.com/mcp-exporter/mcp_exporter/internal/protocol"
	"github.com/mcp-exporter/mcp_exporter/internal/testsupport"
	"github.com/mcp-exporter/mcp_exporter/internal/testsupport/fakemcp"
)

// toolCallTools are the tools of the go-sdk servers the tool_call tests
// probe: health_check (read-only, answers "status: ok"), plain (no
// annotations), failing (read-only, answers isError) and regional
// (read-only, its region parameter mirrored into Mcp-Param-Region).
// calls counts the calls each tool got.
type toolCallTools struct {
	calls sync.Map // tool name → *atomic.Int32
}

func (tt *toolCallTools) count(name string) int32 {
	n, _ := tt.calls.LoadOrStore(name, new(atomic.Int32))
	return n.(*atomic.Int32).Load()
}

func (tt *toolCallTools) add(s *mcp.Server) {
	readOnly := &mcp.ToolAnnotations{ReadOnlyHint: true}
	object := map[string]any{"type": "object"}
	answer := func(name, text string, isError bool) mcp.ToolHandler {
		return func(context.Context, *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
			n, _ := tt.calls.LoadOrStore(name, new(atomic.Int32))
			n.(*atomic.Int32).Add(1)
			return &mcp.CallToolResult{IsError: isError, Content: []mcp.Content{
				&mcp.TextContent{Text: text}, &mcp.ImageContent{Data: []byte("not text"), MIMEType: "image/png"}, &mcp.TextContent{Text: "second item"}}}, nil
		}
	}
	s.AddTool(&mcp.Tool{Name: "health_check", Annotations: readOnly, InputSchema: object}, answer("health_check", "status: ok", false))
	s.AddTool(&mcp.Tool{Name: "plain", InputSchema: object}, answer("plain", "status: ok", false))
	s.AddTool(&mcp.Tool{Name: "failing", Annotations: readOnly, InputSchema: object}, answer("failing", "backend down", true))
	s.AddTool(&mcp.Tool{Name: "regional", Annotations: readOnly, InputSchema: map[string]any{
		"type": "object",
		"properties": map[string]any{
			"region": map[string]any{"type": "string", "x-mcp-header": "Region"},
			"query":  map[string]any{"type": "string"},
		},
	}}, answer("regional", "status: ok", false))
}

// toolCallModule is the default module calling name with args.
func toolCallModule(name, args string, regexps ...string) config.Module {
	m := config.DefaultModule
	m.Timeout = model.Duration(5 * time.Second)
	m.ToolCall = &config.ToolCall{Name: name, Arguments: config.JSONObject(args), FailIfContentNotMatchesRegexp: regexps}
	y := "modules:\n  test:\n    tool_call:\n      name: " + name + "\n"
	if args != "" {
		y += "      arguments: " + args + "\n"
	}
	if len(regexps) > 0 {
		b, _ := json.Marshal(regexps)
		y += "      fail_if_content_not_matches_regexp: " + string(b) + "\n"
	}
	// Loaded as a file is, so that the regular expressions are compiled.
	c, err := config.Parse([]byte(y))
	if err != nil {
		panic(err)
	}
	m.ToolCall = c.Modules["test"].ToolCall
	return m
}

// headerLog keeps the Mcp-Name and Mcp-Param-Region headers of the
// tools/call requests a server got.
type headerLog struct {
	mu      sync.Mutex
	name    []string
	region  []string
	methods []string
}

func (l *headerLog) wrap(next http.Handler) http.Handler {
	return observeRequests(next, func(r *http.Request, body []byte) {
		if r.Method == http.MethodPost && bytes.Contains(body, []byte(`"tools/call"`)) {
			l.mu.Lock()
			l.name = append(l.name, r.Header.Get("Mcp-Name"))
			l.region = append(l.region, r.Header.Get("Mcp-Param-Region"))
			l.methods = append(l.methods, r.Header.Get("Mcp-Method"))
			l.mu.Unlock()
		}
	})
}

func TestToolCallSDK(t *testing.T) {
	servers := []struct {
		name      string
		server    testsupport.SDKServer
		transport string
		version   string
	}{
		{"stateful", testsupport.SDKServer{}, protocol.TransportStreamableHTTP, "2025-11-25"},
		{"stateful JSON", testsupport.SDKServer{HTTP: mcp.StreamableHTTPOptions{JSONResponse: true}}, protocol.TransportStreamableHTTP, "2025-11-25"},
		{"stateless", testsupport.SDKServer{HTTP: mcp.StreamableHTTPOptions{Stateless: true}}, protocol.TransportStreamableHTTP, "2026-07-28"},
		{"legacy SSE", testsupport.SDKServer{SSE: true}, protocol.TransportSSE, "2025-11-25"},
	}
	cases := []struct {
		name   string
		module func() config.Module
		reason failure.Reason // "" passes
		calls  map[string]int32
	}{
		{"read-only tool", func() config.Module { return toolCallModule("health_check", "{}") }, "", map[string]int32{"health_check": 1}},
		{"content matches", func() config.Module {
			return toolCallModule("health_check", "", `status: ok`, `(?m)^second item$`)
		}, "", map[string]int32{"health_check": 1}},
		{"content mismatch", func() config.Module {
			return toolCallModule("health_check", "{}", `status: ok`, `not text`)
		}, failure.ReasonContentMismatch, map[string]int32{"health_check": 1}},
		{"not annotated read-only: not called", func() config.Module { return toolCallModule("plain", "{}") },
			failure.ReasonToolNotReadOnly, map[string]int32{"plain": 0}},
		{"not annotated read-only, allowed", func() config.Module {
			m := toolCallModule("plain", "{}")
			m.ToolCall.AllowNotReadOnly = true
			return m
		}, "", map[string]int32{"plain": 1}},
		{"isError", func() config.Module { return toolCallModule("failing", "{}", "backend") }, failure.ReasonToolError, map[string]int32{"failing": 1}},
		{"not listed", func() config.Module { return toolCallModule("absent", "{}") }, failure.ReasonToolNotListed, nil},
		{"x-mcp-header parameter", func() config.Module {
			return toolCallModule("regional", `{region: eu-west-1, query: "SELECT 1"}`)
		}, "", map[string]int32{"regional": 1}},
	}
	for _, s := range servers {
		for _, c := range cases {
			t.Run(s.name+"/"+c.name, func(t *testing.T) {
				tools := &toolCallTools{}
				srv := s.server
				srv.AddTools = tools.add
				ts := srv.Start(t)
				hl := &headerLog{}
				ts.Config.Handler = hl.wrap(ts.Config.Handler)
				target := ts.URL
				res := runProbe(t, nil, target, c.module())
				if res.result.Transport != s.transport || res.result.Server == nil || res.result.Server.ProtocolVersion != s.version {
					t.Fatalf("transport %q, server %+v; want %s, %s\n%s", res.result.Transport, res.result.Server, s.transport, s.version, res.logs)
				}
				l, ok := res.result.Layer(LayerToolCall)
				if !ok {
					t.Fatal("no tool_call layer")
				}
				if c.reason == "" {
					if !res.ok || l.Outcome != Passed {
						t.Fatalf("probe failed: %s %s\n%s", res.result.FailedLayer, res.result.FailureReason, res.logs)
					}
					if l.Duration <= 0 {
						t.Error("tool_call took no time")
					}
				} else if res.ok || res.result.FailedLayer != LayerToolCall || res.result.FailureReason != c.reason {
					t.Fatalf("got success %v, %s %s; want tool_call %s\n%s", res.ok, res.result.FailedLayer, res.result.FailureReason, c.reason, res.logs)
				}
				if (l.Outcome == Passed) != (c.reason == "") {
					t.Errorf("tool_call layer %s", l.Outcome)
				}
				for name, n := range c.calls {
					if got := tools.count(name); got != n {
						t.Errorf("%s was called %d times, want %d", name, got, n)
					}
				}
				// The content never leaves the exporter.
				for _, secret := range []string{"status: ok", "backend down", "second item"} {
					if strings.Contains(res.logs, secret) || strings.Contains(res.metrics, secret) {
						t.Errorf("the tool's content %q is in the logs or metrics", secret)
					}
				}
				hl.mu.Lock()
				defer hl.mu.Unlock()
				for i := range hl.name {
					if s.version != protocol.Version20260728 {
						if hl.name[i] != "" || hl.methods[i] != "" {
							t.Errorf("%s tools/call carries Mcp-Name %q, Mcp-Method %q", s.version, hl.name[i], hl.methods[i])
						}
						continue
					}
					if want := c.module().ToolCall.Name; hl.name[i] != want || hl.methods[i] != "tools/call" {
						t.Errorf("tools/call carries Mcp-Name %q, Mcp-Method %q; want %q, tools/call", hl.name[i], hl.methods[i], want)
					}
					if want := map[bool]string{true: "eu-west-1"}[c.name == "x-mcp-header parameter"]; hl.region[i] != want {
						t.Errorf("Mcp-Param-Region = %q, want %q", hl.region[i], want)
					}
				}
			})
		}
	}
}

// TestToolCallFake covers the failures a go-sdk server does not produce.
func TestToolCallFake(t *testing.T) {
	const readOnlyTool = `{"name":"probe_me","inputSchema":{"type":"object"},"annotations":{"readOnlyHint":true}}`
	answer := func(result string) fakemcp.Handler {
		return func(w http.ResponseWriter, _ *http.Request, m fakemcp.Msg) {
			fakemcp.WriteJSON(w, http.StatusOK, fakemcp.Result(m.ID, result))
		}
	}
	cases := []struct {
		name   string
		tools  string
		on     fakemcp.Handler
		module func(*config.Module)
		reason failure.Reason
		calls  int
	}{
		{name: "passes", tools: readOnlyTool, on: answer(`{"content":[{"type":"text","text":"fine"}]}`), calls: 1},
		{name: "JSON-RPC error", tools: readOnlyTool, on: func(w http.ResponseWriter, _ *http.Request, m fakemcp.Msg) {
			fakemcp.WriteJSON(w, http.StatusOK, fakemcp.Error(m.ID, -32603, ""))
		}, reason: failure.ReasonJSONRPCError, calls: 1},
		{name: "HTTP 500", tools: readOnlyTool, on: func(w http.ResponseWriter, _ *http.Request, _ fakemcp.Msg) {
			http.Error(w, "oops", http.StatusInternalServerError)
		}, reason: failure.ReasonHTTPStatus, calls: 1},
		{name: "no content", tools: readOnlyTool, on: answer(`{"isError":false}`), reason: failure.ReasonProtocolViolation, calls: 1},
		{name: "text item without text", tools: readOnlyTool, on: answer(`{"content":[{"type":"text"}]}`), reason: failure.ReasonProtocolViolation, calls: 1},
		{name: "result not an object", tools: readOnlyTool, on: answer(`[1]`), reason: failure.ReasonProtocolViolation, calls: 1},
		{name: "isError", tools: readOnlyTool, on: answer(`{"content":[],"isError":true}`), reason: failure.ReasonToolError, calls: 1},
		{name: "readOnlyHint false", tools: `{"name":"probe_me","inputSchema":{"type":"object"},"annotations":{"readOnlyHint":false}}`,
			on: answer(`{"content":[]}`), reason: failure.ReasonToolNotReadOnly},
		{name: "no annotations", tools: `{"name":"probe_me","inputSchema":{"type":"object"}}`, on: answer(`{"content":[]}`), reason: failure.ReasonToolNotReadOnly},
		{name: "answer beyond max_response_bytes", tools: readOnlyTool,
			on:     answer(`{"content":[{"type":"text","text":"` + strings.Repeat("x", 4096) + `"}]}`),
			module: func(m *config.Module) { m.MaxResponseBytes = 2048 }, reason: failure.ReasonResponseTooLarge, calls: 1},
		{name: "time runs out", tools: readOnlyTool, on: func(_ http.ResponseWriter, r *http.Request, _ fakemcp.Msg) { fakemcp.SleepCtx(r) },
			module: func(m *config.Module) { m.Timeout = model.Duration(time.Second) }, reason: failure.ReasonTimeout, calls: 1},
		{name: "arguments sent as is", tools: readOnlyTool, on: func(w http.ResponseWriter, _ *http.Request, m fakemcp.Msg) {
			var p struct {
				Arguments json.RawMessage `json:"arguments"`
			}
			_ = json.Unmarshal(m.Params, &p)
			if string(p.Arguments) != `{"deep":{"list":[1,"two",null,true]},"n":3}` {
				fakemcp.WriteJSON(w, http.StatusOK, fakemcp.Result(m.ID, `{"content":[],"isError":true}`))
				return
			}
			fakemcp.WriteJSON(w, http.StatusOK, fakemcp.Result(m.ID, `{"content":[]}`))
		}, module: func(m *config.Module) {
			m.ToolCall.Arguments = config.JSONObject(`{"deep":{"list":[1,"two",null,true]},"n":3}`)
		}, calls: 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := fakemcp.New()
			f.Tools = "[" + fakemcp.EchoTool + "," + c.tools + "]"
			f.On["tools/call"] = c.on
			target := f.Start(t)
			m := toolCallModule("probe_me", "")
			if c.module != nil {
				c.module(&m)
			}
			res := runProbe(t, nil, target, m)
			if c.reason == "" {
				if !res.ok {
					t.Fatalf("probe failed: %s %s\n%s", res.result.FailedLayer, res.result.FailureReason, res.logs)
				}
			} else if res.ok || res.result.FailedLayer != LayerToolCall || res.result.FailureReason != c.reason {
				t.Fatalf("got success %v, %s %s; want tool_call %s\n%s", res.ok, res.result.FailedLayer, res.result.FailureReason, c.reason, res.logs)
			}
			if got := f.Requests("tools/call"); got != c.calls {
				t.Errorf("the fake got %d tools/call requests, want %d", got, c.calls)
			}
			if c.calls > 0 {
				call, _ := f.LastSeen("tools/call")
				if call.Msg.Param("name") != "probe_me" || !call.Msg.HasParam("arguments") {
					t.Errorf("tools/call params %s", call.Msg.Params)
				}
			}
			if got := f.Requests("DELETE"); got != 1 && c.reason != failure.ReasonTimeout {
				t.Errorf("the session was closed %d times, want once", got)
			}
		})
	}
}

// TestToolCallStatelessHeaders checks the 2026-07-28 headers of tools/call
// against the fake: Mcp-Name in Base64 when the name is not plain ASCII,
// and the _meta of every request.
func TestToolCallStatelessHeaders(t *testing.T) {
	for _, c := range []struct{ name, header string }{
		{"probe_me", "probe_me"},
		{"sonde_été", "=?base64?c29uZGVfw6l0w6k=?="},
		{"=?base64?x?=", "=?base64?PT9iYXNlNjQ/eD89?="},
	} {
		f := fakemcp.New()
		f.Stateless = true
		b, _ := json.Marshal(c.name)
		f.Tools = `[{"name":` + string(b) + `,"inputSchema":{"type":"object"},"annotations":{"readOnlyHint":true}}]`
		f.On["tools/call"] = func(w http.ResponseWriter, _ *http.Request, m fakemcp.Msg) {
			fakemcp.WriteJSON(w, http.StatusOK, fakemcp.Result(m.ID, `{"content":[],"resultType":"complete"}`))
		}
		target := f.Start(t)
		m := config.DefaultModule
		m.ToolCall = &config.ToolCall{Name: c.name}
		res := runProbe(t, nil, target, m)
		if !res.ok {
			t.Fatalf("%s: probe failed: %s %s\n%s", c.name, res.result.FailedLayer, res.result.FailureReason, res.logs)
		}
		call, _ := f.LastSeen("tools/call")
		if got := call.Header.Get("Mcp-Name"); got != c.header {
			t.Errorf("Mcp-Name = %q, want %q", got, c.header)
		}
		if call.Header.Get("Mcp-Method") != "tools/call" || call.Header.Get("MCP-Protocol-Version") != "2026-07-28" || !call.Msg.HasParam("_meta") {
			t.Errorf("tools/call lacks the 2026-07-28 headers or _meta: %v %s", call.Header, call.Msg.Params)
		}
	}
}

// TestToolCallInvalidParamHeader: a 2026-07-28 client must not call a
// tool whose x-mcp-header annotations are invalid; an older one ignores
// them.
func TestToolCallInvalidParamHeader(t *testing.T) {
	for _, stateless := range []bool{true, false} {
		f := fakemcp.New()
		f.Stateless = stateless
		f.Tools = `[{"name":"probe_me","annotations":{"readOnlyHint":true},"inputSchema":{"type":"object","properties":{"r":{"type":"string","x-mcp-header":"No Spaces"}}}}]`
		f.On["tools/call"] = func(w http.ResponseWriter, _ *http.Request, m fakemcp.Msg) {
			fakemcp.WriteJSON(w, http.StatusOK, fakemcp.Result(m.ID, `{"content":[],"resultType":"complete"}`))
		}
		target := f.Start(t)
		res := runProbe(t, nil, target, toolCallModule("probe_me", "{r: x}"))
		if stateless {
			if res.ok || res.result.FailureReason != failure.ReasonProtocolViolation || f.Requests("tools/call") != 0 {
				t.Errorf("stateless: success %v, reason %s, %d calls", res.ok, res.result.FailureReason, f.Requests("tools/call"))
			}
		} else if !res.ok || f.Requests("tools/call") != 1 {
			t.Errorf("stateful: success %v, reason %s, %d calls", res.ok, res.result.FailureReason, f.Requests("tools/call"))
		}
	}
}
