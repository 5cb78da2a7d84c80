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
	"crypto/tls"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/mcp-exporter/mcp_exporter/internal/testsupport"
)

// hzConfigVariant is a valid configuration; marker names a module that
// tells the variants apart in /config.
func hzConfigVariant(marker, defaultModule string) string {
	return "modules:\n  default:\n" + defaultModule + "  " + marker + ":\n    timeout: 3s\n"
}

// TestLifecycleReloadUnderLoad: reloading the configuration while probes
// run fails none of them, and a bad file keeps the old configuration
// serving.
func TestLifecycleReloadUnderLoad(t *testing.T) {
	t.Parallel()
	mcpTarget := mcpServer(t).URL
	type variant struct {
		text   string
		marker string // "" for the invalid file
	}
	variants := []variant{
		{hzConfigVariant("marker_a", "    timeout: 5s\n"), "marker_a"},
		{hzConfigVariant("marker_b", "    timeout: 6s\n    transport: streamable_http\n    max_response_bytes: 1MiB\n"), "marker_b"},
		{"modules:\n  default:\n    timout: 5s\n", ""},
		{hzConfigVariant("marker_c", "    timeout: 4s\n    protocol_version: 2025-11-25\n    min_tools: 1\n"), "marker_c"},
		{hzConfigVariant("marker_d", "    timeout: 5s\n    valid_protocol_versions: [2025-11-25, 2025-06-18, 2026-07-28]\n    close_session: false\n"), "marker_d"},
	}
	te := newTestExporter(t, variants[0].text, "")
	client := &http.Client{Timeout: 20 * time.Second}

	// Probes from 4 goroutines, until stopped. Failures are kept, not
	// reported from these goroutines.
	stop := make(chan struct{})
	var probes atomic.Int64
	var mu sync.Mutex
	var failures []string
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				probes.Add(1)
				resp, err := client.Get(te.server.URL + probePath(mcpTarget))
				var body []byte
				if err == nil {
					body, err = io.ReadAll(resp.Body)
					resp.Body.Close()
				}
				if err != nil || resp.StatusCode != http.StatusOK || !strings.Contains(string(body), "probe_success 1\n") {
					mu.Lock()
					failures = append(failures, fmt.Sprintf("%v %s", err, body))
					mu.Unlock()
				}
			}
		}()
	}

	current := variants[0].marker
	reloads, refused := 0, 0
	for end := time.Now().Add(2 * time.Second); time.Now().Before(end); {
		time.Sleep(100 * time.Millisecond)
		reloads++
		v := variants[reloads%len(variants)]
		writeConfig(t, te.configFile, v.text)
		code, body := do(t, http.MethodPost, te.server.URL+"/-/reload")
		if v.marker == "" {
			refused++
			if code != http.StatusInternalServerError {
				t.Errorf("reload of the invalid file: %d %s, want 500", code, body)
			}
		} else {
			if code != http.StatusOK {
				t.Errorf("reload %d: %d %s", reloads, code, body)
			}
			current = v.marker
		}
		if _, cfg := te.get(t, "/config"); !strings.Contains(cfg, current+":") {
			t.Errorf("after reload %d, /config does not show %s, the configuration that should be in force:\n%s", reloads, current, cfg)
		}
	}
	close(stop)
	wg.Wait()

	t.Logf("%d probes during %d reloads (%d of them refused)", probes.Load(), reloads, refused)
	if refused == 0 {
		t.Error("the invalid file was never reloaded")
	}
	if probes.Load() < 8 {
		t.Errorf("only %d probes ran during the reloads", probes.Load())
	}
	if len(failures) > 0 {
		t.Errorf("%d of %d probes failed during reloads; the first:\n%s", len(failures), probes.Load(), failures[0])
	}
}

// hzBuild builds the exporter into a temporary directory, with -race when
// the tests run with it (the build then reuses their compiled packages).
func hzBuild(t *testing.T) string {
	t.Helper()
	// go test puts the go command's own GOROOT/bin first on the PATH of
	// the tests it runs.
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("the go command is not available to build the exporter")
	}
	bin := filepath.Join(t.TempDir(), "mcp_exporter")
	args := []string{"build", "-o", bin}
	if info, ok := debug.ReadBuildInfo(); ok {
		for _, s := range info.Settings {
			if s.Key == "-race" && s.Value == "true" {
				args = append(args, "-race")
			}
		}
	}
	out, err := exec.Command(goTool, append(args, ".")...).CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// hzProcess is a running exporter.
type hzProcess struct {
	cmd    *exec.Cmd
	output *testsupport.SyncBuffer
	exited chan struct{}
	err    error // cmd.Wait's, once exited is closed
}

// hzStart runs the exporter binary with args; it is killed at the end of
// the test if it is still running.
func hzStart(t *testing.T, bin string, args ...string) *hzProcess {
	t.Helper()
	p := &hzProcess{cmd: exec.Command(bin, args...), output: &testsupport.SyncBuffer{}, exited: make(chan struct{})}
	p.cmd.Stdout, p.cmd.Stderr = p.output, p.output
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.err = p.cmd.Wait(); close(p.exited) }()
	t.Cleanup(func() {
		select {
		case <-p.exited:
		default:
			_ = p.cmd.Process.Kill()
			<-p.exited
		}
		if t.Failed() {
			t.Logf("exporter output:\n%s", p.output)
		}
	})
	return p
}

// waitReady polls url with client until it answers 200.
func (p *hzProcess) waitReady(t *testing.T, client *http.Client, newReq func() *http.Request) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		resp, err := client.Do(newReq())
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		select {
		case <-p.exited:
			t.Fatalf("the exporter exited before serving: %v\n%s", p.err, p.output)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("the exporter did not become ready: %v\n%s", err, p.output)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestLifecycleSIGTERM: SIGTERM lets a probe in flight finish and answer,
// then the process exits 0.
func TestLifecycleSIGTERM(t *testing.T) {
	t.Parallel()
	bin := hzBuild(t)
	sdk := mcpServer(t)
	entered := make(chan struct{})
	var delayed atomic.Bool
	slowStart := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// The probe's first request waits 1.5 s; the rest are answered at once.
		if r.Method == http.MethodPost && delayed.CompareAndSwap(false, true) {
			close(entered)
			time.Sleep(1500 * time.Millisecond)
		}
		sdk.Config.Handler.ServeHTTP(w, r)
	}))
	t.Cleanup(slowStart.Close)

	cfg := filepath.Join(t.TempDir(), "mcp_exporter.yml")
	writeConfig(t, cfg, "modules:\n  default:\n    timeout: 10s\n")
	addr := testsupport.FreeAddr(t)
	p := hzStart(t, bin, "--config.file", cfg, "--web.listen-address", addr)
	client := &http.Client{Timeout: 20 * time.Second}
	p.waitReady(t, client, func() *http.Request {
		req, _ := http.NewRequest(http.MethodGet, "http://"+addr+"/-/healthy", nil)
		return req
	})

	type answer struct {
		status int
		body   string
		err    error
	}
	answers := make(chan answer, 1)
	go func() {
		resp, err := client.Get("http://" + addr + probePath(slowStart.URL))
		if err != nil {
			answers <- answer{err: err}
			return
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		answers <- answer{resp.StatusCode, string(b), err}
	}()
	select {
	case <-entered:
	case <-time.After(10 * time.Second):
		t.Fatal("the probe did not reach the MCP server")
	}
	signalled := time.Now()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}

	a := <-answers
	if a.err != nil || a.status != http.StatusOK || !strings.Contains(a.body, "probe_success 1\n") {
		t.Errorf("the probe in flight at SIGTERM: %d %v\n%s", a.status, a.err, a.body)
	}
	if since := time.Since(signalled); since < time.Second {
		t.Errorf("the probe answered %v after SIGTERM: it did not wait for the slow server", since)
	}
	select {
	case <-p.exited:
	case <-time.After(5 * time.Second):
		t.Fatalf("the exporter had not exited 5s after the probe ended\n%s", p.output)
	}
	if p.err != nil {
		t.Errorf("the exporter exited with %v, want 0", p.err)
	}
	if !strings.Contains(p.output.String(), "shutting down") {
		t.Errorf("the exporter did not log its shutdown:\n%s", p.output)
	}
}

// TestLifecycleWebConfig: behind --web.config.file with TLS and basic
// auth, the exporter's endpoints answer only over TLS, and only with the
// credentials.
func TestLifecycleWebConfig(t *testing.T) {
	t.Parallel()
	bin := hzBuild(t)
	mcpTarget := mcpServer(t).URL
	dir := t.TempDir()
	cert := testsupport.Certificate(t, "mcp_exporter test")
	certFile, keyFile, pool := cert.CertFile, cert.KeyFile, cert.CA
	const user, password = "prometheus", "hz-correct-horse"
	hash, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	webConfig := filepath.Join(dir, "web.yml")
	writeConfig(t, webConfig, fmt.Sprintf("tls_server_config:\n  cert_file: %s\n  key_file: %s\nbasic_auth_users:\n  %s: %s\n",
		certFile, keyFile, user, hash))
	cfg := filepath.Join(dir, "mcp_exporter.yml")
	writeConfig(t, cfg, "modules:\n  default:\n    timeout: 5s\n")
	addr := testsupport.FreeAddr(t)
	p := hzStart(t, bin, "--config.file", cfg, "--web.listen-address", addr, "--web.config.file", webConfig)

	tlsClient := &http.Client{Timeout: 20 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	t.Cleanup(tlsClient.CloseIdleConnections)
	request := func(path, u, pw string) *http.Request {
		req, err := http.NewRequest(http.MethodGet, "https://"+addr+path, nil)
		if err != nil {
			t.Fatal(err)
		}
		if u != "" {
			req.SetBasicAuth(u, pw)
		}
		return req
	}
	p.waitReady(t, tlsClient, func() *http.Request { return request("/-/healthy", user, password) })
	fetch := func(req *http.Request) (int, string) {
		t.Helper()
		resp, err := tlsClient.Do(req)
		if err != nil {
			t.Fatalf("%s: %v", req.URL, err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}

	// Plain HTTP gets nothing: Go's TLS server answers a bare 400.
	plain := &http.Client{Timeout: 5 * time.Second}
	if resp, err := plain.Get("http://" + addr + "/-/healthy"); err == nil {
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode == http.StatusOK || strings.Contains(string(b), "Healthy") {
			t.Errorf("plain HTTP was served: %d %q", resp.StatusCode, b)
		}
	}

	for _, tc := range []struct {
		name     string
		path     string
		user, pw string
		want     int
	}{
		{"no credentials", "/-/healthy", "", "", http.StatusUnauthorized},
		{"wrong password", "/-/healthy", user, "wrong", http.StatusUnauthorized},
		{"unknown user", "/-/healthy", "someone", password, http.StatusUnauthorized},
		{"no credentials, /probe", probePath(mcpTarget), "", "", http.StatusUnauthorized},
		{"no credentials, /metrics", "/metrics", "", "", http.StatusUnauthorized},
		{"credentials", "/-/healthy", user, password, http.StatusOK},
		{"credentials, /metrics", "/metrics", user, password, http.StatusOK},
	} {
		if code, body := fetch(request(tc.path, tc.user, tc.pw)); code != tc.want {
			t.Errorf("%s: GET %s: %d, want %d\n%s", tc.name, tc.path, code, tc.want, body)
		}
	}
	if code, body := fetch(request(probePath(mcpTarget), user, password)); code != http.StatusOK || !strings.Contains(body, "probe_success 1\n") {
		t.Errorf("/probe with credentials: %d\n%s", code, body)
	}

	// The exporter stops cleanly behind TLS too.
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-p.exited:
	case <-time.After(5 * time.Second):
		t.Fatal("the exporter had not exited 5s after SIGTERM")
	}
	if p.err != nil {
		t.Errorf("the exporter exited with %v, want 0", p.err)
	}
}
