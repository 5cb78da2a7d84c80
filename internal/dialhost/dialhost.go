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

// Package dialhost names a URL's host the way the net/http transport dials
// it, so that a host is checked (against allowed_targets, oauth2_issuers or
// another URL's origin) in exactly the form a connection will be made to.
package dialhost

import (
	"errors"
	"net/url"
	"strings"

	"golang.org/x/net/idna"
)

// ErrNotConvertible is the error of a host that is not ASCII and has no IDNA
// ASCII form: the transport would dial it as written, a name that no
// pattern written in ASCII should be matched against.
var ErrNotConvertible = errors.New("the host has non-ASCII characters and no IDNA ASCII form")

// Normalize returns host (as url.URL.Hostname returns it: no brackets, no
// port) in the form the net/http transport dials it, for comparison:
//
//   - an ASCII host is lower-cased ASCII-wise only (net/http dials it as
//     written; DNS names and IP literals compare case-insensitively). An
//     IPv6 zone ("fe80::1%eth0") keeps its case: interface names do not
//     compare case-insensitively.
//   - any other host is converted with IDNA's lookup profile
//     (idna.Lookup.ToASCII), which is what net/http's transport does before
//     dialling (net/http's idnaASCII); the result is ASCII and lower case.
//     When the conversion fails, net/http dials the host as written: that
//     is ErrNotConvertible here, and the raw host is returned with it.
//
// Unicode case folding is never used: strings.ToLower("vİctim") is
// "victim", but the transport dials "xn--vctim-h4a".
func Normalize(host string) (string, error) {
	if isASCII(host) {
		addr, zone, hasZone := strings.Cut(host, "%")
		addr = asciiLower(addr)
		if hasZone {
			return addr + "%" + zone, nil
		}
		return addr, nil
	}
	a, err := idna.Lookup.ToASCII(host)
	if err != nil || !isASCII(a) {
		return host, ErrNotConvertible
	}
	return a, nil
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

func asciiLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + ('a' - 'A')
		}
	}
	return string(b)
}

// Origin is u's origin as a connection is made to it: scheme://host[:port]
// with the scheme lower-cased, the host as Normalize gives it (an IPv6
// literal in brackets; escaped as in a URL) and the scheme's default port
// (443 for https, 80 for http) dropped. Two URLs with the same Origin reach
// the same server: it is the one comparison of origins (redirects, a
// legacy SSE endpoint, discovery, the token's target) and what
// allowed_targets match the host part of.
func Origin(u *url.URL) string {
	scheme, port := strings.ToLower(u.Scheme), u.Port()
	host, _ := Normalize(u.Hostname())
	if port == DefaultPort(scheme) {
		port = ""
	}
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	if port != "" {
		host += ":" + port
	}
	// url.URL escapes what a host may not hold as written (an IPv6 zone's
	// "%", a host left non-ASCII).
	return (&url.URL{Scheme: scheme, Host: host}).String()
}

// DefaultPort is the port a connection for scheme (lower case) goes to
// when a URL names none: 443 for https, 80 for http, "" for any other.
func DefaultPort(scheme string) string {
	switch scheme {
	case "https":
		return "443"
	case "http":
		return "80"
	}
	return ""
}

// SameOrigin reports whether a and b have the same Origin.
func SameOrigin(a, b *url.URL) bool {
	return Origin(a) == Origin(b)
}
