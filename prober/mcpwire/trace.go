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

package mcpwire

import (
	"crypto/tls"
	"net/http/httptrace"
	"sync"
	"time"
)

type connPhase int

const (
	phaseNone connPhase = iota
	phaseGetConn
	phaseDNS
	phaseConnect
	phaseTLS
	phaseDone
)

// ConnTrace records how the client's first connection was made: the
// connect layer of a probe. Later connections (after a server closed the
// first one, or a redirect to another host) do not change it.
type ConnTrace struct {
	mu         sync.Mutex
	start      time.Time
	getConn    time.Time
	dnsStart   time.Time
	dnsDone    time.Time
	phase      connPhase
	gotConn    time.Time
	reused     bool
	tlsState   *tls.ConnectionState
	httpTraced bool
	// hooks are the httptrace hooks of the first request, kept here rather
	// than allocated apart.
	hooks httptrace.ClientTrace
}

// ConnInfo is what the trace saw of the first connection.
type ConnInfo struct {
	// Established is true once a connection was obtained.
	Established bool
	// Requested is true once a connection was asked for: false after a
	// failure means the request never left the credential round trippers.
	Requested bool
	// Credential is from the first request's start until it asked for a
	// connection: the time the credential round trippers took (reading a
	// credential, fetching an OAuth2 token).
	Credential time.Duration
	// Duration is from asking for the connection until it was ready: DNS,
	// TCP and TLS (and a proxy's CONNECT, when there is one).
	Duration time.Duration
	// DNSLookup is the DNS part of Duration; 0 for an IP address.
	DNSLookup time.Duration
	// Reused is true when the transport handed out a pooled connection.
	Reused bool
	// TLS is the TLS state of the first connection, nil for plain HTTP.
	TLS *tls.ConnectionState
}

// Info returns what was recorded so far.
func (t *ConnTrace) Info() ConnInfo {
	t.mu.Lock()
	defer t.mu.Unlock()
	ci := ConnInfo{Reused: t.reused, TLS: t.tlsState}
	if !t.dnsDone.IsZero() {
		ci.DNSLookup = t.dnsDone.Sub(t.dnsStart)
	}
	if !t.getConn.IsZero() {
		ci.Requested = true
		ci.Credential = t.getConn.Sub(t.start)
	}
	if !t.gotConn.IsZero() {
		ci.Established = true
		ci.Duration = t.gotConn.Sub(t.getConn)
	}
	return ci
}

func (t *ConnTrace) currentPhase() connPhase {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.phase
}

// clientTrace returns the httptrace hooks for one request; only the first
// request of the client is traced in detail.
func (t *ConnTrace) clientTrace() *httptrace.ClientTrace {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.httpTraced {
		return nil
	}
	t.httpTraced = true
	t.start = time.Now()
	t.hooks = httptrace.ClientTrace{
		GetConn: func(string) {
			t.mu.Lock()
			if t.getConn.IsZero() {
				t.getConn = time.Now()
				t.phase = phaseGetConn
			}
			t.mu.Unlock()
		},
		DNSStart: func(httptrace.DNSStartInfo) {
			t.mu.Lock()
			t.dnsStart = time.Now()
			t.phase = phaseDNS
			t.mu.Unlock()
		},
		DNSDone: func(httptrace.DNSDoneInfo) {
			t.mu.Lock()
			t.dnsDone = time.Now()
			t.mu.Unlock()
		},
		ConnectStart: func(string, string) {
			t.mu.Lock()
			if t.phase < phaseConnect {
				t.phase = phaseConnect
			}
			t.mu.Unlock()
		},
		TLSHandshakeStart: func() {
			t.mu.Lock()
			t.phase = phaseTLS
			t.mu.Unlock()
		},
		TLSHandshakeDone: func(cs tls.ConnectionState, err error) {
			t.mu.Lock()
			if err == nil {
				t.tlsState = &cs
			}
			t.mu.Unlock()
		},
		GotConn: func(info httptrace.GotConnInfo) {
			t.mu.Lock()
			if t.gotConn.IsZero() {
				t.gotConn = time.Now()
				t.reused = info.Reused
				t.phase = phaseDone
			}
			t.mu.Unlock()
		},
	}
	return &t.hooks
}
