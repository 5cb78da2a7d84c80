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
	"encoding/base64"
	"encoding/json"
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

	promconfig "github.com/prometheus/common/config"

	"github.com/mcp-exporter/mcp_exporter/config"
)

// A server may echo the credential it received (as its name, a capability,
// an error message); whatever it says passes through the probe's secrets
// before it becomes a label value or a log value.
const (
	// redactedMask replaces a credential in a server's string.
	redactedMask = "<redacted>"
	// minSecretLen: a credential shorter than this is masked only where it
	// is a whole string, not inside others: a one-letter password must not
	// wreck every string that holds the letter.
	minSecretLen = 4
	// maxSecretFileBytes bounds what is read of a credential file.
	maxSecretFileBytes = 64 << 10
)

// probeSecrets are the credentials of one probe: the module's static ones,
// read when the probe starts, and the values its requests actually carried
// (an OAuth2 token, a rotated file), recorded as they are sent. Redact
// masks all of them. A nil *probeSecrets masks nothing.
type probeSecrets struct {
	headers []string // header names whose values are credentials
	// trace records the credential headers written; withProbeSecrets puts
	// it in the probe's context.
	trace httptrace.ClientTrace

	mu    sync.Mutex
	forms []string // ASCII-lower-cased, each once
}

type probeSecretsKey struct{}

// withProbeSecrets returns ctx carrying s, for credentialRecorder, and a
// trace that records into s the credential headers each request of the
// probe writes on the wire (see credentialRecorder). The trace is set once
// for the probe rather than on each request.
func withProbeSecrets(ctx context.Context, s *probeSecrets) context.Context {
	ctx = context.WithValue(ctx, probeSecretsKey{}, s)
	s.trace = httptrace.ClientTrace{WroteHeaderField: s.recordHeader}
	return httptrace.WithClientTrace(ctx, &s.trace)
}

// credentialHeaders are the header names that always carry credentials.
// newProbeSecrets shares the array; appending to a probe's list copies it.
var credentialHeaders = []string{"Authorization", "Proxy-Authorization"}

// newProbeSecrets collects the credentials of module m and of target's
// userinfo.
func newProbeSecrets(m config.Module, target *url.URL) *probeSecrets {
	s := &probeSecrets{headers: credentialHeaders[:len(credentialHeaders):len(credentialHeaders)]}
	hc := m.HTTPClientConfig
	if a := hc.Authorization; a != nil {
		s.add(string(a.Credentials))
		s.add(readSecretFile(a.CredentialsFile))
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

func (s *probeSecrets) addProxy(p promconfig.ProxyConfig) {
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
func (s *probeSecrets) addUserPassword(user, pass string) {
	if pass == "" {
		return
	}
	s.add(pass)
	s.add(user + ":" + pass)
	s.add(base64.StdEncoding.EncodeToString([]byte(user + ":" + pass)))
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
func (s *probeSecrets) add(v string) {
	v = strings.TrimSpace(v)
	if s == nil || v == "" {
		return
	}
	s.addForms(v)
	scheme, rest, ok := strings.Cut(v, " ")
	if !ok {
		return
	}
	rest = strings.TrimSpace(rest)
	s.addForms(rest)
	if strings.EqualFold(scheme, "basic") {
		if dec, err := base64.StdEncoding.DecodeString(rest); err == nil {
			s.addForms(string(dec))
			if _, pass, ok := strings.Cut(string(dec), ":"); ok {
				s.addForms(pass)
			}
		}
	}
}

// addForms records v as it is and as it looks percent-encoded or inside a
// JSON string, where an error text or a URL may quote it.
func (s *probeSecrets) addForms(v string) {
	forms := []string{v, url.QueryEscape(v), url.PathEscape(v)}
	if b, err := json.Marshal(v); err == nil {
		forms = append(forms, string(b[1:len(b)-1]))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, f := range forms {
		f = asciiLower(f)
		if f != "" && !slices.Contains(s.forms, f) {
			s.forms = append(s.forms, f)
		}
	}
}

// recordHeader records the values of header name if it carries a
// credential.
func (s *probeSecrets) recordHeader(name string, values []string) {
	for _, h := range s.headers {
		if strings.EqualFold(h, name) {
			for _, v := range values {
				s.add(v)
			}
			return
		}
	}
}

// known reports whether the probe has any credential to mask.
func (s *probeSecrets) known() bool {
	if s == nil {
		return false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.forms) > 0
}

// Redact returns text with every credential of the probe replaced by
// redactedMask. Matching ignores ASCII case. A credential of at least
// minSecretLen bytes is masked wherever it occurs, and so is any piece of
// text that starts like it for at least half its length (and minSecretLen
// bytes): a server string cut to a label's length must not keep the first
// part of a token. A shorter credential is masked only where it is the
// whole (trimmed) text.
func (s *probeSecrets) Redact(text string) string {
	if s == nil || text == "" {
		return text
	}
	s.mu.Lock()
	forms := s.forms
	s.mu.Unlock()
	if len(forms) == 0 {
		return text
	}
	lower := asciiLower(text)
	var spans [][2]int
	for _, f := range forms {
		if len(f) < minSecretLen {
			if strings.TrimSpace(lower) == f {
				return redactedMask
			}
			continue
		}
		k := max(minSecretLen, (len(f)+1)/2)
		for at := 0; ; {
			i := strings.Index(lower[at:], f[:k])
			if i < 0 {
				break
			}
			start := at + i
			n := k
			for n < len(f) && start+n < len(lower) && lower[start+n] == f[n] {
				n++
			}
			spans = append(spans, [2]int{start, start + n})
			at = start + 1
		}
	}
	if len(spans) == 0 {
		return text
	}
	slices.SortFunc(spans, func(a, b [2]int) int { return a[0] - b[0] })
	var b strings.Builder
	last := 0
	for _, sp := range spans {
		if sp[1] <= last {
			continue
		}
		if sp[0] >= last {
			b.WriteString(text[last:sp[0]])
			b.WriteString(redactedMask)
		}
		last = sp[1]
	}
	b.WriteString(text[last:])
	return b.String()
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
// records, into the probeSecrets of the request's context, the credential
// headers of each request: those set above it (the OAuth2 token) before the
// request is sent, and those set below it (authorization, basic auth,
// http_headers, by prometheus/common) as they are written on the wire,
// through the trace that withProbeSecrets put in the context with the
// secrets. So the probe knows every credential value a server could echo
// before the server's answer is read.
type credentialRecorder struct{ next http.RoundTripper }

// recordCredentials wraps a probe's base transport in a credentialRecorder.
func recordCredentials(next http.RoundTripper) http.RoundTripper {
	return credentialRecorder{next}
}

func (c credentialRecorder) RoundTrip(req *http.Request) (*http.Response, error) {
	s, _ := req.Context().Value(probeSecretsKey{}).(*probeSecrets)
	if s == nil {
		return c.next.RoundTrip(req)
	}
	for name, values := range req.Header {
		s.recordHeader(name, values)
	}
	return c.next.RoundTrip(req)
}

// CloseIdleConnections passes on to the wrapped transport, so that a probe
// still closes its connections at its end.
func (c credentialRecorder) CloseIdleConnections() {
	if ci, ok := c.next.(interface{ CloseIdleConnections() }); ok {
		ci.CloseIdleConnections()
	}
}

// redactingHandler passes a probe's log records on with every credential of
// the probe masked in the message and in every attribute: the probe's log
// reaches debug output, /logs and the exporter's log.
type redactingHandler struct {
	next    slog.Handler
	secrets *probeSecrets
}

// redactLogger returns logger with s's credentials masked in its records.
func redactLogger(logger *slog.Logger, s *probeSecrets) *slog.Logger {
	return slog.New(&redactingHandler{next: logger.Handler(), secrets: s})
}

func (h *redactingHandler) Enabled(ctx context.Context, l slog.Level) bool {
	return h.next.Enabled(ctx, l)
}

func (h *redactingHandler) Handle(ctx context.Context, rec slog.Record) error {
	if !h.secrets.known() {
		// Nothing to mask (yet): masking would copy the record unchanged.
		return h.next.Handle(ctx, rec)
	}
	out := slog.NewRecord(rec.Time, rec.Level, h.secrets.Redact(rec.Message), rec.PC)
	rec.Attrs(func(a slog.Attr) bool {
		out.AddAttrs(h.secrets.redactAttr(a))
		return true
	})
	return h.next.Handle(ctx, out)
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
func (s *probeSecrets) redactAttr(a slog.Attr) slog.Attr {
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
