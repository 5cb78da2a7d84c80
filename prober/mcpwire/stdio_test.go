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
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/mcp-exporter/mcp_exporter/internal/failure"
	"github.com/mcp-exporter/mcp_exporter/internal/process"
	"github.com/mcp-exporter/mcp_exporter/internal/protocol"
	"github.com/mcp-exporter/mcp_exporter/internal/testsupport"
	"github.com/mcp-exporter/mcp_exporter/internal/testsupport/fakemcp"
)

func TestMain(m *testing.M) { os.Exit(testsupport.RunTests(m)) }

// stdioClient is a wire client for the command argv, with the exporter's
// PATH.
func stdioClient(argv ...string) *Client {
	return &Client{
		Info:    Implementation{Name: "test", Version: "0"},
		Command: &process.Command{Argv: argv, Env: []string{"PATH=" + os.Getenv("PATH"), "FAKE_SECRET=s3cret"}, StderrLines: 3},
	}
}

func stdioOptions() HandshakeOptions {
	return HandshakeOptions{Transport: protocol.TransportStdio, Accept: protocol.KnownVersions}
}

// TestStdioSDKServer runs a whole conversation with a real go-sdk server
// over its stdio transport, and ends it as the specification says: its
// stdin closed, it exits.
func TestStdioSDKServer(t *testing.T) {
	bin := testsupport.BuildCommand(t, testsupport.SDKStdioPackage)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c := stdioClient(bin)
	hs, err := c.Handshake(ctx, new(stdioOptions()))
	if err != nil {
		t.Fatalf("Handshake: %v", err)
	}
	if hs.Transport != protocol.TransportStdio || hs.Server.Name != "sdk-test-server" || !hs.Tools {
		t.Fatalf("handshake %+v", hs)
	}
	tools, err := c.ListTools(ctx, 10, 10)
	if err != nil || len(tools) != 1 {
		t.Fatalf("ListTools: %d tools, %v", len(tools), err)
	}
	if done, err := c.CloseSession(ctx); !done || err != nil {
		t.Fatalf("CloseSession: %v, %v", done, err)
	}
	c.Close()
	info, ok := c.Process()
	if !ok || !info.Started || info.Ended != "stdin closed" || info.ExitCode != 0 || info.FirstByte <= 0 {
		t.Errorf("process %+v", info)
	}
}

// TestStdioMisbehaviour: every misbehaviour of a stdio server is a
// failure with its reason, and the process is gone afterwards.
func TestStdioMisbehaviour(t *testing.T) {
	bin := testsupport.BuildCommand(t, testsupport.FakeStdioPackage)
	for _, tc := range []struct {
		mode       string
		handshake  failure.Reason // "" passes
		end        failure.Reason // CloseSession's
		ended      string
		maxMessage int64
	}{
		{mode: fakemcp.StdioOK, ended: "stdin closed"},
		{mode: fakemcp.StdioPing, ended: "stdin closed"},
		{mode: fakemcp.StdioExit, handshake: failure.ReasonProcessExited, ended: "exited"},
		{mode: fakemcp.StdioNotJSON, handshake: failure.ReasonMalformedJSONRPC, ended: "stdin closed"},
		{mode: fakemcp.StdioFlood, handshake: failure.ReasonResponseTooLarge, maxMessage: 1 << 20, ended: "SIGTERM"},
		{mode: fakemcp.StdioIgnoreTerm, end: failure.ReasonSIGTERMIgnored, ended: "SIGKILL"},
		{mode: fakemcp.StdioTermOnly, ended: "SIGTERM"},
		{mode: fakemcp.StdioForkChild, ended: "stdin closed"},
		{mode: fakemcp.StdioEscape, end: failure.ReasonPipesHeld, ended: "stdin closed"},
		{mode: fakemcp.StdioStderr, ended: "stdin closed"},
	} {
		t.Run(tc.mode, func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			c := stdioClient(bin, tc.mode)
			c.MaxMessageBytes = tc.maxMessage
			_, err := c.Handshake(ctx, new(stdioOptions()))
			if got := failure.ReasonOf(err); got != tc.handshake {
				t.Fatalf("handshake: reason %q (%v), want %q", got, err, tc.handshake)
			}
			_, endErr := c.CloseSession(ctx)
			c.Close()
			if got := failure.ReasonOf(endErr); got != tc.end {
				t.Errorf("end: reason %q (%v), want %q", got, endErr, tc.end)
			}
			info, _ := c.Process()
			if info.Ended != tc.ended {
				t.Errorf("ended %q, want %q", info.Ended, tc.ended)
			}
			if tc.mode == fakemcp.StdioStderr {
				if info.StderrBytes < fakemcp.StdioStderrBytes*9/10 || len(info.StderrTail) != 3 || !strings.Contains(info.StderrTail[2], "last line") {
					t.Errorf("stderr: %d bytes, tail %q", info.StderrBytes, info.StderrTail)
				}
			}
		})
	}
}

// TestStdioImplements pins the stdio transport's optional interfaces: it
// ends the session itself (the process), reports a process, and has no
// HTTP facts.
func TestStdioImplements(t *testing.T) {
	var tr Transport = &stdio{}
	if _, ok := tr.(HTTPTransport); ok {
		t.Error("stdio implements HTTPTransport")
	}
	if _, ok := tr.(SessionCloser); !ok {
		t.Error("stdio does not implement SessionCloser")
	}
	if _, ok := tr.(ProcessTransport); !ok {
		t.Error("stdio does not implement ProcessTransport")
	}
	if kind, ok := transports[tr.Name()]; !ok || kind.statefulOnly {
		t.Errorf("stdio registered %v, stateful only %v", ok, kind.statefulOnly)
	}
}

// TestStdioSpawnFailure: a command that is not there fails with spawn,
// and the transport is still named.
func TestStdioSpawnFailure(t *testing.T) {
	for _, argv := range [][]string{{"no-such-command-mcp-exporter"}, {"/nonexistent/server"}, {t.TempDir()}, {}} {
		c := stdioClient(argv...)
		_, err := c.Handshake(context.Background(), new(stdioOptions()))
		if got := failure.ReasonOf(err); got != failure.ReasonSpawn {
			t.Errorf("%q: reason %q (%v), want spawn", argv, got, err)
		}
		if c.Transport() != protocol.TransportStdio {
			t.Errorf("%q: transport %q", argv, c.Transport())
		}
		c.Close()
		if info, _ := c.Process(); info.Started {
			t.Errorf("%q: started", argv)
		}
	}
}

// TestStdioEras: over stdio, era detection sends initialize first (a
// stateful server may exit on a request before it) and server/discover
// only when initialize is refused as a 2026-07-28 server refuses it; a
// pinned 2026-07-28 sends server/discover alone.
func TestStdioEras(t *testing.T) {
	fake := testsupport.BuildCommand(t, testsupport.FakeStdioPackage)
	sdk := testsupport.BuildCommand(t, testsupport.SDKStdioPackage)
	for _, tc := range []struct {
		name    string
		argv    []string
		pinned  string
		era     Era
		version string
	}{
		{"strict stateful server", []string{fake, fakemcp.StdioStrictInit}, "", EraStateful, protocol.Version20251125},
		{"2026-07-28 only", []string{fake, fakemcp.StdioStatelessOnly}, "", EraStateless, protocol.Version20260728},
		{"go-sdk, auto", []string{sdk}, "", EraStateful, protocol.Version20251125},
		{"go-sdk, pinned 2026-07-28", []string{sdk}, protocol.Version20260728, EraStateless, protocol.Version20260728},
		{"go-sdk, pinned 2024-11-05", []string{sdk}, protocol.Version20241105, EraStateful, protocol.Version20241105},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			c := stdioClient(tc.argv...)
			o := stdioOptions()
			o.Pinned = tc.pinned
			hs, err := c.Handshake(ctx, new(o))
			if err != nil {
				t.Fatalf("Handshake: %v", err)
			}
			if hs.Era != tc.era || hs.Version != tc.version {
				t.Errorf("era %v, version %s; want %v, %s", hs.Era, hs.Version, tc.era, tc.version)
			}
			if _, err := c.ListTools(ctx, 10, 10); err != nil {
				t.Errorf("ListTools: %v", err)
			}
			if _, err := c.CloseSession(ctx); err != nil {
				t.Errorf("end: %v", err)
			}
			c.Close()
		})
	}
}
