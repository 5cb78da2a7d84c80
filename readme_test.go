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

import (
	"bytes"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/mcp-exporter/mcp_exporter/config"
	"github.com/mcp-exporter/mcp_exporter/internal/protocol"
	"github.com/mcp-exporter/mcp_exporter/internal/testsupport"
	"github.com/mcp-exporter/mcp_exporter/prober"
)

// The README's generated sections: the flag reference from the kingpin
// application the binary parses with, and the metric list from the
// descriptors /probe and /metrics are built from. TestREADMEGenerated
// fails when they differ; `go test -run TestREADMEGenerated -update .`
// rewrites them.
const readmeRegenerate = "go test -run TestREADMEGenerated -update ."

// flagTemplate is a usage template that prints the application's flags,
// and its commands' flags and arguments, one per line, each field quoted.
const flagTemplate = `{{define "flag"}}{{printf "%q" .Name}}	{{.IsBoolFlag}}	{{printf "%q" .Default}}	{{printf "%q" .Help}}
{{end}}{{range .App.Flags}}{{if not .Hidden}}{{printf "%q" ""}}	flag	{{template "flag" .}}{{end}}{{end}}{{range .App.Commands}}{{$cmd := .FullCommand}}{{range .Flags}}{{if not .Hidden}}{{printf "%q" $cmd}}	flag	{{template "flag" .}}{{end}}{{end}}{{range .Args}}{{if not .Hidden}}{{printf "%q" $cmd}}	arg	{{printf "%q" .Name}}	false	{{printf "%q" .Default}}	{{printf "%q" .Help}}
{{end}}{{end}}{{end}}`

// docFlag is a flag (or an argument) as the reference shows it.
type docFlag struct {
	command, kind, name string
	bool                bool
	defaults            []string
	help                string
}

var quotedRE = regexp.MustCompile(`"(?:[^"\\]|\\.)*"`)

func unquote(t *testing.T, s string) string {
	t.Helper()
	u, err := strconv.Unquote(s)
	if err != nil {
		t.Fatalf("unquoting %s: %v", s, err)
	}
	return u
}

// appFlags runs the binary's --help through flagTemplate.
func appFlags(t *testing.T) []docFlag {
	t.Helper()
	saved := usageTemplate
	usageTemplate = flagTemplate
	defer func() { usageTemplate = saved }()
	var out bytes.Buffer
	if code := runWith([]string{"--help"}, io.Discard, &out); code != 0 {
		t.Fatalf("--help: exit %d\n%s", code, out.String())
	}
	var flags []docFlag
	for _, line := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		f := strings.Split(line, "\t")
		if len(f) != 6 {
			t.Fatalf("unexpected line from the flag template: %q", line)
		}
		d := docFlag{command: unquote(t, f[0]), kind: f[1], name: unquote(t, f[2]), bool: f[3] == "true", help: unquote(t, f[5])}
		for _, q := range quotedRE.FindAllString(f[4], -1) {
			d.defaults = append(d.defaults, unquote(t, q))
		}
		flags = append(flags, d)
	}
	return flags
}

func cell(s string) string { return strings.ReplaceAll(strings.ReplaceAll(s, "|", `\|`), "\n", " ") }

// flagsMarkdown is the flag reference.
func flagsMarkdown(flags []docFlag) string {
	var b strings.Builder
	table := func(command string) {
		fmt.Fprintln(&b, "| flag | default | |")
		fmt.Fprintln(&b, "|---|---|---|")
		for _, f := range flags {
			if f.command != command {
				continue
			}
			name := "`--" + f.name + "`"
			switch {
			case f.kind == "arg":
				name = "`<" + f.name + ">`"
			case f.bool && slices.Equal(f.defaults, []string{"true"}):
				// On by default: --no-<name> turns it off.
				name = "`--[no-]" + f.name + "`"
			}
			def := strings.Join(f.defaults, ",")
			if f.bool && def != "true" {
				def = ""
			}
			if def != "" {
				def = "`" + def + "`"
			}
			fmt.Fprintf(&b, "| %s | %s | %s |\n", name, def, cell(f.help))
		}
	}
	table("")
	var commands []string
	for _, f := range flags {
		if f.command != "" && f.command != "help" && !slices.Contains(commands, f.command) {
			commands = append(commands, f.command)
		}
	}
	for _, c := range commands {
		fmt.Fprintf(&b, "\n`mcp_exporter %s` has, besides the flags above:\n\n", c)
		table(c)
	}
	return b.String()
}

var descRE = regexp.MustCompile(`^Desc\{fqName: ("(?:[^"\\]|\\.)*"), help: ("(?:[^"\\]|\\.)*"), unit: "[^"]*", constLabels: \{[^}]*\}, variableLabels: \{([^}]*)\}\}$`)

// metricType is the type of the metrics a collector makes, for the
// vectors that have no series to gather yet (a single metric always
// gathers, with its type).
func metricType(c prometheus.Collector) string {
	switch c.(type) {
	case prometheus.Gauge, *prometheus.GaugeVec: // before Counter, whose methods a Gauge has
		return "gauge"
	case prometheus.Counter, *prometheus.CounterVec:
		return "counter"
	case *prometheus.HistogramVec:
		return "histogram"
	case *prometheus.SummaryVec:
		return "summary"
	}
	return ""
}

// exporterMetrics lists the metrics of /metrics, from the registry run
// builds, but for the Go and process collectors.
func exporterMetrics(t *testing.T) []prober.MetricDoc {
	t.Helper()
	registry := newRegistry()
	e := newExporter(exporterOptions{
		config:   &config.Config{Modules: map[string]config.Module{config.DefaultModuleName: config.DefaultModule}},
		logger:   slog.New(slog.DiscardHandler),
		registry: registry,
	})
	// The types: from what the registry gathers, and for the vectors that
	// have no series yet, from their collectors.
	types := map[string]string{}
	mfs, err := registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		types[mf.GetName()] = strings.ToLower(mf.GetType().String())
	}
	collectors := []prometheus.Collector{e.reloadSuccess, e.reloadTimestamp}
	for _, metrics := range []any{e.probe.Metrics, e.sd.Metrics} {
		m := reflect.ValueOf(metrics).Elem()
		for i := range m.NumField() {
			if c, ok := m.Field(i).Interface().(prometheus.Collector); ok {
				collectors = append(collectors, c)
			}
		}
	}
	for _, c := range collectors {
		ch := make(chan *prometheus.Desc, 10)
		c.Describe(ch)
		close(ch)
		for d := range ch {
			if sub := descRE.FindStringSubmatch(d.String()); sub != nil && types[unquote(t, sub[1])] == "" {
				types[unquote(t, sub[1])] = metricType(c)
			}
		}
	}

	ch := make(chan *prometheus.Desc, 200)
	registry.Describe(ch)
	close(ch)
	var docs []prober.MetricDoc
	for d := range ch {
		sub := descRE.FindStringSubmatch(d.String())
		if sub == nil {
			t.Fatalf("cannot read descriptor %s", d)
		}
		name := unquote(t, sub[1])
		if strings.HasPrefix(name, "go_") || strings.HasPrefix(name, "process_") {
			continue
		}
		if types[name] == "" {
			t.Fatalf("no type known for %s: add its collector to exporterMetrics", name)
		}
		var labels []string
		if sub[3] != "" {
			labels = strings.Split(sub[3], ",")
		}
		docs = append(docs, prober.MetricDoc{Name: name, Type: types[name], Help: unquote(t, sub[2]), Labels: labels})
	}
	slices.SortFunc(docs, func(a, b prober.MetricDoc) int { return strings.Compare(a.Name, b.Name) })
	return docs
}

func metricsTable(b *strings.Builder, docs []prober.MetricDoc) {
	fmt.Fprintln(b, "| metric | type | labels | help |")
	fmt.Fprintln(b, "|---|---|---|---|")
	for _, d := range docs {
		labels := ""
		if len(d.Labels) > 0 {
			labels = "`" + strings.Join(d.Labels, "`, `") + "`"
		}
		fmt.Fprintf(b, "| `%s` | %s | %s | %s |\n", d.Name, d.Type, labels, cell(d.Help))
	}
}

// metricsMarkdown is the metric list.
func metricsMarkdown(probe, exporter []prober.MetricDoc) string {
	var b strings.Builder
	fmt.Fprintf(&b, "`/probe` (%d metrics; which ones a probe carries depends on its module and how far it got):\n\n", len(probe))
	metricsTable(&b, probe)
	fmt.Fprintf(&b, "\n`/metrics` (%d metrics, and client_golang's Go and process collectors, `go_*` and `process_*`):\n\n", len(exporter))
	metricsTable(&b, exporter)
	return b.String()
}

// replaceSection replaces what lies between the lines
// "<!-- BEGIN GENERATED name ... -->" and "<!-- END GENERATED name -->" of
// doc, and reports whether doc has them.
func replaceSection(doc, name, body string) (string, bool) {
	begin := "<!-- BEGIN GENERATED " + name + " (" + readmeRegenerate + ") -->\n"
	end := "<!-- END GENERATED " + name + " -->"
	i, j := strings.Index(doc, begin), strings.Index(doc, end)
	if i < 0 || j < i {
		return doc, false
	}
	return doc[:i+len(begin)] + body + doc[j:], true
}

// TestREADMEGenerated: the docs' flag reference and metric list (in
// docs/configuration.md and docs/metrics.md) are what the code has.
func TestREADMEGenerated(t *testing.T) {
	probe, exporter := prober.ProbeMetrics(), exporterMetrics(t)
	sections := map[string]string{"FLAGS": flagsMarkdown(appFlags(t)), "METRICS": metricsMarkdown(probe, exporter)}
	found := map[string]bool{}
	known := map[string]bool{}
	for _, d := range slices.Concat(probe, exporter) {
		known[d.Name] = true
	}
	for _, f := range docFiles(t) {
		b := testsupport.ReadFile(t, f)
		got := string(b)
		for name, body := range sections {
			var ok bool
			if got, ok = replaceSection(got, name, body); ok {
				found[name] = true
			}
		}
		if *updateGolden && got != string(b) {
			testsupport.WriteFile(t, f, []byte(got), 0o644)
		} else if got != string(b) {
			t.Errorf("%s's generated sections differ from the code; run %s and check the diff", f, readmeRegenerate)
		}
		// Every metric name the docs mention exists.
		for _, m := range regexp.MustCompile("`((?:probe|mcp_exporter)_[a-z0-9_]+)").FindAllStringSubmatch(got, -1) {
			if !known[m[1]] {
				t.Errorf("%s mentions %s, which the exporter does not expose", f, m[1])
			}
		}
	}
	for name := range sections {
		if !found[name] {
			t.Errorf("no doc has the markers of the generated section %s", name)
		}
	}
}

// TestProbeMetricsComplete: every metric family of the /probe goldens is
// in prober.ProbeMetrics, so the generated list misses none.
func TestProbeMetricsComplete(t *testing.T) {
	known := map[string]bool{}
	for _, d := range prober.ProbeMetrics() {
		known[d.Name] = true
	}
	files, _ := filepath.Glob(filepath.Join("prober", "testdata", "golden", "*", "*.txt"))
	if len(files) == 0 {
		t.Fatal("no /probe goldens found")
	}
	typeRE := regexp.MustCompile(`(?m)^# TYPE (\S+) `)
	seen := map[string]bool{}
	for _, f := range files {
		b := testsupport.ReadFile(t, f)
		for _, m := range typeRE.FindAllStringSubmatch(string(b), -1) {
			seen[m[1]] = true
			if !known[m[1]] {
				t.Errorf("%s: %s is not in prober.ProbeMetrics", f, m[1])
			}
		}
	}
	if len(seen) < 20 {
		t.Errorf("only %d metric families in the goldens", len(seen))
	}
}

// TestCompletionScript: the README's shell completion commands print a
// script that completes the exporter's flags (kingpin writes it to
// os.Stdout itself).
func TestCompletionScript(t *testing.T) {
	for flag, want := range map[string]string{
		"--completion-script-bash": "complete -F _mcp_exporter_bash_autocomplete -o default mcp_exporter",
		"--completion-script-zsh":  "#compdef mcp_exporter",
	} {
		r, w, err := os.Pipe()
		if err != nil {
			t.Fatal(err)
		}
		saved := os.Stdout
		os.Stdout = w
		code := runWith([]string{flag}, io.Discard, io.Discard)
		os.Stdout = saved
		w.Close()
		out, _ := io.ReadAll(r)
		r.Close()
		if code != 0 || !strings.Contains(string(out), want) {
			t.Errorf("%s: exit %d, output lacks %q:\n%s", flag, code, want, out)
		}
	}
}

// TestShippedConfigComments: the shipped configuration's comments list
// every transport and protocol revision a module may name.
func TestShippedConfigComments(t *testing.T) {
	b := testsupport.ReadFile(t, "mcp_exporter.yml")
	for key, want := range map[string][]string{
		"transport":        {protocol.TransportAuto, protocol.TransportStreamableHTTP, protocol.TransportSSE},
		"protocol_version": append([]string{protocol.VersionAuto}, protocol.KnownVersions...),
	} {
		m := regexp.MustCompile(`(?m)^\s+` + key + `: \S+\s+# (.*)$`).FindSubmatch(b)
		if m == nil {
			t.Errorf("mcp_exporter.yml has no commented %s line", key)
			continue
		}
		if got := strings.Split(string(m[1]), " | "); !slices.Equal(got, want) {
			t.Errorf("mcp_exporter.yml's %s comment lists %q, want %q", key, got, want)
		}
	}
}
