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
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"time"

	"github.com/mcp-exporter/mcp_exporter/config"
	"github.com/mcp-exporter/mcp_exporter/internal/canonical"
	"github.com/mcp-exporter/mcp_exporter/internal/failure"
	"github.com/mcp-exporter/mcp_exporter/prober/mcpwire"
)

// The resources and prompts layers (list_resources, list_prompts): one
// step, listKind saying what differs between them. They list with the
// tools' bounds (maxToolPages pages, maxTools items, max_response_bytes
// per answer), keep the count and the definition hash, and drop the
// definitions: no URI, name or text leaves the exporter.

// ListResult is what resources/list or prompts/list returned.
type ListResult struct {
	Count int
	// Digest is nil when the list was not owed (the server does not
	// advertise the capability).
	Digest *canonical.ListDigest
}

// listKind is what tells the resources layer from the prompts layer.
type listKind struct {
	layer, noun string // the layer, and what is listed ("resources")
	minKey      string // the module key of the minimum, for messages
	reason      failure.Reason
	min         func(*config.Module) int
	advertised  func(*mcpwire.Handshake) bool
	list        func(ctx context.Context, c *mcpwire.Client) ([]json.RawMessage, error)
	digest      func([]json.RawMessage) (canonical.ListDigest, error)
	result      func(*Result) **ListResult
}

var (
	resourcesKind = listKind{
		layer: LayerResources, noun: "resources", minKey: "min_resources", reason: failure.ReasonNoResources,
		min:        func(m *config.Module) int { return m.MinResources },
		advertised: func(hs *mcpwire.Handshake) bool { return hs.Resources },
		list: func(ctx context.Context, c *mcpwire.Client) ([]json.RawMessage, error) {
			return c.ListResources(ctx, maxToolPages, maxTools)
		},
		digest: canonical.DigestResources,
		result: func(r *Result) **ListResult { return &r.Resources },
	}
	promptsKind = listKind{
		layer: LayerPrompts, noun: "prompts", minKey: "min_prompts", reason: failure.ReasonNoPrompts,
		min:        func(m *config.Module) int { return m.MinPrompts },
		advertised: func(hs *mcpwire.Handshake) bool { return hs.Prompts },
		list: func(ctx context.Context, c *mcpwire.Client) ([]json.RawMessage, error) {
			return c.ListPrompts(ctx, maxToolPages, maxTools)
		},
		digest: canonical.DigestPrompts,
		result: func(r *Result) **ListResult { return &r.Prompts },
	}
)

// resources lists the resources, hashes them and checks min_resources.
func (pr *probe) resources(ctx context.Context) bool { return pr.listLayer(ctx, &resourcesKind) }

// prompts lists the prompts, hashes them and checks min_prompts.
func (pr *probe) prompts(ctx context.Context) bool { return pr.listLayer(ctx, &promptsKind) }

func (pr *probe) listLayer(ctx context.Context, k *listKind) bool {
	res := k.result(pr.result)
	if !k.advertised(pr.hs) {
		// Without the capability, the list is not owed.
		pr.logger.Debug("server does not advertise the " + k.noun + " capability; " + k.noun + "/list skipped")
		*res = &ListResult{}
		pr.pass(k.layer, 0)
		return true
	}
	start := time.Now()
	raw, err := k.list(ctx, pr.wire)
	if err != nil {
		pr.fail(k.layer, time.Since(start), failure.ReasonOf(err), err)
		return false
	}
	digest, err := k.digest(raw)
	raw = nil // definitions are hashed and dropped
	elapsed := time.Since(start)
	if err != nil {
		pr.fail(k.layer, elapsed, failure.ReasonProtocolViolation, fmt.Errorf("%s/list: %w", k.noun, err))
		return false
	}
	*res = &ListResult{Count: digest.Count, Digest: &digest}
	pr.logger.LogAttrs(ctx, slog.LevelDebug, k.noun+" listed", slog.Int(k.noun, digest.Count),
		slog.String("definition_sha256", hex.EncodeToString(digest.Definition[:])))
	if n := k.min(pr.module); digest.Count < n {
		pr.fail(k.layer, elapsed, k.reason, fmt.Errorf("server advertises %s but lists %d, fewer than %s %d", k.noun, digest.Count, k.minKey, n))
		return false
	}
	pr.pass(k.layer, elapsed)
	return true
}
