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
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/mcp-exporter/mcp_exporter/internal/testsupport"
	"github.com/mcp-exporter/mcp_exporter/internal/testsupport/fakemcp"
)

// TestStdioLeaks: 1,000 stdio probes, eight at a time, leave the
// exporter's goroutines, open files and child processes as they were, and
// none of the servers' processes running.
func TestStdioLeaks(t *testing.T) {
	fake := testsupport.BuildCommand(t, testsupport.FakeStdioPackage)
	// One probe in ten is of a server that forks a child holding its
	// pipes, which its process group's end must take along.
	ok, forks := stdioModule(fake, fakemcp.StdioOK), stdioModule(fake, fakemcp.StdioForkChild)
	p := New()
	var n atomic.Int64
	var firstFailure atomic.Pointer[Result]
	probe := func() bool {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		m := ok
		if n.Add(1)%10 == 0 {
			m = forks
		}
		res := p.Probe(ctx, &Request{ModuleName: "leak", Module: m, Logger: slog.New(slog.DiscardHandler)})
		if !res.Success {
			// Say how the first failure went: a rare one under load is
			// otherwise only a count.
			firstFailure.CompareAndSwap(nil, res)
		}
		return res.Success
	}
	if !probe() { // the first probe starts what lives on (the runtime's, the prober's)
		t.Fatal("first probe failed")
	}
	// As a container's PID 1 is, the test is the subreaper of what the
	// servers fork: their orphans become its children, which the
	// transport must reap.
	setSubreaper(t)
	// Without the collector, no finalizer closes a file the transport
	// forgot: the count of open files sees it.
	defer debug.SetGCPercent(debug.SetGCPercent(-1))
	goroutines, fds, children := runtime.NumGoroutine(), openFDs(t), childProcesses(t)
	const probes, workers = 1000, 8
	start := time.Now()
	var failed atomic.Int64
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < probes/workers; i++ {
				if !probe() {
					failed.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	if n := failed.Load(); n > 0 {
		t.Errorf("%d of %d probes failed; the first: %s", n, probes, describe(firstFailure.Load()))
	}
	// Goroutines that are ending may need a moment.
	var g, f int
	var c []int
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		g, f, c = runtime.NumGoroutine(), openFDs(t), childProcesses(t)
		if (g <= goroutines && f <= fds && len(c) <= len(children)) || time.Now().After(deadline) {
			break
		}
	}
	t.Logf("%d probes in %s (%s each, %d at a time); goroutines %d -> %d, open fds %d -> %d, child processes %d -> %d",
		probes, elapsed.Round(time.Millisecond), (elapsed / probes).Round(time.Microsecond), workers, goroutines, g, fds, f, len(children), len(c))
	if g > goroutines {
		t.Errorf("goroutines: %d before, %d after", goroutines, g)
	}
	if f > fds {
		t.Errorf("open fds: %d before, %d after", fds, f)
	}
	for _, pid := range c {
		if !slices.Contains(children, pid) {
			t.Errorf("child process %d (a zombie?) left", pid)
		}
	}
	if left := processesRunning(t, fake); len(left) > 0 {
		t.Errorf("processes left: %v", left)
	}
}

// openFDs counts the test process's open file descriptors.
func openFDs(t *testing.T) int {
	t.Helper()
	fds, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal(err)
		}
		t.Skip("no /proc/self/fd:", err)
	}
	return len(fds)
}

// childProcesses lists the pids whose parent is the test process, zombies
// included.
func childProcesses(t *testing.T) []int {
	t.Helper()
	dirs, err := os.ReadDir("/proc")
	if err != nil {
		t.Fatal(err)
	}
	self := os.Getpid()
	var pids []int
	for _, d := range dirs {
		pid, err := strconv.Atoi(d.Name())
		if err != nil {
			continue
		}
		stat, err := os.ReadFile(filepath.Join("/proc", d.Name(), "stat"))
		if err != nil {
			continue
		}
		// pid (comm) state ppid …; comm may hold spaces and parentheses.
		rest := string(stat[strings.LastIndexByte(string(stat), ')')+1:])
		if fields := strings.Fields(rest); len(fields) > 1 {
			if ppid, _ := strconv.Atoi(fields[1]); ppid == self {
				pids = append(pids, pid)
			}
		}
	}
	return pids
}

// setSubreaper makes the test process the subreaper of its descendants
// until the test ends (PR_SET_CHILD_SUBREAPER).
func setSubreaper(t *testing.T) {
	t.Helper()
	const prSetChildSubreaper = 36
	if _, _, errno := syscall.RawSyscall(syscall.SYS_PRCTL, prSetChildSubreaper, 1, 0); errno != 0 {
		t.Fatalf("prctl(PR_SET_CHILD_SUBREAPER): %v", errno)
	}
	t.Cleanup(func() { _, _, _ = syscall.RawSyscall(syscall.SYS_PRCTL, prSetChildSubreaper, 0, 0) })
}
