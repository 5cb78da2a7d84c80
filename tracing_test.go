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
	"net/http"
	"strings"
	"testing"
)

// The tracing block is reloadable: a new block swaps the tracer provider,
// a bad one keeps the configuration and the provider in force, none turns
// tracing off (no provider at all).
func TestTracingReload(t *testing.T) {
	const modules = "modules:\n  default: {}\n"
	te := newTestExporter(t, modules, "")
	if te.exporter.tracer != nil {
		t.Fatal("a tracer provider without a tracing block")
	}
	reload := func(text string) int {
		t.Helper()
		writeConfig(t, te.configFile, text)
		code, _ := do(t, http.MethodPost, te.server.URL+"/-/reload")
		return code
	}
	good := modules + "tracing:\n  endpoint: 127.0.0.1:4317\n  insecure: true\n  headers:\n    X-Scope-OrgID: tenant-secret\n"
	if code := reload(good); code != http.StatusOK {
		t.Fatalf("reload: %d", code)
	}
	tp := te.exporter.tracer
	if tp == nil {
		t.Fatal("no tracer provider after a reload with a tracing block")
	}
	if _, body := te.get(t, "/config"); strings.Contains(body, "tenant-secret") || !strings.Contains(body, "endpoint: 127.0.0.1:4317") {
		t.Errorf("/config shows:\n%s", body)
	}
	for _, bad := range []string{
		modules + "tracing:\n  endpoint: 127.0.0.1:4318\n  sampling_fraction: 2\n",
		modules + "tracing:\n  endpoint: 127.0.0.1:4318\n  tls_config:\n    ca_file: /nonexistent/ca.pem\n",
	} {
		if code := reload(bad); code == http.StatusOK {
			t.Errorf("a bad tracing block reloaded:\n%s", bad)
		}
		if te.exporter.tracer != tp || te.exporter.config.Get().Tracing.Endpoint != "127.0.0.1:4317" {
			t.Errorf("a bad tracing block changed what is in force:\n%s", bad)
		}
	}
	if code := reload(good); code != http.StatusOK || te.exporter.tracer != tp {
		t.Error("an unchanged block rebuilt the provider")
	}
	if code := reload(modules); code != http.StatusOK || te.exporter.tracer != nil {
		t.Errorf("reload without the block: %d, provider %v", code, te.exporter.tracer)
	}
}
