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
	"fmt"
	"strings"
	"testing"

	"github.com/mcp-exporter/mcp_exporter/internal/failure"
)

// The probe-behaviour tests assert on the typed Result; only the rendering
// tests (render_test.go, golden_test.go, handler_test.go) read metrics.

// describe is a Result in one line, for failure messages: each layer's
// outcome and the probe's failure.
func describe(r *Result) string {
	var b strings.Builder
	for i, l := range r.Layers {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%s %s", l.Name, l.Outcome)
		if l.Reason != "" {
			fmt.Fprintf(&b, " (%s)", l.Reason)
		}
	}
	fmt.Fprintf(&b, "; success %v", r.Success)
	if r.FailedLayer != "" {
		fmt.Fprintf(&b, ", failed at %s: %s", r.FailedLayer, r.FailureReason)
	}
	if r.Transport != "" {
		fmt.Fprintf(&b, "; %s, status %d", r.Transport, r.HTTPStatus)
	}
	return b.String()
}

// layerOutcome is the named layer's outcome; the test fails when the
// module has no such layer.
func layerOutcome(t testing.TB, r *Result, name string) Outcome {
	t.Helper()
	l, ok := r.Layer(name)
	if !ok {
		t.Errorf("the probe has no %s layer: %s", name, describe(r))
	}
	return l.Outcome
}

// wantPassed asserts that each named layer passed.
func wantPassed(t testing.TB, r *Result, names ...string) {
	t.Helper()
	for _, name := range names {
		if o := layerOutcome(t, r, name); o != Passed {
			t.Errorf("layer %s %s, want passed: %s", name, o, describe(r))
		}
	}
}

// succeeded asserts a successful probe: no failure reported.
func succeeded(t testing.TB, r *Result) {
	t.Helper()
	if !r.Success || r.FailedLayer != "" || r.FailureReason != "" {
		t.Errorf("want success: %s", describe(r))
	}
}

// failedAt asserts that the probe failed, first at layer for reason, and
// that the layer itself failed.
func failedAt(t testing.TB, r *Result, layer, reason string) {
	t.Helper()
	if r.Success || r.FailedLayer != layer || r.FailureReason != failure.Reason(reason) {
		t.Errorf("want a failure at %s (%s): %s", layer, reason, describe(r))
		return
	}
	if o := layerOutcome(t, r, layer); o != Failed {
		t.Errorf("layer %s %s, want failed: %s", layer, o, describe(r))
	}
}

// wantOutcome asserts success when layer is "", else failedAt.
func wantOutcome(t testing.TB, r *Result, layer, reason string) {
	t.Helper()
	if layer == "" {
		succeeded(t, r)
		return
	}
	failedAt(t, r, layer, reason)
}

// answered is the HTTP status of the last answer to an MCP request, and
// whether the server answered over the transport at all (Transport "":
// it never did, and the probe reports no status).
func answered(r *Result) (int, bool) { return r.HTTPStatus, r.Transport != "" }

// rpcCode is the JSON-RPC error code of the probe's first failure that
// carried one, 0 when none did.
func rpcCode(r *Result) int {
	if r.RPCErrorCode == nil {
		return 0
	}
	return *r.RPCErrorCode
}

// schemaSHA256 is the hex schema hash of the tools a probe listed.
func schemaSHA256(t testing.TB, r *Result) string {
	t.Helper()
	if r.Tools == nil || r.Tools.Digest == nil {
		t.Fatalf("no tools digest: %s", describe(r))
	}
	return fmt.Sprintf("%x", r.Tools.Digest.Schema)
}

// Layer returns the named layer's result, and whether the module has it.
func (r *Result) Layer(name string) (LayerResult, bool) {
	for _, l := range r.Layers {
		if l.Name == name {
			return l, true
		}
	}
	return LayerResult{Name: name}, false
}
