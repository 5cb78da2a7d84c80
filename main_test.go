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
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mcp-exporter/mcp_exporter/config"
	"github.com/mcp-exporter/mcp_exporter/internal/testsupport"
)

const secretValue = "s3cr3t-WEB-TOKEN"

const initialConfig = `
modules:
  default:
    timeout: 5s
  with_secret:
    timeout: 5s
    allow_any_target: true
    http_config:
      authorization:
        credentials: "` + secretValue + `"
`

type testExporter struct {
	*exporter
	server     *httptest.Server
	configFile string
	log        *testsupport.SyncBuffer
}

// newTestExporter builds the exporter as run does, on a temporary config
// file, and serves its routes.
func newTestExporter(t *testing.T, configText, routePrefix string) *testExporter {
	t.Helper()
	path := filepath.Join(t.TempDir(), "mcp_exporter.yml")
	writeConfig(t, path, configText)
	cfg, err := config.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	logs := &testsupport.SyncBuffer{}
	registry := newRegistry()
	e := newExporter(exporterOptions{
		configFile:    path,
		config:        cfg,
		logger:        slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		proberLevel:   slog.LevelDebug,
		timeoutOffset: 500 * time.Millisecond,
		historyLimit:  10,
		routePrefix:   routePrefix,
		registry:      registry,
	})
	h, err := e.routes()
	if err != nil {
		t.Fatal(err)
	}
	ts := testsupport.Serve(t, h)
	return &testExporter{exporter: e, server: ts, configFile: path, log: logs}
}

func writeConfig(t *testing.T, path, text string) {
	t.Helper()
	testsupport.WriteFile(t, path, []byte(text), 0o600)
}

// get fetches path from the exporter and returns the status and body.
func (te *testExporter) get(t *testing.T, path string) (int, string) {
	t.Helper()
	return do(t, http.MethodGet, te.server.URL+path)
}

func do(t *testing.T, method, u string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b)
}

// mcpServer is a real MCP server from the official Go SDK.
func mcpServer(t *testing.T) *httptest.Server {
	t.Helper()
	return testsupport.SDKServer{Name: "web-test-server", Version: "1.0.0"}.Start(t)
}

func probePath(target string, extra ...string) string {
	q := url.Values{"target": {target}}
	for i := 0; i+1 < len(extra); i += 2 {
		q.Set(extra[i], extra[i+1])
	}
	return "/probe?" + q.Encode()
}

func TestHealthy(t *testing.T) {
	te := newTestExporter(t, initialConfig, "")
	if code, body := te.get(t, "/-/healthy"); code != http.StatusOK || body != "Healthy" {
		t.Errorf("/-/healthy: %d %q", code, body)
	}
}

func TestConfigHidesSecrets(t *testing.T) {
	te := newTestExporter(t, initialConfig, "")
	code, body := te.get(t, "/config")
	if code != http.StatusOK {
		t.Fatalf("/config: %d %s", code, body)
	}
	if !strings.Contains(body, "with_secret:") || !strings.Contains(body, "<secret>") {
		t.Errorf("/config does not show the module with its secret hidden:\n%s", body)
	}
	if strings.Contains(body, secretValue) {
		t.Errorf("/config shows the secret:\n%s", body)
	}
}

func TestMetrics(t *testing.T) {
	te := newTestExporter(t, initialConfig, "")
	// A probe, so that the probe counters have a series.
	te.get(t, probePath("http://127.0.0.1:1/"))
	code, body := te.get(t, "/metrics")
	if code != http.StatusOK {
		t.Fatalf("/metrics: %d", code)
	}
	for _, want := range []string{
		"mcp_exporter_build_info{",
		"mcp_exporter_config_last_reload_successful 1\n",
		"mcp_exporter_config_last_reload_success_timestamp_seconds ",
		`mcp_exporter_probes_total{module="default",result="failure"} 1`,
		"mcp_exporter_module_unknown_total 0\n",
		"mcp_exporter_probe_requests_invalid_total 0\n",
		"mcp_exporter_probe_loops_refused_total 0\n",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
	testsupport.CheckMetrics(t, body)
}

func TestReload(t *testing.T) {
	mcpTarget := mcpServer(t).URL
	te := newTestExporter(t, initialConfig, "")

	t.Run("GET and PUT are refused", func(t *testing.T) {
		if code, _ := te.get(t, "/-/reload"); code != http.StatusMethodNotAllowed {
			t.Errorf("GET /-/reload: %d, want 405", code)
		}
		// Reload is POST only (issue 9 item 10), like Prometheus's.
		req, _ := http.NewRequest(http.MethodPut, te.server.URL+"/-/reload", nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusMethodNotAllowed || resp.Header.Get("Allow") != "POST" {
			t.Errorf("PUT /-/reload: %d, Allow %q; want 405, Allow POST", resp.StatusCode, resp.Header.Get("Allow"))
		}
	})

	t.Run("valid change", func(t *testing.T) {
		writeConfig(t, te.configFile, initialConfig+"  added:\n    timeout: 3s\n")
		code, body := do(t, http.MethodPost, te.server.URL+"/-/reload")
		if code != http.StatusOK {
			t.Fatalf("POST /-/reload: %d %s", code, body)
		}
		if _, cfg := te.get(t, "/config"); !strings.Contains(cfg, "added:") {
			t.Errorf("/config does not show the reloaded module:\n%s", cfg)
		}
		if code, body := te.get(t, probePath(mcpTarget, "module", "added")); code != http.StatusOK || !strings.Contains(body, "probe_success 1\n") {
			t.Errorf("probe with the reloaded module: %d\n%s", code, body)
		}
	})

	t.Run("invalid file", func(t *testing.T) {
		writeConfig(t, te.configFile, "modules:\n  broken:\n    timout: 5s\n")
		code, body := do(t, http.MethodPost, te.server.URL+"/-/reload")
		if code != http.StatusInternalServerError {
			t.Fatalf("POST /-/reload of a bad file: %d, want 500", code)
		}
		if !strings.Contains(body, `unknown key "timout"`) || !strings.Contains(body, `module "broken"`) {
			t.Errorf("reload error %q does not name the problem", body)
		}
		if !strings.Contains(te.log.String(), "reloading the configuration failed") {
			t.Errorf("the failed reload was not logged:\n%s", te.log)
		}
		if _, m := te.get(t, "/metrics"); !strings.Contains(m, "mcp_exporter_config_last_reload_successful 0\n") {
			t.Error("mcp_exporter_config_last_reload_successful is not 0 after a failed reload")
		}
		_, cfg := te.get(t, "/config")
		if !strings.Contains(cfg, "added:") || strings.Contains(cfg, "broken") {
			t.Errorf("/config does not show the previous configuration:\n%s", cfg)
		}
		if code, body := te.get(t, probePath(mcpTarget, "module", "added")); code != http.StatusOK || !strings.Contains(body, "probe_success 1\n") {
			t.Errorf("probe after a failed reload: %d\n%s", code, body)
		}
		if code, _ := te.get(t, probePath(mcpTarget, "module", "broken")); code != http.StatusBadRequest {
			t.Errorf("the bad file's module is in force: %d", code)
		}
	})

	t.Run("fixed again", func(t *testing.T) {
		writeConfig(t, te.configFile, initialConfig)
		if code, body := do(t, http.MethodPost, te.server.URL+"/-/reload"); code != http.StatusOK {
			t.Fatalf("POST /-/reload: %d %s", code, body)
		}
		if _, m := te.get(t, "/metrics"); !strings.Contains(m, "mcp_exporter_config_last_reload_successful 1\n") {
			t.Error("mcp_exporter_config_last_reload_successful is not 1 after a good reload")
		}
	})
}

var hrefRE = regexp.MustCompile(`href="([^"]*)"`)

func TestLandingPageAndLogs(t *testing.T) {
	te := newTestExporter(t, initialConfig, "")
	mcpTarget := mcpServer(t).URL
	// The query's key is shown (its value is masked, see RedactTarget).
	const evil = "http://127.0.0.1:1/<script>?<script>alert(1)</script>=1"

	if code, body := te.get(t, "/"); code != http.StatusOK || !strings.Contains(body, "No probes yet") {
		t.Fatalf("landing page before any probe: %d\n%s", code, body)
	}

	te.get(t, probePath(mcpTarget))
	te.get(t, probePath(evil))
	code, page := te.get(t, "/")
	if code != http.StatusOK {
		t.Fatalf("landing page: %d", code)
	}
	if strings.Contains(page, "<script>") {
		t.Errorf("the landing page shows a target unescaped:\n%s", page)
	}
	if !strings.Contains(page, "&lt;script&gt;alert(1)&lt;/script&gt;") {
		t.Errorf("the landing page does not list the probed target, escaped:\n%s", page)
	}
	if !strings.Contains(page, mcpTarget) || !strings.Contains(page, "✔ OK") || !strings.Contains(page, "✘ FAILED") {
		t.Errorf("the landing page does not list both probes:\n%s", page)
	}
	if !strings.Contains(page, `href="logs?id=`) {
		t.Errorf("the landing page has no logs link:\n%s", page)
	}

	// Every relative link on the page leads somewhere.
	base, _ := url.Parse(te.server.URL + "/")
	for _, m := range hrefRE.FindAllStringSubmatch(page, -1) {
		ref, err := url.Parse(strings.ReplaceAll(m[1], "&amp;", "&"))
		if err != nil || ref.IsAbs() {
			continue
		}
		if code, _ := do(t, http.MethodGet, base.ResolveReference(ref).String()); code != http.StatusOK {
			t.Errorf("link %q on the landing page: %d", m[1], code)
		}
	}

	list := te.history.List()
	if len(list) != 2 {
		t.Fatalf("history has %d probes, want 2", len(list))
	}
	newest := list[0]
	code, logs := te.get(t, "/logs?id="+strconv.FormatInt(newest.ID, 10))
	if code != http.StatusOK || logs != newest.DebugOutput() {
		t.Errorf("/logs?id=%d: %d, not the probe's debug output:\n%s", newest.ID, code, logs)
	}
	if !strings.Contains(logs, "Logs for the probe") || !strings.Contains(logs, "probe_success 0") {
		t.Errorf("/logs output:\n%s", logs)
	}
	_, dbg := te.get(t, probePath(mcpTarget, "debug", "true"))
	if !strings.Contains(dbg, "probe_success 1") {
		t.Errorf("debug=true:\n%s", dbg)
	}
	if _, logs := te.get(t, "/logs?id="+strconv.FormatInt(te.history.List()[0].ID, 10)); logs != dbg {
		t.Errorf("/logs does not return what debug=true returned")
	}
	if code, _ := te.get(t, "/logs?id=999"); code != http.StatusNotFound {
		t.Errorf("/logs?id=999: %d, want 404", code)
	}
	for _, bad := range []string{"/logs?id=x", "/logs", "/logs?id="} {
		if code, _ := te.get(t, bad); code != http.StatusBadRequest {
			t.Errorf("%s: %d, want 400", bad, code)
		}
	}
}

func TestRoutePrefix(t *testing.T) {
	te := newTestExporter(t, initialConfig, "/mcp-exp")
	mcpTarget := mcpServer(t).URL
	for _, tc := range []struct {
		path string
		want int
	}{
		{"/mcp-exp/-/healthy", http.StatusOK},
		{"/mcp-exp/metrics", http.StatusOK},
		{"/mcp-exp/config", http.StatusOK},
		{"/mcp-exp/", http.StatusOK},
		{"/mcp-exp" + probePath(mcpTarget), http.StatusOK},
		{"/", http.StatusNotFound},
		{"/-/healthy", http.StatusNotFound},
		{"/metrics", http.StatusNotFound},
		{probePath(mcpTarget), http.StatusNotFound},
	} {
		if code, _ := te.get(t, tc.path); code != tc.want {
			t.Errorf("GET %s: %d, want %d", tc.path, code, tc.want)
		}
	}
	if _, body := te.get(t, "/mcp-exp"+probePath(mcpTarget)); !strings.Contains(body, "probe_success 1\n") {
		t.Errorf("probe under the prefix:\n%s", body)
	}
	// The bare prefix redirects to the landing page; the client follows.
	if code, body := te.get(t, "/mcp-exp"); code != http.StatusOK || !strings.Contains(body, "MCP Exporter") {
		t.Errorf("GET /mcp-exp: %d", code)
	}
	_, page := te.get(t, "/mcp-exp/")
	if !strings.Contains(page, `action="/mcp-exp/probe"`) {
		t.Errorf("the landing page's form does not post to the prefixed /probe:\n%s", page)
	}
}

func TestComputeRoutePrefix(t *testing.T) {
	for _, tc := range []struct {
		prefix, externalURL string
		want                string
		wantErr             bool
	}{
		{"", "", "", false},
		{"/", "", "", false},
		{"/mcp-exp", "", "/mcp-exp", false},
		{"/mcp-exp/", "", "/mcp-exp", false},
		{"mcp-exp", "", "/mcp-exp", false},
		{"/a/b/", "", "/a/b", false},
		{"", "https://example.com", "", false},
		{"", "https://example.com/", "", false},
		{"", "https://example.com/mcp-exp/", "/mcp-exp", false},
		{"", "http://proxy:8080/a/b", "/a/b", false},
		{"/flag", "https://example.com/url", "/flag", false},
		{"", "http://[::1", "", true},
	} {
		got, err := computeRoutePrefix(tc.prefix, tc.externalURL)
		if (err != nil) != tc.wantErr || got != tc.want {
			t.Errorf("computeRoutePrefix(%q, %q) = %q, %v; want %q, error %v", tc.prefix, tc.externalURL, got, err, tc.want, tc.wantErr)
		}
	}
}

func TestRunConfigCheck(t *testing.T) {
	dir := t.TempDir()
	valid := filepath.Join(dir, "valid.yml")
	writeConfig(t, valid, initialConfig)
	invalid := filepath.Join(dir, "invalid.yml")
	writeConfig(t, invalid, "modules:\n  m:\n    timout: 5s\n")

	if got := run([]string{"--config.check", "--config.file", valid}); got != 0 {
		t.Errorf("--config.check on a valid file: exit %d, want 0", got)
	}
	if got := run([]string{"--config.check", "--config.file", invalid}); got != 1 {
		t.Errorf("--config.check on an invalid file: exit %d, want 1", got)
	}
	if got := run([]string{"--config.check", "--config.file", filepath.Join(dir, "missing.yml")}); got != 1 {
		t.Errorf("--config.check on a missing file: exit %d, want 1", got)
	}
	if got := run([]string{"--config.check", "--config.file", "mcp_exporter.yml"}); got != 0 {
		t.Errorf("--config.check on the shipped mcp_exporter.yml: exit %d, want 0", got)
	}
	if got := run([]string{"--no-such-flag"}); got != 2 {
		t.Errorf("an unknown flag: exit %d, want 2", got)
	}
}

// TestConfigCheckMissingFile: --config.check refuses a configuration whose
// referenced file is missing, naming the module, the key and its line, and
// passes it once the file exists; no file's content is printed.
func TestConfigCheckMissingFile(t *testing.T) {
	dir := t.TempDir()
	ca := filepath.Join(dir, "ca.pem")
	path := filepath.Join(dir, "c.yml")
	writeConfig(t, path, "modules:\n  default: {}\n  tls:\n    http_config:\n      tls_config:\n        ca_file: "+ca+"\n")
	var code int
	stderr := captureStderr(t, func() { code = run([]string{"--config.check", "--config.file", path}) })
	if code != 1 {
		t.Errorf("--config.check with a missing ca_file: exit %d, want 1", code)
	}
	want := `module "tls": line 6: http_config.tls_config.ca_file: cannot read ` + ca + `: no such file or directory`
	if !strings.Contains(stderr, want) {
		t.Errorf("--config.check says %q, want it to contain %q", stderr, want)
	}
	const content = "s3cr3t-NOT-A-CERTIFICATE"
	testsupport.WriteFile(t, ca, []byte(content), 0o600)
	stderr = captureStderr(t, func() { code = run([]string{"--config.check", "--config.file", path}) })
	if code != 0 {
		t.Errorf("--config.check with the ca_file present: exit %d, want 0 (%s)", code, stderr)
	}
	if strings.Contains(stderr, content) {
		t.Errorf("--config.check printed a file's content: %s", stderr)
	}
}
