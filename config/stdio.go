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

package config

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/mcp-exporter/mcp_exporter/internal/protocol"
)

// MaxDebugStderrLines bounds debug_stderr_lines.
const MaxDebugStderrLines = 100

// StdioBaseEnv are the variables of the exporter's own environment a stdio
// server inherits, when set; env adds to them and overrides them. Nothing
// else of the exporter's environment reaches the command.
var StdioBaseEnv = []string{"PATH", "HOME", "LANG", "LC_ALL", "TZ", "TMPDIR"}

// StdioEnv is the environment of the module's command: the variables of
// StdioBaseEnv that getenv finds (os.LookupEnv for the exporter's own),
// then env; sorted by name.
func (m *Module) StdioEnv(getenv func(string) (string, bool)) []string {
	vars := map[string]string{}
	for _, k := range StdioBaseEnv {
		if v, ok := getenv(k); ok {
			vars[k] = v
		}
	}
	for k, v := range m.Env {
		vars[k] = v
	}
	env := make([]string, 0, len(vars))
	for k, v := range vars {
		env = append(env, k+"="+v)
	}
	slices.Sort(env)
	return env
}

// WithCommand is the module m running argv as a stdio server (the check
// command's "-- command args..."), validated as a configuration's would be.
func (m Module) WithCommand(argv []string) (Module, error) {
	m.Transport = protocol.TransportStdio
	m.Command = slices.Clone(argv)
	return m, m.validate()
}

// validateCommand checks the keys of a module that runs its command
// (protocol.KindProcess): the command, its environment and directory.
func (m *Module) validateCommand() error {
	if len(m.Command) == 0 || m.Command[0] == "" {
		return &keyError{key: "command", index: -1, lineKey: "transport", err: errors.New("a stdio module needs its command, a list: [program, args...]")}
	}
	for i, a := range m.Command {
		if strings.ContainsRune(a, 0) {
			return &keyError{key: "command", index: i, err: errors.New("holds a NUL byte")}
		}
	}
	for k, v := range m.Env {
		if k == "" || strings.ContainsAny(k, "=\x00") {
			return keyErrorf("env", "%q is not a variable name", k)
		}
		if strings.ContainsRune(v, 0) {
			return keyErrorf("env", "the value of %s holds a NUL byte", k)
		}
	}
	if m.DebugStderrLines < 0 || m.DebugStderrLines > MaxDebugStderrLines {
		return keyErrorf("debug_stderr_lines", "want 0 to %d, got %d", MaxDebugStderrLines, m.DebugStderrLines)
	}
	if m.Dir != "" {
		if fi, err := os.Stat(m.Dir); err != nil || !fi.IsDir() {
			return keyErrorf("dir", "%s is not a directory", m.Dir)
		}
	}
	if err := m.findCommand(); err != nil {
		return &keyError{key: "command", index: 0, err: err}
	}
	return nil
}

// findCommand checks, at load, that the command is there: a path (relative
// to dir) names an executable file, a name is found in the PATH the
// command gets.
func (m *Module) findCommand() error {
	name := m.Command[0]
	if strings.Contains(name, "/") {
		path := name
		if !filepath.IsAbs(path) && m.Dir != "" {
			path = filepath.Join(m.Dir, path)
		}
		return isExecutable(path)
	}
	pathList := ""
	for _, kv := range m.StdioEnv(os.LookupEnv) {
		if v, ok := strings.CutPrefix(kv, "PATH="); ok {
			pathList = v
		}
	}
	for _, d := range filepath.SplitList(pathList) {
		if filepath.IsAbs(d) && isExecutable(filepath.Join(d, name)) == nil {
			return nil
		}
	}
	return fmt.Errorf("%s is not found in PATH (%s)", name, pathList)
}

func isExecutable(path string) error {
	fi, err := os.Stat(path)
	if err != nil {
		var pe *os.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return fmt.Errorf("%s: %w", path, err)
	}
	if fi.IsDir() || fi.Mode()&0o111 == 0 {
		return fmt.Errorf("%s is not an executable file", path)
	}
	return nil
}
