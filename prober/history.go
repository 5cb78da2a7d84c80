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
	"slices"
	"sync"
	"time"
)

// DefaultHistoryBytes is the byte budget of a History: what its probes'
// kept log records, metric families and strings are estimated to hold,
// all together. Over it, the oldest probes are dropped.
const DefaultHistoryBytes = 8 << 20

// resultOverhead is what a kept probe costs beyond its Size, roughly.
const resultOverhead = 256

// HistoryEntry is a finished probe as the landing page and /logs show it.
type HistoryEntry struct {
	ID       int64 // set by History.Add
	Module   string
	Target   string // as RedactTarget shows it
	Success  bool
	Duration time.Duration
	Time     time.Time // set by History.Add
	// FailedLayer and Reason name a failed probe's first failure, as
	// probe_mcp_failure_info does; both "" for a success.
	FailedLayer string
	Reason      string

	// Render makes the probe's debug output. It is called on every read
	// and its output is not kept: a probe keeps only what the output is
	// made from.
	Render func() string
	// Size estimates the bytes Render holds on to (log records, metric
	// families and their strings).
	Size int

	refs int // how many of History's lists hold it
}

// DebugOutput is the probe's debug output, made anew on every call.
func (r *HistoryEntry) DebugOutput() string { return r.Render() }

func (r *HistoryEntry) bytes() int { return r.Size + len(r.Module) + len(r.Target) + resultOverhead }

// History keeps the most recent probes, and separately the most recent
// failed ones, so that a failure is not pushed out by a stream of successes
// before anyone reads it. Both lists together stay within a byte budget.
type History struct {
	mu       sync.Mutex
	limit    int
	maxBytes int
	bytes    int
	nextID   int64
	recent   []*HistoryEntry
	failures []*HistoryEntry
}

// NewHistory keeps up to limit probes of each kind, 0 keeping none, within
// DefaultHistoryBytes.
func NewHistory(limit int) *History {
	return &History{limit: limit, maxBytes: DefaultHistoryBytes}
}

// Bytes is the estimated size of what the History keeps.
func (h *History) Bytes() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.bytes
}

// Add records a finished probe.
func (h *History) Add(r HistoryEntry) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.limit <= 0 {
		return
	}
	if r.bytes() > h.maxBytes/8 {
		// One probe may not take more than an eighth of the budget: its
		// row stays, its debug output does not.
		size := r.Size
		r.Render = func() string {
			return fmt.Sprintf("The debug output of this probe was not kept: about %d bytes, more than the %d bytes one probe may keep.\n", size, h.maxBytes/8)
		}
		r.Size = 0
	}
	kept := &r
	kept.ID, kept.Time, kept.refs = h.nextID, time.Now(), 0
	h.nextID++
	h.bytes += kept.bytes()
	h.recent = h.appendBounded(h.recent, kept)
	if !kept.Success {
		h.failures = h.appendBounded(h.failures, kept)
	}
	for h.bytes > h.maxBytes && (len(h.recent) > 0 || len(h.failures) > 0) {
		h.dropOldest()
	}
}

func (h *History) appendBounded(s []*HistoryEntry, r *HistoryEntry) []*HistoryEntry {
	for len(s) >= h.limit {
		h.release(s[0])
		s = slices.Delete(s, 0, 1)
	}
	r.refs++
	return append(s, r)
}

// release notes that one list let go of r.
func (h *History) release(r *HistoryEntry) {
	r.refs--
	if r.refs == 0 {
		h.bytes -= r.bytes()
	}
}

// dropOldest drops the oldest probe from both lists.
func (h *History) dropOldest() {
	var oldest *HistoryEntry
	for _, s := range [][]*HistoryEntry{h.recent, h.failures} {
		if len(s) > 0 && (oldest == nil || s[0].ID < oldest.ID) {
			oldest = s[0]
		}
	}
	if len(h.recent) > 0 && h.recent[0] == oldest {
		h.release(oldest)
		h.recent = slices.Delete(h.recent, 0, 1)
	}
	if len(h.failures) > 0 && h.failures[0] == oldest {
		h.release(oldest)
		h.failures = slices.Delete(h.failures, 0, 1)
	}
}

// List returns the kept probes, newest first.
func (h *History) List() []*HistoryEntry {
	h.mu.Lock()
	defer h.mu.Unlock()
	all := slices.Concat(h.recent, h.failures)
	slices.SortFunc(all, func(a, b *HistoryEntry) int { return int(b.ID - a.ID) })
	return slices.CompactFunc(all, func(a, b *HistoryEntry) bool { return a.ID == b.ID })
}

// Get returns the probe with the given id, or nil.
func (h *History) Get(id int64) *HistoryEntry {
	for _, r := range h.List() {
		if r.ID == id {
			return r
		}
	}
	return nil
}
