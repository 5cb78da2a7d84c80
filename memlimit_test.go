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

package main

import (
	"bytes"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/KimMachineGun/automemlimit/memlimit"
)

// TestAutoMemLimitFlags: the flags parse, and a ratio outside (0, 1] is a
// usage error that names the flag and points to --help.
func TestAutoMemLimitFlags(t *testing.T) {
	cfg := filepath.Join(t.TempDir(), "mcp.yml")
	writeConfig(t, cfg, "modules:\n  default: {}\n")
	for _, c := range []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"--no-auto-gomemlimit"}, 0, ""},
		{[]string{"--auto-gomemlimit", "--auto-gomemlimit.ratio=0.5"}, 0, ""},
		{[]string{"--auto-gomemlimit.ratio=1"}, 0, ""},
		{[]string{"--auto-gomemlimit.ratio=0"}, 2, "--auto-gomemlimit.ratio must be greater than 0 and at most 1, got 0; see mcp_exporter --help"},
		{[]string{"--auto-gomemlimit.ratio=1.5"}, 2, "--auto-gomemlimit.ratio must be greater than 0 and at most 1, got 1.5"},
		{[]string{"--auto-gomemlimit.ratio=-0.1"}, 2, "got -0.1"},
		{[]string{"--auto-gomemlimit.ratio=NaN"}, 2, "got NaN"},
		{[]string{"--auto-gomemlimit.ratio=most"}, 2, "see mcp_exporter --help"},
	} {
		var stdout, stderr bytes.Buffer
		args := append([]string{"--config.check", "--config.file", cfg}, c.args...)
		code := runWith(args, &stdout, &stderr)
		if code != c.code || !strings.Contains(stderr.String(), c.msg) {
			t.Errorf("%v: exit %d, stderr %q; want exit %d and %q", c.args, code, stderr.String(), c.code, c.msg)
		}
	}
}

// noEnv unsets the environment variables automemlimit reads, for the
// test.
func noEnv(t *testing.T, names ...string) {
	for _, n := range names {
		t.Setenv(n, "")
		os.Unsetenv(n)
	}
}

// keepMemoryLimit restores the runtime's memory limit after the test and
// starts it from start.
func keepMemoryLimit(t *testing.T, start int64) {
	old := debug.SetMemoryLimit(start)
	t.Cleanup(func() { debug.SetMemoryLimit(old) })
}

// TestSetMemoryLimit runs the start-up wiring on providers that return a
// fixed limit (a container's cgroup, the machine's memory), never the
// test machine's own cgroup.
func TestSetMemoryLimit(t *testing.T) {
	const gib = 1 << 30
	const before = 777 << 20
	called := func(p *bool, limit uint64, err error) memlimit.Provider {
		return func() (uint64, error) { *p = true; return limit, err }
	}
	for _, c := range []struct {
		name          string
		auto          bool
		ratio         float64
		env           map[string]string
		cgroup        uint64
		cgroupErr     error
		system        uint64
		systemErr     error
		want          int64
		wantCalled    bool
		wantLog       []string
		wantNoSysCall bool
	}{
		{name: "container limit", auto: true, ratio: 0.5, cgroup: 1 * gib, system: 64 * gib,
			want: gib / 2, wantCalled: true, wantNoSysCall: true,
			wantLog: []string{`msg="GOMEMLIMIT set from the memory limit"`, "gomemlimit=512MiB", "gomemlimit_bytes=536870912", `from=cgroup`, "ratio=0.5"}},
		{name: "default ratio", auto: true, ratio: defaultMemLimitRatio, cgroup: 1 * gib, system: 64 * gib,
			want: 966367641, wantCalled: true, wantNoSysCall: true, wantLog: []string{"gomemlimit=922MiB", "ratio=0.9"}},
		{name: "no container limit: the machine's memory", auto: true, ratio: 0.5, cgroupErr: memlimit.ErrNoLimit, system: 4 * gib,
			want: 2 * gib, wantCalled: true, wantLog: []string{`from="system memory"`, "gomemlimit=2048MiB"}},
		{name: "no limit anywhere", auto: true, ratio: 0.9, cgroupErr: memlimit.ErrNoLimit, systemErr: memlimit.ErrNoLimit,
			want: math.MaxInt64, wantCalled: true, wantLog: []string{`msg="GOMEMLIMIT not set: no memory limit found"`}},
		{name: "turned off", auto: false, ratio: 0.9, cgroup: 1 * gib,
			want: before, wantLog: []string{"--no-auto-gomemlimit", "gomemlimit=777MiB"}},
		{name: "GOMEMLIMIT wins", auto: true, ratio: 0.9, cgroup: 1 * gib, env: map[string]string{"GOMEMLIMIT": "80MiB"},
			want: before, wantLog: []string{`msg="GOMEMLIMIT environment variable in force"`, "gomemlimit=80MiB"}},
		{name: "AUTOMEMLIMIT=off", auto: true, ratio: 0.9, cgroup: 1 * gib, env: map[string]string{"AUTOMEMLIMIT": "off"},
			want: before, wantLog: []string{"AUTOMEMLIMIT=off"}},
		{name: "AUTOMEMLIMIT overrides the ratio", auto: true, ratio: 0.9, cgroup: 1 * gib, env: map[string]string{"AUTOMEMLIMIT": "0.25"},
			want: gib / 4, wantCalled: true, wantLog: []string{"gomemlimit=256MiB", "AUTOMEMLIMIT=0.25"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			noEnv(t, "GOMEMLIMIT", "AUTOMEMLIMIT")
			for k, v := range c.env {
				t.Setenv(k, v)
			}
			keepMemoryLimit(t, before)
			var cgroupCalled, systemCalled bool
			var logs bytes.Buffer
			setMemoryLimit(memLimitOptions{
				auto: c.auto, ratio: c.ratio,
				cgroup: called(&cgroupCalled, c.cgroup, c.cgroupErr),
				system: called(&systemCalled, c.system, c.systemErr),
			}, slog.New(slog.NewTextHandler(&logs, nil)))
			if got := debug.SetMemoryLimit(-1); got != c.want {
				t.Errorf("memory limit %d, want %d", got, c.want)
			}
			if cgroupCalled != c.wantCalled {
				t.Errorf("cgroup provider called: %v, want %v", cgroupCalled, c.wantCalled)
			}
			if c.wantNoSysCall && systemCalled {
				t.Error("the machine's memory was read although the cgroup gave a limit")
			}
			if n := strings.Count(logs.String(), "\n"); n != 1 {
				t.Errorf("%d log lines, want 1:\n%s", n, logs.String())
			}
			for _, w := range c.wantLog {
				if !strings.Contains(logs.String(), w) {
					t.Errorf("log does not say %q:\n%s", w, logs.String())
				}
			}
		})
	}
}
