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

// The tests of examples/ and the Dockerfile: each piece is checked with the
// real tool (promtool, a Prometheus server, go build, the exporter's own
// configuration loader) rather than by eye.

import (
	"bufio"
	"bytes"
	"context"
	"crypto/md5"
	"debug/elf"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	yaml "go.yaml.in/yaml/v3"

	"github.com/mcp-exporter/mcp_exporter/config"
	"github.com/mcp-exporter/mcp_exporter/internal/testsupport"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// agentConfigs are the Prometheus configs under examples/ meant for agent
// mode, checked with promtool check config --agent.
var agentConfigs = []string{
	"examples/collector/prometheus-agent.yml",
	"examples/multi-location/agent-eu-west.yml", "examples/multi-location/agent-us-east.yml", "examples/multi-location/agent-ap-south.yml",
}

// prometheusConfigs finds every Prometheus config under examples/: a YAML
// file with scrape_configs at the top.
func prometheusConfigs(t *testing.T) []string {
	t.Helper()
	var found []string
	err := filepath.WalkDir("examples", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || (path.Ext(p) != ".yml" && path.Ext(p) != ".yaml") {
			return err
		}
		var top map[string]any
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if yaml.Unmarshal(b, &top) == nil && top["scrape_configs"] != nil {
			found = append(found, filepath.ToSlash(p))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return found
}

func runPromtool(t *testing.T, args ...string) string {
	t.Helper()
	return runPromtoolBin(t, testsupport.PromtoolPath(t), args...)
}

func runPromtoolBin(t *testing.T, promtool string, args ...string) string {
	t.Helper()
	out, err := exec.Command(promtool, args...).CombinedOutput()
	if err != nil {
		t.Errorf("%s %s: %v\n%s", promtool, strings.Join(args, " "), err, out)
	}
	return string(out)
}

// TestExamplePrometheusConfigs checks every Prometheus config under
// examples/ with Debian's promtool 2.x and with 3.x's, which .ci/run builds.
func TestExamplePrometheusConfigs(t *testing.T) {
	configs := prometheusConfigs(t)
	for _, want := range append([]string{"examples/prometheus.yml", "examples/prometheus-sharded.yml", "examples/collector/prometheus-local.yml", "examples/collector/federate.yml", "examples/multi-location/central.yml"}, agentConfigs...) {
		if !slices.Contains(configs, want) {
			t.Errorf("%s is not found as a Prometheus config; found %q", want, configs)
		}
	}
	testsupport.EachPromtool(t, func(t *testing.T, promtool string) {
		for _, c := range configs {
			t.Run(c, func(t *testing.T) {
				args := []string{"check", "config"}
				if slices.Contains(agentConfigs, c) {
					args = append(args, "--agent")
				}
				out := runPromtoolBin(t, promtool, append(args, c)...)
				// promtool only warns about a file_sd file that does not exist.
				if strings.Contains(out, "WARNING") {
					t.Errorf("promtool check config %s warns:\n%s", c, out)
				}
			})
		}
		out := runPromtoolBin(t, promtool, "test", "rules", "examples/alerts_test.yml")
		if !strings.Contains(out, "SUCCESS") {
			t.Errorf("promtool test rules:\n%s", out)
		}
	})
}

// alertRules reads examples/alerts.yml.
func alertRules(t *testing.T) []alertRule {
	t.Helper()
	return rulesIn(t, "examples/alerts.yml")
}

// rulesIn reads the rules of a rules file, every group's in order.
func rulesIn(t *testing.T, name string) []alertRule {
	t.Helper()
	var file struct {
		Groups []struct {
			Name  string      `yaml:"name"`
			Rules []alertRule `yaml:"rules"`
		} `yaml:"groups"`
	}
	readYAML(t, name, &file)
	var rules []alertRule
	for _, g := range file.Groups {
		rules = append(rules, g.Rules...)
	}
	if len(rules) == 0 {
		t.Fatalf("%s has no rules", name)
	}
	return rules
}

type alertRule struct {
	Record      string            `yaml:"record"`
	Alert       string            `yaml:"alert"`
	Expr        string            `yaml:"expr"`
	For         string            `yaml:"for"`
	Labels      map[string]string `yaml:"labels"`
	Annotations map[string]string `yaml:"annotations"`
}

func readYAML(t *testing.T, name string, v any) {
	t.Helper()
	b := testsupport.ReadFile(t, name)
	if err := yaml.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
}

// writeYAML writes v as YAML to a file named name in a temporary directory.
func writeYAML(t *testing.T, name string, v any) string {
	t.Helper()
	b, err := yaml.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	file := testsupport.WriteFile(t, filepath.Join(t.TempDir(), name), b, 0o600)
	return file
}

func TestExampleAlertRules(t *testing.T) {
	out := runPromtool(t, "check", "rules", "examples/alerts.yml")
	if !strings.Contains(out, "SUCCESS") {
		t.Errorf("promtool check rules:\n%s", out)
	}
	out = runPromtool(t, "test", "rules", "examples/alerts_test.yml")
	if !strings.Contains(out, "SUCCESS") {
		t.Errorf("promtool test rules:\n%s", out)
	}

	rules := alertRules(t)
	for _, want := range []string{
		"MCPServerDown", "MCPAuthBroken", "MCPAuthWallMissing", "MCPToolSchemaChanged", "MCPToolDefinitionChanged",
		"MCPToolCountDropped", "MCPProtocolVersionChanged", "MCPLatencyRegression", "MCPCertificateExpiring",
		"MCPExporterConfigReloadFailed",
	} {
		if !slices.ContainsFunc(rules, func(r alertRule) bool { return r.Alert == want }) {
			t.Errorf("examples/alerts.yml has no alert %s", want)
		}
	}

	// Every alert has a summary and a description naming the target, and a
	// unit test in which it fires and one in which it does not.
	fires, quiet := alertTestCases(t, "examples/alerts_test.yml")
	for _, r := range rules {
		if r.Alert == "" {
			t.Errorf("rule %q is not an alert", r.Expr)
			continue
		}
		for _, a := range []string{"summary", "description"} {
			if !strings.Contains(r.Annotations[a], "{{ $labels.instance }}") {
				t.Errorf("%s: the %s annotation does not name the target: %q", r.Alert, a, r.Annotations[a])
			}
		}
		if r.Labels["severity"] == "" {
			t.Errorf("%s has no severity", r.Alert)
		}
		if !fires[r.Alert] || !quiet[r.Alert] {
			t.Errorf("%s: examples/alerts_test.yml needs a case where it fires (%v) and one where it does not (%v)", r.Alert, fires[r.Alert], quiet[r.Alert])
		}
	}
}

// alertTestCases reads a promtool rules test file: the alerts it expects
// to fire at some evaluation, and those it expects quiet at some other.
func alertTestCases(t *testing.T, name string) (fires, quiet map[string]bool) {
	t.Helper()
	var tests struct {
		Tests []struct {
			AlertRuleTest []struct {
				Alertname string           `yaml:"alertname"`
				ExpAlerts []map[string]any `yaml:"exp_alerts"`
			} `yaml:"alert_rule_test"`
		} `yaml:"tests"`
	}
	readYAML(t, name, &tests)
	fires, quiet = map[string]bool{}, map[string]bool{}
	for _, tc := range tests.Tests {
		for _, a := range tc.AlertRuleTest {
			if len(a.ExpAlerts) > 0 {
				fires[a.Alertname] = true
			} else {
				quiet[a.Alertname] = true
			}
		}
	}
	return fires, quiet
}

// dashboard is the part of a Grafana dashboard the tests look at.
type dashboard struct {
	SchemaVersion int `json:"schemaVersion"`
	Templating    struct {
		List []struct {
			Name       string          `json:"name"`
			Type       string          `json:"type"`
			Query      json.RawMessage `json:"query"`
			Definition string          `json:"definition"`
			Datasource *datasourceRef  `json:"datasource"`
		} `json:"list"`
	} `json:"templating"`
	Annotations struct {
		List []struct {
			Name       string         `json:"name"`
			Expr       string         `json:"expr"`
			Datasource *datasourceRef `json:"datasource"`
		} `json:"list"`
	} `json:"annotations"`
	Panels []dashboardPanel `json:"panels"`
}

type dashboardPanel struct {
	ID         int              `json:"id"`
	Type       string           `json:"type"`
	Title      string           `json:"title"`
	Datasource *datasourceRef   `json:"datasource"`
	Targets    []panelTarget    `json:"targets"`
	Panels     []dashboardPanel `json:"panels"` // a collapsed row's panels
}

type panelTarget struct {
	RefID      string         `json:"refId"`
	Expr       string         `json:"expr"`
	Datasource *datasourceRef `json:"datasource"`
}

type datasourceRef struct {
	Type string `json:"type"`
	UID  string `json:"uid"`
}

func (d *datasourceRef) isVariable() bool {
	return d != nil && (d.UID == "${datasource}" || d.UID == "$datasource")
}

func readDashboard(t *testing.T) (*dashboard, []dashboardPanel) {
	t.Helper()
	b := testsupport.ReadFile(t, "examples/grafana/mcp-exporter.json")
	var d dashboard
	if err := json.Unmarshal(b, &d); err != nil {
		t.Fatalf("examples/grafana/mcp-exporter.json is not valid JSON: %v", err)
	}
	var panels []dashboardPanel
	var walk func([]dashboardPanel)
	walk = func(ps []dashboardPanel) {
		for _, p := range ps {
			panels = append(panels, p)
			walk(p.Panels)
		}
	}
	walk(d.Panels)
	return &d, panels
}

// labelValuesRE matches a Grafana Prometheus variable query,
// label_values(selector, label).
var labelValuesRE = regexp.MustCompile(`^label_values\((.+),\s*(\w+)\)$`)

// variableQuery is a query variable's label_values query: the object form
// of current Grafana, or a plain string.
func variableQuery(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var o struct {
		Query string `json:"query"`
	}
	_ = json.Unmarshal(raw, &o)
	return o.Query
}

func TestExampleDashboard(t *testing.T) {
	d, panels := readDashboard(t)
	if d.SchemaVersion < 36 {
		t.Errorf("schemaVersion %d, want 36 or later", d.SchemaVersion)
	}
	vars := map[string]string{}
	for _, v := range d.Templating.List {
		vars[v.Name] = v.Type
		switch v.Type {
		case "datasource":
			if q := variableQuery(v.Query); q != "prometheus" {
				t.Errorf("datasource variable %q queries %q, want prometheus", v.Name, q)
			}
		case "query":
			if !v.Datasource.isVariable() {
				t.Errorf("variable %q does not use the datasource variable: %+v", v.Name, v.Datasource)
			}
			if !labelValuesRE.MatchString(variableQuery(v.Query)) {
				t.Errorf("variable %q: %q is not a label_values query", v.Name, variableQuery(v.Query))
			}
		}
	}
	for name, typ := range map[string]string{"datasource": "datasource", "instance": "query", "module": "query"} {
		if vars[name] != typ {
			t.Errorf("no %s variable %q; variables: %v", typ, name, vars)
		}
	}
	for _, a := range d.Annotations.List {
		if a.Expr != "" && !a.Datasource.isVariable() {
			t.Errorf("annotation %q does not use the datasource variable", a.Name)
		}
	}

	ids := map[int]bool{}
	var exprs []string
	for _, p := range panels {
		if ids[p.ID] {
			t.Errorf("panel id %d is used twice", p.ID)
		}
		ids[p.ID] = true
		if !p.Datasource.isVariable() {
			t.Errorf("panel %q has no reference to the datasource variable: %+v", p.Title, p.Datasource)
		}
		for _, tg := range p.Targets {
			if tg.Datasource != nil && !tg.Datasource.isVariable() {
				t.Errorf("panel %q, query %s: datasource %+v is not the variable", p.Title, tg.RefID, tg.Datasource)
			}
			exprs = append(exprs, tg.Expr)
		}
	}
	all := strings.Join(exprs, "\n")
	for _, want := range []string{
		"probe_success", "probe_mcp_layer_duration_seconds", "probe_mcp_failure_info", "probe_mcp_tools{",
		"changes(probe_mcp_tools_schema_hash", "probe_mcp_protocol_version_info", "probe_mcp_server_info",
		"probe_ssl_earliest_cert_expiry", `probe_mcp_layer_success{layer="tool_call"`, `layer="tool_call"`,
		"probe_mcp_resources{", "probe_mcp_prompts{", "changes(probe_mcp_resources_definition_hash",
		"changes(probe_mcp_prompts_definition_hash", "probe_mcp_tools_by_hint{", "probe_mcp_tools_list_bytes{",
		"probe_mcp_credential_expiry_timestamp_seconds{", "probe_mcp_oauth2_token_fetch_success{",
		"probe_mcp_oauth2_token_fetch_duration_seconds{", "probe_mcp_oauth2_token_age_seconds{",
	} {
		if !strings.Contains(all, want) {
			t.Errorf("no panel queries %s", want)
		}
	}
	if !slices.ContainsFunc(panels, func(p dashboardPanel) bool {
		return p.Type == "state-timeline" && len(p.Targets) > 0 && strings.HasPrefix(p.Targets[0].Expr, "probe_success")
	}) {
		t.Error("no state timeline of probe_success")
	}
}

// grafanaVarRE matches $name and ${name} or ${name:format}.
var grafanaVarRE = regexp.MustCompile(`\$\{(\w+)(?::[^}]*)?\}|\$(\w+)`)

// grafanaValues stand in for what Grafana substitutes: every target and
// module (the variables' "All" value) and a one-minute interval.
var grafanaValues = map[string]string{
	"instance": ".*", "target": ".*", "module": ".*", "job": ".*",
	"__rate_interval": "1m", "__interval": "1m", "__range": "1m",
}

// interpolate substitutes Grafana's variables in a query; anything else
// that starts with $ (label_replace's "$1") is left alone, as Grafana does.
func interpolate(q string) string {
	return grafanaVarRE.ReplaceAllStringFunc(q, func(m string) string {
		sub := grafanaVarRE.FindStringSubmatch(m)
		name := sub[1] + sub[2]
		if v, ok := grafanaValues[name]; ok {
			return v
		}
		return m
	})
}

func TestInterpolate(t *testing.T) {
	for in, want := range map[string]string{
		`probe_success{instance=~"$instance",module=~"${module}"}`:                `probe_success{instance=~".*",module=~".*"}`,
		`rate(x[$__rate_interval]) + y[$__interval] + z[$__range]`:                `rate(x[1m]) + y[1m] + z[1m]`,
		`label_replace(m{instance=~"${instance:regex}"}, "a", "$1", "b", "(.*)")`: `label_replace(m{instance=~".*"}, "a", "$1", "b", "(.*)")`,
	} {
		if got := interpolate(in); got != want {
			t.Errorf("interpolate(%q) = %q, want %q", in, got, want)
		}
	}
}

// kustomizeBuild follows the documented steps on a copy of examples/: the
// credential files written into examples/kubernetes/ (the secretGenerator's
// token and client-secret), then kustomize build of the directory dir
// (examples/kubernetes or examples/kubernetes-sharded). It returns the
// objects built and the credentials written, by Secret key.
func kustomizeBuild(t *testing.T, dir string) (k8sObjects, map[string]string) {
	t.Helper()
	kustomize := testsupport.KustomizePath(t)
	root := t.TempDir()
	if err := os.CopyFS(root, os.DirFS("examples")); err != nil {
		t.Fatal(err)
	}
	// The files are git-ignored, and so never committed; a copy of a work
	// tree where someone put theirs must not use them.
	creds := map[string]string{"token": "e2e-bearer-token-" + t.Name(), "client-secret": "e2e-client-secret-" + t.Name()}
	for key := range creds {
		_ = os.Remove(filepath.Join(root, "kubernetes", key))
	}
	built := filepath.Join(root, strings.TrimPrefix(dir, "examples/"))

	// Before the credentials are there, the build fails and names the file:
	// no placeholder Secret can be applied by mistake.
	out, err := exec.Command(kustomize, "build", built).CombinedOutput()
	if err == nil || !strings.Contains(string(out), "token") {
		t.Errorf("kustomize build %s without the credential files: %v, want an error naming them\n%s", dir, err, out)
	}
	for key, v := range creds {
		writeConfig(t, filepath.Join(root, "kubernetes", key), v)
	}
	cmd := exec.Command(kustomize, "build", built)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err = cmd.Output()
	if err != nil {
		t.Fatalf("kustomize build %s: %v\n%s", dir, err, stderr.String())
	}
	return decodeManifests(t, "kustomize build "+dir, out), creds
}

// k8sNamespace is the namespace every object is built into, from the
// kustomization.
const k8sNamespace = "monitoring"

// TestExampleKubernetes builds examples/kubernetes with kustomize as the
// README says to apply it, and checks what comes out.
func TestExampleKubernetes(t *testing.T) {
	objs, creds := kustomizeBuild(t, "examples/kubernetes")
	want := []string{
		"ConfigMap/mcp-exporter-config", "Deployment/mcp-exporter", "Probe/mcp-servers", "Probe/mcp-servers-bearer",
		"Secret/mcp-exporter-credentials", "Service/mcp-exporter", "ServiceMonitor/mcp-exporter",
	}
	if got := objs.names(); !slices.Equal(got, want) {
		t.Fatalf("kustomize build examples/kubernetes gives %q, want %q", got, want)
	}
	pod := checkExporterPods(t, objs, objs.all("Deployment")[0], creds)

	// Each Probe points at the Service, names a module of the configuration
	// and labels its targets with it; a credentialed module's targets are
	// among its allowed_targets.
	var ss serviceSpec
	decodeSpec(t, objs.all("Service")[0], &ss)
	prober := fmt.Sprintf("%s.%s.svc:%d", objs.all("Service")[0].Metadata.Name, k8sNamespace, ss.Ports[0].Port)
	for _, p := range objs.all("Probe") {
		var ps probeSpec
		decodeSpec(t, p, &ps)
		if ps.Prober.URL != prober || ps.Prober.Path != "/probe" {
			t.Errorf("Probe %s: prober %s%s, want %s/probe", p.Metadata.Name, ps.Prober.URL, ps.Prober.Path, prober)
		}
		m, ok := pod.cfg.Modules[ps.Module]
		if !ok {
			t.Errorf("Probe %s: module %q is not in the configuration", p.Metadata.Name, ps.Module)
			continue
		}
		if ps.Targets.StaticConfig.Labels["module"] != ps.Module || len(ps.Targets.StaticConfig.Static) == 0 {
			t.Errorf("Probe %s: targets %+v, want some, labelled module=%s", p.Metadata.Name, ps.Targets.StaticConfig, ps.Module)
		}
		for _, target := range ps.Targets.StaticConfig.Static {
			u, err := url.Parse(target)
			if err != nil || !m.TargetAllowed(u) {
				t.Errorf("Probe %s: module %s may not probe %s", p.Metadata.Name, ps.Module, target)
			}
		}
	}
}

// TestExampleKubernetesSharded builds examples/kubernetes-sharded: the
// StatefulSet and its headless Service give the replicas exactly the names
// examples/prometheus-sharded.yml sends the probes to.
func TestExampleKubernetesSharded(t *testing.T) {
	objs, creds := kustomizeBuild(t, "examples/kubernetes-sharded")
	want := []string{
		"ConfigMap/mcp-exporter-config", "Secret/mcp-exporter-credentials", "Service/mcp-exporter",
		"Service/mcp-exporter-headless", "ServiceMonitor/mcp-exporter", "StatefulSet/mcp-exporter",
	}
	if got := objs.names(); !slices.Equal(got, want) {
		t.Fatalf("kustomize build examples/kubernetes-sharded gives %q, want %q (no Deployment, no Probes)", got, want)
	}
	sts := objs.all("StatefulSet")[0]
	pod := checkExporterPods(t, objs, sts, creds)
	var ds workloadSpec
	decodeSpec(t, sts, &ds)
	var headless k8sObject
	for _, svc := range objs.all("Service") {
		if svc.Metadata.Name == ds.ServiceName {
			headless = svc
		}
	}
	var hs serviceSpec
	if headless.Kind == "" {
		t.Fatalf("the StatefulSet's serviceName %q is not a Service of the build", ds.ServiceName)
	}
	decodeSpec(t, headless, &hs)
	if hs.ClusterIP != "None" || !isSubset(hs.Selector, ds.Template.Metadata.Labels) || len(hs.Ports) != 1 {
		t.Errorf("the Service %s is not headless over the StatefulSet's pods: %+v", headless.Metadata.Name, hs)
	}

	// The replicas' DNS names, <pod>.<headless service>.<namespace>.svc,
	// are the replicas of examples/prometheus-sharded.yml, shard by shard.
	replicas := shardReplicas(t, readPromConfig(t, "examples/prometheus-sharded.yml"))
	if ds.Replicas == nil || *ds.Replicas != len(replicas) {
		t.Fatalf("the StatefulSet has %v replicas, examples/prometheus-sharded.yml shards over %d", ds.Replicas, len(replicas))
	}
	for i, r := range replicas {
		dns := fmt.Sprintf("%s-%d.%s.%s.svc:%d", sts.Metadata.Name, i, headless.Metadata.Name, k8sNamespace, pod.port)
		if r != dns {
			t.Errorf("shard %d goes to %s; the StatefulSet's replica %d is %s", i, r, i, dns)
		}
	}
}

// exporterPod is what checkExporterPods learnt of the exporter's pod.
type exporterPod struct {
	cfg  *config.Config
	port int
}

// checkExporterPods checks the workload (a Deployment or a StatefulSet)
// that runs the exporter, with the ConfigMap, the Secret, the Service and
// the ServiceMonitor around it.
func checkExporterPods(t *testing.T, objs k8sObjects, workload k8sObject, creds map[string]string) exporterPod {
	t.Helper()
	cm, secret, sm := objs.all("ConfigMap")[0], objs.all("Secret")[0], objs.all("ServiceMonitor")[0]
	for _, o := range objs {
		if o.Metadata.Namespace != k8sNamespace {
			t.Errorf("%s %s is in namespace %q, want %s", o.Kind, o.Metadata.Name, o.Metadata.Namespace, k8sNamespace)
		}
		if o.Metadata.Labels["app.kubernetes.io/name"] != "mcp-exporter" {
			t.Errorf("%s %s lacks the label app.kubernetes.io/name=mcp-exporter: %v", o.Kind, o.Metadata.Name, o.Metadata.Labels)
		}
		if (o.Kind == "Probe" || o.Kind == "ServiceMonitor") && o.APIVersion != "monitoring.coreos.com/v1" {
			t.Errorf("%s: apiVersion %s, want monitoring.coreos.com/v1", o.Kind, o.APIVersion)
		}
	}

	// The Secret holds the credentials written as documented, not a
	// placeholder.
	secretData := map[string]string{}
	for k, v := range secret.Data {
		b, err := base64.StdEncoding.DecodeString(v)
		if err != nil {
			t.Fatalf("Secret key %s: %v", k, err)
		}
		secretData[k] = string(b)
	}
	if secret.Type != "Opaque" || len(secret.StringData) > 0 || !maps.Equal(secretData, creds) {
		t.Errorf("the Secret %s: type %q, data %q, stringData %q; want the credential files %q", secret.Metadata.Name, secret.Type, secretData, secret.StringData, creds)
	}

	// The ConfigMap's configuration passes --config.check with the Secret's
	// keys where it is mounted.
	if len(cm.Data) != 1 {
		t.Fatalf("the ConfigMap should hold one file, the configuration; it has %d", len(cm.Data))
	}
	var cmKey, cfgText string
	for k, v := range cm.Data {
		cmKey, cfgText = k, v
	}
	var ds workloadSpec
	decodeSpec(t, workload, &ds)
	pod := ds.Template.Spec
	if len(pod.Containers) != 1 {
		t.Fatalf("want one container, have %d", len(pod.Containers))
	}
	c := pod.Containers[0]
	mounts := map[string]string{} // volume name -> mount path
	for _, m := range c.VolumeMounts {
		mounts[m.Name] = m.MountPath
	}
	var configDir, secretDir string
	for _, v := range pod.Volumes {
		switch {
		case v.ConfigMap != nil && v.ConfigMap.Name == cm.Metadata.Name:
			configDir = mounts[v.Name]
		case v.Secret != nil && v.Secret.SecretName == secret.Metadata.Name:
			secretDir = mounts[v.Name]
		}
	}
	if configDir == "" || secretDir == "" {
		t.Fatalf("the ConfigMap (%q) and the Secret (%q) are not both mounted", configDir, secretDir)
	}
	if !slices.Contains(c.Args, "--config.file="+path.Join(configDir, cmKey)) {
		t.Errorf("args %q do not name the mounted configuration %s", c.Args, path.Join(configDir, cmKey))
	}
	mountDir := t.TempDir()
	for k, v := range secretData {
		writeConfig(t, filepath.Join(mountDir, k), v)
	}
	cfgText = strings.ReplaceAll(cfgText, secretDir+"/", mountDir+"/")
	cfg, err := config.Parse([]byte(cfgText))
	if err != nil {
		t.Fatalf("the ConfigMap's configuration does not load with the Secret mounted: %v", err)
	}
	cfgFile := filepath.Join(t.TempDir(), cmKey)
	writeConfig(t, cfgFile, cfgText)
	if code := run([]string{"--config.check", "--config.file", cfgFile}); code != 0 {
		t.Errorf("mcp_exporter --config.check on the ConfigMap's configuration: exit %d", code)
	}
	if _, ok := cfg.Modules[config.DefaultModuleName]; !ok {
		t.Error("the ConfigMap's configuration has no default module")
	}

	// Every credential file the configuration names is a key of the
	// Secret, and every credentialed module restricts its targets.
	credentialed := 0
	for name, m := range cfg.Modules {
		if len(m.Credentials()) == 0 {
			continue
		}
		credentialed++
		if len(m.AllowedTargets) == 0 {
			t.Errorf("module %s carries credentials without allowed_targets", name)
		}
		hc := m.HTTPClientConfig
		var files []string
		if hc.Authorization != nil && hc.Authorization.CredentialsFile != "" {
			files = append(files, hc.Authorization.CredentialsFile)
		}
		if hc.OAuth2 != nil && hc.OAuth2.ClientSecretFile != "" {
			files = append(files, hc.OAuth2.ClientSecretFile)
		}
		if len(files) == 0 {
			t.Errorf("module %s does not read its credential from the Secret", name)
		}
		for _, f := range files {
			if filepath.Dir(f) != mountDir || creds[filepath.Base(f)] == "" {
				t.Errorf("module %s reads %s, which is not a key of the Secret mounted at %s", name, f, secretDir)
			}
		}
	}
	if credentialed == 0 {
		t.Error("the ConfigMap's configuration has no credentialed module")
	}

	// The pod: hardened (non-root, no service account token, RuntimeDefault
	// seccomp, read-only, no privilege escalation, no capabilities, bounded
	// memory), healthy on /-/healthy.
	if !isSubset(ds.Selector.MatchLabels, ds.Template.Metadata.Labels) {
		t.Errorf("the %s's selector %v does not select its pods %v", workload.Kind, ds.Selector.MatchLabels, ds.Template.Metadata.Labels)
	}
	checkHardened(t, workload.Kind+" "+workload.Metadata.Name, pod)
	if c.Image == "" || len(c.Ports) != 1 || c.Ports[0].ContainerPort != 10115 {
		t.Fatalf("image %q, ports %+v: want an image and port 10115", c.Image, c.Ports)
	}
	for name, p := range map[string]*httpProbe{"liveness": c.LivenessProbe, "readiness": c.ReadinessProbe} {
		if p == nil || p.HTTPGet.Path != "/-/healthy" || (p.HTTPGet.Port != c.Ports[0].Name && p.HTTPGet.Port != 10115) {
			t.Errorf("%s probe: %+v, want GET /-/healthy on the exporter's port", name, p)
		}
	}

	// The Service mcp-exporter selects the pods and exposes the port; the
	// ServiceMonitor selects it and scrapes /metrics on it.
	var svc k8sObject
	for _, s := range objs.all("Service") {
		if s.Metadata.Name == "mcp-exporter" {
			svc = s
		}
	}
	var ss serviceSpec
	decodeSpec(t, svc, &ss)
	if !isSubset(ss.Selector, ds.Template.Metadata.Labels) || len(ss.Ports) != 1 || ss.Ports[0].Port != 10115 {
		t.Errorf("Service: selector %v, ports %+v", ss.Selector, ss.Ports)
	}
	var sms serviceMonitorSpec
	decodeSpec(t, sm, &sms)
	if !isSubset(sms.Selector.MatchLabels, svc.Metadata.Labels) || len(sms.Endpoints) != 1 ||
		sms.Endpoints[0].Port != ss.Ports[0].Name || sms.Endpoints[0].Path != "/metrics" {
		t.Errorf("ServiceMonitor: selector %v (Service labels %v), endpoints %+v", sms.Selector.MatchLabels, svc.Metadata.Labels, sms.Endpoints)
	}
	// A ServiceMonitor selecting on app.kubernetes.io/name alone would also
	// select the headless Service and scrape every replica twice.
	for _, s := range objs.all("Service") {
		if s.Metadata.Name != svc.Metadata.Name && isSubset(sms.Selector.MatchLabels, s.Metadata.Labels) {
			t.Errorf("the ServiceMonitor also selects the Service %s: each pod would be scraped twice", s.Metadata.Name)
		}
	}
	return exporterPod{cfg: cfg, port: c.Ports[0].ContainerPort}
}

// dockerfileInstructions reads a Dockerfile as instructions (continuation
// lines joined, comments dropped): keyword and the rest of the line.
func dockerfileInstructions(t *testing.T, name string) [][2]string {
	t.Helper()
	b := testsupport.ReadFile(t, name)
	var out [][2]string
	var cur strings.Builder
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if strings.HasPrefix(line, "#") || (line == "" && cur.Len() == 0) {
			continue
		}
		if rest, ok := strings.CutSuffix(line, "\\"); ok {
			cur.WriteString(rest + " ")
			continue
		}
		cur.WriteString(line)
		keyword, rest, _ := strings.Cut(strings.TrimSpace(cur.String()), " ")
		out = append(out, [2]string{strings.ToUpper(keyword), strings.TrimSpace(rest)})
		cur.Reset()
	}
	return out
}

// shellWords splits a command line as a POSIX shell would for the plain
// words and the single- and double-quoted strings a Dockerfile RUN uses.
func shellWords(s string) ([]string, error) {
	var words []string
	var w strings.Builder
	inWord := false
	for i := 0; i < len(s); i++ {
		switch ch := s[i]; {
		case ch == ' ' || ch == '\t':
			if inWord {
				words = append(words, w.String())
				w.Reset()
				inWord = false
			}
		case ch == '"' || ch == '\'':
			end := strings.IndexByte(s[i+1:], ch)
			if end < 0 {
				return nil, fmt.Errorf("unterminated %c in %q", ch, s)
			}
			w.WriteString(s[i+1 : i+1+end])
			i += end + 1
			inWord = true
		default:
			w.WriteByte(ch)
			inWord = true
		}
	}
	if inWord {
		words = append(words, w.String())
	}
	return words, nil
}

func TestDockerfile(t *testing.T) {
	instructions := dockerfileInstructions(t, "Dockerfile")
	args := map[string]string{} // ARG defaults
	var buildLine, cmd string
	var exposed []string
	copied := map[string]string{} // source -> destination
	for _, in := range instructions {
		switch in[0] {
		case "ARG":
			k, v, _ := strings.Cut(in[1], "=")
			args[k] = v
		case "RUN":
			if strings.Contains(in[1], "go build") {
				buildLine = in[1]
			}
		case "EXPOSE":
			exposed = strings.Fields(in[1])
		case "CMD":
			cmd = in[1]
		case "COPY":
			words := strings.Fields(in[1])
			if strings.HasPrefix(words[0], "--from") {
				continue
			}
			// Every source the build context must hold exists in the repository.
			for _, src := range words[:len(words)-1] {
				if matches, _ := filepath.Glob(src); len(matches) == 0 {
					t.Errorf("the Dockerfile copies %s, which the repository does not have", src)
				}
				copied[src] = words[len(words)-1]
			}
		}
	}
	if buildLine == "" {
		t.Fatal("the Dockerfile has no RUN with go build")
	}
	_, port, _ := net.SplitHostPort(defaultListenAddress)
	if !slices.Contains(exposed, port) {
		t.Errorf("the Dockerfile exposes %q, not the default port %s", exposed, port)
	}
	if dst := copied["mcp_exporter.yml"]; dst == "" || !strings.Contains(cmd, "--config.file="+dst) {
		t.Errorf("CMD %s does not load the configuration the image holds (%q)", cmd, dst)
	}

	// Build with exactly the Dockerfile's flags, the build args given as
	// docker build --build-arg would.
	buildArgs := map[string]string{"VERSION": "9.8.7-examples", "REVISION": "0123abcd", "BRANCH": "examples"}
	for k := range buildArgs {
		if _, ok := args[k]; !ok {
			t.Errorf("the Dockerfile has no ARG %s", k)
		}
	}
	expanded := os.Expand(buildLine, func(k string) string {
		if v, ok := buildArgs[k]; ok {
			return v
		}
		return args[k]
	})
	words, err := shellWords(expanded)
	if err != nil {
		t.Fatal(err)
	}
	var env []string
	for len(words) > 0 && strings.Contains(words[0], "=") {
		env = append(env, words[0])
		words = words[1:]
	}
	if len(words) < 2 || words[0] != "go" || words[1] != "build" {
		t.Fatalf("cannot read the go build command in %q", buildLine)
	}
	if !slices.Contains(env, "CGO_ENABLED=0") {
		t.Errorf("the build is not static: environment %q", env)
	}
	flags := words[2:]
	var ldflags string
	var buildFlags []string
	for i := 0; i < len(flags); i++ {
		switch {
		case flags[i] == "-o":
			i++ // the image's output path; the test builds into a temporary directory
		case flags[i] == "-ldflags":
			ldflags = flags[i+1]
			buildFlags = append(buildFlags, flags[i], flags[i+1])
			i++
		case strings.HasPrefix(flags[i], "-"):
			buildFlags = append(buildFlags, flags[i])
		default:
			if flags[i] != "." {
				t.Errorf("the Dockerfile builds %q, not the main package", flags[i])
			}
		}
	}
	if !slices.Contains(buildFlags, "-trimpath") {
		t.Errorf("the build has no -trimpath: %q", buildFlags)
	}
	for _, x := range []string{
		"-X github.com/prometheus/common/version.Version=9.8.7-examples",
		"-X github.com/prometheus/common/version.Revision=0123abcd",
		"-X github.com/prometheus/common/version.Branch=examples",
		"-X github.com/prometheus/common/version.BuildUser=",
	} {
		if !strings.Contains(strings.Join(strings.Fields(ldflags), " "), x) {
			t.Errorf("-ldflags %q lack %s", ldflags, x)
		}
	}

	bin := filepath.Join(t.TempDir(), "mcp_exporter")
	build := exec.Command("go", append(append([]string{"build"}, buildFlags...), "-o", bin, ".")...)
	build.Env = append(os.Environ(), env...)
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build with the Dockerfile's flags: %v\n%s", err, out)
	}
	out, err := exec.Command(bin, "--version").CombinedOutput()
	if err != nil {
		t.Fatalf("mcp_exporter --version: %v\n%s", err, out)
	}
	for _, want := range []string{"mcp_exporter, version 9.8.7-examples", "branch: examples", "revision: 0123abcd", "build user:"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("--version lacks %q:\n%s", want, out)
		}
	}
	if runtime.GOOS == "linux" {
		f, err := elf.Open(bin)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		libs, _ := f.ImportedLibraries()
		if f.Section(".interp") != nil || len(libs) > 0 {
			t.Errorf("the binary is not static: interpreter %v, libraries %q", f.Section(".interp") != nil, libs)
		}
	}
	if out, err := exec.Command(bin, "--config.check", "--config.file", "mcp_exporter.yml").CombinedOutput(); err != nil {
		t.Errorf("the built binary rejects the image's configuration: %v\n%s", err, out)
	}
}

// TestExampleCI runs the GitHub Actions workflow's steps as written, in
// order, in a network namespace of their own (their port 8080 is free
// there), from a directory that has the checkout's module, so that the
// server's log lands there; the README's two CI steps are the workflow's.
func TestExampleCI(t *testing.T) {
	var wf struct {
		Jobs map[string]struct {
			Steps []struct {
				Name string `yaml:"name"`
				If   string `yaml:"if"`
				Run  string `yaml:"run"`
			} `yaml:"steps"`
		} `yaml:"jobs"`
	}
	readYAML(t, "examples/ci/github-actions.yml", &wf)
	if len(wf.Jobs) != 1 {
		t.Fatalf("the workflow has %d jobs, want one", len(wf.Jobs))
	}
	const (
		start   = "go run ./examples/demo-mcp-server -addr 127.0.0.1:8080 > mcp-server.log 2>&1 &"
		install = "go install github.com/mcp-exporter/mcp_exporter@latest"
		check   = `"$(go env GOPATH)/bin/mcp_exporter" check --wait 60s http://127.0.0.1:8080/mcp`
	)
	var runs []string
	for _, j := range wf.Jobs {
		for _, s := range j.Steps {
			if s.Run != "" && s.If == "" {
				runs = append(runs, strings.TrimSpace(s.Run))
			}
		}
	}
	if !slices.Equal(runs, []string{start, install, check}) {
		t.Fatalf("the workflow runs %q, want %q", runs, []string{start, install, check})
	}
	for _, c := range []string{start, install, check} {
		readmeCommand(t, c)
		if !slices.Contains(readmeCommands(t, "examples/ci/README.md"), c) && c != start {
			t.Errorf("examples/ci/README.md does not show %q", c)
		}
	}

	n := newNetns(t)
	// The install step: the checkout, which @latest would fetch, installed
	// into the GOPATH the other steps see.
	n.installBinary(t)
	work := t.TempDir()
	wd, _ := os.Getwd()
	for _, f := range []string{"go.mod", "go.sum", "examples"} {
		if err := os.Symlink(filepath.Join(wd, f), filepath.Join(work, f)); err != nil {
			t.Fatal(err)
		}
	}
	n.dir = work
	n.start(t, start)
	out, code := n.run(t, check)
	if code != 0 || !strings.Contains(out, "SUCCESS") {
		log, _ := os.ReadFile(filepath.Join(work, "mcp-server.log"))
		t.Errorf("%s: exit %d\n%s\nmcp-server.log:\n%s", check, code, out, log)
	}
	if _, err := os.Stat(filepath.Join(work, "mcp-server.log")); err != nil {
		t.Errorf("the server's log: %v", err)
	}
}

// stopProcess ends a process the test started: SIGTERM, then SIGKILL if it
// has not exited within grace.
func stopProcess(t *testing.T, cmd *exec.Cmd, grace time.Duration) {
	t.Helper()
	if cmd.Process == nil {
		return
	}
	done := make(chan struct{})
	go func() {
		_ = cmd.Wait()
		close(done)
	}()
	_ = cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-done:
	case <-time.After(grace):
		t.Logf("%s did not stop within %v; killing it", filepath.Base(cmd.Path), grace)
		_ = cmd.Process.Kill()
		<-done
	}
}

// promServer is a Prometheus server the test started.
type promServer struct {
	url string
	log *testsupport.SyncBuffer
}

// startPrometheus runs Prometheus with a generated configuration and the
// given extra flags, and waits until it is ready.
func startPrometheus(t *testing.T, bin string, cfg any, extra ...string) *promServer {
	t.Helper()
	dir := t.TempDir()
	b, err := yaml.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	cfgFile := testsupport.WriteFile(t, filepath.Join(dir, "prometheus.yml"), b, 0o600)
	addr := testsupport.FreeAddr(t)
	args := append([]string{"--config.file=" + cfgFile, "--web.listen-address=" + addr}, extra...)
	if !slices.ContainsFunc(extra, func(a string) bool { return strings.HasPrefix(a, "--storage.agent.path") }) {
		args = append(args, "--storage.tsdb.path="+filepath.Join(dir, "data"))
	}
	cmd := exec.Command(bin, args...)
	p := &promServer{url: "http://" + addr, log: &testsupport.SyncBuffer{}}
	cmd.Stdout, cmd.Stderr = p.log, p.log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	t.Cleanup(func() {
		select {
		case <-exited:
		default:
			stopProcess(t, cmd, 10*time.Second)
		}
		if t.Failed() {
			t.Logf("Prometheus (%s) log:\n%s\nconfiguration:\n%s", strings.Join(extra, " "), p.log, b)
		}
	})
	if !testsupport.WaitOK(p.url+"/-/ready", 20*time.Second, func() bool { return cmd.ProcessState != nil }) {
		t.Fatalf("Prometheus did not become ready at %s; log:\n%s\nconfiguration:\n%s", p.url, p.log, b)
	}
	return p
}

type promSample struct {
	Metric map[string]string `json:"metric"`
	Value  [2]any            `json:"value"`
}

func (s promSample) value() string {
	v, _ := s.Value[1].(string)
	return v
}

// query runs an instant query through the HTTP API; an error is Prometheus
// refusing the query.
func (p *promServer) query(q string) ([]promSample, error) {
	resp, err := http.Get(p.url + "/api/v1/query?" + url.Values{"query": {q}}.Encode())
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var r struct {
		Status    string `json:"status"`
		ErrorType string `json:"errorType"`
		Error     string `json:"error"`
		Data      struct {
			ResultType string          `json:"resultType"`
			Result     json.RawMessage `json:"result"`
		} `json:"data"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&r); err != nil {
		return nil, fmt.Errorf("HTTP %d: %w", resp.StatusCode, err)
	}
	if r.Status != "success" {
		return nil, fmt.Errorf("%s: %s: %s", r.Status, r.ErrorType, r.Error)
	}
	var samples []promSample
	if r.Data.ResultType == "vector" {
		if err := json.Unmarshal(r.Data.Result, &samples); err != nil {
			return nil, err
		}
	}
	return samples, nil
}

// waitFor polls q until check accepts its result or the deadline passes.
func (p *promServer) waitFor(t *testing.T, deadline time.Time, q string, check func([]promSample) bool) []promSample {
	t.Helper()
	for {
		s, err := p.query(q)
		if err == nil && check(s) {
			return s
		}
		if time.Now().After(deadline) {
			t.Fatalf("Prometheus at %s: %s never gave the expected result; last %v, %v", p.url, q, s, err)
		}
		time.Sleep(250 * time.Millisecond)
	}
}

// scrapeJob returns the named job of a Prometheus config read as YAML.
func scrapeJob(t *testing.T, cfg map[string]any, name string) map[string]any {
	t.Helper()
	jobs, _ := cfg["scrape_configs"].([]any)
	for _, j := range jobs {
		if job, ok := j.(map[string]any); ok && job["job_name"] == name {
			return job
		}
	}
	t.Fatalf("no scrape job %q", name)
	return nil
}

// pointJobAt makes an example's probe job probe target through the exporter
// at exporterAddr, keeping its relabelling, and scrape every second.
func pointJobAt(t *testing.T, job map[string]any, target, exporterAddr string) {
	t.Helper()
	job["static_configs"] = []any{map[string]any{"targets": []any{target}}}
	job["scrape_interval"], job["scrape_timeout"] = "1s", "1s"
	rewritten := false
	relabels, _ := job["relabel_configs"].([]any)
	for _, r := range relabels {
		if rc, ok := r.(map[string]any); ok && rc["target_label"] == "__address__" && rc["replacement"] != nil {
			rc["replacement"] = exporterAddr
			rewritten = true
		}
	}
	if !rewritten {
		t.Fatalf("job %v has no relabelling that sets __address__ to the exporter", job["job_name"])
	}
}

func readPromConfig(t *testing.T, name string) map[string]any {
	t.Helper()
	var cfg map[string]any
	readYAML(t, name, &cfg)
	return cfg
}

// uncommented is the example file name with its commented-out block that
// starts with the line start ("  #- job_name: mcp_bearer") uncommented: the
// "#" after the indentation dropped from that line and from each line after
// it that has the same indentation and "#" followed by YAML ("#-", or "#"
// and two or more spaces; prose comments have "# " and a word), as a user
// uncommenting it would. The examples keep
// off what the shipped configuration cannot run; the tests run it on.
func uncommented(t *testing.T, name, start string) []byte {
	t.Helper()
	b := testsupport.ReadFile(t, name)
	indent := start[:strings.Index(start, "#")]
	lines := strings.Split(string(b), "\n")
	i := slices.Index(lines, start)
	if i < 0 {
		t.Fatalf("%s has no commented-out block starting %q", name, start)
	}
	for ; i < len(lines); i++ {
		l := lines[i]
		rest, ok := strings.CutPrefix(l, indent+"#")
		if !ok || rest == "" || rest[0] == ' ' && strings.TrimLeft(rest, " ") != "" && len(rest)-len(strings.TrimLeft(rest, " ")) == 1 {
			break // not commented, or prose ("# " and a word)
		}
		lines[i] = indent + l[len(indent)+1:]
	}
	return []byte(strings.Join(lines, "\n"))
}

// uncommentedYAML decodes what uncommented returns into v.
func uncommentedYAML(t *testing.T, name, start string, v any) {
	t.Helper()
	if err := yaml.Unmarshal(uncommented(t, name, start), v); err != nil {
		t.Fatalf("%s with %q uncommented: %v", name, start, err)
	}
}

// TestExamplesEndToEndWithPrometheus runs the examples for real: a real
// Prometheus scrapes the exporter, which probes a real MCP server (the
// official Go SDK), with examples/prometheus.yml's relabelling and rules; an
// agent-mode Prometheus with examples/collector/prometheus-agent.yml pushes
// the same probes to it by remote_write. Every dashboard and alert
// expression is then evaluated against that Prometheus. The file_sd job
// (a module per target group) and examples/prometheus-sharded.yml's hashmod
// are checked against what the exporter receives. It runs against Debian's
// Prometheus 2.x and against 3.x, which .ci/run builds.
func TestExamplesEndToEndWithPrometheus(t *testing.T) {
	for _, p := range []struct {
		name string
		path func(testing.TB) string
	}{{"prometheus2", testsupport.PrometheusPath}, {"prometheus3", testsupport.Prometheus3Path}} {
		t.Run(p.name, func(t *testing.T) { examplesEndToEnd(t, p.path(t)) })
	}
}

// agentModeFlag is the flag that runs a Prometheus in agent mode: a
// feature flag in 2.x, its own flag from 3.0 (where the feature flag is
// ignored, with a warning, and the server starts in server mode).
func agentModeFlag(major int) string {
	if major >= 3 {
		return "--agent"
	}
	return "--enable-feature=agent"
}

func examplesEndToEnd(t *testing.T, bin string) {
	major := testsupport.PrometheusMajor(t, bin)
	t.Logf("%s: Prometheus %d.x", bin, major)
	start := time.Now()

	srv := testsupport.Serve(t, endToEndServer())
	target := srv.URL + "/mcp"
	// An identity provider for the oauth2 module's client credentials.
	idp := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"access_token":"e2e-access-token","token_type":"Bearer","expires_in":3600}`)
	}))
	t.Cleanup(idp.Close)
	// default: no credentials; it lists resources and prompts and calls
	// the read-only tool alpha. bearer: a static JWT bearer token that
	// expires in 30 days. oauth2: client credentials from idp.
	te := newTestExporter(t, fmt.Sprintf(`modules:
  default:
    timeout: 5s
    list_resources: true
    list_prompts: true
    tool_call: {name: alpha, arguments: {text: probe}, fail_if_content_not_matches_regexp: [alpha]}
  bearer:
    timeout: 5s
    allow_any_target: true
    http_config: {bearer_token: %s}
  oauth2:
    timeout: 5s
    allow_any_target: true
    http_config:
      oauth2: {client_id: probe-client, client_secret: s3cr3t-client, token_url: %s}
`, unsignedJWT(time.Now().Add(30*24*time.Hour)), idp.URL+"/token"), "")
	exporterAddr := strings.TrimPrefix(te.server.URL, "http://")
	alertsFile, err := filepath.Abs("examples/alerts.yml")
	if err != nil {
		t.Fatal(err)
	}

	// The central Prometheus: examples/prometheus.yml's mcp and mcp_exporter
	// jobs and its rules, every second, and a remote-write receiver.
	example := readPromConfig(t, "examples/prometheus.yml")
	probeJob := scrapeJob(t, example, "mcp")
	pointJobAt(t, probeJob, target, exporterAddr)
	selfJob := scrapeJob(t, example, "mcp_exporter")
	selfJob["static_configs"] = []any{map[string]any{"targets": []any{exporterAddr}}}
	// The example's mcp_bearer job, and a copy of it for the oauth2 module,
	// probe the same server with credentials.
	var withBearer, withBearer2 map[string]any
	uncommentedYAML(t, "examples/prometheus.yml", "  #- job_name: mcp_bearer", &withBearer)
	uncommentedYAML(t, "examples/prometheus.yml", "  #- job_name: mcp_bearer", &withBearer2)
	bearerJob := scrapeJob(t, withBearer, "mcp_bearer")
	pointJobAt(t, bearerJob, target, exporterAddr)
	oauth2Job := scrapeJob(t, withBearer2, "mcp_bearer")
	oauth2Job["job_name"], oauth2Job["params"] = "mcp_oauth2", map[string]any{"module": []any{"oauth2"}}
	pointJobAt(t, oauth2Job, target, exporterAddr)
	// examples/prometheus.yml's mcp_file_sd job on examples/targets/mcp.yml's
	// groups, through a recorder of the requests the exporter receives: each
	// group's module must reach the exporter, not only the module label.
	fileSD := newProbeRecorder(t, te.server.Config.Handler)
	fileSDJob := scrapeJob(t, readPromConfig(t, "examples/prometheus.yml"), "mcp_file_sd")
	fileSDFile, fileSDWant := exampleTargetGroups(t, srv.URL)
	pointFileSDJobAt(t, fileSDJob, fileSDFile, func(string) string { return fileSD.addr })
	// examples/prometheus-sharded.yml's mcp_sharded job, each replica's
	// address a recorder of its own in front of the exporter.
	sharded := readPromConfig(t, "examples/prometheus-sharded.yml")
	shardedJob := scrapeJob(t, sharded, "mcp_sharded")
	replicas := shardReplicas(t, sharded)
	shards := map[string]*probeRecorder{} // the example's replica address -> its recorder
	for _, r := range replicas {
		shards[r] = newProbeRecorder(t, te.server.Config.Handler)
	}
	shardedFile, shardedWant := shardTargets(t, srv.URL, 8)
	pointFileSDJobAt(t, shardedJob, shardedFile, func(replica string) string {
		if shards[replica] == nil {
			t.Fatalf("mcp_sharded sends to %s, not a replica its mcp_exporter job scrapes (%q)", replica, replicas)
		}
		return shards[replica].addr
	})
	central := startPrometheus(t, bin, map[string]any{
		"global":         map[string]any{"scrape_interval": "1s", "scrape_timeout": "1s", "evaluation_interval": "1s"},
		"rule_files":     []any{alertsFile},
		"scrape_configs": []any{probeJob, bearerJob, oauth2Job, selfJob, fileSDJob, shardedJob},
	}, "--web.enable-remote-write-receiver")

	// The in-network collector: examples/collector/prometheus-agent.yml,
	// pushing to the central Prometheus.
	agentCfg := readPromConfig(t, "examples/collector/prometheus-agent.yml")
	global := agentCfg["global"].(map[string]any)
	global["scrape_interval"], global["scrape_timeout"] = "1s", "1s"
	network := global["external_labels"].(map[string]any)["network"].(string)
	pointJobAt(t, scrapeJob(t, agentCfg, "mcp"), target, exporterAddr)
	scrapeJob(t, agentCfg, "mcp_exporter")["static_configs"] = []any{map[string]any{"targets": []any{exporterAddr}}}
	tokenFile := filepath.Join(t.TempDir(), "remote-write-token")
	writeConfig(t, tokenFile, "remote-write-token")
	rw := agentCfg["remote_write"].([]any)[0].(map[string]any)
	rw["url"] = central.url + "/api/v1/write"
	rw["authorization"].(map[string]any)["credentials_file"] = tokenFile
	rw["queue_config"] = map[string]any{"batch_send_deadline": "500ms"}
	startPrometheus(t, bin, agentCfg, agentModeFlag(major), "--storage.agent.path="+t.TempDir())

	// Prometheus scrapes the probe: probe_success 1 with the example's labels.
	deadline := time.Now().Add(30 * time.Second)
	direct := fmt.Sprintf(`{job="mcp",instance=%q,module="default",network=""}`, target)
	central.waitFor(t, deadline, "probe_success"+direct, func(s []promSample) bool {
		return len(s) == 1 && s[0].value() == "1"
	})
	if s, err := central.query("probe_mcp_tools" + direct); err != nil || len(s) != 1 || s[0].value() != "2" {
		t.Errorf("probe_mcp_tools: %v, %v; want 2", s, err)
	}

	// Each file_sd group's module reaches the exporter: the request carries
	// it, and the series carry it with the group's labels.
	for target, module := range fileSDWant {
		central.waitFor(t, deadline, fmt.Sprintf(`probe_success{job="mcp_file_sd",instance=%q,module=%q,team="platform"}`, target, module),
			func(s []promSample) bool { return len(s) == 1 && s[0].value() == "1" })
		if got := fileSD.modules(target); !slices.Equal(got, []string{module}) {
			t.Errorf("mcp_file_sd: the exporter received %s with module %q, want only %q", target, got, module)
		}
	}
	// Sharding: each target goes to the replica its hashmod names, and only
	// there, with its group's module.
	modulus := shardModulus(t, shardedJob)
	used := map[string]bool{}
	for target, module := range shardedWant {
		central.waitFor(t, deadline, fmt.Sprintf(`probe_success{job="mcp_sharded",instance=%q,module=%q}`, target, module),
			func(s []promSample) bool { return len(s) == 1 && s[0].value() == "1" })
		want := replicas[prometheusHashmod(target, modulus)]
		used[want] = true
		for replica, rec := range shards {
			got := rec.modules(target)
			if (replica == want && !slices.Equal(got, []string{module})) || (replica != want && len(got) > 0) {
				t.Errorf("mcp_sharded: %s received %s with modules %q; want it only at %s, with module %s", replica, target, got, want, module)
			}
		}
	}
	if len(used) < 2 {
		t.Errorf("mcp_sharded: %d targets all went to one replica %v", len(shardedWant), used)
	}

	// The agent's remote_write brings the same probe in, with the network
	// label, and only the derived metrics: no Go runtime metrics.
	central.waitFor(t, deadline, fmt.Sprintf(`probe_success{job="mcp",instance=%q,module="default",network=%q}`, target, network),
		func(s []promSample) bool { return len(s) == 1 && s[0].value() == "1" })
	central.waitFor(t, deadline, fmt.Sprintf(`mcp_exporter_build_info{network=%q}`, network),
		func(s []promSample) bool { return len(s) == 1 })
	if s, err := central.query(fmt.Sprintf(`{network=%q,__name__=~"go_.*|process_.*|promhttp_.*"}`, network)); err != nil || len(s) > 0 {
		t.Errorf("remote_write sent metrics that should stay in the network: %v, %v", s, err)
	}

	// The parent's federation job (examples/collector/federate.yml) gets the
	// probe series through /federate with its match[] selectors.
	fed := scrapeJob(t, readPromConfig(t, "examples/collector/federate.yml"), "federate-mcp")
	var match url.Values = map[string][]string{}
	for _, m := range fed["params"].(map[string]any)["match[]"].([]any) {
		match.Add("match[]", m.(string))
	}
	resp, err := http.Get(central.url + fed["metrics_path"].(string) + "?" + match.Encode())
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), fmt.Sprintf("probe_success{instance=%q", target)) ||
		!strings.Contains(string(body), "mcp_exporter_config_last_reload_successful{") || strings.Contains(string(body), "go_goroutines") {
		t.Errorf("/federate with federate.yml's match[]: %d\n%s", resp.StatusCode, body)
	}

	// Every dashboard expression, with Grafana's variables substituted.
	d, panels := readDashboard(t)
	wantData := map[string]bool{
		"Probe status": true, "Availability over the time range": true, "Latency per layer": true, "Tool count": true,
		"Protocol revision, transport and server": true, "Exporter: last configuration reload": true,
		"Tool call status": true, "Tool call duration": true, "Resources and prompts listed": true,
		"Resource and prompt definition changes (24h)": true, "Tool surface risk by hint": true,
		"Context cost: tools/list size": true, "Credential expiry": true, "OAuth2 token fetch": true,
		"OAuth2 token fetch duration and token age": true,
	}
	queried := 0
	for _, p := range panels {
		for _, tg := range p.Targets {
			q := interpolate(tg.Expr)
			s, err := central.query(q)
			if err != nil {
				t.Errorf("dashboard panel %q, query %s: %s: %v", p.Title, tg.RefID, q, err)
			} else if wantData[p.Title] && len(s) == 0 {
				t.Errorf("dashboard panel %q, query %s: %s returns nothing", p.Title, tg.RefID, q)
			}
			queried++
		}
	}
	for _, a := range d.Annotations.List {
		if a.Expr != "" {
			if _, err := central.query(interpolate(a.Expr)); err != nil {
				t.Errorf("dashboard annotation %q: %v", a.Name, err)
			}
			queried++
		}
	}
	for _, v := range d.Templating.List {
		m := labelValuesRE.FindStringSubmatch(variableQuery(v.Query))
		if v.Type != "query" || m == nil {
			continue
		}
		s, err := central.query(interpolate(m[1]))
		if err != nil || len(s) == 0 || s[0].Metric[m[2]] == "" {
			t.Errorf("dashboard variable %q: %s gives no %s: %v, %v", v.Name, m[1], m[2], s, err)
		}
	}

	// Every alert expression, and the rules as Prometheus evaluates them:
	// healthy, and nothing firing against a healthy server.
	for _, r := range alertRules(t) {
		if _, err := central.query(r.Expr); err != nil {
			t.Errorf("alert %s: %v", r.Alert, err)
		}
		queried++
	}
	// Rules evaluated after both the direct and the remote-written series
	// arrived, so that they see both.
	waitRulesHealthy(t, central, len(alertRules(t)), deadline, time.Now())
	if s, err := central.query(`ALERTS{alertstate="firing"}`); err != nil || len(s) > 0 {
		t.Errorf("alerts fire against a healthy server: %v, %v", s, err)
	}
	t.Logf("%d dashboard and alert expressions evaluated; end-to-end in %v", queried, time.Since(start).Round(time.Millisecond))
}

// probeRecorder serves the exporter's handler at an address of its own and
// records the target and module of each /probe request the exporter
// receives there (the module as the request names it; none is "").
type probeRecorder struct {
	addr string
	mu   sync.Mutex
	seen map[string]map[string]bool // target -> modules
}

func newProbeRecorder(t *testing.T, exporter http.Handler) *probeRecorder {
	t.Helper()
	r := &probeRecorder{seen: map[string]map[string]bool{}}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if req.URL.Path == "/probe" {
			q := req.URL.Query()
			r.mu.Lock()
			if r.seen[q.Get("target")] == nil {
				r.seen[q.Get("target")] = map[string]bool{}
			}
			r.seen[q.Get("target")][q.Get("module")] = true
			r.mu.Unlock()
		}
		exporter.ServeHTTP(w, req)
	}))
	t.Cleanup(srv.Close)
	r.addr = strings.TrimPrefix(srv.URL, "http://")
	return r
}

// modules returns the modules target was probed with here, sorted.
func (r *probeRecorder) modules(target string) []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Sorted(maps.Keys(r.seen[target]))
}

// targetGroup is a file_sd target group.
type targetGroup struct {
	Targets []string          `yaml:"targets"`
	Labels  map[string]string `yaml:"labels,omitempty"`
}

// writeTargetGroups writes target groups as a file_sd file.
func writeTargetGroups(t *testing.T, groups []targetGroup) string {
	t.Helper()
	return writeYAML(t, "targets.yml", groups)
}

// groupModule is the module a target group asks for, default without one.
func groupModule(g targetGroup) string {
	if m := g.Labels["__param_module"]; m != "" {
		return m
	}
	return config.DefaultModuleName
}

// exampleTargetGroups writes examples/targets/mcp.yml's groups with their
// labels, each with one target of its own on the test server, and returns
// the file and each target's module.
func exampleTargetGroups(t *testing.T, serverURL string) (string, map[string]string) {
	t.Helper()
	var groups []targetGroup
	uncommentedYAML(t, "examples/targets/mcp.yml", "#- targets:", &groups)
	modules := map[string]bool{}
	want := map[string]string{}
	for i := range groups {
		target := fmt.Sprintf("%s/mcp/group-%d", serverURL, i)
		groups[i].Targets = []string{target}
		want[target] = groupModule(groups[i])
		modules[want[target]] = true
	}
	if !modules[config.DefaultModuleName] || len(modules) < 2 {
		t.Fatalf("examples/targets/mcp.yml should have a group without __param_module and one with; modules %v", modules)
	}
	return writeTargetGroups(t, groups), want
}

// shardTargets writes n targets on the test server in a group without a
// module, and one in a group of examples/targets/mcp.yml's that names one.
func shardTargets(t *testing.T, serverURL string, n int) (string, map[string]string) {
	t.Helper()
	var example []targetGroup
	uncommentedYAML(t, "examples/targets/mcp.yml", "#- targets:", &example)
	plain := targetGroup{}
	want := map[string]string{}
	for i := range n {
		target := fmt.Sprintf("%s/mcp/shard-%d", serverURL, i)
		plain.Targets = append(plain.Targets, target)
		want[target] = config.DefaultModuleName
	}
	groups := []targetGroup{plain}
	for _, g := range example {
		if g.Labels["__param_module"] != "" {
			target := serverURL + "/mcp/shard-" + g.Labels["__param_module"]
			groups = append(groups, targetGroup{Targets: []string{target}, Labels: g.Labels})
			want[target] = groupModule(g)
		}
	}
	return writeTargetGroups(t, groups), want
}

// pointFileSDJobAt makes an example's file_sd job read its targets from file
// and scrape every second; each __address__ it sets (an exporter) becomes
// exporter(address).
func pointFileSDJobAt(t *testing.T, job map[string]any, file string, exporter func(string) string) {
	t.Helper()
	if job["file_sd_configs"] == nil {
		t.Fatalf("job %v has no file_sd_configs", job["job_name"])
	}
	job["file_sd_configs"] = []any{map[string]any{"files": []any{file}}}
	job["scrape_interval"], job["scrape_timeout"] = "1s", "1s"
	rewritten := 0
	for _, r := range job["relabel_configs"].([]any) {
		if rc := r.(map[string]any); rc["target_label"] == "__address__" && rc["replacement"] != nil {
			rc["replacement"] = exporter(rc["replacement"].(string))
			rewritten++
		}
	}
	if rewritten == 0 {
		t.Fatalf("job %v has no relabelling that sets __address__ to the exporter", job["job_name"])
	}
}

// shardReplicas reads examples/prometheus-sharded.yml's replicas: the
// __address__ of each hashmod shard, in shard order, which must be the
// targets of its mcp_exporter job.
func shardReplicas(t *testing.T, cfg map[string]any) []string {
	t.Helper()
	job := scrapeJob(t, cfg, "mcp_sharded")
	modulus := shardModulus(t, job)
	replicas := make([]string, modulus)
	for _, r := range job["relabel_configs"].([]any) {
		rc := r.(map[string]any)
		if rc["target_label"] != "__address__" {
			continue
		}
		n, err := strconv.Atoi(fmt.Sprint(rc["regex"]))
		if err != nil || n < 0 || n >= len(replicas) || rc["source_labels"].([]any)[0] != "__tmp_exporter_shard" {
			t.Fatalf("mcp_sharded: %v does not pick a shard below the modulus %d", rc, modulus)
		}
		replicas[n] = rc["replacement"].(string)
	}
	var self []string
	for _, sc := range scrapeJob(t, cfg, "mcp_exporter")["static_configs"].([]any) {
		for _, target := range sc.(map[string]any)["targets"].([]any) {
			self = append(self, target.(string))
		}
	}
	if slices.Contains(replicas, "") || !slices.Equal(replicas, self) {
		t.Fatalf("mcp_sharded's replicas %q (by shard) are not the mcp_exporter job's targets %q", replicas, self)
	}
	return replicas
}

// shardModulus is the modulus of the job's hashmod on the target.
func shardModulus(t *testing.T, job map[string]any) uint64 {
	t.Helper()
	for _, r := range job["relabel_configs"].([]any) {
		if rc := r.(map[string]any); rc["action"] == "hashmod" {
			if fmt.Sprint(rc["source_labels"]) != "[__param_target]" || rc["target_label"] != "__tmp_exporter_shard" {
				t.Fatalf("the hashmod %v does not hash the target into __tmp_exporter_shard", rc)
			}
			return uint64(rc["modulus"].(int))
		}
	}
	t.Fatalf("job %v has no hashmod", job["job_name"])
	return 0
}

// prometheusHashmod is relabelling's hashmod, as Prometheus computes it: the
// last 8 bytes of the value's MD5, big-endian, modulo the modulus.
func prometheusHashmod(value string, modulus uint64) uint64 {
	sum := md5.Sum([]byte(value))
	return binary.BigEndian.Uint64(sum[8:]) % modulus
}

// endToEndServer is the server the end-to-end test probes: the official Go
// SDK with two tools (alpha is read-only and answers "alpha"; beta states
// no annotations), two resources and a prompt.
func endToEndServer() http.Handler {
	return testsupport.SDKServer{Name: "check-server", Version: "2.0.0", Resources: 2, Prompts: 1, AddTools: func(s *mcp.Server) {
		for _, tool := range []*mcp.Tool{
			{Name: "alpha", Description: "a tool", Annotations: &mcp.ToolAnnotations{ReadOnlyHint: true}},
			{Name: "beta", Description: "a tool"},
		} {
			mcp.AddTool(s, tool, func(context.Context, *mcp.CallToolRequest, checkIn) (*mcp.CallToolResult, any, error) {
				return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: tool.Name}}}, nil, nil
			})
		}
	}}.Handler()
}

// unsignedJWT is a JWT with an exp claim and no valid signature: the
// exporter reads a static bearer token's exp without verifying it.
func unsignedJWT(exp time.Time) string {
	enc := base64.RawURLEncoding.EncodeToString
	return enc([]byte(`{"alg":"none","typ":"JWT"}`)) + "." +
		enc(fmt.Appendf(nil, `{"sub":"probe","exp":%d}`, exp.Unix())) + "." + enc([]byte("unsigned"))
}

// waitRulesHealthy waits until Prometheus has evaluated all its rules, want
// of them, after the time given, and fails on any evaluation error.
func waitRulesHealthy(t *testing.T, p *promServer, want int, deadline, after time.Time) {
	t.Helper()
	for {
		resp, err := http.Get(p.url + "/api/v1/rules")
		if err != nil {
			t.Fatal(err)
		}
		var r struct {
			Data struct {
				Groups []struct {
					Rules []struct {
						Name           string    `json:"name"`
						Health         string    `json:"health"`
						LastError      string    `json:"lastError"`
						LastEvaluation time.Time `json:"lastEvaluation"`
					} `json:"rules"`
				} `json:"groups"`
			} `json:"data"`
		}
		err = json.NewDecoder(resp.Body).Decode(&r)
		resp.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		ok, n := 0, 0
		for _, g := range r.Data.Groups {
			for _, rule := range g.Rules {
				n++
				switch rule.Health {
				case "ok":
					if rule.LastEvaluation.After(after) {
						ok++
					}
				case "err":
					t.Fatalf("Prometheus fails to evaluate rule %s: %s", rule.Name, rule.LastError)
				}
			}
		}
		if n == want && ok == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("Prometheus has %d rules, %d evaluated healthy since %v; want %d", n, ok, after, want)
		}
		time.Sleep(250 * time.Millisecond)
	}
}
