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
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/mcp-exporter/mcp_exporter/internal/testsupport"
)

// npmInstalls holds one sync.Once per package folder: npm ci runs at most
// once per folder and test run.
var npmInstalls sync.Map

// nodePackage finds node and the npm packages of the test folder dir
// (installed is a path inside it that exists once they are installed; npm
// ci runs if it does not). It returns node's path and dir made absolute.
// Without node the test is skipped, but under CI (CI set) it fails:
// .ci/run must have installed what the test needs.
func nodePackage(t *testing.T, dir, installed string) (node, abs string) {
	t.Helper()
	node = testsupport.Tool(t, "", "node", "Node.js 20 or newer (Debian: apt-get install nodejs npm), to run the servers in "+dir)
	abs, err := filepath.Abs(dir)
	if err != nil {
		t.Fatal(err)
	}
	once, _ := npmInstalls.LoadOrStore(abs, new(sync.Once))
	once.(*sync.Once).Do(func() {
		if _, err := os.Stat(filepath.Join(abs, installed)); err == nil {
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, "npm", "ci", "--no-audit", "--no-fund")
		cmd.Dir = abs
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Logf("npm ci in %s: %v\n%s", abs, err, out)
		}
	})
	return node, abs
}
