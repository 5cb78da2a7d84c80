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

// The tests of examples/multi-location/: the same MCP servers probed from
// several locations, one exporter and one Prometheus agent each, judged
// together by a central Prometheus with rules.yml.

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mcp-exporter/mcp_exporter/internal/testsupport"
)

const (
	multiLocationRules     = "examples/multi-location/rules.yml"
	multiLocationRulesTest = "examples/multi-location/rules_test.yml"
)

// multiLocationAgents maps each location to its agent's configuration.
var multiLocationAgents = map[string]string{
	"eu-west":  "examples/multi-location/agent-eu-west.yml",
	"us-east":  "examples/multi-location/agent-us-east.yml",
	"ap-south": "examples/multi-location/agent-ap-south.yml",
}

// TestMultiLocationRules checks rules.yml with Prometheus 2.x's and 3.x's
// promtool (check rules, and the unit tests of rules_test.yml, as the README
// gives the commands), and that each alert has a summary, a description, a
// severity and a unit test where it fires and one where it stays quiet.
func TestMultiLocationRules(t *testing.T) {
	if testing.Short() {
		t.Skip("runs promtool")
	}
	testsupport.EachPromtool(t, func(t *testing.T, promtool string) {
		for _, c := range []string{
			"promtool check rules " + multiLocationRules,
			"promtool test rules " + multiLocationRulesTest,
		} {
			args := strings.Fields(readmeCommand(t, c))[1:]
			if out := runPromtoolBin(t, promtool, args...); !strings.Contains(out, "SUCCESS") {
				t.Errorf("%s:\n%s", c, out)
			}
		}
	})

	rules := rulesIn(t, multiLocationRules)
	fires, quiet := alertTestCases(t, multiLocationRulesTest)
	var alerts []string
	for _, r := range rules {
		if r.Alert == "" {
			if !strings.Contains(r.Record, ":") {
				t.Errorf("recording rule %q is not named level:metric:operations", r.Record)
			}
			continue
		}
		alerts = append(alerts, r.Alert)
		if r.Annotations["summary"] == "" || r.Annotations["description"] == "" || r.Labels["severity"] == "" {
			t.Errorf("%s lacks a summary, a description or a severity: %v %v", r.Alert, r.Annotations, r.Labels)
		}
		if !fires[r.Alert] || !quiet[r.Alert] {
			t.Errorf("%s: %s needs a case where it fires (%v) and one where it does not (%v)", r.Alert, multiLocationRulesTest, fires[r.Alert], quiet[r.Alert])
		}
	}
	if want := []string{"MCPServerDownQuorum", "MCPLocationBlind", "MCPLocationGone"}; !slices.Equal(alerts, want) {
		t.Errorf("%s has the alerts %q, want %q", multiLocationRules, alerts, want)
	}
}

// TestMultiLocationAgents checks that the agents differ only in their
// location, which is each one's external label location, and that their
// probe job is examples/prometheus.yml's, so that instance is the target
// URL as everywhere else.
func TestMultiLocationAgents(t *testing.T) {
	example := scrapeJob(t, readPromConfig(t, "examples/prometheus.yml"), "mcp")
	var first map[string]any
	for _, loc := range slices.Sorted(maps.Keys(multiLocationAgents)) {
		cfg := readPromConfig(t, multiLocationAgents[loc])
		labels, _ := cfg["global"].(map[string]any)["external_labels"].(map[string]any)
		if !reflect.DeepEqual(labels, map[string]any{"location": loc}) {
			t.Errorf("%s: external_labels %v, want only location: %s", multiLocationAgents[loc], labels, loc)
		}
		job := scrapeJob(t, cfg, "mcp")
		for _, k := range []string{"metrics_path", "params", "relabel_configs"} {
			if !reflect.DeepEqual(job[k], example[k]) {
				t.Errorf("%s: the mcp job's %s is %v, examples/prometheus.yml's %v", multiLocationAgents[loc], k, job[k], example[k])
			}
		}
		if cfg["rule_files"] != nil {
			t.Errorf("%s: an agent evaluates no rules", multiLocationAgents[loc])
		}
		cfg["global"].(map[string]any)["external_labels"] = nil
		if first == nil {
			first = cfg
		} else if !reflect.DeepEqual(cfg, first) {
			t.Errorf("%s differs from the other agents in more than its location", multiLocationAgents[loc])
		}
	}
	central := readPromConfig(t, "examples/multi-location/central.yml")
	if rf, _ := central["rule_files"].([]any); len(rf) != 1 || filepath.Join("examples/multi-location", rf[0].(string)) != multiLocationRules {
		t.Errorf("central.yml loads the rules %v, want rules.yml beside it", central["rule_files"])
	}
}

// TestMultiLocationEndToEnd runs the recipe with Prometheus 3.x: three
// locations, each an exporter and an agent with its agent-*.yml, probe three
// real MCP servers and remote-write into a central Prometheus with
// central.yml's rules.yml. ap-south's exporter reaches nothing: its module
// goes through a proxy that refuses connections. The rules must name
// ap-south blind and no server down; then one server stops, and the quorum
// must name it and only it.
func TestMultiLocationEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("runs four Prometheus servers")
	}
	bin := testsupport.Prometheus3Path(t)
	if major := testsupport.PrometheusMajor(t, bin); major < 3 {
		t.Fatalf("%s is Prometheus %d.x, want 3.x", bin, major)
	}
	start := time.Now()
	const blind = "ap-south"

	servers := map[string]*httptest.Server{}
	for range 3 {
		srv := testsupport.Serve(t, endToEndServer())
		servers[srv.URL+"/mcp"] = srv
	}
	targets := slices.Sorted(maps.Keys(servers))

	rulesFile, err := filepath.Abs(multiLocationRules)
	if err != nil {
		t.Fatal(err)
	}
	central := readPromConfig(t, "examples/multi-location/central.yml")
	central["global"] = map[string]any{"evaluation_interval": "1s"}
	central["rule_files"] = []any{rulesFile}
	c := startPrometheus(t, bin, central, "--web.enable-remote-write-receiver")

	deadProxy := "http://" + testsupport.RefusedAddr(t)
	for _, loc := range slices.Sorted(maps.Keys(multiLocationAgents)) {
		module := "modules:\n  default:\n    timeout: 2s\n"
		if loc == blind {
			module += fmt.Sprintf("    http_config: {proxy_url: %q}\n", deadProxy)
		}
		te := newTestExporter(t, module, "")
		exporterAddr := strings.TrimPrefix(te.server.URL, "http://")
		agent := readPromConfig(t, multiLocationAgents[loc])
		global := agent["global"].(map[string]any)
		global["scrape_interval"], global["scrape_timeout"] = "1s", "1s"
		job := scrapeJob(t, agent, "mcp")
		pointJobAt(t, job, targets[0], exporterAddr)
		job["static_configs"] = []any{map[string]any{"targets": slices.Clone(targets)}}
		scrapeJob(t, agent, "mcp_exporter")["static_configs"] = []any{map[string]any{"targets": []any{exporterAddr}}}
		rw := agent["remote_write"].([]any)[0].(map[string]any)
		rw["url"] = c.url + "/api/v1/write"
		rw["queue_config"] = map[string]any{"batch_send_deadline": "500ms"}
		startPrometheus(t, bin, agent, "--agent", "--storage.agent.path="+t.TempDir())
	}

	exprs := map[string]string{}
	for _, r := range rulesIn(t, multiLocationRules) {
		if r.Alert != "" {
			exprs[r.Alert] = r.Expr
		}
	}
	// names runs an alert's expression and returns the values of label in
	// its result, sorted.
	names := func(alert, label string) []string {
		s, err := c.query(exprs[alert])
		if err != nil {
			t.Fatalf("%s: %v", alert, err)
		}
		var got []string
		for _, x := range s {
			got = append(got, x.Metric[label])
		}
		slices.Sort(got)
		return got
	}

	// Every location reports every target; ap-south fails each at the
	// connect layer (its proxy), the others reach them.
	deadline := time.Now().Add(60 * time.Second)
	c.waitFor(t, deadline, "count(location_instance:mcp_probe_success:max)", func(s []promSample) bool {
		return len(s) == 1 && s[0].value() == fmt.Sprint(len(targets)*len(multiLocationAgents))
	})
	c.waitFor(t, deadline, `count by (location, layer, reason) (probe_mcp_failure_info)`, func(s []promSample) bool {
		return len(s) == 1 && s[0].Metric["location"] == blind && s[0].Metric["layer"] == "connect" && s[0].value() == fmt.Sprint(len(targets))
	})
	c.waitFor(t, deadline, "location:mcp_blind:ratio", func(s []promSample) bool {
		return len(s) == 1 && s[0].Metric["location"] == blind
	})
	// Rules evaluated since every series arrived see the whole picture.
	waitRulesHealthy(t, c, len(rulesIn(t, multiLocationRules)), deadline, time.Now())
	if got := names("MCPLocationBlind", "location"); !slices.Equal(got, []string{blind}) {
		t.Errorf("MCPLocationBlind names %q, want only %s", got, blind)
	}
	if got := names("MCPServerDownQuorum", "instance"); len(got) > 0 {
		t.Errorf("MCPServerDownQuorum names %q while every server is up", got)
	}
	if got := names("MCPLocationGone", "location"); len(got) > 0 {
		t.Errorf("MCPLocationGone names %q while every location reports", got)
	}
	c.waitFor(t, deadline, `ALERTS{alertname="MCPLocationBlind",alertstate="pending"}`, func(s []promSample) bool {
		return len(s) == 1 && s[0].Metric["location"] == blind
	})

	// One server really stops: the two locations that can see fail it, and
	// the quorum names it, and only it.
	down := targets[1]
	servers[down].Close()
	stopped := time.Now()
	deadline = time.Now().Add(60 * time.Second)
	c.waitFor(t, deadline, exprs["MCPServerDownQuorum"], func(s []promSample) bool { return len(s) > 0 })
	waitRulesHealthy(t, c, len(rulesIn(t, multiLocationRules)), deadline, time.Now())
	if got := names("MCPServerDownQuorum", "instance"); !slices.Equal(got, []string{down}) {
		t.Errorf("MCPServerDownQuorum names %q, want only %s", got, down)
	}
	if s, err := c.query(fmt.Sprintf(`instance:mcp_probe_failing_locations:count{instance=%q}`, down)); err != nil || len(s) != 1 || s[0].value() != "2" {
		t.Errorf("%s fails from %v (%v), want the 2 locations that are not blind", down, s, err)
	}
	if got := names("MCPLocationBlind", "location"); !slices.Equal(got, []string{blind}) {
		t.Errorf("after %s stopped, MCPLocationBlind names %q, want only %s", down, got, blind)
	}
	c.waitFor(t, deadline, `ALERTS{alertname="MCPServerDownQuorum",alertstate="pending"}`, func(s []promSample) bool {
		return len(s) == 1 && s[0].Metric["instance"] == down
	})
	// Its description, as Prometheus renders it, says from where and at
	// which layer, and leaves the blind location out.
	want := "from 2 of the 2 locations that probe it, blind ones left out: eu-west at the connect layer (reason connect), us-east at the connect layer (reason connect)."
	for desc := ""; !strings.Contains(desc, want); {
		desc = alertDescription(t, c, "MCPServerDownQuorum")
		if time.Now().After(deadline) {
			t.Fatalf("MCPServerDownQuorum's description %q does not end %q", desc, want)
		}
		time.Sleep(250 * time.Millisecond)
	}
	t.Logf("blind location named, no server down, then %s named down %v after it stopped; end-to-end in %v",
		down, time.Since(stopped).Round(100*time.Millisecond), time.Since(start).Round(100*time.Millisecond))
}

// TestHelmChartLocation renders the chart with each location's example
// values (examples/multi-location/values-*.yaml): helm lint passes, the
// Probe's and ServiceMonitors' series get the label location, the Probe
// probes the agents' targets with examples/prometheus.yml's labels, and the
// files differ only in location. Without location, no series gets one.
func TestHelmChartLocation(t *testing.T) {
	if testing.Short() {
		t.Skip("runs helm")
	}
	targetMonitor := `serviceMonitor.targets=[{"name":"tools","url":"http://tools.svc.cluster.local:8080/mcp"}]`
	var first map[string]any
	for _, loc := range slices.Sorted(maps.Keys(multiLocationAgents)) {
		values := "examples/multi-location/values-" + loc + ".yaml"
		if out, err := runHelm(t, "lint", "--strict", chartDir, "--values", values); err != nil || !strings.Contains(out, "1 chart(s) linted, 0 chart(s) failed") {
			t.Errorf("helm lint --strict --values %s: %v\n%s", values, err, out)
		}
		for _, set := range []string{"", loc} {
			r := renderChart(t, "--values", values, "--set", "location="+set, "--set", "serviceMonitor.enabled=true", "--set-json", targetMonitor)
			want := map[string]string{"module": "default"}
			if set != "" {
				want["location"] = set
			}
			var probe probeSpec
			decodeSpec(t, r.one(t, "Probe"), &probe)
			if !reflect.DeepEqual(probe.Targets.StaticConfig.Labels, want) || probe.JobName != "mcp" || probe.Module != "default" {
				t.Errorf("%s, location %q: Probe job %s module %s labels %v, want job mcp and %v", values, set, probe.JobName, probe.Module, probe.Targets.StaticConfig.Labels, want)
			}
			agentTargets := scrapeJob(t, readPromConfig(t, multiLocationAgents[loc]), "mcp")["static_configs"].([]any)[0].(map[string]any)["targets"]
			if fmt.Sprint(probe.Targets.StaticConfig.Static) != fmt.Sprint(agentTargets) {
				t.Errorf("%s: the Probe's targets %q are not the agents' %v", values, probe.Targets.StaticConfig.Static, agentTargets)
			}
			monitors := r.all("ServiceMonitor")
			if len(monitors) != 2 {
				t.Fatalf("%s: %d ServiceMonitors, want the exporter's own and the target's", values, len(monitors))
			}
			for _, o := range monitors {
				var sm serviceMonitorSpec
				decodeSpec(t, o, &sm)
				got := ""
				for _, rl := range sm.Endpoints[0].Relabelings {
					if rl.TargetLabel == "location" && rl.Action == "replace" {
						got = rl.Replacement
					}
				}
				if got != set {
					t.Errorf("%s, location %q: ServiceMonitor %s sets location %q", values, set, o.Metadata.Name, got)
				}
			}
		}
		var v map[string]any
		readYAML(t, values, &v)
		if v["location"] != loc {
			t.Errorf("%s: location %v, want %s", values, v["location"], loc)
		}
		delete(v, "location")
		if first == nil {
			first = v
		} else if !reflect.DeepEqual(v, first) {
			t.Errorf("%s differs from the other locations' values in more than location", values)
		}
	}
}

// alertDescription returns the description of the named alert, pending or
// firing, as Prometheus renders it (/api/v1/alerts); "" when there is none.
func alertDescription(t *testing.T, p *promServer, name string) string {
	t.Helper()
	resp, err := http.Get(p.url + "/api/v1/alerts")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var r struct {
		Data struct {
			Alerts []struct {
				Labels      map[string]string `json:"labels"`
				Annotations map[string]string `json:"annotations"`
			} `json:"alerts"`
		} `json:"data"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&r); err != nil {
		t.Fatal(err)
	}
	for _, a := range r.Data.Alerts {
		if a.Labels["alertname"] == name {
			return a.Annotations["description"]
		}
	}
	return ""
}
