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
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/common/model"

	"github.com/mcp-exporter/mcp_exporter/config"
	"github.com/mcp-exporter/mcp_exporter/internal/testsupport"
)

// wbHeaderRecorder keeps the headers of every request h serves.
type wbHeaderRecorder struct {
	mu   sync.Mutex
	reqs []*http.Request
}

func (rec *wbHeaderRecorder) wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec.mu.Lock()
		rec.reqs = append(rec.reqs, &http.Request{Method: r.Method, URL: r.URL, Header: r.Header.Clone()})
		rec.mu.Unlock()
		h.ServeHTTP(w, r)
	})
}

func (rec *wbHeaderRecorder) all() []*http.Request {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return append([]*http.Request(nil), rec.reqs...)
}

// TestProbeRequestsCarryTheMarker: every request a probe sends (MCP
// requests, the token request) is recognisable as a probe's, which is what
// /probe refuses (issue 9 item 3).
func TestProbeRequestsCarryTheMarker(t *testing.T) {
	t.Parallel()
	mcpRec, tokenRec := &wbHeaderRecorder{}, &wbHeaderRecorder{}
	mcp := testsupport.Serve(t, mcpRec.wrap(mbNewFake()))
	ep := newAuthTokenEndpoint("probe-client", "s3cr3t-client", newAuthTokens())
	ep.expiresIn = 3600
	tokenServer := testsupport.Serve(t, tokenRec.wrap(ep))

	m := authOAuthModule(t, tokenServer.URL+"/token", "")
	res := authProbeNamed(t, New(), Request{ModuleName: "oauth", Target: mcp.URL + "/mcp", Module: m})
	if !res.ok {
		t.Fatalf("probe failed:\n%s", res.logs)
	}
	if len(tokenRec.all()) == 0 || len(mcpRec.all()) == 0 {
		t.Fatalf("token requests %d, MCP requests %d: want both", len(tokenRec.all()), len(mcpRec.all()))
	}
	for _, r := range mcpRec.all() {
		if r.Header.Get(ProbeMarkerHeader) != "1" || !strings.HasPrefix(r.Header.Get("User-Agent"), "mcp_exporter/") {
			t.Errorf("MCP request %s %s: %s %q, User-Agent %q; want the probe marker", r.Method, r.URL, ProbeMarkerHeader, r.Header.Get(ProbeMarkerHeader), r.Header.Get("User-Agent"))
		}
	}
	for _, r := range tokenRec.all() {
		if !FromProbe(r) || r.Header.Get(ProbeMarkerHeader) != "1" {
			t.Errorf("token request %s %s not recognisable as a probe's: User-Agent %q", r.Method, r.URL, r.Header.Get("User-Agent"))
		}
	}
}

// TestHandlerRefusesProbeRequests: a request that a probe sent (marker
// header or the exporter's User-Agent) is answered 508 at once and counted;
// nothing is probed.
func TestHandlerRefusesProbeRequests(t *testing.T) {
	t.Parallel()
	ts, n := countingServer(t)
	f := newHandlerFixture(t, map[string]config.Module{"default": fastModule()})
	for _, h := range []http.Header{
		{ProbeMarkerHeader: {"1"}},
		{"User-Agent": {"mcp_exporter/0.1.0"}},
	} {
		w := f.probe(t, url.Values{"target": {ts.URL}}, h)
		if w.Code != http.StatusLoopDetected {
			t.Errorf("request with %v: %d, want 508", h, w.Code)
		}
	}
	if got := testsupport.MetricValue(t, f.h.Metrics.LoopsRefused); got != 2 {
		t.Errorf("mcp_exporter_probe_loops_refused_total = %v, want 2", got)
	}
	if n.Load() != 0 || len(f.h.History.List()) != 0 {
		t.Errorf("a refused request was probed: %d requests to the target, %d probes kept", n.Load(), len(f.h.History.List()))
	}
	// A scraper's request is probed.
	if w := f.probe(t, url.Values{"target": {ts.URL}}, http.Header{"User-Agent": {"Prometheus/3.0.0"}}); w.Code != http.StatusOK {
		t.Errorf("Prometheus' request: %d, want 200", w.Code)
	}
}

// TestProbeMethods: /probe answers GET and HEAD only; a probe request has
// no body.
func TestProbeMethods(t *testing.T) {
	t.Parallel()
	ts, n := countingServer(t)
	hh := hzNewHandler(t, fastModule())
	u := hh.url + "/probe?" + url.Values{"target": {ts.URL}}.Encode()
	for _, method := range []string{http.MethodPost, http.MethodPut, http.MethodDelete, http.MethodPatch} {
		req, _ := http.NewRequest(method, u, strings.NewReader("x"))
		resp, err := hh.client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusMethodNotAllowed || resp.Header.Get("Allow") != "GET, HEAD" {
			t.Errorf("%s /probe: %d, Allow %q; want 405, Allow GET, HEAD", method, resp.StatusCode, resp.Header.Get("Allow"))
		}
	}
	req, _ := http.NewRequest(http.MethodGet, u, strings.NewReader("a body"))
	resp, err := hh.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("GET /probe with a body: %d, want 400", resp.StatusCode)
	}
	if n.Load() != 0 {
		t.Errorf("the target got %d requests from refused probe requests", n.Load())
	}
	for _, method := range []string{http.MethodGet, http.MethodHead} {
		req, _ := http.NewRequest(method, u, nil)
		resp, err := hh.client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("%s /probe: %d, want 200", method, resp.StatusCode)
		}
	}
}

// TestProbeEndsWhenScraperLeaves: a scraper that gives up mid-probe
// against a server that does not answer ends the probe at once: the
// server sees its request cancelled and the in-flight gauge is back to 0,
// long before the module's timeout. Also for a POST with a body, which the
// old /probe accepted and never noticed leaving.
func TestProbeEndsWhenScraperLeaves(t *testing.T) {
	for _, method := range []string{http.MethodGet, http.MethodPost} {
		t.Run(method, func(t *testing.T) {
			arrived, cancelled := make(chan struct{}, 1), make(chan struct{}, 1)
			f := mbNewFake()
			f.On["*"] = func(w http.ResponseWriter, r *http.Request, _ mbRpcMsg) {
				select {
				case arrived <- struct{}{}:
				default:
				}
				select {
				case <-r.Context().Done():
					cancelled <- struct{}{}
				case <-time.After(30 * time.Second):
				}
			}
			target := f.Start(t)
			m := fastModule()
			m.Timeout = model.Duration(30 * time.Second)
			hh := hzNewHandler(t, m)

			ctx, leave := context.WithCancel(context.Background())
			var body io.Reader
			if method == http.MethodPost {
				body = strings.NewReader("module=hostile")
			}
			req, _ := http.NewRequestWithContext(ctx, method, hh.url+"/probe?"+url.Values{"module": {"hostile"}, "target": {target}}.Encode(), body)
			done := make(chan int, 1)
			go func() {
				resp, err := hh.client.Do(req)
				if err != nil {
					done <- 0
					return
				}
				resp.Body.Close()
				done <- resp.StatusCode
			}()
			if method == http.MethodPost {
				if code := <-done; code != http.StatusMethodNotAllowed {
					t.Errorf("POST /probe: %d, want 405", code)
				}
				if f.Requests("") != 0 {
					t.Errorf("POST /probe probed the target")
				}
				leave()
				return
			}
			select {
			case <-arrived:
			case <-time.After(10 * time.Second):
				t.Fatal("the probe did not reach the server")
			}
			leave()
			<-done
			start := time.Now()
			select {
			case <-cancelled:
			case <-time.After(5 * time.Second):
				t.Fatal("the probe's request to the server was not cancelled 5s after the scraper left")
			}
			for testsupport.MetricValue(t, hh.h.Metrics.InFlight) != 0 {
				if time.Since(start) > 2*time.Second {
					t.Fatalf("mcp_exporter_probes_in_flight = %v 2s after the scraper left", testsupport.MetricValue(t, hh.h.Metrics.InFlight))
				}
				time.Sleep(5 * time.Millisecond)
			}
		})
	}
}
