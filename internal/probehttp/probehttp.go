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

// Package probehttp is the HTTP side of a probe. A module's machinery (TLS
// configuration, proxy, static credentials and headers: prometheus/common's
// http_config) is built once and shared by the module's probes; the
// connections are each probe's own, made by its first request, reused by
// its later ones and closed when it ends, so that the connect layer
// measures a real connection and nothing of one probe's connection reaches
// another.
//
// An HTTP/1.1 exchange without a proxy is made by this package, in the
// goroutine that asks for it: the request is written and the answer read
// on the connection, with no goroutine or buffer beyond the connection's
// read buffer while the probe waits. HTTP/2 (an https target of a module
// with enable_http2, the default) and requests through a proxy go through a
// net/http transport of the probe's own.
package probehttp

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"sync"
	"time"

	promconfig "github.com/prometheus/common/config"
)

// MaxHeaderBytes bounds the status line and headers of a server's answer.
const MaxHeaderBytes = 1 << 20

// Module is a module's HTTP machinery, shared by its probes: safe for
// concurrent use, it holds no connection.
type Module struct {
	wrap func(http.RoundTripper) http.RoundTripper // static credentials and headers
	// base serves every probe when the TLS material is inline (or none);
	// with certificate files, tls and settings build a probe's.
	base     *base
	cfg      promconfig.HTTPClientConfig
	tls      *tls.Config
	settings promconfig.TLSRoundTripperSettings
}

// New builds the machinery of cfg, which must have no oauth2 block: OAuth2
// tokens are the credentials package's, wrapped around a probe's
// transport.
func New(cfg promconfig.HTTPClientConfig) (*Module, error) {
	if cfg.OAuth2 != nil {
		return nil, errors.New("probehttp: the oauth2 block is not this package's")
	}
	tlsConfig, err := promconfig.NewTLSConfig(&cfg.TLSConfig)
	if err != nil {
		return nil, err
	}
	settings, err := tlsSettings(&cfg.TLSConfig)
	if err != nil {
		return nil, err
	}
	wrap, err := wrapper(cfg)
	if err != nil {
		return nil, err
	}
	m := &Module{wrap: wrap, cfg: cfg, tls: tlsConfig, settings: settings}
	if immutable(settings) {
		m.base = newBase(cfg, tlsConfig)
	} else if _, err := m.withFiles(&conns{}); err != nil {
		// The files are read now, as they will be for every request.
		return nil, err
	}
	return m, nil
}

// withFiles is a probe's round tripper when the TLS material is in files:
// prometheus/common's, which reads them again for every request and
// starts over with a new configuration when they changed (a rotated CA or
// client certificate is used from the next request on).
func (m *Module) withFiles(cs *conns) (http.RoundTripper, error) {
	return promconfig.NewTLSRoundTripper(m.tls, m.settings, func(tc *tls.Config) (http.RoundTripper, error) {
		return m.wrap(&probeBase{base: newBase(m.cfg, tc), conns: cs}), nil
	})
}

// wrapper returns what adds the static credentials and headers of cfg
// around a round tripper, in the order prometheus/common's client adds
// them; their secrets are read (from a file, again for every request) by
// prometheus/common's round trippers.
func wrapper(cfg promconfig.HTTPClientConfig) (func(http.RoundTripper) http.RoundTripper, error) {
	var layers []func(http.RoundTripper) http.RoundTripper
	if a := cfg.Authorization; a != nil {
		s, err := secret(a.Credentials, a.CredentialsFile, a.CredentialsRef)
		if err != nil {
			return nil, fmt.Errorf("unable to use credentials: %w", err)
		}
		layers = append(layers, func(rt http.RoundTripper) http.RoundTripper {
			return promconfig.NewAuthorizationCredentialsRoundTripper(a.Type, s, rt)
		})
	}
	if cfg.BearerToken != "" || cfg.BearerTokenFile != "" {
		s, err := secret(cfg.BearerToken, cfg.BearerTokenFile, "")
		if err != nil {
			return nil, fmt.Errorf("unable to use bearer token: %w", err)
		}
		layers = append(layers, func(rt http.RoundTripper) http.RoundTripper {
			return promconfig.NewAuthorizationCredentialsRoundTripper("Bearer", s, rt)
		})
	}
	if b := cfg.BasicAuth; b != nil {
		user, err := secret(promconfig.Secret(b.Username), b.UsernameFile, b.UsernameRef)
		if err != nil {
			return nil, fmt.Errorf("unable to use username: %w", err)
		}
		pass, err := secret(b.Password, b.PasswordFile, b.PasswordRef)
		if err != nil {
			return nil, fmt.Errorf("unable to use password: %w", err)
		}
		layers = append(layers, func(rt http.RoundTripper) http.RoundTripper {
			return promconfig.NewBasicAuthRoundTripper(user, pass, rt)
		})
	}
	if h := cfg.HTTPHeaders; h != nil {
		// prometheus/common also strips secret headers on a redirect to
		// another host; a module with http_headers has credentials, and
		// the prober refuses every redirect of such a module that leaves
		// the target's origin.
		layers = append(layers, func(rt http.RoundTripper) http.RoundTripper {
			return promconfig.NewHeadersRoundTripper(h, rt)
		})
	}
	return func(rt http.RoundTripper) http.RoundTripper {
		for _, l := range layers {
			rt = l(rt)
		}
		return rt
	}, nil
}

// secret is prometheus/common's reader of a secret given inline or as a
// file; a reference needs a secret manager, which the exporter has not.
func secret(text promconfig.Secret, file, ref string) (promconfig.SecretReader, error) {
	switch {
	case text != "":
		return promconfig.NewInlineSecret(string(text)), nil
	case file != "":
		return promconfig.NewFileSecret(file), nil
	case ref != "":
		return nil, errors.New("cannot use secret ref without manager")
	}
	return nil, nil
}

func tlsSettings(c *promconfig.TLSConfig) (promconfig.TLSRoundTripperSettings, error) {
	ca, err := secret(promconfig.Secret(c.CA), c.CAFile, c.CARef)
	if err != nil {
		return promconfig.TLSRoundTripperSettings{}, err
	}
	cert, err := secret(promconfig.Secret(c.Cert), c.CertFile, c.CertRef)
	if err != nil {
		return promconfig.TLSRoundTripperSettings{}, err
	}
	key, err := secret(c.Key, c.KeyFile, c.KeyRef)
	if err != nil {
		return promconfig.TLSRoundTripperSettings{}, err
	}
	return promconfig.TLSRoundTripperSettings{CA: ca, Cert: cert, Key: key}, nil
}

func immutable(s promconfig.TLSRoundTripperSettings) bool {
	for _, r := range []promconfig.SecretReader{s.CA, s.Cert, s.Key} {
		if r != nil && !r.Immutable() {
			return false
		}
	}
	return true
}

// Transport returns a round tripper over m whose connections are new and
// the caller's own. Close it when the probe ends.
func (m *Module) Transport() *Transport {
	t := &Transport{}
	if m.base != nil {
		t.rt = m.wrap(&probeBase{base: m.base, conns: &t.conns})
		return t
	}
	rt, err := m.withFiles(&t.conns)
	if err != nil {
		t.rt = failing{err}
		return t
	}
	t.rt = rt
	return t
}

// Transport is one probe's use of a Module: the module's machinery over
// the probe's connections.
type Transport struct {
	rt    http.RoundTripper
	conns conns
}

// RoundTrip sends req over the module's machinery and the probe's
// connections.
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) { return t.rt.RoundTrip(req) }

// CloseIdleConnections closes every connection of the probe, idle or not:
// it is called when the probe ends, and none may outlive it.
func (t *Transport) CloseIdleConnections() { t.conns.close() }

// failing fails every request with err: the TLS files could not be read
// for a probe.
type failing struct{ err error }

func (f failing) RoundTrip(req *http.Request) (*http.Response, error) {
	closeBody(req)
	return nil, f.err
}

// probeBase is the innermost round tripper of a probe: the module's base
// over the probe's connections.
type probeBase struct {
	*base
	conns *conns
}

// base is what a module's probes share of the innermost round tripper:
// configuration, no connection.
type base struct {
	dialer *net.Dialer
	tls    *tls.Config // nil: the default
	http2  bool
	proxy  func(*http.Request) (*url.URL, error) // nil: none
	// stdlib is a net/http transport with the same configuration; a
	// probe's requests through a proxy or over HTTP/2 go through a clone
	// of it of the probe's own.
	stdlib *http.Transport
}

func newBase(cfg promconfig.HTTPClientConfig, tc *tls.Config) *base {
	b := &base{
		dialer: &net.Dialer{KeepAlive: -1},
		tls:    tc,
		http2:  cfg.EnableHTTP2,
		proxy:  cfg.Proxy(),
	}
	b.stdlib = &http.Transport{
		Proxy:                  b.proxy,
		ProxyConnectHeader:     cfg.GetProxyConnectHeader(),
		TLSClientConfig:        tc,
		DisableCompression:     true,
		TLSHandshakeTimeout:    10 * time.Second,
		ExpectContinueTimeout:  time.Second,
		MaxResponseHeaderBytes: MaxHeaderBytes,
		DialContext:            b.dialer.DialContext,
	}
	if b.http2 {
		b.stdlib.Protocols = new(http.Protocols)
		b.stdlib.Protocols.SetHTTP1(true)
		b.stdlib.Protocols.SetHTTP2(true)
		b.stdlib.HTTP2 = &http.HTTP2Config{SendPingTimeout: time.Minute}
	}
	return b
}

func (p *probeBase) RoundTrip(req *http.Request) (*http.Response, error) {
	b, cs := p.base, p.conns
	if req.URL.Scheme != "http" && req.URL.Scheme != "https" {
		closeBody(req)
		return nil, fmt.Errorf("unsupported protocol scheme %q", req.URL.Scheme)
	}
	if b.viaStdlib(req) {
		rt, err := cs.stdlibFor(b)
		if err != nil {
			closeBody(req)
			return nil, err
		}
		return rt.RoundTrip(req)
	}
	return cs.roundTrip(b, req)
}

// viaStdlib reports whether req needs net/http's transport: it goes
// through a proxy, or over TLS where HTTP/2 may be negotiated.
func (b *base) viaStdlib(req *http.Request) bool {
	if req.URL.Scheme == "https" && b.http2 {
		return true
	}
	if b.proxy != nil {
		if u, err := b.proxy(req); err != nil || u != nil {
			return true // the error is net/http's to report
		}
	}
	return false
}

func closeBody(req *http.Request) {
	if req.Body != nil {
		_ = req.Body.Close()
	}
}

// conns are one probe's connections.
type conns struct {
	mu     sync.Mutex
	idle   []*conn
	open   []*conn // every connection not closed yet, idle or busy
	stdlib map[*base]*http.Transport
	dialed []net.Conn // the connections of stdlib, busy ones included
	closed bool
}

var errClosed = errors.New("probehttp: the probe's connections are closed")

// stdlibFor returns the probe's clone of b's net/http transport.
func (cs *conns) stdlibFor(b *base) (*http.Transport, error) {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	if cs.closed {
		return nil, errClosed
	}
	t := cs.stdlib[b]
	if t == nil {
		if cs.stdlib == nil {
			cs.stdlib = make(map[*base]*http.Transport, 1)
		}
		t = b.stdlib.Clone()
		// net/http's CloseIdleConnections leaves a busy connection
		// open (an HTTP/2 stream, an answer through a proxy being
		// read): the probe closes its connections itself.
		t.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
			nc, err := b.dialer.DialContext(ctx, network, addr)
			if err != nil {
				return nil, err
			}
			cs.mu.Lock()
			defer cs.mu.Unlock()
			if cs.closed {
				_ = nc.Close()
				return nil, errClosed
			}
			cs.dialed = append(cs.dialed, nc)
			return nc, nil
		}
		cs.stdlib[b] = t
	}
	return t, nil
}

// takeIdle returns an idle connection to key for a request of ctx, if
// there is one; an error when the probe ended (no connection is made for
// it then). A connection whose last request's context has ended since is
// closed instead: its cancellation watch may be putting its deadline in
// the past at this moment.
func (cs *conns) takeIdle(ctx context.Context, key string) (*conn, error) {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	if cs.closed {
		return nil, errClosed
	}
	for i := 0; i < len(cs.idle); i++ {
		c := cs.idle[i]
		if c.key != key {
			continue
		}
		cs.idle = append(cs.idle[:i], cs.idle[i+1:]...)
		if c.ctx != ctx && c.ctx != nil && c.ctx.Err() != nil {
			cs.drop(c)
			i--
			continue
		}
		return c, nil
	}
	return nil, nil
}

// add counts c among the probe's connections; false when the probe ended
// meanwhile (c is then closed).
func (cs *conns) add(c *conn) bool {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	if cs.closed {
		c.close()
		return false
	}
	cs.open = append(cs.open, c)
	return true
}

// release takes c back after an exchange: idle when it can carry another,
// else closed.
func (cs *conns) release(c *conn, reusable bool) {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	if reusable && !cs.closed {
		cs.idle = append(cs.idle, c)
		return
	}
	cs.drop(c)
}

func (cs *conns) drop(c *conn) {
	c.close()
	for i, o := range cs.open {
		if o == c {
			cs.open = append(cs.open[:i], cs.open[i+1:]...)
			break
		}
	}
}

func (cs *conns) discard(c *conn) {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	cs.drop(c)
}

func (cs *conns) close() {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	cs.closed = true
	for _, c := range cs.open {
		c.close()
	}
	cs.open, cs.idle = nil, nil
	for _, t := range cs.stdlib {
		t.CloseIdleConnections()
	}
	for _, nc := range cs.dialed {
		_ = nc.Close()
	}
	cs.dialed = nil
}
