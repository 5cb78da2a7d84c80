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
// probe_mcp_transport_info).
package protocol

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
