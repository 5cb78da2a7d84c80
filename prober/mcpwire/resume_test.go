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
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mcp-exporter/mcp_exporter/internal/failure"
	"github.com/mcp-exporter/mcp_exporter/internal/protocol"
)

// resumeFake is a hand-made Streamable HTTP server for what no real
// server does on demand: streams that end early in every way, and
// resumptions that fail. post answers a request by method; get answers
// the n-th GET (from 1).
type resumeFake struct {
	post func(w http.ResponseWriter, method string, id int64)
	get  func(w http.ResponseWriter, n int)

	mu   sync.Mutex
	gets []http.Header
	// sessions are the Mcp-Session-Id headers each request carried, by
	// method ("DELETE" for the DELETE).
	sessions map[string][]string
}

func (f *resumeFake) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	if f.sessions == nil {
		f.sessions = map[string][]string{}
	}
	switch r.Method {
	case http.MethodGet:
		f.gets = append(f.gets, r.Header.Clone())
		n := len(f.gets)
		f.mu.Unlock()
		if f.get == nil {
			w.WriteHeader(http.StatusMethodNotAllowed)
			return
		}
		f.get(w, n)
		return
	case http.MethodDelete:
		f.sessions["DELETE"] = append(f.sessions["DELETE"], r.Header.Get(HeaderSessionID))
		f.mu.Unlock()
		return
	}
	var m struct {
		ID     int64  `json:"id"`
		Method string `json:"method"`
	}
	b, _ := io.ReadAll(r.Body)
	_ = json.Unmarshal(b, &m)
	f.sessions[m.Method] = append(f.sessions[m.Method], r.Header.Get(HeaderSessionID))
	f.mu.Unlock()
	if m.ID == 0 { // a notification
		w.WriteHeader(http.StatusAccepted)
		return
	}
	f.post(w, m.Method, m.ID)
}

func (f *resumeFake) getHeaders() []http.Header {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.gets
}

func (f *resumeFake) sessionsOf(op string) []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.sessions[op]
}

func writeSSE(w http.ResponseWriter, s string) {
	w.Header().Set("Content-Type", "text/event-stream")
	w.WriteHeader(http.StatusOK)
	_, _ = io.WriteString(w, s)
}

func writeJSON(w http.ResponseWriter, id int64, result string) {
	w.Header().Set("Content-Type", "application/json")
	_, _ = fmt.Fprintf(w, `{"jsonrpc":"2.0","id":%d,"result":%s}`, id, result)
}

func resultEvent(id int64, result string) string {
	return fmt.Sprintf("data: {\"jsonrpc\":\"2.0\",\"id\":%d,\"result\":%s}\n\n", id, result)
}

const (
	initResult  = `{"protocolVersion":"2025-11-25","capabilities":{"tools":{}},"serverInfo":{"name":"fake","version":"1"}}`
	toolsResult = `{"tools":[{"name":"echo","inputSchema":{"type":"object"}}]}`
)

func startResumeFake(t *testing.T, f *resumeFake) (*Client, func()) {
	t.Helper()
	ts := httptest.NewServer(f)
	c := &Client{HTTP: ts.Client(), Endpoint: ts.URL, Info: Implementation{Name: "test", Version: "0"}}
	return c, func() { c.Close(); ts.Close() }
}

// stateful is what the tests speak: 2025-11-25 only, no discovery.
var stateful = HandshakeOptions{Accept: []string{"2025-11-25"}}

// Both the initialize stream and tools/list's end after a priming event;
// each is resumed with GET, Last-Event-ID, the session the initialize
// answer assigned and the revision.
func TestResumeInitializeAndToolsList(t *testing.T) {
	f := &resumeFake{}
	f.post = func(w http.ResponseWriter, method string, id int64) {
		switch method {
		case "initialize":
			w.Header().Set(HeaderSessionID, "sess-1")
			writeSSE(w, "id: i0\nretry: 10\ndata: \n\n")
		case "tools/list":
			writeSSE(w, "id: t0\nretry: 10\ndata: \n\n: the server goes away\n\n")
		}
	}
	f.get = func(w http.ResponseWriter, n int) {
		if n == 1 {
			writeSSE(w, "id: i1\n"+resultEvent(1, initResult))
		} else {
			writeSSE(w, "id: t1\n"+resultEvent(2, toolsResult))
		}
	}
	c, done := startResumeFake(t, f)
	defer done()
	ctx := context.Background()
	if _, err := c.Handshake(ctx, new(stateful)); err != nil {
		t.Fatalf("Handshake: %v", err)
	}
	if tools, err := c.ListTools(ctx, 10, 10); err != nil || len(tools) != 1 {
		t.Fatalf("ListTools: %d tools, %v", len(tools), err)
	}
	if _, err := c.CloseSession(ctx); err != nil {
		t.Fatalf("CloseSession: %v", err)
	}
	if c.Resumptions() != 2 {
		t.Errorf("Resumptions = %d, want 2", c.Resumptions())
	}
	gets := f.getHeaders()
	if len(gets) != 2 {
		t.Fatalf("%d GETs, want 2", len(gets))
	}
	for i, want := range []string{"i0", "t0"} {
		h := gets[i]
		if h.Get("Last-Event-ID") != want || h.Get(HeaderSessionID) != "sess-1" ||
			h.Get(HeaderProtocolVersion) != "2025-11-25" || !strings.Contains(h.Get("Accept"), "text/event-stream") {
			t.Errorf("GET %d headers: Last-Event-ID %q, session %q, version %q, Accept %q", i+1,
				h.Get("Last-Event-ID"), h.Get(HeaderSessionID), h.Get(HeaderProtocolVersion), h.Get("Accept"))
		}
	}
	if got := f.sessionsOf("DELETE"); len(got) != 1 || got[0] != "sess-1" {
		t.Errorf("DELETE carried sessions %q", got)
	}
}

// TestResumeBounds: a resumption happens only for a stream that sent an
// event id, at most MaxResumptions times, after at most maxRetryDelay and
// never past the deadline, and only a 200 event stream resumes it.
func TestResumeBounds(t *testing.T) {
	tests := []struct {
		name    string
		tools   string // the tools/list stream
		get     func(w http.ResponseWriter, n int)
		timeout time.Duration
		reason  failure.Reason
		status  int
		gets    int
		lastIDs []string // Last-Event-ID of each GET
		errText string
	}{
		{
			name:   "no event id: not resumable",
			tools:  "data: \n\n: bye\n\n",
			reason: failure.ReasonProtocolViolation, status: http.StatusOK, gets: 0, errText: "SSE stream ended before the response",
		},
		{
			name:  "endless resumptions",
			tools: "id: a\nretry: 1\ndata: \n\n",
			get: func(w http.ResponseWriter, _ int) {
				writeSSE(w, "retry: 1\n: nothing for you\n\n")
			},
			reason: failure.ReasonProtocolViolation, status: http.StatusOK, gets: MaxResumptions, lastIDs: []string{"a", "a", "a"},
			errText: "after 3 resumptions",
		},
		{
			name:  "new ids carry to the next GET",
			tools: "id: a\nretry: 1\ndata: \n\n",
			get: func(w http.ResponseWriter, n int) {
				if n < 3 {
					writeSSE(w, fmt.Sprintf("id: g%d\ndata: \n\n", n))
					return
				}
				writeSSE(w, resultEvent(2, toolsResult))
			},
			gets: 3, lastIDs: []string{"a", "g1", "g2"},
		},
		{
			name:    "huge retry does not outlast the deadline",
			tools:   "id: a\nretry: 999999999999\ndata: \n\n",
			timeout: 2 * time.Second, // the delay is capped at 5 s, still past it
			reason:  failure.ReasonTimeout, status: http.StatusOK, gets: 0, errText: "would pass the probe's deadline",
		},
		{
			name:   "GET refused with 405",
			tools:  "id: a\nretry: 1\ndata: \n\n",
			reason: failure.ReasonProtocolViolation, status: http.StatusMethodNotAllowed, gets: 1, errText: "refuses the GET",
		},
		{
			name:  "GET says the session is gone",
			tools: "id: a\nretry: 1\ndata: \n\n",
			get: func(w http.ResponseWriter, _ int) {
				w.WriteHeader(http.StatusNotFound)
			},
			reason: failure.ReasonSession, status: http.StatusNotFound, gets: 1,
		},
		{
			name:  "GET answered 202",
			tools: "id: a\nretry: 1\ndata: \n\n",
			get: func(w http.ResponseWriter, _ int) {
				w.Header().Set("Content-Type", "text/event-stream")
				w.WriteHeader(http.StatusAccepted)
			},
			reason: failure.ReasonHTTPStatus, status: http.StatusAccepted, gets: 1,
		},
		{
			name:  "GET answered with JSON",
			tools: "id: a\nretry: 1\ndata: \n\n",
			get: func(w http.ResponseWriter, _ int) {
				writeJSON(w, 2, toolsResult)
			},
			reason: failure.ReasonProtocolViolation, status: http.StatusOK, gets: 1, errText: "not an event stream",
		},
		{
			name:   "event id too long to send back",
			tools:  "id: " + strings.Repeat("x", maxEventIDBytes+1) + "\ndata: \n\n",
			reason: failure.ReasonProtocolViolation, status: http.StatusOK, gets: 0, errText: "cannot be sent back",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := &resumeFake{get: tt.get}
			f.post = func(w http.ResponseWriter, method string, id int64) {
				switch method {
				case "initialize":
					w.Header().Set(HeaderSessionID, "sess-1")
					writeJSON(w, id, initResult)
				case "tools/list":
					writeSSE(w, tt.tools)
				}
			}
			c, done := startResumeFake(t, f)
			defer done()
			timeout := tt.timeout
			if timeout == 0 {
				timeout = 10 * time.Second
			}
			ctx, cancel := context.WithTimeout(context.Background(), timeout)
			defer cancel()
			if _, err := c.Handshake(ctx, new(stateful)); err != nil {
				t.Fatalf("Handshake: %v", err)
			}
			start := time.Now()
			_, err := c.ListTools(ctx, 10, 10)
			elapsed := time.Since(start)
			if tt.reason == "" {
				if err != nil {
					t.Fatalf("ListTools: %v", err)
				}
			} else {
				var e *failure.Error
				if !errors.As(err, &e) || e.Reason != tt.reason || e.Status != tt.status {
					t.Fatalf("ListTools error %v (%#v), want reason %s status %d", err, e, tt.reason, tt.status)
				}
				if !strings.Contains(err.Error(), tt.errText) {
					t.Errorf("error %q does not say %q", err, tt.errText)
				}
			}
			if elapsed > 2*time.Second {
				t.Errorf("ListTools took %v", elapsed)
			}
			gets := f.getHeaders()
			if len(gets) != tt.gets || c.Resumptions() != tt.gets {
				t.Errorf("%d GETs, %d resumptions; want %d", len(gets), c.Resumptions(), tt.gets)
			}
			for i, want := range tt.lastIDs {
				if i < len(gets) && gets[i].Get("Last-Event-ID") != want {
					t.Errorf("GET %d Last-Event-ID %q, want %q", i+1, gets[i].Get("Last-Event-ID"), want)
				}
			}
		})
	}
}

// 2026-07-28 streams are not resumable: a stateless request whose stream
// ends early fails without a GET.
func TestResumeNotStateless(t *testing.T) {
	f := &resumeFake{get: func(w http.ResponseWriter, _ int) { writeSSE(w, "") }}
	f.post = func(w http.ResponseWriter, _ string, _ int64) {
		writeSSE(w, "id: a\nretry: 1\ndata: \n\n")
	}
	c, done := startResumeFake(t, f)
	defer done()
	_, err := c.Handshake(context.Background(), &HandshakeOptions{Pinned: protocol.Version20260728, Accept: []string{protocol.Version20260728}})
	if failure.ReasonOf(err) != failure.ReasonProtocolViolation || !strings.Contains(err.Error(), "ended before the response") {
		t.Fatalf("Handshake error %v, want the stream's end", err)
	}
	if n := len(f.getHeaders()); n != 0 {
		t.Errorf("%d GETs for a stateless request", n)
	}
}

func TestRetryDelay(t *testing.T) {
	for _, tt := range []struct {
		ms   int64
		ok   bool
		want time.Duration
	}{
		{0, false, defaultRetryDelay},
		{0, true, 0},
		{250, true, 250 * time.Millisecond},
		{5000, true, maxRetryDelay},
		{1 << 40, true, maxRetryDelay},
	} {
		if got := retryDelay(tt.ms, tt.ok); got != tt.want {
			t.Errorf("retryDelay(%d, %v) = %v, want %v", tt.ms, tt.ok, got, tt.want)
		}
	}
}
