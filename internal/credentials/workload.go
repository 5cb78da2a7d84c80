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
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"

	"github.com/mcp-exporter/mcp_exporter/config"
)

// maxAssertionFileBytes bounds what is read of the platform's token file
// (a projected service account token is one or two KiB).
const maxAssertionFileBytes = 64 << 10

// workloadAssertion is the grant of workload identity federation (RFC 7523
// §2.1): the platform's JWT, read from its file for every token request,
// goes in the form as assertion, next to grant_type
// urn:ietf:params:oauth:grant-type:jwt-bearer. It is not client
// authentication (there is none: no secret, no Basic), but it lives as one
// does: read afresh, and named by a version, so that a token fetched with
// a platform token that has since been rotated is not used again. The
// assertion is never logged; NewSecrets masks it.
type workloadAssertion struct {
	file string
}

// readAssertion reads the platform's token: one JWT in compact form (RFC
// 7523 §2.1: "a single JWT"), surrounding space trimmed. Its errors never
// quote the file's content.
func readAssertion(file string) (string, error) {
	f, err := os.Open(file)
	if err != nil {
		return "", fmt.Errorf("unable to read the workload identity token: %w", err) // names the file, and why
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxAssertionFileBytes+1))
	if err != nil {
		return "", fmt.Errorf("unable to read the workload identity token %s: %w", file, err)
	}
	if len(b) > maxAssertionFileBytes {
		return "", fmt.Errorf("the workload identity token %s exceeds %d KiB", file, maxAssertionFileBytes>>10)
	}
	a := strings.TrimSpace(string(b))
	if a == "" {
		return "", fmt.Errorf("the workload identity token %s is empty", file)
	}
	if !compactJWT(a) {
		return "", fmt.Errorf("the workload identity token %s is not a JWT in compact form (base64url parts separated by dots)", file)
	}
	return a, nil
}

// compactJWT reports whether s has the shape of a compact JWS (three
// parts) or JWE (five): base64url characters and dots only.
func compactJWT(s string) bool {
	if n := strings.Count(s, ".") + 1; n != 3 && n != 5 {
		return false
	}
	return !strings.ContainsFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.' || r == '=')
	})
}

func assertionVersion(a string) string {
	sum := sha256.Sum256([]byte(a))
	return hex.EncodeToString(sum[:])
}

func (w *workloadAssertion) version(context.Context) (string, error) {
	a, err := readAssertion(w.file)
	if err != nil {
		return "", err
	}
	return assertionVersion(a), nil
}

func (w *workloadAssertion) authenticate(_ context.Context, form url.Values, _ http.Header) (string, error) {
	a, err := readAssertion(w.file)
	if err != nil {
		return "", err
	}
	form.Set("assertion", a)
	return assertionVersion(a), nil
}

// answered: the grant has no other form to try.
func (*workloadAssertion) answered(int) bool { return false }

// workloadIdentityExpiry is the exp claim of the module's platform token,
// read afresh: when the token the next fetch would present expires.
func workloadIdentityExpiry(m *config.Module) (Expiry, bool) {
	w := m.OAuth2WorkloadIdentity
	if w == nil {
		return Expiry{}, false
	}
	a, err := readAssertion(w.AssertionFile)
	if err != nil {
		return Expiry{}, false
	}
	exp, ok := jwtExpiry(a)
	return Expiry{Kind: KindWorkloadIdentity, Expiry: exp}, ok
}
