package hub

import (
	"fmt"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"
)

// FieldError says what is wrong with one field of a record. Field uses the
// feed's snake_case names ("region", "title.kk"); Message never repeats the
// offending value when the field is personal.
type FieldError struct {
	Field   string
	Message string
}

// FieldErrors is the result of a failed Validate: every problem found, not
// just the first. Its chain holds an *Error with code EINVALID.
type FieldErrors []FieldError

// Error implements error.
func (fe FieldErrors) Error() string {
	parts := make([]string, len(fe))
	for i, e := range fe {
		parts[i] = e.Field + ": " + e.Message
	}
	return strings.Join(parts, "; ")
}

// Unwrap makes FieldErrors an EINVALID *Error for ErrorCode and ErrorMessage.
func (fe FieldErrors) Unwrap() error { return &Error{Code: EINVALID, Message: fe.Error()} }

// Add appends a field error.
func (fe *FieldErrors) Add(field, format string, args ...any) {
	*fe = append(*fe, FieldError{Field: field, Message: fmt.Sprintf(format, args...)})
}

// Err returns nil when there are no errors, so callers can `return fe.Err()`.
func (fe FieldErrors) Err() error {
	if len(fe) == 0 {
		return nil
	}
	return fe
}

// Limits on record fields. They keep one bad record from bloating the
// database or the index; feeds get a per-record error past them.
const (
	MaxNameLen        = 500    // names and titles, per language, in characters
	MaxDescriptionLen = 20_000 // descriptions, per language
	MaxShortTextLen   = 200    // locality, role, category and similar
	MaxListLen        = 50     // directions, tags, skills, languages per record
	MaxURLLen         = 2_000
)

// Dates before MinDate or after MaxDate are rejected as typos (a year 202 or 20233).
var (
	MinDate = time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC)
	MaxDate = time.Date(2100, 12, 31, 0, 0, 0, 0, time.UTC)
)

func checkText(fe *FieldErrors, field string, s string, max int) {
	if !utf8.ValidString(s) {
		fe.Add(field, "is not valid UTF-8")
	} else if n := utf8.RuneCountInString(s); n > max {
		fe.Add(field, "is %d characters long; the limit is %d", n, max)
	}
}

func checkLocalized(fe *FieldErrors, field string, t LocalizedText, max int) {
	checkText(fe, field+".kk", t.KK, max)
	checkText(fe, field+".ru", t.RU, max)
	checkText(fe, field+".en", t.EN, max)
}

func checkRegion(fe *FieldErrors, field, code string, required bool) {
	if code == "" {
		if required {
			fe.Add(field, "is required (an ISO 3166-2:KZ code such as KZ-11)")
		}
		return
	}
	if !IsRegionCode(code) {
		fe.Add(field, "%q is not an ISO 3166-2:KZ region code the hub knows (KZ-10 … KZ-79)", code)
	}
}

func checkDirections(fe *FieldErrors, field string, codes []string) {
	if len(codes) > MaxListLen {
		fe.Add(field, "has %d entries; the limit is %d", len(codes), MaxListLen)
		return
	}
	for _, c := range codes {
		if !IsDirectionCode(c) {
			fe.Add(field, "%q is not a direction code", c)
		}
	}
}

func checkList(fe *FieldErrors, field string, items []string, maxLen int) {
	if len(items) > MaxListLen {
		fe.Add(field, "has %d entries; the limit is %d", len(items), MaxListLen)
		return
	}
	for _, s := range items {
		checkText(fe, field, s, maxLen)
	}
}

func checkDate(fe *FieldErrors, field string, d *time.Time) {
	if d != nil && (d.Before(MinDate) || d.After(MaxDate)) {
		fe.Add(field, "%s is out of range (%d–%d)", d.Format(time.DateOnly), MinDate.Year(), MaxDate.Year())
	}
}

func checkDateOrder(fe *FieldErrors, startField string, start, end *time.Time) {
	if start != nil && end != nil && end.Before(*start) {
		fe.Add(startField, "start date %s is after end date %s", start.Format(time.DateOnly), end.Format(time.DateOnly))
	}
}

func checkURL(fe *FieldErrors, field, s string) {
	if s == "" {
		return
	}
	checkText(fe, field, s, MaxURLLen)
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		fe.Add(field, "is not an http(s) URL")
	}
}

func checkNonNegative[T int | int64 | float64](fe *FieldErrors, field string, v *T) {
	if v != nil && *v < 0 {
		fe.Add(field, "must not be negative")
	}
}
