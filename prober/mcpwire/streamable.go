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
	"errors"
	"io"
	"net/http"
	"time"

	"github.com/mcp-exporter/mcp_exporter/internal/boundedio"
	"github.com/mcp-exporter/mcp_exporter/internal/failure"
	"github.com/mcp-exporter/mcp_exporter/internal/protocol"
)

// streamableHTTP is the Streamable HTTP transport (2025-03-26 and later):
// one POST per message, answered with JSON or an SSE stream. It holds no
// connection of its own between messages.
type streamableHTTP struct{ h *httpConn }

func openStreamableHTTP(_ context.Context, cfg TransportConfig) (Transport, error) {
	return streamableHTTP{newHTTPConn(cfg)}, nil
}

func (streamableHTTP) Name() string { return protocol.TransportStreamableHTTP }

func (t streamableHTTP) httpConn() *httpConn { return t.h }

// Conn returns what was seen of the first connection.
func (t streamableHTTP) Conn() ConnInfo { return t.h.Conn() }

// LastStatus is the HTTP status of the last answer, 0 when none came.
func (t streamableHTTP) LastStatus() int { return t.h.LastStatus() }

// Close releases nothing: the prober owns the connections.
func (streamableHTTP) Close() error { return nil }

// newRequest builds an HTTP request with the headers every Streamable HTTP
// POST carries.
func (t streamableHTTP) newRequest(ctx context.Context, s *Session, m *Outgoing) (*http.Request, error) {
	h := t.h
	req, err := newPost(h.traced(ctx), h.endpoint, m.Body)
	if err != nil {
		return nil, &failure.Error{Reason: failure.ReasonConnect, Err: err}
	}
	hdr := req.Header
	hdr[keyContentType] = valueJSON
	hdr[keyAccept] = valueAcceptPOST
	hdr[keyAcceptEncoding] = valueGzip
	if s.ID != "" {
		hdr[keySessionID] = headerValue(&h.sessionValue, s.ID)
	}
	if s.Version != "" && s.Version >= protocol.Version20250618 {
		hdr[keyProtocolVersion] = headerValue(&h.versionValue, s.Version)
	}
	if s.Stateless {
		hdr[keyMethod] = []string{m.Method}
		if m.Name != "" {
			hdr.Set(HeaderName, encodeHeaderValue(m.Name))
		}
		for _, p := range m.Params {
			hdr.Set(HeaderParamPrefix+p.Name, encodeHeaderValue(p.Value))
		}
	}
	return req, nil
}

// Call POSTs the request and reads the response from the answer, JSON or
// an SSE stream. The session id the server assigns is recorded in s.
func (t streamableHTTP) Call(ctx context.Context, s *Session, m *Outgoing) (*Message, error) {
	h := t.h
	req, err := t.newRequest(ctx, s, m)
	if err != nil {
		return nil, err
	}
	resp, start, err := h.do(req, m.Method)
	if err != nil {
		return nil, err
	}
	return t.answer(ctx, s, m, resp, start)
}

// answer reads the response to m, sent at start, and records the
// exchange. Call's second half, in a function of its own so that Call's
// frame is small while it waits for the answer's headers.
func (t streamableHTTP) answer(ctx context.Context, s *Session, m *Outgoing, resp *http.Response, start time.Time) (*Message, error) {
	h := t.h
	defer resp.Body.Close()
	msg, mediaType, err := t.readResponse(ctx, s, resp, m)
	h.record(Exchange{Op: m.Method, Status: resp.StatusCode, ContentType: mediaType, Duration: time.Since(start), Err: err})
	if err != nil {
		return nil, err
	}
	// The session is the one assigned with the InitializeResult; an id on
	// any other answer (server/discover's, an error's) is not a session.
	if sid := firstValue(resp.Header, keySessionID); sid != "" && m.Method == methodInitialize && msg.Error == nil {
		if !validSessionID(sid) {
			return nil, failure.Errorf(failure.ReasonSession, resp.StatusCode, "session id has characters outside visible ASCII")
		}
		s.ID = sid
	}
	return msg, nil
}

// methodInitialize is the request whose answer assigns the session.
const methodInitialize = "initialize"

// readResponse classifies the answer to request m and returns the
// response and the answer's media type.
func (t streamableHTTP) readResponse(ctx context.Context, s *Session, resp *http.Response, m *Outgoing) (*Message, string, error) {
	id := m.ID
	h := t.h
	mediaType := mediaTypeOf(resp.Header.Get("Content-Type"))
	status := resp.StatusCode
	if status < 200 || status > 299 {
		return nil, mediaType, statusError(resp, mediaType, s)
	}
	if status != http.StatusOK {
		// 202 and friends are answers to notifications, not to requests.
		return nil, mediaType, failure.Errorf(failure.ReasonProtocolViolation, status, "request answered with HTTP %d and no response", status)
	}
	var msg *Message
	var err error
	switch mediaType {
	case "application/json":
		msg, err = t.readJSON(ctx, resp.Body)
		if err == nil && msg.isResponse() && !msg.answers(id) {
			err = failure.Errorf(failure.ReasonProtocolViolation, status, "response id does not match the request")
		} else if err == nil && !msg.isResponse() {
			err = failure.Errorf(failure.ReasonProtocolViolation, status, "JSON answer is a request or notification, not the response")
		}
	case "text/event-stream":
		dec := h.events(resp.Body)
		msg, err = h.nextResponse(ctx, dec, id, "SSE stream")
		if errors.Is(err, errStreamEnded) {
			msg, err = t.resume(ctx, &resumption{s: s, m: m, sessionID: resumeSessionID(s, resp, m), dec: dec, ended: err})
		}
	default:
		err = failure.Errorf(failure.ReasonNotMCP, status, "answer has content type %q, not JSON or SSE", mediaType)
	}
	if err != nil {
		var e *failure.Error
		if errors.As(err, &e) && e.Status == 0 {
			e.Status = status
		}
		return nil, mediaType, err
	}
	return msg, mediaType, nil
}

func (t streamableHTTP) readJSON(ctx context.Context, body io.Reader) (*Message, error) {
	b, err := boundedio.ReadAll(body, t.h.maxBytes)
	if err != nil {
		return nil, t.h.bodyError(ctx, err)
	}
	return decodeMessage(b)
}

// Notify POSTs a notification; any 2xx answer is accepted (202 is the
// specified one, 200 and 204 are common).
func (t streamableHTTP) Notify(ctx context.Context, s *Session, m *Outgoing) error {
	h := t.h
	req, err := t.newRequest(ctx, s, m)
	if err != nil {
		return err
	}
	resp, start, err := h.do(req, m.Method)
	if err != nil {
		return err
	}
	return t.notified(s, m, resp, start)
}

// notified reads the answer to the notification m, sent at start, and
// records the exchange: Notify's second half, as answer is Call's.
func (t streamableHTTP) notified(s *Session, m *Outgoing, resp *http.Response, start time.Time) error {
	h := t.h
	defer resp.Body.Close()
	var err error
	mediaType := mediaTypeOf(resp.Header.Get("Content-Type"))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		err = statusError(resp, mediaType, s)
	} else if mediaType != "text/event-stream" {
		// An event stream may stay open until the deadline; the status is
		// all a notification needs, so it is closed unread.
		discardBody(resp.Body, 64<<10)
	}
	h.record(Exchange{Op: m.Method, Status: resp.StatusCode, ContentType: mediaType, Duration: time.Since(start), Err: err})
	return err
}

// CloseSession DELETEs the session, if the server issued one (stateless
// servers issue none). 405 is an allowed answer: the server does not let
// clients end sessions.
func (t streamableHTTP) CloseSession(ctx context.Context, s *Session) (bool, error) {
	h := t.h
	if s.ID == "" {
		return false, nil
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodDelete, h.endpoint, nil)
	if err != nil {
		return true, err
	}
	req.Header[keySessionID] = headerValue(&h.sessionValue, s.ID)
	if s.Version >= protocol.Version20250618 {
		req.Header[keyProtocolVersion] = headerValue(&h.versionValue, s.Version)
	}
	start := time.Now()
	h.marks(req)
	resp, err := h.client.Do(req)
	if err != nil {
		cerr := classifyTransportError(ctx, err, phaseDone)
		h.record(Exchange{Op: "DELETE session", Duration: time.Since(start), Err: cerr})
		return true, cerr
	}
	defer resp.Body.Close()
	discardBody(resp.Body, 64<<10)
	if (resp.StatusCode < 200 || resp.StatusCode > 299) && resp.StatusCode != http.StatusMethodNotAllowed {
		err = failure.Errorf(failure.ReasonHTTPStatus, resp.StatusCode, "DELETE session answered HTTP %d", resp.StatusCode)
	}
	h.record(Exchange{Op: "DELETE session", Status: resp.StatusCode, ContentType: mediaTypeOf(resp.Header.Get("Content-Type")), Duration: time.Since(start), Err: err})
	return true, err
}

// validSessionID reports whether id is visible ASCII (0x21–0x7E), as the
// specification requires; anything else could smuggle bytes into headers.
func validSessionID(id string) bool {
	for i := 0; i < len(id); i++ {
		if id[i] < 0x21 || id[i] > 0x7e {
			return false
		}
	}
	return id != ""
}
