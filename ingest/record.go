package ingest

import (
	"crypto/sha256"
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

	top, data, sub []member
	items          [][]byte
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

	if !utf8.Valid(line) {
		return d.fail("line is not valid UTF-8")
	}
	if !json.Valid(line) {
		return d.fail("line is not valid JSON: %s", syntaxError(line))
	}
	i := skipSpace(line, 0)
	if line[i] != '{' {
		return d.fail(`line is %s, not a JSON object (a feed has one {"type":…,"id":…} object per line)`, kindOf(line[i:]))
	}

	d.top = members(line, d.top[:0])
	var typ, id, op, updated, data []byte
	for i, m := range d.top {
		var slot *[]byte
		switch m.key {
		case "type":
			slot = &typ
		case "id":
			slot = &id
		case "op":
			slot = &op
		case "updated_at":
			slot = &updated
		case "data":
			slot = &data
		default:
			d.add(fieldKey(m.key), "unknown key; a line has only type, id, op, updated_at and data")
			continue
		}
		if dupKey(d.top[:i], m.key) {
			d.add(m.key, "appears more than once")
			continue
		}
		*slot = m.val
	}

	rec := &hub.FeedRecord{Line: n, Op: hub.OpUpsert}
	rec.Type = d.recordType(typ)
	rec.ExternalID = d.ref("id", id, true)
	if op != nil && !isNull(op) {
		rec.Op = ""
		if !isString(op) {
			d.add("op", `must be "upsert" or "delete", not %s`, kindOf(op))
		} else if s := hub.FeedOp(unquote(op)); s == hub.OpUpsert || s == hub.OpDelete {
			rec.Op = s
		} else {
			d.add("op", `%q is not an operation; use "upsert" or "delete"`, clip(string(s)))
		}
	}
	if updated == nil || isNull(updated) {
		d.add("updated_at", "is required (an RFC 3339 timestamp like 2026-01-13T10:00:00Z)")
	} else if t, ok := parseInstant(updated); !ok {
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
	if err := hashRecord(rec); err != nil {
		return d.fail("record could not be hashed: %v", err)
	}
	if refused != "" {
		d.add("data.consent_ref", "%s", refused)
		return rec, d.result()
	}
	return rec, nil
}

func (d *recordDecoder) recordType(v []byte) hub.RecordType {
	switch {
	case v == nil || isNull(v):
		d.add("type", "is required (one of %s)", recordTypeList)
	case !isString(v):
		d.add("type", "must be a string, one of %s", recordTypeList)
	default:
		t := hub.RecordType(unquote(v))
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

// hashed is what a record's hash covers: everything it carries except its
// line and updated_at, so that a resent record with a new timestamp and the
// same content hashes the same and the store can skip it.
type hashed struct {
	Type          hub.RecordType
	ExternalID    string
	Op            hub.FeedOp
	Organization  *hub.Organization  `json:",omitempty"`
	Project       *hub.Project       `json:",omitempty"`
	Volunteer     *hub.Volunteer     `json:",omitempty"`
	Participation *hub.Participation `json:",omitempty"`
	UNPlacement   *hub.UNPlacement   `json:",omitempty"`
	Indicator     *hub.Indicator     `json:",omitempty"`

	OrganizationRef  string                 `json:",omitempty"`
	OrganizationRefs []string               `json:",omitempty"`
	VolunteerRef     string                 `json:",omitempty"`
	ProjectRef       string                 `json:",omitempty"`
	Personal         *hub.VolunteerPersonal `json:",omitempty"`
}

// hashRecord sets rec.Hash. JSON of the domain structs is deterministic
// (fields in declaration order, no maps) and picks up fields added to the
// domain later without anyone remembering to extend a hand-written encoding.
func hashRecord(rec *hub.FeedRecord) error {
	b, err := json.Marshal(hashed{
		Type: rec.Type, ExternalID: rec.ExternalID, Op: rec.Op,
		Organization: rec.Organization, Project: rec.Project, Volunteer: rec.Volunteer,
		Participation: rec.Participation, UNPlacement: rec.UNPlacement, Indicator: rec.Indicator,
		OrganizationRef: rec.OrganizationRef, OrganizationRefs: rec.OrganizationRefs,
		VolunteerRef: rec.VolunteerRef, ProjectRef: rec.ProjectRef, Personal: rec.Personal,
	})
	if err != nil {
		return err
	}
	sum := sha256.Sum256(b)
	rec.Hash = sum[:]
	return nil
}
