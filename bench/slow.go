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
	"bufio"
	"context"
	"fmt"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/mcp-exporter/mcp_exporter/internal/testsupport/fakemcp"
)

// slowServer is the shared fake MCP server (fakemcp): stateful
// (2025-11-25, JSON answers), answering every request only after delay:
// initialize, tools/list and anything else with an id. Notifications and
// DELETE are answered at once. It keeps counts only, not the requests.
type slowServer struct {
	srv *http.Server
	url string
}

func startSlowServer(delay time.Duration) (*slowServer, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	f := fakemcp.New()
	f.Delay, f.NoRecord = delay, true
	f.Session, f.SessionPerInit, f.DeleteStatus = "slow", true, http.StatusNoContent
	f.Version, f.ServerName, f.ServerVersion = "2025-11-25", "slow-mcp-server", "1.0.0"
	s := &slowServer{url: "http://" + l.Addr().String() + "/mcp"}
	s.srv = &http.Server{Handler: f, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = s.srv.Serve(l) }()
	return s, nil
}

func (s *slowServer) close() { _ = s.srv.Close() }

// slowResult is the outcome of the many-in-flight check.
type slowResult struct {
	Probes      int    `json:"probes"`
	Failed      int    `json:"failed"`
	FirstError  string `json:"first_error,omitempty"`
	MaxInFlight int    `json:"max_in_flight"`
	// AtPeak is what the exporter's /metrics said when the most probes
	// were in flight: goroutines, heap and stack bytes.
	AtPeak  map[string]float64 `json:"at_peak,omitempty"`
	PeakRSS int64              `json:"peak_rss_bytes"`
	Elapsed time.Duration      `json:"elapsed_ns"`
}

// slowCheck is the many-in-flight check run several times (-slow-runs).
type slowCheck struct {
	Probes    int           `json:"probes"`
	Delay     time.Duration `json:"server_delay_ns"`
	Runs      []*slowResult `json:"runs"`
	Env       string        `json:"exporter_env,omitempty"`
	Limit     int64         `json:"limit_bytes"`
	MedianRSS int64         `json:"median_peak_rss_bytes"`
	MaxRSS    int64         `json:"max_peak_rss_bytes"`
	// Within counts the runs whose peak was at most Limit.
	Within int `json:"runs_within_limit"`
	// Pass: every probe of every run answered, and the median run's peak
	// is at most Limit.
	Pass bool `json:"pass"`
}

func (c *slowCheck) summarize() {
	peaks := make([]int64, 0, len(c.Runs))
	failed := 0
	for _, s := range c.Runs {
		peaks = append(peaks, s.PeakRSS)
		failed += s.Failed
		if s.PeakRSS > 0 && s.PeakRSS <= c.Limit {
			c.Within++
		}
	}
	if len(peaks) == 0 {
		return
	}
	slices.Sort(peaks)
	c.MedianRSS, c.MaxRSS = peaks[len(peaks)/2], peaks[len(peaks)-1]
	if len(peaks)%2 == 0 {
		c.MedianRSS = (peaks[len(peaks)/2-1] + peaks[len(peaks)/2]) / 2
	}
	c.Pass = failed == 0 && peaks[0] > 0 && c.MedianRSS <= c.Limit
}

// with names the check's exporter environment, if any, after a comma.
func (c *slowCheck) with() string {
	if c.Env == "" {
		return ""
	}
	return ", " + c.Env
}

// runRSS is every run's peak, in order.
func (c *slowCheck) runRSS() string {
	parts := make([]string, len(c.Runs))
	for i, s := range c.Runs {
		parts[i] = fmt.Sprintf("%.1f", float64(s.PeakRSS)/(1<<20))
	}
	return strings.Join(parts, ", ") + " MiB"
}

// runSlowCheck sends n /probe requests at once to an exporter whose target
// answers each request after a delay, and watches the exporter's peak RSS
// and its probes-in-flight gauge.
func runSlowCheck(exp *proc, exporterURL, target string, n int) slowResult {
	client := scrapeClient(n)
	probeURL := exporterURL + "/probe?target=" + target
	// One probe first, so that the era verdict is remembered and the n
	// probes are all the same four exchanges.
	if msg := scrape(context.Background(), client, probeURL); msg != "" {
		return slowResult{Probes: 1, Failed: 1, FirstError: "first probe: " + msg}
	}

	stop := make(chan struct{})
	var maxInFlight int64
	var atPeak map[string]float64
	var watch sync.WaitGroup
	watch.Go(func() {
		// Uncompressed, as the scrapes are: the watcher polls five times
		// a second, and a gzip writer per poll (about 1 MB) would weigh on
		// the heap it measures.
		mc := &http.Client{Transport: &http.Transport{DisableCompression: true}, Timeout: 5 * time.Second}
		for {
			select {
			case <-stop:
				return
			case <-time.After(200 * time.Millisecond):
			}
			m := exporterGauges(mc, exporterURL+"/metrics")
			if v := int64(m["mcp_exporter_probes_in_flight"]); v > maxInFlight {
				maxInFlight, atPeak = v, m
			}
		}
	})

	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		failed   int
		firstErr string
	)
	begin := time.Now()
	for range n {
		wg.Go(func() {
			if msg := scrape(context.Background(), client, probeURL); msg != "" {
				mu.Lock()
				failed++
				if firstErr == "" {
					firstErr = msg
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(begin)
	close(stop)
	watch.Wait()
	return slowResult{
		Probes:      n,
		Failed:      failed,
		FirstError:  firstErr,
		MaxInFlight: int(maxInFlight),
		AtPeak:      atPeak,
		PeakRSS:     exp.peakRSS(),
		Elapsed:     elapsed,
	}
}

// peakGauges are the exporter's own metrics the check reports.
var peakGauges = []string{
	"mcp_exporter_probes_in_flight",
	"go_goroutines",
	"go_memstats_heap_inuse_bytes",
	"go_memstats_stack_inuse_bytes",
	"process_resident_memory_bytes",
}

// exporterGauges reads peakGauges from the exporter's /metrics.
func exporterGauges(c *http.Client, url string) map[string]float64 {
	m := map[string]float64{}
	resp, err := c.Get(url)
	if err != nil {
		return m
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		name, v, ok := strings.Cut(sc.Text(), " ")
		if ok && slices.Contains(peakGauges, name) {
			m[name], _ = strconv.ParseFloat(v, 64)
		}
	}
	return m
}
