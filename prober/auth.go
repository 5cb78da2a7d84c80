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
	"net/url"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/mcp-exporter/mcp_exporter/config"
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
func (p *Prober) tryAnonymously(ctx context.Context, r *run, moduleName string, m config.Module, target *url.URL, o mcpwire.HandshakeOptions) anonymousAttempt {
	start := time.Now()
	anon := anonymous(m)
	actx, hc, err := p.newProbeClient(ctx, moduleName, anon, target, oauth2Endpoint{})
	if err != nil {
		return anonymousAttempt{err: err, elapsed: time.Since(start)}
	}
	defer hc.release()
	c := newWireClient(hc, anon, target, func(x mcpwire.Exchange) {
		x.Op = "anonymous " + x.Op
		r.logExchange(x)
	})
	defer c.Close()
	hs, err := c.Handshake(actx, o)
	a := anonymousAttempt{handshake: hs, err: err, elapsed: time.Since(start)}
	var e *mcpwire.Error
	if errors.As(err, &e) {
		a.challenge = e.Challenge
	}
	if hs != nil {
		cctx, cancel := context.WithTimeout(actx, closeTimeout)
		defer cancel()
		_, _ = c.CloseSession(cctx)
	}
	return a
}

// authWall checks that the server refuses a request without credentials:
// a deploy that drops the auth middleware is a security regression that a
// credentialed probe alone would never notice.
func (r *run) authWall(a anonymousAttempt) bool {
	r.layerDuration(LayerAuthWall, a.elapsed)
	if a.handshake != nil {
		r.fail(LayerAuthWall, ReasonAnonymousAllowed, errors.New("the server answered the handshake without credentials"))
		return false
	}
	switch reason := mcpwire.ReasonOf(a.err); reason {
	case mcpwire.ReasonUnauthorized, mcpwire.ReasonForbidden, mcpwire.ReasonInsufficientScope:
		status := 401
		if reason != mcpwire.ReasonUnauthorized {
			status = 403
		}
		params, _ := mcpwire.BearerChallenge(a.challenge)
		_, hasMetadata := params["resource_metadata"]
		r.info("probe_mcp_auth_wall_info", "How the server refused a request without credentials: its status and whether its WWW-Authenticate challenge names resource_metadata.",
			prometheus.Labels{"status": strconv.Itoa(status), "resource_metadata": strconv.FormatBool(hasMetadata)})
		r.logger.Debug("auth wall holds", "status", status, "resource_metadata", hasMetadata)
		r.pass(LayerAuthWall, a.elapsed)
		return true
	default:
		// Neither answered nor refused: the wall could not be checked.
		r.fail(LayerAuthWall, reason, fmt.Errorf("request without credentials: %w", a.err))
		return false
	}
}

// beforeCredential runs the layers that come before the module's
// credential is used: the auth wall, then discovery. It returns the OAuth2
// token endpoint, configured or discovered (zero without OAuth2).
func (p *Prober) beforeCredential(ctx context.Context, r *run, moduleName string, m config.Module, target *url.URL, key string, o mcpwire.HandshakeOptions) (oauth2Endpoint, bool) {
	var challenge []string
	if m.FailIfAnonymousAllowed {
		a := p.tryAnonymously(ctx, r, moduleName, m, target, o)
		if !r.authWall(a) {
			return oauth2Endpoint{}, false
		}
		challenge = a.challenge
	}
	if !m.OAuth2Discovery {
		return configuredEndpoint(m), true
	}
	if m.HTTPClientConfig.OAuth2 == nil {
		return oauth2Endpoint{}, true
	}
	return p.tokenEndpoint(ctx, r, moduleName, m, target, key, o, challenge)
}

// tokenEndpoint finds the OAuth2 token endpoint through the MCP
// authorization flow: the 401's resource_metadata (or the well-known
// locations), the protected resource metadata, then the authorization
// server's metadata. What is found is kept per (module, target) until an
// auth failure or a reload. challenge is the refusal the auth wall already
// met, if it ran.
func (p *Prober) tokenEndpoint(ctx context.Context, r *run, moduleName string, m config.Module, target *url.URL, key string, o mcpwire.HandshakeOptions, challenge []string) (oauth2Endpoint, bool) {
	if as, ok := p.discovered.get(key); ok && as.AllowedBy(m.IssuerAllowed) {
		r.pass(LayerDiscovery, 0)
		return discoveredEndpoint(as), true
	}
	start := time.Now()
	if challenge == nil {
		challenge = p.tryAnonymously(ctx, r, moduleName, m, target, o).challenge
	}
	params, _ := mcpwire.BearerChallenge(challenge)
	actx, hc, err := p.newProbeClient(ctx, moduleName, anonymous(m), target, oauth2Endpoint{})
	if err != nil {
		r.fail(LayerDiscovery, mcpwire.ReasonDiscovery, err)
		return oauth2Endpoint{}, false
	}
	defer hc.release()
	as, err := mcpwire.DiscoverAuthServer(actx, hc.Client, target, discoveryOptions(&m, params))
	elapsed := time.Since(start)
	r.layerDuration(LayerDiscovery, elapsed)
	if err != nil {
		r.fail(LayerDiscovery, mcpwire.ReasonOf(err), err)
		return oauth2Endpoint{}, false
	}
	r.logger.Debug("authorization server discovered", "resource_metadata", as.ResourceMetadataURL,
		"issuer", as.Issuer, "token_endpoint", as.TokenEndpoint, "legacy", as.Legacy, "auth_method", as.AuthMethod, "scope", as.Scope)
	p.discovered.put(key, as)
	r.pass(LayerDiscovery, elapsed)
	return discoveredEndpoint(as), true
}
