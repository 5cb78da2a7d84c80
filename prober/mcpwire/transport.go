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
	"net/http"
	"time"

	"github.com/mcp-exporter/mcp_exporter/internal/process"
	"github.com/mcp-exporter/mcp_exporter/internal/protocol"
)

// Transport carries JSON-RPC messages between the Client and one server.
// It knows how to deliver a message and bring back the response that
// answers it; what is said (the handshake, tools/list) and the state of
// the conversation (Session) belong to the Client, which never asks which
// transport it has. A probe has one request in flight at a time, so a
// transport is request/response shaped: the server may send requests and
// notifications of its own before the response, and the transport passes
// over them.
//
// Transports that can end a session explicitly implement SessionCloser;
// transports over HTTP implement HTTPTransport, transports that run the
// server as a process ProcessTransport.
type Transport interface {
	// Name is the transport's name for probe_mcp_transport_info.
	Name() string
	// Call sends the request m and returns the response that answers
	// m.ID. s holds the conversation's state for what the transport
	// carries besides the message (HTTP headers); a transport records in
	// it the session id the server assigns.
	Call(ctx context.Context, s *Session, m *Outgoing) (*Message, error)
	// Notify sends the notification m and returns once the server took it.
	Notify(ctx context.Context, s *Session, m *Outgoing) error
	// Close releases what the transport holds (an open stream, a
	// process). The Client calls it at the end of every probe, whatever
	// happened; it may be called more than once.
	Close() error
}

// Outgoing is one encoded JSON-RPC message for a transport to send.
type Outgoing struct {
	// Method is the JSON-RPC method, for headers and the exchange log.
	Method string
	// ID is the request's id; 0 for a notification.
	ID int64
	// Body is the encoded message.
	Body []byte
	// Name is the request's params.name or params.uri for tools/call,
	// resources/read and prompts/get ("" otherwise), and Params the
	// parameters the called tool mirrors into headers (x-mcp-header):
	// 2026-07-28's Mcp-Name and Mcp-Param-* headers carry them.
	Name   string
	Params []ParamHeader
}

// Session is the state of one conversation, kept by the Client and handed
// to the transport with every message.
type Session struct {
	// ID is the session the server assigned, "" if none.
	ID string
	// Version is the negotiated revision; "" before the handshake.
	Version string
	// Stateless is set for 2026-07-28: _meta and Mcp-Method on every
	// request.
	Stateless bool
}

// SessionCloser is implemented by transports that end a session
// explicitly: with a message of their own (Streamable HTTP's DELETE), or
// by ending the server (stdio: the end of the process, whose failure the
// close layer reports). For the others the session lives as long as the
// transport, and closing the transport ends it.
type SessionCloser interface {
	// CloseSession ends the session s; done reports whether there was
	// anything to end.
	CloseSession(ctx context.Context, s *Session) (done bool, err error)
}

// HTTPTransport is implemented by the transports over HTTP: the facts of
// the HTTP layer that the prober reports.
type HTTPTransport interface {
	Transport
	// Conn returns what was seen of the first connection.
	Conn() ConnInfo
	// LastStatus is the HTTP status of the answer to the last message, 0
	// when it got none.
	LastStatus() int
}

// ProcessTransport is implemented by transports that run the server as a
// child process (stdio), on internal/process.
type ProcessTransport interface {
	Transport
	// Process returns what was seen of the process, its stderr's lines
	// made fit for a log.
	Process() process.Info
}

// TransportConfig is what a transport is made from: the Client's
// configuration, and the transport it replaces.
type TransportConfig struct {
	// HTTP carries the exchanges of the HTTP transports.
	HTTP *http.Client
	// Endpoint is the MCP endpoint URL.
	Endpoint string
	// MaxMessageBytes bounds one message read from the server.
	MaxMessageBytes int64
	// Command is the stdio transport's command; nil for the others.
	Command *process.Command
	// OnExchange is told of every exchange; never nil.
	OnExchange func(Exchange)
	// Mark, when set, adds headers to every HTTP request just before it
	// is sent.
	Mark func(http.Header)
	// Previous is the transport this one replaces after a fallback, nil
	// for the first. A transport may take over what the previous one
	// measured (the HTTP transports keep the trace of the first
	// connection).
	Previous Transport
}

// transportKind registers a transport.
type transportKind struct {
	// open makes the transport and opens it: a stream, a process. It
	// returns the transport even when opening fails, so that the probe can
	// name the transport it tried and report what was seen.
	open func(ctx context.Context, cfg TransportConfig) (Transport, error)
	// statefulOnly: the transport carries only the stateful era
	// (initialize); Handshake does not try server/discover over it.
	statefulOnly bool
	// initializeFirst: detecting the era, Handshake sends initialize
	// first and server/discover only when initialize is refused as a
	// 2026-07-28 server refuses it. Over stdio a stateful server may exit
	// on a request before initialize, and a new process is a new probe.
	initializeFirst bool
}

// transports are the transports the Client speaks, by name. Adding one is
// a file implementing Transport, a line here, and its row (its kind) in
// internal/protocol's transport table (docs/architecture.md, "How to add
// a transport").
var transports = map[string]transportKind{
	protocol.TransportStreamableHTTP: {open: openStreamableHTTP},
	protocol.TransportSSE:            {open: openLegacySSE, statefulOnly: true},
	protocol.TransportStdio:          {open: openStdio, initializeFirst: true},
}

// Exchange describes one exchange for the probe's debug log. It holds no
// body and no header value a server chose, only what the exporter
// measured.
type Exchange struct {
	Op          string // JSON-RPC method, "DELETE session", "GET event stream" or "GET resume <method>"
	Status      int    // 0 when no answer came
	ContentType string // the answer's media type, without parameters
	Duration    time.Duration
	Err         error
}
