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

package process

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Start starts the command in a process group of its own, so that what it
// forks ends with it. Its pipes are the exporter's own (os.Pipe,
// pollable): stdout is read by the caller, stderr by one goroutine that
// ends when the pipe is closed, and the process is reaped by one goroutine
// that ends when it exits, which End makes sure of. stdoutLimit bounds
// what End reads of stdout while it waits for the pipe's end.
func Start(c *Command, stdoutLimit int64) (*Process, error) {
	path, err := lookCommand(c.Argv[0], c.Env, c.Dir)
	if err != nil {
		return nil, err
	}
	// os.Pipe's ends are close-on-exec: no other child inherits them.
	inR, inW, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	outR, outW, err := os.Pipe()
	if err != nil {
		closeAll(inR, inW)
		return nil, err
	}
	errR, errW, err := os.Pipe()
	if err != nil {
		closeAll(inR, inW, outR, outW)
		return nil, err
	}
	p := &Process{
		cmd: &exec.Cmd{
			Path: path, Args: c.Argv, Env: c.Env, Dir: c.Dir,
			Stdin: inR, Stdout: outW, Stderr: errW,
			SysProcAttr: &syscall.SysProcAttr{Setpgid: true},
		},
		drain:   stdoutLimit,
		lines:   min(max(c.StderrLines, 0), MaxStderrLines),
		exited:  make(chan struct{}),
		errDone: make(chan struct{}),
	}
	p.started = time.Now()
	err = p.cmd.Start()
	// The child has its ends (or failed to start): the exporter keeps its own.
	closeAll(inR, outW, errW)
	if err != nil {
		closeAll(inW, outR, errR)
		return nil, fmt.Errorf("starting the command: %w", err)
	}
	p.info.Started = true
	p.stdin, p.stdout = inW, outR
	p.first.r = outR
	p.stderr = &stderrRing{file: errR}
	go func() {
		// Ends when the process exits: End makes sure it does. Stdin,
		// stdout and stderr are files, so Wait copies nothing.
		p.waitErr = p.cmd.Wait()
		close(p.exited)
	}()
	go func() {
		// Ends at the end of stderr, or when End closes it.
		p.stderr.read()
		close(p.errDone)
	}()
	return p, nil
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

// End ends the process, as the MCP specification's shutdown says, within
// deadline (the zero time: the full graces): stdin closed, ExitGrace,
// SIGTERM to its group, TermGrace, SIGKILL to its group; then the group is
// killed whatever the leader did, the pipes are closed and what was handed
// to the exporter is reaped. Once it returns, nothing of the process runs
// and no goroutine of it is left. It reports why the end failed the probe
// (ErrTermIgnored, ErrPipesHeld), nil when the process ended as asked; a
// second call reports the first's.
func (p *Process) End(deadline time.Time) error {
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
				p.endErr = &endError{ErrTermIgnored, fmt.Sprintf("the process did not exit within %s of its stdin closing nor %s of SIGTERM; it was killed", ExitGrace, TermGrace)}
			}
		}
	}
	// What the server forked is in its group: it ends with it. (The group
	// lives on while a member does, so its id is not reused meanwhile.)
	_ = syscall.Kill(-pgid, syscall.SIGKILL)
	p.info.ExitCode, _ = exitStatus(p.waitErr)
	held, killed := p.closePipes()
	if held > 0 && p.endErr == nil {
		p.endErr = &endError{ErrPipesHeld, fmt.Sprintf("%d process(es) outside the server's process group held its stdout or stderr after it ended; they were killed", held)}
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
func (p *Process) closePipes() (held int, killed []int) {
	_ = p.stdout.SetReadDeadline(time.Now().Add(PipeGrace))
	_, err := io.Copy(io.Discard, io.LimitReader(&p.first, p.drain))
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
			if err == nil && slices.Contains(inodes, link) {
				if syscall.Kill(pid, syscall.SIGKILL) == nil {
					killed = append(killed, pid)
				}
				break
			}
		}
	}
	return killed
}
