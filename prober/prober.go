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
	"crypto/sha256"
	"crypto/tls"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"sync/atomic"
	"time"

	"github.com/prometheus/common/version"
	"go.opentelemetry.io/otel/trace"

	"github.com/mcp-exporter/mcp_exporter/config"
	"github.com/mcp-exporter/mcp_exporter/internal/canonical"
	"github.com/mcp-exporter/mcp_exporter/internal/credentials"
	"github.com/mcp-exporter/mcp_exporter/internal/failure"
	"github.com/mcp-exporter/mcp_exporter/internal/oauthdiscovery"
	"github.com/mcp-exporter/mcp_exporter/internal/protocol"
	"github.com/mcp-exporter/mcp_exporter/prober/mcpwire"
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
	sources    *boundedMap[*credentials.Source]        // by module, token URL and resource
	tokens     *credentials.Sources                    // the OAuth2 token sources, kept in sources
	discovered *boundedMap[*oauthdiscovery.AuthServer] // by module and target
	now        func() time.Time                        // the clock of what outlives a probe
	http       httpModules                             // each module's HTTP machinery
	tracer     atomic.Pointer[tracerRef]               // nil: tracing off (spans.go)
}

// New returns a Prober on the system's clock.
func New() *Prober { return NewWithClock(time.Now) }

// NewWithClock returns a Prober whose memory (verdicts, token sources,
// discovered endpoints) and OAuth2 tokens (lifetimes, renewals, back-offs)
// age by now.
func NewWithClock(now func() time.Time) *Prober {
	p := &Prober{
		now: now,
		// An era and transport are detected afresh at least every 10
		// minutes; a token source and a discovered endpoint are rebuilt
		// hourly (see boundedMap).
		verdicts:   newBoundedMap[mcpwire.Verdict](10000).withMaxAge(10 * time.Minute),
		sources:    newBoundedMap[*credentials.Source](1000).withMaxAge(time.Hour),
		discovered: newBoundedMap[*oauthdiscovery.AuthServer](10000).withMaxAge(time.Hour),
	}
	p.verdicts.now, p.sources.now, p.discovered.now = now, now, now
	p.tokens = credentials.NewSources(credentials.Options{
		Now: now,
		// Token requests are marked like every request of a probe: a
		// token_url pointed at an exporter's /probe is refused there as a
		// loop. No traceparent: a fetch belongs to no one probe.
		Mark:  func(rt http.RoundTripper) http.RoundTripper { return markProbeRequests(rt, nil, nil) },
		Cache: p.sources.getOrBuild,
	})
	return p
}

// Reset drops what was learnt under the previous configuration: era and
// transport verdicts and OAuth2 token sources. Called on config reload.
func (p *Prober) Reset() {
	p.verdicts.reset()
	p.sources.reset()
	p.discovered.reset()
	p.http.reset()
}

// Request is one probe to run: the module (and its name, which keys what
// the prober keeps) against the target, logging to Logger.
type Request struct {
	ModuleName string
	Module     config.Module
	Target     string
	Logger     *slog.Logger
	// TraceID is the probe's trace (see TraceID); zero makes a new one,
	// added to Logger's lines as trace_id. A caller that sets it logs it.
	TraceID TraceID
}

// probe is one probe in progress: what every step needs, and what the
// steps pass on to each other.
type probe struct {
	prober  *Prober
	name    string         // the module's
	module  *config.Module // the Request's: a probe does not change it
	target  *url.URL
	key     string // what the prober keeps about the target is kept under it
	opts    mcpwire.HandshakeOptions
	secrets *credentials.Secrets // masked in the server's strings
	logger  *slog.Logger
	// source is whether the logger's records need their call site (see
	// logAttrs).
	source bool
	result *Result
	trace  probeTrace // the probe's W3C trace context
	layers []*layerSpec
	// tracer and span are the probe's tracer and root span, nil with
	// tracing off (spans.go).
	tracer trace.Tracer
	span   trace.Span

	credentialed bool
	authFailed   bool // a failure was the credential's
	failed       bool

	challenge []string             // the auth wall's refusal, for discovery
	tokenURL  credentials.Endpoint // the OAuth2 token endpoint, configured or discovered

	// The first exchange (the handshake) is made once and read by the
	// auth, connect and handshake layers.
	opened bool
	first  firstExchange
	http   *probeClient
	wire   *mcpwire.Client
	hs     *mcpwire.Handshake // nil unless the handshake passed

	// toCall is the tool_call tool as tools/list listed it, until the
	// tool_call layer calls it; nil when not listed.
	toCall *mcpwire.ListedTool
}

// firstExchange is what the handshake met.
type firstExchange struct {
	hs      *mcpwire.Handshake
	err     error
	elapsed time.Duration
	conn    mcpwire.ConnInfo
	// firstByte is a stdio server's time from its start to its first
	// byte on stdout; 0 when none came or the module is not stdio.
	firstByte time.Duration
}

// Probe runs the module's layers against the target and returns what it
// found.
func (p *Prober) Probe(ctx context.Context, req *Request) *Result {
	start := time.Now()
	pr, ctx, err := p.newProbe(ctx, req)
	pr.result.Success = pr.run(ctx, err)
	pr.result.Duration = time.Since(start)
	pr.endProbeSpan()
	return pr.result
}

// newProbe sets up the probe of req, and its context.
func (p *Prober) newProbe(ctx context.Context, req *Request) (*probe, context.Context, error) {
	u, err := url.Parse(req.Target)
	// Whatever the server says is logged and labelled with the probe's
	// credentials masked.
	secrets := credentials.NewSecrets(req.Module, u)
	ctx = credentials.WithSecrets(ctx, secrets)
	logger := req.Logger
	traceID := req.TraceID
	if traceID.IsZero() {
		traceID = NewTraceID()
		logger = logger.With("trace_id", traceID.String())
	}
	pr := &probe{
		prober:       p,
		name:         req.ModuleName,
		module:       &req.Module,
		target:       u,
		secrets:      secrets,
		logger:       credentials.RedactLogger(logger, secrets),
		source:       showsSource(logger),
		result:       &Result{TraceID: traceID, OverHTTP: req.Module.TransportKind() == protocol.KindHTTP},
		credentialed: len(req.Module.Credentials()) > 0,
	}
	pr.trace.init(traceID)
	pr.result.Requests = pr.result.requests[:0]
	pr.layers = moduleLayers(pr.module)
	pr.result.Layers = make([]LayerResult, len(pr.layers), len(pr.layers)+1)
	for i, l := range pr.layers {
		pr.result.Layers[i].Name = l.name
	}
	ctx = pr.startProbeSpan(ctx, req.ModuleName, traceID)
	return pr, ctx, err
}

// run checks the target, then runs the layers in order: after a failure,
// only those that clean up.
func (pr *probe) run(ctx context.Context, parseErr error) bool {
	if !pr.prepare(parseErr) {
		return false
	}
	defer pr.release()
	ok := true
	for _, l := range pr.layers {
		if ok || l.afterFailure {
			ok = pr.runLayer(ctx, l) && ok
		}
	}
	pr.finish(ok)
	pr.credentialFacts()
	return ok
}

// prepare checks the target and reads what the prober knows of it; false
// fails the probe.
func (pr *probe) prepare(parseErr error) bool {
	if parseErr != nil {
		pr.fail(LayerConnect, 0, failure.ReasonConnect, parseErr)
		return false
	}
	if pr.module.FailIfNotTLS && pr.target.Scheme != "https" {
		pr.fail(LayerConnect, 0, failure.ReasonNotTLS, fmt.Errorf("target scheme is %s, and fail_if_not_tls is set", pr.target.Scheme))
		return false
	}
	pr.key = pr.name + "\x00" + pr.target.String()
	pr.opts = pr.prober.handshakeOptions(*pr.module, pr.key)
	if !pr.module.OAuth2Discovery {
		pr.tokenURL = credentials.ConfiguredEndpoint(*pr.module)
	}
	return true
}

// open makes the probe's first exchange, the handshake, once. It reports
// false when the probe's HTTP client could not be built.
func (pr *probe) open(ctx context.Context) bool {
	if pr.opened {
		return pr.wire != nil
	}
	pr.opened = true
	if pr.module.TransportKind() == protocol.KindProcess {
		pr.openProcess(ctx)
		return true
	}
	return pr.openHTTP(ctx)
}

func (pr *probe) openProcess(ctx context.Context) {
	pr.wire = newStdioClient(*pr.module, pr.logExchange)
	pr.wire.Requests = (*requestTracer)(pr)
	start := time.Now()
	hs, err := pr.wire.Handshake(ctx, &pr.opts)
	info, _ := pr.wire.Process()
	pr.first = firstExchange{hs: hs, err: err, elapsed: time.Since(start), firstByte: info.FirstByte}
}

func (pr *probe) openHTTP(ctx context.Context) bool {
	if !pr.newWire() {
		return false
	}
	pr.firstHandshake(ctx)
	return true
}

// newWire gives the probe its HTTP client and wire client.
func (pr *probe) newWire() bool {
	hc, err := pr.newClient(pr.module, pr.tokenURL)
	if err != nil {
		pr.fail(LayerConnect, 0, failure.ReasonConnect, err)
		return false
	}
	// Each probe has its own connections: the connect layer measures a real
	// connection, and none outlives the probe.
	pr.http = hc
	pr.wire = newWireClient(hc, pr.module, pr.target, pr.logExchange)
	pr.wire.Requests = (*requestTracer)(pr)
	return true
}

// firstHandshake runs the handshake and keeps what it met in pr.first.
func (pr *probe) firstHandshake(ctx context.Context) {
	start := time.Now()
	hs, err := pr.wire.Handshake(ctx, &pr.opts)
	f := &pr.first
	f.hs, f.err, f.elapsed = hs, err, time.Since(start)
	pr.noteFirstConn()
}

// noteFirstConn keeps what the first exchange's connection met.
func (pr *probe) noteFirstConn() {
	pr.first.conn = pr.wire.Conn()
}

// release ends the probe's wire client and connections.
func (pr *probe) release() {
	if pr.wire != nil {
		pr.wire.Close()
	}
	if pr.http != nil {
		pr.http.release()
	}
}

// finish records what is known once the layers ran, and keeps or forgets
// what the prober learnt about the target.
func (pr *probe) finish(ok bool) {
	if pr.wire == nil {
		return
	}
	c, p := pr.wire, pr.prober
	pr.result.Transport = c.Answered()
	pr.result.HTTPStatus = c.LastStatus()
	pr.wireFacts()
	if pr.http == nil {
		return // a process: no HTTP client, no token
	}
	if g, had := pr.http.token(); had {
		pr.logger.Debug("oauth2 token", "fetched_by_this_probe", g.FetchedThisProbe(),
			"age_seconds", time.Since(g.FetchedAt()).Seconds(), "expires_in_seconds", time.Until(g.Expiry()).Seconds())
	}
	if pr.module.ProtocolVersion == protocol.VersionAuto || pr.module.Transport == protocol.TransportAuto {
		if ok {
			p.verdicts.putFor(pr.key, mcpwire.Verdict{Era: pr.hs.Era, Transport: pr.hs.Transport}, verdictTTL(pr.hs))
		} else {
			p.verdicts.forget(pr.key)
		}
	}
	if !ok && pr.authFailed {
		// The discovered token endpoint may be what changed, and the
		// server may no longer take the token (-32001; a 401 drops it at
		// once). A 403 refuses the token's scope, which a new token of the
		// same scope would not change.
		p.discovered.forget(pr.key)
		if c.LastStatus() != http.StatusForbidden {
			pr.http.dropToken()
		}
	}
}

// newWireClient is the MCP client of one probe, over hc's connections.
func newWireClient(hc *probeClient, m *config.Module, target *url.URL, onExchange func(mcpwire.Exchange)) *mcpwire.Client {
	c := &mcpwire.Client{
		HTTP:            hc.Client,
		MaxMessageBytes: int64(m.MaxResponseBytes),
		Endpoint:        target.String(),
		Info:            mcpwire.Implementation{Name: "mcp_exporter", Version: version.Version},
		OnExchange:      onExchange,
	}
	if hc.marker != nil {
		c.Mark = hc.marker.mark
	}
	if hc.trace != nil {
		c.TraceContext = hc.trace
	}
	return c
}

// handshakeOptions are the module's transport and revisions for the wire
// client, which speaks the configuration's names (internal/protocol): a
// module's "auto" leaves the choice to detection, hinted by what an
// earlier probe of the target found.
func (p *Prober) handshakeOptions(m config.Module, key string) mcpwire.HandshakeOptions {
	o := mcpwire.HandshakeOptions{Accept: protocol.KnownVersions}
	hint, _ := p.verdicts.get(key)
	if m.Transport == protocol.TransportAuto {
		o.Hint.Transport = hint.Transport
	} else {
		o.Transport = m.Transport
	}
	if len(m.ValidProtocolVersions) > 0 {
		o.Accept = nil
		for _, v := range protocol.KnownVersions { // newest first
			if slices.Contains(m.ValidProtocolVersions, v) {
				o.Accept = append(o.Accept, v)
			}
		}
	}
	if m.ProtocolVersion != protocol.VersionAuto {
		o.Pinned = m.ProtocolVersion
	} else {
		o.Hint.Era = hint.Era
	}
	return o
}

// auth reads the credential's fate from the first exchange: the auth
// layer passes once the credential was had (how long that took is its
// duration); a refusal of it later fails this layer too (see record).
func (pr *probe) auth(ctx context.Context) bool {
	if !pr.open(ctx) {
		return false
	}
	x := pr.first
	if reason := failure.ReasonOf(x.err); reason == failure.ReasonCredentials || reason == failure.ReasonTokenRequest {
		// The credential could not be had: no connection was asked for.
		pr.fail(LayerAuth, x.elapsed, reason, x.err)
		return false
	}
	if failure.ReasonOf(x.err) == failure.ReasonTimeout && pr.module.HTTPClientConfig.OAuth2 != nil && !x.conn.Requested {
		// The time ran out before a connection was asked for: the token
		// endpoint did not answer.
		pr.fail(LayerAuth, x.elapsed, failure.ReasonTokenRequest, fmt.Errorf("no token from the token endpoint within the probe's timeout: %w", x.err))
		return false
	}
	if x.conn.Established {
		pr.pass(LayerAuth, x.conn.Credential)
	}
	return true // without a connection, the connect layer fails
}

// connect reads the connection from the trace of the first exchange.
func (pr *probe) connect(ctx context.Context) bool {
	if !pr.open(ctx) {
		return false
	}
	return pr.connected(ctx)
}

// connected judges the connection the first exchange made.
func (pr *probe) connected(ctx context.Context) bool {
	x := &pr.first
	if !x.conn.Established {
		pr.fail(LayerConnect, 0, connectReason(x.err), x.err)
		return false
	}
	conn := &ConnectionResult{DNSLookup: x.conn.DNSLookup}
	if x.conn.TLS != nil {
		conn.TLS = tlsResult(x.conn.TLS)
	}
	pr.result.Connection = conn
	if pr.module.FailIfNotTLS && (x.conn.TLS == nil || errors.Is(x.err, errPlainRedirect)) {
		pr.fail(LayerConnect, 0, failure.ReasonNotTLS, fmt.Errorf("connection is not TLS (redirected to plain HTTP?)"))
		return false
	}
	pr.pass(LayerConnect, x.conn.Duration)
	logAttrs(ctx, pr.logger, pr.source, slog.LevelDebug, "connected", slog.Float64("duration_seconds", x.conn.Duration.Seconds()),
		slog.Float64("dns_seconds", x.conn.DNSLookup.Seconds()), slog.Bool("tls", x.conn.TLS != nil))
	return true
}

// tlsResult describes a TLS connection: its version and the earliest
// expiry among the certificates the server presented.
func tlsResult(cs *tls.ConnectionState) *TLSResult {
	t := &TLSResult{Version: tls.VersionName(cs.Version)}
	for i, cert := range cs.PeerCertificates {
		if i == 0 || cert.NotAfter.Before(t.EarliestCertExpiry) {
			t.EarliestCertExpiry = cert.NotAfter
		}
	}
	return t
}

// handshake is the first exchange beyond making the connection: its
// duration is what the exchange took beyond getting the credential and
// connecting.
func (pr *probe) handshake(ctx context.Context) bool {
	if !pr.open(ctx) {
		return false
	}
	x := pr.first
	d := x.elapsed - x.conn.Credential - x.conn.Duration - x.firstByte
	if x.err != nil {
		pr.fail(LayerHandshake, d, failure.ReasonOf(x.err), x.err)
		return false
	}
	pr.pass(LayerHandshake, d)
	pr.hs = x.hs
	pr.result.Server = pr.serverResult(x.hs)
	// The server's strings as labels have them: masked as one group, which
	// the log record's own masking, with some of them masked already,
	// could no longer see whole.
	srv := pr.result.Server
	logAttrs(ctx, pr.logger, pr.source, slog.LevelDebug, "handshake done", slog.String("era", x.hs.Era.String()), slog.String("protocol_version", srv.ProtocolVersion),
		slog.String("server_name", srv.Name), slog.String("server_version", srv.Version),
		slog.Any("capabilities", srv.Capabilities), slog.Bool("session", pr.wire.SessionID() != ""))
	return true
}

// serverResult is the handshake's outcome as label values: the specified
// capabilities first, at most maxCapabilities. The server's strings are
// masked as one group (probeSecrets.RedactGroup): they are shown together,
// in the scrape and in the handshake's log record, so a credential split
// over them is found.
func (pr *probe) serverResult(hs *mcpwire.Handshake) *ServerResult {
	texts := make([]string, 3, 3+min(len(hs.Capabilities), maxCapabilityNames))
	texts[0], texts[1], texts[2] = hs.Version, hs.Server.Name, hs.Server.Version
	for _, specified := range []bool{true, false} {
		for _, name := range hs.Capabilities {
			if len(texts) < cap(texts) && slices.Contains(specifiedCapabilities, name) == specified {
				texts = append(texts, name)
			}
		}
	}
	pr.secrets.RedactGroup(texts)
	s := &ServerResult{
		ProtocolVersion: mcpwire.Sanitize(texts[0], 32),
		Name:            mcpwire.Sanitize(texts[1], labelMax),
		Version:         mcpwire.Sanitize(texts[2], labelMax),
	}
	// Like the series they become, capabilities that read the same once
	// sanitized are one; each still counts towards the bound.
	n := 0
	for _, name := range texts[3:] {
		if label := mcpwire.Sanitize(name, 64); label != "" && n < maxCapabilities {
			n++
			if !slices.Contains(s.Capabilities, label) {
				s.Capabilities = append(s.Capabilities, label)
			}
		}
	}
	return s
}

// maxCapabilityNames bounds the capability names of a handshake that are
// read at all (maxCapabilities of them become series).
const maxCapabilityNames = 256

// connectReason names a failure before any connection was made.
func connectReason(err error) failure.Reason {
	switch reason := failure.ReasonOf(err); reason {
	case failure.ReasonDNS, failure.ReasonConnect, failure.ReasonTLS, failure.ReasonTimeout:
		return reason
	}
	return failure.ReasonConnect
}

// tools lists the tools, hashes them and applies the module's expectations.
func (pr *probe) tools(ctx context.Context) bool {
	hs := pr.hs
	if !hs.Tools {
		// Without the tools capability, tools/list is not owed.
		pr.logger.Debug("server does not advertise the tools capability; tools/list skipped")
		pr.result.Tools = &ToolsResult{}
		pr.pass(LayerTools, 0)
		return true
	}
	start := time.Now()
	raw, err := pr.wire.ListTools(ctx, maxToolPages, maxTools)
	if err != nil {
		pr.fail(LayerTools, time.Since(start), failure.ReasonOf(err), err)
		return false
	}
	return pr.toolsListed(ctx, raw, start)
}

// toolsListed hashes the tools listed (raw, asked for at start) and
// applies the module's expectations. tools's second half, in a function of
// its own so that tools's frame is small while it waits for the list.
func (pr *probe) toolsListed(ctx context.Context, raw []json.RawMessage, start time.Time) bool {
	if tc := pr.module.ToolCall; tc != nil {
		// Of the definitions, only what the call needs of its tool stays.
		pr.toCall = mcpwire.FindTool(raw, tc.Name)
	}
	digest, err := canonical.DigestTools(raw)
	raw = nil // tool definitions are hashed and dropped
	elapsed := time.Since(start)
	if err != nil {
		pr.fail(LayerTools, elapsed, failure.ReasonProtocolViolation, fmt.Errorf("tools/list: %w", err))
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
		pr.fail(LayerTools, elapsed, failure.ReasonProtocolViolation, fmt.Errorf("tools/list: duplicate tool name (%d tools share a name with another)", dups))
		return false
	}
	pr.result.Tools = &ToolsResult{Count: digest.Count, Digest: &digest, ListBytes: pr.wire.ResultBytes("tools/list")}
	var buf [4 * sha256.Size]byte
	hexes := string(hex.AppendEncode(hex.AppendEncode(buf[:0], digest.Schema[:]), digest.Definition[:]))
	logAttrs(ctx, pr.logger, pr.source, slog.LevelDebug, "tools listed", slog.Int("tools", digest.Count),
		slog.String("schema_sha256", hexes[:2*sha256.Size]), slog.String("definition_sha256", hexes[2*sha256.Size:]))

	m := pr.module
	if digest.Count < m.MinTools {
		pr.fail(LayerTools, elapsed, failure.ReasonNoTools, fmt.Errorf("server advertises tools but lists %d, fewer than min_tools %d", digest.Count, m.MinTools))
		return false
	}
	for _, name := range m.RequiredTools {
		if _, found := slices.BinarySearch(digest.Names, name); !found {
			pr.result.Tools.Missing = append(pr.result.Tools.Missing, name)
		}
	}
	if missing := len(pr.result.Tools.Missing); missing > 0 {
		// Names come from the operator's config, but the probe's log
		// still says only how many are missing, not which.
		pr.fail(LayerTools, elapsed, failure.ReasonMissingTool, fmt.Errorf("%d of %d required_tools not listed", missing, len(m.RequiredTools)))
		return false
	}
	if m.ExpectedSchemaHash != "" && m.ExpectedSchemaHash != hex.EncodeToString(digest.Schema[:]) {
		pr.fail(LayerTools, elapsed, failure.ReasonSchemaMismatch, fmt.Errorf("schema hash differs from expected_schema_hash"))
		return false
	}
	pr.pass(LayerTools, elapsed)
	return true
}

// close ends the session, if there is one, within the probe's deadline and
// at most closeTimeout. Its failure is reported on the close layer but does
// not fail the probe.
func (pr *probe) close(ctx context.Context) bool {
	if pr.module.TransportKind() == protocol.KindProcess {
		return pr.endProcess(ctx)
	}
	c := pr.wire
	if c == nil || (pr.hs == nil && c.SessionID() == "") {
		return true // nothing to close, and the layer was not reached
	}
	cctx, cancel := context.WithTimeout(ctx, closeTimeout)
	defer cancel()
	start := time.Now()
	had, err := c.CloseSession(cctx)
	elapsed := time.Since(start)
	switch {
	case !had:
		pr.pass(LayerClose, 0)
	case err != nil:
		pr.record(LayerResult{Name: LayerClose, Outcome: Failed, Duration: max(elapsed, 0), Err: err})
		pr.logger.Info("closing the session failed; the probe is not failed for it", "err", err)
	default:
		pr.pass(LayerClose, elapsed)
	}
	return true
}
