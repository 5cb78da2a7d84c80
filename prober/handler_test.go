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
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	promconfig "github.com/prometheus/common/config"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/mcp-exporter/mcp_exporter/config"
	"github.com/mcp-exporter/mcp_exporter/internal/failure"
	"github.com/mcp-exporter/mcp_exporter/internal/protocol"
	"github.com/mcp-exporter/mcp_exporter/internal/testsupport"
)

func TestProbeTimeout(t *testing.T) {
	t.Parallel()
	const offset = 500 * time.Millisecond
	for _, tc := range []struct {
		name    string
		header  string
		offset  time.Duration
		module  time.Duration
		want    time.Duration
		wantErr bool
	}{
		{name: "no header", header: "", offset: offset, module: 7 * time.Second, want: 7 * time.Second},
		{name: "module caps the scrape timeout", header: "10", offset: offset, module: 5 * time.Second, want: 5 * time.Second},
		{name: "scrape timeout minus offset", header: "3", offset: offset, module: 10 * time.Second, want: 2500 * time.Millisecond},
		{name: "fractional header", header: "1.25", offset: 250 * time.Millisecond, module: 10 * time.Second, want: time.Second},
		{name: "spaces around the header", header: " 3 ", offset: offset, module: 10 * time.Second, want: 2500 * time.Millisecond},
		{name: "offset larger than the scrape timeout is dropped", header: "0.3", offset: offset, module: 10 * time.Second, want: 300 * time.Millisecond},
		{name: "offset equal to the scrape timeout is dropped", header: "0.5", offset: offset, module: 10 * time.Second, want: 500 * time.Millisecond},
		{name: "zero header means no header", header: "0", offset: offset, module: 4 * time.Second, want: 4 * time.Second},
		{name: "negative header means no header", header: "-1", offset: offset, module: 4 * time.Second, want: 4 * time.Second},
		{name: "tiny scrape timeout is floored", header: "0.01", offset: offset, module: 10 * time.Second, want: minProbeTimeout},
		{name: "tiny result after the offset is floored", header: "0.55", offset: offset, module: 10 * time.Second, want: minProbeTimeout},
		{name: "tiny module timeout is floored", header: "", offset: offset, module: time.Millisecond, want: minProbeTimeout},
		{name: "not a number", header: "abc", offset: offset, module: 10 * time.Second, wantErr: true},
		{name: "NaN", header: "NaN", offset: offset, module: 10 * time.Second, wantErr: true},
		{name: "Inf", header: "Inf", offset: offset, module: 10 * time.Second, wantErr: true},
		{name: "-Inf", header: "-Inf", offset: offset, module: 10 * time.Second, wantErr: true},
		{name: "a duration is not seconds", header: "10s", offset: offset, module: 10 * time.Second, wantErr: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ProbeTimeout(tc.header, tc.offset, tc.module)
			if tc.wantErr {
				if err == nil {
					t.Fatalf("ProbeTimeout(%q) = %s, want an error", tc.header, got)
				}
				if !strings.Contains(err.Error(), "X-Prometheus-Scrape-Timeout-Seconds") {
					t.Errorf("error %q does not name the header", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("ProbeTimeout(%q): %v", tc.header, err)
			}
			if got != tc.want {
				t.Errorf("ProbeTimeout(%q, %s, %s) = %s, want %s", tc.header, tc.offset, tc.module, got, tc.want)
			}
		})
	}
}

func TestParseTarget(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in      string
		want    string // "" means an error is expected
		errPart string
	}{
		{in: "", errPart: "missing"},
		{in: "http://[::1", errPart: "absolute http:// or https:// URL"},
		{in: "%zz", errPart: "absolute http:// or https:// URL"},
		{in: "ftp://mcp.example.com/mcp", errPart: "http"},
		{in: "file:///etc/passwd", errPart: "http"},
		{in: "mcp.example.com/mcp", errPart: "http"},
		{in: "mcp.example.com:8080/mcp", errPart: ""},
		{in: "http:///mcp", errPart: "no host"},
		{in: "https://:443/mcp", errPart: "no host"},
		{in: "http://mcp.example.com/mcp", want: "http://mcp.example.com/mcp"},
		{in: "https://mcp.example.com:8443/v1/mcp?x=1", want: "https://mcp.example.com:8443/v1/mcp?x=1"},
		{in: "http://127.0.0.1:3000/mcp#section", want: "http://127.0.0.1:3000/mcp"},
		{in: "http://[::1]:3000/", want: "http://[::1]:3000/"},
	} {
		t.Run(tc.in, func(t *testing.T) {
			u, err := ParseTarget(tc.in)
			if tc.want == "" {
				if err == nil {
					t.Fatalf("ParseTarget(%q) = %s, want an error", tc.in, u)
				}
				if !strings.Contains(err.Error(), tc.errPart) {
					t.Errorf("error %q does not contain %q", err, tc.errPart)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseTarget(%q): %v", tc.in, err)
			}
			if u.String() != tc.want {
				t.Errorf("ParseTarget(%q) = %s, want %s", tc.in, u, tc.want)
			}
		})
	}
}

type handlerFixture struct {
	h        *Handler
	registry *prometheus.Registry // the exporter's own
	log      *testsupport.SyncBuffer
}

func newHandlerFixture(t *testing.T, modules map[string]config.Module) *handlerFixture {
	t.Helper()
	reg := prometheus.NewRegistry()
	logs := &testsupport.SyncBuffer{}
	return &handlerFixture{
		h: &Handler{
			Config:        config.NewSafeConfig(&config.Config{Modules: modules}),
			Prober:        New(),
			History:       NewHistory(10),
			Metrics:       NewExporterMetrics(reg),
			Logger:        slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
			ProberLevel:   slog.LevelDebug,
			TimeoutOffset: 500 * time.Millisecond,
		},
		registry: reg,
		log:      logs,
	}
}

// probe calls /probe with the given query and headers.
func (f *handlerFixture) probe(t *testing.T, query url.Values, header http.Header) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, "/probe?"+query.Encode(), nil)
	for k, vs := range header {
		req.Header[k] = vs
	}
	w := httptest.NewRecorder()
	f.h.ServeHTTP(w, req)
	return w
}

// shown is each place a reader of the exporter sees text in, by name:
// what /probe served (the metrics and debug output given), the history
// (/logs: each kept probe's target and debug output), the exporter's log
// and its own metrics.
func (f *handlerFixture) shown(t *testing.T, served []string) map[string]string {
	t.Helper()
	var history []string
	for _, r := range f.h.History.List() {
		history = append(history, r.Target, r.DebugOutput())
	}
	return map[string]string{
		"served (metrics and debug output)": strings.Join(served, "\n"),
		"history (/logs)":                   strings.Join(history, "\n"),
		"exporter log":                      f.log.String(),
		"exporter metrics":                  f.exporterMetrics(t),
	}
}

// exporterMetrics is the exporter's own registry as text.
func (f *handlerFixture) exporterMetrics(t *testing.T) string {
	t.Helper()
	return gatherText(t, f.registry)
}

// seriesCount is how many series c collects.
func seriesCount(c prometheus.Collector) int {
	ch := make(chan prometheus.Metric)
	go func() { c.Collect(ch); close(ch) }()
	n := 0
	for range ch {
		n++
	}
	return n
}

func fastModule() config.Module {
	m := config.DefaultModule
	m.Timeout = model.Duration(5 * time.Second)
	return m
}

// countingServer counts the requests it gets and answers none usefully.
func countingServer(t *testing.T) (*httptest.Server, *atomic.Int64) {
	t.Helper()
	var n atomic.Int64
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		n.Add(1)
		http.Error(w, "not an MCP server", http.StatusNotFound)
	}))
	t.Cleanup(ts.Close)
	return ts, &n
}

func TestHandlerRefusesBadRequests(t *testing.T) {
	t.Parallel()
	f := newHandlerFixture(t, map[string]config.Module{config.DefaultModuleName: fastModule()})
	ts, hits := countingServer(t)

	t.Run("unknown module", func(t *testing.T) {
		w := f.probe(t, url.Values{"module": {"nope"}, "target": {ts.URL}}, nil)
		if w.Code != http.StatusBadRequest {
			t.Fatalf("status %d, want 400", w.Code)
		}
		body := strings.TrimSpace(w.Body.String())
		if strings.Contains(body, "\n") || !strings.Contains(body, `unknown module "nope"`) {
			t.Errorf("body %q, want one line naming the module", body)
		}
		if got := testsupport.MetricValue(t, f.h.Metrics.UnknownModule); got != 1 {
			t.Errorf("unknown-module counter = %v, want 1", got)
		}
	})
	for _, tc := range []struct {
		name   string
		query  url.Values
		header http.Header
		want   string
	}{
		{name: "missing target", query: url.Values{}, want: "missing"},
		{name: "bad target", query: url.Values{"target": {"ftp://example.com/"}}, want: "http"},
		{name: "target without scheme", query: url.Values{"target": {strings.TrimPrefix(ts.URL, "http://")}}, want: "URL"},
		{name: "bad scrape timeout", query: url.Values{"target": {ts.URL}},
			header: http.Header{"X-Prometheus-Scrape-Timeout-Seconds": {"soon"}}, want: "X-Prometheus-Scrape-Timeout-Seconds"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := testsupport.MetricValue(t, f.h.Metrics.BadRequests)
			w := f.probe(t, tc.query, tc.header)
			if w.Code != http.StatusBadRequest {
				t.Fatalf("status %d, want 400", w.Code)
			}
			if !strings.Contains(w.Body.String(), tc.want) {
				t.Errorf("body %q does not contain %q", w.Body.String(), tc.want)
			}
			if got := testsupport.MetricValue(t, f.h.Metrics.BadRequests); got != before+1 {
				t.Errorf("bad-request counter = %v, want %v", got, before+1)
			}
		})
	}
	if n := hits.Load(); n != 0 {
		t.Errorf("the target got %d requests for refused probes, want 0", n)
	}
	if got := len(f.h.History.List()); got != 0 {
		t.Errorf("refused probes were recorded in the history: %d", got)
	}
	if got := seriesCount(f.h.Metrics.Probes); got != 0 {
		t.Errorf("refused probes were counted as probes: %d series", got)
	}
}

func TestHandlerDefaultModule(t *testing.T) {
	t.Parallel()
	ts, hits := countingServer(t)
	other := fastModule()
	other.Timeout = model.Duration(3 * time.Second)
	f := newHandlerFixture(t, map[string]config.Module{config.DefaultModuleName: fastModule(), "other": other})
	w := f.probe(t, url.Values{"target": {ts.URL}}, nil)
	if w.Code != http.StatusOK {
		t.Fatalf("status %d: %s", w.Code, w.Body)
	}
	if hits.Load() == 0 {
		t.Error("the probe without a module sent nothing to the target")
	}
	if !strings.Contains(w.Body.String(), "probe_timeout_seconds 5\n") {
		t.Errorf("want the default module's 5s timeout:\n%s", w.Body)
	}
	if !strings.Contains(w.Body.String(), "probe_success 0\n") {
		t.Errorf("want a failed probe against a 404 server:\n%s", w.Body)
	}
	if got := testsupport.MetricValue(t, f.h.Metrics.Probes.WithLabelValues(config.DefaultModuleName, "failure")); got != 1 {
		t.Errorf(`mcp_exporter_probes_total{module="default",result="failure"} = %v, want 1`, got)
	}
	list := f.h.History.List()
	if len(list) != 1 || list[0].Module != config.DefaultModuleName || list[0].Success {
		t.Errorf("history = %+v, want one failed probe of module default", list)
	}
}

var versionInfoRE = regexp.MustCompile(`probe_mcp_protocol_version_info\{version="([^"]+)"\} 1`)

func TestHandlerProbesSDKServer(t *testing.T) {
	t.Parallel()
	ts := testsupport.SDKServer{}.Start(t)
	module := config.DefaultModule
	f := newHandlerFixture(t, map[string]config.Module{"mcp": module})
	scrape := http.Header{"X-Prometheus-Scrape-Timeout-Seconds": {"3"}}

	w := f.probe(t, url.Values{"module": {"mcp"}, "target": {ts.URL}}, scrape)
	if w.Code != http.StatusOK {
		t.Fatalf("status %d: %s", w.Code, w.Body)
	}
	if ct := w.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
		t.Errorf("Content-Type %q, want the text exposition format", ct)
	}
	metrics := w.Body.String()
	for _, want := range []string{"probe_success 1\n", "probe_timeout_seconds 2.5\n", "probe_duration_seconds ", "probe_mcp_tools 1\n"} {
		if !strings.Contains(metrics, want) {
			t.Errorf("metrics lack %q:\n%s", want, metrics)
		}
	}
	if got := testsupport.MetricValue(t, f.h.Metrics.Probes.WithLabelValues("mcp", "success")); got != 1 {
		t.Errorf(`mcp_exporter_probes_total{module="mcp",result="success"} = %v, want 1`, got)
	}

	t.Run("debug", func(t *testing.T) {
		w := f.probe(t, url.Values{"module": {"mcp"}, "target": {ts.URL}, "debug": {"true"}}, scrape)
		if w.Code != http.StatusOK {
			t.Fatalf("status %d: %s", w.Code, w.Body)
		}
		if ct := w.Header().Get("Content-Type"); ct != "text/plain; charset=utf-8" {
			t.Errorf("Content-Type %q", ct)
		}
		out := w.Body.String()
		for _, want := range []string{
			"Logs for the probe", "Metrics that would have been returned", "Module configuration",
			"probe_success 1", "probe_mcp_tools 1", "probe_timeout_seconds 2.5",
			"probe started", "probe succeeded", "timeout: 10s",
		} {
			if !strings.Contains(out, want) {
				t.Errorf("debug output lacks %q:\n%s", want, out)
			}
		}
		m := versionInfoRE.FindStringSubmatch(out)
		if m == nil || !slices.Contains(protocol.KnownVersions, m[1]) {
			t.Errorf("debug output lacks the negotiated version:\n%s", out)
		} else if !strings.Contains(out, "protocol_version="+m[1]) {
			t.Errorf("debug log lacks protocol_version=%s:\n%s", m[1], out)
		}
		// Tool definitions are hashed, never shown.
		for _, leak := range []string{"echo", "Echoes its input."} {
			if strings.Contains(out, leak) {
				t.Errorf("debug output shows the tool's %q:\n%s", leak, out)
			}
		}

		list := f.h.History.List()
		if len(list) != 2 {
			t.Fatalf("history has %d probes, want 2", len(list))
		}
		newest := list[0]
		if !newest.Success || newest.Module != "mcp" || newest.Target != ts.URL || newest.Duration <= 0 {
			t.Errorf("history entry %+v", newest)
		}
		got := f.h.History.Get(newest.ID)
		if got == nil || got.DebugOutput() != out {
			t.Errorf("History.Get(%d) does not return the debug output served", newest.ID)
		}
	})
}

// authSDKServer is a go-sdk MCP server that answers only requests that
// carry the bearer token.
func authSDKServer(t *testing.T, token string) *httptest.Server {
	t.Helper()
	h := testsupport.SDKServer{Name: "auth-test-server", Version: "1.0.0"}.Handler()
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer "+token {
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(ts.Close)
	return ts
}

func TestHandlerNeverShowsSecrets(t *testing.T) {
	t.Parallel()
	const token = "s3cr3t-PROBE-TOKEN"
	const password = "pa55word"
	ts := authSDKServer(t, token)

	withToken := fastModule()
	withToken.HTTPClientConfig = promconfig.DefaultHTTPClientConfig
	withToken.HTTPClientConfig.Authorization = &promconfig.Authorization{Type: "Bearer", Credentials: promconfig.Secret(token)}
	withToken.AllowAnyTarget = true
	f := newHandlerFixture(t, map[string]config.Module{"auth": withToken, "plain": fastModule()})

	var served []string
	w := f.probe(t, url.Values{"module": {"auth"}, "target": {ts.URL}}, nil)
	if !strings.Contains(w.Body.String(), "probe_success 1\n") {
		t.Fatalf("the probe with the bearer token failed:\n%s\nlog:\n%s", w.Body, f.log)
	}
	served = append(served, w.Body.String())
	w = f.probe(t, url.Values{"module": {"auth"}, "target": {ts.URL}, "debug": {"true"}}, nil)
	if !strings.Contains(w.Body.String(), "probe_success 1\n") || !strings.Contains(w.Body.String(), "<secret>") {
		t.Errorf("debug output: want success and the credentials shown as <secret>:\n%s", w.Body)
	}
	served = append(served, w.Body.String())

	// Without the token the server refuses, and the probe says so.
	w = f.probe(t, url.Values{"module": {"plain"}, "target": {ts.URL}}, nil)
	if !strings.Contains(w.Body.String(), "probe_success 0\n") {
		t.Errorf("the probe without the token succeeded:\n%s", w.Body)
	}

	// A password in the target URL is redacted wherever the target is shown,
	// whether or not the target answers.
	u, _ := url.Parse(ts.URL)
	u.User = url.UserPassword("user", password)
	closed := closedPortURL(t)
	closed.User = url.UserPassword("user", password)
	for _, target := range []string{u.String(), closed.String()} {
		w = f.probe(t, url.Values{"module": {"auth"}, "target": {target}, "debug": {"true"}}, nil)
		served = append(served, w.Body.String())
		if !strings.Contains(w.Body.String(), "user:xxxxx@") {
			t.Errorf("debug output does not show the redacted target:\n%s", w.Body)
		}
	}

	for _, r := range f.h.History.List() {
		if strings.Contains(r.Target, "@") && !strings.Contains(r.Target, "xxxxx") {
			t.Errorf("history target %q is not redacted", r.Target)
		}
	}
	places := f.shown(t, served)
	if !strings.Contains(places["exporter log"], "probe succeeded") {
		t.Errorf("the exporter log did not get the probe's lines:\n%s", places["exporter log"])
	}
	for where, text := range places {
		for _, secret := range []string{token, password} {
			if strings.Contains(text, secret) {
				t.Errorf("%s contains %q:\n%s", where, secret, text)
			}
		}
	}
}

// closedPortURL is an http URL on which nothing listens.
func closedPortURL(t *testing.T) *url.URL {
	t.Helper()
	return &url.URL{Scheme: "http", Host: testsupport.RefusedAddr(t), Path: "/mcp"}
}

func TestHandlerProberLevel(t *testing.T) {
	t.Parallel()
	ts, _ := countingServer(t)
	f := newHandlerFixture(t, map[string]config.Module{config.DefaultModuleName: fastModule()})
	f.h.Logger = slog.New(slog.NewTextHandler(f.log, &slog.HandlerOptions{Level: slog.LevelInfo}))
	f.h.ProberLevel = slog.LevelDebug
	w := f.probe(t, url.Values{"target": {ts.URL}, "debug": {"true"}}, nil)
	if !strings.Contains(w.Body.String(), "probe started") {
		t.Fatalf("debug output lacks the probe's log:\n%s", w.Body)
	}
	// The probe fails (the server is no MCP server): its one failure line
	// is all that reaches the exporter's log.
	if got := f.log.String(); strings.Count(got, "\n") != 1 || !strings.Contains(got, `msg="probe failed"`) || strings.Contains(got, "probe started") {
		t.Errorf("with --log.prober=debug and --log.level=info, probe lines other than the failure reached the exporter's log:\n%s", got)
	}
	f.h.ProberLevel = slog.LevelWarn
	f.probe(t, url.Values{"target": {ts.URL}}, nil)
	if got := f.log.String(); !strings.Contains(got, "level=WARN") || !strings.Contains(got, "probe started") || strings.Contains(got, "level=INFO") {
		t.Errorf("with --log.prober=warn every probe line should reach the log at WARN:\n%s", got)
	}

	// A probe line that reaches a log showing call sites carries its own
	// (logAttrs finds it only then); the probe's own log shows none.
	f.log = new(testsupport.SyncBuffer)
	f.h.Logger = slog.New(slog.NewTextHandler(f.log, &slog.HandlerOptions{Level: slog.LevelDebug, AddSource: true}))
	f.h.ProberLevel = slog.LevelDebug
	w = f.probe(t, url.Values{"target": {ts.URL}, "debug": {"true"}}, nil)
	for _, line := range strings.Split(strings.TrimSpace(f.log.String()), "\n") {
		for _, msg := range []string{`msg="probe started"`, "msg=exchange"} {
			if strings.Contains(line, msg) && !regexp.MustCompile(`source=\S+/prober/(handler|record)\.go:\d+ `).MatchString(line) {
				t.Errorf("forwarded line without its call site: %s", line)
			}
		}
	}
	if strings.Contains(w.Body.String(), "source=") {
		t.Errorf("the probe's own log shows call sites:\n%s", w.Body)
	}
}

func TestHistory(t *testing.T) {
	t.Parallel()
	t.Run("limit and order", func(t *testing.T) {
		h := NewHistory(3)
		for i := range 5 {
			h.Add(HistoryEntry{Module: "m", Target: fmt.Sprintf("http://t%d/", i), Success: true, Duration: time.Second, Render: func() string { return "out" }})
		}
		list := h.List()
		var targets []string
		for _, r := range list {
			targets = append(targets, r.Target)
		}
		if want := []string{"http://t4/", "http://t3/", "http://t2/"}; !slices.Equal(targets, want) {
			t.Errorf("List = %q, want %q (newest first, limit 3)", targets, want)
		}
		if h.Get(list[0].ID) != list[0] {
			t.Error("Get(newest id) did not return it")
		}
		if h.Get(0) != nil {
			t.Error("Get of an id pushed out returned a probe")
		}
		if h.Get(12345) != nil || h.Get(-1) != nil {
			t.Error("Get of an unknown id returned a probe")
		}
	})
	t.Run("failures kept separately", func(t *testing.T) {
		h := NewHistory(2)
		h.Add(HistoryEntry{Module: "m", Target: "http://old-failure/", Success: false, Duration: time.Second, Render: func() string { return "failed" }})
		for range 5 {
			h.Add(HistoryEntry{Module: "m", Target: "http://ok/", Success: true, Duration: time.Second, Render: func() string { return "ok" }})
		}
		list := h.List()
		if len(list) != 3 {
			t.Fatalf("List has %d probes, want 2 recent + 1 failure", len(list))
		}
		last := list[len(list)-1]
		if last.Target != "http://old-failure/" || last.Success {
			t.Errorf("oldest kept probe = %+v, want the old failure", last)
		}
		if h.Get(last.ID) == nil {
			t.Error("Get does not find the old failure")
		}
		for i := 1; i < len(list); i++ {
			if list[i-1].ID <= list[i].ID {
				t.Errorf("List not newest first: ids %d then %d", list[i-1].ID, list[i].ID)
			}
		}
		// Recent failures count toward both lists but are listed once.
		h.Add(HistoryEntry{Module: "m", Target: "http://new-failure/", Success: false, Duration: time.Second, Render: func() string { return "failed" }})
		h.Add(HistoryEntry{Module: "m", Target: "http://newer-failure/", Success: false, Duration: time.Second, Render: func() string { return "failed" }})
		list = h.List()
		if len(list) != 2 || list[0].Target != "http://newer-failure/" || list[1].Target != "http://new-failure/" {
			t.Errorf("List after two new failures = %+v", list)
		}
	})
	t.Run("limit zero keeps nothing", func(t *testing.T) {
		h := NewHistory(0)
		h.Add(HistoryEntry{Module: "m", Target: "http://t/", Success: false, Duration: time.Second, Render: func() string { return "out" }})
		if len(h.List()) != 0 {
			t.Error("NewHistory(0) kept a probe")
		}
	})
	t.Run("concurrent", func(t *testing.T) {
		h := NewHistory(5)
		var wg sync.WaitGroup
		for i := range 8 {
			wg.Go(func() {
				for range 50 {
					h.Add(HistoryEntry{Module: "m", Target: "http://t/", Success: i%2 == 0, Duration: time.Second, Render: func() string { return "out" }})
					_ = h.List()
				}
			})
		}
		wg.Wait()
		if n := len(h.List()); n > 10 {
			t.Errorf("List has %d probes, more than twice the limit", n)
		}
	})
}

func TestProbeMetricsPassPromtool(t *testing.T) {
	t.Parallel()
	sdk := testsupport.SDKServer{Tools: 3, Resources: 2, Prompts: 2}.Start(t)
	notMCP, _ := countingServer(t)
	lists := fastModule()
	lists.ListResources, lists.ListPrompts = true, true
	f := newHandlerFixture(t, map[string]config.Module{config.DefaultModuleName: fastModule(), "lists": lists})
	for name, target := range map[string]string{
		"success":            sdk.URL,
		"success with lists": sdk.URL,
		"http error":         notMCP.URL,
		"connection refused": closedPortURL(t).String(),
	} {
		t.Run(name, func(t *testing.T) {
			q := url.Values{"target": {target}}
			if name == "success with lists" {
				q.Set("module", "lists")
			}
			w := f.probe(t, q, nil)
			if w.Code != http.StatusOK {
				t.Fatalf("status %d: %s", w.Code, w.Body)
			}
			if wantOK := strings.HasPrefix(name, "success"); strings.Contains(w.Body.String(), "probe_success 1\n") != wantOK {
				t.Errorf("probe_success: want %v:\n%s", wantOK, w.Body)
			}
			testsupport.CheckMetrics(t, w.Body.String())
		})
	}
}

// TestHandlerLogsFailedProbeOnce: at the default flags (--log.level=info,
// --log.prober=debug) a failed probe leaves one line in the exporter's log,
// naming module, target (masked), layer, reason, duration and trace id; a
// successful probe none. With the probe's log forwarded (--log.prober=warn)
// the failure is still one line, the probe log's own.
func TestHandlerLogsFailedProbeOnce(t *testing.T) {
	t.Parallel()
	const secret = "s3cr3t-QUERY-VALUE"
	ts := testsupport.SDKServer{}.Start(t)
	f := newHandlerFixture(t, map[string]config.Module{config.DefaultModuleName: fastModule()})
	f.h.Logger = slog.New(slog.NewTextHandler(f.log, &slog.HandlerOptions{Level: slog.LevelInfo}))
	f.h.ProberLevel = slog.LevelDebug

	if w := f.probe(t, url.Values{"target": {ts.URL + "?key=" + secret}}, nil); !strings.Contains(w.Body.String(), "probe_success 1\n") {
		t.Fatalf("the probe of the SDK server failed:\n%s", w.Body)
	}
	if got := f.log.String(); got != "" {
		t.Errorf("a successful probe logged at the default flags:\n%s", got)
	}

	closed := closedPortURL(t)
	closed.RawQuery = "key=" + secret
	f.probe(t, url.Values{"target": {closed.String()}}, nil)
	got := f.log.String()
	lines := strings.Split(strings.TrimSpace(got), "\n")
	if len(lines) != 1 {
		t.Fatalf("a failed probe logged %d lines at the default flags, want 1:\n%s", len(lines), got)
	}
	masked := closed.Scheme + "://" + closed.Host + closed.Path + "?key=" + queryMask
	for _, want := range []string{"level=WARN", `msg="probe failed"`, "module=default", `target="` + masked + `"`, "layer=connect", "reason=", "duration_seconds=", "trace_id="} {
		if !strings.Contains(lines[0], want) {
			t.Errorf("the failure line lacks %q:\n%s", want, lines[0])
		}
	}
	if strings.Contains(got, secret) {
		t.Errorf("the exporter's log shows the target's query value:\n%s", got)
	}

	forwarded := &testsupport.SyncBuffer{}
	f.h.Logger = slog.New(slog.NewTextHandler(forwarded, &slog.HandlerOptions{Level: slog.LevelInfo}))
	f.h.ProberLevel = slog.LevelWarn
	f.probe(t, url.Values{"target": {closed.String()}}, nil)
	got = forwarded.String()
	if n := strings.Count(got, `msg="probe failed"`); n != 1 {
		t.Errorf("with --log.prober=warn a failed probe logged %d failure lines, want 1:\n%s", n, got)
	}
	if !strings.Contains(got, "layer=connect") || strings.Contains(got, secret) {
		t.Errorf("with --log.prober=warn the failure line should name the layer and mask the query:\n%s", got)
	}
}

// answerResult reads a /probe answer (text exposition) back into the part
// of a Result it shows, for the tests that probe through the handler and
// assert on a Result: success, each layer (Passed, or Failed for the
// failed layer, NotReached for the others: a 0 does not tell them apart)
// and its duration, the failure, the JSON-RPC code, the transport and the
// HTTP status.
func answerResult(t testing.TB, text string) *Result {
	t.Helper()
	parser := expfmt.NewTextParser(model.UTF8Validation)
	mfs, err := parser.TextToMetricFamilies(strings.NewReader(text))
	if err != nil {
		t.Fatalf("parsing the /probe answer: %v\n%s", err, text)
	}
	r := &Result{}
	value := func(name string) (float64, bool) {
		mf := mfs[name]
		if mf == nil || len(mf.GetMetric()) != 1 {
			return 0, false
		}
		return mf.GetMetric()[0].GetGauge().GetValue(), true
	}
	label := func(m *dto.Metric, name string) string {
		for _, l := range m.GetLabel() {
			if l.GetName() == name {
				return l.GetValue()
			}
		}
		return ""
	}
	v, _ := value("probe_success")
	r.Success = v == 1
	for _, m := range mfs["probe_mcp_failure_info"].GetMetric() {
		r.FailedLayer, r.FailureReason = label(m, "layer"), failure.Reason(label(m, "reason"))
	}
	for _, m := range mfs["probe_mcp_layer_success"].GetMetric() {
		l := LayerResult{Name: label(m, "layer")}
		switch {
		case m.GetGauge().GetValue() == 1:
			l.Outcome = Passed
		case l.Name == r.FailedLayer:
			l.Outcome, l.Reason = Failed, r.FailureReason
		}
		for _, d := range mfs["probe_mcp_layer_duration_seconds"].GetMetric() {
			if label(d, "layer") == l.Name {
				l.Duration = time.Duration(d.GetGauge().GetValue() * float64(time.Second))
			}
		}
		r.Layers = append(r.Layers, l)
	}
	// In the table's order, as a Result has them (the exposition sorts
	// them by name).
	slices.SortStableFunc(r.Layers, func(a, b LayerResult) int { return layerIndex(a.Name) - layerIndex(b.Name) })
	if code, ok := value("probe_mcp_jsonrpc_error_code"); ok {
		c := int(code)
		r.RPCErrorCode = &c
	}
	for _, m := range mfs["probe_mcp_transport_info"].GetMetric() {
		r.Transport = label(m, "transport")
	}
	status, _ := value("probe_http_status_code")
	r.HTTPStatus = int(status)
	return r
}

// answerResult reads back what Families rendered.
func TestAnswerResult(t *testing.T) {
	want := fullResult()
	var b strings.Builder
	mfs, err := Families(want)
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if _, err := expfmt.MetricFamilyToText(&b, mf); err != nil {
			t.Fatal(err)
		}
	}
	got := answerResult(t, b.String())
	if got.Success != want.Success || got.FailedLayer != want.FailedLayer || got.FailureReason != want.FailureReason ||
		rpcCode(got) != rpcCode(want) || got.Transport != want.Transport || got.HTTPStatus != want.HTTPStatus {
		t.Errorf("read back %s, want %s", describe(got), describe(want))
	}
	if len(got.Layers) != len(want.Layers) {
		t.Fatalf("layers %v, want %v", got.Layers, want.Layers)
	}
	for i, l := range want.Layers {
		l.Err = nil
		if got.Layers[i] != l {
			t.Errorf("layer %d: %+v, want %+v", i, got.Layers[i], l)
		}
	}
}

// metricValue returns the value of the series name{labels} in a text
// exposition; labels must match exactly (all of the series' labels).
func metricValue(t testing.TB, text, name string, labels map[string]string) (float64, bool) {
	t.Helper()
	parser := expfmt.NewTextParser(model.UTF8Validation)
	mfs, err := parser.TextToMetricFamilies(strings.NewReader(text))
	if err != nil {
		t.Fatalf("parsing metrics: %v", err)
	}
	mf, ok := mfs[name]
	if !ok {
		return 0, false
	}
	for _, m := range mf.GetMetric() {
		if len(m.GetLabel()) != len(labels) {
			continue
		}
		match := true
		for _, lp := range m.GetLabel() {
			if v, ok := labels[lp.GetName()]; !ok || v != lp.GetValue() {
				match = false
			}
		}
		if match {
			return m.GetGauge().GetValue(), true
		}
	}
	return 0, false
}
