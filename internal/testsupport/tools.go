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
	"debug/buildinfo"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// Tools that .ci/run builds from the Go module proxy at pinned versions
// (outside go.mod) and names through environment variables: Prometheus 3.x
// and its promtool, beside Debian's 2.x on PATH, and kustomize.
const (
	EnvPrometheus3 = "MCP_EXPORTER_PROMETHEUS3"
	EnvPromtool3   = "MCP_EXPORTER_PROMTOOL3"
	EnvKustomize   = "MCP_EXPORTER_KUSTOMIZE"
	// EnvMCPRegistry names the official MCP registry server (module
	// github.com/modelcontextprotocol/registry, cmd/registry), which the
	// service discovery test runs on PostgreSQL.
	EnvMCPRegistry = "MCP_EXPORTER_MCP_REGISTRY"
	// EnvPostgresBin names the directory of PostgreSQL's initdb and
	// postgres (Debian's package postgresql puts them in
	// /usr/lib/postgresql/15/bin, off PATH).
	EnvPostgresBin = "MCP_EXPORTER_POSTGRES_BIN"
)

// Tool returns the executable a test needs: the path the environment
// variable env names (when env is not ""), else name on PATH or in
// GOPATH/bin. Under -short
// the test is skipped: the inner loop (go test -short ./...) runs no
// external tool. Without the tool the test fails under CI, where .ci/run
// installs it, and is skipped elsewhere with how to install it.
func Tool(t testing.TB, env, name, install string) string {
	t.Helper()
	if testing.Short() {
		t.Skipf("-short: needs %s", name)
	}
	var p string
	if env != "" {
		p = os.Getenv(env)
	}
	if p == "" {
		p, _ = exec.LookPath(name)
	}
	if p == "" {
		// .ci/run builds some tools into GOPATH/bin, which need not be
		// on PATH.
		if out, err := exec.Command(goTool(), "env", "GOPATH").Output(); err == nil {
			if dirs := filepath.SplitList(strings.TrimSpace(string(out))); len(dirs) > 0 {
				p = filepath.Join(dirs[0], "bin", name)
			}
		}
	}
	if p != "" {
		if fi, err := os.Stat(p); err == nil && !fi.IsDir() && fi.Mode()&0o111 != 0 {
			return p
		}
	}
	where := "on PATH"
	if env != "" {
		where = fmt.Sprintf("on PATH nor named by %s", env)
	}
	if os.Getenv("CI") != "" {
		t.Fatalf("%s is neither %s under CI; .ci/run should have installed it (%s)", name, where, install)
	}
	t.Skipf("%s is not %s; install it to run this test: %s", name, strings.TrimPrefix(where, "neither "), install)
	return ""
}

// Prometheus3Path returns a Prometheus 3.x server (MCP_EXPORTER_PROMETHEUS3).
func Prometheus3Path(t testing.TB) string {
	t.Helper()
	return Tool(t, EnvPrometheus3, "prometheus3",
		"go install github.com/prometheus/prometheus/cmd/prometheus@v0.316.0, as .ci/run does")
}

// Promtool3Path returns Prometheus 3.x's promtool (MCP_EXPORTER_PROMTOOL3).
func Promtool3Path(t testing.TB) string {
	t.Helper()
	return Tool(t, EnvPromtool3, "promtool3",
		"go install github.com/prometheus/prometheus/cmd/promtool@v0.316.0, as .ci/run does")
}

// EachPromtool runs f as a subtest with each promtool the examples must
// pass: Debian's 2.x ("promtool2") and Prometheus 3.x's ("promtool3").
func EachPromtool(t *testing.T, f func(t *testing.T, promtool string)) {
	t.Helper()
	for _, p := range []struct {
		name string
		path func(testing.TB) string
	}{{"promtool2", PromtoolPath}, {"promtool3", Promtool3Path}} {
		t.Run(p.name, func(t *testing.T) { f(t, p.path(t)) })
	}
}

// KustomizePath returns kustomize (MCP_EXPORTER_KUSTOMIZE, or kustomize on
// PATH).
func KustomizePath(t testing.TB) string {
	t.Helper()
	return Tool(t, EnvKustomize, "kustomize",
		"go install sigs.k8s.io/kustomize/kustomize/v5@v5.8.2, as .ci/run does")
}

// MCPRegistryPath returns the MCP registry server (MCP_EXPORTER_MCP_REGISTRY,
// or mcp-registry on PATH).
func MCPRegistryPath(t testing.TB) string {
	t.Helper()
	return Tool(t, EnvMCPRegistry, "mcp-registry",
		"go install github.com/modelcontextprotocol/registry/cmd/registry@v1.8.14, as .ci/run does")
}

// PostgresBinDir returns the directory of PostgreSQL's server programs
// (MCP_EXPORTER_POSTGRES_BIN, else Debian's /usr/lib/postgresql/15/bin).
// Without them the test is skipped, or fails under CI.
func PostgresBinDir(t testing.TB) string {
	t.Helper()
	if testing.Short() {
		t.Skip("-short: needs PostgreSQL")
	}
	dir := os.Getenv(EnvPostgresBin)
	if dir == "" {
		dir = "/usr/lib/postgresql/15/bin"
	}
	for _, p := range []string{"initdb", "postgres"} {
		if fi, err := os.Stat(filepath.Join(dir, p)); err != nil || fi.Mode()&0o111 == 0 {
			if os.Getenv("CI") != "" {
				t.Fatalf("PostgreSQL's %s is not in %s under CI; .ci/run should have installed Debian's postgresql", p, dir)
			}
			t.Skipf("PostgreSQL's %s is not in %s; install Debian's postgresql or set %s", p, dir, EnvPostgresBin)
		}
	}
	return dir
}

var prometheusVersionRE = regexp.MustCompile(`(?m)^(?:prometheus|promtool), version (\d+)\.(\d+)\.`)

// prometheusModuleRE matches the Go module version of a Prometheus built
// with go install: v0.3MM.P is Prometheus 3.MM.P, v0.MM.P 2.MM.P.
var prometheusModuleRE = regexp.MustCompile(`^v0\.(\d)\d\d\.`)

// PrometheusMajor returns the major version of a prometheus or promtool
// binary (2 for Debian's 2.42, 3 for 3.x): the one it reports with
// --version, or, when it was built without one injected, its module's.
func PrometheusMajor(t testing.TB, bin string) int {
	t.Helper()
	out, err := exec.Command(bin, "--version").CombinedOutput()
	if err != nil {
		t.Fatalf("%s --version: %v\n%s", bin, err, out)
	}
	if m := prometheusVersionRE.FindSubmatch(out); m != nil {
		major, _ := strconv.Atoi(string(m[1]))
		return major
	}
	if info, err := buildinfo.ReadFile(bin); err == nil && info.Main.Path == "github.com/prometheus/prometheus" {
		if m := prometheusModuleRE.FindStringSubmatch(info.Main.Version); m != nil {
			major, _ := strconv.Atoi(m[1])
			return major
		}
		return 2 // v0.MM.P, before 3.0
	}
	t.Fatalf("%s --version names no version:\n%s", bin, out)
	return 0
}

// HelmPath returns helm (on PATH or in GOPATH/bin, where .ci/run builds
// the pinned version).
func HelmPath(t testing.TB) string {
	t.Helper()
	return Tool(t, "", "helm", "go install helm.sh/helm/v3/cmd/helm@v3.22.0, as .ci/run does")
}
