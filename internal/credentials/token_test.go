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

// Unit tests of the token source's bounds (the attacks are in token_test.go).

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	promconfig "github.com/prometheus/common/config"
)

// tokenRT answers every token request with status and body.
type tokenRT struct {
	status int
	body   string
}

func (rt tokenRT) RoundTrip(req *http.Request) (*http.Response, error) {
	return &http.Response{StatusCode: rt.status, Header: http.Header{"Content-Type": {"application/json"}},
		Body: io.NopCloser(strings.NewReader(rt.body)), Request: req}, nil
}

func newTestTokenSource(rt http.RoundTripper) *Source {
	s := newTokenSource(&promconfig.OAuth2{ClientID: "c", ClientSecret: "s", TokenURL: "http://idp.invalid/token"}, "test")
	s.transport = func() (http.RoundTripper, error) { return rt, nil }
	return s
}

// The back-off doubles from 1s and stops at a minute.
func TestTokenBackoffBounds(t *testing.T) {
	t.Parallel()
	s := newTestTokenSource(tokenRT{http.StatusInternalServerError, `{}`})
	for i, want := range []time.Duration{1, 2, 4, 8, 16, 32, 60, 60, 60, 60, 60} {
		s.mu.Lock()
		s.retryAt = time.Time{} // as if the back-off were over
		s.mu.Unlock()
		if _, err := s.token(context.Background(), true); err == nil {
			t.Fatal("a token from a failing endpoint")
		}
		s.mu.Lock()
		got := time.Until(s.retryAt)
		s.mu.Unlock()
		if want *= time.Second; got > want || got < want-time.Second/2 {
			t.Errorf("failure %d: back-off %s, want %s", i+1, got, want)
		}
	}
}

// How long a token is used, by what the endpoint says of its lifetime.
func TestTokenLifetime(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		expiresIn   string
		lifetime    time.Duration
		usedFor     time.Duration
		givenByPeer bool
	}{
		{`3600`, time.Hour, time.Hour - 10*time.Second, true},
		{`"3600"`, time.Hour, time.Hour - 10*time.Second, true},
		{`4`, 4 * time.Second, 2 * time.Second, true},
		{`0`, 5 * time.Minute, 5*time.Minute - 10*time.Second, false},
		{`-7`, 5 * time.Minute, 5*time.Minute - 10*time.Second, false},
		{`null`, 5 * time.Minute, 5*time.Minute - 10*time.Second, false},
		{`99999999999`, 24 * time.Hour, 24*time.Hour - 10*time.Second, true},
	} {
		s := newTestTokenSource(tokenRT{http.StatusOK, `{"access_token":"a","token_type":"Bearer","expires_in":` + tc.expiresIn + `}`})
		g, err := s.token(context.Background(), true)
		if err != nil {
			t.Fatalf("expires_in %s: %v", tc.expiresIn, err)
		}
		if !g.FetchedThisProbe() || g.lifetimeGiven != tc.givenByPeer {
			t.Errorf("expires_in %s: fetched %v, lifetime given %v", tc.expiresIn, g.FetchedThisProbe(), g.lifetimeGiven)
		}
		if got := g.Expiry().Sub(g.FetchedAt()); got != tc.lifetime {
			t.Errorf("expires_in %s: lifetime %s, want %s", tc.expiresIn, got, tc.lifetime)
		}
		if got := g.refreshAt.Sub(g.FetchedAt()); got != tc.usedFor {
			t.Errorf("expires_in %s: used for %s, want %s", tc.expiresIn, got, tc.usedFor)
		}
		if again, err := s.token(context.Background(), false); err != nil || again.FetchedThisProbe() || again.value != "a" {
			t.Errorf("expires_in %s: the second use is not the cached token: %v", tc.expiresIn, err)
		}
	}
}
