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
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"

	promconfig "github.com/prometheus/common/config"
)

// fileRef is one file a module's http_config names: path is the keys from
// http_config down to the file's key (its line is pointed at), name how the
// error names it.
type fileRef struct {
	path []string
	alt  []string // another key that sets the same file
	name string
	file string
}

// httpConfigFiles lists the files hc refers to, in the order of its keys.
func httpConfigFiles(hc *promconfig.HTTPClientConfig) []fileRef {
	var refs []fileRef
	add := func(file string, path ...string) {
		if file != "" {
			refs = append(refs, fileRef{path: path, name: strings.Join(path, "."), file: file})
		}
	}
	tls := func(tc *promconfig.TLSConfig, path ...string) {
		add(tc.CAFile, append(slices.Clone(path), "ca_file")...)
		add(tc.CertFile, append(slices.Clone(path), "cert_file")...)
		add(tc.KeyFile, append(slices.Clone(path), "key_file")...)
	}
	if b := hc.BasicAuth; b != nil {
		add(b.UsernameFile, "basic_auth", "username_file")
		add(b.PasswordFile, "basic_auth", "password_file")
	}
	if a := hc.Authorization; a != nil {
		add(a.CredentialsFile, "authorization", "credentials_file")
		// prometheus/common moves bearer_token_file here while decoding.
		if a.CredentialsFile != "" {
			refs[len(refs)-1].alt = []string{"bearer_token_file"}
		}
	}
	add(hc.BearerTokenFile, "bearer_token_file")
	if o := hc.OAuth2; o != nil {
		add(o.ClientSecretFile, "oauth2", "client_secret_file")
		add(o.ClientCertificateKeyFile, "oauth2", "client_certificate_key_file")
		tls(&o.TLSConfig, "oauth2", "tls_config")
	}
	tls(&hc.TLSConfig, "tls_config")
	if h := hc.HTTPHeaders; h != nil {
		names := make([]string, 0, len(h.Headers))
		for n := range h.Headers {
			names = append(names, n)
		}
		slices.Sort(names)
		for _, n := range names {
			for i, f := range h.Headers[n].Files {
				refs = append(refs, fileRef{
					path: []string{"http_headers", n, "files"},
					name: fmt.Sprintf("http_headers.%s.files[%d]", n, i),
					file: f,
				})
			}
		}
	}
	return refs
}

// checkFiles checks that every file the module's http_config names can be
// read now, so that a missing or unreadable file fails the load (and
// --config.check) instead of every probe. The files are still read at each
// probe, so that they can be rotated. The content is never read, and never
// quoted.
func (m *Module) checkFiles() error {
	for _, r := range httpConfigFiles(&m.HTTPClientConfig) {
		if err := checkReadable(r.file); err != nil {
			return &keyError{key: "http_config", sub: r.name, path: r.path, alt: r.alt, index: -1, err: err}
		}
	}
	return nil
}

// checkReadable reports whether path names a file that can be opened for
// reading. A directory is refused; a file that is neither regular nor a
// directory (a pipe, a device) is not opened, since opening a pipe waits
// for its writer.
func checkReadable(path string) error {
	fi, err := os.Stat(path)
	if err != nil {
		return readError(path, err)
	}
	if fi.IsDir() {
		return fmt.Errorf("%s is a directory, not a file", path)
	}
	if !fi.Mode().IsRegular() {
		return nil
	}
	f, err := os.Open(path)
	if err != nil {
		return readError(path, err)
	}
	if err := f.Close(); err != nil && !errors.Is(err, os.ErrClosed) {
		return err
	}
	return nil
}

// readError names the file and why it cannot be read.
func readError(path string, err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	return fmt.Errorf("cannot read %s: %w", path, err)
}
