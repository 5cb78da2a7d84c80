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
	"context"
	"encoding/hex"
	"errors"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"

	"github.com/mcp-exporter/mcp_exporter/internal/failure"
	"github.com/mcp-exporter/mcp_exporter/internal/protocol"
	"github.com/mcp-exporter/mcp_exporter/internal/tracing"
)

// The spans of a probe, when the configuration has a tracing block: they
// read what the probe records (its Result, the layers' outcomes, each
// request's method and error), never its metrics. Nothing a server sent
// goes into one (no error text, no tool name but the configured
// tool_call's), nor a credential, nor a target's query values: the same
// masking as the probe's logs.
//
//	probe <module>                the probe (module, target, result, failed layer, reason)
//	  layer <layer>               each step of the layer table
//	    <mcp.method.name> [tool]  each MCP request, kind CLIENT (the MCP conventions)
//	      oauth2 token            waiting for (or fetching) the OAuth2 token
//	      <HTTP method>           each HTTP request, kind CLIENT; its traceparent is sent
//
// Off (no tracing block), none of this runs and nothing is allocated:
// the probe's traceparent comes from probeTrace as before.

// tracerName is the instrumentation scope of the probe's spans.
const tracerName = "github.com/mcp-exporter/mcp_exporter/prober"

// tracerRef is the tracer in force, swapped whole on reload.
type tracerRef struct{ t trace.Tracer }

// SetTracerProvider puts tp in force for the probes that start from now
// on; nil turns tracing off. The caller owns tp (and shuts the previous
// one down).
func (p *Prober) SetTracerProvider(tp trace.TracerProvider) {
	if tp == nil {
		p.tracer.Store(nil)
		return
	}
	p.tracer.Store(&tracerRef{t: tp.Tracer(tracerName)})
}

// startProbeSpan starts the probe's root span, with the probe's own trace
// id, when tracing is on.
func (pr *probe) startProbeSpan(ctx context.Context, module string, id TraceID) context.Context {
	ref := pr.prober.tracer.Load()
	if ref == nil {
		return ctx
	}
	pr.tracer = ref.t
	attrs := []attribute.KeyValue{attribute.String("mcp_exporter.module", module)}
	if pr.target != nil && pr.module.TakesTarget() {
		attrs = append(attrs, attribute.String("mcp_exporter.target", RedactTarget(pr.target)))
	}
	ctx, pr.span = pr.tracer.Start(tracing.WithTraceID(ctx, id), "probe "+module,
		trace.WithSpanKind(trace.SpanKindInternal), trace.WithAttributes(attrs...))
	pr.result.TraceSampled = pr.span.SpanContext().IsSampled()
	return ctx
}

// endProbeSpan ends the root span with the probe's outcome.
func (pr *probe) endProbeSpan() {
	if pr.span == nil {
		return
	}
	res := pr.result
	if res.Success {
		pr.span.SetAttributes(attribute.String("mcp_exporter.result", "success"))
		pr.span.SetStatus(codes.Ok, "")
	} else {
		pr.span.SetAttributes(
			attribute.String("mcp_exporter.result", "failure"),
			attribute.String("mcp_exporter.failed_layer", res.FailedLayer),
			attribute.String("mcp_exporter.failure_reason", string(res.FailureReason)),
			attribute.String("error.type", string(res.FailureReason)))
		pr.span.SetStatus(codes.Error, string(res.FailureReason))
	}
	pr.span.End()
}

// runLayer runs one layer's step, in a span of its own when tracing is on.
func (pr *probe) runLayer(ctx context.Context, l *layerSpec) bool {
	if pr.tracer == nil {
		return l.step(pr, ctx)
	}
	return pr.runLayerTraced(ctx, l)
}

// runLayerTraced is runLayer with tracing on; its own function, so that
// a probe without tracing does not carry its frame.
func (pr *probe) runLayerTraced(ctx context.Context, l *layerSpec) bool {
	ctx, span := pr.tracer.Start(ctx, "layer "+l.name, trace.WithAttributes(attribute.String("mcp_exporter.layer", l.name)))
	ok := l.step(pr, ctx)
	lr := pr.result.layer(l.name)
	span.SetAttributes(attribute.String("mcp_exporter.outcome", lr.Outcome.String()))
	if lr.Outcome == Failed && lr.Reason != "" {
		span.SetAttributes(attribute.String("error.type", string(lr.Reason)))
		span.SetStatus(codes.Error, string(lr.Reason))
	}
	span.End()
	return ok
}

// requestTracer is the probe as the wire client's RequestObserver: each
// request's time (Result.Requests, the per-method histograms) and, when
// tracing is on, its span.
type requestTracer probe

// StartRequest starts the request's CLIENT span, named and attributed as
// the MCP semantic conventions have it.
func (rt *requestTracer) StartRequest(ctx context.Context, method string) (context.Context, string) {
	pr := (*probe)(rt)
	if pr.tracer == nil {
		return ctx, ""
	}
	name := method
	attrs := make([]attribute.KeyValue, 0, 6)
	attrs = append(attrs, attribute.String("mcp.method.name", method))
	if method == "tools/call" && pr.module.ToolCall != nil {
		// The one tool name a span may carry: the operator's own.
		name += " " + pr.module.ToolCall.Name
		attrs = append(attrs, attribute.String("gen_ai.tool.name", pr.module.ToolCall.Name))
	}
	if pr.module.TransportKind() == protocol.KindProcess {
		attrs = append(attrs, attribute.String("network.transport", "pipe"))
	} else if pr.target != nil {
		attrs = append(attrs, attribute.String("network.transport", "tcp"), attribute.String("server.address", pr.target.Hostname()))
		if port := targetPort(pr.target); port > 0 {
			attrs = append(attrs, attribute.Int("server.port", port))
		}
	}
	ctx, span := pr.tracer.Start(ctx, name, trace.WithSpanKind(trace.SpanKindClient), trace.WithAttributes(attrs...))
	return ctx, traceparentOf(span.SpanContext())
}

// EndRequest records the request and ends its span.
func (rt *requestTracer) EndRequest(ctx context.Context, method string, elapsed time.Duration, err error) {
	pr := (*probe)(rt)
	errType := ""
	if err != nil {
		errType = requestErrorType(err)
	}
	if n := len(pr.result.Requests); n < cap(pr.result.Requests) {
		pr.result.Requests = append(pr.result.Requests, RequestResult{Method: method, Duration: elapsed, ErrorType: errType})
	}
	if pr.tracer == nil {
		return
	}
	span := trace.SpanFromContext(ctx)
	if pr.wire != nil {
		if v := pr.wire.Version(); v != "" {
			span.SetAttributes(attribute.String("mcp.protocol.version", v))
		}
	}
	if err != nil {
		span.SetAttributes(attribute.String("error.type", errType))
		span.SetStatus(codes.Error, errType)
	}
	span.End()
}

// requestErrorType is a failed request's error.type: the JSON-RPC error
// code the server answered, or the exporter's reason.
func requestErrorType(err error) string {
	var e *failure.Error
	if errors.As(err, &e) {
		if e.RPC != nil {
			return strconv.Itoa(e.RPC.Code)
		}
		if e.Reason != "" {
			return string(e.Reason)
		}
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return string(failure.ReasonTimeout)
	}
	return "_OTHER"
}

// targetPort is the port a URL dials.
func targetPort(u *url.URL) int {
	if p := u.Port(); p != "" {
		n, _ := strconv.Atoi(p)
		return n
	}
	switch u.Scheme {
	case "https":
		return 443
	case "http":
		return 80
	}
	return 0
}

// traceparentOf is the W3C traceparent of sc.
func traceparentOf(sc trace.SpanContext) string {
	var b [traceparentLen]byte
	tid, sid := sc.TraceID(), sc.SpanID()
	copy(b[:], "00-")
	hex.Encode(b[3:35], tid[:])
	b[35] = '-'
	hex.Encode(b[36:52], sid[:])
	b[52] = '-'
	if sc.IsSampled() {
		copy(b[53:], "01")
	} else {
		copy(b[53:], "00")
	}
	return string(b[:])
}

// startHTTPSpan starts the CLIENT span of one HTTP request of a probe
// (an MCP request's, discovery's, a redirect hop's) under the span of
// req's context, and returns the request to send, carrying it.
func startHTTPSpan(tracer trace.Tracer, req *http.Request) (*http.Request, trace.Span) {
	u := req.URL
	attrs := []attribute.KeyValue{
		attribute.String("http.request.method", req.Method),
		attribute.String("server.address", u.Hostname()),
		attribute.String("url.full", RedactTarget(u)),
	}
	if port := targetPort(u); port > 0 {
		attrs = append(attrs, attribute.Int("server.port", port))
	}
	ctx, span := tracer.Start(req.Context(), req.Method, trace.WithSpanKind(trace.SpanKindClient), trace.WithAttributes(attrs...))
	return req.WithContext(ctx), span
}

// endHTTPSpan ends an HTTP request's span with its status or error.
func endHTTPSpan(span trace.Span, resp *http.Response, err error) {
	switch {
	case err != nil:
		t := string(failure.NetworkReason(err))
		if t == "" {
			t = "_OTHER"
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				t = string(failure.ReasonTimeout)
			}
		}
		span.SetAttributes(attribute.String("error.type", t))
		span.SetStatus(codes.Error, t)
	case resp != nil:
		span.SetAttributes(attribute.Int("http.response.status_code", resp.StatusCode))
		if resp.StatusCode >= 400 {
			t := strconv.Itoa(resp.StatusCode)
			span.SetAttributes(attribute.String("error.type", t))
			span.SetStatus(codes.Error, t)
		}
	}
	span.End()
}
