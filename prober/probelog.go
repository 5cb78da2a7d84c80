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

	"github.com/mcp-exporter/mcp_exporter/internal/credentials"
)

// probeLog keeps every log record of one probe, at every level, for
// debug=true and /logs. Records are kept, not formatted: most probes' logs
// are never read, so the text is made only when someone asks for it.
type probeLog struct {
	mu      sync.Mutex
	entries []probeLogEntry
	// attrs is the slab the entries' attributes are cut from; a new slab
	// is started when one is full, and the pieces cut keep the old one.
	attrs []slog.Attr
	size  int // estimated bytes the entries keep, for History's budget
}

// firstProbeRecords is the room for a probe's first records: what it
// logs before its first answer arrives (the start, perhaps a discovery
// exchange), which it holds while it waits. healthyProbeRecords is the
// next room, in one allocation: what a healthy probe of the default module
// logs (start, four exchanges, connected, handshake, tools, end). An
// entry is about 100 bytes, and its attributes 40 bytes each, from a slab
// of attrSlab (about four to a record).
const (
	firstProbeRecords   = 2
	healthyProbeRecords = 10
	attrSlab            = 24
)

// recordOverhead is what a kept record costs beyond its strings: its
// entry, roughly (each attribute's slot is counted by attrSize).
const recordOverhead = 128

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

// probeLogEntry is one record kept as its parts: a slog.Record has room
// for five attributes whether it holds them or not, some 300 bytes.
type probeLogEntry struct {
	time  time.Time
	msg   string
	pc    uintptr
	level slog.Level
	attrs []slog.Attr // a piece of probeLog.attrs
	scope []probeLogScope
}

// record is the entry as a slog.Record.
func (e *probeLogEntry) record() slog.Record {
	r := slog.NewRecord(e.time, e.level, e.msg, e.pc)
	r.AddAttrs(e.attrs...)
	return r
}

// keepAttrs copies attrs into the slab and returns their piece of it.
func (l *probeLog) keepAttrs(attrs []slog.Attr) []slog.Attr {
	if len(attrs) == 0 {
		return nil
	}
	if cap(l.attrs)-len(l.attrs) < len(attrs) {
		l.attrs = make([]slog.Attr, 0, max(attrSlab, len(attrs)))
	}
	start := len(l.attrs)
	l.attrs = append(l.attrs, attrs...)
	return l.attrs[start:len(l.attrs):len(l.attrs)]
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
		_ = h.Handle(context.Background(), e.record())
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
	credentials.HandleRecord(ctx, h, rec)
	return nil
}

// HandleAttrs keeps a record, masked by scrub, in the probe's log and
// passes it on to the exporter's log if that logs at the handler's level.
// The record is kept and passed on as its parts (probeLogEntry,
// credentials.HandleAttrs); a slog.Record, some 300 bytes, is made only to
// show it or for a next handler that takes no parts: this runs at the
// bottom of a probe's stack (see logAttrs).
func (h *probeLogHandler) HandleAttrs(ctx context.Context, t time.Time, level slog.Level, msg string, pc uintptr, attrs []slog.Attr) {
	if h.scrub != nil {
		msg, attrs = h.scrub.Replace(msg), scrubAttrs(attrs, h.scrub)
	}
	size := recordOverhead + len(msg) + attrsSize(attrs)
	forward := h.next.Enabled(ctx, h.level)
	l := h.log
	l.mu.Lock()
	defer l.mu.Unlock()
	switch len(l.entries) {
	case 0:
		l.entries = make([]probeLogEntry, 0, firstProbeRecords)
	case firstProbeRecords:
		l.entries = append(make([]probeLogEntry, 0, healthyProbeRecords), l.entries...)
	}
	l.entries = append(l.entries, probeLogEntry{time: t, msg: msg, pc: pc, level: level, attrs: l.keepAttrs(attrs), scope: h.scope})
	l.size += size
	if forward {
		h.forward(ctx, &l.entries[len(l.entries)-1])
	}
}

// forward passes e, at the handler's level, to the exporter's log.
func (h *probeLogHandler) forward(ctx context.Context, e *probeLogEntry) {
	credentials.HandleAttrs(ctx, h.next, e.time, h.level, e.msg, e.pc, e.attrs)
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

// scrubAttrs returns attrs with scrub applied to every string in them: attrs
// itself when nothing changes, a copy otherwise.
func scrubAttrs(attrs []slog.Attr, r *strings.Replacer) []slog.Attr {
	var out []slog.Attr
	for i, a := range attrs {
		sa, changed := scrubAttr(a, r)
		if out == nil && changed {
			out = append(make([]slog.Attr, 0, len(attrs)), attrs[:i]...)
		}
		if out != nil {
			out = append(out, sa)
		}
	}
	if out == nil {
		return attrs
	}
	return out
}

func scrubAttr(a slog.Attr, r *strings.Replacer) (slog.Attr, bool) {
	switch a.Value.Kind() {
	case slog.KindString, slog.KindAny, slog.KindLogValuer:
		s := a.Value.Resolve().String()
		if t := r.Replace(s); t != s {
			return slog.String(a.Key, t), true
		}
	case slog.KindGroup:
		g := a.Value.Group()
		out := make([]any, len(g))
		changed := false
		for i, ga := range g {
			sa, c := scrubAttr(ga, r)
			out[i], changed = sa, changed || c
		}
		if changed {
			return slog.Group(a.Key, out...), true
		}
	}
	return a, false
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
		pc = callerPC()
	}
	credentials.HandleAttrs(ctx, h, time.Now(), level, msg, pc, attrs)
}

// callerPC is the call site of logAttrs's caller.
//
//go:noinline
func callerPC() uintptr {
	var pcs [1]uintptr
	runtime.Callers(3, pcs[:]) // callerPC, logAttrs, its caller
	return pcs[0]
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
