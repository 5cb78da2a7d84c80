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
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

// sh is a Command running script with sh, in the exporter's PATH.
func sh(script string, stderrLines int) *Command {
	return &Command{Argv: []string{"sh", "-c", script}, Env: []string{"PATH=" + os.Getenv("PATH")}, StderrLines: stderrLines}
}

// TestEnd: a process is ended by the first step it heeds (its stdin
// closing, SIGTERM, SIGKILL), and only one that needed SIGKILL within the
// full graces fails the end; its stderr's last lines are kept.
func TestEnd(t *testing.T) {
	for _, tc := range []struct {
		name   string
		script string
		ended  string
		code   int
		err    error
	}{
		{"exits on stdin's end", "cat >/dev/null; exit 3", "stdin closed", 3, nil},
		{"exited before", "exit 0", "exited", 0, nil},
		{"exits on SIGTERM", "trap 'exit 0' TERM; while :; do sleep 0.05; done", "SIGTERM", 0, nil},
		{"ignores SIGTERM", "trap '' TERM; while :; do sleep 0.05; done", "SIGKILL", -1, ErrTermIgnored},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p, err := Start(sh(tc.script, 0), 1<<20)
			if err != nil {
				t.Fatal(err)
			}
			if tc.ended == "exited" {
				if _, ok := p.Exited(5 * time.Second); !ok {
					t.Fatal("did not exit")
				}
			} else {
				time.Sleep(100 * time.Millisecond) // the trap set
			}
			err = p.End(time.Now().Add(10 * time.Second))
			if !errors.Is(err, tc.err) || (tc.err == nil && err != nil) {
				t.Errorf("End: %v, want %v", err, tc.err)
			}
			if again := p.End(time.Time{}); again != err {
				t.Errorf("second End: %v, want the first's %v", again, err)
			}
			info := p.Info()
			if !info.Started || info.Ended != tc.ended || info.ExitCode != tc.code {
				t.Errorf("info %+v, want ended %q, exit code %d", info, tc.ended, tc.code)
			}
		})
	}
}

// TestEndDeadline: a passed deadline cuts the graces short: the process
// is killed at once, and that does not fail the end.
func TestEndDeadline(t *testing.T) {
	p, err := Start(sh("trap '' TERM; while :; do sleep 0.05; done", 0), 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if err := p.End(time.Now().Add(-time.Second)); err != nil {
		t.Errorf("End: %v", err)
	}
	if took := time.Since(start); took > ExitGrace {
		t.Errorf("End took %s past the deadline", took)
	}
	if info := p.Info(); info.Ended != "SIGKILL" {
		t.Errorf("ended %q", info.Ended)
	}
}

// TestStderr: stderr is counted, and its last lines kept as asked.
func TestStderr(t *testing.T) {
	p, err := Start(sh("echo one >&2; echo two >&2; echo three >&2", 2), 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := p.Exited(5 * time.Second); !ok {
		t.Fatal("did not exit")
	}
	_ = p.End(time.Time{})
	info := p.Info()
	if info.StderrBytes != int64(len("one\ntwo\nthree\n")) || !slices.Equal(info.StderrTail, []string{"two", "three"}) {
		t.Errorf("stderr %d bytes, tail %q", info.StderrBytes, info.StderrTail)
	}
}

// TestFirstByte: the time to the first byte on stdout is noted as stdout
// is read.
func TestFirstByte(t *testing.T) {
	p, err := Start(sh("sleep 0.1; echo hello; cat >/dev/null", 0), 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	defer p.End(time.Time{})
	if p.Info().FirstByte != 0 {
		t.Error("a first byte before any was read")
	}
	p.SetDeadline(time.Now().Add(5 * time.Second))
	b := make([]byte, 6)
	if _, err := p.Stdout().Read(b); err != nil {
		t.Fatal(err)
	}
	if fb := p.Info().FirstByte; fb < 100*time.Millisecond || fb > 5*time.Second {
		t.Errorf("first byte after %s", fb)
	}
}

// TestLookCommand: a name is looked up in the PATH of the command's own
// environment, skipping relative entries; a path is taken relative to
// dir, and must be an executable file.
func TestLookCommand(t *testing.T) {
	bin, dir := t.TempDir(), t.TempDir()
	for _, f := range []struct {
		path string
		mode os.FileMode
	}{{filepath.Join(bin, "server"), 0o755}, {filepath.Join(bin, "data"), 0o644}, {filepath.Join(dir, "local"), 0o755}} {
		if err := os.WriteFile(f.path, []byte("#!/bin/sh\n"), f.mode); err != nil {
			t.Fatal(err)
		}
	}
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	relBin, err := filepath.Rel(wd, bin) // names bin, but would depend on the directory
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, path, dir string
		want            string // "" fails
	}{
		{"server", relBin + ":" + bin, "", filepath.Join(bin, "server")},
		{"server", relBin, "", ""},
		{"server", "", "", ""},
		{"data", bin, "", ""},
		{"./local", "", dir, "./local"},
		{"./local", "", "", ""},
		{bin, "", "", ""},
	} {
		got, err := lookCommand(tc.name, []string{"PATH=" + tc.path}, tc.dir)
		if got != tc.want || (tc.want == "") != (err != nil) {
			t.Errorf("%s in PATH %q, dir %q: %q, %v; want %q", tc.name, tc.path, tc.dir, got, err, tc.want)
		}
	}
}
