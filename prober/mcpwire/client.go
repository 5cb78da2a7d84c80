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

// Package mcpwire is the prober's MCP client: HTTP exchanges, JSON-RPC
// envelopes, the handshake and tools/list, written on net/http so that every
// byte a server sends is observed and classified rather than tolerated. It
// knows nothing of Prometheus.
package mcpwire

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"net/http/httptrace"
	"strings"
	"time"

	"github.com/mcp-exporter/mcp_exporter/internal/sse"
)

// Header names. HTTP headers are case-insensitive; these are the spellings
// of the 2025-11-25 and 2026-07-28 specifications.
const (
	HeaderSessionID       = "MCP-Session-Id"
	HeaderProtocolVersion = "MCP-Protocol-Version"
	HeaderMethod          = "Mcp-Method"
)

// Revisions with behaviour the client must know about.
const (
	Version20260728 = "2026-07-28"
	Version20250618 = "2025-06-18"
)

// Keys of the per-request _meta of 2026-07-28.
const (
	metaProtocolVersion    = "io.modelcontextprotocol/protocolVersion"
	metaClientInfo         = "io.modelcontextprotocol/clientInfo"
	metaClientCapabilities = "io.modelcontextprotocol/clientCapabilities"
	metaServerInfo         = "io.modelcontextprotocol/serverInfo"
)

// DefaultMaxMessageBytes bounds one JSON-RPC message read from a server.
const DefaultMaxMessageBytes = 16 << 20

// Implementation names a client or server.
type Implementation struct {
	Name    string `json:"name"`
	Version string `json:"version"`
}

// Exchange describes one HTTP exchange for the probe's debug log. It holds
// no body and no header value a server chose, only what the exporter
// measured.
type Exchange struct {
	Op          string // JSON-RPC method, or "DELETE session"
	Status      int    // 0 when no answer came
	ContentType string // the answer's media type, without parameters
	Duration    time.Duration
	Err         error
}

// Client speaks MCP over Streamable HTTP to one endpoint, for one probe.
// It is not safe for concurrent use.
type Client struct {
	// HTTP carries the exchanges. The prober gives each probe a client with
	// its own connections.
	HTTP *http.Client
	// Endpoint is the MCP endpoint URL.
	Endpoint string
	// Info is sent as clientInfo.
	Info Implementation
	// MaxMessageBytes bounds one message; 0 means DefaultMaxMessageBytes.
	MaxMessageBytes int64
	// OnExchange, when set, is told of every exchange.
	OnExchange func(Exchange)

	trace      ConnTrace
	transport  transport // nil until the first exchange: Streamable HTTP
	sessionID  string
	version    string // negotiated revision; "" before the handshake
	stateless  bool   // 2026-07-28: _meta and Mcp-Method on every request
	nextID     int64
	lastStatus int
}

// Conn returns what was seen of the client's first connection.
func (c *Client) Conn() ConnInfo { return c.trace.Info() }

// LastStatus is the HTTP status of the answer to the last request, 0 when
// it got none.
func (c *Client) LastStatus() int { return c.lastStatus }

// SessionID is the session the server assigned, "" if none.
func (c *Client) SessionID() string { return c.sessionID }

// Version is the negotiated protocol revision.
func (c *Client) Version() string { return c.version }

func (c *Client) maxBytes() int64 {
	if c.MaxMessageBytes > 0 {
		return c.MaxMessageBytes
	}
	return DefaultMaxMessageBytes
}

// transport carries JSON-RPC messages to the server and back: Streamable
// HTTP, or the legacy HTTP+SSE transport of 2024-11-05. What is said (the
// handshake, tools/list) is the same over both.
type transport interface {
	// request sends a request and returns the response that answers id.
	request(ctx context.Context, method string, id int64, body []byte) (*message, error)
	// notify sends a notification.
	notify(ctx context.Context, method string, body []byte) error
	// close ends the conversation; done reports whether there was anything
	// to end.
	close(ctx context.Context) (done bool, err error)
	// name is the transport's name for probe_mcp_transport_info.
	name() string
}

func (c *Client) current() transport {
	if c.transport == nil {
		c.transport = streamableHTTP{c}
	}
	return c.transport
}

// Transport names the transport in use.
func (c *Client) Transport() string { return c.current().name() }

// traced attaches the connection trace to the client's first request.
func (c *Client) traced(ctx context.Context) context.Context {
	if t := c.trace.clientTrace(); t != nil {
		ctx = httptrace.WithClientTrace(ctx, t)
	}
	return ctx
}

// newRequest builds an HTTP request with the headers every Streamable HTTP
// POST carries.
func (c *Client) newRequest(ctx context.Context, method string, body []byte) (*http.Request, error) {
	req, err := http.NewRequestWithContext(c.traced(ctx), http.MethodPost, c.Endpoint, bytes.NewReader(body))
	if err != nil {
		return nil, &Error{Reason: ReasonConnect, Err: err}
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	req.Header.Set("Accept-Encoding", "gzip")
	if c.sessionID != "" {
		req.Header.Set(HeaderSessionID, c.sessionID)
	}
	if c.version != "" && c.version >= Version20250618 {
		req.Header.Set(HeaderProtocolVersion, c.version)
	}
	if c.stateless {
		req.Header.Set(HeaderMethod, method)
	}
	return req, nil
}

// do sends req and records the exchange.
func (c *Client) do(req *http.Request, op string) (*http.Response, time.Time, error) {
	start := time.Now()
	c.lastStatus = 0 // until an answer comes
	resp, err := c.HTTP.Do(req)
	if err != nil {
		cerr := classifyTransportError(req.Context(), err, c.trace.currentPhase())
		c.record(Exchange{Op: op, Duration: time.Since(start), Err: cerr})
		return nil, start, cerr
	}
	c.lastStatus = resp.StatusCode
	if err := decodeContent(resp); err != nil {
		c.record(Exchange{Op: op, Status: resp.StatusCode, Duration: time.Since(start), Err: err})
		return nil, start, err
	}
	return resp, start, nil
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
			return errorf(ReasonProtocolViolation, resp.StatusCode, "Content-Encoding gzip, but the body is not gzip")
		}
		resp.Body = gzipBody{zr, resp.Body}
		resp.Header.Del("Content-Encoding")
		return nil
	default:
		resp.Body.Close()
		return errorf(ReasonProtocolViolation, resp.StatusCode, "unrequested Content-Encoding %q", Sanitize(enc, 32))
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

func (c *Client) record(x Exchange) {
	if c.OnExchange != nil {
		c.OnExchange(x)
	}
}

// call sends a JSON-RPC request and returns the raw result of the response
// that answers it.
func (c *Client) call(ctx context.Context, method string, params any) (json.RawMessage, error) {
	c.nextID++
	id := c.nextID
	body, err := json.Marshal(request{JSONRPC: "2.0", ID: id, Method: method, Params: params})
	if err != nil {
		return nil, err
	}
	msg, err := c.current().request(ctx, method, id, body)
	if err != nil {
		return nil, err
	}
	if msg.Error != nil {
		return nil, rpcFailure(msg, c.lastStatus)
	}
	return msg.Result, nil
}

// notify sends a JSON-RPC notification.
func (c *Client) notify(ctx context.Context, method string, params any) error {
	body, err := json.Marshal(request{JSONRPC: "2.0", Method: method, Params: params})
	if err != nil {
		return err
	}
	return c.current().notify(ctx, method, body)
}

// streamableHTTP is the Streamable HTTP transport (2025-03-26 and later):
// one POST per message, answered with JSON or an SSE stream.
type streamableHTTP struct{ c *Client }

func (streamableHTTP) name() string { return TransportStreamableHTTP }

func (t streamableHTTP) request(ctx context.Context, method string, id int64, body []byte) (*message, error) {
	c := t.c
	req, err := c.newRequest(ctx, method, body)
	if err != nil {
		return nil, err
	}
	resp, start, err := c.do(req, method)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	mediaType := mediaTypeOf(resp.Header.Get("Content-Type"))
	msg, err := c.readResponse(ctx, resp, mediaType, id)
	c.record(Exchange{Op: method, Status: resp.StatusCode, ContentType: mediaType, Duration: time.Since(start), Err: err})
	if err != nil {
		return nil, err
	}
	if sid := resp.Header.Get(HeaderSessionID); sid != "" && c.sessionID == "" {
		if !validSessionID(sid) {
			return nil, errorf(ReasonSession, resp.StatusCode, "session id has characters outside visible ASCII")
		}
		c.sessionID = sid
	}
	return msg, nil
}

// readResponse classifies the answer to request id and returns the response.
func (c *Client) readResponse(ctx context.Context, resp *http.Response, mediaType string, id int64) (*message, error) {
	status := resp.StatusCode
	if status < 200 || status > 299 {
		return nil, c.statusError(resp, mediaType)
	}
	if status != http.StatusOK {
		// 202 and friends are answers to notifications, not to requests.
		return nil, errorf(ReasonProtocolViolation, status, "request answered with HTTP %d and no response", status)
	}
	var msg *message
	var err error
	switch mediaType {
	case "application/json":
		msg, err = c.readJSON(ctx, resp.Body)
		if err == nil && msg.isResponse() && !msg.answers(id) {
			err = errorf(ReasonProtocolViolation, status, "response id does not match the request")
		} else if err == nil && !msg.isResponse() {
			err = errorf(ReasonProtocolViolation, status, "JSON answer is a request or notification, not the response")
		}
	case "text/event-stream":
		msg, err = c.readSSE(ctx, resp.Body, id)
	default:
		err = errorf(ReasonNotMCP, status, "answer has content type %q, not JSON or SSE", mediaType)
	}
	if err != nil {
		var e *Error
		if errors.As(err, &e) && e.Status == 0 {
			e.Status = status
		}
		return nil, err
	}
	return msg, nil
}

// rpcFailure turns an error response into a classified Error.
func rpcFailure(msg *message, status int) error {
	rpc, err := msg.rpcError()
	if err != nil {
		return err
	}
	reason := ReasonJSONRPCError
	switch {
	case rpc.Code == CodeUnsupportedProtocolVersion:
		reason = ReasonUnsupportedVersion
	case rpc.Code == CodeUnauthorized && mentionsAuth(rpc.Message):
		// -32001 also means "session not found" on some servers; only a
		// message about authorization makes it an auth failure.
		reason = ReasonUnauthorized
	}
	return &Error{Reason: reason, Status: status, RPC: rpc, Err: fmt.Errorf("server returned JSON-RPC error %d", rpc.Code)}
}

// statusError classifies a non-2xx answer. A JSON-RPC error in the body
// (2026-07-28 servers answer 400 and 404 with one) is kept so that the era
// detection and the metrics can see its code.
func (c *Client) statusError(resp *http.Response, mediaType string) error {
	status := resp.StatusCode
	e := errorf(ReasonHTTPStatus, status, "HTTP status %d", status)
	switch status {
	case http.StatusUnauthorized:
		e.Reason = ReasonUnauthorized
	case http.StatusForbidden:
		e.Reason = ReasonForbidden
	}
	if e.Reason != ReasonHTTPStatus {
		e.Challenge = resp.Header.Values("WWW-Authenticate")
	}
	b, _ := readBounded(resp.Body, 64<<10)
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
	if c.version != "" && !c.stateless && e.Reason == ReasonHTTPStatus {
		mentionsSession := bytes.Contains(bytes.ToLower(b), []byte("session"))
		if (status == http.StatusNotFound && c.sessionID != "") || (status == http.StatusBadRequest || status == http.StatusNotFound) && mentionsSession {
			e.Reason = ReasonSession
			e.Err = fmt.Errorf("HTTP status %d: the server does not accept the session", status)
		}
	}
	return e
}

func (c *Client) readJSON(ctx context.Context, body io.Reader) (*message, error) {
	b, err := readBounded(body, c.maxBytes())
	if err != nil {
		return nil, c.bodyError(ctx, err)
	}
	return decodeMessage(b)
}

// readSSE reads events until the response to id arrives. Priming events,
// comments, other event names and server-to-client messages are skipped.
func (c *Client) readSSE(ctx context.Context, body io.Reader, id int64) (*message, error) {
	// The slack lets a message of exactly maxBytes arrive with its "data: " prefix.
	dec := sse.NewDecoder(body, int(c.maxBytes())+64)
	for {
		ev, err := dec.Next()
		if err == io.EOF {
			return nil, errorf(ReasonProtocolViolation, 0, "SSE stream ended before the response")
		}
		if err != nil {
			return nil, c.bodyError(ctx, err)
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
			return nil, errorf(ReasonProtocolViolation, 0, "SSE stream carried a response to another request id")
		}
		return msg, nil
	}
}

// bodyError classifies a failure while reading an answer's body.
func (c *Client) bodyError(ctx context.Context, err error) error {
	switch {
	case errors.Is(err, errTooLarge), errors.Is(err, sse.ErrEventTooLarge):
		return errorf(ReasonResponseTooLarge, 0, "message larger than %d bytes", c.maxBytes())
	case errors.Is(err, errCorruptEncoding):
		return errorf(ReasonProtocolViolation, 0, "%v", err)
	default:
		return classifyTransportError(ctx, err, phaseDone)
	}
}

// notify POSTs a notification; any 2xx answer is accepted (202 is
// the specified one, 200 and 204 are common).
func (t streamableHTTP) notify(ctx context.Context, method string, body []byte) error {
	c := t.c
	req, err := c.newRequest(ctx, method, body)
	if err != nil {
		return err
	}
	resp, start, err := c.do(req, method)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	mediaType := mediaTypeOf(resp.Header.Get("Content-Type"))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		err = c.statusError(resp, mediaType)
	} else if mediaType != "text/event-stream" {
		// An event stream may stay open until the deadline; the status is
		// all a notification needs, so it is closed unread.
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	}
	c.record(Exchange{Op: method, Status: resp.StatusCode, ContentType: mediaType, Duration: time.Since(start), Err: err})
	return err
}

var errTooLarge = errors.New("message too large")

// readBounded reads all of r, failing once more than limit bytes arrive.
func readBounded(r io.Reader, limit int64) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > limit {
		return nil, errTooLarge
	}
	return b, nil
}

// mediaTypeOf returns the media type without parameters, lower-cased.
func mediaTypeOf(contentType string) string {
	if contentType == "" {
		return ""
	}
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		mt, _, _ = strings.Cut(contentType, ";")
	}
	return strings.ToLower(strings.TrimSpace(mt))
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
