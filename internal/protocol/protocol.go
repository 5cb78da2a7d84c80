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

// Package protocol names what the exporter speaks: the MCP protocol
// revisions and the transports, each defined once for the configuration
// (which validates them), the wire client (which speaks them) and the
// prober (which reports them in probe_mcp_protocol_version_info and
// probe_mcp_transport_info); and, in the transport table, what each
// transport is (its Kind), the one property of a transport that anything
// outside the wire client asks.
package protocol

import "slices"

// Protocol revisions the exporter speaks, newest first.
const (
	Version20260728 = "2026-07-28"
	Version20251125 = "2025-11-25"
	Version20250618 = "2025-06-18"
	Version20250326 = "2025-03-26"
	Version20241105 = "2024-11-05"

	// VersionAuto is the module configuration's protocol_version that
	// asks the probe to detect the server's era.
	VersionAuto = "auto"
)

// KnownVersions lists every protocol revision the exporter speaks, newest
// first.
var KnownVersions = []string{Version20260728, Version20251125, Version20250618, Version20250326, Version20241105}

// Transports, by the names the module configuration and
// probe_mcp_transport_info give them.
const (
	TransportStreamableHTTP = "streamable_http"
	TransportSSE            = "sse" // HTTP+SSE of 2024-11-05
	// TransportStdio runs the server as a command of the module's and
	// speaks newline-delimited JSON-RPC on its stdin and stdout (every
	// revision defines it the same way).
	TransportStdio = "stdio"

	// TransportAuto is the module configuration's transport that asks the
	// probe to try Streamable HTTP and fall back to HTTP+SSE.
	TransportAuto = "auto"
)

// Kind is what a transport reaches its server through. It is all that the
// configuration, the prober, /probe and check ask of a transport: the
// configuration which keys a module takes, the prober's layer table which
// layer opens the conversation and whether the close layer always runs,
// /probe and check whether a target is taken, the rendering which facts
// are reported.
type Kind int

const (
	// KindHTTP: the server is at the URL of the probe's target. The
	// connect layer opens the conversation, the module's HTTP keys apply
	// (http_config, allowed_targets, OAuth2) and the facts of HTTP are
	// reported (the status code, the connection's trace). The zero Kind,
	// which is also what a name outside the table is taken for until the
	// configuration refuses it.
	KindHTTP Kind = iota
	// KindProcess: the server is the module's command, run by the probe.
	// The start layer opens the conversation in place of connect, the
	// close layer always runs (a process never outlives its probe), and a
	// target is refused, so that no scraper chooses what runs.
	KindProcess
)

// TakesTarget reports whether a probe of a transport of kind k takes the
// target parameter (the server's URL); without one the module names its
// server, and a target given is refused.
func (k Kind) TakesTarget() bool { return k == KindHTTP }

// transportTable declares every transport a module may name, in the
// order the configuration lists them, with its kind. Adding a transport
// is a row here, a file of the wire client and its entry in the wire
// client's table (prober/mcpwire/transport.go).
var transportTable = []struct {
	name string
	kind Kind
}{
	{TransportAuto, KindHTTP},
	{TransportStreamableHTTP, KindHTTP},
	{TransportSSE, KindHTTP},
	{TransportStdio, KindProcess},
}

// TransportKind returns the kind of the transport called name, and
// whether the table has it.
func TransportKind(name string) (Kind, bool) {
	for _, t := range transportTable {
		if t.name == name {
			return t.kind, true
		}
	}
	return KindHTTP, false
}

// Transports lists the names of the transports of the given kinds (every
// transport when none is given), in the table's order.
func Transports(kinds ...Kind) []string {
	var names []string
	for _, t := range transportTable {
		if len(kinds) == 0 || slices.Contains(kinds, t.kind) {
			names = append(names, t.name)
		}
	}
	return names
}
