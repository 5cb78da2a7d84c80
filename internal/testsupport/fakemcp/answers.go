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
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Messages and answers for Handlers, well-formed or not.

// Result is a JSON-RPC response to id carrying result.
func Result(id json.RawMessage, result string) string {
	return `{"jsonrpc":"2.0","id":` + idOrNull(id) + `,"result":` + result + `}`
}

// Error is a JSON-RPC error response to id; data, when not "", is its
// data member.
func Error(id json.RawMessage, code int, data string) string {
	e := `{"code":` + strconv.Itoa(code) + `,"message":"error from the fake"`
	if data != "" {
		e += `,"data":` + data
	}
	return `{"jsonrpc":"2.0","id":` + idOrNull(id) + `,"error":` + e + `}}`
}

func idOrNull(id json.RawMessage) string {
	if len(id) == 0 {
		return "null"
	}
	return string(id)
}

// InitResult is the default server's initialize result for version; drop
// removes members.
func InitResult(version string, drop ...string) string {
	m := map[string]any{
		"protocolVersion": version,
		"capabilities":    map[string]any{"tools": map[string]any{"listChanged": true}},
		"serverInfo":      map[string]any{"name": "fake-server", "version": "0.0.1"},
	}
	for _, k := range drop {
		delete(m, k)
	}
	b, _ := json.Marshal(m)
	return string(b)
}

// WriteJSON answers status with an application/json body.
func WriteJSON(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = io.WriteString(w, body)
}

// WriteSSE answers 200 with a text/event-stream body, then ends it.
func WriteSSE(w http.ResponseWriter, body string) {
	w.Header().Set("Content-Type", "text/event-stream")
	w.WriteHeader(http.StatusOK)
	_, _ = io.WriteString(w, body)
}

// SleepCtx waits for the request to be abandoned, or for 10 s.
func SleepCtx(r *http.Request) {
	t := time.NewTimer(10 * time.Second)
	defer t.Stop()
	select {
	case <-r.Context().Done():
	case <-t.C:
	}
}

// Hang never answers: it holds the request until it is abandoned.
func Hang(_ http.ResponseWriter, r *http.Request, _ Msg) { SleepCtx(r) }

// BadSession is the TypeScript SDK's answer to a request without a
// session.
func BadSession(w http.ResponseWriter, _ *http.Request, _ Msg) {
	WriteJSON(w, http.StatusBadRequest, `{"jsonrpc":"2.0","error":{"code":-32000,"message":"Bad Request: No valid session ID provided"},"id":null}`)
}

// Stream answers 200 with contentType and head, then writes next(i) for
// i = 0, 1, … with pause between writes, until the client hangs up (or
// 10 s pass, so that a broken test cannot hold the server). {{id}} in head
// is the request's id.
func Stream(contentType, head string, pause time.Duration, next func(i int) string) Handler {
	return func(w http.ResponseWriter, r *http.Request, m Msg) {
		w.Header().Set("Content-Type", contentType)
		w.WriteHeader(http.StatusOK)
		fl := w.(http.Flusher)
		if _, err := io.WriteString(w, strings.ReplaceAll(head, "{{id}}", string(m.ID))); err != nil {
			return
		}
		fl.Flush()
		stop := time.NewTimer(10 * time.Second)
		defer stop.Stop()
		for i := 0; ; i++ {
			if pause > 0 {
				select {
				case <-r.Context().Done():
					return
				case <-stop.C:
					return
				case <-time.After(pause):
				}
			} else {
				select {
				case <-r.Context().Done():
					return
				case <-stop.C:
					return
				default:
				}
			}
			if _, err := io.WriteString(w, next(i)); err != nil {
				return
			}
			fl.Flush()
		}
	}
}

// Chunk returns the same s every time, for Stream.
func Chunk(s string) func(int) string { return func(int) string { return s } }

// Trickle returns body one byte at a time, over and over, for Stream.
func Trickle(body string) func(int) string {
	return func(i int) string { j := i % len(body); return body[j : j+1] }
}

// Encoded answers 200 application/json with the given Content-Encoding and
// body (made from the request).
func Encoded(encoding string, body func(m Msg) []byte) Handler {
	return func(w http.ResponseWriter, _ *http.Request, m Msg) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Encoding", encoding)
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write(body(m))
	}
}

// Gzip compresses s.
func Gzip(s string) []byte {
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	_, _ = io.WriteString(zw, s)
	_ = zw.Close()
	return b.Bytes()
}

// gzipMember is one gzip member holding s followed by 1 MiB of '0'.
func gzipMember(s string) []byte {
	var b bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&b, gzip.BestCompression)
	_, _ = io.WriteString(zw, s)
	_, _ = zw.Write(bytes.Repeat([]byte("0"), 1<<20))
	_ = zw.Close()
	return b.Bytes()
}

// BombHead starts the JSON-RPC response a GzipBomb holds.
const BombHead = `{"jsonrpc":"2.0","id":1,"result":{"protocolVersion":"2025-11-25","pad":"`

var (
	bombFirst = sync.OnceValue(func() []byte { return gzipMember(BombHead) })
	bombRest  = sync.OnceValue(func() []byte { return gzipMember("") })
)

// GzipBomb is a gzip body that expands to a JSON-RPC response of mib MiB,
// nearly all of it '0', from about 1 KiB per MiB. It is a series of gzip
// members, which gzip readers (Go's included) read as one stream;
// compressing one large member would take seconds under the race
// detector. The members are compressed once per process.
func GzipBomb(mib int) []byte {
	b := bytes.Clone(bombFirst())
	for range mib - 1 {
		b = append(b, bombRest()...)
	}
	return b
}

// ToolList is a JSON array of n tools: EchoTool, then echo_1 … echo_n-1.
func ToolList(n int) string {
	var b strings.Builder
	b.WriteByte('[')
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
			b.WriteString(strings.Replace(EchoTool, `"echo"`, `"echo_`+strconv.Itoa(i)+`"`, 1))
			continue
		}
		b.WriteString(EchoTool)
	}
	b.WriteByte(']')
	return b.String()
}
