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

// The commands README.md shows, run as written. Each one is either run by a
// test here (in a network namespace of its own, so that the README's fixed
// ports, 10115, 8080, 9090, are free whatever else runs on the machine), run
// by .ci/run, or stated as not runnable here with the reason.

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/mcp-exporter/mcp_exporter/internal/testsupport"
)

// readmeCoverage says where each command of README.md's sh blocks runs as
// written: the tests that run it, ".ci/run", or "not here: " and why. A
// command the README gains must be added here, and one it loses removed.
var readmeCoverage = map[string]string{
	"go run . --config.file=mcp_exporter.yml":                                                                        "TestReadmeQuickstart",
	"go test -race ./...":                                                                                            ".ci/run",
	"go run ./examples/demo-mcp-server -addr 127.0.0.1:8080":                                                         "TestReadmeQuickstart",
	"go run ./examples/demo-mcp-server -addr 127.0.0.1:8081 -stateless":                                              "TestReadmeQuickstart",
	"curl 'http://localhost:10115/probe?target=http://127.0.0.1:8080/mcp'":                                           "TestReadmeQuickstart",
	"curl 'http://localhost:10115/probe?target=http://127.0.0.1:8081/mcp&debug=true'":                                "TestReadmeQuickstart",
	"go run . check --wait 60s http://127.0.0.1:8080/mcp":                                                            "TestReadmeQuickstart",
	"go run . check --config.file mcp_exporter.yml --module default --output json http://127.0.0.1:8080/mcp":         "TestReadmeQuickstart",
	"go install github.com/mcp-exporter/mcp_exporter@latest":                                                         "TestReadmeQuickstart TestExampleCI",
	`"$(go env GOPATH)/bin/mcp_exporter" check --wait 60s http://127.0.0.1:8080/mcp; echo "exit $?"`:                 "TestReadmeQuickstart",
	"go run ./examples/demo-mcp-server -addr 127.0.0.1:8080 > mcp-server.log 2>&1 &":                                 "TestExampleCI",
	`"$(go env GOPATH)/bin/mcp_exporter" check --wait 60s http://127.0.0.1:8080/mcp`:                                 "TestExampleCI",
	`printf %s "$NEW_TOKEN" > /etc/mcp_exporter/token.new && mv /etc/mcp_exporter/token.new /etc/mcp_exporter/token`: "not here: it writes the operator's credential; TestAuthFileRotation rotates a file the same way",
	`curl -s 'localhost:10115/probe?module=bearer&target=https://mcp.example.internal/mcp' | grep 'layer="auth"'`:    "not here: it probes the operator's server; TestAuthFileRotation checks the auth layer across a rotation",
	"make docker": "not here: no container engine; TestBuildCommandsAgree checks that the Dockerfile builds with make build's flags",
	"docker run -p 10115:10115 -v $PWD/mcp_exporter.yml:/etc/mcp_exporter/mcp_exporter.yml mcp_exporter:0.1.0": "not here: no container engine",
	"make build && ./mcp_exporter --version": "TestMakeBuild",
	"make test":                              "not here: it runs the README's test command, go test -race ./..., which .ci/run runs",
	"make lint":                              "not here: gofmt, go vet and staticcheck, which .ci/run runs itself",
	"mcp_exporter check -- npx -y @modelcontextprotocol/server-everything stdio":                                                 "not here: npx fetches the package from the npm registry as it runs; TestCheckStdio runs check -- with a stdio server, TestStdioRealServers probes server-everything stdio from its committed lock file",
	"mcp_exporter check --config.file mcp_exporter.yml --output json -- node /opt/mcp/server-filesystem/dist/index.js /srv/data": "not here: the operator's paths; TestCheckStdio runs check --output json -- with a stdio server, TestStdioRealServers probes server-filesystem",
	"kubectl create namespace monitoring": "not here: no cluster",
	"kubectl -n monitoring create secret generic mcp-exporter-credentials --from-file=token=./token --from-file=client-secret=./client-secret": "not here: no cluster; TestHelmChartConfigSources lays out the Secret as mounted",
	"helm install mcp-exporter charts/mcp-exporter -n monitoring -f my-values.yaml":                                                            "not here: no cluster; TestHelmChartLint, TestHelmChartAllValues and TestHelmChartRunsAsRendered lint, render and run the chart",
	"promtool check config examples/prometheus.yml examples/prometheus-sharded.yml":                                                            "TestReadmePrometheus",
	"prometheus --config.file=examples/prometheus.yml":                                                                                         "TestReadmePrometheus",
	"promtool test rules examples/alerts_test.yml":                                                                                             "TestReadmePrometheus",
	"promtool check rules examples/multi-location/rules.yml":                                                                                   "TestMultiLocationRules",
	"promtool test rules examples/multi-location/rules_test.yml":                                                                               "TestMultiLocationRules",
	`curl -u admin:admin -H 'Content-Type: application/json' http://localhost:3000/api/dashboards/db -d "{\"dashboard\": $(cat examples/grafana/mcp-exporter.json), \"overwrite\": true}"`: "not here: no Grafana; TestExampleDashboard and the end-to-end test check the dashboard",
	"cp /path/to/token examples/kubernetes/token":                                        "TestExampleKubernetes",
	"cp /path/to/client-secret examples/kubernetes/client-secret":                        "TestExampleKubernetes",
	"kubectl apply -k examples/kubernetes/":                                              "not here: no cluster; TestExampleKubernetes builds the same kustomization with kustomize",
	"mcp_exporter --config.file=mcp_exporter.yml --web.listen-address=127.0.0.1:10115 &": "TestReadmePrometheus",
	"prometheus --agent --config.file=examples/collector/prometheus-agent.yml --storage.agent.path=/var/lib/prometheus-agent --web.listen-address=127.0.0.1:9090": "TestReadmePrometheus",
	"conformance/run.sh":                             ".ci/run",
	"conformance/run.sh auth/client-credentials-jwt": ".ci/run",
	"MCP_EXPORTER=./mcp_exporter MCP_CONFORMANCE_OUTPUT=/tmp/conformance conformance/run.sh": "not here: the same script as .ci/run's, on a binary built by hand",
	"go run ./bench": "not here: 1.5 minutes of load on the whole machine, run by hand (Performance); go vet ./... compiles it",
	"go test ./prober -run '^$' -bench 'LargeTools|CanonicalHash' -benchtime 10x": "TestReadmeBenchmarks",
}

// readmeCommands returns the commands of a Markdown file's sh blocks, one
// per line: continuation lines joined, a trailing comment (two spaces or
// more, then #) dropped.
func readmeCommands(t *testing.T, file string) []string {
	t.Helper()
	b := testsupport.ReadFile(t, file)
	var cmds []string
	in := false
	var cur strings.Builder
	comment := regexp.MustCompile(`\s{2,}#.*$`)
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		line := sc.Text()
		switch {
		case !in && strings.TrimSpace(line) == "```sh":
			in = true
			continue
		case in && strings.TrimSpace(line) == "```":
			in = false
			continue
		case !in:
			continue
		}
		line = strings.TrimSpace(comment.ReplaceAllString(line, ""))
		if rest, ok := strings.CutSuffix(line, "\\"); ok {
			cur.WriteString(strings.TrimSpace(rest) + " ")
			continue
		}
		cur.WriteString(line)
		if c := strings.TrimSpace(cur.String()); c != "" && !strings.HasPrefix(c, "#") {
			cmds = append(cmds, c)
		}
		cur.Reset()
	}
	return cmds
}

// docsCommands are the commands of the sh blocks of the README and of
// docs/.
func docsCommands(t *testing.T) []string {
	t.Helper()
	var cmds []string
	for _, f := range docFiles(t) {
		cmds = append(cmds, readmeCommands(t, f)...)
	}
	return cmds
}

// readmeCommand returns cmd after checking that the README or docs/ show
// it, and that readmeCoverage names the test that asks for it.
func readmeCommand(t *testing.T, cmd string) string {
	t.Helper()
	if !slices.Contains(docsCommands(t), cmd) {
		t.Fatalf("neither README.md nor docs/ show %q any more", cmd)
	}
	if where := readmeCoverage[cmd]; !slices.Contains(strings.Fields(where), strings.SplitN(t.Name(), "/", 2)[0]) {
		t.Errorf("readmeCoverage says %q for %q, which %s runs", where, cmd, t.Name())
	}
	return cmd
}

// TestReadmeCommandsCovered: every command the README shows is accounted
// for, by a test that exists, by .ci/run, or with a reason.
func TestReadmeCommandsCovered(t *testing.T) {
	cmds := docsCommands(t)
	if len(cmds) < 10 {
		t.Fatalf("found %d commands in the sh blocks of README.md and docs/: %q", len(cmds), cmds)
	}
	var tests strings.Builder
	files, _ := filepath.Glob("*_test.go")
	more, _ := filepath.Glob("*/*_test.go")
	for _, f := range append(files, more...) {
		b := testsupport.ReadFile(t, f)
		tests.Write(b)
	}
	ciRun := testsupport.ReadFile(t, ".ci/run")
	for _, c := range cmds {
		where, ok := readmeCoverage[c]
		switch {
		case !ok:
			t.Errorf("the docs show %q, which readmeCoverage does not account for: run it in a test, or say why it cannot run here", c)
		case where == ".ci/run":
			if !strings.Contains(string(ciRun), strings.Fields(c)[0]) {
				t.Errorf("%q: .ci/run does not run %s", c, strings.Fields(c)[0])
			}
		case strings.HasPrefix(where, "not here: "):
		default:
			for _, test := range strings.Fields(where) {
				if !strings.Contains(tests.String(), "func "+test+"(t *testing.T)") {
					t.Errorf("%q: readmeCoverage names %s, which is not a test", c, test)
				}
			}
		}
	}
	for c := range readmeCoverage {
		if !slices.Contains(cmds, c) {
			t.Errorf("readmeCoverage names %q, which neither README.md nor docs/ show any more", c)
		}
	}
}

// netns is a network namespace of the test's own, with its loopback up:
// the README's fixed ports are free there.
type netns struct {
	pid  int
	env  []string
	dir  string // where commands run
	logs map[string]*testsupport.SyncBuffer
}

// newNetns makes the namespace, held by a sleeping process. It needs root
// (or CAP_SYS_ADMIN), unshare and ip: the test skips without them, and
// fails under CI, where .ci/run runs as root.
func newNetns(t *testing.T) *netns {
	t.Helper()
	for _, tool := range []string{"unshare", "nsenter", "ip", "curl"} {
		if _, err := exec.LookPath(tool); err != nil {
			skipOrFail(t, "%s is not installed: %v", tool, err)
		}
	}
	holder := exec.Command("unshare", "--net", "sh", "-c", "ip link set lo up && echo up && exec sleep 3600")
	out, err := holder.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	holder.Stderr = &stderr
	if err := holder.Start(); err != nil {
		skipOrFail(t, "unshare --net: %v", err)
	}
	t.Cleanup(func() { _ = holder.Process.Kill(); _ = holder.Wait() })
	line, _ := bufio.NewReader(out).ReadString('\n')
	if strings.TrimSpace(line) != "up" {
		_ = holder.Wait()
		skipOrFail(t, "a network namespace with its loopback up: %s", stderr.String())
	}
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	return &netns{pid: holder.Process.Pid, env: os.Environ(), dir: wd, logs: map[string]*testsupport.SyncBuffer{}}
}

func skipOrFail(t *testing.T, format string, args ...any) {
	t.Helper()
	if os.Getenv("CI") != "" {
		t.Fatalf(format, args...)
	}
	t.Skipf(format, args...)
}

func (n *netns) command(script string) *exec.Cmd {
	cmd := exec.Command("nsenter", "--target", fmt.Sprint(n.pid), "--net", "--", "bash", "-c", script)
	cmd.Dir, cmd.Env = n.dir, n.env
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	return cmd
}

// run runs script with bash in the namespace and returns its output and
// exit code.
func (n *netns) run(t *testing.T, script string) (string, int) {
	t.Helper()
	cmd := n.command(script)
	out, err := cmd.CombinedOutput()
	if cmd.ProcessState == nil {
		t.Fatalf("%s: %v", script, err)
	}
	return string(out), cmd.ProcessState.ExitCode()
}

// start runs a long-running script (a server) in the namespace until the
// test ends or stop is called; its process group is ended then.
func (n *netns) start(t *testing.T, script string) (stop func()) {
	t.Helper()
	cmd := n.command(script)
	log := &testsupport.SyncBuffer{}
	n.logs[script] = log
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		t.Fatalf("%s: %v", script, err)
	}
	stopped := false
	stop = func() {
		if stopped {
			return
		}
		stopped = true
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM)
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			<-done
		}
	}
	t.Cleanup(func() {
		stop()
		if t.Failed() {
			t.Logf("%s:\n%s", script, log.String())
		}
	})
	return stop
}

// waitHTTP waits until url answers 200 in the namespace.
func (n *netns) waitHTTP(t *testing.T, url string, limit time.Duration) {
	t.Helper()
	if out, code := n.run(t, fmt.Sprintf("for i in $(seq %d); do curl -sf -o /dev/null %q && exit 0; sleep 0.5; done; exit 1", int(limit/(500*time.Millisecond)), url)); code != 0 {
		t.Fatalf("%s did not answer within %v: %s", url, limit, out)
	}
}

// installBinary stands for `go install github.com/...@latest`: the
// module proxy here cannot serve this module, so the checkout (which is
// what @latest would fetch) is installed, the same way, into the GOPATH
// the namespace's commands see. It returns the GOPATH.
func (n *netns) installBinary(t *testing.T) string {
	t.Helper()
	gopath := t.TempDir()
	modcache, err := exec.Command("go", "env", "GOMODCACHE").Output()
	if err != nil {
		t.Fatal(err)
	}
	n.env = append(n.env, "GOPATH="+gopath, "GOMODCACHE="+strings.TrimSpace(string(modcache)), "GOBIN=")
	if out, code := n.run(t, "go install ."); code != 0 {
		t.Fatalf("go install .: exit %d\n%s", code, out)
	}
	return gopath
}

// TestReadmeQuickstart runs the Quickstart and "In CI: the check command"
// as the README shows them: the exporter on the shipped configuration, the
// two demo servers, the curl probes, check with go run and installed.
func TestReadmeQuickstart(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the exporter and the demo servers")
	}
	n := newNetns(t)
	n.start(t, readmeCommand(t, "go run . --config.file=mcp_exporter.yml"))
	n.start(t, readmeCommand(t, "go run ./examples/demo-mcp-server -addr 127.0.0.1:8080"))
	n.start(t, readmeCommand(t, "go run ./examples/demo-mcp-server -addr 127.0.0.1:8081 -stateless"))
	n.waitHTTP(t, "http://127.0.0.1:10115/-/healthy", 3*time.Minute)

	// check --wait waits for the stateful demo server.
	out, code := n.run(t, readmeCommand(t, "go run . check --wait 60s http://127.0.0.1:8080/mcp"))
	if code != 0 || !strings.Contains(out, "SUCCESS") {
		t.Fatalf("check --wait: exit %d\n%s", code, out)
	}
	// The stateless one, started at the same time, with the installed check
	// below; here it only has to be listening.
	if out, code := n.run(t, "for i in $(seq 360); do curl -s -o /dev/null http://127.0.0.1:8081/mcp && exit 0; sleep 0.5; done; exit 1"); code != 0 {
		t.Fatalf("the stateless demo server does not listen: %s", out)
	}
	for _, c := range []struct{ cmd, want string }{
		{"curl 'http://localhost:10115/probe?target=http://127.0.0.1:8080/mcp'", `probe_mcp_protocol_version_info{version="2025-11-25"} 1`},
		{"curl 'http://localhost:10115/probe?target=http://127.0.0.1:8081/mcp&debug=true'", `probe_mcp_protocol_version_info{version="2026-07-28"} 1`},
	} {
		out, code := n.run(t, readmeCommand(t, c.cmd))
		if code != 0 || !strings.Contains(out, "probe_success 1") || !strings.Contains(out, c.want) {
			t.Errorf("%s: exit %d, want probe_success 1 and %s:\n%s", c.cmd, code, c.want, out)
		}
	}
	out, code = n.run(t, readmeCommand(t, "go run . check --config.file mcp_exporter.yml --module default --output json http://127.0.0.1:8080/mcp"))
	var result struct {
		Success bool   `json:"success"`
		Module  string `json:"module"`
	}
	if code != 0 || json.Unmarshal([]byte(out), &result) != nil || !result.Success || result.Module != "default" {
		t.Errorf("check --output json: exit %d, %+v\n%s", code, result, out)
	}

	// Installed, check keeps its exit codes: 0, 1 for a failed probe, 2 for
	// a usage error, where go run says 1 for both.
	readmeCommand(t, "go install github.com/mcp-exporter/mcp_exporter@latest")
	n.installBinary(t)
	out, _ = n.run(t, readmeCommand(t, `"$(go env GOPATH)/bin/mcp_exporter" check --wait 60s http://127.0.0.1:8080/mcp; echo "exit $?"`))
	if !strings.HasSuffix(strings.TrimSpace(out), "exit 0") {
		t.Errorf("the installed check: %s", out)
	}
	for _, c := range []struct {
		script string
		want   int
	}{
		{`"$(go env GOPATH)/bin/mcp_exporter" check http://127.0.0.1:9/mcp`, 1},
		{`"$(go env GOPATH)/bin/mcp_exporter" check --module nosuch http://127.0.0.1:8080/mcp`, 2},
		{`go run . check --module nosuch http://127.0.0.1:8080/mcp`, 1},
	} {
		if out, code := n.run(t, c.script); code != c.want {
			t.Errorf("%s: exit %d, want %d\n%s", c.script, code, c.want, out)
		}
	}
}

// TestReadmePrometheus runs "Run it with Prometheus", the alerts' unit
// tests and "Private networks" as the README shows them, with Debian's
// Prometheus 2.x and with 3.x as `prometheus` and `promtool`.
func TestReadmePrometheus(t *testing.T) {
	if testing.Short() {
		t.Skip("runs Prometheus")
	}
	for _, v := range []struct {
		name              string
		prometheus, ptool func(testing.TB) string
	}{
		{"prometheus2", testsupport.PrometheusPath, testsupport.PromtoolPath},
		{"prometheus3", testsupport.Prometheus3Path, testsupport.Promtool3Path},
	} {
		t.Run(v.name, func(t *testing.T) {
			prom, promtool := v.prometheus(t), v.ptool(t)
			major := testsupport.PrometheusMajor(t, prom)
			n := newNetns(t)
			// The README's prometheus and promtool are this version's.
			bin := t.TempDir()
			for name, target := range map[string]string{"prometheus": prom, "promtool": promtool} {
				if err := os.Symlink(target, filepath.Join(bin, name)); err != nil {
					t.Fatal(err)
				}
			}
			n.env = append(n.env, "PATH="+bin+":"+os.Getenv("PATH"))
			for _, c := range []string{
				"promtool check config examples/prometheus.yml examples/prometheus-sharded.yml",
				"promtool test rules examples/alerts_test.yml",
			} {
				if out, code := n.run(t, readmeCommand(t, c)); code != 0 || !strings.Contains(out, "SUCCESS") {
					t.Errorf("%s: exit %d\n%s", c, code, out)
				}
			}

			// The exporter, installed, on the shipped configuration.
			gopath := n.installBinary(t)
			n.env = append(n.env, "PATH="+filepath.Join(gopath, "bin")+":"+bin+":"+os.Getenv("PATH"))
			n.start(t, readmeCommand(t, "mcp_exporter --config.file=mcp_exporter.yml --web.listen-address=127.0.0.1:10115 &")+" wait")
			n.waitHTTP(t, "http://127.0.0.1:10115/-/healthy", time.Minute)

			// prometheus.yml as written, from a directory of its own (it
			// keeps its data in ./data): every job is there, and the
			// exporter's own is up.
			work := t.TempDir()
			wd, _ := os.Getwd()
			if err := os.Symlink(filepath.Join(wd, "examples"), filepath.Join(work, "examples")); err != nil {
				t.Fatal(err)
			}
			repo := n.dir
			n.dir = work
			stop := n.start(t, readmeCommand(t, "prometheus --config.file=examples/prometheus.yml"))
			n.waitHTTP(t, "http://127.0.0.1:9090/-/ready", time.Minute)
			query := `curl -s -G --data-urlencode 'query=count by (job) (up)' http://127.0.0.1:9090/api/v1/query`
			var jobs string
			for range 60 {
				jobs, _ = n.run(t, query)
				if !strings.Contains(jobs, `"status":"success"`) || strings.Count(jobs, `"job":`) == 3 {
					break
				}
				time.Sleep(time.Second)
			}
			for _, job := range []string{"mcp", "mcp_file_sd", "mcp_exporter"} {
				if !strings.Contains(jobs, fmt.Sprintf(`"job":%q`, job)) {
					t.Errorf("prometheus.yml: no job %s in %s", job, jobs)
				}
			}
			// Against the shipped configuration, nothing that is on is down
			// (issue 25 item 10): a job for a module the exporter does not
			// have would be answered 400.
			if out, _ := n.run(t, `curl -s -G --data-urlencode 'query=up == 0' http://127.0.0.1:9090/api/v1/query`); !strings.Contains(out, `"result":[]`) {
				t.Errorf("prometheus.yml on the shipped configuration: targets are down: %s", out)
			}
			out, _ := n.run(t, `curl -s -G --data-urlencode 'query=up{job="mcp_exporter"}' http://127.0.0.1:9090/api/v1/query`)
			if !strings.Contains(out, `"1"]`) {
				t.Errorf("prometheus.yml: the exporter's own job is not up: %s", out)
			}
			stop()

			// The agent, as the README shows it for 3.x, and with 2.x's
			// spelling of the flag, which the README gives beside it; its
			// storage in a temporary directory instead of /var/lib.
			agent := readmeCommand(t, "prometheus --agent --config.file=examples/collector/prometheus-agent.yml --storage.agent.path=/var/lib/prometheus-agent --web.listen-address=127.0.0.1:9090")
			agent = strings.Replace(agent, "/var/lib/prometheus-agent", t.TempDir(), 1)
			if major < 3 {
				agent = strings.Replace(agent, "--agent", "--enable-feature=agent", 1)
			}
			stop = n.start(t, agent)
			n.waitHTTP(t, "http://127.0.0.1:9090/-/ready", time.Minute)
			if out, _ := n.run(t, "curl -s http://127.0.0.1:9090/api/v1/query?query=up"); !strings.Contains(out, "unavailable with Prometheus Agent") {
				t.Errorf("%s: queries are answered, so this is no agent: %s", agent, out)
			}
			stop()
			if major >= 3 {
				// 3.x does not know 2.x's spelling: it warns, and refuses the
				// agent's flags, as the README says.
				wrong := strings.Replace(agent, "--agent", "--enable-feature=agent", 1)
				out, code := n.run(t, "timeout 60 "+wrong)
				if code == 0 || code == 124 || !strings.Contains(out, "Unknown option for --enable-feature") ||
					!strings.Contains(out, "can only be used in agent mode") {
					t.Errorf("%s on Prometheus 3: exit %d, want a warning and a refusal:\n%s", wrong, code, out)
				}
			}
			n.dir = repo
		})
	}
}

// TestReadmeBenchmarks runs the Performance section's benchmark command as
// written (about 15 s): it must pass and report the ratios the README
// states targets for.
func TestReadmeBenchmarks(t *testing.T) {
	if testing.Short() {
		t.Skip("runs benchmarks")
	}
	script := readmeCommand(t, "go test ./prober -run '^$' -bench 'LargeTools|CanonicalHash' -benchtime 10x")
	out, err := exec.Command("bash", "-c", script).CombinedOutput()
	if err != nil {
		t.Fatalf("%s: %v\n%s", script, err, out)
	}
	for _, want := range []string{"BenchmarkProbeLargeToolsList/json", "BenchmarkProbeLargeToolsList/sse", "peak-heap/response", "hash/unmarshal"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("%s does not report %s:\n%s", script, want, out)
		}
	}
}
