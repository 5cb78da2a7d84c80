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
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"os"
	"strings"
	"syscall"
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

// Describe says in fixed words why a connection or request got no answer,
// for a person reading check's output or a log: the operating system's
// words for a refused or reset connection ("connection refused"), a DNS
// miss, which TLS check failed, a timeout. Errors of net/http quote URLs,
// and for TLS names the peer chose, so they are not quoted. "" when err is
// none of these.
func Describe(err error) string {
	var dnsErr *net.DNSError
	var errno syscall.Errno
	var hostErr x509.HostnameError
	var authErr x509.UnknownAuthorityError
	var invalidErr x509.CertificateInvalidError
	var certErr *tls.CertificateVerificationError
	var recErr tls.RecordHeaderError
	var netErr net.Error
	switch {
	case err == nil:
		return ""
	case errors.Is(err, context.DeadlineExceeded) || errors.Is(err, os.ErrDeadlineExceeded) || errors.As(err, &netErr) && netErr.Timeout():
		return "no answer in time"
	case errors.As(err, &dnsErr):
		if dnsErr.IsNotFound {
			return "DNS: no such host"
		}
		return "DNS lookup failed"
	case errors.As(err, &hostErr):
		return "TLS: the certificate is not valid for the host"
	case errors.As(err, &authErr):
		return "TLS: the certificate is signed by an unknown authority"
	case errors.As(err, &invalidErr):
		if invalidErr.Reason == x509.Expired {
			return "TLS: the certificate has expired or is not yet valid"
		}
		return "TLS: the certificate is not valid"
	case errors.As(err, &certErr):
		return "TLS: the certificate could not be verified"
	case errors.As(err, &recErr):
		return "TLS: the server does not speak TLS"
	case isRemoteTLSAlert(err):
		return "TLS: the server ended the handshake with an alert"
	case errors.As(err, &errno):
		return errno.Error() // the operating system's words, e.g. "connection refused"
	case errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF):
		return "the connection was closed"
	}
	return ""
}
