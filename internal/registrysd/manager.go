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
	"errors"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	promconfig "github.com/prometheus/common/config"

	"github.com/mcp-exporter/mcp_exporter/config"
)

// Metrics are service discovery's own metrics on /metrics.
type Metrics struct {
	RefreshFailures *prometheus.CounterVec
	LastSuccess     *prometheus.GaugeVec
	Targets         *prometheus.GaugeVec
	Skipped         *prometheus.GaugeVec
}

// NewMetrics registers service discovery's metrics with reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		RefreshFailures: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "mcp_exporter_sd_refresh_failures_total",
			Help: "Refreshes of a registry's server list that failed (down, an HTTP error, not a server list, or beyond a bound); the last good list stays served.",
		}, []string{"registry"}),
		LastSuccess: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "mcp_exporter_sd_last_success_timestamp_seconds",
			Help: "When a registry's server list was last fetched whole; 0 before the first success.",
		}, []string{"registry"}),
		Targets: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "mcp_exporter_sd_targets",
			Help: "Targets /sd serves for a registry.",
		}, []string{"registry"}),
		Skipped: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "mcp_exporter_sd_skipped",
			Help: "Registry entries (status, not_latest, name, no_remote) and remotes (the other reasons) left out of the list /sd serves, by reason.",
		}, []string{"registry", "reason"}),
	}
	reg.MustRegister(m.RefreshFailures, m.LastSuccess, m.Targets, m.Skipped)
	return m
}

// Manager keeps one background refresh per configured registry and serves
// their lists at /sd.
type Manager struct {
	Metrics *Metrics
	Logger  *slog.Logger
	// Now and After are the clock (time.Now and time.After when nil).
	Now   func() time.Time
	After func(time.Duration) <-chan time.Time

	modules atomic.Pointer[map[string]config.Module]
	mu      sync.Mutex // guards sources
	sources map[string]*source
}

// source is one registry: its configuration, its refresh loop and its
// last good list.
type source struct {
	name   string
	reg    config.Registry
	client *http.Client
	stop   context.CancelFunc
	done   chan struct{}

	// refreshMu makes refreshes of one registry (the loop's and Refresh's)
	// run one at a time; since and lastFull, which they alone use, decide
	// whether a refresh asks only for what changed.
	refreshMu sync.Mutex
	since     string
	lastFull  time.Time

	mu      sync.Mutex
	servers []serverResponse // the last good list, nil before the first
	body    []byte           // what /sd serves, nil before the first list
}

func (m *Manager) now() time.Time {
	if m.Now != nil {
		return m.Now()
	}
	return time.Now()
}

func (m *Manager) after(d time.Duration) <-chan time.Time {
	if m.After != nil {
		return m.After(d)
	}
	return time.After(d)
}

// Apply puts a configuration in force: loops start for new registries and
// stop for removed ones; a registry whose block changed starts its loop
// again (and drops its list if its URL changed); every list is rebuilt
// against the modules in force, so that a narrowed allowed_targets takes
// effect at once. start is false in tests that drive Refresh themselves.
func (m *Manager) Apply(c *config.Config, start bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.sources == nil {
		m.sources = map[string]*source{}
	}
	m.modules.Store(&c.Modules)
	for name, s := range m.sources {
		if reg, ok := c.Registries[name]; !ok || !reg.Equal(s.reg) {
			s.halt()
			if !ok || reg.URL.String() != s.reg.URL.String() {
				delete(m.sources, name)
				m.forget(name)
			}
		}
	}
	for name, reg := range c.Registries {
		s := m.sources[name]
		if s != nil && s.stop != nil && reg.Equal(s.reg) {
			s.rebuild(m, c.Modules)
			continue
		}
		if s == nil {
			s = &source{name: name}
			m.sources[name] = s
			m.Metrics.LastSuccess.WithLabelValues(name)
			m.Metrics.RefreshFailures.WithLabelValues(name)
		}
		s.reg = reg
		s.since, s.lastFull = "", time.Time{} // a changed block: the whole list again
		client, err := newClient(&s.reg)
		if err != nil {
			// config validated http_config; a client that cannot be
			// built (a missing file since) fails each refresh.
			m.Logger.Error("service discovery: the registry's HTTP client", "registry", name, "err", err)
		}
		s.client = client
		s.rebuild(m, c.Modules)
		if start {
			ctx, cancel := context.WithCancel(context.Background())
			s.stop, s.done = cancel, make(chan struct{})
			go m.loop(ctx, s)
		} else {
			s.stop = func() {}
		}
	}
}

// Stop ends every loop.
func (m *Manager) Stop() {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, s := range m.sources {
		s.halt()
	}
}

func (s *source) halt() {
	if s.stop != nil {
		s.stop()
		if s.done != nil {
			<-s.done
		}
		s.stop, s.done = nil, nil
	}
	if s.client != nil {
		s.client.CloseIdleConnections()
	}
}

func (m *Manager) forget(name string) {
	m.Metrics.RefreshFailures.DeleteLabelValues(name)
	m.Metrics.LastSuccess.DeleteLabelValues(name)
	m.Metrics.Targets.DeleteLabelValues(name)
	for _, r := range SkipReasons {
		m.Metrics.Skipped.DeleteLabelValues(name, r)
	}
}

func (m *Manager) loop(ctx context.Context, s *source) {
	defer close(s.done)
	for {
		m.refresh(ctx, s)
		select {
		case <-ctx.Done():
			return
		case <-m.after(time.Duration(s.reg.RefreshInterval)):
		}
	}
}

// Refresh fetches the named registry's list once, now.
func (m *Manager) Refresh(ctx context.Context, name string) error {
	m.mu.Lock()
	s := m.sources[name]
	m.mu.Unlock()
	if s == nil {
		return errors.New("no such registry")
	}
	return m.refresh(ctx, s)
}

func (m *Manager) refresh(ctx context.Context, s *source) error {
	s.refreshMu.Lock()
	defer s.refreshMu.Unlock()
	ctx, cancel := context.WithTimeout(ctx, time.Duration(s.reg.Timeout))
	defer cancel()
	var servers []serverResponse
	var err error
	if s.client == nil {
		client, cerr := newClient(&s.reg)
		if cerr != nil {
			err = cerr
		}
		s.client = client
	}
	if err == nil {
		servers, err = m.fetchList(ctx, s)
	}
	if err != nil {
		if ctx.Err() != nil && errors.Is(ctx.Err(), context.Canceled) {
			return err // stopped, not failed
		}
		m.Metrics.RefreshFailures.WithLabelValues(s.name).Inc()
		m.Logger.Warn("service discovery: refreshing the registry's list failed; the last good list stays served", "registry", s.name, "err", err)
		return err
	}
	if servers == nil {
		servers = []serverResponse{}
	}
	s.mu.Lock()
	s.servers = servers
	s.mu.Unlock()
	s.rebuild(m, *m.modules.Load())
	m.Metrics.LastSuccess.WithLabelValues(s.name).Set(float64(m.now().UnixNano()) / 1e9)
	return nil
}

// fetchList fetches the list: with latest_only, only what changed since
// the last list (updated_since; a newer version replaces its server's
// entry) as long as the whole list was fetched within fullRefreshEvery,
// and the whole list otherwise or when that fails. Without latest_only
// the whole list, always: a version that stops being the latest is not
// marked as updated.
func (m *Manager) fetchList(ctx context.Context, s *source) ([]serverResponse, error) {
	s.mu.Lock()
	last := s.servers
	s.mu.Unlock()
	if s.reg.LatestOnly && last != nil && s.since != "" && m.now().Sub(s.lastFull) < fullRefreshEvery {
		delta, err := fetch(ctx, s.client, &s.reg, s.since)
		if err == nil {
			var merged []serverResponse
			if merged, err = merge(last, delta, s.reg.MaxEntries); err == nil {
				m.Logger.Debug("service discovery: refreshed what changed", "registry", s.name, "updated_since", s.since, "entries", len(delta))
				if since := nextSince(delta); later(since, s.since) {
					s.since = since
				}
				return merged, nil
			}
		}
		if ctx.Err() != nil {
			return nil, err
		}
		m.Logger.Debug("service discovery: asking for what changed failed; fetching the whole list", "registry", s.name, "err", err)
	}
	servers, err := fetch(ctx, s.client, &s.reg, "")
	if err != nil {
		return nil, err
	}
	s.since, s.lastFull = nextSince(servers), m.now()
	m.Logger.Debug("service discovery: fetched the whole list", "registry", s.name, "entries", len(servers))
	return servers, nil
}

// rebuild makes the served list from the last good one and modules.
func (s *source) rebuild(m *Manager, modules map[string]config.Module) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.servers == nil {
		return
	}
	groups, skipped := build(s.name, &s.reg, modules, s.servers)
	body, err := json.Marshal(groups)
	if err != nil {
		m.Logger.Error("service discovery: encoding the list", "registry", s.name, "err", err)
		return
	}
	s.body = body
	m.Metrics.Targets.WithLabelValues(s.name).Set(float64(len(groups)))
	for _, r := range SkipReasons {
		m.Metrics.Skipped.WithLabelValues(s.name, r).Set(float64(skipped[r]))
	}
}

// ServeHTTP serves /sd?registry=<name>: the registry's targets in
// Prometheus' HTTP SD format. An unknown registry is 404; before the
// first good list, 503, so that Prometheus keeps what it had.
func (m *Manager) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "use GET", http.StatusMethodNotAllowed)
		return
	}
	name := r.URL.Query().Get("registry")
	if name == "" {
		http.Error(w, "the registry parameter is missing: /sd?registry=<name of a configured registry>", http.StatusBadRequest)
		return
	}
	m.mu.Lock()
	s := m.sources[name]
	m.mu.Unlock()
	if s == nil {
		http.Error(w, "no registry of that name is configured", http.StatusNotFound)
		return
	}
	s.mu.Lock()
	body := s.body
	s.mu.Unlock()
	if body == nil {
		http.Error(w, "the registry's list has not been fetched yet", http.StatusServiceUnavailable)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(body)
}

// promconfigClient is prometheus/common's client for the registry's
// http_config.
func promconfigClient(reg *config.Registry) (*http.Client, error) {
	return promconfig.NewClientFromConfig(reg.HTTPClientConfig, "mcp_exporter_sd")
}
