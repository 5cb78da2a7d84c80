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
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"mime"
	"net"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	promconfig "github.com/prometheus/common/config"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"

	"github.com/mcp-exporter/mcp_exporter/config"
	"github.com/mcp-exporter/mcp_exporter/internal/boundedio"
	"github.com/mcp-exporter/mcp_exporter/internal/dialhost"
	"github.com/mcp-exporter/mcp_exporter/internal/failure"
)

// The bounds of the OAuth2 token source.
const (
	// tokenFetchTimeout bounds a token fetch: its context, its HTTP client
	// and its connection's deadline. The fetch belongs to no probe (each
	// waiting probe gives up at its own deadline), so it needs a bound of
	// its own; one fetch at most is in flight per token source.
	tokenFetchTimeout = 30 * time.Second
	// tokenBackoffMin is the wait after a first failed fetch; it doubles
	// with each failure in a row up to tokenBackoffMax. During the wait
	// probes fail with token_request at once and nothing is sent: an
	// identity provider in trouble gets at most one request a minute per
	// token source, and a recovered one is seen within a minute.
	tokenBackoffMin = time.Second
	tokenBackoffMax = time.Minute
	// defaultTokenLifetime is how long a token is used when the endpoint
	// gives no usable expires_in (absent, 0 or negative): long enough not
	// to fetch per probe, short enough that a token the server stops
	// accepting is replaced soon (a 401 replaces it at once anyway).
	defaultTokenLifetime = 5 * time.Minute
	// maxTokenLifetime caps expires_in, so that a token is fetched again
	// (with the current client secret) at least once a day.
	maxTokenLifetime = 24 * time.Hour
	// tokenExpiryDelta: a token is fetched again this long before it
	// expires (as golang.org/x/oauth2 does), or after half its lifetime
	// when that is shorter, so that a short-lived token is still reused.
	tokenExpiryDelta = 10 * time.Second
	// maxTokenResponseBytes bounds the token endpoint's answer.
	maxTokenResponseBytes = 256 << 10
	// maxAccessTokenBytes bounds the access token (JWTs of a few KiB are
	// common).
	maxAccessTokenBytes = 16 << 10
	// maxOAuthErrorCode bounds the OAuth error code quoted in a failure.
	maxOAuthErrorCode = 64
)

// accessToken is a token the source holds. Its fields are what a probe may
// report about its credential: when it expires, how old it is, how long
// its fetch took.
type accessToken struct {
	value string
	// expiry is when the token expires: by expires_in, or
	// defaultTokenLifetime after it was fetched when the endpoint gave none.
	expiry time.Time
	// lifetimeGiven is whether the endpoint gave a usable expires_in.
	lifetimeGiven bool
	// fetchedAt is when the token endpoint's answer came.
	fetchedAt time.Time
	// fetchDuration is how long the token request took.
	fetchDuration time.Duration
	// refreshAt is when the source stops handing the token out.
	refreshAt time.Time
	// renewAt, three quarters of the way to refreshAt, is when a probe
	// starts a renewal in the background while the token is still handed
	// out: an identity provider that fails shows in the fetch outcome
	// (probe_mcp_oauth2_token_fetch_success) long before the token runs
	// out, and no probe fails for it yet.
	renewAt time.Time
	// credential names the client credential it was fetched with: a token
	// fetched with a secret that has since been rotated is not used again.
	credential string
	// dpop is the key the token is bound to (token_type DPoP, RFC 9449);
	// nil for a Bearer token.
	dpop *dpopKey
}

// Grant is what a probe got from the token source.
type Grant struct {
	accessToken
	// fetched is true when the probe waited for the fetch that produced
	// the token (its own, or one it joined), false for a cached token.
	fetched bool
}

// Expiry is when the token expires.
func (g Grant) Expiry() time.Time { return g.expiry }

// FetchedAt is when the token was fetched.
func (g Grant) FetchedAt() time.Time { return g.fetchedAt }

// FetchedThisProbe reports whether the probe waited for a token request.
func (g Grant) FetchedThisProbe() bool { return g.fetched }

// tokenFlight is a fetch in progress; done is closed when tok or err is set.
type tokenFlight struct {
	done chan struct{}
	tok  accessToken
	err  error
}

// Source fetches OAuth2 access tokens with the client credentials
// grant (RFC 6749 §4.4) for one (module, token URL, resource), and keeps
// the current one. All probes share one fetch in flight; after a failed
// fetch it backs off; it never follows a redirect and never reports the
// token endpoint's bytes, only its status and OAuth error code.
type Source struct {
	tokenURL string
	form     url.Values // the request's parameters, client authentication aside
	auth     clientAuth
	// transport builds the token endpoint's HTTP transport (the oauth2
	// block's TLS and proxy settings).
	transport func() (http.RoundTripper, error)
	// mark wraps the token endpoint's transport (Options.Mark).
	mark func(http.RoundTripper) http.RoundTripper
	// now is the clock (Options.Now).
	now func() time.Time

	// dpop is oauth2_dpop: token requests carry a proof of its key, and
	// a DPoP token is sent with one. nil without.
	dpop *config.DPoP

	mu       sync.Mutex
	asNonce  string            // the token endpoint's DPoP-Nonce
	rsNonces map[string]string // resource servers' DPoP-Nonce, by origin
	client   *http.Client
	current  *accessToken
	flight   *tokenFlight
	failures int       // failed fetches in a row
	retryAt  time.Time // end of the back-off
	lastErr  error     // the failure that started the back-off
	last     FetchOutcome
}

// FetchOutcome is how the last token fetch of a source went, reported by
// every probe that uses the source: an identity provider that stopped
// issuing tokens shows while probes still use a cached one.
type FetchOutcome struct {
	Done     bool // a fetch has ended
	OK       bool
	Duration time.Duration
}

// lastFetch is how the source's last fetch went.
func (s *Source) lastFetch() FetchOutcome {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.last
}

// newTokenSource returns the token source of an oauth2 block whose
// TokenURL and EndpointParams are final (discovered endpoint, resource).
func newTokenSource(o *promconfig.OAuth2, userAgent string) *Source {
	form := url.Values{"grant_type": {"client_credentials"}}
	if len(o.Scopes) > 0 {
		form.Set("scope", strings.Join(o.Scopes, " "))
	}
	for k, v := range o.EndpointParams {
		if k != "scope" { // scopes are the scopes key's business
			form.Set(k, v)
		}
	}
	s := &Source{tokenURL: o.TokenURL, form: form, now: time.Now, mark: func(rt http.RoundTripper) http.RoundTripper { return rt }}
	if o.GrantType != "" && o.GrantType != "client_credentials" {
		s.auth = refusedAuth{errors.New("oauth2.grant_type other than client_credentials is not supported")}
	} else {
		s.auth = &clientSecretAuth{clientID: o.ClientID, secret: oauth2Secret(o)}
	}
	hc := promconfig.HTTPClientConfig{TLSConfig: o.TLSConfig, ProxyConfig: o.ProxyConfig}
	s.transport = func() (http.RoundTripper, error) {
		return promconfig.NewRoundTripperFromConfig(hc, "mcp_token",
			promconfig.WithUserAgent(userAgent),
			promconfig.WithDialContextFunc(dialWithDeadline(tokenFetchTimeout)),
			promconfig.WithKeepAlivesDisabled())
	}
	return s
}

// Errors a probe meets before any token request of its own.
var (
	errTokenSpent = &failure.Error{Reason: failure.ReasonTokenRequest,
		Err: errors.New("this probe's one token request already failed or was used; no second one")}
	errTokenRedirect = errors.New("token endpoint answered with a redirect: token requests follow none, so the client's credentials stay with token_url")
)

// token returns an access token: the cached one while it is fresh, else
// the outcome of a fetch, started here or already in flight. It waits at
// most until ctx ends; the fetch goes on (within tokenFetchTimeout) for
// the probes that come after. With mayStart false it uses a cached token
// or joins a fetch in flight, but starts none.
func (s *Source) token(ctx context.Context, mayStart bool) (Grant, error) {
	credential, err := s.auth.version(ctx)
	if err != nil {
		return Grant{}, &failure.Error{Reason: failure.ReasonCredentials, Err: err}
	}
	if s.dpop != nil {
		// A token bound to a key that has since been replaced is not
		// used again.
		k, err := loadDPoPKey(s.dpop)
		if err != nil {
			return Grant{}, &failure.Error{Reason: failure.ReasonCredentials, Err: err}
		}
		credential += "\x00" + k.version
	}
	s.mu.Lock()
	now := s.now()
	if t := s.current; t != nil && now.Before(t.refreshAt) && t.credential == credential {
		if mayStart && !now.Before(t.renewAt) && s.flight == nil && !now.Before(s.retryAt) {
			// Renew in the background; this probe uses the token it has.
			// The renewal is this probe's one token request.
			f := &tokenFlight{done: make(chan struct{})}
			s.flight = f
			go s.run(f)
		}
		s.mu.Unlock()
		return Grant{accessToken: *t}, nil
	}
	f := s.flight
	if f == nil {
		switch {
		case now.Before(s.retryAt):
			err := &failure.Error{Reason: failure.ReasonTokenRequest, Err: fmt.Errorf(
				"no token request for another %s, backing off after %d failed in a row; the last: %w",
				s.retryAt.Sub(now).Round(100*time.Millisecond), s.failures, s.lastErr)}
			s.mu.Unlock()
			return Grant{}, err
		case !mayStart:
			s.mu.Unlock()
			return Grant{}, errTokenSpent
		}
		f = &tokenFlight{done: make(chan struct{})}
		s.flight = f
		go s.run(f)
	}
	s.mu.Unlock()
	select {
	case <-f.done:
		if f.err != nil {
			return Grant{fetched: true}, f.err
		}
		return Grant{accessToken: f.tok, fetched: true}, nil
	case <-ctx.Done():
		return Grant{}, fmt.Errorf("no token within the probe's deadline (the token request goes on for the next probe): %w", ctx.Err())
	}
}

// drop forgets the cached token if it is still value: the server refused
// it, so the next probe fetches another.
func (s *Source) drop(value string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.current != nil && s.current.value == value {
		s.current = nil
	}
}

// run is the one fetch in flight: it records the outcome for the probes
// to come and hands it to those waiting.
func (s *Source) run(f *tokenFlight) {
	ctx, cancel := context.WithTimeout(context.Background(), tokenFetchTimeout)
	defer cancel()
	start := s.now()
	tok, again, err := s.fetch(ctx)
	took := s.now().Sub(start)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.flight = nil
	s.last = FetchOutcome{Done: true, OK: err == nil, Duration: took}
	switch {
	case err == nil:
		s.current, s.failures, s.retryAt, s.lastErr = tok, 0, time.Time{}, nil
		f.tok = *tok
	case again || failure.ReasonOf(err) == failure.ReasonCredentials:
		// Nothing is held against the endpoint: the client authenticates
		// another way next time, or its credential could not be read (and
		// no request was sent).
		f.err = err
	default:
		s.failures++
		backoff := tokenBackoffMax
		if s.failures <= 7 { // 1s << 6 = 64s > tokenBackoffMax
			backoff = min(tokenBackoffMin<<(s.failures-1), tokenBackoffMax)
		}
		s.retryAt, s.lastErr = s.now().Add(backoff), err
		f.err = err
	}
	close(f.done)
}

// fetch sends one token request, or, with DPoP, two when the token
// endpoint asks for a nonce (RFC 9449 §8): the second carries it. again
// reports that a refusal is taken for the client authentication method's,
// which changes for the next fetch.
func (s *Source) fetch(ctx context.Context) (tok *accessToken, again bool, err error) {
	client, err := s.httpClient()
	if err != nil {
		return nil, false, &failure.Error{Reason: failure.ReasonCredentials, Err: fmt.Errorf("building the token endpoint's HTTP client: %w", err)}
	}
	var key *dpopKey
	if s.dpop != nil {
		if key, err = loadDPoPKey(s.dpop); err != nil {
			return nil, false, &failure.Error{Reason: failure.ReasonCredentials, Err: err}
		}
	}
	for attempt := 0; ; attempt++ {
		tok, again, nonceAsked, err := s.request(ctx, client, key)
		if nonceAsked && attempt == 0 {
			continue // answered once with the nonce it gave
		}
		return tok, again, err
	}
}

// request sends one token request, with a DPoP proof of key when key is
// not nil. nonceAsked reports the token endpoint's use_dpop_nonce
// challenge with a usable nonce, which is kept for the next request.
func (s *Source) request(ctx context.Context, client *http.Client, key *dpopKey) (tok *accessToken, again, nonceAsked bool, err error) {
	form := maps.Clone(s.form)
	header := http.Header{}
	credential, err := s.auth.authenticate(ctx, form, header)
	if err != nil {
		return nil, false, false, &failure.Error{Reason: failure.ReasonCredentials, Err: err}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.tokenURL, strings.NewReader(form.Encode()))
	if err != nil {
		return nil, false, false, tokenFailure("the token URL is not usable")
	}
	maps.Copy(req.Header, header)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	if key != nil {
		s.mu.Lock()
		nonce := s.asNonce
		s.mu.Unlock()
		proof, err := key.proof(http.MethodPost, req.URL, nonce, "", s.now())
		if err != nil {
			return nil, false, false, &failure.Error{Reason: failure.ReasonCredentials, Err: err}
		}
		req.Header.Set("DPoP", proof)
		credential += "\x00" + key.version
	}
	start := s.now()
	resp, err := client.Do(req)
	if err != nil {
		return nil, false, false, tokenFailure("token endpoint not reached: %s", describeFetchError(err))
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 300 && resp.StatusCode < 400 {
		s.auth.answered(resp.StatusCode)
		return nil, false, false, tokenFailure("HTTP %d: %v", resp.StatusCode, errTokenRedirect)
	}
	body, err := boundedio.ReadAll(resp.Body, maxTokenResponseBytes)
	fetched := s.now()
	var tr tokenResponse
	var perr error
	if err == nil {
		tr, perr = parseTokenResponse(resp.Header.Get("Content-Type"), body, key != nil)
	}
	if key != nil {
		if n := dpopNonce(resp.Header); n != "" {
			s.mu.Lock()
			s.asNonce = n
			s.mu.Unlock()
			if resp.StatusCode == http.StatusBadRequest && tr.errorCode == useDPoPNonce {
				// Not a refusal of the client: its method stays.
				return nil, false, true, tokenFailure("token endpoint refused the request: HTTP %d, OAuth error %s, twice", resp.StatusCode, useDPoPNonce)
			}
		}
	}
	again = s.auth.answered(resp.StatusCode)
	switch {
	case errors.Is(err, boundedio.ErrTooLarge):
		return nil, again, false, tokenFailure("the token endpoint's answer exceeds %d KiB", maxTokenResponseBytes>>10)
	case err != nil:
		return nil, again, false, tokenFailure("reading the token endpoint's answer: %s", describeFetchError(err))
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 || tr.errorCode != "" {
		err := tokenFailure("token endpoint refused the request: HTTP %d, OAuth error %s", resp.StatusCode, oauthErrorCode(tr.errorCode))
		if again {
			err = tokenFailure("%v; the next token request authenticates the client another way", err)
		}
		return nil, again, false, err
	}
	if perr != nil {
		return nil, false, false, tokenFailure("token endpoint answered HTTP %d, but %v", resp.StatusCode, perr)
	}
	t := &accessToken{value: tr.accessToken, fetchedAt: fetched, fetchDuration: fetched.Sub(start), credential: credential}
	if tr.dpop {
		t.dpop = key
	}
	lifetime := defaultTokenLifetime
	if tr.expiresIn > 0 {
		lifetime, t.lifetimeGiven = min(time.Duration(tr.expiresIn)*time.Second, maxTokenLifetime), true
	}
	t.expiry = fetched.Add(lifetime)
	t.refreshAt = t.expiry.Add(-min(tokenExpiryDelta, lifetime/2))
	t.renewAt = fetched.Add(t.refreshAt.Sub(fetched) * 3 / 4)
	return t, false, false, nil
}

// httpClient is the token endpoint's client, built on first use: it
// follows no redirect, and gives up after tokenFetchTimeout.
func (s *Source) httpClient() (*http.Client, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.client != nil {
		return s.client, nil
	}
	rt, err := s.transport()
	if err != nil {
		return nil, err
	}
	s.client = &http.Client{
		// Marked like every request of a probe: a token_url pointed at an
		// exporter's /probe is refused there as a loop. No traceparent: a
		// fetch belongs to no one probe (probes share it).
		Transport:     s.mark(rt),
		Timeout:       tokenFetchTimeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	return s.client, nil
}

// dialWithDeadline dials connections that stop working after d: the token
// endpoint's, so that one that accepts and never answers cannot hold a
// fetch past tokenFetchTimeout.
func dialWithDeadline(d time.Duration) promconfig.DialContextFunc {
	dialer := &net.Dialer{Timeout: d}
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		conn, err := dialer.DialContext(ctx, network, addr)
		if err == nil {
			_ = conn.SetDeadline(time.Now().Add(d))
		}
		return conn, err
	}
}

// oauth2Secret reads the client secret the way prometheus/common does: a
// file is read again on every use, so rotating it needs no reload.
func oauth2Secret(o *promconfig.OAuth2) promconfig.SecretReader {
	if o.ClientSecretFile != "" {
		return promconfig.NewFileSecret(o.ClientSecretFile)
	}
	return promconfig.NewInlineSecret(string(o.ClientSecret))
}

func tokenFailure(format string, args ...any) *failure.Error {
	return &failure.Error{Reason: failure.ReasonTokenRequest, Err: fmt.Errorf(format, args...)}
}

// tokenResponse is what a token endpoint's answer says (RFC 6749 §5.1 and
// §5.2). expiresIn is 0 when absent or unusable.
type tokenResponse struct {
	accessToken string
	expiresIn   int64
	errorCode   string
	dpop        bool // token_type DPoP: bound to the proof's key
}

// parseTokenResponse reads a token endpoint's answer, JSON or (as some
// endpoints answer, and golang.org/x/oauth2 accepts) form-encoded. Its
// errors are fixed text: the answer is never quoted. dpopSent says the
// request carried a DPoP proof: only then may the token be a DPoP token.
func parseTokenResponse(contentType string, body []byte, dpopSent bool) (tokenResponse, error) {
	var tr tokenResponse
	var tokenType, expiresIn string
	mediaType, _, _ := mime.ParseMediaType(contentType)
	switch mediaType {
	case "application/x-www-form-urlencoded", "text/plain":
		v, err := url.ParseQuery(string(body))
		if err != nil {
			return tr, errors.New("its answer is not a form-encoded token response")
		}
		tr.accessToken, tokenType, tr.errorCode, expiresIn = v.Get("access_token"), v.Get("token_type"), v.Get("error"), v.Get("expires_in")
	default:
		var j struct {
			AccessToken json.RawMessage `json:"access_token"`
			TokenType   json.RawMessage `json:"token_type"`
			ExpiresIn   json.RawMessage `json:"expires_in"`
			Error       json.RawMessage `json:"error"`
		}
		if json.Unmarshal(body, &j) != nil {
			return tr, errors.New("its answer is not a JSON token response")
		}
		tr.errorCode = jsonString(j.Error)
		tr.accessToken, tokenType = jsonString(j.AccessToken), jsonString(j.TokenType)
		expiresIn = strings.Trim(string(j.ExpiresIn), `"`) // some endpoints send a string
		if string(j.ExpiresIn) == "null" {
			expiresIn = ""
		}
	}
	if tr.errorCode != "" {
		return tr, nil
	}
	if tr.accessToken == "" {
		return tr, errors.New("its answer has no access_token")
	}
	if len(tr.accessToken) > maxAccessTokenBytes || strings.ContainsFunc(tr.accessToken, func(r rune) bool { return r < 0x20 || r > 0x7e }) {
		// RFC 6749 Appendix A.12: printable ASCII. Anything else could not
		// go into a header as it is.
		return tr, errors.New("its access_token is not printable ASCII of at most 16 KiB")
	}
	switch {
	case dpopSent && strings.EqualFold(tokenType, "DPoP"):
		tr.dpop = true
	case dpopSent && tokenType != "" && !strings.EqualFold(tokenType, "bearer"):
		return tr, errors.New("it issued a token whose token_type is neither DPoP nor Bearer")
	case !dpopSent && tokenType != "" && !strings.EqualFold(tokenType, "bearer"):
		return tr, errors.New("it issued a token whose token_type is not Bearer")
	}
	if expiresIn != "" {
		n, err := strconv.ParseFloat(expiresIn, 64)
		if err != nil {
			return tr, errors.New("its expires_in is not a number")
		}
		if n > 0 {
			tr.expiresIn = int64(min(n, maxTokenLifetime.Seconds()))
		}
	}
	return tr, nil
}

// jsonString is raw's value when it is a JSON string, "" otherwise.
func jsonString(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) != nil {
		return ""
	}
	return s
}

// oauthErrorCode returns an OAuth error code fit to quote: RFC 6749 §5.2
// codes are short ASCII words; anything else is not quoted.
func oauthErrorCode(code string) string {
	if code == "" {
		return "(none)"
	}
	if len(code) > maxOAuthErrorCode {
		return "(not an RFC 6749 error code)"
	}
	for _, r := range code {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-' || r == '.') {
			return "(not an RFC 6749 error code)"
		}
	}
	return code
}

// describeFetchError says why a token request got no answer, in fixed
// words (failure.Describe).
func describeFetchError(err error) string {
	var netErr net.Error
	switch d := failure.Describe(err); {
	case errors.Is(err, context.DeadlineExceeded) || errors.Is(err, os.ErrDeadlineExceeded) || errors.As(err, &netErr) && netErr.Timeout():
		return fmt.Sprintf("no answer within %s", tokenFetchTimeout)
	case d != "":
		return d
	}
	return "the request failed"
}

// clientAuth is how a token request authenticates the client (RFC 6749
// §2.3): a client secret (clientSecretAuth) or a signed client assertion
// (private_key_jwt, RFC 7523 §2.2: assertionAuth).
type clientAuth interface {
	// version reads the credential afresh (a rotated file is picked up)
	// and names it: a token fetched with another version is not reused.
	version(ctx context.Context) (string, error)
	// authenticate adds the client's authentication to a token request,
	// in its form or its header, and returns the version it used.
	authenticate(ctx context.Context, form url.Values, header http.Header) (string, error)
	// answered is told the status of the answer to a request it
	// authenticated. true means a refusal is taken for the method's, and
	// the next request will authenticate another way.
	answered(status int) bool
}

// clientSecretAuth authenticates with the client secret: by the method the
// authorization server's metadata lists when discovery found one
// (usePublished), else by HTTP Basic
// (RFC 6749 §2.3.1, which every server must support), and, if the token
// endpoint refuses that with 400 or 401 before it ever accepted it, in the
// form (client_secret_post) from the next request on. This is what
// golang.org/x/oauth2 detects, except that x/oauth2 sends both requests in
// one fetch; here a probe sends one at most, so the probe that meets the
// refusal fails and the next one authenticates in the form.
type clientSecretAuth struct {
	clientID string
	secret   promconfig.SecretReader

	mu        sync.Mutex
	post      bool // client_secret_post instead of Basic
	confirmed bool // the endpoint accepted the current method
	published bool // the method is the one the server's metadata lists: never switched
}

// usePublished authenticates by the method the authorization server's
// metadata lists (client_secret_basic or client_secret_post), from the
// first request on and without switching after a refusal; "" keeps
// Basic with the switch.
func (a *clientSecretAuth) usePublished(method string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	switch method {
	case "client_secret_basic":
		a.post, a.published = false, true
	case "client_secret_post":
		a.post, a.published = true, true
	}
}

func (a *clientSecretAuth) read(ctx context.Context) (string, string, error) {
	secret, err := a.secret.Fetch(ctx)
	if err != nil {
		return "", "", fmt.Errorf("unable to read the oauth2 client secret: %w", err)
	}
	sum := sha256.Sum256([]byte(secret))
	return secret, hex.EncodeToString(sum[:]), nil
}

func (a *clientSecretAuth) version(ctx context.Context) (string, error) {
	_, v, err := a.read(ctx)
	return v, err
}

func (a *clientSecretAuth) authenticate(ctx context.Context, form url.Values, header http.Header) (string, error) {
	secret, v, err := a.read(ctx)
	if err != nil {
		return "", err
	}
	a.mu.Lock()
	post := a.post
	a.mu.Unlock()
	if post {
		form.Set("client_id", a.clientID)
		form.Set("client_secret", secret)
		return v, nil
	}
	// RFC 6749 §2.3.1: both are form-encoded before Basic encoding.
	r := http.Request{Header: header}
	r.SetBasicAuth(url.QueryEscape(a.clientID), url.QueryEscape(secret))
	return v, nil
}

func (a *clientSecretAuth) answered(status int) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	switch {
	case status >= 200 && status <= 299:
		a.confirmed = true
	case (status == http.StatusBadRequest || status == http.StatusUnauthorized) && !a.confirmed && !a.published:
		// Basic refused: try the form next. The form refused too: back
		// to Basic, and the refusal counts (the secret may be wrong).
		a.post = !a.post
		return a.post
	}
	return false
}

// refusedAuth is a client authentication the exporter does not offer: no
// request is sent.
type refusedAuth struct{ err error }

func (r refusedAuth) version(context.Context) (string, error) { return "", r.err }
func (r refusedAuth) authenticate(context.Context, url.Values, http.Header) (string, error) {
	return "", r.err
}
func (refusedAuth) answered(int) bool { return false }

// ProbeToken is the OAuth2 round tripper of one probe (NewProbeToken). It asks the shared
// token source once, and every request of the probe (era and transport
// fallback included) carries what that gave: at most one token request
// per probe, whatever happens. A 401 drops the token from the source.
type ProbeToken struct {
	src    *Source
	next   http.RoundTripper
	origin *url.URL // the target's: no token goes anywhere else

	mu    sync.Mutex
	asked bool // the source was asked (and may have fetched)
	grant Grant
	err   error
	final bool // grant or err is what every request of the probe gets
}

// NewProbeToken is the round tripper of a probe of origin (the target)
// that takes its token from src and sends requests through next.
func NewProbeToken(src *Source, next http.RoundTripper, origin *url.URL) *ProbeToken {
	return &ProbeToken{src: src, next: next, origin: origin}
}

// LastFetch is how the source's last token fetch went.
func (p *ProbeToken) LastFetch() FetchOutcome { return p.src.lastFetch() }

func (p *ProbeToken) RoundTrip(req *http.Request) (*http.Response, error) {
	if !dialhost.SameOrigin(req.URL, p.origin) {
		// The redirect policy refuses this before it gets here; if a
		// request to another origin ever came, it would go without the token.
		return p.next.RoundTrip(req)
	}
	grant, err := p.get(req.Context())
	if err != nil {
		return nil, err
	}
	if grant.dpop != nil {
		return p.roundTripDPoP(req, grant)
	}
	req = req.Clone(req.Context())
	req.Header.Set("Authorization", "Bearer "+grant.value)
	resp, err := p.next.RoundTrip(req)
	if err == nil && resp.StatusCode == http.StatusUnauthorized {
		p.src.drop(grant.value)
	}
	return resp, err
}

// roundTripDPoP sends req with a DPoP-bound token: Authorization: DPoP and
// a proof of the token's key for this request (RFC 9449 §7), never as
// Bearer. A resource server's use_dpop_nonce challenge is answered once,
// with a new proof carrying its nonce; the nonce is kept for the server's
// later requests.
func (p *ProbeToken) roundTripDPoP(orig *http.Request, grant Grant) (*http.Response, error) {
	for attempt := 0; ; attempt++ {
		req := orig.Clone(orig.Context())
		if attempt > 0 && orig.GetBody != nil {
			body, err := orig.GetBody()
			if err != nil {
				return nil, err
			}
			req.Body = body
		}
		proof, err := grant.dpop.proof(req.Method, req.URL, p.src.rsNonce(req.URL), grant.value, p.src.now())
		if err != nil {
			return nil, &failure.Error{Reason: failure.ReasonCredentials, Err: err}
		}
		req.Header.Set("Authorization", "DPoP "+grant.value)
		req.Header.Set("DPoP", proof)
		resp, err := p.next.RoundTrip(req)
		if err != nil {
			return resp, err
		}
		if nonce, asked := dpopNonceChallenge(resp); asked {
			p.src.setRSNonce(req.URL, nonce)
			if attempt == 0 && (orig.Body == nil || orig.Body == http.NoBody || orig.GetBody != nil) {
				_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 4<<10))
				resp.Body.Close()
				continue
			}
			return resp, nil // asked twice: the probe fails, the token stays
		}
		if n := dpopNonce(resp.Header); n != "" {
			p.src.setRSNonce(req.URL, n) // a new nonce for the next request (§9)
		}
		if resp.StatusCode == http.StatusUnauthorized {
			p.src.drop(grant.value)
		}
		return resp, nil
	}
}

// tracerName is the instrumentation scope of the token's span.
const tracerName = "github.com/mcp-exporter/mcp_exporter/internal/credentials"

// get returns the probe's token, asking the source the first time. A
// request that gave up waiting leaves the probe free to wait again for
// the same fetch, never to start another.
func (p *ProbeToken) get(ctx context.Context) (Grant, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.final {
		return p.grant, p.err
	}
	var span trace.Span
	if parent := trace.SpanFromContext(ctx); parent.IsRecording() {
		// The token's wait (and fetch, when this probe starts it) as a
		// span of the probe: the token endpoint's host and what became of
		// it, never the token, the assertion or the secret.
		host := ""
		if u, err := url.Parse(p.src.tokenURL); err == nil {
			host = u.Hostname()
		}
		ctx, span = parent.TracerProvider().Tracer(tracerName).Start(ctx, "oauth2 token",
			trace.WithAttributes(attribute.String("server.address", host)))
	}
	g, err := p.src.token(ctx, !p.asked)
	if span != nil {
		span.SetAttributes(attribute.Bool("mcp_exporter.oauth2.fetched_by_this_probe", g.FetchedThisProbe()))
		if err != nil {
			t := string(failure.ReasonOf(err))
			if t == "" {
				t = "_OTHER"
			}
			span.SetAttributes(attribute.String("error.type", t))
			span.SetStatus(codes.Error, t)
		}
		span.End()
	}
	p.asked = true
	if err != nil && ctx.Err() != nil {
		return g, err // gave up waiting: the fetch may still serve this probe
	}
	p.grant, p.err, p.final = g, err, true
	return g, err
}

// Used returns the token the probe used, if it had one.
func (p *ProbeToken) Used() (Grant, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.grant, p.final && p.err == nil
}

// Drop forgets the probe's token in the source: the server refused it.
func (p *ProbeToken) Drop() {
	if g, ok := p.Used(); ok {
		p.src.drop(g.value)
	}
}
