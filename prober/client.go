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
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"sync"
	"unicode/utf8"

	promconfig "github.com/prometheus/common/config"

	"github.com/mcp-exporter/mcp_exporter/config"
	"github.com/mcp-exporter/mcp_exporter/internal/credentials"
	"github.com/mcp-exporter/mcp_exporter/internal/dialhost"
	"github.com/mcp-exporter/mcp_exporter/internal/probehttp"
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
	// oauth2 is the probe's OAuth2 round tripper, nil without OAuth2.
	oauth2 *credentials.ProbeToken
	// trace is the probe's trace context, for the wire client's _meta.
	trace *probeTrace
	// marker is the outermost round tripper, which marks the wire
	// client's requests before they are sent.
	marker *probeMarker
}

// token returns the OAuth2 token the probe used, if it had one: its
// expiry, its age and whether this probe fetched it.
func (c *probeClient) token() (credentials.Grant, bool) {
	if c.oauth2 == nil {
		return credentials.Grant{}, false
	}
	return c.oauth2.Used()
}

// dropToken forgets the probe's OAuth2 token, so that the next probe
// fetches another: the server refused it.
func (c *probeClient) dropToken() {
	if c.oauth2 != nil {
		c.oauth2.Drop()
	}
}

// httpModules keeps each module's HTTP machinery, built by its first probe
// and used by the next ones while its http_config stays the same (a
// reload, or a module that a test or check builds, may change it under the
// same name).
type httpModules struct {
	mu sync.Mutex
	m  map[string]httpModule
}

type httpModule struct {
	cfg *promconfig.HTTPClientConfig // a copy of what hm was built from
	hm  *probehttp.Module
}

// maxHTTPModules bounds httpModules: names come from the configuration,
// but a caller of the prober may make up any number.
const maxHTTPModules = 1000

// get returns the machinery for cfg, without its OAuth2 (each probe's
// own), kept under name. cfg is compared whole, OAuth2 included: a change
// there only rebuilds the machinery.
func (h *httpModules) get(name string, cfg *promconfig.HTTPClientConfig) (*probehttp.Module, error) {
	h.mu.Lock()
	e, ok := h.m[name]
	h.mu.Unlock()
	if ok && reflect.DeepEqual(e.cfg, cfg) {
		return e.hm, nil
	}
	return h.build(name, cfg)
}

// build makes and keeps the machinery for cfg (get's miss). Its own
// function, so that the copy of cfg it makes is not on every probe's stack.
//
//go:noinline
func (h *httpModules) build(name string, cfg *promconfig.HTTPClientConfig) (*probehttp.Module, error) {
	kept := new(promconfig.HTTPClientConfig)
	*kept = *cfg
	noOAuth2 := *cfg
	noOAuth2.OAuth2 = nil
	hm, err := probehttp.New(noOAuth2)
	if err != nil {
		return nil, err
	}
	h.mu.Lock()
	if h.m == nil || len(h.m) >= maxHTTPModules {
		h.m = make(map[string]httpModule)
	}
	h.m[name] = httpModule{cfg: kept, hm: hm}
	h.mu.Unlock()
	return hm, nil
}

// reset forgets every module's machinery (a reload).
func (h *httpModules) reset() {
	h.mu.Lock()
	h.m = nil
	h.mu.Unlock()
}

// newClient builds the HTTP client for one exchange of the probe with m
// (the probe's module, or it without credentials). tokenURL is the token
// endpoint for an OAuth2 module (configured or discovered, with what
// discovery found).
func (pr *probe) newClient(m *config.Module, tokenURL credentials.Endpoint) (*probeClient, error) {
	target := pr.target
	hc := &m.HTTPClientConfig
	oauth2 := hc.OAuth2
	// The module's machinery is built once; the connections are this
	// client's own, closed by release. No User-Agent here:
	// markProbeRequests sets it on every request.
	key := pr.name
	if hc.Authorization == nil && hc.BasicAuth == nil && hc.HTTPHeaders == nil && hc.BearerToken == "" && hc.BearerTokenFile == "" {
		key += "\x00without credentials" // the anonymous attempt and discovery (anonymous)
	}
	hm, err := pr.prober.http.get(key, hc)
	if err != nil {
		return nil, fmt.Errorf("building the HTTP client: %w", err)
	}
	conns := hm.Transport()
	base := credentials.RecordCredentials(conns)
	client := &http.Client{Transport: base, CheckRedirect: redirectPolicy(m)}
	pc := &probeClient{Client: client, release: conns.CloseIdleConnections, trace: &pr.trace}
	if oauth2 != nil {
		src := pr.prober.tokens.For(pr.name, m, target, tokenURL)
		pc.oauth2 = credentials.NewProbeToken(src, base, target)
		client.Transport = pc.oauth2
	}
	// Outermost, so that every request of the probe carries the marker that
	// /probe refuses (see marker.go).
	pc.marker = markProbeRequests(client.Transport, &pr.trace, pr.tracer)
	client.Transport = pc.marker
	return pc, nil
}

// redirectPolicy is the one redirect rule of a probe: follow_redirects, at
// most 10 hops, never off TLS under fail_if_not_tls, and, for a module
// with credentials, never to another origin (scheme, host and port): no
// credential, static header or token follows a redirect away from the
// target's origin. prometheus/common's round trippers strip credentials
// only on redirects to another host, which still lets them reach another
// port or a subdomain.
func redirectPolicy(m *config.Module) func(*http.Request, []*http.Request) error {
	// What the rule reads of m, rather than m itself, is kept by the
	// closure while the probe runs.
	credentialed := len(m.Credentials()) > 0
	follow, tlsOnly := m.HTTPClientConfig.FollowRedirects, m.FailIfNotTLS
	return func(req *http.Request, via []*http.Request) error {
		switch {
		case !follow:
			return http.ErrUseLastResponse
		case len(via) >= 10:
			return errTooManyRedirects
		case req.URL.Scheme != "http" && req.URL.Scheme != "https":
			return errSchemeRedirect
		case tlsOnly && req.URL.Scheme != "https":
			return errPlainRedirect
		case credentialed && !isASCII(req.URL.Host):
			// The target was admitted in its ASCII form; a proxy may be
			// asked for a non-ASCII name in another spelling than the
			// one compared here, so the credential does not follow it.
			return errCrossOriginRedirect
		case credentialed && !dialhost.SameOrigin(req.URL, via[0].URL):
			return errCrossOriginRedirect
		}
		return nil
	}
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}
