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
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"time"
)

// The floor (row B) is this program run again as a child process with
// -floor-child, so that its CPU is read from /proc like the exporters'.
// It makes the exchanges of a probe of a stateful server whose era is
// known: initialize, notifications/initialized, tools/list and DELETE,
// on a connection of its own, with the exporter's headers and request
// bodies, and no metrics, validation or hashing: it checks status codes
// and reads each answer to its end, nothing more.

// floorVersion is the revision the demo server negotiates; the floor
// does not read it from the answer.
const floorVersion = "2025-11-25"

var (
	floorInitialize  = []byte(`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"capabilities":{},"clientInfo":{"name":"mcp_exporter","version":"0.1.0"},"protocolVersion":"` + floorVersion + `"}}`)
	floorInitialized = []byte(`{"jsonrpc":"2.0","method":"notifications/initialized"}`)
	floorToolsList   = []byte(`{"jsonrpc":"2.0","id":2,"method":"tools/list","params":{}}`)
)

// floorCommand is what the parent sends the child on stdin, one per line.
type floorCommand struct {
	Load loadSpec `json:"load"`
}

// floorResult is the child's answer.
type floorResult struct {
	Result loadResult      `json:"result"`
	Lat    []time.Duration `json:"lat"`
}

// runFloorChild serves floorCommands until stdin closes: for each, it runs
// the load and answers with one line of JSON (a loadResult).
func runFloorChild(target string) int {
	in := bufio.NewScanner(os.Stdin)
	out := json.NewEncoder(os.Stdout)
	fmt.Println(`"ready"`)
	for in.Scan() {
		var cmd floorCommand
		if err := json.Unmarshal(in.Bytes(), &cmd); err != nil {
			fmt.Fprintln(os.Stderr, "floor child:", err)
			return 2
		}
		res, lat := runLoad(cmd.Load, func(ctx context.Context) string { return floorProbe(ctx, target) })
		if err := out.Encode(floorResult{Result: res, Lat: lat}); err != nil {
			return 2
		}
	}
	return 0
}

// floorProbe makes one probe's exchanges; "" means they all succeeded.
func floorProbe(ctx context.Context, target string) string {
	// A transport per probe: the probe's connection is its own, as the
	// exporter's are, and closed at the end.
	tr := &http.Transport{DisableCompression: true}
	defer tr.CloseIdleConnections()
	c := &http.Client{Transport: tr}

	send := func(method string, body []byte, session string, want func(int) bool) (string, string) {
		var r io.Reader
		if body != nil {
			r = bytes.NewReader(body)
		}
		req, err := http.NewRequestWithContext(ctx, method, target, r)
		if err != nil {
			return "", err.Error()
		}
		req.Header.Set("User-Agent", "mcp_exporter/0.1.0")
		if body != nil {
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Accept", "application/json, text/event-stream")
			req.Header.Set("Accept-Encoding", "gzip")
		}
		if session != "" {
			req.Header.Set("MCP-Session-Id", session)
			req.Header.Set("MCP-Protocol-Version", floorVersion)
		}
		resp, err := c.Do(req)
		if err != nil {
			return "", err.Error()
		}
		_, err = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if err != nil {
			return "", err.Error()
		}
		if !want(resp.StatusCode) {
			return "", fmt.Sprintf("%s answered %s", method, resp.Status)
		}
		return resp.Header.Get("MCP-Session-Id"), ""
	}
	ok200 := func(s int) bool { return s == http.StatusOK }
	ok2xx := func(s int) bool { return s >= 200 && s <= 299 }

	session, msg := send(http.MethodPost, floorInitialize, "", ok200)
	if msg != "" {
		return "initialize: " + msg
	}
	if session == "" {
		return "initialize: no session id"
	}
	if _, msg := send(http.MethodPost, floorInitialized, session, ok2xx); msg != "" {
		return "notifications/initialized: " + msg
	}
	if _, msg := send(http.MethodPost, floorToolsList, session, ok200); msg != "" {
		return "tools/list: " + msg
	}
	if _, msg := send(http.MethodDelete, nil, session, ok2xx); msg != "" {
		return "DELETE: " + msg
	}
	return ""
}

// floorProc drives the child from the parent.
type floorProc struct {
	*proc
	stdin  io.WriteCloser
	stdout *bufio.Scanner
}

func startFloor(dir, self, target string) (*floorProc, error) {
	p := &proc{name: "floor", log: dir + "/floor.log", done: make(chan struct{})}
	f, err := os.Create(p.log)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(self, "-floor-child", "-floor-target", target)
	cmd.Stderr = f
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	p.cmd = cmd
	fp := &floorProc{proc: p, stdin: stdin, stdout: bufio.NewScanner(stdout)}
	fp.stdout.Buffer(nil, 64<<20) // the latencies of a round
	if !fp.stdout.Scan() {
		cmd.Process.Kill()
		_ = cmd.Wait()
		return nil, fmt.Errorf("floor child did not start: %s", p.tail())
	}
	go func() {
		p.err = cmd.Wait()
		f.Close()
		close(p.done)
	}()
	return fp, nil
}

// run has the child run spec and waits for its result.
func (f *floorProc) run(spec loadSpec) (loadResult, []time.Duration, error) {
	b, _ := json.Marshal(floorCommand{Load: spec})
	if _, err := f.stdin.Write(append(b, '\n')); err != nil {
		return loadResult{}, nil, err
	}
	if !f.stdout.Scan() {
		return loadResult{}, nil, fmt.Errorf("floor child stopped: %s", f.tail())
	}
	var r floorResult
	err := json.Unmarshal(f.stdout.Bytes(), &r)
	return r.Result, r.Lat, err
}

func (f *floorProc) close() {
	f.stdin.Close()
	select {
	case <-f.done:
	case <-time.After(5 * time.Second):
		f.proc.stop()
	}
}
