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

// Package config is the exporter's configuration: data, defaults and
// validation. It does nothing on the network.
package config

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/alecthomas/units"
	promconfig "github.com/prometheus/common/config"
	"github.com/prometheus/common/model"
	yaml "go.yaml.in/yaml/v3"

	"github.com/mcp-exporter/mcp_exporter/internal/protocol"
)

// DefaultModuleName is the module used when /probe names none.
const DefaultModuleName = "default"

// Config is the whole configuration file.
type Config struct {
	Modules map[string]Module `yaml:"modules"`
	// Registries are MCP registries whose servers /sd lists as targets.
	Registries map[string]Registry `yaml:"registries,omitempty"`
	// Tracing, when set, sends the spans of every probe over OTLP.
	Tracing *Tracing `yaml:"tracing,omitempty"`
}

// Module is one way of probing a target.
type Module struct {
	// Timeout caps the probe's duration (the scrape timeout may shorten it).
	Timeout model.Duration `yaml:"timeout,omitempty"`
	// Transport is auto (Streamable HTTP, falling back to HTTP+SSE),
	// streamable_http, sse, or stdio (a command of the module's).
	Transport string `yaml:"transport,omitempty"`
	// ProtocolVersion pins a revision, or "auto" to detect the server's era.
	ProtocolVersion string `yaml:"protocol_version,omitempty"`
	// HTTPClientConfig is prometheus/common's HTTP client configuration.
	// Never omitted when marshalled: its zero value (follow_redirects and
	// enable_http2 false) is not its default, so leaving it out would show
	// a configuration that loads differently.
	HTTPClientConfig promconfig.HTTPClientConfig `yaml:"http_config"`
	// ValidProtocolVersions restricts the negotiated revision; empty means any known one.
	ValidProtocolVersions []string `yaml:"valid_protocol_versions,omitempty"`
	// MinTools is the least number of tools a server advertising the tools
	// capability must list.
	MinTools int `yaml:"min_tools"`
	// RequiredTools are tool names that must be listed.
	RequiredTools []string `yaml:"required_tools,omitempty"`
	// ListResources and ListPrompts (opt-in) list the server's resources
	// and prompts when it advertises the capability; MinResources and
	// MinPrompts are the least it must then list.
	ListResources bool `yaml:"list_resources,omitempty"`
	MinResources  int  `yaml:"min_resources,omitempty"`
	ListPrompts   bool `yaml:"list_prompts,omitempty"`
	MinPrompts    int  `yaml:"min_prompts,omitempty"`
	// ExpectedSchemaHash, when set, is the SHA-256 (hex) the schema hash must equal.
	ExpectedSchemaHash string `yaml:"expected_schema_hash,omitempty"`
	// FailIfNotTLS fails the probe unless the target is reached over TLS.
	FailIfNotTLS bool `yaml:"fail_if_not_tls"`
	// CloseSession ends the server's session with DELETE at the end of the probe.
	CloseSession bool `yaml:"close_session"`
	// MaxResponseBytes bounds one message read from the server, after any
	// decompression.
	MaxResponseBytes units.Base2Bytes `yaml:"max_response_bytes"`

	// AllowedTargets are regular expressions, fully anchored, that the
	// normalized target URL must match when the module carries credentials.
	AllowedTargets []string `yaml:"allowed_targets,omitempty"`
	// AllowAnyTarget lets a credentialed module probe any target.
	AllowAnyTarget bool `yaml:"allow_any_target,omitempty"`
	// OAuth2Resource is "target" to send the target's canonical URI as the
	// RFC 8707 resource parameter of token requests, or "" for none.
	OAuth2Resource string `yaml:"oauth2_resource,omitempty"`
	// OAuth2Discovery finds the token endpoint through the MCP authorization
	// flow when http_config.oauth2.token_url is left out.
	OAuth2Discovery bool `yaml:"oauth2_discovery,omitempty"`
	// FailIfAnonymousAllowed first sends a request without credentials and
	// fails the probe unless the server refuses it.
	FailIfAnonymousAllowed bool `yaml:"fail_if_anonymous_allowed,omitempty"`

	// OAuth2Issuers are regular expressions, fully anchored, naming the
	// authorization servers (issuer URLs, normalized like targets) that
	// oauth2_discovery may send the client credential to.
	OAuth2Issuers []string `yaml:"oauth2_issuers,omitempty"`
	// OAuth2ClientAssertion authenticates the OAuth2 client with a signed
	// JWT (private_key_jwt) instead of a client secret.
	OAuth2ClientAssertion *ClientAssertion `yaml:"oauth2_client_assertion,omitempty"`
	// OAuth2WorkloadIdentity trades the platform's JWT for an access token
	// (RFC 7523 §2.1) instead of the client credentials grant.
	OAuth2WorkloadIdentity *WorkloadIdentity `yaml:"oauth2_workload_identity,omitempty"`
	// OAuth2DPoP binds the module's OAuth2 tokens to a key (RFC 9449).
	OAuth2DPoP *DPoP `yaml:"oauth2_dpop,omitempty"`

	// ToolCall, when set, calls one tool after tools/list (layer
	// tool_call).
	ToolCall *ToolCall `yaml:"tool_call,omitempty"`

	// Command (transport stdio) is the server's command and its
	// arguments, run without a shell. Env is added to the process's
	// minimal environment (see StdioEnv), Dir is its working directory,
	// and DebugStderrLines shows that many of the last lines of its
	// stderr in the probe's log (debug output); 0 shows only its size.
	Command          []string          `yaml:"command,omitempty"`
	Env              map[string]string `yaml:"env,omitempty"`
	Dir              string            `yaml:"dir,omitempty"`
	DebugStderrLines int               `yaml:"debug_stderr_lines,omitempty"`

	allowed []urlPattern // AllowedTargets, compiled by validate
	issuers []urlPattern // OAuth2Issuers, compiled by validate
}

// DefaultModule holds the values a module has for every key it leaves out.
var DefaultModule = Module{
	Timeout:          model.Duration(10 * time.Second),
	Transport:        protocol.TransportAuto,
	ProtocolVersion:  protocol.VersionAuto,
	HTTPClientConfig: promconfig.DefaultHTTPClientConfig,
	MinTools:         1,
	CloseSession:     true,
	MaxResponseBytes: 16 * units.MiB,
}

var sha256Hex = regexp.MustCompile(`^[0-9a-f]{64}$`)

// keyError is a validation error about one key of a module (index >= 0:
// one element of a list), so that the caller can point at its line.
type keyError struct {
	key   string
	index int
	err   error
	// lineKey, when set, is the key whose line the error points at (the
	// key named is missing, so it has none).
	lineKey string
	// sub, when set, is the key within key's mapping the error is about
	// (oauth2_client_assertion.key_file); its line is pointed at when set.
	sub string
	// path, when set, is the keys from key's mapping down to the key whose
	// line is pointed at, when sub names a key deeper than one level
	// (http_config.tls_config.ca_file).
	path []string
	// alt, when set, is the path of another key that sets the same value
	// (bearer_token_file, which prometheus/common turns into
	// authorization.credentials_file); it is named when the user's module
	// sets it rather than path.
	alt []string
}

func (e *keyError) Error() string {
	if e.index >= 0 {
		return fmt.Sprintf("%s[%d]: %s", e.key, e.index, e.err)
	}
	if e.sub != "" {
		return e.key + "." + e.sub + ": " + e.err.Error()
	}
	return e.key + ": " + e.err.Error()
}

func (e *keyError) Unwrap() error { return e.err }

func keyErrorf(key string, format string, args ...any) error {
	return &keyError{key: key, index: -1, err: fmt.Errorf(format, args...)}
}

// validate checks a module's values; errors name the key in the user's words.
func (m *Module) validate() error {
	if m.Timeout <= 0 {
		return keyErrorf("timeout", "must be greater than 0, got %s", m.Timeout)
	}
	if _, ok := protocol.TransportKind(m.Transport); !ok {
		return keyErrorf("transport", "unknown transport %q (want %s)", m.Transport, orList(protocol.Transports()))
	}
	if err := m.validateTransportKeys(); err != nil {
		return err
	}
	if m.ProtocolVersion != protocol.VersionAuto && !slices.Contains(protocol.KnownVersions, m.ProtocolVersion) {
		return keyErrorf("protocol_version", "unknown revision %q (want auto or one of %s)", m.ProtocolVersion, strings.Join(protocol.KnownVersions, ", "))
	}
	if m.ProtocolVersion == protocol.Version20241105 && m.Transport == protocol.TransportStreamableHTTP {
		return keyErrorf("protocol_version", "%s is spoken over the HTTP+SSE transport: set transport to %s or %s", protocol.Version20241105, protocol.TransportSSE, protocol.TransportAuto)
	}
	if m.ProtocolVersion == protocol.Version20260728 && m.Transport == protocol.TransportSSE {
		return keyErrorf("protocol_version", "%s has no HTTP+SSE transport: set transport to %s or %s", protocol.Version20260728, protocol.TransportStreamableHTTP, protocol.TransportAuto)
	}
	for i, v := range m.ValidProtocolVersions {
		if !slices.Contains(protocol.KnownVersions, v) {
			return &keyError{key: "valid_protocol_versions", index: i, err: fmt.Errorf("unknown revision %q (want one of %s)", v, strings.Join(protocol.KnownVersions, ", "))}
		}
	}
	if m.ProtocolVersion != protocol.VersionAuto && len(m.ValidProtocolVersions) > 0 && !slices.Contains(m.ValidProtocolVersions, m.ProtocolVersion) {
		return keyErrorf("protocol_version", "pinned %s is not among valid_protocol_versions", m.ProtocolVersion)
	}
	if m.MaxResponseBytes < 1*units.KiB || m.MaxResponseBytes > 1*units.GiB {
		return keyErrorf("max_response_bytes", "want a size from 1KiB to 1GiB, such as 16MiB; got %s", m.MaxResponseBytes)
	}
	if m.MinTools < 0 {
		return keyErrorf("min_tools", "must not be negative, got %d", m.MinTools)
	}
	for i, name := range m.RequiredTools {
		if strings.TrimSpace(name) == "" {
			return &keyError{key: "required_tools", index: i, err: errors.New("empty tool name")}
		}
	}
	if err := m.validateLists(); err != nil {
		return err
	}
	if m.ExpectedSchemaHash != "" && !sha256Hex.MatchString(m.ExpectedSchemaHash) {
		return keyErrorf("expected_schema_hash", "want 64 lower-case hex digits (a SHA-256, as in probe_mcp_tools_schema_info's schema_sha256 label)")
	}
	hc := m.HTTPClientConfig
	if m.OAuth2Discovery && hc.OAuth2 != nil && hc.OAuth2.TokenURL == "" {
		o := *hc.OAuth2
		o.TokenURL = discoveryPlaceholder
		hc.OAuth2 = &o
	}
	if m.OAuth2WorkloadIdentity != nil && hc.OAuth2 != nil && hc.OAuth2.ClientID == "" {
		o := *hc.OAuth2
		o.ClientID = workloadIdentityClientID
		hc.OAuth2 = &o
	}
	if err := hc.Validate(); err != nil {
		return &keyError{key: "http_config", index: -1, err: err}
	}
	if m.ToolCall != nil {
		if err := m.ToolCall.validate(); err != nil {
			return err
		}
	}
	if err := m.validateAuth(); err != nil {
		return err
	}
	return m.checkFiles()
}

// validateLists checks the keys of the resources and prompts layers: a
// minimum is not negative, and asks for its list.
func (m *Module) validateLists() error {
	for _, l := range []struct {
		list, min string
		on        bool
		n         int
	}{
		{"list_resources", "min_resources", m.ListResources, m.MinResources},
		{"list_prompts", "min_prompts", m.ListPrompts, m.MinPrompts},
	} {
		if l.n < 0 {
			return keyErrorf(l.min, "must not be negative, got %d", l.n)
		}
		if l.n > 0 && !l.on {
			return keyErrorf(l.min, "is checked only with %s: true", l.list)
		}
	}
	return nil
}

// Load reads and validates a configuration file.
func Load(path string) (*Config, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	c, err := Parse(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return c, nil
}

// Parse decodes and validates configuration bytes. Unknown keys are errors
// that name the module and the key. No error shows a password of a URL
// that failed to parse (a proxy_url), nor a value given where http_config
// wanted something else: errors reach --config.check, the reload answer
// and the log.
func Parse(b []byte) (*Config, error) {
	c, err := parse(b)
	if err != nil {
		if msg := hideURLPasswords(err.Error()); msg != err.Error() {
			return nil, errors.New(msg)
		}
		return nil, err
	}
	return c, nil
}

func parse(b []byte) (*Config, error) {
	var root yaml.Node
	if err := yaml.Unmarshal(b, &root); err != nil {
		return nil, tidyYAMLError(err, nil, "", nil)
	}
	c := &Config{Modules: map[string]Module{}}
	if len(root.Content) == 0 {
		return nil, errors.New("the file is empty: it needs a modules: section")
	}
	doc := root.Content[0]
	if doc.Kind != yaml.MappingNode {
		return nil, fmt.Errorf("line %d: the file must be a mapping with a modules: key", doc.Line)
	}
	seenModules, seenRegistries, seenTracing := 0, 0, 0
	var registries, tracing *yaml.Node
	for i := 0; i+1 < len(doc.Content); i += 2 {
		k, v := doc.Content[i], doc.Content[i+1]
		if k.Value == "registries" {
			if seenRegistries > 0 {
				return nil, fmt.Errorf("line %d: registries is set twice (first on line %d)", k.Line, seenRegistries)
			}
			seenRegistries, registries = k.Line, v
			continue
		}
		if k.Value == "tracing" {
			if seenTracing > 0 {
				return nil, fmt.Errorf("line %d: tracing is set twice (first on line %d)", k.Line, seenTracing)
			}
			seenTracing, tracing = k.Line, v
			continue
		}
		if k.Value != "modules" {
			return nil, fmt.Errorf("line %d: %s at the top level (want modules, registries or tracing)", k.Line, unknownKey(k.Value, []string{"modules", "registries", "tracing"}, false))
		}
		if seenModules > 0 {
			return nil, fmt.Errorf("line %d: modules is set twice (first on line %d)", k.Line, seenModules)
		}
		seenModules = k.Line
		if v.Kind != yaml.MappingNode && !(v.Kind == yaml.ScalarNode && v.Tag == "!!null") {
			return nil, fmt.Errorf("line %d: modules must be a mapping of module names to modules", v.Line)
		}
		for j := 0; j+1 < len(v.Content); j += 2 {
			name, body := v.Content[j].Value, v.Content[j+1]
			if _, dup := c.Modules[name]; dup {
				return nil, fmt.Errorf("line %d: module %q is defined twice", v.Content[j].Line, name)
			}
			m, err := decodeModule(body)
			if err != nil {
				return nil, fmt.Errorf("module %q: %w", name, err)
			}
			c.Modules[name] = m
		}
	}
	if len(c.Modules) == 0 {
		return nil, errors.New("no modules defined: add at least a module named \"default\"")
	}
	if err := parseRegistries(c, registries); err != nil {
		return nil, err
	}
	if err := parseTracing(c, tracing, seenTracing); err != nil {
		return nil, err
	}
	return c, nil
}

// parseRegistries decodes the registries: section (n, nil when absent)
// into c, whose modules are decoded already.
func parseRegistries(c *Config, n *yaml.Node) error {
	if n == nil || (n.Kind == yaml.ScalarNode && n.Tag == "!!null") {
		return nil
	}
	if n.Kind != yaml.MappingNode {
		return fmt.Errorf("line %d: registries must be a mapping of registry names to registries", n.Line)
	}
	c.Registries = map[string]Registry{}
	for j := 0; j+1 < len(n.Content); j += 2 {
		name, body := n.Content[j].Value, n.Content[j+1]
		if _, dup := c.Registries[name]; dup {
			return fmt.Errorf("line %d: registry %q is defined twice", n.Content[j].Line, name)
		}
		if !registryNameRE.MatchString(name) {
			return fmt.Errorf("line %d: registry name %q: want letters, digits, '_', '-' or '.', at most 64", n.Content[j].Line, name)
		}
		r, err := decodeRegistry(body, c.Modules)
		if err != nil {
			return fmt.Errorf("registry %q: %w", name, err)
		}
		c.Registries[name] = r
	}
	return nil
}

// registryNameRE is what a registry's name may be: it is a label value and
// a query parameter.
var registryNameRE = regexp.MustCompile(`^[A-Za-z0-9_.-]{1,64}$`)

// moduleKeys are the keys a module may set.
var moduleKeys = yamlKeys(reflect.TypeFor[Module]())

// mergeKey is YAML's merge key (<<: *anchor).
const mergeKey = "<<"

// decodeModule decodes one module strictly, one key at a time, so that
// every error names its key and the key's line in the user's file. yaml.v3
// enforces KnownFields only through a Decoder, so each key is re-encoded
// and decoded with one; the lines of the decoder's errors refer to that
// copy, so they are looked up again in the user's nodes.
func decodeModule(n *yaml.Node) (Module, error) {
	m := DefaultModule
	budget := maxExpandedNodes
	n, err := expandAliases(n, &budget)
	if err != nil {
		return m, err
	}
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		return m, nil // "name:" with no body takes every default
	}
	if n.Kind != yaml.MappingNode {
		return m, fmt.Errorf("line %d: a module must be a mapping of keys to values", n.Line)
	}
	// Merged mappings first, so that keys set in the module win wherever
	// they stand, as YAML's merge key has it.
	var pairs [][2]*yaml.Node
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == mergeKey {
			pairs = append(pairs, [2]*yaml.Node{n.Content[i], n.Content[i+1]})
		}
	}
	seen := map[string]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := n.Content[i]
		if k.Value == mergeKey {
			continue
		}
		if err := checkKey(k, moduleKeys, seen, true); err != nil {
			return m, err
		}
		pairs = append(pairs, [2]*yaml.Node{k, n.Content[i+1]})
	}
	allowTokenDiscovery(n)
	allowNoClientID(n)
	// Decoding into a method-less alias keeps the values of every key a
	// pair leaves out.
	type plain Module
	for _, kv := range pairs {
		pair := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Content: kv[:]}
		if err := decodeStrict(pair, (*plain)(&m)); err != nil {
			key := kv[0].Value
			if key == mergeKey {
				key = ""
			}
			return m, tidyYAMLError(err, pair, key, reflect.TypeFor[Module]())
		}
	}
	if m.OAuth2Discovery && m.HTTPClientConfig.OAuth2 != nil && m.HTTPClientConfig.OAuth2.TokenURL == discoveryPlaceholder {
		m.HTTPClientConfig.OAuth2.TokenURL = ""
	}
	if o := m.HTTPClientConfig.OAuth2; o != nil && o.ClientID == workloadIdentityClientID {
		o.ClientID = ""
	}
	if err := m.validate(); err != nil {
		var ke *keyError
		if errors.As(err, &ke) {
			key := ke.key
			if ke.lineKey != "" {
				key = ke.lineKey
			}
			line := keyLine(n, key, ke.index)
			if sub := keyLine(mappingValue(n, key), ke.sub, -1); ke.sub != "" && sub > 0 {
				line = sub
			}
			if len(ke.path) > 0 {
				v := mappingValue(n, key)
				if deep := pathLine(v, ke.path); deep > 0 && keyLine(pathValue(v, ke.path[:len(ke.path)-1]), ke.path[len(ke.path)-1], -1) > 0 {
					line = deep
				} else if alt := pathLine(v, ke.alt); alt > 0 && keyLine(pathValue(v, ke.alt[:len(ke.alt)-1]), ke.alt[len(ke.alt)-1], -1) > 0 {
					line = alt
					ke.sub = strings.Join(ke.alt, ".")
				} else if deep > 0 {
					line = deep
				}
			}
			if line > 0 {
				return m, fmt.Errorf("line %d: %w", line, err)
			}
		}
		return m, err
	}
	return m, nil
}

// yamlKeys are the keys of the struct type t: its exported fields' yaml
// names.
func yamlKeys(t reflect.Type) map[string]bool {
	keys := map[string]bool{}
	for i := range t.NumField() {
		if !t.Field(i).IsExported() {
			continue
		}
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("yaml"), ",")
		keys[name] = true
	}
	return keys
}

// checkKey refuses, naming its line, a key of a module, registry or
// tracing block that known lacks or that seen (each key met so far, with
// its line) already holds; module adds blackbox_exporter's hints to an
// unknown key. It records the key in seen.
func checkKey(k *yaml.Node, known map[string]bool, seen map[string]int, module bool) error {
	if !known[k.Value] {
		return fmt.Errorf("line %d: %s", k.Line, unknownKey(k.Value, sortedKeys(known), module))
	}
	if first, dup := seen[k.Value]; dup {
		return fmt.Errorf("line %d: %s is set twice (first on line %d)", k.Line, k.Value, first)
	}
	seen[k.Value] = k.Line
	return nil
}

// decodeStrict decodes n over v, rejecting unknown keys: yaml.v3 enforces
// KnownFields only through a Decoder, so n is encoded again for one. v is
// a pointer to a method-less alias of the destination (type plain Module),
// which keeps the values of every key n leaves out.
func decodeStrict(n *yaml.Node, v any) error {
	var raw bytes.Buffer
	if err := yaml.NewEncoder(&raw).Encode(n); err != nil {
		return err
	}
	dec := yaml.NewDecoder(&raw)
	dec.KnownFields(true)
	return dec.Decode(v)
}

// keyLine is the line of key in module n (of its index'th element when
// index >= 0), or 0 if the module does not set it itself.
func keyLine(n *yaml.Node, key string, index int) int {
	if n == nil {
		return 0
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Value != key {
			continue
		}
		if index >= 0 && v.Kind == yaml.SequenceNode && index < len(v.Content) {
			return v.Content[index].Line
		}
		return k.Line
	}
	return 0
}

// pathLine is the line of the deepest key of path that n sets, following
// path's keys down its mappings, or 0 if n sets none of them.
func pathLine(n *yaml.Node, path []string) int {
	line := 0
	for _, k := range path {
		if l := keyLine(n, k, -1); l > 0 {
			line = l
		} else {
			break
		}
		n = mappingValue(n, k)
	}
	return line
}

// pathValue is the node path leads to from n, following its keys down its
// mappings, or nil.
func pathValue(n *yaml.Node, path []string) *yaml.Node {
	for _, k := range path {
		n = mappingValue(n, k)
	}
	return n
}

// maxExpandedNodes bounds alias expansion, against aliases that nest into
// an enormous tree.
const maxExpandedNodes = 100000

// expandAliases returns a copy of n with every alias replaced by a copy of
// its anchored node, so that a module re-encoded on its own keeps what it
// borrows from elsewhere in the file.
func expandAliases(n *yaml.Node, budget *int) (*yaml.Node, error) {
	for n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	if *budget--; *budget < 0 {
		return nil, errors.New("aliases expand to too large a module")
	}
	c := *n
	c.Anchor = ""
	if len(n.Content) > 0 {
		c.Content = make([]*yaml.Node, len(n.Content))
		for i, x := range n.Content {
			var err error
			if c.Content[i], err = expandAliases(x, budget); err != nil {
				return nil, err
			}
		}
	}
	return &c, nil
}

var (
	yamlLineRE    = regexp.MustCompile(`^line \d+: `)
	yamlUnknownRE = regexp.MustCompile(`field (\S+) not found in type (\S+)`)
	yamlTypeRE    = regexp.MustCompile("cannot unmarshal (!!\\w+) `([^`]*)` into \\S+")
	yamlGoTypeRE  = regexp.MustCompile(`cannot unmarshal (!!\w+) into \S+`)
)

// tidyYAMLError rewrites yaml.v3's messages in the user's words: unknown
// keys are named as keys, internal Go type names are dropped, and each
// message starts with the line of the offending key or value in n (the
// user's nodes), found by looking it up, since the decoder only saw a
// re-encoded copy; failing that, the line of n's first key. key, when not
// empty, is the module key n sets; root is the type n decodes into (a
// Module, a Registry), whose keys a typo is held against.
func tidyYAMLError(err error, n *yaml.Node, key string, root reflect.Type) error {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	msg = strings.TrimPrefix(msg, "unmarshal errors:\n")
	var parts []string
	for _, p := range strings.Split(msg, "\n") {
		p = strings.TrimSpace(p)
		if p == "" {
			continue
		}
		if n == nil {
			parts = append(parts, p)
			continue
		}
		p = yamlLineRE.ReplaceAllString(p, "")
		line := 0
		if m := yamlUnknownRE.FindStringSubmatch(p); m != nil {
			line = findNode(n, func(x *yaml.Node, isKey bool) bool { return isKey && x.Value == m[1] })
			var known []string
			if root != nil {
				known = keysAt(root, keyPath(n, m[1]))
			}
			p = unknownKey(m[1], known, false)
		} else if m := yamlTypeRE.FindStringSubmatch(p); m != nil {
			// yaml.v3 quotes a value longer than 10 bytes by its first 7
			// and "...".
			short, cut := strings.CutSuffix(m[2], "...")
			line = findNode(n, func(x *yaml.Node, isKey bool) bool {
				return !isKey && (x.Value == m[2] || cut && len(x.Value) > 10 && strings.HasPrefix(x.Value, short))
			})
			if key == "http_config" {
				// A credential put where a mapping belongs
				// (basic_auth: <password>) is not quoted: the line says where.
				p = yamlTypeRE.ReplaceAllString(p, "cannot use a $1 value here")
			} else {
				p = yamlTypeRE.ReplaceAllString(p, "cannot use $1 value \"$2\" here")
			}
		} else if yamlGoTypeRE.MatchString(p) {
			p = yamlGoTypeRE.ReplaceAllString(p, "cannot use a $1 here")
		}
		if line == 0 && len(n.Content) > 0 {
			line = n.Content[0].Line
		}
		if key != "" {
			p = key + ": " + p
		}
		if line > 0 {
			p = "line " + strconv.Itoa(line) + ": " + p
		}
		parts = append(parts, p)
	}
	return errors.New(strings.Join(parts, "; "))
}

// findNode returns the line of the first node under n that match accepts.
func findNode(n *yaml.Node, match func(x *yaml.Node, isKey bool) bool) int {
	for i, c := range n.Content {
		isKey := n.Kind == yaml.MappingNode && i%2 == 0
		if c.Kind == yaml.ScalarNode && match(c, isKey) {
			return c.Line
		}
		if l := findNode(c, match); l > 0 {
			return l
		}
	}
	return 0
}

// SafeConfig holds the configuration in force and swaps it atomically on
// reload, so that probes never wait on a lock and a bad file changes nothing.
type SafeConfig struct {
	mu sync.RWMutex
	c  *Config
}

// NewSafeConfig returns a SafeConfig holding c.
func NewSafeConfig(c *Config) *SafeConfig { return &SafeConfig{c: c} }

// Get returns the configuration in force. Callers must not modify it.
func (s *SafeConfig) Get() *Config {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.c
}

// Put puts c, loaded and checked, in force.
func (s *SafeConfig) Put(c *Config) {
	s.mu.Lock()
	s.c = c
	s.mu.Unlock()
}

// Reload loads path and, only if it is valid, puts it in force.
func (s *SafeConfig) Reload(path string) error {
	c, err := Load(path)
	if err != nil {
		return err
	}
	s.mu.Lock()
	s.c = c
	s.mu.Unlock()
	return nil
}
