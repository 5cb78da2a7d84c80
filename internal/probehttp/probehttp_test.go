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

package probehttp

import (
	"bufio"
	"context"
	"crypto/tls"
	"encoding/pem"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httptrace"
	"net/textproto"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	promconfig "github.com/prometheus/common/config"
)

// waitLong bounds every wait of these tests for something that should
// happen at once; only a bug reaches it.
const waitLong = 10 * time.Second

// bodyRead is a read of an answer's body in progress (startRead).
type bodyRead chan error

// startRead reads from body on a goroutine of its own.
func startRead(body io.Reader) bodyRead {
	r := make(bodyRead, 1)
	go func() {
		_, err := body.Read(make([]byte, 100))
		r <- err
	}()
	return r
}

// wantError waits for the read to end, within waitLong, and fails t unless
// it ended with an error other than io.EOF; what names what was read.
func (r bodyRead) wantError(t *testing.T, what string) {
	t.Helper()
	select {
	case err := <-r:
		if err == nil || err == io.EOF {
			t.Errorf("reading %s: %v, want an error", what, err)
		}
	case <-time.After(waitLong):
		t.Fatalf("reading %s did not end", what)
	}
}

// rawServer is a loopback server that speaks HTTP by hand, so that it can
// misbehave on the wire. serve gets each accepted connection with its
// index (0 for the first); ended receives the index when serve returned
// (and the connection was closed).
type rawServer struct {
	ln       net.Listener
	accepted atomic.Int32
	ended    chan int
	done     chan struct{} // closed when the test ends

	mu    sync.Mutex
	conns []net.Conn
	wg    sync.WaitGroup
}

func newRawServer(t *testing.T, serve func(s *rawServer, i int, c net.Conn)) *rawServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &rawServer{ln: ln, ended: make(chan int, 100), done: make(chan struct{})}
	acceptDone := make(chan struct{})
	go func() {
		defer close(acceptDone)
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			i := int(s.accepted.Add(1)) - 1
			s.mu.Lock()
			s.conns = append(s.conns, c)
			s.mu.Unlock()
			s.wg.Add(1)
			go func() {
				defer s.wg.Done()
				serve(s, i, c)
				_ = c.Close()
				s.ended <- i
			}()
		}
	}()
	t.Cleanup(func() {
		close(s.done)
		_ = ln.Close()
		<-acceptDone
		s.mu.Lock()
		for _, c := range s.conns {
			_ = c.Close()
		}
		s.mu.Unlock()
		s.wg.Wait()
	})
	return s
}

func (s *rawServer) url(path string) string { return "http://" + s.ln.Addr().String() + path }

// waitEnded waits for the server's connection i to end: the client closed
// it (or the server did).
func (s *rawServer) waitEnded(t *testing.T, want ...int) {
	t.Helper()
	var got []int
	timeout := time.After(waitLong)
	for len(got) < len(want) {
		select {
		case i := <-s.ended:
			got = append(got, i)
		case <-timeout:
			t.Fatalf("server connections ended: %v, want %v", got, want)
		}
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Fatalf("server connections ended: %v, want %v", got, want)
	}
}

// keepAlive serves the requests of a connection in turn: answer writes
// the answer to one and says whether to read another.
func keepAlive(answer func(req *http.Request, body []byte, c net.Conn) bool) func(*rawServer, int, net.Conn) {
	return func(_ *rawServer, _ int, c net.Conn) {
		br := bufio.NewReader(c)
		for {
			req, err := http.ReadRequest(br)
			if err != nil {
				return
			}
			body, err := io.ReadAll(req.Body)
			if err != nil {
				return
			}
			if !answer(req, body, c) {
				return
			}
		}
	}
}

func write(c net.Conn, s string) bool {
	_, err := io.WriteString(c, s)
	return err == nil
}

const okAnswer = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"

// tracer records what a request's httptrace hooks report.
type tracer struct {
	mu            sync.Mutex
	getConns      int
	gotConns      []httptrace.GotConnInfo
	tlsStarts     int
	tlsDone       []tls.ConnectionState
	tlsErrs       []error
	firstBytes    int
	informational []int
}

func (tr *tracer) trace() *httptrace.ClientTrace {
	return &httptrace.ClientTrace{
		GetConn: func(string) {
			tr.mu.Lock()
			defer tr.mu.Unlock()
			tr.getConns++
		},
		GotConn: func(i httptrace.GotConnInfo) {
			tr.mu.Lock()
			defer tr.mu.Unlock()
			tr.gotConns = append(tr.gotConns, i)
		},
		TLSHandshakeStart: func() {
			tr.mu.Lock()
			defer tr.mu.Unlock()
			tr.tlsStarts++
		},
		TLSHandshakeDone: func(cs tls.ConnectionState, err error) {
			tr.mu.Lock()
			defer tr.mu.Unlock()
			tr.tlsDone = append(tr.tlsDone, cs)
			tr.tlsErrs = append(tr.tlsErrs, err)
		},
		GotFirstResponseByte: func() {
			tr.mu.Lock()
			defer tr.mu.Unlock()
			tr.firstBytes++
		},
		Got1xxResponse: func(code int, _ textproto.MIMEHeader) error {
			tr.mu.Lock()
			defer tr.mu.Unlock()
			tr.informational = append(tr.informational, code)
			return nil
		},
	}
}

// reused is the Reused flag of every connection the requests got.
func (tr *tracer) reused() []bool {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	var r []bool
	for _, i := range tr.gotConns {
		r = append(r, i.Reused)
	}
	return r
}

func newTransport(t *testing.T, cfg promconfig.HTTPClientConfig) *Transport {
	t.Helper()
	m, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	tr := m.Transport()
	t.Cleanup(tr.CloseIdleConnections)
	return tr
}

func request(t *testing.T, ctx context.Context, method, u string, body io.Reader, trc *tracer) *http.Request {
	t.Helper()
	if trc != nil {
		ctx = httptrace.WithClientTrace(ctx, trc.trace())
	}
	req, err := http.NewRequestWithContext(ctx, method, u, body)
	if err != nil {
		t.Fatal(err)
	}
	return req
}

// fetch makes a GET of u and reads the answer to its end.
func fetch(t *testing.T, tr *Transport, u string, trc *tracer) string {
	t.Helper()
	resp, err := tr.RoundTrip(request(t, context.Background(), http.MethodGet, u, nil, trc))
	if err != nil {
		t.Fatalf("GET %s: %v", u, err)
	}
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("GET %s: reading the body: %v", u, err)
	}
	_ = resp.Body.Close()
	return string(b)
}

func TestSequentialRequestsReuseOneConnection(t *testing.T) {
	var mu sync.Mutex
	var remotes []string
	var newConns atomic.Int32
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		remotes = append(remotes, r.RemoteAddr)
		mu.Unlock()
		b, _ := io.ReadAll(r.Body)
		_, _ = w.Write(append([]byte("ok"), b...))
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			newConns.Add(1)
		}
	}
	srv.Start()
	t.Cleanup(srv.Close)

	a := newTransport(t, promconfig.HTTPClientConfig{})
	b := newTransport(t, promconfig.HTTPClientConfig{})
	var ta, tb tracer
	for i := range 3 {
		// The probes take turns: an idle connection of one is never
		// the other's.
		if got := fetch(t, a, srv.URL, &ta); got != "ok" {
			t.Fatalf("request %d: body %q", i, got)
		}
		if got := fetch(t, b, srv.URL, &tb); got != "ok" {
			t.Fatalf("request %d: body %q", i, got)
		}
	}
	resp, err := a.RoundTrip(request(t, context.Background(), http.MethodPost, srv.URL, strings.NewReader(`{"x":1}`), &ta))
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if string(got) != `ok{"x":1}` {
		t.Fatalf("POST body %q", got)
	}

	if n := newConns.Load(); n != 2 {
		t.Errorf("the server accepted %d connections, want 2 (one per probe)", n)
	}
	if r := ta.reused(); !slices.Equal(r, []bool{false, true, true, true}) {
		t.Errorf("probe a's connections reused: %v", r)
	}
	if r := tb.reused(); !slices.Equal(r, []bool{false, true, true}) {
		t.Errorf("probe b's connections reused: %v", r)
	}
	mu.Lock()
	defer mu.Unlock()
	// Requests alternate a, b, a, b, a, b, then a's POST.
	for i, r := range remotes {
		if want := remotes[i%2]; r != want {
			t.Errorf("request %d came from %s, want %s", i, r, want)
		}
	}
	if remotes[0] == remotes[1] {
		t.Errorf("both probes used the connection from %s", remotes[0])
	}
}

func TestConcurrentRequestsOfAProbeUseTheirOwnConnections(t *testing.T) {
	release := make(chan struct{})
	var once sync.Once
	done := func() { once.Do(func() { close(release) }) }
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/stream" {
			_, _ = io.WriteString(w, "first")
			w.(http.Flusher).Flush()
			select {
			case <-release:
				_, _ = io.WriteString(w, " last")
			case <-r.Context().Done():
			}
			return
		}
		_, _ = io.WriteString(w, "ok")
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(done)

	tr := newTransport(t, promconfig.HTTPClientConfig{})
	var trc tracer
	stream, err := tr.RoundTrip(request(t, context.Background(), http.MethodGet, srv.URL+"/stream", nil, &trc))
	if err != nil {
		t.Fatal(err)
	}
	// The stream is read in another goroutine (an MCP GET stream) while
	// the probe goes on with its requests.
	streamed := make(chan string, 1)
	go func() {
		b, err := io.ReadAll(stream.Body)
		if err != nil {
			b = append(b, err.Error()...)
		}
		_ = stream.Body.Close()
		streamed <- string(b)
	}()
	for range 3 {
		if b := fetch(t, tr, srv.URL, &trc); b != "ok" {
			t.Fatalf("body %q", b)
		}
	}
	done()
	select {
	case b := <-streamed:
		if b != "first last" {
			t.Errorf("stream %q", b)
		}
	case <-time.After(waitLong):
		t.Fatal("the stream did not end")
	}
	if r := trc.reused(); !slices.Equal(r, []bool{false, false, true, true}) {
		t.Errorf("connections reused: %v, want a second connection beside the busy stream's, then it reused", r)
	}
	tr.conns.mu.Lock()
	defer tr.conns.mu.Unlock()
	if len(tr.conns.idle) != 2 {
		t.Errorf("%d idle connections, want both", len(tr.conns.idle))
	}
}

func TestCloseIdleConnectionsClosesEveryConnection(t *testing.T) {
	srv := newRawServer(t, keepAlive(func(req *http.Request, _ []byte, c net.Conn) bool {
		if req.URL.Path == "/stream" {
			// The answer's headers and the start of its body; the
			// rest never comes.
			return write(c, "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\npartial")
		}
		return write(c, okAnswer)
	}))
	tr := newTransport(t, promconfig.HTTPClientConfig{})
	var trc tracer
	stream, err := tr.RoundTrip(request(t, context.Background(), http.MethodGet, srv.url("/stream"), nil, &trc))
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 7)
	if _, err := io.ReadFull(stream.Body, buf); err != nil {
		t.Fatal(err)
	}
	if got := fetch(t, tr, srv.url("/ok"), &trc); got != "ok" {
		t.Fatalf("body %q", got)
	}
	if trc.getConns != 2 {
		t.Fatalf("%d connections dialled, want 2 (one busy, one idle)", trc.getConns)
	}

	// The body is being read when the probe ends.
	read := startRead(stream.Body)
	tr.CloseIdleConnections()
	srv.waitEnded(t, 0, 1)
	read.wantError(t, "the body of a closed connection")
	_ = stream.Body.Close()

	_, err = tr.RoundTrip(request(t, context.Background(), http.MethodGet, srv.url("/ok"), nil, &trc))
	if !errors.Is(err, errClosed) {
		t.Errorf("a request after CloseIdleConnections: %v, want %v", err, errClosed)
	}
	if trc.getConns != 2 {
		t.Errorf("%d connections asked for, want 2: none for a request after CloseIdleConnections", trc.getConns)
	}
	if n := srv.accepted.Load(); n != 2 {
		t.Errorf("the server accepted %d connections, want 2", n)
	}
}

// headerFlood serves an answer whose headers never end: lines, or one
// line, until the client goes away.
func headerFlood(oneLine bool) func(*rawServer, int, net.Conn) {
	return func(s *rawServer, _ int, c net.Conn) {
		if _, err := http.ReadRequest(bufio.NewReader(c)); err != nil {
			return
		}
		if !write(c, "HTTP/1.1 200 OK\r\nX-Flood: ") {
			return
		}
		chunk := []byte(strings.Repeat("a", 1000) + "\r\nX-Flood: ")
		if oneLine {
			chunk = []byte(strings.Repeat("a", 1024))
		}
		for {
			select {
			case <-s.done:
				return
			default:
			}
			if _, err := c.Write(chunk); err != nil {
				return
			}
		}
	}
}

func TestHeadersOverMaxHeaderBytesFail(t *testing.T) {
	for _, oneLine := range []bool{false, true} {
		name := "lines"
		if oneLine {
			name = "one line"
		}
		t.Run(name, func(t *testing.T) {
			srv := newRawServer(t, headerFlood(oneLine))
			tr := newTransport(t, promconfig.HTTPClientConfig{})
			ctx, cancel := context.WithTimeout(context.Background(), waitLong)
			defer cancel()

			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			_, err := tr.RoundTrip(request(t, ctx, http.MethodGet, srv.url("/"), nil, nil))
			runtime.ReadMemStats(&after)

			if !errors.Is(err, errHeaderTooLarge) {
				t.Fatalf("err = %v, want %v", err, errHeaderTooLarge)
			}
			if !strings.Contains(err.Error(), "exceed 1048576 bytes") {
				t.Errorf("the error does not say what was exceeded: %v", err)
			}
			if ctx.Err() != nil {
				t.Errorf("the request ended at its deadline, not at the bound")
			}
			// Reading 1 MiB of headers allocates a few times that; an
			// unbounded read would go on to the deadline.
			if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 32<<20 {
				t.Errorf("reading the headers allocated %d bytes", alloc)
			}
			srv.waitEnded(t, 0)
		})
	}
}

func TestServerThatNeverAnswers(t *testing.T) {
	srv := newRawServer(t, func(s *rawServer, _ int, c net.Conn) {
		if _, err := http.ReadRequest(bufio.NewReader(c)); err != nil {
			return
		}
		_, _ = io.Copy(io.Discard, c) // until the client closes
	})
	tr := newTransport(t, promconfig.HTTPClientConfig{})
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := tr.RoundTrip(request(t, ctx, http.MethodPost, srv.url("/"), strings.NewReader("{}"), nil))
	elapsed := time.Since(start)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("err = %v, want the context's deadline", err)
	}
	if elapsed < 150*time.Millisecond || elapsed > waitLong/2 {
		t.Errorf("the request ended after %v, want its deadline (200ms)", elapsed)
	}
	srv.waitEnded(t, 0) // the connection was closed
}

func TestCancelMidBodyStopsTheRead(t *testing.T) {
	srv := newRawServer(t, func(s *rawServer, _ int, c net.Conn) {
		if _, err := http.ReadRequest(bufio.NewReader(c)); err != nil {
			return
		}
		if !write(c, "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\npartial") {
			return
		}
		_, _ = io.Copy(io.Discard, c)
	})
	tr := newTransport(t, promconfig.HTTPClientConfig{})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	resp, err := tr.RoundTrip(request(t, ctx, http.MethodGet, srv.url("/"), nil, nil))
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 7)
	if _, err := io.ReadFull(resp.Body, buf); err != nil {
		t.Fatal(err)
	}
	read := startRead(resp.Body)
	time.AfterFunc(20*time.Millisecond, cancel)
	read.wantError(t, "the body after its context was cancelled")
	_ = resp.Body.Close()
	srv.waitEnded(t, 0)
	tr.conns.mu.Lock()
	defer tr.conns.mu.Unlock()
	if len(tr.conns.idle) != 0 || len(tr.conns.open) != 0 {
		t.Errorf("after a cancelled body: %d idle, %d open connections, want none", len(tr.conns.idle), len(tr.conns.open))
	}
}

func TestIdleConnectionClosedByServerIsRetried(t *testing.T) {
	for _, replayable := range []bool{true, false} {
		name := "replayable body"
		if !replayable {
			name = "body that cannot be sent again"
		}
		t.Run(name, func(t *testing.T) {
			closed := make(chan struct{})
			var bodies sync.Map
			srv := newRawServer(t, func(s *rawServer, i int, c net.Conn) {
				keepAlive(func(req *http.Request, body []byte, c net.Conn) bool {
					bodies.Store(i, string(body))
					if i == 0 {
						// One answer, then the idle connection is closed.
						write(c, okAnswer)
						_ = c.Close()
						return false
					}
					return write(c, "HTTP/1.1 200 OK\r\nContent-Length: "+strconv.Itoa(len(body)+5)+"\r\n\r\necho:"+string(body))
				})(s, i, c)
				if i == 0 {
					close(closed) // after the Close above
				}
			})
			tr := newTransport(t, promconfig.HTTPClientConfig{})
			var trc tracer
			if got := fetch(t, tr, srv.url("/"), &trc); got != "ok" {
				t.Fatalf("body %q", got)
			}
			select {
			case <-closed:
			case <-time.After(waitLong):
				t.Fatal("the server did not close its connection")
			}

			var body io.Reader = strings.NewReader(`{"jsonrpc":"2.0"}`)
			if !replayable {
				body = io.MultiReader(body) // no GetBody
			}
			resp, err := tr.RoundTrip(request(t, context.Background(), http.MethodPost, srv.url("/"), body, &trc))
			if !replayable {
				if err == nil {
					_ = resp.Body.Close()
					t.Fatal("a request whose body cannot be sent again was sent again")
				}
				if !strings.Contains(err.Error(), "cannot be sent again") {
					t.Errorf("err = %v", err)
				}
				if trc.getConns != 1 {
					t.Errorf("%d connections dialled, want 1", trc.getConns)
				}
				return
			}
			if err != nil {
				t.Fatalf("the retried request: %v", err)
			}
			got, err := io.ReadAll(resp.Body)
			_ = resp.Body.Close()
			if err != nil || string(got) != `echo:{"jsonrpc":"2.0"}` {
				t.Fatalf("body %q, %v", got, err)
			}
			if r := trc.reused(); !slices.Equal(r, []bool{false, true, false}) {
				t.Errorf("connections reused: %v, want new, the idle one, new", r)
			}
			if n := srv.accepted.Load(); n != 2 {
				t.Errorf("the server accepted %d connections, want 2", n)
			}
			if b, _ := bodies.Load(1); b != `{"jsonrpc":"2.0"}` {
				t.Errorf("the retried request's body: %q", b)
			}
		})
	}
}

func TestFreshConnectionClosedWithoutAnswerIsNotRetried(t *testing.T) {
	srv := newRawServer(t, func(s *rawServer, _ int, c net.Conn) {
		req, err := http.ReadRequest(bufio.NewReader(c))
		if err == nil {
			_, _ = io.ReadAll(req.Body)
		}
		// Closed without an answer.
	})
	tr := newTransport(t, promconfig.HTTPClientConfig{})
	var trc tracer
	_, err := tr.RoundTrip(request(t, context.Background(), http.MethodPost, srv.url("/"), strings.NewReader("{}"), &trc))
	if err == nil {
		t.Fatal("no error from a server that closed without answering")
	}
	if !closedByPeer(err) {
		t.Errorf("err = %v, want the server's close", err)
	}
	if trc.getConns != 1 {
		t.Errorf("%d connections dialled, want 1: a fresh connection is not retried", trc.getConns)
	}
}

func TestWhichAnswersLeaveTheConnectionReusable(t *testing.T) {
	srv := newRawServer(t, keepAlive(func(req *http.Request, _ []byte, c net.Conn) bool {
		switch req.URL.Path {
		case "/close":
			// The connection stays open: only the header says not
			// to use it again.
			return write(c, "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok")
		case "/http10":
			return write(c, "HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok")
		case "/eof":
			write(c, "HTTP/1.1 200 OK\r\n\r\nok")
			return false // the close ends the body
		case "/chunked":
			return write(c, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\no\r\n1\r\nk\r\n0\r\n\r\n")
		case "/204":
			return write(c, "HTTP/1.1 204 No Content\r\n\r\n")
		case "/empty":
			return write(c, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
		}
		return write(c, okAnswer)
	}))
	for _, tc := range []struct {
		path     string
		body     string
		reusable bool
	}{
		{"/close", "ok", false},
		{"/http10", "ok", false},
		{"/eof", "ok", false},
		{"/chunked", "ok", true},
		{"/204", "", true},
		{"/empty", "", true},
		{"/length", "ok", true},
	} {
		t.Run(tc.path, func(t *testing.T) {
			tr := newTransport(t, promconfig.HTTPClientConfig{})
			var trc tracer
			if got := fetch(t, tr, srv.url(tc.path), &trc); got != tc.body {
				t.Fatalf("body %q, want %q", got, tc.body)
			}
			if got := fetch(t, tr, srv.url("/length"), &trc); got != "ok" {
				t.Fatalf("body %q", got)
			}
			if r := trc.reused(); !slices.Equal(r, []bool{false, tc.reusable}) {
				t.Errorf("connections reused: %v, want [false %v]", r, tc.reusable)
			}
		})
	}
}

func TestBodyClosedBeforeItsEndClosesTheConnection(t *testing.T) {
	srv := newRawServer(t, keepAlive(func(req *http.Request, _ []byte, c net.Conn) bool {
		if req.URL.Path == "/big" {
			return write(c, "HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n"+strings.Repeat("x", 100000))
		}
		return write(c, okAnswer)
	}))
	tr := newTransport(t, promconfig.HTTPClientConfig{})
	var trc tracer
	resp, err := tr.RoundTrip(request(t, context.Background(), http.MethodGet, srv.url("/big"), nil, &trc))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.ReadFull(resp.Body, make([]byte, 10)); err != nil {
		t.Fatal(err)
	}
	if err := resp.Body.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := resp.Body.Read(make([]byte, 10)); !errors.Is(err, errBodyClosed) {
		t.Errorf("read after Close: %v, want %v", err, errBodyClosed)
	}
	srv.waitEnded(t, 0)
	if got := fetch(t, tr, srv.url("/"), &trc); got != "ok" {
		t.Fatalf("body %q", got)
	}
	if r := trc.reused(); !slices.Equal(r, []bool{false, false}) {
		t.Errorf("connections reused: %v, want two new ones", r)
	}
}

func TestInformationalAnswersAreSkipped(t *testing.T) {
	srv := newRawServer(t, keepAlive(func(req *http.Request, _ []byte, c net.Conn) bool {
		if req.URL.Path == "/switch" {
			write(c, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n")
			return false
		}
		return write(c, "HTTP/1.1 100 Continue\r\n\r\n"+
			"HTTP/1.1 103 Early Hints\r\nLink: </s.css>; rel=preload\r\n\r\n"+
			"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nX-Final: yes\r\n\r\nok")
	}))
	tr := newTransport(t, promconfig.HTTPClientConfig{})
	var trc tracer
	resp, err := tr.RoundTrip(request(t, context.Background(), http.MethodPost, srv.url("/"), strings.NewReader("{}"), &trc))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if resp.StatusCode != 200 || string(b) != "ok" || resp.Header.Get("X-Final") != "yes" || resp.Header.Get("Link") != "" {
		t.Errorf("answer %d %v %q, want the final 200", resp.StatusCode, resp.Header, b)
	}
	if !slices.Equal(trc.informational, []int{100, 103}) {
		t.Errorf("Got1xxResponse: %v, want [100 103]", trc.informational)
	}
	if trc.firstBytes != 1 {
		t.Errorf("GotFirstResponseByte called %d times, want 1", trc.firstBytes)
	}
	if got := fetch(t, tr, srv.url("/"), &trc); got != "ok" {
		t.Fatalf("body %q", got)
	}
	if r := trc.reused(); !slices.Equal(r, []bool{false, true}) {
		t.Errorf("connections reused: %v", r)
	}

	_, err = tr.RoundTrip(request(t, context.Background(), http.MethodGet, srv.url("/switch"), nil, nil))
	if err == nil || !strings.Contains(err.Error(), "switched protocols") {
		t.Errorf("a 101 answer: %v, want an error", err)
	}
}

// tlsServer is an HTTPS server that offers HTTP/2 and HTTP/1.1; it
// records each request's protocol and the connections it accepted.
type tlsServer struct {
	*httptest.Server
	newConns atomic.Int32
	closed   chan struct{} // a connection closed
	protos   chan int      // each request's major version
	caPEM    string
}

func newTLSServer(t *testing.T, handler http.HandlerFunc) *tlsServer {
	t.Helper()
	s := &tlsServer{closed: make(chan struct{}, 10), protos: make(chan int, 100)}
	s.Server = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.protos <- r.ProtoMajor
		if handler != nil {
			handler(w, r)
			return
		}
		_, _ = io.WriteString(w, "ok")
	}))
	s.EnableHTTP2 = true
	s.TLS = &tls.Config{NextProtos: []string{"h2", "http/1.1"}}
	s.Config.ConnState = func(_ net.Conn, st http.ConnState) {
		switch st {
		case http.StateNew:
			s.newConns.Add(1)
		case http.StateClosed, http.StateHijacked:
			select {
			case s.closed <- struct{}{}:
			default:
			}
		}
	}
	s.StartTLS()
	t.Cleanup(s.Close)
	s.caPEM = string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: s.Certificate().Raw}))
	return s
}

// getTwice makes two GETs of srv's "ok" over tr, each answered in HTTP
// major version proto, as the server saw it too.
func getTwice(t *testing.T, tr *Transport, srv *tlsServer, trc *tracer, proto int) {
	t.Helper()
	for range 2 {
		resp, err := tr.RoundTrip(request(t, context.Background(), http.MethodGet, srv.URL, nil, trc))
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		_ = resp.Body.Close()
		if string(b) != "ok" || resp.ProtoMajor != proto {
			t.Fatalf("answer %s %q, want HTTP/%d ok", resp.Proto, b, proto)
		}
		if p := <-srv.protos; p != proto {
			t.Fatalf("the server saw HTTP/%d", p)
		}
	}
}

func TestTLSWithoutHTTP2IsHTTP1OnTheProbesConnection(t *testing.T) {
	srv := newTLSServer(t, nil)
	caFile := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(caFile, []byte(srv.caPEM), 0o600); err != nil {
		t.Fatal(err)
	}
	for name, tlsConfig := range map[string]promconfig.TLSConfig{
		"ca_file": {CAFile: caFile},
		"ca":      {CA: srv.caPEM},
	} {
		t.Run(name, func(t *testing.T) {
			tr := newTransport(t, promconfig.HTTPClientConfig{TLSConfig: tlsConfig, EnableHTTP2: false})
			var trc tracer
			getTwice(t, tr, srv, &trc, 1)
			trc.mu.Lock()
			defer trc.mu.Unlock()
			if trc.tlsStarts != 1 || len(trc.tlsDone) != 1 || trc.tlsErrs[0] != nil || !trc.tlsDone[0].HandshakeComplete {
				t.Errorf("TLS handshakes: %d started, done %v (errors %v), want one complete", trc.tlsStarts, len(trc.tlsDone), trc.tlsErrs)
			} else if p := trc.tlsDone[0].NegotiatedProtocol; p == "h2" {
				t.Errorf("negotiated %q with enable_http2 false", p)
			}
			if len(trc.gotConns) != 2 || trc.gotConns[0].Reused || !trc.gotConns[1].Reused {
				t.Errorf("GotConn: %+v, want a new connection, then it reused", trc.gotConns)
			} else if _, ok := trc.gotConns[0].Conn.(*tls.Conn); !ok {
				t.Errorf("GotConn's connection is a %T, want a *tls.Conn", trc.gotConns[0].Conn)
			}
			tr.conns.mu.Lock()
			defer tr.conns.mu.Unlock()
			if tr.conns.stdlib != nil {
				t.Error("the request went through net/http's transport")
			}
			if len(tr.conns.idle) != 1 || tr.conns.idle[0].br == nil {
				t.Error("a TLS connection keeps its read buffer while idle")
			}
		})
	}
	if n := srv.newConns.Load(); n != 2 {
		t.Errorf("the server accepted %d connections, want 2 (one per probe)", n)
	}

	t.Run("unknown authority", func(t *testing.T) {
		tr := newTransport(t, promconfig.HTTPClientConfig{})
		var trc tracer
		_, err := tr.RoundTrip(request(t, context.Background(), http.MethodGet, srv.URL, nil, &trc))
		if err == nil || !strings.Contains(err.Error(), "certificate") {
			t.Errorf("err = %v, want a certificate error", err)
		}
		if len(trc.tlsErrs) != 1 || trc.tlsErrs[0] == nil {
			t.Errorf("TLSHandshakeDone errors: %v", trc.tlsErrs)
		}
	})
}

func TestTLSWithHTTP2(t *testing.T) {
	srv := newTLSServer(t, nil)
	tr := newTransport(t, promconfig.HTTPClientConfig{TLSConfig: promconfig.TLSConfig{CA: srv.caPEM}, EnableHTTP2: true})
	var trc tracer
	getTwice(t, tr, srv, &trc, 2)
	if n := srv.newConns.Load(); n != 1 {
		t.Errorf("the server accepted %d connections, want 1", n)
	}
	trc.mu.Lock()
	if len(trc.tlsDone) != 1 || trc.tlsDone[0].NegotiatedProtocol != "h2" {
		t.Errorf("TLS handshakes: %d, want one negotiating h2", len(trc.tlsDone))
	}
	trc.mu.Unlock()
	tr.conns.mu.Lock()
	if tr.conns.stdlib == nil {
		t.Error("an HTTP/2 request did not go through the probe's net/http transport")
	}
	tr.conns.mu.Unlock()

	tr.CloseIdleConnections()
	select {
	case <-srv.closed:
	case <-time.After(waitLong):
		t.Fatal("the HTTP/2 connection stayed open after CloseIdleConnections")
	}
	_, err := tr.RoundTrip(request(t, context.Background(), http.MethodGet, srv.URL, nil, nil))
	if !errors.Is(err, errClosed) {
		t.Errorf("a request after CloseIdleConnections: %v, want %v", err, errClosed)
	}
}

// CloseIdleConnections closes the connections of net/http's transport
// too, busy ones included: none outlives the probe.
func TestCloseIdleConnectionsClosesBusyConnectionsOfNetHTTP(t *testing.T) {
	streaming := func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, "first")
		w.(http.Flusher).Flush()
		<-r.Context().Done()
	}
	srv := newTLSServer(t, streaming)
	proxy := httptest.NewUnstartedServer(http.HandlerFunc(streaming))
	proxyClosed := make(chan struct{}, 10)
	proxy.Config.ConnState = func(_ net.Conn, st http.ConnState) {
		if st == http.StateClosed {
			proxyClosed <- struct{}{}
		}
	}
	proxy.Start()
	t.Cleanup(proxy.Close)
	pu, err := url.Parse(proxy.URL)
	if err != nil {
		t.Fatal(err)
	}
	viaProxy := promconfig.HTTPClientConfig{}
	viaProxy.ProxyURL = promconfig.URL{URL: pu}

	for _, tc := range []struct {
		name   string
		cfg    promconfig.HTTPClientConfig
		url    string
		closed chan struct{}
	}{
		{"http2", promconfig.HTTPClientConfig{TLSConfig: promconfig.TLSConfig{CA: srv.caPEM}, EnableHTTP2: true}, srv.URL, srv.closed},
		{"proxy", viaProxy, "http://mcp.example.invalid/mcp", proxyClosed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tr := newTransport(t, tc.cfg)
			resp, err := tr.RoundTrip(request(t, context.Background(), http.MethodGet, tc.url, nil, nil))
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			if _, err := io.ReadFull(resp.Body, make([]byte, 5)); err != nil {
				t.Fatal(err)
			}
			read := startRead(resp.Body)
			tr.CloseIdleConnections()
			select {
			case <-tc.closed:
			case <-time.After(waitLong):
				t.Error("a busy connection stayed open after CloseIdleConnections")
			}
			read.wantError(t, "the body of a closed connection")
		})
	}
}

func TestStaticCredentialsReachTheServer(t *testing.T) {
	got := make(chan http.Header, 10)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got <- r.Header.Clone()
		_, _ = io.WriteString(w, "ok")
	}))
	t.Cleanup(srv.Close)
	tokenFile := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(tokenFile, []byte("from-a-file\n"), 0o600); err != nil {
		t.Fatal(err)
	}

	for _, tc := range []struct {
		name  string
		cfg   promconfig.HTTPClientConfig
		check func(h http.Header) string
	}{
		{
			name: "authorization",
			cfg:  promconfig.HTTPClientConfig{Authorization: &promconfig.Authorization{Type: "Bearer", Credentials: "s3cret"}},
			check: func(h http.Header) string {
				return want(h.Get("Authorization"), "Bearer s3cret")
			},
		},
		{
			name: "authorization credentials_file",
			cfg:  promconfig.HTTPClientConfig{Authorization: &promconfig.Authorization{Type: "Token", CredentialsFile: tokenFile}},
			check: func(h http.Header) string {
				return want(h.Get("Authorization"), "Token from-a-file")
			},
		},
		{
			name: "basic_auth",
			cfg:  promconfig.HTTPClientConfig{BasicAuth: &promconfig.BasicAuth{Username: "probe", Password: "pa:ss"}},
			check: func(h http.Header) string {
				r := &http.Request{Header: h}
				u, p, ok := r.BasicAuth()
				if !ok {
					return "no basic credentials"
				}
				return want(u+" "+p, "probe pa:ss")
			},
		},
		{
			name: "http_headers",
			cfg: promconfig.HTTPClientConfig{HTTPHeaders: &promconfig.Headers{Headers: map[string]promconfig.Header{
				"X-Probe":   {Values: []string{"one"}, Secrets: []promconfig.Secret{"two"}},
				"X-Api-Key": {Files: []string{tokenFile}},
			}}},
			check: func(h http.Header) string {
				v := h.Values("X-Probe")
				slices.Sort(v)
				if s := want(strings.Join(v, ","), "one,two"); s != "" {
					return s
				}
				return want(strings.TrimSpace(h.Get("X-Api-Key")), "from-a-file")
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tr := newTransport(t, tc.cfg)
			var trc tracer
			for i := range 2 {
				if b := fetch(t, tr, srv.URL, &trc); b != "ok" {
					t.Fatalf("body %q", b)
				}
				if s := tc.check(<-got); s != "" {
					t.Errorf("request %d: %s", i, s)
				}
			}
			if r := trc.reused(); !slices.Equal(r, []bool{false, true}) {
				t.Errorf("connections reused: %v", r)
			}
		})
	}
}

func want(got, want string) string {
	if got != want {
		return "got " + strconv.Quote(got) + ", want " + strconv.Quote(want)
	}
	return ""
}

func TestProxyURL(t *testing.T) {
	type seen struct{ uri, host, auth string }
	saw := make(chan seen, 10)
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		saw <- seen{r.RequestURI, r.Host, r.Header.Get("Authorization")}
		_, _ = io.WriteString(w, "via the proxy")
	}))
	t.Cleanup(proxy.Close)
	pu, err := url.Parse(proxy.URL)
	if err != nil {
		t.Fatal(err)
	}
	cfg := promconfig.HTTPClientConfig{
		Authorization: &promconfig.Authorization{Type: "Bearer", Credentials: "s3cret"},
	}
	cfg.ProxyURL = promconfig.URL{URL: pu}
	tr := newTransport(t, cfg)
	const target = "http://mcp.example.invalid:8080/mcp?session=1"
	for range 2 {
		if b := fetch(t, tr, target, nil); b != "via the proxy" {
			t.Fatalf("body %q", b)
		}
		s := <-saw
		if s.uri != target || s.host != "mcp.example.invalid:8080" {
			t.Errorf("the proxy saw %q for host %q, want the absolute URL %q", s.uri, s.host, target)
		}
		if s.auth != "Bearer s3cret" {
			t.Errorf("Authorization %q", s.auth)
		}
	}
	tr.conns.mu.Lock()
	defer tr.conns.mu.Unlock()
	if tr.conns.stdlib == nil || len(tr.conns.open) != 0 {
		t.Error("a request through the proxy did not go through the probe's net/http transport")
	}
}

func TestReadBufferIsTheConnectionsWhileTheAnswerIsRead(t *testing.T) {
	if !canWaitReadable {
		t.Skip("connections keep their read buffer on this system")
	}
	srv := newRawServer(t, keepAlive(func(req *http.Request, _ []byte, c net.Conn) bool {
		if req.URL.Path == "/second" {
			return write(c, "HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nsecond")
		}
		return write(c, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nfirst")
	}))
	tr := newTransport(t, promconfig.HTTPClientConfig{})
	idleBuffer := func() (n int, buffered bool) {
		tr.conns.mu.Lock()
		defer tr.conns.mu.Unlock()
		for _, c := range tr.conns.idle {
			buffered = buffered || c.br != nil
		}
		return len(tr.conns.idle), buffered
	}

	resp1, err := tr.RoundTrip(request(t, context.Background(), http.MethodGet, srv.url("/"), nil, nil))
	if err != nil {
		t.Fatal(err)
	}
	b1 := resp1.Body.(*body)
	if b1.c.raw == nil || b1.c.br == nil {
		t.Fatal("a plain connection reading an answer has no read buffer")
	}
	if got, err := io.ReadAll(resp1.Body); err != nil || string(got) != "first" {
		t.Fatalf("body %q, %v", got, err)
	}
	if n, buffered := idleBuffer(); n != 1 || buffered {
		t.Fatalf("after the body's end: %d idle connections, holding a read buffer: %v", n, buffered)
	}

	resp2, err := tr.RoundTrip(request(t, context.Background(), http.MethodGet, srv.url("/second"), nil, nil))
	if err != nil {
		t.Fatal(err)
	}
	if b2 := resp2.Body.(*body); b2.c != b1.c {
		t.Fatal("the second request did not reuse the idle connection")
	}
	// The first body is finished: reading it must not touch the
	// connection, which now carries the second answer.
	rc := b1.rc
	b1.rc = panicReader{}
	for range 2 {
		if n, err := resp1.Body.Read(make([]byte, 10)); n != 0 || err != io.EOF {
			t.Fatalf("a read of a finished body: %d, %v, want 0, EOF", n, err)
		}
	}
	if err := resp1.Body.Close(); err != nil {
		t.Fatal(err)
	}
	b1.rc = rc
	if got, err := io.ReadAll(resp2.Body); err != nil || string(got) != "second" {
		t.Fatalf("second body %q, %v", got, err)
	}
	_ = resp2.Body.Close()
	if n, buffered := idleBuffer(); n != 1 || buffered {
		t.Fatalf("after the second body's end: %d idle connections, holding a read buffer: %v", n, buffered)
	}
	if n := srv.accepted.Load(); n != 1 {
		t.Errorf("the server accepted %d connections, want 1", n)
	}
}

type panicReader struct{}

func (panicReader) Read([]byte) (int, error) { panic("a finished body read its connection") }
func (panicReader) Close() error             { panic("a finished body closed its connection's reader") }

func TestRequestsProbehttpRefuses(t *testing.T) {
	m, err := New(promconfig.HTTPClientConfig{})
	if err != nil {
		t.Fatal(err)
	}
	tr := m.Transport()
	defer tr.CloseIdleConnections()
	req := request(t, context.Background(), http.MethodGet, "ftp://127.0.0.1:1/", nil, nil)
	if _, err := tr.RoundTrip(req); err == nil || !strings.Contains(err.Error(), "unsupported protocol scheme") {
		t.Errorf("an ftp URL: %v", err)
	}
	if _, err := New(promconfig.HTTPClientConfig{OAuth2: &promconfig.OAuth2{}}); err == nil {
		t.Error("New accepted an oauth2 block")
	}
}
