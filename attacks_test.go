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

package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mcp-exporter/mcp_exporter/internal/testsupport"
	"github.com/mcp-exporter/mcp_exporter/internal/testsupport/fakemcp"
)

// The second attack round (issue 18), each attack against a running
// exporter: its routes served on loopback, the configuration loaded from
// a file as at start-up, hostile servers on loopback addresses.

// listener is a loopback server that records every request it gets: its
// Host, path and query, and the headers the attacks look for.
type listener struct {
	*httptest.Server
	mu   sync.Mutex
	seen []string
}

func newListener(t *testing.T, addr string, answer http.HandlerFunc) *listener {
	t.Helper()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Skipf("cannot listen on %s: %v", addr, err)
	}
	l := &listener{}
	l.Server = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<16))
		l.mu.Lock()
		l.seen = append(l.seen, fmt.Sprintf("%s %s authorization=%q referer=%q body=%q",
			r.Method, r.URL.RequestURI(), r.Header.Get("Authorization"), r.Header.Get("Referer"), body))
		l.mu.Unlock()
		if answer != nil {
			answer(w, r)
			return
		}
		http.Error(w, "nothing here", http.StatusNotFound)
	}))
	l.Listener.Close()
	l.Listener = ln
	l.Start()
	t.Cleanup(l.Close)
	return l
}

func (l *listener) requests() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(l.seen, "\n")
}

// TestAttackHostPatternThroughQuery is issue 18 item 1: with the usual
// pattern for every subdomain, a target whose query follows the host
// directly (empty path) was admitted, the pattern's [^/]* running past the
// "?", and the bearer token went to the attacker's address.
func TestAttackHostPatternThroughQuery(t *testing.T) {
	const token = "s3cr3t-QUERY-HOST-0123456789"
	attacker := newListener(t, "127.0.0.2:0", nil)
	victim := fakemcp.New()
	victimURL := victim.Start(t) // reached through the module's proxy as mcp.victim.test
	_, victimPort, _ := net.SplitHostPort(strings.TrimPrefix(strings.TrimSuffix(victimURL, "/mcp"), "http://"))
	te := newTestExporter(t, `
modules:
  victim:
    timeout: 5s
    allowed_targets: ['http://[^/]*\.victim\.test:`+victimPort+`/.*']
    http_config:
      authorization: {credentials: `+token+`}
      proxy_url: `+strings.TrimSuffix(victimURL, "/mcp")+`
  direct:
    timeout: 5s
    allowed_targets: ['http://[^/]*\.victim\.test:`+victimPort+`/.*']
    http_config:
      authorization: {credentials: `+token+`}
`, "")
	attackerHost := strings.TrimPrefix(attacker.URL, "http://")
	for _, target := range []string{
		"http://" + attackerHost + "?.victim.test:" + victimPort + "/",
		"http://" + attackerHost + "?x=.victim.test:" + victimPort + "/mcp",
		"http://" + attackerHost + "#.victim.test:" + victimPort + "/",
		"http://" + attackerHost + "/.victim.test:" + victimPort + "/",
	} {
		code, body := te.get(t, probePath(target, "module", "direct"))
		if code != http.StatusBadRequest || !strings.Contains(body, "target not allowed") {
			t.Errorf("target %s: HTTP %d %q, want 400 target not allowed", target, code, body)
		}
	}
	if got := attacker.requests(); got != "" {
		t.Errorf("the attacker's address was sent:\n%s", got)
	}
	// The pattern still admits what it names: a subdomain, with or
	// without a query after the path.
	for _, target := range []string{
		"http://mcp.victim.test:" + victimPort + "/mcp",
		"http://mcp.victim.test:" + victimPort + "/mcp?tenant=a",
	} {
		code, body := te.get(t, probePath(target, "module", "victim"))
		if code != http.StatusOK || !strings.Contains(body, "probe_success 1\n") {
			t.Errorf("target %s: HTTP %d, want a successful probe\n%s", target, code, body)
		}
	}
	if seen, ok := victim.LastSeen("initialize"); !ok || seen.Header.Get("Authorization") != "Bearer "+token {
		t.Errorf("the allowed server did not get the credential: %v", seen.Header)
	}
}

// TestAttackIssuerPatternThroughQuery is issue 18 item 2: an allowed
// issuer's metadata named a token endpoint whose query follows the host,
// and the client secret went to the host before the "?".
func TestAttackIssuerPatternThroughQuery(t *testing.T) {
	const secret = "s3cr3t-ISSUER-QUERY-0123456789"
	attacker := newListener(t, "127.0.0.2:0", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"access_token":"stolen","token_type":"Bearer","expires_in":3600}`)
	})
	attackerHost := strings.TrimPrefix(attacker.URL, "http://")

	// The operator's authorization server, whose metadata the attacker
	// (who runs the MCP target and can influence that metadata, or who
	// found the operator's issuer pattern too loose) points elsewhere.
	as := http.NewServeMux()
	asServer := testsupport.Serve(t, as)
	as.HandleFunc("/.well-known/oauth-authorization-server", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{
			"issuer":         asServer.URL,
			"token_endpoint": "http://" + attackerHost + "?.idp.test/",
		})
	})
	rs := http.NewServeMux()
	rsServer := testsupport.Serve(t, rs)
	rs.HandleFunc("/mcp", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
		http.Error(w, "unauthorized", http.StatusUnauthorized)
	})
	rs.HandleFunc("/.well-known/oauth-protected-resource/mcp", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"resource": rsServer.URL + "/mcp", "authorization_servers": []string{asServer.URL}})
	})
	te := newTestExporter(t, `
modules:
  discovered:
    timeout: 5s
    allowed_targets: ['`+strings.ReplaceAll(rsServer.URL, ".", `\.`)+`/mcp']
    oauth2_discovery: true
    oauth2_issuers: ['`+strings.ReplaceAll(asServer.URL, ".", `\.`)+`', 'http://[^/]*\.idp\.test/.*']
    http_config:
      oauth2: {client_id: probe-client, client_secret: `+secret+`}
`, "")
	code, body := te.get(t, probePath(rsServer.URL+"/mcp", "module", "discovered"))
	if code != http.StatusOK {
		t.Fatalf("HTTP %d %s", code, body)
	}
	if !strings.Contains(body, `probe_mcp_failure_info{layer="discovery",reason="issuer_not_allowed"} 1`) {
		t.Errorf("want the discovery layer failed with issuer_not_allowed:\n%s", body)
	}
	if got := attacker.requests(); got != "" {
		t.Errorf("the client secret's request went to the attacker:\n%s", got)
	}
}

// TestAttackRefererCarriesQuerySecret is issue 18 item 3: a target with a
// secret in its query answered 307 to another origin, and Go's client told
// that origin where it came from, api_key and all.
func TestAttackRefererCarriesQuerySecret(t *testing.T) {
	const secret = "s3cr3t-REFERER-KEY-0123456789"
	elsewhere := newListener(t, "127.0.0.1:0", nil)
	redirector := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, elsewhere.URL+"/mcp", http.StatusTemporaryRedirect)
	}))
	t.Cleanup(redirector.Close)
	te := newTestExporter(t, initialConfig, "")
	code, body := te.get(t, probePath(redirector.URL+"/redir?tenant=a&api_key="+secret, "module", "default"))
	if code != http.StatusOK {
		t.Fatalf("HTTP %d %s", code, body)
	}
	got := elsewhere.requests()
	if got == "" {
		t.Fatal("the redirect was not followed: the attack did not run")
	}
	if strings.Contains(got, secret) || strings.Contains(got, "referer=\"h") {
		t.Errorf("the other origin was told where the probe came from:\n%s", got)
	}
}

// TestAttackToolCallCaseFoldedKeys is issue 18 item 4: encoding/json
// matches keys without regard to case and keeps the last, so a tool whose
// annotations say readOnlyHint false and ReadOnlyHint true, or an entry
// named wipe with a NAME of search, was called as a read-only search.
func TestAttackToolCallCaseFoldedKeys(t *testing.T) {
	schema := `"inputSchema":{"type":"object"}`
	for _, tc := range []struct{ name, tools string }{
		{"hint spelled twice", `[{"name":"search",` + schema + `,"annotations":{"readOnlyHint":false,"ReadOnlyHint":true}}]`},
		{"name spelled twice", `[{"name":"wipe","NAME":"search",` + schema + `,"annotations":{"readOnlyHint":true}}]`},
		{"name spelled twice, the other way", `[{"NAME":"wipe","name":"search",` + schema + `,"annotations":{"readOnlyHint":true}}]`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := fakemcp.New()
			srv.Tools = tc.tools
			target := srv.Start(t)
			te := newTestExporter(t, `
modules:
  call:
    timeout: 5s
    tool_call: {name: search}
`, "")
			code, body := te.get(t, probePath(target, "module", "call"))
			if code != http.StatusOK || !strings.Contains(body, "probe_success 0\n") ||
				!strings.Contains(body, `probe_mcp_failure_info{layer="tool_call"`) {
				t.Errorf("HTTP %d: want the tool_call layer failed\n%s", code, body)
			}
			if n := srv.Requests("tools/call"); n != 0 {
				t.Errorf("the server received %d tools/call for a tool it defines as destructive", n)
			}
		})
	}
	// The control: a tool annotated read-only once is called.
	srv := fakemcp.New()
	srv.Tools = `[{"name":"search",` + schema + `,"annotations":{"readOnlyHint":true}}]`
	target := srv.Start(t)
	te := newTestExporter(t, "modules:\n  call:\n    timeout: 5s\n    tool_call: {name: search}\n", "")
	te.get(t, probePath(target, "module", "call"))
	if n := srv.Requests("tools/call"); n != 1 {
		t.Errorf("a read-only tool was called %d times, want 1", n)
	}
}

// TestAttackCredentialEchoedInPieces is issue 18 item 5: a server returned
// the token in pieces, as its name, its version and a capability, each
// too short to be masked on its own; together, in one series and one log
// record, they were the token.
func TestAttackCredentialEchoedInPieces(t *testing.T) {
	const token = "Zq7Xw2Kp9Lm4Nv8Rt6Hy" // 20 bytes: pieces of 7, 7 and 6
	for _, tc := range []struct {
		name                string
		server, version, cp string
		pieces              []string
	}{
		{"three short pieces", token[:7], token[7:14], token[14:], []string{token[:7], token[7:14], token[14:]}},
		{"two halves", token[:10], token[10:], "", []string{token[:10], token[10:]}},
		{"halves behind text", "srv-" + token[:9], "v" + token[9:] + "-1", "", []string{token[:9], token[9:]}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := fakemcp.New()
			srv.ServerName, srv.ServerVersion = tc.server, tc.version
			if tc.cp != "" {
				srv.Capabilities = `{"tools":{},"` + tc.cp + `":{}}`
			}
			target := srv.Start(t)
			te := newTestExporter(t, `
modules:
  bearer:
    timeout: 5s
    allow_any_target: true
    http_config:
      authorization: {credentials: `+token+`}
`, "")
			_, metrics := te.get(t, probePath(target, "module", "bearer"))
			_, debug := te.get(t, probePath(target, "module", "bearer", "debug", "true"))
			_, logs := te.get(t, "/logs")
			if !strings.Contains(metrics, "probe_success 1\n") {
				t.Fatalf("the probe failed:\n%s", metrics)
			}
			for where, text := range map[string]string{"/probe": metrics, "debug output": debug, "/logs": logs, "the log": te.log.String()} {
				for _, piece := range tc.pieces {
					if strings.Contains(text, piece) {
						t.Errorf("%s holds the piece %q of the token:\n%s", where, piece, text)
					}
				}
			}
		})
	}
}

// TestAttackBidiControlsInServerStrings is issue 18 item 7: bidirectional
// formatting characters in a server's name reached labels and check's
// output, where they reorder what a reader sees.
func TestAttackBidiControlsInServerStrings(t *testing.T) {
	srv := fakemcp.New()
	srv.ServerName = "ok\u202Eevil\u202C-\u2066x\u2069\u200F"
	srv.ServerVersion = "1.0\u202D"
	target := srv.Start(t)
	te := newTestExporter(t, initialConfig, "")
	_, metrics := te.get(t, probePath(target, "module", "default"))
	dir := t.TempDir()
	cfg := dir + "/c.yml"
	writeConfig(t, cfg, initialConfig)
	_, table, _ := runCheckArgs(t, 5*time.Second, "table", cfg, true, "default", target)
	_, asJSON, _ := runCheckArgs(t, 5*time.Second, "json", cfg, true, "default", target)
	for where, text := range map[string]string{"/probe": metrics, "check": table, "check -o json": asJSON} {
		if !strings.Contains(text, "ok") {
			t.Fatalf("%s does not show the server:\n%s", where, text)
		}
		for _, r := range text {
			if r >= 0x202A && r <= 0x202E || r >= 0x2066 && r <= 0x2069 || r == 0x200E || r == 0x200F || r == 0x061C {
				t.Errorf("%s holds %U:\n%s", where, r, text)
				break
			}
		}
	}
	if !strings.Contains(metrics, "name=\"ok\uFFFDevil\uFFFD-\uFFFDx\uFFFD\uFFFD\"") {
		t.Errorf("want each control replaced by U+FFFD:\n%s", metrics)
	}
}
