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
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/mcp-exporter/mcp_exporter/internal/registrysd"
	"github.com/mcp-exporter/mcp_exporter/internal/testsupport"
)

// TestRegistrySDEndToEnd runs the official MCP registry server (built by
// .ci/run from github.com/modelcontextprotocol/registry) on a throwaway
// PostgreSQL cluster, publishes servers through its API with its anonymous
// auth, and lets a real Prometheus 3 discover them through the exporter's
// /sd with examples/prometheus.yml's mcp_registry job and probe the go-sdk
// servers listed there (HTTPS on 127.0.0.2, which the registry accepts in a
// remote's URL, with a test CA the module trusts). The registry then goes
// down: /sd keeps the last good list and the failure is counted.
func TestRegistrySDEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("runs PostgreSQL, the MCP registry and Prometheus")
	}
	registryBin := testsupport.MCPRegistryPath(t)
	pgBin := testsupport.PostgresBinDir(t)
	promBin := testsupport.Prometheus3Path(t)
	start := time.Now()

	dsn := startPostgres(t, pgBin)
	reg := startMCPRegistry(t, registryBin, dsn)
	t.Logf("PostgreSQL and the MCP registry up in %v", time.Since(start).Round(time.Millisecond))

	certs := testsupport.Certificate(t, "127.0.0.2")
	alpha := serveTLSOn(t, "127.0.0.2", testsupport.SDKServer{Name: "alpha", Version: "2.0.0"}.Handler(), certs)
	beta := serveTLSOn(t, "127.0.0.2", testsupport.SDKServer{Name: "beta", Version: "1.0.0", SSE: true}.Handler(), certs)

	// Sorted by name, two to a page: the servers to probe are on pages 2
	// (c-alpha) and 4 (g-beta); everything else is left out, each for its
	// own reason.
	const ns = "io.modelcontextprotocol.anonymous/"
	remote := func(typ, u string, extra ...string) string {
		return fmt.Sprintf(`{"type":%q,"url":%q%s}`, typ, u, strings.Join(extra, ""))
	}
	reg.publish(t, ns+"a-tmpl", "1.0.0", `"remotes":[`+remote("streamable-http", "https://{tenant}.example.com/mcp", `,"variables":{"tenant":{"isRequired":true}}`)+`]`)
	reg.publish(t, ns+"b-keyed", "1.0.0", `"remotes":[`+remote("streamable-http", alpha+"/keyed", `,"headers":[{"name":"X-Api-Key","isRequired":true,"isSecret":true}]`)+`]`)
	reg.publish(t, ns+"c-alpha", "1.0.0", `"remotes":[`+remote("streamable-http", alpha+"/old")+`]`)
	reg.publish(t, ns+"c-alpha", "2.0.0", `"remotes":[`+remote("streamable-http", alpha+"/mcp")+`]`)
	reg.publish(t, ns+"d-pkg", "1.0.0", `"packages":[{"registryType":"npm","identifier":"@modelcontextprotocol/server-everything","version":"2026.1.14","transport":{"type":"stdio"}}]`)
	reg.publish(t, ns+"e-retired", "1.0.0", `"remotes":[`+remote("streamable-http", alpha+"/retired")+`]`)
	reg.setStatus(t, ns+"e-retired", "1.0.0", "deprecated")
	reg.publish(t, ns+"f-outside", "1.0.0", `"remotes":[`+remote("streamable-http", beta+"/outside")+`]`)
	reg.publish(t, ns+"g-beta", "1.0.0", `"remotes":[`+remote("sse", beta+"/sse")+`]`)

	// guarded carries a credential and admits only alpha: f-outside,
	// probed with it, is not listed.
	te := newTestExporter(t, fmt.Sprintf(`modules:
  default:
    timeout: 5s
    http_config: {tls_config: {ca_file: %[1]s}}
  guarded:
    timeout: 5s
    http_config: {bearer_token: guarded-token, tls_config: {ca_file: %[1]s}}
    allowed_targets: ['%[2]s/.*']
registries:
  corp:
    url: %[3]s
    page_size: 2
    module_overrides:
      - {name: '.*/f-outside', module: guarded}
`, certs.CAFile, strings.ReplaceAll(alpha, ".", `\.`), reg.url), "")

	var body string
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		var code int
		if code, body = te.get(t, "/sd?registry=corp"); code == http.StatusOK {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("/sd never served a list: %d %s\n%s", code, body, te.log)
		}
	}
	var groups []registrysd.TargetGroup
	if err := json.Unmarshal([]byte(body), &groups); err != nil {
		t.Fatal(err)
	}
	want := []registrysd.TargetGroup{
		{Targets: []string{alpha + "/mcp"}, Labels: map[string]string{"__param_module": "default", "__meta_mcp_registry_name": "corp",
			"__meta_mcp_registry_server_name": ns + "c-alpha", "__meta_mcp_registry_server_version": "2.0.0",
			"__meta_mcp_registry_remote_type": "streamable-http", "__meta_mcp_registry_status": "active", "__meta_mcp_registry_is_latest": "true"}},
		{Targets: []string{beta + "/sse"}, Labels: map[string]string{"__param_module": "default", "__meta_mcp_registry_name": "corp",
			"__meta_mcp_registry_server_name": ns + "g-beta", "__meta_mcp_registry_server_version": "1.0.0",
			"__meta_mcp_registry_remote_type": "sse", "__meta_mcp_registry_status": "active", "__meta_mcp_registry_is_latest": "true"}},
	}
	for i := range groups {
		if ts, err := time.Parse(time.RFC3339, groups[i].Labels["__meta_mcp_registry_published_at"]); err != nil || time.Since(ts) > time.Hour {
			t.Errorf("published_at %q", groups[i].Labels["__meta_mcp_registry_published_at"])
		}
		delete(groups[i].Labels, "__meta_mcp_registry_published_at")
	}
	if fmt.Sprint(groups) != fmt.Sprint(want) {
		t.Errorf("/sd:\n%v\nwant\n%v", groups, want)
	}
	_, metrics := te.get(t, "/metrics")
	for _, line := range []string{
		`mcp_exporter_sd_targets{registry="corp"} 2`,
		`mcp_exporter_sd_skipped{reason="url_template",registry="corp"} 1`,
		`mcp_exporter_sd_skipped{reason="header_required",registry="corp"} 1`,
		`mcp_exporter_sd_skipped{reason="no_remote",registry="corp"} 1`,
		`mcp_exporter_sd_skipped{reason="status",registry="corp"} 1`,
		`mcp_exporter_sd_skipped{reason="not_allowed",registry="corp"} 1`,
		`mcp_exporter_sd_refresh_failures_total{registry="corp"} 0`,
	} {
		if !strings.Contains(metrics, line+"\n") {
			t.Errorf("/metrics lacks %s", line)
		}
	}

	// Prometheus 3 with examples/prometheus.yml's mcp_registry job.
	job := scrapeJob(t, readPromConfig(t, "examples/prometheus.yml"), "mcp_registry")
	job["scrape_interval"], job["scrape_timeout"] = "1s", "1s"
	sd := job["http_sd_configs"].([]any)[0].(map[string]any)
	sd["url"], sd["refresh_interval"] = te.server.URL+"/sd?registry=corp", "1s"
	exporterAddr := strings.TrimPrefix(te.server.URL, "http://")
	for _, r := range job["relabel_configs"].([]any) {
		if rc := r.(map[string]any); rc["target_label"] == "__address__" && rc["replacement"] != nil {
			rc["replacement"] = exporterAddr
		}
	}
	prom := startPrometheus(t, promBin, map[string]any{
		"global":         map[string]any{"scrape_interval": "1s", "scrape_timeout": "1s"},
		"scrape_configs": []any{job},
	})
	deadline := time.Now().Add(30 * time.Second)
	for _, w := range want {
		q := fmt.Sprintf(`probe_success{job="mcp_registry",instance=%q,module="default",registry="corp",mcp_server=%q,mcp_server_version=%q}`,
			w.Targets[0], w.Labels["__meta_mcp_registry_server_name"], w.Labels["__meta_mcp_registry_server_version"])
		prom.waitFor(t, deadline, q, func(s []promSample) bool { return len(s) == 1 && s[0].value() == "1" })
	}
	if s, err := prom.query(`count(up{job="mcp_registry"})`); err != nil || len(s) != 1 || s[0].value() != "2" {
		t.Errorf("Prometheus discovered %v (%v), want the 2 targets", s, err)
	}
	t.Logf("Prometheus probes the registry's servers %v after the start", time.Since(start).Round(time.Millisecond))

	// What changed since (updated_since): a new version of c-alpha at a new
	// URL, g-beta deleted. /sd follows, and so does Prometheus.
	reg.publish(t, ns+"c-alpha", "3.0.0", `"remotes":[`+remote("streamable-http", alpha+"/v3")+`]`)
	reg.setStatus(t, ns+"g-beta", "1.0.0", "deleted")
	if err := te.exporter.sd.Refresh(context.Background(), "corp"); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(te.log.String(), "refreshed what changed") {
		t.Errorf("the refresh fetched the whole list again:\n%s", te.log)
	}
	_, body = te.get(t, "/sd?registry=corp")
	groups = nil
	if err := json.Unmarshal([]byte(body), &groups); err != nil {
		t.Fatal(err)
	}
	if len(groups) != 1 || groups[0].Targets[0] != alpha+"/v3" || groups[0].Labels["__meta_mcp_registry_server_version"] != "3.0.0" {
		t.Errorf("/sd after the changes: %s", body)
	}
	prom.waitFor(t, time.Now().Add(20*time.Second), fmt.Sprintf(`count(up{job="mcp_registry"}) == 1 and on() probe_success{job="mcp_registry",instance=%q,mcp_server_version="3.0.0"} == 1`, alpha+"/v3"),
		func(s []promSample) bool { return len(s) == 1 })

	// The registry goes down: the refresh fails, /sd keeps the last good
	// list, the failure is counted, and Prometheus keeps probing.
	reg.stop(t)
	if err := te.exporter.sd.Refresh(context.Background(), "corp"); err == nil {
		t.Error("a refresh from a stopped registry succeeded")
	}
	if code, after := te.get(t, "/sd?registry=corp"); code != http.StatusOK || after != body {
		t.Errorf("/sd after a failed refresh: %d %s", code, after)
	}
	if _, metrics := te.get(t, "/metrics"); !strings.Contains(metrics, `mcp_exporter_sd_refresh_failures_total{registry="corp"} 1`+"\n") ||
		!strings.Contains(metrics, `mcp_exporter_sd_targets{registry="corp"} 1`+"\n") {
		t.Errorf("the failure is not counted:\n%s", metrics)
	}
	after := time.Now()
	prom.waitFor(t, time.Now().Add(10*time.Second), fmt.Sprintf(`timestamp(probe_success{job="mcp_registry",instance=%q} == 1) > %d`, alpha+"/v3", after.Unix()+1),
		func(s []promSample) bool { return len(s) == 1 })
	if code, _ := te.get(t, "/sd?registry=other"); code != http.StatusNotFound {
		t.Errorf("an unknown registry: %d, want 404", code)
	}
}

// TestSDEndpoint: /sd and the registries block in the exporter: a registry
// not reached yet is 503 (Prometheus keeps what it had) and its failure is
// counted, an unknown one 404; a bad reload keeps the registry, a good one
// that drops it makes it 404; /config masks the registry's credentials;
// --config.check names the registry, the key and its line.
func TestSDEndpoint(t *testing.T) {
	refused := "http://" + testsupport.RefusedAddr(t)
	cfg := "modules:\n  default: {}\nregistries:\n  corp:\n    url: " + refused + "\n    http_config:\n      basic_auth: {username: sd, password: s3cr3t-REGISTRY-PW}\n"
	te := newTestExporter(t, cfg, "")
	if code, body := te.get(t, "/sd?registry=corp"); code != http.StatusServiceUnavailable {
		t.Errorf("/sd before a list: %d %s", code, body)
	}
	if code, _ := te.get(t, "/sd?registry=nope"); code != http.StatusNotFound {
		t.Errorf("/sd of an unknown registry: %d", code)
	}
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		if _, m := te.get(t, "/metrics"); strings.Contains(m, `mcp_exporter_sd_refresh_failures_total{registry="corp"} 1`+"\n") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the refused registry's refresh is not counted as failed")
		}
	}
	if _, c := te.get(t, "/config"); strings.Contains(c, "s3cr3t-REGISTRY-PW") || !strings.Contains(c, "password: <secret>") || !strings.Contains(c, "corp:") {
		t.Errorf("/config:\n%s", c)
	}

	writeConfig(t, te.configFile, cfg+"    refresh_interval: 1s\n")
	if code, body := do(t, http.MethodPost, te.server.URL+"/-/reload"); code != http.StatusInternalServerError ||
		!strings.Contains(body, `registry "corp": line 8: refresh_interval: must be at least 10s`) {
		t.Errorf("bad reload: %d %s", code, body)
	}
	if code, _ := te.get(t, "/sd?registry=corp"); code != http.StatusServiceUnavailable {
		t.Errorf("a bad reload dropped the registry: %d", code)
	}
	writeConfig(t, te.configFile, "modules:\n  default: {}\n")
	if code, body := do(t, http.MethodPost, te.server.URL+"/-/reload"); code != http.StatusOK {
		t.Fatalf("reload: %d %s", code, body)
	}
	if code, _ := te.get(t, "/sd?registry=corp"); code != http.StatusNotFound {
		t.Errorf("a registry removed by a reload: %d, want 404", code)
	}
	if _, m := te.get(t, "/metrics"); strings.Contains(m, `registry="corp"`) {
		t.Errorf("series of a removed registry stay:\n%s", m)
	}

	bad := filepath.Join(t.TempDir(), "bad.yml")
	writeConfig(t, bad, "modules:\n  default: {}\nregistries:\n  corp:\n    url: https://registry.example\n    module: missing\n")
	var code int
	stderr := captureStderr(t, func() { code = run([]string{"--config.check", "--config.file", bad}) })
	if want := `registry "corp": line 6: module: unknown module "missing"`; code != 1 || !strings.Contains(stderr, want) {
		t.Errorf("--config.check: exit %d, %q; want 1 and %q", code, stderr, want)
	}
}

// serveTLSOn serves h over HTTPS with certs' certificate on host (a
// loopback address) until the test ends, and returns its base URL.
func serveTLSOn(t *testing.T, host string, h http.Handler, certs testsupport.TLSFiles) string {
	t.Helper()
	ln, err := net.Listen("tcp", net.JoinHostPort(host, "0"))
	if err != nil {
		t.Fatal(err)
	}
	cert, err := tls.LoadX509KeyPair(certs.CertFile, certs.KeyFile)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(h)
	srv.Listener.Close()
	srv.Listener = ln
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{cert}}
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return srv.URL
}

// startPostgres runs a throwaway PostgreSQL cluster in a temporary
// directory, on a loopback port, as an unprivileged user (nobody when the
// test runs as root, which PostgreSQL refuses), and returns its DSN.
func startPostgres(t *testing.T, bin string) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "mcp-exporter-pg-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	var cred *syscall.Credential
	if os.Geteuid() == 0 {
		u, err := user.Lookup("nobody")
		if err != nil {
			t.Fatal(err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		cred = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid), NoSetGroups: true}
		if err := os.Chown(dir, uid, gid); err != nil {
			t.Fatal(err)
		}
	}
	command := func(name string, args ...string) *exec.Cmd {
		cmd := exec.Command(filepath.Join(bin, name), args...)
		cmd.Env = []string{"PATH=/usr/bin:/bin", "LC_ALL=C", "TZ=UTC"}
		cmd.Dir = dir
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred, Setpgid: true}
		return cmd
	}
	data := filepath.Join(dir, "data")
	if out, err := command("initdb", "-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C", "--no-instructions", "-N").CombinedOutput(); err != nil {
		t.Fatalf("initdb: %v\n%s", err, out)
	}
	_, port, _ := net.SplitHostPort(testsupport.FreeAddr(t))
	cmd := command("postgres", "-D", data, "-p", port, "-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories=",
		"-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off")
	log := &testsupport.SyncBuffer{}
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		stopProcess(t, cmd, 10*time.Second)
		if t.Failed() {
			t.Logf("PostgreSQL log:\n%s", log)
		}
	})
	for deadline := time.Now().Add(30 * time.Second); !strings.Contains(log.String(), "database system is ready to accept connections"); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("PostgreSQL did not start:\n%s", log)
		}
	}
	return "postgres://postgres@127.0.0.1:" + port + "/postgres?sslmode=disable"
}

// mcpRegistry is a running MCP registry server and an anonymous publish
// token.
type mcpRegistry struct {
	url, token string
	cmd        *exec.Cmd
}

// startMCPRegistry runs the registry server on a loopback port with its
// anonymous auth, against dsn, and takes a publish token.
func startMCPRegistry(t *testing.T, bin, dsn string) *mcpRegistry {
	t.Helper()
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	addr := testsupport.FreeAddr(t)
	cmd := exec.Command(bin)
	cmd.Env = []string{
		"PATH=/usr/bin:/bin", "HOME=" + t.TempDir(),
		"MCP_REGISTRY_DATABASE_URL=" + dsn,
		"MCP_REGISTRY_SERVER_ADDRESS=" + addr,
		"MCP_REGISTRY_ENABLE_ANONYMOUS_AUTH=true",
		"MCP_REGISTRY_JWT_PRIVATE_KEY=" + hex.EncodeToString(key),
		// No lookups of packages in npm and the like (no network).
		"MCP_REGISTRY_ENABLE_REGISTRY_VALIDATION=false",
		"MCP_REGISTRY_DATABASE_MIN_CONNECTIONS=1",
		"MCP_REGISTRY_DATABASE_MAX_CONNECTIONS=4",
	}
	log := &testsupport.SyncBuffer{}
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	r := &mcpRegistry{url: "http://" + addr, cmd: cmd}
	t.Cleanup(func() {
		r.stop(t)
		if t.Failed() {
			t.Logf("MCP registry log:\n%s", log)
		}
	})
	if !testsupport.WaitOK(r.url+"/v0/health", 60*time.Second, nil) {
		t.Fatalf("the MCP registry did not start:\n%s", log)
	}
	var tok struct {
		RegistryToken string `json:"registry_token"`
	}
	r.call(t, http.MethodPost, "/v0/auth/none", "", &tok)
	if tok.RegistryToken == "" {
		t.Fatal("no registry_token from /v0/auth/none")
	}
	r.token = tok.RegistryToken
	return r
}

func (r *mcpRegistry) stop(t *testing.T) {
	if r.cmd != nil {
		stopProcess(t, r.cmd, 10*time.Second)
		r.cmd = nil
	}
}

// call sends a JSON request with the publish token and decodes a 200
// answer into out.
func (r *mcpRegistry) call(t *testing.T, method, path, body string, out any) {
	t.Helper()
	req, err := http.NewRequest(method, r.url+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if r.token != "" {
		req.Header.Set("Authorization", "Bearer "+r.token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("%s %s: HTTP %d %s\n%s", method, path, resp.StatusCode, b, body)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatal(err)
		}
	}
}

// publish publishes a server.json with the given name, version and
// remotes or packages.
func (r *mcpRegistry) publish(t *testing.T, name, version, rest string) {
	t.Helper()
	r.call(t, http.MethodPost, "/v0/publish", fmt.Sprintf(`{"$schema":"https://static.modelcontextprotocol.io/schemas/2025-12-11/server.schema.json",
"name":%q,"description":"An MCP server of the test","version":%q,%s}`, name, version, rest), nil)
}

func (r *mcpRegistry) setStatus(t *testing.T, name, version, status string) {
	t.Helper()
	r.call(t, http.MethodPatch, "/v0/servers/"+strings.ReplaceAll(name, "/", "%2F")+"/versions/"+version+"/status", fmt.Sprintf(`{"status":%q}`, status), nil)
}
