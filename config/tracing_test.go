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

const tracingModules = "modules:\n  default: {}\n"

func TestTracingBlock(t *testing.T) {
	c, err := Parse([]byte(tracingModules))
	if err != nil || c.Tracing != nil {
		t.Fatalf("no block: %v, %+v", err, c.Tracing)
	}
	c, err = Parse([]byte(tracingModules + `tracing:
  endpoint: otel-collector.monitoring:4317
  headers:
    Authorization: Bearer very-secret
  tls_config:
    insecure_skip_verify: true
`))
	if err != nil {
		t.Fatal(err)
	}
	tr := c.Tracing
	if tr.Endpoint != "otel-collector.monitoring:4317" || tr.ClientType != TracingClientGRPC || tr.SamplingFraction != 0.1 ||
		time.Duration(tr.Timeout) != 10*time.Second || tr.Insecure || !tr.TLSConfig.InsecureSkipVerify {
		t.Errorf("defaults: %+v", tr)
	}
	out, err := yaml.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(out), "very-secret") || !strings.Contains(string(out), "<secret>") {
		t.Errorf("headers not masked:\n%s", out)
	}
}

func TestTracingBlockErrors(t *testing.T) {
	cases := []struct{ block, want string }{
		{"tracing:\n  client_type: grpc\n", "tracing: line 3: endpoint: required"},
		{"tracing:\n  endpoint: http://collector:4317\n", "tracing: line 4: endpoint: \"http://collector:4317\": give host:port"},
		{"tracing:\n  endpoint: collector\n", "tracing: line 4: endpoint: \"collector\": want host:port"},
		{"tracing:\n  endpoint: c:4317\n  client_type: thrift\n", "tracing: line 5: client_type: \"thrift\": want grpc or http"},
		{"tracing:\n  endpoint: c:4317\n  sampling_fraction: 2\n", "tracing: line 5: sampling_fraction: 2: want a number from 0 to 1"},
		{"tracing:\n  endpoint: c:4317\n  timeout: 0s\n", "tracing: line 5: timeout: must be positive"},
		{"tracing:\n  endpoint: c:4317\n  sampling_fracton: 1\n", "tracing: line 5: unknown key \"sampling_fracton\" (did you mean \"sampling_fraction\"?)"},
		{"tracing:\n  endpoint: c:4317\n  insecure: maybe\n", "line 5"},
		{"tracing: [1]\n", "tracing: line 3: tracing must be a mapping"},
		{"tracing:\n  endpoint: c:4317\n  tls_config:\n    ca_file: /nonexistent/ca.pem\n", "tracing: line 6: tls_config.ca_file: cannot read /nonexistent/ca.pem"},
		{"tracing:\n  endpoint: c:4317\ntracing:\n  endpoint: c:4317\n", "line 5: tracing is set twice (first on line 3)"},
	}
	for _, c := range cases {
		_, err := Parse([]byte(tracingModules + c.block))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: got %v, want %q", c.block, err, c.want)
		}
	}
}
