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
	"errors"
	"log/slog"
	"time"

	"github.com/mcp-exporter/mcp_exporter/internal/failure"
	"github.com/mcp-exporter/mcp_exporter/prober/mcpwire"
)

// record is the one place a layer's outcome is written into the probe's
// Result (node_exporter's execute, for layers): whether it passed, how long
// it took, and, for a failure, which failure of the probe it was.
func (pr *probe) record(l LayerResult) {
	res := pr.result
	if l.Outcome == Failed && l.Reason != "" {
		switch {
		case errors.Is(l.Err, errPlainRedirect):
			l.Reason = failure.ReasonNotTLS
		case errors.Is(l.Err, errCrossOriginRedirect), errors.Is(l.Err, errTooManyRedirects), errors.Is(l.Err, errSchemeRedirect):
			l.Reason = failure.ReasonRedirect
		}
		if pr.credentialed && failure.IsAuthReason(l.Reason) && l.Name != LayerAuth {
			// Wherever the server refused the credential, it is the auth
			// layer that failed: alerts on auth reasons look there. The
			// layer that met the refusal keeps its time.
			*res.layer(l.Name) = LayerResult{Name: l.Name, Outcome: Failed, Duration: l.Duration, Err: l.Err}
			auth := res.layer(LayerAuth)
			l.Name, l.Duration = LayerAuth, auth.Duration
		}
		if pr.credentialed && failure.IsAuthReason(l.Reason) {
			pr.authFailed = true
		}
		var e *failure.Error
		if errors.As(l.Err, &e) && e.RPC != nil && res.RPCErrorCode == nil {
			code := e.RPC.Code
			res.RPCErrorCode = &code
		}
		pr.logger.Error("layer failed", "layer", l.Name, "reason", string(l.Reason), "err", l.Err)
		if !pr.failed {
			pr.failed = true
			res.FailedLayer, res.FailureReason, res.FailureCause = l.Name, l.Reason, failure.Describe(l.Err)
		}
	}
	*res.layer(l.Name) = l
}

// pass records a layer that succeeded in d.
func (pr *probe) pass(layer string, d time.Duration) {
	pr.record(LayerResult{Name: layer, Outcome: Passed, Duration: d})
}

// fail records a layer that failed the probe after d (0 when its time
// says nothing); the error goes only to the probe's log.
func (pr *probe) fail(layer string, d time.Duration, reason failure.Reason, err error) {
	if reason == "" {
		reason = failure.ReasonProtocolViolation
	}
	pr.record(LayerResult{Name: layer, Outcome: Failed, Duration: max(d, 0), Reason: reason, Err: err})
}

func (pr *probe) logExchange(x mcpwire.Exchange) {
	// Typed attributes: none is boxed into an interface.
	if x.Err != nil {
		pr.logFailedExchange(&x)
		return
	}
	logAttrs(context.Background(), pr.logger, pr.source, slog.LevelDebug, "exchange", slog.String("op", x.Op), slog.Int("status", x.Status),
		slog.String("content_type", x.ContentType), slog.Float64("duration_seconds", x.Duration.Seconds()))
}

// logFailedExchange is logExchange for an exchange that met an error.
func (pr *probe) logFailedExchange(x *mcpwire.Exchange) {
	logAttrs(context.Background(), pr.logger, pr.source, slog.LevelDebug, "exchange", slog.String("op", x.Op), slog.Int("status", x.Status),
		slog.String("content_type", x.ContentType), slog.Float64("duration_seconds", x.Duration.Seconds()),
		slog.String("reason", string(failure.ReasonOf(x.Err))), slog.Any("err", x.Err))
}
