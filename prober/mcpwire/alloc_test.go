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
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"reflect"
	"strings"
	"testing"
)

// The header names set and read without canonicalizing are canonical.
func TestCanonicalHeaderKeys(t *testing.T) {
	for key, name := range map[string]string{
		keySessionID:       HeaderSessionID,
		keyProtocolVersion: HeaderProtocolVersion,
		keyMethod:          HeaderMethod,
		keyContentType:     "content-type",
		keyAccept:          "accept",
		keyAcceptEncoding:  "accept-encoding",
	} {
		if c := http.CanonicalHeaderKey(name); c != key {
			t.Errorf("canonical form of %q is %q, the code uses %q", name, c, key)
		}
	}
}

// newPost gives the request http.NewRequest gives for a bytes.Reader.
func TestNewPostLikeNewRequest(t *testing.T) {
	for _, body := range []string{`{"jsonrpc":"2.0","id":1,"method":"ping"}`, ""} {
		want, err := http.NewRequestWithContext(context.Background(), http.MethodPost, "http://h:1/mcp", bytes.NewReader([]byte(body)))
		if err != nil {
			t.Fatal(err)
		}
		got, err := newPost(context.Background(), "http://h:1/mcp", []byte(body))
		if err != nil {
			t.Fatal(err)
		}
		if got.ContentLength != want.ContentLength || got.URL.String() != want.URL.String() || got.Host != want.Host ||
			(got.Body == http.NoBody) != (want.Body == http.NoBody) || (got.GetBody == nil) != (want.GetBody == nil) {
			t.Fatalf("body %q: newPost %+v, NewRequest %+v", body, got, want)
		}
		for i := 0; i < 2; i++ {
			b, _ := io.ReadAll(got.Body)
			if string(b) != body || got.Body.Close() != nil {
				t.Fatalf("body %q read %q", body, b)
			}
			if got.Body, err = got.GetBody(); err != nil {
				t.Fatal(err)
			}
		}
	}
	if _, err := newPost(context.Background(), "http://h:1/\x7f", nil); err == nil {
		t.Fatal("newPost accepted a bad URL")
	}
}

// oldMediaTypeOf is mediaTypeOf before its fast path.
func oldMediaTypeOf(contentType string) string {
	if contentType == "" {
		return ""
	}
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		mt, _, _ = strings.Cut(contentType, ";")
	}
	return strings.ToLower(strings.TrimSpace(mt))
}

var mediaTypeSeeds = []string{
	"", "application/json", "text/event-stream", "Text/Event-Stream; charset=utf-8", " application/json ;",
	"application/json; charset", "application/json; a=b; a=c", "a/b/c", "/x", "x", ";", "text/html;;", "\tTEXT/PLAIN\t",
	"text/plain; title*=us-ascii'en-us'This%20is%20%2A%2A%2Afun%2A%2A%2A", "tExt/Ä", "application/json\x00", "(comment)",
}

func TestMediaTypeOfUnchanged(t *testing.T) {
	for _, s := range mediaTypeSeeds {
		if got, want := mediaTypeOf(s), oldMediaTypeOf(s); got != want {
			t.Errorf("mediaTypeOf(%q) = %q, was %q", s, got, want)
		}
	}
}

func FuzzMediaTypeOf(f *testing.F) {
	for _, s := range mediaTypeSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := mediaTypeOf(s), oldMediaTypeOf(s); got != want {
			t.Errorf("mediaTypeOf(%q) = %q, was %q", s, got, want)
		}
	})
}

var envelopeSeeds = []string{
	`{"jsonrpc":"2.0","id":1,"result":{"protocolVersion":"2025-11-25","capabilities":{},"serverInfo":{"name":"s","version":"1"}}}`,
	`{"jsonrpc":"2.0","id":1,"error":{"code":-32602,"message":"Unsupported protocol version","data":{"supported":["2025-06-18"]}}}`,
	`{"jsonrpc":"2.0","id":null,"error":{"code":-32000,"message":"Bad Request"}}`,
	`{"jsonrpc":"2.0","method":"notifications/message","params":{"level":"info","data":"hi"}}`,
	`{"jsonrpc":"2.0","id":"srv-1","method":"roots/list"}`,
	`{"jsonrpc":"1.0","id":1,"result":{}}`, `{"jsonrpc":"2.0","id":1,"result":{},"error":{"code":1}}`,
	`{"jsonrpc":"2.0","id":1,"error":null}`, `{"jsonrpc":"2.0","id":1,"result":null}`,
	`{"jsonrpc":"2.0","id":1.0,"result":{"tools":[]}}`, `{"jsonrpc":"2.0","jsonrpc":null,"id":1,"result":{}}`,
	`{"JSONRPC":"2.0","ID":7,"Result":[1,2],"Error":"x","METHOD":null}`, `{"jsonrpc":"2\u002e0","id":1,"result":{}}`,
	`{"json\u0072pc":"2.0","id":1,"result":{}}`, `{"jſonrpc":"2.0","id":1,"result":{}}`, `{"-":1,"rawresult":2,"jsonrpc":"2.0","id":1,"result":3}`,
	`{ "jsonrpc" : "2.0" , "id" : 1 , "result" : { "a" : [ 1 , "}" ] } }`, `{"jsonrpc":2,"id":1,"result":{}}`, `{"jsonrpc":"2.0","method":5}`,
	`{}`, `{"a":{}}`, `{"id":1}{}`, `{"id":1,}`, `null`, `"x"`, `{"status":"ok"}`, `<!doctype html>`, ``,
	"{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":\"\xff\"}",
}

// decodeEnvelope decodes what it takes as json.Unmarshal into a Message
// does.
func TestDecodeEnvelopeLikeUnmarshal(t *testing.T) {
	checkSeeds(t, envelopeSeeds, checkEnvelope)
	// The answers of the handshake and tools/list take the fast path.
	for _, s := range envelopeSeeds[:3] {
		if _, ok := decodeEnvelope([]byte(s)); !ok {
			t.Errorf("decodeEnvelope left %q to json.Unmarshal", s)
		}
	}
	if _, ok := decodeEnvelope([]byte(envelopeSeeds[11])); !ok {
		t.Errorf("decodeEnvelope left %q to json.Unmarshal", envelopeSeeds[11])
	}
}

func FuzzDecodeEnvelope(f *testing.F) {
	fuzzSeeds(f, envelopeSeeds, checkEnvelope)
}

func checkEnvelope(t *testing.T, b []byte) {
	in := bytes.Clone(b)
	got, ok := decodeEnvelope(b)
	if !bytes.Equal(in, b) {
		t.Fatalf("decodeEnvelope modified its input")
	}
	if !ok {
		return
	}
	want := Message{RawResult: sharedRaw{src: b}}
	if err := json.Unmarshal(b, &want); err != nil {
		t.Fatalf("%q: decodeEnvelope took what json.Unmarshal refuses: %v", b, err)
	}
	want.Result = want.RawResult.raw
	str := func(p *string) string {
		if p == nil {
			return "<nil>"
		}
		return *p
	}
	raw := func(r json.RawMessage) string {
		if r == nil {
			return "<nil>"
		}
		return string(r)
	}
	if str(got.JSONRPC) != str(want.JSONRPC) || str(got.Method) != str(want.Method) ||
		raw(got.ID) != raw(want.ID) || raw(got.Result) != raw(want.Result) || raw(got.Error) != raw(want.Error) {
		t.Fatalf("%q: decodeEnvelope gave jsonrpc %s method %s id %s result %s error %s; json.Unmarshal %s %s %s %s %s", b,
			str(got.JSONRPC), str(got.Method), raw(got.ID), raw(got.Result), raw(got.Error),
			str(want.JSONRPC), str(want.Method), raw(want.ID), raw(want.Result), raw(want.Error))
	}
}

var resultSeeds = []string{
	`{"protocolVersion":"2025-11-25","capabilities":{"logging":{},"tools":{"listChanged":true}},"serverInfo":{"name":"bench-mcp-server","version":"1.0.0"}}`,
	`{"tools":[{"name":"a","inputSchema":{"type":"object"}}],"nextCursor":"c2"}`,
	`{"tools":[],"nextCursor":null,"resultType":"complete","ttlMs":1000,"cacheScope":"public"}`,
	`{"PROTOCOLVERSION":"x","protocolVersion":null,"Capabilities":null,"capabilities":{"a":1},"capabilities":{"b":null,"a":2}}`,
	`{"serverInfo":{"name":"n"},"serverInfo":{"version":"v","name":null},"serverInfo":null}`,
	`{"serverInfo":{"name":"n","Name":"m","NAME":"\u006e"}}`, `{"serverInfo":{"name":5}}`, `{"serverInfo":[]}`,
	`{"supportedVersions":["2026-07-28"],"_meta":{"io.modelcontextprotocol/serverInfo":{"name":"x"}},"resultType":"complete","ttlMs":-1,"cacheScope":"private"}`,
	`{"supportedVersions":null,"_meta":null,"resultType":null,"ttlMs":null,"cacheScope":null}`,
	`{"protocolVersion":"2025-06-18","capabilities":{"tools":{}},"serverInfo":{"name":"ſ","version":"1"}}`,
	`{"protocolVersion":"2025-06-18","capabilities":{"tööls":{}},"serverInfo":{"name":"a","version":"1"}}`,
	`{"tools":{"not":"array"}}`, `{"tools":null}`, `{"Tools":[1],"tools":[2],"NEXTCURSOR":"x"}`, `{"tools":[],"nextCursor":5}`,
	`{"resources":[{"uri":"a"}],"nextCursor":"c"}`, `{"Prompts":[1],"prompts":{},"resources":null}`,
	`{"resultType":5}`, `{"cacheScope":"\u0070ublic"}`, `null`, `[]`, `"s"`, `{`, `{}`, `{"a":1}x`, ``,
}

// decodeServerResult and decodeListPage decode what they take as
// json.Unmarshal does.
func TestResultDecodersLikeUnmarshal(t *testing.T) {
	checkSeeds(t, resultSeeds, checkResultDecoders)
	var r serverResult
	if !decodeServerResult([]byte(resultSeeds[0]), &r) {
		t.Errorf("decodeServerResult left %q to json.Unmarshal", resultSeeds[0])
	}
}

func FuzzResultDecoders(f *testing.F) {
	fuzzSeeds(f, resultSeeds, checkResultDecoders)
}

func checkResultDecoders(t *testing.T, b []byte) {
	if !json.Valid(b) {
		return // they take a decoded message's result, valid JSON
	}
	in := bytes.Clone(b)
	var got serverResult
	if decodeServerResult(b, &got) {
		var want serverResult
		if err := json.Unmarshal(b, &want); err != nil {
			t.Fatalf("%q: decodeServerResult took what json.Unmarshal refuses: %v", b, err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("%q: decodeServerResult gave %s, json.Unmarshal %s", b, dump(got), dump(want))
		}
	}
	var page, want listResult
	err := decodeListPage(b, &page)
	want.Tools.src, want.Resources.src, want.Prompts.src = b, b, b
	werr := json.Unmarshal(b, &want)
	if (err == nil) != (werr == nil) {
		t.Fatalf("%q: decodeListPage: %v, json.Unmarshal: %v", b, err, werr)
	}
	if err == nil {
		page.Tools.src, page.Resources.src, page.Prompts.src = nil, nil, nil
		want.Tools.src, want.Resources.src, want.Prompts.src = nil, nil, nil
		if !reflect.DeepEqual(page, want) {
			t.Fatalf("%q: decodeListPage gave %s, json.Unmarshal %s", b, dump(page), dump(want))
		}
	}
	if !bytes.Equal(in, b) {
		t.Fatalf("the decoders modified their input")
	}
	for _, raw := range []json.RawMessage{b, nil, json.RawMessage("null")} {
		var want string
		werr := error(nil)
		if len(raw) > 0 && string(raw) != "null" {
			werr = json.Unmarshal(raw, &want)
		}
		if got, err := cursorOf(raw); got != want || (err == nil) != (werr == nil) {
			t.Fatalf("cursorOf(%q) = %q, %v; want %q, %v", raw, got, err, want, werr)
		}
	}
}

// checkSeeds runs check on each seed, the tests' share of a fuzz target.
func checkSeeds(t *testing.T, seeds []string, check func(*testing.T, []byte)) {
	t.Helper()
	for _, s := range seeds {
		check(t, []byte(s))
	}
}

// fuzzSeeds fuzzes check from the seeds.
func fuzzSeeds(f *testing.F, seeds []string, check func(*testing.T, []byte)) {
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Fuzz(check)
}

func dump(v any) string { return fmt.Sprintf("%#v", v) }

// The request bodies encoded by hand are json.Marshal's.
func TestRequestBodiesLikeMarshal(t *testing.T) {
	for _, s := range requestSeeds {
		checkRequestBodies(t, s, s, s)
	}
	checkRequestBodies(t, "mcp_exporter", "0.1.0", "2025-11-25")
}

var requestSeeds = []string{"", "a", "tools/list", "a\"b", `a\b`, "<", ">", "&", "\x7f", "\x00", "é", "\u2028", "\xff", "a b~"}

func FuzzRequestBodies(f *testing.F) {
	for _, s := range requestSeeds {
		f.Add(s, s, s)
	}
	f.Fuzz(checkRequestBodies)
}

func checkRequestBodies(t *testing.T, a, b, c string) {
	p := initializeParams{ClientInfo: Implementation{Name: a, Version: b}, ProtocolVersion: c}
	got, err := p.body(7)
	want, werr := json.Marshal(request{JSONRPC: "2.0", ID: 7, Method: "initialize", Params: p})
	if err != nil || werr != nil || !bytes.Equal(got, want) {
		t.Fatalf("initialize body %s, %v; json.Marshal %s, %v", got, err, want, werr)
	}
	if plainJSONString(a) {
		got := requestBody{method: a}.encode()
		want, _ := json.Marshal(request{JSONRPC: "2.0", Method: a})
		if !bytes.Equal(got, want) {
			t.Fatalf("notification %q: %s, json.Marshal %s", a, got, want)
		}
		type listParams struct {
			Meta   map[string]any `json:"_meta,omitempty"`
			Cursor string         `json:"cursor,omitempty"`
		}
		for _, method := range []string{"tools/list", "resources/list", "prompts/list"} {
			got = listBody(1<<40, method, a)
			want, _ = json.Marshal(request{JSONRPC: "2.0", ID: 1 << 40, Method: method, Params: listParams{Cursor: a}})
			if !bytes.Equal(got, want) {
				t.Fatalf("%s cursor %q: %s, json.Marshal %s", method, a, got, want)
			}
		}
	}
}
