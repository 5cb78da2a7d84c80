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

//go:build unix

package mcpwire

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/mcp-exporter/mcp_exporter/internal/failure"
	"github.com/mcp-exporter/mcp_exporter/internal/protocol"
)

// Bounds of a stdio server's process.
const (
	// ExitGrace is how long the process has to exit once its stdin is
	// closed (the specification's shutdown), and TermGrace how long it has
	// after SIGTERM to its process group; then the group is sent SIGKILL.
	// Both are cut short by the probe's deadline.
	ExitGrace = time.Second
	TermGrace = time.Second
	// PipeGrace is how long the probe waits for stdout and stderr to end
	// once the process group is gone: longer, a process outside the group
	// (one that called setsid) holds them.
	PipeGrace = 200 * time.Millisecond
	// StderrKeepBytes is how much of the end of stderr is kept in memory;
	// the rest is counted and dropped.
	StderrKeepBytes = 64 << 10
	// MaxStderrLines bounds Command.StderrLines, and stderrLineRunes each
	// line kept.
	MaxStderrLines  = 100
	stderrLineRunes = 512
	// maxPassedOver bounds the server's own requests and notifications
	// read before the response to one request.
	maxPassedOver = 1000
)

// stdio is the stdio transport: the server is a child process, spoken to
// with newline-delimited JSON-RPC on its stdin and stdout; its stderr is
// counted and its end kept (StderrKeepBytes) for the probe's log.
//
// The process runs in a process group of its own, so that what it forks
// ends with it. Its pipes are the exporter's own (os.Pipe, pollable), so
// that reads and writes have the probe's deadline and closing them never
// waits on a process that holds the other end: stdout is read in the
// probe's goroutine, stderr by one goroutine that ends when the pipe is
// closed, and the process is reaped by one goroutine that ends when it
// exits, which Close makes sure of.
type stdio struct {
	cmd      *exec.Cmd
	stdin    *os.File
	stdout   *os.File
	out      *bufio.Reader
	first    firstByte
	stderr   *stderrRing
	errDone  chan struct{} // closed when the stderr reader ended
	exited   chan struct{} // closed once the process is reaped
	waitErr  error
	record   func(Exchange)
	maxBytes int64
	lines    int // stderr lines kept for Process
	line     []byte
	deadline time.Time // the probe's, for Close
	started  time.Time
	info     ProcessInfo
	ended    bool
	endErr   error
	// broken is the failure that left stdout out of step (a line that is
	// not a message, too long, cut off, or not read in time): every later
	// call fails with it.
	broken error
}

func (*stdio) Name() string { return protocol.TransportStdio }

// Process returns what was seen of the process so far.
func (p *stdio) Process() ProcessInfo {
	info := p.info
	info.FirstByte = p.first.after(p.started)
	if p.stderr != nil && p.ended {
		info.StderrBytes = p.stderr.total
		info.StderrTail = p.stderr.tail(p.lines)
	}
	return info
}

// openStdio starts the command.
func openStdio(ctx context.Context, cfg TransportConfig) (Transport, error) {
	p := &stdio{record: cfg.OnExchange, maxBytes: cfg.MaxMessageBytes, exited: make(chan struct{}), errDone: make(chan struct{})}
	p.deadline, _ = ctx.Deadline()
	c := cfg.Command
	if c == nil || len(c.Argv) == 0 || c.Argv[0] == "" {
		close(p.exited)
		close(p.errDone)
		p.ended = true
		return p, failure.Errorf(failure.ReasonSpawn, 0, "the module has no command")
	}
	p.lines = min(max(c.StderrLines, 0), MaxStderrLines)
	if err := p.start(c); err != nil {
		close(p.exited)
		close(p.errDone)
		p.ended = true
		return p, &failure.Error{Reason: failure.ReasonSpawn, Err: err}
	}
	p.record(Exchange{Op: "start process", Duration: time.Since(p.started)})
	return p, nil
}

// start makes the pipes and starts the process in a group of its own.
func (p *stdio) start(c *Command) error {
	path, err := lookCommand(c.Argv[0], c.Env, c.Dir)
	if err != nil {
		return err
	}
	// os.Pipe's ends are close-on-exec: no other child inherits them.
	inR, inW, err := os.Pipe()
	if err != nil {
		return err
	}
	outR, outW, err := os.Pipe()
	if err != nil {
		closeAll(inR, inW)
		return err
	}
	errR, errW, err := os.Pipe()
	if err != nil {
		closeAll(inR, inW, outR, outW)
		return err
	}
	p.cmd = &exec.Cmd{
		Path: path, Args: c.Argv, Env: c.Env, Dir: c.Dir,
		Stdin: inR, Stdout: outW, Stderr: errW,
		SysProcAttr: &syscall.SysProcAttr{Setpgid: true},
	}
	p.started = time.Now()
	err = p.cmd.Start()
	// The child has its ends (or failed to start): the exporter keeps its own.
	closeAll(inR, outW, errW)
	if err != nil {
		closeAll(inW, outR, errR)
		return fmt.Errorf("starting the command: %w", err)
	}
	p.info.Started = true
	p.stdin, p.stdout = inW, outR
	p.first.r = outR
	p.out = bufio.NewReaderSize(&p.first, 64<<10)
	p.stderr = &stderrRing{file: errR}
	go func() {
		// Ends when the process exits: Close makes sure it does. Stdin,
		// stdout and stderr are files, so Wait copies nothing.
		p.waitErr = p.cmd.Wait()
		close(p.exited)
	}()
	go func() {
		// Ends at the end of stderr, or when Close closes it.
		p.stderr.read()
		close(p.errDone)
	}()
	return nil
}

// lookCommand finds the executable name names: a name without a slash in
// the PATH of env, as the shell would, rather than in the exporter's.
func lookCommand(name string, env []string, dir string) (string, error) {
	if strings.Contains(name, "/") {
		path := name
		if !filepath.IsAbs(path) && dir != "" {
			path = filepath.Join(dir, path)
		}
		if err := executable(path); err != nil {
			return "", fmt.Errorf("command %s: %w", name, err)
		}
		return name, nil
	}
	pathList := ""
	for _, kv := range env {
		if v, ok := strings.CutPrefix(kv, "PATH="); ok {
			pathList = v
		}
	}
	for _, d := range filepath.SplitList(pathList) {
		if d == "" || !filepath.IsAbs(d) {
			continue // a relative PATH entry would depend on the directory
		}
		path := filepath.Join(d, name)
		if executable(path) == nil {
			return path, nil
		}
	}
	return "", fmt.Errorf("command %s not found in PATH", name)
}

func executable(path string) error {
	fi, err := os.Stat(path)
	if err != nil {
		return errors.Unwrap(err)
	}
	if fi.IsDir() || fi.Mode()&0o111 == 0 {
		return errors.New("not an executable file")
	}
	return nil
}

func closeAll(files ...*os.File) {
	for _, f := range files {
		_ = f.Close()
	}
}

// Call writes the request on stdin and reads stdout until its response,
// answering the server's own requests (ping with an empty result, others
// with method not found) and passing over its notifications.
func (p *stdio) Call(ctx context.Context, _ *Session, m Outgoing) (*Message, error) {
	start := time.Now()
	msg, err := p.call(ctx, m)
	p.record(Exchange{Op: m.Method, Duration: time.Since(start), Err: err})
	return msg, err
}

func (p *stdio) call(ctx context.Context, m Outgoing) (*Message, error) {
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

func (p *stdio) exchange(ctx context.Context, m Outgoing) (*Message, error) {
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
func (p *stdio) Notify(ctx context.Context, _ *Session, m Outgoing) error {
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
	if p.ended {
		return nil, failure.Errorf(failure.ReasonProcessExited, 0, "the process was ended")
	}
	if err := ctx.Err(); err != nil {
		return nil, &failure.Error{Reason: failure.ReasonTimeout, Err: err}
	}
	d, _ := ctx.Deadline()
	_ = p.stdout.SetReadDeadline(d)
	_ = p.stdin.SetWriteDeadline(d)
	after := context.AfterFunc(ctx, func() {
		_ = p.stdout.SetReadDeadline(past)
		_ = p.stdin.SetWriteDeadline(past)
	})
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
	if _, err := p.stdin.Write(line); err != nil {
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
	// The pipe ended: most likely the process exited. A moment for the
	// reaper to see it, to say so with its status.
	select {
	case <-p.exited:
		return failure.Errorf(failure.ReasonProcessExited, 0, "the process %s while the probe was %s", exitString(p.waitErr), doing)
	case <-time.After(PipeGrace):
	}
	if errors.Is(err, io.EOF) {
		return failure.Errorf(failure.ReasonProtocolViolation, 0, "the process closed its stdout and goes on running")
	}
	return failure.Errorf(failure.ReasonProtocolViolation, 0, "%s: %v", doing, err)
}

// exitString says how a process ended, from cmd.Wait's error.
func exitString(err error) string {
	code, sig := exitStatus(err)
	if sig != "" {
		return "was killed by " + sig
	}
	return "exited with status " + strconv.Itoa(code)
}

func exitStatus(err error) (code int, sig string) {
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			return -1, ws.Signal().String()
		}
		return ee.ExitCode(), ""
	}
	if err != nil {
		return -1, ""
	}
	return 0, ""
}

// CloseSession ends the process, as the specification's shutdown says,
// within ctx's deadline: it reports why the end failed the probe (a
// process that ignored SIGTERM, or pipes held by a process outside its
// group), nil when the process ended as asked.
func (p *stdio) CloseSession(ctx context.Context, _ *Session) (bool, error) {
	d, ok := ctx.Deadline()
	if !ok {
		d = time.Now().Add(ExitGrace + TermGrace + PipeGrace)
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

// end ends the process: stdin closed, ExitGrace, SIGTERM to its group,
// TermGrace, SIGKILL to its group; then the group is killed whatever the
// leader did, and the pipes are closed.
func (p *stdio) end(deadline time.Time) error {
	if p.ended {
		return p.endErr
	}
	p.ended = true
	grace := func(g time.Duration) time.Duration {
		if deadline.IsZero() {
			return g
		}
		return min(max(time.Until(deadline), 0), g)
	}
	pgid := p.cmd.Process.Pid
	select {
	case <-p.exited:
		p.info.Ended = "exited"
	default:
	}
	_ = p.stdin.Close()
	if p.info.Ended == "" && waitFor(p.exited, grace(ExitGrace)) {
		p.info.Ended = "stdin closed"
	}
	if p.info.Ended == "" {
		g := grace(TermGrace)
		if g > 0 {
			_ = syscall.Kill(-pgid, syscall.SIGTERM)
		}
		if g > 0 && waitFor(p.exited, g) {
			p.info.Ended = "SIGTERM"
		} else {
			_ = syscall.Kill(-pgid, syscall.SIGKILL)
			<-p.exited
			p.info.Ended = "SIGKILL"
			if g == TermGrace {
				p.endErr = failure.Errorf(failure.ReasonSIGTERMIgnored, 0, "the process did not exit within %s of its stdin closing nor %s of SIGTERM; it was killed", ExitGrace, TermGrace)
			}
		}
	}
	// What the server forked is in its group: it ends with it. (The group
	// lives on while a member does, so its id is not reused meanwhile.)
	_ = syscall.Kill(-pgid, syscall.SIGKILL)
	p.info.ExitCode, _ = exitStatus(p.waitErr)
	held, killed := p.closePipes()
	if held > 0 && p.endErr == nil {
		p.endErr = failure.Errorf(failure.ReasonPipesHeld, 0, "%d process(es) outside the server's process group held its stdout or stderr after it ended; they were killed", held)
	}
	reapOrphans(pgid, killed)
	return p.endErr
}

// reapOrphans reaps the server's processes that were handed to the
// exporter: as a container's PID 1 (or a subreaper) it becomes the parent
// of the server's orphans (what it forked, once it exited), which, killed,
// would stay zombies. Otherwise they are not its children, and there is
// nothing to reap. Members of the group and the processes killed for
// holding the pipes are reaped, nothing else: the exporter's other
// children are waited for by their own.
func reapOrphans(pgid int, killed []int) {
	deadline := time.Now().Add(PipeGrace)
	for _, target := range append([]int{-pgid}, killed...) {
		for {
			var ws syscall.WaitStatus
			pid, err := syscall.Wait4(target, &ws, syscall.WNOHANG, nil)
			if pid > 0 {
				continue // one reaped; perhaps more
			}
			if err != nil || time.Now().After(deadline) {
				break // ECHILD: none (left) of ours
			}
			// Ours, killed, not yet dead.
			time.Sleep(time.Millisecond)
		}
	}
}

// closePipes waits PipeGrace for stdout and stderr to end, then closes
// them. A process that still holds them left the server's group (setsid):
// it is found and killed (Linux) and counted.
func (p *stdio) closePipes() (held int, killed []int) {
	_ = p.stdout.SetReadDeadline(time.Now().Add(PipeGrace))
	_, err := io.Copy(io.Discard, io.LimitReader(p.out, p.maxBytes))
	stdoutHeld := err != nil && errors.Is(err, os.ErrDeadlineExceeded)
	stderrHeld := !waitFor(p.errDone, PipeGrace)
	if stdoutHeld || stderrHeld {
		killed = killHolders(p.stdout, p.stderr.file)
	}
	_ = p.stdout.Close()
	_ = p.stderr.file.Close() // ends the reader, if the pipe did not
	<-p.errDone
	held = len(killed)
	if (stdoutHeld || stderrHeld) && held == 0 {
		held = 1 // found none to kill, but one held them
	}
	return held, killed
}

// waitFor waits at most d for ch to close.
func waitFor(ch <-chan struct{}, d time.Duration) bool {
	if d <= 0 {
		select {
		case <-ch:
			return true
		default:
			return false
		}
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ch:
		return true
	case <-t.C:
		return false
	}
}

// killHolders kills the processes that hold a pipe of files open (its
// other end), found in /proc (none where there is no /proc), and returns
// their pids.
func killHolders(files ...*os.File) (killed []int) {
	var inodes []string
	for _, f := range files {
		// Not f.Fd(), which would make the file blocking.
		rc, err := f.SyscallConn()
		if err != nil {
			continue
		}
		var st syscall.Stat_t
		var statErr error
		if rc.Control(func(fd uintptr) { statErr = syscall.Fstat(int(fd), &st) }) == nil && statErr == nil {
			inodes = append(inodes, "pipe:["+strconv.FormatUint(uint64(st.Ino), 10)+"]")
		}
	}
	procs, err := os.ReadDir("/proc")
	if err != nil || len(inodes) == 0 {
		return nil
	}
	self := os.Getpid()
	for _, d := range procs {
		pid, err := strconv.Atoi(d.Name())
		if err != nil || pid == self {
			continue
		}
		fds, err := os.ReadDir("/proc/" + d.Name() + "/fd")
		if err != nil {
			continue
		}
		for _, fd := range fds {
			link, err := os.Readlink("/proc/" + d.Name() + "/fd/" + fd.Name())
			if err == nil && containsString(inodes, link) {
				if syscall.Kill(pid, syscall.SIGKILL) == nil {
					killed = append(killed, pid)
				}
				break
			}
		}
	}
	return killed
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// firstByte reads a pipe and notes when its first byte came.
type firstByte struct {
	r  io.Reader
	at time.Time
}

func (f *firstByte) Read(b []byte) (int, error) {
	n, err := f.r.Read(b)
	if n > 0 && f.at.IsZero() {
		f.at = time.Now()
	}
	return n, err
}

// after is the time from start to the first byte, 0 if none came.
func (f *firstByte) after(start time.Time) time.Duration {
	if f.at.IsZero() {
		return 0
	}
	return max(f.at.Sub(start), time.Nanosecond)
}

// stderrRing keeps the last StderrKeepBytes of stderr and counts the rest.
type stderrRing struct {
	file  *os.File // the pipe's read end
	buf   []byte   // at most 2*StderrKeepBytes; the last StderrKeepBytes count
	total int64
}

// read reads the pipe until it ends or is closed.
func (s *stderrRing) read() {
	var chunk [4096]byte
	for {
		n, err := s.file.Read(chunk[:])
		s.total += int64(n)
		s.buf = append(s.buf, chunk[:n]...)
		if len(s.buf) > 2*StderrKeepBytes {
			s.buf = append(s.buf[:0], s.buf[len(s.buf)-StderrKeepBytes:]...)
		}
		if err != nil {
			return
		}
	}
}

// tail returns the last n lines kept, sanitized; call it once the reader
// ended.
func (s *stderrRing) tail(n int) []string {
	if n <= 0 {
		return nil
	}
	b := s.buf
	if len(b) > StderrKeepBytes {
		b = b[len(b)-StderrKeepBytes:]
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	out := make([]string, 0, len(lines))
	for _, l := range lines {
		if l = Sanitize(l, stderrLineRunes); l != "" {
			out = append(out, l)
		}
	}
	return out
}
