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

package sse

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

// chunkReader returns its chunks one per Read call, then err (io.EOF if nil).
type chunkReader struct {
	chunks []string
	err    error
}

func (r *chunkReader) Read(p []byte) (int, error) {
	if len(r.chunks) == 0 {
		if r.err == nil {
			return 0, io.EOF
		}
		return 0, r.err
	}
	n := copy(p, r.chunks[0])
	if n == len(r.chunks[0]) {
		r.chunks = r.chunks[1:]
	} else {
		r.chunks[0] = r.chunks[0][n:]
	}
	return n, nil
}

// splitReader serves data in chunks whose sizes cycle through sizes.
type splitReader struct {
	data  []byte
	sizes []int
	i     int
}

func (r *splitReader) Read(p []byte) (int, error) {
	if len(r.data) == 0 {
		return 0, io.EOF
	}
	n := min(r.sizes[r.i%len(r.sizes)], len(p), len(r.data))
	r.i++
	copy(p, r.data[:n])
	r.data = r.data[n:]
	return n, nil
}

// endlessReader yields 'a' forever, but fails once more than limit bytes
// were requested, so a decoder that buffers without bound is caught quickly.
type endlessReader struct {
	read  int
	limit int
}

var errReadTooMuch = errors.New("decoder read far past its limit")

func (r *endlessReader) Read(p []byte) (int, error) {
	if r.read > r.limit {
		return 0, errReadTooMuch
	}
	for i := range p {
		p[i] = 'a'
	}
	r.read += len(p)
	return len(p), nil
}

// decodeAll drains d, returning all events and the terminating error.
func decodeAll(d *Decoder) ([]Event, error) {
	var evs []Event
	for {
		ev, err := d.Next()
		if err != nil {
			return evs, err
		}
		evs = append(evs, ev)
		if len(evs) > 1<<20 {
			return evs, errors.New("too many events")
		}
	}
}

func ev(name, id, data string) Event {
	return Event{Name: name, ID: id, Data: []byte(data)}
}

func eventsEqual(a, b []Event) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].Name != b[i].Name || a[i].ID != b[i].ID || !bytes.Equal(a[i].Data, b[i].Data) {
			return false
		}
	}
	return true
}

func formatEvents(evs []Event) string {
	var sb strings.Builder
	for _, e := range evs {
		fmt.Fprintf(&sb, "{Name:%q ID:%q Data:%q} ", e.Name, e.ID, e.Data)
	}
	return sb.String()
}

const mcpStream = "id: 0\n" +
	"data:\n" +
	"\n" +
	": keep-alive\n" +
	"\n" +
	"event: message\n" +
	`data: {"jsonrpc":"2.0","method":"notifications/message","params":{}}` + "\n" +
	"\n" +
	"event: message\n" +
	`data: {"jsonrpc":"2.0","id":1,` + "\n" +
	`data: "result":{}}` + "\n" +
	"\n"

var mcpEvents = []Event{
	ev("", "0", ""),
	ev("message", "", `{"jsonrpc":"2.0","method":"notifications/message","params":{}}`),
	ev("message", "", "{\"jsonrpc\":\"2.0\",\"id\":1,\n\"result\":{}}"),
}

func TestDecoder(t *testing.T) {
	tests := []struct {
		name  string
		in    string
		limit int
		want  []Event
		err   error // terminal error; nil means io.EOF
	}{
		{name: "empty stream", in: ""},
		{name: "LF", in: "data: a\n\ndata: b\n\n", want: []Event{ev("", "", "a"), ev("", "", "b")}},
		{name: "CRLF", in: "data: a\r\n\r\ndata: b\r\n\r\n", want: []Event{ev("", "", "a"), ev("", "", "b")}},
		{name: "CR", in: "data: a\r\rdata: b\r\r", want: []Event{ev("", "", "a"), ev("", "", "b")}},
		{name: "mixed endings", in: "event: x\rdata: a\r\ndata: b\n\r\n", want: []Event{ev("x", "", "a\nb")}},
		{name: "CR CR LF is two line ends", in: "data: a\r\r\ndata: b\n\n", want: []Event{ev("", "", "a"), ev("", "", "b")}},
		{name: "LF CR is two line ends", in: "data: a\n\r", want: []Event{ev("", "", "a")}},
		{name: "BOM skipped", in: "\xEF\xBB\xBFdata: a\n\n", want: []Event{ev("", "", "a")}},
		{name: "BOM only once", in: "\xEF\xBB\xBF\xEF\xBB\xBFdata: a\n\ndata: b\n\n", want: []Event{ev("", "", "b")}},
		{name: "BOM not at start is content", in: "data: a\xEF\xBB\xBF\n\n", want: []Event{ev("", "", "a\xEF\xBB\xBF")}},
		{name: "partial BOM is content", in: "\xEF\xBBdata: a\n\ndata: b\n\n", want: []Event{ev("", "", "b")}},
		{name: "BOM then blank line", in: "\xEF\xBB\xBF\ndata: a\n\n", want: []Event{ev("", "", "a")}},
		{name: "comments and keep-alives", in: ": hi\n:\ndata: a\n: mid-event\ndata: b\n\n:ping\n\n", want: []Event{ev("", "", "a\nb")}},
		{name: "priming event", in: "id: 7\ndata:\n\n", want: []Event{ev("", "7", "")}},
		{name: "priming event data without colon", in: "id: 7\ndata\n\n", want: []Event{ev("", "7", "")}},
		{name: "named events around priming", in: "event: a\ndata: 1\n\nid: p\ndata:\n\nevent: b\ndata: 2\n\n",
			want: []Event{ev("a", "", "1"), ev("", "p", ""), ev("b", "", "2")}},
		{name: "multi-line data", in: "data: a\ndata: b\ndata: c\n\n", want: []Event{ev("", "", "a\nb\nc")}},
		{name: "empty data lines", in: "data:\ndata:\n\n", want: []Event{ev("", "", "\n")}},
		{name: "field without colon", in: "data\ndata\ndata: x\n\n", want: []Event{ev("", "", "\n\nx")}},
		{name: "event without colon resets name", in: "event: a\nevent\ndata: x\n\n", want: []Event{ev("", "", "x")}},
		{name: "no space", in: "data:x\n\n", want: []Event{ev("", "", "x")}},
		{name: "one space", in: "data: x\n\n", want: []Event{ev("", "", "x")}},
		{name: "two spaces keep one", in: "data:  x\n\n", want: []Event{ev("", "", " x")}},
		{name: "tab kept", in: "data:\tx\n\n", want: []Event{ev("", "", "\tx")}},
		{name: "colon in value", in: "data: a:b: c\n\n", want: []Event{ev("", "", "a:b: c")}},
		{name: "field names case sensitive", in: "Data: x\nDATA: y\ndata: z\n\n", want: []Event{ev("", "", "z")}},
		{name: "field with space before colon", in: "data : x\ndata: y\n\n", want: []Event{ev("", "", "y")}},
		{name: "id", in: "id: 42\ndata: x\n\n", want: []Event{ev("", "42", "x")}},
		{name: "id last wins", in: "id: 1\nid: 2\ndata: x\n\n", want: []Event{ev("", "2", "x")}},
		{name: "id empty", in: "id: 1\nid\ndata: x\n\n", want: []Event{ev("", "", "x")}},
		{name: "id with NUL ignored", in: "id: 1\nid: a\x00b\ndata: x\n\n", want: []Event{ev("", "1", "x")}},
		{name: "id is per event", in: "id: 1\ndata: x\n\ndata: y\n\n", want: []Event{ev("", "1", "x"), ev("", "", "y")}},
		{name: "retry ignored", in: "retry: 1000\ndata: x\nretry: nope\n\n", want: []Event{ev("", "", "x")}},
		{name: "unknown fields ignored", in: "foo: bar\ndata: x\nx-y\n\n", want: []Event{ev("", "", "x")}},
		{name: "event name", in: "event: ping\ndata: x\n\n", want: []Event{ev("ping", "", "x")}},
		{name: "event last wins", in: "event: a\nevent: b\ndata: x\n\n", want: []Event{ev("b", "", "x")}},
		{name: "event without data not dispatched", in: "event: a\nid: 1\n\ndata: x\n\n", want: []Event{ev("", "", "x")}},
		{name: "only blank lines", in: "\n\n\r\n\r\r"},
		{name: "partial event at EOF discarded", in: "data: a\n\ndata: b\n", want: []Event{ev("", "", "a")}},
		{name: "unterminated line at EOF discarded", in: "data: a\n\ndata: b", want: []Event{ev("", "", "a")}},
		{name: "single blank line after data at EOF", in: "data: a\n", want: nil},
		{name: "MCP stream", in: mcpStream, want: mcpEvents},
		{name: "line at limit", limit: 8, in: "data: ab\n\n", want: []Event{ev("", "", "ab")}},
		{name: "line over limit", limit: 8, in: "data: a\n\ndata: abc\n\n", want: []Event{ev("", "", "a")}, err: ErrEventTooLarge},
		{name: "comment over limit", limit: 8, in: ": 12345678\ndata: a\n\n", err: ErrEventTooLarge},
		{name: "BOM not counted", limit: 8, in: "\xEF\xBB\xBFdata: ab\n\n", want: []Event{ev("", "", "ab")}},
		{name: "data at limit", limit: 8, in: "data:ab\ndata:cd\ndata:ef\n\n", want: []Event{ev("", "", "ab\ncd\nef")}},
		{name: "data over limit", limit: 8, in: "data:ab\ndata:cd\ndata:efg\n\n", err: ErrEventTooLarge},
		{name: "data over limit before blank line", limit: 8, in: "data:ab\ndata:cd\ndata:efg\n", err: ErrEventTooLarge},
		{name: "empty data lines over limit", limit: 3, in: "data\ndata\ndata\ndata\ndata\n\n", err: ErrEventTooLarge},
		{name: "limit resets per event", limit: 9, in: "data:abcd\n\ndata:efgh\n\n", want: []Event{ev("", "", "abcd"), ev("", "", "efgh")}},
		{name: "unterminated over limit", limit: 8, in: "data: 123456", err: ErrEventTooLarge},
	}
	readers := []struct {
		name string
		mk   func(string) io.Reader
	}{
		{"whole", func(s string) io.Reader { return strings.NewReader(s) }},
		{"onebyte", func(s string) io.Reader { return iotest.OneByteReader(strings.NewReader(s)) }},
		{"split", func(s string) io.Reader { return &splitReader{data: []byte(s), sizes: []int{2, 3, 1, 5}} }},
		{"dataerr", func(s string) io.Reader { return iotest.DataErrReader(strings.NewReader(s)) }},
	}
	for _, tt := range tests {
		for _, rd := range readers {
			t.Run(tt.name+"/"+rd.name, func(t *testing.T) {
				d := NewDecoder(rd.mk(tt.in), tt.limit)
				got, err := decodeAll(d)
				wantErr := tt.err
				if wantErr == nil {
					wantErr = io.EOF
				}
				if !errors.Is(err, wantErr) {
					t.Errorf("error = %v, want %v", err, wantErr)
				}
				if !eventsEqual(got, tt.want) {
					t.Errorf("events:\n got %s\nwant %s", formatEvents(got), formatEvents(tt.want))
				}
				// Errors are sticky.
				if _, err2 := d.Next(); err2 != err {
					t.Errorf("second Next error = %v, want %v", err2, err)
				}
			})
		}
	}
}

// TestSplitReads feeds every two-way split of tricky inputs through a
// reader that breaks exactly there, covering CR|LF and BOM splits.
func TestSplitReads(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []Event
	}{
		{"CRLF", "data: a\r\n\r\ndata: b\r\n\r\n", []Event{ev("", "", "a"), ev("", "", "b")}},
		{"CR", "data: a\r\rdata: b\r\r", []Event{ev("", "", "a"), ev("", "", "b")}},
		{"BOM", "\xEF\xBB\xBFid: 1\r\ndata: a\r\n\r\n", []Event{ev("", "1", "a")}},
		{"MCP", mcpStream, mcpEvents},
	}
	for _, tt := range tests {
		for i := 0; i <= len(tt.in); i++ {
			t.Run(fmt.Sprintf("%s/at%d", tt.name, i), func(t *testing.T) {
				r := &chunkReader{chunks: []string{tt.in[:i], tt.in[i:]}}
				got, err := decodeAll(NewDecoder(r, 0))
				if err != io.EOF {
					t.Errorf("error = %v, want io.EOF", err)
				}
				if !eventsEqual(got, tt.want) {
					t.Errorf("events:\n got %s\nwant %s", formatEvents(got), formatEvents(tt.want))
				}
			})
		}
	}
}

// TestNoReadAhead checks that an event is dispatched as soon as its blank
// line arrives: the decoder must not wait for the byte after a final CR (which
// might be an LF) or for anything else, or live streams would stall.
func TestNoReadAhead(t *testing.T) {
	errStall := errors.New("stalled: decoder read past the event")
	tests := []struct {
		name   string
		chunks []string
	}{
		{"LF", []string{"data: x\n\n"}},
		{"CRLF", []string{"data: x\r\n\r\n"}},
		{"CR", []string{"data: x\r\r"}},
		{"CR split", []string{"data: x\r", "\r"}},
		{"BOM", []string{"\xEF\xBB\xBFdata: x\n\n"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := NewDecoder(&chunkReader{chunks: tt.chunks, err: errStall}, 0)
			got, err := d.Next()
			if err != nil {
				t.Fatalf("Next error = %v", err)
			}
			if string(got.Data) != "x" {
				t.Errorf("Data = %q, want %q", got.Data, "x")
			}
			if _, err := d.Next(); err != errStall {
				t.Errorf("second Next error = %v, want %v", err, errStall)
			}
		})
	}
}

func TestReadError(t *testing.T) {
	errBoom := errors.New("boom")
	tests := []struct {
		name   string
		chunks []string
		want   []Event
	}{
		{"between events", []string{"data: a\n\n"}, []Event{ev("", "", "a")}},
		{"mid event", []string{"data: a\n\ndata: b\n"}, []Event{ev("", "", "a")}},
		{"mid line", []string{"data: a\n\ndata: b"}, []Event{ev("", "", "a")}},
		{"after CR", []string{"data: a\r\r"}, []Event{ev("", "", "a")}},
		{"immediately", nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := decodeAll(NewDecoder(&chunkReader{chunks: tt.chunks, err: errBoom}, 0))
			if err != errBoom {
				t.Errorf("error = %v, want %v (unwrapped)", err, errBoom)
			}
			if !eventsEqual(got, tt.want) {
				t.Errorf("events:\n got %s\nwant %s", formatEvents(got), formatEvents(tt.want))
			}
		})
	}
	t.Run("data with error", func(t *testing.T) {
		// A reader returning data and an error together: data comes first.
		r := iotest.TimeoutReader(strings.NewReader("data: a\n\n"))
		got, err := decodeAll(NewDecoder(iotest.DataErrReader(r), 0))
		if err != iotest.ErrTimeout {
			t.Errorf("error = %v, want %v", err, iotest.ErrTimeout)
		}
		if !eventsEqual(got, []Event{ev("", "", "a")}) {
			t.Errorf("events = %s", formatEvents(got))
		}
	})
	t.Run("no progress", func(t *testing.T) {
		_, err := NewDecoder(zeroReader{}, 0).Next()
		if err != io.ErrNoProgress {
			t.Errorf("error = %v, want %v", err, io.ErrNoProgress)
		}
	})
}

type zeroReader struct{}

func (zeroReader) Read([]byte) (int, error) { return 0, nil }

// TestBoundedMemory feeds endless input and checks the decoder fails at its
// limit after reading only about that much, instead of buffering forever.
func TestBoundedMemory(t *testing.T) {
	const limit = 1 << 10
	tests := []struct {
		name string
		mk   func() io.Reader
	}{
		{"endless line", func() io.Reader { return &endlessReader{limit: 1 << 20} }},
		{"endless line after prefix", func() io.Reader {
			return io.MultiReader(strings.NewReader("data: x\n\ndata: "), &endlessReader{limit: 1 << 20})
		}},
		{"endless line one byte", func() io.Reader { return iotest.OneByteReader(&endlessReader{limit: 1 << 20}) }},
		{"endless data lines", func() io.Reader {
			return io.MultiReader(strings.NewReader("data: x\n\n"), repeatReader("data: 0123456789\n"))
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := NewDecoder(tt.mk(), limit)
			got, err := decodeAll(d)
			if !errors.Is(err, ErrEventTooLarge) {
				t.Fatalf("error = %v, want ErrEventTooLarge", err)
			}
			for _, e := range got {
				if len(e.Data) > limit {
					t.Errorf("event Data of %d bytes exceeds limit", len(e.Data))
				}
			}
			if c := cap(d.line) + cap(d.data) + len(d.buf); c > 8*limit {
				t.Errorf("decoder holds %d bytes of buffers for a %d limit", c, limit)
			}
		})
	}
}

// repeatReader repeats its string forever.
type repeatReader string

func (s repeatReader) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		n += copy(p[n:], s)
	}
	return n, nil
}

func TestDataOwned(t *testing.T) {
	d := NewDecoder(strings.NewReader("data: aaaa\n\ndata: bbbb\n\n"), 0)
	a, _ := d.Next()
	b, _ := d.Next()
	if string(a.Data) != "aaaa" || string(b.Data) != "bbbb" {
		t.Fatalf("got %q, %q", a.Data, b.Data)
	}
}

func TestDefaultLimit(t *testing.T) {
	for _, limit := range []int{0, -1} {
		if d := NewDecoder(strings.NewReader(""), limit); d.max != defaultMaxEvent {
			t.Errorf("NewDecoder(_, %d).max = %d, want %d", limit, d.max, defaultMaxEvent)
		}
	}
	// A line well beyond the read buffer but within the default limit works.
	big := strings.Repeat("x", 3*readBufSize+17)
	got, err := decodeAll(NewDecoder(strings.NewReader("data: "+big+"\r\n\r\n"), 0))
	if err != io.EOF || len(got) != 1 || string(got[0].Data) != big {
		t.Errorf("big line: %d events, err %v", len(got), err)
	}
}

// TestLongLines: lines far beyond the read buffer, assembled in blocks,
// decode as the reference decoder has them, whatever the reads' sizes, and
// each event's data is its own.
func TestLongLines(t *testing.T) {
	long := func(n int, c byte) string { return strings.Repeat(string(c), n) }
	in := "data: " + long(200<<10, 'a') + "\n\n" +
		"event: message\r\ndata: " + long(70<<10, 'b') + "\r\ndata: " + long(300<<10, 'c') + "\r\n\r\n" +
		"data: short\n\n" +
		": comment " + long(100<<10, 'x') + "\n" +
		"id: 7\ndata: " + long(1<<20, 'd') + "\n\n"
	want, wantErr := refDecode([]byte(in), 0)
	if len(want) != 4 {
		t.Fatalf("reference: %d events", len(want))
	}
	readers := map[string]func() io.Reader{
		"whole":   func() io.Reader { return strings.NewReader(in) },
		"split":   func() io.Reader { return &splitReader{data: []byte(in), sizes: []int{3, 1, 7, 2, 64, 5000, 70000}} },
		"halfone": func() io.Reader { return iotest.HalfReader(strings.NewReader(in)) },
	}
	for name, mk := range readers {
		got, err := decodeAll(NewDecoder(mk(), 0))
		if !errors.Is(err, wantErr) || !eventsEqual(got, want) {
			t.Errorf("%s: %d events, err %v; want %d, %v", name, len(got), err, len(want), wantErr)
			continue
		}
		for i := range got {
			for j := range got {
				if i != j && len(got[i].Data) > 0 && len(got[j].Data) > 0 && &got[i].Data[0] == &got[j].Data[0] {
					t.Errorf("%s: events %d and %d share their data", name, i, j)
				}
			}
		}
	}
	// A line over the limit fails as before, when assembled in blocks too.
	_, err := decodeAll(NewDecoder(strings.NewReader("data: "+long(300<<10, 'e')+"\n\n"), 200<<10))
	if !errors.Is(err, ErrEventTooLarge) {
		t.Errorf("over the limit: %v", err)
	}
}

// refDecode is a deliberately naive reference decoder over the whole
// input, used to cross-check Decoder in the fuzz target.
func refDecode(in []byte, limit int) ([]Event, error) {
	if limit <= 0 {
		limit = defaultMaxEvent
	}
	in = bytes.TrimPrefix(in, utf8BOM)
	var (
		evs            []Event
		name, id, data string
		have           bool
	)
	for len(in) > 0 {
		i := bytes.IndexAny(in, "\r\n")
		line := in
		if i >= 0 {
			line = in[:i]
		}
		if len(line) > limit {
			return evs, ErrEventTooLarge
		}
		if i < 0 {
			break // unterminated final line
		}
		cr := in[i] == '\r'
		in = in[i+1:]
		if cr && len(in) > 0 && in[0] == '\n' {
			in = in[1:] // CRLF is one line end
		}
		switch {
		case len(line) == 0:
			if have {
				evs = append(evs, Event{Name: name, ID: id, Data: []byte(data)})
			}
			name, id, data, have = "", "", "", false
		case line[0] == ':':
		default:
			f, v, ok := strings.Cut(string(line), ":")
			if ok {
				v = strings.TrimPrefix(v, " ")
			}
			switch f {
			case "event":
				name = v
			case "data":
				if have {
					data += "\n"
				}
				data += v
				have = true
				if len(data) > limit {
					return evs, ErrEventTooLarge
				}
			case "id":
				if !strings.Contains(v, "\x00") {
					id = v
				}
			}
		}
	}
	return evs, io.EOF
}

func FuzzSSE(f *testing.F) {
	seeds := []string{
		"",
		mcpStream,
		"data: a\r\n\r\ndata: b\r\rdata: c\n\n",
		"\xEF\xBB\xBFevent: x\ndata\nid: 1\x00\nretry: 5\n\n",
		"\xEF\xBB\xEF\xBB\xBFdata:  x\r\r\n\n",
		": c\n\nid\ndata:\n\n",
		"data: 0123456789abcdef\ndata: 0123456789abcdef\n\n",
		"data: x\r",
		"\r\n\r\r\n\n\r",
	}
	for _, s := range seeds {
		f.Add([]byte(s), uint16(0))
		f.Add([]byte(s), uint16(8))
		f.Add([]byte(s), uint16(20))
	}
	f.Fuzz(func(t *testing.T, in []byte, lim uint16) {
		limit := int(lim % 512) // 0 means the default limit
		wantEvs, wantErr := refDecode(in, limit)
		readers := map[string]io.Reader{
			"whole":   bytes.NewReader(in),
			"onebyte": iotest.OneByteReader(bytes.NewReader(in)),
			"split":   &splitReader{data: in, sizes: []int{3, 1, 7, 2, 64}},
		}
		for name, r := range readers {
			got, err := decodeAll(NewDecoder(r, limit))
			if !errors.Is(err, wantErr) {
				t.Errorf("%s: error = %v, want %v", name, err, wantErr)
			}
			if !eventsEqual(got, wantEvs) {
				t.Errorf("%s: events:\n got %s\nwant %s", name, formatEvents(got), formatEvents(wantEvs))
			}
			for _, e := range got {
				if limit > 0 && len(e.Data) > limit {
					t.Errorf("%s: Data of %d bytes exceeds limit %d", name, len(e.Data), limit)
				}
			}
		}
	})
}

// benchStream builds about size bytes of typical MCP Streamable HTTP traffic.
func benchStream(size int) []byte {
	var b bytes.Buffer
	b.WriteString("id: 0\ndata:\n\n")
	for i := 0; b.Len() < size; i++ {
		switch i % 4 {
		case 0:
			b.WriteString(": keep-alive\n\n")
		case 1:
			fmt.Fprintf(&b, "id: %d\nevent: message\ndata: {\"jsonrpc\":\"2.0\",\"method\":\"notifications/progress\",\"params\":{\"progressToken\":%d,\"progress\":%d,\"total\":100}}\n\n", i, i, i%100)
		case 2:
			fmt.Fprintf(&b, "event: message\r\ndata: {\"jsonrpc\":\"2.0\",\"id\":%d,\"result\":{\"tools\":[{\"name\":\"tool_%d\",\"description\":\"%s\",\"inputSchema\":{\"type\":\"object\"}}]}}\r\n\r\n", i, i, strings.Repeat("lorem ipsum ", 40))
		case 3:
			fmt.Fprintf(&b, "event: message\ndata: {\"jsonrpc\":\"2.0\",\"id\":%d,\ndata: \"result\":{\"content\":[{\"type\":\"text\",\"text\":\"%s\"}]}}\n\n", i, strings.Repeat("x", 2000))
		}
	}
	return b.Bytes()
}

func BenchmarkDecoder(b *testing.B) {
	in := benchStream(4 << 20)
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	r := bytes.NewReader(in)
	for b.Loop() {
		r.Reset(in)
		d := NewDecoder(r, 0)
		n := 0
		for {
			_, err := d.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			n++
		}
		if n == 0 {
			b.Fatal("no events")
		}
	}
}
