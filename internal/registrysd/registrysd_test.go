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

package registrysd

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/mcp-exporter/mcp_exporter/config"
	"github.com/mcp-exporter/mcp_exporter/internal/testsupport"
)

// entry is one element of a registry's list, as the registry writes it.
func entry(name, version, status string, latest bool, remotes ...string) string {
	return fmt.Sprintf(`{"server":{"$schema":"https://static.modelcontextprotocol.io/schemas/2025-12-11/server.schema.json","name":%s,"description":"d","version":%s,"remotes":[%s]},
"_meta":{"io.modelcontextprotocol.registry/official":{"status":%q,"statusChangedAt":"2026-01-02T03:04:05Z","publishedAt":"2026-01-02T03:04:05.123456Z","updatedAt":"2026-01-02T03:04:05Z","isLatest":%t}}}`,
		js(name), js(version), strings.Join(remotes, ","), status, latest)
}

func js(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

func remoteJSON(typ, url string, extra ...string) string {
	return fmt.Sprintf(`{"type":%q,"url":%q%s}`, typ, url, strings.Join(extra, ""))
}

func page(next string, entries ...string) string {
	return fmt.Sprintf(`{"servers":[%s],"metadata":{"nextCursor":%q,"count":%d}}`, strings.Join(entries, ","), next, len(entries))
}

func parseConfig(t *testing.T, text string) *config.Config {
	t.Helper()
	c, err := config.Parse([]byte(text))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestBuild: the list holds exactly the active, latest, probe-able
// remotes, with their labels; everything else is counted by reason.
func TestBuild(t *testing.T) {
	c := parseConfig(t, `modules:
  default: {}
  keyed:
    http_config:
      http_headers:
        X-Api-Key: {values: [k]}
    allowed_targets: ['https://keyed\.example/.*']
  streamable:
    transport: streamable_http
registries:
  r:
    url: https://registry.example
    names: ['io\.example/.*']
    module_overrides:
      - {name: 'io\.example/keyed-.*', module: keyed}
      - {name: 'io\.example/streamable', module: streamable}
`)
	long := "io.example/" + strings.Repeat("ä", 200)
	list := `[` + strings.Join([]string{
		entry("io.example/a", "1.0.0", "active", true, remoteJSON("streamable-http", "https://a.example/mcp"), remoteJSON("sse", "https://a.example/sse")),
		entry("io.example/a", "0.9.0", "active", false, remoteJSON("streamable-http", "https://a.example/old")),
		entry("io.example/gone", "1.0.0", "deleted", true, remoteJSON("streamable-http", "https://gone.example/mcp")),
		entry("io.example/old", "1.0.0", "deprecated", true, remoteJSON("streamable-http", "https://old.example/mcp")),
		entry("io.other/b", "1.0.0", "active", true, remoteJSON("streamable-http", "https://b.example/mcp")),
		entry("io.example/pkg", "1.0.0", "active", true),
		entry("io.example/tmpl", "1.0.0", "active", true, remoteJSON("streamable-http", "https://{tenant}.example/mcp", `,"variables":{"tenant":{"isRequired":true}}`)),
		entry("io.example/hdr", "1.0.0", "active", true, remoteJSON("streamable-http", "https://hdr.example/mcp", `,"headers":[{"name":"X-Api-Key","isRequired":true,"isSecret":true}]`)),
		entry("io.example/keyed-in", "1.0.0", "active", true, remoteJSON("streamable-http", "https://keyed.example/mcp", `,"headers":[{"name":"x-api-key","isRequired":true}]`)),
		entry("io.example/keyed-out", "1.0.0", "active", true, remoteJSON("streamable-http", "https://elsewhere.example/mcp")),
		entry("io.example/streamable", "1.0.0", "active", true, remoteJSON("sse", "https://s.example/sse"), remoteJSON("streamable-http", "https://s.example/mcp")),
		entry("io.example/dup", "1.0.0", "active", true, remoteJSON("streamable-http", "https://a.example/mcp")),
		entry("io.example/bad", "1.0.0", "active", true, remoteJSON("streamable-http", "ftp://bad.example/"), remoteJSON("streamable-http", "https://user:pw@bad.example/"), remoteJSON("stdio", "")),
		entry(long+"\x01", "1.0.0\n", "active", true, remoteJSON("streamable-http", "https://long.example/mcp")),
		entry("io.example/huge", "1.0.0", "active", true, remoteJSON("streamable-http", "https://huge.example/"+strings.Repeat("x", MaxTargetBytes))),
		`{"server":{"name":"io.example/nometa","version":"1","remotes":[{"type":"sse","url":"https://nometa.example/"}]}}`,
	}, ",") + `]`
	var servers []serverResponse
	if err := json.Unmarshal([]byte(list), &servers); err != nil {
		t.Fatal(err)
	}
	reg := c.Registries["r"]
	groups, skipped := build("r", &reg, c.Modules, servers)
	var got []string
	for _, g := range groups {
		got = append(got, g.Targets[0]+" "+g.Labels[LabelModule])
	}
	want := []string{
		"https://a.example/mcp default",
		"https://a.example/sse default",
		"https://keyed.example/mcp keyed",
		"https://s.example/mcp streamable",
		"https://long.example/mcp default",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("targets:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	wantSkipped := map[string]int{
		SkipStatus: 3, SkipNotLatest: 1, SkipName: 1, SkipNoRemote: 1,
		SkipURLTemplate: 1, SkipHeaderRequired: 1, SkipNotAllowed: 1, SkipTransport: 1,
		SkipDuplicate: 1, SkipInvalidURL: 3, SkipRemoteType: 1,
	}
	for _, r := range SkipReasons {
		if skipped[r] != wantSkipped[r] {
			t.Errorf("skipped[%s] = %d, want %d", r, skipped[r], wantSkipped[r])
		}
	}
	a := groups[0].Labels
	wantLabels := map[string]string{
		LabelModule: "default", LabelRegistry: "r", LabelServerName: "io.example/a", LabelServerVersion: "1.0.0",
		LabelRemoteType: "streamable-http", LabelStatus: "active", LabelPublishedAt: "2026-01-02T03:04:05Z", LabelIsLatest: "true",
	}
	if fmt.Sprint(a) != fmt.Sprint(wantLabels) {
		t.Errorf("labels %v, want %v", a, wantLabels)
	}
	l := groups[4].Labels
	if n := l[LabelServerName]; len(n) > MaxLabelBytes || !strings.HasPrefix(n, "io.example/ää") || strings.ContainsAny(n, "\x01") {
		t.Errorf("a long name is not bounded and sanitised: %q (%d bytes)", n, len(n))
	}
	if v := l[LabelServerVersion]; v != "1.0.0 " {
		t.Errorf("a control character is not replaced: %q", v)
	}
}

// fakeRegistry serves pages of a list at /base/v0.1/servers, one per
// cursor; misbehave, when set, answers instead.
type fakeRegistry struct {
	mu        sync.Mutex
	pages     map[string]string // cursor -> page
	misbehave http.HandlerFunc
	requests  []string
	srv       *httptest.Server
}

func newFakeRegistry(t *testing.T, pages map[string]string) *fakeRegistry {
	f := &fakeRegistry{pages: pages}
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		f.requests = append(f.requests, r.URL.RequestURI())
		mis, body, ok := f.misbehave, f.pages[r.URL.Query().Get("cursor")], r.URL.Path == "/base/v0.1/servers"
		f.mu.Unlock()
		if mis != nil {
			mis(w, r)
			return
		}
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, body)
	}))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeRegistry) set(h http.HandlerFunc) {
	f.mu.Lock()
	f.misbehave = h
	f.mu.Unlock()
}

func (f *fakeRegistry) Requests() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.requests...)
}

func newManager(t *testing.T, c *config.Config, start bool) (*Manager, *prometheus.Registry, *time.Time) {
	t.Helper()
	reg := prometheus.NewRegistry()
	now := time.Unix(1700000000, 0)
	m := &Manager{Metrics: NewMetrics(reg), Logger: slog.New(slog.DiscardHandler), Now: func() time.Time { return now }}
	m.Apply(c, start)
	t.Cleanup(m.Stop)
	return m, reg, &now
}

func serveSD(m *Manager, query string) (int, string, string) {
	rec := httptest.NewRecorder()
	m.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/sd?"+query, nil))
	return rec.Code, rec.Header().Get("Content-Type"), rec.Body.String()
}

func targetsOf(t *testing.T, body string) []string {
	t.Helper()
	var groups []TargetGroup
	if err := json.Unmarshal([]byte(body), &groups); err != nil {
		t.Fatalf("%v: %s", err, body)
	}
	var out []string
	for _, g := range groups {
		out = append(out, g.Targets...)
	}
	return out
}

const sdModules = "modules:\n  default: {}\n"

// TestPagesAndFaults: every page is fetched from the configured URL, a
// cursor only ever a parameter; a registry that is down, answers an
// error, garbage, too much or loops keeps the last good list served, and
// each failure is counted.
func TestPagesAndFaults(t *testing.T) {
	// A nextCursor that looks like a URL elsewhere stays a parameter.
	elsewhere := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { t.Error("a cursor was followed as a URL") }))
	defer elsewhere.Close()
	cursor2 := elsewhere.URL + "/v0.1/servers?x=1"
	f := newFakeRegistry(t, map[string]string{
		"":      page("c1", entry("io.example/a", "1", "active", true, remoteJSON("streamable-http", "https://a.example/mcp"))),
		"c1":    page(cursor2, entry("io.example/b", "1", "active", true, remoteJSON("sse", "https://b.example/sse"))),
		cursor2: page("", entry("io.example/c", "1", "active", true, remoteJSON("streamable-http", "https://c.example/mcp"))),
	})
	c := parseConfig(t, sdModules+"registries:\n  r:\n    url: "+f.srv.URL+"/base/\n    page_size: 1\n    max_pages: 3\n    max_entries: 3\n    max_response_bytes: 8KiB\n    timeout: 300ms\n")
	m, reg, now := newManager(t, c, false)

	if code, _, body := serveSD(m, "registry=r"); code != http.StatusServiceUnavailable {
		t.Errorf("before the first list: %d %s", code, body)
	}
	if err := m.Refresh(context.Background(), "r"); err != nil {
		t.Fatal(err)
	}
	reqs := f.Requests()
	if len(reqs) != 3 || reqs[0] != "/base/v0.1/servers?limit=1&version=latest" || reqs[1] != "/base/v0.1/servers?cursor=c1&limit=1&version=latest" {
		t.Errorf("requests: %q", reqs)
	}
	code, ctype, good := serveSD(m, "registry=r")
	if code != http.StatusOK || ctype != "application/json" {
		t.Fatalf("/sd: %d %s %s", code, ctype, good)
	}
	if got := strings.Join(targetsOf(t, good), " "); got != "https://a.example/mcp https://b.example/sse https://c.example/mcp" {
		t.Errorf("targets: %s", got)
	}
	if v := testsupport.MetricValue(t, m.Metrics.LastSuccess.WithLabelValues("r")); v != float64(now.Unix()) {
		t.Errorf("last success %v", v)
	}
	if v := testsupport.MetricValue(t, m.Metrics.Targets.WithLabelValues("r")); v != 3 {
		t.Errorf("targets gauge %v", v)
	}
	*now = now.Add(time.Hour)

	big := strings.Repeat(" ", 9000)
	for i, tc := range []struct {
		name   string
		h      http.HandlerFunc
		reason string
	}{
		{"HTTP error", func(w http.ResponseWriter, _ *http.Request) { http.Error(w, "no", http.StatusInternalServerError) }, failStatus},
		{"garbage", func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "<html>") }, failInvalid},
		{"too large", func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, page("")+big) }, failTooLarge},
		{"too many entries", func(w http.ResponseWriter, _ *http.Request) {
			e := entry("io.example/x", "1", "active", true)
			_, _ = io.WriteString(w, page("", e, e, e, e))
		}, failTooMany},
		{"too many pages", func(w http.ResponseWriter, r *http.Request) {
			_, _ = io.WriteString(w, page("n"+r.URL.Query().Get("cursor")))
		}, failTooMany},
		{"cursor loop", func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, page("same")) }, failInvalid},
		{"cursor too long", func(w http.ResponseWriter, _ *http.Request) {
			_, _ = io.WriteString(w, page(strings.Repeat("c", maxCursorBytes+1)))
		}, failInvalid},
		{"stalls", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			_, _ = io.WriteString(w, `{"servers":[`)
			w.(http.Flusher).Flush()
			<-r.Context().Done() // until the refresh's timeout ends it
		}, failConnect},
		{"redirect away", func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, elsewhere.URL+"/base/v0.1/servers", http.StatusFound)
		}, failConnect},
		{"down", func(w http.ResponseWriter, _ *http.Request) {
			hj, _ := w.(http.Hijacker)
			conn, _, _ := hj.Hijack()
			conn.Close()
		}, failConnect},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f.set(tc.h)
			err := m.Refresh(context.Background(), "r")
			var fe *fetchError
			if !asFetchError(err, &fe) || fe.reason != tc.reason {
				t.Errorf("error %v, want reason %s", err, tc.reason)
			}
			if code, _, body := serveSD(m, "registry=r"); code != http.StatusOK || body != good {
				t.Errorf("the last good list is not served: %d %s", code, body)
			}
			if v := testsupport.MetricValue(t, m.Metrics.RefreshFailures.WithLabelValues("r")); v != float64(i+1) {
				t.Errorf("failures %v, want %d", v, i+1)
			}
			if v := testsupport.MetricValue(t, m.Metrics.LastSuccess.WithLabelValues("r")); v != float64(now.Add(-time.Hour).Unix()) {
				t.Errorf("last success moved: %v", v)
			}
		})
	}
	if n := seriesCount(t, reg); n == 0 {
		t.Error("nothing gathered")
	}
}

// seriesCount counts the series reg gathers, of the named families only if
// any are named.
func seriesCount(t *testing.T, reg *prometheus.Registry, names ...string) int {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, mf := range mfs {
		if len(names) == 0 || slices.Contains(names, mf.GetName()) {
			n += len(mf.Metric)
		}
	}
	return n
}

func asFetchError(err error, fe **fetchError) bool {
	for err != nil {
		if e, ok := err.(*fetchError); ok {
			*fe = e
			return true
		}
		u, ok := err.(interface{ Unwrap() error })
		if !ok {
			return false
		}
		err = u.Unwrap()
	}
	return false
}

// TestServeHTTP: unknown registries are 404, a missing name 400, other
// methods 405.
func TestServeHTTP(t *testing.T) {
	c := parseConfig(t, sdModules+"registries:\n  r:\n    url: https://registry.invalid\n")
	m, _, _ := newManager(t, c, false)
	for _, tc := range []struct {
		query string
		code  int
	}{{"registry=nope", 404}, {"", 400}, {"registry=r", 503}} {
		if code, _, body := serveSD(m, tc.query); code != tc.code {
			t.Errorf("%s: %d %s, want %d", tc.query, code, body, tc.code)
		}
	}
	rec := httptest.NewRecorder()
	m.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/sd?registry=r", nil))
	if rec.Code != http.StatusMethodNotAllowed {
		t.Errorf("POST: %d", rec.Code)
	}
}

// TestApply: a reload that narrows a module's allowed_targets takes the
// target out at once, without a refresh; a registry removed is 404 and
// its series gone; a new URL drops the old registry's list.
func TestApply(t *testing.T) {
	f := newFakeRegistry(t, map[string]string{"": page("",
		entry("io.example/a", "1", "active", true, remoteJSON("streamable-http", "https://a.example/mcp")),
		entry("io.example/b", "1", "active", true, remoteJSON("streamable-http", "https://b.example/mcp")))})
	base := func(allowed string) string {
		return "modules:\n  default:\n    http_config: {bearer_token: t}\n    allowed_targets: ['" + allowed + "']\nregistries:\n  r:\n    url: " + f.srv.URL + "/base\n"
	}
	m, reg, _ := newManager(t, parseConfig(t, base(`https://.*\.example/mcp`)), false)
	if err := m.Refresh(context.Background(), "r"); err != nil {
		t.Fatal(err)
	}
	if _, _, body := serveSD(m, "registry=r"); len(targetsOf(t, body)) != 2 {
		t.Fatalf("before: %s", body)
	}
	m.Apply(parseConfig(t, base(`https://a\.example/mcp`)), false)
	_, _, body := serveSD(m, "registry=r")
	if got := targetsOf(t, body); len(got) != 1 || got[0] != "https://a.example/mcp" {
		t.Errorf("after narrowing: %s", body)
	}
	if v := testsupport.MetricValue(t, m.Metrics.Skipped.WithLabelValues("r", SkipNotAllowed)); v != 1 {
		t.Errorf("not_allowed %v", v)
	}
	if n := len(f.Requests()); n != 1 {
		t.Errorf("%d requests, want the one refresh", n)
	}
	m.Apply(parseConfig(t, "modules:\n  default: {}\nregistries:\n  r:\n    url: https://other.invalid\n"), false)
	if code, _, _ := serveSD(m, "registry=r"); code != http.StatusServiceUnavailable {
		t.Errorf("a new URL kept the old list: %d", code)
	}
	m.Apply(parseConfig(t, sdModules), false)
	if code, _, _ := serveSD(m, "registry=r"); code != http.StatusNotFound {
		t.Errorf("removed registry: %d", code)
	}
	if n := seriesCount(t, reg, "mcp_exporter_sd_targets", "mcp_exporter_sd_skipped"); n != 0 {
		t.Errorf("%d series left for a removed registry", n)
	}
}

// TestLoop: the background loop fetches at once, then at each tick of
// its clock; a reload that changes the block starts it again.
func TestLoop(t *testing.T) {
	f := newFakeRegistry(t, map[string]string{"": page("")})
	ticks := make(chan time.Time)
	var asked atomic.Int64
	reg := prometheus.NewRegistry()
	m := &Manager{Metrics: NewMetrics(reg), Logger: slog.New(slog.DiscardHandler),
		After: func(d time.Duration) <-chan time.Time {
			if d != 5*time.Minute {
				t.Errorf("interval %s", d)
			}
			asked.Add(1)
			return ticks
		}}
	defer m.Stop()
	c := parseConfig(t, sdModules+"registries:\n  r:\n    url: "+f.srv.URL+"/base\n")
	m.Apply(c, true)
	waitFor := func(what string, cond func() bool) {
		t.Helper()
		for deadline := time.Now().Add(10 * time.Second); !cond(); time.Sleep(time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("waiting for %s", what)
			}
		}
	}
	waitFor("the first refresh", func() bool { return asked.Load() == 1 })
	if n := len(f.Requests()); n != 1 {
		t.Fatalf("%d requests", n)
	}
	ticks <- time.Now()
	waitFor("the second refresh", func() bool { return asked.Load() == 2 })
	if n := len(f.Requests()); n != 2 {
		t.Fatalf("%d requests", n)
	}
	c2 := parseConfig(t, sdModules+"registries:\n  r:\n    url: "+f.srv.URL+"/base\n    names: ['x']\n")
	m.Apply(c2, true)
	waitFor("the refresh of the new block", func() bool { return asked.Load() == 3 })
	if n := len(f.Requests()); n != 3 {
		t.Fatalf("%d requests", n)
	}
	if code, _, body := serveSD(m, "registry=r"); code != 200 || body != "[]" {
		t.Errorf("%d %s", code, body)
	}
}

// TestIncremental: with latest_only, a refresh asks only for what changed
// since the newest updatedAt of the last list (less a second), and a newer
// entry replaces its server's; the whole list is fetched again after an
// hour, when asking for changes fails, and always without latest_only.
func TestIncremental(t *testing.T) {
	at := func(e, updated string) string {
		return strings.Replace(e, `"updatedAt":"2026-01-02T03:04:05Z"`, `"updatedAt":"`+updated+`"`, 1)
	}
	full := page("",
		at(entry("io.example/a", "1.0.0", "active", true, remoteJSON("streamable-http", "https://a.example/v1")), "2026-03-01T10:00:00Z"),
		at(entry("io.example/b", "1.0.0", "active", true, remoteJSON("streamable-http", "https://b.example/mcp")), "2026-03-01T11:00:00.5Z"))
	delta := page("",
		at(entry("io.example/a", "2.0.0", "active", true, remoteJSON("streamable-http", "https://a.example/v2")), "2026-03-02T10:00:00Z"),
		at(entry("io.example/b", "1.0.0", "deleted", true, remoteJSON("streamable-http", "https://b.example/mcp")), "2026-03-02T11:00:00Z"))
	f := newFakeRegistry(t, nil)
	refuseSince := false
	f.set(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.URL.Query().Get("updated_since") == "":
			_, _ = io.WriteString(w, full)
		case refuseSince:
			http.Error(w, "no", http.StatusBadRequest)
		default:
			_, _ = io.WriteString(w, delta)
		}
	})
	m, _, now := newManager(t, parseConfig(t, sdModules+"registries:\n  r:\n    url: "+f.srv.URL+"\n"), false)
	refresh := func(want string, wantSince ...string) {
		t.Helper()
		f.mu.Lock()
		f.requests = nil
		f.mu.Unlock()
		if err := m.Refresh(context.Background(), "r"); err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, r := range f.Requests() {
			u, _ := url.Parse(r)
			got = append(got, u.Query().Get("updated_since"))
		}
		if strings.Join(got, ",") != strings.Join(wantSince, ",") {
			t.Errorf("updated_since asked: %q, want %q", got, wantSince)
		}
		if _, _, body := serveSD(m, "registry=r"); strings.Join(targetsOf(t, body), " ") != want {
			t.Errorf("targets %s, want %s", body, want)
		}
	}
	refresh("https://a.example/v1 https://b.example/mcp", "")
	refresh("https://a.example/v2", "2026-03-01T10:59:59.5Z")
	refresh("https://a.example/v2", "2026-03-02T10:59:59Z")
	refuseSince = true
	refresh("https://a.example/v1 https://b.example/mcp", "2026-03-02T10:59:59Z", "")
	refuseSince = false
	*now = now.Add(time.Hour)
	refresh("https://a.example/v1 https://b.example/mcp", "")

	m.Apply(parseConfig(t, sdModules+"registries:\n  r:\n    url: "+f.srv.URL+"\n    latest_only: false\n"), false)
	refresh("https://a.example/v1 https://b.example/mcp", "")
	refresh("https://a.example/v1 https://b.example/mcp", "")
}
