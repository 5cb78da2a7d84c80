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
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/mcp-exporter/mcp_exporter/internal/dialhost"
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
	c        *Client
	body     io.ReadCloser
	events   *sse.Decoder
	endpoint string
}

func (*legacySSE) name() string { return TransportSSE }

// openLegacySSE GETs the event stream and reads its endpoint event.
func (c *Client) openLegacySSE(ctx context.Context) (*legacySSE, error) {
	req, err := http.NewRequestWithContext(c.traced(ctx), http.MethodGet, c.Endpoint, nil)
	if err != nil {
		return nil, &Error{Reason: ReasonConnect, Err: err}
	}
	req.Header.Set("Accept", "text/event-stream")
	req.Header.Set("Accept-Encoding", "gzip")
	const op = "GET event stream"
	resp, start, err := c.do(req, op)
	if err != nil {
		return nil, err
	}
	mediaType := mediaTypeOf(resp.Header.Get("Content-Type"))
	l := &legacySSE{c: c, body: resp.Body, events: sse.NewDecoder(resp.Body, int(c.maxBytes())+64)}
	err = l.readEndpoint(ctx, resp, mediaType)
	c.record(Exchange{Op: op, Status: resp.StatusCode, ContentType: mediaType, Duration: time.Since(start), Err: err})
	if err != nil {
		l.release()
		return nil, err
	}
	return l, nil
}

func (l *legacySSE) readEndpoint(ctx context.Context, resp *http.Response, mediaType string) error {
	c := l.c
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return c.statusError(resp, mediaType)
	}
	if mediaType != "text/event-stream" {
		return errorf(ReasonNotMCP, resp.StatusCode, "event stream answered with content type %q", mediaType)
	}
	ev, err := l.events.Next()
	if err == io.EOF {
		return errorf(ReasonProtocolViolation, resp.StatusCode, "event stream ended before the endpoint event")
	}
	if err != nil {
		return c.bodyError(ctx, err)
	}
	if ev.Name != "endpoint" {
		return errorf(ReasonProtocolViolation, resp.StatusCode, "first event is %q, not endpoint", Sanitize(ev.Name, 32))
	}
	base := resp.Request.URL // after any redirect
	data := strings.TrimSpace(string(ev.Data))
	if data == "" {
		// Resolved, "" would be the event stream's own URL.
		return errorf(ReasonProtocolViolation, resp.StatusCode, "endpoint event is empty")
	}
	u, err := base.Parse(data)
	if err != nil {
		return errorf(ReasonProtocolViolation, resp.StatusCode, "endpoint event does not hold a URI")
	}
	if !sameOrigin(u, base) {
		// Credentials go on every POST: they must not follow an endpoint
		// elsewhere.
		return errorf(ReasonProtocolViolation, resp.StatusCode, "endpoint is on another origin than the event stream")
	}
	l.endpoint = u.String()
	return nil
}

func sameOrigin(a, b *url.URL) bool {
	port := func(u *url.URL) string {
		if p := u.Port(); p != "" {
			return p
		}
		if strings.EqualFold(u.Scheme, "https") {
			return "443"
		}
		return "80"
	}
	// Hosts compare as the transport dials them, never by Unicode case
	// folding.
	ha, _ := dialhost.Normalize(a.Hostname())
	hb, _ := dialhost.Normalize(b.Hostname())
	return strings.EqualFold(a.Scheme, b.Scheme) && ha == hb && port(a) == port(b)
}

// post sends one message to the endpoint; 202 is the specified answer,
// any 2xx is taken.
func (l *legacySSE) post(ctx context.Context, op string, body []byte) (time.Time, error) {
	c := l.c
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, l.endpoint, bytes.NewReader(body))
	if err != nil {
		return time.Time{}, &Error{Reason: ReasonConnect, Err: err}
	}
	req.Header.Set("Content-Type", "application/json")
	resp, start, err := c.do(req, op)
	if err != nil {
		return start, err
	}
	defer resp.Body.Close()
	mediaType := mediaTypeOf(resp.Header.Get("Content-Type"))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		err = c.statusError(resp, mediaType)
		c.record(Exchange{Op: op, Status: resp.StatusCode, ContentType: mediaType, Duration: time.Since(start), Err: err})
		return start, err
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	return start, nil
}

func (l *legacySSE) request(ctx context.Context, method string, id int64, body []byte) (*message, error) {
	start, err := l.post(ctx, method, body)
	if err != nil {
		return nil, err
	}
	status := l.c.lastStatus
	msg, err := l.await(ctx, id)
	l.c.record(Exchange{Op: method, Status: status, ContentType: "text/event-stream", Duration: time.Since(start), Err: err})
	return msg, err
}

// await reads the stream until the response to id. Events of other names
// and server-to-client requests and notifications are passed over.
func (l *legacySSE) await(ctx context.Context, id int64) (*message, error) {
	for {
		ev, err := l.events.Next()
		if err == io.EOF {
			return nil, errorf(ReasonProtocolViolation, 0, "event stream ended before the response")
		}
		if err != nil {
			return nil, l.c.bodyError(ctx, err)
		}
		if (ev.Name != "" && ev.Name != "message") || len(bytes.TrimSpace(ev.Data)) == 0 {
			continue
		}
		msg, err := decodeMessage(ev.Data)
		if err != nil {
			return nil, err
		}
		if !msg.isResponse() {
			continue
		}
		if !msg.answers(id) {
			return nil, errorf(ReasonProtocolViolation, 0, "event stream carried a response to another request id")
		}
		return msg, nil
	}
}

func (l *legacySSE) notify(ctx context.Context, method string, body []byte) error {
	start, err := l.post(ctx, method, body)
	if err == nil {
		l.c.record(Exchange{Op: method, Status: l.c.lastStatus, Duration: time.Since(start)})
	}
	return err
}

// close ends the conversation by closing the event stream: the server's
// session lives as long as the stream.
func (l *legacySSE) close(context.Context) (bool, error) {
	l.release()
	return true, nil
}

func (l *legacySSE) release() {
	if l.body != nil {
		_ = l.body.Close()
		l.body = nil
	}
}

// wantsLegacy reports whether a failed Streamable HTTP initialize is the
// specification's signal to try the legacy transport: HTTP 400, 404 or 405
// without a JSON-RPC error (a Streamable HTTP server that refuses the
// request says why in JSON-RPC).
func wantsLegacy(err error) bool {
	var e *Error
	if !errors.As(err, &e) || e.RPC != nil || e.Reason != ReasonHTTPStatus {
		return false
	}
	switch e.Status {
	case http.StatusBadRequest, http.StatusNotFound, http.StatusMethodNotAllowed:
		return true
	}
	return false
}
