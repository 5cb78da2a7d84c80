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
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/mcp-exporter/mcp_exporter/config"
	"github.com/mcp-exporter/mcp_exporter/internal/credentials"
	"github.com/mcp-exporter/mcp_exporter/internal/failure"
	"github.com/mcp-exporter/mcp_exporter/internal/oauthdiscovery"
	"github.com/mcp-exporter/mcp_exporter/prober/mcpwire"
)

// anonymous returns the module without its HTTP-level credentials
// (authorization, bearer token, basic auth, OAuth2, custom headers). TLS
// settings, a client certificate among them, stay: they are the
// connection's, not the request's.
func anonymous(m config.Module) config.Module {
	hc := m.HTTPClientConfig
	hc.Authorization, hc.BasicAuth, hc.OAuth2, hc.HTTPHeaders = nil, nil, nil, nil
	hc.BearerToken, hc.BearerTokenFile = "", ""
	m.HTTPClientConfig = hc
	return m
}

// anonymousAttempt is what a request without credentials met.
type anonymousAttempt struct {
	handshake *mcpwire.Handshake // non-nil: the server answered anonymously
	err       error
	challenge []string // WWW-Authenticate of a 401/403
	elapsed   time.Duration
}

// tryAnonymously runs the handshake without credentials, then ends
// whatever session it opened.
func (pr *probe) tryAnonymously(ctx context.Context) anonymousAttempt {
	start := time.Now()
	anon := anonymous(*pr.module)
	hc, err := pr.newClient(&anon, credentials.Endpoint{})
	if err != nil {
		return anonymousAttempt{err: err, elapsed: time.Since(start)}
	}
	defer hc.release()
	c := newWireClient(hc, &anon, pr.target, func(x mcpwire.Exchange) {
		x.Op = "anonymous " + x.Op
		pr.logExchange(x)
	})
	defer c.Close()
	hs, err := c.Handshake(ctx, &pr.opts)
	a := anonymousAttempt{handshake: hs, err: err, elapsed: time.Since(start)}
	var e *failure.Error
	if errors.As(err, &e) {
		a.challenge = e.Challenge
	}
	if hs != nil {
		cctx, cancel := context.WithTimeout(ctx, closeTimeout)
		defer cancel()
		_, _ = c.CloseSession(cctx)
	}
	return a
}

// authWall checks that the server refuses a request without credentials:
// a deploy that drops the auth middleware is a security regression that a
// credentialed probe alone would never notice.
func (pr *probe) authWall(ctx context.Context) bool {
	a := pr.tryAnonymously(ctx)
	if a.handshake != nil {
		pr.fail(LayerAuthWall, a.elapsed, failure.ReasonAnonymousAllowed, errors.New("the server answered the handshake without credentials"))
		return false
	}
	switch reason := failure.ReasonOf(a.err); reason {
	case failure.ReasonUnauthorized, failure.ReasonForbidden, failure.ReasonInsufficientScope:
		status := 401
		if reason != failure.ReasonUnauthorized {
			status = 403
		}
		params, _ := oauthdiscovery.BearerChallenge(a.challenge)
		_, hasMetadata := params["resource_metadata"]
		pr.result.AuthWall = &AuthWallResult{Status: status, ResourceMetadata: hasMetadata}
		pr.logger.Debug("auth wall holds", "status", status, "resource_metadata", hasMetadata)
		pr.pass(LayerAuthWall, a.elapsed)
		pr.challenge = a.challenge
		return true
	default:
		// Neither answered nor refused: the wall could not be checked.
		pr.fail(LayerAuthWall, a.elapsed, reason, fmt.Errorf("request without credentials: %w", a.err))
		return false
	}
}

// discover finds the OAuth2 token endpoint through the MCP authorization
// flow: the 401's resource_metadata (or the well-known locations), the
// protected resource metadata, then the authorization server's metadata.
// What is found is kept per (module, target) until an auth failure or a
// reload. The refusal the auth wall met, if it ran, is reused.
func (pr *probe) discover(ctx context.Context) bool {
	m := pr.module
	if m.HTTPClientConfig.OAuth2 == nil {
		return true
	}
	if as, ok := pr.prober.discovered.get(pr.key); ok && as.AllowedBy(m.IssuerAllowed) {
		pr.pass(LayerDiscovery, 0)
		pr.tokenURL = credentials.DiscoveredEndpoint(as)
		return true
	}
	start := time.Now()
	challenge := pr.challenge
	if challenge == nil {
		challenge = pr.tryAnonymously(ctx).challenge
	}
	params, _ := oauthdiscovery.BearerChallenge(challenge)
	anon := anonymous(*m)
	hc, err := pr.newClient(&anon, credentials.Endpoint{})
	if err != nil {
		pr.fail(LayerDiscovery, 0, failure.ReasonDiscovery, err)
		return false
	}
	defer hc.release()
	as, err := oauthdiscovery.Discover(ctx, hc.Client, pr.target, discoveryOptions(m, params))
	elapsed := time.Since(start)
	if err != nil {
		pr.fail(LayerDiscovery, elapsed, failure.ReasonOf(err), err)
		return false
	}
	pr.logger.Debug("authorization server discovered", "resource_metadata", as.ResourceMetadataURL,
		"issuer", as.Issuer, "token_endpoint", as.TokenEndpoint, "legacy", as.Legacy, "auth_method", as.AuthMethod, "scope", as.Scope)
	for _, w := range as.Warnings {
		pr.logger.Warn("authorization server metadata", "warning", w)
	}
	pr.prober.discovered.put(pr.key, as)
	pr.pass(LayerDiscovery, elapsed)
	pr.tokenURL = credentials.DiscoveredEndpoint(as)
	return true
}

// discoveryOptions are what discovery needs to know of the module beyond
// oauth2_issuers: the 401's scope, and how the client can authenticate.
func discoveryOptions(m *config.Module, challenge map[string]string) oauthdiscovery.Options {
	return oauthdiscovery.Options{
		ResourceMetadataURL: challenge["resource_metadata"],
		IssuerAllowed:       m.IssuerAllowed,
		Scope:               challenge["scope"],
		ClientAuthMethods:   m.ClientAuthMethods(),
		GrantType:           m.OAuth2GrantType(),
	}
}

// credentialFacts records when the probe's credentials expire and what it
// knows of its OAuth2 token, whatever became of the probe.
func (pr *probe) credentialFacts() {
	var tok *credentials.ProbeToken
	if pr.http != nil {
		tok = pr.http.oauth2
	}
	pr.result.Credentials, pr.result.OAuth2 = credentials.Facts(pr.module, tok, pr.prober.now())
}
