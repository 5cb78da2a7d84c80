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
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
	"github.com/prometheus/common/model"

	"github.com/mcp-exporter/mcp_exporter/config"
	"github.com/mcp-exporter/mcp_exporter/internal/protocol"
	"github.com/mcp-exporter/mcp_exporter/internal/testsupport"
	"github.com/mcp-exporter/mcp_exporter/prober/mcpwire"
)

// The legacy transport's GET must be answered 200: mcp-go v0.32 answers
// GET /mcp with 202 and an event stream that never sends an event. The
// probe fails at once with http_status instead of waiting for its deadline.
func TestLegacySSEGetMustBe200(t *testing.T) {
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.Method {
		case http.MethodPost:
			// Not Streamable HTTP: the probe falls back to HTTP+SSE.
			w.WriteHeader(http.StatusMethodNotAllowed)
		case http.MethodGet:
			w.Header().Set("Content-Type", "text/event-stream")
			w.WriteHeader(http.StatusAccepted)
			w.(http.Flusher).Flush()
			<-r.Context().Done()
		}
	}))
	defer ts.Close()
	m := config.DefaultModule
	m.Timeout = model.Duration(5 * time.Second)
	start := time.Now()
	res := runProbe(t, nil, ts.URL, m)
	if elapsed := time.Since(start); elapsed > 2*time.Second {
		t.Errorf("probe took %v: it waited on the 202 stream", elapsed)
	}
	if res.ok {
		t.Fatal("probe succeeded")
	}
	failedAt(t, res.result, LayerHandshake, "http_status")
	if r := res.result; r.Transport != protocol.TransportSSE || r.HTTPStatus != 202 {
		t.Errorf("transport %q, status %d; want sse, 202", r.Transport, r.HTTPStatus)
	}
}

// A 2026-07-28 server whose discover result breaks the revision's MUSTs
// and has no serverInfo is probed successfully; each broken MUST is a
// warning in probe_mcp_protocol_warnings and a log line.
func TestProtocolWarningsReported(t *testing.T) {
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var m struct {
			ID     int64  `json:"id"`
			Method string `json:"method"`
		}
		b, _ := io.ReadAll(r.Body)
		_ = json.Unmarshal(b, &m)
		w.Header().Set("Content-Type", "application/json")
		switch m.Method {
		case "server/discover":
			fmt.Fprintf(w, `{"jsonrpc":"2.0","id":%d,"result":{"supportedVersions":["2026-07-28"],"capabilities":{"tools":{}}}}`, m.ID)
		case "tools/list":
			fmt.Fprintf(w, `{"jsonrpc":"2.0","id":%d,"result":{"tools":[{"name":"a","inputSchema":{"type":"object"}}],"resultType":"complete","ttlMs":1000,"cacheScope":"public"}}`, m.ID)
		default:
			w.WriteHeader(http.StatusBadRequest)
		}
	}))
	defer ts.Close()
	res := runProbe(t, nil, ts.URL, config.DefaultModule)
	if !res.ok {
		t.Fatalf("probe failed:\n%s\n%s", res.logs, describe(res.result))
	}
	if n := res.result.ProtocolWarnings; n != 3 {
		t.Errorf("%d protocol warnings, want 3\n%s", n, res.logs)
	}
	if n := strings.Count(res.logs, "protocol warning"); n != 3 {
		t.Errorf("%d warnings logged, want 3:\n%s", n, res.logs)
	}
	if sv := res.result.Server; sv == nil || sv.Name != "" || sv.Version != "" {
		t.Errorf("server %+v, want one without name and version", sv)
	}
	if n := res.result.SSEResumptions; n != 0 {
		t.Errorf("%d SSE resumptions", n)
	}
}

// upgradableServer is a go-sdk server behind one URL that can be upgraded
// in place from stateful 2025-11-25 to stateless 2026-07-28.
type upgradableServer struct {
	h atomic.Pointer[http.Handler]
}

func (u *upgradableServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	(*u.h.Load()).ServeHTTP(w, r)
}

func (u *upgradableServer) set(stateless bool, ttl time.Duration) {
	h := testsupport.SDKServer{
		HTTP: mcp.StreamableHTTPOptions{Stateless: stateless},
		SetCacheable: func(_ context.Context, _ mcp.Request, c *mcp.Cacheable) {
			c.TTLMs = int(ttl / time.Millisecond)
		},
	}.Handler()
	u.h.Store(&h)
}

// A server upgraded in place is reported in its new revision once the
// verdict about it is stale: after the ttlMs of its server/discover answer
// (within [minVerdictTTL, maxVerdictTTL]), or after maxVerdictTTL without
// one.
func TestVerdictFollowsUpgradedServer(t *testing.T) {
	for _, tc := range []struct {
		name  string
		ttl   time.Duration // the stateful server's ttlMs
		stale time.Duration // when the verdict must be gone
	}{
		{"ttlMs 90s", 90 * time.Second, 90 * time.Second},
		{"ttlMs 0 is taken as the minimum", 0, minVerdictTTL},
		{"ttlMs a day is cut to the maximum", 24 * time.Hour, maxVerdictTTL},
	} {
		t.Run(tc.name, func(t *testing.T) {
			u := &upgradableServer{}
			u.set(false, tc.ttl)
			ts := httptest.NewServer(u)
			defer ts.Close()
			log := wrapServer(ts)

			now := time.Unix(1_000_000, 0)
			p := New()
			p.verdicts.now = func() time.Time { return now }
			assertHealthy(t, runProbe(t, p, ts.URL, config.DefaultModule), healthy{"2025-11-25", 1, true})

			u.set(true, tc.ttl)
			now = now.Add(tc.stale - time.Second)
			res := runProbe(t, p, ts.URL, config.DefaultModule)
			if n := log.count("server/discover"); n != 1 {
				t.Errorf("server/discover sent %d times while the verdict is fresh, want 1", n)
			}
			if res.ok {
				// The go-sdk's stateless handler still takes initialize.
				t.Logf("while the verdict is fresh the upgraded server is reported as %q", res.result.Server.ProtocolVersion)
			}

			now = now.Add(time.Second)
			res = runProbe(t, p, ts.URL, config.DefaultModule)
			assertHealthy(t, res, healthy{"2026-07-28", 1, false})
			// The go-sdk's results carry what 2026-07-28 requires.
			if n := res.result.ProtocolWarnings; n != 0 {
				t.Errorf("%d protocol warnings for the go-sdk:\n%s", n, res.logs)
			}
			if n := log.count("server/discover"); n != 2 {
				t.Errorf("server/discover sent %d times, want 2 once the verdict is stale", n)
			}
		})
	}
}

func TestVerdictTTL(t *testing.T) {
	for _, tc := range []struct {
		hs   mcpwire.Handshake
		want time.Duration
	}{
		{mcpwire.Handshake{}, 0},
		{mcpwire.Handshake{HasTTL: true}, minVerdictTTL},
		{mcpwire.Handshake{HasTTL: true, TTL: 3 * time.Minute}, 3 * time.Minute},
		{mcpwire.Handshake{HasTTL: true, TTL: time.Hour}, maxVerdictTTL},
	} {
		if got := verdictTTL(&tc.hs); got != tc.want {
			t.Errorf("verdictTTL(%v, %v) = %v, want %v", tc.hs.TTL, tc.hs.HasTTL, got, tc.want)
		}
	}
}

// TestBoundedMapPutFor: an entry's own age limit, never past the map's; a
// later put keeps it, a later putFor replaces it.
func TestBoundedMapPutFor(t *testing.T) {
	now := time.Unix(1_000_000, 0)
	b := newBoundedMap[string](10).withMaxAge(10 * time.Minute)
	b.now = func() time.Time { return now }
	b.putFor("short", "v", time.Minute)
	b.putFor("long", "v", time.Hour)
	b.put("plain", "v")
	now = now.Add(30 * time.Second)
	b.put("short", "v2") // keeps the minute
	now = now.Add(30 * time.Second)
	if _, ok := b.get("short"); ok {
		t.Error("short entry alive after its minute")
	}
	now = now.Add(9 * time.Minute)
	for _, k := range []string{"long", "plain"} {
		if _, ok := b.get(k); ok {
			t.Errorf("%s alive after the map's 10 minutes", k)
		}
	}
	b.putFor("k", "v", time.Minute)
	b.putFor("k", "v", 5*time.Minute)
	now = now.Add(2 * time.Minute)
	if _, ok := b.get("k"); !ok {
		t.Error("putFor did not replace the entry's limit")
	}
}
