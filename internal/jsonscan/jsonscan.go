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

// Package jsonscan holds the JSON scanning that internal/canonical and the
// wire client share: white space, a string checked as RFC 8259 and valid
// UTF-8, and a value passed over to its end without being decoded. Offsets
// are indices into the input; nothing here allocates but an error.
package jsonscan

import (
	"errors"
	"fmt"
	"unicode/utf8"
)

// ErrBadUTF8 is wrapped by the Error of a string that is not valid UTF-8:
// input that encoding/json accepts (replacing the bytes) and a scanner that
// keeps bytes exactly must refuse.
var ErrBadUTF8 = errors.New("invalid UTF-8 in string")

// Error is a syntax error at an offset of the input.
type Error struct {
	Offset int
	Msg    string
	Err    error // a class of failure (ErrBadUTF8), or nil
}

func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("invalid JSON at offset %d: %v%s", e.Offset, e.Err, e.Msg)
	}
	return fmt.Sprintf("invalid JSON at offset %d: %s", e.Offset, e.Msg)
}

func (e *Error) Unwrap() error { return e.Err }

// plain marks string bytes that need no attention: printable ASCII other
// than '"' and '\\'. A table keeps the hot string loop to one load per byte.
var plain = func() (t [256]bool) {
	for c := 0x20; c < 0x80; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// Space returns the index of the first byte at or after i that is not JSON
// white space.
func Space(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// isHex reports whether c is a hexadecimal digit.
func isHex(c byte) bool {
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')
}

// String checks the string starting at b[i] (which is '"') and returns the
// index past its closing quote and whether it contains escapes. On error,
// end is the offset of the fault, which the Error names.
func String(b []byte, i int) (end int, escaped bool, err error) {
	return str(b, i, checkAll)
}

// Value passes over the value starting at b[i] without decoding it and
// returns the index of the first delimiter (',', white space, or a closing
// bracket) outside any bracket it opened, or len(b). It checks strings as
// String does and nothing else of the structure: literals, numbers, colons
// and the pairing of brackets are left to the caller, which validates what
// it keeps. Nesting is counted, not recursed, so depth costs no stack.
func Value(b []byte, i int) (end int, err error) {
	return value(b, i, true)
}

// ValidValue is Value for input that json.Valid has accepted: it finds the
// same end without checking strings, whose bytes encoding/json takes as
// they are (invalid UTF-8 included).
func ValidValue(b []byte, i int) int {
	end, _ := value(b, i, false)
	return end
}

// strMode is how much of a string str checks.
type strMode uint8

const (
	// passOver finds the string's end only: an escape is passed over as
	// two bytes and any other byte as one.
	passOver strMode = iota
	// checkEscapes checks escapes and refuses control characters, and
	// takes any other byte, as encoding/json does.
	checkEscapes
	// checkAll is checkEscapes and valid UTF-8 (String).
	checkAll
)

// str returns the index past the string at b[i] ('"'), checked as mode
// says.
func str(b []byte, i int, mode strMode) (end int, escaped bool, err error) {
	i++
	for {
		for i < len(b) && plain[b[i]] {
			i++
		}
		if i >= len(b) {
			return len(b), false, &Error{Offset: len(b), Msg: "unterminated string"}
		}
		switch c := b[i]; {
		case c == '"':
			return i + 1, escaped, nil
		case c == '\\':
			escaped = true
			if mode == passOver {
				i += 2
				continue
			}
			if i+1 >= len(b) {
				return i, false, &Error{Offset: i, Msg: "unterminated string"}
			}
			switch b[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i += 2
			case 'u':
				if len(b)-i < 6 || !isHex(b[i+2]) || !isHex(b[i+3]) || !isHex(b[i+4]) || !isHex(b[i+5]) {
					return i, false, &Error{Offset: i, Msg: `invalid \u escape`}
				}
				i += 6
			default:
				return i, false, &Error{Offset: i, Msg: fmt.Sprintf(`invalid escape \%c`, b[i+1])}
			}
		case mode == passOver:
			i++
		case c < 0x20:
			return i, false, &Error{Offset: i, Msg: fmt.Sprintf("control character %#02x in string", c)}
		case mode == checkEscapes:
			i++
		default:
			r, size := utf8.DecodeRune(b[i:])
			if r == utf8.RuneError && size == 1 {
				return i, false, &Error{Offset: i, Err: ErrBadUTF8}
			}
			i += size
		}
	}
}

func value(b []byte, i int, check bool) (end int, err error) {
	depth := 0
	for i < len(b) {
		switch b[i] {
		case '"':
			// A plain string is passed over here; str rescans the rest.
			j := i + 1
			for j < len(b) && plain[b[j]] {
				j++
			}
			if j < len(b) && b[j] == '"' {
				i = j + 1
				continue
			}
			mode := passOver
			if check {
				mode = checkAll
			}
			if i, _, err = str(b, i, mode); err != nil {
				return i, err
			}
			continue
		case '{', '[':
			depth++
		case '}', ']':
			if depth == 0 {
				return i, nil
			}
			depth--
		case ',', ' ', '\t', '\n', '\r':
			if depth == 0 {
				return i, nil
			}
		}
		i++
	}
	return i, nil
}
