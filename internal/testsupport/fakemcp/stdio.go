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

package fakemcp

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"

	"os"
	"os/exec"
	"os/signal"
	"strings"
	"syscall"
	"time"
)

// Modes of ServeStdio: the well-behaved server and each misbehaviour of a
// stdio server the prober must survive.
const (
	// StdioOK answers like the default Server (server/discover with
	// method not found, initialize, tools/list) and exits at the end of
	// stdin.
	StdioOK = "ok"
	// StdioExit writes a line to stderr and exits with status 3 at once.
	StdioExit = "exit"
	// StdioExitAfterInit answers initialize, then exits with status 4 on
	// the next request, unanswered: the handshake passes, the request after
	// it (tools/list) finds the process gone, whatever the timing.
	StdioExitAfterInit = "exit-after-init"
	// StdioNotJSON writes a log line on stdout before answering.
	StdioNotJSON = "not-json"
	// StdioFlood answers the first request with a line that never ends.
	StdioFlood = "flood"
	// StdioSilent reads stdin and never writes.
	StdioSilent = "silent"
	// StdioIgnoreTerm answers, then neither exits at the end of stdin nor
	// on SIGTERM.
	StdioIgnoreTerm = "ignore-term"
	// StdioTermOnly answers, does not exit at the end of stdin, but exits
	// on SIGTERM.
	StdioTermOnly = "term-only"
	// StdioForkChild answers after forking a child (in its process group)
	// that holds stdout and stderr and sleeps.
	StdioForkChild = "fork-child"
	// StdioEscape answers after forking a child that leaves the process
	// group (setsid), holds stdout and stderr and sleeps.
	StdioEscape = "escape"
	// StdioStderr writes StdioStderrBytes of numbered lines to stderr,
	// then "last line: $FAKE_SECRET", then answers.
	StdioStderr = "stderr"
	// StdioPing sends a ping request of its own before answering
	// initialize, and answers only once the ping is answered.
	StdioPing = "ping"

	// StdioStrictInit exits with status 6 when its first request is not
	// initialize, as stateful servers may.
	StdioStrictInit = "strict-init"
	// StdioStatelessOnly speaks only 2026-07-28: it refuses initialize
	// with the unsupported-version error and answers server/discover.
	StdioStatelessOnly = "stateless-only"

	// stdioSleep is the forked children's mode: sleep for a minute.
	stdioSleep = "sleep"
)

// StdioStderrBytes is about how much StdioStderr writes to stderr.
const StdioStderrBytes = 1 << 20

// ServeStdio serves mode over stdin and stdout, as a stdio server (the
// process of cmd/fakemcp-stdio), and returns its exit status.
func ServeStdio(mode string) int {
	// A server's stdin, stdout and stderr are blocking, as a shell gives
	// them: many runtimes (Python's) fail on a non-blocking one.
	for fd := 0; fd <= 2; fd++ {
		flags, _, errno := syscall.Syscall(syscall.SYS_FCNTL, uintptr(fd), syscall.F_GETFL, 0)
		if errno != 0 || flags&syscall.O_NONBLOCK != 0 {
			fmt.Fprintf(os.Stderr, "fake: fd %d is non-blocking (%v)\n", fd, errno)
			return 7
		}
	}
	s := New()
	out := bufio.NewWriter(os.Stdout)
	switch mode {
	case StdioExit:
		fmt.Fprintln(os.Stderr, "fake: exiting at once")
		return 3
	case stdioSleep:
		time.Sleep(time.Minute)
		return 0
	case StdioNotJSON:
		fmt.Fprintln(out, "fake MCP server running on stdio")
		_ = out.Flush()
	case StdioIgnoreTerm:
		signal.Ignore(syscall.SIGTERM)
	case StdioForkChild, StdioEscape:
		if err := forkSleeper(mode == StdioEscape); err != nil {
			fmt.Fprintln(os.Stderr, "fake:", err)
			return 1
		}
	case StdioStderr:
		line := strings.Repeat("x", 100)
		for i := 0; i < StdioStderrBytes/110; i++ {
			fmt.Fprintf(os.Stderr, "%08d %s\n", i, line)
		}
		fmt.Fprintf(os.Stderr, "last line: %s\n", os.Getenv("FAKE_SECRET"))
	}
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 64<<10), 16<<20)
	pinged, first := false, true
	s.Stateless = mode == StdioStatelessOnly
	for in.Scan() {
		var m Msg
		if json.Unmarshal(in.Bytes(), &m) != nil {
			continue
		}
		if len(m.ID) == 0 || m.Method == "" {
			continue // a notification, or the answer to our ping
		}
		if mode == StdioStrictInit && first && m.Method != "initialize" {
			fmt.Fprintln(os.Stderr, "fake: a request before initialize")
			return 6
		}
		first = false
		if mode == StdioExitAfterInit && m.Method != "initialize" {
			return 4
		}
		switch mode {
		case StdioSilent:
			continue
		case StdioStatelessOnly:
			if m.Method == "initialize" {
				fmt.Fprintln(out, Error(m.ID, -32022, `{"supported":["2026-07-28"]}`))
				_ = out.Flush()
				continue
			}
		case StdioFlood:
			chunk := bytes.Repeat([]byte("x"), 64<<10)
			_, _ = out.WriteString(`{"jsonrpc":"2.0","id":` + string(m.ID) + `,"result":{"x":"`)
			for {
				if _, err := out.Write(chunk); err != nil {
					return 1
				}
			}
		case StdioPing:
			if m.Method == "initialize" && !pinged {
				pinged = true
				fmt.Fprintln(out, `{"jsonrpc":"2.0","id":"fake-ping","method":"ping"}`)
				fmt.Fprintln(out, `{"jsonrpc":"2.0","method":"notifications/message","params":{"level":"info","data":"hello"}}`)
				_ = out.Flush()
				if !in.Scan() || !strings.Contains(in.Text(), `"fake-ping"`) || !strings.Contains(in.Text(), `"result"`) {
					return 5
				}
			}
		}
		s.writeAnswer(out, m)
		_ = out.WriteByte('\n')
		_ = out.Flush()
	}
	switch mode {
	case StdioIgnoreTerm, StdioTermOnly:
		time.Sleep(time.Minute)
	}
	return 0
}

// forkSleeper starts this program again in the sleep mode, holding
// stdout and stderr, in a session of its own when escape is set.
func forkSleeper(escape bool) error {
	self, err := os.Executable()
	if err != nil {
		return err
	}
	cmd := exec.Command(self, stdioSleep)
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: escape}
	return cmd.Start() // not waited for: it outlives this process
}
