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

package prober

import (
	"errors"
	"fmt"
	"net/url"
	"path/filepath"

	"github.com/mcp-exporter/mcp_exporter/config"
)

// ErrTargetRefused is in the error of a target the module's
// allowed_targets do not admit (errors.Is), as opposed to a malformed one.
var ErrTargetRefused = errors.New("target not allowed")

// AdmitTarget is the one rule of what a probe of a module may run against,
// for /probe and check alike, applied before anything is sent. An HTTP
// module's target must parse (ParseTarget) and be admitted by the module
// (config.Module.AdmitTarget: a credential goes only where the operator
// said it may, to the host that was checked). A module whose transport
// takes no target (a process: stdio) refuses one (given: a target was
// given at all), so that no scraper chooses what runs. It returns the URL
// to probe (nil without a target) and how logs, the history and check
// show it.
func AdmitTarget(moduleName string, m *config.Module, target string, given bool) (*url.URL, string, error) {
	if !m.TakesTarget() {
		if given {
			return nil, "", fmt.Errorf("module %q runs its configured command (transport: %s) and takes no target", moduleName, m.Transport)
		}
		return nil, CommandTarget(m), nil
	}
	u, err := ParseTarget(target)
	if err != nil {
		return nil, "", err
	}
	if u, err = m.AdmitTarget(u); err != nil {
		return nil, "", fmt.Errorf("%w: module %q %s", ErrTargetRefused, moduleName, err)
	}
	return u, RedactTarget(u), nil
}

// ParseTarget checks the target parameter: an absolute http or https URL
// with a host. Nothing is sent anywhere for a target that fails here.
func ParseTarget(s string) (*url.URL, error) {
	if s == "" {
		return nil, errors.New("target parameter is missing")
	}
	const want = "target must be an absolute http:// or https:// URL of the MCP endpoint"
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") {
		return nil, errors.New(want)
	}
	if u.Hostname() == "" {
		return nil, errors.New("target URL has no host")
	}
	u.Fragment, u.RawFragment = "", ""
	return u, nil
}

// CommandTarget is how logs, the history and check show the server of a
// module that runs its command: its transport ("stdio:") and its program
// (not its arguments, which may hold what the operator would not show).
func CommandTarget(m *config.Module) string {
	if len(m.Command) == 0 {
		return m.Transport + ":"
	}
	return m.Transport + ":" + filepath.Base(m.Command[0])
}
