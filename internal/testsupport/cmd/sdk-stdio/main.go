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

// Command sdk-stdio is a real MCP server of the official Go SDK
// (testsupport.SDKServer's defaults: sdk-test-server 1.2.3, the echo tool,
// two resources and two prompts) over the SDK's stdio transport, for the
// tests of the exporter's stdio transport.
package main

import (
	"context"
	"fmt"
	"os"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/mcp-exporter/mcp_exporter/internal/testsupport"
)

func main() {
	server := testsupport.SDKServer{Resources: 2, Prompts: 2}.Server()
	if err := server.Run(context.Background(), &mcp.StdioTransport{}); err != nil {
		fmt.Fprintln(os.Stderr, "sdk-stdio:", err)
		os.Exit(1)
	}
}
