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

package testsupport

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// SDKServer chooses how a real MCP server from the official Go SDK runs.
// The zero value is a stateful Streamable HTTP server answering in SSE,
// named sdk-test-server 1.2.3, with one tool, echo.
type SDKServer struct {
	Name, Version string                    // the server's Implementation
	HTTP          mcp.StreamableHTTPOptions // JSON answers, stateless, …
	Versions      []string                  // ServerOptions.SupportedProtocolVersions; nil: all
	Tools         int                       // how many tools to register (echo, then others); 0 is 1
	PageSize      int                       // ServerOptions.PageSize
	NoTools       bool                      // register no tools at all: no tools capability
	SSE           bool                      // the legacy HTTP+SSE transport (NewSSEHandler)
	TLS           bool                      // Start serves HTTPS (httptest's certificate)
	// SetCacheable is ServerOptions.SetCacheable: the caching hints
	// (ttlMs, cacheScope) of the server's results.
	SetCacheable func(context.Context, mcp.Request, *mcp.Cacheable)
	// AddTools, when set, registers the server's tools instead of the
	// echo tools (Tools and NoTools are then not used).
	AddTools func(*mcp.Server)

	// Resources and Prompts register that many resources (test://r/0, …,
	// text/plain) and prompts (prompt_0, … with one argument); 0 registers
	// none, and the server does not advertise the capability.
	Resources, Prompts int
}

// EchoIn is the input of the SDK server's tools.
type EchoIn struct {
	Text string `json:"text" jsonschema:"the text to echo"`
}

// EchoOut is the output of the SDK server's tools.
type EchoOut struct {
	Echo string `json:"echo"`
}

// Handler builds the server and returns its HTTP handler.
func (o SDKServer) Handler() http.Handler {
	server := o.Server()
	if o.SSE {
		return mcp.NewSSEHandler(func(*http.Request) *mcp.Server { return server }, nil)
	}
	return mcp.NewStreamableHTTPHandler(func(*http.Request) *mcp.Server { return server }, &o.HTTP)
}

// Server builds the server, for any transport (cmd/sdk-stdio runs it
// over stdio).
func (o SDKServer) Server() *mcp.Server {
	name, version := o.Name, o.Version
	if name == "" {
		name, version = "sdk-test-server", "1.2.3"
	}
	server := mcp.NewServer(&mcp.Implementation{Name: name, Version: version},
		&mcp.ServerOptions{SupportedProtocolVersions: o.Versions, PageSize: o.PageSize, SetCacheable: o.SetCacheable})
	switch {
	case o.AddTools != nil:
		o.AddTools(server)
	case !o.NoTools:
		for _, tool := range o.toolNames() {
			mcp.AddTool(server, &mcp.Tool{Name: tool, Description: "Echoes its input."},
				func(_ context.Context, _ *mcp.CallToolRequest, in EchoIn) (*mcp.CallToolResult, EchoOut, error) {
					return nil, EchoOut{Echo: in.Text}, nil
				})
		}
	}
	o.addResourcesAndPrompts(server)
	return server
}

// addResourcesAndPrompts registers the server's resources and prompts.
func (o SDKServer) addResourcesAndPrompts(server *mcp.Server) {
	for i := range o.Resources {
		uri := "test://r/" + strconv.Itoa(i)
		server.AddResource(&mcp.Resource{URI: uri, Name: "resource_" + strconv.Itoa(i), MIMEType: "text/plain"},
			func(_ context.Context, req *mcp.ReadResourceRequest) (*mcp.ReadResourceResult, error) {
				return &mcp.ReadResourceResult{Contents: []*mcp.ResourceContents{{URI: uri, MIMEType: "text/plain", Text: "contents of " + uri}}}, nil
			})
	}
	for i := range o.Prompts {
		server.AddPrompt(&mcp.Prompt{Name: "prompt_" + strconv.Itoa(i), Description: "A test prompt.",
			Arguments: []*mcp.PromptArgument{{Name: "topic", Required: true}}},
			func(context.Context, *mcp.GetPromptRequest) (*mcp.GetPromptResult, error) {
				return &mcp.GetPromptResult{Messages: []*mcp.PromptMessage{{Role: "user", Content: &mcp.TextContent{Text: "a prompt"}}}}, nil
			})
	}
}

func (o SDKServer) toolNames() []string {
	names := []string{"echo"}
	for i := 1; i < max(o.Tools, 1); i++ {
		names = append(names, "echo_"+strings.Repeat("x", i%7)+string(rune('a'+i%26))+"_"+strconv.Itoa(i))
	}
	return names
}

// Start serves the server until the test ends.
func (o SDKServer) Start(t testing.TB) *httptest.Server {
	t.Helper()
	var ts *httptest.Server
	if o.TLS {
		ts = httptest.NewTLSServer(o.Handler())
	} else {
		ts = httptest.NewServer(o.Handler())
	}
	t.Cleanup(ts.Close)
	return ts
}
