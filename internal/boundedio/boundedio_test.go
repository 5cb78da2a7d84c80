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

package boundedio

import (
	"errors"
	"strings"
	"testing"
	"testing/iotest"
)

func TestReadAll(t *testing.T) {
	for _, tc := range []struct {
		in    string
		limit int64
		err   error
	}{
		{"", 0, nil},
		{"abc", 3, nil},
		{"abcd", 3, ErrTooLarge},
		{"", 3, nil},
	} {
		b, err := ReadAll(strings.NewReader(tc.in), tc.limit)
		if !errors.Is(err, tc.err) || (err == nil && string(b) != tc.in) {
			t.Errorf("ReadAll(%q, %d) = %q, %v; want %v", tc.in, tc.limit, b, err, tc.err)
		}
	}
	// A failing reader's error is returned as it is.
	if _, err := ReadAll(iotest.ErrReader(iotest.ErrTimeout), 10); !errors.Is(err, iotest.ErrTimeout) {
		t.Errorf("error %v, want the reader's", err)
	}
	// No more than limit+1 bytes are taken from the reader.
	r := strings.NewReader(strings.Repeat("x", 100))
	if _, err := ReadAll(r, 10); !errors.Is(err, ErrTooLarge) || r.Len() != 89 {
		t.Errorf("error %v, %d bytes left; want ErrTooLarge, 89", err, r.Len())
	}
}
