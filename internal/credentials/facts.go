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

package credentials

import (
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"io"
	"math"
	"os"
	"strconv"
	"strings"
	"time"

	promconfig "github.com/prometheus/common/config"

	"github.com/mcp-exporter/mcp_exporter/config"
)

// Kinds of credential whose expiry a probe reports
// (probe_mcp_credential_expiry_timestamp_seconds's kind label).
const (
	KindOAuth2            = "oauth2"             // the OAuth2 access token in use
	KindBearerJWT         = "bearer_jwt"         // a static bearer token that is a JWT
	KindClientCertificate = "client_certificate" // the TLS client certificate
	KindWorkloadIdentity  = "workload_identity"  // the platform's JWT (oauth2_workload_identity)
)

// maxCertFileBytes bounds what is read of a client certificate file.
const maxCertFileBytes = 1 << 20

// Expiry is when one of the probe's credentials expires.
type Expiry struct {
	Kind   string // one of the Kind… kinds
	Expiry time.Time
}

// TokenFacts is what a probe knows of its OAuth2 token and of the token
// source's last fetch; never the token itself.
type TokenFacts struct {
	// HasToken: the probe had a token; Age and Fetched describe it.
	HasToken bool
	Age      time.Duration // since the token endpoint's answer came
	Fetched  bool          // this probe waited for the fetch that gave it
	// LastFetch: the source has fetched (or failed to) at least once;
	// FetchSuccess and FetchDuration describe its last fetch.
	LastFetch     bool
	FetchSuccess  bool
	FetchDuration time.Duration
}

// Facts are what a probe reports of its credentials, whatever became of
// it (an expired certificate or token is what fails it): when each
// expires, and, with OAuth2, what it knows of its token and of the token
// source's last fetch. Nothing is sent to learn them: the OAuth2 token is
// the one the probe used (tok, nil without OAuth2), the others are read
// from the module m's configuration (files read afresh), now is the
// probe's clock.
func Facts(m *config.Module, tok *ProbeToken, now time.Time) (expiries []Expiry, oauth2 *TokenFacts) {
	hc := &m.HTTPClientConfig
	if hc.OAuth2 != nil && tok != nil {
		oauth2 = &TokenFacts{}
		if g, had := tok.Used(); had {
			oauth2.HasToken, oauth2.Age, oauth2.Fetched = true, max(now.Sub(g.FetchedAt()), 0), g.FetchedThisProbe()
			if g.lifetimeGiven {
				expiries = append(expiries, Expiry{Kind: KindOAuth2, Expiry: g.Expiry()})
			} else if exp, ok := jwtExpiry(g.value); ok {
				expiries = append(expiries, Expiry{Kind: KindOAuth2, Expiry: exp})
			}
		}
		if last := tok.LastFetch(); last.Done {
			oauth2.LastFetch, oauth2.FetchSuccess, oauth2.FetchDuration = true, last.OK, last.Duration
		}
	}
	if exp, ok := workloadIdentityExpiry(m); ok {
		expiries = append(expiries, exp)
	}
	if exp, ok := jwtExpiry(staticBearer(hc)); ok {
		expiries = append(expiries, Expiry{Kind: KindBearerJWT, Expiry: exp})
	}
	if exp, ok := clientCertExpiry(&hc.TLSConfig); ok {
		expiries = append(expiries, Expiry{Kind: KindClientCertificate, Expiry: exp})
	}
	return expiries, oauth2
}

// staticBearer is the module's static bearer token (authorization of type
// Bearer, or the older bearer_token), read afresh like the request reads
// it; "" when there is none.
func staticBearer(hc *promconfig.HTTPClientConfig) string {
	if a := hc.Authorization; a != nil && (a.Type == "" || strings.EqualFold(a.Type, "Bearer")) {
		if a.Credentials != "" {
			return string(a.Credentials)
		}
		if a.CredentialsFile != "" {
			return readSecretFile(a.CredentialsFile)
		}
	}
	if hc.BearerToken != "" {
		return string(hc.BearerToken)
	}
	return readSecretFile(hc.BearerTokenFile)
}

// jwtExpiry reads the exp claim of a JWT (a JWS in compact form: three
// base64url parts), without verifying it: only when the token expires is
// wanted, and the server is what checks it. false for anything else (an
// opaque token, an encrypted JWT, no or an unusable exp).
func jwtExpiry(token string) (time.Time, bool) {
	if token == "" || len(token) > maxAccessTokenBytes || strings.Count(token, ".") != 2 {
		return time.Time{}, false
	}
	payload := token[strings.IndexByte(token, '.')+1 : strings.LastIndexByte(token, '.')]
	b, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(payload, "="))
	if err != nil {
		return time.Time{}, false
	}
	var claims struct {
		Exp json.RawMessage `json:"exp"`
	}
	// NumericDate is a JSON number (RFC 7519 §2): a string is not one.
	if json.Unmarshal(b, &claims) != nil || len(claims.Exp) == 0 || claims.Exp[0] == '"' {
		return time.Time{}, false
	}
	exp, err := strconv.ParseFloat(string(claims.Exp), 64)
	if err != nil || exp <= 0 || math.IsInf(exp, 0) || exp > math.MaxInt64/2 {
		return time.Time{}, false
	}
	return time.Unix(int64(exp), 0), true
}

// clientCertExpiry is the NotAfter of the client certificate (the first
// certificate of tls_config's cert or cert_file: the leaf).
func clientCertExpiry(tc *promconfig.TLSConfig) (time.Time, bool) {
	data := []byte(tc.Cert)
	if len(data) == 0 && tc.CertFile != "" {
		f, err := os.Open(tc.CertFile)
		if err != nil {
			return time.Time{}, false
		}
		data, err = io.ReadAll(io.LimitReader(f, maxCertFileBytes))
		f.Close()
		if err != nil {
			return time.Time{}, false
		}
	}
	for len(data) > 0 {
		var block *pem.Block
		block, data = pem.Decode(data)
		if block == nil {
			break
		}
		if block.Type != "CERTIFICATE" {
			continue
		}
		cert, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return time.Time{}, false
		}
		return cert.NotAfter, true
	}
	return time.Time{}, false
}
