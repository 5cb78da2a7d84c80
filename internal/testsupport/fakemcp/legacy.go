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

package fakemcp

import (
	"io"
	"net/http"
	"strconv"
	"strings"
)

// The legacy HTTP+SSE transport (2024-11-05), served when LegacySSE is set.

func (s *Server) serveLegacy(w http.ResponseWriter, r *http.Request) {
	switch {
	case r.Method == http.MethodGet && r.URL.Path == LegacyTargetPath:
		s.serveStream(w, r)
	case r.Method == http.MethodPost && r.URL.Path == LegacyTargetPath:
		s.note(r, Msg{}, "POST target", "POST")
		if s.Target != nil {
			s.Target(w, r)
			return
		}
		http.Error(w, "Method Not Allowed", http.StatusMethodNotAllowed)
	case r.Method == http.MethodPost && r.URL.Path == LegacyEndpointPath:
		s.serveMessage(w, r)
	default:
		s.note(r, Msg{}, r.Method+" "+r.URL.Path)
		http.NotFound(w, r)
	}
}

func (s *Server) serveStream(w http.ResponseWriter, r *http.Request) {
	s.note(r, Msg{}, "GET")
	if s.FailGet.Load() {
		http.Error(w, "boom", http.StatusInternalServerError)
		return
	}
	if s.Get != nil {
		s.Get(w, r)
		return
	}
	s.mu.Lock()
	if s.streams == nil {
		s.streams = map[string]chan string{}
	}
	s.sessions++
	sid := "abc" + strconv.Itoa(s.sessions)
	ch := make(chan string, 16)
	s.streams[sid] = ch
	s.active++
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.streams, sid)
		s.active--
		s.mu.Unlock()
	}()

	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-cache")
	w.WriteHeader(http.StatusOK)
	ev := "event: endpoint\ndata: " + LegacyEndpointPath + "?sessionId=" + sid + "\n\n"
	if s.EndpointEvent != nil {
		ev = s.EndpointEvent("http://"+r.Host, sid)
	}
	_, _ = io.WriteString(w, s.Prelude+ev)
	w.(http.Flusher).Flush()
	if s.EndAfterEndpoint {
		return
	}
	for {
		select {
		case <-r.Context().Done(): // the prober hung up
			return
		case ev := <-ch:
			if _, err := io.WriteString(w, ev); err != nil {
				return
			}
			w.(http.Flusher).Flush()
		}
	}
}

func (s *Server) serveMessage(w http.ResponseWriter, r *http.Request) {
	m := readMsg(r)
	s.note(r, m, m.Method, "POST")
	if h := s.handler(m.Method); h != nil {
		h(w, r, m)
		return
	}
	if ev := s.Event(m); ev != "" {
		s.Send(r, ev)
	}
	w.WriteHeader(http.StatusAccepted)
}

// Send writes raw SSE text on the legacy stream of the message r POSTed,
// if the stream is still open (a sloppy server still answers 202).
func (s *Server) Send(r *http.Request, event string) {
	s.mu.Lock()
	ch := s.streams[r.URL.Query().Get("sessionId")]
	s.mu.Unlock()
	if ch == nil {
		return
	}
	select {
	case ch <- event:
	case <-r.Context().Done():
	}
}

// Event is the well-behaved legacy server's event for m: its response as
// a message event, "" for a notification.
func (s *Server) Event(m Msg) string {
	if len(m.ID) == 0 {
		return ""
	}
	var b strings.Builder
	s.writeAnswer(&b, m)
	return Message(b.String())
}

// Message is an SSE message event carrying msg.
func Message(msg string) string { return "event: message\ndata: " + msg + "\n\n" }
