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
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// plainCredentialsConfig holds credentials prometheus/common keeps as plain
// text: http_headers values and oauth2 endpoint_params.
const plainCredentialsConfig = `
modules:
  default:
    timeout: 5s
  headers:
    allow_any_target: true
    http_config:
      http_headers:
        X-API-Key: {values: ["s3cr3t-HEADER-VALUE"]}
  oauth2:
    allow_any_target: true
    http_config:
      oauth2:
        client_id: c
        client_secret: s3cr3t-CLIENT
        token_url: https://tok.example/token
        endpoint_params: {api_key: s3cr3t-ENDPOINT-PARAM}
`

// badProxyConfig names a proxy_url that does not parse, password included.
const badProxyConfig = `
modules:
  default:
    http_config:
      proxy_url: "http://proxyuser:s3cr3t-PROXY-PW@proxy.example:80x/"
`

func TestConfigHidesPlainCredentials(t *testing.T) {
	te := newTestExporter(t, plainCredentialsConfig, "")
	code, body := te.get(t, "/config")
	if code != http.StatusOK {
		t.Fatalf("/config: %d %s", code, body)
	}
	for _, s := range []string{"s3cr3t-HEADER-VALUE", "s3cr3t-CLIENT", "s3cr3t-ENDPOINT-PARAM"} {
		if strings.Contains(body, s) {
			t.Errorf("/config shows %q:\n%s", s, body)
		}
	}
	if !strings.Contains(body, "X-API-Key") || !strings.Contains(body, "api_key") {
		t.Errorf("/config lost the header or parameter names:\n%s", body)
	}
}

func TestReloadErrorHidesProxyPassword(t *testing.T) {
	te := newTestExporter(t, initialConfig, "")
	writeConfig(t, te.configFile, badProxyConfig)
	code, body := do(t, http.MethodPost, te.server.URL+"/-/reload")
	if code != http.StatusInternalServerError || !strings.Contains(body, "proxy.example") {
		t.Fatalf("POST /-/reload of a bad proxy_url: %d %s", code, body)
	}
	for where, text := range map[string]string{"reload answer": body, "log": te.log.String()} {
		if strings.Contains(text, "s3cr3t-PROXY-PW") {
			t.Errorf("the %s shows the proxy password:\n%s", where, text)
		}
	}
}

// captureStderr runs f with os.Stderr going to a file, and returns what
// was written there.
func captureStderr(t *testing.T, f func()) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "stderr")
	file, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	saved := os.Stderr
	os.Stderr = file
	defer func() { os.Stderr = saved }()
	f()
	if _, err := file.Seek(0, io.SeekStart); err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(file)
	if err != nil {
		t.Fatal(err)
	}
	_ = file.Close()
	return string(b)
}

func TestConfigCheckHidesProxyPassword(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bad.yml")
	writeConfig(t, path, badProxyConfig)
	var code int
	out := captureStderr(t, func() { code = run([]string{"--config.check", "--config.file", path}) })
	if code != 1 || !strings.Contains(out, "proxy.example") {
		t.Fatalf("--config.check of a bad proxy_url: exit %d, output:\n%s", code, out)
	}
	if strings.Contains(out, "s3cr3t-PROXY-PW") {
		t.Errorf("--config.check shows the proxy password:\n%s", out)
	}
	out = captureStderr(t, func() { code = run([]string{"check", "--config.file", path, "http://127.0.0.1:1/mcp"}) })
	if code != 2 || strings.Contains(out, "s3cr3t-PROXY-PW") {
		t.Errorf("check with a bad proxy_url: exit %d, output:\n%s", code, out)
	}
}
