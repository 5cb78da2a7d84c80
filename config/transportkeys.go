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
	"fmt"
	"reflect"
	"strings"

	promconfig "github.com/prometheus/common/config"

	"github.com/mcp-exporter/mcp_exporter/internal/protocol"
)

// TransportKind is the kind of the module's transport (internal/protocol's
// transport table): whether its server is at a target URL or is its
// command.
func (m *Module) TransportKind() protocol.Kind {
	k, _ := protocol.TransportKind(m.Transport)
	return k
}

// TakesTarget reports whether a probe of the module takes the target
// parameter; a module that does not names its server itself (a command).
func (m *Module) TakesTarget() bool { return m.TransportKind().TakesTarget() }

// moduleKey is a key of a module, with whether a module sets it (to other
// than its default).
type moduleKey struct {
	key string
	set func(m *Module) bool
}

// transportKeys are the keys that only the modules of one kind of
// transport take, with why a module of another kind refuses them: a
// module that sets a key of another kind than its transport's is refused
// at load. A transport of a kind already here takes its kind's keys.
var transportKeys = []struct {
	kind   protocol.Kind
	keys   []moduleKey
	refuse func(m *Module) string
}{
	{
		kind: protocol.KindHTTP,
		keys: []moduleKey{
			{"http_config", func(m *Module) bool {
				return !reflect.DeepEqual(m.HTTPClientConfig, promconfig.DefaultHTTPClientConfig)
			}},
			{"fail_if_not_tls", func(m *Module) bool { return m.FailIfNotTLS }},
			{"close_session", func(m *Module) bool { return !m.CloseSession }},
			{"allowed_targets", func(m *Module) bool { return len(m.AllowedTargets) > 0 }},
			{"allow_any_target", func(m *Module) bool { return m.AllowAnyTarget }},
			{"oauth2_resource", func(m *Module) bool { return m.OAuth2Resource != "" }},
			{"oauth2_discovery", func(m *Module) bool { return m.OAuth2Discovery }},
			{"oauth2_issuers", func(m *Module) bool { return len(m.OAuth2Issuers) > 0 }},
			{"oauth2_client_assertion", func(m *Module) bool { return m.OAuth2ClientAssertion != nil }},
			{"oauth2_workload_identity", func(m *Module) bool { return m.OAuth2WorkloadIdentity != nil }},
			{"oauth2_dpop", func(m *Module) bool { return m.OAuth2DPoP != nil }},
			{"fail_if_anonymous_allowed", func(m *Module) bool { return m.FailIfAnonymousAllowed }},
		},
		refuse: func(m *Module) string {
			return "is for HTTP modules; a " + m.Transport + " module runs its command, which no target chooses, over stdin and stdout"
		},
	},
	{
		kind: protocol.KindProcess,
		keys: []moduleKey{
			{"command", func(m *Module) bool { return len(m.Command) > 0 }},
			{"env", func(m *Module) bool { return len(m.Env) > 0 }},
			{"dir", func(m *Module) bool { return m.Dir != "" }},
			{"debug_stderr_lines", func(m *Module) bool { return m.DebugStderrLines != 0 }},
		},
		refuse: func(m *Module) string {
			names := orList(protocol.Transports(protocol.KindProcess))
			return fmt.Sprintf("is for %s modules (transport: %s); this module's transport is %s", names, names, m.Transport)
		},
	},
}

// validateTransportKeys checks that a module sets only keys of its
// transport's kind, and the keys of a module that runs a command.
func (m *Module) validateTransportKeys() error {
	kind := m.TransportKind()
	for _, t := range transportKeys {
		if t.kind == kind {
			continue
		}
		for _, k := range t.keys {
			if k.set(m) {
				return keyErrorf(k.key, "%s", t.refuse(m))
			}
		}
	}
	if kind == protocol.KindProcess {
		return m.validateCommand()
	}
	return nil
}

// orList joins names as a sentence does: "a, b or c".
func orList(names []string) string {
	if len(names) < 2 {
		return strings.Join(names, "")
	}
	return strings.Join(names[:len(names)-1], ", ") + " or " + names[len(names)-1]
}
