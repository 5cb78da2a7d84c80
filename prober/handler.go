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
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	yaml "go.yaml.in/yaml/v3"

	"github.com/mcp-exporter/mcp_exporter/config"
	"github.com/mcp-exporter/mcp_exporter/internal/failure"
)

// MaxTargetBytes bounds the target parameter. Targets come from whoever can
// reach /probe; a longer one is answered 400 before anything else is done
// with it, so that nothing kept about a probe grows with it.
const MaxTargetBytes = 4096

// maxQueryBytes bounds the whole query, checked before it is parsed: room
// for a target of MaxTargetBytes fully percent-encoded, and the rest.
const maxQueryBytes = 4*MaxTargetBytes + 1024

// writeMargin is the time a probe's answer has to be written once the probe
// is over. The server's WriteTimeout is shorter than a long probe, so /probe
// sets its own write deadline: the probe's timeout plus this.
const writeMargin = 30 * time.Second

// minProbeTimeout is the floor of a probe's timeout, so that an odd scrape
// timeout header never yields a zero or negative deadline.
const minProbeTimeout = 100 * time.Millisecond

// ExporterMetrics are the exporter's own metrics about probing, for /metrics.
type ExporterMetrics struct {
	Probes         *prometheus.CounterVec
	UnknownModule  prometheus.Counter
	BadRequests    prometheus.Counter
	RefusedTargets *prometheus.CounterVec
	InFlight       prometheus.Gauge
	Rejected       prometheus.Counter
	LoopsRefused   prometheus.Counter
	// ProbeDuration and OperationDuration are the probes' and their MCP
	// requests' durations over time (classic and native buckets), each
	// observation of a sampled probe carrying its trace_id as an exemplar.
	ProbeDuration     *prometheus.HistogramVec
	OperationDuration *prometheus.HistogramVec
}

// OperationBuckets are the MCP semantic conventions' recommended buckets
// of mcp.client.operation.duration, in seconds.
var OperationBuckets = []float64{0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 30, 60, 120, 300}

// durationHistogram is a histogram of OperationBuckets with a native
// histogram alongside.
func durationHistogram(name, help string, labels ...string) *prometheus.HistogramVec {
	return prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:                            name,
		Help:                            help,
		Buckets:                         OperationBuckets,
		NativeHistogramBucketFactor:     1.1,
		NativeHistogramMaxBucketNumber:  100,
		NativeHistogramMinResetDuration: time.Hour,
	}, labels)
}

// NewExporterMetrics creates the metrics and registers them with reg.
func NewExporterMetrics(reg prometheus.Registerer) *ExporterMetrics {
	m := &ExporterMetrics{
		Probes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "mcp_exporter_probes_total",
			Help: "Probes run, by module and result (success or failure).",
		}, []string{"module", "result"}),
		UnknownModule: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "mcp_exporter_module_unknown_total",
			Help: "Probe requests that named a module the configuration lacks.",
		}),
		BadRequests: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "mcp_exporter_probe_requests_invalid_total",
			Help: "Probe requests refused for a missing or invalid target or scrape timeout.",
		}),
		RefusedTargets: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "mcp_exporter_probe_targets_refused_total",
			Help: "Probe requests refused because the module carries credentials and its allowed_targets do not admit the target.",
		}, []string{"module"}),
	}
	m.InFlight = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "mcp_exporter_probes_in_flight",
		Help: "Probes running now.",
	})
	m.Rejected = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "mcp_exporter_probes_rejected_total",
		Help: "Probe requests answered 503 because --probe.max-concurrency probes were already running.",
	})
	m.LoopsRefused = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "mcp_exporter_probe_loops_refused_total",
		Help: "Probe requests answered 508 Loop Detected because they came from a probe (an mcp_exporter's User-Agent or X-Mcp-Exporter-Probe header).",
	})
	m.ProbeDuration = durationHistogram("mcp_exporter_probe_duration_seconds",
		"Duration of the probes, by module and result; a sampled probe's observation carries its trace_id as an exemplar.", "module", "result")
	m.OperationDuration = durationHistogram("mcp_client_operation_duration_seconds",
		"Duration of the probes' MCP requests (the MCP semantic conventions' mcp.client.operation.duration), by module, method and error type (\"\" on success); a sampled probe's observations carry its trace_id as an exemplar.",
		"module", "mcp_method_name", "error_type")
	reg.MustRegister(m.Probes, m.UnknownModule, m.BadRequests, m.RefusedTargets, m.InFlight, m.Rejected, m.LoopsRefused, m.ProbeDuration, m.OperationDuration)
	return m
}

// Handler serves /probe.
type Handler struct {
	Config  *config.SafeConfig
	Prober  *Prober
	History *History
	Metrics *ExporterMetrics
	// Logger is the exporter's log; probe log lines reach it at ProberLevel.
	Logger      *slog.Logger
	ProberLevel slog.Level
	// TimeoutOffset is taken off the scrape timeout Prometheus announces.
	TimeoutOffset time.Duration
	// Slots bounds the probes in flight: a probe takes a slot or is
	// answered 503 at once, so that a burst of scrapes cannot pile up
	// goroutines and connections. Nil means no bound.
	Slots chan struct{}

	refusals refusalLog
}

// refuse answers a refused request with status and answer, and logs it
// (refusalLog: once per cause and module a minute).
func (h *Handler) refuse(w http.ResponseWriter, status int, cause, module, answer string) {
	if h.Logger != nil {
		h.refusals.log(h.Logger, time.Now(), cause, module, answer)
	}
	http.Error(w, answer, status)
}

// probeCall is one /probe request on its way: what accept admitted, then
// the probe's log and result. It is kept apart from ServeHTTP's frame so
// that the goroutine of a probe in flight holds a small stack (1,000 probes
// may wait at once).
type probeCall struct {
	debug       bool     // debug=true: answer with the debug output
	target      *url.URL // nil: a module with a command
	shownTarget string
	timeout     time.Duration
	// req is the probe's Request: the module and its name from accept,
	// the rest (logger, trace id) from probe.
	req  Request
	logs *probeLog
	res  *Result
	// source is whether the probe's records need their call site
	// (logAttrs).
	source bool
}

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	c := h.accept(w, r)
	if c == nil {
		return // refused, and answered
	}
	if h.Slots != nil {
		select {
		case h.Slots <- struct{}{}:
			defer func() { <-h.Slots }()
		default:
			h.refuseBusy(w)
			return
		}
	}
	h.Metrics.InFlight.Inc()
	defer h.Metrics.InFlight.Dec()
	extendDeadlines(w, c.timeout)
	// The probe ends when its scraper goes away: r.Context() is cancelled
	// when the connection closes.
	ctx, cancel := context.WithTimeout(r.Context(), c.timeout)
	defer cancel()
	h.probe(ctx, c)
	h.answer(ctx, w, r, c)
}

// accept checks a /probe request: who sends it, its method, its query,
// module, target and timeout. It answers a refusal itself and returns nil.
func (h *Handler) accept(w http.ResponseWriter, r *http.Request) *probeCall {
	if FromProbe(r) {
		// A target sent a probe back to an exporter: probing again would
		// start another probe, and so on without end.
		h.Metrics.LoopsRefused.Inc()
		h.refuse(w, http.StatusLoopDetected, refusedLoop, "", "refused: this request comes from an mcp_exporter probe (a target redirected a probe to /probe)")
		return nil
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		h.refuse(w, http.StatusMethodNotAllowed, refusedMethod, "", "probe with GET")
		return nil
	}
	if r.ContentLength != 0 {
		// The server notices that the scraper went away (and ends the
		// probe) only once the request's body is read; a probe has none.
		h.Metrics.BadRequests.Inc()
		h.refuse(w, http.StatusBadRequest, refusedBody, "", "a probe request has no body")
		return nil
	}
	if len(r.URL.RawQuery) > maxQueryBytes {
		h.Metrics.BadRequests.Inc()
		h.refuse(w, http.StatusBadRequest, refusedQueryTooLong, "", fmt.Sprintf("query is %d bytes long, more than %d (a target may have %d)", len(r.URL.RawQuery), maxQueryBytes, MaxTargetBytes))
		return nil
	}
	params := r.URL.Query()
	if n := len(params.Get("target")); n > MaxTargetBytes {
		h.Metrics.BadRequests.Inc()
		h.refuse(w, http.StatusBadRequest, refusedTargetTooLong, "", fmt.Sprintf("target is %d bytes long, more than %d", n, MaxTargetBytes))
		return nil
	}
	moduleName := params.Get("module")
	if moduleName == "" {
		moduleName = config.DefaultModuleName
	}
	modules := h.Config.Get().Modules
	module, ok := modules[moduleName]
	if !ok {
		h.Metrics.UnknownModule.Inc()
		h.refuse(w, http.StatusBadRequest, refusedUnknownModule, "", fmt.Sprintf("unknown module %q; the modules are: %s", moduleName, moduleList(modules)))
		return nil
	}
	c := &probeCall{debug: params.Get("debug") == "true"}
	c.req.ModuleName, c.req.Module = moduleName, module
	target, shownTarget, err := h.admit(params, moduleName, &c.req.Module)
	if err != nil {
		cause := refusedBadTarget
		if errors.Is(err, ErrTargetRefused) {
			cause = refusedTarget
		}
		h.refuse(w, http.StatusBadRequest, cause, moduleName, err.Error())
		return nil
	}
	timeout, err := ProbeTimeout(r.Header.Get("X-Prometheus-Scrape-Timeout-Seconds"), h.TimeoutOffset, time.Duration(module.Timeout))
	if err != nil {
		h.Metrics.BadRequests.Inc()
		h.refuse(w, http.StatusBadRequest, refusedTimeout, moduleName, err.Error())
		return nil
	}
	c.target, c.shownTarget, c.timeout = target, shownTarget, timeout
	return c
}

// refuseBusy answers a probe request that finds every slot taken.
func (h *Handler) refuseBusy(w http.ResponseWriter) {
	h.Metrics.Rejected.Inc()
	h.refuse(w, http.StatusServiceUnavailable, refusedConcurrency, "", fmt.Sprintf("%d probes are already running (--probe.max-concurrency); try again later", cap(h.Slots)))
}

// probe runs c's probe.
func (h *Handler) probe(ctx context.Context, c *probeCall) {
	h.startLog(ctx, c)
	c.res = h.Prober.Probe(ctx, &c.req)
	c.res.Timeout = c.timeout
}

// startLog gives c's probe its log (c.logs, c.req.Logger), its trace id
// and its target, and logs its start. Its own function, so that what it
// needs is not on the stack while the probe runs.
func (h *Handler) startLog(ctx context.Context, c *probeCall) {
	logs := &probeLog{}
	ph := newProbeLogHandler(logs, h.Logger.Handler(), h.ProberLevel)
	if c.target != nil {
		ph.scrub = targetScrubber(c.target)
	}
	trace := NewTraceID()
	// The attributes in one slice, made once: With would box each value
	// and grow its slice attribute by attribute.
	logger := slog.New(ph.WithAttrs([]slog.Attr{slog.String("module", c.req.ModuleName), slog.String("target", c.shownTarget),
		slog.String("trace_id", trace.String())}))
	c.source = showsSource(logger)
	logAttrs(ctx, logger, c.source, slog.LevelInfo, "probe started", slog.Float64("timeout_seconds", c.timeout.Seconds()))

	targetURL := ""
	if c.target != nil {
		targetURL = c.target.String()
	}
	c.logs = logs
	c.req.Target, c.req.Logger, c.req.TraceID = targetURL, logger, trace
}

// answer counts c's probe and answers with its metrics (or its debug
// output), keeping it in the history.
func (h *Handler) answer(ctx context.Context, w http.ResponseWriter, r *http.Request, c *probeCall) {
	result := h.logOutcome(ctx, c)
	res := c.res
	h.Metrics.Probes.WithLabelValues(c.req.ModuleName, result).Inc()
	h.Metrics.observe(c.req.ModuleName, result, res)

	// The probe's own metric families, made from its Result alone: no
	// series outlives the probe.
	list, gatherErr := sortedSamples(res)
	if h.History != nil {
		h.remember(c, list, gatherErr)
	}
	if c.debug {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write([]byte(c.debugOutput(list, gatherErr)))
		return
	}
	if gatherErr != nil {
		http.Error(w, fmt.Sprintf("gathering the probe's metrics: %s", gatherErr), http.StatusInternalServerError)
		return
	}
	writeMetrics(w, r.Header, list)
}

// logOutcome logs how c's probe ended and returns its result label.
func (h *Handler) logOutcome(ctx context.Context, c *probeCall) string {
	res, logger := c.res, c.req.Logger
	if res.Success {
		logAttrs(ctx, logger, c.source, slog.LevelInfo, "probe succeeded", slog.Float64("duration_seconds", res.Duration.Seconds()))
		return "success"
	}
	h.logFailure(ctx, c)
	return "failure"
}

// logFailure logs a failed probe in its own log and, unless that already
// reaches it (--log.prober at a level the exporter logs), in one line of
// the exporter's: why a probe failed, without turning on the whole probe
// log.
func (h *Handler) logFailure(ctx context.Context, c *probeCall) {
	res := c.res
	c.req.Logger.Error("probe failed", "layer", res.FailedLayer, "reason", string(res.FailureReason), "duration_seconds", res.Duration.Seconds())
	if !h.Logger.Enabled(ctx, h.ProberLevel) {
		h.Logger.LogAttrs(ctx, slog.LevelWarn, "probe failed", slog.String("module", c.req.ModuleName), slog.String("target", c.shownTarget),
			slog.String("layer", res.FailedLayer), slog.String("reason", string(res.FailureReason)),
			slog.Float64("duration_seconds", res.Duration.Seconds()), slog.String("trace_id", c.req.TraceID.String()))
	}
}

// remember keeps c's probe in the history. Its debug output is made when
// someone reads it (debug=true, /logs), not for every probe.
func (h *Handler) remember(c *probeCall, list exposition, gatherErr error) {
	res := c.res
	h.History.Add(HistoryEntry{
		Module: c.req.ModuleName, Target: c.shownTarget, Success: res.Success, Duration: res.Duration,
		FailedLayer: res.FailedLayer, Reason: string(res.FailureReason),
		Render: func() string { return c.debugOutput(list, gatherErr) },
		Size:   c.logs.Size() + list.size(),
	})
}

// debugOutput is c's probe's debug output.
func (c *probeCall) debugOutput(list exposition, gatherErr error) string {
	return DebugOutput(c.req.Module, c.logs.String(), list, gatherErr)
}

// admit applies AdmitTarget to the request's target parameter and
// counts a refusal: a malformed request, or a target the module's
// allowed_targets refuse.
func (h *Handler) admit(params url.Values, moduleName string, module *config.Module) (*url.URL, string, error) {
	target, shown, err := AdmitTarget(moduleName, module, params.Get("target"), params.Has("target"))
	switch {
	case errors.Is(err, ErrTargetRefused):
		h.Metrics.RefusedTargets.WithLabelValues(moduleName).Inc()
	case err != nil:
		h.Metrics.BadRequests.Inc()
	}
	return target, shown, err
}

// writeMetrics writes mfs in the format the request's Accept header asks
// for, as expfmt.NegotiateAccept and expfmt.NewEncoder would. The answer
// is encoded into one buffer and sent with its Content-Length in one
// write: a few KiB, not a chunked stream of one write per family.
func writeMetrics(w http.ResponseWriter, reqHeader http.Header, list exposition) {
	f := negotiateFormat(reqHeader)
	buf := answerBuffers.Get().(*bytes.Buffer)
	defer func() {
		if buf.Cap() <= maxPooledAnswer {
			buf.Reset()
			answerBuffers.Put(buf)
		}
	}()
	switch {
	case f.text, f.openMetrics:
		b := list.appendText(buf.AvailableBuffer(), f.openMetrics)
		if f.openMetrics {
			b = append(b, "# EOF\n"...)
		}
		buf.Write(b)
	default:
		enc := expfmt.NewEncoder(buf, f.encode)
		for _, mf := range list.families() {
			if err := enc.Encode(mf); err != nil {
				http.Error(w, "encoding the probe's metrics: "+err.Error(), http.StatusInternalServerError)
				return
			}
		}
		if closer, ok := enc.(expfmt.Closer); ok {
			_ = closer.Close()
		}
	}
	w.Header().Set("Content-Type", f.contentType)
	w.Header().Set("Content-Length", strconv.Itoa(buf.Len()))
	_, _ = w.Write(buf.Bytes()) // an error means the scraper went away
}

// answerBuffers hold /probe answers while they are encoded; a buffer that
// grew past maxPooledAnswer is left to the garbage collector.
var answerBuffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

const maxPooledAnswer = 64 << 10

// answerFormat is how /probe answers a scraper's Accept header.
type answerFormat struct {
	accept      string
	contentType string // the negotiated format, as expfmt.NegotiateAccept has it
	// encode is the negotiated format without name escaping: the probe's
	// metric and label names are legacy names (newGaugeDesc checks), which
	// every escaping scheme leaves as they are, so copying each family to
	// escape it is skipped. The bytes written are the same.
	encode expfmt.Format
	// text and openMetrics are the formats appendText writes, without
	// expfmt.
	text, openMetrics bool
}

// lastFormat is the answer format for the last Accept header seen: a
// scraper sends the same header on every scrape, and negotiating it anew
// costs a probe dozens of allocations.
var lastFormat atomic.Pointer[answerFormat]

func negotiateFormat(h http.Header) *answerFormat {
	accept := h.Get("Accept")
	if f := lastFormat.Load(); f != nil && f.accept == accept {
		return f
	}
	format := expfmt.NegotiateAccept(h, expfmt.DefaultAcceptedFormats()...)
	f := &answerFormat{
		accept:      accept,
		contentType: string(format),
		encode:      format.WithEscapingScheme(model.NoEscaping),
		text:        format.FormatType() == expfmt.TypeTextPlain,
		openMetrics: format.FormatType() == expfmt.TypeOpenMetrics,
	}
	lastFormat.Store(f)
	return f
}

// extendDeadlines frees a probe from the server's ReadTimeout and
// WriteTimeout, which are shorter than a long probe: the read deadline
// would cancel the request's context (and so the probe) while the server
// watches the idle connection, and the write deadline would cut the
// answer. Reading waits for the scraper to go away, however long the
// probe; writing has until the probe's timeout plus writeMargin. Where
// the ResponseWriter cannot (a test's recorder), nothing changes.
func extendDeadlines(w http.ResponseWriter, timeout time.Duration) {
	rc := http.NewResponseController(w)
	_ = rc.SetReadDeadline(time.Time{})
	_ = rc.SetWriteDeadline(time.Now().Add(timeout + writeMargin))
}

// metricFamiliesSize estimates the bytes that mfs hold.
func (list exposition) size() int {
	n := 0
	for i, m := range list {
		if i == 0 || m.gd != list[i-1].gd {
			n += 64 + len(m.gd.name) + len(m.gd.help)
		}
		n += 96
		for j := range m.n {
			n += 32 + len(m.gd.labels[j]) + len(m.values[j])
		}
	}
	return n
}

// ProbeTimeout computes a probe's timeout: the scrape timeout Prometheus
// announces minus offset, capped by the module's timeout. It is never zero
// or negative: without a usable header the module's timeout applies; when
// the offset would eat the whole scrape timeout, the offset is dropped; and
// minProbeTimeout is the floor.
func ProbeTimeout(header string, offset, moduleTimeout time.Duration) (time.Duration, error) {
	t := moduleTimeout
	if header != "" {
		secs, err := strconv.ParseFloat(strings.TrimSpace(header), 64)
		if err != nil || math.IsNaN(secs) || math.IsInf(secs, 0) {
			return 0, fmt.Errorf("invalid X-Prometheus-Scrape-Timeout-Seconds %q", header)
		}
		if secs > 0 {
			scrape := time.Duration(secs * float64(time.Second))
			if scrape-offset > 0 {
				scrape -= offset
			}
			t = min(scrape, moduleTimeout)
		}
	}
	return max(t, minProbeTimeout), nil
}

// DebugOutput is what debug=true returns and /logs shows: the probe's log
// lines, its metrics, and the module with every secret hidden.
func DebugOutput(module config.Module, logs string, metrics exposition, gatherErr error) string {
	var b strings.Builder
	b.WriteString("Logs for the probe:\n")
	b.WriteString(logs)
	b.WriteString("\n\nMetrics that would have been returned:\n")
	if gatherErr == nil {
		b.Write(metrics.appendText(nil, false))
	} else {
		fmt.Fprintf(&b, "error gathering metrics: %v\n", gatherErr)
	}
	b.WriteString("\n\nModule configuration:\n")
	if y, err := yaml.Marshal(module); err == nil {
		b.Write(y)
	} else {
		fmt.Fprintf(&b, "error marshalling the module: %v\n", err)
	}
	return b.String()
}

// observe adds the probe's duration and its requests' to the histograms,
// with the probe's trace_id as the exemplar of a sampled probe.
func (m *ExporterMetrics) observe(module, result string, res *Result) {
	var exemplar prometheus.Labels
	if res.TraceSampled {
		exemplar = prometheus.Labels{"trace_id": res.TraceID.String()}
	}
	observe(m.ProbeDuration.WithLabelValues(module, result), res.Duration, exemplar)
	for _, r := range res.Requests {
		observe(m.OperationDuration.WithLabelValues(module, r.Method, operationErrorType(r.ErrorType)), r.Duration, exemplar)
	}
}

func observe(o prometheus.Observer, d time.Duration, exemplar prometheus.Labels) {
	if exemplar != nil {
		if eo, ok := o.(prometheus.ExemplarObserver); ok {
			eo.ObserveWithExemplar(d.Seconds(), exemplar)
			return
		}
	}
	o.Observe(d.Seconds())
}

// operationErrorType bounds a request's error.type as a label value: the
// JSON-RPC codes of the specifications as themselves, any other code a
// server answered as jsonrpc_error, the exporter's reasons as they are.
func operationErrorType(t string) string {
	if t == "" || t[0] != '-' {
		return t
	}
	switch t {
	case "-32700", "-32600", "-32601", "-32602", "-32603", "-32001", "-32002", "-32042":
		return t
	}
	return string(failure.ReasonJSONRPCError)
}
