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

package oauthdiscovery

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"reflect"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mcp-exporter/mcp_exporter/config"
	"github.com/mcp-exporter/mcp_exporter/internal/dialhost"
	"github.com/mcp-exporter/mcp_exporter/internal/failure"
)

func TestBearerChallenge(t *testing.T) {
	tests := []struct {
		name   string
		values []string
		want   map[string]string
		ok     bool
	}{
		{
			name:   "resource_metadata and scope",
			values: []string{`Bearer resource_metadata="https://x/y", scope="a b"`},
			want:   map[string]string{"resource_metadata": "https://x/y", "scope": "a b"},
			ok:     true,
		},
		{
			name:   "lower-case scheme",
			values: []string{`bearer realm="r"`},
			want:   map[string]string{"realm": "r"},
			ok:     true,
		},
		{
			name:   "upper-case scheme and parameter names",
			values: []string{`BEARER Resource_Metadata="u", SCOPE="s"`},
			want:   map[string]string{"resource_metadata": "u", "scope": "s"},
			ok:     true,
		},
		{
			name:   "two challenges in one header",
			values: []string{`Basic realm="r", Bearer error="invalid_token", resource_metadata="u"`},
			want:   map[string]string{"error": "invalid_token", "resource_metadata": "u"},
			ok:     true,
		},
		{
			name:   "Bearer first, then another challenge",
			values: []string{`Bearer realm="a", error="e", Basic realm="b"`},
			want:   map[string]string{"realm": "a", "error": "e"},
			ok:     true,
		},
		{
			name:   "separate header lines",
			values: []string{`Basic realm="r"`, `Bearer resource_metadata="u"`},
			want:   map[string]string{"resource_metadata": "u"},
			ok:     true,
		},
		{
			name:   "escaped quotes and backslashes",
			values: []string{`Bearer error_description="say \"hi\" \\ now", x="\a"`},
			want:   map[string]string{"error_description": `say "hi" \ now`, "x": "a"},
			ok:     true,
		},
		{
			name:   "comma inside a quoted string",
			values: []string{`Bearer scope="a,b", realm="r"`},
			want:   map[string]string{"scope": "a,b", "realm": "r"},
			ok:     true,
		},
		{
			name:   "token68 after Basic",
			values: []string{`Basic dXNlcjpwYXNz==, Bearer resource_metadata="u"`},
			want:   map[string]string{"resource_metadata": "u"},
			ok:     true,
		},
		{
			name:   "token68 without padding after Basic",
			values: []string{`Basic abc+/def, Bearer scope="s"`},
			want:   map[string]string{"scope": "s"},
			ok:     true,
		},
		{
			name:   "token values",
			values: []string{`Bearer error=invalid_token, realm=example`},
			want:   map[string]string{"error": "invalid_token", "realm": "example"},
			ok:     true,
		},
		{
			name:   "whitespace around equals and tabs",
			values: []string{"Bearer\trealm = \"r\" ,\tscope=\t\"s\""},
			want:   map[string]string{"realm": "r", "scope": "s"},
			ok:     true,
		},
		{
			name:   "empty list elements",
			values: []string{` , ,Bearer realm="r" , , scope="s",`},
			want:   map[string]string{"realm": "r", "scope": "s"},
			ok:     true,
		},
		{
			name:   "Bearer alone",
			values: []string{`Bearer`},
			want:   map[string]string{},
			ok:     true,
		},
		{
			name:   "Bearer alone before another challenge",
			values: []string{`Bearer, Basic realm="r"`},
			want:   map[string]string{},
			ok:     true,
		},
		{
			name:   "Bearer with token68",
			values: []string{`Bearer abc==`},
			want:   map[string]string{},
			ok:     true,
		},
		{
			name:   "first of repeated parameters kept",
			values: []string{`Bearer scope="a", SCOPE="b"`},
			want:   map[string]string{"scope": "a"},
			ok:     true,
		},
		{
			name:   "first Bearer challenge wins",
			values: []string{`Bearer realm="one"`, `Bearer realm="two"`},
			want:   map[string]string{"realm": "one"},
			ok:     true,
		},
		{
			name:   "unterminated quoted string keeps earlier parameters",
			values: []string{`Bearer realm="r", scope="abc`},
			want:   map[string]string{"realm": "r"},
			ok:     true,
		},
		{
			name:   "junk after a parameter keeps it",
			values: []string{`Bearer realm="r" junk`},
			want:   map[string]string{"realm": "r"},
			ok:     true,
		},
		{
			name:   "malformed line does not hide a later one",
			values: []string{`Basic "oops`, `Bearer realm="r"`},
			want:   map[string]string{"realm": "r"},
			ok:     true,
		},
		{name: "no Bearer challenge", values: []string{`Basic realm="r"`, `Digest realm="d", nonce="n"`}},
		{name: "scheme that only starts with Bearer", values: []string{`Bearerx realm="r"`}},
		{name: "Bearer as a parameter name", values: []string{`Basic bearer="x"`}},
		{name: "Bearer inside a quoted string", values: []string{`Basic realm="Bearer realm=x"`}},
		{name: "Bearer followed by a quote", values: []string{`Bearer "x"`}},
		{name: "Bearer glued to a quote", values: []string{`Bearer"x"`}},
		{name: "no values"},
		{name: "empty value", values: []string{""}},
		{name: "control character in quoted string", values: []string{"Bearer\x00"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := BearerChallenge(tt.values)
			if ok != tt.ok {
				t.Fatalf("ok = %v, want %v (params %q)", ok, tt.ok, got)
			}
			if !tt.ok {
				if got != nil {
					t.Errorf("params = %q, want nil", got)
				}
				return
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("params = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestInsufficientScope(t *testing.T) {
	long := strings.Repeat("s", 257)
	tests := []struct {
		name   string
		values []string
		scope  string
		ok     bool
	}{
		{"scope named", []string{`Bearer error="insufficient_scope", scope="mcp:admin  mcp:write"`}, "mcp:admin mcp:write", true},
		{"no scope", []string{`Basic realm="r"`, `Bearer error="insufficient_scope"`}, "", true},
		{"scope not fit to quote", []string{`Bearer error="insufficient_scope", scope="a\"b"`}, "", true},
		{"scope too long to quote", []string{`Bearer error="insufficient_scope", scope="` + long + `"`}, "", true},
		{"another error", []string{`Bearer error="invalid_token", scope="x"`}, "", false},
		{"no Bearer challenge", []string{`Basic error="insufficient_scope"`}, "", false},
		{"none", nil, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			scope, ok := InsufficientScope(tt.values)
			if scope != tt.scope || ok != tt.ok {
				t.Errorf("InsufficientScope = %q, %v; want %q, %v", scope, ok, tt.scope, tt.ok)
			}
		})
	}
}

// quote renders v as a quoted-string.
func quote(v string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(v) + `"`
}

// FuzzBearerChallenge: the WWW-Authenticate parser never panics, names
// parameters in lower case, and reads back any value without control
// characters quoted after whatever header line came before. Seeds are in
// testdata/fuzz/FuzzBearerChallenge (a header, one line per value, and a
// parameter value) besides the ones below.
func FuzzBearerChallenge(f *testing.F) {
	seeds := []string{
		`Bearer resource_metadata="https://x/y", scope="a b"`,
		`Basic realm="r", Bearer error="invalid_token", resource_metadata="u"`,
		"Basic realm=\"r\"\nBearer scope=\"s\"",
		`Basic dXNlcjpwYXNz==, Bearer x=y`,
		`Bearer a="\"\\", b=, c`,
		`Bearer realm="unterminated`,
		`, ,Bearer, Newauth realm="apps", type=1, title="Login to \"apps\"", Basic realm="simple"`,
		"Bearer\trealm = \"r\"\x00",
	}
	for _, s := range seeds {
		f.Add(s, "https://mcp.example.com/.well-known/oauth-protected-resource")
	}
	f.Add("", `a "quoted" \ value`)
	f.Fuzz(func(t *testing.T, header, value string) {
		params, ok := BearerChallenge(strings.Split(header, "\n"))
		if ok != (params != nil) {
			t.Fatalf("ok = %v with params %q", ok, params)
		}
		for k := range params {
			if k == "" || k != strings.ToLower(k) {
				t.Fatalf("parameter name %q is not a lower-case token", k)
			}
		}
		// Any value without control characters survives quoting, whatever
		// the header line before it held.
		for i := 0; i < len(value); i++ {
			if isCTL(value[i]) {
				return
			}
		}
		lines := []string{`Basic realm="r", Bearer Resource_Metadata=` + quote(value) + `, scope=x`}
		params, ok = BearerChallenge(lines)
		if !ok || params["resource_metadata"] != value || params["scope"] != "x" {
			t.Fatalf("BearerChallenge(%q) = %q, %v; want resource_metadata %q", lines, params, ok, value)
		}
	})
}

func TestCanonicalResource(t *testing.T) {
	tests := []struct{ in, want string }{
		{"HTTPS://MCP.Example.com:443/mcp/", "https://mcp.example.com/mcp"},
		{"http://h:8080/", "http://h:8080"},
		{"https://h/mcp?x=1#frag", "https://h/mcp"},
		{"https://h/?x=1", "https://h"},
		{"https://h#frag", "https://h"},
		{"https://h", "https://h"},
		{"http://h:80/a/b", "http://h/a/b"},
		{"http://h:443/", "http://h:443"},
		{"https://h:80/x", "https://h:80/x"},
		{"https://h:8443/a", "https://h:8443/a"},
		{"https://h:/x", "https://h/x"},
		{"https://[::1]:443/x", "https://[::1]/x"},
		{"https://[::1]:8443", "https://[::1]:8443"},
		{"https://user:pw@h/x", "https://h/x"},
		{"https://h/Server/MCP/", "https://h/Server/MCP"},
		{"https://h/a%2Fb/", "https://h/a%2Fb"},
		{"https://h/a//", "https://h/a"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			u, err := url.Parse(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if got := CanonicalResource(u); got != tt.want {
				t.Errorf("CanonicalResource(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
	if got := CanonicalResource(nil); got != "" {
		t.Errorf("CanonicalResource(nil) = %q", got)
	}
}

func TestResourceMatches(t *testing.T) {
	tests := []struct {
		resource, target string
		want             bool
	}{
		{"https://h/mcp", "https://h/mcp", true},
		{"HTTPS://H:443/mcp/", "https://h/mcp", true},
		{"https://h/mcp", "https://H/mcp/", true},
		{"https://h", "https://h/mcp", true},
		{"https://h/", "https://h/a/mcp", true},
		{"https://h/a", "https://h/a/mcp", true},
		{"https://h/a/", "https://h/a/mcp", true},
		{"https://h", "https://h", true},
		{"https://h/a/mcp?x=1", "https://h/a/mcp", false},
		{"https://h/a/mcp#f", "https://h/a/mcp", false},
		{"https://h/a/mcp#", "https://h/a/mcp", false},
		{"https://u@h/a/mcp", "https://h/a/mcp", false},
		{"https://h/a/m", "https://h/a/mcp", false},
		{"https://h/a/mcp/v2", "https://h/a/mcp", false},
		{"https://h/A/mcp", "https://h/a/mcp", false},
		{"https://h:8443/mcp", "https://h/mcp", false},
		{"http://h/mcp", "https://h/mcp", false},
		{"https://other/mcp", "https://h/mcp", false},
		{"https://h.evil/mcp", "https://h/mcp", false},
		{"/mcp", "https://h/mcp", false},
		{"urn:example:mcp", "https://h/mcp", false},
		{"", "https://h/mcp", false},
		{"https://h/%zz", "https://h/mcp", false},
	}
	for _, tt := range tests {
		t.Run(tt.resource+" for "+tt.target, func(t *testing.T) {
			target, err := url.Parse(tt.target)
			if err != nil {
				t.Fatal(err)
			}
			if got := resourceMatches(tt.resource, target); got != tt.want {
				t.Errorf("resourceMatches(%q, %q) = %v, want %v", tt.resource, tt.target, got, tt.want)
			}
		})
	}
}

// Paths of the well-known URIs.
const (
	wkPRM  = "/.well-known/oauth-protected-resource"
	wkAS   = "/.well-known/oauth-authorization-server"
	wkOIDC = "/.well-known/openid-configuration"
)

// secretMarker is in every document the test servers send; no error may
// repeat it.
const secretMarker = "SECRET-BODY-MARKER"

// testRoute is how a test server answers one path. In body, header values
// and handler-free routes, {{RS}} and {{AS}} are replaced by the two
// servers' URLs and {{RSHOST}} and {{ASHOST}} by their host:port.
type testRoute struct {
	status  int    // 0: 200
	ctype   string // "": application/json; "-": none
	body    string
	header  map[string]string
	handler func(e *testEnv, w http.ResponseWriter, r *http.Request)
}

func jsonOf(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}

func doc(members map[string]any) testRoute {
	members["x_marker"] = secretMarker
	return testRoute{body: jsonOf(members)}
}

func prmDoc(resource string, servers ...string) testRoute {
	return doc(map[string]any{"resource": resource, "authorization_servers": servers})
}

func asmDoc(issuer, token string, methods ...string) testRoute {
	m := map[string]any{"issuer": issuer, "token_endpoint": token, "response_types_supported": []string{"code"}}
	if methods != nil {
		m["token_endpoint_auth_methods_supported"] = methods
	}
	return doc(m)
}

// recorder is what the test servers saw, in order.
type recorder struct {
	mu       sync.Mutex
	requests []string // "RS /path?query"
	problems []string
}

func (rec *recorder) add(name string, r *http.Request) {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	rec.requests = append(rec.requests, name+" "+r.URL.RequestURI())
	if v := r.Header.Values("Authorization"); len(v) > 0 {
		rec.problems = append(rec.problems, name+" "+r.URL.Path+": Authorization header sent")
	}
	if v := r.Header.Values("Cookie"); len(v) > 0 {
		rec.problems = append(rec.problems, name+" "+r.URL.Path+": Cookie header sent")
	}
	if r.Method != http.MethodGet {
		rec.problems = append(rec.problems, name+" "+r.URL.Path+": method "+r.Method)
	}
	if a := r.Header.Get("Accept"); a != "application/json" {
		rec.problems = append(rec.problems, name+" "+r.URL.Path+": Accept "+a)
	}
}

func (rec *recorder) snapshot() (requests, problems []string) {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return append([]string(nil), rec.requests...), append([]string(nil), rec.problems...)
}

type testEnv struct {
	rs, as   *httptest.Server
	xx       *httptest.Server // a stranger: no issuer policy lists it
	rec      *recorder
	release  chan struct{}
	replacer *strings.Replacer
}

func (e *testEnv) expand(s string) string { return e.replacer.Replace(s) }

// checkRequests fails t for what the recorder saw wrong, for a request to
// a host no policy lists, and, when want is not nil, unless the requests
// were want (expanded), in order.
func (e *testEnv) checkRequests(t *testing.T, want []string) {
	t.Helper()
	reqs, problems := e.rec.snapshot()
	for _, p := range problems {
		t.Error(p)
	}
	for _, r := range reqs {
		if strings.HasPrefix(r, "XX ") {
			t.Errorf("discovery asked a host no policy lists: %s", r)
		}
	}
	if want == nil {
		return
	}
	expanded := make([]string, len(want))
	for i, r := range want {
		expanded[i] = e.expand(r)
	}
	if (len(reqs) != 0 || len(expanded) != 0) && !reflect.DeepEqual(reqs, expanded) {
		t.Errorf("requests:\n got %q\nwant %q", reqs, expanded)
	}
}

// testPeer is one server of a testEnv: its routes, and whether it serves TLS.
type testPeer struct {
	routes map[string]testRoute
	tls    bool
}

func newTestEnv(t *testing.T, rs, as testPeer) *testEnv {
	t.Helper()
	rsTLS, asTLS, rsRoutes, asRoutes := rs.tls, as.tls, rs.routes, as.routes
	e := &testEnv{rec: &recorder{}, release: make(chan struct{})}
	handler := func(name string, routes map[string]testRoute) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			e.rec.add(name, r)
			route, found := routes[r.URL.Path]
			if !found {
				http.Error(w, "not found "+secretMarker, http.StatusNotFound)
				return
			}
			if route.handler != nil {
				route.handler(e, w, r)
				return
			}
			for k, v := range route.header {
				w.Header().Set(k, e.expand(v))
			}
			switch route.ctype {
			case "":
				w.Header().Set("Content-Type", "application/json")
			case "-":
				w.Header()["Content-Type"] = nil
			default:
				w.Header().Set("Content-Type", route.ctype)
			}
			status := route.status
			if status == 0 {
				status = http.StatusOK
			}
			w.WriteHeader(status)
			_, _ = w.Write([]byte(e.expand(route.body)))
		})
	}
	start := func(name string, tls bool, routes map[string]testRoute) *httptest.Server {
		var s *httptest.Server
		if tls {
			s = httptest.NewTLSServer(handler(name, routes))
		} else {
			s = httptest.NewServer(handler(name, routes))
		}
		t.Cleanup(s.Close)
		return s
	}
	e.rs = start("RS", rsTLS, rsRoutes)
	e.as = start("AS", asTLS, asRoutes)
	// The stranger answers every path with metadata that would make it the
	// authorization server; discovery must never ask it anything.
	stranger := doc(map[string]any{
		"resource": "{{RS}}/mcp", "authorization_servers": []string{"{{XX}}"},
		"issuer": "{{XX}}", "token_endpoint": "{{XX}}/token",
	})
	e.xx = start("XX", asTLS, nil)
	e.xx.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		e.rec.add("XX", r)
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(e.expand(stranger.body)))
	})
	t.Cleanup(func() { close(e.release) }) // runs before the servers close
	host := func(s *httptest.Server) string { u, _ := url.Parse(s.URL); return u.Host }
	e.replacer = strings.NewReplacer("{{RS}}", e.rs.URL, "{{AS}}", e.as.URL, "{{XX}}", e.xx.URL,
		"{{RSHOST}}", host(e.rs), "{{ASHOST}}", host(e.as), "{{XXHOST}}", host(e.xx))
	return e
}

// issuerPolicy is Options.IssuerAllowed for fully anchored
// patterns matched against the normalized URL, as oauth2_issuers are
// (config.Module.IssuerAllowed). The placeholders
// {{RS}}, {{AS}} and {{XX}} in a pattern stand for the server's URL, quoted.
func (e *testEnv) issuerPolicy(patterns []string) func(*url.URL) bool {
	quoted := strings.NewReplacer("{{RS}}", regexp.QuoteMeta(e.rs.URL), "{{AS}}", regexp.QuoteMeta(e.as.URL), "{{XX}}", regexp.QuoteMeta(e.xx.URL))
	var res []*regexp.Regexp
	for _, p := range patterns {
		res = append(res, regexp.MustCompile("^(?:"+quoted.Replace(p)+")$"))
	}
	return func(u *url.URL) bool {
		if _, err := dialhost.Normalize(u.Hostname()); err != nil {
			return false
		}
		for _, re := range res {
			if re.MatchString(config.NormalizeTarget(u)) {
				return true
			}
		}
		return false
	}
}

// client trusts both test servers: httptest's TLS servers share one certificate.
func (e *testEnv) client() *http.Client {
	for _, s := range []*httptest.Server{e.rs, e.as} {
		if s.TLS != nil {
			return s.Client()
		}
	}
	return &http.Client{Transport: &http.Transport{}}
}

// blockRoute answers nothing until the client gives up or the test ends.
func blockRoute(e *testEnv, _ http.ResponseWriter, r *http.Request) {
	select {
	case <-r.Context().Done():
	case <-e.release:
	}
}

// bigRoute sends a JSON answer of n bytes, or an endless one when n < 0.
func bigRoute(n int) func(*testEnv, http.ResponseWriter, *http.Request) {
	return func(_ *testEnv, w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if _, err := w.Write([]byte(`{"resource":"` + secretMarker)); err != nil {
			return
		}
		chunk := bytes.Repeat([]byte("a"), 32<<10)
		for sent := 0; n < 0 || sent < n; sent += len(chunk) {
			if _, err := w.Write(chunk); err != nil || r.Context().Err() != nil {
				return
			}
		}
		_, _ = w.Write([]byte(`"}`))
	}
}

func TestDiscover(t *testing.T) {
	okASM := asmDoc("{{RS}}", "{{RS}}/token", "client_secret_post", "private_key_jwt")
	okPRM := prmDoc("{{RS}}/mcp", "{{RS}}")
	wantOK := func(prmURL string) *AuthServer {
		return &AuthServer{
			Resource:            "{{RS}}/mcp",
			Issuer:              "{{RS}}",
			TokenEndpoint:       "{{RS}}/token",
			AuthMethods:         []string{"client_secret_post", "private_key_jwt"},
			ResourceMetadataURL: prmURL,
		}
	}
	tests := []struct {
		name         string
		path         string // target path on RS; "/mcp" when empty
		rm           string // resource_metadata
		rsTLS, asTLS bool
		rs, as       map[string]testRoute
		client       func(e *testEnv) *http.Client
		timeout      time.Duration
		// issuers are the oauth2_issuers patterns, placeholders expanded;
		// nil allows whatever is on RS's and AS's origins.
		issuers  []string
		noPolicy bool // IssuerAllowed nil

		want       *AuthServer
		wantReqs   []string // nil: not checked
		wantErr    []string
		wantReason failure.Reason
		wantStatus int
	}{
		// Successes.
		{
			name: "resource_metadata given",
			rm:   "{{RS}}/meta/prm?v=1#frag",
			rs: map[string]testRoute{
				"/meta/prm":    okPRM,
				wkPRM + "/mcp": prmDoc("{{RS}}/mcp", "{{RS}}/wrong"),
				wkAS:           okASM,
			},
			want:     wantOK("{{RS}}/meta/prm?v=1"),
			wantReqs: []string{"RS /meta/prm?v=1", "RS " + wkAS},
		},
		{
			name: "authorization server on another origin",
			rs:   map[string]testRoute{wkPRM + "/mcp": prmDoc("{{RS}}/mcp", "{{AS}}")},
			as: map[string]testRoute{
				wkAS: asmDoc("{{AS}}", "{{AS}}/oauth/token", "client_secret_basic"),
			},
			issuers: []string{"{{AS}}"},
			want: &AuthServer{
				Resource: "{{RS}}/mcp", Issuer: "{{AS}}", TokenEndpoint: "{{AS}}/oauth/token",
				AuthMethods: []string{"client_secret_basic"}, ResourceMetadataURL: "{{RS}}" + wkPRM + "/mcp",
			},
			wantReqs: []string{"RS " + wkPRM + "/mcp", "AS " + wkAS},
		},
		{
			name:    "the first allowed of several authorization servers",
			rs:      map[string]testRoute{wkPRM + "/mcp": prmDoc("{{RS}}/mcp", "{{XX}}", "{{AS}}/t2", "{{AS}}/t1")},
			as:      map[string]testRoute{wkAS + "/t2": asmDoc("{{AS}}/t2", "{{AS}}/t2/token")},
			issuers: []string{"{{AS}}/t[0-9]"},
			want: &AuthServer{
				Resource: "{{RS}}/mcp", Issuer: "{{AS}}/t2", TokenEndpoint: "{{AS}}/t2/token",
				AuthMethods: []string{"client_secret_basic"}, ResourceMetadataURL: "{{RS}}" + wkPRM + "/mcp",
			},
			wantReqs: []string{"RS " + wkPRM + "/mcp", "AS " + wkAS + "/t2"},
		},
		{
			name:    "token endpoint on another origin that oauth2_issuers allows",
			rs:      map[string]testRoute{wkPRM + "/mcp": prmDoc("{{RS}}/mcp", "{{AS}}")},
			as:      map[string]testRoute{wkAS: asmDoc("{{AS}}", "{{RS}}/oauth/token")},
			issuers: []string{"{{AS}}", "{{RS}}/oauth/token"},
			want: &AuthServer{
				Resource: "{{RS}}/mcp", Issuer: "{{AS}}", TokenEndpoint: "{{RS}}/oauth/token",
				AuthMethods: []string{"client_secret_basic"}, ResourceMetadataURL: "{{RS}}" + wkPRM + "/mcp",
			},
			wantReqs: []string{"RS " + wkPRM + "/mcp", "AS " + wkAS},
		},
		{
			name:     "path-suffixed well-known",
			rs:       map[string]testRoute{wkPRM + "/mcp": okPRM, wkPRM: prmDoc("{{RS}}", "{{RS}}/wrong"), wkAS: okASM},
			want:     wantOK("{{RS}}" + wkPRM + "/mcp"),
			wantReqs: []string{"RS " + wkPRM + "/mcp", "RS " + wkAS},
		},
		{
			name: "root well-known naming the origin (RFC 9728 3.3)",
			rs:   map[string]testRoute{wkPRM: prmDoc("{{RS}}", "{{RS}}"), wkAS: okASM},
			want: &AuthServer{
				Resource: "{{RS}}", Issuer: "{{RS}}", TokenEndpoint: "{{RS}}/token",
				AuthMethods: []string{"client_secret_post", "private_key_jwt"}, ResourceMetadataURL: "{{RS}}" + wkPRM,
			},
			wantReqs: []string{"RS " + wkPRM + "/mcp", "RS " + wkPRM, "RS " + wkAS},
		},
		{
			name:     "root well-known naming the endpoint",
			rs:       map[string]testRoute{wkPRM: okPRM, wkAS: okASM},
			want:     wantOK("{{RS}}" + wkPRM),
			wantReqs: []string{"RS " + wkPRM + "/mcp", "RS " + wkPRM, "RS " + wkAS},
		},
		{
			name: "resource naming a path prefix of the target",
			path: "/api/v1/mcp",
			rs:   map[string]testRoute{wkPRM + "/api/v1/mcp": prmDoc("{{RS}}/api/", "{{RS}}"), wkAS: okASM},
			want: &AuthServer{
				Resource: "{{RS}}/api/", Issuer: "{{RS}}", TokenEndpoint: "{{RS}}/token",
				AuthMethods: []string{"client_secret_post", "private_key_jwt"}, ResourceMetadataURL: "{{RS}}" + wkPRM + "/api/v1/mcp",
			},
		},
		{
			name: "target with trailing slash and query",
			path: "/mcp/?key=k",
			rs:   map[string]testRoute{wkPRM + "/mcp": prmDoc("HTTP://{{RSHOST}}/mcp/", "{{RS}}"), wkAS: okASM},
			want: &AuthServer{
				Resource: "HTTP://{{RSHOST}}/mcp/", Issuer: "{{RS}}", TokenEndpoint: "{{RS}}/token",
				AuthMethods: []string{"client_secret_post", "private_key_jwt"}, ResourceMetadataURL: "{{RS}}" + wkPRM + "/mcp",
			},
			wantReqs: []string{"RS " + wkPRM + "/mcp", "RS " + wkAS},
		},
		{
			name:     "target at the root",
			path:     "/",
			rs:       map[string]testRoute{wkPRM: prmDoc("{{RS}}/", "{{RS}}"), wkAS: okASM},
			wantReqs: []string{"RS " + wkPRM, "RS " + wkAS},
			want: &AuthServer{
				Resource: "{{RS}}/", Issuer: "{{RS}}", TokenEndpoint: "{{RS}}/token",
				AuthMethods: []string{"client_secret_post", "private_key_jwt"}, ResourceMetadataURL: "{{RS}}" + wkPRM,
			},
		},
		{
			name: "redirects are not followed",
			rs: map[string]testRoute{
				wkPRM + "/mcp": {status: http.StatusFound, header: map[string]string{"Location": "/moved"}},
				"/moved":       prmDoc("{{RS}}/mcp", "{{RS}}/wrong"),
				wkPRM:          okPRM,
				wkAS:           okASM,
			},
			want:     wantOK("{{RS}}" + wkPRM),
			wantReqs: []string{"RS " + wkPRM + "/mcp", "RS " + wkPRM, "RS " + wkAS},
		},
		{
			name: "RFC 8414 path insertion",
			rs: map[string]testRoute{
				wkPRM + "/mcp":      prmDoc("{{RS}}/mcp", "{{RS}}/tenant1"),
				wkAS + "/tenant1":   asmDoc("{{RS}}/tenant1", "{{RS}}/tenant1/token"),
				wkOIDC + "/tenant1": asmDoc("{{RS}}/tenant1", "{{RS}}/wrong"),
				"/tenant1" + wkOIDC: asmDoc("{{RS}}/tenant1", "{{RS}}/wrong"),
				wkAS:                asmDoc("{{RS}}", "{{RS}}/wrong"),
				"/tenant1" + wkAS:   asmDoc("{{RS}}/tenant1", "{{RS}}/wrong"),
			},
			want: &AuthServer{
				Resource: "{{RS}}/mcp", Issuer: "{{RS}}/tenant1", TokenEndpoint: "{{RS}}/tenant1/token",
				AuthMethods: []string{"client_secret_basic"}, ResourceMetadataURL: "{{RS}}" + wkPRM + "/mcp",
			},
			wantReqs: []string{"RS " + wkPRM + "/mcp", "RS " + wkAS + "/tenant1"},
		},
		{
			name: "issuer with a trailing slash",
			rs: map[string]testRoute{
				wkPRM + "/mcp":    prmDoc("{{RS}}/mcp", "{{RS}}/tenant1/"),
				wkAS + "/tenant1": asmDoc("{{RS}}/tenant1/", "{{RS}}/token"),
			},
			want: &AuthServer{
				Resource: "{{RS}}/mcp", Issuer: "{{RS}}/tenant1/", TokenEndpoint: "{{RS}}/token",
				AuthMethods: []string{"client_secret_basic"}, ResourceMetadataURL: "{{RS}}" + wkPRM + "/mcp",
			},
			wantReqs: []string{"RS " + wkPRM + "/mcp", "RS " + wkAS + "/tenant1"},
		},
		{
			name: "OpenID Connect with path insertion",
			rs: map[string]testRoute{
				wkPRM + "/mcp":      prmDoc("{{RS}}/mcp", "{{RS}}/tenant1"),
				wkOIDC + "/tenant1": asmDoc("{{RS}}/tenant1", "{{RS}}/token", "private_key_jwt"),
			},
			want: &AuthServer{
				Resource: "{{RS}}/mcp", Issuer: "{{RS}}/tenant1", TokenEndpoint: "{{RS}}/token",
				AuthMethods: []string{"private_key_jwt"}, ResourceMetadataURL: "{{RS}}" + wkPRM + "/mcp",
			},
			wantReqs: []string{"RS " + wkPRM + "/mcp", "RS " + wkAS + "/tenant1", "RS " + wkOIDC + "/tenant1"},
		},
		{
			name: "OpenID Connect with path appending",
			rs: map[string]testRoute{
				wkPRM + "/mcp":      prmDoc("{{RS}}/mcp", "{{RS}}/tenant1"),
				"/tenant1" + wkOIDC: asmDoc("{{RS}}/tenant1", "{{RS}}/token", "private_key_jwt"),
			},
			want: &AuthServer{
				Resource: "{{RS}}/mcp", Issuer: "{{RS}}/tenant1", TokenEndpoint: "{{RS}}/token",
				AuthMethods: []string{"private_key_jwt"}, ResourceMetadataURL: "{{RS}}" + wkPRM + "/mcp",
			},
			wantReqs: []string{
				"RS " + wkPRM + "/mcp", "RS " + wkAS + "/tenant1", "RS " + wkOIDC + "/tenant1", "RS /tenant1" + wkOIDC,
			},
		},
		{
			name:     "OpenID Connect for an issuer without path",
			rs:       map[string]testRoute{wkPRM + "/mcp": okPRM, wkOIDC: okASM},
			want:     wantOK("{{RS}}" + wkPRM + "/mcp"),
			wantReqs: []string{"RS " + wkPRM + "/mcp", "RS " + wkAS, "RS " + wkOIDC},
		},
		{
			name: "auth methods omitted default to client_secret_basic",
			rs:   map[string]testRoute{wkPRM + "/mcp": okPRM, wkAS: asmDoc("{{RS}}", "{{RS}}/token")},
			want: &AuthServer{
				Resource: "{{RS}}/mcp", Issuer: "{{RS}}", TokenEndpoint: "{{RS}}/token",
				AuthMethods: []string{"client_secret_basic"}, ResourceMetadataURL: "{{RS}}" + wkPRM + "/mcp",
			},
		},
		{
			name: "JSON media type with parameters, +json, or none",
			rs: map[string]testRoute{
				wkPRM + "/mcp": {ctype: "Application/JSON; charset=utf-8", body: okPRM.body},
				wkAS:           {ctype: "-", body: okASM.body},
			},
			want: wantOK("{{RS}}" + wkPRM + "/mcp"),
		},
		{
			name: "cookies are neither stored nor sent",
			rs: map[string]testRoute{
				wkPRM + "/mcp": {body: okPRM.body, header: map[string]string{"Set-Cookie": "s=1; Path=/"}},
				wkAS:           okASM,
			},
			client: func(e *testEnv) *http.Client {
				jar, err := cookiejar.New(nil)
				if err != nil {
					panic(err)
				}
				u, _ := url.Parse(e.rs.URL)
				jar.SetCookies(u, []*http.Cookie{{Name: "session", Value: "x", Path: "/"}})
				return &http.Client{Jar: jar}
			},
			want: wantOK("{{RS}}" + wkPRM + "/mcp"),
		},
		{
			name: "resource_metadata spelled otherwise on the target's origin",
			rm:   "HTTP://{{RSHOST}}/meta/prm",
			rs:   map[string]testRoute{"/meta/prm": okPRM, wkAS: okASM},
			want: wantOK("{{RS}}/meta/prm"),
		},
		{
			name:    "IDN token endpoint, listed in its ASCII form, handed on in it",
			rs:      map[string]testRoute{wkPRM + "/mcp": okPRM, wkAS: asmDoc("{{RS}}", "http://B%C3%9Ccher.example:8080/token")},
			issuers: []string{"{{RS}}", `http://xn--bcher-kva\.example:8080/token`},
			want: &AuthServer{
				Resource: "{{RS}}/mcp", Issuer: "{{RS}}", TokenEndpoint: "http://xn--bcher-kva.example:8080/token",
				AuthMethods: []string{"client_secret_basic"}, ResourceMetadataURL: "{{RS}}" + wkPRM + "/mcp",
			},
		},
		{
			name:  "https everywhere",
			rm:    "{{RS}}/prm",
			rsTLS: true, asTLS: true,
			rs: map[string]testRoute{"/prm": prmDoc("{{RS}}/mcp", "{{AS}}/t")},
			as: map[string]testRoute{
				wkAS + "/t": asmDoc("{{AS}}/t", "{{AS}}/t/token", "client_secret_basic", "client_secret_post"),
			},
			want: &AuthServer{
				Resource: "{{RS}}/mcp", Issuer: "{{AS}}/t", TokenEndpoint: "{{AS}}/t/token",
				AuthMethods: []string{"client_secret_basic", "client_secret_post"}, ResourceMetadataURL: "{{RS}}/prm",
			},
		},

		// Failures of the protected resource metadata step.
		{
			// The 2025-03-26 fallback would make the target's origin the
			// issuer; oauth2_issuers do not list it.
			name:    "404 everywhere",
			issuers: []string{"{{AS}}"},
			wantErr: []string{
				"protected resource metadata: HTTP 404 at {{RS}}" + wkPRM + "/mcp, HTTP 404 at {{RS}}" + wkPRM,
				"not in oauth2_issuers; nothing was sent there",
			},
			wantReason: failure.ReasonIssuerNotAllowed,
			wantReqs:   []string{"RS " + wkPRM + "/mcp", "RS " + wkPRM},
		},
		{
			name:       "resource_metadata 404 does not fall back",
			rm:         "{{RS}}/meta",
			rs:         map[string]testRoute{wkPRM + "/mcp": okPRM, wkPRM: okPRM, wkAS: okASM},
			wantErr:    []string{"protected resource metadata: HTTP 404 at {{RS}}/meta"},
			wantStatus: http.StatusNotFound,
			wantReqs:   []string{"RS /meta"},
		},
		{
			name:       "server error on well-known",
			rs:         map[string]testRoute{wkPRM + "/mcp": {status: 500, body: secretMarker}, wkPRM: {status: 503}},
			wantErr:    []string{"protected resource metadata: HTTP 500 at {{RS}}" + wkPRM + "/mcp, HTTP 503 at"},
			wantStatus: http.StatusServiceUnavailable,
		},
		{
			name:     "resource_metadata with another scheme",
			rm:       "ftp://{{RSHOST}}/prm",
			wantErr:  []string{"protected resource metadata: resource_metadata is not an absolute http(s) URL"},
			wantReqs: []string{},
		},
		{
			name:     "relative resource_metadata",
			rm:       "/prm",
			wantErr:  []string{"protected resource metadata: resource_metadata is not an absolute http(s) URL"},
			wantReqs: []string{},
		},
		{
			name:     "resource_metadata with userinfo",
			rm:       "http://user:pass@{{RSHOST}}/prm",
			wantErr:  []string{"protected resource metadata: resource_metadata URL http://user:xxxxx@{{RSHOST}}/prm carries userinfo"},
			wantReqs: []string{},
		},
		{
			name:     "http resource_metadata for an https target",
			rsTLS:    true,
			rm:       "http://{{RSHOST}}/prm",
			rs:       map[string]testRoute{"/prm": prmDoc("{{RS}}/mcp", "{{RS}}")},
			wantErr:  []string{"protected resource metadata: http resource_metadata URL http://{{RSHOST}}/prm for an https target refused"},
			wantReqs: []string{},
		},
		// Issue 9 item 1: the target names where discovery goes next.
		{
			name:       "token endpoint whose host folds to a listed one",
			rs:         map[string]testRoute{wkPRM + "/mcp": okPRM, wkAS: asmDoc("{{RS}}", "http://%C4%B0dp.example/token")},
			issuers:    []string{"{{RS}}", `http://idp\.example/token`},
			wantErr:    []string{"token_endpoint http://%C4%B0dp.example/token at {{RS}}" + wkAS + " is neither on the issuer's origin"},
			wantReason: failure.ReasonIssuerNotAllowed,
		},
		{
			name:     "resource_metadata on another origin",
			rm:       "{{XX}}/prm",
			wantErr:  []string{"protected resource metadata: resource_metadata URL {{XX}}/prm is not on the target's origin; refused, nothing fetched there"},
			wantReqs: []string{},
		},
		{
			name:     "resource_metadata on a listed issuer's origin",
			rm:       "{{AS}}/prm",
			as:       map[string]testRoute{"/prm": prmDoc("{{RS}}/mcp", "{{AS}}")},
			wantErr:  []string{"resource_metadata URL {{AS}}/prm is not on the target's origin"},
			wantReqs: []string{},
		},
		{
			name:     "resource_metadata on another scheme of the target's host",
			rm:       "https://{{RSHOST}}/prm",
			wantErr:  []string{"is not on the target's origin"},
			wantReqs: []string{},
		},
		{
			name:       "issuer not in oauth2_issuers",
			rs:         map[string]testRoute{wkPRM + "/mcp": prmDoc("{{RS}}/mcp", "{{XX}}")},
			wantErr:    []string{"authorization server metadata: issuer {{XX}} is not in oauth2_issuers (named at {{RS}}" + wkPRM + "/mcp); nothing was sent there"},
			wantReason: failure.ReasonIssuerNotAllowed,
			wantStatus: http.StatusOK,
			wantReqs:   []string{"RS " + wkPRM + "/mcp"},
		},
		{
			name:       "none of several issuers in oauth2_issuers",
			rs:         map[string]testRoute{wkPRM + "/mcp": prmDoc("{{RS}}/mcp", "{{XX}}/a", "{{XX}}/b")},
			wantErr:    []string{"none of the 2 issuers (the first is {{XX}}/a) is in oauth2_issuers"},
			wantReason: failure.ReasonIssuerNotAllowed,
			wantReqs:   []string{"RS " + wkPRM + "/mcp"},
		},
		{
			name:       "issuer on a listed host under another path",
			rs:         map[string]testRoute{wkPRM + "/mcp": prmDoc("{{RS}}/mcp", "{{AS}}/realms/other")},
			issuers:    []string{"{{AS}}/realms/mcp"},
			wantErr:    []string{"issuer {{AS}}/realms/other is not in oauth2_issuers"},
			wantReason: failure.ReasonIssuerNotAllowed,
			wantReqs:   []string{"RS " + wkPRM + "/mcp"},
		},
		{
			name:       "no issuer policy allows none",
			rs:         map[string]testRoute{wkPRM + "/mcp": okPRM, wkAS: okASM},
			noPolicy:   true,
			wantErr:    []string{"issuer {{RS}} is not in oauth2_issuers"},
			wantReason: failure.ReasonIssuerNotAllowed,
			wantReqs:   []string{"RS " + wkPRM + "/mcp"},
		},
		{
			name:       "token endpoint on an unlisted origin",
			rs:         map[string]testRoute{wkPRM + "/mcp": okPRM, wkAS: asmDoc("{{RS}}", "{{XX}}/token")},
			wantErr:    []string{"authorization server metadata: token_endpoint {{XX}}/token at {{RS}}" + wkAS + " is neither on the issuer's origin nor allowed by oauth2_issuers; nothing was sent there"},
			wantReason: failure.ReasonIssuerNotAllowed,
			wantReqs:   []string{"RS " + wkPRM + "/mcp", "RS " + wkAS},
		},
		{
			name:       "token endpoint on another port of the issuer's host",
			rs:         map[string]testRoute{wkPRM + "/mcp": prmDoc("{{RS}}/mcp", "{{AS}}")},
			as:         map[string]testRoute{wkAS: asmDoc("{{AS}}", "http://{{XXHOST}}/token")},
			issuers:    []string{"{{AS}}"},
			wantErr:    []string{"token_endpoint {{XX}}/token at {{AS}}" + wkAS + " is neither on the issuer's origin"},
			wantReason: failure.ReasonIssuerNotAllowed,
		},
		{
			name:       "token endpoint on the target's origin, not listed",
			rs:         map[string]testRoute{wkPRM + "/mcp": prmDoc("{{RS}}/mcp", "{{AS}}")},
			as:         map[string]testRoute{wkAS: asmDoc("{{AS}}", "{{RS}}/token")},
			issuers:    []string{"{{AS}}"},
			wantErr:    []string{"token_endpoint {{RS}}/token at {{AS}}" + wkAS + " is neither on the issuer's origin nor allowed by oauth2_issuers"},
			wantReason: failure.ReasonIssuerNotAllowed,
		},
		{
			name:    "http authorization server for an https target",
			rsTLS:   true,
			rs:      map[string]testRoute{wkPRM + "/mcp": prmDoc("{{RS}}/mcp", "http://{{RSHOST}}")},
			wantErr: []string{"protected resource metadata: authorization_servers[0] is not an https URL without query or fragment at {{RS}}" + wkPRM + "/mcp"},
		},
		{
			name:       "HTML instead of JSON",
			rs:         map[string]testRoute{wkPRM + "/mcp": {ctype: "text/html; charset=utf-8", body: "<html>" + secretMarker}},
			wantErr:    []string{"protected resource metadata: content type text/html at {{RS}}" + wkPRM + "/mcp, want application/json"},
			wantStatus: http.StatusOK,
			wantReqs:   []string{"RS " + wkPRM + "/mcp"},
		},
		{
			name:       "invalid JSON",
			rs:         map[string]testRoute{wkPRM + "/mcp": {body: `{"resource": "` + secretMarker}},
			wantErr:    []string{"protected resource metadata: not a JSON object at {{RS}}" + wkPRM + "/mcp"},
			wantStatus: http.StatusOK,
		},
		{
			name:    "JSON array",
			rs:      map[string]testRoute{wkPRM + "/mcp": {body: `["` + secretMarker + `"]`}},
			wantErr: []string{"protected resource metadata: not a JSON object at"},
		},
		{
			name:    "JSON null",
			rs:      map[string]testRoute{wkPRM + "/mcp": {body: `null`}},
			wantErr: []string{"protected resource metadata: not a JSON object at"},
		},
		{
			name:    "trailing data after the object",
			rs:      map[string]testRoute{wkPRM + "/mcp": {body: okPRM.body + `{}`}},
			wantErr: []string{"protected resource metadata: not a JSON object at"},
		},
		{
			name:       "missing authorization_servers",
			rs:         map[string]testRoute{wkPRM + "/mcp": doc(map[string]any{"resource": "{{RS}}/mcp"})},
			wantErr:    []string{"protected resource metadata: authorization_servers missing at {{RS}}" + wkPRM + "/mcp"},
			wantStatus: http.StatusOK,
		},
		{
			name:    "empty authorization_servers",
			rs:      map[string]testRoute{wkPRM + "/mcp": doc(map[string]any{"resource": "{{RS}}/mcp", "authorization_servers": []string{}})},
			wantErr: []string{"protected resource metadata: authorization_servers is empty at"},
		},
		{
			name:    "null authorization_servers",
			rs:      map[string]testRoute{wkPRM + "/mcp": doc(map[string]any{"resource": "{{RS}}/mcp", "authorization_servers": nil})},
			wantErr: []string{"protected resource metadata: authorization_servers is not an array of strings at"},
		},
		{
			name:    "authorization_servers not strings",
			rs:      map[string]testRoute{wkPRM + "/mcp": doc(map[string]any{"resource": "{{RS}}/mcp", "authorization_servers": []int{1}})},
			wantErr: []string{"protected resource metadata: authorization_servers is not an array of strings at"},
		},
		{
			name:    "authorization server not a URL",
			rs:      map[string]testRoute{wkPRM + "/mcp": prmDoc("{{RS}}/mcp", "{{RS}}", "auth.example.com")},
			wantErr: []string{"protected resource metadata: authorization_servers[1] is not an http(s) URL without query or fragment at"},
		},
		{
			name:    "authorization server with a query",
			rs:      map[string]testRoute{wkPRM + "/mcp": prmDoc("{{RS}}/mcp", "{{RS}}?tenant=1")},
			wantErr: []string{"protected resource metadata: authorization_servers[0] is not an http(s) URL without query or fragment at"},
		},
		{
			name:    "missing resource",
			rs:      map[string]testRoute{wkPRM + "/mcp": doc(map[string]any{"authorization_servers": []string{"{{RS}}"}})},
			wantErr: []string{"protected resource metadata: resource missing at {{RS}}" + wkPRM + "/mcp"},
		},
		{
			name:    "resource not a string",
			rs:      map[string]testRoute{wkPRM + "/mcp": doc(map[string]any{"resource": 7, "authorization_servers": []string{"{{RS}}"}})},
			wantErr: []string{"protected resource metadata: resource is not a string at"},
		},
		{
			name:    "resource on another origin",
			rs:      map[string]testRoute{wkPRM + "/mcp": prmDoc("https://mcp.example.com/mcp", "{{RS}}")},
			wantErr: []string{"protected resource metadata: resource at {{RS}}" + wkPRM + "/mcp does not name the target {{RS}}/mcp"},
		},
		{
			name:    "resource_metadata describing another resource",
			rm:      "{{RS}}/prm",
			rs:      map[string]testRoute{"/prm": prmDoc("{{AS}}/mcp", "{{AS}}")},
			wantErr: []string{"protected resource metadata: resource at {{RS}}/prm does not name the target {{RS}}/mcp"},
		},
		{
			name:    "resource on a sibling path",
			path:    "/mcp",
			rs:      map[string]testRoute{wkPRM + "/mcp": prmDoc("{{RS}}/mc", "{{RS}}")},
			wantErr: []string{"protected resource metadata: resource at {{RS}}" + wkPRM + "/mcp does not name the target"},
		},
		{
			name:    "resource deeper than the target",
			rs:      map[string]testRoute{wkPRM: prmDoc("{{RS}}/mcp/v2", "{{RS}}")},
			wantErr: []string{"protected resource metadata: resource at {{RS}}" + wkPRM + " does not name the target"},
		},
		{
			name:       "answer of 5 MiB",
			rs:         map[string]testRoute{wkPRM + "/mcp": {handler: bigRoute(5 << 20)}},
			wantErr:    []string{"protected resource metadata: answer larger than 1 MiB at {{RS}}" + wkPRM + "/mcp"},
			wantStatus: http.StatusOK,
		},
		{
			name:       "server that never answers",
			rs:         map[string]testRoute{wkPRM + "/mcp": {handler: blockRoute}},
			timeout:    300 * time.Millisecond,
			wantErr:    []string{"protected resource metadata: context deadline exceeded at {{RS}}" + wkPRM + "/mcp"},
			wantReason: failure.ReasonTimeout,
		},

		// Failures of the authorization server metadata step.
		{
			name: "authorization server metadata 404 everywhere",
			rs:   map[string]testRoute{wkPRM + "/mcp": prmDoc("{{RS}}/mcp", "{{RS}}/t")},
			wantErr: []string{
				"authorization server metadata: HTTP 404 at {{RS}}" + wkAS + "/t, HTTP 404 at {{RS}}" + wkOIDC + "/t, HTTP 404 at {{RS}}/t" + wkOIDC,
			},
			wantStatus: http.StatusNotFound,
		},
		{
			name:    "authorization server metadata not JSON",
			rs:      map[string]testRoute{wkPRM + "/mcp": okPRM, wkAS: {body: "<html>" + secretMarker}},
			wantErr: []string{"authorization server metadata: not a JSON object at {{RS}}" + wkAS},
		},
		{
			name:    "issuer mismatch",
			rs:      map[string]testRoute{wkPRM + "/mcp": okPRM, wkAS: asmDoc("{{RS}}/other", "{{RS}}/token")},
			wantErr: []string{"authorization server metadata: issuer mismatch at {{RS}}" + wkAS + ": not identical to {{RS}}"},
		},
		{
			name:    "issuer differing by a trailing slash",
			rs:      map[string]testRoute{wkPRM + "/mcp": okPRM, wkAS: asmDoc("{{RS}}/", "{{RS}}/token")},
			wantErr: []string{"authorization server metadata: issuer mismatch"},
		},
		{
			name:    "issuer missing",
			rs:      map[string]testRoute{wkPRM + "/mcp": okPRM, wkAS: doc(map[string]any{"token_endpoint": "{{RS}}/token"})},
			wantErr: []string{"authorization server metadata: issuer missing at {{RS}}" + wkAS},
		},
		{
			name:    "missing token_endpoint",
			rs:      map[string]testRoute{wkPRM + "/mcp": okPRM, wkAS: doc(map[string]any{"issuer": "{{RS}}"})},
			wantErr: []string{"authorization server metadata: token_endpoint missing at {{RS}}" + wkAS},
		},
		{
			name:    "relative token_endpoint",
			rs:      map[string]testRoute{wkPRM + "/mcp": okPRM, wkAS: asmDoc("{{RS}}", "/token")},
			wantErr: []string{"authorization server metadata: token_endpoint is not an http(s) URL without fragment at"},
		},
		{
			name:  "http token endpoint for an https issuer",
			asTLS: true,
			rs:    map[string]testRoute{wkPRM + "/mcp": prmDoc("{{RS}}/mcp", "{{AS}}")},
			as:    map[string]testRoute{wkAS: asmDoc("{{AS}}", "http://{{ASHOST}}/token")},
			wantErr: []string{
				"authorization server metadata: token_endpoint is not an https URL without fragment at {{AS}}" + wkAS,
			},
			wantReqs: []string{"RS " + wkPRM + "/mcp", "AS " + wkAS},
		},
		{
			name:    "auth methods not an array of strings",
			rs:      map[string]testRoute{wkPRM + "/mcp": okPRM, wkAS: doc(map[string]any{"issuer": "{{RS}}", "token_endpoint": "{{RS}}/t", "token_endpoint_auth_methods_supported": "client_secret_basic"})},
			wantErr: []string{"authorization server metadata: token_endpoint_auth_methods_supported is not an array of strings at"},
		},
		{
			name:       "endless authorization server metadata",
			rs:         map[string]testRoute{wkPRM + "/mcp": okPRM, wkAS: {handler: bigRoute(-1)}},
			wantErr:    []string{"authorization server metadata: answer larger than 1 MiB at {{RS}}" + wkAS},
			wantStatus: http.StatusOK,
		},
		{
			name:       "authorization server that never answers",
			rs:         map[string]testRoute{wkPRM + "/mcp": prmDoc("{{RS}}/mcp", "{{AS}}")},
			as:         map[string]testRoute{wkAS: {handler: blockRoute}},
			timeout:    300 * time.Millisecond,
			wantErr:    []string{"authorization server metadata: context deadline exceeded at {{AS}}" + wkAS},
			wantReason: failure.ReasonTimeout,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := newTestEnv(t, testPeer{tt.rs, tt.rsTLS}, testPeer{tt.as, tt.asTLS})
			hc := env.client()
			if tt.client != nil {
				hc = tt.client(env)
			}
			p := tt.path
			if p == "" {
				p = "/mcp"
			}
			target, err := url.Parse(env.rs.URL + p)
			if err != nil {
				t.Fatal(err)
			}
			timeout := tt.timeout
			if timeout == 0 {
				timeout = 10 * time.Second
			}
			ctx, cancel := context.WithTimeout(context.Background(), timeout)
			defer cancel()
			rm := ""
			if tt.rm != "" {
				rm = env.expand(tt.rm)
			}

			o := Options{ResourceMetadataURL: rm}
			if !tt.noPolicy {
				issuers := tt.issuers
				if issuers == nil {
					issuers = []string{"{{RS}}(/.*)?", "{{AS}}(/.*)?"}
				}
				o.IssuerAllowed = env.issuerPolicy(issuers)
			}

			start := time.Now()
			got, err := Discover(ctx, hc, target, o)
			elapsed := time.Since(start)

			if tt.wantErr == nil {
				if err != nil {
					t.Fatalf("Discover: %v", err)
				}
				want := *tt.want
				for _, f := range []*string{&want.Resource, &want.Issuer, &want.TokenEndpoint, &want.ResourceMetadataURL} {
					*f = env.expand(*f)
				}
				if !reflect.DeepEqual(got, &want) {
					t.Errorf("got  %+v\nwant %+v", got, &want)
				}
			} else {
				if err == nil {
					t.Fatalf("Discover = %+v, want an error", got)
				}
				if got != nil {
					t.Errorf("Discover returned %+v with its error", got)
				}
				var e *failure.Error
				if !errors.As(err, &e) {
					t.Fatalf("error %v (%T) is not an *failure.Error", err, err)
				}
				wantReason := tt.wantReason
				if wantReason == "" {
					wantReason = failure.ReasonDiscovery
				}
				if e.Reason != wantReason {
					t.Errorf("reason = %q, want %q (%v)", e.Reason, wantReason, err)
				}
				if tt.wantStatus != 0 && e.Status != tt.wantStatus {
					t.Errorf("status = %d, want %d", e.Status, tt.wantStatus)
				}
				for _, w := range tt.wantErr {
					if w = env.expand(w); !strings.Contains(err.Error(), w) {
						t.Errorf("error %q\ndoes not contain %q", err, w)
					}
				}
				for _, leak := range []string{secretMarker, "<html>", "pass@"} {
					if strings.Contains(err.Error(), leak) {
						t.Errorf("error %q repeats %q", err, leak)
					}
				}
			}
			if tt.timeout != 0 && elapsed > tt.timeout+time.Second {
				t.Errorf("took %v with a %v deadline", elapsed, tt.timeout)
			}

			env.checkRequests(t, tt.wantReqs)
		})
	}
}

func TestDiscoverBadInput(t *testing.T) {
	closed := httptest.NewServer(http.NotFoundHandler())
	closedURL := closed.URL
	closed.Close()

	tests := []struct {
		name, target, rm string
		want             string
	}{
		{"target not http", "ftp://h/mcp", "", "protected resource metadata: the target is not an absolute http(s) URL"},
		{"relative target", "/mcp", "", "protected resource metadata: the target is not an absolute http(s) URL"},
		{"target with userinfo", "http://u:p@127.0.0.1:1/mcp", "", "without userinfo"},
		{"connection refused", closedURL + "/mcp", "", "protected resource metadata: connect failure at " + closedURL + wkPRM + "/mcp"},
		{"connection refused on resource_metadata", closedURL + "/mcp", closedURL + "/prm", "protected resource metadata: connect failure at " + closedURL + "/prm"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			target, err := url.Parse(tt.target)
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			got, err := Discover(ctx, &http.Client{}, target, Options{ResourceMetadataURL: tt.rm})
			if err == nil {
				t.Fatalf("Discover = %+v, want an error", got)
			}
			if r := failure.ReasonOf(err); r != failure.ReasonDiscovery {
				t.Errorf("reason = %q, want %q (%v)", r, failure.ReasonDiscovery, err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q\ndoes not contain %q", err, tt.want)
			}
		})
	}
	if _, err := Discover(context.Background(), nil, nil, Options{}); failure.ReasonOf(err) != failure.ReasonDiscovery {
		t.Errorf("nil target: %v", err)
	}
}
