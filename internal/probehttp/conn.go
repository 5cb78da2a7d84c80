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
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"net/http/httptrace"
	"os"
	"sync"
	"syscall"
	"time"

	"github.com/mcp-exporter/mcp_exporter/internal/dialhost"
)

// readBufferBytes is a connection's read buffer: an MCP answer's headers
// and the first of its body. The request is written through a pooled
// buffer of writeBufferBytes, held only while it is written.
const (
	readBufferBytes  = 4 << 10
	writeBufferBytes = 4 << 10
)

// conn is one HTTP/1.1 connection of a probe. One exchange at a time
// uses it: it is idle in its conns, or held by the request whose answer
// is being read.
type conn struct {
	key string // scheme://host:port
	nc  net.Conn
	lim limitReader // under br: bounds an answer's headers
	// br reads answers. A plain TCP connection (raw non-nil) takes one
	// from readers once its answer has begun to arrive, and gives it back
	// when the answer was read to its end: a probe waiting for a slow
	// server holds no read buffer.
	br  *bufio.Reader
	raw syscall.RawConn
	// deadline is the connection's deadline, set again only when a
	// request's differs (a probe's requests mostly share one).
	deadline time.Time
	// ctx is the context of the connection's last request, and stop
	// undoes the watch that stops the connection's reads and writes when
	// ctx is cancelled: one watch for the requests that share a context.
	ctx  context.Context
	stop func() bool
}

// watch makes ctx's cancellation stop c's reads and writes at once.
func (c *conn) watch(ctx context.Context) {
	if c.ctx == ctx {
		return
	}
	if c.stop != nil && c.ctx.Done() == ctx.Done() {
		// A context that ends with the watched one (a value added to
		// it, as a trace is to a probe's first request): the watch
		// serves it as it is.
		c.ctx = ctx
		return
	}
	if c.stop != nil && !c.stop() {
		c.deadline = aLongTimeAgo // the last context's cancellation set it
	}
	c.ctx = ctx
	c.stop = context.AfterFunc(ctx, func() { _ = c.nc.SetDeadline(aLongTimeAgo) })
}

// close closes c and ends its watch.
func (c *conn) close() {
	if c.stop != nil {
		c.stop()
	}
	_ = c.nc.Close()
}

// limitReader reads from r, at most n bytes while n is not math.MaxInt64.
type limitReader struct {
	r net.Conn
	n int64
}

var errHeaderTooLarge = fmt.Errorf("the server's answer headers exceed %d bytes", MaxHeaderBytes)

func (l *limitReader) Read(p []byte) (int, error) {
	if l.n <= 0 {
		return 0, errHeaderTooLarge
	}
	if int64(len(p)) > l.n {
		p = p[:l.n]
	}
	n, err := l.r.Read(p)
	if l.n != math.MaxInt64 {
		l.n -= int64(n)
	}
	return n, err
}

var (
	writers = sync.Pool{New: func() any { return bufio.NewWriterSize(nil, writeBufferBytes) }}
	readers = sync.Pool{New: func() any { return bufio.NewReaderSize(nil, readBufferBytes) }}
)

// reader makes sure c has its read buffer, once an answer is there to
// read on a plain connection.
func (c *conn) reader() error {
	if c.br != nil {
		return nil
	}
	if err := waitReadable(c.raw); err != nil {
		return err
	}
	c.br = readers.Get().(*bufio.Reader)
	c.br.Reset(&c.lim)
	return nil
}

// idle gives c's read buffer back when it holds nothing: c waits for the
// probe's next request.
func (c *conn) idle() {
	if c.raw != nil && c.br != nil && c.br.Buffered() == 0 {
		c.br.Reset(nil)
		readers.Put(c.br)
		c.br = nil
	}
}

// unflushed is a buffered writer that http.Request.Write does not see as
// a *bufio.Writer: it flushes the headers of a request with a body of a
// type it does not know to be in memory before the body, which would make
// two writes (and two packets) of one small request. The caller flushes
// once, after the body.
type unflushed struct{ *bufio.Writer }

// aLongTimeAgo is a deadline in the past: it stops a connection's reads
// and writes at once.
var aLongTimeAgo = time.Unix(1, 0)

// roundTrip makes req's exchange on a connection of the probe: an idle one
// to the same origin, else a new one. A request that finds its idle
// connection closed by the server before any byte of an answer came is
// sent again once on a new connection, if its body can be sent again; the
// server closed the connection before it read the request.
func (cs *conns) roundTrip(b *base, req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	trace := httptrace.ContextClientTrace(ctx)
	key, host, addr := connKey(req)
	for retried := false; ; retried = true {
		c, err := cs.takeIdle(ctx, key)
		if err != nil {
			closeBody(req)
			return nil, err
		}
		reused := c != nil
		if c != nil {
			if trace != nil && trace.GotConn != nil {
				trace.GotConn(httptrace.GotConnInfo{Conn: c.nc, Reused: true, WasIdle: true})
			}
		} else {
			if c, err = b.dial(ctx, req.URL.Scheme, key, host, addr, trace); err != nil {
				closeBody(req)
				return nil, err
			}
			if !cs.add(c) {
				closeBody(req)
				return nil, errClosed
			}
		}
		resp, answered, err := cs.exchange(c, req, trace)
		if err == nil {
			return resp, nil
		}
		cs.discard(c)
		if !reused || retried || answered || ctx.Err() != nil || !closedByPeer(err) {
			return nil, err
		}
		if req, err = rewound(req); err != nil {
			return nil, err
		}
	}
}

// closedByPeer reports whether err says the server had closed the
// connection.
func closedByPeer(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE)
}

// rewound is req ready to be sent again, or an error when its body cannot
// be.
func rewound(req *http.Request) (*http.Request, error) {
	if req.Body == nil || req.Body == http.NoBody {
		return req, nil
	}
	if req.GetBody == nil {
		return nil, errors.New("the server closed the connection, and the request's body cannot be sent again")
	}
	body, err := req.GetBody()
	if err != nil {
		return nil, err
	}
	r := new(http.Request)
	*r = *req
	r.Body = body
	return r, nil
}

// connKey returns where req goes: the key of its connections
// (scheme://host:port), the host for TLS and the address to dial.
func connKey(req *http.Request) (key, host, addr string) {
	host = req.URL.Hostname()
	if h, err := dialhost.Normalize(host); err == nil {
		host = h // as net/http dials a name that is not ASCII: its IDNA form
	}
	port := req.URL.Port()
	if port == "" {
		port = dialhost.DefaultPort(req.URL.Scheme)
	}
	addr = net.JoinHostPort(host, port)
	return req.URL.Scheme + "://" + addr, host, addr
}

// dial makes a new connection, reporting to trace as net/http's transport
// does (DNS and TCP through the dialer, which reads the trace from ctx).
func (b *base) dial(ctx context.Context, scheme, key, host, addr string, trace *httptrace.ClientTrace) (*conn, error) {
	if trace != nil && trace.GetConn != nil {
		trace.GetConn(addr)
	}
	nc, err := b.connect(ctx, scheme, host, addr, trace)
	if err != nil {
		return nil, err
	}
	c := &conn{key: key, nc: nc}
	c.lim = limitReader{r: nc, n: math.MaxInt64}
	if sc, ok := nc.(syscall.Conn); ok && canWaitReadable {
		c.raw, err = sc.SyscallConn()
	}
	if c.raw == nil || err != nil {
		c.raw = nil
		c.br = bufio.NewReaderSize(&c.lim, readBufferBytes)
	}
	if trace != nil && trace.GotConn != nil {
		trace.GotConn(httptrace.GotConnInfo{Conn: nc})
	}
	return c, nil
}

// connect dials addr and, for https, runs TLS over the connection. It runs
// on a goroutine of its own, which ends with it, as net/http's transport
// dials: the resolver and the TLS handshake go deeper than the rest of a
// probe, and a goroutine's stack, once grown, stays grown while the probe
// waits for its answers (a probe in flight would hold 16 KiB instead of 8).
func (b *base) connect(ctx context.Context, scheme, host, addr string, trace *httptrace.ClientTrace) (net.Conn, error) {
	type connected struct {
		nc  net.Conn
		err error
	}
	done := make(chan connected, 1)
	go func() {
		growStack()
		nc, err := b.dialer.DialContext(ctx, "tcp", addr)
		if err == nil && scheme == "https" {
			nc, err = b.handshake(ctx, nc, host, trace)
		}
		done <- connected{nc, err}
	}()
	c := <-done
	return c.nc, c.err
}

// write sends req on c in one write (closing req.Body).
func (c *conn) write(req *http.Request) error {
	w := writers.Get().(*bufio.Writer)
	w.Reset(c.nc)
	err := req.Write(unflushed{w}) // closes req.Body
	if err == nil {
		err = w.Flush()
	}
	w.Reset(nil)
	writers.Put(w)
	return err
}

// growStack grows a new goroutine's stack to 8 KiB while it holds one
// frame: a dial needs about that much (the dialer, the resolver, TLS
// more), and a stack that grows deep in the dial copies and adjusts every
// frame on it, once or twice per probe.
//
//go:noinline
func growStack() {
	var b [dialStack]byte
	touch(b[:])
}

// touch writes b's last byte, so that growStack's array is kept.
//
//go:noinline
func touch(b []byte) { b[len(b)-1] = 1 }

// dialStack is what growStack asks for: with the runtime's guard, the
// stack becomes 8 KiB.
const dialStack = 6 << 10

// handshake runs TLS over nc for host, offering HTTP/1.1 alone, and
// closes nc if it fails. Its own function: a tls.ConnectionState is large,
// and a plain connection's dial need not carry it.
func (b *base) handshake(ctx context.Context, nc net.Conn, host string, trace *httptrace.ClientTrace) (net.Conn, error) {
	cfg := &tls.Config{}
	if b.tls != nil {
		cfg = b.tls.Clone()
	}
	if cfg.ServerName == "" {
		cfg.ServerName = host
	}
	cfg.NextProtos = []string{"http/1.1"}
	tc := tls.Client(nc, cfg)
	if trace != nil && trace.TLSHandshakeStart != nil {
		trace.TLSHandshakeStart()
	}
	err := tc.HandshakeContext(ctx)
	if trace != nil && trace.TLSHandshakeDone != nil {
		trace.TLSHandshakeDone(tc.ConnectionState(), err)
	}
	if err != nil {
		_ = nc.Close()
		return nil, err
	}
	return tc, nil
}

// exchange writes req on c and reads the answer's headers; the body is
// read by the caller, and c goes back to cs when it is read or closed.
// answered is true once a byte of an answer came.
func (cs *conns) exchange(c *conn, req *http.Request, trace *httptrace.ClientTrace) (resp *http.Response, answered bool, err error) {
	ctx := req.Context()
	c.watch(ctx)
	if deadline, _ := ctx.Deadline(); !deadline.Equal(c.deadline) {
		_ = c.nc.SetDeadline(deadline)
		c.deadline = deadline
	}
	defer func() {
		if err != nil {
			switch {
			case ctx.Err() != nil:
				err = ctx.Err()
			case errors.Is(err, os.ErrDeadlineExceeded) && !c.deadline.IsZero() && !time.Now().Before(c.deadline):
				// The connection's deadline is the context's, whose
				// timer may not have fired yet.
				err = context.DeadlineExceeded
			}
		}
	}()

	if err = c.write(req); err != nil {
		return nil, false, err
	}

	c.lim.n = MaxHeaderBytes
	if err = c.reader(); err != nil {
		return nil, false, err
	}
	if _, err = c.br.Peek(1); err != nil {
		return nil, false, err
	}
	if trace != nil && trace.GotFirstResponseByte != nil {
		trace.GotFirstResponseByte()
	}
	for {
		resp, err = http.ReadResponse(c.br, req)
		if err != nil {
			if c.lim.n <= 0 {
				err = errHeaderTooLarge
			}
			return nil, true, err
		}
		// 1xx answers but 101 (a protocol switch, which no MCP request
		// asks for) precede the real one.
		if resp.StatusCode < 100 || resp.StatusCode > 199 || resp.StatusCode == http.StatusSwitchingProtocols {
			break
		}
		if trace != nil && trace.Got1xxResponse != nil {
			if err = trace.Got1xxResponse(resp.StatusCode, nil); err != nil {
				return nil, true, err
			}
		}
	}
	c.lim.n = math.MaxInt64
	if resp.StatusCode == http.StatusSwitchingProtocols {
		return nil, true, errors.New("the server switched protocols, which no probe request asks for")
	}
	reusable := !resp.Close && !req.Close
	if resp.Body == http.NoBody {
		// A cancelled request's connection is not used again: the
		// cancellation may have put its deadline in the past.
		reusable = reusable && ctx.Err() == nil
		if reusable {
			c.idle()
		}
		cs.release(c, reusable)
		return resp, true, nil
	}
	resp.Body = &body{rc: resp.Body, cs: cs, c: c, ctx: ctx, reusable: reusable}
	return resp, true, nil
}

// body is an answer's body: read to its end, it hands its connection back
// for the probe's next request; closed before, it closes the connection.
type body struct {
	rc       io.ReadCloser
	cs       *conns
	c        *conn
	ctx      context.Context
	reusable bool

	mu   sync.Mutex
	done error // once finished: io.EOF, or errBodyClosed
}

var errBodyClosed = errors.New("probehttp: read on a closed answer body")

// Read reads the answer; once it is finished, its connection may carry
// another answer, which Read does not touch.
func (b *body) Read(p []byte) (int, error) {
	b.mu.Lock()
	done := b.done
	b.mu.Unlock()
	if done != nil {
		return 0, done
	}
	n, err := b.rc.Read(p)
	if err != nil {
		b.finish(err == io.EOF)
	}
	return n, err
}

func (b *body) Close() error {
	b.finish(false)
	return nil
}

func (b *body) finish(atEOF bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.done != nil {
		return
	}
	b.done = errBodyClosed
	// A cancelled request's connection is not used again: the
	// cancellation may have put its deadline in the past.
	reuse := atEOF && b.reusable && b.ctx.Err() == nil
	if atEOF {
		b.done = io.EOF
	}
	if reuse {
		b.c.idle()
	}
	b.cs.release(b.c, reuse)
}
