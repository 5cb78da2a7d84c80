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
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/mcp-exporter/mcp_exporter/internal/failure"
	"github.com/mcp-exporter/mcp_exporter/internal/process"
	"github.com/mcp-exporter/mcp_exporter/internal/protocol"
)

const (
	// stderrLineRunes bounds each line of stderr that Process shows.
	stderrLineRunes = 512
	// maxPassedOver bounds the server's own requests and notifications
	// read before the response to one request.
	maxPassedOver = 1000
)

// stdio is the stdio transport: the server is a child process
// (internal/process, which starts it, ends it and keeps its stderr),
// spoken to with newline-delimited JSON-RPC on its stdin and stdout.
// Reads and writes carry the probe's deadline; a failure is classified
// as a failure.Error.
type stdio struct {
	proc     *process.Process // nil when it could not be started
	out      *bufio.Reader    // the process's stdout
	record   func(Exchange)
	maxBytes int64
	line     []byte
	deadline time.Time // the probe's, for Close
	// broken is the failure that left stdout out of step (a line that is
	// not a message, too long, cut off, or not read in time): every later
	// call fails with it.
	broken error
}

func (*stdio) Name() string { return protocol.TransportStdio }

// Process returns what was seen of the process so far, its stderr's last
// lines made fit for a log.
func (p *stdio) Process() process.Info {
	if p.proc == nil {
		return process.Info{}
	}
	info := p.proc.Info()
	if info.StderrTail != nil {
		tail := make([]string, 0, len(info.StderrTail))
		for _, l := range info.StderrTail {
			if l = Sanitize(l, stderrLineRunes); l != "" {
				tail = append(tail, l)
			}
		}
		info.StderrTail = tail
	}
	return info
}

// openStdio starts the command.
func openStdio(ctx context.Context, cfg TransportConfig) (Transport, error) {
	p := &stdio{record: cfg.OnExchange, maxBytes: cfg.MaxMessageBytes}
	p.deadline, _ = ctx.Deadline()
	c := cfg.Command
	if c == nil || len(c.Argv) == 0 || c.Argv[0] == "" {
		return p, failure.Errorf(failure.ReasonSpawn, 0, "the module has no command")
	}
	start := time.Now()
	proc, err := process.Start(c, cfg.MaxMessageBytes)
	if err != nil {
		return p, &failure.Error{Reason: failure.ReasonSpawn, Err: err}
	}
	p.proc = proc
	p.out = bufio.NewReaderSize(proc.Stdout(), 64<<10)
	p.record(Exchange{Op: "start process", Duration: time.Since(start)})
	return p, nil
}

// Call writes the request on stdin and reads stdout until its response,
// answering the server's own requests (ping with an empty result, others
// with method not found) and passing over its notifications.
func (p *stdio) Call(ctx context.Context, _ *Session, m *Outgoing) (*Message, error) {
	start := time.Now()
	msg, err := p.call(ctx, m)
	p.record(Exchange{Op: m.Method, Duration: time.Since(start), Err: err})
	return msg, err
}

func (p *stdio) call(ctx context.Context, m *Outgoing) (*Message, error) {
	if p.broken != nil {
		return nil, p.broken
	}
	msg, err := p.exchange(ctx, m)
	if err != nil {
		// A JSON-RPC error is a message; err is the stream's failure.
		p.broken = err
	}
	return msg, err
}

func (p *stdio) exchange(ctx context.Context, m *Outgoing) (*Message, error) {
	stop, err := p.arm(ctx)
	if err != nil {
		return nil, err
	}
	defer stop()
	if err := p.write(ctx, m.Body); err != nil {
		return nil, err
	}
	for passed := 0; ; passed++ {
		if passed > maxPassedOver {
			return nil, failure.Errorf(failure.ReasonResponseTooLarge, 0, "more than %d requests and notifications on stdout before the response", maxPassedOver)
		}
		line, err := p.readLine(ctx)
		if err != nil {
			return nil, err
		}
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		msg, err := decodeMessage(line)
		if err != nil {
			if !bytes.HasPrefix(bytes.TrimSpace(line), []byte("{")) {
				return nil, &failure.Error{Reason: failure.ReasonMalformedJSONRPC, Err: errors.New("stdout carried a line that is not JSON (a server writes only MCP messages on stdout; logs belong on stderr)")}
			}
			return nil, err
		}
		if !msg.isResponse() {
			if err := p.answer(ctx, msg); err != nil {
				return nil, err
			}
			continue
		}
		if !msg.answers(m.ID) {
			return nil, failure.Errorf(failure.ReasonProtocolViolation, 0, "stdout carried a response to another request id")
		}
		return msg, nil
	}
}

// answer answers a request of the server's: the client advertises no
// capability, so only ping is served. A notification needs no answer.
func (p *stdio) answer(ctx context.Context, msg *Message) error {
	id := bytes.TrimSpace(msg.ID)
	if len(id) == 0 || bytes.Equal(id, []byte("null")) {
		return nil
	}
	var b []byte
	if *msg.Method == "ping" {
		b = fmt.Appendf(nil, `{"jsonrpc":"2.0","id":%s,"result":{}}`, id)
	} else {
		b = fmt.Appendf(nil, `{"jsonrpc":"2.0","id":%s,"error":{"code":%d,"message":"method not found"}}`, id, CodeMethodNotFound)
	}
	return p.write(ctx, b)
}

// Notify writes the notification on stdin.
func (p *stdio) Notify(ctx context.Context, _ *Session, m *Outgoing) error {
	start := time.Now()
	stop, err := p.arm(ctx)
	if err == nil {
		err = p.write(ctx, m.Body)
		stop()
	}
	p.record(Exchange{Op: m.Method, Duration: time.Since(start), Err: err})
	return err
}

// past is a deadline that has passed.
var past = time.Unix(1, 0)

// arm gives the pipes ctx's deadline, and ends their reads and writes
// when ctx is cancelled sooner.
func (p *stdio) arm(ctx context.Context) (stop func(), err error) {
	if p.proc == nil || p.proc.Ended() {
		return nil, failure.Errorf(failure.ReasonProcessExited, 0, "the process was ended")
	}
	if err := ctx.Err(); err != nil {
		return nil, &failure.Error{Reason: failure.ReasonTimeout, Err: err}
	}
	d, _ := ctx.Deadline()
	p.proc.SetDeadline(d)
	after := context.AfterFunc(ctx, func() { p.proc.SetDeadline(past) })
	return func() { after() }, nil
}

// write writes one message and its newline.
func (p *stdio) write(ctx context.Context, body []byte) error {
	if bytes.IndexByte(body, '\n') >= 0 {
		return errors.New("message holds a newline") // json.Marshal never writes one
	}
	// One write for the line: the server never sees half a message
	// followed by a pause.
	line := make([]byte, 0, len(body)+1)
	line = append(append(line, body...), '\n')
	if _, err := p.proc.Stdin().Write(line); err != nil {
		return p.pipeError(ctx, err, "writing to its stdin")
	}
	return nil
}

// readLine reads one line of stdout, without its newline, of at most
// maxBytes.
func (p *stdio) readLine(ctx context.Context) ([]byte, error) {
	p.line = p.line[:0]
	for {
		frag, err := p.out.ReadSlice('\n')
		if int64(len(p.line)+len(frag)) > p.maxBytes+1 {
			return nil, failure.Errorf(failure.ReasonResponseTooLarge, 0, "a line on stdout is longer than %d bytes", p.maxBytes)
		}
		p.line = append(p.line, frag...)
		switch {
		case err == nil:
			return p.line[:len(p.line)-1], nil
		case errors.Is(err, bufio.ErrBufferFull):
			continue
		case err == io.EOF && len(p.line) > 0:
			return nil, failure.Errorf(failure.ReasonProtocolViolation, 0, "stdout ended inside a message")
		}
		return nil, p.pipeError(ctx, err, "reading its stdout")
	}
}

// pipeError classifies a failed read or write: the deadline, a process
// that exited, or a pipe the process closed while it runs.
func (p *stdio) pipeError(ctx context.Context, err error, doing string) error {
	if ctx.Err() != nil || errors.Is(err, os.ErrDeadlineExceeded) {
		return &failure.Error{Reason: failure.ReasonTimeout, Err: fmt.Errorf("%s: %w", doing, os.ErrDeadlineExceeded)}
	}
	// The pipe ended: most likely the process exited. A moment for it to
	// be reaped, to say so with its status.
	if how, ok := p.proc.Exited(process.PipeGrace); ok {
		return failure.Errorf(failure.ReasonProcessExited, 0, "the process %s while the probe was %s", how, doing)
	}
	if errors.Is(err, io.EOF) {
		return failure.Errorf(failure.ReasonProtocolViolation, 0, "the process closed its stdout and goes on running")
	}
	return failure.Errorf(failure.ReasonProtocolViolation, 0, "%s: %v", doing, err)
}

// CloseSession ends the process, as the specification's shutdown says,
// within ctx's deadline: it reports why the end failed the probe (a
// process that ignored SIGTERM, or pipes held by a process outside its
// group), nil when the process ended as asked.
func (p *stdio) CloseSession(ctx context.Context, _ *Session) (bool, error) {
	d, ok := ctx.Deadline()
	if !ok {
		d = time.Now().Add(process.ExitGrace + process.TermGrace + process.PipeGrace)
	}
	return true, p.end(d)
}

// Close ends the process if the probe has not, within the probe's
// deadline (at once once it passed), and releases the pipes. Once it
// returns, the process is reaped and no goroutine of the transport runs.
func (p *stdio) Close() error {
	_ = p.end(p.deadline)
	return nil
}

// end ends the process (process.End) and classifies why its end failed
// the probe.
func (p *stdio) end(deadline time.Time) error {
	if p.proc == nil {
		return nil
	}
	err := p.proc.End(deadline)
	switch {
	case errors.Is(err, process.ErrTermIgnored):
		return &failure.Error{Reason: failure.ReasonSIGTERMIgnored, Err: err}
	case errors.Is(err, process.ErrPipesHeld):
		return &failure.Error{Reason: failure.ReasonPipesHeld, Err: err}
	}
	return err
}
