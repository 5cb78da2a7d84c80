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
	"encoding/binary"
	"encoding/hex"
	"math/rand/v2"
	"strings"
	"sync"
)

// TraceID is the W3C trace id of one probe: every request of the probe
// carries it in its traceparent (and, in 2026-07-28, in _meta), so that a
// failing probe can be found in the server's own traces. It is shown in
// the probe's log lines and debug output, never as a label.
type TraceID [16]byte

// NewTraceID returns a random trace id (never all zeros, which W3C Trace
// Context declares invalid).
func NewTraceID() TraceID {
	var id TraceID
	for id.IsZero() {
		binary.BigEndian.PutUint64(id[:8], rand.Uint64())
		binary.BigEndian.PutUint64(id[8:], rand.Uint64())
	}
	return id
}

// IsZero reports whether id is unset.
func (id TraceID) IsZero() bool { return id == TraceID{} }

func (id TraceID) String() string { return hex.EncodeToString(id[:]) }

// traceparentLen is the length of a version 00 traceparent:
// 00-<32 hex trace id>-<16 hex parent id>-<2 hex flags>.
const traceparentLen = 2 + 1 + 32 + 1 + 16 + 1 + 2

// probeTrace makes the traceparent values of one probe: its trace id, a
// new parent (span) id for each, and the sampled flag, so that a server
// that samples by its caller's decision records the probe. The values are
// cut from one buffer and the header value slices from one slab, both
// grown a few requests at a time, rather than allocated one by one: a
// value, once made, is never written again. Requests of a probe may go
// out concurrently (a legacy SSE stream beside its POSTs), hence mu.
type probeTrace struct {
	prefix [3 + 32 + 1]byte // "00-<trace id>-"

	mu   sync.Mutex
	buf  strings.Builder // the values made so far, appended to only
	vals []string        // header value slab: each value a one-element slice of it
}

// traceSlab is how many values probeTrace makes room for at once: a
// healthy probe sends four requests.
const traceSlab = 4

// init sets the probe's trace id.
func (t *probeTrace) init(id TraceID) {
	copy(t.prefix[:], "00-")
	hex.Encode(t.prefix[3:35], id[:])
	t.prefix[35] = '-'
}

// parent returns a traceparent with a new random span id.
func (t *probeTrace) parent() string {
	var span [8]byte
	for span == [8]byte{} {
		binary.BigEndian.PutUint64(span[:], rand.Uint64())
	}
	var b [traceparentLen]byte
	n := copy(b[:], t.prefix[:])
	hex.Encode(b[n:n+16], span[:])
	copy(b[n+16:], "-01")
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.buf.Cap()-t.buf.Len() < traceparentLen {
		// Grow moves what is there to a new buffer: the values already
		// made keep the old one.
		t.buf.Grow(traceSlab * traceparentLen)
	}
	start := t.buf.Len()
	t.buf.Write(b[:])
	return t.buf.String()[start:]
}

// header returns a traceparent header value (a new span id): a
// one-element slice whose capacity is cut, so that an Add reallocates.
func (t *probeTrace) header() []string {
	v := t.parent()
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(t.vals) == cap(t.vals) {
		t.vals = make([]string, 0, traceSlab)
	}
	t.vals = append(t.vals, v)
	n := len(t.vals)
	return t.vals[n-1 : n : n]
}

// TraceParent returns a traceparent with a new span id: the wire client's
// mcpwire.TraceContext, for _meta.
func (t *probeTrace) TraceParent() string { return t.parent() }
