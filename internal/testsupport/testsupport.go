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

// Package testsupport holds what the tests of several packages share:
// finding Prometheus' promtool and server, and a log sink safe for
// concurrent use.
package testsupport

import (
	"bytes"
	"encoding/pem"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

// PromtoolPath returns Debian's promtool (2.x); see Tool for what happens
// without it.
func PromtoolPath(t testing.TB) string {
	t.Helper()
	return Tool(t, "", "promtool", "Debian: apt-get install prometheus")
}

// PrometheusPath returns the Prometheus server's path (Debian's 2.x), for
// end-to-end tests that scrape the exporter with a real Prometheus.
func PrometheusPath(t testing.TB) string {
	t.Helper()
	return Tool(t, "", "prometheus", "Debian: apt-get install prometheus")
}

// CheckMetrics runs a text exposition through promtool check metrics and
// fails the test on any problem it reports.
func CheckMetrics(t testing.TB, text string) {
	t.Helper()
	if testing.Short() {
		return // the inner loop runs no external tool; the full run checks
	}
	cmd := exec.Command(PromtoolPath(t), "check", "metrics")
	cmd.Stdin = strings.NewReader(text)
	out, err := cmd.CombinedOutput()
	if err != nil || len(bytes.TrimSpace(out)) > 0 {
		t.Errorf("promtool check metrics: %v\n%s", err, out)
	}
}

// SyncBuffer is a log sink safe to read while a server writes to it.
type SyncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *SyncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *SyncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// WritePEM writes der as one PEM block of the given type ("CERTIFICATE",
// "PRIVATE KEY") to path, for tests that hand certificates to a module's
// tls_config or to --web.config.file.
func WritePEM(t testing.TB, path, blockType string, der []byte) {
	t.Helper()
	WriteFile(t, path, pem.EncodeToMemory(&pem.Block{Type: blockType, Bytes: der}), 0o600)
}

// WriteFile writes data to path with perm, failing the test if it cannot,
// and returns path.
func WriteFile(t testing.TB, path string, data []byte, perm os.FileMode) string {
	t.Helper()
	if err := os.WriteFile(path, data, perm); err != nil {
		t.Fatal(err)
	}
	return path
}

// ReadFile returns the content of the file at path, failing the test if it
// cannot be read.
func ReadFile(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Serve starts an httptest server of h, closed when the test ends.
func Serve(t testing.TB, h http.Handler) *httptest.Server {
	t.Helper()
	s := httptest.NewServer(h)
	t.Cleanup(s.Close)
	return s
}

// WaitOK polls url until it answers 200 OK and returns true, or returns
// false once within has passed or gone (unless nil) says that the server's
// process has ended: for a server a test has started.
func WaitOK(url string, within time.Duration, gone func() bool) bool {
	deadline := time.Now().Add(within)
	for {
		if resp, err := http.Get(url); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return true
			}
		}
		if (gone != nil && gone()) || time.Now().After(deadline) {
			return false
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// FreeAddr returns a loopback address (host:port) that nothing listens on
// just now, for a server the test starts: a port taken and given back.
func FreeAddr(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	_ = l.Close()
	return addr
}

// MetricValue is the value of a counter or gauge.
func MetricValue(t testing.TB, m prometheus.Metric) float64 {
	t.Helper()
	var d dto.Metric
	if err := m.Write(&d); err != nil {
		t.Fatal(err)
	}
	if d.Counter != nil {
		return d.Counter.GetValue()
	}
	return d.Gauge.GetValue()
}
