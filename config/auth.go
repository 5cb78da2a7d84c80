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
	"errors"
	"net/url"
	"strings"

	yaml "go.yaml.in/yaml/v3"

	"github.com/mcp-exporter/mcp_exporter/internal/dialhost"
)

// OAuth2ResourceTarget sends the target's canonical URI as the resource
// parameter of token requests (RFC 8707).
const OAuth2ResourceTarget = "target"

// OAuth2ResourceNone sends no resource parameter, even with discovery.
const OAuth2ResourceNone = "none"

// SendsResource reports whether token requests carry the target's
// canonical URI as RFC 8707's resource: with oauth2_resource: target, and
// by default with oauth2_discovery (the MCP authorization specification
// makes it a MUST), unless oauth2_resource is none or
// http_config.oauth2.endpoint_params sets resource itself.
func (m *Module) SendsResource() bool {
	switch m.OAuth2Resource {
	case OAuth2ResourceTarget:
		return true
	case OAuth2ResourceNone:
		return false
	}
	o := m.HTTPClientConfig.OAuth2
	if !m.OAuth2Discovery || o == nil {
		return false
	}
	_, set := o.EndpointParams["resource"]
	return !set
}

// ClientAuthMethods are the token endpoint authentication methods (RFC
// 8414 names) the module's OAuth2 client can use, preferred first.
func (m *Module) ClientAuthMethods() []string {
	if m.OAuth2WorkloadIdentity != nil {
		return nil // no client authentication: the platform's token is the grant
	}
	if m.OAuth2ClientAssertion != nil {
		return []string{"private_key_jwt"}
	}
	return []string{"client_secret_basic", "client_secret_post"}
}

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

// TargetAllowed reports whether a credentialed module may probe target:
// whether one of its allowed_targets matches it (see urlPattern for what a
// pattern sees of a URL). Modules without credentials may probe anything.
// AdmitTarget is the whole check a probe must pass.
func (m *Module) TargetAllowed(target *url.URL) bool {
	if len(m.Credentials()) == 0 || m.AllowAnyTarget {
		return true
	}
	return matchURL(m.allowed, target)
}

// AdmitTarget returns the URL a probe of this module dials for target, or
// why the module may not probe it (a one-line reason that completes "module
// m ..."). The host of the returned URL is what allowed_targets were matched
// against: a non-ASCII host is replaced by its IDNA ASCII form, so that the
// transport dials exactly the host that was checked. A credentialed module
// refuses a non-ASCII host without an ASCII form, allow_any_target or not:
// it could not be checked, and no operator means to send credentials there.
func (m *Module) AdmitTarget(target *url.URL) (*url.URL, error) {
	host, err := dialhost.Normalize(target.Hostname())
	credentialed := len(m.Credentials()) > 0
	switch {
	case err != nil && credentialed:
		return nil, errors.New("carries credentials and the target's host is not ASCII and has no IDNA ASCII form")
	case err == nil && !isASCII(target.Hostname()):
		u := *target
		u.Host = joinHostPort(host, target.Port())
		target = &u
	}
	if !m.TargetAllowed(target) {
		return nil, errors.New("carries credentials and its allowed_targets do not match this target")
	}
	return target, nil
}

// IssuerAllowed reports whether u, an authorization server's issuer or
// token endpoint found by oauth2_discovery, matches one of the module's
// oauth2_issuers, as allowed_targets match a target (urlPattern). A host
// without an IDNA ASCII form never matches.
func (m *Module) IssuerAllowed(u *url.URL) bool {
	if u == nil {
		return false
	}
	if _, err := dialhost.Normalize(u.Hostname()); err != nil {
		return false
	}
	return matchURL(m.issuers, u)
}

// NormalizeTarget is the form of a URL that allowed_targets and
// oauth2_issuers are matched against (without its query, see urlPattern),
// and that origins are compared in: scheme lower-cased, the host as the
// transport dials it (dialhost.Normalize: ASCII lower-cased, any other host
// in its IDNA ASCII form, never Unicode case folding; a trailing dot kept),
// the scheme's default port dropped, no userinfo and no fragment. Without
// userinfo, a pattern like "https://mcp\.example\.com.*" cannot be met by
// "https://mcp.example.com@elsewhere/". A non-ASCII host without an ASCII
// form is kept as written (it is what the transport would dial);
// AdmitTarget refuses it for credentialed modules.
func NormalizeTarget(u *url.URL) string {
	if u.Opaque != "" {
		// scheme:opaque has no host to dial; it matches no http(s) pattern.
		return strings.ToLower(u.Scheme) + ":" + u.Opaque
	}
	rest := *u
	rest.User, rest.Scheme, rest.Host = nil, "", ""
	rest.Fragment, rest.RawFragment = "", ""
	return dialhost.Origin(u) + rest.String()
}

// joinHostPort is host[:port], with an IPv6 host in brackets.
func joinHostPort(host, port string) string {
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	if port != "" {
		host += ":" + port
	}
	return host
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

func (m *Module) validateAuth() error {
	var err error
	if m.allowed, err = compileURLPatterns("allowed_targets", m.AllowedTargets); err != nil {
		return err
	}
	if m.issuers, err = compileURLPatterns("oauth2_issuers", m.OAuth2Issuers); err != nil {
		return err
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
	if oauth2 != nil && oauth2.GrantType != "" && oauth2.GrantType != "client_credentials" {
		return keyErrorf("http_config", "oauth2.grant_type %q is not supported: the exporter uses the client_credentials grant; remove grant_type", oauth2.GrantType)
	}
	switch m.OAuth2Resource {
	case "", OAuth2ResourceNone:
	case OAuth2ResourceTarget:
		if oauth2 == nil {
			return keyErrorf("oauth2_resource", "needs http_config.oauth2")
		}
		if _, set := oauth2.EndpointParams["resource"]; set {
			return keyErrorf("oauth2_resource", "http_config.oauth2.endpoint_params already sets resource; keep one of the two")
		}
	default:
		return keyErrorf("oauth2_resource", "unknown value %q (want %s or %s, or leave it out: then the resource is sent with oauth2_discovery only)",
			m.OAuth2Resource, OAuth2ResourceTarget, OAuth2ResourceNone)
	}
	if m.OAuth2Discovery {
		if oauth2 == nil {
			return keyErrorf("oauth2_discovery", "needs http_config.oauth2 (client_id and client_secret; token_url left out)")
		}
		if oauth2.TokenURL != "" {
			return keyErrorf("oauth2_discovery", "http_config.oauth2.token_url is set, so there is nothing to discover; remove one of the two")
		}
		if len(m.OAuth2Issuers) == 0 {
			return &keyError{key: "oauth2_issuers", index: -1, lineKey: "oauth2_discovery", err: errors.New("oauth2_discovery is on but the module names no oauth2_issuers: " +
				"the target could send the client secret to an authorization server of its choosing. List the issuers the credential may go to as " +
				`regular expressions, e.g. oauth2_issuers: ['https://idp\.example\.internal/realms/mcp']`)}
		}
	} else if len(m.OAuth2Issuers) > 0 {
		return keyErrorf("oauth2_issuers", "oauth2_discovery is off, so oauth2_issuers would restrict nothing (they bound where discovery may send the credential)")
	}
	if err := m.validateClientAssertion(); err != nil {
		return err
	}
	if err := m.validateWorkloadIdentity(); err != nil {
		return err
	}
	if err := m.validateDPoP(); err != nil {
		return err
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
	if nodeBool(mappingValue(n, "oauth2_discovery")) {
		putOAuth2Placeholder(n, "token_url", discoveryPlaceholder)
	}
}

// putOAuth2Placeholder sets key to placeholder in the http_config.oauth2
// block of the module node n, when the block is there and leaves key out.
func putOAuth2Placeholder(n *yaml.Node, key, placeholder string) {
	o := mappingValue(mappingValue(n, "http_config"), "oauth2")
	if o == nil || o.Kind != yaml.MappingNode || mappingValue(o, key) != nil {
		return
	}
	o.Content = append(o.Content,
		&yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: key, Line: o.Line},
		&yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: placeholder, Line: o.Line})
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
