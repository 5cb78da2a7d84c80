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
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/mcp-exporter/mcp_exporter/internal/dialhost"
	"github.com/mcp-exporter/mcp_exporter/internal/failure"
	"github.com/mcp-exporter/mcp_exporter/internal/protocol"
	"github.com/mcp-exporter/mcp_exporter/internal/sse"
)

// legacySSE is the HTTP+SSE transport of 2024-11-05: a GET opens an event
// stream whose first event names the endpoint that messages are POSTed
// to; responses come back on the stream.
//
// It reads the stream only while waiting for a response, in the probe's
// own goroutine: a probe has one request in flight, events arrive in
// order, and the probe's deadline cancels the GET, so a response that
// never comes ends at the deadline with nothing left running.
type legacySSE struct {
	h        *httpConn
	body     io.ReadCloser
	events   *sse.Decoder
	endpoint string
}

func (*legacySSE) Name() string { return protocol.TransportSSE }

func (l *legacySSE) httpConn() *httpConn { return l.h }

// Conn returns what was seen of the first connection.
func (l *legacySSE) Conn() ConnInfo { return l.h.Conn() }

// LastStatus is the HTTP status of the last answer, 0 when none came.
func (l *legacySSE) LastStatus() int { return l.h.LastStatus() }

// openLegacySSE GETs the event stream and reads its endpoint event.
func openLegacySSE(ctx context.Context, cfg TransportConfig) (Transport, error) {
	l := &legacySSE{h: newHTTPConn(cfg)}
	h := l.h
	req, err := http.NewRequestWithContext(h.traced(ctx), http.MethodGet, h.endpoint, nil)
	if err != nil {
		return l, &failure.Error{Reason: failure.ReasonConnect, Err: err}
	}
	req.Header.Set("Accept", "text/event-stream")
	req.Header.Set("Accept-Encoding", "gzip")
	const op = "GET event stream"
	resp, start, err := h.do(req, op)
	if err != nil {
		return l, err
	}
	mediaType := mediaTypeOf(resp.Header.Get("Content-Type"))
	l.body, l.events = resp.Body, h.events(resp.Body)
	err = l.readEndpoint(ctx, resp, mediaType)
	h.record(Exchange{Op: op, Status: resp.StatusCode, ContentType: mediaType, Duration: time.Since(start), Err: err})
	if err != nil {
		_ = l.Close()
		return l, err
	}
	return l, nil
}

func (l *legacySSE) readEndpoint(ctx context.Context, resp *http.Response, mediaType string) error {
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		// Before the handshake: no session to name.
		return statusError(resp, mediaType, &Session{})
	}
	if resp.StatusCode != http.StatusOK {
		// An EventSource takes nothing but 200: a 202 with an event stream
		// (mcp-go on GET /mcp) is not the legacy transport, and its stream
		// may never send an event.
		return failure.Errorf(failure.ReasonHTTPStatus, resp.StatusCode, "event stream answered HTTP %d, not 200", resp.StatusCode)
	}
	if mediaType != "text/event-stream" {
		return failure.Errorf(failure.ReasonNotMCP, resp.StatusCode, "event stream answered with content type %q", mediaType)
	}
	ev, err := l.events.Next()
	if err == io.EOF {
		return failure.Errorf(failure.ReasonProtocolViolation, resp.StatusCode, "event stream ended before the endpoint event")
	}
	if err != nil {
		return l.h.bodyError(ctx, err)
	}
	if ev.Name != "endpoint" {
		return failure.Errorf(failure.ReasonProtocolViolation, resp.StatusCode, "first event is %q, not endpoint", Sanitize(ev.Name, 32))
	}
	base := resp.Request.URL // after any redirect
	data := strings.TrimSpace(string(ev.Data))
	if data == "" {
		// Resolved, "" would be the event stream's own URL.
		return failure.Errorf(failure.ReasonProtocolViolation, resp.StatusCode, "endpoint event is empty")
	}
	u, err := base.Parse(data)
	if err != nil {
		return failure.Errorf(failure.ReasonProtocolViolation, resp.StatusCode, "endpoint event does not hold a URI")
	}
	if !dialhost.SameOrigin(u, base) {
		// Credentials go on every POST: they must not follow an endpoint
		// elsewhere.
		return failure.Errorf(failure.ReasonProtocolViolation, resp.StatusCode, "endpoint is on another origin than the event stream")
	}
	l.endpoint = u.String()
	return nil
}

// post sends one message to the endpoint; 202 is the specified answer,
// any 2xx is taken.
func (l *legacySSE) post(ctx context.Context, s *Session, m *Outgoing) (time.Time, error) {
	h := l.h
	req, err := newPost(ctx, l.endpoint, m.Body)
	if err != nil {
		return time.Time{}, &failure.Error{Reason: failure.ReasonConnect, Err: err}
	}
	req.Header[keyContentType] = valueJSON
	resp, start, err := h.do(req, m.Method)
	if err != nil {
		return start, err
	}
	defer resp.Body.Close()
	mediaType := mediaTypeOf(resp.Header.Get("Content-Type"))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		err = statusError(resp, mediaType, s)
		h.record(Exchange{Op: m.Method, Status: resp.StatusCode, ContentType: mediaType, Duration: time.Since(start), Err: err})
		return start, err
	}
	discardBody(resp.Body, 64<<10)
	return start, nil
}

// Call POSTs the request and reads the stream until its response. Events
// of other names and server-to-client requests and notifications are
// passed over.
func (l *legacySSE) Call(ctx context.Context, s *Session, m *Outgoing) (*Message, error) {
	start, err := l.post(ctx, s, m)
	if err != nil {
		return nil, err
	}
	status := l.h.lastStatus
	msg, err := l.h.nextResponse(ctx, l.events, m.ID, "event stream")
	l.h.record(Exchange{Op: m.Method, Status: status, ContentType: "text/event-stream", Duration: time.Since(start), Err: err})
	return msg, err
}

// Notify POSTs a notification.
func (l *legacySSE) Notify(ctx context.Context, s *Session, m *Outgoing) error {
	start, err := l.post(ctx, s, m)
	if err == nil {
		l.h.record(Exchange{Op: m.Method, Status: l.h.lastStatus, Duration: time.Since(start)})
	}
	return err
}

// Close closes the event stream, which ends the conversation: the
// server's session lives as long as the stream.
func (l *legacySSE) Close() error {
	if l.body != nil {
		_ = l.body.Close()
		l.body = nil
	}
	return nil
}
