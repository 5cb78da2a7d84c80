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

// Benchmarks only: nothing here runs without -bench. Run them with
//
//	go test ./prober -run '^$' -bench . -benchtime 20x
//
// BenchmarkProbeLargeToolsList reports peak-heap/response (target ≤ 3) and
// BenchmarkCanonicalHashVsUnmarshal hash/unmarshal (target ≤ 1.5).

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"runtime"
	"runtime/metrics"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/alecthomas/units"
	"github.com/prometheus/client_golang/prometheus"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/mcp-exporter/mcp_exporter/config"
	"github.com/mcp-exporter/mcp_exporter/internal/canonical"
	"github.com/mcp-exporter/mcp_exporter/internal/testsupport/fakemcp"
	"github.com/mcp-exporter/mcp_exporter/internal/tracing"
)

// benchLargeTools and benchLargeBytes size the large tools/list: 5,000
// tools in about 20 MiB.
const (
	benchLargeTools = 5000
	benchLargeBytes = 20 << 20
)

// benchServer is the shared fake (fakemcp) as the benchmarks want it: a
// stateful 2025-11-25 server with the go-sdk demo's capabilities, one
// session per initialize, DELETE answered 204, and nothing recorded. It
// answers JSON, or SSE as the go-sdk does by default, and writes the
// prepared tools/list result without copying it, so that the heap the
// probe grows is the prober's.
func benchServer(sse bool, tools []byte) *fakemcp.Server {
	s := fakemcp.New()
	s.SSE, s.ToolsResult, s.NoRecord = sse, tools, true
	s.Session, s.SessionPerInit, s.DeleteStatus = "bench", true, http.StatusNoContent
	s.Version, s.ServerName, s.ServerVersion = "2025-11-25", "bench-mcp-server", "1.0.0"
	s.Capabilities = `{"logging":{},"tools":{"listChanged":true}}`
	return s
}

// benchToolsResult builds a tools/list result of n tools in about size
// bytes: keys out of order (so canonicalization sorts them), escapes and
// non-ASCII text, nested schemas.
func benchToolsResult(n, size int) []byte {
	var b bytes.Buffer
	b.WriteString(`{"tools":[`)
	per := size / n
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		start := b.Len()
		fmt.Fprintf(&b, `{"name":"tool_%05d","title":"Tool %d \u00e9t\u00e9","inputSchema":{"type":"object","properties":{`, i, i)
		for p := 9; p >= 0; p-- {
			if p < 9 {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, `"param_%d":{"type":"string","description":"Parameter %d of tool %d, with \"quotes\" and a tab\t.","maxLength":%d}`, p, p, i, 100+p)
		}
		b.WriteString(`},"required":["param_3","param_1"],"additionalProperties":false},"annotations":{"readOnlyHint":true,"destructiveHint":false,"title":"Tool"},"_meta":{"x.example/owner":"bench"},"description":"`)
		// Pad the description so that each tool is about per bytes.
		for pad := per - (b.Len() - start) - 2; pad > 0; {
			chunk := "Returns what it is given, unchanged; a long description such as real servers write. "
			if len(chunk) > pad {
				chunk = chunk[:pad]
			}
			b.WriteString(chunk)
			pad -= len(chunk)
		}
		b.WriteString(`"}`)
	}
	b.WriteString(`]}`)
	return b.Bytes()
}

func benchModule() config.Module {
	m := config.DefaultModule
	m.MaxResponseBytes = 64 * units.MiB
	return m
}

var benchDiscard = slog.New(slog.DiscardHandler)

// benchHeapSampler samples the heap (live and not yet collected objects)
// every millisecond and keeps the peak.
type benchHeapSampler struct {
	stop chan struct{}
	done sync.WaitGroup
	peak atomic.Uint64
}

func benchHeapNow() uint64 {
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

func benchStartHeapSampler() *benchHeapSampler {
	h := &benchHeapSampler{stop: make(chan struct{})}
	h.peak.Store(benchHeapNow())
	h.done.Go(func() {
		t := time.NewTicker(time.Millisecond)
		defer t.Stop()
		for {
			if v := benchHeapNow(); v > h.peak.Load() {
				h.peak.Store(v)
			}
			select {
			case <-h.stop:
				return
			case <-t.C:
			}
		}
	})
	return h
}

func (h *benchHeapSampler) finish() uint64 {
	if v := benchHeapNow(); v > h.peak.Load() {
		h.peak.Store(v)
	}
	close(h.stop)
	h.done.Wait()
	return h.peak.Load()
}

// BenchmarkProbeLargeToolsList probes a server whose tools/list is about
// 20 MiB of 5,000 tools and reports the probe's peak heap growth (over
// the heap before the probe, after a GC) as a multiple of the response
// size: peak-heap/response, target ≤ 3.
func BenchmarkProbeLargeToolsList(b *testing.B) {
	tools := benchToolsResult(benchLargeTools, benchLargeBytes)
	for _, sse := range []bool{false, true} {
		name := "json"
		if sse {
			name = "sse"
		}
		b.Run(name, func(b *testing.B) {
			ts := httptest.NewServer(benchServer(sse, tools))
			defer ts.Close()
			p := New()
			m := benchModule()
			target := ts.URL + "/mcp"
			// The first probe detects the era; the measured ones are the
			// four exchanges.
			if !p.Probe(context.Background(), &Request{ModuleName: "bench", Module: m, Target: target, Logger: benchDiscard}).Success {
				b.Fatal("the first probe failed")
			}
			var worst float64
			b.SetBytes(int64(len(tools)))
			b.ResetTimer()
			for b.Loop() {
				b.StopTimer()
				runtime.GC()
				before := benchHeapNow()
				h := benchStartHeapSampler()
				b.StartTimer()
				ok := p.Probe(context.Background(), &Request{ModuleName: "bench", Module: m, Target: target, Logger: benchDiscard}).Success
				b.StopTimer()
				peak := h.finish()
				if !ok {
					b.Fatal("probe failed")
				}
				worst = max(worst, float64(peak-before)/float64(len(tools)))
				b.StartTimer()
			}
			b.ReportMetric(worst, "peak-heap/response")
			b.ReportMetric(float64(len(tools))/(1<<20), "response-MiB")
		})
	}
}

// BenchmarkCanonicalHashVsUnmarshal compares canonicalizing and hashing
// the tools of the large tools/list (canonical.DigestTools, on the raw tool
// objects as the prober has them) with a plain json.Unmarshal of the same
// tools array into any, and reports hash/unmarshal (target ≤ 1.5). For
// reference it also reports the ratio to json.Unmarshal into
// []json.RawMessage, which only validates and splits the array.
func BenchmarkCanonicalHashVsUnmarshal(b *testing.B) {
	result := benchToolsResult(benchLargeTools, benchLargeBytes)
	var r struct {
		Tools json.RawMessage `json:"tools"`
	}
	if err := json.Unmarshal(result, &r); err != nil {
		b.Fatal(err)
	}
	array := []byte(r.Tools)
	var raw []json.RawMessage
	if err := json.Unmarshal(array, &raw); err != nil {
		b.Fatal(err)
	}
	if len(raw) != benchLargeTools {
		b.Fatalf("%d tools", len(raw))
	}
	var hashT, anyT, rawT time.Duration
	b.SetBytes(int64(len(array)))
	for b.Loop() {
		t := time.Now()
		if _, err := canonical.DigestTools(raw); err != nil {
			b.Fatal(err)
		}
		hashT += time.Since(t)

		t = time.Now()
		var v any
		if err := json.Unmarshal(array, &v); err != nil {
			b.Fatal(err)
		}
		anyT += time.Since(t)

		t = time.Now()
		var split []json.RawMessage
		if err := json.Unmarshal(array, &split); err != nil {
			b.Fatal(err)
		}
		rawT += time.Since(t)
	}
	n := float64(b.N)
	b.ReportMetric(float64(hashT.Nanoseconds())/n, "hash-ns/op")
	b.ReportMetric(float64(anyT.Nanoseconds())/n, "unmarshal-ns/op")
	b.ReportMetric(float64(hashT)/float64(anyT), "hash/unmarshal")
	b.ReportMetric(float64(hashT)/float64(rawT), "hash/unmarshal-raw")
}

// BenchmarkProbeHandler is one /probe request through the Handler against
// a small server like the demo (two tools, SSE answers): what a scrape
// costs the exporter in process, for profiling with -cpuprofile or
// -memprofile. The server's cost is in the numbers too.
func BenchmarkProbeHandler(b *testing.B) { benchProbeHandler(b, nil) }

// BenchmarkProbeHandlerTraced is BenchmarkProbeHandler with tracing on,
// every probe sampled, its spans batched to an exporter that drops them:
// what making the spans costs (go run ./bench measures the export too).
func BenchmarkProbeHandlerTraced(b *testing.B) {
	tp := tracing.NewProvider(tracetest.NewNoopExporter(), 1, "bench", false)
	defer func() { _ = tp.Shutdown(context.Background()) }()
	benchProbeHandler(b, tp)
}

func benchProbeHandler(b *testing.B, tp trace.TracerProvider) {
	ts := httptest.NewServer(benchServer(true, benchDemoTools))
	defer ts.Close()
	h := &Handler{
		Config:        config.NewSafeConfig(&config.Config{Modules: map[string]config.Module{config.DefaultModuleName: config.DefaultModule}}),
		Prober:        New(),
		History:       NewHistory(100),
		Metrics:       NewExporterMetrics(prometheus.NewRegistry()),
		Logger:        benchDiscard,
		ProberLevel:   slog.LevelDebug,
		TimeoutOffset: 500 * time.Millisecond,
	}
	if tp != nil {
		h.Prober.SetTracerProvider(tp)
	}
	probe := func() {
		req := httptest.NewRequest(http.MethodGet, "/probe?target="+ts.URL+"/mcp", nil)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), "\nprobe_success 1\n") {
			b.Fatalf("probe failed:\n%s", w.Body.String())
		}
	}
	probe()
	b.ReportAllocs()
	cpu := benchCPUStart()
	for b.Loop() {
		probe()
	}
	cpu.report(b)
}

// BenchmarkProbeFloor makes the same four exchanges as BenchmarkProbeHandler
// with a bare net/http client (what go run ./bench calls the floor), for
// comparison in the same process.
func BenchmarkProbeFloor(b *testing.B) {
	ts := httptest.NewServer(benchServer(true, benchDemoTools))
	defer ts.Close()
	target := ts.URL + "/mcp"
	b.ReportAllocs()
	cpu := benchCPUStart()
	for b.Loop() {
		if msg := benchFloorProbe(target); msg != "" {
			b.Fatal(msg)
		}
	}
	cpu.report(b)
}

// benchCPU measures the process's CPU time (all threads: the GC's too, and
// the in-process server's) over a benchmark loop, which says more than the
// wall time on a busy machine.
type benchCPU struct{ start time.Duration }

func benchCPUNow() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func benchCPUStart() benchCPU { return benchCPU{start: benchCPUNow()} }

func (c benchCPU) report(b *testing.B) {
	b.ReportMetric(float64(benchCPUNow()-c.start)/float64(b.N), "cpu-ns/op")
}

func benchFloorProbe(target string) string {
	tr := &http.Transport{DisableCompression: true}
	defer tr.CloseIdleConnections()
	c := &http.Client{Transport: tr}
	send := func(method, body, session string) (string, int) {
		var r io.Reader
		if body != "" {
			r = strings.NewReader(body)
		}
		req, _ := http.NewRequest(method, target, r)
		req.Header.Set("User-Agent", "mcp_exporter/0.1.0")
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Accept", "application/json, text/event-stream")
			req.Header.Set("Accept-Encoding", "gzip")
		}
		if session != "" {
			req.Header.Set("MCP-Session-Id", session)
			req.Header.Set("MCP-Protocol-Version", "2025-11-25")
		}
		resp, err := c.Do(req)
		if err != nil {
			return "", 0
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.Header.Get("MCP-Session-Id"), resp.StatusCode
	}
	session, status := send(http.MethodPost, `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"capabilities":{},"clientInfo":{"name":"mcp_exporter","version":"0.1.0"},"protocolVersion":"2025-11-25"}}`, "")
	if status != http.StatusOK || session == "" {
		return "initialize failed"
	}
	if _, status := send(http.MethodPost, `{"jsonrpc":"2.0","method":"notifications/initialized"}`, session); status != http.StatusAccepted {
		return "notifications/initialized failed"
	}
	if _, status := send(http.MethodPost, `{"jsonrpc":"2.0","id":2,"method":"tools/list","params":{}}`, session); status != http.StatusOK {
		return "tools/list failed"
	}
	if _, status := send(http.MethodDelete, "", session); status != http.StatusNoContent {
		return "DELETE failed"
	}
	return ""
}

// benchDemoTools is the demo server's tools/list result.
var benchDemoTools = []byte(`{"tools":[{"name":"echo","description":"Returns its input.","inputSchema":{"type":"object","required":["text"],"properties":{"text":{"type":"string","description":"the text"}},"additionalProperties":false},"outputSchema":{"type":"object","required":["text"],"properties":{"text":{"type":"string"}},"additionalProperties":false}},{"name":"upper","description":"Returns its input in upper case.","inputSchema":{"type":"object","required":["text"],"properties":{"text":{"type":"string","description":"the text"}},"additionalProperties":false},"outputSchema":{"type":"object","required":["text"],"properties":{"text":{"type":"string"}},"additionalProperties":false}}]}`)
