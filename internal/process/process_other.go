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

//go:build !unix

package process

import (
	"errors"
	"time"
)

// Start refuses: a server's process needs Unix process groups.
func Start(*Command, int64) (*Process, error) {
	return nil, errors.New("stdio servers are probed on Unix only")
}

// End has nothing to end: Start never starts a process here.
func (p *Process) End(time.Time) error { return nil }

func exitString(error) string { return "" }
