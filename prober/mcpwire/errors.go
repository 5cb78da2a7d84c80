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

package mcpwire

import (
	"context"
	"errors"
	"os"

	"github.com/mcp-exporter/mcp_exporter/internal/failure"
)

// classifyTransportError turns an error from http.Client.Do (or from
// reading a body) into a classified failure.Error. phase is what the
// connection trace saw in progress when it failed.
func classifyTransportError(ctx context.Context, err error, phase connPhase) *failure.Error {
	var reason failure.Reason
	var classified *failure.Error
	switch {
	case errors.As(err, &classified) && classified.Reason != failure.ReasonTimeout && ctx.Err() == nil:
		// A round tripper below the client classified it already (the
		// prober's OAuth2 token source).
		return classified
	case ctx.Err() != nil || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, os.ErrDeadlineExceeded):
		reason = failure.ReasonTimeout
	case phase == phaseNone:
		// The request failed before it asked for a connection: in the
		// credential round trippers, reading a credential. (A token fetch
		// fails with an error the token source classified, above.)
		reason = failure.ReasonCredentials
	default:
		// What the error says, else what the connection trace saw in
		// progress; refused or reset while connecting, or broken after the
		// connection was made (reset or EOF mid-answer), is a failed
		// connection.
		switch network := failure.NetworkReason(err); {
		case network == failure.ReasonDNS || phase == phaseDNS:
			reason = failure.ReasonDNS
		case network == failure.ReasonTLS || phase == phaseTLS:
			reason = failure.ReasonTLS
		default:
			reason = failure.ReasonConnect
		}
	}
	return &failure.Error{Reason: reason, Err: failure.WithoutServerText(err)}
}
