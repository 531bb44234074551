package ingest

import (
	"bytes"
	"encoding/json"
	"unicode/utf8"
)

// This file is a small scanner over JSON already found valid by validJSON
// (valid.go). Knowing the input is well formed keeps it short: it only finds
// where members and elements start and end, in place. Decoding a line into
// map[string]json.RawMessage and then every value again through reflection
// costs several times more per line, and a batch has a million lines.

// member is one "key": value pair of an object. val is the raw JSON value,
// still pointing into the line buffer.
type member struct {
	key []byte // unescaped; points into the line unless it had escapes
	val []byte
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }

func skipSpace(b []byte, i int) int {
	for i < len(b) && isSpace(b[i]) {
		i++
	}
	return i
}

// skipString returns the index just past the string literal starting at
// b[i] == '"'. IndexByte finds the candidates fast; a quote preceded by an
// odd number of backslashes is escaped and skipped.
func skipString(b []byte, i int) int {
	i++
	for {
		j := bytes.IndexByte(b[i:], '"')
		if j < 0 {
			return len(b)
		}
		i += j
		k := i - 1
		for b[k] == '\\' {
			k--
		}
		i++
		if (i-2-k)%2 == 0 {
			return i
		}
	}
}

// skipValue returns the index just past the value starting at b[i].
func skipValue(b []byte, i int) int {
	if i >= len(b) {
		return i
	}
	switch b[i] {
	case '"':
		return skipString(b, i)
	case '{', '[':
		depth := 0
		for i < len(b) {
			switch b[i] {
			case '"':
				i = skipString(b, i)
				continue
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return i + 1
				}
			}
			i++
		}
		return i
	default: // number, true, false, null
		for i < len(b) && b[i] != ',' && b[i] != '}' && b[i] != ']' && !isSpace(b[i]) {
			i++
		}
		return i
	}
}

// members appends the members of the object v (valid JSON, starting with
// '{' after optional white space) to dst.
func members(v []byte, dst []member) []member {
	i := skipSpace(v, 0)
	if i >= len(v) || v[i] != '{' {
		return dst
	}
	i++
	for {
		i = skipSpace(v, i)
		if i >= len(v) || v[i] == '}' {
			return dst
		}
		end := skipString(v, i)
		key := unquoteBytes(v[i:end])
		i = skipSpace(v, end)
		i = skipSpace(v, i+1) // past ':'
		end = skipValue(v, i)
		dst = append(dst, member{key: key, val: v[i:end]})
		i = skipSpace(v, end)
		if i < len(v) && v[i] == ',' {
			i++
		}
	}
}

// elements appends the elements of the array v (valid JSON, starting with
// '[') to dst.
func elements(v []byte, dst [][]byte) [][]byte {
	i := skipSpace(v, 0)
	if i >= len(v) || v[i] != '[' {
		return dst
	}
	i++
	for {
		i = skipSpace(v, i)
		if i >= len(v) || v[i] == ']' {
			return dst
		}
		end := skipValue(v, i)
		dst = append(dst, v[i:end])
		i = skipSpace(v, end)
		if i < len(v) && v[i] == ',' {
			i++
		}
	}
}

// unquote returns the text of the string literal s. Literals without
// escapes, nearly all of them, are copied as they are; the rest go through
// encoding/json so that \uXXXX and surrogate pairs follow the JSON rules
// (which differ from Go's strconv.Unquote).
func unquote(s []byte) string {
	if len(s) < 2 {
		return ""
	}
	inner := s[1 : len(s)-1]
	for _, c := range inner {
		if c == '\\' {
			var out string
			if err := json.Unmarshal(s, &out); err != nil {
				return string(inner)
			}
			return out
		}
	}
	return string(inner)
}

// unquoteBytes is unquote for keys, which are only compared: it copies
// nothing unless the key has escapes.
func unquoteBytes(s []byte) []byte {
	if len(s) < 2 {
		return nil
	}
	inner := s[1 : len(s)-1]
	if bytes.IndexByte(inner, '\\') < 0 {
		return inner
	}
	return []byte(unquote(s))
}

// kindOf names a JSON value's kind for error messages.
func kindOf(v []byte) string {
	if len(v) == 0 {
		return "nothing"
	}
	switch v[0] {
	case '{':
		return "an object"
	case '[':
		return "an array"
	case '"':
		return "a string"
	case 't', 'f':
		return "a boolean"
	case 'n':
		return "null"
	default:
		return "a number"
	}
}

func isNull(v []byte) bool { return len(v) == 4 && string(v) == "null" }

func isString(v []byte) bool { return len(v) >= 2 && v[0] == '"' }

func isNumber(v []byte) bool { return len(v) > 0 && (v[0] == '-' || (v[0] >= '0' && v[0] <= '9')) }

// clip shortens s for quoting in a message, so that one huge value cannot
// make an error row as large as the record.
func clip(s string) string {
	const max = 60
	if utf8.RuneCountInString(s) <= max {
		return s
	}
	n := 0
	for i := range s {
		if n == max {
			return s[:i] + "…"
		}
		n++
	}
	return s
}
