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
	"io"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// loadSpec says how long a row runs: count probes, or, when count is 0,
// as many as fit in duration.
type loadSpec struct {
	Concurrency int
	Duration    time.Duration
	Count       int
}

// loadResult is what a load run saw from the client side.
type loadResult struct {
	Probes  int           `json:"probes"`
	Failed  int           `json:"failed"`
	Elapsed time.Duration `json:"elapsed_ns"`
	P50     time.Duration `json:"p50_ns"`
	P99     time.Duration `json:"p99_ns"`
	// FirstError describes the first failure, if any.
	FirstError string `json:"first_error,omitempty"`
}

// runLoad calls probe from spec.Concurrency goroutines until the spec is
// met. probe returns "" on success or a description of the failure.
func runLoad(spec loadSpec, probe func(context.Context) string) (loadResult, []time.Duration) {
	var (
		started  atomic.Int64
		mu       sync.Mutex
		lat      []time.Duration
		failed   int
		firstErr string
		wg       sync.WaitGroup
	)
	deadline := time.Now().Add(spec.Duration)
	begin := time.Now()
	for range spec.Concurrency {
		wg.Go(func() {
			var mine []time.Duration
			var myFailed int
			var myErr string
			for {
				if spec.Count > 0 {
					if started.Add(1) > int64(spec.Count) {
						break
					}
				} else if !time.Now().Before(deadline) {
					break
				}
				t := time.Now()
				msg := probe(context.Background())
				mine = append(mine, time.Since(t))
				if msg != "" {
					myFailed++
					if myErr == "" {
						myErr = msg
					}
				}
			}
			mu.Lock()
			lat = append(lat, mine...)
			failed += myFailed
			if firstErr == "" {
				firstErr = myErr
			}
			mu.Unlock()
		})
	}
	wg.Wait()
	r := loadResult{Probes: len(lat), Failed: failed, Elapsed: time.Since(begin), FirstError: firstErr}
	r.P50, r.P99 = percentile(lat, 0.50), percentile(lat, 0.99)
	return r, lat
}

func percentile(d []time.Duration, q float64) time.Duration {
	if len(d) == 0 {
		return 0
	}
	slices.Sort(d)
	return d[int(q*float64(len(d)-1)+0.5)]
}

// scrapeClient is how the benchmark plays Prometheus: keep-alive
// connections to the exporter, and no compression, so that neither
// exporter spends CPU on gzip the other does not (blackbox_exporter
// compresses /probe when asked, mcp_exporter does not).
func scrapeClient(conns int) *http.Client {
	return &http.Client{Transport: &http.Transport{
		MaxIdleConns:        conns,
		MaxIdleConnsPerHost: conns,
		DisableCompression:  true,
		IdleConnTimeout:     time.Minute,
	}, Timeout: 60 * time.Second}
}

var probeSuccessLine = []byte("\nprobe_success 1\n")

// scrape requests url (a /probe URL) and reports "" when the exporter
// answered 200 with probe_success 1.
func scrape(ctx context.Context, c *http.Client, url string) string {
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	resp, err := c.Do(req)
	if err != nil {
		return err.Error()
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return err.Error()
	}
	if resp.StatusCode != http.StatusOK {
		return resp.Status + ": " + string(bytes.TrimSpace(body))
	}
	if !bytes.Contains(body, probeSuccessLine) {
		return "probe_success is not 1"
	}
	return ""
}
