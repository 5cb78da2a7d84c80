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
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mcp-exporter/mcp_exporter/config"
	"github.com/mcp-exporter/mcp_exporter/prober/mcpwire"
)

// TestTargetLengthCap: a target over MaxTargetBytes is answered 400 before
// anything is sent or kept (issue 9 item 4).
func TestTargetLengthCap(t *testing.T) {
	t.Parallel()
	ts, n := countingServer(t)
	f := newHandlerFixture(t, map[string]config.Module{"default": fastModule()})
	long := ts.URL + "/" + strings.Repeat("a", MaxTargetBytes-len(ts.URL)-1)
	if w := f.probe(t, url.Values{"target": {long + "a"}}, nil); w.Code != http.StatusBadRequest || !strings.Contains(w.Body.String(), "4096") {
		t.Errorf("a target of %d bytes: %d %q, want 400 naming the cap", len(long)+1, w.Code, w.Body.String())
	}
	if n.Load() != 0 || len(f.h.History.List()) != 0 {
		t.Errorf("an over-long target was probed or kept: %d requests, %d kept", n.Load(), len(f.h.History.List()))
	}
	if w := f.probe(t, url.Values{"target": {long}, "pad": {strings.Repeat("p", maxQueryBytes)}}, nil); w.Code != http.StatusBadRequest {
		t.Errorf("a query of %d bytes: %d, want 400", maxQueryBytes, w.Code)
	}
	if w := f.probe(t, url.Values{"target": {long}}, nil); w.Code != http.StatusOK {
		t.Errorf("a target of %d bytes: %d, want 200", len(long), w.Code)
	}
	if n.Load() == 0 {
		t.Error("a target of exactly the cap was not probed")
	}
}

// TestBoundedMapEvictsLeastRecentlyUsed: a full map makes room by dropping
// its least recently used entry, not everything.
func TestBoundedMapEvictsLeastRecentlyUsed(t *testing.T) {
	t.Parallel()
	b := newBoundedMap[int](3)
	b.put("a", 1)
	b.put("b", 2)
	b.put("c", 3)
	b.get("a") // a is now used more recently than b
	b.put("d", 4)
	for key, want := range map[string]bool{"a": true, "b": false, "c": true, "d": true} {
		if _, ok := b.get(key); ok != want {
			t.Errorf("after a 4th put into a map of 3: %q kept %v, want %v", key, ok, want)
		}
	}
	if got := b.getOrBuild("e", func() int { return 5 }); got != 5 || b.len() != 3 {
		t.Errorf("getOrBuild: %d, %d entries; want 5, 3", got, b.len())
	}
	b.forget("e")
	if _, ok := b.get("e"); ok {
		t.Error("forget kept the entry")
	}
	b.reset()
	if b.len() != 0 {
		t.Error("reset kept entries")
	}
}

// TestBoundedMapMaxAge: an entry is forgotten maxAge after it was first
// stored, even if it is stored again meanwhile.
func TestBoundedMapMaxAge(t *testing.T) {
	t.Parallel()
	now := time.Unix(1_000_000, 0)
	b := newBoundedMap[string](10).withMaxAge(10 * time.Minute)
	b.now = func() time.Time { return now }
	b.put("k", "v1")
	now = now.Add(9 * time.Minute)
	b.put("k", "v2")
	if v, ok := b.get("k"); !ok || v != "v2" {
		t.Errorf("at 9 min: %q %v, want v2", v, ok)
	}
	now = now.Add(time.Minute)
	if _, ok := b.get("k"); ok {
		t.Error("at 10 min the entry is still there")
	}
	built := 0
	b.getOrBuild("k", func() string { built++; return "v3" })
	if v, _ := b.get("k"); built != 1 || v != "v3" {
		t.Errorf("after expiry getOrBuild built %d times, got %q", built, v)
	}
}

// heapAfterGC is the live heap after a full collection.
func heapAfterGC() uint64 {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

// TestBoundedMapKeysCostAHash: a long key is kept as its SHA-256; 64 keys
// of 256 KiB (16 MiB of key text) leave less than 1 MiB behind.
func TestBoundedMapKeysCostAHash(t *testing.T) {
	b := newBoundedMap[int](10000)
	before := heapAfterGC()
	for i := range 64 {
		b.put(fmt.Sprintf("%d%s", i, strings.Repeat("k", 256<<10)), i)
	}
	after := heapAfterGC()
	if b.len() != 64 {
		t.Fatalf("%d entries, want 64", b.len())
	}
	if grown := int64(after) - int64(before); grown > 1<<20 {
		t.Errorf("64 entries with 256 KiB keys keep %d bytes, want under 1 MiB", grown)
	}
	runtime.KeepAlive(b)
}

// TestHistoryKeepsNoRenderedOutput: the debug output is made on every
// read, not kept.
func TestHistoryKeepsNoRenderedOutput(t *testing.T) {
	t.Parallel()
	h := NewHistory(10)
	var renders atomic.Int64
	h.Add(HistoryEntry{Module: "m", Target: "http://t/", Render: func() string { renders.Add(1); return "out" }})
	r := h.List()[0]
	for range 3 {
		if r.DebugOutput() != "out" {
			t.Fatal("wrong output")
		}
	}
	if renders.Load() != 3 {
		t.Errorf("3 reads rendered %d times: the rendered output is kept", renders.Load())
	}
}

// TestHistoryByteBudget: the History stays within its byte budget by
// dropping its oldest probes, failures included; one probe over an eighth
// of the budget keeps its row but not its output.
func TestHistoryByteBudget(t *testing.T) {
	t.Parallel()
	const budget = 64 << 10
	h := NewHistory(100).WithMaxBytes(budget)
	for i := range 300 {
		h.Add(HistoryEntry{Module: "m", Target: fmt.Sprintf("http://t%d/", i), Success: i%3 != 0, Size: 4 << 10, Render: func() string { return "out" }})
		if h.Bytes() > budget {
			t.Fatalf("after %d probes the History keeps %d bytes, over its budget of %d", i+1, h.Bytes(), budget)
		}
	}
	list := h.List()
	if len(list) == 0 || len(list) > budget/(4<<10) {
		t.Errorf("%d probes kept, want between 1 and %d", len(list), budget/(4<<10))
	}
	if list[0].Target != "http://t299/" {
		t.Errorf("newest kept probe %q, want http://t299/", list[0].Target)
	}
	h.Add(HistoryEntry{Module: "m", Target: "http://huge/", Size: budget, Render: func() string { return strings.Repeat("x", budget) }})
	if got := h.List()[0]; got.Target != "http://huge/" || strings.Contains(got.DebugOutput(), "xxxx") || !strings.Contains(got.DebugOutput(), "not kept") {
		t.Errorf("a probe over an eighth of the budget: %q %q", got.Target, got.DebugOutput())
	}
	if h.Bytes() > budget {
		t.Errorf("History keeps %d bytes after a huge probe, over %d", h.Bytes(), budget)
	}
	// Everything dropped is released.
	h2 := NewHistory(2).WithMaxBytes(budget)
	for i := range 10 {
		h2.Add(HistoryEntry{Module: "m", Target: "http://t/", Success: i%2 == 0, Size: 1000, Render: func() string { return "" }})
	}
	want := 0
	for _, r := range h2.List() {
		want += r.bytes()
	}
	if h2.Bytes() != want {
		t.Errorf("History counts %d bytes, its probes hold %d", h2.Bytes(), want)
	}
}

// TestHostileLoadStaysBounded: 120 probes with distinct targets of the
// longest allowed length, and 120 with 1 MiB targets, keep the History
// within its budget, the verdict cache within its count, and the heap
// within a few MiB; reading every probe's /logs output stays small.
func TestHostileLoadStaysBounded(t *testing.T) {
	fake := mbNewFake()
	target := fake.Start(t)
	f := newHandlerFixture(t, map[string]config.Module{"default": fastModule()})
	f.h.History = NewHistory(100).WithMaxBytes(1 << 20)
	// The exporter's log goes nowhere: the test measures what the exporter
	// keeps, not what its log sink keeps.
	f.h.Logger = slog.New(slog.DiscardHandler)
	f.h.Prober.verdicts = newBoundedMap[mcpwire.Verdict](50).withMaxAge(10 * time.Minute)
	before := heapAfterGC()
	// One request, served 120 times: the test measures the exporter, not
	// the making of 1 MiB requests.
	huge := httptest.NewRequest(http.MethodGet, "/probe?"+url.Values{"target": {target + "/" + strings.Repeat("h", 1<<20)}}.Encode(), nil)
	for i := range 120 {
		long := fmt.Sprintf("%s/%d/", target, i)
		long += strings.Repeat("p", MaxTargetBytes-len(long))
		if w := f.probe(t, url.Values{"target": {long}}, nil); w.Code != http.StatusOK || !strings.Contains(w.Body.String(), "probe_success 1\n") {
			t.Fatalf("probe %d of a 4 KiB target: %d\n%s", i, w.Code, w.Body.String())
		}
		w := httptest.NewRecorder()
		if f.h.ServeHTTP(w, huge); w.Code != http.StatusBadRequest {
			t.Fatalf("probe %d of a 1 MiB target: %d, want 400", i, w.Code)
		}
	}
	after := heapAfterGC()
	if n := f.h.Prober.verdicts.len(); n > 50 {
		t.Errorf("the verdict cache holds %d entries, over its bound of 50", n)
	}
	if b := f.h.History.Bytes(); b > 1<<20 {
		t.Errorf("the History keeps %d bytes, over its budget of 1 MiB", b)
	}
	read := 0
	for _, r := range f.h.History.List() {
		read += len(r.DebugOutput())
	}
	grown := int64(after) - int64(before)
	t.Logf("120 probes of 4 KiB targets + 120 of 1 MiB: heap +%d KiB, History %d KiB (estimate) in %d probes, reading every /logs %d KiB",
		grown>>10, f.h.History.Bytes()>>10, len(f.h.History.List()), read>>10)
	if grown > 8<<20 {
		t.Errorf("the heap grew by %d bytes, want under 8 MiB", grown)
	}
	if read > 8<<20 {
		t.Errorf("reading every kept probe's /logs output makes %d bytes, want under 8 MiB", read)
	}
	runtime.KeepAlive(f)
}

// WithMaxBytes sets the byte budget; call it before the History is used.
func (h *History) WithMaxBytes(n int) *History {
	h.maxBytes = n
	return h
}
