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
	"bytes"
	"math"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"google.golang.org/protobuf/proto"

	"github.com/mcp-exporter/mcp_exporter/internal/canonical"
	"github.com/mcp-exporter/mcp_exporter/internal/credentials"
	"github.com/mcp-exporter/mcp_exporter/internal/failure"
)

// fullResult has every series a probe can have.
func fullResult() *Result {
	code := -32601
	return &Result{
		OverHTTP: true,
		Layers: []LayerResult{
			{Name: LayerAuth, Outcome: Passed, Duration: 3 * time.Millisecond},
			{Name: LayerConnect, Outcome: Passed, Duration: time.Millisecond},
			{Name: LayerHandshake, Outcome: Passed, Duration: 2 * time.Millisecond},
			{Name: LayerTools, Outcome: Failed, Duration: 5 * time.Millisecond, Reason: failure.ReasonMissingTool},
			{Name: LayerResources, Outcome: NotReached},
			{Name: LayerPrompts, Outcome: NotReached},
			{Name: LayerClose, Outcome: NotReached},
		},
		FailedLayer:   LayerTools,
		FailureReason: failure.ReasonMissingTool,
		RPCErrorCode:  &code,
		Duration:      12 * time.Millisecond,
		Timeout:       9500 * time.Millisecond,
		Transport:     "streamable_http",
		HTTPStatus:    200,
		Connection: &ConnectionResult{DNSLookup: 4 * time.Microsecond,
			TLS: &TLSResult{Version: "TLS 1.3", EarliestCertExpiry: time.Unix(1900000000, 0)}},
		Server: &ServerResult{ProtocolVersion: "2025-11-25", Name: "demo \"server\"", Version: "1.0\n",
			Capabilities: []string{"logging", "tools", "x-custom"}},
		Tools: &ToolsResult{Count: 2, Digest: &canonical.ToolsDigest{Count: 2,
			Schema: [32]byte{0xfe, 0xdc, 0xba, 0x98, 0x76, 0x54, 0x32, 0x10, 0xff}, Definition: [32]byte{1, 2, 3, 4, 5, 6, 7, 8, 9},
			Hints: canonical.ToolHints{ReadOnly: 1, Destructive: 1, OpenWorld: 2}}, ListBytes: 1234},
		AuthWall:  &AuthWallResult{Status: 401, ResourceMetadata: true},
		Resources: &ListResult{Count: 3, Digest: &canonical.ListDigest{Count: 3, Definition: [32]byte{0xab, 0xcd, 0xef, 0x01, 0x23, 0x45, 0x67}}},
		Prompts:   &ListResult{Count: 0},
		Credentials: []CredentialExpiry{{Kind: credentials.KindOAuth2, Expiry: time.Unix(1800000000, 0)},
			{Kind: credentials.KindClientCertificate, Expiry: time.Unix(1900000000, 0)}},
		OAuth2: &OAuth2Result{HasToken: true, Age: 90 * time.Second, Fetched: true, LastFetch: true, FetchSuccess: true, FetchDuration: 20 * time.Millisecond},
	}
}

// constCollector makes the same series as NewCollector with
// prometheus.MustNewConstMetric, as the exporter did before samples.
type constCollector struct{ r *Result }

func (constCollector) Describe(chan<- *prometheus.Desc) {}

func (c constCollector) Collect(ch chan<- prometheus.Metric) {
	in := make(chan prometheus.Metric, 100)
	NewCollector(c.r).Collect(in)
	close(in)
	for m := range in {
		var out dto.Metric
		if err := m.Write(&out); err != nil {
			panic(err)
		}
		var values []string
		for _, l := range out.GetLabel() {
			values = append(values, l.GetValue())
		}
		ch <- prometheus.MustNewConstMetric(m.Desc(), prometheus.GaugeValue, out.GetGauge().GetValue(), values...)
	}
}

func collectText(t *testing.T, c prometheus.Collector) string {
	t.Helper()
	reg := prometheus.NewRegistry()
	reg.MustRegister(c)
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	for _, mf := range mfs {
		if _, err := expfmt.MetricFamilyToText(&b, mf); err != nil {
			t.Fatal(err)
		}
	}
	return b.String()
}

// The probe's samples expose as const metrics of the same values and
// labels would, and the hash numbers are the hashes' first 13 hex digits.
func TestSamplesAsConstMetrics(t *testing.T) {
	r := fullResult()
	got := collectText(t, NewCollector(r))
	if want := collectText(t, constCollector{r}); got != want {
		t.Errorf("samples:\n%s\nconst metrics:\n%s", got, want)
	}
	for _, want := range []string{
		"probe_mcp_tools_schema_hash 4.483583629026627e+15\n", // 0xfedcba9876543
		"probe_mcp_tools_definition_hash 1.7730434519136e+13\n",
		`probe_mcp_failure_info{layer="tools",reason="missing_tool"} 1` + "\n",
		`probe_mcp_server_info{name="demo \"server\"",version="1.0\n"} 1` + "\n",
		`probe_mcp_auth_wall_info{resource_metadata="true",status="401"} 1` + "\n",
		"probe_mcp_resources 3\n",
		"probe_mcp_resources_definition_hash 3.022415463593046e+15\n", // 0xabcdef0123456
		`probe_mcp_resources_definition_info{definition_sha256="abcdef0123456700000000000000000000000000000000000000000000000000"} 1` + "\n",
		"probe_mcp_prompts 0\n",
		`probe_mcp_tools_schema_info{definition_sha256="0102030405060708090000000000000000000000000000000000000000000000",schema_sha256="fedcba9876543210ff0000000000000000000000000000000000000000000000"} 1` + "\n",
	} {
		if !bytes.Contains([]byte(got), []byte(want)) {
			t.Errorf("missing %q in\n%s", want, got)
		}
	}
}

// The samples of one Result, gathered and written by several /probe
// answers at once (a probe's answer and its debug output), race with
// nothing.
func TestSamplesConcurrentGather(t *testing.T) {
	r := fullResult()
	want := collectText(t, NewCollector(r))
	list, err := sortedSamples(r)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if i%2 == 0 {
				if got := collectText(t, NewCollector(r)); got != want {
					t.Errorf("gathered\n%s", got)
				}
				return
			}
			for _, accept := range []string{"", "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited"} {
				req := httptest.NewRequest(http.MethodGet, "/probe", nil)
				req.Header.Set("Accept", accept)
				writeMetrics(httptest.NewRecorder(), req.Header, list)
			}
		}()
	}
	wg.Wait()
}

// writeMetrics answers every Accept header with the bytes and Content-Type
// that expfmt.NegotiateAccept and expfmt.NewEncoder give, on the first
// request with a header and on the next (from lastFormat).
func TestWriteMetricsAsExpfmt(t *testing.T) {
	r := fullResult()
	reg := prometheus.NewRegistry()
	reg.MustRegister(NewCollector(r))
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	list, err := sortedSamples(r)
	if err != nil {
		t.Fatal(err)
	}
	accepts := []string{
		"",
		"text/plain",
		"text/plain;version=0.0.4",
		"text/plain;version=1.0.0;escaping=allow-utf-8",
		"text/plain;version=0.0.4;escaping=dots",
		"application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=0.6,application/openmetrics-text;version=0.0.1;q=0.5,text/plain;version=1.0.0;escaping=allow-utf-8;q=0.4,text/plain;version=0.0.4;q=0.3,*/*;q=0.2",
		"application/openmetrics-text;version=0.0.1,text/plain;version=0.0.4;q=0.5,*/*;q=0.1",
		"application/openmetrics-text;version=2.0.0",
		"application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited;q=0.7,text/plain;version=0.0.4;q=0.3",
		"application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited;escaping=underscores",
		"application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=compact-text",
		"application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=text",
		"application/json",
	}
	for round := range 2 {
		for _, accept := range accepts {
			req := httptest.NewRequest(http.MethodGet, "/probe", nil)
			if accept != "" {
				req.Header.Set("Accept", accept)
			}
			format := expfmt.NegotiateAccept(req.Header, expfmt.DefaultAcceptedFormats()...)
			var want bytes.Buffer
			enc := expfmt.NewEncoder(&want, format)
			for _, mf := range mfs {
				if err := enc.Encode(mf); err != nil {
					t.Fatal(err)
				}
			}
			if c, ok := enc.(expfmt.Closer); ok {
				_ = c.Close()
			}
			w := httptest.NewRecorder()
			writeMetrics(w, req.Header, list)
			if ct := w.Header().Get("Content-Type"); ct != string(format) {
				t.Errorf("round %d, Accept %q: Content-Type %q, want %q", round, accept, ct, format)
			}
			if !bytes.Equal(w.Body.Bytes(), want.Bytes()) {
				t.Errorf("round %d, Accept %q: body\n%q\nwant\n%q", round, accept, w.Body.String(), want.String())
			}
		}
	}
}

// Families gives exactly what a registry's Gather gives for the same
// Result, for Results of every shape: the per-probe registry it replaces
// is the oracle.
func TestFamiliesAreGather(t *testing.T) {
	failed := &Result{
		Layers: []LayerResult{{Name: LayerConnect, Outcome: Failed, Duration: time.Millisecond, Reason: failure.ReasonConnect},
			{Name: LayerHandshake, Outcome: NotReached}, {Name: LayerTools, Outcome: NotReached}},
		FailedLayer: LayerConnect, FailureReason: failure.ReasonConnect, Duration: 2 * time.Millisecond, Timeout: time.Second,
	}
	many := fullResult()
	many.Server.Capabilities = nil
	for i := range maxCapabilities {
		// Out of order on purpose: the exposition sorts them.
		many.Server.Capabilities = append(many.Server.Capabilities, string(rune('z'-i%26))+strconv.Itoa(i))
	}
	many.Credentials = append(many.Credentials, CredentialExpiry{Kind: credentials.KindBearerJWT, Expiry: time.Unix(1700000000, 0)})
	for name, r := range map[string]*Result{"full": fullResult(), "empty": {}, "failed": failed, "many": many} {
		reg := prometheus.NewRegistry()
		reg.MustRegister(NewCollector(r))
		want, err := reg.Gather()
		if err != nil {
			t.Fatalf("%s: gather: %v", name, err)
		}
		got, err := Families(r)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if len(got) != len(want) {
			t.Fatalf("%s: %d families, gather has %d", name, len(got), len(want))
		}
		for i := range want {
			if !proto.Equal(got[i], want[i]) {
				t.Errorf("%s: family %d:\n%v\ngather:\n%v", name, i, got[i], want[i])
			}
		}
	}
}

// A Result that would give one series twice is refused, as Gather
// refuses it, rather than exposed.
func TestFamiliesRefuseDuplicates(t *testing.T) {
	r := fullResult()
	r.Credentials = append(r.Credentials, r.Credentials[0])
	reg := prometheus.NewRegistry()
	reg.MustRegister(NewCollector(r))
	if _, err := reg.Gather(); err == nil {
		t.Fatal("gather took a duplicate series")
	}
	if mfs, err := Families(r); err == nil {
		t.Fatalf("Families took a duplicate series: %v", mfs)
	}
}

// resultCollector turns a Result into the probe's metrics. It is
// unchecked (it describes nothing): which series a probe has depends on
// how far it got.
type resultCollector struct{ r *Result }

// NewCollector returns a collector of the metrics /probe answers with for
// r, to register in a registry: the oracle Families is held to.
func NewCollector(r *Result) prometheus.Collector { return resultCollector{r} }

func (resultCollector) Describe(chan<- *prometheus.Desc) {}

func (c resultCollector) Collect(ch chan<- prometheus.Metric) {
	c.r.samples(func(m *sample) { ch <- m })
}

// appendText writes values, help texts and label values byte for byte as
// expfmt does, in the text format and in OpenMetrics, for the values and
// characters that each escape or format differently.
func TestAppendTextAsExpfmt(t *testing.T) {
	gd := gaugeDescOf("probe_test_value", `a "quoted" back\slash and`+"\nnew line", []string{"a", "b"})
	values := []float64{0, math.Copysign(0, -1), 1, -1, 0.5, -2.25, 42, 1e21, 1.5e-7, 4503599627370495, math.NaN(), math.Inf(1), math.Inf(-1)}
	var list exposition
	for i, v := range values {
		list = append(list, &sample{gd: gd, value: v, values: [maxSampleLabels]string{strconv.Itoa(i), "x\"y\\z\nw"}, n: 2})
	}
	list = append(list, &sample{gd: gaugeDescOf("probe_test_plain", "plain", nil), value: 3})
	mfs := list.families()
	for _, om := range []bool{false, true} {
		var want bytes.Buffer
		for _, mf := range mfs {
			var err error
			if om {
				_, err = expfmt.MetricFamilyToOpenMetrics(&want, mf)
			} else {
				_, err = expfmt.MetricFamilyToText(&want, mf)
			}
			if err != nil {
				t.Fatal(err)
			}
		}
		if got := list.appendText(nil, om); string(got) != want.String() {
			t.Errorf("OpenMetrics %v:\n%s\nexpfmt:\n%s", om, got, want.String())
		}
	}
}

// Families is the probe's metric families for r (sortedSamples, then
// families), as the tests compare them with a registry's.
func Families(r *Result) ([]*dto.MetricFamily, error) {
	list, err := sortedSamples(r)
	if err != nil {
		return nil, err
	}
	return list.families(), nil
}
