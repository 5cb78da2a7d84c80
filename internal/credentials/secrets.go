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

package credentials

import (
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"os"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	promconfig "github.com/prometheus/common/config"

	"github.com/mcp-exporter/mcp_exporter/config"
)

// A server may echo the credential it received (as its name, a capability,
// an error message); whatever it says passes through the probe's secrets
// before it becomes a label value or a log value.
const (
	// RedactedMask replaces a credential in a server's string.
	RedactedMask = "<redacted>"
	// minSecretLen: a credential shorter than this is masked only where it
	// is a whole string, not inside others: a one-letter password must not
	// wreck every string that holds the letter.
	minSecretLen = 4
	// maxSecretFileBytes bounds what is read of a credential file.
	maxSecretFileBytes = 64 << 10
)

// Secrets are the credentials of one probe: the module's static ones,
// read when the probe starts, and the values its requests actually carried
// (an OAuth2 token, a rotated file), recorded as they are sent. Redact
// masks all of them. A nil *Secrets masks nothing.
type Secrets struct {
	headers []string // header names whose values are credentials
	// trace records the credential headers written; WithSecrets puts
	// it in the probe's context.
	trace httptrace.ClientTrace

	mu sync.Mutex
	// forms are masked whole and in pieces, whole only whole (addForms);
	// both ASCII-lower-cased, each once, only ever appended to.
	forms, whole []string
	// added are the values add was given, as they were.
	added []string
	// index holds the grams of forms[:indexed] (see snapshot).
	index   gramIndex
	indexed int
}

type probeSecretsKey struct{}

// WithSecrets returns ctx carrying s, for credentialRecorder, and a
// trace that records into s the credential headers each request of the
// probe writes on the wire (see credentialRecorder). The trace is set once
// for the probe rather than on each request.
func WithSecrets(ctx context.Context, s *Secrets) context.Context {
	ctx = context.WithValue(ctx, probeSecretsKey{}, s)
	s.trace = httptrace.ClientTrace{WroteHeaderField: s.recordHeader}
	return httptrace.WithClientTrace(ctx, &s.trace)
}

// credentialHeaders are the header names that always carry credentials.
// NewSecrets shares the array; appending to a probe's list copies it.
var credentialHeaders = []string{"Authorization", "Proxy-Authorization"}

// NewSecrets collects the credentials of module m and of target's
// userinfo.
func NewSecrets(m config.Module, target *url.URL) *Secrets {
	s := &Secrets{headers: credentialHeaders[:len(credentialHeaders):len(credentialHeaders)]}
	hc := m.HTTPClientConfig
	if a := hc.Authorization; a != nil {
		creds := string(a.Credentials) + readSecretFile(a.CredentialsFile)
		s.add(creds)
		if creds != "" {
			s.add(a.Type + " " + creds) // as prometheus/common writes it
		}
	}
	s.add(string(hc.BearerToken))
	s.add(readSecretFile(hc.BearerTokenFile))
	if b := hc.BasicAuth; b != nil {
		user := b.Username + readSecretFile(b.UsernameFile)
		pass := string(b.Password) + readSecretFile(b.PasswordFile)
		s.addUserPassword(user, pass)
	}
	if o := hc.OAuth2; o != nil {
		secret := string(o.ClientSecret) + readSecretFile(o.ClientSecretFile)
		s.add(secret)
		// RFC 6749 §2.3.1: form-encoded inside the basic credentials.
		s.addUserPassword(url.QueryEscape(o.ClientID), url.QueryEscape(secret))
		s.addProxy(o.ProxyConfig)
	}
	if w := m.OAuth2WorkloadIdentity; w != nil {
		// The platform's token, as it is now: the one this probe's token
		// request (if it makes one) presents, unless it rotates meanwhile.
		s.add(readSecretFile(w.AssertionFile))
	}
	if h := hc.HTTPHeaders; h != nil {
		for name, v := range h.Headers {
			s.headers = append(s.headers, name)
			for _, x := range v.Values {
				s.add(x)
			}
			for _, x := range v.Secrets {
				s.add(string(x))
			}
			for _, f := range v.Files {
				s.add(readSecretFile(f))
			}
		}
	}
	s.addProxy(hc.ProxyConfig)
	for _, v := range m.Env {
		// A stdio server's environment is where its tokens go; what it
		// says (stderr lines in the log included) is masked for them.
		s.add(v)
	}
	if target != nil && target.User != nil {
		pass, _ := target.User.Password()
		s.addUserPassword(target.User.Username(), pass)
	}
	return s
}

func (s *Secrets) addProxy(p promconfig.ProxyConfig) {
	if p.ProxyURL.URL != nil && p.ProxyURL.User != nil {
		pass, _ := p.ProxyURL.User.Password()
		s.addUserPassword(p.ProxyURL.User.Username(), pass)
	}
	for _, vs := range p.ProxyConnectHeader {
		for _, v := range vs {
			s.add(string(v))
		}
	}
}

// addUserPassword adds a password, user:password and its base64 (the
// basic credentials on the wire).
func (s *Secrets) addUserPassword(user, pass string) {
	if pass == "" {
		return
	}
	s.add(pass)
	s.addForms(user+":"+pass, false)
	basic := base64.StdEncoding.EncodeToString([]byte(user + ":" + pass))
	s.add(basic)
	s.add("Basic " + basic) // as it is written on the wire
}

// readSecretFile reads a credential file as prometheus/common does
// (surrounding space trimmed); "" when there is none or it cannot be read.
func readSecretFile(path string) string {
	if path == "" {
		return ""
	}
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	b, _ := io.ReadAll(io.LimitReader(f, maxSecretFileBytes))
	return strings.TrimSpace(string(b))
}

// add records credential v: v itself, and, for a header value with a
// scheme ("Bearer <token>", "Basic <base64>"), what follows the scheme and,
// for basic, the decoded user:password and the password alone.
func (s *Secrets) add(v string) {
	v = strings.TrimSpace(v)
	if s == nil || v == "" || s.seen(v) {
		return
	}
	s.addNew(v)
}

// seen reports whether v was added before, and notes it. A probe's
// credential headers are recorded on every request as they are written
// (WroteHeaderField, at the bottom of the probe's stack), and NewSecrets
// adds the configured ones as they are written, so that a request only
// finds them there.
func (s *Secrets) seen(v string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if slices.Contains(s.added, v) {
		return true
	}
	s.added = append(s.added, v)
	return false
}

// addNew is add for a value not seen before.
func (s *Secrets) addNew(v string) {
	scheme, rest, ok := strings.Cut(v, " ")
	ok = ok && isSchemeWord(scheme)
	// A value with a scheme is masked whole; its secret part, below, is
	// masked in pieces too.
	s.addForms(v, !ok)
	if !ok {
		return
	}
	rest = strings.TrimSpace(rest)
	s.addForms(rest, true)
	if strings.EqualFold(scheme, "basic") {
		if dec, err := base64.StdEncoding.DecodeString(rest); err == nil {
			s.addForms(string(dec), false)
			if _, pass, ok := strings.Cut(string(dec), ":"); ok {
				s.addForms(pass, true)
			}
		}
	}
}

// isSchemeWord reports whether w reads as an HTTP authentication scheme
// (Bearer, Basic, DPoP, Token): letters only, at most 16.
func isSchemeWord(w string) bool {
	if w == "" || len(w) > 16 {
		return false
	}
	for i := 0; i < len(w); i++ {
		if c := w[i] | 0x20; c < 'a' || c > 'z' {
			return false
		}
	}
	return true
}

// addForms records v as it is and as it looks percent-encoded or inside a
// JSON string, where an error text or a URL may quote it. With pieces, its
// runs are masked too (RedactGroup); without, only v whole: a form that
// holds a part that is no secret (the user of user:password, a scheme),
// whose secret part is recorded on its own.
func (s *Secrets) addForms(v string, pieces bool) {
	forms := [...]string{v, url.QueryEscape(v), url.PathEscape(v), jsonForm(v)}
	s.mu.Lock()
	defer s.mu.Unlock()
	list := &s.whole
	if pieces {
		list = &s.forms
	}
	for _, f := range forms {
		f = asciiLower(f)
		if f != "" && !slices.Contains(*list, f) {
			*list = append(*list, f)
		}
	}
}

// jsonForm is v as encoding/json writes it inside a JSON string, HTML
// characters escaped (json.Marshal's output without its quotes). Written
// out rather than through json.Marshal: it runs while net/http writes a
// request's headers (WroteHeaderField), at the bottom of a probe's stack.
func jsonForm(v string) string {
	const hex = "0123456789abcdef"
	var b []byte // nil while v needs no escape
	start := 0
	for i := 0; i < len(v); {
		c := v[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
				i++
				continue
			}
			b = append(b, v[start:i]...)
			switch c {
			case '\\', '"':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(v[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(append(b, v[start:i]...), `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			b = append(append(b, v[start:i]...), '\\', 'u', '2', '0', '2', hex[r&0xF])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	if b == nil {
		return v
	}
	return string(append(b, v[start:]...))
}

// recordHeader records the values of header name if it carries a
// credential.
func (s *Secrets) recordHeader(name string, values []string) {
	for _, h := range s.headers {
		if strings.EqualFold(h, name) {
			for _, v := range values {
				s.add(v)
			}
			return
		}
	}
}

// Known reports whether the probe has any credential to mask.
func (s *Secrets) Known() bool {
	if s == nil {
		return false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.forms)+len(s.whole) > 0
}

// Redact returns text with every credential of the probe masked, as
// RedactGroup masks a group of one.
func (s *Secrets) Redact(text string) string {
	if s == nil || text == "" {
		return text
	}
	one := [1]string{text}
	s.RedactGroup(one[:])
	return one[0]
}

// RedactGroup replaces, in place, every credential of the probe in texts,
// strings shown together (the label values of one series, the strings of
// one log record), by RedactedMask. Matching ignores ASCII case; a
// credential is each form addForms records.
//
//   - A credential shorter than minSecretLen bytes is masked only where it
//     is a whole (trimmed) text: a one-letter password must not wreck
//     every string that holds the letter.
//   - Any run of at least pieceLen(n) bytes of a credential of n bytes is
//     masked wherever it is: the credential, a cut-off start, a middle.
//   - Shorter runs of at least minSecretLen bytes spread over the texts
//     are masked when together they cover pieceLen(n) bytes of one
//     credential: a server that returns half a token as its name and the
//     rest as its version has both halves masked.
//
// Runs shorter than minSecretLen bytes each, and credentials a server
// transforms (reverses, re-encodes), are not recognised.
func (s *Secrets) RedactGroup(texts []string) {
	if s == nil {
		return
	}
	forms, whole, index := s.snapshot()
	if len(forms)+len(whole) == 0 {
		return
	}
	lowers := make([]string, len(texts))
	for i, t := range texts {
		lowers[i] = asciiLower(t)
	}
	spans := make([][][2]int, len(texts))
	var pieces []credentialPiece
	for ti, lower := range lowers {
		trimmed := strings.TrimSpace(lower)
		for _, list := range [2][]string{forms, whole} {
			for _, f := range list {
				if len(f) < minSecretLen && trimmed == f {
					spans[ti] = append(spans[ti], [2]int{0, len(lower)})
				}
			}
		}
		for _, f := range whole {
			for at := 0; len(f) >= minSecretLen; {
				i := strings.Index(lower[at:], f)
				if i < 0 {
					break
				}
				spans[ti] = append(spans[ti], [2]int{at + i, at + i + len(f)})
				at += i + 1
			}
		}
		pieces = index.pieces(pieces, ti, lower, forms)
	}
	if len(pieces) > 0 {
		// Per credential, the short runs count if together they cover
		// pieceLen bytes of it.
		covered := map[int][]bool{}
		for _, p := range pieces {
			if p.short {
				c := covered[p.form]
				if c == nil {
					c = make([]bool, len(forms[p.form]))
					covered[p.form] = c
				}
				for k := p.at; k < p.at+p.end-p.start; k++ {
					c[k] = true
				}
			}
		}
		for _, p := range pieces {
			if p.short {
				n := 0
				for _, b := range covered[p.form] {
					if b {
						n++
					}
				}
				if n < pieceLen(len(forms[p.form])) {
					continue
				}
			}
			spans[p.text] = append(spans[p.text], [2]int{p.start, p.end})
		}
	}
	for ti, sp := range spans {
		if len(sp) > 0 {
			texts[ti] = mask(texts[ti], sp)
		}
	}
}

// pieceLen is how long a run of a credential of n bytes (n at least
// minSecretLen) must be to be masked on its own: half of it, at least
// minSecretLen and at most 8 bytes, so that no 8 bytes of a long token
// leave.
func pieceLen(n int) int {
	return min(maxPieceLen, max(minSecretLen, (n+1)/2))
}

// maxPieceLen: a run of this many bytes of any credential is masked.
const maxPieceLen = 8

// mask replaces the spans of text (byte offsets, any order, overlapping
// or not) by RedactedMask.
func mask(text string, spans [][2]int) string {
	slices.SortFunc(spans, func(a, b [2]int) int { return a[0] - b[0] })
	var b strings.Builder
	last := 0
	for _, sp := range spans {
		if sp[1] <= last {
			continue
		}
		if sp[0] >= last {
			b.WriteString(text[last:sp[0]])
			b.WriteString(RedactedMask)
		}
		last = sp[1]
	}
	b.WriteString(text[last:])
	return b.String()
}

// credentialPiece is a run of credential form bytes found in a text:
// text[start:end] equals forms[form][at:at+end-start] (ASCII case aside);
// short when it is too short to be masked on its own.
type credentialPiece struct {
	text, start, end int
	form, at         int
	short            bool
}

// gramIndex finds runs of the credentials in a text: for every
// minSecretLen-byte gram of every form, where it occurs.
type gramIndex map[[minSecretLen]byte][]gramAt

type gramAt struct{ form, at int }

// pieces appends the maximal runs of at least minSecretLen bytes that
// lower (an ASCII-lower-cased text, number ti) shares with the forms.
func (ix gramIndex) pieces(out []credentialPiece, ti int, lower string, forms []string) []credentialPiece {
	var key [minSecretLen]byte
	for i := 0; i+minSecretLen <= len(lower); i++ {
		copy(key[:], lower[i:])
		for _, g := range ix[key] {
			f := forms[g.form]
			if i > 0 && g.at > 0 && lower[i-1] == f[g.at-1] {
				continue // inside a run found from an earlier start
			}
			n := minSecretLen
			for g.at+n < len(f) && i+n < len(lower) && lower[i+n] == f[g.at+n] {
				n++
			}
			// Spaces at either end (the one after "Bearer") are no part
			// of a secret: the run is measured without them.
			start, at := i, g.at
			for n > 0 && lower[start] == ' ' {
				start, at, n = start+1, at+1, n-1
			}
			for n > 0 && lower[start+n-1] == ' ' {
				n--
			}
			if n < minSecretLen {
				continue
			}
			out = append(out, credentialPiece{text: ti, start: start, end: start + n, form: g.form, at: at, short: n < pieceLen(len(f))})
		}
	}
	return out
}

// snapshot returns the forms recorded so far and the gram index of those
// masked in pieces, brought up to date with forms added since it was last
// built.
func (s *Secrets) snapshot() (forms, whole []string, _ gramIndex) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.indexed < len(s.forms) {
		if s.index == nil {
			s.index = gramIndex{}
		}
		var key [minSecretLen]byte
		for fi := s.indexed; fi < len(s.forms); fi++ {
			f := s.forms[fi]
			for at := 0; at+minSecretLen <= len(f); at++ {
				copy(key[:], f[at:])
				s.index[key] = append(s.index[key], gramAt{form: fi, at: at})
			}
		}
		s.indexed = len(s.forms)
	}
	return s.forms, s.whole, s.index
}

// asciiLower lower-cases ASCII letters only, so that byte offsets stay.
func asciiLower(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; 'A' <= c && c <= 'Z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if 'A' <= b[j] && b[j] <= 'Z' {
					b[j] += 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return s
}

// credentialRecorder is the bottom of a probe's own round trippers: it
// records, into the Secrets of the request's context, the credential
// headers of each request: those set above it (the OAuth2 token) before the
// request is sent, and those set below it (authorization, basic auth,
// http_headers, by prometheus/common) as they are written on the wire,
// through the trace that WithSecrets put in the context with the
// secrets. So the probe knows every credential value a server could echo
// before the server's answer is read.
type credentialRecorder struct{ next http.RoundTripper }

// RecordCredentials wraps a probe's base transport in a credentialRecorder.
func RecordCredentials(next http.RoundTripper) http.RoundTripper {
	return &credentialRecorder{next}
}

func (c *credentialRecorder) RoundTrip(req *http.Request) (*http.Response, error) {
	if s, _ := req.Context().Value(probeSecretsKey{}).(*Secrets); s != nil {
		s.recordHeaders(req.Header)
	}
	return c.next.RoundTrip(req)
}

// recordHeaders records every header of h, as recordHeader does. Not
// inlined: its map iterator would sit in the round tripper's frame while
// the probe waits for the answer.
//
//go:noinline
func (s *Secrets) recordHeaders(h http.Header) {
	for name, values := range h {
		s.recordHeader(name, values)
	}
}

// CloseIdleConnections passes on to the wrapped transport, so that a probe
// still closes its connections at its end.
func (c *credentialRecorder) CloseIdleConnections() {
	if ci, ok := c.next.(interface{ CloseIdleConnections() }); ok {
		ci.CloseIdleConnections()
	}
}

// redactingHandler passes a probe's log records on with every credential of
// the probe masked in the message and in every attribute: the probe's log
// reaches debug output, /logs and the exporter's log.
type redactingHandler struct {
	next    slog.Handler
	secrets *Secrets
}

// RedactLogger returns logger with s's credentials masked in its records.
func RedactLogger(logger *slog.Logger, s *Secrets) *slog.Logger {
	return slog.New(&redactingHandler{next: logger.Handler(), secrets: s})
}

func (h *redactingHandler) Enabled(ctx context.Context, l slog.Level) bool {
	return h.next.Enabled(ctx, l)
}

func (h *redactingHandler) Handle(ctx context.Context, rec slog.Record) error {
	if !h.secrets.Known() {
		// Nothing to mask (yet): masking would copy the record unchanged.
		return h.next.Handle(ctx, rec)
	}
	HandleRecord(ctx, h, rec)
	return nil
}

// HandleRecord passes rec to h as its parts: Handle for an AttrsHandler.
func HandleRecord(ctx context.Context, h AttrsHandler, rec slog.Record) {
	var buf [5]slog.Attr // slog.Record's own inline count
	attrs := buf[:0]
	rec.Attrs(func(a slog.Attr) bool {
		attrs = append(attrs, a)
		return true
	})
	h.HandleAttrs(ctx, rec.Time, rec.Level, rec.Message, rec.PC, attrs)
}

// AttrsHandler is a slog.Handler that also takes a record as its parts. A
// slog.Record is some 300 bytes, copied onto the stack at every handler it
// passes; a probe logs at the bottom of its stack, which it keeps while
// it waits (see prober's logAttrs).
type AttrsHandler interface {
	slog.Handler
	HandleAttrs(ctx context.Context, t time.Time, level slog.Level, msg string, pc uintptr, attrs []slog.Attr)
}

// HandleAttrs is Handle for a record's parts; attrs is not changed.
func (h *redactingHandler) HandleAttrs(ctx context.Context, t time.Time, level slog.Level, msg string, pc uintptr, attrs []slog.Attr) {
	if h.secrets.Known() {
		msg, attrs = h.redact(msg, attrs)
	}
	HandleAttrs(ctx, h.next, t, level, msg, pc, attrs)
}

// HandleAttrs passes a record's parts to h: as they are to an
// AttrsHandler, as a slog.Record to any other handler.
func HandleAttrs(ctx context.Context, h slog.Handler, t time.Time, level slog.Level, msg string, pc uintptr, attrs []slog.Attr) {
	if ah, ok := h.(AttrsHandler); ok {
		ah.HandleAttrs(ctx, t, level, msg, pc, attrs)
		return
	}
	handleRecord(ctx, h, t, level, msg, pc, attrs)
}

// handleRecord passes a record made of the parts to h. Its own function,
// so that the record is not in HandleAttrs's frame.
func handleRecord(ctx context.Context, h slog.Handler, t time.Time, level slog.Level, msg string, pc uintptr, attrs []slog.Attr) {
	rec := slog.NewRecord(t, level, msg, pc)
	rec.AddAttrs(attrs...)
	_ = h.Handle(ctx, rec)
}

// redact masks the credentials in a record's message and attributes. Its
// strings are masked as one group: pieces of a credential spread over its
// message and attributes are found together.
func (h *redactingHandler) redact(msg string, attrs []slog.Attr) (string, []slog.Attr) {
	texts := []string{msg}
	for _, a := range attrs {
		texts = appendAttrTexts(texts, a)
	}
	shown := slices.Clone(texts)
	h.secrets.RedactGroup(texts)
	out := make([]slog.Attr, 0, len(attrs))
	masked, orig := texts[1:], shown[1:]
	for _, a := range attrs {
		var r slog.Attr
		r, masked, orig = replaceAttrTexts(a, masked, orig)
		out = append(out, r)
	}
	return texts[0], out
}

// appendAttrTexts appends the texts a log attribute shows: a string, each
// string of a []string, a group's texts, and any other value of kind Any
// as a text log shows it; numbers, booleans, times and durations have
// none.
func appendAttrTexts(texts []string, a slog.Attr) []string {
	v := a.Value.Resolve()
	switch v.Kind() {
	case slog.KindString:
		return append(texts, v.String())
	case slog.KindGroup:
		for _, x := range v.Group() {
			texts = appendAttrTexts(texts, x)
		}
	case slog.KindAny:
		if l, ok := v.Any().([]string); ok {
			return append(texts, l...)
		}
		return append(texts, anyText(v.Any()))
	}
	return texts
}

// replaceAttrTexts rebuilds a with the masked texts appendAttrTexts took
// from it (orig: the same texts unmasked), and returns what is left of
// both. A value of kind Any becomes its text only where masking changed
// it.
func replaceAttrTexts(a slog.Attr, masked, orig []string) (slog.Attr, []string, []string) {
	v := a.Value.Resolve()
	switch v.Kind() {
	case slog.KindString:
		return slog.String(a.Key, masked[0]), masked[1:], orig[1:]
	case slog.KindGroup:
		g := v.Group()
		r := make([]any, len(g))
		for i, x := range g {
			r[i], masked, orig = replaceAttrTexts(x, masked, orig)
		}
		return slog.Group(a.Key, r...), masked, orig
	case slog.KindAny:
		if l, ok := v.Any().([]string); ok {
			return slog.Any(a.Key, slices.Clone(masked[:len(l)])), masked[len(l):], orig[len(l):]
		}
		if masked[0] != orig[0] {
			return slog.String(a.Key, masked[0]), masked[1:], orig[1:]
		}
		return slog.Attr{Key: a.Key, Value: v}, masked[1:], orig[1:]
	}
	return slog.Attr{Key: a.Key, Value: v}, masked, orig
}

func (h *redactingHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	r := make([]slog.Attr, len(attrs))
	for i, a := range attrs {
		r[i] = h.secrets.redactAttr(a)
	}
	return &redactingHandler{next: h.next.WithAttrs(r), secrets: h.secrets}
}

func (h *redactingHandler) WithGroup(name string) slog.Handler {
	return &redactingHandler{next: h.next.WithGroup(name), secrets: h.secrets}
}

// redactAttr masks credentials in a log attribute. A value of another kind
// than string or group is shown as text if masking changed its text, and
// left as it is otherwise.
func (s *Secrets) redactAttr(a slog.Attr) slog.Attr {
	v := a.Value.Resolve()
	switch v.Kind() {
	case slog.KindString:
		return slog.String(a.Key, s.Redact(v.String()))
	case slog.KindGroup:
		g := v.Group()
		r := make([]any, len(g))
		for i, x := range g {
			r[i] = s.redactAttr(x)
		}
		return slog.Group(a.Key, r...)
	case slog.KindAny:
		if l, ok := v.Any().([]string); ok {
			r := make([]string, len(l))
			for i, x := range l {
				r[i] = s.Redact(x)
			}
			return slog.Any(a.Key, r)
		}
		text := anyText(v.Any())
		if r := s.Redact(text); r != text {
			return slog.String(a.Key, r)
		}
	}
	return slog.Attr{Key: a.Key, Value: v}
}

// anyText is how a text log shows v.
func anyText(v any) (text string) {
	defer func() {
		if recover() != nil {
			text = ""
		}
	}()
	switch x := v.(type) {
	case error:
		return x.Error()
	case fmt.Stringer:
		return x.String()
	}
	return fmt.Sprintf("%+v", v)
}
