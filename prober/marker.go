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
	"maps"
	"net/http"
	"strings"

	"github.com/prometheus/common/version"
	"go.opentelemetry.io/otel/trace"
)

// ProbeMarkerHeader is set on every request a probe sends. /probe refuses
// a request that carries it (or the exporter's User-Agent): a target that
// redirects a probe to an exporter's /probe would otherwise make the
// exporter probe itself, each nested probe starting another.
const ProbeMarkerHeader = "X-Mcp-Exporter-Probe"

// userAgentPrefix starts the User-Agent of every request a probe sends.
const userAgentPrefix = "mcp_exporter/"

// probeUserAgent is the User-Agent of a probe's requests.
func probeUserAgent() string { return userAgentPrefix + version.Version }

// markProbeRequests marks every request that passes through rt as one of a
// probe's: the marker header and the exporter's User-Agent, and, given the
// probe's trace, W3C trace context (traceparent: the probe's trace id, a new
// span id per request, sampled). It is the outermost round tripper of a
// probe's client, so that MCP requests, the anonymous attempt, discovery
// GETs and every redirect hop of them carry the marks, and none carries a
// Referer; the OAuth2 token client (shared by probes, trace nil) copies the
// User-Agent. It is the only round tripper that sets the User-Agent or
// traceparent; the wire client's own requests get the same marks from it
// before they are sent (mark), so that they need no copy.
func markProbeRequests(rt http.RoundTripper, pt *probeTrace, tracer trace.Tracer) *probeMarker {
	return &probeMarker{next: rt, marker: []string{"1"}, userAgent: []string{probeUserAgent()}, trace: pt, tracer: tracer}
}

// probeMarker holds the two header values it sets, made once for the
// probe's client: nothing below it changes a header value in place (a
// round tripper that changes headers copies the request first).
type probeMarker struct {
	next              http.RoundTripper
	marker, userAgent []string
	trace             *probeTrace // nil: no traceparent
	// tracer, when tracing is on, makes each request's CLIENT span, whose
	// context is the traceparent sent.
	tracer trace.Tracer
}

// traceparentHeader is the canonical form of W3C's traceparent.
const traceparentHeader = "Traceparent"

// RoundTrip sends a copy of req with the marks set: a round tripper must
// not change the request it is given. The copy is shallow but for the
// header map, as http.Request.WithContext's is: nothing below changes the
// request's URL or body in place.
func (m *probeMarker) RoundTrip(req *http.Request) (*http.Response, error) {
	if m.tracer == nil && m.carries(req) {
		return m.next.RoundTrip(req)
	}
	r := m.marked(req)
	if m.tracer != nil {
		return m.roundTripTraced(r)
	}
	if m.trace != nil {
		r.Header[traceparentHeader] = m.trace.header()
	}
	return m.next.RoundTrip(r)
}

// mark sets the marks on h, the header of a request of the probe's own
// (the wire client's, just before it is sent: mcpwire.Client.Mark), so
// that RoundTrip sends it as it is. With tracing on, RoundTrip copies the
// request anyway to set the span's traceparent.
func (m *probeMarker) mark(h http.Header) {
	h[ProbeMarkerHeader] = m.marker
	h["User-Agent"] = m.userAgent
	if m.trace != nil && m.tracer == nil {
		h[traceparentHeader] = m.trace.header()
	}
}

// carries reports whether req's header holds the marks as mark set them:
// the marker's and the User-Agent's very values (a header that net/http's
// client copied for a redirect hop holds copies), a traceparent when the
// probe sends one, and no Referer.
func (m *probeMarker) carries(req *http.Request) bool {
	h := req.Header
	mk, ua := h[ProbeMarkerHeader], h["User-Agent"]
	if len(mk) != 1 || &mk[0] != &m.marker[0] || len(ua) != 1 || &ua[0] != &m.userAgent[0] {
		return false
	}
	if _, referer := h["Referer"]; referer {
		return false
	}
	return m.trace == nil || len(h[traceparentHeader]) == 1
}

// marked is the copy of req that RoundTrip sends, with the marks set. Not
// inlined: what it needs would sit in RoundTrip's frame while the probe
// waits for the answer.
//
//go:noinline
func (m *probeMarker) marked(req *http.Request) *http.Request {
	r := new(http.Request)
	*r = *req
	r.Header = make(http.Header, len(req.Header)+3)
	maps.Copy(r.Header, req.Header)
	r.Header[ProbeMarkerHeader] = m.marker
	r.Header["User-Agent"] = m.userAgent
	// net/http's client sets Referer on a redirect hop: the URL it came
	// from, query and all (an api_key the target carries), sent to
	// wherever the redirect points. A prober has no page it came from.
	delete(r.Header, "Referer")
	return r
}

// roundTripTraced sends r, marked, in a CLIENT span of its own whose
// context is the traceparent sent, when r's context has a span.
func (m *probeMarker) roundTripTraced(r *http.Request) (*http.Response, error) {
	if !trace.SpanContextFromContext(r.Context()).IsValid() {
		if m.trace != nil {
			r.Header[traceparentHeader] = m.trace.header()
		}
		return m.next.RoundTrip(r)
	}
	r, span := startHTTPSpan(m.tracer, r)
	r.Header[traceparentHeader] = []string{traceparentOf(span.SpanContext())}
	resp, err := m.next.RoundTrip(r)
	endHTTPSpan(span, resp, err)
	return resp, err
}

func (m *probeMarker) CloseIdleConnections() {
	if ci, ok := m.next.(interface{ CloseIdleConnections() }); ok {
		ci.CloseIdleConnections()
	}
}

// FromProbe reports whether r comes from a probe: this exporter's, or
// another mcp_exporter's (which would loop just the same through two
// exporters). No scraper sends either mark.
func FromProbe(r *http.Request) bool {
	return r.Header.Get(ProbeMarkerHeader) != "" || strings.HasPrefix(r.UserAgent(), userAgentPrefix)
}
