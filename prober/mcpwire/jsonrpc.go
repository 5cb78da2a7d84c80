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
	"encoding/json"
	"errors"
	"strconv"
	"strings"

	"github.com/mcp-exporter/mcp_exporter/internal/failure"
	"github.com/mcp-exporter/mcp_exporter/internal/jsonscan"
)

// JSON-RPC error codes the prober tells apart.
const (
	CodeParseError     = -32700
	CodeInvalidRequest = -32600
	CodeMethodNotFound = -32601
	CodeInvalidParams  = -32602
	CodeInternalError  = -32603
	// CodeUnauthorized is what several servers answer a missing or bad
	// credential with inside a 200; others use it for unknown sessions.
	CodeUnauthorized = -32001
	// CodeHeaderMismatch: HTTP headers disagree with the request's _meta (2026-07-28).
	CodeHeaderMismatch = -32020
	// CodeUnsupportedProtocolVersion: the requested revision is not served (2026-07-28).
	CodeUnsupportedProtocolVersion = -32022
)

// isModernErrorCode reports whether code is in the range that only servers
// of the 2026-07-28 era use; seeing one in a server/discover answer means
// the server is modern.
func isModernErrorCode(code int) bool { return code <= -32020 && code >= -32099 }

// request is an outgoing JSON-RPC request or notification (ID 0 = notification).
type request struct {
	JSONRPC string `json:"jsonrpc"`
	ID      int64  `json:"id,omitempty"`
	Method  string `json:"method"`
	Params  any    `json:"params,omitempty"`
}

// Message is an incoming JSON-RPC message: what a Transport returns. Fields
// stay raw so that the prober can tell a response from a request or
// notification and classify what is missing.
type Message struct {
	JSONRPC *string         `json:"jsonrpc"`
	ID      json.RawMessage `json:"id"`
	Method  *string         `json:"method"`
	Result  json.RawMessage `json:"-"` // RawResult's value
	Error   json.RawMessage `json:"error"`
	// RawResult decodes the result into Result without copying it; it is
	// empty once decoding is done. (A field of an embedded struct would
	// hide it, but costs encoding/json an allocation per message.)
	RawResult sharedRaw `json:"result"`
}

// decodeMessage parses one JSON-RPC message. It fails with
// malformed_jsonrpc on anything that is not a JSON-RPC 2.0 object, and with
// protocol_violation on a batch, which the prober never sends.
func decodeMessage(b []byte) (*Message, error) {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '[' {
		return nil, &failure.Error{Reason: failure.ReasonProtocolViolation, Err: errors.New("server answered with a JSON-RPC batch to a single request")}
	}
	m, ok := decodeEnvelope(b)
	if !ok {
		m = Message{RawResult: sharedRaw{src: b}}
		if err := json.Unmarshal(b, &m); err != nil {
			return nil, &failure.Error{Reason: failure.ReasonMalformedJSONRPC, Err: errors.New("response is not a JSON object")}
		}
		m.Result, m.RawResult = m.RawResult.raw, sharedRaw{}
	}
	if m.JSONRPC == nil || *m.JSONRPC != "2.0" {
		return nil, &failure.Error{Reason: failure.ReasonMalformedJSONRPC, Err: errors.New(`message lacks "jsonrpc": "2.0"`)}
	}
	isResponse := m.Result != nil || m.Error != nil
	if m.Method == nil && !isResponse {
		return nil, &failure.Error{Reason: failure.ReasonMalformedJSONRPC, Err: errors.New("message is neither a request, a notification nor a response")}
	}
	if m.Method == nil && m.Result != nil && m.Error != nil {
		return nil, &failure.Error{Reason: failure.ReasonMalformedJSONRPC, Err: errors.New("response carries both result and error")}
	}
	return &m, nil
}

// jsonrpcVersion is what a decoded message's JSONRPC points to when the
// member is exactly "2.0". It is never written.
var jsonrpcVersion = "2.0"

// decodeEnvelope decodes the common message as json.Unmarshal into a
// Message would, without its allocations: a valid JSON object whose member
// names are ASCII without escapes, "jsonrpc" exactly "2.0" or null, and no
// "method" other than null. The raw members are slices of b. ok is false
// for anything else, which is left to json.Unmarshal. As encoding/json
// does, names match the fields without regard to ASCII case, unknown
// members are passed over and a repeated member counts as its last.
func decodeEnvelope(b []byte) (m Message, ok bool) {
	if len(b) == 0 || b[0] != '{' || !jsonscan.Valid(b) {
		return Message{}, false
	}
	ok = eachMember(b, func(name, v []byte) bool {
		switch {
		case asciiEqualFold(name, "jsonrpc"):
			switch string(v) {
			case `"2.0"`:
				m.JSONRPC = &jsonrpcVersion
			case "null":
				m.JSONRPC = nil
			default:
				return false
			}
		case asciiEqualFold(name, "method"):
			// A request or notification: left to encoding/json.
			return isNullLiteral(v)
		case asciiEqualFold(name, "id"):
			m.ID = v
		case asciiEqualFold(name, "result"):
			m.Result = v
		case asciiEqualFold(name, "error"):
			m.Error = v
		}
		return true
	})
	if !ok {
		return Message{}, false
	}
	return m, true
}

// isResponse reports whether m answers a request (rather than being a
// server-to-client request or notification).
func (m *Message) isResponse() bool { return m.Method == nil }

// idEquals reports whether the response's id is the number id. Servers echo
// the id as sent; a string "1" for a numeric 1 is not the same id.
func (m *Message) idEquals(id int64) bool {
	return string(bytes.TrimSpace(m.ID)) == strconv.FormatInt(id, 10)
}

// answers reports whether the response is the answer to request id. An
// error with a null id also is: JSON-RPC servers send it when they could
// not read the request's id, and the prober has one request in flight.
func (m *Message) answers(id int64) bool {
	if m.idEquals(id) {
		return true
	}
	raw := bytes.TrimSpace(m.ID)
	return m.Error != nil && (len(raw) == 0 || bytes.Equal(raw, []byte("null")))
}

// rpcError decodes the error member of a response.
func (m *Message) rpcError() (*failure.RPCError, error) {
	var e failure.RPCError
	if err := json.Unmarshal(m.Error, &e); err != nil || bytes.Equal(bytes.TrimSpace(m.Error), []byte("null")) {
		return nil, &failure.Error{Reason: failure.ReasonMalformedJSONRPC, Err: errors.New("error member is not a JSON-RPC error object")}
	}
	return &e, nil
}

// supportedVersions extracts data.supported from an unsupported-version error.
func supportedVersions(e *failure.RPCError) []string {
	var d struct {
		Supported []string `json:"supported"`
	}
	if len(e.Data) == 0 || json.Unmarshal(e.Data, &d) != nil {
		return nil
	}
	return d.Supported
}

// mentionsAuth reports whether an error message is about authorization.
func mentionsAuth(msg string) bool {
	msg = strings.ToLower(msg)
	for _, w := range []string{"auth", "token", "credential", "forbidden", "api key", "apikey"} {
		if strings.Contains(msg, w) {
			return true
		}
	}
	return false
}
