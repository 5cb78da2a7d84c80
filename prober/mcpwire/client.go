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

// Package mcpwire is the prober's MCP client: the conversation (the
// handshake, the paginated lists: tools/list, resources/list, prompts/list)
// in client.go and mcp.go, JSON-RPC envelopes, and
// the transports that carry them behind the Transport interface
// (Streamable HTTP, legacy HTTP+SSE), written on net/http so that every
// byte a server sends is observed and classified (as *failure.Error, the
// reasons of internal/failure) rather than tolerated. Revisions and
// transport names are those of internal/protocol. It knows nothing of
// Prometheus.
package mcpwire

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/mcp-exporter/mcp_exporter/internal/failure"
	"github.com/mcp-exporter/mcp_exporter/internal/process"
	"github.com/mcp-exporter/mcp_exporter/internal/protocol"
)

// Keys of the per-request _meta of 2026-07-28.
const (
	metaProtocolVersion    = "io.modelcontextprotocol/protocolVersion"
	metaClientInfo         = "io.modelcontextprotocol/clientInfo"
	metaClientCapabilities = "io.modelcontextprotocol/clientCapabilities"
	metaServerInfo         = "io.modelcontextprotocol/serverInfo"
	// metaTraceParent is W3C trace context in _meta, which 2026-07-28
	// reserves (without a prefix) for OpenTelemetry propagation; earlier
	// revisions define no _meta for it.
	metaTraceParent = "traceparent"
)

// DefaultMaxMessageBytes bounds one JSON-RPC message read from a server.
const DefaultMaxMessageBytes = 16 << 20

// Implementation names a client or server.
type Implementation struct {
	Name    string `json:"name"`
	Version string `json:"version"`
}

// Client speaks MCP to one endpoint, for one probe: it holds the
// conversation (Session, request ids) and says what is said; a Transport
// carries the messages. It is not safe for concurrent use.
type Client struct {
	// HTTP carries the exchanges of the HTTP transports. The prober gives
	// each probe a client with its own connections.
	HTTP *http.Client
	// Endpoint is the MCP endpoint URL.
	Endpoint string
	// Command is the stdio server's command (transport stdio).
	Command *process.Command
	// Info is sent as clientInfo.
	Info Implementation
	// MaxMessageBytes bounds one message; 0 means DefaultMaxMessageBytes.
	MaxMessageBytes int64
	// OnExchange, when set, is told of every exchange.
	OnExchange func(Exchange)
	// Mark, when set, adds headers to every HTTP request the client makes,
	// just before it is sent (the prober's marks: see prober/marker.go).
	Mark func(http.Header)
	// TraceContext, when set, gives a W3C traceparent (the probe's trace,
	// a new span) for the _meta of each 2026-07-28 request. The HTTP header
	// is set below the client, on every request (prober/marker.go).
	TraceContext TraceContext
	// Requests, when set, is told of each request and notification: before
	// it is sent (the context it returns is the one the request is sent
	// with, its traceparent the one _meta carries) and when it ends.
	Requests RequestObserver

	// reqParent is the traceparent of the request being encoded, from
	// Requests, for its _meta.
	reqParent string

	transport Transport // nil until Handshake opens one
	// answered is true once the transport in use got an answer from the
	// server: an HTTP response (any status) or a message.
	answered bool
	session  Session
	nextID   int64
	warnings []string
	// discoverTTL is the ttlMs of this handshake's server/discover answer.
	discoverTTL *time.Duration
	// listBytes adds up the results of the list methods' answers; it
	// starts in listBytesBuf (tools, resources, prompts).
	listBytes    []methodBytes
	listBytesBuf [3]methodBytes
}

// TraceContext makes W3C traceparent values, a new span id each.
type TraceContext interface {
	TraceParent() string
}

// RequestObserver is told of the requests a Client sends: the prober's
// spans and per-method durations.
type RequestObserver interface {
	// StartRequest returns the context to send the request with and its
	// W3C traceparent for _meta ("" leaves _meta to TraceContext).
	StartRequest(ctx context.Context, method string) (context.Context, string)
	// EndRequest is told of the request's end: how long it took and its
	// error (a *failure.Error for a server's refusal), nil on success.
	EndRequest(ctx context.Context, method string, elapsed time.Duration, err error)
}

// methodBytes is the size of a method's results.
type methodBytes struct {
	method string
	n      int
}

// ResultBytes is the total size in bytes of the results of the answers to
// a list method (tools/list, …; every page, as decoded from the wire:
// what a client takes in), 0 when none came.
func (c *Client) ResultBytes(method string) int {
	for _, b := range c.listBytes {
		if b.method == method {
			return b.n
		}
	}
	return 0
}

// countResult adds a list method's result to ResultBytes.
func (c *Client) countResult(method string, result json.RawMessage) {
	if !strings.HasSuffix(method, "/list") {
		return
	}
	for i := range c.listBytes {
		if c.listBytes[i].method == method {
			c.listBytes[i].n += len(result)
			return
		}
	}
	if c.listBytes == nil {
		c.listBytes = c.listBytesBuf[:0]
	}
	c.listBytes = append(c.listBytes, methodBytes{method: method, n: len(result)})
}

// Conn returns what was seen of the client's first connection; the zero
// ConnInfo when the transport is not over HTTP.
func (c *Client) Conn() ConnInfo {
	if t, ok := c.transport.(HTTPTransport); ok {
		return t.Conn()
	}
	return ConnInfo{}
}

// LastStatus is the HTTP status of the answer to the last request, 0 when
// it got none or the transport is not over HTTP.
func (c *Client) LastStatus() int {
	if t, ok := c.transport.(HTTPTransport); ok {
		return t.LastStatus()
	}
	return 0
}

// Process returns what was seen of the server's process, and whether the
// transport runs one (stdio).
func (c *Client) Process() (process.Info, bool) {
	if t, ok := c.transport.(ProcessTransport); ok {
		return t.Process(), true
	}
	return process.Info{}, false
}

// Resumptions is how many times the probe resumed a response's event
// stream (a GET with Last-Event-ID after the server closed it early).
func (c *Client) Resumptions() int {
	if t, ok := c.transport.(httpCarrier); ok {
		return t.httpConn().resumptions
	}
	return 0
}

// Warnings are the protocol violations the probe saw that do not fail it
// (a MUST of the specification the server broke, which a client can live
// with), each once, in the order seen.
func (c *Client) Warnings() []string { return c.warnings }

// warn records a warning once.
func (c *Client) warn(format string, args ...any) {
	w := fmt.Sprintf(format, args...)
	if !slices.Contains(c.warnings, w) {
		c.warnings = append(c.warnings, w)
	}
}

// SessionID is the session the server assigned, "" if none.
func (c *Client) SessionID() string { return c.session.ID }

// Version is the negotiated protocol revision.
func (c *Client) Version() string { return c.session.Version }

// Transport names the transport in use: Streamable HTTP until Handshake
// settles on another.
func (c *Client) Transport() string {
	if c.transport == nil {
		return protocol.TransportStreamableHTTP
	}
	return c.transport.Name()
}

// Answered names the transport in use once the server answered over it
// (an HTTP response of any status, or a message), and is "" before: a
// probe whose connection was refused, or whose fallback transport got no
// answer, spoke no transport with the server.
func (c *Client) Answered() string {
	if c.transport == nil || !c.answered {
		return ""
	}
	return c.transport.Name()
}

// noteAnswer records whether the last request over the transport in use
// got an answer.
func (c *Client) noteAnswer(message bool) {
	if t, ok := c.transport.(httpCarrier); ok && t.httpConn().answered {
		message = true
	}
	if message {
		c.answered = true
	}
}

// use makes the transport called name the client's, opening it unless it
// already is. A transport it replaces is closed and handed to the new one.
func (c *Client) use(ctx context.Context, name string) error {
	if c.transport != nil && c.transport.Name() == name {
		return nil
	}
	kind, ok := transports[name]
	if !ok {
		return fmt.Errorf("unknown transport %q", name)
	}
	cfg := TransportConfig{
		HTTP:            c.HTTP,
		Endpoint:        c.Endpoint,
		Command:         c.Command,
		MaxMessageBytes: c.MaxMessageBytes,
		OnExchange:      c.OnExchange,
		Mark:            c.Mark,
		Previous:        c.transport,
	}
	if cfg.OnExchange == nil {
		cfg.OnExchange = func(Exchange) {}
	}
	if cfg.MaxMessageBytes <= 0 {
		cfg.MaxMessageBytes = DefaultMaxMessageBytes
	}
	if c.transport != nil {
		_ = c.transport.Close()
	}
	t, err := kind.open(ctx, cfg)
	c.transport, c.answered = t, false
	if t != nil {
		// Opening may be an exchange of its own (the legacy event stream).
		c.noteAnswer(false)
	}
	return err
}

// ensureTransport opens Streamable HTTP, the default, when no transport is
// open yet.
func (c *Client) ensureTransport(ctx context.Context) error {
	if c.transport != nil {
		return nil
	}
	return c.use(ctx, protocol.TransportStreamableHTTP)
}

// call sends a JSON-RPC request and returns the raw result of the response
// that answers it.
func (c *Client) call(ctx context.Context, method string, params any) (json.RawMessage, error) {
	return c.send(ctx, Outgoing{Method: method}, params)
}

// send sends the request out (its method, and what its headers mirror)
// with params and returns the raw result of the response that answers it.
func (c *Client) send(ctx context.Context, out Outgoing, params any) (json.RawMessage, error) {
	c.nextID++
	out.ID = c.nextID
	if c.Requests == nil {
		body, err := json.Marshal(request{JSONRPC: "2.0", ID: out.ID, Method: out.Method, Params: params})
		if err != nil {
			return nil, err
		}
		out.Body = body
		return c.exchange(ctx, &out)
	}
	// The request's span starts before its body is encoded: its _meta
	// carries the span's traceparent.
	start := time.Now()
	ctx, c.reqParent = c.Requests.StartRequest(ctx, out.Method)
	body, err := json.Marshal(request{JSONRPC: "2.0", ID: out.ID, Method: out.Method, Params: params})
	c.reqParent = ""
	if err != nil {
		c.Requests.EndRequest(ctx, out.Method, time.Since(start), err)
		return nil, err
	}
	out.Body = body
	res, err := c.exchange(ctx, &out)
	c.Requests.EndRequest(ctx, out.Method, time.Since(start), err)
	return res, err
}

// callBody sends the encoded request m and returns the raw result of the
// response that answers it.
func (c *Client) callBody(ctx context.Context, m *Outgoing) (json.RawMessage, error) {
	if c.Requests == nil {
		return c.exchange(ctx, m)
	}
	start := time.Now()
	ctx, _ = c.Requests.StartRequest(ctx, m.Method)
	res, err := c.exchange(ctx, m)
	c.Requests.EndRequest(ctx, m.Method, time.Since(start), err)
	return res, err
}

// exchange sends the encoded request m and returns the raw result of the
// response that answers it.
func (c *Client) exchange(ctx context.Context, m *Outgoing) (json.RawMessage, error) {
	if err := c.ensureTransport(ctx); err != nil {
		return nil, err
	}
	msg, err := c.transport.Call(ctx, &c.session, m)
	c.noteAnswer(err == nil)
	if err != nil {
		return nil, err
	}
	if msg.Error != nil {
		return nil, rpcFailure(msg, c.LastStatus())
	}
	c.countResult(m.Method, msg.Result)
	return msg.Result, nil
}

// notificationBody encodes the notification method with params.
func notificationBody(method string, params any) ([]byte, error) {
	if params == nil && plainJSONString(method) {
		return requestBody{method: method}.encode(), nil
	}
	return json.Marshal(request{JSONRPC: "2.0", Method: method, Params: params})
}

// notify sends a JSON-RPC notification.
func (c *Client) notify(ctx context.Context, method string, params any) error {
	body, err := notificationBody(method, params)
	if err != nil {
		return err
	}
	if err := c.ensureTransport(ctx); err != nil {
		return err
	}
	var start time.Time
	if c.Requests != nil {
		start = time.Now()
		ctx, _ = c.Requests.StartRequest(ctx, method)
	}
	err = c.transport.Notify(ctx, &c.session, &Outgoing{Method: method, Body: body})
	c.noteAnswer(false)
	if c.Requests != nil {
		c.Requests.EndRequest(ctx, method, time.Since(start), err)
	}
	return err
}

// rpcFailure turns an error response into a classified failure.Error.
func rpcFailure(msg *Message, status int) error {
	rpc, err := msg.rpcError()
	if err != nil {
		return err
	}
	reason := failure.ReasonJSONRPCError
	switch {
	case rpc.Code == CodeUnsupportedProtocolVersion:
		reason = failure.ReasonUnsupportedVersion
	case rpc.Code == CodeUnauthorized && mentionsAuth(rpc.Message):
		// -32001 also means "session not found" on some servers; only a
		// message about authorization makes it an auth failure.
		reason = failure.ReasonUnauthorized
	}
	return &failure.Error{Reason: reason, Status: status, RPC: rpc, Err: fmt.Errorf("server returned JSON-RPC error %d", rpc.Code)}
}

// CloseSession ends the conversation: a transport that ends sessions with
// a message of its own (Streamable HTTP's DELETE, when the server issued a
// session) sends it; for the others the session lives as long as the
// transport, which is closed. done reports whether there was anything to
// end.
func (c *Client) CloseSession(ctx context.Context) (done bool, err error) {
	if c.transport == nil {
		return false, nil
	}
	if sc, ok := c.transport.(SessionCloser); ok {
		return sc.CloseSession(ctx, &c.session)
	}
	return true, c.transport.Close()
}

// Close releases what the transport holds (an open event stream); the
// prober calls it at the end of every probe, whatever happened.
func (c *Client) Close() {
	if c.transport != nil {
		_ = c.transport.Close()
	}
}
