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

// Package boundedio reads what a peer sends with a bound on its size: a
// server's answer is read whole only when it fits.
package boundedio

import (
	"errors"
	"io"
)

// ErrTooLarge is ReadAll's error for a reader with more than limit bytes.
var ErrTooLarge = errors.New("larger than the limit")

// ReadAll reads all of r, failing with ErrTooLarge once more than limit
// bytes arrive: at most limit+1 bytes are read.
func ReadAll(r io.Reader, limit int64) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > limit {
		return nil, ErrTooLarge
	}
	return b, nil
}
