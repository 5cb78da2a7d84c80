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

package dialhost

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/url"
	"testing"
)

// hosts are written as they appear in a target URL (percent-encoding
// included), so that url.Parse decodes them as it decodes a target.
var hosts = []string{
	"mcp.victim.example",
	"MCP.Victim.EXAMPLE",
	"mcp.victim.example.", // trailing dot: dialled with it
	"mcp.v%C4%B0ctim.example",
	"mcp.vİctim.example",
	"MCP.VİCTİM.EXAMPLE",
	"mcp%EF%BC%8Evictim%EF%BC%8Eexample", // fullwidth full stops
	"\u212aelvin.example",                // Kelvin sign: "k" after mapping
	"b\u00fccher.example",
	"xn--bcher-kva.example",
	"a\u200db.example", // ZWJ outside a joining context: no ASCII form
	"127.0.0.1",
	"[::1]",
	"[FE80::1%25ETH0]",
	"a_b.example",
}

// TestNormalizeIsWhatTheTransportDials dials every host through a real
// net/http transport and checks that Normalize names the host it dialled
// (up to ASCII case), and that it reports ErrNotConvertible exactly when
// the transport dials a non-ASCII name as written.
func TestNormalizeIsWhatTheTransportDials(t *testing.T) {
	errStop := errors.New("stop")
	var dialled string
	tr := &http.Transport{
		Proxy: nil,
		DialContext: func(_ context.Context, _, addr string) (net.Conn, error) {
			dialled = addr
			return nil, errStop
		},
	}
	defer tr.CloseIdleConnections()
	c := &http.Client{Transport: tr}
	for _, h := range hosts {
		u, err := url.Parse("http://" + h + ":8080/mcp")
		if err != nil {
			t.Fatalf("%s: %v", h, err)
		}
		dialled = ""
		if _, err := c.Get(u.String()); !errors.Is(err, errStop) {
			t.Fatalf("%s: %v", h, err)
		}
		host, port, err := net.SplitHostPort(dialled)
		if err != nil || port != "8080" {
			t.Fatalf("%s: dialled %q", h, dialled)
		}
		got, err := Normalize(u.Hostname())
		if err != nil {
			if !errors.Is(err, ErrNotConvertible) || got != host || isASCII(host) {
				t.Errorf("%s: Normalize = %q, %v; the transport dialled %q", h, got, err, host)
			}
			continue
		}
		// The dialled host is ASCII: Normalize only lower-cases it.
		if want, _ := Normalize(host); got != want || !isASCII(host) {
			t.Errorf("%s: Normalize = %q, the transport dialled %q", h, got, host)
		}
	}
}

func TestNormalize(t *testing.T) {
	for in, want := range map[string]string{
		"MCP.Victim.Example":   "mcp.victim.example",
		"mcp.vİctim.example":   "mcp.xn--victim-qyd.example", // not "mcp.victim.example"
		"mcp.victim.example.":  "mcp.victim.example.",
		"FE80::1%ETH0":         "fe80::1%ETH0",
		"\u212aelvin.example":  "kelvin.example",
		"b\u00dccher.example.": "xn--bcher-kva.example.",
	} {
		if got, err := Normalize(in); got != want || err != nil {
			t.Errorf("Normalize(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if got, err := Normalize("a\u200db.example"); !errors.Is(err, ErrNotConvertible) || got != "a\u200db.example" {
		t.Errorf("Normalize(ZWJ) = %q, %v; want the raw host and ErrNotConvertible", got, err)
	}
}
