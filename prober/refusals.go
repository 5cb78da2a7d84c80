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
	"log/slog"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/mcp-exporter/mcp_exporter/prober/mcpwire"
)

// Causes of a refused /probe request, as the log names them.
const (
	refusedLoop          = "loop"
	refusedMethod        = "method"
	refusedBody          = "body"
	refusedQueryTooLong  = "query_too_long"
	refusedTargetTooLong = "target_too_long"
	refusedUnknownModule = "unknown_module"
	refusedBadTarget     = "bad_target"
	refusedTarget        = "target_not_allowed"
	refusedTimeout       = "bad_scrape_timeout"
	refusedConcurrency   = "max_concurrency"
)

// refusalLogInterval is how often one cause of refusal is logged at most:
// the first at once, then one line a minute with the count of those in
// between, so that a misconfigured scrape job is seen in the log without
// a storm of lines.
const refusalLogInterval = time.Minute

// maxRefusalCauses bounds the causes remembered (a cause per kind and
// configured module); past it, the memory starts afresh.
const maxRefusalCauses = 1000

// refusalLog logs refused /probe requests. The zero value is ready.
type refusalLog struct {
	mu     sync.Mutex
	causes map[string]*refusalCount
}

type refusalCount struct {
	last       time.Time
	suppressed int
}

// log logs one refusal of cause for module ("" when the request named no
// module the configuration has) with the answer's text, unless the same
// cause was logged less than refusalLogInterval ago.
func (l *refusalLog) log(logger *slog.Logger, now time.Time, cause, module, answer string) {
	key := cause + "\x00" + module
	l.mu.Lock()
	if l.causes == nil || len(l.causes) >= maxRefusalCauses {
		l.causes = map[string]*refusalCount{}
	}
	c := l.causes[key]
	if c == nil {
		c = &refusalCount{}
		l.causes[key] = c
	}
	if !c.last.IsZero() && now.Sub(c.last) < refusalLogInterval {
		c.suppressed++
		l.mu.Unlock()
		return
	}
	suppressed := c.suppressed
	c.last, c.suppressed = now, 0
	l.mu.Unlock()
	attrs := []slog.Attr{slog.String("cause", cause), slog.String("module", module),
		slog.String("answer", mcpwire.Sanitize(answer, 256))}
	if suppressed > 0 {
		attrs = append(attrs, slog.Int("more_since_last_line", suppressed))
	}
	logger.LogAttrs(context.Background(), slog.LevelWarn, "probe request refused", attrs...)
}

// moduleList names the configured modules for an answer: sorted, at most
// 20 of them.
func moduleList[V any](modules map[string]V) string {
	names := slices.Sorted(maps.Keys(modules))
	if len(names) > 20 {
		return strings.Join(names[:20], ", ") + ", …"
	}
	return strings.Join(names, ", ")
}
