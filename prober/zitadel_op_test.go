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

package prober

// A real authorization server (issue 21): zitadel/oidc's OpenID provider
// (github.com/zitadel/oidc/v3/pkg/op), in process on loopback, issues the
// access tokens of three modules found by discovery: client credentials
// with a client secret, private_key_jwt and workload identity (RFC 7523
// §2.1, zitadel's JWT profile grant). A go-sdk server verifies every token
// with zitadel's access token verifier against the provider's published
// keys. Only the storage is the test's own, as zitadel expects of anyone
// running its provider.
//
// What zitadel's provider does not do by itself: for grant_type
// client_credentials its LegacyServer authenticates the client by its
// secret only (VerifyClient calls ClientCredentials(id, secret) and ignores
// a client_assertion), so opServer.VerifyClient hands a private_key_jwt
// assertion to zitadel's own op.AuthorizePrivateJWTKey. And its JWT profile
// grant is the service account model: the assertion's iss must equal its
// sub, the key owner's id, whose key the storage holds (a platform token
// with iss the cluster and sub the service account is refused unless the
// server overrides JWTProfile).

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/golang-jwt/jwt/v5"
	"github.com/modelcontextprotocol/go-sdk/auth"
	"github.com/modelcontextprotocol/go-sdk/oauthex"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"

	"github.com/mcp-exporter/mcp_exporter/internal/testsupport"
)

const (
	opSecretClient    = "mcp-exporter-secret"
	opSecret          = "s3cret-of-the-secret-client"
	opAssertionClient = "mcp-exporter-key"
	// opWorkload is the workload identity's issuer and subject (zitadel
	// requires them equal).
	opWorkload = "system:serviceaccount:monitoring:mcp-exporter"
)

func opKey(t *testing.T) *ecdsa.PrivateKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// opClient is a confidential client of the client credentials grant.
type opClient struct {
	id, secret string
	method     oidc.AuthMethod
}

func (c *opClient) GetID() string                       { return c.id }
func (c *opClient) RedirectURIs() []string              { return nil }
func (c *opClient) PostLogoutRedirectURIs() []string    { return nil }
func (c *opClient) ApplicationType() op.ApplicationType { return op.ApplicationTypeWeb }
func (c *opClient) AuthMethod() oidc.AuthMethod         { return c.method }
func (c *opClient) ResponseTypes() []oidc.ResponseType  { return nil }
func (c *opClient) GrantTypes() []oidc.GrantType {
	return []oidc.GrantType{oidc.GrantTypeClientCredentials}
}
func (c *opClient) LoginURL(string) string               { return "" }
func (c *opClient) AccessTokenType() op.AccessTokenType  { return op.AccessTokenTypeJWT }
func (c *opClient) IDTokenLifetime() time.Duration       { return time.Hour }
func (c *opClient) DevMode() bool                        { return false }
func (c *opClient) IsScopeAllowed(string) bool           { return false }
func (c *opClient) IDTokenUserinfoClaimsAssertion() bool { return false }
func (c *opClient) ClockSkew() time.Duration             { return 0 }
func (c *opClient) RestrictAdditionalIdTokenScopes() func([]string) []string {
	return func(s []string) []string { return s }
}
func (c *opClient) RestrictAdditionalAccessTokenScopes() func([]string) []string {
	return func(s []string) []string { return s }
}

type opTokenRequest struct {
	subject string
	scopes  []string
}

func (r opTokenRequest) GetSubject() string    { return r.subject }
func (r opTokenRequest) GetAudience() []string { return []string{r.subject} }
func (r opTokenRequest) GetScopes() []string   { return r.scopes }

type opSigningKey struct{ key *ecdsa.PrivateKey }

func (k opSigningKey) SignatureAlgorithm() jose.SignatureAlgorithm { return jose.ES256 }
func (k opSigningKey) Key() any                                    { return k.key }
func (k opSigningKey) ID() string                                  { return "op-1" }

type opPublicKey struct{ key *ecdsa.PrivateKey }

func (k opPublicKey) ID() string                         { return "op-1" }
func (k opPublicKey) Algorithm() jose.SignatureAlgorithm { return jose.ES256 }
func (k opPublicKey) Use() string                        { return "sig" }
func (k opPublicKey) Key() any                           { return &k.key.PublicKey }

// opStorage is the minimal op.Storage (with op.ClientCredentialsStorage
// and op.JWTProfileTokenStorage) the grants need: clients, the keys
// trusted for JWT assertions, the provider's signing key, and a record of
// the access tokens issued. Everything interactive is refused.
type opStorage struct {
	signing *ecdsa.PrivateKey
	clients map[string]*opClient
	keys    map[string]*ecdsa.PublicKey // JWT assertion keys by iss

	mu     sync.Mutex
	issued map[string]string // token id → subject
}

var errOPUnsupported = errors.New("not supported by the test's provider")

func (s *opStorage) CreateAuthRequest(context.Context, *oidc.AuthRequest, string) (op.AuthRequest, error) {
	return nil, errOPUnsupported
}
func (s *opStorage) AuthRequestByID(context.Context, string) (op.AuthRequest, error) {
	return nil, errOPUnsupported
}
func (s *opStorage) AuthRequestByCode(context.Context, string) (op.AuthRequest, error) {
	return nil, errOPUnsupported
}
func (s *opStorage) SaveAuthCode(context.Context, string, string) error { return errOPUnsupported }
func (s *opStorage) DeleteAuthRequest(context.Context, string) error    { return errOPUnsupported }

func (s *opStorage) CreateAccessToken(_ context.Context, r op.TokenRequest) (string, time.Time, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	id := rand.Text()
	s.issued[id] = r.GetSubject()
	return id, time.Now().Add(10 * time.Minute), nil
}

func (s *opStorage) CreateAccessAndRefreshTokens(context.Context, op.TokenRequest, string) (string, string, time.Time, error) {
	return "", "", time.Time{}, errOPUnsupported
}
func (s *opStorage) TokenRequestByRefreshToken(context.Context, string) (op.RefreshTokenRequest, error) {
	return nil, errOPUnsupported
}
func (s *opStorage) TerminateSession(context.Context, string, string) error { return errOPUnsupported }
func (s *opStorage) RevokeToken(context.Context, string, string, string) *oidc.Error {
	return oidc.ErrUnsupportedGrantType()
}
func (s *opStorage) GetRefreshTokenInfo(context.Context, string, string) (string, string, error) {
	return "", "", errOPUnsupported
}
func (s *opStorage) SigningKey(context.Context) (op.SigningKey, error) {
	return opSigningKey{s.signing}, nil
}
func (s *opStorage) SignatureAlgorithms(context.Context) ([]jose.SignatureAlgorithm, error) {
	return []jose.SignatureAlgorithm{jose.ES256}, nil
}
func (s *opStorage) KeySet(context.Context) ([]op.Key, error) {
	return []op.Key{opPublicKey{s.signing}}, nil
}

func (s *opStorage) GetClientByClientID(_ context.Context, id string) (op.Client, error) {
	if c, ok := s.clients[id]; ok {
		return c, nil
	}
	return nil, fmt.Errorf("no client %q", id)
}

func (s *opStorage) AuthorizeClientIDSecret(_ context.Context, id, secret string) error {
	if c, ok := s.clients[id]; ok && c.method != oidc.AuthMethodPrivateKeyJWT && c.secret == secret {
		return nil
	}
	return oidc.ErrInvalidClient().WithDescription("invalid client secret")
}

func (s *opStorage) SetUserinfoFromScopes(context.Context, *oidc.UserInfo, string, string, []string) error {
	return nil
}
func (s *opStorage) SetUserinfoFromToken(context.Context, *oidc.UserInfo, string, string, string) error {
	return errOPUnsupported
}
func (s *opStorage) SetIntrospectionFromToken(context.Context, *oidc.IntrospectionResponse, string, string, string) error {
	return errOPUnsupported
}
func (s *opStorage) GetPrivateClaimsFromScopes(context.Context, string, string, []string) (map[string]any, error) {
	return nil, nil
}

func (s *opStorage) GetKeyByIDAndClientID(_ context.Context, _, clientID string) (*jose.JSONWebKey, error) {
	k, ok := s.keys[clientID]
	if !ok {
		return nil, fmt.Errorf("no key for %q", clientID)
	}
	return &jose.JSONWebKey{Key: k, Algorithm: string(jose.ES256), Use: "sig"}, nil
}

func (s *opStorage) ValidateJWTProfileScopes(_ context.Context, _ string, scopes []string) ([]string, error) {
	return scopes, nil
}
func (s *opStorage) Health(context.Context) error { return nil }

// ClientCredentials authenticates a client of the client credentials grant
// by its secret (zitadel's LegacyServer calls it for that grant).
func (s *opStorage) ClientCredentials(ctx context.Context, id, secret string) (op.Client, error) {
	if err := s.AuthorizeClientIDSecret(ctx, id, secret); err != nil {
		return nil, err
	}
	return s.clients[id], nil
}

func (s *opStorage) ClientCredentialsTokenRequest(_ context.Context, id string, scopes []string) (op.TokenRequest, error) {
	return opTokenRequest{subject: id, scopes: scopes}, nil
}

// JWTProfileTokenType: the JWT profile grant issues JWT access tokens too.
func (s *opStorage) JWTProfileTokenType(context.Context, op.TokenRequest) (op.AccessTokenType, error) {
	return op.AccessTokenTypeJWT, nil
}

func (s *opStorage) issuedTo() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var subs []string
	for _, sub := range s.issued {
		subs = append(subs, sub)
	}
	slices.Sort(subs)
	return subs
}

// opServer is zitadel's LegacyServer, with private_key_jwt for the client
// credentials grant (see the file's comment).
type opServer struct {
	*op.LegacyServer
	provider *op.Provider
}

func (s *opServer) VerifyClient(ctx context.Context, r *op.Request[op.ClientCredentials]) (op.Client, error) {
	if r.Data.ClientAssertionType != oidc.ClientAssertionTypeJWTAssertion {
		return s.LegacyServer.VerifyClient(ctx, r)
	}
	client, err := op.AuthorizePrivateJWTKey(ctx, r.Data.ClientAssertion, s.provider)
	if err != nil {
		return nil, err
	}
	if !op.ValidateGrantType(client, oidc.GrantType(r.Form.Get("grant_type"))) {
		return nil, oidc.ErrUnauthorizedClient()
	}
	return client, nil
}

// startOP serves zitadel's provider on loopback; it returns the issuer.
func startOP(t *testing.T, storage *opStorage) string {
	t.Helper()
	ts := httptest.NewUnstartedServer(nil)
	issuer := "http://" + ts.Listener.Addr().String()
	provider, err := op.NewProvider(&op.Config{
		CryptoKey:               [32]byte{1, 2, 3},
		AuthMethodPost:          true,
		AuthMethodPrivateKeyJWT: true,
	}, storage, op.StaticIssuer(issuer), op.WithAllowInsecure())
	if err != nil {
		t.Fatal(err)
	}
	server := &opServer{LegacyServer: op.NewLegacyServer(provider, provider.Endpoints()), provider: provider}
	ts.Config.Handler = op.RegisterLegacyServer(server, op.AuthorizeCallbackHandler(provider))
	ts.Start()
	t.Cleanup(ts.Close)
	return issuer
}

// opKeySet verifies a signature with the keys the provider publishes.
type opKeySet struct{ jwksURL string }

func (k opKeySet) VerifySignature(ctx context.Context, jws *jose.JSONWebSignature) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, k.jwksURL, nil)
	if err != nil {
		return nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var set jose.JSONWebKeySet
	if err := json.NewDecoder(resp.Body).Decode(&set); err != nil {
		return nil, err
	}
	for _, sig := range jws.Signatures {
		for _, key := range set.Key(sig.Header.KeyID) {
			if payload, err := jws.Verify(key); err == nil {
				return payload, nil
			}
		}
	}
	return nil, errors.New("no published key verifies the token")
}

func TestZitadelOpenIDProvider(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	clientKey, workloadKey := opKey(t), opKey(t)
	storage := &opStorage{
		signing: opKey(t),
		clients: map[string]*opClient{
			opSecretClient:    {id: opSecretClient, secret: opSecret, method: oidc.AuthMethodBasic},
			opAssertionClient: {id: opAssertionClient, method: oidc.AuthMethodPrivateKeyJWT},
		},
		keys:   map[string]*ecdsa.PublicKey{opAssertionClient: &clientKey.PublicKey, opWorkload: &workloadKey.PublicKey},
		issued: map[string]string{},
	}
	issuer := startOP(t, storage)

	// The go-sdk server accepts a token only if zitadel's access token
	// verifier does, with the keys at the provider's jwks_uri.
	verifier := op.NewAccessTokenVerifier(issuer, opKeySet{issuer + "/keys"})
	var mu sync.Mutex
	var accepted []string // subjects of the tokens the server accepted, one per request
	verify := func(ctx context.Context, token string, _ *http.Request) (*auth.TokenInfo, error) {
		claims, err := op.VerifyAccessToken[*oidc.AccessTokenClaims](ctx, token, verifier)
		if err != nil {
			return nil, fmt.Errorf("%v: %w", err, auth.ErrInvalidToken)
		}
		mu.Lock()
		accepted = append(accepted, claims.Subject)
		mu.Unlock()
		return &auth.TokenInfo{UserID: claims.Subject, Expiration: claims.Expiration.AsTime()}, nil
	}
	rsMux := http.NewServeMux()
	rs := httptest.NewServer(rsMux)
	t.Cleanup(rs.Close)
	target := rs.URL + "/mcp"
	rsMux.Handle("/mcp", auth.RequireBearerToken(verify, &auth.RequireBearerTokenOptions{
		ResourceMetadataURL: rs.URL + "/.well-known/oauth-protected-resource/mcp",
	})(testsupport.SDKServer{Name: "zitadel-peer", Version: "1.0.0"}.Handler()))
	rsMux.Handle("/.well-known/oauth-protected-resource/mcp", auth.ProtectedResourceMetadataHandler(&oauthex.ProtectedResourceMetadata{
		Resource: target, AuthorizationServers: []string{issuer},
	}))

	der, err := x509.MarshalPKCS8PrivateKey(clientKey)
	if err != nil {
		t.Fatal(err)
	}
	keyFile := filepath.Join(dir, "client-key.pem")
	testsupport.WritePEM(t, keyFile, "PRIVATE KEY", der)
	secretFile := filepath.Join(dir, "client-secret")
	authWriteFile(t, secretFile, opSecret+"\n")
	// The workload's JWT, as its platform would issue it: for zitadel, iss
	// and sub are the identity whose key it trusts, aud the issuer.
	platformJWT, err := jwt.NewWithClaims(jwt.SigningMethodES256, jwt.MapClaims{
		"iss": opWorkload, "sub": opWorkload, "aud": []string{issuer},
		"iat": time.Now().Unix(), "exp": time.Now().Add(time.Hour).Unix(), "jti": rand.Text(),
	}).SignedString(workloadKey)
	if err != nil {
		t.Fatal(err)
	}
	wifFile := filepath.Join(dir, "workload-token")
	authWriteFile(t, wifFile, platformJWT+"\n")

	common := "oauth2_discovery: true\noauth2_issuers: ['" + regexp.QuoteMeta(issuer) + "']\n" + authAllowOnly(target) + "\n"
	f := newHandlerFixture(t, authConfig(t, map[string]string{
		"client_secret": common + fmt.Sprintf("http_config:\n  oauth2: {client_id: %s, client_secret_file: %s}\n", opSecretClient, secretFile),
		"private_key_jwt": common + fmt.Sprintf("http_config:\n  oauth2: {client_id: %s}\noauth2_client_assertion: {key_file: %s}\n",
			opAssertionClient, keyFile),
		"workload_identity": common + "http_config:\n  oauth2: {}\noauth2_workload_identity: {assertion_file: " + wifFile + "}\n",
		// The same client with a wrong secret: zitadel refuses it.
		"wrong_secret": common + fmt.Sprintf("http_config:\n  oauth2: {client_id: %s, client_secret: not-the-secret}\n", opSecretClient),
	}))

	probe := func(module string) string {
		t.Helper()
		return f.probe(t, url.Values{"module": {module}, "target": {target}, "debug": {"true"}}, nil).Body.String()
	}
	for _, m := range []string{"client_secret", "private_key_jwt", "workload_identity"} {
		if body := probe(m); !strings.Contains(body, "probe_success 1\n") {
			t.Errorf("module %s: the probe failed\n%s\nlog:\n%s", m, body, f.log.String())
		}
	}
	if body := probe("wrong_secret"); !strings.Contains(body, "probe_success 0\n") ||
		!strings.Contains(body, `probe_mcp_failure_info{layer="auth",reason="token_request"} 1`) ||
		!strings.Contains(body, "invalid_client") {
		t.Errorf("a refused secret:\n%s", body)
	}
	want := []string{opWorkload, opAssertionClient, opSecretClient}
	slices.Sort(want)
	if got := storage.issuedTo(); !slices.Equal(got, want) {
		t.Errorf("the provider issued tokens to %q, want %q (one per module)", got, want)
	}
	mu.Lock()
	got := slices.Compact(slices.Sorted(slices.Values(accepted)))
	mu.Unlock()
	if !slices.Equal(got, want) {
		t.Errorf("the server accepted tokens of %q, want %q", got, want)
	}
	if strings.Contains(f.log.String(), "does not list") {
		t.Errorf("a grant the provider's metadata does not list:\n%s", f.log.String())
	}
}
