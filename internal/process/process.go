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

// Package process runs an MCP server's process for one probe and ends it:
// the command, looked up in the PATH of its own environment, started in a
// process group of its own with the exporter's own pipes (pollable
// os.Pipes, so that reads and writes carry the probe's deadline and
// nothing waits on a process holding the other end); its end, stdin
// closed, then SIGTERM, then SIGKILL to the group, within the probe's
// deadline; the pipes' holders outside the group found (/proc) and
// killed, and the orphans handed to the exporter reaped. What it sees of
// the process (its first byte on stdout, how it ended, its stderr) is its
// Info. It knows nothing of MCP: the stdio transport of the wire client
// (prober/mcpwire/stdio.go) speaks over the pipes and classifies failures.
// Processes are run on Unix only; elsewhere Start refuses.
package process

import (
	"errors"
	"io"
	"os"
	"os/exec"
	"strings"
	"time"
)

// Bounds of a server's process.
const (
	// ExitGrace is how long the process has to exit once its stdin is
	// closed (the specification's shutdown), and TermGrace how long it has
	// after SIGTERM to its process group; then the group is sent SIGKILL.
	// Both are cut short by the probe's deadline.
	ExitGrace = time.Second
	TermGrace = time.Second
	// PipeGrace is how long the end waits for stdout and stderr to end
	// once the process group is gone: longer, a process outside the group
	// (one that called setsid) holds them.
	PipeGrace = 200 * time.Millisecond
	// StderrKeepBytes is how much of the end of stderr is kept in memory;
	// the rest is counted and dropped.
	StderrKeepBytes = 64 << 10
	// MaxStderrLines bounds Command.StderrLines.
	MaxStderrLines = 100
)

// Why an end failed the probe, for errors.Is; End's errors say more.
var (
	// ErrTermIgnored: the process exited neither on its stdin closing nor
	// on SIGTERM, within their graces; it was killed.
	ErrTermIgnored = errors.New("the process ignored SIGTERM")
	// ErrPipesHeld: processes outside the server's group held its stdout
	// or stderr after it ended; they were killed.
	ErrPipesHeld = errors.New("the process's pipes were held")
)

// endError is an error of End: its own text, and the sentinel it is.
type endError struct {
	is   error
	text string
}

func (e *endError) Error() string { return e.text }
func (e *endError) Unwrap() error { return e.is }

// Command is a server's command, from the module's configuration.
type Command struct {
	// Argv is the command and its arguments; Argv[0] without a slash is
	// looked up in the PATH of Env.
	Argv []string
	// Env is the process's whole environment.
	Env []string
	// Dir is its working directory; "" is the exporter's.
	Dir string
	// StderrLines is how many of the last lines of stderr Info keeps (at
	// most MaxStderrLines); 0 keeps only its size.
	StderrLines int
}

// Info is what was seen of a process.
type Info struct {
	// Started: the process was started.
	Started bool
	// FirstByte is the time from starting the process to the first byte
	// on its stdout; 0 when none came.
	FirstByte time.Duration
	// Ended says how the process ended: "exited" (by itself, before it was
	// asked to), "stdin closed", "SIGTERM" or "SIGKILL"; "" while it runs.
	Ended string
	// ExitCode is the process's exit status, -1 when a signal ended it.
	ExitCode int
	// StderrBytes counts what it wrote to stderr, once it ended;
	// StderrTail holds its last lines (Command.StderrLines) as it wrote
	// them: whoever shows them makes them fit to show.
	StderrBytes int64
	StderrTail  []string
}

// Process is one server's process, started by Start. Its stdout is read
// and its stdin written by one goroutine at a time (the probe's), which
// also ends it (End).
type Process struct {
	cmd     *exec.Cmd
	stdin   *os.File
	stdout  *os.File
	first   firstByte // stdout, noting its first byte
	drain   int64     // at most this much of stdout is read at the end
	stderr  *stderrRing
	errDone chan struct{} // closed when the stderr reader ended
	exited  chan struct{} // closed once the process is reaped
	waitErr error
	lines   int // stderr lines kept for Info
	started time.Time
	info    Info
	ended   bool
	endErr  error
}

// Stdin is the process's stdin.
func (p *Process) Stdin() io.Writer { return p.stdin }

// Stdout is the process's stdout; reading it notes the first byte's time.
func (p *Process) Stdout() io.Reader { return &p.first }

// SetDeadline sets the deadline of reads of stdout and writes to stdin.
func (p *Process) SetDeadline(t time.Time) {
	_ = p.stdout.SetReadDeadline(t)
	_ = p.stdin.SetWriteDeadline(t)
}

// Ended reports whether End was called.
func (p *Process) Ended() bool { return p.ended }

// Exited waits at most d for the process to exit, and says how it did if
// it did: "exited with status 1", or "was killed by " and the signal.
func (p *Process) Exited(d time.Duration) (how string, ok bool) {
	if !waitFor(p.exited, d) {
		return "", false
	}
	return exitString(p.waitErr), true
}

// Info returns what was seen of the process so far; its stderr once it
// ended.
func (p *Process) Info() Info {
	info := p.info
	info.FirstByte = p.first.after(p.started)
	if p.ended {
		info.StderrBytes = p.stderr.total
		info.StderrTail = p.stderr.tail(p.lines)
	}
	return info
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

// tail returns the last n lines kept; call it once the reader ended.
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
	return lines
}
