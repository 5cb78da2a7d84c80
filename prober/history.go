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
	"slices"
	"sync"
	"time"
)

// Result is a finished probe as the landing page and /logs show it.
type Result struct {
	ID       int64
	Module   string
	Target   string // with any password in the URL redacted
	Success  bool
	Duration time.Duration
	Time     time.Time

	render func() string
	once   sync.Once
	output string
}

// DebugOutput is the probe's debug output, made on first request.
func (r *Result) DebugOutput() string {
	r.once.Do(func() {
		r.output = r.render()
		r.render = nil
	})
	return r.output
}

// History keeps the most recent probes, and separately the most recent
// failed ones, so that a failure is not pushed out by a stream of successes
// before anyone reads it.
type History struct {
	mu       sync.Mutex
	limit    int
	nextID   int64
	recent   []*Result
	failures []*Result
}

// NewHistory keeps up to limit probes of each kind; 0 keeps none.
func NewHistory(limit int) *History { return &History{limit: limit} }

// Add records a finished probe; debugOutput makes its debug output when
// someone asks for it.
func (h *History) Add(module, target string, success bool, d time.Duration, debugOutput func() string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.limit <= 0 {
		return
	}
	r := &Result{ID: h.nextID, Module: module, Target: target, Success: success, Duration: d, Time: time.Now(), render: debugOutput}
	h.nextID++
	h.recent = appendBounded(h.recent, r, h.limit)
	if !success {
		h.failures = appendBounded(h.failures, r, h.limit)
	}
}

func appendBounded(s []*Result, r *Result, limit int) []*Result {
	if len(s) >= limit {
		s = slices.Delete(s, 0, len(s)-limit+1)
	}
	return append(s, r)
}

// List returns the kept probes, newest first.
func (h *History) List() []*Result {
	h.mu.Lock()
	defer h.mu.Unlock()
	all := slices.Concat(h.recent, h.failures)
	slices.SortFunc(all, func(a, b *Result) int { return int(b.ID - a.ID) })
	return slices.CompactFunc(all, func(a, b *Result) bool { return a.ID == b.ID })
}

// Get returns the probe with the given id, or nil.
func (h *History) Get(id int64) *Result {
	for _, r := range h.List() {
		if r.ID == id {
			return r
		}
	}
	return nil
}
