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

package prober

import (
	"regexp"
	"sync"
	"testing"
)

// The values probeTrace cuts from its shared buffer and slab stay as they
// were made while more are made, also concurrently and past a slab.
func TestProbeTraceValuesStable(t *testing.T) {
	id := NewTraceID()
	var tr probeTrace
	tr.init(id)
	re := regexp.MustCompile(`^00-` + id.String() + `-[0-9a-f]{16}-01$`)
	const n = 5 * traceSlab
	got := make([][]string, n)
	want := make([]string, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if i%3 == 0 {
				got[i] = []string{tr.TraceParent()}
			} else {
				got[i] = tr.header()
			}
			want[i] = string([]byte(got[i][0])) // a copy
		}()
	}
	wg.Wait()
	seen := map[string]bool{}
	for i, v := range got {
		if len(v) != 1 || cap(v) != 1 || v[0] != want[i] || !re.MatchString(v[0]) {
			t.Fatalf("value %d: %q (cap %d), made as %q", i, v, cap(v), want[i])
		}
		if seen[v[0]] {
			t.Errorf("span id repeated: %s", v[0])
		}
		seen[v[0]] = true
	}
}
