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

package config

import (
	"strings"
	"testing"
	"time"

	yaml "go.yaml.in/yaml/v3"
)

const registryModules = `modules:
  default: {}
  corp:
    http_config:
      authorization: {credentials: s3cret}
    allowed_targets: ['https://mcp\.corp\.example/.*']
  local:
    transport: stdio
    command: [/bin/true]
`

// TestRegistries: the registries block takes its defaults, and its errors
// name the registry, the key and its line.
func TestRegistries(t *testing.T) {
	c := mustParse(t, registryModules+`registries:
  corp:
    url: https://registry.corp.example/base/
    module: corp
    module_overrides:
      - {name: 'io\.corp/public-.*', module: default}
    names: ['io\.corp/.*']
    http_config:
      basic_auth: {username: sd, password: hunter2}
`)
	r := c.Registries["corp"]
	if got := r.ListURL(); got != "https://registry.corp.example/base/v0.1/servers" {
		t.Errorf("ListURL = %s", got)
	}
	if time.Duration(r.RefreshInterval) != 5*time.Minute || !r.LatestOnly || r.MaxEntries != 10000 || r.PageSize != 100 ||
		strings.Join(r.Statuses, ",") != "active" || strings.Join(r.RemoteTypes, ",") != "streamable-http,sse" {
		t.Errorf("defaults not taken: %+v", r)
	}
	if !r.NameAllowed("io.corp/x") || r.NameAllowed("io.other/x") || r.NameAllowed("xio.corp/x") {
		t.Error("names are not fully anchored regexps")
	}
	if r.ModuleFor("io.corp/public-a") != "default" || r.ModuleFor("io.corp/b") != "corp" {
		t.Error("module_overrides not applied")
	}
	out, err := yaml.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(out), "hunter2") || strings.Contains(string(out), "s3cret") {
		t.Errorf("a secret is shown:\n%s", out)
	}
	if !strings.Contains(string(out), "registries:") || !strings.Contains(string(out), "password: <secret>") {
		t.Errorf("the registry is not shown masked:\n%s", out)
	}

	for _, tc := range []struct {
		name, yaml string
		want       []string
	}{
		{"no url", "  r:\n    module: default\n", []string{`registry "r": line 12: url: is required`}},
		{"unknown module", "  r:\n    url: https://r.example\n    module: nope\n", []string{`registry "r": line 13: module: unknown module "nope"`}},
		{"stdio module", "  r:\n    url: https://r.example\n    module: local\n", []string{`line 13: module: module "local" is a stdio module`}},
		{"override module", "  r:\n    url: https://r.example\n    module_overrides:\n      - {name: a, module: nope}\n", []string{`line 14: module_overrides[0]: module: unknown module "nope"`}},
		{"unknown key", "  r:\n    url: https://r.example\n    moduel: default\n", []string{`registry "r": line 13: unknown key "moduel"`}},
		{"bad scheme", "  r:\n    url: ftp://r.example\n", []string{`line 12: url: want an absolute http`}},
		{"userinfo", "  r:\n    url: https://u:pw@r.example\n", []string{`line 12: url: must not carry credentials`}},
		{"query", "  r:\n    url: https://r.example/?cursor=x\n", []string{`line 12: url: must have no query`}},
		{"interval", "  r:\n    url: https://r.example\n    refresh_interval: 1s\n", []string{`line 13: refresh_interval: must be at least 10s`}},
		{"status", "  r:\n    url: https://r.example\n    statuses: [active, gone]\n", []string{`line 13: statuses[1]: unknown status "gone"`}},
		{"remote type", "  r:\n    url: https://r.example\n    remote_types: [stdio]\n", []string{`line 13: remote_types[0]: unknown remote type "stdio"`}},
		{"names", "  r:\n    url: https://r.example\n    names: ['(']\n", []string{`line 13: names[0]`}},
		{"page size", "  r:\n    url: https://r.example\n    page_size: 500\n", []string{`line 13: page_size: want 1 to 100`}},
		{"bytes", "  r:\n    url: https://r.example\n    max_response_bytes: 1GiB\n", []string{`line 13: max_response_bytes`}},
		{"type", "  r:\n    url: https://r.example\n    max_pages: many\n", []string{`line 13: max_pages: cannot use !!str value "many" here`}},
		{"ca file", "  r:\n    url: https://r.example\n    http_config:\n      tls_config:\n        ca_file: /nonexistent/ca.pem\n", []string{`line 15: http_config.tls_config.ca_file: cannot read /nonexistent/ca.pem`}},
		{"name", "  'a b':\n    url: https://r.example\n", []string{`registry name "a b"`}},
		{"not a mapping", "  - r\n", []string{"registries must be a mapping"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			parseRefused(t, registryModules+"registries:\n"+tc.yaml, tc.want...)
		})
	}
}
