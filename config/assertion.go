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
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
)

// ClientAssertion is oauth2_client_assertion: the client authenticates to
// the token endpoint with a JWT signed by its private key (private_key_jwt,
// RFC 7523 §2.2) instead of a client secret. The key is read from KeyFile
// on every token request, so that it rotates without a reload; it is never
// shown.
type ClientAssertion struct {
	// KeyFile is a PEM file holding one RSA or EC private key (PKCS#1,
	// PKCS#8 or SEC1), unencrypted.
	KeyFile string `yaml:"key_file"`
	// KeyID is the assertion's "kid" header, none when empty.
	KeyID string `yaml:"key_id,omitempty"`
	// Algorithm is the JWS algorithm: RS256/384/512, PS256/384/512 (RSA
	// keys of at least 2048 bits) or ES256/384/512 (P-256, P-384, P-521
	// keys). Empty: RS256 for an RSA key, the curve's ES algorithm for an
	// EC key.
	Algorithm string `yaml:"algorithm,omitempty"`
}

// AssertionAlgorithms are the algorithms oauth2_client_assertion accepts.
var AssertionAlgorithms = []string{"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512"}

// minAssertionRSABits is RFC 7518 §3.3's least RSA key size.
const minAssertionRSABits = 2048

// ParseAssertionKey reads a private key from PEM bytes and checks it
// against algorithm ("" picks the key's default). It returns the key
// (*rsa.PrivateKey or *ecdsa.PrivateKey) and the algorithm to sign with.
// Its errors never quote the file's content.
func ParseAssertionKey(pemBytes []byte, algorithm string) (crypto.Signer, string, error) {
	if algorithm != "" && !slices.Contains(AssertionAlgorithms, algorithm) {
		return nil, "", fmt.Errorf("unknown algorithm %q (want one of %s)", algorithm, strings.Join(AssertionAlgorithms, ", "))
	}
	var key crypto.Signer
	rest := pemBytes
	for {
		var b *pem.Block
		b, rest = pem.Decode(rest)
		if b == nil {
			break
		}
		var k any
		var err error
		switch b.Type {
		case "RSA PRIVATE KEY":
			k, err = x509.ParsePKCS1PrivateKey(b.Bytes)
		case "EC PRIVATE KEY":
			k, err = x509.ParseECPrivateKey(b.Bytes)
		case "PRIVATE KEY":
			k, err = x509.ParsePKCS8PrivateKey(b.Bytes)
		case "ENCRYPTED PRIVATE KEY":
			return nil, "", errors.New("the key is encrypted; give it unencrypted (and protect the file instead)")
		default:
			continue // EC PARAMETERS, certificates: not the key
		}
		if _, encrypted := b.Headers["DEK-Info"]; encrypted {
			return nil, "", errors.New("the key is encrypted; give it unencrypted (and protect the file instead)")
		}
		if err != nil {
			return nil, "", fmt.Errorf("its %s block does not parse", b.Type)
		}
		if key != nil {
			return nil, "", errors.New("the file holds more than one private key")
		}
		switch k := k.(type) {
		case *rsa.PrivateKey:
			key = k
		case *ecdsa.PrivateKey:
			key = k
		default:
			return nil, "", fmt.Errorf("a %T is neither an RSA nor an EC key", k)
		}
	}
	if key == nil {
		return nil, "", errors.New("no PEM private key (RSA PRIVATE KEY, EC PRIVATE KEY or PRIVATE KEY block) in the file")
	}
	switch k := key.(type) {
	case *rsa.PrivateKey:
		if algorithm == "" {
			algorithm = "RS256"
		}
		if algorithm[0] == 'E' {
			return nil, "", fmt.Errorf("algorithm %s needs an EC key, and the file holds an RSA key", algorithm)
		}
		if bits := k.N.BitLen(); bits < minAssertionRSABits {
			return nil, "", fmt.Errorf("the RSA key has %d bits; %s needs at least %d (RFC 7518 §3.3)", bits, algorithm, minAssertionRSABits)
		}
	case *ecdsa.PrivateKey:
		want := map[elliptic.Curve]string{elliptic.P256(): "ES256", elliptic.P384(): "ES384", elliptic.P521(): "ES512"}[k.Curve]
		if want == "" {
			return nil, "", errors.New("the EC key is on a curve no JWS algorithm uses (want P-256, P-384 or P-521)")
		}
		if algorithm == "" {
			algorithm = want
		}
		if algorithm != want {
			return nil, "", fmt.Errorf("algorithm %s does not fit the file's EC key on %s, which signs %s", algorithm, k.Curve.Params().Name, want)
		}
	}
	return key, algorithm, nil
}

// LoadKey reads and parses the key file.
func (a *ClientAssertion) LoadKey() (crypto.Signer, string, []byte, error) {
	return loadKeyFile(a.KeyFile, func(b []byte) (crypto.Signer, string, error) {
		return ParseAssertionKey(b, a.Algorithm)
	})
}

// loadKeyFile reads a private key file and parses it with parse, for a
// key read per use: the key, its JWS algorithm and the file's bytes. The
// error names the file.
func loadKeyFile(path string, parse func([]byte) (crypto.Signer, string, error)) (crypto.Signer, string, []byte, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, "", nil, err // names the file, and why
	}
	key, alg, err := parse(b)
	if err != nil {
		return nil, "", nil, fmt.Errorf("%s: %w", path, err)
	}
	return key, alg, b, nil
}

func (m *Module) validateClientAssertion() error {
	a := m.OAuth2ClientAssertion
	if a == nil {
		return nil
	}
	o := m.HTTPClientConfig.OAuth2
	if o == nil {
		return keyErrorf("oauth2_client_assertion", "needs http_config.oauth2 with client_id (and token_url, or oauth2_discovery)")
	}
	if o.ClientSecret != "" || o.ClientSecretFile != "" || o.ClientSecretRef != "" {
		return keyErrorf("oauth2_client_assertion", "http_config.oauth2 also sets a client secret (client_secret, client_secret_file or client_secret_ref): "+
			"with private_key_jwt the client authenticates with its key alone; remove the secret")
	}
	if o.ClientCertificateKey != "" || o.ClientCertificateKeyFile != "" || o.ClientCertificateKeyRef != "" {
		return keyErrorf("oauth2_client_assertion", "http_config.oauth2 also sets client_certificate_key*: give the key in oauth2_client_assertion.key_file only")
	}
	if a.KeyFile == "" {
		return &keyError{key: "oauth2_client_assertion", sub: "key_file", index: -1, err: errors.New("required: the PEM file of the client's private key")}
	}
	if a.Algorithm != "" && !slices.Contains(AssertionAlgorithms, a.Algorithm) {
		return &keyError{key: "oauth2_client_assertion", sub: "algorithm", index: -1,
			err: fmt.Errorf("unknown algorithm %q (want one of %s)", a.Algorithm, strings.Join(AssertionAlgorithms, ", "))}
	}
	if _, _, _, err := a.LoadKey(); err != nil {
		sub := "key_file"
		if a.Algorithm != "" && strings.Contains(err.Error(), "algorithm") {
			sub = "algorithm"
		}
		return &keyError{key: "oauth2_client_assertion", sub: sub, index: -1, err: err}
	}
	return nil
}
