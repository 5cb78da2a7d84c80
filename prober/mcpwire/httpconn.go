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
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"strings"
	"sync"
	"time"

	"github.com/mcp-exporter/mcp_exporter/internal/boundedio"
	"github.com/mcp-exporter/mcp_exporter/internal/failure"
	"github.com/mcp-exporter/mcp_exporter/internal/mediatype"
	"github.com/mcp-exporter/mcp_exporter/internal/oauthdiscovery"
	"github.com/mcp-exporter/mcp_exporter/internal/sse"
)

// Header names. HTTP headers are case-insensitive; these are the spellings
// of the 2025-11-25 and 2026-07-28 specifications.
const (
	HeaderSessionID       = "MCP-Session-Id"
	HeaderProtocolVersion = "MCP-Protocol-Version"
	HeaderMethod          = "Mcp-Method"
	// HeaderName carries the tool's name of tools/call (2026-07-28), and
	// HeaderParamPrefix starts the headers of x-mcp-header parameters.
	HeaderName        = "Mcp-Name"
	HeaderParamPrefix = "Mcp-Param-"
)

// The canonical forms of the header names (http.CanonicalHeaderKey), under
// which net/http keeps them: requests are given their headers and answers
// read without canonicalizing the names again for every message.
const (
	keySessionID       = "Mcp-Session-Id"
	keyProtocolVersion = "Mcp-Protocol-Version"
	keyMethod          = "Mcp-Method"
	keyContentType     = "Content-Type"
	keyAccept          = "Accept"
	keyAcceptEncoding  = "Accept-Encoding"
)

// Header values every message carries, shared by all requests. net/http
// and the round trippers only read a request's header values (a header
// they add or change gets a slice of its own), so the slices are never
// written.
var (
	valueJSON       = []string{"application/json"}
	valueAcceptPOST = []string{"application/json, text/event-stream"}
	valueGzip       = []string{"gzip"}
)

// httpConn is what the HTTP transports share: the client and endpoint, the
// trace of the probe's first connection and the status of the last
// answer. A transport that replaces another after a fallback takes over
// its httpConn, so the connect layer stays the probe's first connection.
type httpConn struct {
	client     *http.Client
	endpoint   string
	maxBytes   int64
	record     func(Exchange)
	mark       func(http.Header) // TransportConfig.Mark
	trace      ConnTrace
	lastStatus int
	// answered is true once a request of the transport using the httpConn
	// got an HTTP response other than 404 and 405 (a refused redirect too);
	// a transport taking the httpConn over starts without one.
	answered bool
	// resumptions counts the GETs that resumed a response's event stream.
	resumptions int
	// sessionValue and versionValue are the header values of the session
	// id and the revision last sent, made once rather than per request.
	sessionValue, versionValue []string
}

// headerValue returns a one-value header slice of v, the one in *last when
// it holds v already.
func headerValue(last *[]string, v string) []string {
	if len(*last) != 1 || (*last)[0] != v {
		*last = []string{v}
	}
	return *last
}

// newPost builds a POST of body to endpoint: what http.NewRequest makes
// of a bytes.Reader (the same length, body and GetBody).
func newPost(ctx context.Context, endpoint string, body []byte) (*http.Request, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, nil)
	if err != nil {
		return nil, err
	}
	if len(body) == 0 {
		req.Body = http.NoBody
		req.GetBody = func() (io.ReadCloser, error) { return http.NoBody, nil }
		return req, nil
	}
	req.ContentLength = int64(len(body))
	req.Body = newMessageBody(body)
	req.GetBody = func() (io.ReadCloser, error) { return newMessageBody(body), nil }
	return req, nil
}

// newMessageBody reads an encoded message as a request body. It is an
// io.NopCloser around a bytes.Reader, which net/http knows to be in
// memory: it writes the headers and the body at once, where a body of
// another type gets the headers flushed first (two writes, two packets).
func newMessageBody(b []byte) io.ReadCloser { return io.NopCloser(bytes.NewReader(b)) }

// httpCarrier is implemented by the transports built on an httpConn.
type httpCarrier interface{ httpConn() *httpConn }

// newHTTPConn returns the httpConn of cfg.Previous, or a new one.
func newHTTPConn(cfg TransportConfig) *httpConn {
	if p, ok := cfg.Previous.(httpCarrier); ok {
		h := p.httpConn()
		h.answered = false
		return h
	}
	return &httpConn{client: cfg.HTTP, endpoint: cfg.Endpoint, maxBytes: cfg.MaxMessageBytes, record: cfg.OnExchange, mark: cfg.Mark}
}

// Conn returns what was seen of the first connection.
func (h *httpConn) Conn() ConnInfo { return h.trace.Info() }

// LastStatus is the HTTP status of the answer to the last request, 0 when
// it got none.
func (h *httpConn) LastStatus() int { return h.lastStatus }

// traced attaches the connection trace to the first request.
func (h *httpConn) traced(ctx context.Context) context.Context {
	if t := h.trace.clientTrace(); t != nil {
		ctx = httptrace.WithClientTrace(ctx, t)
	}
	return ctx
}

// marks lets Mark add its headers to req, one of the client's own.
func (h *httpConn) marks(req *http.Request) {
	if h.mark != nil {
		h.mark(req.Header)
	}
}

// do sends req and records the exchange when it fails.
func (h *httpConn) do(req *http.Request, op string) (*http.Response, time.Time, error) {
	start := time.Now()
	h.lastStatus = 0 // until an answer comes
	h.marks(req)
	resp, err := h.client.Do(req)
	if resp != nil && resp.StatusCode != http.StatusNotFound && resp.StatusCode != http.StatusMethodNotAllowed {
		// With an error too: the server answered with a redirect the
		// client refused (its body is closed already). 404 and 405 say
		// that no such endpoint or method is there: not an answer over
		// the transport.
		h.answered = true
	}
	if err != nil {
		return nil, start, h.failed(req, op, start, err)
	}
	h.lastStatus = resp.StatusCode
	if err := decodeContent(resp); err != nil {
		h.record(Exchange{Op: op, Status: resp.StatusCode, Duration: time.Since(start), Err: err})
		return nil, start, err
	}
	return resp, start, nil
}

// failed records the exchange op, sent at start, that met err before an
// answer, and returns err classified.
func (h *httpConn) failed(req *http.Request, op string, start time.Time, err error) error {
	cerr := classifyTransportError(req.Context(), err, h.trace.currentPhase())
	h.record(Exchange{Op: op, Duration: time.Since(start), Err: cerr})
	return cerr
}

// statusError classifies a non-2xx answer. A JSON-RPC error in the body
// (2026-07-28 servers answer 400 and 404 with one) is kept so that the era
// detection and the metrics can see its code.
func statusError(resp *http.Response, mediaType string, s *Session) error {
	status := resp.StatusCode
	e := failure.Errorf(failure.ReasonHTTPStatus, status, "HTTP status %d", status)
	switch status {
	case http.StatusUnauthorized:
		e.Reason = failure.ReasonUnauthorized
	case http.StatusForbidden:
		e.Reason = failure.ReasonForbidden
	}
	if e.Reason != failure.ReasonHTTPStatus {
		e.Challenge = resp.Header.Values("WWW-Authenticate")
		if status == http.StatusForbidden {
			insufficientScope(e)
		}
	}
	b, _ := boundedio.ReadAll(resp.Body, 64<<10)
	if mediaType == "application/json" {
		if msg, err := decodeMessage(b); err == nil && msg.Error != nil {
			if rpc, err := msg.rpcError(); err == nil {
				e.RPC = rpc
				e.Err = fmt.Errorf("HTTP status %d with JSON-RPC error %d", status, rpc.Code)
			}
		}
	}
	// An unknown or expired session, after the handshake: the spec says 404,
	// many servers say 400 and name the session in the body. The body is
	// only searched, never repeated.
	if s.Version != "" && !s.Stateless && e.Reason == failure.ReasonHTTPStatus {
		mentionsSession := bytes.Contains(bytes.ToLower(b), []byte("session"))
		if (status == http.StatusNotFound && s.ID != "") || (status == http.StatusBadRequest || status == http.StatusNotFound) && mentionsSession {
			e.Reason = failure.ReasonSession
			e.Err = fmt.Errorf("HTTP status %d: the server does not accept the session", status)
		}
	}
	return e
}

// insufficientScope gives a 403 whose Bearer challenge says
// error="insufficient_scope" (RFC 6750 §3.1) its own reason, and names the
// scope the server asks for when it gives one fit to quote.
func insufficientScope(e *failure.Error) {
	scope, ok := oauthdiscovery.InsufficientScope(e.Challenge)
	if !ok {
		return
	}
	e.Reason = failure.ReasonInsufficientScope
	msg := "HTTP status 403: insufficient_scope, the token lacks a scope the server requires"
	if scope != "" {
		msg += fmt.Sprintf(" (it asks for scope %q)", scope)
	}
	e.Err = errors.New(msg)
}

// bodyError classifies a failure while reading an answer's body.
func (h *httpConn) bodyError(ctx context.Context, err error) error {
	switch {
	case errors.Is(err, boundedio.ErrTooLarge), errors.Is(err, sse.ErrEventTooLarge):
		return failure.Errorf(failure.ReasonResponseTooLarge, 0, "message larger than %d bytes", h.maxBytes)
	case errors.Is(err, errCorruptEncoding):
		return failure.Errorf(failure.ReasonProtocolViolation, 0, "%v", err)
	default:
		return classifyTransportError(ctx, err, phaseDone)
	}
}

// events returns an SSE decoder over body bounded by the message limit.
func (h *httpConn) events(body io.Reader) *sse.Decoder {
	// The slack lets a message of exactly maxBytes arrive with its "data: " prefix.
	return sse.NewDecoder(body, int(h.maxBytes)+64)
}

// nextResponse reads events until the response to id. Priming events,
// comments, other event names and server-to-client requests and
// notifications are passed over. what names the stream in errors.
func (h *httpConn) nextResponse(ctx context.Context, dec *sse.Decoder, id int64, what string) (*Message, error) {
	for {
		ev, err := dec.Next()
		if err == io.EOF {
			return nil, &failure.Error{Reason: failure.ReasonProtocolViolation, Err: fmt.Errorf("%s %w", what, errStreamEnded)}
		}
		if err != nil {
			return nil, h.bodyError(ctx, err)
		}
		if (ev.Name != "" && ev.Name != "message") || len(bytes.TrimSpace(ev.Data)) == 0 {
			continue
		}
		msg, err := decodeMessage(ev.Data)
		if err != nil {
			return nil, err
		}
		if !msg.isResponse() {
			continue // a server-to-client request or notification
		}
		if !msg.answers(id) {
			return nil, failure.Errorf(failure.ReasonProtocolViolation, 0, "%s carried a response to another request id", what)
		}
		return msg, nil
	}
}

// decodeContent undoes a gzip Content-Encoding. The transport leaves that
// to the client, so that the message bound applies to what the encoding
// expands to: a gzip bomb is cut off at the bound like any other message.
func decodeContent(resp *http.Response) error {
	switch enc := strings.ToLower(strings.TrimSpace(resp.Header.Get("Content-Encoding"))); enc {
	case "", "identity":
		return nil
	case "gzip", "x-gzip":
		zr, err := gzip.NewReader(resp.Body)
		if err != nil {
			resp.Body.Close()
			return failure.Errorf(failure.ReasonProtocolViolation, resp.StatusCode, "Content-Encoding gzip, but the body is not gzip")
		}
		resp.Body = gzipBody{zr, resp.Body}
		resp.Header.Del("Content-Encoding")
		return nil
	default:
		resp.Body.Close()
		return failure.Errorf(failure.ReasonProtocolViolation, resp.StatusCode, "unrequested Content-Encoding %q", Sanitize(enc, 32))
	}
}

// gzipBody reads through the decompressor and closes the connection's body.
type gzipBody struct {
	zr   *gzip.Reader
	body io.ReadCloser
}

// errCorruptEncoding marks a body whose compression is broken.
var errCorruptEncoding = errors.New("the compressed body is corrupt")

func (g gzipBody) Read(p []byte) (int, error) {
	n, err := g.zr.Read(p)
	if err != nil && err != io.EOF && !isTransportError(err) {
		err = errCorruptEncoding
	}
	return n, err
}

func (g gzipBody) Close() error { return g.body.Close() }

// isTransportError tells a failing connection (or a spent deadline) from a
// failing decompressor, for gzipBody. A truncated stream is taken for a
// connection cut mid-answer, as it is without compression.
func isTransportError(err error) bool {
	var netErr net.Error
	return errors.As(err, &netErr) || errors.Is(err, context.Canceled) ||
		errors.Is(err, context.DeadlineExceeded) || errors.Is(err, io.ErrUnexpectedEOF)
}

// errStreamEnded marks an event stream that ended before the response: a
// Streamable HTTP stream may be resumed (see resume.go).
var errStreamEnded = errors.New("ended before the response")

// discardPool holds the buffers discardBody reads into.
var discardPool = sync.Pool{New: func() any { b := make([]byte, 8<<10); return &b }}

// discardBody reads and drops at most limit bytes of r, as
// io.Copy(io.Discard, io.LimitReader(r, limit)) does, without allocating.
func discardBody(r io.Reader, limit int64) {
	bp := discardPool.Get().(*[]byte)
	defer discardPool.Put(bp)
	buf := *bp
	for limit > 0 {
		n, err := r.Read(buf[:min(int64(len(buf)), limit)])
		limit -= int64(n)
		if err != nil {
			return
		}
	}
}

// mediaTypeOf returns the media type without parameters, lower-cased
// (FuzzMediaTypeOf holds it to mime.ParseMediaType's answer).
func mediaTypeOf(contentType string) string { return mediatype.Of(contentType) }

// firstValue is h.Get(key) for a key in canonical form, without
// canonicalizing it again.
func firstValue(h http.Header, key string) string {
	if v := h[key]; len(v) > 0 {
		return v[0]
	}
	return ""
}
