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

// Package tracing builds the OpenTelemetry tracer provider of the
// configuration's tracing block: the OTLP exporter (gRPC or HTTP), the
// sampler (parent based, a ratio of probes, failing probes kept), and the
// trace ids, which are the probes' own (prober.TraceID), so that the
// trace_id of a probe's log lines is the trace's. Nothing here knows a
// probe: the prober makes the spans.
package tracing

import (
	"context"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"sync"
	"time"

	promconfig "github.com/prometheus/common/config"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
	"google.golang.org/grpc/credentials"

	"github.com/mcp-exporter/mcp_exporter/config"
)

// ServiceName is the service.name of the exporter's spans unless
// OTEL_SERVICE_NAME (or OTEL_RESOURCE_ATTRIBUTES) says otherwise.
const ServiceName = "mcp_exporter"

// New builds the tracer provider of cfg. It dials nothing: the exporter
// connects on its first export. The caller shuts it down (which sends
// what is left) when a reload replaces it or the exporter stops.
func New(cfg *config.Tracing, version string) (*sdktrace.TracerProvider, error) {
	exp, err := newExporter(cfg)
	if err != nil {
		return nil, err
	}
	return NewProvider(exp, cfg.SamplingFraction, version, false), nil
}

// newExporter is the OTLP exporter of cfg.
func newExporter(cfg *config.Tracing) (sdktrace.SpanExporter, error) {
	headers := make(map[string]string, len(cfg.Headers))
	for k, v := range cfg.Headers {
		headers[k] = string(v)
	}
	tlsConfig, err := promconfig.NewTLSConfig(&cfg.TLSConfig)
	if err != nil {
		return nil, fmt.Errorf("tracing: tls_config: %w", err)
	}
	timeout := time.Duration(cfg.Timeout)
	ctx := context.Background()
	switch cfg.ClientType {
	case config.TracingClientHTTP:
		opts := []otlptracehttp.Option{otlptracehttp.WithEndpoint(cfg.Endpoint), otlptracehttp.WithTimeout(timeout)}
		if len(headers) > 0 {
			opts = append(opts, otlptracehttp.WithHeaders(headers))
		}
		if cfg.Insecure {
			opts = append(opts, otlptracehttp.WithInsecure())
		} else {
			opts = append(opts, otlptracehttp.WithTLSClientConfig(tlsConfig))
		}
		return otlptracehttp.New(ctx, opts...)
	default:
		opts := []otlptracegrpc.Option{otlptracegrpc.WithEndpoint(cfg.Endpoint), otlptracegrpc.WithTimeout(timeout)}
		if len(headers) > 0 {
			opts = append(opts, otlptracegrpc.WithHeaders(headers))
		}
		if cfg.Insecure {
			opts = append(opts, otlptracegrpc.WithInsecure())
		} else {
			opts = append(opts, otlptracegrpc.WithTLSCredentials(credentials.NewTLS(tlsConfig)))
		}
		return otlptracegrpc.New(ctx, opts...)
	}
}

// NewProvider is the tracer provider over exp: the probes' sampler and
// trace ids, the resource (service.name mcp_exporter, OTEL_SERVICE_NAME
// and OTEL_RESOURCE_ATTRIBUTES over it), spans batched (or, with sync,
// exported as they end: the tests').
func NewProvider(exp sdktrace.SpanExporter, fraction float64, version string, sync bool) *sdktrace.TracerProvider {
	res, err := resource.Merge(
		resource.NewSchemaless(attribute.String("service.name", ServiceName), attribute.String("service.version", version)),
		resource.Environment(),
	)
	if err != nil {
		res = resource.NewSchemaless(attribute.String("service.name", ServiceName))
	}
	var next sdktrace.SpanProcessor
	if sync {
		next = sdktrace.NewSimpleSpanProcessor(exp)
	} else {
		next = sdktrace.NewBatchSpanProcessor(exp)
	}
	return sdktrace.NewTracerProvider(
		sdktrace.WithResource(res),
		sdktrace.WithSampler(Sampler(fraction)),
		sdktrace.WithIDGenerator(idGenerator{}),
		sdktrace.WithSpanProcessor(&keepFailed{next: next, exp: exp, held: map[trace.TraceID][]sdktrace.ReadOnlySpan{}}),
	)
}

// Sampler samples fraction of the traces by their id, and follows a
// parent's decision. A trace it does not sample is still recorded (not
// sent): a probe that fails is sent whole all the same (keepFailed).
func Sampler(fraction float64) sdktrace.Sampler {
	return sdktrace.ParentBased(recordUnsampled{sdktrace.TraceIDRatioBased(fraction)},
		sdktrace.WithLocalParentNotSampled(recordUnsampled{sdktrace.NeverSample()}))
}

// recordUnsampled records what its sampler drops.
type recordUnsampled struct{ sdktrace.Sampler }

func (s recordUnsampled) ShouldSample(p sdktrace.SamplingParameters) sdktrace.SamplingResult {
	r := s.Sampler.ShouldSample(p)
	if r.Decision == sdktrace.Drop {
		r.Decision = sdktrace.RecordOnly
	}
	return r
}

func (s recordUnsampled) Description() string {
	return "RecordUnsampled{" + s.Sampler.Description() + "}"
}

// maxHeld bounds the unsampled traces held until their root ends: about
// the probes running at once.
const maxHeld = 4096

// keepFailed passes sampled spans on to next, and holds the spans of an
// unsampled trace until its root ends: if the root failed (status
// Error), the whole trace is exported all the same, so that a failing
// probe is always in the tracing backend; if not, it is dropped. A span
// that ends after its root is dropped.
type keepFailed struct {
	next sdktrace.SpanProcessor
	exp  sdktrace.SpanExporter

	mu      sync.Mutex
	held    map[trace.TraceID][]sdktrace.ReadOnlySpan
	exports sync.WaitGroup
}

func (k *keepFailed) OnStart(ctx context.Context, s sdktrace.ReadWriteSpan) {
	sc := s.SpanContext()
	if !sc.IsSampled() {
		if !s.Parent().IsValid() {
			k.mu.Lock()
			if len(k.held) < maxHeld {
				k.held[sc.TraceID()] = nil
			}
			k.mu.Unlock()
		}
		return
	}
	k.next.OnStart(ctx, s)
}

func (k *keepFailed) OnEnd(s sdktrace.ReadOnlySpan) {
	sc := s.SpanContext()
	if sc.IsSampled() {
		k.next.OnEnd(s)
		return
	}
	k.mu.Lock()
	spans, ok := k.held[sc.TraceID()]
	if !ok {
		k.mu.Unlock()
		return
	}
	if s.Parent().IsValid() {
		k.held[sc.TraceID()] = append(spans, s)
		k.mu.Unlock()
		return
	}
	delete(k.held, sc.TraceID())
	k.mu.Unlock()
	if s.Status().Code != codes.Error {
		return
	}
	spans = append(spans, s)
	k.exports.Go(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = k.exp.ExportSpans(ctx, spans)
	})
}

func (k *keepFailed) Shutdown(ctx context.Context) error {
	k.exports.Wait()
	return k.next.Shutdown(ctx)
}

func (k *keepFailed) ForceFlush(ctx context.Context) error {
	k.exports.Wait()
	return k.next.ForceFlush(ctx)
}

// traceIDKey carries a probe's own trace id to the id generator.
type traceIDKey struct{}

// WithTraceID makes id the trace id of a root span started with ctx.
func WithTraceID(ctx context.Context, id [16]byte) context.Context {
	return context.WithValue(ctx, traceIDKey{}, trace.TraceID(id))
}

// idGenerator takes a root span's trace id from its context (the
// probe's), random span ids.
type idGenerator struct{}

func (idGenerator) NewIDs(ctx context.Context) (trace.TraceID, trace.SpanID) {
	id, ok := ctx.Value(traceIDKey{}).(trace.TraceID)
	for !ok || !id.IsValid() {
		binary.BigEndian.PutUint64(id[:8], rand.Uint64())
		binary.BigEndian.PutUint64(id[8:], rand.Uint64())
		ok = true
	}
	return id, newSpanID()
}

func (idGenerator) NewSpanID(context.Context, trace.TraceID) trace.SpanID { return newSpanID() }

func newSpanID() trace.SpanID {
	var id trace.SpanID
	for !id.IsValid() {
		binary.BigEndian.PutUint64(id[:], rand.Uint64())
	}
	return id
}
