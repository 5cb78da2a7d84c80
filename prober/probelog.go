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
	"log/slog"
	"sync"
)

// probeLogHandler keeps every line of one probe, at every level, for
// debug=true and /logs, and passes each line on to the exporter's log at a
// single level (--log.prober), so that operators choose how loud probes are.
type probeLogHandler struct {
	mu    *sync.Mutex
	text  slog.Handler // writes into the probe's buffer
	next  slog.Handler // the exporter's log
	level slog.Level
}

func newProbeLogHandler(w io.Writer, next slog.Handler, level slog.Level) *probeLogHandler {
	mu := &sync.Mutex{}
	return &probeLogHandler{
		mu:    mu,
		text:  slog.NewTextHandler(lockedWriter{mu, w}, &slog.HandlerOptions{Level: slog.LevelDebug}),
		next:  next,
		level: level,
	}
}

func (h *probeLogHandler) Enabled(context.Context, slog.Level) bool { return true }

func (h *probeLogHandler) Handle(ctx context.Context, rec slog.Record) error {
	err := h.text.Handle(ctx, rec)
	if h.next.Enabled(ctx, h.level) {
		fwd := rec.Clone()
		fwd.Level = h.level
		_ = h.next.Handle(ctx, fwd)
	}
	return err
}

func (h *probeLogHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return &probeLogHandler{mu: h.mu, text: h.text.WithAttrs(attrs), next: h.next.WithAttrs(attrs), level: h.level}
}

func (h *probeLogHandler) WithGroup(name string) slog.Handler {
	return &probeLogHandler{mu: h.mu, text: h.text.WithGroup(name), next: h.next.WithGroup(name), level: h.level}
}

type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
