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
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"sync"
	"testing"
)

// Stdio server commands the tests build (BuildCommand).
const (
	// SDKStdioPackage is a real go-sdk server over its stdio transport.
	SDKStdioPackage = "github.com/mcp-exporter/mcp_exporter/internal/testsupport/cmd/sdk-stdio"
	// FakeStdioPackage is the fake (fakemcp.ServeStdio); its argument is
	// the mode.
	FakeStdioPackage = "github.com/mcp-exporter/mcp_exporter/internal/testsupport/fakemcp/cmd/fakemcp-stdio"
	// StackBudgetPackage is the exporter side of prober's stack budget
	// test; its arguments are a bearer token and the budget in bytes.
	StackBudgetPackage = "github.com/mcp-exporter/mcp_exporter/internal/testsupport/cmd/stackbudget"
)

var (
	buildDirOnce sync.Once
	buildDir     string
	buildDirErr  error
	builds       sync.Map // package → *builtCommand
)

type builtCommand struct {
	once sync.Once
	path string
	err  error
}

// BuildCommand builds the main package pkg once per test binary (go build,
// from the build cache after the first time) and returns the
// executable's path. RunTests removes what it built.
func BuildCommand(t testing.TB, pkg string) string {
	t.Helper()
	buildDirOnce.Do(func() { buildDir, buildDirErr = os.MkdirTemp("", "mcp_exporter-test-commands-") })
	if buildDirErr != nil {
		t.Fatal(buildDirErr)
	}
	v, _ := builds.LoadOrStore(pkg, &builtCommand{})
	b := v.(*builtCommand)
	b.once.Do(func() {
		b.path = filepath.Join(buildDir, path.Base(pkg))
		cmd := exec.Command(goTool(), "build", "-o", b.path, pkg)
		if out, err := cmd.CombinedOutput(); err != nil {
			b.err = &buildError{pkg: pkg, out: string(out), err: err}
		}
	})
	if b.err != nil {
		t.Fatal(b.err)
	}
	return b.path
}

type buildError struct {
	pkg, out string
	err      error
}

func (e *buildError) Error() string { return "go build " + e.pkg + ": " + e.err.Error() + "\n" + e.out }

// goTool is the go command that runs the tests.
func goTool() string {
	if p := filepath.Join(os.Getenv("GOROOT"), "bin", "go"); os.Getenv("GOROOT") != "" {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	return "go"
}

// RunTests runs the tests of a package that builds commands, then removes
// them: a TestMain calls os.Exit(testsupport.RunTests(m)).
func RunTests(m *testing.M) int {
	code := m.Run()
	if buildDir != "" {
		_ = os.RemoveAll(buildDir)
	}
	return code
}
