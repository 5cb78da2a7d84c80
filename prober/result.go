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

package prober

import (
	"slices"
	"time"

	"github.com/mcp-exporter/mcp_exporter/internal/canonical"
	"github.com/mcp-exporter/mcp_exporter/internal/credentials"
	"github.com/mcp-exporter/mcp_exporter/internal/failure"
)

// Outcome is what became of one layer of a probe.
type Outcome int

const (
	// NotReached: the layer did not run.
	NotReached Outcome = iota
	// Passed: the layer ran and succeeded.
	Passed
	// Failed: the layer ran and failed. A failure with a Reason failed the
	// probe; one without (a session that would not close, or a layer whose
	// failure was the credential's and is reported on the auth layer) did
	// not, by itself.
	Failed
)

func (o Outcome) String() string {
	switch o {
	case Passed:
		return "passed"
	case Failed:
		return "failed"
	}
	return "not reached"
}

// LayerResult is one layer's outcome.
type LayerResult struct {
	Name     string
	Outcome  Outcome
	Duration time.Duration
	Reason   failure.Reason // why it failed the probe; "" otherwise
	Err      error          // for the probe's log only: it may quote the server
}

// Result is what one probe found: the outcome of each of the module's
// layers, in the order they run, and the facts the layers learnt. Strings
// that come from the server (server info, capabilities, protocol version)
// are stored with the probe's credentials masked and sanitized for use as
// label values, so that whatever prints a Result prints them safely.
type Result struct {
	// Layers are the module's layers (see layerTable), in order.
	Layers []LayerResult
	// FailedLayer and FailureReason name the probe's first failure, and
	// FailureCause says in fixed words what the connection ran into
	// (failure.Describe: "connection refused", a TLS check, a DNS miss),
	// "" when its error is not of that kind. No server text is in it.
	FailedLayer   string
	FailureReason failure.Reason
	FailureCause  string
	// RPCErrorCode is the JSON-RPC error code of the first failure that
	// carried one.
	RPCErrorCode *int

	Success  bool
	Duration time.Duration
	// TraceID is the W3C trace every request of the probe carried; for
	// logs and debug output, never a label.
	TraceID TraceID
	// TraceSampled: the probe's trace was sampled (tracing on), so that
	// its observations carry it as an exemplar.
	TraceSampled bool
	// Requests are the probe's MCP requests and notifications, in order
	// (the first maxRequests).
	Requests []RequestResult
	// requests holds Requests: no allocation per request, and a Result
	// kept in the history holds nothing of the probe.
	requests [maxRequests]RequestResult
	// Timeout is the time the probe was allowed; set by its caller.
	Timeout time.Duration

	// Transport is the MCP transport over which the server answered the
	// probe (an HTTP response other than 404 and 405, or a message), and
	// HTTPStatus the status of the last answer to an MCP request (0 when
	// none came). Transport is "" when the server never answered over the
	// transport in use (a refused connection, a TLS failure, a path that
	// answers 404 to everything, a fallback transport that got no answer):
	// what the probe only tried is not reported as spoken.
	Transport  string
	HTTPStatus int
	// OverHTTP: the probe spoke HTTP (every transport but stdio), so that
	// HTTPStatus is reported whether or not an answer came, as
	// blackbox_exporter reports probe_http_status_code 0.
	OverHTTP bool
	// SSEResumptions counts the response streams the probe resumed (GET
	// with Last-Event-ID) after the server closed them early, and
	// ProtocolWarnings the breaches of the specification that do not fail
	// the probe. Both are reported with Transport.
	SSEResumptions   int
	ProtocolWarnings int

	// Connection is what was seen of the first connection; nil when none
	// was made.
	Connection *ConnectionResult
	// Server is what the handshake returned; nil unless it passed.
	Server *ServerResult
	// Tools is what tools/list returned; nil unless it was listed (or not
	// owed).
	Tools *ToolsResult
	// AuthWall is how the server refused a request without credentials;
	// nil unless the auth wall held.
	AuthWall *AuthWallResult

	// Resources and Prompts are what resources/list and prompts/list
	// returned (list_resources, list_prompts); nil unless listed (or not
	// owed).
	Resources, Prompts *ListResult

	// Credentials are the probe's credentials whose expiry is known (see
	// facts.go), and OAuth2 its token's facts; nil without OAuth2.
	Credentials []CredentialExpiry
	OAuth2      *OAuth2Result
}

// ConnectionResult describes the probe's first connection.
type ConnectionResult struct {
	DNSLookup time.Duration
	// TLS is nil for a plain HTTP connection.
	TLS *TLSResult
}

// TLSResult describes the first connection's TLS.
type TLSResult struct {
	Version string // as tls.VersionName says it
	// EarliestCertExpiry is the earliest NotAfter of the certificates the
	// server presented; zero when it presented none.
	EarliestCertExpiry time.Time
}

// ServerResult is the handshake's outcome, label-safe.
type ServerResult struct {
	ProtocolVersion string
	Name, Version   string
	// Capabilities are at most maxCapabilities, the specified ones first.
	Capabilities []string
}

// ToolsResult is the tools/list outcome.
type ToolsResult struct {
	Count int
	// Digest is nil when tools/list was not owed (no tools capability).
	Digest *canonical.ToolsDigest
	// ListBytes is the size of the tools/list results, every page.
	ListBytes int
	// Missing are the module's required_tools that the list lacks, in
	// the configuration's order: the operator's own names, never the
	// server's. Rendering shows none of them (check does).
	Missing []string
}

// AuthWallResult is the auth wall's refusal of an anonymous request.
type AuthWallResult struct {
	Status           int  // 401 or 403
	ResourceMetadata bool // the challenge names resource_metadata
}

// layer returns the named layer's entry, adding it when the module lacks
// it (a failure attributed to a layer the module did not declare).
func (r *Result) layer(name string) *LayerResult {
	for i := range r.Layers {
		if r.Layers[i].Name == name {
			return &r.Layers[i]
		}
	}
	// In the table's order, like the module's own layers.
	i := len(r.Layers)
	if at := layerIndex(name); at >= 0 {
		for i > 0 && layerIndex(r.Layers[i-1].Name) > at {
			i--
		}
	}
	r.Layers = slices.Insert(r.Layers, i, LayerResult{Name: name})
	return &r.Layers[i]
}

// layerIndex is the layer's place in layerTable, -1 when it has none.
func layerIndex(name string) int {
	if i, ok := layerPlace[name]; ok {
		return i
	}
	return -1
}

// layerPlace indexes layerTable by name. It is filled by init: the steps
// in the table record into a Result, so the table cannot be read from a
// variable's initializer.
var layerPlace = map[string]int{}

func init() {
	for i, l := range layerTable {
		layerPlace[l.name] = i
	}
}

// CredentialExpiry is when one of the probe's credentials expires
// (credentials.Facts).
type CredentialExpiry = credentials.Expiry

// OAuth2Result is what a probe knows of its OAuth2 token and of the token
// source's last fetch; never the token itself.
type OAuth2Result = credentials.TokenFacts

// maxRequests bounds Result.Requests: a healthy probe sends about five
// requests, a paginated list a few more.
const maxRequests = 16

// RequestResult is one MCP request of a probe (a notification too): its
// method, how long until its answer, and its error.type ("" when it
// succeeded: the JSON-RPC error code or the exporter's reason otherwise).
type RequestResult struct {
	Method    string
	Duration  time.Duration
	ErrorType string
}
