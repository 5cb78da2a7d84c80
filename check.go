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
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/mcp-exporter/mcp_exporter/config"
	"github.com/mcp-exporter/mcp_exporter/prober"
)

// Exit codes of the check command.
const (
	exitProbeOK     = 0
	exitProbeFailed = 1
	exitUsage       = 2
)

// checkRetryInterval is the pause between attempts under --wait.
const checkRetryInterval = time.Second

type checkOptions struct {
	configFile    string
	configFileSet bool
	module        *string
	wait          *time.Duration
	output        *string
	target        *string
}

// checkResult is what the check command prints: the probe's own metrics,
// read back from its registry, so that it says exactly what /probe would.
type checkResult struct {
	Target           string       `json:"target"`
	Module           string       `json:"module"`
	Success          bool         `json:"success"`
	Attempts         int          `json:"attempts"`
	DurationSeconds  float64      `json:"duration_seconds"`
	Layers           []checkLayer `json:"layers"`
	ProtocolVersion  string       `json:"protocol_version,omitempty"`
	Transport        string       `json:"transport,omitempty"`
	ServerName       string       `json:"server_name,omitempty"`
	ServerVersion    string       `json:"server_version,omitempty"`
	Tools            *int         `json:"tools,omitempty"`
	SchemaSHA256     string       `json:"schema_sha256,omitempty"`
	DefinitionSHA256 string       `json:"definition_sha256,omitempty"`
	HTTPStatus       int          `json:"http_status,omitempty"`
}

type checkLayer struct {
	Name            string  `json:"name"`
	Success         bool    `json:"success"`
	DurationSeconds float64 `json:"duration_seconds"`
	Reason          string  `json:"reason,omitempty"`
}

// layerOrder is the order layers run in, for the table.
var layerOrder = []string{prober.LayerAuthWall, prober.LayerDiscovery, prober.LayerAuth, prober.LayerConnect, prober.LayerHandshake, prober.LayerTools, prober.LayerClose}

// runCheck probes one target, retrying until success or the wait is over,
// prints the result and returns the exit code.
func runCheck(ctx context.Context, o checkOptions, stdout, stderr io.Writer, logger *slog.Logger) int {
	cfg, err := checkConfig(o.configFile, o.configFileSet)
	if err != nil {
		fmt.Fprintf(stderr, "configuration is invalid: %s\n", err)
		return exitUsage
	}
	module, ok := cfg.Modules[*o.module]
	if !ok {
		fmt.Fprintf(stderr, "unknown module %q\n", *o.module)
		return exitUsage
	}
	target, err := prober.ParseTarget(*o.target)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return exitUsage
	}
	if target, err = module.AdmitTarget(target); err != nil {
		fmt.Fprintf(stderr, "target not allowed: module %q %s\n", *o.module, err)
		return exitUsage
	}

	p := prober.New()
	deadline := time.Now().Add(*o.wait)
	var res checkResult
	for attempt := 1; ; attempt++ {
		registry := prometheus.NewRegistry()
		pctx, cancel := context.WithTimeout(ctx, time.Duration(module.Timeout))
		start := time.Now()
		success := p.Probe(pctx, target.String(), *o.module, module, registry, logger)
		cancel()
		res = readCheckResult(registry)
		res.Target, res.Module, res.Success, res.Attempts = prober.RedactTarget(target), *o.module, success, attempt
		res.DurationSeconds = time.Since(start).Seconds()
		if success || time.Now().Add(checkRetryInterval).After(deadline) {
			break
		}
		fmt.Fprintf(stderr, "attempt %d failed (%s); retrying\n", attempt, res.failure())
		select {
		case <-ctx.Done():
			return exitProbeFailed
		case <-time.After(checkRetryInterval):
		}
	}
	if *o.output == "json" {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		_ = enc.Encode(res)
	} else {
		res.writeTable(stdout)
	}
	if !res.Success {
		return exitProbeFailed
	}
	return exitProbeOK
}

// checkConfig loads the configuration file; without one (the default file
// absent, and none named), the built-in default module serves, so that an
// unauthenticated server needs no file at all.
func checkConfig(path string, named bool) (*config.Config, error) {
	cfg, err := config.Load(path)
	if err != nil && !named && errors.Is(err, fs.ErrNotExist) {
		return &config.Config{Modules: map[string]config.Module{config.DefaultModuleName: config.DefaultModule}}, nil
	}
	return cfg, err
}

func readCheckResult(registry *prometheus.Registry) checkResult {
	var res checkResult
	mfs, _ := registry.Gather()
	layers := map[string]*checkLayer{}
	layer := func(name string) *checkLayer {
		if layers[name] == nil {
			layers[name] = &checkLayer{Name: name}
		}
		return layers[name]
	}
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			l := labels(m)
			v := m.GetGauge().GetValue()
			switch mf.GetName() {
			case "probe_mcp_layer_success":
				layer(l["layer"]).Success = v == 1
			case "probe_mcp_layer_duration_seconds":
				layer(l["layer"]).DurationSeconds = v
			case "probe_mcp_failure_info":
				layer(l["layer"]).Reason = l["reason"]
			case "probe_mcp_protocol_version_info":
				res.ProtocolVersion = l["version"]
			case "probe_mcp_transport_info":
				res.Transport = l["transport"]
			case "probe_mcp_server_info":
				res.ServerName, res.ServerVersion = l["name"], l["version"]
			case "probe_mcp_tools":
				n := int(v)
				res.Tools = &n
			case "probe_mcp_tools_schema_info":
				res.SchemaSHA256, res.DefinitionSHA256 = l["schema_sha256"], l["definition_sha256"]
			case "probe_http_status_code":
				res.HTTPStatus = int(v)
			}
		}
	}
	for _, name := range layerOrder {
		if l, ok := layers[name]; ok {
			res.Layers = append(res.Layers, *l)
		}
	}
	return res
}

func labels(m *dto.Metric) map[string]string {
	l := map[string]string{}
	for _, lp := range m.GetLabel() {
		l[lp.GetName()] = lp.GetValue()
	}
	return l
}

// failure names the failing layer and reason, for retry messages.
func (r checkResult) failure() string {
	i := slices.IndexFunc(r.Layers, func(l checkLayer) bool { return l.Reason != "" })
	if i < 0 {
		return "no reason recorded"
	}
	return r.Layers[i].Name + ": " + r.Layers[i].Reason
}

func (r checkResult) writeTable(w io.Writer) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "LAYER\tRESULT\tDURATION\tREASON")
	for _, l := range r.Layers {
		result := "ok"
		if !l.Success {
			result = "FAILED"
			if l.Reason == "" {
				result = "not reached"
			}
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", l.Name, result, time.Duration(l.DurationSeconds*float64(time.Second)).Round(time.Microsecond), l.Reason)
	}
	_ = tw.Flush()
	fmt.Fprintln(w)
	verdict := "SUCCESS"
	if !r.Success {
		verdict = "FAILURE (" + r.failure() + ")"
	}
	fmt.Fprintf(w, "%s  %s  module=%s  attempts=%d  duration=%s\n", verdict, r.Target, r.Module, r.Attempts,
		time.Duration(r.DurationSeconds*float64(time.Second)).Round(time.Millisecond))
	var facts []string
	add := func(k, v string) {
		if v != "" {
			facts = append(facts, k+"="+v)
		}
	}
	add("protocol_version", r.ProtocolVersion)
	add("transport", r.Transport)
	add("server", strings.TrimSpace(r.ServerName+" "+r.ServerVersion))
	if r.Tools != nil {
		add("tools", fmt.Sprint(*r.Tools))
	}
	add("schema_sha256", r.SchemaSHA256)
	if len(facts) > 0 {
		fmt.Fprintln(w, strings.Join(facts, "  "))
	}
}
