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
	"container/list"
	"crypto/sha256"
	"sync"
	"time"
)

// defaultMaxAge is how long a boundedMap keeps an entry unless told
// otherwise (withMaxAge).
const defaultMaxAge = time.Hour

// boundedMap is what the prober remembers between probes, keyed by module
// and target. Targets come from scrape requests, so it must not grow with
// what strangers send:
//   - a key is kept as its SHA-256, so a long target costs 32 bytes;
//   - at most max entries are kept; when full, the least recently used
//     entry makes room (the others stay);
//   - an entry is forgotten maxAge after it was first stored, however
//     often it is used or stored again, so that what was learnt (an era,
//     a token source, a discovered endpoint) is learnt afresh that often.
type boundedMap[V any] struct {
	mu     sync.Mutex
	max    int
	maxAge time.Duration
	now    func() time.Time // time.Now; tests move it
	m      map[[sha256.Size]byte]*list.Element
	lru    list.List // of *boundedEntry[V], most recently used first
}

type boundedEntry[V any] struct {
	key  [sha256.Size]byte
	v    V
	born time.Time
	// maxAge, when not 0, is the entry's own age limit (putFor); it never
	// exceeds the map's.
	maxAge time.Duration
}

func newBoundedMap[V any](max int) *boundedMap[V] {
	return &boundedMap[V]{max: max, maxAge: defaultMaxAge, now: time.Now}
}

// withMaxAge sets how long an entry is kept after it was first stored.
func (b *boundedMap[V]) withMaxAge(d time.Duration) *boundedMap[V] {
	b.maxAge = d
	return b
}

func (b *boundedMap[V]) get(key string) (V, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if e := b.lookupLocked(key); e != nil {
		return e.v, true
	}
	var zero V
	return zero, false
}

// getOrBuild returns the value for key, building and keeping it if absent.
func (b *boundedMap[V]) getOrBuild(key string, build func() V) V {
	b.mu.Lock()
	defer b.mu.Unlock()
	if e := b.lookupLocked(key); e != nil {
		return e.v
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

// putFor stores v for key, to be forgotten maxAge after the entry was
// first stored, or at the map's age limit if that comes first. A later
// put keeps the entry's limit; a later putFor replaces it.
func (b *boundedMap[V]) putFor(key string, v V, maxAge time.Duration) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if e := b.putLocked(key, v); e != nil && maxAge > 0 {
		e.maxAge = min(maxAge, b.maxAge)
	}
}

// lookupLocked finds key's live entry and marks it used; an expired entry
// is dropped.
func (b *boundedMap[V]) lookupLocked(key string) *boundedEntry[V] {
	h := sha256.Sum256([]byte(key))
	el, ok := b.m[h]
	if !ok {
		return nil
	}
	e := el.Value.(*boundedEntry[V])
	maxAge := b.maxAge
	if e.maxAge > 0 {
		maxAge = min(maxAge, e.maxAge)
	}
	if b.now().Sub(e.born) >= maxAge {
		b.lru.Remove(el)
		delete(b.m, h)
		return nil
	}
	b.lru.MoveToFront(el)
	return e
}

// putLocked stores v and returns its entry, nil when the map keeps none.
func (b *boundedMap[V]) putLocked(key string, v V) *boundedEntry[V] {
	if b.max <= 0 {
		return nil
	}
	if e := b.lookupLocked(key); e != nil {
		e.v = v // keeps its birth: the age limit counts from the first store
		return e
	}
	if b.m == nil {
		b.m = map[[sha256.Size]byte]*list.Element{}
	}
	for len(b.m) >= b.max {
		oldest := b.lru.Back()
		b.lru.Remove(oldest)
		delete(b.m, oldest.Value.(*boundedEntry[V]).key)
	}
	e := &boundedEntry[V]{key: sha256.Sum256([]byte(key)), v: v, born: b.now()}
	b.m[e.key] = b.lru.PushFront(e)
	return e
}

func (b *boundedMap[V]) forget(key string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	h := sha256.Sum256([]byte(key))
	if el, ok := b.m[h]; ok {
		b.lru.Remove(el)
		delete(b.m, h)
	}
}

func (b *boundedMap[V]) reset() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.m = nil
	b.lru.Init()
}

// len is how many entries are kept, expired ones included until touched.
func (b *boundedMap[V]) len() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.m)
}
