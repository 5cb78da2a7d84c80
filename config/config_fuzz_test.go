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
	"bytes"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	yaml "go.yaml.in/yaml/v3"
)

// FuzzParseConfig: Parse never panics and never takes long, whatever the
// file holds; a configuration it accepts marshals to YAML that parses
// again to the same modules. Seeds are in testdata/fuzz/FuzzParseConfig as
// well as below.
func FuzzParseConfig(f *testing.F) {
	for _, s := range []string{
		"modules:\n  default:\n",
		"modules:\n  default:\n    timeout: 5s\n    transport: sse\n    protocol_version: 2024-11-05\n    min_tools: 0\n",
		"modules:\n  default:\n    timout: 5s\n",
		"modules:\n  a: &a {timeout: 3s, required_tools: [echo, search]}\n  b:\n    <<: *a\n    max_response_bytes: 1MiB\n",
		"modules:\n  default:\n    valid_protocol_versions: [2025-11-25, 2025-06-18]\n    expected_schema_hash: " + strings.Repeat("ab", 32) + "\n",
		"modules:\n  bearer:\n    allowed_targets: ['https://mcp\\.example\\.com/.*']\n    http_config:\n      authorization:\n        type: Bearer\n        credentials: s3cr3t\n",
		"modules:\n  o:\n    allow_any_target: true\n    oauth2_discovery: true\n    oauth2_issuers: ['https://idp\\.example/realms/x']\n    oauth2_resource: target\n    http_config:\n      oauth2: {client_id: c, client_secret: s}\n",
		"modules:\n  h:\n    fail_if_not_tls: true\n    close_session: false\n    http_config: {follow_redirects: false, enable_http2: false, tls_config: {insecure_skip_verify: true}}\n",
		"modules:\n  default:\nregistries:\n  corp:\n    url: https://registry.example/base\n    module_overrides: [{name: 'io\\.x/.*', module: default}]\n    names: ['io\\..*']\n    statuses: [active, deprecated]\n    page_size: 10\n",
		"a: &a [*a]\n",
		"modules: [1, 2]\n",
		"modules:\n  x: !!binary aGVsbG8=\n",
		"",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if len(b) > 64<<10 {
			return
		}
		// A hang is a crash: the fuzzer keeps the input that caused it.
		watchdog := time.AfterFunc(10*time.Second, func() { panic(fmt.Sprintf("Parse has not returned after 10s on %q", b)) })
		c, err := Parse(b)
		watchdog.Stop()
		if err != nil {
			if c != nil {
				t.Fatalf("error %v with a configuration", err)
			}
			return
		}
		if len(c.Modules) == 0 {
			t.Fatal("accepted a configuration without modules")
		}
		out, err := yaml.Marshal(c)
		if err != nil {
			t.Fatalf("marshalling an accepted configuration: %v", err)
		}
		if bytes.Contains(out, []byte("<secret>")) {
			return // secrets marshal as <secret>, which is not the secret
		}
		again, err := Parse(out)
		if err != nil {
			t.Fatalf("the marshalled configuration does not parse: %v\n%s", err, out)
		}
		if got, want := slices.Sorted(maps.Keys(again.Modules)), slices.Sorted(maps.Keys(c.Modules)); !slices.Equal(got, want) {
			t.Fatalf("modules %q after the round trip, want %q", got, want)
		}
		out2, err := yaml.Marshal(again)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(out, out2) {
			t.Fatalf("the round trip changed the configuration:\n%s\nthen:\n%s", out, out2)
		}
	})
}
