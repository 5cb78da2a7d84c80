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

package config

import (
	"maps"
	"regexp"
	"strconv"
	"strings"

	promconfig "github.com/prometheus/common/config"
)

// Hidden is what a hidden value is shown as: the text prometheus/common's
// Secret marshals to.
const Hidden = "<secret>"

// Redacted returns a copy of the module fit to be shown (/config, debug
// output): besides the values typed as prometheus/common's Secret, which
// marshal as <secret> anyway, it hides the plain-text values of
// http_headers (the exporter counts every such header as a credential) and
// of oauth2.endpoint_params (sent to the token endpoint next to the client
// secret; which of them are secret, the exporter cannot know) and of a
// stdio module's env. File names
// stay: they are paths, not secrets. m itself is not changed.
func (m Module) Redacted() Module {
	hc := m.HTTPClientConfig
	if hc.HTTPHeaders != nil {
		h := *hc.HTTPHeaders
		h.Headers = make(map[string]promconfig.Header, len(hc.HTTPHeaders.Headers))
		for name, v := range hc.HTTPHeaders.Headers {
			if len(v.Values) > 0 {
				v.Values = hiddenList(len(v.Values))
			}
			h.Headers[name] = v
		}
		hc.HTTPHeaders = &h
	}
	if hc.OAuth2 != nil && len(hc.OAuth2.EndpointParams) > 0 {
		o := *hc.OAuth2
		o.EndpointParams = maps.Clone(o.EndpointParams)
		for k := range o.EndpointParams {
			o.EndpointParams[k] = Hidden
		}
		hc.OAuth2 = &o
	}
	hc.ProxyURL = redactURL(hc.ProxyURL)
	if hc.OAuth2 != nil && hc.OAuth2.ProxyURL != redactURL(hc.OAuth2.ProxyURL) {
		o := *hc.OAuth2
		o.ProxyURL = redactURL(o.ProxyURL)
		hc.OAuth2 = &o
	}
	m.HTTPClientConfig = hc
	if len(m.Env) > 0 {
		// A stdio server's environment is where its tokens go.
		env := make(map[string]string, len(m.Env))
		for k := range m.Env {
			env[k] = Hidden
		}
		m.Env = env
	}
	return m
}

func hiddenList(n int) []string {
	l := make([]string, n)
	for i := range l {
		l[i] = Hidden
	}
	return l
}

// moduleYAML is Module without its methods, for marshalling.
type moduleYAML Module

// MarshalYAML marshals the module as Redacted shows it, so that no
// marshalled configuration (/config, the debug output) holds a header
// value or an endpoint parameter.
func (m Module) MarshalYAML() (any, error) {
	return moduleYAML(m.Redacted()), nil
}

// urlErrorRE finds the quoted URL of a *url.Error ("parse \"<url>\": ..."),
// as prometheus/common's URL decoding reports a proxy_url that fails to
// parse.
var urlErrorRE = regexp.MustCompile(`"((?:[^"\\]|\\.)*)"`)

// hideURLPasswords masks, in an error message, the userinfo of every
// quoted string that looks like a URL with userinfo: url.Parse quotes the
// whole URL it could not parse, password included, and then perhaps a
// piece of it (`invalid port ":<password>" after host`). Everything from
// after "//" up to the last '@' is masked, since a URL that failed to
// parse may hold an '@' or '/' inside its password; without "//",
// everything before the last '@' is, if it holds a ':'. Then every other
// quoted string that lies within a masked userinfo is masked too.
func hideURLPasswords(msg string) string {
	var userinfos []string
	msg = urlErrorRE.ReplaceAllStringFunc(msg, func(q string) string {
		s := unquote(q)
		at := strings.LastIndex(s, "@")
		if at < 0 {
			return q
		}
		start := 0
		if i := strings.Index(s, "//"); i >= 0 && i < at {
			start = i + 2
		} else if !strings.Contains(s[:at], ":") {
			return q // "name@host": no password
		}
		userinfos = append(userinfos, s[start:at])
		return strconv.Quote(s[:start] + "xxxxx" + s[at:])
	})
	if len(userinfos) == 0 {
		return msg
	}
	return urlErrorRE.ReplaceAllStringFunc(msg, func(q string) string {
		s := unquote(q)
		for _, u := range userinfos {
			if s != "" && strings.Contains(u, s) {
				return `"xxxxx"`
			}
		}
		return q
	})
}

func unquote(q string) string {
	if s, err := strconv.Unquote(q); err == nil {
		return s
	}
	return q[1 : len(q)-1]
}

// redactURL hides a password that url.URL.Redacted would miss: a URL
// without "//" ("user:password@host") parses with the userinfo in Opaque.
func redactURL(u promconfig.URL) promconfig.URL {
	if u.URL == nil || u.Opaque == "" || !strings.Contains(u.Opaque, "@") {
		return u
	}
	c := *u.URL
	c.Opaque = "xxxxx" + c.Opaque[strings.LastIndex(c.Opaque, "@"):]
	return promconfig.URL{URL: &c}
}
