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
	"encoding/json"
	"math"
	"time"
)

// cacheable holds the fields 2026-07-28 requires on every result
// (resultType) and on cacheable ones (server/discover, tools/list: ttlMs
// and cacheScope). A server that leaves them out or gets them wrong still
// answered; the client reports it as a warning, not as a failure.
type cacheable struct {
	ResultType *string         `json:"resultType"`
	TTLMs      json.RawMessage `json:"ttlMs"`
	CacheScope *string         `json:"cacheScope"`
}

// maxTTL saturates ttlMs (a year), so that a huge number cannot overflow a
// Duration.
const maxTTL = 365 * 24 * time.Hour

// ttl is the freshness the server gave, with a negative ttlMs taken as 0
// as the specification says; ok is false when there is no number.
func (r cacheable) ttl() (time.Duration, bool) {
	ms, ok := r.ttlMs()
	if !ok {
		return 0, false
	}
	ms = max(ms, 0)
	if ms >= float64(maxTTL/time.Millisecond) {
		return maxTTL, true
	}
	return time.Duration(ms) * time.Millisecond, true
}

func (r cacheable) ttlMs() (float64, bool) {
	if len(r.TTLMs) == 0 || isNull(r.TTLMs) {
		return 0, false
	}
	var ms float64
	if json.Unmarshal(r.TTLMs, &ms) != nil || math.IsNaN(ms) || math.IsInf(ms, 0) {
		return 0, false
	}
	return ms, true
}

// check records a warning on c for each field of a result of method that
// breaks a MUST of 2026-07-28.
func (r cacheable) check(c *Client, method string) {
	switch {
	case r.ResultType == nil:
		c.warn("%s result lacks resultType", method)
	case *r.ResultType != "complete":
		c.warn("%s result has resultType %q, not \"complete\"", method, Sanitize(*r.ResultType, 32))
	}
	switch ms, ok := r.ttlMs(); {
	case len(r.TTLMs) == 0 || isNull(r.TTLMs):
		c.warn("%s result lacks ttlMs", method)
	case !ok:
		c.warn("%s result has a ttlMs that is not a number", method)
	case ms < 0 || ms != math.Trunc(ms):
		c.warn("%s result has a ttlMs that is not an integer >= 0", method)
	}
	switch {
	case r.CacheScope == nil:
		c.warn("%s result lacks cacheScope", method)
	case *r.CacheScope != "public" && *r.CacheScope != "private":
		c.warn("%s result has cacheScope %q, not \"public\" or \"private\"", method, Sanitize(*r.CacheScope, 32))
	}
}
