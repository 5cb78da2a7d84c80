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
	"net/http"
	"time"

	"github.com/mcp-exporter/mcp_exporter/internal/failure"
	"github.com/mcp-exporter/mcp_exporter/internal/protocol"
	"github.com/mcp-exporter/mcp_exporter/internal/sse"
)

// Bounds of SSE stream resumption (2025-11-25, SEP-1699): a server may
// close a POST's event stream before the response once it has sent an
// event with an id, and the client resumes it with a GET carrying
// Last-Event-ID after the stream's retry delay.
const (
	// MaxResumptions bounds the GETs one request's response may take.
	MaxResumptions = 3
	// maxRetryDelay caps the wait a server's "retry" field asks for.
	maxRetryDelay = 5 * time.Second
	// defaultRetryDelay is the wait when the stream set no "retry".
	defaultRetryDelay = time.Second
	// maxEventIDBytes bounds a Last-Event-ID sent back to the server.
	maxEventIDBytes = 1024
)

// resumption is a request whose response stream ended early.
type resumption struct {
	s *Session
	m *Outgoing
	// sessionID is the session the GET carries: the session's, or, for
	// initialize, the one its answer assigns.
	sessionID string
	// dec is the stream that ended; ended is the error it ended with.
	dec   *sse.Decoder
	ended error
}

// resumeSessionID is the session a resumption of m's stream carries. The
// answer to initialize assigns it, before the stream holds the result.
func resumeSessionID(s *Session, resp *http.Response, m *Outgoing) string {
	if s.ID != "" || m.Method != methodInitialize {
		return s.ID
	}
	if sid := firstValue(resp.Header, keySessionID); validSessionID(sid) {
		return sid
	}
	return ""
}

// resume reads the response to r.m from resumed streams: after the retry
// delay, a GET with Last-Event-ID, at most MaxResumptions times and never
// past ctx's deadline. A stream that ended without an event id cannot be
// resumed, nor can the stateless revision's (2026-07-28 has no GET).
func (t streamableHTTP) resume(ctx context.Context, r *resumption) (*Message, error) {
	h := t.h
	lastID := r.dec.LastEventID()
	retryMs, hasRetry := r.dec.Retry()
	for attempt := 1; ; attempt++ {
		if r.s.Stateless || lastID == "" {
			return nil, r.ended
		}
		if !validEventID(lastID) {
			return nil, failure.Errorf(failure.ReasonProtocolViolation, 0, "SSE stream ended before the response, and its event id cannot be sent back as Last-Event-ID")
		}
		if attempt > MaxResumptions {
			return nil, failure.Errorf(failure.ReasonProtocolViolation, 0, "SSE stream ended before the response again after %d resumptions", MaxResumptions)
		}
		delay := retryDelay(retryMs, hasRetry)
		if deadline, ok := ctx.Deadline(); ok && time.Until(deadline) <= delay {
			return nil, failure.Errorf(failure.ReasonTimeout, 0, "SSE stream ended before the response; resuming it after the server's retry delay of %s would pass the probe's deadline", delay)
		}
		if err := sleep(ctx, delay); err != nil {
			return nil, classifyTransportError(ctx, err, phaseDone)
		}
		h.resumptions++
		dec, body, err := t.reopen(ctx, r, lastID)
		if err != nil {
			return nil, err
		}
		msg, err := h.nextResponse(ctx, dec, r.m.ID, "resumed SSE stream")
		_ = body.Close()
		if !errors.Is(err, errStreamEnded) {
			return msg, err
		}
		// As an EventSource does, the last event id and the retry delay
		// carry over to the next reconnection unless the stream set new ones.
		if id := dec.LastEventID(); id != "" {
			lastID = id
		}
		if ms, ok := dec.Retry(); ok {
			retryMs, hasRetry = ms, true
		}
		r.ended = err
	}
}

// reopen GETs the stream of r after lastID. Only 200 with an event stream
// resumes it.
func (t streamableHTTP) reopen(ctx context.Context, r *resumption, lastID string) (*sse.Decoder, interface{ Close() error }, error) {
	h := t.h
	op := "GET resume " + r.m.Method
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, h.endpoint, nil)
	if err != nil {
		return nil, nil, &failure.Error{Reason: failure.ReasonConnect, Err: err}
	}
	req.Header.Set("Accept", "text/event-stream")
	req.Header.Set("Accept-Encoding", "gzip")
	req.Header.Set("Last-Event-ID", lastID)
	if r.sessionID != "" {
		req.Header.Set(HeaderSessionID, r.sessionID)
	}
	if v := r.s.Version; v != "" && v >= protocol.Version20250618 {
		req.Header.Set(HeaderProtocolVersion, v)
	} else if r.m.Method == methodInitialize {
		// Before the result names the revision, the one offered.
		if v := offeredVersion(r.m.Body); v >= protocol.Version20250618 {
			req.Header.Set(HeaderProtocolVersion, v)
		}
	}
	resp, start, err := h.do(req, op)
	if err != nil {
		return nil, nil, err
	}
	mediaType := mediaTypeOf(resp.Header.Get("Content-Type"))
	switch {
	case resp.StatusCode == http.StatusMethodNotAllowed:
		// The server closed the stream early, yet offers no way back.
		err = failure.Errorf(failure.ReasonProtocolViolation, resp.StatusCode, "SSE stream ended before the response, and the server refuses the GET that resumes it (HTTP 405)")
	case resp.StatusCode < 200 || resp.StatusCode > 299:
		err = statusError(resp, mediaType, r.s)
	case resp.StatusCode != http.StatusOK:
		err = failure.Errorf(failure.ReasonHTTPStatus, resp.StatusCode, "resuming the SSE stream: HTTP %d, not 200", resp.StatusCode)
	case mediaType != "text/event-stream":
		err = failure.Errorf(failure.ReasonProtocolViolation, resp.StatusCode, "resuming the SSE stream: answer has content type %q, not an event stream", Sanitize(mediaType, 64))
	}
	h.record(Exchange{Op: op, Status: resp.StatusCode, ContentType: mediaType, Duration: time.Since(start), Err: err})
	if err != nil {
		_ = resp.Body.Close()
		return nil, nil, err
	}
	return h.events(resp.Body), resp.Body, nil
}

// retryDelay is the wait before a resumption: the stream's retry field
// (ms, when it set one), at most maxRetryDelay.
func retryDelay(ms int64, ok bool) time.Duration {
	if !ok {
		return defaultRetryDelay
	}
	if ms >= int64(maxRetryDelay/time.Millisecond) {
		return maxRetryDelay
	}
	return time.Duration(ms) * time.Millisecond
}

// validEventID reports whether id can be sent back as a header value.
func validEventID(id string) bool {
	if len(id) > maxEventIDBytes {
		return false
	}
	for i := 0; i < len(id); i++ {
		if id[i] < 0x20 || id[i] > 0x7e {
			return false
		}
	}
	return true
}

// sleep waits d or until ctx is done.
func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return nil
	}
	tm := time.NewTimer(d)
	defer tm.Stop()
	select {
	case <-tm.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// offeredVersion is the protocolVersion an initialize request offers.
func offeredVersion(body []byte) string {
	var r struct {
		Params struct {
			ProtocolVersion string `json:"protocolVersion"`
		} `json:"params"`
	}
	_ = json.Unmarshal(body, &r)
	return r.Params.ProtocolVersion
}
