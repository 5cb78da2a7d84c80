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

// Package sse decodes server-sent events (the WHATWG event stream format)
// with memory bounded regardless of what the server sends.
package sse

import (
	"bytes"
	"errors"
	"fmt"
	"io"
)

// Event is one dispatched server-sent event.
type Event struct {
	Name string // the "event" field; "" means the default ("message")
	ID   string // the "id" field of this event, if any
	Data []byte // the data lines joined with "\n" (no trailing newline)
}

// ErrEventTooLarge is returned (wrapped) when a line or an event exceeds the decoder's limit.
var ErrEventTooLarge = errors.New("SSE event too large")

const (
	// defaultMaxEvent is the limit used when NewDecoder gets maxEvent <= 0.
	defaultMaxEvent = 16 << 20
	// readBufSize is the largest read buffer. Lines that do not fit are
	// assembled in a separate, bounded buffer, so the buffer's size only
	// affects the number of Read calls, never correctness.
	readBufSize = 32 << 10
	// initialReadBufSize is the read buffer a decoder starts with; it
	// doubles, up to readBufSize, each time a read fills it. A typical
	// MCP answer fits in the first, and a probe makes a decoder for each
	// answer, so a full-size buffer would be mostly allocated and zeroed
	// for nothing.
	initialReadBufSize = 1 << 10
	minReadBufSize     = 64
	// retainCap bounds the scratch capacity kept between events, so a single
	// huge event does not pin up to maxEvent bytes for the life of a long stream.
	retainCap = 64 << 10
	// maxEmptyReads mirrors bufio: a reader returning (0, nil) this many
	// times in a row is treated as broken rather than spun on forever.
	maxEmptyReads = 100
)

var (
	utf8BOM     = []byte("\xEF\xBB\xBF")
	errBadCount = errors.New("sse: reader returned invalid byte count")
)

// Decoder reads server-sent events from a stream following the WHATWG
// "event stream interpretation" rules, with memory bounded by the limit given
// to NewDecoder regardless of what the (untrusted) server sends.
//
// Deviation from the browser EventSource: the ID of an event is only the "id"
// field seen within that event's block of lines; it does not carry over to
// later events. Name is returned verbatim ("" when no "event" field was sent).
//
// A Decoder is not safe for concurrent use.
type Decoder struct {
	rd     io.Reader
	max    int
	maxBuf int // the read buffer grows up to this size

	buf  []byte // fixed read buffer; buf[r:w] is unconsumed input
	r, w int
	lf   int   // absolute index of the next '\n' in buf[r:w] (w if none); stale when < r
	rerr error // read error to report once buf is drained

	err    error // sticky terminal error returned by every later Next
	skipLF bool  // the last line ended in CR: a following LF belongs to it
	bom    int   // BOM bytes matched at stream start; -1 once decided

	line     []byte   // assembles a line that spans reads
	blocks   [][]byte // the start of a long line, in blocks (see appendLine)
	blocked  int      // bytes in blocks
	data     []byte   // data lines joined with "\n"
	haveData bool     // at least one "data" field seen (possibly empty)
	name     []byte
	id       []byte
	lastName string // reused when consecutive events share a name, to save an allocation

	// The stream's state across events, as an EventSource keeps it for
	// reconnecting: the last event ID buffer (kept until another "id"
	// field replaces it), the last event ID it became at the last
	// dispatch, and the reconnection time of the last valid "retry".
	idBuf    []byte
	lastID   string
	retryMs  int64
	hasRetry bool

	// first is the first read buffer and nameBuf the room of a short
	// event name, allocated with the decoder rather than on their own.
	first   [initialReadBufSize]byte
	nameBuf [16]byte
}

// maxRetryMs saturates a "retry" value, so that a long run of digits
// cannot overflow.
const maxRetryMs = 1 << 40

// LastEventID is the stream's last event ID as the WHATWG rules keep it for
// a reconnection: the value of the latest "id" field (an empty one clears
// it) as of the last blank line, whether or not that dispatched an event.
// Unlike Event.ID, it carries over to later events.
func (d *Decoder) LastEventID() string { return d.lastID }

// Retry is the reconnection time the stream set with its last valid
// "retry" field (ASCII digits only), in milliseconds; ok is false when it
// set none.
func (d *Decoder) Retry() (ms int64, ok bool) { return d.retryMs, d.hasRetry }

// NewDecoder returns a decoder that reads from r; maxEvent bounds both one line and one
// event's accumulated data in bytes (<=0 means a default of 16 MiB).
//
// A line is measured without its terminator and includes the field name, so a
// "data: " line carries at most maxEvent-6 bytes of payload. Memory use stays
// O(maxEvent) no matter what the stream contains.
func NewDecoder(r io.Reader, maxEvent int) *Decoder {
	if maxEvent <= 0 {
		maxEvent = defaultMaxEvent
	}
	size := initialReadBufSize
	if maxEvent < size {
		// No point reading far past a limit this small.
		size = max(maxEvent, minReadBufSize)
	}
	d := &Decoder{
		rd:     r,
		max:    maxEvent,
		maxBuf: max(min(maxEvent, readBufSize), size),
		lf:     -1,
	}
	d.buf = d.first[:size]
	d.name = d.nameBuf[:0]
	return d
}

// Next returns the next event. It returns io.EOF when the stream ends cleanly between events;
// a partial event at EOF is discarded (per the spec) and io.EOF returned; any read error is returned as is.
//
// Events with a "data" field whose value is empty (such as MCP priming events
// that only carry an "id") are returned with empty Data. The returned Data is
// a fresh slice owned by the caller.
//
// Errors are sticky: after Next returns an error (including io.EOF and an
// error wrapping ErrEventTooLarge), every later call returns the same error.
func (d *Decoder) Next() (Event, error) {
	if d.err != nil {
		return Event{}, d.err
	}
	for {
		line, err := d.readLine()
		if err == nil {
			if len(line) == 0 {
				if string(d.idBuf) != d.lastID {
					d.lastID = string(d.idBuf)
				}
				if d.haveData {
					ev := d.event()
					d.reset()
					return ev, nil
				}
				// Blank line without data: nothing to dispatch, but the
				// block's name and id must not leak into the next event.
				d.reset()
				continue
			}
			err = d.handleField(line)
		}
		if err != nil {
			d.err = err
			d.reset()
			d.line, d.blocks, d.blocked = nil, nil, 0
			return Event{}, err
		}
	}
}

// readLine returns the next line without its terminator. The result may
// alias the read buffer and is valid only until the next call.
func (d *Decoder) readLine() ([]byte, error) {
	d.line = d.line[:0]
	for {
		for d.r == d.w {
			if d.rerr != nil {
				if d.bom > d.max {
					// A partial BOM at the end is content, of a line
					// over the limit.
					return nil, d.tooLarge("line")
				}
				// Whatever is in d.line is an unterminated line: dropped,
				// since the event it belongs to can never be completed.
				return nil, d.rerr
			}
			d.fill()
		}
		if d.bom >= 0 {
			// Match the BOM byte by byte so a BOM split across reads is
			// handled without blocking for more input.
			if d.buf[d.r] == utf8BOM[d.bom] {
				d.r++
				if d.bom++; d.bom == len(utf8BOM) {
					d.bom = -1
				}
				continue
			}
			// A partial match was ordinary content after all.
			d.line = append(d.line, utf8BOM[:d.bom]...)
			d.bom = -1
		}
		if d.skipLF {
			d.skipLF = false
			if d.buf[d.r] == '\n' {
				d.r++
				continue
			}
		}

		// Find the end of line. The position of the next LF is cached so
		// that a run of CR-terminated lines does not rescan the buffer
		// each time (which would be quadratic in the buffer size).
		if d.lf < d.r {
			if j := bytes.IndexByte(d.buf[d.r:d.w], '\n'); j >= 0 {
				d.lf = d.r + j
			} else {
				d.lf = d.w
			}
		}
		end := d.lf
		if j := bytes.IndexByte(d.buf[d.r:end], '\r'); j >= 0 {
			end = d.r + j
		} else if end == d.w {
			// No terminator yet: keep what we have and read more.
			chunk := d.buf[d.r:d.w]
			if d.lineLen()+len(chunk) > d.max {
				return nil, d.tooLarge("line")
			}
			d.appendLine(chunk)
			d.r = d.w
			continue
		}

		line := d.buf[d.r:end]
		if d.lineLen()+len(line) > d.max {
			return nil, d.tooLarge("line")
		}
		d.skipLF = d.buf[end] == '\r'
		d.r = end + 1
		if d.lineLen() > 0 {
			d.appendLine(line)
			d.joinLine()
			line = d.line
		}
		return line, nil
	}
}

func (d *Decoder) lineLen() int { return d.blocked + len(d.line) }

// appendLine adds p to the line being assembled. Past retainCap, the
// line grows in blocks, each half as large again as the one before, which
// joinLine joins when the line ends, as io.ReadAll does: growing a single
// slice would allocate several times a long line's size on the way.
func (d *Decoder) appendLine(p []byte) {
	for len(p) > 0 {
		if cap(d.line) < retainCap {
			d.line = append(d.line, p...)
			return
		}
		if len(d.line) == cap(d.line) {
			d.blocks = append(d.blocks, d.line)
			d.blocked += len(d.line)
			d.line = make([]byte, 0, cap(d.line)+cap(d.line)/2)
		}
		n := copy(d.line[len(d.line):cap(d.line)], p)
		d.line, p = d.line[:len(d.line)+n], p[n:]
	}
}

// joinLine puts a line assembled in blocks into d.line.
func (d *Decoder) joinLine() {
	if len(d.blocks) == 0 {
		return
	}
	line := make([]byte, 0, d.blocked+len(d.line))
	for _, b := range d.blocks {
		line = append(line, b...)
	}
	d.line = append(line, d.line...)
	d.blocks, d.blocked = nil, 0
}

// fill refills the (fully consumed) read buffer. A buffer that the last
// read filled is replaced by one twice its size, up to maxBuf: nothing in it
// is still needed (an unterminated line has been copied to d.line).
func (d *Decoder) fill() {
	if d.w == len(d.buf) && len(d.buf) < d.maxBuf {
		d.buf = make([]byte, min(2*len(d.buf), d.maxBuf))
	}
	d.r, d.w, d.lf = 0, 0, -1
	for range maxEmptyReads {
		n, err := d.rd.Read(d.buf)
		if n < 0 || n > len(d.buf) {
			d.rerr = errBadCount
			return
		}
		d.w = n
		if err != nil {
			d.rerr = err
		}
		if n > 0 || err != nil {
			return
		}
	}
	d.rerr = io.ErrNoProgress
}

// handleField processes one non-empty line.
func (d *Decoder) handleField(line []byte) error {
	if line[0] == ':' {
		return nil // comment, e.g. a keep-alive
	}
	field, value := line, []byte(nil)
	if i := bytes.IndexByte(line, ':'); i >= 0 {
		field, value = line[:i], line[i+1:]
		if len(value) > 0 && value[0] == ' ' {
			value = value[1:]
		}
	}
	switch string(field) {
	case "event":
		d.name = append(d.name[:0], value...)
	case "data":
		n := len(d.data) + len(value)
		if d.haveData {
			n++ // the "\n" joining it to the previous line
		}
		if n > d.max {
			return d.tooLarge("event data")
		}
		switch {
		case !d.haveData && cap(d.line) > retainCap && len(value) > 0 && &value[len(value)-1] == &d.line[len(d.line)-1]:
			// A long line assembled in d.line (value is its end) becomes
			// the event's data rather than being copied: one large
			// message is held once. reset would drop d.line anyway.
			d.data, d.line = value, nil
		case d.haveData:
			d.data = append(d.data, '\n')
			fallthrough
		default:
			d.data = append(d.data, value...)
		}
		d.haveData = true
	case "id":
		if bytes.IndexByte(value, 0) < 0 {
			d.id = append(d.id[:0], value...)
			d.idBuf = append(d.idBuf[:0], value...)
		}
	case "retry":
		d.setRetry(value)
	}
	// Unknown fields are ignored.
	return nil
}

// setRetry takes a "retry" value made of ASCII digits only; anything else
// is ignored, as an EventSource does.
func (d *Decoder) setRetry(value []byte) {
	if len(value) == 0 {
		return
	}
	var ms int64
	for _, c := range value {
		if c < '0' || c > '9' {
			return
		}
		if ms < maxRetryMs {
			ms = ms*10 + int64(c-'0')
		}
	}
	d.retryMs, d.hasRetry = min(ms, maxRetryMs), true
}

// event builds the event to dispatch from the current buffers. The data
// is handed over rather than copied: the next event's data starts afresh.
func (d *Decoder) event() Event {
	data := make([]byte, 0)
	if len(d.data) > 0 {
		data, d.data = d.data[:len(d.data):len(d.data)], nil
	}
	if string(d.name) != d.lastName {
		d.lastName = string(d.name)
	}
	ev := Event{Name: d.lastName, Data: data}
	if len(d.id) > 0 {
		ev.ID = string(d.id)
	}
	return ev
}

// reset clears the per-event state.
func (d *Decoder) reset() {
	d.data = d.data[:0]
	d.haveData = false
	d.name = d.name[:0]
	d.id = d.id[:0]
	if cap(d.data) > retainCap {
		d.data = nil
	}
	if cap(d.line) > retainCap {
		d.line = nil
	}
}

func (d *Decoder) tooLarge(what string) error {
	return fmt.Errorf("sse: %w: %s exceeds %d bytes", ErrEventTooLarge, what, d.max)
}
