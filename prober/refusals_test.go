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
	"log/slog"
	"strings"
	"testing"
	"time"
)

// TestRefusalLogOncePerMinute: the first refusal of a cause is logged, the
// ones within a minute are counted into the next line.
func TestRefusalLogOncePerMinute(t *testing.T) {
	var b strings.Builder
	logger := slog.New(slog.NewTextHandler(&b, nil))
	var l refusalLog
	t0 := time.Unix(1800000000, 0)
	l.log(logger, t0, refusedTarget, "m", "target not allowed")
	l.log(logger, t0.Add(10*time.Second), refusedTarget, "m", "target not allowed")
	l.log(logger, t0.Add(20*time.Second), refusedTarget, "m", "target not allowed")
	l.log(logger, t0.Add(30*time.Second), refusedTarget, "other", "target not allowed") // another module: its own cause
	l.log(logger, t0.Add(61*time.Second), refusedTarget, "m", "target not allowed")
	lines := strings.Split(strings.TrimSpace(b.String()), "\n")
	if len(lines) != 3 {
		t.Fatalf("%d lines, want 3:\n%s", len(lines), b.String())
	}
	if !strings.Contains(lines[2], "module=m") || !strings.Contains(lines[2], "more_since_last_line=2") {
		t.Errorf("the line after a minute does not count the two in between: %s", lines[2])
	}
}
