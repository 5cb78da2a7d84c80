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
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net"
	"os"
	"strings"

	"github.com/mcp-exporter/mcp_exporter/internal/failure"
)

// classifyTransportError turns an error from http.Client.Do (or from
// reading a body) into a classified failure.Error. phase is what the
// connection trace saw in progress when it failed.
func classifyTransportError(ctx context.Context, err error, phase connPhase) *failure.Error {
	var reason failure.Reason
	var dnsErr *net.DNSError
	var certErr *tls.CertificateVerificationError
	var hostErr x509.HostnameError
	var authErr x509.UnknownAuthorityError
	var invalidErr x509.CertificateInvalidError
	var recErr tls.RecordHeaderError
	var alertErr tls.AlertError
	var classified *failure.Error
	switch {
	case errors.As(err, &classified) && classified.Reason != failure.ReasonTimeout && ctx.Err() == nil:
		// A round tripper below the client classified it already (the
		// prober's OAuth2 token source).
		return classified
	case ctx.Err() != nil || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, os.ErrDeadlineExceeded):
		reason = failure.ReasonTimeout
	case phase == phaseNone:
		// The request failed before it asked for a connection: in the
		// credential round trippers, reading a credential. (A token fetch
		// fails with an error the token source classified, above.)
		reason = failure.ReasonCredentials
	case errors.As(err, &dnsErr) || phase == phaseDNS:
		reason = failure.ReasonDNS
	case errors.As(err, &certErr), errors.As(err, &hostErr), errors.As(err, &authErr),
		errors.As(err, &invalidErr), errors.As(err, &recErr), errors.As(err, &alertErr), isRemoteTLSAlert(err), phase == phaseTLS:
		reason = failure.ReasonTLS
	default:
		// Refused or reset while connecting, or broken after the connection
		// was made (reset or EOF mid-answer): the connection failed.
		reason = failure.ReasonConnect
	}
	if strings.Contains(err.Error(), "malformed HTTP") {
		// net/http quotes what the server sent; no server bytes leave the
		// exporter, so say what happened without them.
		err = errors.New("the server's answer is not HTTP")
	}
	return &failure.Error{Reason: reason, Err: err}
}

// isRemoteTLSAlert reports whether the peer ended the connection with a TLS
// alert after the handshake looked complete from this side: under TLS 1.3 a
// server that refuses the client certificate says so only then
// ("remote error: tls: certificate required").
func isRemoteTLSAlert(err error) bool {
	var op *net.OpError
	return errors.As(err, &op) && op.Op == "remote error"
}
