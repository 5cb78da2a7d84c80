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
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/mcp-exporter/mcp_exporter/config"
	"github.com/mcp-exporter/mcp_exporter/internal/protocol"
	"github.com/mcp-exporter/mcp_exporter/internal/testsupport"
	"github.com/mcp-exporter/mcp_exporter/internal/testsupport/fakemcp"
)

// listsModule is the default module with resources and prompts listed.
func listsModule() config.Module {
	m := config.DefaultModule
	m.ListResources, m.ListPrompts = true, true
	return m
}

// listHashes checks a probe's resources and prompts: the layers passed,
// the counts, and it returns both definition hashes (SHA-256, hex).
func listHashes(t *testing.T, res probeResult, resources, prompts int) (string, string) {
	t.Helper()
	r := res.result
	var hashes []string
	for _, l := range []struct {
		layer string
		n     int
		list  *ListResult
	}{{LayerResources, resources, r.Resources}, {LayerPrompts, prompts, r.Prompts}} {
		wantPassed(t, r, l.layer)
		if l.list == nil || l.list.Count != l.n || l.list.Digest == nil {
			t.Fatalf("%s %+v, want %d listed and hashed", l.layer, l.list, l.n)
		}
		hashes = append(hashes, fmt.Sprintf("%x", l.list.Digest.Definition))
	}
	return hashes[0], hashes[1]
}

// noDefinitionsLeak checks that no resource URI or name, nor prompt name,
// of the go-sdk test server reaches the metrics or the (debug) log.
func noDefinitionsLeak(t *testing.T, res probeResult) {
	t.Helper()
	for _, s := range []string{"test://", "resource_", "prompt_", "A test prompt", "topic"} {
		if strings.Contains(res.metrics, s) || strings.Contains(res.logs, s) {
			t.Errorf("%q leaked into the metrics or the log:\n%s\n%s", s, res.metrics, res.logs)
		}
	}
}

// go-sdk servers with resources and prompts, paged, in every transport and
// era: each is listed and counted, and the same definitions hash alike
// whatever carried them.
func TestSDKResourcesAndPrompts(t *testing.T) {
	t.Parallel()
	cases := []sdkCase{
		sdkStatefulSSE,
		sdkStatefulJSON,
		{"stateless (2026-07-28)", testsupport.SDKServer{HTTP: mcp.StreamableHTTPOptions{Stateless: true}}, nil},
		{"stateless pinned 2026-07-28", testsupport.SDKServer{HTTP: mcp.StreamableHTTPOptions{Stateless: true, JSONResponse: true}},
			func(m *config.Module) { m.ProtocolVersion = protocol.Version20260728 }},
		{"legacy SSE", testsupport.SDKServer{SSE: true}, legacySSE},
		{"legacy SSE auto", testsupport.SDKServer{SSE: true}, nil},
	}
	hashes := map[[2]string][]string{}
	for _, c := range cases {
		c.server.Resources, c.server.Prompts, c.server.PageSize = 5, 3, 2
		ts := c.server.Start(t)
		log := wrapServer(ts)
		m := listsModule()
		m.MinResources, m.MinPrompts = 5, 3
		if c.module != nil {
			c.module(&m)
		}
		res := runProbe(t, nil, ts.URL, m)
		if !res.ok {
			t.Fatalf("%s: probe failed:\n%s\n%s", c.name, res.logs, describe(res.result))
		}
		r, p := listHashes(t, res, 5, 3)
		hashes[[2]string{r, p}] = append(hashes[[2]string{r, p}], c.name)
		noDefinitionsLeak(t, res)
		// Pages of 2: 3 resources/list requests and 2 prompts/list.
		if n, k := log.count("resources/list"), log.count("prompts/list"); n != 3 || k != 2 {
			t.Errorf("%s: %d resources/list and %d prompts/list requests, want 3 and 2", c.name, n, k)
		}
	}
	if len(hashes) != 1 {
		t.Errorf("the same resources and prompts hash differently by transport: %v", hashes)
	}
}

// A server that does not advertise resources or prompts is not asked for
// them: both layers pass with a count of 0 and no hash. A module without
// the keys has neither layer, sends neither request and has none of the
// series.
func TestListsNotOwed(t *testing.T) {
	t.Parallel()
	ts := testsupport.SDKServer{}.Start(t)
	log := wrapServer(ts)
	res := runProbe(t, nil, ts.URL, listsModule())
	if !res.ok {
		t.Fatalf("probe failed:\n%s\n%s", res.logs, describe(res.result))
	}
	wantPassed(t, res.result, LayerResources, LayerPrompts)
	for l, list := range map[string]*ListResult{"resources": res.result.Resources, "prompts": res.result.Prompts} {
		if list == nil || list.Count != 0 || list.Digest != nil {
			t.Errorf("%s %+v, want a count of 0 and no hash", l, list)
		}
		if n := log.count(l + "/list"); n != 0 {
			t.Errorf("%s/list sent %d times to a server without the capability", l, n)
		}
	}

	ts = testsupport.SDKServer{Resources: 2, Prompts: 2}.Start(t)
	log = wrapServer(ts)
	res = runProbe(t, nil, ts.URL, config.DefaultModule)
	if !res.ok {
		t.Fatalf("probe failed:\n%s\n%s", res.logs, describe(res.result))
	}
	for _, l := range []string{"resources", "prompts"} {
		if n := log.count(l + "/list"); n != 0 {
			t.Errorf("%s/list sent %d times without list_%s", l, n, l)
		}
		if _, ok := res.result.Layer(l); ok {
			t.Errorf("a %s layer without list_%s: %s", l, l, describe(res.result))
		}
	}
	if res.result.Resources != nil || res.result.Prompts != nil {
		t.Errorf("resources %+v, prompts %+v without list_resources and list_prompts", res.result.Resources, res.result.Prompts)
	}
}

// Resources and prompts changed on the server change their hash, and
// nothing else's.
func TestListsHashDrift(t *testing.T) {
	t.Parallel()
	f := fakemcp.New()
	f.Capabilities = `{"tools":{},"resources":{},"prompts":{}}`
	f.Resources = `[{"uri":"file:///a","name":"a"},{"uri":"file:///b","name":"b","_meta":{"x":1}}]`
	f.Prompts = `[{"name":"p","arguments":[{"name":"x"}]}]`
	target := f.Start(t)
	m := listsModule()
	r1, p1 := listHashes(t, runProbe(t, nil, target, m), 2, 1)

	// Reordered, re-spaced and with another _meta: the same definitions.
	f.Resources = `[ {"name":"b","uri":"file:///b","_meta":{"y":2}}, {"name":"a","uri":"file:///a"} ]`
	r2, p2 := listHashes(t, runProbe(t, nil, target, m), 2, 1)
	if r2 != r1 || p2 != p1 {
		t.Errorf("the same definitions hash differently: resources %s, %s; prompts %s, %s", r1, r2, p1, p2)
	}
	// A resource's description changes: its hash, not the prompts'.
	f.Resources = `[{"uri":"file:///a","name":"a","description":"new"},{"uri":"file:///b","name":"b"}]`
	r3, p3 := listHashes(t, runProbe(t, nil, target, m), 2, 1)
	if r3 == r1 || p3 != p1 {
		t.Errorf("a changed resource: resources %s -> %s, prompts %s -> %s", r1, r3, p1, p3)
	}
}

// The failure reasons of the resources and prompts layers, against the
// shared fake.
func TestListsFailures(t *testing.T) {
	t.Parallel()
	loop := func(member string) fakemcp.Handler {
		return func(w http.ResponseWriter, _ *http.Request, msg fakemcp.Msg) {
			fakemcp.WriteJSON(w, http.StatusOK, fakemcp.Result(msg.ID, `{"`+member+`":[],"nextCursor":"same"}`))
		}
	}
	endless := func(member string) fakemcp.Handler {
		return func(w http.ResponseWriter, _ *http.Request, msg fakemcp.Msg) {
			n, _ := strconv.Atoi(msg.Param("cursor"))
			fakemcp.WriteJSON(w, http.StatusOK, fakemcp.Result(msg.ID, `{"`+member+`":[],"nextCursor":"`+strconv.Itoa(n+1)+`"}`))
		}
	}
	rpcError := func(w http.ResponseWriter, _ *http.Request, msg fakemcp.Msg) {
		fakemcp.WriteJSON(w, http.StatusOK, fakemcp.Error(msg.ID, -32603, ""))
	}
	cases := []struct {
		name          string
		setup         func(f *fakemcp.Server, m *config.Module)
		layer, reason string
		requests      int // resources/list and prompts/list requests, when >0
	}{
		{"min_resources not met", func(f *fakemcp.Server, m *config.Module) { m.MinResources = 3 }, "resources", "no_resources", 0},
		{"min_prompts not met", func(f *fakemcp.Server, m *config.Module) { m.MinPrompts = 2 }, "prompts", "no_prompts", 0},
		{"resources cursor loop", func(f *fakemcp.Server, _ *config.Module) { f.On["resources/list"] = loop("resources") },
			"resources", "protocol_violation", 2},
		{"prompts cursor loop", func(f *fakemcp.Server, _ *config.Module) { f.On["prompts/list"] = loop("prompts") },
			"prompts", "protocol_violation", 0},
		{"resources beyond the page bound", func(f *fakemcp.Server, _ *config.Module) { f.On["resources/list"] = endless("resources") },
			"resources", "protocol_violation", maxToolPages},
		{"prompts/list JSON-RPC error", func(f *fakemcp.Server, _ *config.Module) { f.On["prompts/list"] = rpcError },
			"prompts", "jsonrpc_error", 0},
		{"resource without a uri", func(f *fakemcp.Server, _ *config.Module) { f.Resources = `[{"name":"no uri"}]` },
			"resources", "protocol_violation", 0},
		{"prompts answered as tools", func(f *fakemcp.Server, _ *config.Module) {
			f.Prompts = ""
			f.On["prompts/list"] = func(w http.ResponseWriter, _ *http.Request, msg fakemcp.Msg) {
				fakemcp.WriteJSON(w, http.StatusOK, fakemcp.Result(msg.ID, `{"tools":[]}`))
			}
		}, "prompts", "protocol_violation", 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := fakemcp.New()
			f.Capabilities = `{"tools":{},"resources":{},"prompts":{}}`
			f.Resources = `[{"uri":"file:///secret-a","name":"secret-a"},{"uri":"file:///secret-b","name":"secret-b"}]`
			f.Prompts = `[{"name":"secret-prompt"}]`
			m := listsModule()
			c.setup(f, &m)
			res := runProbe(t, nil, f.Start(t), m)
			if res.ok {
				t.Fatalf("probe passed: %s", describe(res.result))
			}
			failedAt(t, res.result, c.layer, c.reason)
			if c.requests > 0 {
				if n := f.Requests(c.layer + "/list"); n != c.requests {
					t.Errorf("%d %s/list requests, want %d", n, c.layer, c.requests)
				}
			}
			if strings.Contains(res.metrics+res.logs, "secret") {
				t.Errorf("a definition leaked:\n%s\n%s", res.metrics, res.logs)
			}
			// The session is still closed after the failure.
			wantPassed(t, res.result, LayerClose)
		})
	}
}

// check prints the counts and hashes.
func TestListResultJSON(t *testing.T) {
	f := fakemcp.New()
	f.Capabilities = `{"tools":{},"resources":{}}`
	f.Resources = `[{"uri":"u"}]`
	res := runProbe(t, nil, f.Start(t), listsModule())
	if !res.ok || res.result.Resources == nil || res.result.Resources.Count != 1 || res.result.Resources.Digest == nil ||
		res.result.Prompts == nil || res.result.Prompts.Digest != nil {
		b, _ := json.Marshal(res.result)
		t.Fatalf("result: %s\n%s", b, res.logs)
	}
}
