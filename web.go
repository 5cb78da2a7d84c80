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

package main

import (
	"bytes"
	"context"
	"fmt"
	"html/template"
	"log/slog"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/prometheus/common/version"
	"github.com/prometheus/exporter-toolkit/web"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	yaml "go.yaml.in/yaml/v3"

	"github.com/mcp-exporter/mcp_exporter/config"
	"github.com/mcp-exporter/mcp_exporter/internal/registrysd"
	"github.com/mcp-exporter/mcp_exporter/internal/tracing"
	"github.com/mcp-exporter/mcp_exporter/prober"
)

// exporter is the exporter's HTTP side: the endpoints and the reload
// logic, with everything it needs as named fields so that tests can build
// one without starting the process.
type exporter struct {
	configFile  string
	config      *config.SafeConfig
	prober      *prober.Prober
	history     *prober.History
	logger      *slog.Logger
	routePrefix string // "" or "/prefix", without a trailing slash
	probe       *prober.Handler
	sd          *registrysd.Manager
	registry    *prometheus.Registry

	reloadMu        sync.Mutex
	tracing         *config.Tracing          // the tracing block in force, nil: off
	tracer          *sdktrace.TracerProvider // its provider, nil: off
	reloadSuccess   prometheus.Gauge
	reloadTimestamp prometheus.Gauge
}

type exporterOptions struct {
	configFile    string
	config        *config.Config
	logger        *slog.Logger
	proberLevel   slog.Level
	timeoutOffset time.Duration
	historyLimit  int
	maxInFlight   int
	routePrefix   string
	registry      *prometheus.Registry
}

func newExporter(o exporterOptions) *exporter {
	e := &exporter{
		configFile:  o.configFile,
		config:      config.NewSafeConfig(o.config),
		prober:      prober.New(),
		history:     prober.NewHistory(o.historyLimit),
		logger:      o.logger,
		routePrefix: strings.TrimRight(o.routePrefix, "/"),
		registry:    o.registry,
		reloadSuccess: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "mcp_exporter_config_last_reload_successful",
			Help: "Whether the last configuration reload succeeded.",
		}),
		reloadTimestamp: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "mcp_exporter_config_last_reload_success_timestamp_seconds",
			Help: "Timestamp of the last successful configuration reload.",
		}),
	}
	e.registry.MustRegister(e.reloadSuccess, e.reloadTimestamp)
	e.reloadSuccess.Set(1)
	e.reloadTimestamp.SetToCurrentTime()
	e.probe = &prober.Handler{
		Config:        e.config,
		Prober:        e.prober,
		History:       e.history,
		Metrics:       prober.NewExporterMetrics(e.registry),
		Logger:        o.logger,
		ProberLevel:   o.proberLevel,
		TimeoutOffset: o.timeoutOffset,
	}
	if o.maxInFlight > 0 {
		e.probe.Slots = make(chan struct{}, o.maxInFlight)
	}
	e.sd = &registrysd.Manager{Metrics: registrysd.NewMetrics(e.registry), Logger: o.logger}
	e.sd.Apply(o.config, true)
	return e
}

// reload puts the configuration file in force again. A bad file changes
// nothing: the old configuration keeps serving, and the log and the reload
// metric say why.
func (e *exporter) reload() error {
	e.reloadMu.Lock()
	defer e.reloadMu.Unlock()
	c, err := config.Load(e.configFile)
	if err == nil {
		// A tracing block whose provider cannot be built (an unreadable
		// ca_file) fails the reload like any bad key.
		err = e.applyTracing(c.Tracing)
	}
	if err != nil {
		e.reloadSuccess.Set(0)
		e.logger.Error("reloading the configuration failed; the previous configuration stays in force", "err", err)
		return err
	}
	e.config.Put(c)
	e.prober.Reset()
	e.sd.Apply(e.config.Get(), true)
	e.reloadSuccess.Set(1)
	e.reloadTimestamp.SetToCurrentTime()
	e.logger.Info("configuration reloaded", "file", e.configFile)
	return nil
}

func (e *exporter) routes() (http.Handler, error) {
	mux := http.NewServeMux()
	p := e.routePrefix
	mux.Handle(p+"/probe", e.probe)
	mux.Handle(p+"/sd", e.sd)
	mux.Handle(p+"/metrics", promhttp.HandlerFor(e.registry, promhttp.HandlerOpts{Registry: e.registry, EnableOpenMetrics: true}))
	mux.HandleFunc(p+"/config", e.serveConfig)
	mux.HandleFunc(p+"/logs", e.serveLogs)
	mux.HandleFunc(p+"/-/healthy", func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write([]byte("Healthy"))
	})
	mux.HandleFunc(p+"/-/reload", e.serveReload)
	mux.HandleFunc(p+"/{$}", e.serveLanding)
	if p != "" {
		mux.Handle(p, http.RedirectHandler(p+"/", http.StatusFound))
	}
	return mux, nil
}

func (e *exporter) serveReload(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", "POST")
		http.Error(w, "reload with POST", http.StatusMethodNotAllowed)
		return
	}
	if err := e.reload(); err != nil {
		http.Error(w, fmt.Sprintf("failed to reload the configuration: %s", err), http.StatusInternalServerError)
		return
	}
	_, _ = w.Write([]byte("configuration reloaded\n"))
}

// serveConfig shows the configuration in force. Secrets marshal as <secret>:
// prometheus/common's Secret type, and config.Module's MarshalYAML for
// http_headers values and oauth2 endpoint_params.
func (e *exporter) serveConfig(w http.ResponseWriter, _ *http.Request) {
	b, err := yaml.Marshal(e.config.Get())
	if err != nil {
		http.Error(w, fmt.Sprintf("marshalling the configuration: %s", err), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = w.Write(b)
}

func (e *exporter) serveLogs(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.URL.Query().Get("id"), 10, 64)
	if err != nil {
		http.Error(w, "id must be a probe id from the landing page", http.StatusBadRequest)
		return
	}
	res := e.history.Get(id)
	if res == nil {
		http.Error(w, "no probe with that id is kept any more", http.StatusNotFound)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = w.Write([]byte(res.DebugOutput()))
}

// recentProbes is the landing page's table of recent probes. A failure
// is told by a word and a symbol, not only by its colour, and names its
// layer and reason (probe_mcp_failure_info's labels).
var recentProbes = template.Must(template.New("recent").Funcs(template.FuncMap{"readable": readableDuration}).Parse(`
<h2>Recent probes</h2>
<table class="probes" border="1" cellpadding="3">
<tr><th>Result</th><th>Module</th><th>Target</th><th>Failed layer: reason</th><th>Duration</th><th>Time (UTC)</th><th>Debug</th></tr>
{{range .}}{{if .Success}}<tr class="ok"><td class="result">✔ OK</td>{{else}}<tr class="failed"><td class="result">✘ FAILED</td>{{end}}<td>{{.Module}}</td><td class="target">{{.Target}}</td><td>{{if not .Success}}{{.FailedLayer}}: {{.Reason}}{{end}}</td><td>{{readable .Duration}}</td><td>{{.Time.UTC.Format "2006-01-02 15:04:05"}}</td><td><a href="logs?id={{.ID}}">logs</a></td></tr>
{{else}}<tr><td colspan="7">No probes yet.</td></tr>{{end}}
</table>`))

// landingCSS widens the form's target field to hold a URL and marks the
// result column.
const landingCSS = `input[name="target"] { width: 40em; max-width: 90%; }
table.probes { border-collapse: collapse; }
table.probes td.target { word-break: break-all; }
tr.ok td.result { color: #1b5e20; }
tr.failed td.result { color: #b71c1c; font-weight: bold; }
tr.failed { background-color: #fdecea; }`

// readableDuration rounds d to two or three significant digits in a unit
// that suits it: 850µs, 2.3ms, 12ms, 1.2s, 12s.
func readableDuration(d time.Duration) string {
	switch {
	case d < time.Millisecond:
		return d.Round(time.Microsecond).String()
	case d < 10*time.Millisecond:
		return d.Round(100 * time.Microsecond).String()
	case d < time.Second:
		return d.Round(time.Millisecond).String()
	case d < 10*time.Second:
		return d.Round(100 * time.Millisecond).String()
	default:
		return d.Round(time.Second).String()
	}
}

// serveLanding renders exporter-toolkit's landing page with the recent
// probes below it; targets are escaped by html/template.
func (e *exporter) serveLanding(w http.ResponseWriter, r *http.Request) {
	var table bytes.Buffer
	if err := recentProbes.Execute(&table, e.history.List()); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	landing, err := web.NewLandingPage(web.LandingConfig{
		RoutePrefix: e.routePrefix + "/",
		Name:        "MCP Exporter",
		Description: "Prometheus exporter that probes MCP (Model Context Protocol) servers",
		Version:     version.Info(),
		Form: web.LandingForm{
			Action: "probe",
			Inputs: []web.LandingFormInput{
				{Label: "Target", Type: "text", Name: "target", Placeholder: "https://mcp.example.internal/mcp"},
				{Label: "Module", Type: "text", Name: "module", Value: config.DefaultModuleName},
				{Label: "Debug", Type: "checkbox", Name: "debug", Value: "true"},
			},
		},
		Links: []web.LandingLinks{
			{Address: "metrics", Text: "Metrics"},
			{Address: "config", Text: "Configuration"},
		},
		ExtraHTML: table.String(),
		ExtraCSS:  landingCSS,
		// The exporter serves no /debug/pprof; without this the page links to it.
		Profiling: "false",
	})
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	landing.ServeHTTP(w, r)
}

// applyTracing puts the tracing block t in force (nil: tracing off): a
// new tracer provider for the probes that start from now on, the previous
// one shut down (what it holds sent) in the background. An unchanged
// block keeps its provider. On error nothing changes.
func (e *exporter) applyTracing(t *config.Tracing) error {
	if reflect.DeepEqual(t, e.tracing) {
		return nil
	}
	var tp *sdktrace.TracerProvider
	if t != nil {
		var err error
		if tp, err = tracing.New(t, version.Version); err != nil {
			return err
		}
	}
	old := e.tracer
	e.tracing, e.tracer = t, tp
	if tp == nil {
		e.prober.SetTracerProvider(nil)
	} else {
		e.prober.SetTracerProvider(tp)
		e.logger.Info("tracing probes", "endpoint", t.Endpoint, "client_type", t.ClientType, "sampling_fraction", t.SamplingFraction)
	}
	if old != nil {
		go shutdownTracer(old, e.logger)
	}
	return nil
}

// stopTracing sends the spans still held and stops tracing.
func (e *exporter) stopTracing() {
	e.reloadMu.Lock()
	defer e.reloadMu.Unlock()
	if e.tracer != nil {
		e.prober.SetTracerProvider(nil)
		shutdownTracer(e.tracer, e.logger)
		e.tracer, e.tracing = nil, nil
	}
}

// shutdownTracer shuts tp down within 10 seconds.
func shutdownTracer(tp *sdktrace.TracerProvider, logger *slog.Logger) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := tp.Shutdown(ctx); err != nil {
		logger.Warn("stopping the tracer provider", "err", err)
	}
}
