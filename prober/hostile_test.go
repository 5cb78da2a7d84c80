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
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"runtime"
	"runtime/metrics"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/alecthomas/units"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/model"

	"github.com/mcp-exporter/mcp_exporter/config"
	"github.com/mcp-exporter/mcp_exporter/internal/testsupport"
	"github.com/mcp-exporter/mcp_exporter/internal/testsupport/fakemcp"
)

// ---------------------------------------------------------------------------
// Hostile servers: what a server can do to the exporter on purpose, beyond
// the broken servers of misbehave_test.go. Each case must end in a failed
// probe with the right reason, within the probe's deadline (plus mbSlack), and
// the exporter must go on serving: every case runs through a Handler, which
// then probes a healthy go-sdk server successfully.
//
// Covered elsewhere, and not repeated here (misbehave_test.go's
// TestMisbehavingServers unless named): an HTML 200 ("HTML login page to
// every POST"), a batch answer, a response id mismatch, a repeating or
// endless nextCursor, a session id with forbidden characters, an answer
// over 16 MiB (JSON and SSE), slow answers, a connection closed mid-answer,
// 10,000-character invalid-UTF-8 serverInfo ("hostile serverInfo"), a
// capability flood, and a redirect from https to http under
// fail_if_not_tls (TestMisbehaveRedirectOffTLS). Helpers carry an hz
// prefix; the fake server and its mb helpers are misbehave_test.go's.

// hzCase is one hostile server.
type hzCase struct {
	name string
	// setup makes the mb fake misbehave; target, when set, is a server of
	// the case's own instead.
	setup  func(f *mbFake)
	target func(t *testing.T) string
	module func(m *config.Module)

	layer, reason string
	layers        [4]float64 // probe_mcp_layer_success in mbLayerOrder
	status        int        // probe_http_status_code
	// logs must appear in the probe's log (the error that explains the reason).
	logs string
	// fast: the probe must end before its deadline (a bound or an answer
	// ended it, not the clock; nothing was waited out).
	fast  bool
	check func(t *testing.T, f *mbFake, res probeResult)
}

// Deadlines. A case whose reason is a timeout waits out hzTimeout; every
// other case gets hzBoundTimeout, long enough that on a loaded machine only
// a bound or an answer ends it, so that "a bound ended it" is asserted
// without a tight clock (a 1s deadline was seen to expire before a gzip
// bomb's bound at a load average of 9).
const (
	hzTimeout      = time.Second
	hzBoundTimeout = 10 * time.Second
)

// hzDeadline is the module timeout for a case failing with reason.
func hzDeadline(reason string) time.Duration {
	if reason == "timeout" {
		return hzTimeout
	}
	return hzBoundTimeout
}

// hzSmallBound is the max_response_bytes of the cases that test the bound.
const hzSmallBound = 64 * units.KiB

func hzBound(b units.Base2Bytes) func(m *config.Module) {
	return func(m *config.Module) { m.MaxResponseBytes = b }
}

// The hostile answers are the shared fake's (fakemcp), under short names.
var (
	hzStream   = fakemcp.Stream
	hzChunk    = fakemcp.Chunk
	hzTrickle  = fakemcp.Trickle
	hzEncoded  = fakemcp.Encoded
	hzGzipBomb = fakemcp.GzipBomb
	hzGzip     = fakemcp.Gzip
)

// hzNotifications is many SSE events, none of them a response.
var hzNotifications = strings.Repeat("event: message\ndata: {\"jsonrpc\":\"2.0\",\"method\":\"notifications/progress\",\"params\":{\"progressToken\":1,\"progress\":1}}\n\n", 64)

// hzNested is a JSON value nested depth levels deep.
func hzNested(depth int) string {
	return strings.Repeat(`{"a":`, depth) + `{}` + strings.Repeat(`}`, depth)
}

// hzResetServer answers every connection with head, waits until the
// prober is reading the body, then resets the connection (RST, not FIN).
func hzResetServer(t *testing.T, head []byte) string {
	return mbRawServer(t, func(c net.Conn) {
		_, _ = c.Write(head)
		time.Sleep(100 * time.Millisecond)
		if tc, ok := c.(*net.TCPConn); ok {
			_ = tc.SetLinger(0) // Close sends RST
		}
	})
}

// hzTwinTool is a tool name that must not reach the probe's log.
const hzTwinTool = "hz_twin_tool"

func hzCases() []hzCase {
	pinned := mbPin("2025-11-25")
	return []hzCase{
		// --- endless and slow bodies
		{
			// 64 KiB arrive in milliseconds: the bound ends the probe long
			// before its deadline. server/discover already meets it, and an
			// oversized answer is final: initialize is not tried.
			name: "endless JSON body, 64KiB max_response_bytes",
			setup: mbEvery(hzStream("application/json", `{"jsonrpc":"2.0","id":{{id}},"result":{"pad":"`, 0,
				hzChunk(strings.Repeat("x", 32<<10)))),
			module: hzBound(hzSmallBound),
			layer:  LayerHandshake, reason: "response_too_large", layers: mbHandshakeFailed, status: 200,
			logs: "message larger than 65536 bytes", fast: true,
			check: mbWantRequests(map[string]int{"server/discover": 1, "initialize": 0}),
		},
		{
			// 400 KiB/s never reaches the default 16 MiB within the probe's
			// second: the deadline ends it, with the answer's status known.
			name: "endless JSON body, slowly, default max_response_bytes",
			setup: mbEvery(hzStream("application/json", `{"jsonrpc":"2.0","id":{{id}},"result":{"pad":"`, 10*time.Millisecond,
				hzChunk(strings.Repeat("x", 4<<10)))),
			layer: LayerHandshake, reason: "timeout", layers: mbHandshakeFailed, status: 200,
			check: mbWantRequests(map[string]int{"server/discover": 1, "initialize": 0}),
		},
		{
			name: "JSON trickled one byte per 100ms",
			setup: mbEvery(func(w http.ResponseWriter, r *http.Request, m mbRpcMsg) {
				hzStream("application/json", "", 100*time.Millisecond, hzTrickle(mbRpcResult(m.ID, mbInitResult("2025-11-25"))))(w, r, m)
			}),
			layer: LayerHandshake, reason: "timeout", layers: mbHandshakeFailed, status: 200,
		},
		{
			name: "SSE trickled one byte per 100ms",
			setup: mbOnInit(func(w http.ResponseWriter, r *http.Request, m mbRpcMsg) {
				hzStream("text/event-stream", "", 100*time.Millisecond, hzTrickle("event: message\ndata: "+mbRpcResult(m.ID, mbInitResult("2025-11-25"))+"\n\n"))(w, r, m)
			}),
			module: pinned,
			layer:  LayerHandshake, reason: "timeout", layers: mbHandshakeFailed, status: 200,
		},

		// --- never-ending SSE
		{
			name:   "SSE stream of notifications forever, never the response",
			setup:  mbOnInit(hzStream("text/event-stream", "id: prime\ndata: \n\n", 0, hzChunk(hzNotifications))),
			module: pinned,
			layer:  LayerHandshake, reason: "timeout", layers: mbHandshakeFailed, status: 200,
		},
		{
			name:   "SSE stream of comments forever",
			setup:  mbOnInit(hzStream("text/event-stream", "", 0, hzChunk(strings.Repeat(": keep-alive\n", 512)))),
			module: pinned,
			layer:  LayerHandshake, reason: "timeout", layers: mbHandshakeFailed, status: 200,
		},
		{
			name:   "SSE stream of one endless data line",
			setup:  mbOnInit(hzStream("text/event-stream", "event: message\ndata: ", 0, hzChunk(strings.Repeat("x", 32<<10)))),
			module: func(m *config.Module) { pinned(m); hzBound(hzSmallBound)(m) },
			layer:  LayerHandshake, reason: "response_too_large", layers: mbHandshakeFailed, status: 200,
			fast: true,
		},
		{
			// A line that ends is still bounded: a 64 KiB event of many
			// short data lines, none of them long, is refused too.
			name: "SSE event of many short data lines",
			setup: mbOnInit(hzStream("text/event-stream", "event: message\n", 0,
				hzChunk(strings.Repeat("data: xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n", 512)))),
			module: func(m *config.Module) { pinned(m); hzBound(hzSmallBound)(m) },
			layer:  LayerHandshake, reason: "response_too_large", layers: mbHandshakeFailed, status: 200,
			fast: true,
		},

		// --- Content-Encoding
		{
			// 10 MiB from 10 KiB, against a 1 MiB bound: cut off at the
			// bound, while decoding (TestHostileBoundedMemory measures it).
			name:   "gzip bomb",
			setup:  mbEvery(hzEncoded("gzip", func(mbRpcMsg) []byte { return hzGzipBomb(10) })),
			module: hzBound(units.MiB),
			layer:  LayerHandshake, reason: "response_too_large", layers: mbHandshakeFailed, status: 200,
			logs: "message larger than 1048576 bytes", fast: true,
			check: mbWantRequests(map[string]int{"server/discover": 1, "initialize": 0}),
		},
		{
			name:  "Content-Encoding gzip, but not gzip",
			setup: mbEvery(hzEncoded("gzip", func(m mbRpcMsg) []byte { return []byte(mbRpcResult(m.ID, mbInitResult("2025-11-25"))) })),
			layer: LayerHandshake, reason: "protocol_violation", layers: mbHandshakeFailed, status: 200,
			logs: "Content-Encoding gzip, but the body is not gzip",
		},
		{
			name: "gzip whose deflate data is corrupt",
			setup: mbEvery(hzEncoded("gzip", func(m mbRpcMsg) []byte {
				z := hzGzip(mbRpcResult(m.ID, mbInitResult("2025-11-25")))
				return append(z[:10:10], bytes.Repeat([]byte{0xff}, 64)...) // the header, then a reserved block type
			})),
			layer: LayerHandshake, reason: "protocol_violation", layers: mbHandshakeFailed, status: 200,
			logs: "the compressed body is corrupt",
		},
		{
			name: "gzip with a wrong checksum",
			setup: mbEvery(hzEncoded("gzip", func(m mbRpcMsg) []byte {
				z := hzGzip(mbRpcResult(m.ID, mbInitResult("2025-11-25")))
				z[len(z)-8] ^= 0xff // CRC-32 of the trailer
				return z
			})),
			layer: LayerHandshake, reason: "protocol_violation", layers: mbHandshakeFailed, status: 200,
			logs: "the compressed body is corrupt",
		},
		{
			// The prober asks for gzip only.
			name:  "unrequested Content-Encoding br",
			setup: mbEvery(hzEncoded("br", func(mbRpcMsg) []byte { return []byte{0x0b, 0x02, 0x80, 0x7b, 0x7d, 0x03} })),
			layer: LayerHandshake, reason: "protocol_violation", layers: mbHandshakeFailed, status: 200,
			logs: `unrequested Content-Encoding \"br\"`,
		},

		// --- connection reset (RST) mid-answer; a close (FIN) is "connection
		// cut in the middle of the answer" in misbehave_test.go
		{
			name: "connection reset mid-answer",
			target: func(t *testing.T) string {
				return hzResetServer(t, []byte("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 500\r\n\r\n{\"jsonrpc\":\"2.0\","))
			},
			layer: LayerHandshake, reason: "connect", layers: mbHandshakeFailed, status: 200,
		},
		{
			// A broken connection under gzip is a broken connection, not a
			// corrupt encoding.
			name: "connection reset mid-answer, gzip",
			target: func(t *testing.T) string {
				z := hzGzipBomb(1)
				head := "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Encoding: gzip\r\nContent-Length: 100000\r\n\r\n"
				return hzResetServer(t, append([]byte(head), z[:len(z)/2]...))
			},
			module: hzBound(8 * units.MiB),
			layer:  LayerHandshake, reason: "connect", layers: mbHandshakeFailed, status: 200,
		},

		// --- deep nesting
		{
			// encoding/json refuses more than 10,000 levels when it reads the
			// envelope, before any MCP meaning is looked at: the answer is
			// not a JSON-RPC message the prober can read. No stack is spent.
			name:  "tool inputSchema nested 100,000 deep",
			setup: func(f *mbFake) { f.Tools = `[{"name":"deep","inputSchema":` + hzNested(100000) + `}]` },
			layer: LayerTools, reason: "malformed_jsonrpc", layers: mbToolsFailed, status: 200,
		},
		{
			// Within encoding/json's limit, the canonical encoder's own bound
			// (1,000 levels) refuses the tool.
			name:  "tool inputSchema nested 5,000 deep",
			setup: func(f *mbFake) { f.Tools = `[{"name":"deep","inputSchema":` + hzNested(5000) + `}]` },
			layer: LayerTools, reason: "protocol_violation", layers: mbToolsFailed, status: 200,
			logs: "JSON nested too deeply",
		},
		{
			// As for tools/list: the envelope is refused. No session was
			// taken from an answer that could not be read, so none is closed.
			name: "initialize result nested 100,000 deep",
			setup: mbInitAnswer(`{"protocolVersion":"2025-11-25","capabilities":{"tools":{},"experimental":` + hzNested(100000) +
				`},"serverInfo":{"name":"deep","version":"1"}}`),
			layer: LayerHandshake, reason: "malformed_jsonrpc", layers: mbHandshakeFailed, status: 200,
			check: mbWantRequests(map[string]int{"DELETE": 0}),
		},

		// --- tool names
		{
			name: "duplicate tool names",
			setup: func(f *mbFake) {
				f.Tools = `[{"name":"` + hzTwinTool + `","description":"one","inputSchema":{"type":"object"}},` + mbEchoTool +
					`,{"name":"` + hzTwinTool + `","description":"two","inputSchema":{"type":"object"}}]`
			},
			layer: LayerTools, reason: "protocol_violation", layers: mbToolsFailed, status: 200,
			logs: "duplicate tool name",
			check: func(t *testing.T, f *mbFake, res probeResult) {
				if strings.Contains(res.logs, hzTwinTool) || strings.Contains(res.metrics, hzTwinTool) {
					t.Error("the duplicated tool's name reached the probe's log or metrics")
				}
				mbWantRequests(map[string]int{"DELETE": 1})(t, f, res)
			},
		},
		{
			name:  "identical duplicate tools",
			setup: func(f *mbFake) { f.Tools = `[` + mbEchoTool + `,` + mbEchoTool + `]` },
			layer: LayerTools, reason: "protocol_violation", layers: mbToolsFailed, status: 200,
			logs: "duplicate tool name",
		},
		{
			name:  "tool name is a number",
			setup: func(f *mbFake) { f.Tools = `[{"name":42,"inputSchema":{"type":"object"}}]` },
			layer: LayerTools, reason: "protocol_violation", layers: mbToolsFailed, status: 200,
			logs: `\"name\" is not a string`,
		},
		{
			name:  "tool name is null",
			setup: func(f *mbFake) { f.Tools = `[` + mbEchoTool + `,{"name":null,"inputSchema":{"type":"object"}}]` },
			layer: LayerTools, reason: "protocol_violation", layers: mbToolsFailed, status: 200,
			logs: `\"name\" is not a string`,
		},

		// --- redirects
		{
			// The first POST is redirected to itself, 10 times; a failed
			// request is final (no initialize after it).
			name: "redirect loop",
			setup: mbEvery(func(w http.ResponseWriter, r *http.Request, _ mbRpcMsg) {
				http.Redirect(w, r, r.URL.Path, http.StatusTemporaryRedirect)
			}),
			layer: LayerHandshake, reason: "redirect", layers: mbHandshakeFailed, status: 0,
			logs: "stopped after 10 redirects", fast: true,
			check: mbWantRequests(map[string]int{"server/discover": 10, "initialize": 0}),
		},
		{
			// A redirect off HTTP is refused by the redirect policy.
			name: "redirect to ftp://",
			setup: mbEvery(func(w http.ResponseWriter, _ *http.Request, _ mbRpcMsg) {
				w.Header().Set("Location", "ftp://127.0.0.1/mcp")
				w.WriteHeader(http.StatusTemporaryRedirect)
			}),
			layer: LayerHandshake, reason: "redirect", layers: mbHandshakeFailed, status: 0,
			logs: "not http or https refused", fast: true,
			check: mbWantRequests(map[string]int{"server/discover": 1, "initialize": 0}),
		},

		// --- rate limits and 5xx: reported, never waited out
		{
			// Retry-After is not honoured by waiting: the probe reports the
			// refusal at once, and does not send initialize after it.
			name: "429 with Retry-After",
			setup: mbEvery(func(w http.ResponseWriter, _ *http.Request, _ mbRpcMsg) {
				w.Header().Set("Retry-After", "3600")
				http.Error(w, "Too Many Requests", http.StatusTooManyRequests)
			}),
			layer: LayerHandshake, reason: "http_status", layers: mbHandshakeFailed, status: 429, fast: true,
			check: mbWantRequests(map[string]int{"server/discover": 1, "initialize": 0, "DELETE": 0}),
		},
		{
			name: "503 with Retry-After",
			setup: mbEvery(func(w http.ResponseWriter, _ *http.Request, _ mbRpcMsg) {
				w.Header().Set("Retry-After", "120")
				http.Error(w, "Service Unavailable", http.StatusServiceUnavailable)
			}),
			layer: LayerHandshake, reason: "http_status", layers: mbHandshakeFailed, status: 503, fast: true,
		},
		{
			// Rate-limited after the handshake: the tools layer fails with
			// the status, and the session is still closed.
			name: "429 to tools/list",
			setup: mbOnTools(func(w http.ResponseWriter, _ *http.Request, _ mbRpcMsg) {
				w.Header().Set("Retry-After", "3600")
				http.Error(w, "Too Many Requests", http.StatusTooManyRequests)
			}),
			layer: LayerTools, reason: "http_status", layers: mbToolsFailed, status: 429, fast: true,
			check: mbWantRequests(map[string]int{"tools/list": 1, "DELETE": 1}),
		},
	}
}

// hzHandler is a probe Handler as the exporter runs it, with a "hostile"
// module and the default one, served over HTTP.
type hzHandler struct {
	h      *Handler
	url    string
	log    *testsupport.SyncBuffer
	client *http.Client
}

func hzNewHandler(t *testing.T, hostile config.Module) *hzHandler {
	t.Helper()
	healthy := config.DefaultModule
	healthy.Timeout = model.Duration(5 * time.Second)
	logs := &testsupport.SyncBuffer{}
	h := &Handler{
		Config:      config.NewSafeConfig(&config.Config{Modules: map[string]config.Module{"hostile": hostile, "default": healthy}}),
		Prober:      New(),
		History:     NewHistory(10),
		Metrics:     NewExporterMetrics(prometheus.NewRegistry()),
		Logger:      slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		ProberLevel: slog.LevelDebug,
		Slots:       make(chan struct{}, 4),
	}
	ts := testsupport.Serve(t, h)
	return &hzHandler{h: h, url: ts.URL, log: logs, client: &http.Client{Timeout: 30 * time.Second}}
}

// probe asks the Handler to probe target with module and returns the
// answer, read back into a Result (answerResult), and the exporter's log
// so far.
func (hh *hzHandler) probe(t *testing.T, module, target string) probeResult {
	t.Helper()
	resp, err := hh.client.Get(hh.url + "/probe?" + url.Values{"module": {module}, "target": {target}}.Encode())
	if err != nil {
		t.Fatalf("GET /probe: %v", err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /probe: %d %v\n%s", resp.StatusCode, err, b)
	}
	r := answerResult(t, string(b))
	return probeResult{ok: r.Success, metrics: string(b), logs: hh.log.String(), result: r}
}

func TestHostileServers(t *testing.T) {
	t.Parallel()
	healthy := testsupport.SDKServer{}.Start(t).URL
	hzGzipBomb(2) // both members compressed once, here, not in a probe's time
	for _, tc := range hzCases() {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := mbNewFake()
			if tc.setup != nil {
				tc.setup(f)
			}
			module := config.DefaultModule
			module.Timeout = model.Duration(hzDeadline(tc.reason))
			if tc.module != nil {
				tc.module(&module)
			}
			target := ""
			if tc.target != nil {
				target = tc.target(t)
			} else {
				target = f.Start(t)
			}
			hh := hzNewHandler(t, module)

			start := time.Now()
			res := hh.probe(t, "hostile", target)
			elapsed := time.Since(start)
			defer func() {
				if t.Failed() {
					t.Logf("took %v; log:\n%s\nresult: %s", elapsed, res.logs, describe(res.result))
				}
			}()

			wantOutcome(t, res.result, tc.layer, tc.reason)
			mbCheckLayers(t, res.result, tc.layers)
			mbCheckStatus(t, res.result, tc.status)
			if tc.logs != "" && !strings.Contains(res.logs, tc.logs) {
				t.Errorf("the probe's log does not say %q", tc.logs)
			}
			if limit := time.Duration(module.Timeout) + mbSlack; elapsed > limit {
				t.Errorf("probe took %v, more than the deadline plus %v (%v)", elapsed, mbSlack, limit)
			}
			if tc.fast && elapsed >= time.Duration(module.Timeout) {
				t.Errorf("probe took %v: a bound should have ended it before the %v deadline", elapsed, module.Timeout)
			}
			if tc.check != nil {
				tc.check(t, f, res)
			}

			// The exporter keeps serving: the same Handler (and Prober)
			// probes a healthy server.
			if after := hh.probe(t, "default", healthy); !after.ok {
				t.Errorf("probing a healthy server after the hostile one failed: %s", describe(after.result))
			}
		})
	}
}

// hzMemory runs fn and reports the bytes allocated meanwhile (all of them,
// garbage included: an upper bound on the heap's growth) and the peak of
// the live heap above what it was before, sampled every millisecond.
func hzMemory(fn func()) (allocated, peak uint64) {
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(sample)
	base := sample[0].Value.Uint64()
	var top atomic.Uint64
	done := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
		for {
			metrics.Read(s)
			if v := s[0].Value.Uint64(); v > top.Load() {
				top.Store(v)
			}
			select {
			case <-done:
				return
			case <-time.After(time.Millisecond):
			}
		}
	}()
	fn()
	close(done)
	<-sampled
	runtime.ReadMemStats(&after)
	if t := top.Load(); t > base {
		peak = t - base
	}
	return after.TotalAlloc - before.TotalAlloc, peak
}

// TestHostileBoundedMemory: what a hostile server sends does not become
// the exporter's memory. Not parallel, so that the figures are this
// test's alone.
func TestHostileBoundedMemory(t *testing.T) {
	const bombMiB = 64
	bomb := hzGzipBomb(bombMiB)
	for _, tc := range []struct {
		name   string
		on     mbFakeFunc
		module func(m *config.Module)
		reason string
		// maxAlloc bounds all the bytes allocated during the probe (0: not
		// checked, for streams whose garbage grows with time); maxPeak
		// bounds the live heap's growth.
		maxAlloc, maxPeak uint64
	}{
		{
			name:   fmt.Sprintf("gzip bomb of %d MiB from %d KiB", bombMiB, len(bomb)>>10),
			on:     hzEncoded("gzip", func(mbRpcMsg) []byte { return bomb }),
			module: hzBound(units.MiB),
			reason: "response_too_large", maxAlloc: 16 << 20, maxPeak: 16 << 20,
		},
		{
			name:   "endless JSON body",
			on:     hzStream("application/json", `{"jsonrpc":"2.0","id":{{id}},"result":{"pad":"`, 0, hzChunk(strings.Repeat("x", 32<<10))),
			module: hzBound(units.MiB),
			reason: "response_too_large", maxAlloc: 16 << 20, maxPeak: 16 << 20,
		},
		{
			name:   "SSE stream of notifications forever",
			on:     hzStream("text/event-stream", "", 0, hzChunk(hzNotifications)),
			reason: "timeout", maxPeak: 32 << 20,
		},
		{
			name:   "SSE stream of one endless data line",
			on:     hzStream("text/event-stream", "data: ", 0, hzChunk(strings.Repeat("x", 32<<10))),
			module: hzBound(units.MiB),
			reason: "response_too_large", maxAlloc: 16 << 20, maxPeak: 16 << 20,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := mbNewFake()
			f.On["*"] = tc.on
			target := f.Start(t)
			module := config.DefaultModule
			module.Timeout = model.Duration(hzDeadline(tc.reason))
			if tc.module != nil {
				tc.module(&module)
			}
			var res probeResult
			allocated, peak := hzMemory(func() { res = runProbe(t, nil, target, module) })
			t.Logf("allocated %.1f MiB in all, live heap peaked %.1f MiB above its start", float64(allocated)/(1<<20), float64(peak)/(1<<20))
			failedAt(t, res.result, LayerHandshake, tc.reason)
			if tc.maxAlloc > 0 && allocated > tc.maxAlloc {
				t.Errorf("the probe allocated %d bytes, more than %d", allocated, tc.maxAlloc)
			}
			if peak > tc.maxPeak {
				t.Errorf("the live heap grew by %d bytes, more than %d", peak, tc.maxPeak)
			}
			if t.Failed() {
				t.Logf("log:\n%s", res.logs)
			}
		})
	}
}
