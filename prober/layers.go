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
	"context"

	"github.com/mcp-exporter/mcp_exporter/config"
	"github.com/mcp-exporter/mcp_exporter/internal/protocol"
)

// Layer names, in the order a probe runs them.
const (
	LayerAuthWall  = "auth_wall"
	LayerDiscovery = "discovery"
	LayerAuth      = "auth"
	LayerConnect   = "connect"
	// LayerStart takes connect's place for a module whose transport runs
	// a process (protocol.KindProcess, stdio): the command started, until
	// the first byte on its stdout.
	LayerStart     = "start"
	LayerHandshake = "handshake"
	LayerTools     = "tools"
	LayerToolCall  = "tool_call"
	LayerClose     = "close"
)

// Layers of the opt-in lists (list_resources, list_prompts).
const (
	LayerResources = "resources"
	LayerPrompts   = "prompts"
)

// layerSpec declares one layer: when a module has it, and the step that
// runs it. A step records its layer's outcome through the probe's recorder
// (probe.record) and reports whether the probe may go on.
type layerSpec struct {
	name string
	// applies says whether a module has the layer; nil means every module.
	applies func(m *config.Module) bool
	step    func(pr *probe, ctx context.Context) bool
	// afterFailure: the step runs even when an earlier layer failed.
	afterFailure bool
}

// layerTable is the one list of layers. The probe runs the module's
// layers in this order, the metrics pre-declare them (0 when not reached)
// and check prints them.
var layerTable = []layerSpec{
	{name: LayerAuthWall, applies: func(m *config.Module) bool { return m.FailIfAnonymousAllowed }, step: (*probe).authWall},
	{name: LayerDiscovery, applies: func(m *config.Module) bool { return m.OAuth2Discovery }, step: (*probe).discover},
	{name: LayerAuth, applies: func(m *config.Module) bool { return len(m.Credentials()) > 0 }, step: (*probe).auth},
	{name: LayerConnect, applies: kindIs(protocol.KindHTTP), step: (*probe).connect},
	{name: LayerStart, applies: kindIs(protocol.KindProcess), step: (*probe).start},
	{name: LayerHandshake, step: (*probe).handshake},
	{name: LayerTools, step: (*probe).tools},
	{name: LayerToolCall, applies: func(m *config.Module) bool { return m.ToolCall != nil }, step: (*probe).toolCall},
	{name: LayerResources, applies: func(m *config.Module) bool { return m.ListResources }, step: (*probe).resources},
	{name: LayerPrompts, applies: func(m *config.Module) bool { return m.ListPrompts }, step: (*probe).prompts},
	// A process never outlives its probe: close always ends it.
	{name: LayerClose, applies: func(m *config.Module) bool { return m.CloseSession || m.TransportKind() == protocol.KindProcess }, step: (*probe).close, afterFailure: true},
}

// kindIs is the applies of a layer that the modules of one kind of
// transport have (internal/protocol's transport table): the layer that
// opens the conversation is connect over HTTP, start for a process.
func kindIs(k protocol.Kind) func(m *config.Module) bool {
	return func(m *config.Module) bool { return m.TransportKind() == k }
}

// moduleLayers returns the specs of m's layers, in order.
func moduleLayers(m *config.Module) []*layerSpec {
	specs := make([]*layerSpec, 0, len(layerTable))
	for i := range layerTable {
		if l := &layerTable[i]; l.applies == nil || l.applies(m) {
			specs = append(specs, l)
		}
	}
	return specs
}

// Layers returns the names of the layers a probe with m runs, in order.
func Layers(m config.Module) []string {
	var names []string
	for _, l := range moduleLayers(&m) {
		names = append(names, l.name)
	}
	return names
}
