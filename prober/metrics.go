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
	"crypto/tls"
	"encoding/hex"
	"errors"
	"log/slog"
	"slices"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/mcp-exporter/mcp_exporter/config"
	"github.com/mcp-exporter/mcp_exporter/internal/canonical"
	"github.com/mcp-exporter/mcp_exporter/prober/mcpwire"
)

// maxCapabilities bounds the capability series one server can create.
const maxCapabilities = 32

// specifiedCapabilities are the server capabilities the specification
// names; they are reported before any others.
var specifiedCapabilities = []string{"completions", "experimental", "extensions", "logging", "prompts", "resources", "tasks", "tools"}

// run is one probe's outcome as metrics, registered in the probe's own
// registry as the layers report.
type run struct {
	module   config.Module
	registry *prometheus.Registry
	logger   *slog.Logger

	layerSuccess *prometheus.GaugeVec
	layerSeconds *prometheus.GaugeVec
	failureInfo  *prometheus.GaugeVec
	secrets      *probeSecrets // masked in the server's strings
	credentialed bool
	authFailed   bool
	failed       bool
	rpcCode      *int
}

func newRun(module config.Module, registry *prometheus.Registry, logger *slog.Logger) *run {
	r := &run{
		module:   module,
		registry: registry,
		logger:   logger,
		layerSuccess: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "probe_mcp_layer_success",
			Help: "Whether a layer of the probe succeeded (1) or failed or was not reached (0).",
		}, []string{"layer"}),
		layerSeconds: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "probe_mcp_layer_duration_seconds",
			Help: "Time a layer of the probe took; 0 when not reached.",
		}, []string{"layer"}),
		failureInfo: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "probe_mcp_failure_info",
			Help: "The first layer that failed and why; present only when the probe failed.",
		}, []string{"layer", "reason"}),
	}
	registry.MustRegister(r.layerSuccess, r.layerSeconds, r.failureInfo)
	r.credentialed = len(module.Credentials()) > 0
	var layers []string
	if module.FailIfAnonymousAllowed {
		layers = append(layers, LayerAuthWall)
	}
	if module.OAuth2Discovery {
		layers = append(layers, LayerDiscovery)
	}
	if r.credentialed {
		layers = append(layers, LayerAuth)
	}
	layers = append(layers, LayerConnect, LayerHandshake, LayerTools)
	if module.CloseSession {
		layers = append(layers, LayerClose)
	}
	for _, l := range layers {
		r.layerSuccess.WithLabelValues(l)
		r.layerSeconds.WithLabelValues(l)
	}
	return r
}

// report adds what is known only at the end.
func (r *run) report() {
	if r.rpcCode != nil {
		r.gauge("probe_mcp_jsonrpc_error_code", "JSON-RPC error code the server returned, when it returned one.", float64(*r.rpcCode))
	}
}

func (r *run) gauge(name, help string, v float64) {
	g := prometheus.NewGauge(prometheus.GaugeOpts{Name: name, Help: help})
	g.Set(v)
	r.registry.MustRegister(g)
}

func (r *run) info(name, help string, labels prometheus.Labels) {
	g := prometheus.NewGauge(prometheus.GaugeOpts{Name: name, Help: help, ConstLabels: labels})
	g.Set(1)
	r.registry.MustRegister(g)
}

func (r *run) pass(layer string, d time.Duration) {
	r.layerSuccess.WithLabelValues(layer).Set(1)
	r.layerSeconds.WithLabelValues(layer).Set(d.Seconds())
}

func (r *run) layerDuration(layer string, d time.Duration) {
	r.layerSeconds.WithLabelValues(layer).Set(max(d, 0).Seconds())
}

// fail records a failed layer. Only the first failure of a probe becomes
// probe_mcp_failure_info; the error itself goes only to the probe's log.
func (r *run) fail(layer string, reason mcpwire.Reason, err error) {
	if reason == "" {
		reason = mcpwire.ReasonProtocolViolation
	}
	switch {
	case errors.Is(err, errPlainRedirect):
		reason = ReasonNotTLS
	case errors.Is(err, errCrossOriginRedirect), errors.Is(err, errTooManyRedirects), errors.Is(err, errSchemeRedirect):
		reason = ReasonRedirect
	}
	if r.credentialed && mcpwire.IsAuthReason(reason) {
		// Wherever the server refused the credential, it is the auth
		// layer that failed: alerts on auth reasons look there.
		layer = LayerAuth
		r.authFailed = true
	}
	var e *mcpwire.Error
	if errors.As(err, &e) && e.RPC != nil && r.rpcCode == nil {
		code := e.RPC.Code
		r.rpcCode = &code
	}
	r.layerSuccess.WithLabelValues(layer).Set(0)
	r.logger.Error("layer failed", "layer", layer, "reason", string(reason), "err", err)
	if r.failed {
		return
	}
	r.failed = true
	r.failureInfo.WithLabelValues(layer, string(reason)).Set(1)
}

func (r *run) logExchange(x mcpwire.Exchange) {
	args := []any{"op", x.Op, "status", x.Status, "content_type", x.ContentType, "duration_seconds", x.Duration.Seconds()}
	if x.Err != nil {
		args = append(args, "reason", string(mcpwire.ReasonOf(x.Err)), "err", x.Err)
	}
	r.logger.Debug("exchange", args...)
}

func (r *run) transport(t string) {
	r.info("probe_mcp_transport_info", "The MCP transport the probe spoke.", prometheus.Labels{"transport": t})
}

func (r *run) httpStatus(code int) {
	r.gauge("probe_http_status_code", "HTTP status code of the last answer to an MCP request; 0 when none came.", float64(code))
}

func (r *run) dnsLookup(d time.Duration) {
	r.gauge("probe_dns_lookup_time_seconds", "Time the DNS lookup of the first connection took.", d.Seconds())
}

func (r *run) tlsState(cs *tls.ConnectionState) {
	r.info("probe_tls_version_info", "The TLS version of the first connection.", prometheus.Labels{"version": tls.VersionName(cs.Version)})
	if len(cs.PeerCertificates) == 0 {
		return
	}
	earliest := cs.PeerCertificates[0].NotAfter
	for _, cert := range cs.PeerCertificates[1:] {
		if cert.NotAfter.Before(earliest) {
			earliest = cert.NotAfter
		}
	}
	r.gauge("probe_ssl_earliest_cert_expiry", "Earliest expiry of the certificates the server presented, in Unix seconds.", float64(earliest.Unix()))
}

// label makes a server-chosen string a label value: the probe's
// credentials masked first, so that cutting it to max runes cannot leave
// part of one, then sanitized and cut.
func (r *run) label(s string, max int) string {
	return mcpwire.Sanitize(r.secrets.Redact(s), max)
}

func (r *run) handshakeInfo(hs *mcpwire.Handshake) {
	r.info("probe_mcp_protocol_version_info", "The negotiated MCP protocol revision.",
		prometheus.Labels{"version": r.label(hs.Version, 32)})
	r.info("probe_mcp_server_info", "The server's self-description from the handshake (trimmed, length-bounded, credentials masked).",
		prometheus.Labels{"name": r.label(hs.Server.Name, labelMax), "version": r.label(hs.Server.Version, labelMax)})
	capability := prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "probe_mcp_capability",
		Help: "1 for each capability the server advertises.",
	}, []string{"capability"})
	n := 0
	add := func(name string) {
		if label := r.label(name, 64); label != "" && n < maxCapabilities {
			capability.WithLabelValues(label).Set(1)
			n++
		}
	}
	for _, name := range hs.Capabilities {
		if slices.Contains(specifiedCapabilities, name) {
			add(name)
		}
	}
	for _, name := range hs.Capabilities {
		if !slices.Contains(specifiedCapabilities, name) {
			add(name)
		}
	}
	r.registry.MustRegister(capability)
}

func (r *run) toolCount(n int) {
	r.gauge("probe_mcp_tools", "Number of tools the server lists.", float64(n))
}

func (r *run) toolDigest(d canonical.ToolsDigest) {
	r.toolCount(d.Count)
	r.gauge("probe_mcp_tools_schema_hash", "The tools' schema hash (name, inputSchema, outputSchema, annotations): the first 13 hex digits of its SHA-256 as a number, for changes().", hashNumber(d.Schema))
	r.gauge("probe_mcp_tools_definition_hash", "The tools' definition hash (whole tools except _meta): the first 13 hex digits of its SHA-256 as a number, for changes().", hashNumber(d.Definition))
	r.info("probe_mcp_tools_schema_info", "The tools' schema and definition SHA-256 hashes.", prometheus.Labels{
		"schema_sha256":     hex.EncodeToString(d.Schema[:]),
		"definition_sha256": hex.EncodeToString(d.Definition[:]),
	})
}

// hashNumber is the first 13 hex digits (52 bits) of a hash: an integer a
// float64 holds exactly, so PromQL's changes() sees every change.
func hashNumber(h [32]byte) float64 {
	n, _ := strconv.ParseUint(hex.EncodeToString(h[:])[:13], 16, 64)
	return float64(n)
}
