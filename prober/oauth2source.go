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

package prober

import (
	"maps"
	"net/url"
	"strings"

	"github.com/prometheus/common/version"

	"github.com/mcp-exporter/mcp_exporter/config"
	"github.com/mcp-exporter/mcp_exporter/internal/oauthdiscovery"
)

// oauth2Endpoint is where a probe's token requests go: the configured
// token_url, or what discovery found (server, nil for a configured one).
type oauth2Endpoint struct {
	tokenURL string
	server   *oauthdiscovery.AuthServer
}

// configuredEndpoint is the module's own token_url.
func configuredEndpoint(m config.Module) oauth2Endpoint {
	if m.HTTPClientConfig.OAuth2 == nil {
		return oauth2Endpoint{}
	}
	return oauth2Endpoint{tokenURL: m.HTTPClientConfig.OAuth2.TokenURL}
}

// discoveredEndpoint is the token endpoint discovery found.
func discoveredEndpoint(as *oauthdiscovery.AuthServer) oauth2Endpoint {
	return oauth2Endpoint{tokenURL: as.TokenEndpoint, server: as}
}

// discoveryOptions are what discovery needs to know of the module beyond
// oauth2_issuers: the 401's scope, and how the client can authenticate.
func discoveryOptions(m *config.Module, challenge map[string]string) oauthdiscovery.Options {
	return oauthdiscovery.Options{
		ResourceMetadataURL: challenge["resource_metadata"],
		IssuerAllowed:       m.IssuerAllowed,
		Scope:               challenge["scope"],
		ClientAuthMethods:   m.ClientAuthMethods(),
	}
}

// oauth2Source returns the shared token source of a probe of target by
// the module m (which has an oauth2 block) through ep. It puts together
// what the module says and what the authorization server published:
//
//   - resource (RFC 8707): the target's canonical URI when
//     m.SendsResource (oauth2_resource: target, or discovery by default);
//   - scope: the module's scopes, else the one discovery selected (the
//     401's scope=, else the protected resource's scopes_supported);
//   - client authentication: the client assertion (private_key_jwt) when
//     configured, else the client secret by the method the server lists
//     (client_secret_basic first), else Basic with a switch to the form
//     after a refusal;
//   - the assertion's audience: the issuer when discovery knows it, else
//     the token endpoint.
//
// One token source is kept per (module, token URL, resource, scope,
// method, issuer): the token is fetched once and reused across probes
// until shortly before it expires, a rotated secret or key file is picked
// up on the next probe, and each probe asks the source at most once.
func (p *Prober) oauth2Source(moduleName string, m *config.Module, target *url.URL, ep oauth2Endpoint) *tokenSource {
	o := *m.HTTPClientConfig.OAuth2
	o.TokenURL = ep.tokenURL
	o.EndpointParams = maps.Clone(o.EndpointParams)
	resource := ""
	if m.SendsResource() {
		resource = oauthdiscovery.CanonicalResource(target)
		if o.EndpointParams == nil {
			o.EndpointParams = map[string]string{}
		}
		o.EndpointParams["resource"] = resource
	}
	method, issuer := "", ""
	if as := ep.server; as != nil {
		method, issuer = as.AuthMethod, as.Issuer
		if len(o.Scopes) == 0 && as.Scope != "" {
			o.Scopes = strings.Fields(as.Scope)
		}
	}
	assertion := m.OAuth2ClientAssertion
	key := strings.Join([]string{moduleName, ep.tokenURL, resource, strings.Join(o.Scopes, " "), method, issuer}, "\x00")
	return p.tokens.getOrBuild(key, func() *tokenSource {
		s := newTokenSource(&o, "mcp_exporter/"+version.Version)
		switch a := s.auth.(type) {
		case refusedAuth:
		case *clientSecretAuth:
			if assertion != nil {
				aud := issuer
				if aud == "" {
					aud = ep.tokenURL
				}
				s.auth = &assertionAuth{clientID: o.ClientID, audience: aud, config: *assertion}
				break
			}
			a.usePublished(method)
		}
		return s
	})
}
