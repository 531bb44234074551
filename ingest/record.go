package ingest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/birgemiz/hub"
)

// MaxErrorsPerLine bounds the errors reported for one line. A line with a
// thousand bad list entries is one bad record; storing a thousand error rows
// for it helps nobody.
const MaxErrorsPerLine = 20

const recordTypeList = "organization, project, volunteer, participation, un_placement, indicator"

// recordDecoder turns one line into a record. It lives in the Decoder so
// that its scratch buffers are reused from line to line.
type recordDecoder struct {
	line    int
	errs    []hub.RecordError
	dropped int // errors past MaxErrorsPerLine

	lineBuf []byte // the line being decoded
	lineStr string // the same as a string, made on first use; see unq

	top, data, sub []member
	items          [][]byte
	categories     map[string]string    // the source's normalized category words → codes (Options.Categories)
	dirCache       map[string]dirAnswer // category word as sent → what it maps to
	hashBuf        []byte
}

func (d *recordDecoder) add(field, format string, args ...any) {
	if len(d.errs) >= MaxErrorsPerLine {
		d.dropped++
		return
	}
	msg := format
	if len(args) > 0 {
		msg = fmt.Sprintf(format, args...)
	}
	d.errs = append(d.errs, hub.RecordError{Line: d.line, Field: field, Message: msg})
}

// result returns the errors of the line, with a last one saying how many
// were left out.
func (d *recordDecoder) result() []hub.RecordError {
	if d.dropped > 0 {
		d.errs = append(d.errs, hub.RecordError{Line: d.line, Field: "",
			Message: fmt.Sprintf("%d more problems in this line were not listed (only the first %d are)", d.dropped, MaxErrorsPerLine)})
	}
	return d.errs
}

// fail reports a problem with the whole line.
func (d *recordDecoder) fail(format string, args ...any) (*hub.FeedRecord, []hub.RecordError) {
	d.add("", format, args...)
	return nil, d.result()
}

// decode decodes one non-blank line (without its line terminator).
func (d *recordDecoder) decode(line []byte, n int) (*hub.FeedRecord, []hub.RecordError) {
	d.line, d.errs, d.dropped = n, nil, 0
	d.lineBuf, d.lineStr = line, ""

	if !utf8.Valid(line) {
		return d.fail("line is not valid UTF-8")
	}
	if !validJSON(line) {
		return d.fail("line is not valid JSON: %s", syntaxError(line))
	}
	i := skipSpace(line, 0)
	if line[i] != '{' {
		return d.fail(`line is %s, not a JSON object (a feed has one {"type":…,"id":…} object per line)`, kindOf(line[i:]))
	}

	d.top = d.unique(members(line, d.top[:0]), "")
	var typ, id, op, updated, data []byte
	for _, m := range d.top {
		switch string(m.key) {
		case "type":
			typ = m.val
		case "id":
			id = m.val
		case "op":
			op = m.val
		case "updated_at":
			updated = m.val
		case "data":
			data = m.val
		default:
			d.add(fieldKey(m.key), "unknown key; a line has only type, id, op, updated_at and data")
		}
	}

	rec := &hub.FeedRecord{Line: n, Op: hub.OpUpsert}
	rec.Type = d.recordType(typ)
	rec.ExternalID = d.ref("id", id, true)
	if op != nil && !isNull(op) {
		rec.Op = ""
		if !isString(op) {
			d.add("op", `must be "upsert" or "delete", not %s`, kindOf(op))
		} else if s := hub.FeedOp(d.unq(op)); s == hub.OpUpsert || s == hub.OpDelete {
			rec.Op = s
		} else {
			d.add("op", `%q is not an operation; use "upsert" or "delete"`, clip(string(s)))
		}
	}
	if updated == nil || isNull(updated) {
		d.add("updated_at", "is required (an RFC 3339 timestamp like 2026-01-13T10:00:00Z)")
	} else if t, ok := d.parseInstant(updated); !ok {
		d.add("updated_at", "must be an RFC 3339 timestamp like 2026-01-13T10:00:00Z, or a date like 2026-01-13")
	} else if t.Before(hub.MinDate) || !t.Before(hub.MaxDate.AddDate(0, 0, 1)) {
		d.add("updated_at", "is out of range (%d–%d)", hub.MinDate.Year(), hub.MaxDate.Year())
	} else {
		rec.UpdatedAt = t
	}

	// The data of a delete is ignored, so it cannot fail the line. The data
	// of a line whose type or op is unknown cannot be read: those errors
	// stand alone.
	var refused string
	if rec.Op == hub.OpUpsert && rec.Type != "" {
		switch {
		case data == nil || isNull(data):
			d.add("data", "is required for an upsert (an object with the %s's fields)", rec.Type)
		case data[0] != '{':
			d.add("data", "must be an object, not %s", kindOf(data))
		default:
			refused = d.decodeData(rec, data)
		}
	}

	if len(d.errs) > 0 {
		if refused != "" {
			d.add("data.consent_ref", "%s", refused)
		}
		return nil, d.result()
	}
	d.hashBuf = hashRecord(rec, d.hashBuf[:0])
	if refused != "" {
		d.add("data.consent_ref", "%s", refused)
		return rec, d.result()
	}
	return rec, nil
}

// unq is unquote for values a record keeps. A literal without escapes
// becomes a substring of one string copy of the whole line, made once,
// instead of a string of its own: a project line has a dozen strings, and
// one allocation in place of twelve saves a tenth of the decoding time. The
// record then shares that copy; the store copies what it writes.
func (d *recordDecoder) unq(v []byte) string {
	if len(v) < 2 || len(d.lineBuf) == 0 {
		return unquote(v)
	}
	off := cap(d.lineBuf) - cap(v) // v is d.lineBuf[off:…] when it points into the line
	if off < 0 || off+len(v) > len(d.lineBuf) || &d.lineBuf[off] != &v[0] || bytes.IndexByte(v, '\\') >= 0 {
		return unquote(v)
	}
	if d.lineStr == "" {
		d.lineStr = string(d.lineBuf)
	}
	return d.lineStr[off+1 : off+len(v)-1]
}

func (d *recordDecoder) recordType(v []byte) hub.RecordType {
	switch {
	case v == nil || isNull(v):
		d.add("type", "is required (one of %s)", recordTypeList)
	case !isString(v):
		d.add("type", "must be a string, one of %s", recordTypeList)
	default:
		t := hub.RecordType(d.unq(v))
		if t.Valid() {
			return t
		}
		d.add("type", "%q is not a record type; use one of %s", clip(string(t)), recordTypeList)
	}
	return ""
}

// syntaxError returns encoding/json's description of what is wrong with an
// invalid line. It names at most one character of the line, never the line.
func syntaxError(line []byte) string {
	var v any
	err := json.Unmarshal(line, &v)
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return fmt.Sprintf("%s (at byte %d)", strings.TrimPrefix(se.Error(), "json: "), se.Offset)
	}
	if err != nil {
		return strings.TrimPrefix(err.Error(), "json: ")
	}
	return "unexpected input"
}
