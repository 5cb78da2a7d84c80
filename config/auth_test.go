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
	"net/url"
	"testing"
)

func TestAllowedTargetsMatchTheRealHost(t *testing.T) {
	c, err := Parse([]byte(`
modules:
  m:
    allowed_targets: ['https://mcp\.example\.com.*']
    http_config:
      authorization: {credentials: s3cr3t}
`))
	if err != nil {
		t.Fatal(err)
	}
	m := c.Modules["m"]
	for target, want := range map[string]bool{
		"https://mcp.example.com/mcp":                true,
		"HTTPS://MCP.Example.com:443/mcp#frag":       true,
		"https://user:pw@mcp.example.com/mcp":        true, // userinfo is not part of the match
		"https://mcp.example.com@evil.example/":      false,
		"https://mcp.example.com.evil.example/":      true, // the operator's pattern allows it: anchor the host with a slash
		"http://mcp.example.com/mcp":                 false,
		"https://mcp.example.com:8443/mcp":           true,
		"https://other.example.com/?mcp.example.com": false,
	} {
		u, err := url.Parse(target)
		if err != nil {
			t.Fatal(err)
		}
		if got := m.TargetAllowed(NormalizeTarget(u)); got != want {
			t.Errorf("TargetAllowed(%s) = %v (normalized %s), want %v", target, got, NormalizeTarget(u), want)
		}
	}
}
