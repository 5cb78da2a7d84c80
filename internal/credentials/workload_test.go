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

// Workload identity federation (issue 21): the RFC 7523 §2.1 grant with
// the platform's JWT, read from its file for every token request.

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/mcp-exporter/mcp_exporter/config"
	"github.com/mcp-exporter/mcp_exporter/internal/failure"
	"github.com/mcp-exporter/mcp_exporter/internal/testsupport"
)

// platformToken is a JWT as a platform issues one (a Kubernetes projected
// service account token): signed by the platform, aud the token endpoint.
func platformToken(t *testing.T, aud string, exp time.Time) string {
	t.Helper()
	s, err := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{
		"iss": "https://kubernetes.default.svc", "sub": "system:serviceaccount:monitoring:mcp-exporter",
		"aud": aud, "exp": exp.Unix(), "iat": time.Now().Unix(), "jti": rand.Text(),
	}).SignedString([]byte(rand.Text()))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// writeRotated replaces path's content as kubelet does: a new file
// renamed over the old one.
func writeRotated(t *testing.T, path, content string) {
	t.Helper()
	testsupport.WriteFile(t, path+".new", []byte(content), 0o600)
	if err := os.Rename(path+".new", path); err != nil {
		t.Fatal(err)
	}
}

// wifEndpoint is a token endpoint of the jwt-bearer grant. It records each
// request's form, refuses any client authentication, and answers with
// answer (a token for the assertion it accepts, or an OAuth error).
type wifEndpoint struct {
	mu       sync.Mutex
	forms    []url.Values
	problems []string
	refuse   string // an OAuth error code to answer with, "" to issue
	accept   string // the only assertion accepted, "" for any
}

func (e *wifEndpoint) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if r.Method != http.MethodPost || r.Header.Get("Content-Type") != "application/x-www-form-urlencoded" {
		e.problems = append(e.problems, fmt.Sprintf("%s with Content-Type %q", r.Method, r.Header.Get("Content-Type")))
	}
	if r.Header.Get("Authorization") != "" {
		e.problems = append(e.problems, "client authentication in the Authorization header")
	}
	if r.URL.RawQuery != "" {
		e.problems = append(e.problems, "a query on the token request")
	}
	if err := r.ParseForm(); err != nil {
		e.problems = append(e.problems, "form: "+err.Error())
	}
	e.forms = append(e.forms, r.PostForm)
	w.Header().Set("Content-Type", "application/json")
	if e.refuse != "" || e.accept != "" && r.PostForm.Get("assertion") != e.accept {
		w.WriteHeader(http.StatusBadRequest)
		code := e.refuse
		if code == "" {
			code = "invalid_grant"
		}
		fmt.Fprintf(w, `{"error":%q,"error_description":"assertion %s refused"}`, code, r.PostForm.Get("assertion"))
		return
	}
	_ = json.NewEncoder(w).Encode(map[string]any{"access_token": fmt.Sprintf("access-%d", len(e.forms)), "token_type": "Bearer", "expires_in": 3600})
}

func (e *wifEndpoint) requests() ([]url.Values, []string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]url.Values(nil), e.forms...), append([]string(nil), e.problems...)
}

// wifFixture is a module with oauth2_workload_identity whose token
// endpoint is e, its platform token file, and the token sources on a
// clock the test steps.
type wifFixture struct {
	module  config.Module
	file    string
	target  *url.URL
	sources *Sources
	now     time.Time
	mu      sync.Mutex
}

func (f *wifFixture) clock() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.now
}

func (f *wifFixture) step(d time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.now = f.now.Add(d)
}

func newWIFFixture(t *testing.T, e http.Handler, oauth2 string, extra string) *wifFixture {
	t.Helper()
	ts := testsupport.Serve(t, e)
	file := filepath.Join(t.TempDir(), "token")
	writeRotated(t, file, platformToken(t, ts.URL+"/token", time.Now().Add(time.Hour))+"\n")
	yml := fmt.Sprintf("modules:\n  wif:\n    allowed_targets: ['https://mcp\\.example/.*']\n    http_config:\n      oauth2: {token_url: '%s/token'%s}\n    oauth2_workload_identity: {assertion_file: %s}\n%s",
		ts.URL, oauth2, file, extra)
	c, err := config.Parse([]byte(yml))
	if err != nil {
		t.Fatalf("config: %v\n%s", err, yml)
	}
	f := &wifFixture{module: c.Modules["wif"], file: file, now: time.Now()}
	f.target, _ = url.Parse("https://mcp.example/mcp")
	kept := map[string]*Source{} // what the prober's bounded map does
	f.sources = NewSources(Options{Now: f.clock, Cache: func(key string, build func() *Source) *Source {
		f.mu.Lock()
		defer f.mu.Unlock()
		if kept[key] == nil {
			kept[key] = build()
		}
		return kept[key]
	}})
	return f
}

func (f *wifFixture) source() *Source {
	return f.sources.For("wif", &f.module, f.target, ConfiguredEndpoint(f.module))
}

func (f *wifFixture) assertion(t *testing.T) string {
	t.Helper()
	b := testsupport.ReadFile(t, f.file)
	return strings.TrimSpace(string(b))
}

// The token request is exactly RFC 7523 §2.1's, with RFC 8707's resource
// and the scope: no client secret, no client authentication, a client_id
// only when one is configured.
func TestWorkloadIdentityTokenRequest(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, oauth2, extra string
		want                func(assertion string) url.Values
	}{
		{
			name: "resource and scope", oauth2: ", scopes: [mcp, 'tools:read']", extra: "    oauth2_resource: target\n",
			want: func(a string) url.Values {
				return url.Values{"grant_type": {"urn:ietf:params:oauth:grant-type:jwt-bearer"}, "assertion": {a},
					"resource": {"https://mcp.example/mcp"}, "scope": {"mcp tools:read"}}
			},
		},
		{
			name: "bare",
			want: func(a string) url.Values {
				return url.Values{"grant_type": {"urn:ietf:params:oauth:grant-type:jwt-bearer"}, "assertion": {a}}
			},
		},
		{
			name: "with a client_id", oauth2: ", client_id: probe",
			want: func(a string) url.Values {
				return url.Values{"grant_type": {"urn:ietf:params:oauth:grant-type:jwt-bearer"}, "assertion": {a}, "client_id": {"probe"}}
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := &wifEndpoint{}
			f := newWIFFixture(t, e, tc.oauth2, tc.extra)
			g, err := f.source().token(context.Background(), true)
			if err != nil {
				t.Fatal(err)
			}
			if g.value != "access-1" {
				t.Errorf("token %q", g.value)
			}
			forms, problems := e.requests()
			for _, p := range problems {
				t.Error(p)
			}
			if len(forms) != 1 {
				t.Fatalf("%d token requests, want 1", len(forms))
			}
			if want := tc.want(f.assertion(t)); !reflect.DeepEqual(forms[0], want) {
				t.Errorf("form\n got %v\nwant %v", forms[0], want)
			}
		})
	}
}

// A rotated platform token is used by the next probe, and the access
// token fetched with the old one is not used again (as a rotated client
// secret: clientAuth.version).
func TestWorkloadIdentityRotation(t *testing.T) {
	t.Parallel()
	e := &wifEndpoint{}
	f := newWIFFixture(t, e, "", "")
	src := f.source()
	first := f.assertion(t)
	g1, err := src.token(context.Background(), true)
	if err != nil {
		t.Fatal(err)
	}
	f.step(time.Minute)
	if g, err := src.token(context.Background(), true); err != nil || g.value != g1.value || g.FetchedThisProbe() {
		t.Fatalf("unrotated: got %q fetched %v (%v), want the cached %q", g.value, g.FetchedThisProbe(), err, g1.value)
	}
	second := platformToken(t, "aud", time.Now().Add(2*time.Hour))
	writeRotated(t, f.file, second)
	f.step(time.Minute)
	g2, err := src.token(context.Background(), true)
	if err != nil {
		t.Fatal(err)
	}
	if g2.value == g1.value || !g2.FetchedThisProbe() {
		t.Errorf("after the rotation: token %q (fetched %v), the one fetched with the old assertion was %q", g2.value, g2.FetchedThisProbe(), g1.value)
	}
	forms, _ := e.requests()
	if len(forms) != 2 || forms[0].Get("assertion") != first || forms[1].Get("assertion") != second {
		t.Errorf("token requests carried the wrong assertions (%d requests)", len(forms))
	}
	// The file removed: the probe fails on credentials, cached token or
	// not, and nothing is sent.
	if err := os.Remove(f.file); err != nil {
		t.Fatal(err)
	}
	_, err = src.token(context.Background(), true)
	if failure.ReasonOf(err) != failure.ReasonCredentials || !strings.Contains(err.Error(), f.file) {
		t.Errorf("without the file: %v", err)
	}
	// Not a JWT: refused before anything is sent, without quoting it.
	writeRotated(t, f.file, "PLATFORM-SECRET-not-a-jwt")
	_, err = src.token(context.Background(), true)
	if failure.ReasonOf(err) != failure.ReasonCredentials || strings.Contains(err.Error(), "PLATFORM-SECRET") {
		t.Errorf("a file that is no JWT: %v", err)
	}
	if forms, _ := e.requests(); len(forms) != 2 {
		t.Errorf("%d token requests, want 2: none without a usable assertion", len(forms))
	}
}

// A refused assertion (invalid_grant) fails the probe with one token
// request, and the next probes back off as after any refusal.
func TestWorkloadIdentityInvalidGrant(t *testing.T) {
	t.Parallel()
	e := &wifEndpoint{refuse: "invalid_grant"}
	f := newWIFFixture(t, e, "", "")
	probe := func() (int, error) {
		rs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {}))
		defer rs.Close()
		u, _ := url.Parse(rs.URL)
		pt := NewProbeToken(f.source(), http.DefaultTransport, u)
		var last error
		for range 3 { // a probe's requests: one token request at most
			req, _ := http.NewRequest(http.MethodPost, rs.URL, nil)
			if _, err := pt.RoundTrip(req); err != nil {
				last = err
			}
		}
		forms, _ := e.requests()
		return len(forms), last
	}
	n, err := probe()
	if n != 1 || failure.ReasonOf(err) != failure.ReasonTokenRequest || !strings.Contains(err.Error(), "invalid_grant") {
		t.Fatalf("first probe: %d requests, %v", n, err)
	}
	if strings.Contains(err.Error(), f.assertion(t)) {
		t.Error("the error quotes the assertion")
	}
	f.step(500 * time.Millisecond)
	if n, err := probe(); n != 1 || !strings.Contains(fmt.Sprint(err), "backing off") {
		t.Errorf("second probe within the back-off: %d requests, %v", n, err)
	}
	f.step(600 * time.Millisecond) // past the first back-off (1 s)
	if n, err := probe(); n != 2 || failure.ReasonOf(err) != failure.ReasonTokenRequest {
		t.Errorf("third probe after the back-off: %d requests, %v", n, err)
	}
	f.step(time.Second) // the second back-off is 2 s
	if n, _ := probe(); n != 2 {
		t.Errorf("fourth probe within the doubled back-off: %d requests, want 2", n)
	}
}

// The platform token's exp is reported, read afresh; the assertion is
// among the probe's secrets.
func TestWorkloadIdentityFacts(t *testing.T) {
	t.Parallel()
	f := newWIFFixture(t, &wifEndpoint{}, "", "")
	exp := time.Unix(time.Now().Add(47*time.Minute).Unix(), 0)
	a := platformToken(t, "aud", exp)
	writeRotated(t, f.file, a)
	expiries, _ := Facts(&f.module, nil, f.clock())
	want := []Expiry{{Kind: KindWorkloadIdentity, Expiry: exp}}
	if !reflect.DeepEqual(expiries, want) {
		t.Errorf("expiries %v, want %v", expiries, want)
	}
	s := NewSecrets(f.module, f.target)
	if got := s.Redact("the token endpoint said: " + a + " is bad"); strings.Contains(got, a) || strings.Contains(got, a[len(a)-20:]) {
		t.Errorf("the assertion is not masked: %s", got)
	}
	// An opaque token in the file: no expiry, no failure.
	writeRotated(t, f.file, "opaque")
	if expiries, _ := Facts(&f.module, nil, f.clock()); len(expiries) != 0 {
		t.Errorf("expiries of an opaque token: %v", expiries)
	}
}
