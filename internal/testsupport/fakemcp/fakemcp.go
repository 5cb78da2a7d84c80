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

// Package fakemcp is a configurable fake MCP server for the tests and the
// benchmarks: the one server every hand-made target is built from.
//
// By default a Server is a well-behaved stateful (2025-11-25 era) server
// over Streamable HTTP: server/discover gets the TypeScript SDK's answer
// (400, plain text), initialize echoes the offered revision and issues a
// session, notifications get 202, tools/list lists one tool and DELETE gets
// 200. Fields switch it to SSE answers, the 2026-07-28 era (Stateless),
// the legacy HTTP+SSE transport (LegacySSE), slow answers (Delay), paged
// tools (PageSize); On replaces the answer to single methods to misbehave,
// and the helpers in answers.go write the usual misbehaviours. Every
// request is counted, and recorded unless NoRecord is set.
package fakemcp

import (
	"encoding/json"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Paths of the legacy transport: the event stream (the target) and the
// endpoint its first event names.
const (
	LegacyTargetPath   = "/sse"
	LegacyEndpointPath = "/message"
)

// DefaultSession is the MCP-Session-Id New issues at initialize.
const DefaultSession = "fake-session-0123"

// EchoTool is the one tool a Server lists by default.
const EchoTool = `{"name":"echo","description":"Echoes its input.","inputSchema":{"type":"object","properties":{"text":{"type":"string"}},"required":["text"]}}`

// Msg is a JSON-RPC message as the fake received it.
type Msg struct {
	ID     json.RawMessage `json:"id"`
	Method string          `json:"method"`
	Params json.RawMessage `json:"params"`
}

// Param returns the string parameter key, "" if absent.
func (m Msg) Param(key string) string {
	var p map[string]json.RawMessage
	if json.Unmarshal(m.Params, &p) != nil {
		return ""
	}
	var s string
	if json.Unmarshal(p[key], &s) != nil {
		return ""
	}
	return s
}

// HasParam reports whether the params hold key.
func (m Msg) HasParam(key string) bool {
	var p map[string]json.RawMessage
	if json.Unmarshal(m.Params, &p) != nil {
		return false
	}
	_, ok := p[key]
	return ok
}

// Handler answers one request in place of the fake's default. Over the
// legacy transport it answers the POST to the endpoint; Send puts events
// on the request's stream.
type Handler func(w http.ResponseWriter, r *http.Request, m Msg)

// Request is what the fake kept of one request.
type Request struct {
	Header http.Header
	Msg    Msg
}

// Server is the fake. Set its fields before it serves, except where a
// method or an atomic guards them.
type Server struct {
	// On answers requests in place of the default: by JSON-RPC method,
	// "DELETE", or "*" for every POST.
	On map[string]Handler
	// Session is the MCP-Session-Id issued at initialize; "" issues none.
	Session string
	// SessionPerInit issues Session-1, Session-2, … instead, one per
	// initialize.
	SessionPerInit bool
	// Version is the protocolVersion answered; "" echoes the offer.
	Version string
	// Stateless answers server/discover as a 2026-07-28 server does.
	Stateless bool
	// SSE answers each request as one SSE event instead of JSON.
	SSE bool
	// Delay holds every answer to a request (a message with an id) back;
	// a request abandoned meanwhile gets none.
	Delay time.Duration
	// DeleteStatus answers DELETE; 0 is 200.
	DeleteStatus int
	// Name, Version and Capabilities of the initialize (and discover)
	// result; empty: fake-server 0.0.1, the tools capability.
	ServerName, ServerVersion string
	Capabilities              string // a JSON object
	// Tools is the JSON array tools/list answers; SetTools changes it
	// while the fake serves.
	Tools string
	// ToolsResult, when set, is the whole tools/list result, written as
	// is without a copy (the benchmarks measure the prober's heap).
	ToolsResult []byte
	// PageSize > 0 pages Tools (and Resources, Prompts) with cursors
	// "page-1", "page-2", ….
	PageSize int
	// Resources and Prompts are the JSON arrays resources/list and
	// prompts/list answer; "" answers them as unknown methods. The
	// capabilities are Capabilities' to advertise.
	Resources, Prompts string
	// NoRecord keeps counts only, not each request's headers and
	// message: for benchmarks and long runs.
	NoRecord bool

	// LegacySSE serves the legacy HTTP+SSE transport (2024-11-05): a GET
	// on LegacyTargetPath opens an event stream whose first event names
	// the endpoint (LegacyEndpointPath?sessionId=…); messages POSTed
	// there are answered 202 and their responses written on the stream.
	// A POST to the target is refused with 405 in plain text, as a
	// legacy-only server does.
	LegacySSE bool
	// Get answers the legacy GET in place of the event stream.
	Get http.HandlerFunc
	// Target answers POSTs to the legacy target in place of 405.
	Target http.HandlerFunc
	// Prelude is written on the legacy stream before the endpoint event.
	Prelude string
	// EndpointEvent returns the legacy stream's first event; base is the
	// stream's origin (http://host:port). nil: the relative endpoint.
	EndpointEvent func(base, sid string) string
	// EndAfterEndpoint ends the legacy stream once the endpoint event is
	// out.
	EndAfterEndpoint bool
	// FailGet answers legacy GETs 500 while set.
	FailGet atomic.Bool

	mu       sync.Mutex
	count    map[string]int
	seen     map[string][]Request
	sessions int
	inits    map[string]string      // initialize results by version
	streams  map[string]chan string // legacy, by session id, while open
	active   int                    // legacy stream handlers running
}

// New returns a well-behaved Streamable HTTP server.
func New() *Server {
	return &Server{On: map[string]Handler{}, Session: DefaultSession, Tools: `[` + EchoTool + `]`}
}

// NewLegacy returns a well-behaved legacy HTTP+SSE server.
func NewLegacy() *Server {
	s := New()
	s.LegacySSE = true
	return s
}

// Start serves s over plain HTTP until the test ends and returns the
// target URL: /mcp, or LegacyTargetPath.
func (s *Server) Start(t testing.TB) string {
	t.Helper()
	ts := httptest.NewUnstartedServer(s)
	ts.Config.ErrorLog = log.New(io.Discard, "", 0)
	ts.Start()
	t.Cleanup(ts.Close)
	if s.LegacySSE {
		return ts.URL + LegacyTargetPath
	}
	return ts.URL + "/mcp"
}

// Requests returns how many requests of kind reached the fake: a JSON-RPC
// method, "GET", "POST", "DELETE", "POST target" (legacy: POSTs to the
// target), or "" for all.
func (s *Server) Requests(kind string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.count[kind]
}

// LastSeen returns the last request of kind (a JSON-RPC method, "GET" or
// "DELETE").
func (s *Server) LastSeen(kind string) (Request, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.seen[kind]
	if len(r) == 0 {
		return Request{}, false
	}
	return r[len(r)-1], true
}

// SetTools changes the JSON array tools/list answers.
func (s *Server) SetTools(tools string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.Tools = tools
}

func (s *Server) tools() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.Tools
}

// note counts a request under kinds and records it under the first.
func (s *Server) note(r *http.Request, m Msg, kinds ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.count == nil {
		s.count = map[string]int{}
		s.seen = map[string][]Request{}
	}
	s.count[""]++
	for _, k := range kinds {
		s.count[k]++
	}
	if !s.NoRecord {
		s.seen[kinds[0]] = append(s.seen[kinds[0]], Request{Header: r.Header.Clone(), Msg: m})
	}
}

// WaitStreamsEnded waits up to d for every legacy stream handler to
// return, and reports whether they did.
func (s *Server) WaitStreamsEnded(d time.Duration) bool {
	deadline := time.Now().Add(d)
	for {
		s.mu.Lock()
		n := s.active
		s.mu.Unlock()
		if n == 0 {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if s.LegacySSE {
		s.serveLegacy(w, r)
		return
	}
	switch r.Method {
	case http.MethodDelete:
		s.note(r, Msg{}, "DELETE")
		if h := s.On["DELETE"]; h != nil {
			h(w, r, Msg{})
			return
		}
		w.WriteHeader(orDefault(s.DeleteStatus, http.StatusOK))
		return
	case http.MethodPost:
	default:
		s.note(r, Msg{}, r.Method)
		http.Error(w, "Method Not Allowed", http.StatusMethodNotAllowed)
		return
	}
	m := readMsg(r)
	s.note(r, m, m.Method, "POST")
	if h := s.handler(m.Method); h != nil {
		h(w, r, m)
		return
	}
	if len(m.ID) == 0 {
		w.WriteHeader(http.StatusAccepted)
		return
	}
	if !s.wait(r) {
		return
	}
	if m.Method == "server/discover" && !s.Stateless {
		http.Error(w, "Bad Request: Server not initialized", http.StatusBadRequest)
		return
	}
	if m.Method == "initialize" && s.Session != "" {
		w.Header().Set("Mcp-Session-Id", s.session())
	}
	if s.SSE {
		w.Header().Set("Content-Type", "text/event-stream")
		w.WriteHeader(http.StatusOK)
		_, _ = io.WriteString(w, "event: message\ndata: ")
		s.writeAnswer(w, m)
		_, _ = io.WriteString(w, "\n\n")
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	s.writeAnswer(w, m)
}

func (s *Server) handler(method string) Handler {
	if h := s.On[method]; h != nil {
		return h
	}
	return s.On["*"]
}

// wait holds an answer back by Delay; false: the request was abandoned.
func (s *Server) wait(r *http.Request) bool {
	if s.Delay <= 0 {
		return true
	}
	t := time.NewTimer(s.Delay)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-r.Context().Done():
		return false
	}
}

func (s *Server) session() string {
	if !s.SessionPerInit {
		return s.Session
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sessions++
	return s.Session + "-" + strconv.Itoa(s.sessions)
}

// writeAnswer writes the default JSON-RPC response to m.
func (s *Server) writeAnswer(w io.Writer, m Msg) {
	switch {
	case m.Method == "server/discover" && s.Stateless:
		_, _ = io.WriteString(w, Result(m.ID, s.discoverResult()))
	case m.Method == "initialize":
		v := s.Version
		if v == "" {
			v = m.Param("protocolVersion")
		}
		writeResult(w, m.ID, s.initResult(v))
	case m.Method == "tools/list":
		if s.ToolsResult != nil {
			_, _ = io.WriteString(w, `{"jsonrpc":"2.0","id":`)
			_, _ = io.WriteString(w, idOrNull(m.ID))
			_, _ = io.WriteString(w, `,"result":`)
			_, _ = w.Write(s.ToolsResult)
			_, _ = io.WriteString(w, "}")
			return
		}
		_, _ = io.WriteString(w, Result(m.ID, s.toolsResult(m.Param("cursor"))))
	case m.Method == "resources/list" && s.Resources != "":
		_, _ = io.WriteString(w, Result(m.ID, s.page("resources", s.Resources, m.Param("cursor"))))
	case m.Method == "prompts/list" && s.Prompts != "":
		_, _ = io.WriteString(w, Result(m.ID, s.page("prompts", s.Prompts, m.Param("cursor"))))
	default:
		_, _ = io.WriteString(w, Error(m.ID, -32601, ""))
	}
}

// initResult is the initialize result for version, built once per
// version: the benchmarks count the fake's allocations too.
func (s *Server) initResult(version string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if r, ok := s.inits[version]; ok {
		return r
	}
	r := `{"protocolVersion":` + quote(version) + `,"capabilities":` + s.capabilities() + `,"serverInfo":` + s.serverInfo() + `}`
	if s.inits == nil {
		s.inits = map[string]string{}
	}
	s.inits[version] = r
	return r
}

func (s *Server) discoverResult() string {
	return `{"supportedVersions":["2026-07-28"],"capabilities":` + s.capabilities() + `,"serverInfo":` + s.serverInfo() + `}`
}

func (s *Server) capabilities() string {
	if s.Capabilities != "" {
		return s.Capabilities
	}
	return `{"tools":{"listChanged":true}}`
}

func (s *Server) serverInfo() string {
	name, version := s.ServerName, s.ServerVersion
	if name == "" {
		name, version = "fake-server", "0.0.1"
	}
	return `{"name":` + quote(name) + `,"version":` + quote(version) + `}`
}

// toolsResult is the tools/list result for cursor, paged by PageSize.
func (s *Server) toolsResult(cursor string) string { return s.page("tools", s.tools(), cursor) }

// page is the result of a list method for cursor: the page of items (a
// JSON array) under member, paged by PageSize.
func (s *Server) page(member, items, cursor string) string {
	if s.PageSize <= 0 {
		return `{"` + member + `":` + items + `}`
	}
	var all []json.RawMessage
	_ = json.Unmarshal([]byte(items), &all)
	page := 0
	if n, ok := strings.CutPrefix(cursor, "page-"); ok {
		page, _ = strconv.Atoi(n)
	}
	page = max(page, 0)
	from := min(page*s.PageSize, len(all))
	to := min(from+s.PageSize, len(all))
	b, _ := json.Marshal(all[from:to])
	if b == nil || string(b) == "null" {
		b = []byte("[]")
	}
	if to < len(all) {
		return `{"` + member + `":` + string(b) + `,"nextCursor":"page-` + strconv.Itoa(page+1) + `"}`
	}
	return `{"` + member + `":` + string(b) + `}`
}

// writeResult writes Result(id, result) without building it.
func writeResult(w io.Writer, id json.RawMessage, result string) {
	_, _ = io.WriteString(w, `{"jsonrpc":"2.0","id":`)
	_, _ = io.WriteString(w, idOrNull(id))
	_, _ = io.WriteString(w, `,"result":`)
	_, _ = io.WriteString(w, result)
	_, _ = io.WriteString(w, "}")
}

// readMsg reads a JSON-RPC message from the body (16 MiB at most); a body
// that is not one is the zero Msg.
func readMsg(r *http.Request) Msg {
	body, _ := io.ReadAll(io.LimitReader(r.Body, 16<<20))
	var m Msg
	_ = json.Unmarshal(body, &m)
	return m
}

func orDefault(v, def int) int {
	if v == 0 {
		return def
	}
	return v
}

func quote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}
