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

package main

// The tests of the build information (Makefile, .promu.yml, Dockerfile,
// VERSION), the .dockerignore and the example systemd unit.

import (
	"bufio"
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/mcp-exporter/mcp_exporter/internal/testsupport"
)

var versionLDFlagVars = []string{"Version", "Revision", "Branch", "BuildUser", "BuildDate"}

func readVersionFile(t *testing.T) string {
	t.Helper()
	b := testsupport.ReadFile(t, "VERSION")
	return strings.TrimSpace(string(b))
}

// TestMakeBuild: make build gives a binary whose --version tells version,
// branch, revision, build user and build date.
func TestMakeBuild(t *testing.T) {
	makeTool := testsupport.Tool(t, "", "make", "make (Debian package make)")
	bin := filepath.Join(t.TempDir(), "mcp_exporter")
	if out, err := exec.Command(makeTool, "build", "BINARY="+bin).CombinedOutput(); err != nil {
		t.Fatalf("make build: %v\n%s", err, out)
	}
	out, err := exec.Command(bin, "--version").CombinedOutput()
	if err != nil {
		t.Fatalf("--version: %v\n%s", err, out)
	}
	text := string(out)
	field := func(re string) string {
		m := regexp.MustCompile(re).FindStringSubmatch(text)
		if m == nil {
			t.Errorf("--version has no match for %s:\n%s", re, text)
			return ""
		}
		return m[1]
	}
	if v := field(`version (\S+) `); v != readVersionFile(t) {
		t.Errorf("version %q, want the VERSION file's %q", v, readVersionFile(t))
	}
	branch := field(`branch: ([^,)]*)`)
	revision := field(`revision: ([^,)]*)\)`)
	user := field(`build user:\s+(.*)`)
	date := field(`build date:\s+(.*)`)
	for name, v := range map[string]string{"branch": branch, "revision": revision, "build user": user} {
		if strings.TrimSpace(v) == "" || v == "unknown" {
			t.Errorf("--version shows %s %q:\n%s", name, v, text)
		}
	}
	if !regexp.MustCompile(`^\d{8}-\d{2}:\d{2}:\d{2}$`).MatchString(strings.TrimSpace(date)) {
		t.Errorf("build date %q, want promu's 20060102-15:04:05", date)
	}
	if head, err := exec.Command("git", "rev-parse", "HEAD").Output(); err == nil && revision != strings.TrimSpace(string(head)) {
		t.Errorf("revision %q, want git's HEAD %s", revision, head)
	}
}

// goBuildCommand splits a go build command line: its environment, its
// flags without -o and the output path, and its -ldflags' fields. The
// package built must be the main package.
func goBuildCommand(t *testing.T, line string) (env, flags, ldflags []string) {
	t.Helper()
	words, err := shellWords(line)
	if err != nil {
		t.Fatal(err)
	}
	for len(words) > 0 && strings.Contains(words[0], "=") {
		env = append(env, words[0])
		words = words[1:]
	}
	if len(words) < 2 || words[0] != "go" || words[1] != "build" {
		t.Fatalf("not a go build command: %q", line)
	}
	rest := words[2:]
	for i := 0; i < len(rest); i++ {
		switch rest[i] {
		case "-o":
			i++
		case "-ldflags":
			ldflags = strings.Fields(rest[i+1])
			i++
		case ".":
		default:
			if !strings.HasPrefix(rest[i], "-") {
				t.Errorf("%q builds %s, not the main package", line, rest[i])
			}
			flags = append(flags, rest[i])
		}
	}
	return env, flags, ldflags
}

// TestBuildCommandsAgree: make build, the Dockerfile and .promu.yml build
// the same way and inject the same build information.
func TestBuildCommandsAgree(t *testing.T) {
	makeTool := testsupport.Tool(t, "", "make", "make (Debian package make)")
	info := map[string]string{
		"VERSION": "9.8.7", "REVISION": "0123abcd", "BRANCH": "release-9.8",
		"BUILD_USER": "builder@host", "BUILD_DATE": "20260102-03:04:05",
	}
	args := []string{"-n", "build", "BINARY=/out/mcp_exporter"}
	for k, v := range info {
		args = append(args, k+"="+v)
	}
	out, err := exec.Command(makeTool, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("make -n build: %v\n%s", err, out)
	}
	makeEnv, makeFlags, makeLD := goBuildCommand(t, strings.TrimSpace(string(out)))

	// The Dockerfile's build line, its ARGs given as make's variables.
	dockerArgs := map[string]string{}
	var dockerLine string
	for _, in := range dockerfileInstructions(t, "Dockerfile") {
		switch {
		case in[0] == "ARG":
			k, v, _ := strings.Cut(in[1], "=")
			dockerArgs[k] = v
		case in[0] == "RUN" && strings.Contains(in[1], "go build"):
			dockerLine = in[1]
		}
	}
	expanded := os.Expand(dockerLine, func(k string) string {
		if _, ok := dockerArgs[k]; !ok {
			t.Errorf("the Dockerfile's build uses ${%s}, which is no ARG", k)
		}
		return info[k]
	})
	dockerEnv, dockerFlags, dockerLD := goBuildCommand(t, expanded)
	if !slices.Equal(makeEnv, dockerEnv) || !slices.Equal(makeFlags, dockerFlags) || !slices.Equal(makeLD, dockerLD) {
		t.Errorf("make build and the Dockerfile build differently:\nmake:   %q %q -ldflags %q\ndocker: %q %q -ldflags %q",
			makeEnv, makeFlags, makeLD, dockerEnv, dockerFlags, dockerLD)
	}
	for _, v := range versionLDFlagVars {
		if !slices.Contains(makeLD, "github.com/prometheus/common/version."+v+"="+info[map[string]string{
			"Version": "VERSION", "Revision": "REVISION", "Branch": "BRANCH", "BuildUser": "BUILD_USER", "BuildDate": "BUILD_DATE",
		}[v]]) {
			t.Errorf("make build's -ldflags %q do not set version.%s from the make variable", makeLD, v)
		}
	}
	if dockerArgs["VERSION"] != readVersionFile(t) {
		t.Errorf("the Dockerfile's ARG VERSION=%s, the VERSION file says %s", dockerArgs["VERSION"], readVersionFile(t))
	}

	// make docker passes every build argument the Dockerfile's build uses.
	out, err = exec.Command(makeTool, "-n", "docker").CombinedOutput()
	if err != nil {
		t.Fatalf("make -n docker: %v\n%s", err, out)
	}
	for k := range info {
		if !strings.Contains(string(out), "--build-arg "+k+"=") {
			t.Errorf("make docker does not pass --build-arg %s:\n%s", k, out)
		}
	}

	// .promu.yml: the same flags, cgo off, the same variables, and the Go
	// version of go.mod and of the Dockerfile's build image.
	var promu struct {
		Go struct {
			Version string `yaml:"version"`
			CGO     bool   `yaml:"cgo"`
		} `yaml:"go"`
		Build struct {
			Binaries []struct {
				Name string `yaml:"name"`
			} `yaml:"binaries"`
			Flags   string `yaml:"flags"`
			LDFlags string `yaml:"ldflags"`
		} `yaml:"build"`
	}
	readYAML(t, ".promu.yml", &promu)
	if promu.Go.CGO || !slices.Contains(makeEnv, "CGO_ENABLED=0") {
		t.Errorf(".promu.yml cgo %v, make's environment %q: want both static", promu.Go.CGO, makeEnv)
	}
	if !slices.Equal(strings.Fields(promu.Build.Flags), makeFlags) {
		t.Errorf(".promu.yml flags %q, make build's %q", promu.Build.Flags, makeFlags)
	}
	// promu's template functions ({{date "..."}}) stand for the values.
	promuLD := strings.Fields(regexp.MustCompile(`\{\{[^}]*\}\}`).ReplaceAllString(promu.Build.LDFlags, "v"))
	for i, f := range makeLD {
		if i >= len(promuLD) {
			t.Errorf(".promu.yml's ldflags %q lack %s", promuLD, f)
			continue
		}
		if name, _, ok := strings.Cut(f, "="); ok {
			if !strings.HasPrefix(promuLD[i], name+"=") {
				t.Errorf(".promu.yml's ldflag %s, make's %s", promuLD[i], f)
			}
		} else if promuLD[i] != f {
			t.Errorf(".promu.yml's ldflag %s, make's %s", promuLD[i], f)
		}
	}
	if len(promuLD) != len(makeLD) {
		t.Errorf(".promu.yml's ldflags %q, make's %q", promuLD, makeLD)
	}
	if len(promu.Build.Binaries) != 1 || promu.Build.Binaries[0].Name != "mcp_exporter" {
		t.Errorf(".promu.yml binaries %v", promu.Build.Binaries)
	}
	goMod := testsupport.ReadFile(t, "go.mod")
	m := regexp.MustCompile(`(?m)^go (\d+\.\d+)`).FindSubmatch(goMod)
	if m == nil || promu.Go.Version != string(m[1]) {
		t.Errorf(".promu.yml's Go %s, go.mod's %s", promu.Go.Version, m)
	}
	for _, in := range dockerfileInstructions(t, "Dockerfile") {
		if in[0] == "FROM" && strings.HasPrefix(in[1], "golang:") && !strings.HasPrefix(in[1], "golang:"+promu.Go.Version+" ") {
			t.Errorf("the Dockerfile builds with %s, .promu.yml with Go %s", in[1], promu.Go.Version)
		}
	}
}

// TestVersionFile: one version everywhere it is written.
func TestVersionFile(t *testing.T) {
	v := readVersionFile(t)
	if v != releaseVersion {
		t.Errorf("VERSION %s, main.go's releaseVersion %s", v, releaseVersion)
	}
	var chart struct {
		AppVersion string `yaml:"appVersion"`
	}
	readYAML(t, filepath.Join(chartDir, "Chart.yaml"), &chart)
	if chart.AppVersion != v {
		t.Errorf("the chart's appVersion %s, VERSION %s", chart.AppVersion, v)
	}
}

// dockerignored reports whether a .dockerignore pattern list excludes
// path (its own name or a directory above it), for the plain and **/
// patterns the file uses.
func dockerignored(patterns []string, path string) bool {
	parts := strings.Split(path, "/")
	ignored := false
	for _, p := range patterns {
		neg := strings.HasPrefix(p, "!")
		p = strings.TrimPrefix(strings.TrimPrefix(p, "!"), "/")
		for i := 1; i <= len(parts); i++ {
			prefix := strings.Join(parts[:i], "/")
			ok, _ := filepath.Match(p, prefix)
			if rest, isAny := strings.CutPrefix(p, "**/"); isAny {
				ok2, _ := filepath.Match(rest, parts[i-1])
				ok = ok || ok2
			}
			if !strings.Contains(p, "/") && !ok {
				// A pattern without a slash matches at the top only,
				// except for glob-only names such as *.test.
				if strings.HasPrefix(p, "*") {
					ok, _ = filepath.Match(p, parts[i-1])
				}
			}
			if ok {
				ignored = !neg
				break
			}
		}
	}
	return ignored
}

// TestDockerignore: the build context keeps what go build and the image
// need, and leaves out what they do not.
func TestDockerignore(t *testing.T) {
	b := testsupport.ReadFile(t, ".dockerignore")
	var patterns []string
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		if line := strings.TrimSpace(sc.Text()); line != "" && !strings.HasPrefix(line, "#") {
			patterns = append(patterns, line)
		}
	}
	out, err := exec.Command("git", "ls-files", "*.go", "go.mod", "go.sum").Output()
	if err != nil {
		t.Skipf("git ls-files: %v", err)
	}
	needed := append(strings.Fields(string(out)), "mcp_exporter.yml")
	for _, f := range needed {
		if strings.HasSuffix(f, "_test.go") || strings.Contains(f, "/testdata/") {
			continue
		}
		if dockerignored(patterns, f) {
			t.Errorf(".dockerignore leaves out %s, which the image's build needs", f)
		}
	}
	for _, f := range []string{".git/config", "mcp_exporter", "prober/testdata/tsserver/node_modules/x/index.js", "prober/prober.test", "charts/mcp-exporter/Chart.yaml"} {
		if !dockerignored(patterns, f) {
			t.Errorf(".dockerignore does not leave out %s", f)
		}
	}
}

// systemdUnit reads a unit file: section -> key -> values, in order.
func systemdUnit(t *testing.T, name string) map[string]map[string][]string {
	t.Helper()
	b := testsupport.ReadFile(t, name)
	unit := map[string]map[string][]string{}
	section := ""
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		switch {
		case line == "" || strings.HasPrefix(line, "#") || strings.HasPrefix(line, ";"):
		case strings.HasPrefix(line, "[") && strings.HasSuffix(line, "]"):
			section = line[1 : len(line)-1]
			unit[section] = map[string][]string{}
		default:
			k, v, ok := strings.Cut(line, "=")
			if !ok || section == "" {
				t.Fatalf("%s: cannot read %q", name, line)
			}
			unit[section][k] = append(unit[section][k], v)
		}
	}
	return unit
}

// systemdExpand expands ${VAR} (one word) and $VAR (split at whitespace)
// in a command line as systemd does, with env.
func systemdExpand(t *testing.T, line string, env map[string]string) []string {
	t.Helper()
	var out []string
	for _, w := range strings.Fields(line) {
		switch {
		case strings.HasPrefix(w, "$") && !strings.HasPrefix(w, "${"):
			v, ok := env[w[1:]]
			if !ok {
				t.Errorf("%s: %s is not set by the environment file", line, w)
			}
			out = append(out, strings.Fields(v)...)
		default:
			out = append(out, os.Expand(w, func(k string) string {
				v, ok := env[k]
				if !ok {
					t.Errorf("%s: ${%s} is not set by the environment file", line, k)
				}
				return v
			}))
		}
	}
	return out
}

func TestSystemdUnit(t *testing.T) {
	const unitFile = "examples/systemd/mcp_exporter.service"
	const binPath = "/usr/local/bin/mcp_exporter"
	unit := systemdUnit(t, unitFile)
	svc := unit["Service"]
	for key, want := range map[string]string{
		"NoNewPrivileges": "yes", "ProtectSystem": "strict", "ProtectHome": "yes", "PrivateTmp": "yes",
		"PrivateDevices": "yes", "CapabilityBoundingSet": "", "RestrictSUIDSGID": "yes", "LockPersonality": "yes",
		"MemoryDenyWriteExecute": "yes", "ProtectKernelTunables": "yes", "ProtectControlGroups": "yes",
		"ExecReload": "/bin/kill -HUP $MAINPID",
	} {
		if got := svc[key]; len(got) != 1 || got[0] != want {
			t.Errorf("[Service] %s=%q, want %q", key, got, want)
		}
	}
	if !slices.Equal(svc["DynamicUser"], []string{"yes"}) && len(svc["User"]) == 0 {
		t.Error("[Service] neither DynamicUser=yes nor User=: the exporter would run as root")
	}
	if !slices.Equal(unit["Install"]["WantedBy"], []string{"multi-user.target"}) {
		t.Errorf("[Install] WantedBy=%q", unit["Install"]["WantedBy"])
	}

	// The environment file sets what the command lines use, and the
	// command lines are the exporter's real flags.
	envFile := svc["EnvironmentFile"]
	if len(envFile) != 1 || strings.TrimPrefix(envFile[0], "-") != "/etc/default/mcp_exporter" {
		t.Fatalf("EnvironmentFile=%q, want /etc/default/mcp_exporter", envFile)
	}
	env := map[string]string{}
	b := testsupport.ReadFile(t, "examples/systemd/mcp_exporter.default")
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		if line := strings.TrimSpace(sc.Text()); line != "" && !strings.HasPrefix(line, "#") {
			k, v, _ := strings.Cut(line, "=")
			env[k] = v
		}
	}
	if env["CONFIG_FILE"] != "/etc/mcp_exporter/mcp_exporter.yml" {
		t.Errorf("CONFIG_FILE=%q", env["CONFIG_FILE"])
	}
	env["CONFIG_FILE"] = "mcp_exporter.yml" // the shipped file, here
	env["MAINPID"] = "1"
	bin := hzBuild(t)
	for _, key := range []string{"ExecStartPre", "ExecStart"} {
		if len(svc[key]) != 1 {
			t.Fatalf("[Service] %s=%q, want one", key, svc[key])
		}
		words := systemdExpand(t, svc[key][0], env)
		if words[0] != binPath {
			t.Errorf("%s runs %s, want %s", key, words[0], binPath)
		}
		args := words[1:]
		if !slices.Contains(args, "--config.check") {
			args = append(args, "--config.check") // parse every flag, start nothing
		}
		if out, err := exec.Command(bin, args...).CombinedOutput(); err != nil {
			t.Errorf("%s with the environment file's values: %v\n%s", key, err, out)
		}
	}

	// systemd's own checks, with the unit pointing at the built binary.
	analyze := testsupport.Tool(t, "", "systemd-analyze", "systemd (Debian package systemd)")
	text := testsupport.ReadFile(t, unitFile)
	local := testsupport.WriteFile(t, filepath.Join(t.TempDir(), "mcp_exporter.service"), bytes.ReplaceAll(text, []byte(binPath), []byte(bin)), 0o644)
	if out, err := exec.Command(analyze, "verify", "--man=no", local).CombinedOutput(); err != nil || len(bytes.TrimSpace(out)) > 0 {
		t.Errorf("systemd-analyze verify: %v\n%s", err, out)
	}
	out, err := exec.Command(analyze, "security", "--offline=true", "--no-pager", local).CombinedOutput()
	if err != nil {
		t.Fatalf("systemd-analyze security: %v\n%s", err, out)
	}
	m := regexp.MustCompile(`Overall exposure level for mcp_exporter\.service: ([0-9.]+)`).FindSubmatch(out)
	if m == nil {
		t.Fatalf("systemd-analyze security gave no exposure level:\n%s", out)
	}
	// 0 is the best, 10 the worst; systemd calls up to 2.0 "OK".
	if level, _ := strconv.ParseFloat(string(m[1]), 64); level > 2.0 {
		t.Errorf("systemd-analyze security: exposure %s, want at most 2.0\n%s", m[1], out)
	}
}
