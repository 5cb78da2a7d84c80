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

	yaml "go.yaml.in/yaml/v3"
)

// JWTBearerGrant is the grant_type of RFC 7523 §2.1: a JWT as an
// authorization grant (oauth2_workload_identity).
const JWTBearerGrant = "urn:ietf:params:oauth:grant-type:jwt-bearer"

// WorkloadIdentity is oauth2_workload_identity: workload identity
// federation. The exporter trades a JWT its platform issued it (a
// Kubernetes projected service account token, a SPIFFE JWT-SVID, a cloud
// identity token) for an access token, by the RFC 7523 §2.1 grant, with no
// client secret and no client authentication: the platform's signature is
// the credential. The file is read for every token request (the platform
// rotates it); its content is a secret, never shown or logged.
type WorkloadIdentity struct {
	// AssertionFile is the file holding the platform's JWT.
	AssertionFile string `yaml:"assertion_file"`
}

// OAuth2GrantType is the grant the module's token requests use (RFC 8414
// names, as grant_types_supported lists them): the JWT bearer grant with
// oauth2_workload_identity, else client_credentials.
func (m *Module) OAuth2GrantType() string {
	if m.OAuth2WorkloadIdentity != nil {
		return JWTBearerGrant
	}
	return "client_credentials"
}

// workloadIdentityClientID stands in for the client_id that
// prometheus/common requires while it decodes and validates an oauth2
// block, when oauth2_workload_identity leaves it out (the grant needs
// none); it never survives loading.
const workloadIdentityClientID = "client-id.workload-identity.invalid"

// allowNoClientID puts a placeholder client_id into a module node that
// sets oauth2_workload_identity and no client_id, as allowTokenDiscovery
// does for token_url; n is the module's own (alias-expanded) copy.
func allowNoClientID(n *yaml.Node) {
	if mappingValue(n, "oauth2_workload_identity") != nil {
		putOAuth2Placeholder(n, "client_id", workloadIdentityClientID)
	}
}

func (m *Module) validateWorkloadIdentity() error {
	w := m.OAuth2WorkloadIdentity
	if w == nil {
		return nil
	}
	const key = "oauth2_workload_identity"
	o := m.HTTPClientConfig.OAuth2
	if o == nil {
		return keyErrorf(key, "needs http_config.oauth2 with token_url (or oauth2_discovery and oauth2_issuers): it is where the platform's token is traded for an access token")
	}
	if o.ClientSecret != "" || o.ClientSecretFile != "" || o.ClientSecretRef != "" {
		return keyErrorf(key, "http_config.oauth2 also sets a client secret (client_secret, client_secret_file or client_secret_ref): "+
			"the two contradict each other, since with workload identity the platform's token is the only credential; remove the secret")
	}
	if m.OAuth2ClientAssertion != nil {
		return keyErrorf(key, "oauth2_client_assertion is set too: the two contradict each other, since with workload identity the platform's token is the only credential; keep one of the two")
	}
	if o.ClientCertificateKey != "" || o.ClientCertificateKeyFile != "" || o.ClientCertificateKeyRef != "" {
		return keyErrorf(key, "http_config.oauth2 also sets client_certificate_key*: the two contradict each other; remove the key")
	}
	if o.GrantType != "" {
		return keyErrorf(key, "http_config.oauth2 also sets grant_type: oauth2_workload_identity sets the grant (%s); remove grant_type", JWTBearerGrant)
	}
	if w.AssertionFile == "" {
		return &keyError{key: key, sub: "assertion_file", index: -1, err: errors.New("required: the file holding the platform's JWT (a projected service account token, a JWT-SVID)")}
	}
	if err := checkReadable(w.AssertionFile); err != nil {
		return &keyError{key: key, sub: "assertion_file", index: -1, err: err}
	}
	return nil
}
