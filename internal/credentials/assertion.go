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
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/mcp-exporter/mcp_exporter/config"
)

// The client assertion's type (RFC 7523 §2.2) and lifetime.
const (
	clientAssertionType = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
	// assertionLifetime is how long a client assertion is valid: long
	// enough for one token request (tokenFetchTimeout is 30 s, and clocks
	// drift), short enough that a captured one is soon useless.
	assertionLifetime = 60 * time.Second
)

// assertionAuth authenticates the client with a JWT signed by its private
// key (private_key_jwt, RFC 7523 §2.2 and §3): iss and sub are the client
// id, aud the authorization server's issuer (its token endpoint when the
// issuer is not known), exp a minute ahead, jti random. The key file is
// read for every token request, so a rotated key is used at once; a token
// fetched with another key is not reused. The key is never logged or
// shown, and neither is the assertion.
type assertionAuth struct {
	clientID string
	audience string
	config   config.ClientAssertion
}

// version names the key file's content and the signing parameters.
func (a *assertionAuth) version(context.Context) (string, error) {
	_, alg, raw, err := a.config.LoadKey()
	if err != nil {
		return "", fmt.Errorf("unable to read the oauth2 client assertion key: %w", err)
	}
	sum := sha256.Sum256(append([]byte(alg+"\x00"+a.config.KeyID+"\x00"), raw...))
	return hex.EncodeToString(sum[:]), nil
}

func (a *assertionAuth) authenticate(_ context.Context, form url.Values, _ http.Header) (string, error) {
	key, alg, raw, err := a.config.LoadKey()
	if err != nil {
		return "", fmt.Errorf("unable to read the oauth2 client assertion key: %w", err)
	}
	sum := sha256.Sum256(append([]byte(alg+"\x00"+a.config.KeyID+"\x00"), raw...))
	now := time.Now()
	// aud as a single string, not golang-jwt's default one-element array:
	// some authorization servers accept only the string.
	tok := jwt.NewWithClaims(jwt.GetSigningMethod(alg), jwt.MapClaims{
		"iss": a.clientID,
		"sub": a.clientID,
		"aud": a.audience,
		"iat": now.Unix(),
		"exp": now.Add(assertionLifetime).Unix(),
		"jti": rand.Text(),
	})
	if a.config.KeyID != "" {
		tok.Header["kid"] = a.config.KeyID
	}
	signed, err := tok.SignedString(key)
	if err != nil {
		// golang-jwt's errors name the algorithm or key type, not the key.
		return "", fmt.Errorf("signing the oauth2 client assertion with %s: %w", alg, err)
	}
	form.Set("client_id", a.clientID)
	form.Set("client_assertion_type", clientAssertionType)
	form.Set("client_assertion", signed)
	return hex.EncodeToString(sum[:]), nil
}

// answered: an assertion is the only way this client authenticates.
func (*assertionAuth) answered(int) bool { return false }
