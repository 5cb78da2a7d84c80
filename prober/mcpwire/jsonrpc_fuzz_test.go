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
	"encoding/json"
	"errors"
	"testing"

	"github.com/mcp-exporter/mcp_exporter/internal/failure"
)

// FuzzDecodeMessage: the JSON-RPC envelope of whatever a server sends is
// classified, never a panic; a message that is accepted is a JSON-RPC 2.0
// request, notification or response, and its error member, if any, is
// decoded or refused cleanly. Seeds are in testdata/fuzz/FuzzDecodeMessage
// as well as below.
func FuzzDecodeMessage(f *testing.F) {
	for _, s := range []string{
		`{"jsonrpc":"2.0","id":1,"result":{"protocolVersion":"2025-11-25","capabilities":{},"serverInfo":{"name":"s","version":"1"}}}`,
		`{"jsonrpc":"2.0","id":1,"error":{"code":-32602,"message":"Unsupported protocol version","data":{"supported":["2025-06-18"]}}}`,
		`{"jsonrpc":"2.0","id":null,"error":{"code":-32000,"message":"Bad Request: No valid session ID provided"}}`,
		`{"jsonrpc":"2.0","method":"notifications/message","params":{"level":"info","data":"hi"}}`,
		`{"jsonrpc":"2.0","id":"srv-1","method":"roots/list"}`,
		`[{"jsonrpc":"2.0","id":1,"result":{}}]`,
		`{"jsonrpc":"1.0","id":1,"result":{}}`,
		`{"jsonrpc":"2.0","id":1,"result":{},"error":{"code":1}}`,
		`{"jsonrpc":"2.0","id":1,"error":null}`,
		`{"jsonrpc":"2.0","id":1,"error":"boom"}`,
		`{"jsonrpc":"2.0","id":1,"result":null}`,
		`{"jsonrpc":"2.0","id":1.0,"result":{"tools":[]}}`,
		` {"jsonrpc":"2.0","id":1,"result":{}} `,
		`{"jsonrpc":"2.0","jsonrpc":"2.0","id":1,"result":{}}`,
		`{"status":"ok"}`,
		`<!doctype html>`,
		``,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		in := bytes.Clone(b)
		msg, err := decodeMessage(b)
		if !bytes.Equal(in, b) {
			t.Fatalf("decodeMessage modified its input")
		}
		if err != nil {
			if msg != nil {
				t.Fatalf("error %v with a message", err)
			}
			switch r := failure.ReasonOf(err); r {
			case failure.ReasonMalformedJSONRPC, failure.ReasonProtocolViolation:
			default:
				t.Fatalf("error %v has reason %q, want malformed_jsonrpc or protocol_violation", err, r)
			}
			return
		}
		if msg.JSONRPC == nil || *msg.JSONRPC != "2.0" {
			t.Fatalf("accepted a message without \"jsonrpc\": \"2.0\": %q", b)
		}
		if msg.isResponse() {
			if msg.Result == nil && msg.Error == nil {
				t.Fatalf("accepted a response with neither result nor error: %q", b)
			}
			if msg.Result != nil && msg.Error != nil {
				t.Fatalf("accepted a response with both result and error: %q", b)
			}
		}
		if msg.Result != nil && !json.Valid(msg.Result) {
			t.Fatalf("result %q is not valid JSON", msg.Result)
		}
		// Matching an id never panics, and a response matches at most the
		// ids it could name.
		for _, id := range []int64{0, 1, -1, 1 << 53} {
			if msg.idEquals(id) && !msg.answers(id) {
				t.Fatalf("idEquals(%d) but not answers(%d)", id, id)
			}
		}
		if msg.Error == nil {
			return
		}
		rpc, err := msg.rpcError()
		if err != nil {
			if rpc != nil || failure.ReasonOf(err) != failure.ReasonMalformedJSONRPC {
				t.Fatalf("rpcError: %v, %v", rpc, err)
			}
		} else {
			_ = supportedVersions(rpc)
			_ = rpc.String()
		}
		ferr := rpcFailure(msg, 200)
		var e *failure.Error
		if !errors.As(ferr, &e) || e.Reason == "" {
			t.Fatalf("rpcFailure gave an unclassified error: %v", ferr)
		}
		if err == nil && (e.RPC == nil || e.RPC.Code != rpc.Code) {
			t.Fatalf("rpcFailure lost the error code: %+v", e)
		}
	})
}
