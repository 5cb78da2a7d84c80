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

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/mcp-exporter/mcp_exporter/internal/credentials"
)

// echoCredentials is what a hostile server received as credentials.
func echoCredentials(r *http.Request) string {
	var got []string
	for _, h := range []string{"Authorization", "X-API-Key"} {
		if v := r.Header.Get(h); v != "" {
			got = append(got, v)
		}
	}
	return strings.Join(got, " ")
}

// echoingServer is a fake MCP server that puts the credentials it received
// into every string it chooses: with revision false, its name, version and
// a capability name in the handshake, then a JSON-RPC error to tools/list;
// with revision true, the protocol revision it answers (which the exporter
// refuses and quotes, cut to 32 characters).
func echoingServer(t *testing.T, revision bool) (*mbFake, string) {
	f := mbNewFake()
	f.On["initialize"] = func(w http.ResponseWriter, r *http.Request, m mbRpcMsg) {
		echo := echoCredentials(r)
		version := m.Param("protocolVersion")
		if revision {
			version = echo
		}
		result, _ := json.Marshal(map[string]any{
			"protocolVersion": version,
			"capabilities":    map[string]any{"tools": map[string]any{}, echo: map[string]any{}, "x-" + echo: map[string]any{}},
			"serverInfo":      map[string]any{"name": echo, "version": "v1 " + echo},
		})
		w.Header().Set("Mcp-Session-Id", mbFakeSession)
		mbWriteJSON(w, http.StatusOK, mbRpcResult(m.ID, string(result)))
	}
	f.On["tools/list"] = func(w http.ResponseWriter, r *http.Request, m mbRpcMsg) {
		echo := echoCredentials(r)
		e, _ := json.Marshal(map[string]any{"code": -32603, "message": "not for " + echo, "data": map[string]any{"credential": echo}})
		mbWriteJSON(w, http.StatusOK, `{"jsonrpc":"2.0","id":`+string(m.ID)+`,"error":`+string(e)+`}`)
	}
	return f, f.Start(t)
}

// TestServerEchoingCredentials attacks with a server that echoes the
// credential it received into every string it chooses: the credential must
// not reach the /probe output, the debug output, /logs or the exporter's
// log, whichever way it was sent.
func TestServerEchoingCredentials(t *testing.T) {
	t.Parallel()
	const (
		bearer   = "s3cr3t-BEARER-0123456789abcdefghijklmnop"
		client   = "s3cr3t-CLIENT-98f00b"
		apiKey   = "s3cr3t-APIKEY-2e7d2c1f0e9d8c7b6a5f4e3d"
		password = "s3cr3t-PASSWD-9a0364"
	)
	ep := newAuthTokenEndpoint("probe-client", client, nil)
	ep.prefix = "s3cr3t-ACCESS-f00dfeedc0ffee"
	tokenURL := ep.serve(t)
	modules := authConfig(t, map[string]string{
		"bearer": "http_config:\n  authorization: {credentials: " + bearer + "}\nallow_any_target: true",
		"oauth2": fmt.Sprintf("http_config:\n  oauth2: {client_id: probe-client, client_secret: %s, token_url: %s}\nallow_any_target: true", client, tokenURL),
		"apikey": "http_config:\n  http_headers:\n    X-API-Key: {values: [" + apiKey + "]}\nallow_any_target: true",
		"basic":  "http_config:\n  basic_auth: {username: probe, password: " + password + "}\nallow_any_target: true",
	})
	f := newHandlerFixture(t, modules)
	f.h.History = NewHistory(100)

	var served []string
	for _, revision := range []bool{false, true} {
		fake, target := echoingServer(t, revision)
		for _, module := range []string{"bearer", "oauth2", "apikey", "basic"} {
			for _, debug := range []string{"false", "true"} {
				w := f.probe(t, url.Values{"module": {module}, "target": {target}, "debug": {debug}}, nil)
				body := w.Body.String()
				served = append(served, body)
				if !strings.Contains(body, "probe_success 0\n") {
					t.Errorf("module %s against the echoing server: want a failed probe\n%s", module, body)
				}
				if !revision && !strings.Contains(body, `probe_mcp_server_info{name="`+credentials.RedactedMask+`",version="v1 `+credentials.RedactedMask+`"} 1`) {
					t.Errorf("module %s: the echoed credential is not masked in probe_mcp_server_info:\n%s", module, body)
				}
			}
		}
		seen, ok := fake.LastSeen("initialize")
		if !ok || seen.Header.Get("Authorization") == "" {
			t.Fatal("the echoing server saw no credential")
		}
	}

	places := f.shown(t, served)
	if !strings.Contains(places["exporter log"], "server chose revision "+credentials.RedactedMask) {
		t.Errorf("the refused revision is not logged masked:\n%s", places["exporter log"])
	}
	_, issued, _, _ := ep.stats()
	if len(issued) == 0 {
		t.Fatal("no access token was issued")
	}
	secrets := append([]string{bearer, client, apiKey, password, base64.StdEncoding.EncodeToString([]byte("probe:" + password))}, issued...)
	for where, text := range places {
		for _, secret := range secrets {
			// Any 16 characters of a credential, so that a credential cut
			// short is caught too.
			for i := 0; i+16 <= len(secret); i++ {
				if strings.Contains(text, secret[i:i+16]) {
					t.Errorf("%s contains %q of %q", where, secret[i:i+16], secret)
					break
				}
			}
		}
	}
}

// TestDebugOutputHidesPlainCredentials: the module shown in the debug
// output hides http_headers values and oauth2 endpoint_params, which
// prometheus/common keeps as plain text.
func TestDebugOutputHidesPlainCredentials(t *testing.T) {
	t.Parallel()
	m := authModule(t, "http_config:\n  http_headers:\n    X-API-Key: {values: [s3cr3t-HEADER-VALUE]}\n"+
		"  oauth2: {client_id: c, client_secret: s3cr3t-CLIENT, token_url: 'https://tok.example/', endpoint_params: {api_key: s3cr3t-PARAM}}\n"+
		"allow_any_target: true")
	out := DebugOutput(m, "", nil, nil)
	for _, s := range []string{"s3cr3t-HEADER-VALUE", "s3cr3t-CLIENT", "s3cr3t-PARAM"} {
		if strings.Contains(out, s) {
			t.Errorf("debug output shows %q:\n%s", s, out)
		}
	}
	if !strings.Contains(out, "X-API-Key") || !strings.Contains(out, "api_key") {
		t.Errorf("debug output lost the names:\n%s", out)
	}
}
