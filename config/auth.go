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
	"fmt"
	"net/url"
	"regexp"
	"strings"

	yaml "go.yaml.in/yaml/v3"
)

// OAuth2ResourceTarget sends the target's canonical URI as the resource
// parameter of token requests (RFC 8707).
const OAuth2ResourceTarget = "target"

// discoveryPlaceholder stands in for a token_url left out for discovery
// while prometheus/common, which requires one, decodes and validates the
// module; it never survives loading.
const discoveryPlaceholder = "https://token-url.discovered.invalid/"

// Credentials names the kinds of credential the module carries, empty when
// it carries none: a credentialed module may only probe allowed targets.
func (m *Module) Credentials() []string {
	hc := m.HTTPClientConfig
	var kinds []string
	if hc.Authorization != nil && (hc.Authorization.Credentials != "" || hc.Authorization.CredentialsFile != "" || hc.Authorization.CredentialsRef != "") {
		kinds = append(kinds, "authorization")
	}
	if hc.BearerToken != "" || hc.BearerTokenFile != "" {
		kinds = append(kinds, "bearer_token")
	}
	if hc.BasicAuth != nil {
		kinds = append(kinds, "basic_auth")
	}
	if hc.OAuth2 != nil {
		kinds = append(kinds, "oauth2")
	}
	if hc.HTTPHeaders != nil && len(hc.HTTPHeaders.Headers) > 0 {
		kinds = append(kinds, "http_headers")
	}
	tc := hc.TLSConfig
	if tc.CertFile != "" || tc.Cert != "" || tc.KeyFile != "" || tc.Key != "" || tc.KeyRef != "" || tc.CertRef != "" {
		kinds = append(kinds, "tls_config client certificate")
	}
	return kinds
}

// TargetAllowed reports whether a credentialed module may probe target
// (normalized with NormalizeTarget). Modules without credentials may probe
// anything.
func (m *Module) TargetAllowed(target string) bool {
	if len(m.Credentials()) == 0 || m.AllowAnyTarget {
		return true
	}
	for _, re := range m.allowed {
		if re.MatchString(target) {
			return true
		}
	}
	return false
}

// NormalizeTarget is the form of a target URL that allowed_targets are
// matched against: scheme and host lower-cased, the scheme's default port
// dropped, no userinfo and no fragment. Without userinfo, a pattern like
// "https://mcp\.example\.com.*" cannot be met by
// "https://mcp.example.com@elsewhere/".
func NormalizeTarget(u *url.URL) string {
	n := *u
	n.User = nil
	n.Scheme = strings.ToLower(n.Scheme)
	host, port := strings.ToLower(n.Hostname()), n.Port()
	if (n.Scheme == "https" && port == "443") || (n.Scheme == "http" && port == "80") {
		port = ""
	}
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	if port != "" {
		host += ":" + port
	}
	n.Host = host
	n.Fragment, n.RawFragment = "", ""
	return n.String()
}

func (m *Module) validateAuth() error {
	m.allowed = nil
	for i, expr := range m.AllowedTargets {
		re, err := regexp.Compile("^(?:" + expr + ")$")
		if err != nil {
			return &keyError{"allowed_targets", i, fmt.Errorf("not a regular expression: %w", err)}
		}
		m.allowed = append(m.allowed, re)
	}
	creds := m.Credentials()
	if len(creds) > 0 && len(m.AllowedTargets) == 0 && !m.AllowAnyTarget {
		return keyErrorf("allowed_targets", "the module carries credentials (%s) but names no allowed_targets: "+
			"anyone who can reach /probe could send them to a server of their own. List the targets it may probe as "+
			`regular expressions, e.g. allowed_targets: ['https://mcp\.example\.com/.*'], or set allow_any_target: true`,
			strings.Join(creds, ", "))
	}
	if len(creds) == 0 && len(m.AllowedTargets) > 0 {
		return keyErrorf("allowed_targets", "the module carries no credentials, so allowed_targets would restrict nothing")
	}
	oauth2 := m.HTTPClientConfig.OAuth2
	switch m.OAuth2Resource {
	case "":
	case OAuth2ResourceTarget:
		if oauth2 == nil {
			return keyErrorf("oauth2_resource", "needs http_config.oauth2")
		}
		if _, set := oauth2.EndpointParams["resource"]; set {
			return keyErrorf("oauth2_resource", "http_config.oauth2.endpoint_params already sets resource; keep one of the two")
		}
	default:
		return keyErrorf("oauth2_resource", "unknown value %q (want %s, or leave it out)", m.OAuth2Resource, OAuth2ResourceTarget)
	}
	if m.OAuth2Discovery {
		if oauth2 == nil {
			return keyErrorf("oauth2_discovery", "needs http_config.oauth2 (client_id and client_secret; token_url left out)")
		}
		if oauth2.TokenURL != "" {
			return keyErrorf("oauth2_discovery", "http_config.oauth2.token_url is set, so there is nothing to discover; remove one of the two")
		}
	}
	if m.FailIfAnonymousAllowed && len(creds) == 0 {
		return keyErrorf("fail_if_anonymous_allowed", "needs credentials in http_config: the check compares a request without them to one with them")
	}
	return nil
}

// allowTokenDiscovery puts a placeholder token_url into a module node that
// asks for discovery and leaves token_url out, because prometheus/common's
// HTTPClientConfig refuses an oauth2 block without one while decoding; the
// placeholder is removed again once the module is decoded. n is the
// module's own (alias-expanded) copy.
func allowTokenDiscovery(n *yaml.Node) {
	if !nodeBool(mappingValue(n, "oauth2_discovery")) {
		return
	}
	o := mappingValue(mappingValue(n, "http_config"), "oauth2")
	if o == nil || o.Kind != yaml.MappingNode || mappingValue(o, "token_url") != nil {
		return
	}
	o.Content = append(o.Content,
		&yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: "token_url", Line: o.Line},
		&yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: discoveryPlaceholder, Line: o.Line})
}

func mappingValue(n *yaml.Node, key string) *yaml.Node {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}

func nodeBool(n *yaml.Node) bool {
	var b bool
	return n != nil && n.Decode(&b) == nil && b
}
