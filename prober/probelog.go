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
	"log/slog"
	"runtime"
	"strings"
	"sync"
	"time"
)

// probeLog keeps every log record of one probe, at every level, for
// debug=true and /logs. Records are kept, not formatted: most probes' logs
// are never read, so the text is made only when someone asks for it.
type probeLog struct {
	mu      sync.Mutex
	entries []probeLogEntry
	size    int // estimated bytes the entries keep, for History's budget
}

// healthyProbeRecords is how many records a healthy probe of the default
// module logs (start, four exchanges, connected, handshake, tools, end):
// the first room for a probe's records, in one allocation. (A record kept
// is about 300 bytes; a probe in flight holds this much.)
const healthyProbeRecords = 10

// recordOverhead is what a kept record costs beyond its strings: the
// record, its attribute slots and the entry, roughly.
const recordOverhead = 256

// Size estimates the bytes the kept records hold.
func (l *probeLog) Size() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.size
}

// attrsSize estimates the bytes that attrs hold.
func attrsSize(attrs []slog.Attr) int {
	n := 0
	for _, a := range attrs {
		n += attrSize(a)
	}
	return n
}

// attrSize estimates the bytes that a holds.
func attrSize(a slog.Attr) int {
	n := len(a.Key) + 16
	switch a.Value.Kind() {
	case slog.KindString:
		n += len(a.Value.String())
	case slog.KindGroup:
		n += attrsSize(a.Value.Group())
	case slog.KindAny, slog.KindLogValuer:
		n += len(a.Value.String())
	}
	return n
}

type probeLogEntry struct {
	rec   slog.Record
	scope []probeLogScope
}

// probeLogScope is one WithAttrs or WithGroup step, replayed when the
// records are formatted.
type probeLogScope struct {
	attrs []slog.Attr
	group string
}

// String formats the records as slog's text handler would have.
func (l *probeLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var b bytes.Buffer
	base := slog.Handler(slog.NewTextHandler(&b, &slog.HandlerOptions{Level: slog.LevelDebug}))
	for _, e := range l.entries {
		h := base
		for _, s := range e.scope {
			if s.group != "" {
				h = h.WithGroup(s.group)
			} else {
				h = h.WithAttrs(s.attrs)
			}
		}
		_ = h.Handle(context.Background(), e.rec)
	}
	return b.String()
}

// probeLogHandler records into a probeLog and passes each record on to
// the exporter's log at a single level (--log.prober), so that operators
// choose how loud probes are.
type probeLogHandler struct {
	log   *probeLog
	scope []probeLogScope
	next  slog.Handler // the exporter's log
	level slog.Level
	// scrub, if set, masks what must not be shown (the target's query
	// values, see targetScrubber) in every message and attribute, before
	// the record is kept or passed on.
	scrub *strings.Replacer
	// first holds the scope of a handler derived from an unscoped one (the
	// common case) within the handler's allocation.
	first [1]probeLogScope
}

func newProbeLogHandler(log *probeLog, next slog.Handler, level slog.Level) *probeLogHandler {
	return &probeLogHandler{log: log, next: next, level: level}
}

func (h *probeLogHandler) Enabled(context.Context, slog.Level) bool { return true }

func (h *probeLogHandler) Handle(ctx context.Context, rec slog.Record) error {
	if h.scrub != nil {
		rec = scrubRecord(rec, h.scrub)
	}
	size := recordOverhead + len(rec.Message)
	rec.Attrs(func(a slog.Attr) bool {
		size += attrSize(a)
		return true
	})
	h.log.mu.Lock()
	if h.log.entries == nil {
		h.log.entries = make([]probeLogEntry, 0, healthyProbeRecords)
	}
	h.log.entries = append(h.log.entries, probeLogEntry{rec: rec.Clone(), scope: h.scope})
	h.log.size += size
	h.log.mu.Unlock()
	if h.next.Enabled(ctx, h.level) {
		fwd := rec.Clone()
		fwd.Level = h.level
		_ = h.next.Handle(ctx, fwd)
	}
	return nil
}

func (h *probeLogHandler) with(s probeLogScope, next slog.Handler) slog.Handler {
	nh := &probeLogHandler{log: h.log, next: next, level: h.level, scrub: h.scrub}
	if len(h.scope) == 0 {
		nh.first[0] = s
		nh.scope = nh.first[:1:1]
	} else {
		nh.scope = append(append(make([]probeLogScope, 0, len(h.scope)+1), h.scope...), s)
	}
	h.log.mu.Lock()
	h.log.size += attrsSize(s.attrs) + len(s.group) + recordOverhead
	h.log.mu.Unlock()
	return nh
}

// scrubRecord is rec with r applied to its message and to every string,
// error or other formatted attribute value.
func scrubRecord(rec slog.Record, r *strings.Replacer) slog.Record {
	out := slog.NewRecord(rec.Time, rec.Level, r.Replace(rec.Message), rec.PC)
	rec.Attrs(func(a slog.Attr) bool {
		out.AddAttrs(scrubAttr(a, r))
		return true
	})
	return out
}

func scrubAttr(a slog.Attr, r *strings.Replacer) slog.Attr {
	switch a.Value.Kind() {
	case slog.KindString, slog.KindAny, slog.KindLogValuer:
		s := a.Value.Resolve().String()
		if t := r.Replace(s); t != s {
			return slog.String(a.Key, t)
		}
	case slog.KindGroup:
		g := a.Value.Group()
		out := make([]any, len(g))
		for i, ga := range g {
			out[i] = scrubAttr(ga, r)
		}
		return slog.Group(a.Key, out...)
	}
	return a
}

func (h *probeLogHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return h.with(probeLogScope{attrs: attrs}, h.next.WithAttrs(attrs))
}

func (h *probeLogHandler) WithGroup(name string) slog.Handler {
	if name == "" {
		return h
	}
	return h.with(probeLogScope{group: name}, h.next.WithGroup(name))
}

// logAttrs logs as l.LogAttrs does, but finds the call site (a stack walk,
// runtime.Callers) only if source: a record that reaches only the probe's
// own log (debug=true, /logs), which does not show it, goes without. A
// healthy probe logs about ten records; slog would walk the stack for each.
func logAttrs(ctx context.Context, l *slog.Logger, source bool, level slog.Level, msg string, attrs ...slog.Attr) {
	h := l.Handler()
	if !h.Enabled(ctx, level) {
		return
	}
	var pc uintptr
	if source {
		var pcs [1]uintptr
		runtime.Callers(2, pcs[:]) // logAttrs's caller
		pc = pcs[0]
	}
	r := slog.NewRecord(time.Now(), level, msg, pc)
	r.AddAttrs(attrs...)
	_ = h.Handle(ctx, r)
}

// showsSource reports whether l's records reach a log that shows their
// call site: the exporter's, through a probe's log at --log.prober; true
// for a logger not made by the handler.
func showsSource(l *slog.Logger) bool {
	if h, ok := l.Handler().(*probeLogHandler); ok {
		return h.next.Enabled(context.Background(), h.level)
	}
	return true
}
