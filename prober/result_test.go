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
	"slices"
	"testing"

	"github.com/mcp-exporter/mcp_exporter/config"
	"github.com/mcp-exporter/mcp_exporter/internal/failure"
	"github.com/mcp-exporter/mcp_exporter/internal/protocol"
	"github.com/mcp-exporter/mcp_exporter/internal/testsupport"
)

// The Result of a healthy probe, read from its fields.
func TestResultHealthy(t *testing.T) {
	ts := testsupport.SDKServer{Tools: 2}.Start(t)
	r := runProbe(t, nil, ts.URL, config.DefaultModule).result
	if !r.Success || r.FailedLayer != "" || r.RPCErrorCode != nil {
		t.Fatalf("result %+v", r)
	}
	var names []string
	for _, l := range r.Layers {
		names = append(names, l.Name)
		if l.Outcome != Passed {
			t.Errorf("layer %s: %v", l.Name, l.Outcome)
		}
	}
	if want := Layers(config.DefaultModule); !slices.Equal(names, want) {
		t.Errorf("layers %v, want %v", names, want)
	}
	if r.Transport != protocol.TransportStreamableHTTP || r.HTTPStatus != 200 || r.Connection == nil || r.Connection.TLS != nil {
		t.Errorf("transport %q, status %d, connection %+v", r.Transport, r.HTTPStatus, r.Connection)
	}
	if s := r.Server; s == nil || s.Name != "sdk-test-server" || s.ProtocolVersion != "2025-11-25" || !slices.Contains(s.Capabilities, "tools") {
		t.Errorf("server %+v", s)
	}
	if r.Tools == nil || r.Tools.Count != 2 || r.Tools.Digest == nil {
		t.Errorf("tools %+v", r.Tools)
	}
}

// A failed layer and the layers after it are told apart.
func TestResultConnectFailure(t *testing.T) {
	ts := testsupport.SDKServer{}.Start(t)
	target := ts.URL
	ts.Close()
	r := runProbe(t, nil, target, config.DefaultModule).result
	if r.Success || r.FailedLayer != LayerConnect || r.FailureReason != failure.ReasonConnect {
		t.Fatalf("result %+v", r)
	}
	if l, _ := r.Layer(LayerConnect); l.Outcome != Failed || l.Err == nil {
		t.Errorf("connect %+v", l)
	}
	for _, name := range []string{LayerHandshake, LayerTools, LayerClose} {
		if l, ok := r.Layer(name); !ok || l.Outcome != NotReached {
			t.Errorf("%s %+v (declared %v), want not reached", name, l, ok)
		}
	}
	if r.Server != nil || r.Tools != nil || r.Connection != nil {
		t.Errorf("facts of layers not reached: %+v", r)
	}
}

// The layer table decides which layers a module has.
func TestLayersOfModule(t *testing.T) {
	m := config.DefaultModule
	m.CloseSession = false
	m.FailIfAnonymousAllowed = true
	if got, want := Layers(m), []string{LayerAuthWall, LayerConnect, LayerHandshake, LayerTools}; !slices.Equal(got, want) {
		t.Errorf("layers %v, want %v", got, want)
	}
}
