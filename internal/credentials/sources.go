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

package credentials

import (
	"maps"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/prometheus/common/version"

	"github.com/mcp-exporter/mcp_exporter/config"
	"github.com/mcp-exporter/mcp_exporter/internal/oauthdiscovery"
)

// Endpoint is where a probe's token requests go: the configured
// token_url, or what discovery found (server, nil for a configured one).
type Endpoint struct {
	tokenURL string
	server   *oauthdiscovery.AuthServer
}

// ConfiguredEndpoint is the module's own token_url.
func ConfiguredEndpoint(m config.Module) Endpoint {
	if m.HTTPClientConfig.OAuth2 == nil {
		return Endpoint{}
	}
	return Endpoint{tokenURL: m.HTTPClientConfig.OAuth2.TokenURL}
}

// DiscoveredEndpoint is the token endpoint discovery found.
func DiscoveredEndpoint(as *oauthdiscovery.AuthServer) Endpoint {
	return Endpoint{tokenURL: as.TokenEndpoint, server: as}
}

// Options are what the token sources take from the prober.
type Options struct {
	// Now is the clock of token lifetimes, renewals and back-offs;
	// time.Now when nil.
	Now func() time.Time
	// Mark wraps the token endpoint's transport: the prober marks every
	// request it sends (the loop marker, its User-Agent).
	Mark func(http.RoundTripper) http.RoundTripper
	// Cache returns the source kept for key, building and keeping it with
	// build when there is none: the prober bounds what it keeps.
	Cache func(key string, build func() *Source) *Source
}

// Sources hands out the token sources of a prober's probes.
type Sources struct{ o Options }

// NewSources returns the token sources of o.
func NewSources(o Options) *Sources {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Cache == nil {
		o.Cache = func(_ string, build func() *Source) *Source { return build() }
	}
	return &Sources{o: o}
}

// For returns the shared token source of a probe of target by the module
// m (named moduleName, with an oauth2 block) through ep. It puts together
// what the module says and what the authorization server published:
//
//   - resource (RFC 8707): the target's canonical URI when
//     m.SendsResource (oauth2_resource: target, or discovery by default);
//   - scope: the module's scopes, else the one discovery selected (the
//     401's scope=, else the protected resource's scopes_supported);
//   - the grant: the platform's JWT (RFC 7523 §2.1) with
//     oauth2_workload_identity, without client authentication; else the
//     client credentials grant;
//   - client authentication: the client assertion (private_key_jwt) when
//     configured, else the client secret by the method the server lists
//     (client_secret_basic first), else Basic with a switch to the form
//     after a refusal;
//   - the assertion's audience: the issuer when discovery knows it, else
//     the token endpoint.
//
// With oauth2_dpop, token requests carry a DPoP proof of the module's key,
// and a token issued as DPoP is sent with one (RFC 9449).
//
// One token source is kept per (module, token URL, resource, scope,
// method, issuer): the token is fetched once and reused across probes
// until shortly before it expires, a rotated secret or key file is picked
// up on the next probe, and each probe asks the source at most once.
func (ss *Sources) For(moduleName string, m *config.Module, target *url.URL, ep Endpoint) *Source {
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
	assertion, workload := m.OAuth2ClientAssertion, m.OAuth2WorkloadIdentity
	key := strings.Join([]string{moduleName, ep.tokenURL, resource, strings.Join(o.Scopes, " "), method, issuer}, "\x00")
	return ss.o.Cache(key, func() *Source {
		s := newTokenSource(&o, "mcp_exporter/"+version.Version)
		s.now = ss.o.Now
		s.dpop = m.OAuth2DPoP
		if ss.o.Mark != nil {
			s.mark = ss.o.Mark
		}
		switch a := s.auth.(type) {
		case refusedAuth:
		case *clientSecretAuth:
			if workload != nil {
				// RFC 7523 §2.1: the platform's JWT is the grant; no
				// client authentication, a client_id only if configured.
				s.form.Set("grant_type", config.JWTBearerGrant)
				if o.ClientID != "" {
					s.form.Set("client_id", o.ClientID)
				}
				s.auth = &workloadAssertion{file: workload.AssertionFile}
				break
			}
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
