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

package testsupport

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"net"
	"path/filepath"
	"testing"
	"time"
)

// TLSFiles is a certificate and its key in PEM files, and a pool that
// trusts the throwaway CA that signed it (and the CA in a PEM file, for a
// module's tls_config.ca_file).
type TLSFiles struct {
	CertFile, KeyFile, CAFile string
	CA                        *x509.CertPool
}

// Certificate generates a CA and a certificate it signs for commonName,
// valid for an hour for 127.0.0.1, 127.0.0.2 (an address the MCP
// registry accepts in a remote's URL, unlike 127.0.0.1) and localhost, as a server's and as a
// client's (mTLS) certificate, and writes both PEM files into a temporary
// directory of t's.
func Certificate(t testing.TB, commonName string) TLSFiles {
	t.Helper()
	now := time.Now()
	ca, caDER, caKey := signed(t, &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "mcp_exporter test CA"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
	}, nil, nil)
	_, der, key := signed(t, &x509.Certificate{
		SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: commonName},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(time.Hour),
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1), net.IPv4(127, 0, 0, 2)}, DNSNames: []string{"localhost"},
		KeyUsage:    x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
	}, ca, caKey)
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	f := TLSFiles{CertFile: filepath.Join(dir, "cert.pem"), KeyFile: filepath.Join(dir, "key.pem"), CAFile: filepath.Join(dir, "ca.pem"), CA: x509.NewCertPool()}
	WritePEM(t, f.CertFile, "CERTIFICATE", der)
	WritePEM(t, f.CAFile, "CERTIFICATE", caDER)
	WritePEM(t, f.KeyFile, "PRIVATE KEY", keyDER)
	f.CA.AddCert(ca)
	return f
}

// signed generates a P-256 key and the certificate of tmpl for it, signed
// by parent's key (self-signed when parent is nil), and returns the
// certificate, its DER and the key.
func signed(t testing.TB, tmpl, parent *x509.Certificate, parentKey *ecdsa.PrivateKey) (*x509.Certificate, []byte, *ecdsa.PrivateKey) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	if parent == nil {
		parent, parentKey = tmpl, key
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, &key.PublicKey, parentKey)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return cert, der, key
}
