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
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"maps"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/mcp-exporter/mcp_exporter/config"
	"github.com/mcp-exporter/mcp_exporter/internal/failure"
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

// checkMinAttempt is the least time a retry is given: with less of the
// wait left, check gives up.
const checkMinAttempt = 100 * time.Millisecond

type checkOptions struct {
	configFile    string
	configFileSet bool
	module        *string
	wait          *time.Duration
	output        *string
	target        *string
	// command is a stdio server's command and arguments (after --); nil
	// for a target.
	command []string
}

// checkResult is what the check command prints, taken from the probe's
// Result, which /probe renders too.
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
	// FailureCause says what the connection ran into, in fixed words
	// ("connection refused"), when the probe failed for that.
	FailureCause string `json:"failure_cause,omitempty"`
	// MissingTools are the module's required_tools that tools/list
	// lacked, in the configuration's order: the operator's own names,
	// never a name the server sent.
	MissingTools []string `json:"missing_tools,omitempty"`

	// The opt-in lists (list_resources, list_prompts).
	Resources                 *int   `json:"resources,omitempty"`
	ResourcesDefinitionSHA256 string `json:"resources_definition_sha256,omitempty"`
	Prompts                   *int   `json:"prompts,omitempty"`
	PromptsDefinitionSHA256   string `json:"prompts_definition_sha256,omitempty"`
}

type checkLayer struct {
	Name    string `json:"name"`
	Success bool   `json:"success"`
	// Outcome is passed, failed or not reached: a layer can fail without
	// failing the probe (a session that would not close), which Success
	// alone cannot tell from a layer that never ran.
	Outcome         string  `json:"outcome"`
	DurationSeconds float64 `json:"duration_seconds"`
	Reason          string  `json:"reason,omitempty"`
	// Note says why a failed layer has no reason of its own.
	Note string `json:"note,omitempty"`
}

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
		fmt.Fprintf(stderr, "unknown module %q; modules: %s\n", *o.module, strings.Join(slices.Sorted(maps.Keys(cfg.Modules)), ", "))
		return exitUsage
	}
	target, shown, module, err := checkTarget(o, module)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return exitUsage
	}

	p := prober.New()
	begin := time.Now()
	deadline := begin.Add(*o.wait)
	var (
		res     checkResult
		missing []string
	)
	for attempt := 1; ; attempt++ {
		// The first attempt has the module's whole timeout, as without
		// --wait; later ones end with the wait.
		timeout := time.Duration(module.Timeout)
		if attempt > 1 {
			timeout = min(timeout, time.Until(deadline))
		}
		pctx, cancel := context.WithTimeout(ctx, timeout)
		start := time.Now()
		r := p.Probe(pctx, &prober.Request{ModuleName: *o.module, Module: module, Target: target, Logger: logger})
		cancel()
		res = newCheckResult(r)
		res.Target, res.Module, res.Attempts = shown, *o.module, attempt
		missing = nil
		if r.Tools != nil {
			missing = r.Tools.Missing
		}
		left := time.Until(deadline)
		if r.Success || left <= checkMinAttempt {
			break
		}
		// The pause leaves the last attempt at least checkMinAttempt.
		pause := min(checkRetryInterval, left-checkMinAttempt)
		fmt.Fprintf(stderr, "attempt %d failed after %s (%s); retrying in %s\n", attempt,
			time.Since(start).Round(time.Millisecond), res.failure()+missingSuffix(missing), pause.Round(time.Millisecond))
		select {
		case <-ctx.Done():
			return exitProbeFailed
		case <-time.After(pause):
		}
	}
	res.DurationSeconds = time.Since(begin).Seconds()
	res.MissingTools = missing
	if len(missing) > 0 {
		fmt.Fprintf(stderr, "required_tools not listed: %s\n", strings.Join(missing, ", "))
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

// checkTarget is what check probes: the target URL, or a stdio server:
// the command after -- (with the module's other settings), or the
// module's own command. It returns the target ("" for stdio), how the
// result shows it, and the module to probe with.
func checkTarget(o checkOptions, module config.Module) (target, shown string, _ config.Module, _ error) {
	switch {
	case len(o.command) > 0 && *o.target != "":
		return "", "", module, fmt.Errorf("give a target or a command after --, not both (%q is before --)", *o.target)
	case len(o.command) > 0:
		m, err := module.WithCommand(o.command)
		if err != nil {
			return "", "", module, fmt.Errorf("module %q cannot run the command after --: %w", *o.module, err)
		}
		return "", prober.CommandTarget(&m), m, nil
	case o.command != nil:
		return "", "", module, errors.New("no command after --")
	case module.TakesTarget() && *o.target == "":
		return "", "", module, errors.New("give the target (the MCP endpoint URL), or a stdio server's command and arguments after --; see mcp_exporter check --help")
	}
	u, shown, err := prober.AdmitTarget(*o.module, &module, *o.target, *o.target != "")
	if err != nil || u == nil {
		return "", shown, module, err
	}
	return u.String(), shown, module, nil
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

// newCheckResult takes what check prints from r. A layer carries a reason
// only when it is the probe's first failure, like probe_mcp_failure_info.
func newCheckResult(r *prober.Result) checkResult {
	res := checkResult{Success: r.Success, Transport: r.Transport, HTTPStatus: r.HTTPStatus}
	for _, l := range r.Layers {
		cl := checkLayer{Name: l.Name, Success: l.Outcome == prober.Passed, Outcome: l.Outcome.String(), DurationSeconds: l.Duration.Seconds()}
		switch {
		case l.Name == r.FailedLayer:
			cl.Reason = string(r.FailureReason)
			res.FailureCause = r.FailureCause
		case l.Outcome == prober.Failed && r.FailedLayer != "":
			cl.Note = "counted on the " + r.FailedLayer + " layer"
		case l.Outcome == prober.Failed:
			cl.Note = "does not fail the probe"
		}
		res.Layers = append(res.Layers, cl)
	}
	if s := r.Server; s != nil {
		res.ProtocolVersion, res.ServerName, res.ServerVersion = s.ProtocolVersion, s.Name, s.Version
	}
	if t := r.Tools; t != nil {
		n := t.Count
		res.Tools = &n
		if d := t.Digest; d != nil {
			res.SchemaSHA256, res.DefinitionSHA256 = hex.EncodeToString(d.Schema[:]), hex.EncodeToString(d.Definition[:])
		}
	}
	res.Resources, res.ResourcesDefinitionSHA256 = checkList(r.Resources)
	res.Prompts, res.PromptsDefinitionSHA256 = checkList(r.Prompts)
	return res
}

// checkList is a list's count and definition hash, as check prints them.
func checkList(l *prober.ListResult) (*int, string) {
	if l == nil {
		return nil, ""
	}
	n := l.Count
	if l.Digest == nil {
		return &n, ""
	}
	return &n, hex.EncodeToString(l.Digest.Definition[:])
}

func missingSuffix(missing []string) string {
	if len(missing) == 0 {
		return ""
	}
	return ": " + strings.Join(missing, ", ")
}

// failure names the failing layer and reason, for retry messages.
func (r checkResult) failure() string {
	i := slices.IndexFunc(r.Layers, func(l checkLayer) bool { return l.Reason != "" })
	if i < 0 {
		return "no reason recorded"
	}
	if r.FailureCause != "" {
		return r.Layers[i].Name + ": " + r.Layers[i].Reason + ", " + r.FailureCause
	}
	return r.Layers[i].Name + ": " + r.Layers[i].Reason
}

func (r checkResult) writeTable(w io.Writer) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "LAYER\tRESULT\tDURATION\tREASON")
	for _, l := range r.Layers {
		result, reason := "ok", l.Reason
		switch l.Outcome {
		case prober.Failed.String():
			result = "FAILED"
			if reason == "" {
				reason = "(" + l.Note + ")"
			}
		case prober.NotReached.String():
			result = "not reached"
		}
		if l.Reason == string(failure.ReasonMissingTool) && len(r.MissingTools) > 0 {
			reason += missingSuffix(r.MissingTools)
		}
		if l.Reason != "" && r.FailureCause != "" {
			reason += " (" + r.FailureCause + ")"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", l.Name, result, time.Duration(l.DurationSeconds*float64(time.Second)).Round(time.Microsecond), reason)
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
	if r.Resources != nil {
		add("resources", fmt.Sprint(*r.Resources))
	}
	if r.Prompts != nil {
		add("prompts", fmt.Sprint(*r.Prompts))
	}
	if len(facts) > 0 {
		fmt.Fprintln(w, strings.Join(facts, "  "))
	}
}
