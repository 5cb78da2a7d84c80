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
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/model"
)

// maxCapabilities bounds the capability series one server can create.
const maxCapabilities = 32

// specifiedCapabilities are the server capabilities the specification
// names; they are reported before any others.
var specifiedCapabilities = []string{"completions", "experimental", "extensions", "logging", "prompts", "resources", "tasks", "tools"}

// The descriptors of a probe's metrics, built once: each probe only makes
// samples of them from its Result.
var (
	gaugeSuccess  = newGaugeDesc("probe_success", "Whether the probe succeeded.")
	gaugeDuration = newGaugeDesc("probe_duration_seconds", "How long the probe took to complete, in seconds.")
	gaugeTimeout  = newGaugeDesc("probe_timeout_seconds", "The time the probe was allowed, in seconds.")

	gaugeLayerSuccess = newGaugeDesc("probe_mcp_layer_success",
		"Whether a layer of the probe succeeded (1) or failed or was not reached (0).", "layer")
	gaugeLayerSeconds = newGaugeDesc("probe_mcp_layer_duration_seconds",
		"Time a layer of the probe took; 0 when not reached.", "layer")
	gaugeFailure = newGaugeDesc("probe_mcp_failure_info",
		"The first layer that failed and why; present only when the probe failed.", "layer", "reason")
	gaugeRPCCode = newGaugeDesc("probe_mcp_jsonrpc_error_code",
		"JSON-RPC error code the server returned, when it returned one.")

	gaugeTransport = newGaugeDesc("probe_mcp_transport_info",
		"The MCP transport over which the server answered the probe; absent when it never answered.", "transport")
	gaugeHTTPStatus = newGaugeDesc("probe_http_status_code",
		"HTTP status code of the last answer to an MCP request; 0 when none came.")
	gaugeResumptions = newGaugeDesc("probe_mcp_sse_resumptions",
		"Times the probe resumed a response's SSE stream (GET with Last-Event-ID) after the server closed it early.")
	gaugeWarnings = newGaugeDesc("probe_mcp_protocol_warnings",
		"Protocol violations the probe saw that do not fail it (fields the specification requires but a client can do without).")
	gaugeDNS = newGaugeDesc("probe_dns_lookup_time_seconds",
		"Time the DNS lookup of the first connection took.")
	gaugeTLSVersion = newGaugeDesc("probe_tls_version_info",
		"The TLS version of the first connection.", "version")
	gaugeCertExpiry = newGaugeDesc("probe_ssl_earliest_cert_expiry",
		"Earliest expiry of the certificates the server presented, in Unix seconds.")

	gaugeProtocolVersion = newGaugeDesc("probe_mcp_protocol_version_info",
		"The negotiated MCP protocol revision.", "version")
	gaugeServer = newGaugeDesc("probe_mcp_server_info",
		"The server's self-description from the handshake (trimmed, length-bounded, credentials masked).", "name", "version")
	gaugeCapability = newGaugeDesc("probe_mcp_capability",
		"1 for each capability the server advertises.", "capability")

	gaugeTools      = newGaugeDesc("probe_mcp_tools", "Number of tools the server lists.")
	gaugeSchemaHash = newGaugeDesc("probe_mcp_tools_schema_hash",
		"The tools' schema hash (name, inputSchema, outputSchema, annotations): the first 13 hex digits of its SHA-256 as a number, for changes().")
	gaugeDefinitionHash = newGaugeDesc("probe_mcp_tools_definition_hash",
		"The tools' definition hash (whole tools except _meta): the first 13 hex digits of its SHA-256 as a number, for changes().")
	gaugeSchemaInfo = newGaugeDesc("probe_mcp_tools_schema_info",
		"The tools' schema and definition SHA-256 hashes.", "definition_sha256", "schema_sha256")

	// The opt-in lists: resources and prompts.
	gaugeResources               = newGaugeDesc("probe_mcp_resources", "Number of resources the server lists (list_resources).")
	gaugeResourcesDefinitionHash = newGaugeDesc("probe_mcp_resources_definition_hash",
		"The resources' definition hash (whole resources except _meta, by uri): the first 13 hex digits of its SHA-256 as a number, for changes().")
	gaugeResourcesDefinitionInfo = newGaugeDesc("probe_mcp_resources_definition_info",
		"The resources' definition SHA-256 hash.", "definition_sha256")
	gaugePrompts               = newGaugeDesc("probe_mcp_prompts", "Number of prompts the server lists (list_prompts).")
	gaugePromptsDefinitionHash = newGaugeDesc("probe_mcp_prompts_definition_hash",
		"The prompts' definition hash (whole prompts except _meta, by name): the first 13 hex digits of its SHA-256 as a number, for changes().")
	gaugePromptsDefinitionInfo = newGaugeDesc("probe_mcp_prompts_definition_info",
		"The prompts' definition SHA-256 hash.", "definition_sha256")

	gaugeAuthWall = newGaugeDesc("probe_mcp_auth_wall_info",
		"How the server refused a request without credentials: its status and whether its WWW-Authenticate challenge names resource_metadata.", "resource_metadata", "status")
)

// The tool surface's risk and the credentials' expiry (always on, sent
// nothing extra for): see factSamples.
var (
	gaugeToolsByHint = newGaugeDesc("probe_mcp_tools_by_hint",
		"Tools the server lists by effective annotation, with the specification's defaults for what a tool does not state (not read-only, destructive, not idempotent, open-world); destructive and idempotent count only tools that are not read-only.", "hint")
	gaugeToolsListBytes = newGaugeDesc("probe_mcp_tools_list_bytes",
		"Size in bytes of the tools/list results, every page, as decoded: what a client takes into its context for this server.")
	gaugeCredentialExpiry = newGaugeDesc("probe_mcp_credential_expiry_timestamp_seconds",
		"When a credential of the probe expires, in Unix seconds: the OAuth2 access token in use (expires_in, or its JWT exp), a static bearer token's JWT exp, the TLS client certificate's NotAfter.", "kind")
	gaugeOAuth2Age = newGaugeDesc("probe_mcp_oauth2_token_age_seconds",
		"Time since the OAuth2 access token the probe used was issued by the token endpoint.")
	gaugeOAuth2Fetched = newGaugeDesc("probe_mcp_oauth2_token_fetched",
		"1 if the probe waited for a token request to get its OAuth2 access token, 0 if it used a cached token.")
	gaugeOAuth2FetchSeconds = newGaugeDesc("probe_mcp_oauth2_token_fetch_duration_seconds",
		"How long the last token request of the module's OAuth2 token source took.")
	gaugeOAuth2FetchSuccess = newGaugeDesc("probe_mcp_oauth2_token_fetch_success",
		"Whether the last token request of the module's OAuth2 token source got a token.")
)

// Values of probe_mcp_tools_by_hint's hint label.
const (
	hintReadOnly    = "read_only"
	hintDestructive = "destructive"
	hintIdempotent  = "idempotent"
	hintOpenWorld   = "open_world"
)

// factSamples adds the samples of the tool surface's risk and of the
// credentials' expiry.
func factSamples(s *samples, r *Result) {
	if t := r.Tools; t != nil && t.Digest != nil {
		h := t.Digest.Hints
		s.add(gaugeToolsByHint, float64(h.ReadOnly), hintReadOnly)
		s.add(gaugeToolsByHint, float64(h.Destructive), hintDestructive)
		s.add(gaugeToolsByHint, float64(h.Idempotent), hintIdempotent)
		s.add(gaugeToolsByHint, float64(h.OpenWorld), hintOpenWorld)
		s.add(gaugeToolsListBytes, float64(t.ListBytes))
	}
	for _, c := range r.Credentials {
		s.add(gaugeCredentialExpiry, float64(c.Expiry.Unix()), c.Kind)
	}
	if o := r.OAuth2; o != nil {
		if o.HasToken {
			s.add(gaugeOAuth2Age, o.Age.Seconds())
			s.add(gaugeOAuth2Fetched, gaugeBool(o.Fetched))
		}
		if o.LastFetch {
			s.add(gaugeOAuth2FetchSeconds, o.FetchDuration.Seconds())
			s.add(gaugeOAuth2FetchSuccess, gaugeBool(o.FetchSuccess))
		}
	}
}

// samples makes the Result's samples and hands each to emit, in the
// order the code below names them.
func (r *Result) samples(emit func(*sample)) {
	s := newSamples(r, emit)
	s.add(gaugeSuccess, gaugeBool(r.Success))
	s.add(gaugeDuration, r.Duration.Seconds())
	s.add(gaugeTimeout, r.Timeout.Seconds())

	// Every layer of the module is reported, 0 when not reached.
	for _, l := range r.Layers {
		s.add(gaugeLayerSuccess, gaugeBool(l.Outcome == Passed), l.Name)
		s.add(gaugeLayerSeconds, l.Duration.Seconds(), l.Name)
	}
	if r.FailedLayer != "" {
		s.add(gaugeFailure, 1, r.FailedLayer, string(r.FailureReason))
	}
	if r.RPCErrorCode != nil {
		s.add(gaugeRPCCode, float64(*r.RPCErrorCode))
	}
	if r.OverHTTP {
		// A fact of HTTP, 0 when no answer came: a stdio server has none.
		s.add(gaugeHTTPStatus, float64(r.HTTPStatus))
	}
	if r.Transport != "" {
		s.add(gaugeTransport, 1, r.Transport)
		if r.OverHTTP {
			s.add(gaugeResumptions, float64(r.SSEResumptions))
		}
		s.add(gaugeWarnings, float64(r.ProtocolWarnings))
	}
	if conn := r.Connection; conn != nil {
		s.add(gaugeDNS, conn.DNSLookup.Seconds())
		if t := conn.TLS; t != nil {
			s.add(gaugeTLSVersion, 1, t.Version)
			if !t.EarliestCertExpiry.IsZero() {
				s.add(gaugeCertExpiry, float64(t.EarliestCertExpiry.Unix()))
			}
		}
	}
	if sv := r.Server; sv != nil {
		s.add(gaugeProtocolVersion, 1, sv.ProtocolVersion)
		s.add(gaugeServer, 1, sv.Name, sv.Version)
		for _, name := range sv.Capabilities {
			s.add(gaugeCapability, 1, name)
		}
	}
	if t := r.Tools; t != nil {
		s.add(gaugeTools, float64(t.Count))
		if d := t.Digest; d != nil {
			s.add(gaugeSchemaHash, hashNumber(d.Schema))
			s.add(gaugeDefinitionHash, hashNumber(d.Definition))
			// Both hex forms in one string.
			var buf [4 * sha256.Size]byte
			both := string(hex.AppendEncode(hex.AppendEncode(buf[:0], d.Definition[:]), d.Schema[:]))
			s.add(gaugeSchemaInfo, 1, both[:2*sha256.Size], both[2*sha256.Size:])
		}
	}
	if w := r.AuthWall; w != nil {
		s.add(gaugeAuthWall, 1, strconv.FormatBool(w.ResourceMetadata), strconv.Itoa(w.Status))
	}
	// The opt-in lists: resources and prompts.
	s.addList(r.Resources, gaugeResources, gaugeResourcesDefinitionHash, gaugeResourcesDefinitionInfo)
	s.addList(r.Prompts, gaugePrompts, gaugePromptsDefinitionHash, gaugePromptsDefinitionInfo)
	factSamples(&s, r)
}

// gaugeBool is a yes-or-no gauge's value: 1 for true, 0 for false.
func gaugeBool(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// addList adds a list's count and, when it was listed, its definition
// hash as a number and in hex.
func (s *samples) addList(l *ListResult, count, hash, info *gaugeDesc) {
	if l == nil {
		return
	}
	s.add(count, float64(l.Count))
	if d := l.Digest; d != nil {
		s.add(hash, hashNumber(d.Definition))
		s.add(info, 1, hex.EncodeToString(d.Definition[:]))
	}
}

// gaugeDesc is a descriptor and its label names, in the order the
// values are given: sorted, as the exposition orders them.
type gaugeDesc struct {
	desc       *prometheus.Desc
	name, help string
	labels     []string
	// header is the family's HELP and TYPE lines in the text format [0]
	// and in OpenMetrics [1], made once (see appendText).
	header [2]string
}

// gaugeDescs are every descriptor newGaugeDesc made: the metrics /probe
// can answer with.
var gaugeDescs []*gaugeDesc

// MetricDoc describes a metric for the documentation.
type MetricDoc struct {
	Name, Type, Help string
	Labels           []string
}

// ProbeMetrics lists every metric a /probe answer can carry, sorted by
// name: the README's metric list is generated from it.
func ProbeMetrics() []MetricDoc {
	docs := make([]MetricDoc, 0, len(gaugeDescs))
	for _, g := range gaugeDescs {
		docs = append(docs, MetricDoc{Name: g.name, Type: "gauge", Help: g.help, Labels: slices.Clone(g.labels)})
	}
	slices.SortFunc(docs, func(a, b MetricDoc) int { return strings.Compare(a.Name, b.Name) })
	return docs
}

func newGaugeDesc(name, help string, labels ...string) *gaugeDesc {
	// Legacy names only: /probe writes them without escaping (see
	// answerFormat).
	if !model.LegacyValidation.IsValidMetricName(name) || !slices.IsSorted(labels) || len(labels) > maxSampleLabels {
		panic("prober: metric " + name + " is no legacy name, or its labels are not sorted or too many")
	}
	for _, l := range labels {
		if !model.LegacyValidation.IsValidLabelName(l) {
			panic("prober: label " + l + " of " + name + " is no legacy name")
		}
	}
	g := gaugeDescOf(name, help, labels)
	gaugeDescs = append(gaugeDescs, g)
	return g
}

// gaugeDescOf makes the descriptor of a gauge family, its HELP and TYPE
// lines written once.
func gaugeDescOf(name, help string, labels []string) *gaugeDesc {
	return &gaugeDesc{desc: prometheus.NewDesc(name, help, labels, nil), name: name, help: help, labels: labels,
		header: [2]string{familyHeader(name, help, false), familyHeader(name, help, true)}}
}

// maxSampleLabels is the most labels a probe metric has.
const maxSampleLabels = 2

// sample is one gauge sample of a probe: its descriptor, value and label
// values, made in chunks (see samples) and never changed once made. It is
// a prometheus.Metric too, for tests that gather a Result through a
// registry; the exposition is written from samples directly.
type sample struct {
	gd     *gaugeDesc
	value  float64
	values [maxSampleLabels]string
	n      int
}

func (s *sample) Desc() *prometheus.Desc { return s.gd.desc }

func (s *sample) Write(m *dto.Metric) error {
	s.writeMetric(m, make([]dto.LabelPair, s.n), make([]*dto.LabelPair, s.n))
	return nil
}

// writeMetric fills m with s, its label pairs in pairs and ptrs (s.n
// each); no label pairs leave m.Label nil, as a registry's are.
func (s *sample) writeMetric(m *dto.Metric, pairs []dto.LabelPair, ptrs []*dto.LabelPair) {
	m.Gauge = &dto.Gauge{Value: &s.value}
	for i := range s.n {
		pairs[i].Name, pairs[i].Value = &s.gd.labels[i], &s.values[i]
		ptrs[i] = &pairs[i]
	}
	if s.n > 0 {
		m.Label = ptrs[:s.n:s.n]
	}
}

// samples makes a probe's samples, in chunks, and hands each on.
type samples struct {
	chunk []sample
	emit  func(*sample)
}

func newSamples(r *Result, emit func(*sample)) samples {
	// Room for the series of a healthy probe; more come in another chunk.
	n := 21 + 2*len(r.Layers)
	if r.Server != nil {
		n += len(r.Server.Capabilities)
	}
	if r.Resources != nil {
		n += 3
	}
	if r.Prompts != nil {
		n += 3
	}
	return samples{chunk: make([]sample, 0, n), emit: emit}
}

func (s *samples) add(d *gaugeDesc, v float64, values ...string) {
	if len(values) != len(d.labels) {
		panic("prober: " + d.desc.String() + ": wrong number of label values")
	}
	if len(s.chunk) == cap(s.chunk) {
		s.chunk = make([]sample, 0, 8)
	}
	s.chunk = s.chunk[:len(s.chunk)+1]
	m := &s.chunk[len(s.chunk)-1]
	m.gd, m.value, m.n = d, v, len(values)
	copy(m.values[:], values)
	s.emit(m)
}

// hashNumber is the first 13 hex digits (52 bits) of a hash: an integer a
// float64 holds exactly, so PromQL's changes() sees every change.
func hashNumber(h [32]byte) float64 {
	return float64(binary.BigEndian.Uint64(h[:8]) >> (64 - 52))
}

var gaugeType = dto.MetricType_GAUGE

// exposition is a probe's samples in the order the exposition has them:
// families sorted by name, each family's samples by label values.
type exposition []*sample

// sortedSamples returns r's samples in exposition order. As a registry's
// Gather does, it refuses a Result that would give the same series twice.
func sortedSamples(r *Result) (exposition, error) {
	list := make(exposition, 0, 48)
	r.samples(func(m *sample) { list = append(list, m) })
	slices.SortStableFunc(list, compareSamples)
	for i, m := range list {
		if i > 0 && m.gd == list[i-1].gd && compareSamples(m, list[i-1]) == 0 {
			return nil, fmt.Errorf("the series %s with labels %v was made twice", m.gd.name, m.values[:m.n])
		}
	}
	return list, nil
}

// families returns the exposition as metric families: exactly what a
// registry's Gather returns for the same samples as a collector (the
// tests' NewCollector; TestFamiliesAreGather holds it to that), built
// directly. The text formats are written without them (see appendText);
// families serve the protobuf formats.
func (list exposition) families() []*dto.MetricFamily {
	families, labels := 0, 0
	for i, m := range list {
		if i == 0 || m.gd != list[i-1].gd {
			families++
		}
		labels += m.n
	}
	// One slab each for the families, the metrics, the label pairs and
	// their pointers.
	fams := make([]dto.MetricFamily, families)
	metrics := make([]dto.Metric, len(list))
	ptrs := make([]*dto.Metric, len(list))
	pairs := make([]dto.LabelPair, labels)
	pairPtrs := make([]*dto.LabelPair, labels)
	out := make([]*dto.MetricFamily, 0, families)
	f, first := -1, 0
	for i, m := range list {
		if i == 0 || m.gd != list[i-1].gd {
			f, first = f+1, i
			fams[f].Name, fams[f].Help, fams[f].Type = &m.gd.name, &m.gd.help, &gaugeType
			out = append(out, &fams[f])
		}
		m.writeMetric(&metrics[i], pairs[:m.n], pairPtrs[:m.n])
		pairs, pairPtrs = pairs[m.n:], pairPtrs[m.n:]
		ptrs[i] = &metrics[i]
		fams[f].Metric = ptrs[first : i+1 : i+1]
	}
	return out
}

// appendText appends the exposition in Prometheus's text format, or in
// OpenMetrics (without its "# EOF" line), byte for byte what expfmt writes
// for Families (TestWriteMetricsAsExpfmt holds it to that): the formats a
// scrape asks for are written from the samples, without a message of
// protobuf types per series. Names are legacy names (newGaugeDesc), which
// neither format quotes or escapes.
func (list exposition) appendText(b []byte, openMetrics bool) []byte {
	for i, m := range list {
		if i == 0 || m.gd != list[i-1].gd {
			if openMetrics {
				b = append(b, m.gd.header[1]...)
			} else {
				b = append(b, m.gd.header[0]...)
			}
		}
		b = append(b, m.gd.name...)
		for j := range m.n {
			if j == 0 {
				b = append(b, '{')
			} else {
				b = append(b, ',')
			}
			b = append(b, m.gd.labels[j]...)
			b = append(b, `="`...)
			b = appendEscaped(b, m.values[j], true)
			b = append(b, '"')
		}
		if m.n > 0 {
			b = append(b, '}')
		}
		b = append(b, ' ')
		b = appendFloat(b, m.value, openMetrics)
		b = append(b, '\n')
	}
	return b
}

// familyHeader returns the HELP and TYPE lines of a gauge family.
func familyHeader(name, help string, openMetrics bool) string {
	b := append([]byte("# HELP "), name...)
	b = append(b, ' ')
	b = appendEscaped(b, help, openMetrics)
	b = append(b, "\n# TYPE "...)
	b = append(b, name...)
	return string(append(b, " gauge\n"...))
}

// appendEscaped appends s with backslash and newline escaped, and the
// double quote too if quote (label values; OpenMetrics' HELP).
func appendEscaped(b []byte, s string, quote bool) []byte {
	if !strings.ContainsAny(s, "\\\n\"") {
		return append(b, s...) // most values
	}
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\\':
			b = append(b, `\\`...)
		case c == '\n':
			b = append(b, `\n`...)
		case c == '"' && quote:
			b = append(b, `\"`...)
		default:
			b = append(b, c)
		}
	}
	return b
}

// appendFloat appends f as the text format writes a value (1, 0.5, NaN,
// +Inf), or OpenMetrics (1.0, 0.5: a number always has a point or an
// exponent).
func appendFloat(b []byte, f float64, openMetrics bool) []byte {
	switch {
	case math.IsNaN(f):
		return append(b, "NaN"...)
	case math.IsInf(f, +1):
		return append(b, "+Inf"...)
	case math.IsInf(f, -1):
		return append(b, "-Inf"...)
	case f == 0: // -0 too, as expfmt writes it
		if openMetrics {
			return append(b, "0.0"...)
		}
		return append(b, '0')
	}
	start := len(b)
	b = strconv.AppendFloat(b, f, 'g', -1, 64)
	if openMetrics && !bytes.ContainsAny(b[start:], "e.") {
		b = append(b, '.', '0')
	}
	return b
}

// compareSamples orders samples as the exposition does: by metric name,
// then by label values in label name order.
func compareSamples(a, b *sample) int {
	if c := strings.Compare(a.gd.name, b.gd.name); c != 0 {
		return c
	}
	for i := range a.n {
		if c := strings.Compare(a.values[i], b.values[i]); c != 0 {
			return c
		}
	}
	return 0
}
