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

import "sync"

// boundedMap is what the prober remembers between probes, keyed by module
// and target. Targets come from scrape requests, so it must not grow
// without end: when full it starts over, which costs each target no more
// than one detection, discovery or token fetch.
type boundedMap[V any] struct {
	mu  sync.Mutex
	max int
	m   map[string]V
}

func newBoundedMap[V any](max int) *boundedMap[V] { return &boundedMap[V]{max: max} }

func (b *boundedMap[V]) get(key string) (V, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	v, ok := b.m[key]
	return v, ok
}

// getOrBuild returns the value for key, building and keeping it if absent.
func (b *boundedMap[V]) getOrBuild(key string, build func() V) V {
	b.mu.Lock()
	defer b.mu.Unlock()
	if v, ok := b.m[key]; ok {
		return v
	}
	v := build()
	b.putLocked(key, v)
	return v
}

func (b *boundedMap[V]) put(key string, v V) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.putLocked(key, v)
}

func (b *boundedMap[V]) putLocked(key string, v V) {
	if b.m == nil || len(b.m) >= b.max {
		b.m = map[string]V{}
	}
	b.m[key] = v
}

func (b *boundedMap[V]) forget(key string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	delete(b.m, key)
}

func (b *boundedMap[V]) reset() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.m = nil
}
