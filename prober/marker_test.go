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
	"net/http"
	"testing"
)

// sentRequest is a round tripper that keeps the request it is given.
type sentRequest struct{ req *http.Request }

func (s *sentRequest) RoundTrip(req *http.Request) (*http.Response, error) {
	s.req = req
	return &http.Response{StatusCode: http.StatusNoContent, Body: http.NoBody, Request: req}, nil
}

// TestMarkerPassesMarkedRequests checks the marker's two ways: a request
// the wire client marked goes on as it is, and any other (a discovery GET,
// a redirect hop whose header net/http copied, one with a Referer) is
// copied with the marks set, the request itself left as it was.
func TestMarkerPassesMarkedRequests(t *testing.T) {
	var pt probeTrace
	pt.init(NewTraceID())
	newReq := func() *http.Request {
		req, err := http.NewRequest(http.MethodPost, "http://127.0.0.1:1/mcp", http.NoBody)
		if err != nil {
			t.Fatal(err)
		}
		return req
	}
	checkMarks := func(name string, h http.Header) {
		t.Helper()
		if h.Get(ProbeMarkerHeader) != "1" || h.Get("User-Agent") != probeUserAgent() || len(h.Values(traceparentHeader)) != 1 || h.Get("Referer") != "" {
			t.Errorf("%s: sent headers %v, want the marker, the User-Agent, one traceparent and no Referer", name, h)
		}
	}

	next := &sentRequest{}
	m := markProbeRequests(next, &pt, nil)

	marked := newReq()
	m.mark(marked.Header)
	if _, err := m.RoundTrip(marked); err != nil {
		t.Fatal(err)
	}
	if next.req != marked {
		t.Error("a request the wire client marked was copied")
	}
	checkMarks("marked", next.req.Header)

	for name, prepare := range map[string]func(*http.Request){
		"unmarked": func(*http.Request) {},
		"copied header": func(r *http.Request) {
			m.mark(r.Header)
			r.Header = r.Header.Clone()
		},
		"referer": func(r *http.Request) {
			m.mark(r.Header)
			r.Header.Set("Referer", "http://127.0.0.1:1/mcp?api_key=secret")
		},
		"no traceparent": func(r *http.Request) {
			m.mark(r.Header)
			r.Header.Del(traceparentHeader)
		},
	} {
		req := newReq()
		prepare(req)
		before := req.Header.Clone()
		if _, err := m.RoundTrip(req); err != nil {
			t.Fatal(err)
		}
		if next.req == req {
			t.Errorf("%s: the request was sent as it was, not a marked copy", name)
		}
		checkMarks(name, next.req.Header)
		if len(req.Header) != len(before) || req.Header.Get("Referer") != before.Get("Referer") {
			t.Errorf("%s: the marker changed the request it was given: %v, was %v", name, req.Header, before)
		}
	}
}
