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

package mcpwire

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mcp-exporter/mcp_exporter/internal/failure"
	"github.com/mcp-exporter/mcp_exporter/internal/protocol"
)

// jsonOfSize returns a JSON-RPC response to id 1 of exactly n bytes.
func jsonOfSize(t *testing.T, n int) string {
	t.Helper()
	const head, tail = `{"jsonrpc":"2.0","id":1,"result":{"p":"`, `"}}`
	pad := n - len(head) - len(tail)
	if pad < 0 {
		t.Fatalf("size %d too small", n)
	}
	return head + strings.Repeat("x", pad) + tail
}

// TestClientMessageLimit checks MaxMessageBytes on every path an answer
// takes: a JSON body, an SSE event carrying the response, and an SSE event
// the client would have skipped.
func TestClientMessageLimit(t *testing.T) {
	const limit = 1024
	for _, tc := range []struct {
		name        string
		contentType string
		status      int
		body        func(t *testing.T) string
		want        failure.Reason // "" for success
	}{
		{
			name: "JSON of exactly the limit", contentType: "application/json",
			body: func(t *testing.T) string { return jsonOfSize(t, limit) },
		},
		{
			name: "JSON one byte over the limit", contentType: "application/json",
			body: func(t *testing.T) string { return jsonOfSize(t, limit+1) },
			want: failure.ReasonResponseTooLarge,
		},
		{
			name: "SSE response of exactly the limit", contentType: "text/event-stream",
			body: func(t *testing.T) string { return "event: message\ndata: " + jsonOfSize(t, limit) + "\n\n" },
		},
		{
			name: "SSE response far over the limit", contentType: "text/event-stream",
			body: func(t *testing.T) string { return "data: " + jsonOfSize(t, 2*limit) + "\n\n" },
			want: failure.ReasonResponseTooLarge,
		},
		{
			name: "SSE response over the limit in many data lines", contentType: "text/event-stream",
			body: func(t *testing.T) string {
				return "data: {\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"p\":[\n" +
					strings.Repeat("data: 1,\n", limit) + "data: 1]}}\n\n"
			},
			want: failure.ReasonResponseTooLarge,
		},
		{
			name: "oversized event of another name before the response", contentType: "text/event-stream",
			body: func(t *testing.T) string {
				return "event: noise\ndata: " + strings.Repeat("y", 2*limit) + "\n\ndata: " + jsonOfSize(t, 100) + "\n\n"
			},
			want: failure.ReasonResponseTooLarge,
		},
		{
			name: "oversized body of an error status is not read, only classified", contentType: "application/json",
			status: http.StatusBadGateway,
			body:   func(t *testing.T) string { return jsonOfSize(t, 4*limit) },
			want:   failure.ReasonHTTPStatus,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			body := tc.body(t)
			ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				_, _ = io.Copy(io.Discard, r.Body)
				w.Header().Set("Content-Type", tc.contentType)
				if tc.status != 0 {
					w.WriteHeader(tc.status)
				}
				_, _ = io.WriteString(w, body)
			}))
			defer ts.Close()
			c := &Client{HTTP: ts.Client(), Endpoint: ts.URL, MaxMessageBytes: limit}
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()

			raw, err := c.call(ctx, "ping", nil)
			if tc.want == "" {
				if err != nil {
					t.Fatalf("call: %v", err)
				}
				var r struct{ P string }
				if json.Unmarshal(raw, &r) != nil || r.P == "" {
					t.Errorf("result %.60q… not the padded object", raw)
				}
				return
			}
			var e *failure.Error
			if !errors.As(err, &e) {
				t.Fatalf("err = %v, want a classified %s", err, tc.want)
			}
			if e.Reason != tc.want {
				t.Errorf("reason = %s (%v), want %s", e.Reason, err, tc.want)
			}
			wantStatus := tc.status
			if wantStatus == 0 {
				wantStatus = http.StatusOK
			}
			if e.Status != wantStatus {
				t.Errorf("status = %d, want %d", e.Status, wantStatus)
			}
			if strings.Contains(err.Error(), "xxxx") || strings.Contains(err.Error(), "yyyy") {
				t.Errorf("error quotes the server's bytes: %.100s", err)
			}
		})
	}
}

// TestHandshakeTooLargeDiscoverIsFinal: an oversized server/discover answer
// would be as large for initialize; the client does not fall back.
func TestHandshakeTooLargeDiscoverIsFinal(t *testing.T) {
	var initialize atomic.Int32
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		if strings.Contains(string(b), `"initialize"`) {
			initialize.Add(1)
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, jsonOfSize(t, 4096))
	}))
	defer ts.Close()
	c := &Client{HTTP: ts.Client(), Endpoint: ts.URL, MaxMessageBytes: 1024}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, err := c.Handshake(ctx, &HandshakeOptions{Accept: []string{protocol.Version20260728, "2025-11-25"}})
	if got := failure.ReasonOf(err); got != failure.ReasonResponseTooLarge {
		t.Errorf("reason = %q (%v), want %s", got, err, failure.ReasonResponseTooLarge)
	}
	if n := initialize.Load(); n != 0 {
		t.Errorf("initialize sent %d times after an oversized discover answer", n)
	}
}
