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

package fakemcp

import (
	"bufio"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// post sends one JSON-RPC message and returns the status, the session
// header and the body.
func post(t *testing.T, url, session, body string) (int, string, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if session != "" {
		req.Header.Set("Mcp-Session-Id", session)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("Mcp-Session-Id"), string(b)
}

func TestDefaults(t *testing.T) {
	f := New()
	url := f.Start(t)
	if status, _, _ := post(t, url, "", `{"jsonrpc":"2.0","id":1,"method":"server/discover"}`); status != http.StatusBadRequest {
		t.Errorf("server/discover: %d, want 400", status)
	}
	status, session, body := post(t, url, "", `{"jsonrpc":"2.0","id":2,"method":"initialize","params":{"protocolVersion":"2025-06-18"}}`)
	if status != http.StatusOK || session != DefaultSession || !strings.Contains(body, `"protocolVersion":"2025-06-18"`) {
		t.Errorf("initialize: %d %q %s", status, session, body)
	}
	if status, _, _ := post(t, url, session, `{"jsonrpc":"2.0","method":"notifications/initialized"}`); status != http.StatusAccepted {
		t.Errorf("notification: %d, want 202", status)
	}
	if _, _, body := post(t, url, session, `{"jsonrpc":"2.0","id":3,"method":"tools/list"}`); body != Result(json.RawMessage("3"), `{"tools":[`+EchoTool+`]}`) {
		t.Errorf("tools/list: %s", body)
	}
	if got := f.Requests(""); got != 4 {
		t.Errorf("%d requests counted, want 4", got)
	}
	if r, ok := f.LastSeen("initialize"); !ok || r.Msg.Param("protocolVersion") != "2025-06-18" || r.Header.Get("Content-Type") != "application/json" {
		t.Errorf("LastSeen(initialize) = %+v, %v", r, ok)
	}
}

func TestStatelessPagedSSE(t *testing.T) {
	f := New()
	f.Stateless, f.SSE, f.PageSize, f.Tools = true, true, 2, ToolList(5)
	url := f.Start(t)
	_, _, body := post(t, url, "", `{"jsonrpc":"2.0","id":1,"method":"server/discover"}`)
	if !strings.HasPrefix(body, "event: message\ndata: ") || !strings.Contains(body, `"supportedVersions":["2026-07-28"]`) {
		t.Errorf("server/discover: %q", body)
	}
	var names []string
	cursor := ""
	for range 5 {
		params := `{}`
		if cursor != "" {
			params = `{"cursor":"` + cursor + `"}`
		}
		_, _, body := post(t, url, "", `{"jsonrpc":"2.0","id":2,"method":"tools/list","params":`+params+`}`)
		var msg struct {
			Result struct {
				Tools      []struct{ Name string }
				NextCursor string
			}
		}
		if err := json.Unmarshal([]byte(strings.TrimSpace(strings.TrimPrefix(body, "event: message\ndata: "))), &msg); err != nil {
			t.Fatalf("tools/list: %v: %q", err, body)
		}
		for _, tool := range msg.Result.Tools {
			names = append(names, tool.Name)
		}
		if cursor = msg.Result.NextCursor; cursor == "" {
			break
		}
	}
	if strings.Join(names, ",") != "echo,echo_1,echo_2,echo_3,echo_4" {
		t.Errorf("paged tools: %v", names)
	}
}

func TestDelayAnswersLate(t *testing.T) {
	f := New()
	f.Delay = 100 * time.Millisecond
	url := f.Start(t)
	start := time.Now()
	if status, _, _ := post(t, url, "", `{"jsonrpc":"2.0","id":1,"method":"initialize"}`); status != http.StatusOK {
		t.Errorf("initialize: %d", status)
	}
	if d := time.Since(start); d < f.Delay {
		t.Errorf("answered after %v, before the delay", d)
	}
}

func TestLegacy(t *testing.T) {
	f := NewLegacy()
	url := f.Start(t)
	if status, _, _ := post(t, url, "", `{"jsonrpc":"2.0","id":1,"method":"initialize"}`); status != http.StatusMethodNotAllowed {
		t.Errorf("POST to the target: %d, want 405", status)
	}
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	r := bufio.NewReader(resp.Body)
	event := func() string {
		var b strings.Builder
		for {
			line, err := r.ReadString('\n')
			if err != nil {
				t.Fatalf("reading the stream: %v", err)
			}
			if line == "\n" {
				return b.String()
			}
			b.WriteString(line)
		}
	}
	ev := event()
	endpoint, ok := strings.CutPrefix(ev, "event: endpoint\ndata: ")
	if !ok {
		t.Fatalf("first event %q", ev)
	}
	base := strings.TrimSuffix(url, LegacyTargetPath)
	if status, _, _ := post(t, base+strings.TrimSpace(endpoint), "", `{"jsonrpc":"2.0","id":7,"method":"initialize","params":{"protocolVersion":"2024-11-05"}}`); status != http.StatusAccepted {
		t.Errorf("POST to the endpoint: %d, want 202", status)
	}
	if ev := event(); !strings.Contains(ev, `"id":7`) || !strings.Contains(ev, `"protocolVersion":"2024-11-05"`) {
		t.Errorf("response event %q", ev)
	}
	if n := f.Requests("POST target"); n != 1 {
		t.Errorf("%d POSTs to the target counted, want 1", n)
	}
}
