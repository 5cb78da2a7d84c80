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

// The tests of the Helm chart (charts/mcp-exporter): helm lint and helm
// template with the real helm (.ci/run builds it from the Go module proxy),
// and what comes out checked with the exporter's own --config.check and
// with promtool.

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mcp-exporter/mcp_exporter/internal/testsupport"
)

const (
	chartDir       = "charts/mcp-exporter"
	chartAllValues = "charts/mcp-exporter/ci/all-values.yaml"
)

func runHelm(t *testing.T, args ...string) (string, error) {
	t.Helper()
	cmd := exec.Command(testsupport.HelmPath(t), args...)
	// No repositories, plugins or caches of the user's own.
	home := t.TempDir()
	cmd.Env = append(os.Environ(), "HELM_CONFIG_HOME="+home, "HELM_CACHE_HOME="+home, "HELM_DATA_HOME="+home)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if err != nil {
		err = errors.New(err.Error() + ": " + stderr.String())
	}
	return stdout.String(), err
}

// renderChart runs helm template with the release name mcp-exporter in the
// namespace monitoring, and decodes every document.
func renderChart(t *testing.T, args ...string) k8sObjects {
	t.Helper()
	out, err := runHelm(t, append([]string{"template", "mcp-exporter", chartDir, "--namespace", "monitoring"}, args...)...)
	if err != nil {
		t.Fatalf("helm template %s: %v", strings.Join(args, " "), err)
	}
	return decodeManifests(t, "helm template "+strings.Join(args, " "), []byte(out))
}

func flagValue(args []string, name string) (string, bool) {
	for _, a := range args {
		if v, ok := strings.CutPrefix(a, "--"+name+"="); ok {
			return v, true
		}
	}
	return "", false
}

// objectFiles is what a volume of the Deployment holds: the data of the
// ConfigMap or Secret it names, from the rendered objects or, for a Secret
// made outside the chart, from existing.
func objectFiles(t *testing.T, r k8sObjects, kind, name string, existing map[string]map[string]string) map[string]string {
	t.Helper()
	o := r.find(kind, name)
	if o == nil {
		if files, ok := existing[name]; ok && kind == "Secret" {
			return files
		}
		t.Fatalf("the Deployment mounts %s %s, which the chart does not render", kind, name)
	}
	files := map[string]string{}
	for k, v := range o.StringData {
		files[k] = v
	}
	for k, v := range o.Data {
		if kind == "Secret" {
			b, err := base64.StdEncoding.DecodeString(v)
			if err != nil {
				t.Fatalf("Secret %s, key %s: %v", name, k, err)
			}
			v = string(b)
		}
		files[k] = v
	}
	return files
}

// layoutPod lays the exporter container's volumes out under a temporary
// root as the kubelet would mount them (Secrets decoded), and points the
// rendered configuration's paths under the mounts at that root. It returns
// the exporter container and the configuration file's local path.
func layoutPod(t *testing.T, r k8sObjects, existing map[string]map[string]string) (k8sContainer, string) {
	t.Helper()
	d := r.deployment(t)
	c := d.container(t, "mcp-exporter")
	configFile, ok := flagValue(c.Args, "config.file")
	if !ok {
		t.Fatalf("the exporter's args %q have no --config.file", c.Args)
	}
	root := t.TempDir()
	var mounts []string
	for _, m := range c.VolumeMounts {
		if !m.ReadOnly {
			t.Errorf("volume %s is mounted writable", m.Name)
		}
		var files map[string]string
		for _, v := range d.Template.Spec.Volumes {
			switch {
			case v.Name != m.Name:
			case v.ConfigMap != nil:
				files = objectFiles(t, r, "ConfigMap", v.ConfigMap.Name, existing)
			case v.Secret != nil:
				files = objectFiles(t, r, "Secret", v.Secret.SecretName, existing)
			case v.Projected != nil:
				// What the kubelet writes: a service account token.
				files = map[string]string{}
				for _, src := range v.Projected.Sources {
					if sa := src.ServiceAccountToken; sa != nil {
						files[sa.Path] = "eyJhbGciOiJSUzI1NiJ9.eyJhdWQiOlsiaHR0cHM6Ly9pZHAiXX0.c2ln"
					}
				}
			}
		}
		if files == nil {
			t.Fatalf("volume mount %s has no ConfigMap or Secret volume", m.Name)
		}
		for name, content := range files {
			p := filepath.Join(root, filepath.FromSlash(m.MountPath), name)
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				t.Fatal(err)
			}
			testsupport.WriteFile(t, p, []byte(content), 0o600)
		}
		mounts = append(mounts, path.Clean(m.MountPath))
	}
	local := filepath.Join(root, filepath.FromSlash(configFile))
	text, err := os.ReadFile(local)
	if err != nil {
		t.Fatalf("--config.file=%s is in none of the exporter's mounts %q: %v", configFile, mounts, err)
	}
	rewritten := string(text)
	for _, m := range mounts {
		rewritten = strings.ReplaceAll(rewritten, m+"/", filepath.ToSlash(filepath.Join(root, m))+"/")
	}
	testsupport.WriteFile(t, local, []byte(rewritten), 0o600)
	return c, local
}

// configCheck runs the built exporter's --config.check on the rendered
// configuration, laid out by layoutPod. So the check fails when the
// configuration names a credential file that the mounted Secret lacks.
func configCheck(t *testing.T, bin string, r k8sObjects, existing map[string]map[string]string) (string, error) {
	t.Helper()
	_, local := layoutPod(t, r, existing)
	out, err := exec.Command(bin, "--config.check", "--config.file="+local).CombinedOutput()
	return string(out), err
}

func TestHelmChartLint(t *testing.T) {
	for _, values := range []string{"", chartAllValues} {
		args := []string{"lint", "--strict", chartDir}
		if values != "" {
			args = append(args, "--values", values)
		}
		out, err := runHelm(t, args...)
		if err != nil || !strings.Contains(out, "1 chart(s) linted, 0 chart(s) failed") {
			t.Errorf("helm %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
}

func TestHelmChartDefaults(t *testing.T) {
	r := renderChart(t)
	want := map[string]int{"ServiceAccount": 1, "ConfigMap": 1, "Service": 1, "Deployment": 1}
	if got := r.kinds(); !reflect.DeepEqual(got, want) {
		t.Errorf("kinds rendered with the default values: %v, want %v", got, want)
	}
	d := r.deployment(t)
	if len(d.Template.Spec.Containers) != 1 {
		t.Errorf("%d containers, want the exporter alone", len(d.Template.Spec.Containers))
	}
	c := d.container(t, "mcp-exporter")
	checkHardened(t, "the chart's Deployment", d.Template.Spec)
	if listen, _ := flagValue(c.Args, "web.listen-address"); listen != defaultListenAddress {
		t.Errorf("--web.listen-address=%q, want the exporter's default %q", listen, defaultListenAddress)
	}
	if c.Image != "mcp-exporter:"+releaseVersion {
		t.Errorf("image %q, want mcp-exporter:%s (the chart's appVersion is the exporter's version)", c.Image, releaseVersion)
	}
	if d.Template.Metadata.Annotations["checksum/config"] == "" {
		t.Error("without the config reloader the pod template has no checksum/config annotation")
	}

	// The chart's default module is the shipped mcp_exporter.yml's.
	var values, shipped struct {
		Config struct {
			Modules map[string]any `yaml:"modules"`
		} `yaml:"config"`
		Modules map[string]any `yaml:"modules"`
	}
	readYAML(t, filepath.Join(chartDir, "values.yaml"), &values)
	readYAML(t, "mcp_exporter.yml", &shipped)
	if !reflect.DeepEqual(values.Config.Modules, shipped.Modules) {
		t.Errorf("the chart's config.modules %v differ from mcp_exporter.yml's %v", values.Config.Modules, shipped.Modules)
	}

	bin := hzBuild(t)
	if out, err := configCheck(t, bin, r, nil); err != nil {
		t.Errorf("--config.check of the default rendered configuration: %v\n%s", err, out)
	}
}

// TestHelmChartChecksum: a changed configuration changes the pod
// template's checksum (so helm upgrade rolls the pods), and nothing else
// does.
func TestHelmChartChecksum(t *testing.T) {
	sum := func(args ...string) string {
		return renderChart(t, args...).deployment(t).Template.Metadata.Annotations["checksum/config"]
	}
	base := sum()
	if again := sum("--set", "replicas=3"); again != base {
		t.Errorf("replicas changed the config checksum: %s, then %s", base, again)
	}
	if changed := sum("--set", "config.modules.default.timeout=5s"); changed == base {
		t.Error("a changed module timeout left the config checksum as it was")
	}
	if a := renderChart(t, "--set", "configReloader.enabled=true").deployment(t).Template.Metadata.Annotations; a["checksum/config"] != "" {
		t.Errorf("with the config reloader the pods still roll on a config change: %v", a)
	}
}

func TestHelmChartAllValues(t *testing.T) {
	r := renderChart(t, "--values", chartAllValues)
	want := map[string]int{
		"ServiceAccount": 1, "ConfigMap": 1, "Service": 1, "Deployment": 1, "Secret": 1,
		"PodDisruptionBudget": 1, "NetworkPolicy": 1, "PrometheusRule": 1, "Probe": 1,
		"ServiceMonitor": 3, // the exporter's own, and two targets
		"ScrapeConfig":   1, // config.registries' corp
	}
	if got := r.kinds(); !reflect.DeepEqual(got, want) {
		t.Errorf("kinds rendered with %s: %v, want %v", chartAllValues, got, want)
	}
	for _, o := range r {
		if o.Metadata.Labels["release"] != "mcp-exporter" || o.Metadata.Labels["app.kubernetes.io/name"] != "mcp-exporter" {
			t.Errorf("%s %s: labels %v lack release and app.kubernetes.io/name", o.Kind, o.Metadata.Name, o.Metadata.Labels)
		}
	}

	d := r.deployment(t)
	if len(d.Template.Spec.Containers) != 2 {
		t.Errorf("%d containers, want the exporter and the config reloader", len(d.Template.Spec.Containers))
	}
	exporter := d.container(t, "mcp-exporter")
	reloader := d.container(t, "config-reloader")
	checkHardened(t, "the chart's Deployment with "+chartAllValues, d.Template.Spec)
	for _, flag := range []string{"--probe.max-concurrency=200", "--log.level=debug"} {
		if !slices.Contains(exporter.Args, flag) {
			t.Errorf("the exporter's args %q lack extraArgs' %s", exporter.Args, flag)
		}
	}
	// The reloader watches the file the exporter loads and POSTs the
	// exporter's own /-/reload.
	configFile, _ := flagValue(exporter.Args, "config.file")
	if got, _ := flagValue(reloader.Args, "config-file"); got != configFile {
		t.Errorf("the reloader watches %q, the exporter loads %q", got, configFile)
	}
	if got, _ := flagValue(reloader.Args, "reload-url"); got != "http://127.0.0.1"+defaultListenAddress+"/-/reload" {
		t.Errorf("--reload-url=%q, want the exporter's /-/reload on its port", got)
	}

	// The credentials Secret holds the files the configuration names, so
	// the configuration passes --config.check as mounted...
	bin := hzBuild(t)
	if out, err := configCheck(t, bin, r, nil); err != nil {
		t.Errorf("--config.check of the rendered configuration with its Secret: %v\n%s", err, out)
	}
	// ...and fails without the file.
	short := renderChart(t, "--values", chartAllValues, "--set", "credentials.files.token=null")
	if out, err := configCheck(t, bin, short, nil); err == nil || !strings.Contains(out, "credentials_file") {
		t.Errorf("--config.check passed with the token missing from the Secret: %v\n%s", err, out)
	}

	checkChartMonitors(t, r)
	checkChartRules(t, r)
	checkChartRegistrySD(t, r)

	var np struct {
		PolicyTypes []string `yaml:"policyTypes"`
		Ingress     []struct {
			Ports []struct {
				Port any `yaml:"port"`
			} `yaml:"ports"`
			From []map[string]any `yaml:"from"`
		} `yaml:"ingress"`
		Egress []map[string]any `yaml:"egress"`
	}
	decodeSpec(t, r.one(t, "NetworkPolicy"), &np)
	if !slices.Contains(np.PolicyTypes, "Ingress") || !slices.Contains(np.PolicyTypes, "Egress") || len(np.Ingress) != 1 || len(np.Ingress[0].From) == 0 {
		t.Errorf("NetworkPolicy: %+v, want ingress from the monitoring namespace and egress rules", np)
	}
	if len(np.Egress) < 2 {
		t.Errorf("NetworkPolicy egress %v, want DNS and the configured rule", np.Egress)
	}
}

// checkChartMonitors: the per-target ServiceMonitors probe their target with
// their module and give the series the labels the alerts use (job matching
// job=~"mcp.*", instance the target, module); the self monitor scrapes
// /metrics; the Probe points at the Service.
func checkChartMonitors(t *testing.T, r k8sObjects) {
	t.Helper()
	probeJobs := regexp.MustCompile(`^(?:mcp.*)$`) // MCPProbeScrapeFailing's up{job=~"mcp.*"}
	wantTargets := map[string][2]string{
		"mcp-exporter-tools":    {"http://tools.default.svc.cluster.local:8080/mcp", "default"},
		"mcp-exporter-internal": {"https://mcp.example.internal/mcp", "bearer"},
	}
	var svc serviceSpec
	decodeSpec(t, r.one(t, "Service"), &svc)
	for _, o := range r.all("ServiceMonitor") {
		var sm serviceMonitorSpec
		decodeSpec(t, o, &sm)
		if !reflect.DeepEqual(sm.Selector.MatchLabels, svc.Selector) {
			t.Errorf("ServiceMonitor %s selects %v, the Service's pods are %v", o.Metadata.Name, sm.Selector.MatchLabels, svc.Selector)
		}
		if o.Metadata.Name == "mcp-exporter" {
			if len(sm.Endpoints) != 2 || sm.Endpoints[0].Path != "/metrics" || sm.Endpoints[0].Port != "http" || sm.Endpoints[1].Port != "reloader-web" {
				t.Errorf("the self ServiceMonitor's endpoints %+v, want the exporter's and the reloader's /metrics", sm.Endpoints)
			}
			continue
		}
		target, ok := wantTargets[o.Metadata.Name]
		if !ok {
			t.Errorf("unexpected ServiceMonitor %s", o.Metadata.Name)
			continue
		}
		delete(wantTargets, o.Metadata.Name)
		if len(sm.Endpoints) != 1 {
			t.Fatalf("ServiceMonitor %s: %d endpoints", o.Metadata.Name, len(sm.Endpoints))
		}
		e := sm.Endpoints[0]
		if e.Path != "/probe" || !reflect.DeepEqual(e.Params, map[string][]string{"module": {target[1]}, "target": {target[0]}}) {
			t.Errorf("ServiceMonitor %s: path %s params %v, want /probe module=%s target=%s", o.Metadata.Name, e.Path, e.Params, target[1], target[0])
		}
		labels := map[string]string{}
		for _, rl := range e.Relabelings {
			labels[rl.TargetLabel] = rl.Replacement
		}
		if !probeJobs.MatchString(labels["job"]) || labels["instance"] != target[0] || labels["module"] != target[1] {
			t.Errorf("ServiceMonitor %s relabels to %v, want job mcp*, instance %s, module %s", o.Metadata.Name, labels, target[0], target[1])
		}
	}
	if len(wantTargets) > 0 {
		t.Errorf("no ServiceMonitor for %v", wantTargets)
	}
	var probe probeSpec
	decodeSpec(t, r.one(t, "Probe"), &probe)
	if probe.Prober.URL != "mcp-exporter.monitoring.svc:10115" || probe.Prober.Path != "/probe" || probe.Module != "oauth2" ||
		!probeJobs.MatchString(probe.JobName) || probe.Targets.StaticConfig.Labels["module"] != "oauth2" ||
		!slices.Equal(probe.Targets.StaticConfig.Static, []string{"https://mcp.example.internal/mcp"}) {
		t.Errorf("Probe: %+v", probe)
	}
}

// checkChartRegistrySD: the ScrapeConfig of registry corp reads the
// exporter's /sd through the Service and relabels as examples/prometheus.yml's
// mcp_registry job does.
func checkChartRegistrySD(t *testing.T, r k8sObjects) {
	t.Helper()
	var sc struct {
		JobName       string `yaml:"jobName"`
		MetricsPath   string `yaml:"metricsPath"`
		HTTPSDConfigs []struct {
			URL string `yaml:"url"`
		} `yaml:"httpSDConfigs"`
		Relabelings []struct {
			SourceLabels []string `yaml:"sourceLabels"`
			TargetLabel  string   `yaml:"targetLabel"`
			Replacement  string   `yaml:"replacement"`
		} `yaml:"relabelings"`
	}
	decodeSpec(t, r.one(t, "ScrapeConfig"), &sc)
	if sc.JobName != "mcp_registry" || sc.MetricsPath != "/probe" || len(sc.HTTPSDConfigs) != 1 ||
		sc.HTTPSDConfigs[0].URL != "http://mcp-exporter.monitoring.svc:10115/sd?registry=corp" {
		t.Errorf("ScrapeConfig: %+v", sc)
	}
	job := scrapeJob(t, readPromConfig(t, "examples/prometheus.yml"), "mcp_registry")
	var want, got []string
	for _, rc := range job["relabel_configs"].([]any) {
		m := rc.(map[string]any)
		src := fmt.Sprint(m["source_labels"])
		if m["source_labels"] == nil {
			src = "[]"
		}
		want = append(want, fmt.Sprintf("%s>%v", src, m["target_label"]))
	}
	for _, rl := range sc.Relabelings {
		got = append(got, fmt.Sprintf("%v>%s", rl.SourceLabels, rl.TargetLabel))
		if rl.TargetLabel == "__address__" && rl.Replacement != "mcp-exporter.monitoring.svc:10115" {
			t.Errorf("ScrapeConfig sends probes to %s", rl.Replacement)
		}
	}
	if !slices.Equal(got, want) {
		t.Errorf("ScrapeConfig relabelings %v, examples/prometheus.yml's mcp_registry %v", got, want)
	}
}

// checkChartRules: the PrometheusRule holds examples/alerts.yml's groups as
// they are, plus the custom group, and promtool accepts it.
func checkChartRules(t *testing.T, r k8sObjects) {
	t.Helper()
	var spec struct {
		Groups []map[string]any `yaml:"groups"`
	}
	decodeSpec(t, r.one(t, "PrometheusRule"), &spec)
	var alerts struct {
		Groups []map[string]any `yaml:"groups"`
	}
	readYAML(t, "examples/alerts.yml", &alerts)
	if len(spec.Groups) != len(alerts.Groups)+1 {
		t.Fatalf("the PrometheusRule has %d groups, want examples/alerts.yml's %d and the custom one", len(spec.Groups), len(alerts.Groups))
	}
	if !reflect.DeepEqual(spec.Groups[:len(alerts.Groups)], alerts.Groups) {
		t.Error("the PrometheusRule's groups differ from examples/alerts.yml's")
	}
	if spec.Groups[len(alerts.Groups)]["name"] != "mcp-exporter-custom" {
		t.Errorf("the last group is %v, want mcp-exporter-custom", spec.Groups[len(alerts.Groups)]["name"])
	}
	file := writeYAML(t, "rules.yml", spec)
	if out, err := exec.Command(testsupport.PromtoolPath(t), "check", "rules", file).CombinedOutput(); err != nil {
		t.Errorf("promtool check rules on the PrometheusRule: %v\n%s", err, out)
	}
}

// TestHelmChartAlertsFile: the chart reads the alerts from its own copy
// (helm cannot read outside the chart), which must stay examples/alerts.yml.
func TestHelmChartAlertsFile(t *testing.T) {
	example := testsupport.ReadFile(t, "examples/alerts.yml")
	chart := testsupport.ReadFile(t, filepath.Join(chartDir, "files", "alerts.yml"))
	if !bytes.Equal(example, chart) {
		t.Errorf("%s/files/alerts.yml differs from examples/alerts.yml; cp examples/alerts.yml %s/files/alerts.yml", chartDir, chartDir)
	}
}

// TestHelmChartConfigSources: the configuration from a chart-made Secret or
// an existing one, and the credentials from an existing Secret.
func TestHelmChartConfigSources(t *testing.T) {
	bin := hzBuild(t)

	r := renderChart(t, "--set", "secretConfig=true")
	if r.kinds()["ConfigMap"] != 0 {
		t.Error("secretConfig=true still renders a ConfigMap")
	}
	if out, err := configCheck(t, bin, r, nil); err != nil {
		t.Errorf("--config.check with the configuration in a Secret: %v\n%s", err, out)
	}

	r = renderChart(t, "--set", "configExistingSecretName=my-config")
	if k := r.kinds(); k["ConfigMap"] != 0 || k["Secret"] != 0 {
		t.Errorf("configExistingSecretName still renders the configuration: %v", k)
	}
	shipped := testsupport.ReadFile(t, "mcp_exporter.yml")
	if out, err := configCheck(t, bin, r, map[string]map[string]string{"my-config": {"mcp_exporter.yml": string(shipped)}}); err != nil {
		t.Errorf("--config.check with the configuration in an existing Secret: %v\n%s", err, out)
	}

	r = renderChart(t, "--values", chartAllValues, "--set", "credentials.existingSecret=my-credentials")
	if r.kinds()["Secret"] != 0 {
		t.Error("credentials.existingSecret still renders a credentials Secret")
	}
	d := r.deployment(t)
	mode := -1
	for _, v := range d.Template.Spec.Volumes {
		if v.Secret != nil && v.Secret.SecretName == "my-credentials" {
			mode = v.Secret.DefaultMode
		}
	}
	if mode != 0o440 {
		t.Errorf("the existing credentials Secret is mounted with mode %#o, want 0440 (-1: not mounted)", mode)
	}
	existing := map[string]map[string]string{"my-credentials": {"token": "t", "client-secret": "s"}}
	if out, err := configCheck(t, bin, r, existing); err != nil {
		t.Errorf("--config.check with credentials from an existing Secret: %v\n%s", err, out)
	}
}

// TestHelmChartRunsAsRendered starts the exporter with the rendered
// container's arguments (a route prefix among them), its volumes laid out
// as mounted, and checks that the paths the chart gives the kubelet's
// probes, the config reloader and the self ServiceMonitor answer.
func TestHelmChartRunsAsRendered(t *testing.T) {
	r := renderChart(t, "--values", chartAllValues, "--set", "extraArgs[0]=--web.route-prefix=/mcp/")
	c, local := layoutPod(t, r, nil)
	addr := testsupport.FreeAddr(t)
	var args []string
	for _, a := range c.Args {
		switch {
		case strings.HasPrefix(a, "--config.file="):
			a = "--config.file=" + local
		case strings.HasPrefix(a, "--web.listen-address="):
			a = "--web.listen-address=" + addr
		}
		args = append(args, a)
	}
	bin := hzBuild(t)
	p := hzStart(t, bin, args...)

	probePath := func(probe *httpProbe) string {
		if probe == nil || probe.HTTPGet.Port != "http" {
			t.Errorf("the kubelet's probe %+v does not use the exporter's port", probe)
			return ""
		}
		return probe.HTTPGet.Path
	}
	liveness := probePath(c.LivenessProbe)
	if liveness != "/mcp/-/healthy" || probePath(c.ReadinessProbe) != liveness {
		t.Errorf("liveness %q, readiness %q, want /mcp/-/healthy", liveness, probePath(c.ReadinessProbe))
	}
	client := &http.Client{Timeout: 5 * time.Second}
	p.waitReady(t, client, func() *http.Request {
		req, _ := http.NewRequest(http.MethodGet, "http://"+addr+liveness, nil)
		return req
	})

	reloader := r.deployment(t).container(t, "config-reloader")
	reloadURL, _ := flagValue(reloader.Args, "reload-url")
	u, err := url.Parse(reloadURL)
	if err != nil || u.Path != "/mcp/-/reload" {
		t.Fatalf("--reload-url=%q, want the exporter's /mcp/-/reload", reloadURL)
	}
	resp, err := client.Post("http://"+addr+u.Path, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("POST %s: %s %s", u.Path, resp.Status, body)
	}

	var self serviceMonitorSpec
	decodeSpec(t, *r.find("ServiceMonitor", "mcp-exporter"), &self)
	metricsPath := self.Endpoints[0].Path
	resp, err = client.Get("http://" + addr + metricsPath)
	if err != nil {
		t.Fatal(err)
	}
	body, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), "mcp_exporter_config_last_reload_successful 1") {
		t.Errorf("GET %s: %s, want the exporter's metrics after a successful reload:\n%.500s", metricsPath, resp.Status, body)
	}
	for _, o := range r.all("ServiceMonitor") {
		var sm serviceMonitorSpec
		decodeSpec(t, o, &sm)
		if o.Metadata.Name != "mcp-exporter" && sm.Endpoints[0].Path != "/mcp/probe" {
			t.Errorf("ServiceMonitor %s scrapes %s, want /mcp/probe", o.Metadata.Name, sm.Endpoints[0].Path)
		}
	}
}

// TestHelmChartRefusesInlineCredentials is issue 18 item 6: a credential
// written inline in config landed in a ConfigMap without a word. The
// render now fails, naming the key and the fix; in a Secret
// (secretConfig: true) it renders.
func TestHelmChartRefusesInlineCredentials(t *testing.T) {
	for _, tc := range []struct{ set, key string }{
		{"config.modules.default.http_config.bearer_token=s3cr3t", "config.modules.default.http_config.bearer_token"},
		{"config.modules.m.http_config.authorization.credentials=s3cr3t", "config.modules.m.http_config.authorization.credentials"},
		{"config.modules.m.http_config.oauth2.client_secret=s3cr3t", "config.modules.m.http_config.oauth2.client_secret"},
		{"config.modules.m.http_config.basic_auth.password=s3cr3t", "config.modules.m.http_config.basic_auth.password"},
		{"config.modules.m.http_config.http_headers.X-Key.secrets[0]=s3cr3t", "config.modules.m.http_config.http_headers.X-Key.secrets"},
		{"config.modules.m.http_config.proxy_url=http://u:s3cr3t@proxy:3128", "config.modules.m.http_config.proxy_url"},
		{"config.modules.m.http_config.tls_config.key=s3cr3t", "config.modules.m.http_config.tls_config.key"},
		{"config.tracing.endpoint=collector:4317,config.tracing.headers.Authorization=s3cr3t", "config.tracing.headers"},
	} {
		out, err := runHelm(t, "template", "mcp-exporter", chartDir, "--set-string", tc.set)
		if err == nil {
			t.Errorf("--set-string %s rendered:\n%s", tc.set, out)
			continue
		}
		msg := err.Error()
		if !strings.Contains(msg, tc.key+" is a credential written inline") || !strings.Contains(msg, "secretConfig: true") {
			t.Errorf("--set-string %s: %v, want the key named and the fix", tc.set, msg)
		}
		if strings.Contains(msg, "s3cr3t") {
			t.Errorf("the refusal quotes the credential: %v", msg)
		}
		r := renderChart(t, "--set-string", tc.set, "--set", "secretConfig=true")
		if k := r.kinds(); k["ConfigMap"] != 0 || k["Secret"] != 1 {
			t.Errorf("--set-string %s with secretConfig=true: %v, want the configuration in a Secret", tc.set, k)
		}
	}
	// Files are what the chart is for: they render.
	renderChart(t, "--set", "config.modules.m.http_config.bearer_token_file=/etc/mcp_exporter/secrets/token",
		"--set", "config.modules.m.allowed_targets[0]=https://mcp\\.example/.*")
}

// TestHelmChartNetworkPolicyNamesItsPeers is issue 18 item 7: enabled with
// an empty from, the NetworkPolicy admitted every peer. It now admits the
// Prometheus pods its values name, and refuses to render with none named.
func TestHelmChartNetworkPolicyNamesItsPeers(t *testing.T) {
	var np struct {
		Ingress []struct {
			From []struct {
				NamespaceSelector map[string]any `yaml:"namespaceSelector"`
				PodSelector       map[string]any `yaml:"podSelector"`
			} `yaml:"from"`
		} `yaml:"ingress"`
	}
	decodeSpec(t, renderChart(t, "--set", "networkPolicy.enabled=true").one(t, "NetworkPolicy"), &np)
	if len(np.Ingress) != 1 || len(np.Ingress[0].From) != 1 {
		t.Fatalf("ingress %+v, want one rule with one peer", np.Ingress)
	}
	peer := np.Ingress[0].From[0]
	if fmt.Sprint(peer.NamespaceSelector) != "map[matchLabels:map[kubernetes.io/metadata.name:monitoring]]" ||
		fmt.Sprint(peer.PodSelector) != "map[matchLabels:map[app.kubernetes.io/name:prometheus]]" {
		t.Errorf("the default peer is %+v, want the Prometheus pods of the monitoring namespace", peer)
	}
	_, err := runHelm(t, "template", "mcp-exporter", chartDir, "--set", "networkPolicy.enabled=true",
		"--set", "networkPolicy.prometheus.namespace=", "--set", "networkPolicy.prometheus.podLabels=null")
	if err == nil || !strings.Contains(err.Error(), "would admit every peer") {
		t.Errorf("a NetworkPolicy naming no peer: %v, want a refusal", err)
	}
}

// TestHelmChartWorkloadIdentity: workloadIdentity mounts a projected
// service account token with the configured audience, read-only, where the
// module's assertion_file names it, and the rendered configuration passes
// --config.check with the token laid out as the kubelet would; without an
// audience the chart refuses to render.
func TestHelmChartWorkloadIdentity(t *testing.T) {
	const audience = "https://idp.example.internal/oauth2/token"
	module := []string{
		"--set", "workloadIdentity.enabled=true",
		"--set", "workloadIdentity.audience=" + audience,
		"--set", "workloadIdentity.expirationSeconds=1800",
		"--set", "config.modules.federated.allowed_targets[0]=https://mcp\\.example\\.internal/mcp",
		"--set", "config.modules.federated.http_config.oauth2.token_url=" + audience,
		"--set", "config.modules.federated.oauth2_workload_identity.assertion_file=/var/run/secrets/mcp-exporter/workload-identity/token",
	}
	r := renderChart(t, module...)
	d := r.deployment(t)
	c := d.container(t, "mcp-exporter")
	var mounted bool
	for _, m := range c.VolumeMounts {
		if m.Name == "workload-identity-token" {
			mounted = m.MountPath == "/var/run/secrets/mcp-exporter/workload-identity" && m.ReadOnly
		}
	}
	if !mounted {
		t.Errorf("the token is not mounted read-only at the default mountPath: %+v", c.VolumeMounts)
	}
	var found bool
	for _, v := range d.Template.Spec.Volumes {
		if v.Name != "workload-identity-token" {
			continue
		}
		if v.Projected == nil || len(v.Projected.Sources) != 1 || v.Projected.Sources[0].ServiceAccountToken == nil {
			t.Fatalf("volume %s is not a projected service account token", v.Name)
		}
		sa := v.Projected.Sources[0].ServiceAccountToken
		found = sa.Audience == audience && sa.ExpirationSeconds == 1800 && sa.Path == "token" && v.Projected.DefaultMode == 0o440
		if !found {
			t.Errorf("projected token %+v (mode %o)", *sa, v.Projected.DefaultMode)
		}
	}
	if !found {
		t.Error("no workload-identity-token volume")
	}
	if a := d.Template.Spec.AutomountServiceAccountToken; a == nil || *a {
		t.Error("automountServiceAccountToken is not false: the API token would be mounted too")
	}
	checkHardened(t, "the Deployment with workload identity", d.Template.Spec)
	if out, err := configCheck(t, hzBuild(t), r, nil); err != nil {
		t.Errorf("--config.check of the rendered configuration: %v\n%s", err, out)
	}

	if _, err := runHelm(t, "template", "mcp-exporter", chartDir, "--set", "workloadIdentity.enabled=true"); err == nil || !strings.Contains(err.Error(), "workloadIdentity.audience is required") {
		t.Errorf("without an audience: %v", err)
	}
	for _, v := range renderChart(t).deployment(t).Template.Spec.Volumes {
		if v.Projected != nil {
			t.Errorf("the default values mount a projected volume %s", v.Name)
		}
	}
}
