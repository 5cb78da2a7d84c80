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
	"net/url"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/alecthomas/units"
	promconfig "github.com/prometheus/common/config"
	"github.com/prometheus/common/model"
	yaml "go.yaml.in/yaml/v3"
)

// The remote types of server.json (the MCP registry's words, not the
// module's transport names).
const (
	RemoteStreamableHTTP = "streamable-http"
	RemoteSSE            = "sse"
)

// Registry is one MCP registry (the official one or a sub-registry
// speaking its API) whose servers /sd?registry=<name> lists as Prometheus
// HTTP service discovery targets.
type Registry struct {
	// URL is the registry's base URL; its servers are listed at
	// <url>/v0.1/servers.
	URL promconfig.URL `yaml:"url"`
	// RefreshInterval is how often the list is fetched again.
	RefreshInterval model.Duration `yaml:"refresh_interval"`
	// Timeout bounds one whole refresh (every page).
	Timeout model.Duration `yaml:"timeout"`
	// Module is the module every discovered remote is probed with
	// (__param_module); ModuleOverrides pick another one by server name.
	Module          string           `yaml:"module"`
	ModuleOverrides []ModuleOverride `yaml:"module_overrides,omitempty"`
	// HTTPClientConfig is how the registry itself is reached (credentials
	// of a private registry). Redirects are followed only within the
	// registry's own scheme, host and port.
	HTTPClientConfig promconfig.HTTPClientConfig `yaml:"http_config"`

	// Statuses are the registry statuses listed (active, deprecated,
	// deleted); LatestOnly lists only the latest version of each server.
	Statuses   []string `yaml:"statuses"`
	LatestOnly bool     `yaml:"latest_only"`
	// Names are regular expressions, fully anchored, a server's name must
	// match to be listed; empty lists every name.
	Names []string `yaml:"names,omitempty"`
	// RemoteTypes are the remote types listed.
	RemoteTypes []string `yaml:"remote_types"`

	// Bounds of one refresh: one page's body, the pages, the entries of
	// all pages; PageSize is the limit asked of each page.
	MaxResponseBytes units.Base2Bytes `yaml:"max_response_bytes"`
	MaxPages         int              `yaml:"max_pages"`
	MaxEntries       int              `yaml:"max_entries"`
	PageSize         int              `yaml:"page_size"`

	names []*regexp.Regexp // Names, compiled by validate
}

// ModuleOverride probes the servers whose name matches Name (a regular
// expression, fully anchored) with Module.
type ModuleOverride struct {
	Name   string `yaml:"name"`
	Module string `yaml:"module"`

	re *regexp.Regexp
}

// DefaultRegistry holds the values a registry has for every key it leaves
// out.
var DefaultRegistry = Registry{
	RefreshInterval:  model.Duration(5 * time.Minute),
	Timeout:          model.Duration(time.Minute),
	Module:           DefaultModuleName,
	HTTPClientConfig: promconfig.DefaultHTTPClientConfig,
	Statuses:         []string{"active"},
	LatestOnly:       true,
	RemoteTypes:      []string{RemoteStreamableHTTP, RemoteSSE},
	MaxResponseBytes: 4 * units.MiB,
	MaxPages:         100,
	MaxEntries:       10000,
	PageSize:         100,
}

// registryStatuses are the statuses of the registry's
// io.modelcontextprotocol.registry/official metadata.
var registryStatuses = []string{"active", "deprecated", "deleted"}

// NameAllowed reports whether the registry lists a server of this name.
func (r *Registry) NameAllowed(name string) bool {
	return len(r.names) == 0 || anyMatch(r.names, name)
}

// ModuleFor is the module name a server of this name is probed with.
func (r *Registry) ModuleFor(name string) string {
	for _, o := range r.ModuleOverrides {
		if o.re != nil && o.re.MatchString(name) {
			return o.Module
		}
	}
	return r.Module
}

// Equal reports whether r and o are the same configuration.
func (r Registry) Equal(o Registry) bool {
	r.names, o.names = nil, nil
	r.ModuleOverrides, o.ModuleOverrides = plainOverrides(r.ModuleOverrides), plainOverrides(o.ModuleOverrides)
	return reflect.DeepEqual(r, o)
}

func plainOverrides(l []ModuleOverride) []ModuleOverride {
	out := make([]ModuleOverride, len(l))
	for i, o := range l {
		out[i] = ModuleOverride{Name: o.Name, Module: o.Module}
	}
	return out
}

// ListURL is the URL of the registry's server list (without a query).
func (r *Registry) ListURL() string {
	u := *r.URL.URL
	u.Path = strings.TrimRight(u.Path, "/") + "/v0.1/servers"
	u.RawPath, u.RawQuery, u.Fragment = "", "", ""
	return u.String()
}

// validate checks a registry's values against the modules it names.
func (r *Registry) validate(modules map[string]Module) error {
	if r.URL.URL == nil {
		return keyErrorf("url", "is required: the registry's base URL, which serves /v0.1/servers")
	}
	u := r.URL.URL
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return keyErrorf("url", "want an absolute http:// or https:// URL, got %q", redactURL(r.URL).String())
	}
	if u.User != nil {
		return keyErrorf("url", "must not carry credentials: set them in http_config")
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return keyErrorf("url", "must have no query or fragment: the exporter adds the list's own parameters")
	}
	if r.RefreshInterval < model.Duration(10*time.Second) {
		return keyErrorf("refresh_interval", "must be at least 10s, got %s", r.RefreshInterval)
	}
	if r.Timeout <= 0 {
		return keyErrorf("timeout", "must be greater than 0, got %s", r.Timeout)
	}
	check := func(key string, index int, name string) error {
		m, ok := modules[name]
		switch {
		case !ok:
			return &keyError{key: key, index: index, err: fmt.Errorf("unknown module %q", name)}
		case !m.TakesTarget():
			return &keyError{key: key, index: index, err: fmt.Errorf("module %q is a %s module: it cannot probe a registry's remotes", name, m.Transport)}
		}
		return nil
	}
	if err := check("module", -1, r.Module); err != nil {
		return err
	}
	for i := range r.ModuleOverrides {
		o := &r.ModuleOverrides[i]
		re, err := regexp.Compile("^(?:" + o.Name + ")$")
		if err != nil || o.Name == "" {
			if err == nil {
				err = errors.New("name is empty")
			}
			return &keyError{key: "module_overrides", index: i, err: fmt.Errorf("name: %w", err)}
		}
		o.re = re
		if err := check("module_overrides", i, o.Module); err != nil {
			return &keyError{key: "module_overrides", index: i, err: fmt.Errorf("module: %w", errors.Unwrap(err))}
		}
	}
	if len(r.Statuses) == 0 {
		return keyErrorf("statuses", "must name at least one of %s", strings.Join(registryStatuses, ", "))
	}
	for i, s := range r.Statuses {
		if !slices.Contains(registryStatuses, s) {
			return &keyError{key: "statuses", index: i, err: fmt.Errorf("unknown status %q (want %s)", s, strings.Join(registryStatuses, ", "))}
		}
	}
	names, err := compileAnchored("names", r.Names)
	if err != nil {
		return err
	}
	r.names = names
	if len(r.RemoteTypes) == 0 {
		return keyErrorf("remote_types", "must name at least one of %s, %s", RemoteStreamableHTTP, RemoteSSE)
	}
	for i, t := range r.RemoteTypes {
		if t != RemoteStreamableHTTP && t != RemoteSSE {
			return &keyError{key: "remote_types", index: i, err: fmt.Errorf("unknown remote type %q (want %s or %s)", t, RemoteStreamableHTTP, RemoteSSE)}
		}
	}
	if r.MaxResponseBytes < 1*units.KiB || r.MaxResponseBytes > 256*units.MiB {
		return keyErrorf("max_response_bytes", "want a size from 1KiB to 256MiB, such as 4MiB; got %s", r.MaxResponseBytes)
	}
	if r.MaxPages < 1 || r.MaxPages > 100000 {
		return keyErrorf("max_pages", "want 1 to 100000, got %d", r.MaxPages)
	}
	if r.MaxEntries < 1 || r.MaxEntries > 1000000 {
		return keyErrorf("max_entries", "want 1 to 1000000, got %d", r.MaxEntries)
	}
	if r.PageSize < 1 || r.PageSize > 100 {
		return keyErrorf("page_size", "want 1 to 100 (the registry's own bound), got %d", r.PageSize)
	}
	if err := r.HTTPClientConfig.Validate(); err != nil {
		return &keyError{key: "http_config", index: -1, err: err}
	}
	for _, f := range httpConfigFiles(&r.HTTPClientConfig) {
		if err := checkReadable(f.file); err != nil {
			return &keyError{key: "http_config", sub: f.name, path: f.path, alt: f.alt, index: -1, err: err}
		}
	}
	return nil
}

// SameOrigin reports whether u has the registry URL's scheme, host and
// port: the only place the exporter follows a redirect to.
func (r *Registry) SameOrigin(u *url.URL) bool {
	return u.Scheme == r.URL.Scheme && strings.EqualFold(u.Host, r.URL.Host)
}

// registryKeys are the keys a registry may set.
var registryKeys = yamlKeys(reflect.TypeFor[Registry]())

// decodeRegistry decodes one registry strictly; errors name the key and
// its line, as decodeModule's do.
func decodeRegistry(n *yaml.Node, modules map[string]Module) (Registry, error) {
	r := DefaultRegistry
	r.Statuses = slices.Clone(r.Statuses)
	r.RemoteTypes = slices.Clone(r.RemoteTypes)
	budget := maxExpandedNodes
	n, err := expandAliases(n, &budget)
	if err != nil {
		return r, err
	}
	if n.Kind != yaml.MappingNode {
		return r, fmt.Errorf("line %d: a registry must be a mapping of keys to values (at least url)", n.Line)
	}
	seen := map[string]int{}
	type plain Registry
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := n.Content[i]
		if err := checkKey(k, registryKeys, seen, false); err != nil {
			return r, err
		}
		pair := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Content: []*yaml.Node{k, n.Content[i+1]}}
		if err := decodeStrict(pair, (*plain)(&r)); err != nil {
			return r, tidyYAMLError(err, pair, k.Value, reflect.TypeFor[Registry]())
		}
	}
	if err := r.validate(modules); err != nil {
		var ke *keyError
		if errors.As(err, &ke) {
			line := keyLine(n, ke.key, ke.index)
			if len(ke.path) > 0 {
				if deep := pathLine(mappingValue(n, ke.key), ke.path); deep > 0 {
					line = deep
				}
			}
			if line == 0 && len(n.Content) > 0 {
				line = n.Content[0].Line
			}
			return r, fmt.Errorf("line %d: %w", line, err)
		}
		return r, err
	}
	return r, nil
}

// Redacted is the registry as /config shows it: its http_config as a
// module's Redacted hides it.
func (r Registry) Redacted() Registry {
	m := Module{HTTPClientConfig: r.HTTPClientConfig}
	r.HTTPClientConfig = m.Redacted().HTTPClientConfig
	return r
}

type registryYAML Registry

// MarshalYAML marshals the registry as Redacted shows it.
func (r Registry) MarshalYAML() (any, error) {
	return registryYAML(r.Redacted()), nil
}
