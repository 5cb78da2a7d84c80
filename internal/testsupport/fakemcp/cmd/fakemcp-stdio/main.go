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

//go:build unix

// Command fakemcp-stdio is the fake MCP server as a stdio server, for the
// tests: its one argument is the mode (fakemcp.ServeStdio).
package main

import (
	"os"

	"github.com/mcp-exporter/mcp_exporter/internal/testsupport/fakemcp"
)

func main() {
	mode := fakemcp.StdioOK
	if len(os.Args) > 1 {
		mode = os.Args[1]
	}
	os.Exit(fakemcp.ServeStdio(mode))
}
