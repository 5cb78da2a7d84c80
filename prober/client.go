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
	"maps"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	promconfig "github.com/prometheus/common/config"
	"github.com/prometheus/common/version"

	"github.com/mcp-exporter/mcp_exporter/config"
	"github.com/mcp-exporter/mcp_exporter/prober/mcpwire"
)

// Redirect refusals; the prober reports each with its own reason.
var (
	errPlainRedirect       = errors.New("redirect to a non-https URL refused (fail_if_not_tls)")
	errCrossOriginRedirect = errors.New("redirect to another origin refused: the module's credentials stay with the target's origin")
	errTooManyRedirects    = errors.New("stopped after 10 redirects")
	errSchemeRedirect      = errors.New("redirect to a URL that is not http or https refused")
)

// probeClient is the HTTP side of one probe: a client whose connections
// are the probe's own, and a release for the end of the probe.
type probeClient struct {
	*http.Client
	release func()
}

// probeTransportKey carries a probe's own transport in a request's
// context, below the shared OAuth2 round tripper.
type probeTransportKey struct{}

// probeTransport sends each request through the transport of the probe
// that made it: the token is shared across probes, the connections are not.
type probeTransport struct{}

func (probeTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	rt, ok := req.Context().Value(probeTransportKey{}).(http.RoundTripper)
	if !ok {
		return nil, errors.New("internal: request without a probe transport")
	}
	return rt.RoundTrip(req)
}

// newProbeClient builds the HTTP client for one probe of target. tokenURL
// is the token endpoint for an OAuth2 module (configured or discovered).
// It returns the context the probe's requests must carry.
func (p *Prober) newProbeClient(ctx context.Context, moduleName string, m config.Module, target *url.URL, tokenURL string) (context.Context, *probeClient, error) {
	ua := promconfig.WithUserAgent("mcp_exporter/" + version.Version)
	hc := m.HTTPClientConfig
	oauth2 := hc.OAuth2
	hc.OAuth2 = nil
	base, err := promconfig.NewRoundTripperFromConfig(hc, "mcp_probe", ua)
	if err != nil {
		return ctx, nil, fmt.Errorf("building the HTTP client: %w", err)
	}
	release := func() {
		if ci, ok := base.(interface{ CloseIdleConnections() }); ok {
			ci.CloseIdleConnections()
		}
	}
	client := &http.Client{Transport: base, CheckRedirect: redirectPolicy(m)}
	if oauth2 != nil {
		o := *oauth2
		o.TokenURL = tokenURL
		o.EndpointParams = maps.Clone(oauth2.EndpointParams)
		resource := ""
		if m.OAuth2Resource == config.OAuth2ResourceTarget {
			resource = mcpwire.CanonicalResource(target)
			if o.EndpointParams == nil {
				o.EndpointParams = map[string]string{}
			}
			o.EndpointParams["resource"] = resource
		}
		key := strings.Join([]string{moduleName, tokenURL, resource}, "\x00")
		// One round tripper per (module, token URL, resource): the token is
		// fetched once and reused across probes until shortly before it
		// expires (golang.org/x/oauth2 refreshes it), and a rotated
		// client_secret_file is picked up on the next fetch.
		client.Transport = tokenDeadline{p.tokens.getOrBuild(key, func() http.RoundTripper {
			return promconfig.NewOAuth2RoundTripper(oauth2Secret(oauth2), &o, probeTransport{}, ua,
				promconfig.WithDialContextFunc(dialWithDeadline(tokenFetchTimeout)), promconfig.WithKeepAlivesDisabled())
		})}
		ctx = context.WithValue(ctx, probeTransportKey{}, base)
	}
	// Outermost, so that every request of the probe carries the marker that
	// /probe refuses (see marker.go).
	client.Transport = markProbeRequests(client.Transport)
	return ctx, &probeClient{Client: client, release: release}, nil
}

// tokenDeadline holds a request through the OAuth2 round tripper to the
// request's context. golang.org/x/oauth2 fetches a token with a context of
// its own (and prometheus/common's token client has no timeout), so a token
// endpoint that does not answer would hold the probe past its timeout; the
// fetch goes on in the background and its token is cached for the next probe.
type tokenDeadline struct{ rt http.RoundTripper }

func (t tokenDeadline) RoundTrip(req *http.Request) (*http.Response, error) {
	type result struct {
		resp *http.Response
		err  error
	}
	done := make(chan result, 1)
	go func() {
		resp, err := t.rt.RoundTrip(req)
		done <- result{resp, err}
	}()
	select {
	case r := <-done:
		return r.resp, r.err
	case <-req.Context().Done():
		go func() {
			if r := <-done; r.resp != nil {
				r.resp.Body.Close()
			}
		}()
		return nil, req.Context().Err()
	}
}

// tokenFetchTimeout bounds a token fetch. golang.org/x/oauth2 fetches with
// a context of its own and prometheus/common's token client sets no
// timeout, so a token endpoint that never answers would hold the fetch
// (and a goroutine, after tokenDeadline has released the probe) forever.
// The token client's connections get this deadline instead; they are not
// kept alive, since tokens are fetched rarely.
const tokenFetchTimeout = 30 * time.Second

// dialWithDeadline dials connections that stop working after d.
func dialWithDeadline(d time.Duration) promconfig.DialContextFunc {
	dialer := &net.Dialer{Timeout: d}
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		conn, err := dialer.DialContext(ctx, network, addr)
		if err == nil {
			_ = conn.SetDeadline(time.Now().Add(d))
		}
		return conn, err
	}
}

// oauth2Secret reads the client secret the way prometheus/common does: a
// file is read again on every token fetch, so rotating it needs no reload.
func oauth2Secret(o *promconfig.OAuth2) promconfig.SecretReader {
	if o.ClientSecretFile != "" {
		return promconfig.NewFileSecret(o.ClientSecretFile)
	}
	return promconfig.NewInlineSecret(string(o.ClientSecret))
}

// redirectPolicy is the one redirect rule of a probe: follow_redirects, at
// most 10 hops, never off TLS under fail_if_not_tls, and, for a module
// with credentials, never to another origin (scheme, host and port): no
// credential, static header or token follows a redirect away from the
// target's origin. prometheus/common's round trippers strip credentials
// only on redirects to another host, which still lets them reach another
// port or a subdomain.
func redirectPolicy(m config.Module) func(*http.Request, []*http.Request) error {
	credentialed := len(m.Credentials()) > 0
	return func(req *http.Request, via []*http.Request) error {
		switch {
		case !m.HTTPClientConfig.FollowRedirects:
			return http.ErrUseLastResponse
		case len(via) >= 10:
			return errTooManyRedirects
		case req.URL.Scheme != "http" && req.URL.Scheme != "https":
			return errSchemeRedirect
		case m.FailIfNotTLS && req.URL.Scheme != "https":
			return errPlainRedirect
		case credentialed && !sameOrigin(req.URL, via[0].URL):
			return errCrossOriginRedirect
		}
		return nil
	}
}

func sameOrigin(a, b *url.URL) bool {
	return config.NormalizeTarget(&url.URL{Scheme: a.Scheme, Host: a.Host}) == config.NormalizeTarget(&url.URL{Scheme: b.Scheme, Host: b.Host})
}
