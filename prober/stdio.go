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
	"time"

	"github.com/prometheus/common/version"

	"github.com/mcp-exporter/mcp_exporter/config"
	"github.com/mcp-exporter/mcp_exporter/internal/failure"
	"github.com/mcp-exporter/mcp_exporter/internal/process"
	"github.com/mcp-exporter/mcp_exporter/prober/mcpwire"
)

// newStdioClient is the MCP client of one probe of a stdio module: its
// command, in the module's minimal environment.
func newStdioClient(m config.Module, onExchange func(mcpwire.Exchange)) *mcpwire.Client {
	return &mcpwire.Client{
		Command: &process.Command{
			Argv:        m.Command,
			Env:         m.StdioEnv(os.LookupEnv),
			Dir:         m.Dir,
			StderrLines: m.DebugStderrLines,
		},
		MaxMessageBytes: int64(m.MaxResponseBytes),
		Info:            mcpwire.Implementation{Name: "mcp_exporter", Version: version.Version},
		OnExchange:      onExchange,
	}
}

// start reads the process's start from the first exchange: the layer
// passes once the server wrote its first byte, and its time is the time
// from starting the command until then. A command that could not be
// started, exited or stayed silent fails it.
func (pr *probe) start(ctx context.Context) bool {
	if !pr.open(ctx) {
		return false
	}
	x := pr.first
	if x.firstByte == 0 {
		reason := failure.ReasonOf(x.err)
		if reason == "" {
			reason = failure.ReasonSpawn
		}
		pr.fail(LayerStart, x.elapsed, reason, x.err)
		return false
	}
	pr.pass(LayerStart, x.firstByte)
	pr.logger.LogAttrs(ctx, slog.LevelDebug, "process started", slog.Float64("first_byte_seconds", x.firstByte.Seconds()))
	return true
}

// endProcess is a stdio module's close layer: the process is ended as
// the specification says (stdin closed, then SIGTERM, then SIGKILL, to
// its process group), within the probe's deadline. A process that had to
// be killed, or whose pipes a process outside its group held, fails the
// probe; either way nothing of it is left. Then what was seen of it is
// logged: the size of its stderr, and its last lines if the module asks.
func (pr *probe) endProcess(ctx context.Context) bool {
	c := pr.wire
	if c == nil {
		return true
	}
	if info, _ := c.Process(); !info.Started {
		return true // not reached: the start layer failed
	}
	start := time.Now()
	_, err := c.CloseSession(ctx)
	elapsed := time.Since(start)
	info, _ := c.Process()
	if err != nil {
		pr.fail(LayerClose, elapsed, failure.ReasonOf(err), err)
	} else {
		pr.pass(LayerClose, elapsed)
	}
	attrs := []slog.Attr{slog.String("ended_by", info.Ended), slog.Int("exit_code", info.ExitCode),
		slog.Int64("stderr_bytes", info.StderrBytes), slog.Float64("duration_seconds", elapsed.Seconds())}
	if len(info.StderrTail) > 0 {
		attrs = append(attrs, slog.Any("stderr_tail", info.StderrTail))
	}
	pr.logger.LogAttrs(ctx, slog.LevelDebug, "process ended", attrs...)
	return err == nil
}
