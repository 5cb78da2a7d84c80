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

package sse

import (
	"io"
	"strings"
	"testing"
)

// TestReconnectState checks the last event ID and the reconnection time a
// client needs to resume a stream, after reading it to its end.
func TestReconnectState(t *testing.T) {
	tests := []struct {
		name      string
		in        string
		lastID    string
		retry     int64
		haveRetry bool
	}{
		{name: "none", in: "data: x\n\n"},
		{name: "priming event", in: "id: p1\nretry: 500\ndata:\n\n", lastID: "p1", retry: 500, haveRetry: true},
		{name: "id carries over", in: "id: 1\ndata: x\n\ndata: y\n\n", lastID: "1"},
		{name: "later id wins", in: "id: 1\ndata: x\n\nid: 2\ndata: y\n\n", lastID: "2"},
		{name: "empty id clears", in: "id: 1\ndata: x\n\nid\ndata: y\n\n", lastID: ""},
		{name: "id without data still counts at the blank line", in: "id: 9\n\n", lastID: "9"},
		{name: "id of an unfinished event does not count", in: "id: 1\ndata: x\n\nid: 2\ndata: y\n", lastID: "1"},
		{name: "id with NUL ignored", in: "id: 1\n\nid: a\x00b\n\n", lastID: "1"},
		{name: "retry not digits ignored", in: "retry: 1000\nretry: 5s\nretry: -1\nretry:\ndata: x\n\n", retry: 1000, haveRetry: true},
		{name: "retry without event applies", in: "retry: 250\n", retry: 250, haveRetry: true},
		{name: "retry saturates", in: "retry: 99999999999999999999999999999\n\n", retry: maxRetryMs, haveRetry: true},
		{name: "retry zero", in: "retry: 0\n\n", retry: 0, haveRetry: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := NewDecoder(strings.NewReader(tt.in), 0)
			for {
				if _, err := d.Next(); err != nil {
					if err != io.EOF {
						t.Fatal(err)
					}
					break
				}
			}
			if got := d.LastEventID(); got != tt.lastID {
				t.Errorf("LastEventID = %q, want %q", got, tt.lastID)
			}
			ms, ok := d.Retry()
			if ms != tt.retry || ok != tt.haveRetry {
				t.Errorf("Retry = %d, %v; want %d, %v", ms, ok, tt.retry, tt.haveRetry)
			}
		})
	}
}
