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
	"encoding/base64"
	"testing"
)

// testJWT is an unsigned JWT whose payload is claims.
func testJWT(claims string) string {
	enc := base64.RawURLEncoding.EncodeToString
	return enc([]byte(`{"alg":"none","typ":"JWT"}`)) + "." + enc([]byte(claims)) + "." + enc([]byte("sig"))
}

func TestJWTExpiry(t *testing.T) {
	for _, c := range []struct {
		token string
		want  int64 // 0: none
	}{
		{testJWT(`{"exp":1900000000}`), 1900000000},
		{testJWT(`{"exp":1900000000.7,"sub":"x"}`), 1900000000},
		{testJWT(`{"sub":"x"}`), 0},
		{testJWT(`{"exp":"1900000000"}`), 0},
		{testJWT(`{"exp":-1}`), 0},
		{testJWT(`{"exp":1e400}`), 0},
		{"opaque-token", 0},
		{"a.b.c.d.e", 0},
		{"a.!!!.c", 0},
		{"", 0},
	} {
		got, ok := jwtExpiry(c.token)
		if (c.want != 0) != ok || (ok && got.Unix() != c.want) {
			t.Errorf("jwtExpiry(%q) = %v, %v; want %d", c.token, got, ok, c.want)
		}
	}
}
