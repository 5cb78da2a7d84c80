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

// Package canonical encodes JSON canonically (sorted keys, no insignificant
// whitespace, tokens kept as sent) and hashes MCP tool, resource and prompt
// lists over that encoding.
package canonical

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"slices"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/mcp-exporter/mcp_exporter/internal/jsonscan"
)

// maxDepth bounds array/object nesting. Recursion is bounded by it, so a
// hostile server cannot exhaust the stack with a deeply nested response.
const maxDepth = 1000

// ErrTooDeep is returned (wrapped) when a value nests deeper than the limit.
var ErrTooDeep = errors.New("JSON nested too deeply")

// Unexported classes of failure for input that encoding/json would accept;
// the tests use them to tell our stricter rules apart from syntax errors.
var (
	errDupKey  = errors.New("duplicate object key")
	errBadUTF8 = jsonscan.ErrBadUTF8
)

// Append appends the canonical encoding of the JSON value in src to dst.
//
// The canonical form sorts object keys (bytewise on the decoded UTF-8 key),
// drops insignificant whitespace and copies number and string tokens exactly
// as they appear in src, so no value is reinterpreted. src must hold exactly
// one valid RFC 8259 value with valid UTF-8 strings, no duplicate keys and at
// most maxDepth levels of nesting; otherwise an error is returned along
// with dst unchanged. dst must not overlap src.
func Append(dst, src []byte) ([]byte, error) {
	e := encoder{src: src, out: dst}
	if err := e.document(); err != nil {
		return dst, fmt.Errorf("canonical: %w", err)
	}
	return e.out, nil
}

// ToolsDigest is what the prober keeps of a tools/list result: derived figures only.
type ToolsDigest struct {
	Count      int
	Names      []string // tool names, sorted; used only in memory for required_tools checks
	Schema     [32]byte // SHA-256 of the canonical schema encoding
	Definition [32]byte // SHA-256 of the canonical definition encoding
	// Hints counts the tools by their effective annotations.
	Hints ToolHints
}

// DigestTools hashes the tools (each element one raw JSON tool object, as received).
//
// Tools are ordered by their decoded "name" (ties broken by the canonical
// definition bytes). Definition is the SHA-256 of the JSON array of each
// canonical tool without its top-level "_meta"; Schema is the SHA-256 of the
// JSON array of canonical objects holding only each tool's "name",
// "inputSchema", "outputSchema" and "annotations" members.
func DigestTools(tools []json.RawMessage) (ToolsDigest, error) {
	schemaH, defH := sha256.New(), sha256.New()
	w := hashPair{schema: schemaH, def: defH}
	names, err := w.digest(tools, listKind{noun: "tool", key: "name", schema: true})
	if err != nil {
		return ToolsDigest{}, err
	}
	d := ToolsDigest{Count: len(tools), Names: names, Hints: w.hints}
	schemaH.Sum(d.Schema[:0])
	defH.Sum(d.Definition[:0])
	return d, nil
}

// ListDigest is what the prober keeps of a resources/list or prompts/list
// result: derived figures only.
type ListDigest struct {
	Count      int
	Definition [32]byte // SHA-256 of the canonical definition encoding
}

// DigestResources hashes the resources of resources/list (each element one
// raw JSON resource object, as received) as DigestTools hashes tools'
// definitions: the SHA-256 of the JSON array of each canonical resource
// without its top-level "_meta", ordered by the decoded "uri" (ties broken
// by the canonical bytes).
func DigestResources(resources []json.RawMessage) (ListDigest, error) {
	return digestList(resources, listKind{noun: "resource", key: "uri"})
}

// DigestPrompts hashes the prompts of prompts/list like DigestResources,
// ordered by the decoded "name".
func DigestPrompts(prompts []json.RawMessage) (ListDigest, error) {
	return digestList(prompts, listKind{noun: "prompt", key: "name"})
}

func digestList(items []json.RawMessage, kind listKind) (ListDigest, error) {
	defH := sha256.New()
	w := hashPair{def: defH}
	if _, err := w.digest(items, kind); err != nil {
		return ListDigest{}, err
	}
	d := ListDigest{Count: len(items)}
	defH.Sum(d.Definition[:0])
	return d, nil
}

// listKind says how the items of one list are hashed: what they are
// called in errors, the member that orders them, and whether the schema
// encoding (tools only) is hashed too.
type listKind struct {
	noun, key string
	schema    bool
}

// digest hashes items into w's hashers in the order of their key member,
// and returns the keys, sorted.
func (w *hashPair) digest(items []json.RawMessage, kind listKind) ([]string, error) {
	var e encoder
	e.presize(items)
	defer e.release()
	// Pass 1 finds the keys only, so pass 2 can canonicalize item by item
	// in final order and stream into the hashers instead of keeping every
	// canonical item in memory.
	order := make([]namedTool, len(items))
	for i, raw := range items {
		name, err := e.memberString(raw, kind.key)
		if err != nil {
			return nil, fmt.Errorf("canonical: %s %d: %w", kind.noun, i, err)
		}
		order[i] = namedTool{name: name, idx: i}
	}
	slices.SortFunc(order, func(a, b namedTool) int {
		if c := strings.Compare(a.name, b.name); c != 0 {
			return c
		}
		return a.idx - b.idx
	})
	for i := 0; i < len(order); {
		j := i + 1
		for j < len(order) && order[j].name == order[i].name {
			j++
		}
		if err := w.writeGroup(&e, items, order[i:j], kind); err != nil {
			return nil, err
		}
		i = j
	}
	w.finish()
	keys := make([]string, len(order))
	for i, t := range order {
		keys[i] = t.name
	}
	return keys, nil
}

// namedTool pairs an item's decoded key (a tool's name) with its index in
// the input.
type namedTool struct {
	name string
	idx  int
}

// hashPair streams the two array encodings into their hashers; schema is
// nil for lists that have no schema hash.
type hashPair struct {
	schema, def hash.Hash
	n           int       // items written so far, for the separators
	hints       ToolHints // tools only
}

var (
	openBracket  = []byte{'['}
	comma        = []byte{','}
	closeBracket = []byte{']'}
)

// writeTool appends one item's encodings to both arrays.
func (w *hashPair) writeTool(schema, def []byte) {
	sep := comma
	if w.n == 0 {
		sep = openBracket
	}
	w.n++
	if w.schema != nil {
		w.schema.Write(sep)
		w.schema.Write(schema)
	}
	w.def.Write(sep)
	w.def.Write(def)
}

// finish closes both arrays (an empty list hashes as "[]").
func (w *hashPair) finish() {
	if w.n == 0 {
		if w.schema != nil {
			w.schema.Write(openBracket)
		}
		w.def.Write(openBracket)
	}
	if w.schema != nil {
		w.schema.Write(closeBracket)
	}
	w.def.Write(closeBracket)
}

// encodings canonicalizes one item as kind says: both encodings of a
// tool, the definition alone of another item.
func (e *encoder) encodings(raw []byte, kind listKind) (schema, def []byte, err error) {
	if kind.schema {
		return e.toolEncodings(raw)
	}
	def, _, err = e.definition(raw)
	return nil, def, err
}

// writeGroup hashes the items sharing one key. A lone item (the normal
// case) goes straight from the reused buffers into the hashers; duplicates
// are copied so they can be ordered by their canonical definition bytes.
func (w *hashPair) writeGroup(e *encoder, items []json.RawMessage, group []namedTool, kind listKind) error {
	if len(group) == 1 {
		schema, def, err := e.encodings(items[group[0].idx], kind)
		if err != nil {
			return fmt.Errorf("canonical: %s %d: %w", kind.noun, group[0].idx, err)
		}
		w.writeTool(schema, def)
		if kind.schema {
			w.hints.add(e.toolHints())
		}
		return nil
	}
	type enc struct{ schema, def []byte }
	encs := make([]enc, len(group))
	for k, t := range group {
		schema, def, err := e.encodings(items[t.idx], kind)
		if err != nil {
			return fmt.Errorf("canonical: %s %d: %w", kind.noun, t.idx, err)
		}
		encs[k] = enc{schema: bytes.Clone(schema), def: bytes.Clone(def)}
		if kind.schema {
			w.hints.add(e.toolHints())
		}
	}
	// Equal definitions imply equal schema encodings (the schema members are
	// a subset of the definition members), so this order is total in effect.
	slices.SortFunc(encs, func(a, b enc) int { return bytes.Compare(a.def, b.def) })
	for _, x := range encs {
		w.writeTool(x.schema, x.def)
	}
	return nil
}

// memberSpan records one object member: where its decoded key lives and where
// the encoded member ("key":value) sits in out.
type memberSpan struct {
	kOff, kLen int  // decoded key: src[kOff:kOff+kLen], or keys[...] if kEsc
	kEsc       bool // key had escapes and was decoded into keys
	start, end int  // member bytes in out
}

// encoder holds the scanner state plus buffers reused across values and,
// in DigestTools, across tools.
type encoder struct {
	src     []byte
	pos     int
	depth   int
	out     []byte
	scratch []byte       // holds an object's members while they are reordered
	aux     []byte       // per-tool schema/definition encodings
	keys    []byte       // decoded keys that contained escapes
	spans   []memberSpan // member spans of the objects being encoded, as a stack
	slab    *encoderBufs // out, scratch and aux's room and the spans, from slabs (presize)
}

func (e *encoder) errorf(format string, args ...any) error {
	return fmt.Errorf("invalid JSON at offset %d: %s", e.pos, fmt.Sprintf(format, args...))
}

func (e *encoder) wrapf(err error, format string, args ...any) error {
	return fmt.Errorf("invalid JSON at offset %d: %w%s", e.pos, err, fmt.Sprintf(format, args...))
}

// maxPresize bounds the room presize gives one buffer; a larger tool grows
// the buffers as it needs.
const maxPresize = 32 << 10

// presize gives the buffers DigestTools reuses across tools room for the
// largest of tools up front, in one allocation, rather than growing each
// of them tool by tool: out and scratch hold about a tool, aux its schema
// and definition encodings. Capacities are cut, so that a buffer outgrowing
// its room moves rather than running into the next.
func (e *encoder) presize(items []json.RawMessage) {
	n := 0
	for _, t := range items {
		n = max(n, len(t))
	}
	if n == 0 {
		return
	}
	n = min(n+n/8+16, maxPresize)
	e.slab = slabs.Get().(*encoderBufs)
	if cap(e.slab.bytes) < 4*n {
		e.slab.bytes = make([]byte, 4*n)
	}
	slab := e.slab.bytes[:4*n]
	e.out, e.scratch, e.aux = slab[:0:n], slab[n:n:2*n], slab[2*n:2*n:4*n]
	if e.slab.spans == nil {
		e.slab.spans = make([]memberSpan, 0, 32)
	}
	e.spans = e.slab.spans[:0]
}

// encoderBufs are presize's buffers: the slab and the member spans.
type encoderBufs struct {
	bytes []byte
	spans []memberSpan
}

// slabs keeps presize's buffers between digests: what a digest returns is
// copied out of them (names, hashes), so they are free once it ends.
var slabs = sync.Pool{New: func() any { return new(encoderBufs) }}

// maxPooledSpans bounds the member spans kept for the next digest: a
// schema with more members at once is rare, and its spans are dropped.
const maxPooledSpans = 1024

// release gives the buffers back; e's buffers are not used after it.
func (e *encoder) release() {
	if e.slab != nil {
		e.out, e.scratch, e.aux = nil, nil, nil
		if cap(e.spans) <= maxPooledSpans {
			e.slab.spans = e.spans[:0]
		}
		e.spans = nil
		slabs.Put(e.slab)
		e.slab = nil
	}
}

func (e *encoder) reset(src []byte) {
	e.src, e.pos, e.depth = src, 0, 0
	e.out = e.out[:0]
	e.keys = e.keys[:0]
	e.spans = e.spans[:0]
}

// document encodes src as one complete value, rejecting trailing data.
func (e *encoder) document() error {
	e.skipWS()
	if err := e.value(); err != nil {
		return err
	}
	e.skipWS()
	if e.pos != len(e.src) {
		return e.errorf("unexpected data after top-level value")
	}
	return nil
}

func (e *encoder) skipWS() { e.pos = jsonscan.Space(e.src, e.pos) }

func (e *encoder) value() error {
	if e.pos >= len(e.src) {
		return e.errorf("unexpected end of input")
	}
	switch c := e.src[e.pos]; c {
	case '{':
		// Nested members and decoded keys are dropped once the object is
		// written, so the stacks only hold the current path.
		base, kbase := len(e.spans), len(e.keys)
		err := e.object()
		e.spans, e.keys = e.spans[:base], e.keys[:kbase]
		return err
	case '[':
		return e.array()
	case '"':
		start := e.pos
		if _, err := e.scanString(); err != nil {
			return err
		}
		e.out = append(e.out, e.src[start:e.pos]...)
		return nil
	case 't':
		return e.literal("true")
	case 'f':
		return e.literal("false")
	case 'n':
		return e.literal("null")
	default:
		if c == '-' || (c >= '0' && c <= '9') {
			return e.number()
		}
		return e.errorf("invalid character %q looking for a value", c)
	}
}

func (e *encoder) literal(lit string) error {
	if len(e.src)-e.pos < len(lit) || string(e.src[e.pos:e.pos+len(lit)]) != lit {
		return e.errorf("invalid literal, expected %s", lit)
	}
	e.out = append(e.out, lit...)
	e.pos += len(lit)
	return nil
}

// number validates the RFC 8259 number grammar and copies the token verbatim.
func (e *encoder) number() error {
	s, i := e.src, e.pos
	start := i
	if s[i] == '-' {
		i++
	}
	switch {
	case i < len(s) && s[i] == '0':
		i++
		if i < len(s) && s[i] >= '0' && s[i] <= '9' {
			e.pos = i
			return e.errorf("leading zero in number")
		}
	case i < len(s) && s[i] >= '1' && s[i] <= '9':
		i = digits(s, i+1)
	default:
		e.pos = i
		return e.errorf("invalid number")
	}
	if i < len(s) && s[i] == '.' {
		d := i + 1
		if i = digits(s, d); i == d {
			e.pos = i
			return e.errorf("missing digits after decimal point")
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		d := i
		if i = digits(s, d); i == d {
			e.pos = i
			return e.errorf("missing digits in exponent")
		}
	}
	e.out = append(e.out, s[start:i]...)
	e.pos = i
	return nil
}

// digits returns the index past the decimal digits of s from i.
func digits(s []byte, i int) int {
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	return i
}

// scanString validates the string starting at e.pos (which is '"') and moves
// past its closing quote, or to the fault. It reports whether the string
// contains escapes.
func (e *encoder) scanString() (escaped bool, err error) {
	e.pos, escaped, err = jsonscan.String(e.src, e.pos)
	return escaped, err
}

func hex4(s []byte) rune {
	var r rune
	for _, c := range s[:4] {
		switch {
		case c <= '9':
			c -= '0'
		case c >= 'a':
			c -= 'a' - 10
		default:
			c -= 'A' - 10
		}
		r = r<<4 | rune(c)
	}
	return r
}

// unescape appends the decoded form of an already validated string body
// (the bytes between the quotes). Lone surrogates are kept as their 3-byte
// generalized UTF-8 form rather than U+FFFD so that distinct keys stay
// distinct and still order by code point.
func unescape(dst, s []byte) []byte {
	for len(s) > 0 {
		k := bytes.IndexByte(s, '\\')
		if k < 0 {
			return append(dst, s...)
		}
		dst = append(dst, s[:k]...)
		s = s[k:]
		if s[1] != 'u' {
			c := s[1]
			switch c {
			case 'b':
				c = '\b'
			case 'f':
				c = '\f'
			case 'n':
				c = '\n'
			case 'r':
				c = '\r'
			case 't':
				c = '\t'
			}
			dst = append(dst, c)
			s = s[2:]
			continue
		}
		r := hex4(s[2:])
		s = s[6:]
		if r >= 0xD800 && r < 0xDC00 && len(s) >= 6 && s[0] == '\\' && s[1] == 'u' {
			if lo := hex4(s[2:]); lo >= 0xDC00 && lo < 0xE000 {
				dst = utf8.AppendRune(dst, 0x10000+(r-0xD800)<<10+(lo-0xDC00))
				s = s[6:]
				continue
			}
		}
		if r >= 0xD800 && r < 0xE000 {
			dst = append(dst, byte(0xE0|r>>12), byte(0x80|(r>>6)&0x3F), byte(0x80|r&0x3F))
			continue
		}
		dst = utf8.AppendRune(dst, r)
	}
	return dst
}

// open enters the array or object whose opening bracket is at e.pos and
// writes the bracket; empty reports (having written it) an immediate close.
func (e *encoder) open(open, close byte) (empty bool, err error) {
	if e.depth++; e.depth > maxDepth {
		return false, e.wrapf(ErrTooDeep, " (limit %d)", maxDepth)
	}
	e.pos++
	e.out = append(e.out, open)
	e.skipWS()
	if e.pos < len(e.src) && e.src[e.pos] == close {
		e.pos++
		e.out = append(e.out, close)
		e.depth--
		return true, nil
	}
	return false, nil
}

func (e *encoder) array() error {
	if empty, err := e.open('[', ']'); empty || err != nil {
		return err
	}
	for {
		e.skipWS()
		if err := e.value(); err != nil {
			return err
		}
		e.skipWS()
		if e.pos >= len(e.src) {
			return e.errorf("unexpected end of input in array")
		}
		switch e.src[e.pos] {
		case ',':
			e.pos++
			e.out = append(e.out, ',')
		case ']':
			e.pos++
			e.out = append(e.out, ']')
			e.depth--
			return nil
		default:
			return e.errorf("invalid character %q after array element", e.src[e.pos])
		}
	}
}

// object encodes members in input order, then sorts them in place. It leaves
// its (sorted) member spans on top of e.spans for the caller to inspect or drop.
func (e *encoder) object() error {
	if empty, err := e.open('{', '}'); empty || err != nil {
		return err
	}
	contentStart := len(e.out)
	base := len(e.spans)
	for {
		e.skipWS()
		if e.pos >= len(e.src) || e.src[e.pos] != '"' {
			return e.errorf("expected string object key")
		}
		ks := e.pos
		esc, err := e.scanString()
		if err != nil {
			return err
		}
		ke := e.pos
		sp := memberSpan{start: len(e.out), kOff: ks + 1, kLen: ke - ks - 2}
		if esc {
			off := len(e.keys)
			e.keys = unescape(e.keys, e.src[ks+1:ke-1])
			sp.kOff, sp.kLen, sp.kEsc = off, len(e.keys)-off, true
		}
		e.out = append(e.out, e.src[ks:ke]...)
		e.skipWS()
		if e.pos >= len(e.src) || e.src[e.pos] != ':' {
			return e.errorf("expected ':' after object key")
		}
		e.pos++
		e.out = append(e.out, ':')
		e.skipWS()
		if err := e.value(); err != nil {
			return err
		}
		sp.end = len(e.out)
		e.spans = append(e.spans, sp)
		e.skipWS()
		if e.pos >= len(e.src) {
			return e.errorf("unexpected end of input in object")
		}
		if c := e.src[e.pos]; c == ',' {
			e.pos++
			e.out = append(e.out, ',')
			continue
		} else if c != '}' {
			return e.errorf("invalid character %q after object member", c)
		}
		e.pos++
		break
	}
	if err := e.sortMembers(base, contentStart); err != nil {
		return err
	}
	e.out = append(e.out, '}')
	e.depth--
	return nil
}

// dupKey reports a duplicate key by its offset only: keys are part of tool
// definitions, which never reach a log.
func (e *encoder) dupKey(*memberSpan) error {
	return e.wrapf(errDupKey, "")
}

func (e *encoder) key(s *memberSpan) []byte {
	if s.kEsc {
		return e.keys[s.kOff : s.kOff+s.kLen]
	}
	return e.src[s.kOff : s.kOff+s.kLen]
}

func (e *encoder) compareKeys(a, b *memberSpan) int {
	return bytes.Compare(e.key(a), e.key(b))
}

// sortMembers orders the members of the object whose content begins at
// contentStart (spans from base on), rejecting duplicate keys. Input that is
// already sorted costs one comparison per member and no copying.
func (e *encoder) sortMembers(base, contentStart int) error {
	sp := e.spans[base:]
	sorted := true
	for i := 1; i < len(sp); i++ {
		c := e.compareKeys(&sp[i-1], &sp[i])
		if c == 0 {
			return e.dupKey(&sp[i])
		}
		if c > 0 {
			sorted = false
			break
		}
	}
	if sorted {
		return nil
	}
	if len(sp) <= 12 {
		// Insertion sort: typical objects are small, and it needs no closure.
		for i := 1; i < len(sp); i++ {
			for j := i; j > 0 && e.compareKeys(&sp[j-1], &sp[j]) > 0; j-- {
				sp[j-1], sp[j] = sp[j], sp[j-1]
			}
		}
	} else {
		slices.SortFunc(sp, func(a, b memberSpan) int { return e.compareKeys(&a, &b) })
	}
	for i := 1; i < len(sp); i++ {
		if e.compareKeys(&sp[i-1], &sp[i]) == 0 {
			return e.dupKey(&sp[i])
		}
	}
	e.scratch = append(e.scratch[:0], e.out[contentStart:]...)
	e.out = e.out[:contentStart]
	for i := range sp {
		if i > 0 {
			e.out = append(e.out, ',')
		}
		s := &sp[i]
		n := len(e.out)
		e.out = append(e.out, e.scratch[s.start-contentStart:s.end-contentStart]...)
		s.start, s.end = n, len(e.out)
	}
	return nil
}

// memberString returns the decoded top-level string member key of a raw
// object (a tool's "name", a resource's "uri"). It only scans as far as
// that member; the full validation happens in definition.
func (e *encoder) memberString(raw []byte, want string) (string, error) {
	e.reset(raw)
	e.skipWS()
	if e.pos >= len(e.src) || e.src[e.pos] != '{' {
		return "", errors.New("not a JSON object")
	}
	e.pos++
	e.skipWS()
	if e.pos < len(e.src) && e.src[e.pos] == '}' {
		return "", fmt.Errorf("no %q member", want)
	}
	for {
		e.skipWS()
		if e.pos >= len(e.src) || e.src[e.pos] != '"' {
			return "", e.errorf("expected string object key")
		}
		key, err := e.decodedString()
		if err != nil {
			return "", err
		}
		e.skipWS()
		if e.pos >= len(e.src) || e.src[e.pos] != ':' {
			return "", e.errorf("expected ':' after object key")
		}
		e.pos++
		e.skipWS()
		if string(key) == want {
			if e.pos >= len(e.src) || e.src[e.pos] != '"' {
				return "", fmt.Errorf("%q is not a string", want)
			}
			v, err := e.decodedString()
			return string(v), err
		}
		if err := e.skipValue(); err != nil {
			return "", err
		}
		e.skipWS()
		if e.pos >= len(e.src) {
			return "", e.errorf("unexpected end of input in object")
		}
		switch e.src[e.pos] {
		case ',':
			e.pos++
		case '}':
			return "", fmt.Errorf("no %q member", want)
		default:
			return "", e.errorf("invalid character %q after object member", e.src[e.pos])
		}
	}
}

// decodedString scans the string at e.pos and returns its content decoded:
// a slice of e.src, or of e.keys when it has escapes (valid until e.keys
// is next used).
func (e *encoder) decodedString() ([]byte, error) {
	start := e.pos
	esc, err := e.scanString()
	if err != nil {
		return nil, err
	}
	v := e.src[start+1 : e.pos-1]
	if esc {
		e.keys = unescape(e.keys[:0], v)
		v = e.keys
	}
	return v, nil
}

// skipValue moves past one value without encoding it. It checks only string
// and bracket structure (iteratively, so depth costs no stack) and stops at
// the first delimiter outside any bracket; toolEncodings validates the rest.
func (e *encoder) skipValue() (err error) {
	e.pos, err = jsonscan.Value(e.src, e.pos)
	return err // at the end of input, the caller reports the missing end of the object
}

// toolEncodings canonicalizes one tool and returns its schema and definition
// encodings. Both alias the encoder's buffers and are valid until next use.
func (e *encoder) toolEncodings(raw []byte) (schema, def []byte, err error) {
	def, inAux, err := e.definition(raw)
	if err != nil {
		return nil, nil, err
	}
	// The top-level member spans are left sorted on e.spans, so the schema
	// encoding is a subsequence of members already in key order.
	if !inAux {
		e.aux = e.aux[:0]
	}
	n := len(e.aux)
	e.aux = e.appendMembers(e.aux, keepSchema)
	schema = e.aux[n:]
	if inAux {
		def = e.aux[:n] // taken after the last append: aux may have moved
	}
	return schema, def, nil
}

// definition canonicalizes one object (a tool, resource or prompt) and
// returns its definition encoding: the object without its top-level
// "_meta". It aliases the encoder's buffers (e.aux when inAux, e.out
// otherwise) and is valid until next use.
func (e *encoder) definition(raw []byte) (def []byte, inAux bool, err error) {
	e.reset(raw)
	e.skipWS()
	if e.pos >= len(e.src) || e.src[e.pos] != '{' {
		return nil, false, errors.New("not a JSON object")
	}
	if err := e.object(); err != nil {
		return nil, false, err
	}
	e.skipWS()
	if e.pos != len(e.src) {
		return nil, false, e.errorf("unexpected data after the object")
	}
	for i := range e.spans {
		if string(e.key(&e.spans[i])) == "_meta" {
			e.aux = e.appendMembers(e.aux[:0], keepDefinition)
			return e.aux, true, nil
		}
	}
	return e.out, false, nil
}

// Member selections for appendMembers.
const (
	keepDefinition = iota // every member but "_meta"
	keepSchema            // name, inputSchema, outputSchema, annotations
)

// appendMembers writes an object made of the selected top-level members, in
// their (sorted) order.
func (e *encoder) appendMembers(dst []byte, sel int) []byte {
	dst = append(dst, '{')
	first := true
	for i := range e.spans {
		s := &e.spans[i]
		var keep bool
		// string(k) comparisons against constants do not allocate.
		switch k := e.key(s); sel {
		case keepDefinition:
			keep = string(k) != "_meta"
		default:
			keep = string(k) == "name" || string(k) == "inputSchema" ||
				string(k) == "outputSchema" || string(k) == "annotations"
		}
		if !keep {
			continue
		}
		if !first {
			dst = append(dst, ',')
		}
		first = false
		dst = append(dst, e.out[s.start:s.end]...)
	}
	return append(dst, '}')
}
