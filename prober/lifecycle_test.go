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
	"io"
	"log"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"runtime"
	"runtime/pprof"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/common/model"

	"github.com/mcp-exporter/mcp_exporter/config"
	"github.com/mcp-exporter/mcp_exporter/internal/testsupport"
)

// hzOpenFDs counts the process's open file descriptors; -1 where
// /proc/self/fd cannot be read.
func hzOpenFDs() int {
	entries, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		return -1
	}
	return len(entries)
}

// hzQuietServer serves h on loopback without logging what clients break.
func hzQuietServer(t *testing.T, h http.Handler) *httptest.Server {
	t.Helper()
	ts := httptest.NewUnstartedServer(h)
	ts.Config.ErrorLog = log.New(io.Discard, "", 0)
	ts.Start()
	t.Cleanup(ts.Close)
	return ts
}

// TestLifecycleNoLeaks: after 10,000 mixed probes through one Prober
// (successes, failures and timeouts), goroutines and open file descriptors
// are back to where they were. Not parallel, so that the counts are this
// test's alone. With -short it runs 2,000 probes.
func TestLifecycleNoLeaks(t *testing.T) {
	probes := 10000
	if testing.Short() {
		probes = 2000
	}
	const workers = 8

	sdk := testsupport.SDKServer{}.Start(t)
	// Not MCP servers, and 10,000 probes under -race: plain handlers cost
	// the least.
	failing := hzQuietServer(t, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		http.Error(w, "Internal Server Error", http.StatusInternalServerError)
	}))
	slow := hzQuietServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(300 * time.Millisecond):
			http.Error(w, "too late", http.StatusInternalServerError)
		}
	}))
	closed := "http://" + testsupport.RefusedAddr(t) + "/mcp"

	module := config.DefaultModule
	module.Timeout = model.Duration(5 * time.Second)
	quick := module
	quick.Timeout = model.Duration(50 * time.Millisecond)
	type kind struct {
		name   string
		target string
		module config.Module
		ok     bool
	}
	kinds := []kind{
		{"success", sdk.URL, module, true},
		{"http 500", failing.URL, module, false},
		{"connection refused", closed, module, false},
		{"timeout", slow.URL, quick, false},
	}
	// Of every 20 probes: 12 successes, 4 answered 500, 3 refused, 1 timeout.
	pick := func(i int) kind {
		switch j := i % 20; {
		case j < 12:
			return kinds[0]
		case j < 16:
			return kinds[1]
		case j < 19:
			return kinds[2]
		}
		return kinds[3]
	}

	p := New()
	probe := func(k kind) bool {
		ctx, cancel := context.WithTimeout(context.Background(), time.Duration(k.module.Timeout))
		defer cancel()
		return p.Probe(ctx, &Request{ModuleName: "leak", Module: k.module, Target: k.target, Logger: slog.New(slog.DiscardHandler)}).Success
	}
	// Warm up: whatever is set up once (the servers' goroutines, the
	// runtime's) is part of the baseline.
	for _, k := range kinds {
		if got := probe(k); got != k.ok {
			t.Fatalf("warm-up probe %s: ok = %v, want %v", k.name, got, k.ok)
		}
	}
	time.Sleep(400 * time.Millisecond) // the slow server's abandoned answer
	runtime.GC()
	baseGoroutines, baseFDs := runtime.NumGoroutine(), hzOpenFDs()

	start := time.Now()
	var next atomic.Int64
	var wrong [4]atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= probes {
					return
				}
				k := pick(i)
				if probe(k) != k.ok {
					for j := range kinds {
						if kinds[j].name == k.name {
							wrong[j].Add(1)
						}
					}
				}
			}
		}()
	}
	wg.Wait()
	took := time.Since(start)
	for j, k := range kinds {
		if n := wrong[j].Load(); n > 0 {
			t.Errorf("%d %s probes had the wrong outcome", n, k.name)
		}
	}

	// Everything a probe started ends with it; what the servers hold for a
	// connection ends when the prober closes it. Give both a moment to get
	// back to the baseline; a few stragglers are tolerated.
	goroutines, fds := runtime.NumGoroutine(), hzOpenFDs()
	for deadline := time.Now().Add(3 * time.Second); time.Now().Before(deadline); {
		if goroutines <= baseGoroutines && fds <= baseFDs {
			break
		}
		time.Sleep(50 * time.Millisecond)
		goroutines, fds = runtime.NumGoroutine(), hzOpenFDs()
	}
	t.Logf("%d probes by %d workers in %v (%.0f/s); goroutines %d -> %d, open fds %d -> %d",
		probes, workers, took.Round(time.Millisecond), float64(probes)/took.Seconds(), baseGoroutines, goroutines, baseFDs, fds)
	if goroutines > baseGoroutines+5 || fds > baseFDs+5 {
		var dump bytes.Buffer
		_ = pprof.Lookup("goroutine").WriteTo(&dump, 1)
		t.Fatalf("after %d probes: %d goroutines (baseline %d), %d open fds (baseline %d)\n%s",
			probes, goroutines, baseGoroutines, fds, baseFDs, dump.String())
	}
}

// TestLifecycleConcurrencyLimit: with two slots, a third probe while two
// are in flight is answered 503 at once and counted; the slots come back
// when the probes end.
func TestLifecycleConcurrencyLimit(t *testing.T) {
	release := make(chan struct{})
	var releaseOnce sync.Once
	unblock := func() { releaseOnce.Do(func() { close(release) }) }
	defer unblock()
	f := mbNewFake()
	f.On["initialize"] = func(w http.ResponseWriter, r *http.Request, m mbRpcMsg) {
		select {
		case <-release:
		case <-r.Context().Done():
			return
		}
		w.Header().Set("Mcp-Session-Id", mbFakeSession)
		mbWriteJSON(w, http.StatusOK, mbRpcResult(m.ID, mbInitResult("2025-11-25")))
	}
	target := f.Start(t)

	module := config.DefaultModule
	module.Timeout = model.Duration(10 * time.Second)
	module.ProtocolVersion = "2025-11-25"
	hh := hzNewHandler(t, module)
	hh.h.Slots = make(chan struct{}, 2)
	get := func() (int, string) {
		resp, err := hh.client.Get(hh.url + "/probe?" + url.Values{"module": {"hostile"}, "target": {target}}.Encode())
		if err != nil {
			return 0, err.Error()
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}

	type answer struct {
		status int
		body   string
	}
	answers := make(chan answer, 2)
	for range 2 {
		go func() {
			status, body := get()
			answers <- answer{status, body}
		}()
	}
	for deadline := time.Now().Add(5 * time.Second); f.Requests("initialize") < 2; {
		if time.Now().After(deadline) {
			t.Fatalf("the two probes did not reach the server: %d initialize requests", f.Requests("initialize"))
		}
		time.Sleep(5 * time.Millisecond)
	}
	if got := testsupport.MetricValue(t, hh.h.Metrics.InFlight); got != 2 {
		t.Errorf("mcp_exporter_probes_in_flight = %v while two probes are blocked, want 2", got)
	}

	start := time.Now()
	status, body := get()
	elapsed := time.Since(start)
	if status != http.StatusServiceUnavailable || !strings.Contains(body, "max-concurrency") {
		t.Errorf("third probe: %d %q, want 503 naming --probe.max-concurrency", status, body)
	}
	if elapsed > 200*time.Millisecond {
		t.Errorf("the 503 took %v, want it at once (< 200ms)", elapsed)
	}
	if got := testsupport.MetricValue(t, hh.h.Metrics.Rejected); got != 1 {
		t.Errorf("mcp_exporter_probes_rejected_total = %v, want 1", got)
	}
	if got := testsupport.MetricValue(t, hh.h.Metrics.InFlight); got != 2 {
		t.Errorf("mcp_exporter_probes_in_flight = %v after the rejection, want 2", got)
	}
	if n := f.Requests("initialize"); n != 2 {
		t.Errorf("the rejected probe reached the server: %d initialize requests", n)
	}

	unblock()
	for range 2 {
		a := <-answers
		if a.status != http.StatusOK || !strings.Contains(a.body, "probe_success 1\n") {
			t.Errorf("a blocked probe, once released: %d\n%s", a.status, a.body)
		}
	}
	for deadline := time.Now().Add(time.Second); testsupport.MetricValue(t, hh.h.Metrics.InFlight) != 0 && time.Now().Before(deadline); {
		time.Sleep(5 * time.Millisecond)
	}
	if got := testsupport.MetricValue(t, hh.h.Metrics.InFlight); got != 0 {
		t.Errorf("mcp_exporter_probes_in_flight = %v after the probes ended, want 0", got)
	}
	// The slots are free again.
	if status, body := get(); status != http.StatusOK || !strings.Contains(body, "probe_success 1\n") {
		t.Errorf("a probe after the others ended: %d\n%s", status, body)
	}
	if got := testsupport.MetricValue(t, hh.h.Metrics.Rejected); got != 1 {
		t.Errorf("mcp_exporter_probes_rejected_total = %v at the end, want 1", got)
	}
}
