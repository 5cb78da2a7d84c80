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
	"crypto"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"math/big"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/mcp-exporter/mcp_exporter/config"
	"github.com/mcp-exporter/mcp_exporter/internal/dialhost"
)

// DPoP (RFC 9449): proofs of possession of the module's key, on the token
// request and on every request that carries a DPoP-bound token.
const (
	// maxDPoPNonceBytes bounds a server's DPoP-Nonce; a longer one, or one
	// outside RFC 9449 §8.1's characters, is not taken.
	maxDPoPNonceBytes = 1024
	// maxDPoPNonces bounds the resource servers whose nonce a token source
	// keeps.
	maxDPoPNonces = 64
	// useDPoPNonce is the error of both nonce challenges (RFC 9449 §8, §9).
	useDPoPNonce = "use_dpop_nonce"
)

// dpopKey is the key tokens are bound to: its signer never leaves the
// process; proofs carry jwk, its public half.
type dpopKey struct {
	signer  crypto.Signer
	method  jwt.SigningMethod
	jwk     map[string]any
	version string // names the key file's content
}

// loadDPoPKey reads the module's DPoP key file.
func loadDPoPKey(c *config.DPoP) (*dpopKey, error) {
	signer, alg, raw, err := c.LoadKey()
	if err != nil {
		return nil, fmt.Errorf("unable to read the oauth2_dpop key: %w", err)
	}
	k := &dpopKey{signer: signer, method: jwt.GetSigningMethod(alg)}
	b64 := base64.RawURLEncoding.EncodeToString
	switch pub := signer.Public().(type) {
	case *ecdsa.PublicKey:
		// The uncompressed point: 0x04 || x || y, each of the curve's size.
		point, err := pub.Bytes()
		if err != nil || len(point) == 0 || point[0] != 4 {
			return nil, fmt.Errorf("unable to use the oauth2_dpop key: its public point does not encode")
		}
		size := (len(point) - 1) / 2
		k.jwk = map[string]any{"kty": "EC", "crv": pub.Curve.Params().Name,
			"x": b64(point[1 : 1+size]), "y": b64(point[1+size:])}
	case *rsa.PublicKey:
		k.jwk = map[string]any{"kty": "RSA", "n": b64(pub.N.Bytes()), "e": b64(big.NewInt(int64(pub.E)).Bytes())}
	default:
		return nil, fmt.Errorf("unable to use the oauth2_dpop key: a %T", pub)
	}
	sum := sha256.Sum256(append([]byte(alg+"\x00"), raw...))
	k.version = hex.EncodeToString(sum[:])
	return k, nil
}

// proof is a DPoP proof JWT (RFC 9449 §4.2) for a request of method to u:
// htu is u without query and fragment (and userinfo), jti fresh, ath the
// hash of the access token when one goes with the request, nonce the
// server's when it gave one.
func (k *dpopKey) proof(method string, u *url.URL, nonce, accessToken string, now time.Time) (string, error) {
	htu := url.URL{Scheme: u.Scheme, Host: u.Host, Path: u.Path, RawPath: u.RawPath}
	claims := jwt.MapClaims{"htm": method, "htu": htu.String(), "iat": now.Unix(), "jti": rand.Text()}
	if nonce != "" {
		claims["nonce"] = nonce
	}
	if accessToken != "" {
		sum := sha256.Sum256([]byte(accessToken))
		claims["ath"] = base64.RawURLEncoding.EncodeToString(sum[:])
	}
	tok := jwt.NewWithClaims(k.method, claims)
	tok.Header["typ"] = "dpop+jwt"
	tok.Header["jwk"] = k.jwk
	s, err := tok.SignedString(k.signer)
	if err != nil {
		// golang-jwt's errors name the algorithm or key type, not the key.
		return "", fmt.Errorf("signing the DPoP proof: %w", err)
	}
	return s, nil
}

// dpopNonce is the DPoP-Nonce of an answer, "" when it has none fit to
// use: a server's string goes into the next proof, so it must be RFC 9449
// §8.1's NQCHAR and bounded.
func dpopNonce(h http.Header) string {
	n := h.Get("DPoP-Nonce")
	if n == "" || len(n) > maxDPoPNonceBytes {
		return ""
	}
	for i := 0; i < len(n); i++ {
		if c := n[i]; c < 0x21 || c > 0x7e || c == '"' || c == '\\' {
			return ""
		}
	}
	return n
}

// dpopNonceChallenge reports whether a resource server's 401 asks for a
// nonce (RFC 9449 §9): a DPoP challenge with error="use_dpop_nonce", and
// the nonce itself.
func dpopNonceChallenge(resp *http.Response) (string, bool) {
	if resp.StatusCode != http.StatusUnauthorized {
		return "", false
	}
	nonce := dpopNonce(resp.Header)
	if nonce == "" || dpopChallengeError(resp.Header.Values("WWW-Authenticate")) != useDPoPNonce {
		return "", false
	}
	return nonce, true
}

// dpopChallengeError is the error parameter of the DPoP challenge among
// WWW-Authenticate values (RFC 9110 §11.6.1: challenges and their
// parameters separated by commas), "" when there is none.
func dpopChallengeError(values []string) string {
	for _, v := range values {
		inDPoP := false
		for _, item := range splitUnquoted(v) {
			item = strings.TrimSpace(item)
			// An item that starts a challenge: "<scheme>" or "<scheme> <param or token68>".
			if name, rest, _ := strings.Cut(item, " "); name != "" && !strings.Contains(name, "=") && !strings.HasPrefix(strings.TrimSpace(rest), "=") {
				inDPoP = strings.EqualFold(name, "DPoP")
				item = strings.TrimSpace(rest)
			}
			if k, val, ok := strings.Cut(item, "="); inDPoP && ok && strings.EqualFold(strings.TrimSpace(k), "error") {
				val = strings.TrimSpace(val)
				if len(val) >= 2 && val[0] == '"' && val[len(val)-1] == '"' {
					val = val[1 : len(val)-1]
				}
				return val
			}
		}
	}
	return ""
}

// splitUnquoted splits s at the commas outside quoted strings.
func splitUnquoted(s string) []string {
	var parts []string
	quoted, escaped, from := false, false, 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case escaped:
			escaped = false
		case quoted && c == '\\':
			escaped = true
		case c == '"':
			quoted = !quoted
		case c == ',' && !quoted:
			parts = append(parts, s[from:i])
			from = i + 1
		}
	}
	return append(parts, s[from:])
}

// rsNonce is the nonce the resource server at u's origin last gave.
func (s *Source) rsNonce(u *url.URL) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.rsNonces[dialhost.Origin(u)]
}

// setRSNonce keeps the resource server's nonce, for its later requests.
func (s *Source) setRSNonce(u *url.URL, nonce string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	origin := dialhost.Origin(u)
	if s.rsNonces == nil {
		s.rsNonces = map[string]string{}
	}
	if _, known := s.rsNonces[origin]; !known && len(s.rsNonces) >= maxDPoPNonces {
		clear(s.rsNonces) // a source serves one target, or a few: start over
	}
	s.rsNonces[origin] = nonce
}
