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
	"crypto"
	"errors"
	"fmt"
)

// DPoP is oauth2_dpop: the module's OAuth2 tokens are bound to a key the
// exporter holds (RFC 9449). Every token request and, once the token
// endpoint issues a DPoP token, every request carrying the token comes
// with a proof signed by the key. The key is read from KeyFile for every
// token request (a token bound to another key is not used again); it is
// never shown and never sent: proofs carry its public half.
type DPoP struct {
	// KeyFile is a PEM file holding one private key, unencrypted: EC on
	// P-256 (signs ES256; SEC1 or PKCS#8) or RSA of at least 2048 bits
	// (signs RS256; PKCS#1 or PKCS#8).
	KeyFile string `yaml:"key_file"`
}

// ParseDPoPKey reads a DPoP key from PEM bytes: an EC key on P-256 (ES256)
// or an RSA key (RS256), the two algorithms every DPoP server must accept.
// Its errors never quote the file's content.
func ParseDPoPKey(pemBytes []byte) (crypto.Signer, string, error) {
	key, alg, err := ParseAssertionKey(pemBytes, "")
	if err != nil {
		return nil, "", err
	}
	if alg != "ES256" && alg != "RS256" {
		return nil, "", fmt.Errorf("the EC key would sign %s; DPoP proofs are signed ES256 (an EC key on P-256) or RS256 (an RSA key)", alg)
	}
	return key, alg, nil
}

// LoadKey reads and parses the key file; raw is its content, to name the
// key's version.
func (d *DPoP) LoadKey() (key crypto.Signer, alg string, raw []byte, err error) {
	return loadKeyFile(d.KeyFile, ParseDPoPKey)
}

func (m *Module) validateDPoP() error {
	d := m.OAuth2DPoP
	if d == nil {
		return nil
	}
	if m.HTTPClientConfig.OAuth2 == nil {
		return keyErrorf("oauth2_dpop", "needs http_config.oauth2: DPoP binds the OAuth2 tokens the module fetches to its key")
	}
	if d.KeyFile == "" {
		return &keyError{key: "oauth2_dpop", sub: "key_file", index: -1, err: errors.New("required: the PEM file of the key tokens are bound to (EC P-256 or RSA)")}
	}
	if _, _, _, err := d.LoadKey(); err != nil {
		return &keyError{key: "oauth2_dpop", sub: "key_file", index: -1, err: err}
	}
	return nil
}
