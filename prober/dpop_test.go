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

// DPoP (issue 21 item 2, RFC 9449) through whole probes of a go-sdk
// server. The authorization server and the resource server here check
// every proof with go-jose as a DPoP server would, never by comparing
// strings: the signature with the embedded public jwk, typ, htm, htu, iat,
// jti replay, ath against the token, the nonce each demanded, and that the
// token is used with the key it is bound to (RFC 7638 thumbprint).

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/mcp-exporter/mcp_exporter/config"
	"github.com/mcp-exporter/mcp_exporter/internal/testsupport"
)

// dpopChecker verifies DPoP proofs and remembers every jti it accepted.
type dpopChecker struct {
	mu   sync.Mutex
	jtis map[string]bool
}

type dpopClaims struct {
	HTM   string `json:"htm"`
	HTU   string `json:"htu"`
	IAT   int64  `json:"iat"`
	JTI   string `json:"jti"`
	ATH   string `json:"ath"`
	Nonce string `json:"nonce"`
}

// check verifies proof for a request r; accessToken "" means none goes
// with it (no ath allowed). It returns the claims and the key's RFC 7638
// thumbprint.
func (c *dpopChecker) check(r *http.Request, proof, accessToken string) (dpopClaims, string, error) {
	var claims dpopClaims
	if proof == "" || len(r.Header.Values("DPoP")) != 1 {
		return claims, "", errors.New("not exactly one DPoP header")
	}
	jws, err := jose.ParseSignedCompact(proof, []jose.SignatureAlgorithm{jose.ES256, jose.RS256})
	if err != nil {
		return claims, "", fmt.Errorf("proof: %w", err)
	}
	h := jws.Signatures[0].Protected
	if typ, _ := h.ExtraHeaders[jose.HeaderType].(string); typ != "dpop+jwt" {
		return claims, "", fmt.Errorf("typ %q", typ)
	}
	if h.JSONWebKey == nil || !h.JSONWebKey.IsPublic() || !h.JSONWebKey.Valid() {
		return claims, "", errors.New("jwk missing, not public or not valid")
	}
	payload, err := jws.Verify(h.JSONWebKey)
	if err != nil {
		return claims, "", fmt.Errorf("signature: %w", err)
	}
	if err := json.Unmarshal(payload, &claims); err != nil {
		return claims, "", err
	}
	want := "http://" + r.Host + r.URL.Path
	if claims.HTM != r.Method || claims.HTU != want {
		return claims, "", fmt.Errorf("htm %q htu %q, want %q %q", claims.HTM, claims.HTU, r.Method, want)
	}
	if d := time.Since(time.Unix(claims.IAT, 0)); d > time.Minute || d < -time.Minute {
		return claims, "", fmt.Errorf("iat %d is not now", claims.IAT)
	}
	if accessToken != "" {
		sum := sha256.Sum256([]byte(accessToken))
		if claims.ATH != base64.RawURLEncoding.EncodeToString(sum[:]) {
			return claims, "", errors.New("ath is not the token's hash")
		}
	} else if claims.ATH != "" {
		return claims, "", errors.New("ath on a token request")
	}
	thumb, err := h.JSONWebKey.Thumbprint(crypto.SHA256)
	if err != nil {
		return claims, "", err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if claims.JTI == "" || c.jtis[claims.JTI] {
		return claims, "", fmt.Errorf("jti %q empty or replayed", claims.JTI)
	}
	c.jtis[claims.JTI] = true
	return claims, base64.RawURLEncoding.EncodeToString(thumb), nil
}

// dpopPeers are an authorization server issuing DPoP tokens and a go-sdk
// MCP server accepting them, each demanding a nonce first.
type dpopPeers struct {
	checker  *dpopChecker
	asNonce  string
	rsNonce  string
	bearer   bool           // the token endpoint issues Bearer tokens despite the proof
	rotating bool           // the token endpoint wants a new nonce every time
	grants   map[string]int // grant_type of each token request
	tokenURL string
	target   string

	mu       sync.Mutex
	bound    map[string]string // access token → thumbprint
	problems []string
	asCalls  int
	asNonces int // use_dpop_nonce answers
	rsCalls  int
	rsNonces int
	schemes  map[string]int // Authorization schemes the MCP server saw
	proofs   []string
}

func (d *dpopPeers) problem(format string, args ...any) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.problems = append(d.problems, fmt.Sprintf(format, args...))
}

func newDPoPPeers(t *testing.T) *dpopPeers {
	t.Helper()
	return newDPoPPeersServing(t, authMCPHandler())
}

func newDPoPPeersServing(t *testing.T, mcp http.Handler) *dpopPeers {
	t.Helper()
	d := &dpopPeers{checker: &dpopChecker{jtis: map[string]bool{}}, asNonce: "as-" + rand.Text(), rsNonce: "rs-" + rand.Text(),
		bound: map[string]string{}, schemes: map[string]int{}}
	as, _ := authServe(t, http.HandlerFunc(d.token))
	d.tokenURL = as.URL + "/token"
	rs, _ := authServe(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { d.resource(w, r, mcp) }))
	d.target = rs.URL + "/mcp"
	return d
}

func (d *dpopPeers) token(w http.ResponseWriter, r *http.Request) {
	_ = r.ParseForm()
	d.mu.Lock()
	d.asCalls++
	d.proofs = append(d.proofs, r.Header.Get("DPoP"))
	if d.grants == nil {
		d.grants = map[string]int{}
	}
	d.grants[r.PostForm.Get("grant_type")]++
	d.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	claims, thumb, err := d.checker.check(r, r.Header.Get("DPoP"), "")
	if err != nil {
		d.problem("token request: %v", err)
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprint(w, `{"error":"invalid_dpop_proof"}`)
		return
	}
	if d.rotating {
		d.mu.Lock()
		d.asNonce = "as-" + rand.Text()
		d.mu.Unlock()
	}
	if claims.Nonce != d.asNonce {
		if claims.Nonce != "" && !d.rotating {
			d.problem("token request: nonce %q, want the one given", claims.Nonce)
		}
		d.mu.Lock()
		d.asNonces++
		d.mu.Unlock()
		w.Header().Set("DPoP-Nonce", d.asNonce)
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprint(w, `{"error":"use_dpop_nonce","error_description":"Authorization server requires nonce in DPoP proof"}`)
		return
	}
	tok := "dpop-access-" + rand.Text()
	typ := "DPoP"
	if d.bearer {
		typ = "Bearer"
	}
	d.mu.Lock()
	d.bound[tok] = thumb
	d.mu.Unlock()
	_ = json.NewEncoder(w).Encode(map[string]any{"access_token": tok, "token_type": typ, "expires_in": 3600})
}

func (d *dpopPeers) resource(w http.ResponseWriter, r *http.Request, mcp http.Handler) {
	scheme, tok, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	d.mu.Lock()
	d.rsCalls++
	d.schemes[scheme]++
	thumb, known := d.bound[tok]
	d.mu.Unlock()
	refuse := func(challenge string) {
		w.Header().Set("WWW-Authenticate", challenge)
		http.Error(w, "unauthorized", http.StatusUnauthorized)
	}
	if d.bearer {
		if scheme != "Bearer" || !known || r.Header.Get("DPoP") != "" {
			d.problem("a Bearer token sent as %q, with a proof %v", scheme, r.Header.Get("DPoP") != "")
		}
		mcp.ServeHTTP(w, r)
		return
	}
	if scheme != "DPoP" || !known {
		d.problem("resource request with scheme %q, known token %v", scheme, known)
		refuse(`DPoP algs="ES256 RS256"`)
		return
	}
	claims, got, err := d.checker.check(r, r.Header.Get("DPoP"), tok)
	switch {
	case err != nil:
		d.problem("resource request: %v", err)
		refuse(`DPoP error="invalid_dpop_proof"`)
		return
	case got != thumb:
		d.problem("the token is used with another key than the one it is bound to")
		refuse(`DPoP error="invalid_token"`)
		return
	case claims.Nonce != d.rsNonce:
		if claims.Nonce != "" {
			d.problem("resource request: nonce %q, want the one given", claims.Nonce)
		}
		d.mu.Lock()
		d.rsNonces++
		d.mu.Unlock()
		w.Header().Set("DPoP-Nonce", d.rsNonce)
		refuse(`DPoP error="use_dpop_nonce", error_description="Resource server requires nonce in DPoP proof", algs="ES256 RS256"`)
		return
	}
	mcp.ServeHTTP(w, r)
}

func (d *dpopPeers) stats() (asCalls, asNonces, rsCalls, rsNonces int, schemes map[string]int, problems []string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	s := map[string]int{}
	for k, v := range d.schemes {
		s[k] = v
	}
	return d.asCalls, d.asNonces, d.rsCalls, d.rsNonces, s, append([]string(nil), d.problems...)
}

// probeOK probes d's target with m through a fresh Prober; the probe must
// pass and the peers must have seen nothing wrong.
func (d *dpopPeers) probeOK(t *testing.T, m config.Module) {
	t.Helper()
	if res := runProbe(t, nil, d.target, m); !res.ok {
		t.Fatalf("probe failed:\n%s", res.logs)
	}
	_, _, _, _, _, problems := d.stats()
	for _, pr := range problems {
		t.Error(pr)
	}
}

// writeDPoPKey writes a key of kind "p256-sec1", "p256-pkcs8",
// "rsa-pkcs1" or "rsa-pkcs8" and returns its file and PEM.
func writeDPoPKey(t *testing.T, kind string) (string, string) {
	t.Helper()
	var block *pem.Block
	switch kind {
	case "p256-sec1", "p256-pkcs8":
		k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		b, _ := x509.MarshalECPrivateKey(k)
		block = &pem.Block{Type: "EC PRIVATE KEY", Bytes: b}
		if kind == "p256-pkcs8" {
			b, _ = x509.MarshalPKCS8PrivateKey(k)
			block = &pem.Block{Type: "PRIVATE KEY", Bytes: b}
		}
	case "rsa-pkcs1", "rsa-pkcs8":
		k, _ := rsa.GenerateKey(rand.Reader, 2048)
		block = &pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(k)}
		if kind == "rsa-pkcs8" {
			b, _ := x509.MarshalPKCS8PrivateKey(k)
			block = &pem.Block{Type: "PRIVATE KEY", Bytes: b}
		}
	}
	file := filepath.Join(t.TempDir(), "dpop.pem")
	text := string(pem.EncodeToMemory(block))
	testsupport.WriteFile(t, file, []byte(text), 0o600)
	return file, text
}

func dpopModule(t *testing.T, d *dpopPeers, keyFile string) string {
	t.Helper()
	return fmt.Sprintf("http_config:\n  oauth2: {client_id: probe-client, client_secret: s3cr3t-dpop, token_url: %s}\noauth2_dpop: {key_file: %s}\n%s",
		d.tokenURL, keyFile, authAllowOnly(d.target))
}

func TestDPoPProbes(t *testing.T) {
	t.Parallel()
	for _, kind := range []string{"p256-sec1", "p256-pkcs8", "rsa-pkcs1", "rsa-pkcs8"} {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			d := newDPoPPeers(t)
			keyFile, keyPEM := writeDPoPKey(t, kind)
			m := authModule(t, dpopModule(t, d, keyFile))
			p := New()
			first := runProbe(t, p, d.target, m)
			if !first.ok {
				t.Fatalf("first probe failed:\n%s\n%s", first.logs, first.metrics)
			}
			asCalls, asNonces, rsCalls1, rsNonces, _, _ := d.stats()
			// The token endpoint and the server each asked for a nonce
			// once, and each challenge was answered once.
			if asCalls != 2 || asNonces != 1 || rsNonces != 1 {
				t.Errorf("first probe: %d token requests (%d nonce challenges), %d resource nonce challenges; want 2, 1, 1", asCalls, asNonces, rsNonces)
			}
			second := runProbe(t, p, d.target, m)
			if !second.ok {
				t.Fatalf("second probe failed:\n%s", second.logs)
			}
			asCalls, asNonces, rsCalls2, rsNonces, schemes, problems := d.stats()
			// The nonces were kept: no challenge, the cached token.
			if asCalls != 2 || asNonces != 1 || rsNonces != 1 || rsCalls2 <= rsCalls1 {
				t.Errorf("second probe: %d token requests, %d+%d nonce challenges; want 2, 1+1", asCalls, asNonces, rsNonces)
			}
			t.Logf("token requests %d, resource requests %d, schemes %v", asCalls, rsCalls2, schemes)
			if schemes["Bearer"] != 0 || schemes["DPoP"] == 0 {
				t.Errorf("Authorization schemes the server saw: %v (a bound token is never Bearer)", schemes)
			}
			for _, pr := range problems {
				t.Error(pr)
			}
			for _, res := range []probeResult{first, second} {
				if strings.Contains(res.logs+res.metrics, "PRIVATE KEY") || strings.Contains(res.logs+res.metrics, strings.Split(keyPEM, "\n")[1]) {
					t.Error("the key appears in the probe's output")
				}
				if strings.Contains(res.logs, "dpop-access-") {
					t.Error("the access token appears in the log")
				}
			}
		})
	}
}

// A token endpoint that answers token_type Bearer despite the proof: the
// token is not bound, and is sent as Bearer without a proof (RFC 9449 §5).
func TestDPoPTokenIssuedAsBearer(t *testing.T) {
	t.Parallel()
	d := newDPoPPeers(t)
	d.bearer = true
	keyFile, _ := writeDPoPKey(t, "p256-sec1")
	d.probeOK(t, authModule(t, dpopModule(t, d, keyFile)))
	_, _, _, _, schemes, _ := d.stats()
	if schemes["DPoP"] != 0 {
		t.Errorf("schemes %v", schemes)
	}
}

// A new key in the file: the token bound to the old one is not used
// again; the next probe fetches one bound to the new key. The target's
// query is not part of htu.
func TestDPoPKeyRotation(t *testing.T) {
	t.Parallel()
	d := newDPoPPeers(t)
	d.target += "?tenant=a"
	keyFile, _ := writeDPoPKey(t, "p256-sec1")
	m := authModule(t, dpopModule(t, d, keyFile))
	p := New()
	if res := runProbe(t, p, d.target, m); !res.ok {
		t.Fatalf("probe failed:\n%s", res.logs)
	}
	_, newPEM := writeDPoPKey(t, "rsa-pkcs8")
	authWriteFile(t, keyFile, newPEM)
	if res := runProbe(t, p, d.target, m); !res.ok {
		t.Fatalf("probe after the rotation failed:\n%s", res.logs)
	}
	asCalls, asNonces, _, _, _, problems := d.stats()
	for _, pr := range problems {
		t.Error(pr)
	}
	if asCalls != 3 || asNonces != 1 {
		t.Errorf("%d token requests (%d nonce challenges), want 3 (1): a new token for the new key", asCalls, asNonces)
	}
}

// A token endpoint that asks for a new nonce every time is answered once:
// the probe fails with token_request after two requests, and backs off.
func TestDPoPNonceAskedTwice(t *testing.T) {
	t.Parallel()
	d := newDPoPPeers(t)
	d.rotating = true
	keyFile, _ := writeDPoPKey(t, "p256-pkcs8")
	m := authModule(t, dpopModule(t, d, keyFile))
	p := New()
	res := runProbe(t, p, d.target, m)
	if res.ok || res.result.FailedLayer != LayerAuth || string(res.result.FailureReason) != "token_request" || !strings.Contains(res.logs, "use_dpop_nonce, twice") {
		t.Fatalf("probe: ok %v, failed %s/%s\n%s", res.ok, res.result.FailedLayer, res.result.FailureReason, res.logs)
	}
	runProbe(t, p, d.target, m) // within the back-off
	if asCalls, _, rsCalls, _, _, _ := d.stats(); asCalls != 2 || rsCalls != 0 {
		t.Errorf("%d token requests and %d resource requests, want 2 and 0", asCalls, rsCalls)
	}
}

// The legacy SSE transport: the nonce challenge comes on the GET that
// opens the stream, a request without a body, and is answered as well.
func TestDPoPLegacySSE(t *testing.T) {
	t.Parallel()
	d := newDPoPPeersServing(t, testsupport.SDKServer{Name: "auth-peer", Version: "1.0.0", SSE: true}.Handler())
	keyFile, _ := writeDPoPKey(t, "p256-sec1")
	d.probeOK(t, authModule(t, dpopModule(t, d, keyFile)+"\ntransport: sse"))
	_, _, _, rsNonces, schemes, _ := d.stats()
	if rsNonces != 1 || schemes["Bearer"] != 0 {
		t.Errorf("%d resource nonce challenges, schemes %v", rsNonces, schemes)
	}
}

// DPoP with workload identity: the jwt-bearer grant's token requests carry
// proofs, and the token is bound as with any grant.
func TestDPoPWithWorkloadIdentity(t *testing.T) {
	t.Parallel()
	d := newDPoPPeers(t)
	keyFile, _ := writeDPoPKey(t, "p256-sec1")
	assertion := filepath.Join(t.TempDir(), "token")
	authWriteFile(t, assertion, newPlatformKey(t).token(t, d.tokenURL, time.Now().Add(time.Hour)))
	m := authModule(t, fmt.Sprintf("http_config:\n  oauth2: {token_url: %s}\noauth2_workload_identity: {assertion_file: %s}\noauth2_dpop: {key_file: %s}\n%s",
		d.tokenURL, assertion, keyFile, authAllowOnly(d.target)))
	d.probeOK(t, m)
	asCalls, _, _, rsNonces, schemes, _ := d.stats()
	d.mu.Lock()
	grants := d.grants["urn:ietf:params:oauth:grant-type:jwt-bearer"]
	d.mu.Unlock()
	if asCalls != 2 || grants != 2 || rsNonces != 1 || schemes["DPoP"] == 0 || schemes["Bearer"] != 0 {
		t.Errorf("%d token requests (%d jwt-bearer), %d resource nonce challenges, schemes %v", asCalls, grants, rsNonces, schemes)
	}
}
