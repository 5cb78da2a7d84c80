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

// Package failure is why a probe failed: the Reason vocabulary that
// becomes the reason label of probe_mcp_failure_info, defined once for the
// wire client, OAuth discovery and the prober, and Error, the classified
// failure each of them produces.
package failure

import (
	"encoding/json"
	"errors"
	"fmt"
)

// Reason is why a probe layer failed, from a fixed vocabulary: it becomes
// the reason label of probe_mcp_failure_info, so it must stay small.
type Reason string

// Reasons of the wire client: the connection, the HTTP answer and the
// JSON-RPC conversation.
const (
	ReasonDNS                Reason = "dns"
	ReasonConnect            Reason = "connect"
	ReasonTLS                Reason = "tls"
	ReasonTimeout            Reason = "timeout"
	ReasonHTTPStatus         Reason = "http_status"
	ReasonNotMCP             Reason = "not_mcp"
	ReasonMalformedJSONRPC   Reason = "malformed_jsonrpc"
	ReasonJSONRPCError       Reason = "jsonrpc_error"
	ReasonProtocolViolation  Reason = "protocol_violation"
	ReasonUnsupportedVersion Reason = "unsupported_protocol_version"
	ReasonSession            Reason = "session"
	ReasonResponseTooLarge   Reason = "response_too_large"
)

// Auth reasons: the server refused the credential (401, or -32001 in an
// answer), refused access (403, insufficient_scope), the token endpoint
// failed, or the exporter could not read its own credential. IsAuthReason
// tells them apart.
const (
	ReasonUnauthorized Reason = "unauthorized"
	ReasonForbidden    Reason = "forbidden"
	ReasonTokenRequest Reason = "token_request"
	ReasonCredentials  Reason = "credentials"
	// ReasonInsufficientScope: a 403 whose Bearer challenge says
	// error="insufficient_scope" (RFC 6750 §3.1): the token is valid but
	// does not carry the scope the server asks for.
	ReasonInsufficientScope Reason = "insufficient_scope"
)

// Reasons of OAuth discovery.
const (
	// ReasonDiscovery: the token endpoint could not be discovered.
	ReasonDiscovery Reason = "discovery"
	// ReasonIssuerNotAllowed: discovery refused to go to an authorization
	// server (issuer or token endpoint) the module does not list in
	// oauth2_issuers. Nothing was sent there.
	ReasonIssuerNotAllowed Reason = "issuer_not_allowed"
)

// Reasons of the stdio transport: the server's process. Its other
// failures have the wire client's reasons: a line on stdout that is not
// JSON is malformed_jsonrpc, a line longer than max_response_bytes (or
// more than 1000 messages before a response) response_too_large, no
// answer within the probe's deadline timeout.
const (
	// ReasonSpawn: the command could not be started (not found, not
	// executable, its directory missing).
	ReasonSpawn Reason = "spawn"
	// ReasonProcessExited: the process exited before it answered.
	ReasonProcessExited Reason = "process_exited"
	// ReasonSIGTERMIgnored: the process did not exit when its stdin was
	// closed nor when sent SIGTERM, and was killed (SIGKILL).
	ReasonSIGTERMIgnored Reason = "sigterm_ignored"
	// ReasonPipesHeld: once the process and its group had ended, a
	// process that left the group still held its stdout or stderr; it was
	// killed.
	ReasonPipesHeld Reason = "pipes_held"
)

// Reasons of the prober: the module's own demands.
const (
	// ReasonNotTLS: the target or the connection is plain HTTP under
	// fail_if_not_tls.
	ReasonNotTLS         Reason = "not_tls"
	ReasonNoTools        Reason = "no_tools"
	ReasonMissingTool    Reason = "missing_tool"
	ReasonSchemaMismatch Reason = "schema_mismatch"
	// ReasonRedirect: a redirect was refused (to another origin with
	// credentials, or more than 10 of them).
	ReasonRedirect Reason = "redirect"
	// ReasonAnonymousAllowed: the server answered without credentials.
	ReasonAnonymousAllowed Reason = "anonymous_allowed"
)

// Reasons of the tool_call layer: the designated tool's call.
const (
	// ReasonToolNotListed: tools/list does not list the tool to call.
	ReasonToolNotListed Reason = "tool_not_listed"
	// ReasonToolNotReadOnly: the tool is not annotated readOnlyHint: true
	// and the module does not allow_not_read_only. Nothing was sent.
	ReasonToolNotReadOnly Reason = "tool_not_read_only"
	// ReasonToolError: the call's result has isError: true.
	ReasonToolError Reason = "tool_error"
	// ReasonContentMismatch: the result's text content does not match a
	// regular expression of fail_if_content_not_matches_regexp.
	ReasonContentMismatch Reason = "content_mismatch"
)

// Reasons of the resources and prompts layers (list_resources,
// list_prompts): the server lists fewer than min_resources or min_prompts.
const (
	ReasonNoResources Reason = "no_resources"
	ReasonNoPrompts   Reason = "no_prompts"
)

// IsAuthReason reports whether r says that a credential failed.
func IsAuthReason(r Reason) bool {
	switch r {
	case ReasonUnauthorized, ReasonForbidden, ReasonInsufficientScope, ReasonTokenRequest, ReasonCredentials:
		return true
	}
	return false
}

// Error is a failed exchange, classified. Its message never holds a
// response body, a tool definition or a credential: only what the exporter
// itself observed (status codes, media types, error codes).
type Error struct {
	Reason Reason
	// Status is the HTTP status of the answer, 0 if none came.
	Status int
	// RPC is the JSON-RPC error the server returned, if any.
	RPC *RPCError
	// Challenge holds the WWW-Authenticate values of a 401 or 403.
	Challenge []string
	Err       error
}

func (e *Error) Error() string {
	switch {
	case e.Err != nil:
		return e.Err.Error()
	case e.RPC != nil:
		return e.RPC.String()
	default:
		return string(e.Reason)
	}
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf is an Error with reason, the HTTP status (0 if none) and a
// message formatted as fmt.Errorf does.
func Errorf(reason Reason, status int, format string, args ...any) *Error {
	return &Error{Reason: reason, Status: status, Err: fmt.Errorf(format, args...)}
}

// ReasonOf returns the reason of err, or "" when err is not classified.
func ReasonOf(err error) Reason {
	var e *Error
	if errors.As(err, &e) {
		return e.Reason
	}
	return ""
}

// RPCError is a JSON-RPC error object returned by the server. Only the code
// is ever reported; the message and data stay inside the exporter.
type RPCError struct {
	Code    int             `json:"code"`
	Message string          `json:"message"`
	Data    json.RawMessage `json:"data,omitempty"`
}

func (e *RPCError) String() string { return fmt.Sprintf("JSON-RPC error %d", e.Code) }
