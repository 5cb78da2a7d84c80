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

// Package credentials is everything a probe knows of its credentials, and
// nothing of the probe: the OAuth2 token sources (the client credentials
// grant, client authentication by secret or by a signed assertion, one
// fetch in flight, back-off, renewal, all on an injected clock), the round
// tripper that gives one probe its token (ProbeToken), the facts a probe
// reports about its credentials (Facts: expiries, the token's age and the
// last fetch), and the secrets to mask in whatever a server says (Secrets,
// RedactLogger).
//
// The prober asks it for a token source (Sources.For), a probe's round
// tripper and secrets, and the facts; it never builds a token request.
// A new grant is a clientAuth (or a Source variant) here, its
// configuration in the config package, and its secret in NewSecrets.
package credentials
