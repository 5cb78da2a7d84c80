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

package registrysd

import (
	"cmp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/mcp-exporter/mcp_exporter/config"
	"github.com/mcp-exporter/mcp_exporter/internal/protocol"
	"github.com/mcp-exporter/mcp_exporter/prober"
)

// Bounds of what a registry puts in the list served to Prometheus.
const (
	// MaxLabelBytes bounds a label value taken from the registry.
	MaxLabelBytes = 256
	// MaxTargetBytes bounds a target URL.
	MaxTargetBytes = 4096
)

// The labels of a discovered target.
const (
	LabelModule        = "__param_module"
	LabelRegistry      = "__meta_mcp_registry_name"
	LabelServerName    = "__meta_mcp_registry_server_name"
	LabelServerVersion = "__meta_mcp_registry_server_version"
	LabelRemoteType    = "__meta_mcp_registry_remote_type"
	LabelStatus        = "__meta_mcp_registry_status"
	LabelPublishedAt   = "__meta_mcp_registry_published_at"
	LabelIsLatest      = "__meta_mcp_registry_is_latest"
)

// Why an entry or a remote is left out of the list: the values of
// mcp_exporter_sd_skipped's reason label.
const (
	// Entries (counted once per entry).
	SkipStatus    = "status"     // status not among statuses (or no official metadata)
	SkipNotLatest = "not_latest" // not the latest version, under latest_only
	SkipName      = "name"       // name not matched by names
	SkipNoRemote  = "no_remote"  // packages (stdio) only, nothing to reach over HTTP
	// Remotes (counted once per remote).
	SkipRemoteType     = "remote_type"     // type not among remote_types
	SkipTransport      = "transport"       // the module's transport cannot speak the remote's type
	SkipURLTemplate    = "url_template"    // the URL has {variables} to fill in
	SkipInvalidURL     = "invalid_url"     // not an absolute http(s) URL, or longer than MaxTargetBytes
	SkipHeaderRequired = "header_required" // requires a header the module does not send
	SkipNotAllowed     = "not_allowed"     // the module's allowed_targets refuse it
	SkipDuplicate      = "duplicate"       // the same URL and module listed already
)

// SkipReasons are every reason, in a fixed order.
var SkipReasons = []string{
	SkipStatus, SkipNotLatest, SkipName, SkipNoRemote,
	SkipRemoteType, SkipTransport, SkipURLTemplate, SkipInvalidURL, SkipHeaderRequired, SkipNotAllowed, SkipDuplicate,
}

// TargetGroup is one element of Prometheus' HTTP SD list.
type TargetGroup struct {
	Targets []string          `json:"targets"`
	Labels  map[string]string `json:"labels"`
}

// build turns a registry's list into target groups, one per probe-able
// remote, and counts what it leaves out by reason. An entry never widens
// what a module may probe: each target passes the module's AdmitTarget,
// the same admission /probe applies.
func build(name string, reg *config.Registry, modules map[string]config.Module, servers []serverResponse) ([]TargetGroup, map[string]int) {
	skipped := map[string]int{}
	seen := map[[2]string]bool{}
	groups := []TargetGroup{}
	for _, sr := range servers {
		s, off := sr.Server, sr.Meta.Official
		status := ""
		if off != nil {
			status = off.Status
		}
		switch {
		case off == nil || !slices.Contains(reg.Statuses, status):
			skipped[SkipStatus]++
			continue
		case reg.LatestOnly && !off.IsLatest:
			skipped[SkipNotLatest]++
			continue
		case !reg.NameAllowed(s.Name):
			skipped[SkipName]++
			continue
		case len(s.Remotes) == 0:
			skipped[SkipNoRemote]++
			continue
		}
		moduleName := reg.ModuleFor(s.Name)
		module := modules[moduleName]
		for _, r := range s.Remotes {
			target, reason := admit(r, reg, &module)
			if reason == "" && seen[[2]string{target, moduleName}] {
				reason = SkipDuplicate
			}
			if reason != "" {
				skipped[reason]++
				continue
			}
			seen[[2]string{target, moduleName}] = true
			groups = append(groups, TargetGroup{
				Targets: []string{target},
				Labels: map[string]string{
					LabelModule:        moduleName,
					LabelRegistry:      name,
					LabelServerName:    labelValue(s.Name),
					LabelServerVersion: labelValue(s.Version),
					LabelRemoteType:    r.Type,
					LabelStatus:        status,
					LabelPublishedAt:   timestamp(off.PublishedAt),
					LabelIsLatest:      strconv.FormatBool(off.IsLatest),
				},
			})
		}
	}
	slices.SortStableFunc(groups, func(a, b TargetGroup) int {
		return cmp.Or(
			strings.Compare(a.Labels[LabelServerName], b.Labels[LabelServerName]),
			strings.Compare(a.Labels[LabelServerVersion], b.Labels[LabelServerVersion]),
			strings.Compare(a.Targets[0], b.Targets[0]))
	})
	return groups, skipped
}

// admit is the target a remote is probed at, or why it cannot be probed
// as it stands.
func admit(r remote, reg *config.Registry, m *config.Module) (target, reason string) {
	if !slices.Contains(reg.RemoteTypes, r.Type) {
		return "", SkipRemoteType
	}
	switch {
	case m.Transport == protocol.TransportStreamableHTTP && r.Type != config.RemoteStreamableHTTP,
		m.Transport == protocol.TransportSSE && r.Type != config.RemoteSSE:
		return "", SkipTransport
	}
	if strings.ContainsAny(r.URL, "{}") {
		return "", SkipURLTemplate
	}
	if len(r.URL) > MaxTargetBytes || !utf8.ValidString(r.URL) {
		return "", SkipInvalidURL
	}
	u, err := prober.ParseTarget(r.URL)
	if err != nil || u.User != nil {
		return "", SkipInvalidURL
	}
	for _, h := range r.Headers {
		if h.IsRequired && !sendsHeader(m, h.Name) {
			return "", SkipHeaderRequired
		}
	}
	u, err = m.AdmitTarget(u)
	if err != nil {
		return "", SkipNotAllowed
	}
	target = u.String()
	if len(target) > MaxTargetBytes {
		return "", SkipInvalidURL
	}
	return target, ""
}

// sendsHeader reports whether the module's requests carry the header name.
func sendsHeader(m *config.Module, name string) bool {
	hc := m.HTTPClientConfig
	if hc.HTTPHeaders != nil {
		for n := range hc.HTTPHeaders.Headers {
			if strings.EqualFold(n, name) {
				return true
			}
		}
	}
	if strings.EqualFold(name, "Authorization") {
		return slices.ContainsFunc(m.Credentials(), func(kind string) bool {
			return kind == "authorization" || kind == "bearer_token" || kind == "basic_auth" || kind == "oauth2"
		})
	}
	return false
}

// labelValue is a registry's string as a label value: valid UTF-8, no
// control characters, at most MaxLabelBytes bytes (cut at a character).
func labelValue(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, s)
	if len(s) <= MaxLabelBytes {
		return s
	}
	cut := MaxLabelBytes
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut]
}

// timestamp is an RFC 3339 time as the registry gave it, normalised to
// UTC, or "" if it is not one.
func timestamp(s string) string {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}
