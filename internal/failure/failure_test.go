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
	"fmt"
	"io"
	"net"
	"net/url"
	"strings"
	"syscall"
	"testing"
)

func TestReasonOf(t *testing.T) {
	e := Errorf(ReasonHTTPStatus, 500, "HTTP status %d", 500)
	if e.Status != 500 || e.Error() != "HTTP status 500" {
		t.Errorf("Errorf = %+v (%q)", e, e.Error())
	}
	for _, tc := range []struct {
		err  error
		want Reason
	}{
		{nil, ""},
		{errors.New("plain"), ""},
		{e, ReasonHTTPStatus},
		{fmt.Errorf("tools/list: %w", &Error{Reason: ReasonTimeout}), ReasonTimeout},
	} {
		if got := ReasonOf(tc.err); got != tc.want {
			t.Errorf("ReasonOf(%v) = %q, want %q", tc.err, got, tc.want)
		}
	}
}

func TestErrorMessage(t *testing.T) {
	inner := errors.New("inner")
	for _, tc := range []struct {
		e    *Error
		want string
	}{
		{&Error{Reason: ReasonSession}, "session"},
		{&Error{Reason: ReasonJSONRPCError, RPC: &RPCError{Code: -32601, Message: "secret"}}, "JSON-RPC error -32601"},
		{&Error{Reason: ReasonJSONRPCError, RPC: &RPCError{Code: -32601}, Err: inner}, "inner"},
	} {
		if got := tc.e.Error(); got != tc.want {
			t.Errorf("Error() = %q, want %q", got, tc.want)
		}
	}
	if !errors.Is(&Error{Err: inner}, inner) {
		t.Error("Error does not unwrap")
	}
}

func TestIsAuthReason(t *testing.T) {
	auth := map[Reason]bool{ReasonUnauthorized: true, ReasonForbidden: true, ReasonInsufficientScope: true,
		ReasonTokenRequest: true, ReasonCredentials: true}
	for _, r := range []Reason{ReasonDNS, ReasonConnect, ReasonTLS, ReasonTimeout, ReasonHTTPStatus, ReasonNotMCP,
		ReasonMalformedJSONRPC, ReasonJSONRPCError, ReasonProtocolViolation, ReasonUnsupportedVersion, ReasonSession,
		ReasonResponseTooLarge, ReasonUnauthorized, ReasonForbidden, ReasonTokenRequest, ReasonCredentials,
		ReasonInsufficientScope, ReasonDiscovery, ReasonIssuerNotAllowed, ReasonNotTLS, ReasonNoTools,
		ReasonMissingTool, ReasonSchemaMismatch, ReasonRedirect, ReasonAnonymousAllowed,
		ReasonToolNotListed, ReasonToolNotReadOnly, ReasonToolError, ReasonContentMismatch,
		ReasonNoResources, ReasonNoPrompts, ""} {
		if got := IsAuthReason(r); got != auth[r] {
			t.Errorf("IsAuthReason(%q) = %v", r, got)
		}
	}
}

func TestNetworkReason(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want Reason
	}{
		{&url.Error{Op: "Post", URL: "http://x", Err: &net.OpError{Op: "dial", Err: &net.DNSError{Err: "no such host", Name: "x"}}}, ReasonDNS},
		{fmt.Errorf("wrapped: %w", tls.RecordHeaderError{Msg: "first record does not look like a TLS handshake"}), ReasonTLS},
		{x509.UnknownAuthorityError{}, ReasonTLS},
		{&net.OpError{Op: "remote error", Err: errors.New("tls: certificate required")}, ReasonTLS},
		{&net.OpError{Op: "dial", Err: syscall.ECONNREFUSED}, ReasonConnect},
		{io.ErrUnexpectedEOF, ReasonConnect},
	} {
		if got := NetworkReason(tc.err); got != tc.want {
			t.Errorf("NetworkReason(%v) = %s, want %s", tc.err, got, tc.want)
		}
	}
}

func TestWithoutServerText(t *testing.T) {
	quoted := errors.New(`net/http: HTTP/1.x transport connection broken: malformed HTTP response "SECRET-BYTES"`)
	if got := WithoutServerText(quoted).Error(); strings.Contains(got, "SECRET") || got != "the server's answer is not HTTP" {
		t.Errorf("WithoutServerText = %q", got)
	}
	plain := errors.New("connection reset by peer")
	if got := WithoutServerText(plain); got != plain {
		t.Errorf("WithoutServerText changed %v to %v", plain, got)
	}
}
