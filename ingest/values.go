package ingest

import (
	"bytes"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/birgemiz/hub"
)

// Value decoders. Each takes the field's path in the feed ("data.title") and
// its raw JSON value, reports what is wrong on d, and returns the zero value
// (or nil) for a value it could not read. JSON null reads as absent. Messages
// name the expected form and never repeat the value, so the same helpers serve
// personal fields; only values known to be public (a direction word, a
// record type) are quoted, by their callers.

// maxRawListLen bounds the entries of a list before duplicates and empty
// entries are dropped, so that a hostile line cannot make deduplication
// quadratic over a million entries. Lists are checked against the domain's
// MaxListLen after deduplication.
const maxRawListLen = 4 * hub.MaxListLen

// maxInt bounds whole-number fields other than grant_amount_kzt: counts and
// people fit a 32-bit column, and a larger figure is a typo.
const maxInt = math.MaxInt32

func (d *recordDecoder) str(field string, v []byte) string {
	if v == nil || isNull(v) {
		return ""
	}
	if !isString(v) {
		d.add(field, "must be a string, not %s", kindOf(v))
		return ""
	}
	s := strings.TrimSpace(d.unq(v))
	if strings.IndexByte(s, 0) >= 0 {
		d.add(field, nulMessage)
		return ""
	}
	return s
}

// nulMessage reports a string holding U+0000, which only a \u0000 escape
// can put in a JSON string (or a NUL byte in a CSV cell). PostgreSQL text
// cannot store it: applied, it would fail the whole chunk, every good
// record in it included, on every retry.
const nulMessage = `must not contain the NUL character (\u0000)`

// enum reads a case-insensitive enum value and returns it in upper case with
// spaces and hyphens as underscores ("public foundation" → PUBLIC_FOUNDATION).
// The record's Validate says whether the value is one of the allowed ones.
func (d *recordDecoder) enum(field string, v []byte) string {
	s := d.str(field, v)
	if s == "" {
		return ""
	}
	return strings.Map(func(r rune) rune {
		if r == ' ' || r == '-' {
			return '_'
		}
		return unicode.ToUpper(r)
	}, s)
}

// code reads a code compared in upper case: a region, a country.
func (d *recordDecoder) code(field string, v []byte) string {
	return strings.ToUpper(d.str(field, v))
}

// ref reads a source's record id: the envelope's id and references to other
// records follow the same rules, so that a reference can always match an id.
// required adds "is required" when the value is absent or null.
func (d *recordDecoder) ref(field string, v []byte, required bool) string {
	if v == nil || isNull(v) {
		if required {
			d.add(field, "is required (the source's id of the record, a string)")
		}
		return ""
	}
	s, msg := d.parseRef(v)
	if msg != "" {
		d.add(field, "%s", msg)
	}
	return s
}

// parseRef reads an id that is not null, or says what is wrong with it.
func (d *recordDecoder) parseRef(v []byte) (s, msg string) {
	if !isString(v) {
		if isNumber(v) {
			n := clip(string(v))
			return "", fmt.Sprintf("must be a string (write %q, not %s)", n, n)
		}
		return "", "must be a string, not " + kindOf(v)
	}
	s = strings.TrimSpace(d.unq(v))
	if s == "" {
		return "", "must not be empty"
	}
	if n := utf8.RuneCountInString(s); n > hub.MaxExternalIDLen {
		return "", fmt.Sprintf("is %d characters long; the limit is %d", n, hub.MaxExternalIDLen)
	}
	for _, r := range s {
		if unicode.IsControl(r) {
			return "", "must not contain control characters"
		}
	}
	return s, ""
}

// text reads multilingual text: an object with any of "kk", "ru", "en".
func (d *recordDecoder) text(field string, v []byte) hub.LocalizedText {
	var t hub.LocalizedText
	if v == nil || isNull(v) {
		return t
	}
	if v[0] != '{' {
		d.add(field, `must be an object like {"ru": "…"}`)
		return t
	}
	d.sub = d.unique(members(v, d.sub[:0]), field)
	for _, m := range d.sub {
		switch string(m.key) {
		case "kk":
			t.KK = d.textPart(field, ".kk", m.val)
		case "ru":
			t.RU = d.textPart(field, ".ru", m.val)
		case "en":
			t.EN = d.textPart(field, ".en", m.val)
		default:
			d.add(field+"."+fieldKey(m.key), "unknown language; use kk, ru or en")
		}
	}
	return t
}

// textPart reads one language of a text; the field path is only built for
// an error, as concatenating it for every value would cost an allocation.
func (d *recordDecoder) textPart(field, lang string, v []byte) string {
	if isNull(v) {
		return ""
	}
	if !isString(v) {
		d.add(field+lang, "must be a string, not %s", kindOf(v))
		return ""
	}
	s := strings.TrimSpace(d.unq(v))
	if strings.IndexByte(s, 0) >= 0 {
		d.add(field+lang, nulMessage)
		return ""
	}
	return s
}

const dateForm = "must be a date like 2026-01-13 or an RFC 3339 timestamp like 2026-01-13T10:00:00+05:00"

// date reads a calendar date. A timestamp gives the date as written in its
// own offset: a project starting 2026-01-13T00:30:00+05:00 starts on the
// 13th in Kazakhstan, though it is still the 12th in UTC.
func (d *recordDecoder) date(field string, v []byte) *time.Time {
	if v == nil || isNull(v) {
		return nil
	}
	t, ok := d.parseDate(v)
	if !ok {
		d.add(field, dateForm)
		return nil
	}
	return &t
}

// instant reads a point in time, kept in UTC; a bare date is midnight UTC.
func (d *recordDecoder) instant(field string, v []byte) *time.Time {
	if v == nil || isNull(v) {
		return nil
	}
	t, ok := d.parseInstant(v)
	if !ok {
		d.add(field, dateForm)
		return nil
	}
	return &t
}

func (d *recordDecoder) intv(field string, v []byte) *int {
	n, ok := d.whole(field, v, maxInt)
	if !ok {
		return nil
	}
	i := int(n)
	return &i
}

func (d *recordDecoder) int64v(field string, v []byte) *int64 {
	n, ok := d.whole(field, v, math.MaxInt64)
	if !ok {
		return nil
	}
	return &n
}

// whole reads a whole number within ±max.
func (d *recordDecoder) whole(field string, v []byte, max int64) (int64, bool) {
	if v == nil || isNull(v) {
		return 0, false
	}
	n, msg := parseWhole(v, max)
	if msg != "" {
		d.add(field, "%s", msg)
		return 0, false
	}
	return n, true
}

// parseWhole reads a whole number that is not null, or says what is wrong
// with it. 12, 12.0 and 1.2e1 are all twelve: JSON has one number type, and
// spreadsheets export whole numbers either way.
func parseWhole(v []byte, max int64) (int64, string) {
	if !isNumber(v) {
		return 0, "must be a whole number"
	}
	n, err := strconv.ParseInt(string(v), 10, 64)
	if err != nil {
		f, ferr := strconv.ParseFloat(string(v), 64)
		switch {
		case ferr == nil && f != math.Trunc(f):
			return 0, "must be a whole number"
		case ferr == nil && math.Abs(f) < 1<<63:
			n = int64(f)
		case v[0] == '-':
			return 0, fmt.Sprintf("is too small (the limit is %d)", -max)
		default:
			return 0, fmt.Sprintf("is too large (the limit is %d)", max)
		}
	}
	switch {
	case n > max:
		return 0, fmt.Sprintf("is too large (the limit is %d)", max)
	case n < -max:
		return 0, fmt.Sprintf("is too small (the limit is %d)", -max)
	}
	return n, ""
}

func (d *recordDecoder) float(field string, v []byte) *float64 {
	if v == nil || isNull(v) {
		return nil
	}
	if !isNumber(v) {
		d.add(field, "must be a number")
		return nil
	}
	f, err := strconv.ParseFloat(string(v), 64)
	if err != nil || math.IsInf(f, 0) {
		d.add(field, "must be a finite number")
		return nil
	}
	return &f
}

// array returns the elements of a list field, or nil after reporting why
// the value is not a usable list.
func (d *recordDecoder) array(field string, v []byte, form string) [][]byte {
	if v == nil || isNull(v) {
		return nil
	}
	if v[0] != '[' {
		d.add(field, "must be %s", form)
		return nil
	}
	items := elements(v, d.items[:0])
	d.items = items
	if len(items) > maxRawListLen {
		d.add(field, "has %d entries; the limit is %d", len(items), hub.MaxListLen)
		return nil
	}
	return items
}

// item returns the trimmed string of a list element, "" for an empty
// string or null (dropped), and ok false after reporting a non-string.
func (d *recordDecoder) item(field string, i int, v []byte) (s string, ok bool) {
	if isNull(v) {
		return "", true
	}
	if !isString(v) {
		d.add(itemField(field, i), "must be a string, not %s", kindOf(v))
		return "", false
	}
	s = strings.TrimSpace(d.unq(v))
	if strings.IndexByte(s, 0) >= 0 {
		d.add(itemField(field, i), nulMessage)
		return "", false
	}
	return s, true
}

// list reads a list of strings: items trimmed, empty ones and exact
// duplicates dropped, order kept.
func (d *recordDecoder) list(field string, v []byte) []string {
	items := d.array(field, v, "an array of strings")
	if len(items) == 0 {
		return nil
	}
	out := make([]string, 0, len(items))
	for i, it := range items {
		if s, ok := d.item(field, i, it); ok && s != "" && !contains(out, s) {
			out = append(out, s)
		}
	}
	return nilIfEmpty(out)
}

// directions reads direction codes or the source's category words and
// stores canonical codes, first seen first.
func (d *recordDecoder) directions(field string, v []byte) []string {
	items := d.array(field, v, "an array of direction codes or category words")
	if len(items) == 0 {
		return nil
	}
	out := make([]string, 0, len(items))
	for i, it := range items {
		if isNull(it) {
			continue
		}
		if !isString(it) {
			d.add(itemField(field, i), "must be a string, not %s", kindOf(it))
			continue
		}
		word := bytes.TrimSpace(unquoteBytes(it))
		if len(word) == 0 {
			continue
		}
		code, msg := d.direction(word)
		if msg != "" {
			d.add(itemField(field, i), "%s", msg)
			continue
		}
		if !contains(out, code) {
			out = append(out, code)
		}
	}
	return nilIfEmpty(out)
}

// maxDirectionCache bounds the words remembered per decoder. A source uses
// a few dozen; the bound only stops a hostile feed from growing the map.
const maxDirectionCache = 1024

// dirAnswer is what a category word maps to: a code, or the message that
// reports the word.
type dirAnswer struct{ code, msg string }

// direction maps a word to a direction code: first through the source's
// own words (Options.Categories), then through hub.DirectionForWord. It
// returns the message to report instead when the word maps to nothing, or
// to something that is not a code. Answers are remembered: a feed repeats
// the same few words on every line, and normalizing a word costs far more
// than a map lookup.
func (d *recordDecoder) direction(word []byte) (code, msg string) {
	if a, ok := d.dirCache[string(word)]; ok {
		return a.code, a.msg
	}
	w := string(word)
	var a dirAnswer
	var c string
	var mapped bool
	if d.categories != nil {
		c, mapped = d.categories[hub.NormalizeCategoryWord(w)]
	}
	if mapped {
		if hub.IsDirectionCode(c) {
			a.code = c
		} else {
			a.msg = fmt.Sprintf("%q is mapped to %q by the source's category words, which is not a direction code", clip(w), clip(c))
		}
	} else if c, ok := hub.DirectionForWord(w); ok {
		a.code = c
	} else {
		a.msg = fmt.Sprintf("%q is not a direction code or a known category word", clip(w))
	}
	if d.dirCache == nil {
		d.dirCache = make(map[string]dirAnswer)
	}
	if len(d.dirCache) < maxDirectionCache {
		d.dirCache[w] = a
	}
	return a.code, a.msg
}

// refs reads a list of references to other records.
func (d *recordDecoder) refs(field string, v []byte) []string {
	items := d.array(field, v, "an array of ids (strings)")
	if len(items) == 0 {
		return nil
	}
	out := make([]string, 0, len(items))
	for i, it := range items {
		if isNull(it) {
			continue
		}
		s, msg := d.parseRef(it)
		if msg != "" {
			d.add(itemField(field, i), "%s", msg)
		} else if !contains(out, s) {
			out = append(out, s)
		}
	}
	if len(out) > hub.MaxListLen {
		d.add(field, "has %d entries; the limit is %d", len(out), hub.MaxListLen)
		return nil
	}
	return nilIfEmpty(out)
}

// ints reads a list of whole numbers, duplicates dropped.
func (d *recordDecoder) ints(field string, v []byte) []int {
	items := d.array(field, v, "an array of whole numbers")
	if len(items) == 0 {
		return nil
	}
	out := make([]int, 0, len(items))
	for i, it := range items {
		if isNull(it) {
			continue
		}
		n, msg := parseWhole(it, maxInt)
		if msg != "" {
			d.add(itemField(field, i), "%s", msg)
		} else if !contains(out, int(n)) {
			out = append(out, int(n))
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

func itemField(field string, i int) string { return field + "[" + strconv.Itoa(i) + "]" }

func contains[T comparable](s []T, v T) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

func nilIfEmpty(s []string) []string {
	if len(s) == 0 {
		return nil
	}
	return s
}

// unique drops the members whose key came before, reporting each on
// parent.key (on key alone when parent is ""). JSON allows repeated keys and
// encoding/json keeps the last; a feed that repeats one is ambiguous, so it
// is an error. Past a few keys a map keeps a hostile line of 100,000 keys
// from costing 10^10 comparisons.
func (d *recordDecoder) unique(ms []member, parent string) []member {
	uniq := ms[:0]
	var seen map[string]struct{}
	if len(ms) > 64 {
		seen = make(map[string]struct{}, len(ms))
	}
	for _, m := range ms {
		var dup bool
		if seen != nil {
			if _, dup = seen[string(m.key)]; !dup {
				seen[string(m.key)] = struct{}{}
			}
		} else {
			for _, u := range uniq {
				if bytes.Equal(u.key, m.key) {
					dup = true
					break
				}
			}
		}
		if dup {
			field := fieldKey(m.key)
			if parent != "" {
				field = parent + "." + field
			}
			d.add(field, "appears more than once")
			continue
		}
		uniq = append(uniq, m)
	}
	return uniq
}

// fieldKey makes a key the source sent fit for RecordError.Field: short,
// printable, and never "" (which would mean the whole line).
func fieldKey(key []byte) string {
	if len(key) == 0 {
		return `""`
	}
	return strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return utf8.RuneError
		}
		return r
	}, clip(string(key)))
}

// parseDate reads "YYYY-MM-DD" or an RFC 3339 timestamp from a JSON string
// literal and returns the date as written, at midnight UTC.
func (d *recordDecoder) parseDate(v []byte) (time.Time, bool) {
	if !isString(v) {
		return time.Time{}, false
	}
	s := v[1 : len(v)-1]
	if len(s) == len(time.DateOnly) {
		return parseDateOnly(s)
	}
	t, err := time.Parse(time.RFC3339, d.unq(v))
	if err != nil {
		return time.Time{}, false
	}
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC), true
}

// parseInstant reads an RFC 3339 timestamp (returned in UTC) or a bare date
// (midnight UTC) from a JSON string literal.
func (d *recordDecoder) parseInstant(v []byte) (time.Time, bool) {
	if !isString(v) {
		return time.Time{}, false
	}
	s := v[1 : len(v)-1]
	if len(s) == len(time.DateOnly) {
		return parseDateOnly(s)
	}
	t, err := time.Parse(time.RFC3339, d.unq(v))
	if err != nil {
		return time.Time{}, false
	}
	return t.UTC(), true
}

// parseDateOnly parses YYYY-MM-DD by hand: dates are the commonest value in
// a feed after strings, and time.Parse costs several times more.
func parseDateOnly(s []byte) (time.Time, bool) {
	if len(s) != 10 || s[4] != '-' || s[7] != '-' {
		return time.Time{}, false
	}
	num := func(b []byte) (int, bool) {
		n := 0
		for _, c := range b {
			if c < '0' || c > '9' {
				return 0, false
			}
			n = n*10 + int(c-'0')
		}
		return n, true
	}
	y, ok1 := num(s[0:4])
	m, ok2 := num(s[5:7])
	day, ok3 := num(s[8:10])
	if !ok1 || !ok2 || !ok3 || m < 1 || m > 12 || day < 1 {
		return time.Time{}, false
	}
	t := time.Date(y, time.Month(m), day, 0, 0, 0, 0, time.UTC)
	if t.Day() != day { // 2026-02-30 normalizes into March
		return time.Time{}, false
	}
	return t, true
}
