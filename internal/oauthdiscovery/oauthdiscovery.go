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

// Package oauthdiscovery is MCP authorization discovery (specification
// 2025-11-25, basic/authorization): from the 401 of a protected MCP server
// to the token endpoint of its authorization server, through Protected
// Resource Metadata (RFC 9728) and Authorization Server Metadata (RFC 8414)
// or OpenID Connect Discovery 1.0; and the parser of the WWW-Authenticate
// challenges that start it. Its failures are *failure.Error with
// failure.ReasonDiscovery, failure.ReasonIssuerNotAllowed or
// failure.ReasonTimeout.
package oauthdiscovery

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"

	"github.com/mcp-exporter/mcp_exporter/internal/boundedio"
	"github.com/mcp-exporter/mcp_exporter/internal/dialhost"
	"github.com/mcp-exporter/mcp_exporter/internal/failure"
	"github.com/mcp-exporter/mcp_exporter/internal/mediatype"
)

// maxBody bounds every metadata document read during discovery.
const maxBody = 1 << 20

// The steps of discovery, as error messages name them.
const (
	stepPRM = "protected resource metadata"
	stepASM = "authorization server metadata"
)

// defaultAuthMethods is the value of token_endpoint_auth_methods_supported
// when the metadata omits it (RFC 8414 §2).
var defaultAuthMethods = []string{"client_secret_basic"}

// BearerChallenge returns the parameters of the Bearer challenge among
// WWW-Authenticate header values (RFC 6750 / RFC 9110 auth-param syntax:
// quoted strings with backslash escapes, token values, several challenges in
// one header separated by commas, several header lines, case-insensitive
// scheme and parameter names — lower-case the names in the map).
// ok is false when no Bearer challenge is present.
//
// The first Bearer challenge wins, and within it the first occurrence of a
// parameter (RFC 6750 §3 forbids repeating one). Parsing a header value stops
// at its first syntax error: the challenges and parameters before the error
// are kept, the rest of that value is ignored. A Bearer challenge that carries
// a token68 instead of parameters, or nothing at all, is reported with an
// empty map.
func BearerChallenge(values []string) (params map[string]string, ok bool) {
	for _, v := range values {
		for _, c := range parseChallenges(v) {
			if strings.EqualFold(c.scheme, "Bearer") {
				if c.params == nil {
					c.params = map[string]string{}
				}
				return c.params, true
			}
		}
	}
	return nil, false
}

// authChallenge is one challenge of a WWW-Authenticate field value.
type authChallenge struct {
	scheme string
	params map[string]string // nil when the challenge has no auth-param
}

// parseChallenges parses one WWW-Authenticate field value (RFC 9110 §11.6.1):
//
//	WWW-Authenticate = #challenge
//	challenge        = auth-scheme [ 1*SP ( token68 / #auth-param ) ]
//	auth-param       = token BWS "=" BWS ( token / quoted-string )
//
// An element that parses as an auth-param continues the current challenge;
// anything else after a comma starts a new one. It returns the challenges
// found before the first syntax error.
func parseChallenges(s string) []authChallenge {
	var out []authChallenge
	i := 0
	for {
		i = skipList(s, i)
		if i >= len(s) {
			return out
		}
		j := tokenEnd(s, i)
		if j == i {
			return out
		}
		c := authChallenge{scheme: s[i:j]}
		k := skipWS(s, j)
		if k >= len(s) || s[k] == ',' {
			out = append(out, c) // a scheme alone
			i = k
			continue
		}
		if k == j {
			return out // the scheme runs into something that is not a token
		}
		i = k
		name, val, next, isParam := authParam(s, i)
		if !isParam {
			// token68: must end the challenge.
			e := token68End(s, i)
			if e == i {
				return out
			}
			k = skipWS(s, e)
			if k < len(s) && s[k] != ',' {
				return out
			}
			out = append(out, c)
			i = k
			continue
		}
		c.params = map[string]string{}
		for isParam {
			name = strings.ToLower(name)
			if _, dup := c.params[name]; !dup {
				c.params[name] = val
			}
			i = skipWS(s, next)
			if i >= len(s) {
				return append(out, c)
			}
			if s[i] != ',' {
				return append(out, c) // junk after a parameter
			}
			i = skipList(s, i)
			if i >= len(s) {
				return append(out, c)
			}
			name, val, next, isParam = authParam(s, i)
		}
		// s[i:] is not an auth-param: it starts the next challenge.
		out = append(out, c)
	}
}

// authParam parses an auth-param at s[i:]: its name, its value (quoted
// strings unescaped) and the index after it.
func authParam(s string, i int) (name, value string, next int, ok bool) {
	j := tokenEnd(s, i)
	if j == i {
		return "", "", i, false
	}
	k := skipWS(s, j)
	if k >= len(s) || s[k] != '=' {
		return "", "", i, false
	}
	k = skipWS(s, k+1)
	if k >= len(s) {
		return "", "", i, false
	}
	if s[k] == '"' {
		v, end, ok := quotedString(s, k)
		if !ok {
			return "", "", i, false
		}
		return s[i:j], v, end, true
	}
	e := tokenEnd(s, k)
	if e == k {
		return "", "", i, false
	}
	return s[i:j], s[k:e], e, true
}

// quotedString parses the quoted-string at s[i:] (s[i] is '"'): its unescaped
// content and the index after the closing quote. Control characters other
// than HTAB and an unterminated string are errors.
func quotedString(s string, i int) (string, int, bool) {
	var b strings.Builder
	for j := i + 1; j < len(s); j++ {
		c := s[j]
		switch {
		case c == '"':
			return b.String(), j + 1, true
		case c == '\\':
			j++
			if j >= len(s) || isCTL(s[j]) {
				return "", 0, false
			}
			b.WriteByte(s[j])
		case isCTL(c):
			return "", 0, false
		default:
			b.WriteByte(c)
		}
	}
	return "", 0, false
}

func isCTL(c byte) bool { return (c < 0x20 && c != '\t') || c == 0x7f }

// isTchar reports whether c is a tchar (RFC 9110 §5.6.2).
func isTchar(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	return strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0
}

func tokenEnd(s string, i int) int {
	for i < len(s) && isTchar(s[i]) {
		i++
	}
	return i
}

// token68End returns the end of the token68 at s[i:] (RFC 9110 §11.2),
// or i when there is none.
func token68End(s string, i int) int {
	j := i
	for j < len(s) {
		c := s[j]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("-._~+/", c) >= 0 {
			j++
			continue
		}
		break
	}
	if j == i {
		return i
	}
	for j < len(s) && s[j] == '=' {
		j++
	}
	return j
}

func skipWS(s string, i int) int {
	for i < len(s) && (s[i] == ' ' || s[i] == '\t') {
		i++
	}
	return i
}

// skipList skips whitespace and list separators, empty elements included.
func skipList(s string, i int) int {
	for i < len(s) && (s[i] == ' ' || s[i] == '\t' || s[i] == ',') {
		i++
	}
	return i
}

// AuthServer is what discovery learned: enough to ask for a token.
type AuthServer struct {
	Resource            string // the protected resource metadata's "resource" ("" under the 2025-03-26 rules)
	Issuer              string // the authorization server's issuer
	TokenEndpoint       string
	AuthMethods         []string // token_endpoint_auth_methods_supported (["client_secret_basic"] when omitted, RFC 8414 §2)
	ResourceMetadataURL string   // where the protected resource metadata was found ("" under the 2025-03-26 rules)
	// AuthMethod is the first of Options.ClientAuthMethods that
	// the metadata's token_endpoint_auth_methods_supported lists; "" when
	// the metadata does not say (or no ClientAuthMethods were given).
	AuthMethod string
	// Warnings are departures from the metadata specifications that do not
	// stop the probe, one line each, for the probe's log.
	Warnings []string
	// Scope is the scope to ask for when the module names none, as the MCP
	// specification's scope selection has it: the 401's scope parameter,
	// else every scope of the protected resource metadata's
	// scopes_supported, space-separated; "" for none.
	Scope string
	// Legacy says how discovery found the authorization server when the
	// server publishes no protected resource metadata: under the
	// 2025-03-26 rules, at the server's origin, by its metadata
	// (LegacyMetadata) or by the default endpoints (LegacyDefaults). ""
	// when the protected resource metadata named it.
	Legacy string
}

// The values of AuthServer.Legacy.
const (
	LegacyMetadata = "2025-03-26 metadata"
	LegacyDefaults = "2025-03-26 default endpoints"
)

// AllowedBy applies the rules discovery applied to what it found, issuer
// and token endpoint, with issuerAllowed: a result kept from an earlier
// probe is used only while the module's oauth2_issuers still admit it (a
// reload may have narrowed them while that probe ran).
func (as *AuthServer) AllowedBy(issuerAllowed func(*url.URL) bool) bool {
	iu, err := url.Parse(as.Issuer)
	if err != nil || issuerAllowed == nil || !issuerAllowed(iu) {
		return false
	}
	tu, err := url.Parse(as.TokenEndpoint)
	return err == nil && (dialhost.Origin(tu) == dialhost.Origin(iu) || issuerAllowed(tu))
}

// Options are what Discover starts from and where it may go besides the
// target's origin.
type Options struct {
	// ResourceMetadataURL is the resource_metadata parameter of the 401's
	// Bearer challenge, "" if none.
	ResourceMetadataURL string
	// IssuerAllowed reports whether the client credential may go to an
	// authorization server: it is asked about each issuer before anything
	// is fetched from it, and about a token endpoint that is not on its
	// issuer's origin. Nil allows none.
	IssuerAllowed func(*url.URL) bool
	// Scope is the scope parameter of the 401's Bearer challenge, "" if
	// none.
	Scope string
	// ClientAuthMethods are the token endpoint authentication methods
	// (RFC 8414 names: client_secret_basic, client_secret_post,
	// private_key_jwt) the client can use, preferred first. When the
	// metadata lists token_endpoint_auth_methods_supported, one of them
	// must be listed, or discovery fails. Nil checks nothing.
	ClientAuthMethods []string
	// GrantType is the grant the client's token requests use (RFC 8414
	// name); "" is client_credentials. Metadata whose
	// grant_types_supported leaves it out gives a warning.
	GrantType string
}

// Discover follows the MCP authorization discovery from the target
// URL and, when the 401 carried one, its resource_metadata URL
// (o.ResourceMetadataURL, "" if none). It goes only to the target's origin
// and to the authorization servers o.IssuerAllowed accepts: a target cannot
// point the exporter, let alone its client secret, anywhere else.
//
//  1. Protected Resource Metadata (RFC 9728): at the resource_metadata URL
//     when given, and only there (the MCP specification makes the well-known
//     URIs a fallback for when the header carries none); otherwise at
//     <origin>/.well-known/oauth-protected-resource<target path>, then at
//     <origin>/.well-known/oauth-protected-resource (the target path as
//     CanonicalResource spells it; the target's query is not sent anywhere).
//     The resource_metadata URL must be http(s), without userinfo, https
//     when the target is, and on the target's origin (scheme, host as
//     dialled, port): RFC 9728 would allow another origin, but then the
//     target could make the exporter fetch any host and port. The document
//     must be a JSON object with a "resource" that names the target (see
//     below) and a non-empty "authorization_servers" array of https URLs
//     (http is allowed when the target is http) without query or fragment
//     (RFC 8414 §2).
//  2. The issuer: the first of "authorization_servers" that o.IssuerAllowed
//     accepts (the MCP specification leaves the choice to the client). When
//     it accepts none, discovery fails with failure.ReasonIssuerNotAllowed and
//     nothing is fetched from any of them.
//  3. Authorization server metadata for that issuer, in the order of the MCP
//     specification: RFC 8414 with the issuer path inserted after the
//     well-known prefix, OpenID Connect Discovery with the path inserted,
//     OpenID Connect Discovery with the path appended (the last only for an
//     issuer with a path), all on the issuer's origin. The document must be
//     a JSON object whose "issuer" is identical to the issuer URL (RFC 8414
//     §3.3) and whose "token_endpoint" is an https URL (http when the issuer
//     is http) without fragment, on the issuer's origin or itself accepted
//     by o.IssuerAllowed (failure.ReasonIssuerNotAllowed otherwise): the token
//     endpoint is where the client secret goes. When the document lists
//     grant_types_supported without o.GrantType, that is a warning
//     (AuthServer.Warnings), not a failure; when it
//     lists token_endpoint_auth_methods_supported and o.ClientAuthMethods
//     is given, one of those must be among them (AuthServer.AuthMethod).
//
// When no resource_metadata URL was given and every well-known location of
// step 1 answered 404, the server predates protected resource metadata and
// the rules of the 2025-03-26 revision apply (discoverLegacy): the issuer is
// the target's origin, and only if o.IssuerAllowed accepts it is anything
// fetched from it, or sent there later.
//
// Among well-known candidates, a non-200 answer (redirects included: they are
// not followed, since RFC 9728 §3.3 and RFC 8414 §3.3 bind a document to the
// URL it was asked at) moves on to the next candidate; a 200 answer is
// authoritative, and a bad document there fails discovery.
//
// Resource matching. RFC 9728 §3.3 requires "resource" to be identical to the
// resource identifier the metadata URL was built from (for the root
// well-known URI, the bare origin) or, for a resource_metadata URL, to the URL
// the client requested. The MCP specification (Canonical Server URI) asks
// clients to accept upper-case scheme and host and prefers the form without a
// trailing slash, and lets a server at https://example.com/public/mcp publish
// its metadata at the root well-known URI. So both URIs are compared in the
// CanonicalResource form, and "resource" matches when it is identical to the
// target's or is on the same origin (scheme, host, port) with a path that is
// a whole-segment prefix of the target's path: https://h and https://h/api
// name https://h/api/mcp, https://h/ap and https://other/api/mcp do not. The
// prefix rule is the update to RFC 9728 §3.3 proposed in
// draft-mcguinness-oauth-rfc9728bis and the rule of the MCP TypeScript SDK
// (checkResourceAllowed); it accepts every query-less resource RFC 9728 §3.3
// accepts. A resource with a query, a fragment or userinfo never matches.
//
// Every request is a GET with Accept: application/json made through a copy of
// hc without cookie jar and without redirect following; hc should carry no
// credentials. Bodies are read up to 1 MiB; a 200 answer must be JSON by its
// Content-Type (application/json or +json) when it has one. Errors are
// *failure.Error with Reason failure.ReasonDiscovery (or
// failure.ReasonIssuerNotAllowed) and a message naming the step that
// failed, or failure.ReasonTimeout when ctx ended; no message holds
// anything of a response body.
func Discover(ctx context.Context, hc *http.Client, target *url.URL, o Options) (*AuthServer, error) {
	if !isHTTPURL(target) || target.User != nil {
		return nil, failure.Errorf(failure.ReasonDiscovery, 0, "%s: the target is not an absolute http(s) URL without userinfo", stepPRM)
	}
	c := plainClient(hc)
	httpTarget := strings.EqualFold(target.Scheme, "http")

	// Step 1: protected resource metadata.
	var candidates []*url.URL
	if o.ResourceMetadataURL != "" {
		u, err := url.Parse(o.ResourceMetadataURL)
		switch {
		case err != nil || !isHTTPURL(u):
			return nil, failure.Errorf(failure.ReasonDiscovery, 0, "%s: resource_metadata is not an absolute http(s) URL", stepPRM)
		case u.User != nil:
			return nil, failure.Errorf(failure.ReasonDiscovery, 0, "%s: resource_metadata URL %s carries userinfo", stepPRM, u.Redacted())
		case !httpTarget && !strings.EqualFold(u.Scheme, "https"):
			return nil, failure.Errorf(failure.ReasonDiscovery, 0, "%s: http resource_metadata URL %s for an https target refused", stepPRM, u.Redacted())
		case dialhost.Origin(u) != dialhost.Origin(target):
			return nil, failure.Errorf(failure.ReasonDiscovery, 0, "%s: resource_metadata URL %s is not on the target's origin; refused, nothing fetched there", stepPRM, u.Redacted())
		}
		u.Fragment, u.RawFragment = "", ""
		// Same origin: ask where the target itself is asked, spelled as the
		// target spells it, not as the server wrote it.
		u.Scheme, u.Host = target.Scheme, target.Host
		candidates = append(candidates, u)
	} else {
		origin := dialhost.Origin(target)
		var urls []string
		if p := pathOf(target); p != "" {
			urls = append(urls, origin+"/.well-known/oauth-protected-resource"+p)
		}
		urls = append(urls, origin+"/.well-known/oauth-protected-resource")
		var err error
		if candidates, err = parseAll(stepPRM, urls); err != nil {
			return nil, err
		}
	}
	prm, prmURL, notFound, err := fetchFirst(ctx, c, stepPRM, candidates)
	if err != nil {
		if notFound && o.ResourceMetadataURL == "" {
			// No protected resource metadata anywhere: a server of the
			// 2025-03-26 revision, whose authorization server is its origin.
			return discoverLegacy(ctx, c, o, legacyTarget{target, err})
		}
		return nil, err
	}
	where := prmURL.Redacted()

	resource, err := stringField(prm, "resource", stepPRM, where)
	if err != nil {
		return nil, err
	}
	if !resourceMatches(resource, target) {
		return nil, failure.Errorf(failure.ReasonDiscovery, http.StatusOK, "%s: resource at %s does not name the target %s", stepPRM, where, CanonicalResource(target))
	}
	raw, present := prm["authorization_servers"]
	if !present {
		return nil, failure.Errorf(failure.ReasonDiscovery, http.StatusOK, "%s: authorization_servers missing at %s", stepPRM, where)
	}
	var servers []string
	if err := json.Unmarshal(raw, &servers); err != nil || servers == nil {
		return nil, failure.Errorf(failure.ReasonDiscovery, http.StatusOK, "%s: authorization_servers is not an array of strings at %s", stepPRM, where)
	}
	if len(servers) == 0 {
		return nil, failure.Errorf(failure.ReasonDiscovery, http.StatusOK, "%s: authorization_servers is empty at %s", stepPRM, where)
	}
	for i, s := range servers {
		if issuerURL(s, httpTarget) == nil {
			scheme := "an https"
			if httpTarget {
				scheme = "an http(s)"
			}
			return nil, failure.Errorf(failure.ReasonDiscovery, http.StatusOK, "%s: authorization_servers[%d] is not %s URL without query or fragment at %s", stepPRM, i, scheme, where)
		}
	}

	// Step 2: the first authorization server the credential may go to.
	var issuer string
	var iu *url.URL
	for _, s := range servers {
		if u := issuerURL(s, httpTarget); o.IssuerAllowed != nil && o.IssuerAllowed(u) {
			issuer, iu = s, u
			break
		}
	}
	if iu == nil {
		first := issuerURL(servers[0], httpTarget).Redacted()
		what := fmt.Sprintf("issuer %s is not", first)
		if len(servers) > 1 {
			what = fmt.Sprintf("none of the %d issuers (the first is %s) is", len(servers), first)
		}
		return nil, failure.Errorf(failure.ReasonIssuerNotAllowed, http.StatusOK, "%s: %s in oauth2_issuers (named at %s); nothing was sent there",
			stepASM, what, where)
	}

	// Step 3: its authorization server metadata.
	origin, p := dialhost.Origin(iu), strings.TrimRight(iu.EscapedPath(), "/")
	urls := []string{
		origin + "/.well-known/oauth-authorization-server" + p,
		origin + "/.well-known/openid-configuration" + p,
	}
	if p != "" {
		urls = append(urls, origin+p+"/.well-known/openid-configuration")
	}
	if candidates, err = parseAll(stepASM, urls); err != nil {
		return nil, err
	}
	asm, asmURL, _, err := fetchFirst(ctx, c, stepASM, candidates)
	if err != nil {
		return nil, err
	}
	where = asmURL.Redacted()
	got, err := stringField(asm, "issuer", stepASM, where)
	if err != nil {
		return nil, err
	}
	if got != issuer {
		return nil, failure.Errorf(failure.ReasonDiscovery, http.StatusOK, "%s: issuer mismatch at %s: not identical to %s", stepASM, where, iu.Redacted())
	}
	as, err := serverFrom(asm, where, iu, o)
	if err != nil {
		return nil, err
	}
	as.Resource, as.Issuer, as.ResourceMetadataURL = resource, issuer, prmURL.String()
	as.Scope = chooseScope(o.Scope, prm)
	return as, nil
}

// legacyTarget is a target without protected resource metadata, and the
// error that says what was missed.
type legacyTarget struct {
	target *url.URL
	prmErr error
}

// discoverLegacy applies the discovery rules of the 2025-03-26 revision to a
// target without protected resource metadata (prmErr says what was
// missed): the authorization server's issuer is the target's origin, its
// metadata is at <origin>/.well-known/oauth-authorization-server, and
// without metadata (404) its token endpoint is <origin>/token. Nothing is
// fetched, and no credential will go, unless o.IssuerAllowed accepts the
// origin.
func discoverLegacy(ctx context.Context, c *http.Client, o Options, lt legacyTarget) (*AuthServer, error) {
	target, prmErr := lt.target, lt.prmErr
	origin := dialhost.Origin(target)
	iu, err := url.Parse(origin)
	if err != nil {
		return nil, failure.Errorf(failure.ReasonDiscovery, 0, "%s: cannot build the target's origin", stepASM)
	}
	if o.IssuerAllowed == nil || !o.IssuerAllowed(iu) {
		return nil, failure.Errorf(failure.ReasonIssuerNotAllowed, 0, "%v; under the 2025-03-26 rules the authorization server would be the target's origin %s, "+
			"which is not in oauth2_issuers; nothing was sent there", prmErr, origin)
	}
	mu, err := url.Parse(origin + "/.well-known/oauth-authorization-server")
	if err != nil {
		return nil, failure.Errorf(failure.ReasonDiscovery, 0, "%s: cannot build a well-known URL", stepASM)
	}
	st, body, err := get(ctx, c, stepASM, mu)
	if err != nil {
		return nil, err
	}
	where := mu.Redacted()
	switch st {
	case http.StatusOK:
	case http.StatusNotFound:
		// No metadata either: the default endpoints (2025-03-26,
		// "Fallbacks for Servers without Metadata Discovery").
		return &AuthServer{
			Issuer:        origin,
			TokenEndpoint: origin + "/token",
			AuthMethods:   append([]string(nil), defaultAuthMethods...),
			Scope:         chooseScope(o.Scope, nil),
			Legacy:        LegacyDefaults,
		}, nil
	default:
		return nil, failure.Errorf(failure.ReasonDiscovery, st, "%v; under the 2025-03-26 rules: %s: HTTP %d at %s", prmErr, stepASM, st, where)
	}
	var asm map[string]json.RawMessage
	if err := json.Unmarshal(body, &asm); err != nil || asm == nil {
		return nil, failure.Errorf(failure.ReasonDiscovery, st, "%s: not a JSON object at %s", stepASM, where)
	}
	issuer, err := stringField(asm, "issuer", stepASM, where)
	if err != nil {
		return nil, err
	}
	// RFC 8414 §3.3: the issuer is the URL the metadata was built from,
	// here the origin (written with or without its root slash).
	if issuer != origin && issuer != origin+"/" {
		return nil, failure.Errorf(failure.ReasonDiscovery, http.StatusOK, "%s: issuer mismatch at %s: not identical to the target's origin %s", stepASM, where, origin)
	}
	as, err := serverFrom(asm, where, iu, o)
	if err != nil {
		return nil, err
	}
	as.Issuer, as.Legacy = issuer, LegacyMetadata
	as.Scope = chooseScope(o.Scope, nil)
	return as, nil
}

// serverFrom reads what a client needs from authorization server metadata
// found at where for the issuer iu: the token endpoint (https, or http
// for an http issuer; on the issuer's origin or allowed by
// o.IssuerAllowed), the client authentication methods, and the grant
// types (a warning when they are listed without o.GrantType).
func serverFrom(asm map[string]json.RawMessage, where string, iu *url.URL, o Options) (*AuthServer, error) {
	tokenEndpoint, err := stringField(asm, "token_endpoint", stepASM, where)
	if err != nil {
		return nil, err
	}
	httpIssuer := strings.EqualFold(iu.Scheme, "http")
	tu, err := url.Parse(tokenEndpoint)
	if err != nil || !isHTTPURL(tu) || tu.User != nil || tu.Fragment != "" ||
		(!httpIssuer && !strings.EqualFold(tu.Scheme, "https")) {
		scheme := "an https"
		if httpIssuer {
			scheme = "an http(s)"
		}
		return nil, failure.Errorf(failure.ReasonDiscovery, http.StatusOK, "%s: token_endpoint is not %s URL without fragment at %s", stepASM, scheme, where)
	}
	if dialhost.Origin(tu) != dialhost.Origin(iu) && (o.IssuerAllowed == nil || !o.IssuerAllowed(tu)) {
		return nil, failure.Errorf(failure.ReasonIssuerNotAllowed, http.StatusOK, "%s: token_endpoint %s at %s is neither on the issuer's origin nor allowed by oauth2_issuers; nothing was sent there",
			stepASM, tu.Redacted(), where)
	}
	if h := tu.Hostname(); !isASCII(h) {
		// The host that was checked is its IDNA ASCII form: hand that on,
		// so that no later conversion (a proxy's, say) names another.
		a, _ := dialhost.Normalize(h)
		if strings.Contains(a, ":") {
			a = "[" + a + "]"
		}
		if p := tu.Port(); p != "" {
			a += ":" + p
		}
		tu.Host = a
		tokenEndpoint = tu.String()
	}
	warning := ""
	if raw, present := asm["grant_types_supported"]; present {
		var grants []string
		if err := json.Unmarshal(raw, &grants); err != nil || grants == nil {
			return nil, failure.Errorf(failure.ReasonDiscovery, http.StatusOK, "%s: grant_types_supported is not an array of strings at %s", stepASM, where)
		}
		grant := o.GrantType
		if grant == "" {
			grant = "client_credentials"
		}
		if !slices.Contains(grants, grant) {
			// Authorization servers list the grants their interactive
			// clients use and still grant client credentials (the MCP
			// conformance suite's mock does this); the token request
			// itself says whether the grant is allowed.
			warning = fmt.Sprintf("%s: grant_types_supported at %s does not list %s, the grant the module uses; trying it anyway", stepASM, where, grant)
		}
	}
	as := &AuthServer{TokenEndpoint: tokenEndpoint, AuthMethods: append([]string(nil), defaultAuthMethods...)}
	if warning != "" {
		as.Warnings = append(as.Warnings, warning)
	}
	if raw, present := asm["token_endpoint_auth_methods_supported"]; present {
		as.AuthMethods = nil
		if err := json.Unmarshal(raw, &as.AuthMethods); err != nil || as.AuthMethods == nil {
			return nil, failure.Errorf(failure.ReasonDiscovery, http.StatusOK, "%s: token_endpoint_auth_methods_supported is not an array of strings at %s", stepASM, where)
		}
		if o.ClientAuthMethods != nil {
			i := slices.IndexFunc(o.ClientAuthMethods, func(m string) bool { return slices.Contains(as.AuthMethods, m) })
			if i < 0 {
				return nil, failure.Errorf(failure.ReasonDiscovery, http.StatusOK, "%s: token_endpoint_auth_methods_supported at %s lists none of the methods the module can use (%s)",
					stepASM, where, strings.Join(o.ClientAuthMethods, ", "))
			}
			as.AuthMethod = o.ClientAuthMethods[i]
		}
	}
	return as, nil
}

// maxScope bounds the scope taken from a challenge or metadata.
const maxScope = 1024

// chooseScope is the scope to ask for (the MCP specification's scope
// selection strategy): the challenge's, else every scope of the protected
// resource metadata's scopes_supported, else none. A value that is not a
// list of RFC 6749 §3.3 scope-tokens, or is longer than maxScope, is
// not used.
func chooseScope(challenge string, prm map[string]json.RawMessage) string {
	if s := strings.Join(strings.Fields(challenge), " "); s != "" && validScope(strings.Fields(s)) {
		return s
	}
	var supported []string
	if raw, ok := prm["scopes_supported"]; ok && json.Unmarshal(raw, &supported) == nil && len(supported) > 0 && validScope(supported) {
		return strings.Join(supported, " ")
	}
	return ""
}

func validScope(tokens []string) bool {
	n := 0
	for _, t := range tokens {
		n += len(t) + 1
		if t == "" || n > maxScope+1 {
			return false
		}
		for i := 0; i < len(t); i++ {
			// scope-token = 1*( %x21 / %x23-5B / %x5D-7E )
			if c := t[i]; c < 0x21 || c == '"' || c == '\\' || c > 0x7e {
				return false
			}
		}
	}
	return true
}

// CanonicalResource is the target's canonical resource URI for RFC 8707's
// resource parameter: scheme and host lower-cased, default port dropped, path
// kept (no trailing slash unless the path is "/" alone — then no path at
// all), no query, no fragment. Userinfo is dropped too.
func CanonicalResource(target *url.URL) string {
	if target == nil {
		return ""
	}
	return dialhost.Origin(target) + pathOf(target)
}

// pathOf is the escaped path of u without trailing slashes.
func pathOf(u *url.URL) string {
	return strings.TrimRight(u.EscapedPath(), "/")
}

// resourceMatches applies the rule documented on Discover.
func resourceMatches(resource string, target *url.URL) bool {
	r, err := url.Parse(resource)
	if err != nil || !isHTTPURL(r) || r.User != nil || r.RawQuery != "" || r.ForceQuery ||
		r.Fragment != "" || strings.Contains(resource, "#") {
		return false
	}
	if dialhost.Origin(r) != dialhost.Origin(target) {
		return false
	}
	rp, tp := pathOf(r), pathOf(target)
	return rp == "" || rp == tp || strings.HasPrefix(tp, rp+"/")
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

func isHTTPURL(u *url.URL) bool {
	if u == nil || u.Host == "" || u.Opaque != "" {
		return false
	}
	s := strings.ToLower(u.Scheme)
	return s == "http" || s == "https"
}

// issuerURL parses an issuer identifier (RFC 8414 §2: https, no query, no
// fragment; http allowed when allowHTTP), or returns nil.
func issuerURL(s string, allowHTTP bool) *url.URL {
	u, err := url.Parse(s)
	if err != nil || !isHTTPURL(u) || u.User != nil || u.RawQuery != "" || u.ForceQuery ||
		u.Fragment != "" || strings.Contains(s, "#") {
		return nil
	}
	if !allowHTTP && !strings.EqualFold(u.Scheme, "https") {
		return nil
	}
	return u
}

// parseAll parses well-known URLs assembled from parts of an already
// parsed URL; they cannot fail to parse, but a failure is still an error.
func parseAll(step string, urls []string) ([]*url.URL, error) {
	out := make([]*url.URL, 0, len(urls))
	for _, s := range urls {
		u, err := url.Parse(s)
		if err != nil {
			return nil, failure.Errorf(failure.ReasonDiscovery, 0, "%s: cannot build a well-known URL", step)
		}
		out = append(out, u)
	}
	return out, nil
}

// plainClient is hc without cookie jar and without redirect following.
func plainClient(hc *http.Client) *http.Client {
	if hc == nil {
		hc = http.DefaultClient
	}
	c := *hc
	c.Jar = nil
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &c
}

// fetchFirst fetches the candidates in order and returns the JSON object
// of the first 200 answer and where it came from. Non-200 answers move on; a
// transport error or a bad 200 answer ends the search. notFound reports,
// with the error, that every candidate answered 404.
func fetchFirst(ctx context.Context, c *http.Client, step string, candidates []*url.URL) (obj map[string]json.RawMessage, from *url.URL, notFound bool, err error) {
	var misses []string
	status := 0
	notFound = true
	for _, u := range candidates {
		st, body, err := get(ctx, c, step, u)
		if err != nil {
			return nil, nil, false, err
		}
		if st != http.StatusOK {
			status = st
			notFound = notFound && st == http.StatusNotFound
			misses = append(misses, fmt.Sprintf("HTTP %d at %s", st, u.Redacted()))
			continue
		}
		if err := json.Unmarshal(body, &obj); err != nil || obj == nil {
			return nil, nil, false, failure.Errorf(failure.ReasonDiscovery, st, "%s: not a JSON object at %s", step, u.Redacted())
		}
		return obj, u, false, nil
	}
	return nil, nil, notFound, failure.Errorf(failure.ReasonDiscovery, status, "%s: %s", step, strings.Join(misses, ", "))
}

// get GETs u. It returns the status, and the body when the status is 200.
func get(ctx context.Context, c *http.Client, step string, u *url.URL) (int, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return 0, nil, failure.Errorf(failure.ReasonDiscovery, 0, "%s: cannot request %s", step, u.Redacted())
	}
	req.Header.Set("Accept", "application/json")
	resp, err := c.Do(req)
	if err != nil {
		return 0, nil, transportError(ctx, step, u, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return resp.StatusCode, nil, nil
	}
	if mt := mediatype.Of(resp.Header.Get("Content-Type")); mt != "" && mt != "application/json" && !strings.HasSuffix(mt, "+json") {
		return resp.StatusCode, nil, failure.Errorf(failure.ReasonDiscovery, resp.StatusCode, "%s: content type %s at %s, want application/json",
			step, printable(mt), u.Redacted())
	}
	body, err := boundedio.ReadAll(resp.Body, maxBody)
	if err != nil {
		if errors.Is(err, boundedio.ErrTooLarge) {
			return resp.StatusCode, nil, failure.Errorf(failure.ReasonDiscovery, resp.StatusCode, "%s: answer larger than 1 MiB at %s", step, u.Redacted())
		}
		return resp.StatusCode, nil, transportError(ctx, step, u, err)
	}
	return resp.StatusCode, body, nil
}

// transportError classifies a failed request or body read:
// failure.ReasonTimeout when ctx ended or the client timed out,
// failure.ReasonDiscovery otherwise, with what failed (dns, tls, connect)
// in the message.
func transportError(ctx context.Context, step string, u *url.URL, err error) *failure.Error {
	if ctxErr := ctx.Err(); ctxErr != nil {
		return &failure.Error{Reason: failure.ReasonTimeout, Err: fmt.Errorf("%s: %w at %s", step, ctxErr, u.Redacted())}
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err // its message repeats the URL
	}
	err = failure.WithoutServerText(err)
	var ne net.Error
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, os.ErrDeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout()) {
		return &failure.Error{Reason: failure.ReasonTimeout, Err: fmt.Errorf("%s: timeout at %s: %w", step, u.Redacted(), err)}
	}
	what := string(failure.NetworkReason(err)) // dns, tls or connect
	return &failure.Error{Reason: failure.ReasonDiscovery, Err: fmt.Errorf("%s: %s failure at %s: %w", step, what, u.Redacted(), err)}
}

// stringField returns the string member name of a metadata document.
func stringField(obj map[string]json.RawMessage, name, step, where string) (string, error) {
	raw, present := obj[name]
	if !present {
		return "", failure.Errorf(failure.ReasonDiscovery, http.StatusOK, "%s: %s missing at %s", step, name, where)
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", failure.Errorf(failure.ReasonDiscovery, http.StatusOK, "%s: %s is not a string at %s", step, name, where)
	}
	if s == "" {
		return "", failure.Errorf(failure.ReasonDiscovery, http.StatusOK, "%s: %s is empty at %s", step, name, where)
	}
	return s, nil
}

// printable returns a header-derived string for an error message when it
// is short printable ASCII, and a placeholder otherwise.
func printable(s string) string {
	if len(s) > 64 {
		return "(unprintable)"
	}
	for i := 0; i < len(s); i++ {
		if s[i] < 0x21 || s[i] > 0x7e {
			return "(unprintable)"
		}
	}
	return s
}

// InsufficientScope reports whether the Bearer challenge among the
// WWW-Authenticate values of a 403 says error="insufficient_scope" (RFC
// 6750 §3.1), and returns the scope it asks for when it names one fit to
// quote in an error message (a valid scope of at most 256 bytes), "" when
// not.
func InsufficientScope(challenge []string) (scope string, ok bool) {
	params, ok := BearerChallenge(challenge)
	if !ok || params["error"] != "insufficient_scope" {
		return "", false
	}
	if s := strings.Join(strings.Fields(params["scope"]), " "); s != "" && validScope(strings.Fields(s)) && len(s) <= 256 {
		return s, true
	}
	return "", true
}
