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

package failure

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net"
	"strings"
)

// NetworkReason names what a failed connection ran into, from its error
// alone: ReasonDNS for a failed lookup, ReasonTLS for a failed handshake
// or certificate check (a TLS alert from the peer included), and
// ReasonConnect for anything else. The wire client and OAuth discovery
// both classify with it.
func NetworkReason(err error) Reason {
	var dnsErr *net.DNSError
	var certErr *tls.CertificateVerificationError
	var hostErr x509.HostnameError
	var authErr x509.UnknownAuthorityError
	var invalidErr x509.CertificateInvalidError
	var recErr tls.RecordHeaderError
	var alertErr tls.AlertError
	switch {
	case errors.As(err, &dnsErr):
		return ReasonDNS
	case errors.As(err, &certErr), errors.As(err, &hostErr), errors.As(err, &authErr),
		errors.As(err, &invalidErr), errors.As(err, &recErr), errors.As(err, &alertErr), isRemoteTLSAlert(err):
		return ReasonTLS
	}
	return ReasonConnect
}

// isRemoteTLSAlert reports whether the peer ended the connection with a TLS
// alert after the handshake looked complete from this side: under TLS 1.3 a
// server that refuses the client certificate says so only then
// ("remote error: tls: certificate required").
func isRemoteTLSAlert(err error) bool {
	var op *net.OpError
	return errors.As(err, &op) && op.Op == "remote error"
}

// WithoutServerText returns err, or, when net/http's message quotes what
// the server sent instead of HTTP ("malformed HTTP ..."), an error that
// says what happened without those bytes: no server bytes leave the
// exporter.
func WithoutServerText(err error) error {
	if strings.Contains(err.Error(), "malformed HTTP") {
		return errors.New("the server's answer is not HTTP")
	}
	return err
}
