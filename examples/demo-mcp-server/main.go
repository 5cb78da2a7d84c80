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

// Command demo-mcp-server runs a small MCP server from the official Go SDK,
// for trying mcp_exporter out: stateful (2025-11-25 and older) by default,
// stateless 2026-07-28 with -stateless, over TLS with -tls-cert/-tls-key.
// It is a test peer, not part of the exporter.
package main

import (
	"context"
	"flag"
	"log"
	"net/http"
	"strings"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

type textIn struct {
	Text string `json:"text" jsonschema:"the text"`
}

type textOut struct {
	Text string `json:"text"`
}

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "listen address; the MCP endpoint is /mcp")
	stateless := flag.Bool("stateless", false, "serve the stateless 2026-07-28 protocol")
	jsonResponse := flag.Bool("json", false, "answer with application/json instead of SSE")
	certFile := flag.String("tls-cert", "", "TLS certificate file (with -tls-key)")
	keyFile := flag.String("tls-key", "", "TLS key file")
	flag.Parse()

	server := mcp.NewServer(&mcp.Implementation{Name: "demo-mcp-server", Version: "1.0.0"}, nil)
	mcp.AddTool(server, &mcp.Tool{Name: "echo", Description: "Returns its input."},
		func(_ context.Context, _ *mcp.CallToolRequest, in textIn) (*mcp.CallToolResult, textOut, error) {
			return nil, textOut(in), nil
		})
	mcp.AddTool(server, &mcp.Tool{Name: "upper", Description: "Returns its input in upper case."},
		func(_ context.Context, _ *mcp.CallToolRequest, in textIn) (*mcp.CallToolResult, textOut, error) {
			return nil, textOut{Text: strings.ToUpper(in.Text)}, nil
		})
	handler := mcp.NewStreamableHTTPHandler(func(*http.Request) *mcp.Server { return server },
		&mcp.StreamableHTTPOptions{Stateless: *stateless, JSONResponse: *jsonResponse})
	mux := http.NewServeMux()
	mux.Handle("/mcp", handler)

	log.Printf("MCP endpoint on %s/mcp (stateless=%v json=%v tls=%v)", *addr, *stateless, *jsonResponse, *certFile != "")
	if *certFile != "" {
		log.Fatal(http.ListenAndServeTLS(*addr, *certFile, *keyFile, mux))
	}
	log.Fatal(http.ListenAndServe(*addr, mux))
}
