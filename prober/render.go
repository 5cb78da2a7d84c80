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
	"encoding/hex"
	"strconv"

	"github.com/prometheus/client_golang/prometheus"
)

// maxCapabilities bounds the capability series one server can create.
const maxCapabilities = 32

// specifiedCapabilities are the server capabilities the specification
// names; they are reported before any others.
var specifiedCapabilities = []string{"completions", "experimental", "extensions", "logging", "prompts", "resources", "tasks", "tools"}

// The descriptors of a probe's metrics, built once: each probe only makes
// const metrics from its Result.
var (
	descSuccess  = prometheus.NewDesc("probe_success", "Whether the probe succeeded.", nil, nil)
	descDuration = prometheus.NewDesc("probe_duration_seconds", "How long the probe took to complete, in seconds.", nil, nil)
	descTimeout  = prometheus.NewDesc("probe_timeout_seconds", "The time the probe was allowed, in seconds.", nil, nil)

	descLayerSuccess = prometheus.NewDesc("probe_mcp_layer_success",
		"Whether a layer of the probe succeeded (1) or failed or was not reached (0).", []string{"layer"}, nil)
	descLayerSeconds = prometheus.NewDesc("probe_mcp_layer_duration_seconds",
		"Time a layer of the probe took; 0 when not reached.", []string{"layer"}, nil)
	descFailure = prometheus.NewDesc("probe_mcp_failure_info",
		"The first layer that failed and why; present only when the probe failed.", []string{"layer", "reason"}, nil)
	descRPCCode = prometheus.NewDesc("probe_mcp_jsonrpc_error_code",
		"JSON-RPC error code the server returned, when it returned one.", nil, nil)

	descTransport = prometheus.NewDesc("probe_mcp_transport_info",
		"The MCP transport the probe spoke.", []string{"transport"}, nil)
	descHTTPStatus = prometheus.NewDesc("probe_http_status_code",
		"HTTP status code of the last answer to an MCP request; 0 when none came.", nil, nil)
	descResumptions = prometheus.NewDesc("probe_mcp_sse_resumptions",
		"Times the probe resumed a response's SSE stream (GET with Last-Event-ID) after the server closed it early.", nil, nil)
	descWarnings = prometheus.NewDesc("probe_mcp_protocol_warnings",
		"Protocol violations the probe saw that do not fail it (fields the specification requires but a client can do without).", nil, nil)
	descDNS = prometheus.NewDesc("probe_dns_lookup_time_seconds",
		"Time the DNS lookup of the first connection took.", nil, nil)
	descTLSVersion = prometheus.NewDesc("probe_tls_version_info",
		"The TLS version of the first connection.", []string{"version"}, nil)
	descCertExpiry = prometheus.NewDesc("probe_ssl_earliest_cert_expiry",
		"Earliest expiry of the certificates the server presented, in Unix seconds.", nil, nil)

	descProtocolVersion = prometheus.NewDesc("probe_mcp_protocol_version_info",
		"The negotiated MCP protocol revision.", []string{"version"}, nil)
	descServer = prometheus.NewDesc("probe_mcp_server_info",
		"The server's self-description from the handshake (trimmed, length-bounded, credentials masked).", []string{"name", "version"}, nil)
	descCapability = prometheus.NewDesc("probe_mcp_capability",
		"1 for each capability the server advertises.", []string{"capability"}, nil)

	descTools      = prometheus.NewDesc("probe_mcp_tools", "Number of tools the server lists.", nil, nil)
	descSchemaHash = prometheus.NewDesc("probe_mcp_tools_schema_hash",
		"The tools' schema hash (name, inputSchema, outputSchema, annotations): the first 13 hex digits of its SHA-256 as a number, for changes().", nil, nil)
	descDefinitionHash = prometheus.NewDesc("probe_mcp_tools_definition_hash",
		"The tools' definition hash (whole tools except _meta): the first 13 hex digits of its SHA-256 as a number, for changes().", nil, nil)
	descSchemaInfo = prometheus.NewDesc("probe_mcp_tools_schema_info",
		"The tools' schema and definition SHA-256 hashes.", []string{"definition_sha256", "schema_sha256"}, nil)

	descAuthWall = prometheus.NewDesc("probe_mcp_auth_wall_info",
		"How the server refused a request without credentials: its status and whether its WWW-Authenticate challenge names resource_metadata.", []string{"resource_metadata", "status"}, nil)
)

// resultCollector turns a Result into the probe's metrics. It is
// unchecked (it describes nothing): which series a probe has depends on
// how far it got.
type resultCollector struct{ r *Result }

// NewCollector returns a collector of the metrics /probe answers with for
// r, to register in the probe's own registry.
func NewCollector(r *Result) prometheus.Collector { return resultCollector{r} }

func (resultCollector) Describe(chan<- *prometheus.Desc) {}

func (c resultCollector) Collect(ch chan<- prometheus.Metric) {
	r := c.r
	gauge := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
	}
	success := 0.0
	if r.Success {
		success = 1
	}
	gauge(descSuccess, success)
	gauge(descDuration, r.Duration.Seconds())
	gauge(descTimeout, r.Timeout.Seconds())

	// Every layer of the module is reported, 0 when not reached.
	for _, l := range r.Layers {
		passed := 0.0
		if l.Outcome == Passed {
			passed = 1
		}
		gauge(descLayerSuccess, passed, l.Name)
		gauge(descLayerSeconds, l.Duration.Seconds(), l.Name)
	}
	if r.FailedLayer != "" {
		gauge(descFailure, 1, r.FailedLayer, string(r.FailureReason))
	}
	if r.RPCErrorCode != nil {
		gauge(descRPCCode, float64(*r.RPCErrorCode))
	}
	if r.Transport != "" {
		gauge(descTransport, 1, r.Transport)
		gauge(descHTTPStatus, float64(r.HTTPStatus))
		gauge(descResumptions, float64(r.SSEResumptions))
		gauge(descWarnings, float64(r.ProtocolWarnings))
	}
	if conn := r.Connection; conn != nil {
		gauge(descDNS, conn.DNSLookup.Seconds())
		if t := conn.TLS; t != nil {
			gauge(descTLSVersion, 1, t.Version)
			if !t.EarliestCertExpiry.IsZero() {
				gauge(descCertExpiry, float64(t.EarliestCertExpiry.Unix()))
			}
		}
	}
	if s := r.Server; s != nil {
		gauge(descProtocolVersion, 1, s.ProtocolVersion)
		gauge(descServer, 1, s.Name, s.Version)
		for _, name := range s.Capabilities {
			gauge(descCapability, 1, name)
		}
	}
	if t := r.Tools; t != nil {
		gauge(descTools, float64(t.Count))
		if d := t.Digest; d != nil {
			gauge(descSchemaHash, hashNumber(d.Schema))
			gauge(descDefinitionHash, hashNumber(d.Definition))
			gauge(descSchemaInfo, 1, hex.EncodeToString(d.Definition[:]), hex.EncodeToString(d.Schema[:]))
		}
	}
	if w := r.AuthWall; w != nil {
		gauge(descAuthWall, 1, strconv.FormatBool(w.ResourceMetadata), strconv.Itoa(w.Status))
	}
}

// hashNumber is the first 13 hex digits (52 bits) of a hash: an integer a
// float64 holds exactly, so PromQL's changes() sees every change.
func hashNumber(h [32]byte) float64 {
	n, _ := strconv.ParseUint(hex.EncodeToString(h[:])[:13], 16, 64)
	return float64(n)
}
