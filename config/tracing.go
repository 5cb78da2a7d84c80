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
	"net"
	"reflect"
	"strings"
	"time"

	promconfig "github.com/prometheus/common/config"
	"github.com/prometheus/common/model"
	yaml "go.yaml.in/yaml/v3"
)

// The OTLP protocols a tracing block may send spans with.
const (
	TracingClientGRPC = "grpc"
	TracingClientHTTP = "http"
)

// Tracing is where the exporter sends the spans of its probes (OTLP), as
// Prometheus' own tracing block has it. Absent, no tracer is built and no
// span is made.
type Tracing struct {
	// Endpoint is the OTLP receiver, host:port (no scheme).
	Endpoint string `yaml:"endpoint"`
	// ClientType is grpc or http (OTLP over HTTP, protobuf).
	ClientType string `yaml:"client_type"`
	// Insecure sends in plain text.
	Insecure bool `yaml:"insecure"`
	// SamplingFraction is the share of probes traced (0 to 1); parent
	// based, and a failing probe is kept whatever the fraction.
	SamplingFraction float64 `yaml:"sampling_fraction"`
	// Headers are sent with every export; their values are secrets.
	Headers map[string]promconfig.Secret `yaml:"headers,omitempty"`
	// Timeout bounds one export.
	Timeout model.Duration `yaml:"timeout"`
	// TLSConfig is the receiver's TLS (ca_file, cert_file, key_file, ...).
	TLSConfig promconfig.TLSConfig `yaml:"tls_config,omitempty"`
}

// DefaultTracing holds the values of the keys a tracing block leaves out.
var DefaultTracing = Tracing{
	ClientType:       TracingClientGRPC,
	SamplingFraction: 0.1,
	Timeout:          model.Duration(10 * time.Second),
}

// tracingKeys are the keys a tracing block may set.
var tracingKeys = yamlKeys(reflect.TypeFor[Tracing]())

// parseTracing decodes the tracing: block (n, nil when absent) into c.
// Every error names the key and its line (keyLine's, the line of
// tracing:, for a key left out).
func parseTracing(c *Config, n *yaml.Node, blockLine int) error {
	if n == nil || (n.Kind == yaml.ScalarNode && n.Tag == "!!null") {
		return nil
	}
	if n.Kind != yaml.MappingNode {
		return fmt.Errorf("tracing: line %d: tracing must be a mapping of keys to values (at least endpoint)", n.Line)
	}
	t := DefaultTracing
	seen := map[string]int{}
	type plain Tracing
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := n.Content[i]
		if err := checkKey(k, tracingKeys, seen, false); err != nil {
			return fmt.Errorf("tracing: %w", err)
		}
		pair := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Content: []*yaml.Node{k, n.Content[i+1]}}
		if err := decodeStrict(pair, (*plain)(&t)); err != nil {
			return fmt.Errorf("tracing: %w", tidyYAMLError(err, pair, k.Value, reflect.TypeFor[Tracing]()))
		}
	}
	if err := t.validate(); err != nil {
		var ke *keyError
		if errors.As(err, &ke) {
			line := keyLine(n, ke.key, -1)
			if sub := keyLine(mappingValue(n, ke.key), ke.sub, -1); ke.sub != "" && sub > 0 {
				line = sub
			}
			if line == 0 {
				line = blockLine
			}
			return fmt.Errorf("tracing: line %d: %w", line, err)
		}
		return fmt.Errorf("tracing: %w", err)
	}
	c.Tracing = &t
	return nil
}

// validate checks the block once decoded.
func (t *Tracing) validate() error {
	if t.Endpoint == "" {
		return &keyError{key: "endpoint", index: -1, err: errors.New("required: the OTLP receiver as host:port")}
	}
	if strings.Contains(t.Endpoint, "://") {
		return &keyError{key: "endpoint", index: -1, err: fmt.Errorf("%q: give host:port, without a scheme (insecure: true for plain text)", t.Endpoint)}
	}
	if _, port, err := net.SplitHostPort(t.Endpoint); err != nil || port == "" {
		return &keyError{key: "endpoint", index: -1, err: fmt.Errorf("%q: want host:port", t.Endpoint)}
	}
	if t.ClientType != TracingClientGRPC && t.ClientType != TracingClientHTTP {
		return &keyError{key: "client_type", index: -1, err: fmt.Errorf("%q: want grpc or http", t.ClientType)}
	}
	if t.SamplingFraction < 0 || t.SamplingFraction > 1 {
		return &keyError{key: "sampling_fraction", index: -1, err: fmt.Errorf("%v: want a number from 0 to 1", t.SamplingFraction)}
	}
	if t.Timeout <= 0 {
		return &keyError{key: "timeout", index: -1, err: errors.New("must be positive")}
	}
	for name := range t.Headers {
		if name == "" || strings.ContainsAny(name, " :\r\n") {
			return &keyError{key: "headers", index: -1, err: fmt.Errorf("%q is not a header name", name)}
		}
	}
	if err := t.TLSConfig.Validate(); err != nil {
		return &keyError{key: "tls_config", index: -1, err: err}
	}
	// The files must be readable at load, as a module's are: the tracer
	// provider reads them when a reload puts the block in force.
	for _, f := range []struct{ key, file string }{{"ca_file", t.TLSConfig.CAFile}, {"cert_file", t.TLSConfig.CertFile}, {"key_file", t.TLSConfig.KeyFile}} {
		if f.file == "" {
			continue
		}
		if err := checkReadable(f.file); err != nil {
			return &keyError{key: "tls_config", index: -1, sub: f.key, err: err}
		}
	}
	return nil
}
