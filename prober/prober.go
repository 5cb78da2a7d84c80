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

// Package prober runs the layered MCP probe and turns what it saw into
// Prometheus metrics. The wire protocol lives in prober/mcpwire.
package prober

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/version"

	"github.com/mcp-exporter/mcp_exporter/config"
	"github.com/mcp-exporter/mcp_exporter/internal/canonical"
	"github.com/mcp-exporter/mcp_exporter/prober/mcpwire"
)

// Layer names, in the order a probe runs them.
const (
	LayerAuthWall  = "auth_wall"
	LayerDiscovery = "discovery"
	LayerAuth      = "auth"
	LayerConnect   = "connect"
	LayerHandshake = "handshake"
	LayerTools     = "tools"
	LayerClose     = "close"
)

// Reasons the prober adds to the wire client's vocabulary.
const (
	ReasonNotTLS         mcpwire.Reason = "not_tls"
	ReasonNoTools        mcpwire.Reason = "no_tools"
	ReasonMissingTool    mcpwire.Reason = "missing_tool"
	ReasonSchemaMismatch mcpwire.Reason = "schema_mismatch"
	// ReasonRedirect: a redirect was refused (to another origin with
	// credentials, or more than 10 of them).
	ReasonRedirect mcpwire.Reason = "redirect"
	// ReasonAnonymousAllowed: the server answered without credentials.
	ReasonAnonymousAllowed mcpwire.Reason = "anonymous_allowed"
)

const (
	// maxToolPages bounds tools/list pagination, and maxTools the list.
	maxToolPages = 100
	maxTools     = 10000
	// closeTimeout bounds the DELETE that ends a session: a silent server
	// must not hold the probe.
	closeTimeout = 2 * time.Second
	// labelMax bounds label values taken from the server.
	labelMax = 128
)

// Prober runs probes. It keeps what outlives a single probe: which era and
// transport each (module, target) speaks, so that a stateful server is not
// sent a failing server/discover, nor a legacy one a failing POST, on every
// scrape.
type Prober struct {
	verdicts   *boundedMap[mcpwire.Verdict]
	tokens     *boundedMap[*tokenSource]        // by module, token URL and resource
	discovered *boundedMap[*mcpwire.AuthServer] // by module and target
}

// New returns a Prober.
func New() *Prober {
	return &Prober{
		// An era and transport are detected afresh at least every 10
		// minutes; a token source and a discovered endpoint are rebuilt
		// hourly (see boundedMap).
		verdicts:   newBoundedMap[mcpwire.Verdict](10000).withMaxAge(10 * time.Minute),
		tokens:     newBoundedMap[*tokenSource](1000).withMaxAge(time.Hour),
		discovered: newBoundedMap[*mcpwire.AuthServer](10000).withMaxAge(time.Hour),
	}
}

// Reset drops what was learnt under the previous configuration: era and
// transport verdicts and OAuth2 token sources. Called on config reload.
func (p *Prober) Reset() {
	p.verdicts.reset()
	p.tokens.reset()
	p.discovered.reset()
}

// Probe runs the module's layers against target, registers the resulting
// metrics in registry and reports whether the probe succeeded.
func (p *Prober) Probe(ctx context.Context, target, moduleName string, module config.Module, registry *prometheus.Registry, logger *slog.Logger) bool {
	u, err := url.Parse(target)
	// Whatever the server says is logged and labelled with the probe's
	// credentials masked.
	secrets := newProbeSecrets(module, u)
	ctx = withProbeSecrets(ctx, secrets)
	r := newRun(module, registry, redactLogger(logger, secrets))
	r.secrets = secrets
	defer r.report()

	if err != nil {
		r.fail(LayerConnect, mcpwire.ReasonConnect, err)
		return false
	}
	if module.FailIfNotTLS && u.Scheme != "https" {
		r.fail(LayerConnect, ReasonNotTLS, fmt.Errorf("target scheme is %s, and fail_if_not_tls is set", u.Scheme))
		return false
	}
	// What the prober remembers about this target is kept under key.
	key := moduleName + "\x00" + u.String()
	opts := p.handshakeOptions(module, key)
	tokenURL, ok := p.beforeCredential(ctx, r, moduleName, module, u, key, opts)
	if !ok {
		return false
	}
	ctx, httpClient, err := p.newProbeClient(ctx, moduleName, module, u, tokenURL)
	if err != nil {
		r.fail(LayerConnect, mcpwire.ReasonConnect, err)
		return false
	}
	// Each probe has its own connections: the connect layer measures a real
	// connection, and none outlives the probe.
	defer httpClient.release()

	c := newWireClient(httpClient, module, u, r.logExchange)
	defer c.Close()

	hs, ok := r.handshake(ctx, c, opts)
	r.transport(c.Transport())
	if ok {
		ok = r.tools(ctx, c, hs)
	}
	r.close(ctx, c, hs != nil)
	r.httpStatus(c.LastStatus())
	r.wireFacts(c)
	if g, had := httpClient.token(); had {
		r.logger.Debug("oauth2 token", "fetched_by_this_probe", g.fetched,
			"age_seconds", time.Since(g.FetchedAt()).Seconds(), "expires_in_seconds", time.Until(g.Expiry()).Seconds())
	}
	if module.ProtocolVersion == config.VersionAuto || module.Transport == config.TransportAuto {
		if ok {
			p.verdicts.putFor(key, mcpwire.Verdict{Era: hs.Era, Transport: hs.Transport}, verdictTTL(hs))
		} else {
			p.verdicts.forget(key)
		}
	}
	if !ok && r.authFailed {
		// The discovered token endpoint may be what changed, and the
		// server may no longer take the token (-32001; a 401 drops it at
		// once). A 403 refuses the token's scope, which a new token of the
		// same scope would not change.
		p.discovered.forget(key)
		if c.LastStatus() != http.StatusForbidden {
			httpClient.dropToken()
		}
	}
	return ok
}

// newWireClient is the MCP client of one probe, over hc's connections.
func newWireClient(hc *probeClient, m config.Module, target *url.URL, onExchange func(mcpwire.Exchange)) *mcpwire.Client {
	return &mcpwire.Client{
		HTTP:            hc.Client,
		MaxMessageBytes: int64(m.MaxResponseBytes),
		Endpoint:        target.String(),
		Info:            mcpwire.Implementation{Name: "mcp_exporter", Version: version.Version},
		OnExchange:      onExchange,
	}
}

func (p *Prober) handshakeOptions(m config.Module, key string) mcpwire.HandshakeOptions {
	o := mcpwire.HandshakeOptions{Accept: config.KnownVersions}
	switch m.Transport {
	case config.TransportStreamableHTTP:
		o.Transport = mcpwire.TransportStreamableHTTP
	case config.TransportSSE:
		o.Transport = mcpwire.TransportSSE
	}
	hint, _ := p.verdicts.get(key)
	if m.Transport == config.TransportAuto {
		o.Hint.Transport = hint.Transport
	}
	if len(m.ValidProtocolVersions) > 0 {
		o.Accept = nil
		for _, v := range config.KnownVersions { // newest first
			if slices.Contains(m.ValidProtocolVersions, v) {
				o.Accept = append(o.Accept, v)
			}
		}
	}
	if m.ProtocolVersion != config.VersionAuto {
		o.Pinned = m.ProtocolVersion
	} else {
		o.Hint.Era = hint.Era
	}
	return o
}

// handshake runs the first exchanges. The connect layer is read from the
// trace of the first of them, and the handshake layer's duration is what
// the exchanges took beyond making the connection.
func (r *run) handshake(ctx context.Context, c *mcpwire.Client, o mcpwire.HandshakeOptions) (*mcpwire.Handshake, bool) {
	start := time.Now()
	hs, err := c.Handshake(ctx, o)
	elapsed := time.Since(start)

	conn := c.Conn()
	if reason := mcpwire.ReasonOf(err); reason == mcpwire.ReasonCredentials || reason == mcpwire.ReasonTokenRequest {
		// The credential could not be had: no connection was asked for.
		r.layerDuration(LayerAuth, elapsed)
		r.fail(LayerAuth, reason, err)
		return nil, false
	}
	if mcpwire.ReasonOf(err) == mcpwire.ReasonTimeout && r.module.HTTPClientConfig.OAuth2 != nil && !conn.Requested {
		// The time ran out before a connection was asked for: the token
		// endpoint did not answer.
		r.layerDuration(LayerAuth, elapsed)
		r.fail(LayerAuth, mcpwire.ReasonTokenRequest, fmt.Errorf("no token from the token endpoint within the probe's timeout: %w", err))
		return nil, false
	}
	if !conn.Established {
		r.fail(LayerConnect, connectReason(err), err)
		return nil, false
	}
	if r.credentialed {
		// The credential was had; a refusal of it fails the layer below.
		r.pass(LayerAuth, conn.Credential)
	}
	r.dnsLookup(conn.DNSLookup)
	if conn.TLS != nil {
		r.tlsState(conn.TLS)
	}
	if r.module.FailIfNotTLS && (conn.TLS == nil || errors.Is(err, errPlainRedirect)) {
		r.fail(LayerConnect, ReasonNotTLS, fmt.Errorf("connection is not TLS (redirected to plain HTTP?)"))
		return nil, false
	}
	r.pass(LayerConnect, conn.Duration)
	r.logger.Debug("connected", "duration_seconds", conn.Duration.Seconds(), "dns_seconds", conn.DNSLookup.Seconds(), "tls", conn.TLS != nil)

	hsDuration := elapsed - conn.Credential - conn.Duration
	r.layerDuration(LayerHandshake, hsDuration)
	if err != nil {
		r.fail(LayerHandshake, mcpwire.ReasonOf(err), err)
		return nil, false
	}
	r.pass(LayerHandshake, hsDuration)
	r.handshakeInfo(hs)
	r.logger.Debug("handshake done", "era", hs.Era.String(), "protocol_version", hs.Version,
		"server_name", r.label(hs.Server.Name, labelMax), "server_version", r.label(hs.Server.Version, labelMax),
		"capabilities", hs.Capabilities, "session", c.SessionID() != "")
	return hs, true
}

// connectReason names a failure before any connection was made.
func connectReason(err error) mcpwire.Reason {
	switch reason := mcpwire.ReasonOf(err); reason {
	case mcpwire.ReasonDNS, mcpwire.ReasonConnect, mcpwire.ReasonTLS, mcpwire.ReasonTimeout:
		return reason
	}
	return mcpwire.ReasonConnect
}

// tools lists the tools, hashes them and applies the module's expectations.
func (r *run) tools(ctx context.Context, c *mcpwire.Client, hs *mcpwire.Handshake) bool {
	if !hs.Tools {
		// Without the tools capability, tools/list is not owed.
		r.logger.Debug("server does not advertise the tools capability; tools/list skipped")
		r.toolCount(0)
		r.pass(LayerTools, 0)
		return true
	}
	start := time.Now()
	raw, err := c.ListTools(ctx, maxToolPages, maxTools)
	if err != nil {
		r.layerDuration(LayerTools, time.Since(start))
		r.fail(LayerTools, mcpwire.ReasonOf(err), err)
		return false
	}
	digest, err := canonical.DigestTools(raw)
	raw = nil // tool definitions are hashed and dropped
	elapsed := time.Since(start)
	r.layerDuration(LayerTools, elapsed)
	if err != nil {
		r.fail(LayerTools, mcpwire.ReasonProtocolViolation, fmt.Errorf("tools/list: %w", err))
		return false
	}
	// Tool names must be unique: a client calls tools by name. The names
	// are sorted, so a duplicate is next to its twin; which name it is
	// stays unsaid, like every tool name.
	dups := 0
	for i := 1; i < len(digest.Names); i++ {
		if digest.Names[i] == digest.Names[i-1] {
			dups++
		}
	}
	if dups > 0 {
		r.fail(LayerTools, mcpwire.ReasonProtocolViolation, fmt.Errorf("tools/list: duplicate tool name (%d tools share a name with another)", dups))
		return false
	}
	r.toolDigest(digest)
	r.logger.Debug("tools listed", "tools", digest.Count,
		"schema_sha256", hex.EncodeToString(digest.Schema[:]), "definition_sha256", hex.EncodeToString(digest.Definition[:]))

	m := r.module
	if digest.Count < m.MinTools {
		r.fail(LayerTools, ReasonNoTools, fmt.Errorf("server advertises tools but lists %d, fewer than min_tools %d", digest.Count, m.MinTools))
		return false
	}
	missing := 0
	for _, name := range m.RequiredTools {
		if _, found := slices.BinarySearch(digest.Names, name); !found {
			missing++
		}
	}
	if missing > 0 {
		// Names come from the operator's config, but the prober still
		// reports only how many are missing, not which.
		r.fail(LayerTools, ReasonMissingTool, fmt.Errorf("%d of %d required_tools not listed", missing, len(m.RequiredTools)))
		return false
	}
	if m.ExpectedSchemaHash != "" && m.ExpectedSchemaHash != hex.EncodeToString(digest.Schema[:]) {
		r.fail(LayerTools, ReasonSchemaMismatch, fmt.Errorf("schema hash differs from expected_schema_hash"))
		return false
	}
	r.pass(LayerTools, elapsed)
	return true
}

// close ends the session, if there is one, within the probe's deadline and
// at most closeTimeout. Its failure is reported on the close layer but does
// not fail the probe.
func (r *run) close(ctx context.Context, c *mcpwire.Client, handshakeDone bool) {
	if !r.module.CloseSession || (!handshakeDone && c.SessionID() == "") {
		return // nothing to close, and the layer was not reached
	}
	cctx, cancel := context.WithTimeout(ctx, closeTimeout)
	defer cancel()
	start := time.Now()
	had, err := c.CloseSession(cctx)
	elapsed := time.Since(start)
	switch {
	case !had:
		r.pass(LayerClose, 0)
	case err != nil:
		r.layerDuration(LayerClose, elapsed)
		r.logger.Info("closing the session failed; the probe is not failed for it", "err", err)
	default:
		r.pass(LayerClose, elapsed)
	}
}
