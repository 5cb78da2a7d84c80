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
	"net/http"
	"strings"
	"testing"
)

// Which answers are a resource server's use_dpop_nonce challenge, and
// which nonces are taken.
func TestDPoPNonceChallenge(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name      string
		status    int
		challenge []string
		nonce     string
		want      bool
	}{
		{"plain", 401, []string{`DPoP error="use_dpop_nonce", error_description="Resource server requires nonce in DPoP proof"`}, "n-1", true},
		{"after a Bearer challenge", 401, []string{`Bearer realm="x", DPoP algs="ES256", error="use_dpop_nonce"`}, "n-1", true},
		{"separate header values", 401, []string{`Bearer error="invalid_token"`, `dpop error=use_dpop_nonce`}, "n-1", true},
		{"the Bearer challenge's error", 401, []string{`Bearer error="use_dpop_nonce", DPoP algs="ES256"`}, "n-1", false},
		{"a quoted comma does not start a challenge", 401, []string{`Bearer error_description="x, DPoP error=use_dpop_nonce"`}, "n-1", false},
		{"another error", 401, []string{`DPoP error="invalid_token"`}, "n-1", false},
		{"no nonce", 401, []string{`DPoP error="use_dpop_nonce"`}, "", false},
		{"a nonce with a space", 401, []string{`DPoP error="use_dpop_nonce"`}, "a b", false},
		{"a nonce with a quote", 401, []string{`DPoP error="use_dpop_nonce"`}, `a"b`, false},
		{"a nonce too long", 401, []string{`DPoP error="use_dpop_nonce"`}, strings.Repeat("n", maxDPoPNonceBytes+1), false},
		{"not a 401", 403, []string{`DPoP error="use_dpop_nonce"`}, "n-1", false},
	} {
		h := http.Header{}
		for _, c := range tc.challenge {
			h.Add("WWW-Authenticate", c)
		}
		if tc.nonce != "" {
			h.Set("DPoP-Nonce", tc.nonce)
		}
		nonce, asked := dpopNonceChallenge(&http.Response{StatusCode: tc.status, Header: h})
		if asked != tc.want || asked && nonce != tc.nonce {
			t.Errorf("%s: asked %v nonce %q, want %v", tc.name, asked, nonce, tc.want)
		}
	}
}

// A token_type of DPoP is taken only when the request carried a proof.
func TestDPoPTokenType(t *testing.T) {
	t.Parallel()
	body := []byte(`{"access_token":"a","token_type":"DPoP","expires_in":60}`)
	if tr, err := parseTokenResponse("application/json", body, true); err != nil || !tr.dpop {
		t.Errorf("with a proof: %+v %v", tr, err)
	}
	if _, err := parseTokenResponse("application/json", body, false); err == nil {
		t.Error("a DPoP token taken without a proof")
	}
	if tr, err := parseTokenResponse("application/json", []byte(`{"access_token":"a","token_type":"bearer"}`), true); err != nil || tr.dpop {
		t.Errorf("Bearer with a proof: %+v %v", tr, err)
	}
	if _, err := parseTokenResponse("application/json", []byte(`{"access_token":"a","token_type":"MAC"}`), true); err == nil {
		t.Error("token_type MAC taken")
	}
}
