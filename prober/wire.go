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
	"time"

	"github.com/mcp-exporter/mcp_exporter/prober/mcpwire"
)

// Bounds of a verdict's life when the server says how long its
// server/discover answer stays fresh (ttlMs). Without ttlMs a verdict
// lives as long as the verdict map keeps entries (10 minutes).
const (
	// minVerdictTTL: a ttlMs of 0 ("immediately stale", the go-sdk's
	// default) must not have every probe of a stateful server send a
	// failing server/discover first.
	minVerdictTTL = time.Minute
	// maxVerdictTTL: an era is detected afresh at least this often.
	maxVerdictTTL = 10 * time.Minute
)

// verdictTTL is how long the verdict of handshake hs is remembered: the
// server's ttlMs within [minVerdictTTL, maxVerdictTTL], or 0 for the
// verdict map's own age limit.
func verdictTTL(hs *mcpwire.Handshake) time.Duration {
	if !hs.HasTTL {
		return 0
	}
	return min(max(hs.TTL, minVerdictTTL), maxVerdictTTL)
}

// wireFacts records what the wire client counted over the whole probe
// (tools/list may resume or warn too): the event streams it resumed and
// the protocol warnings, each of which is also logged.
func (pr *probe) wireFacts() {
	c := pr.wire
	pr.result.SSEResumptions = c.Resumptions()
	warnings := c.Warnings()
	for _, w := range warnings {
		pr.logger.Warn("protocol warning: the server broke a MUST of the specification; the probe is not failed for it", "warning", w)
	}
	pr.result.ProtocolWarnings = len(warnings)
}
