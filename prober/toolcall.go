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
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/mcp-exporter/mcp_exporter/internal/failure"
	"github.com/mcp-exporter/mcp_exporter/prober/mcpwire"
)

// toolCall calls the module's tool_call tool once, after tools/list: only
// a listed tool, and only one annotated read-only unless the module allows
// others (refused before anything is sent). The result's text content is
// matched in memory and dropped; neither it nor the tool's name leaves the
// exporter beyond the module's own configuration.
func (pr *probe) toolCall(ctx context.Context) bool {
	tc := pr.module.ToolCall
	t := pr.toCall
	pr.toCall = nil
	switch {
	case t == nil:
		pr.fail(LayerToolCall, 0, failure.ReasonToolNotListed, errors.New("tool_call.name is not among the tools the server lists"))
		return false
	case t.Invalid != nil:
		pr.fail(LayerToolCall, 0, failure.ReasonProtocolViolation, fmt.Errorf("the tool's definition: %w; not called", t.Invalid))
		return false
	case !t.ReadOnly && !tc.AllowNotReadOnly:
		pr.fail(LayerToolCall, 0, failure.ReasonToolNotReadOnly, errors.New("the tool is not annotated readOnlyHint: true, and tool_call.allow_not_read_only is off: not called"))
		return false
	case t.HeaderErr != nil && pr.hs.Era == mcpwire.EraStateless:
		// 2026-07-28: a client must not use a tool whose x-mcp-header
		// annotations are invalid.
		pr.fail(LayerToolCall, 0, failure.ReasonProtocolViolation, fmt.Errorf("the tool's definition: %w", t.HeaderErr))
		return false
	}
	start := time.Now()
	res, err := pr.wire.CallTool(ctx, t, json.RawMessage(tc.Arguments))
	elapsed := time.Since(start)
	if err != nil {
		pr.fail(LayerToolCall, elapsed, failure.ReasonOf(err), fmt.Errorf("tools/call: %w", err))
		return false
	}
	if res.IsError {
		pr.fail(LayerToolCall, elapsed, failure.ReasonToolError, errors.New("tools/call result has isError: true"))
		return false
	}
	for i, re := range tc.ContentRegexps() {
		if !re.MatchString(res.Text) {
			pr.fail(LayerToolCall, elapsed, failure.ReasonContentMismatch,
				fmt.Errorf("the text content does not match tool_call.fail_if_content_not_matches_regexp[%d]", i))
			return false
		}
	}
	pr.pass(LayerToolCall, elapsed)
	pr.logger.LogAttrs(ctx, slog.LevelDebug, "tool called", slog.Float64("duration_seconds", elapsed.Seconds()),
		slog.Int("text_bytes", len(res.Text)))
	return true
}
