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

// Package registrysd turns MCP registries (the official MCP Registry and
// the sub-registries speaking its API) into Prometheus HTTP service
// discovery: it pages through a registry's /v0.1/servers list in the
// background, within bounds, keeps the last good list, and serves the
// probe-able remotes as targets at /sd?registry=<name>.
package registrysd

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"time"

	"github.com/prometheus/common/version"

	"github.com/mcp-exporter/mcp_exporter/config"
	"github.com/mcp-exporter/mcp_exporter/internal/boundedio"
)

// maxCursorBytes bounds a nextCursor: it goes back to the registry as a
// query parameter.
const maxCursorBytes = 4096

// The parts of the registry's list the exporter reads (the registry's
// pkg/api/v0 ServerListResponse, ServerResponse and RegistryExtensions;
// pkg/model Transport and KeyValueInput).
type (
	listResponse struct {
		Servers  []serverResponse `json:"servers"`
		Metadata struct {
			NextCursor string `json:"nextCursor"`
		} `json:"metadata"`
	}
	serverResponse struct {
		Server server `json:"server"`
		Meta   struct {
			Official *official `json:"io.modelcontextprotocol.registry/official"`
		} `json:"_meta"`
	}
	server struct {
		Name     string            `json:"name"`
		Version  string            `json:"version"`
		Remotes  []remote          `json:"remotes"`
		Packages []json.RawMessage `json:"packages"`
	}
	remote struct {
		Type      string                     `json:"type"`
		URL       string                     `json:"url"`
		Headers   []header                   `json:"headers"`
		Variables map[string]json.RawMessage `json:"variables"`
	}
	header struct {
		Name       string `json:"name"`
		Value      string `json:"value"`
		IsRequired bool   `json:"isRequired"`
	}
	official struct {
		Status      string `json:"status"`
		PublishedAt string `json:"publishedAt"`
		UpdatedAt   string `json:"updatedAt"`
		IsLatest    bool   `json:"isLatest"`
	}
)

// fetchError is why a refresh failed, with a reason that is a label value.
type fetchError struct {
	reason string
	err    error
}

func (e *fetchError) Error() string { return e.err.Error() }
func (e *fetchError) Unwrap() error { return e.err }

// The reasons a refresh fails.
const (
	failConnect  = "connect"
	failStatus   = "status"
	failTooLarge = "too_large"
	failInvalid  = "invalid"
	failTooMany  = "too_many"
)

func fail(reason, format string, args ...any) error {
	return &fetchError{reason: reason, err: fmt.Errorf(format, args...)}
}

// fetch pages through the registry's list: every page is a request to the
// configured list URL, the cursor only ever a query parameter. It fails,
// whole, on any page that fails or breaks a bound. since, when not empty,
// asks only for the entries updated after it (updated_since).
func fetch(ctx context.Context, client *http.Client, reg *config.Registry, since string) ([]serverResponse, error) {
	base := reg.ListURL()
	var all []serverResponse
	seen := map[string]bool{}
	cursor := ""
	for page := 1; ; page++ {
		if page > reg.MaxPages {
			return nil, fail(failTooMany, "more than max_pages (%d) pages", reg.MaxPages)
		}
		q := url.Values{"limit": {strconv.Itoa(reg.PageSize)}}
		if reg.LatestOnly {
			q.Set("version", "latest")
		}
		if since != "" {
			q.Set("updated_since", since)
		}
		if cursor != "" {
			q.Set("cursor", cursor)
		}
		body, err := get(ctx, client, base+"?"+q.Encode(), int64(reg.MaxResponseBytes))
		if err != nil {
			return nil, err
		}
		var lr listResponse
		if err := json.Unmarshal(body, &lr); err != nil {
			return nil, fail(failInvalid, "page %d is not a server list: %v", page, err)
		}
		if len(all)+len(lr.Servers) > reg.MaxEntries {
			return nil, fail(failTooMany, "more than max_entries (%d) entries", reg.MaxEntries)
		}
		all = append(all, lr.Servers...)
		cursor = lr.Metadata.NextCursor
		switch {
		case cursor == "":
			return all, nil
		case len(cursor) > maxCursorBytes:
			return nil, fail(failInvalid, "page %d: nextCursor longer than %d bytes", page, maxCursorBytes)
		case seen[cursor]:
			return nil, fail(failInvalid, "page %d: nextCursor repeats an earlier one", page)
		}
		seen[cursor] = true
	}
}

// fullRefreshEvery is how often a registry's whole list is fetched again
// when refreshes in between ask only for what changed.
const fullRefreshEvery = time.Hour

// sinceMargin is taken off the newest updatedAt seen, so that an entry
// committed in the same instant is not missed; fetching it again is
// harmless.
const sinceMargin = time.Second

// nextSince is the updated_since of the next incremental refresh: the
// newest updatedAt in servers (the registry's clock, not ours) less
// sinceMargin, or "" if an entry has none (then every refresh is full).
func nextSince(servers []serverResponse) string {
	var newest time.Time
	for _, s := range servers {
		if s.Meta.Official == nil {
			return ""
		}
		t, err := time.Parse(time.RFC3339Nano, s.Meta.Official.UpdatedAt)
		if err != nil {
			return ""
		}
		if t.After(newest) {
			newest = t
		}
	}
	if newest.IsZero() {
		return ""
	}
	return newest.Add(-sinceMargin).UTC().Format(time.RFC3339Nano)
}

// later reports whether the RFC 3339 time a is after b.
func later(a, b string) bool {
	ta, err := time.Parse(time.RFC3339Nano, a)
	if err != nil {
		return false
	}
	tb, err := time.Parse(time.RFC3339Nano, b)
	return err != nil || ta.After(tb)
}

// merge applies an incremental list (latest versions only) to the last
// good one: an entry replaces the one of the same server name, whatever its
// version (a newer latest version, or the same one deprecated or deleted).
func merge(old, delta []serverResponse, maxEntries int) ([]serverResponse, error) {
	out := slices.Clone(old)
	at := make(map[string]int, len(out))
	for i, s := range out {
		at[s.Server.Name] = i
	}
	for _, s := range delta {
		if i, ok := at[s.Server.Name]; ok {
			out[i] = s
			continue
		}
		at[s.Server.Name] = len(out)
		out = append(out, s)
	}
	if len(out) > maxEntries {
		return nil, fail(failTooMany, "more than max_entries (%d) entries", maxEntries)
	}
	return out, nil
}

// get is one page: 200 and a body within limit, or an error.
func get(ctx context.Context, client *http.Client, u string, limit int64) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, fail(failInvalid, "%v", err)
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "mcp_exporter/"+version.Version+" (service discovery)")
	resp, err := client.Do(req)
	if err != nil {
		return nil, fail(failConnect, "%v", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fail(failStatus, "%s answered HTTP %d", resp.Request.URL.Redacted(), resp.StatusCode)
	}
	b, err := boundedio.ReadAll(resp.Body, limit)
	switch {
	case errors.Is(err, boundedio.ErrTooLarge):
		return nil, fail(failTooLarge, "a page is larger than max_response_bytes (%d bytes)", limit)
	case err != nil:
		return nil, fail(failConnect, "reading a page: %v", err)
	}
	return b, nil
}

// newClient is the registry's HTTP client: its http_config, and redirects
// followed (if at all) only within the registry's scheme, host and port.
func newClient(reg *config.Registry) (*http.Client, error) {
	hc, err := promconfigClient(reg)
	if err != nil {
		return nil, err
	}
	follow := reg.HTTPClientConfig.FollowRedirects
	hc.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		switch {
		case !follow:
			return http.ErrUseLastResponse
		case len(via) >= 5:
			return errors.New("more than 5 redirects")
		case !reg.SameOrigin(req.URL):
			return fmt.Errorf("redirected away from the registry to %s", req.URL.Redacted())
		}
		return nil
	}
	return hc, nil
}
