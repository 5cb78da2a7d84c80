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

package mcpwire

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"sort"
	"time"

	"github.com/mcp-exporter/mcp_exporter/internal/failure"
	"github.com/mcp-exporter/mcp_exporter/internal/protocol"
)

// Era is the protocol generation a server speaks.
type Era int

// Eras. EraUnknown asks Handshake to detect it.
const (
	EraUnknown Era = iota
	// EraStateful: initialize, sessions (2024-11-05 … 2025-11-25).
	EraStateful
	// EraStateless: server/discover, _meta on every request (2026-07-28).
	EraStateless
)

func (e Era) String() string {
	switch e {
	case EraStateful:
		return "stateful"
	case EraStateless:
		return "stateless"
	}
	return "unknown"
}

// HandshakeOptions says which transports and revisions the prober may
// settle on.
type HandshakeOptions struct {
	// Transport is protocol.TransportStreamableHTTP, protocol.TransportSSE,
	// or "" to try Streamable HTTP and fall back to SSE as the
	// specification says.
	Transport string
	// Pinned is the one revision to speak; "" detects the era.
	Pinned string
	// Accept lists the revisions the prober accepts, newest first.
	Accept []string
	// Hint is a remembered verdict: a stateful era skips server/discover,
	// and the SSE transport skips Streamable HTTP.
	Hint Verdict
}

// Verdict is what detection found out about a server, worth remembering
// so that the next probe does not send what is sure to fail.
type Verdict struct {
	Era       Era
	Transport string
}

// Handshake is what the server told about itself.
type Handshake struct {
	Era       Era
	Transport string
	Version   string
	Server    Implementation
	// Capabilities are the names of the advertised capabilities, sorted.
	Capabilities []string
	// Tools, Resources and Prompts are true when the capability is
	// advertised.
	Tools, Resources, Prompts bool
	// TTL is how long the server said its server/discover answer stays
	// fresh (ttlMs, 2026-07-28), also when the answer sent the probe on to
	// initialize; HasTTL is false when no answer gave one.
	TTL    time.Duration
	HasTTL bool
}

// serverResult holds the fields that initialize and server/discover results share.
type serverResult struct {
	ProtocolVersion   *string                    `json:"protocolVersion"`
	SupportedVersions []string                   `json:"supportedVersions"`
	Capabilities      map[string]json.RawMessage `json:"capabilities"`
	ServerInfo        *Implementation            `json:"serverInfo"`
	Meta              map[string]json.RawMessage `json:"_meta"`
	cacheable
}

// Handshake opens the conversation: server/discover for the stateless era,
// initialize and notifications/initialized for the stateful one, detecting
// the era when none is pinned or remembered.
func (c *Client) Handshake(ctx context.Context, o *HandshakeOptions) (*Handshake, error) {
	c.discoverTTL = nil
	hs, err := c.handshake(ctx, o)
	if hs != nil {
		hs.Transport = c.Transport()
		if c.discoverTTL != nil {
			hs.TTL, hs.HasTTL = *c.discoverTTL, true
		}
	}
	return hs, err
}

func (c *Client) handshake(ctx context.Context, o *HandshakeOptions) (*Handshake, error) {
	accepts := func(v string) bool { return slices.Contains(o.Accept, v) }
	legacyOK := func(v string) bool {
		if o.Pinned != "" {
			return v == o.Pinned
		}
		return v != protocol.Version20260728 && accepts(v)
	}
	offer := o.Pinned
	if offer == "" {
		for _, v := range o.Accept {
			if v != protocol.Version20260728 {
				offer = v
				break
			}
		}
	}
	name := o.Transport
	if name == "" {
		name = o.Hint.Transport
	}
	if name == "" {
		name = protocol.TransportStreamableHTTP
	}
	kind := transports[name]
	if kind.statefulOnly {
		return c.initializeOver(ctx, name, offer, legacyOK)
	}
	if kind.initializeFirst && o.Pinned == "" && o.Hint.Era != EraStateless && offer != "" {
		// initialize first: a stateful server may end the conversation
		// over a request before it (the process exits); a server that
		// refuses initialize as a 2026-07-28 one would is asked
		// server/discover next, in the same conversation.
		if err := c.use(ctx, name); err != nil {
			return nil, err
		}
		hs, err := c.initialize(ctx, offer, legacyOK)
		if err == nil || !accepts(protocol.Version20260728) || !modernRefusal(err) {
			return hs, err
		}
		c.session = Session{}
		return c.discover(ctx)
	}
	tryDiscover := accepts(protocol.Version20260728) && o.Hint.Era != EraStateful && (o.Pinned == "" || o.Pinned == protocol.Version20260728)
	if tryDiscover {
		if err := c.use(ctx, name); err != nil {
			return nil, err
		}
		hs, err := c.discover(ctx)
		if err == nil || o.Pinned == protocol.Version20260728 || !legacyAnswer(err) {
			return hs, err
		}
	}
	if o.Pinned == protocol.Version20260728 {
		return nil, failure.Errorf(failure.ReasonUnsupportedVersion, 0, "%s is not accepted by valid_protocol_versions", protocol.Version20260728)
	}
	if offer == "" {
		return nil, failure.Errorf(failure.ReasonUnsupportedVersion, 0, "server does not speak %s and no other revision is accepted", protocol.Version20260728)
	}
	if err := c.use(ctx, name); err != nil {
		return nil, err
	}
	hs, err := c.initialize(ctx, offer, legacyOK)
	if err != nil && o.Transport == "" && name == protocol.TransportStreamableHTTP && wantsLegacy(err) {
		// The specification's fallback: a server that refuses the
		// initialize POST with 400, 404 or 405 may speak HTTP+SSE.
		c.session = Session{}
		return c.initializeOver(ctx, protocol.TransportSSE, offer, legacyOK)
	}
	return hs, err
}

// initializeOver opens the transport called name (the legacy event
// stream) and initializes over it.
func (c *Client) initializeOver(ctx context.Context, name, offer string, ok func(string) bool) (*Handshake, error) {
	if offer == "" {
		return nil, failure.Errorf(failure.ReasonUnsupportedVersion, 0, "no revision the module accepts is spoken over HTTP+SSE")
	}
	// Failing after the server answered the event stream's GET, the
	// transport still names what was tried in probe_mcp_transport_info
	// (Client.Answered).
	if err := c.use(ctx, name); err != nil {
		return nil, err
	}
	return c.initialize(ctx, offer, ok)
}

// wantsLegacy reports whether a failed Streamable HTTP initialize is the
// specification's signal to try the legacy transport: HTTP 400, 404 or 405
// without a JSON-RPC error (a Streamable HTTP server that refuses the
// request says why in JSON-RPC).
func wantsLegacy(err error) bool {
	var e *failure.Error
	if !errors.As(err, &e) || e.RPC != nil || e.Reason != failure.ReasonHTTPStatus {
		return false
	}
	switch e.Status {
	case http.StatusBadRequest, http.StatusNotFound, http.StatusMethodNotAllowed:
		return true
	}
	return false
}

// modernRefusal reports whether a failed initialize may come from a
// server of the 2026-07-28 era only: it does not know the method, answers
// with an error code of that era, or supports no revision the prober
// offered.
func modernRefusal(err error) bool {
	var e *failure.Error
	if !errors.As(err, &e) || e.RPC == nil {
		return false
	}
	return e.RPC.Code == CodeMethodNotFound || isModernErrorCode(e.RPC.Code) || e.Reason == failure.ReasonUnsupportedVersion
}

// legacyAnswer reports whether a failed server/discover means "not a
// 2026-07-28 server, try initialize". Failures that initialize would meet
// too (no connection, a refused credential, an oversized answer) are final.
func legacyAnswer(err error) bool {
	var e *failure.Error
	if !errors.As(err, &e) {
		return false
	}
	switch e.Reason {
	case failure.ReasonDNS, failure.ReasonConnect, failure.ReasonTLS, failure.ReasonTimeout, failure.ReasonResponseTooLarge,
		failure.ReasonTokenRequest, failure.ReasonCredentials:
		// A credential that could not be had is final within the probe.
		return false
	}
	if e.Status == http.StatusUnauthorized || e.Status == http.StatusForbidden || e.Status == http.StatusTooManyRequests {
		// Refused credentials and rate limits say nothing of the era, and
		// initialize would only meet them again. A 5xx still falls back:
		// some legacy servers fail on methods they do not know.
		return false
	}
	if e.RPC != nil && isModernErrorCode(e.RPC.Code) {
		// A modern error code means a modern server, unless it only says
		// that 2026-07-28 is not among the revisions it serves.
		return e.RPC.Code == CodeUnsupportedProtocolVersion && !slices.Contains(supportedVersions(e.RPC), protocol.Version20260728)
	}
	return true
}

func (c *Client) meta() map[string]any {
	m := map[string]any{
		metaProtocolVersion:    protocol.Version20260728,
		metaClientInfo:         c.Info,
		metaClientCapabilities: struct{}{},
	}
	if c.Requests != nil {
		m[metaTraceParent] = (*requestParent)(c)
	} else if c.TraceContext != nil {
		m[metaTraceParent] = c.TraceContext.TraceParent()
	}
	return m
}

// requestParent marshals as the traceparent of the request being encoded
// (the Client's RequestObserver's), or TraceContext's when it gave none.
type requestParent Client

func (p *requestParent) MarshalJSON() ([]byte, error) {
	v := p.reqParent
	if v == "" && p.TraceContext != nil {
		v = p.TraceContext.TraceParent()
	}
	return json.Marshal(v)
}

// discover sends server/discover (2026-07-28). A result that does not list
// 2026-07-28 (a stateful server answering it) is reported as an
// unsupported-version error so that Handshake falls back to initialize.
func (c *Client) discover(ctx context.Context) (*Handshake, error) {
	c.session.Stateless, c.session.Version = true, protocol.Version20260728
	raw, err := c.call(ctx, "server/discover", map[string]any{"_meta": c.meta()})
	if err != nil {
		c.session.Stateless, c.session.Version = false, ""
		return nil, err
	}
	var r serverResult
	if err := decodeServer(raw, &r); err != nil {
		c.session.Stateless, c.session.Version = false, ""
		return nil, failure.Errorf(failure.ReasonProtocolViolation, c.LastStatus(), "server/discover result is not an object")
	}
	if ttl, ok := r.ttl(); ok {
		c.discoverTTL = &ttl
	}
	if !slices.Contains(r.SupportedVersions, protocol.Version20260728) {
		c.session.Stateless, c.session.Version = false, ""
		if len(r.SupportedVersions) == 0 {
			return nil, failure.Errorf(failure.ReasonProtocolViolation, c.LastStatus(), "server/discover result lacks supportedVersions")
		}
		return nil, &failure.Error{Reason: failure.ReasonUnsupportedVersion, Status: c.LastStatus(),
			RPC: &failure.RPCError{Code: CodeUnsupportedProtocolVersion, Data: mustJSON(map[string]any{"supported": r.SupportedVersions})},
			Err: fmt.Errorf("server/discover lists no %s", protocol.Version20260728)}
	}
	var info *Implementation
	if b, ok := r.Meta[metaServerInfo]; ok {
		if json.Unmarshal(b, &info) != nil {
			info = nil
		}
	}
	if info == nil {
		info = r.ServerInfo
	}
	if info == nil {
		// serverInfo is a SHOULD of server/discover: reported empty.
		info = &Implementation{}
	}
	r.check(c, "server/discover")
	return c.handshakeResult(EraStateless, protocol.Version20260728, r.Capabilities, info)
}

// initializeParams are the params of initialize. A struct rather than a
// map, for the same JSON (its fields are in the order of a map's sorted
// keys) without sorting keys on every probe.
type initializeParams struct {
	Capabilities    struct{}       `json:"capabilities"` // the tool list must not depend on the prober
	ClientInfo      Implementation `json:"clientInfo"`
	ProtocolVersion string         `json:"protocolVersion"`
}

// initialize performs the stateful handshake, offering version; ok decides
// which answered revision the prober accepts. A server that rejects the
// offer and names the revisions it supports is offered the best of those once.
func (c *Client) initialize(ctx context.Context, version string, ok func(string) bool) (*Handshake, error) {
	out, err := c.initializeRequest(version)
	if err != nil {
		return nil, err
	}
	raw, err := c.callBody(ctx, out)
	if err != nil {
		if raw, err = c.retryInitialize(ctx, initializeParams{ClientInfo: c.Info, ProtocolVersion: version}, err, ok); err != nil {
			return nil, err
		}
	}
	return c.initialized(ctx, raw, ok)
}

// initializeRequest is the initialize request offering version.
func (c *Client) initializeRequest(version string) (*Outgoing, error) {
	params := initializeParams{ClientInfo: c.Info, ProtocolVersion: version}
	c.nextID++
	body, err := params.body(c.nextID)
	if err != nil {
		return nil, err
	}
	return &Outgoing{Method: methodInitialize, ID: c.nextID, Body: body}, nil
}

// initialized checks the initialize result raw and sends
// notifications/initialized.
func (c *Client) initialized(ctx context.Context, raw json.RawMessage, ok func(string) bool) (*Handshake, error) {
	var r serverResult
	if err := decodeServer(raw, &r); err != nil {
		return nil, failure.Errorf(failure.ReasonProtocolViolation, c.LastStatus(), "initialize result is not an object")
	}
	if r.ProtocolVersion == nil || *r.ProtocolVersion == "" {
		return nil, failure.Errorf(failure.ReasonProtocolViolation, c.LastStatus(), "initialize result lacks protocolVersion")
	}
	v := *r.ProtocolVersion
	if !ok(v) {
		return nil, failure.Errorf(failure.ReasonUnsupportedVersion, c.LastStatus(), "server chose revision %s, which the module does not accept", Sanitize(v, 32))
	}
	hs, err := c.handshakeResult(EraStateful, v, r.Capabilities, r.ServerInfo)
	if err != nil {
		return nil, err
	}
	c.session.Version = v
	if err := c.notify(ctx, "notifications/initialized", nil); err != nil {
		return nil, err
	}
	return hs, nil
}

// retryInitialize takes the error err of initialize with params: a server
// that rejects the offered revision and names the ones it supports is
// offered the best of those once; ok decides which the prober accepts.
func (c *Client) retryInitialize(ctx context.Context, params initializeParams, err error, ok func(string) bool) (json.RawMessage, error) {
	var e *failure.Error
	if !errors.As(err, &e) || e.RPC == nil ||
		(e.RPC.Code != CodeInvalidParams && e.RPC.Code != CodeUnsupportedProtocolVersion) {
		return nil, err
	}
	retry := ""
	for _, v := range supportedVersions(e.RPC) {
		if v != params.ProtocolVersion && ok(v) && v > retry {
			retry = v
		}
	}
	if retry == "" {
		e.Reason = failure.ReasonUnsupportedVersion
		return nil, e
	}
	params.ProtocolVersion = retry
	raw, err := c.call(ctx, "initialize", params)
	if errors.As(err, &e) && e.RPC != nil &&
		(e.RPC.Code == CodeInvalidParams || e.RPC.Code == CodeUnsupportedProtocolVersion) {
		e.Reason = failure.ReasonUnsupportedVersion
	}
	return raw, err
}

func (c *Client) handshakeResult(era Era, version string, caps map[string]json.RawMessage, info *Implementation) (*Handshake, error) {
	if caps == nil {
		return nil, failure.Errorf(failure.ReasonProtocolViolation, c.LastStatus(), "handshake result lacks capabilities")
	}
	if era == EraStateful && (info == nil || info.Name == "") {
		return nil, failure.Errorf(failure.ReasonProtocolViolation, c.LastStatus(), "handshake result lacks serverInfo.name")
	}
	hs := &Handshake{Era: era, Version: version, Server: *info}
	for name, v := range caps {
		if bytes.Equal(bytes.TrimSpace(v), []byte("null")) {
			continue
		}
		if hs.Capabilities == nil {
			hs.Capabilities = make([]string, 0, len(caps))
		}
		hs.Capabilities = append(hs.Capabilities, name)
		switch name {
		case "tools":
			hs.Tools = true
		case "resources":
			hs.Resources = true
		case "prompts":
			hs.Prompts = true
		}
	}
	sort.Strings(hs.Capabilities)
	return hs, nil
}

// ListTools fetches every page of tools/list, at most maxPages of them and
// maxTools tools in all, and returns the raw tool objects.
func (c *Client) ListTools(ctx context.Context, maxPages, maxTools int) ([]json.RawMessage, error) {
	return c.list(ctx, listTools, bounds{pages: maxPages, items: maxTools})
}

// ListResources fetches every page of resources/list, at most maxPages of
// them and maxResources resources in all, and returns the raw resource
// objects.
func (c *Client) ListResources(ctx context.Context, maxPages, maxResources int) ([]json.RawMessage, error) {
	return c.list(ctx, listResources, bounds{pages: maxPages, items: maxResources})
}

// ListPrompts fetches every page of prompts/list, at most maxPages of them
// and maxPrompts prompts in all, and returns the raw prompt objects.
func (c *Client) ListPrompts(ctx context.Context, maxPages, maxPrompts int) ([]json.RawMessage, error) {
	return c.list(ctx, listPrompts, bounds{pages: maxPages, items: maxPrompts})
}

// bounds limit one paginated list: pages, and items in all (each answer
// is bounded by MaxMessageBytes).
type bounds struct{ pages, items int }

// listMethod is one of the paginated list methods: its name and the
// member of its result that holds the items.
type listMethod struct {
	method, member string
	items          func(*listResult) *sharedRaw
}

var (
	listTools     = listMethod{method: methodToolsList, member: "tools", items: func(r *listResult) *sharedRaw { return &r.Tools }}
	listResources = listMethod{method: "resources/list", member: "resources", items: func(r *listResult) *sharedRaw { return &r.Resources }}
	listPrompts   = listMethod{method: "prompts/list", member: "prompts", items: func(r *listResult) *sharedRaw { return &r.Prompts }}
)

// listResult is a page of any of the lists, decoded once.
type listResult struct {
	Tools      sharedRaw       `json:"tools"`
	Resources  sharedRaw       `json:"resources"`
	Prompts    sharedRaw       `json:"prompts"`
	NextCursor json.RawMessage `json:"nextCursor"`
	cacheable
}

// list fetches every page of a paginated list, following nextCursor within
// b, and returns the raw items.
func (c *Client) list(ctx context.Context, l listMethod, b bounds) ([]json.RawMessage, error) {
	var items []json.RawMessage
	var seen map[string]bool // made for a second page: a map here would sit on the stack
	cursor := ""
	for page := 1; ; page++ {
		raw, err := c.listRequest(ctx, l.method, cursor)
		if err != nil {
			return nil, fmt.Errorf("%s page %d: %w", l.method, page, err)
		}
		pageItems, next, err := c.listPage(l, raw, page)
		if err != nil {
			return nil, err
		}
		if items == nil && len(pageItems) > 0 {
			items = pageItems // a slice of its own: splitArray made it
		} else {
			items = append(items, pageItems...)
		}
		if len(items) > b.items {
			return nil, failure.Errorf(failure.ReasonProtocolViolation, c.LastStatus(), "%s has more than %d %s", l.method, b.items, l.member)
		}
		if next == "" {
			return items, nil
		}
		if seen[next] {
			return nil, failure.Errorf(failure.ReasonProtocolViolation, c.LastStatus(), "%s page %d: nextCursor repeats an earlier cursor", l.method, page)
		}
		if page >= b.pages {
			return nil, failure.Errorf(failure.ReasonProtocolViolation, c.LastStatus(), "%s has more than %d pages", l.method, b.pages)
		}
		if seen == nil {
			seen = make(map[string]bool)
		}
		seen[next] = true
		cursor = next
	}
}

// listPage reads one page of a list: its items and next cursor ("" on the
// last page).
func (c *Client) listPage(l listMethod, raw json.RawMessage, page int) (items []json.RawMessage, next string, err error) {
	// The items stay slices of the answer: a large list is not copied.
	var r listResult
	err = decodeListPage(raw, &r)
	if m := l.items(&r).raw; err == nil && m != nil && !isNull(m) {
		var ok bool
		if items, ok = splitArray(m); !ok {
			err = errors.New("not an array")
		}
	}
	if err != nil {
		return nil, "", failure.Errorf(failure.ReasonProtocolViolation, c.LastStatus(), "%s page %d: result is not an object with a %s array", l.method, page, l.member)
	}
	if items == nil {
		return nil, "", failure.Errorf(failure.ReasonProtocolViolation, c.LastStatus(), "%s page %d: result lacks the %s array", l.method, page, l.member)
	}
	if c.session.Stateless {
		r.check(c, l.method)
	}
	if next, err = cursorOf(r.NextCursor); err != nil {
		return nil, "", failure.Errorf(failure.ReasonProtocolViolation, c.LastStatus(), "%s page %d: nextCursor is not a string", l.method, page)
	}
	return items, next, nil
}

// listRequest requests the page of the list method after cursor ("" for
// the first).
func (c *Client) listRequest(ctx context.Context, method, cursor string) (json.RawMessage, error) {
	if !c.session.Stateless && plainJSONString(cursor) {
		c.nextID++
		return c.callBody(ctx, &Outgoing{Method: method, ID: c.nextID, Body: listBody(c.nextID, method, cursor)})
	}
	params := struct {
		Meta   map[string]any `json:"_meta,omitempty"`
		Cursor string         `json:"cursor,omitempty"`
	}{Cursor: cursor}
	if c.session.Stateless {
		params.Meta = c.meta()
	}
	return c.call(ctx, method, params)
}

// cursorOf decodes a page's nextCursor: "" when there is none.
func cursorOf(raw json.RawMessage) (string, error) {
	if len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
		return "", nil
	}
	if s, ok := plainString(raw); ok {
		return s, nil
	}
	var next string
	err := json.Unmarshal(raw, &next)
	return next, err
}

func mustJSON(v any) json.RawMessage {
	b, _ := json.Marshal(v)
	return b
}
