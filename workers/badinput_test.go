package workers_test

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/jackc/pgx/v5"

	hub "github.com/birgemiz/hub"
	"github.com/birgemiz/hub/ingest"
	"github.com/birgemiz/hub/internal/testutil"
	"github.com/birgemiz/hub/postgres"
	"github.com/birgemiz/hub/workers"
)

// badInputCase is one malformed body sent through the whole pipeline:
// stored as a batch, processed, and read back as its receipt, its record
// errors and the database. Every expectation is exact.
type badInputCase struct {
	name   string
	before string         // an NDJSON batch applied first; it must apply without errors
	format hub.FeedFormat // "" is NDJSON
	typ    hub.RecordType // the record type of a CSV body
	body   string

	failed string // the batch's error when the body is rejected whole; "" when the batch must be done
	errs   []hub.RecordError
	counts hub.BatchCounts
	// stored is the provenance afterwards, "type/id", with " (deleted)" for
	// a tombstone: what the hub holds from the source, in order.
	stored []string
	checks []dbCheck
	// personal are the stored personal parts, as "IIN consent_ref" (the
	// table holds them sealed, so they are read through the service)
	personal []string
	// secrets are personal values that must appear in no error message.
	secrets []string
}

// dbCheck is a query of one text column and the rows it must return.
type dbCheck struct {
	query string
	want  []string
}

// Messages that recur, as the decoders write them.
const (
	feedShape     = `a feed has one {"type":…,"id":…} object per line`
	csvShape      = "a CSV feed of project records starts with a header row such as id,updated_at,title_ru,region,status"
	recordTypes   = "organization, project, volunteer, participation, un_placement, indicator"
	dateForm      = "must be a date like 2026-01-13 or an RFC 3339 timestamp like 2026-01-13T10:00:00+05:00"
	updatedAtForm = "must be an RFC 3339 timestamp like 2026-01-13T10:00:00Z, or a date like 2026-01-13"
	consentMsg    = " not stored: personal fields are accepted only with both consent_ref and consent_at (the person's consent to processing)"
	statusReq     = "is required (one of PLANNED, ACTIVE, COMPLETED, CANCELLED)"
	regionUnknown = " is not an ISO 3166-2:KZ region code the hub knows (KZ-10 … KZ-79)"
	nulMsg        = `must not contain the NUL character (\u0000)`
	consent       = `"consent_ref":"consent-77","consent_at":"2025-09-01T12:00:00+05:00"`
	iin           = "870412300123"
	fullName      = "Айгерим Сапарова"
	cp1251        = "\xd7\xe8\xf1\xf2\xfb\xe9" // "Чистый" in Windows-1251
)

// Queries shared by several cases.
const (
	projectTitles = `SELECT coalesce(title_ru, '-') FROM projects ORDER BY 1`
	projectCount  = `SELECT count(*)::text FROM projects`
	personalCount = `SELECT count(*)::text FROM volunteer_personal`
	projectsByID  = `SELECT pv.external_id || ' ' || %s FROM projects p
		JOIN provenance pv ON pv.record_type = 'project' AND pv.record_id = p.id ORDER BY 1`
)

// line is an NDJSON line updated at 2026-01-13T10:00:00Z.
func line(typ, id, data string) string { return lineAt(typ, id, "2026-01-13T10:00:00Z", data) }

func lineAt(typ, id, at, data string) string {
	return `{"type":"` + typ + `","id":"` + id + `","updated_at":"` + at + `","data":` + data + `}`
}

// prj is a valid project line with extra data fields (",…") appended.
func prj(id, extra string) string {
	return line("project", id, `{"title":{"ru":"Чистый берег"},"region":"KZ-11","status":"ACTIVE"`+extra+`}`)
}

func org(id, extra string) string {
	return line("organization", id, `{"name":{"ru":"Фонд"}`+extra+`}`)
}

func vol(id, extra string) string { return line("volunteer", id, `{"region":"KZ-75"`+extra+`}`) }

// nd joins lines into a body, each ending in "\n".
func nd(lines ...string) string { return strings.Join(lines, "\n") + "\n" }

func rerr(line int, field, msg string) hub.RecordError {
	return hub.RecordError{Line: line, Field: field, Message: msg}
}

// Provenance entries of the good records most cases end with.
var (
	okLine   = prj("prj-ok", "")
	storedOK = []string{"project/prj-ok"}
)

func badInputCases() []badInputCase {
	// 25 unknown directions: 20 errors and one that counts the rest.
	var words []string
	var tooMany []hub.RecordError
	for i := range 25 {
		words = append(words, fmt.Sprintf(`"x%d"`, i))
		if i < ingest.MaxErrorsPerLine {
			tooMany = append(tooMany, rerr(1, fmt.Sprintf("data.directions[%d]", i), fmt.Sprintf(`"x%d" is not a direction code or a known category word`, i)))
		}
	}
	tooMany = append(tooMany, rerr(1, "", "5 more problems in this line were not listed (only the first 20 are)"))

	// A line of exactly 1 MiB is read (and fails on its description); one
	// byte more is over the line limit.
	head, tail := prj("prj-max", `,"description":{"ru":"`), `"}`
	head, tail = head[:len(head)-2], tail+"}}"
	pad := strings.Repeat("a", ingest.MaxLineBytes-len(head)-len(tail))
	maxLine := head + pad + tail
	overLine := head + pad + "a" + tail

	return []badInputCase{
		// NDJSON, line by line.
		{
			name: "broken JSON lines; blank lines count in line numbers",
			body: nd(okLine, "", `{"type":"project","id":"prj-20"`, `{"type":"project","id":"prj-21",}`, `{'type':'project'}`),
			errs: []hub.RecordError{
				rerr(3, "", "line is not valid JSON: unexpected end of JSON input (at byte 31)"),
				rerr(4, "", "line is not valid JSON: invalid character '}' looking for beginning of object key string (at byte 33)"),
				rerr(5, "", `line is not valid JSON: invalid character '\'' looking for beginning of object key string (at byte 2)`),
			},
			counts: hub.BatchCounts{Created: 1, Failed: 3},
			stored: storedOK,
		},
		{
			name:   "string for a whole number",
			body:   nd(prj("prj-1", `,"volunteers_needed":"80"`), okLine),
			errs:   []hub.RecordError{rerr(1, "data.volunteers_needed", "must be a whole number")},
			counts: hub.BatchCounts{Created: 1, Failed: 1},
			stored: storedOK,
		},
		{
			name: "number for a string, an id and a reference",
			body: nd(`{"type":"project","id":17,"updated_at":"2026-01-13","data":{"title":{"ru":"x"},"region":"KZ-11","status":"ACTIVE"}}`,
				prj("prj-2", `,"locality":5`), prj("prj-3", `,"organization_id":12`), okLine),
			errs: []hub.RecordError{
				rerr(1, "id", `must be a string (write "17", not 17)`),
				rerr(2, "data.locality", "must be a string, not a number"),
				rerr(3, "data.organization_id", `must be a string (write "12", not 12)`),
			},
			counts: hub.BatchCounts{Created: 1, Failed: 3},
			stored: storedOK,
		},
		{
			name: "object or string for a list, number in a list",
			body: nd(prj("prj-1", `,"tags":{"a":"b"},"directions":"ECOLOGY"`), prj("prj-2", `,"tags":["ok",5]`), okLine),
			errs: []hub.RecordError{
				rerr(1, "data.tags", "must be an array of strings"),
				rerr(1, "data.directions", "must be an array of direction codes or category words"),
				rerr(2, "data.tags[1]", "must be a string, not a number"),
			},
			counts: hub.BatchCounts{Created: 1, Failed: 2},
			stored: storedOK,
		},
		{
			name: "plain string for multilingual text, number for a language",
			body: nd(line("project", "prj-1", `{"title":"Чистый берег","region":"KZ-11","status":"ACTIVE"}`),
				prj("prj-2", `,"description":{"ru":42}`), okLine),
			errs: []hub.RecordError{
				rerr(1, "data.title", `must be an object like {"ru": "…"}`),
				rerr(2, "data.description.ru", "must be a string, not a number"),
			},
			counts: hub.BatchCounts{Created: 1, Failed: 2},
			stored: storedOK,
		},
		{
			name: "data that is not an object, absent or null",
			body: nd(line("project", "prj-1", `[1,2]`), `{"type":"project","id":"prj-2","updated_at":"2026-01-13"}`,
				line("project", "prj-3", "null"), okLine),
			errs: []hub.RecordError{
				rerr(1, "data", "must be an object, not an array"),
				rerr(2, "data", "is required for an upsert (an object with the project's fields)"),
				rerr(3, "data", "is required for an upsert (an object with the project's fields)"),
			},
			counts: hub.BatchCounts{Created: 1, Failed: 3},
			stored: storedOK,
		},
		{
			name: "unknown record type",
			body: nd(line("event", "evt-1", "{}"),
				line("Project", "prj-1", `{"title":{"ru":"x"},"region":"KZ-11","status":"ACTIVE"}`),
				`{"type":7,"id":"x","updated_at":"2026-01-13","data":{}}`, okLine),
			errs: []hub.RecordError{
				rerr(1, "type", `"event" is not a record type; use one of `+recordTypes),
				rerr(2, "type", `"Project" is not a record type; use one of `+recordTypes),
				rerr(3, "type", "must be a string, one of "+recordTypes),
			},
			counts: hub.BatchCounts{Created: 1, Failed: 3},
			stored: storedOK,
		},
		{
			name: "unknown op: the record it names is not deleted",
			body: nd(okLine,
				`{"type":"project","id":"prj-1","op":"insert","updated_at":"2026-01-13","data":{"title":{"ru":"x"},"region":"KZ-11","status":"ACTIVE"}}`,
				`{"type":"project","id":"prj-ok","op":"DELETE","updated_at":"2026-01-14"}`,
				`{"type":"project","id":"prj-ok","op":true,"updated_at":"2026-01-14"}`),
			errs: []hub.RecordError{
				rerr(2, "op", `"insert" is not an operation; use "upsert" or "delete"`),
				rerr(3, "op", `"DELETE" is not an operation; use "upsert" or "delete"`),
				rerr(4, "op", `must be "upsert" or "delete", not a boolean`),
			},
			counts: hub.BatchCounts{Created: 1, Failed: 3},
			stored: storedOK,
			checks: []dbCheck{{`SELECT count(*)::text FROM projects WHERE deleted_at IS NULL`, []string{"1"}}},
		},
		{
			name: "unknown, old-style or missing region; a lower-case code is fine",
			body: nd(line("project", "prj-1", `{"title":{"ru":"x"},"region":"KZ-99","status":"ACTIVE"}`),
				line("project", "prj-2", `{"title":{"ru":"x"},"region":"kz-ast","status":"ACTIVE"}`),
				line("project", "prj-3", `{"title":{"ru":"x"},"status":"ACTIVE"}`),
				line("project", "prj-ok", `{"title":{"ru":"x"},"region":"kz-71","status":"ACTIVE"}`)),
			errs: []hub.RecordError{
				rerr(1, "data.region", `"KZ-99"`+regionUnknown),
				rerr(2, "data.region", `"KZ-AST"`+regionUnknown),
				rerr(3, "data.region", "is required (an ISO 3166-2:KZ code such as KZ-11)"),
			},
			counts: hub.BatchCounts{Created: 1, Failed: 3},
			stored: storedOK,
			checks: []dbCheck{{`SELECT region_code FROM projects`, []string{"KZ-71"}}},
		},
		{
			name: "unknown direction or category word; the source's own word maps",
			body: nd(prj("prj-1", `,"directions":["ECOLOGY","космонавтика"]`), prj("prj-2", `,"directions":["экологический"]`),
				prj("prj-ok", `,"directions":["Жасыл  Әлем","Birgemiz: Qamqor","ecology"]`)),
			errs: []hub.RecordError{
				rerr(1, "data.directions[1]", `"космонавтика" is not a direction code or a known category word`),
				rerr(2, "data.directions[0]", `"экологический" is not a direction code or a known category word`),
			},
			counts: hub.BatchCounts{Created: 1, Failed: 2},
			stored: storedOK,
			checks: []dbCheck{{`SELECT array_to_string(directions, ',') FROM projects`, []string{"ECOLOGY,SOCIAL_SUPPORT"}}},
		},
		{
			name: "missing or unusable id",
			body: nd(`{"type":"project","updated_at":"2026-01-13","data":{"title":{"ru":"x"},"region":"KZ-11","status":"ACTIVE"}}`,
				prj("", ""), prj("   ", ""), prj(`a\tb`, ""), prj(strings.Repeat("x", 201), ""),
				`{"type":"project","id":null,"updated_at":"2026-01-13","data":{"title":{"ru":"x"},"region":"KZ-11","status":"ACTIVE"}}`,
				okLine),
			errs: []hub.RecordError{
				rerr(1, "id", "is required (the source's id of the record, a string)"),
				rerr(2, "id", "must not be empty"),
				rerr(3, "id", "must not be empty"),
				rerr(4, "id", "must not contain control characters"),
				rerr(5, "id", "is 201 characters long; the limit is 200"),
				rerr(6, "id", "is required (the source's id of the record, a string)"),
			},
			counts: hub.BatchCounts{Created: 1, Failed: 6},
			stored: storedOK,
		},
		{
			name: "missing, malformed or out-of-range updated_at",
			body: nd(`{"type":"project","id":"prj-1","data":{"title":{"ru":"x"},"region":"KZ-11","status":"ACTIVE"}}`,
				lineAt("project", "prj-2", "13.01.2026", `{"title":{"ru":"x"},"region":"KZ-11","status":"ACTIVE"}`),
				lineAt("project", "prj-3", "2026-01-13 10:00:00", `{"title":{"ru":"x"},"region":"KZ-11","status":"ACTIVE"}`),
				lineAt("project", "prj-4", "1800-01-01", `{"title":{"ru":"x"},"region":"KZ-11","status":"ACTIVE"}`),
				lineAt("project", "prj-5", "2026-13-01", `{"title":{"ru":"x"},"region":"KZ-11","status":"ACTIVE"}`),
				`{"type":"project","id":"prj-6","updated_at":1768298400,"data":{"title":{"ru":"x"},"region":"KZ-11","status":"ACTIVE"}}`,
				okLine),
			errs: []hub.RecordError{
				rerr(1, "updated_at", "is required (an RFC 3339 timestamp like 2026-01-13T10:00:00Z)"),
				rerr(2, "updated_at", updatedAtForm),
				rerr(3, "updated_at", updatedAtForm),
				rerr(4, "updated_at", "is out of range (1900–2100)"),
				rerr(5, "updated_at", updatedAtForm),
				rerr(6, "updated_at", updatedAtForm),
			},
			counts: hub.BatchCounts{Created: 1, Failed: 6},
			stored: storedOK,
		},
		{
			name:   "invalid UTF-8 in a line after the first",
			body:   nd(okLine, line("project", "prj-2", `{"title":{"ru":"`+cp1251+`"},"region":"KZ-11","status":"ACTIVE"}`), prj("prj-3", "")),
			errs:   []hub.RecordError{rerr(2, "", "line is not valid UTF-8")},
			counts: hub.BatchCounts{Created: 2, Failed: 1},
			stored: []string{"project/prj-3", "project/prj-ok"},
		},
		{
			name: "fields over their size limits; a title of exactly 500 characters is fine",
			body: nd(line("project", "prj-1", `{"title":{"ru":"`+strings.Repeat("я", 501)+`"},"region":"KZ-11","status":"ACTIVE"}`),
				line("project", "prj-ok", `{"title":{"ru":"`+strings.Repeat("я", 500)+`"},"region":"KZ-11","status":"ACTIVE"}`),
				prj("prj-3", `,"tags":["`+strings.Repeat("x", 201)+`"]`),
				prj("prj-4", `,"locality":"`+strings.Repeat("л", 201)+`"`)),
			errs: []hub.RecordError{
				rerr(1, "data.title.ru", "is 501 characters long; the limit is 500"),
				rerr(3, "data.tags", "is 201 characters long; the limit is 200"),
				rerr(4, "data.locality", "is 201 characters long; the limit is 200"),
			},
			counts: hub.BatchCounts{Created: 1, Failed: 3},
			stored: storedOK,
			checks: []dbCheck{{`SELECT char_length(title_ru)::text FROM projects`, []string{"500"}}},
		},
		{
			name: "a line over 1 MiB is skipped; one of exactly 1 MiB is read",
			body: nd(okLine, overLine, maxLine, prj("prj-4", "")),
			errs: []hub.RecordError{
				rerr(2, "", "line is longer than 1048576 bytes (1 MiB), the limit for one record"),
				rerr(3, "data.description.ru", fmt.Sprintf("is %d characters long; the limit is 20000", len(pad))),
			},
			counts: hub.BatchCounts{Created: 2, Failed: 2},
			stored: []string{"project/prj-4", "project/prj-ok"},
		},
		{
			name: "dates out of range, malformed, or ending before they start",
			body: nd(prj("prj-1", `,"start_date":"1800-01-01"`), prj("prj-2", `,"start_date":"2026-13-01"`),
				prj("prj-3", `,"end_date":"2026-02-30"`), prj("prj-4", `,"start_date":"2026-06-30","end_date":"2026-02-01"`),
				org("org-5", `,"founded":"2101-01-01"`),
				prj("prj-ok", `,"start_date":"2026-02-01T00:30:00+05:00","end_date":"2026-02-01"`)),
			errs: []hub.RecordError{
				rerr(1, "data.start_date", "1800-01-01 is out of range (1900–2100)"),
				rerr(2, "data.start_date", dateForm),
				rerr(3, "data.end_date", dateForm),
				rerr(4, "data.start_date", "start date 2026-06-30 is after end date 2026-02-01"),
				rerr(5, "data.founded", "2101-01-01 is out of range (1900–2100)"),
			},
			counts: hub.BatchCounts{Created: 1, Failed: 5},
			stored: storedOK,
			// A timestamp gives the date as written in its own offset.
			checks: []dbCheck{{`SELECT start_date::text FROM projects`, []string{"2026-02-01"}}},
		},
		{
			// The newest line wins; a tie keeps the first. The others are
			// stale, or unchanged when identical to the winner.
			name: "duplicate ids in one batch",
			body: nd(lineAt("project", "prj-d", "2026-01-13T10:00:00Z", `{"title":{"ru":"A"},"region":"KZ-11","status":"ACTIVE"}`),
				lineAt("project", "prj-d", "2026-01-13T11:00:00Z", `{"title":{"ru":"B"},"region":"KZ-11","status":"ACTIVE"}`),
				lineAt("project", "prj-d", "2026-01-13T11:00:00Z", `{"title":{"ru":"B"},"region":"KZ-11","status":"ACTIVE"}`),
				lineAt("project", "prj-d", "2026-01-13T10:00:00Z", `{"title":{"ru":"A"},"region":"KZ-11","status":"ACTIVE"}`),
				lineAt("project", "prj-d", "2026-01-13T11:00:00Z", `{"title":{"ru":"C"},"region":"KZ-11","status":"ACTIVE"}`)),
			counts: hub.BatchCounts{Created: 1, Unchanged: 1, Stale: 3},
			stored: []string{"project/prj-d"},
			checks: []dbCheck{{projectTitles, []string{"B"}}},
		},
		{
			name: "a key given twice",
			body: nd(`{"type":"project","id":"prj-1","id":"prj-2","updated_at":"2026-01-13","data":{"title":{"ru":"x"},"region":"KZ-11","status":"ACTIVE"}}`,
				line("project", "prj-3", `{"title":{"ru":"x"},"region":"KZ-11","region":"KZ-71","status":"ACTIVE"}`),
				line("project", "prj-4", `{"title":{"ru":"a","ru":"b"},"region":"KZ-11","status":"ACTIVE"}`), okLine),
			errs: []hub.RecordError{
				rerr(1, "id", "appears more than once"),
				rerr(2, "data.region", "appears more than once"),
				rerr(3, "data.title.ru", "appears more than once"),
			},
			counts: hub.BatchCounts{Created: 1, Failed: 3},
			stored: storedOK,
		},
		{
			name: "an older updated_at than the stored one does not overwrite",
			before: nd(lineAt("project", "prj-1", "2026-01-13T10:00:00Z", `{"title":{"ru":"Новое"},"region":"KZ-11","status":"ACTIVE"}`),
				lineAt("project", "prj-2", "2026-01-13T10:00:00Z", `{"title":{"ru":"Второе"},"region":"KZ-11","status":"ACTIVE"}`)),
			body: nd(lineAt("project", "prj-1", "2026-01-12T10:00:00Z", `{"title":{"ru":"Старое"},"region":"KZ-11","status":"ACTIVE"}`),
				// Same updated_at, other content: applied at most once.
				lineAt("project", "prj-1", "2026-01-13T10:00:00Z", `{"title":{"ru":"Другое"},"region":"KZ-11","status":"ACTIVE"}`),
				`{"type":"project","id":"prj-2","op":"delete","updated_at":"2026-01-01"}`),
			counts: hub.BatchCounts{Stale: 3},
			stored: []string{"project/prj-1", "project/prj-2"},
			checks: []dbCheck{
				{`SELECT title_ru || CASE WHEN deleted_at IS NULL THEN '' ELSE ' (deleted)' END FROM projects ORDER BY 1`, []string{"Второе", "Новое"}},
				{`SELECT external_id || ' ' || source_updated_at AT TIME ZONE 'UTC' FROM provenance ORDER BY 1`,
					[]string{"prj-1 2026-01-13 10:00:00", "prj-2 2026-01-13 10:00:00"}},
			},
		},
		{
			name: "delete of an unknown id leaves a tombstone an older upsert cannot pass",
			body: nd(`{"type":"project","id":"prj-404","op":"delete","updated_at":"2026-01-13T10:00:00Z","data":"ignored"}`,
				lineAt("project", "prj-404", "2026-01-12T10:00:00Z", `{"title":{"ru":"x"},"region":"KZ-11","status":"ACTIVE"}`),
				`{"type":"project","id":"prj-405","op":"delete"}`),
			errs:   []hub.RecordError{rerr(3, "updated_at", "is required (an RFC 3339 timestamp like 2026-01-13T10:00:00Z)")},
			counts: hub.BatchCounts{Unchanged: 1, Stale: 1, Failed: 1},
			stored: []string{"project/prj-404 (deleted)"},
			checks: []dbCheck{{projectCount, []string{"0"}}},
		},
		{
			name: "references to records not received yet resolve when they arrive",
			before: nd(prj("prj-r", `,"organization_id":"org-late"`),
				line("participation", "pa-1", `{"volunteer_id":"vol-late","project_id":"prj-r","hours":4}`)),
			body: nd(prj("prj-y", `,"organization_id":"org-late2"`), prj("prj-x", `,"organization_id":"org-never"`),
				line("organization", "org-late", `{"name":{"ru":"Поздний фонд"}}`), vol("vol-late", ""),
				line("organization", "org-late2", `{"name":{"ru":"Второй фонд"}}`)),
			counts: hub.BatchCounts{Created: 5},
			stored: []string{"organization/org-late", "organization/org-late2", "participation/pa-1",
				"project/prj-r", "project/prj-x", "project/prj-y", "volunteer/vol-late"},
			checks: []dbCheck{
				{fmt.Sprintf(projectsByID, `'-> ' || coalesce((SELECT name_ru FROM organizations o WHERE o.id = p.organization_id), 'NULL')`),
					[]string{"prj-r -> Поздний фонд", "prj-x -> NULL", "prj-y -> Второй фонд"}},
				{`SELECT v.region_code || ' / ' || p.region_code FROM participations pa
					JOIN volunteers v ON v.id = pa.volunteer_id JOIN projects p ON p.id = pa.project_id`, []string{"KZ-75 / KZ-11"}},
			},
		},
		{
			name: "personal fields without consent: the public part applies",
			body: nd(vol("vol-19", `,"full_name":"`+fullName+`","phone":"+7 701 000 00 00","iin":"`+iin+`"`),
				vol("vol-20", `,"consent_ref":"consent-1","email":"a.saparova@example.kz"`),
				vol("vol-21", `,"birth_date":"2001-04-02"`)),
			errs: []hub.RecordError{
				rerr(1, "data.consent_ref", "full_name, phone, iin"+consentMsg),
				rerr(2, "data.consent_ref", "email"+consentMsg),
			},
			counts:  hub.BatchCounts{Created: 3},
			stored:  []string{"volunteer/vol-19", "volunteer/vol-20", "volunteer/vol-21"},
			checks:  []dbCheck{{personalCount, []string{"0"}}, {`SELECT coalesce(birth_year::text, '-') FROM volunteers ORDER BY birth_year NULLS FIRST`, []string{"-", "-", "2001"}}},
			secrets: []string{iin, "Айгерим", "Сапарова", "701 000", "a.saparova"},
		},
		{
			name: "an IIN on a line with errors is never echoed",
			body: nd(vol("vol-1", `,"iin":"87041230012",`+consent), vol("vol-2", `,"iin":`+iin+`,`+consent),
				line("volunteer", "vol-3", `{"region":"KZ-99","full_name":"`+fullName+`","iin":"`+iin+`",`+consent+`}`),
				`{"type":"volunteer","id":"vol-4","updated_at":"2026-01-13","data":{"region":"KZ-75","iin":"`+iin+`",}}`,
				vol("vol-5", `,"ИИН":"`+iin+`"`),
				vol("vol-6", `,"full_name":"`+fullName+`","phone":"+7 701 000 00 00","iin":"`+iin+`",`+consent),
				vol("vol-7", `,"phone":"+7 701 000 00 00 / +7 701 000 00 01 / +7 701 000 00 02",`+consent)),
			errs: []hub.RecordError{
				rerr(1, "data.iin", "must be 12 digits"),
				rerr(2, "data.iin", "must be a string, not a number"),
				rerr(3, "data.region", `"KZ-99"`+regionUnknown),
				rerr(4, "", "line is not valid JSON: invalid character '}' looking for beginning of object key string (at byte 106)"),
				rerr(5, "data.ИИН", "unknown field for type volunteer"),
				rerr(7, "data.phone", "is too long"),
			},
			counts:   hub.BatchCounts{Created: 1, Failed: 6},
			stored:   []string{"volunteer/vol-6"},
			checks:   []dbCheck{{personalCount, []string{"1"}}},
			personal: []string{iin + " consent-77"},
			secrets:  []string{iin, "87041230012", "Айгерим", "701 000"},
		},
		{
			name: "bad BIN",
			body: nd(org("org-1", `,"bin":"12345"`), org("org-2", `,"bin":180240012345`), org("org-3", `,"bin":"1802400123AB"`),
				org("org-ok", `,"bin":"180240012345"`)),
			errs: []hub.RecordError{
				rerr(1, "data.bin", "must be 12 digits"),
				rerr(2, "data.bin", "must be a string, not a number"),
				rerr(3, "data.bin", "must be 12 digits"),
			},
			counts: hub.BatchCounts{Created: 1, Failed: 3},
			stored: []string{"organization/org-ok"},
			checks: []dbCheck{{`SELECT bin FROM organizations`, []string{"180240012345"}}},
		},
		{
			name: "lat and lon out of range, alone, or as a string",
			body: nd(prj("prj-1", `,"lat":91,"lon":181`), prj("prj-2", `,"lat":53.08`), prj("prj-3", `,"lat":"53.08","lon":70.3`),
				prj("prj-ok", `,"lat":-90,"lon":180`)),
			errs: []hub.RecordError{
				rerr(1, "data.lat", "must be between -90 and 90"),
				rerr(1, "data.lon", "must be between -180 and 180"),
				rerr(2, "data.lat", "lat and lon come together"),
				rerr(3, "data.lat", "must be a number"),
			},
			counts: hub.BatchCounts{Created: 1, Failed: 3},
			stored: storedOK,
			checks: []dbCheck{{`SELECT lat || ',' || lon FROM projects`, []string{"-90,180"}}},
		},
		{
			name: "negative counts, hours and amounts",
			body: nd(prj("prj-1", `,"volunteers_needed":-5,"grant_amount_kzt":-1,"volunteer_hours":-0.5`),
				org("org-2", `,"volunteer_count":-1`),
				line("participation", "pa-3", `{"volunteer_id":"vol-1","project_id":"prj-ok","hours":-1}`), okLine),
			errs: []hub.RecordError{
				rerr(1, "data.volunteers_needed", "must not be negative"),
				rerr(1, "data.volunteer_hours", "must not be negative"),
				rerr(1, "data.grant_amount_kzt", "must not be negative"),
				rerr(2, "data.volunteer_count", "must not be negative"),
				rerr(3, "data.hours", "must not be negative"),
			},
			counts: hub.BatchCounts{Created: 1, Failed: 3},
			stored: storedOK,
		},
		{
			name: "fractions and overflow in whole numbers; 1.2e1 and 12.0 are twelve",
			body: nd(org("org-1", `,"volunteer_count":1.5`), org("org-2", `,"volunteer_count":3000000000`),
				line("participation", "pa-3", `{"volunteer_id":"vol-1","project_id":"prj-ok","hours":200000}`),
				prj("prj-ok", `,"volunteers_needed":1.2e1,"beneficiaries":12.0`), org("org-5", `,"volunteer_count":1e400`)),
			errs: []hub.RecordError{
				rerr(1, "data.volunteer_count", "must be a whole number"),
				rerr(2, "data.volunteer_count", "is too large (the limit is 2147483647)"),
				rerr(3, "data.hours", "200000 hours is more than a person can give"),
				rerr(5, "data.volunteer_count", "is too large (the limit is 2147483647)"),
			},
			counts: hub.BatchCounts{Created: 1, Failed: 4},
			stored: storedOK,
			checks: []dbCheck{{`SELECT volunteers_needed || ',' || beneficiaries FROM projects`, []string{"12,12"}}},
		},
		{
			// The contract: a line has only type, id, op, updated_at and
			// data, and data only the fields of its type; anything else
			// rejects the line (unlike a CSV column, which is ignored).
			name: "unknown field names reject the line",
			body: nd(prj("prj-1", `,"budget":5`),
				`{"type":"project","id":"prj-2","updated_at":"2026-01-13","source":"akmola","data":{"title":{"ru":"x"},"region":"KZ-11","status":"ACTIVE"}}`,
				line("project", "prj-3", `{"title":{"ru":"x","de":"y"},"region":"KZ-11","status":"ACTIVE"}`),
				prj("prj-4", `,"Region":"KZ-11"`), okLine),
			errs: []hub.RecordError{
				rerr(1, "data.budget", "unknown field for type project"),
				rerr(2, "source", "unknown key; a line has only type, id, op, updated_at and data"),
				rerr(3, "data.title.de", "unknown language; use kk, ru or en"),
				rerr(4, "data.Region", "unknown field for type project"),
			},
			counts: hub.BatchCounts{Created: 1, Failed: 4},
			stored: storedOK,
		},
		{
			name:   "more than 20 problems in one line",
			body:   nd(prj("prj-1", `,"directions":[`+strings.Join(words, ",")+`]`), okLine),
			errs:   tooMany,
			counts: hub.BatchCounts{Created: 1, Failed: 1},
			stored: storedOK,
		},
		{
			// PostgreSQL text cannot hold U+0000: such a value once failed
			// the whole chunk, good records included, on every retry.
			name: `NUL character (\u0000) in a string`,
			body: nd(line("project", "prj-1", `{"title":{"ru":"a\u0000b"},"region":"KZ-11","status":"ACTIVE"}`),
				prj("prj-2", `,"tags":["ok","\u0000"]`), vol("vol-3", `,"full_name":"А\u0000",`+consent),
				line("project", "prj-ok", `{"title":{"ru":"C:\\u0000"},"region":"KZ-11","status":"ACTIVE"}`)),
			errs: []hub.RecordError{
				rerr(1, "data.title.ru", nulMsg),
				rerr(2, "data.tags[1]", nulMsg),
				rerr(3, "data.full_name", nulMsg),
			},
			counts: hub.BatchCounts{Created: 1, Failed: 3},
			stored: storedOK,
			checks: []dbCheck{{projectTitles, []string{`C:\u0000`}}},
		},
		{
			name: "wrong enum values and URLs",
			body: nd(line("project", "prj-1", `{"title":{"ru":"x"},"region":"KZ-11","status":"OPEN"}`),
				line("project", "prj-2", `{"title":{"ru":"x"},"region":"KZ-11"}`),
				org("org-3", `,"kind":"company"`), org("org-4", `,"website":"green-kokshetau.kz"`), vol("vol-5", `,"gender":"f"`),
				org("org-ok", `,"kind":"public-foundation","website":"https://green-kokshetau.example.org"`)),
			errs: []hub.RecordError{
				rerr(1, "data.status", `"OPEN" is not one of PLANNED, ACTIVE, COMPLETED, CANCELLED`),
				rerr(2, "data.status", statusReq),
				rerr(3, "data.kind", `"COMPANY" is not one of NGO, PUBLIC_FOUNDATION, INITIATIVE_GROUP, STATE_BODY, UNIVERSITY, UN_AGENCY, OTHER`),
				rerr(4, "data.website", "is not an http(s) URL"),
				rerr(5, "data.gender", `"F" is not one of female, male, other, unknown`),
			},
			counts: hub.BatchCounts{Created: 1, Failed: 5},
			stored: []string{"organization/org-ok"},
			checks: []dbCheck{{`SELECT kind FROM organizations`, []string{"PUBLIC_FOUNDATION"}}},
		},
		{
			name: "bad indicators",
			body: nd(line("indicator", "ind-1", `{"metric":"Volunteer Orgs","value":682,"period":"2023"}`),
				line("indicator", "ind-2", `{"metric":"volunteer_organizations","value":682,"period":"2023/2019"}`),
				line("indicator", "ind-3", `{"metric":"volunteer_organizations","value":682,"period":"FY2023"}`),
				line("indicator", "ind-4", `{"metric":"volunteer_organizations","value":"682","period":"2023"}`),
				line("indicator", "ind-5", `{"metric":"volunteer_organizations","period":"2023"}`),
				line("indicator", "ind-6", `{"metric":"volunteer_organizations","value":682,"period":"1899/1950"}`),
				line("indicator", "ind-ok", `{"metric":"volunteer_organizations","value":682,"period":"2019/2023"}`)),
			errs: []hub.RecordError{
				rerr(1, "data.metric", "must be snake_case letters, digits and _ (e.g. volunteer_organizations)"),
				rerr(2, "data.period", "ends before it starts"),
				rerr(3, "data.period", "must be a year (2023), a month (2023-06), a date, or a range of those like 2019/2023"),
				rerr(4, "data.value", "must be a number"),
				rerr(5, "data.value", "is required (a number)"),
				rerr(6, "data.period", "is out of range (1900–2100)"),
			},
			counts: hub.BatchCounts{Created: 1, Failed: 6},
			stored: []string{"indicator/ind-ok"},
			checks: []dbCheck{{`SELECT period_start || '/' || period_end FROM indicators`, []string{"2019-01-01/2023-12-31"}}},
		},
		{
			name: "bad UN placements",
			body: nd(line("un_placement", "un-1", `{"host_entity":"UNDP","country":"KEN","status":"ACTIVE"}`),
				line("un_placement", "un-2", `{"host_entity":"UNDP","country":"ke","status":"ACTIVE","sdgs":[0,18,"3"]}`),
				line("un_placement", "un-3", `{"country":"KE","status":"ACTIVE"}`),
				line("un_placement", "un-ok", `{"host_entity":"UNDP","country":"ke","status":"active","sdgs":[4,17,4]}`)),
			errs: []hub.RecordError{
				rerr(1, "data.country", "must be an ISO 3166-1 alpha-2 code such as KE or JO"),
				rerr(2, "data.sdgs[2]", "must be a whole number"),
				rerr(2, "data.sdgs", "0 is not a Sustainable Development Goal (1–17)"),
				rerr(2, "data.sdgs", "18 is not a Sustainable Development Goal (1–17)"),
				rerr(3, "data.host_entity", "is required (e.g. UNDP, UNICEF)"),
			},
			counts: hub.BatchCounts{Created: 1, Failed: 3},
			stored: []string{"un_placement/un-ok"},
			checks: []dbCheck{{`SELECT country || ' ' || array_to_string(sdgs, ',') FROM un_placements`, []string{"KE 4,17"}}},
		},
		{
			name:   "NDJSON with a byte order mark and CRLF line ends is accepted",
			body:   "\ufeff" + okLine + "\r\n" + prj("prj-2", `,"locality":"Бурабай"`) + "\r\n\r\n",
			counts: hub.BatchCounts{Created: 2},
			stored: []string{"project/prj-2", "project/prj-ok"},
			checks: []dbCheck{{fmt.Sprintf(projectsByID, `coalesce(p.locality, '-')`), []string{"prj-2 Бурабай", "prj-ok -"}}},
		},

		// NDJSON bodies that are not a feed at all: rejected whole.
		{name: "not a feed: an HTML error page", body: "<!doctype html>\n<html><body>502 Bad Gateway</body></html>\n",
			failed: "not an NDJSON feed: line 1 looks like HTML or XML; " + feedShape},
		{name: "not a feed: a JSON array", body: "[" + okLine + "]\n",
			failed: "not an NDJSON feed: line 1 starts a JSON array; " + feedShape + ", not an array"},
		{name: "not a feed: only blank lines", body: "\n  \n\t\n", failed: "empty feed"},
		{name: "not a feed: pretty-printed JSON", body: "{\n  \"type\": \"project\",\n  \"id\": \"prj-1\"\n}\n",
			failed: "not an NDJSON feed: line 1 is not a complete JSON object (pretty-printed JSON?); " + feedShape},
		{name: "not a feed: CSV sent as NDJSON", body: "id,updated_at,title_ru,region,status\nprj-1,2026-01-13,x,KZ-11,ACTIVE\n",
			failed: "not an NDJSON feed: line 1 is not a JSON object (" + feedShape + ")"},
		{name: "not a feed: objects without a type", body: nd(`{"id":"prj-1","title":"x"}`, okLine),
			failed: `not an NDJSON feed: line 1 is a JSON object without a "type" key; ` + feedShape},
		{name: "not a feed: gzip", body: "\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03" + okLine,
			failed: "not an NDJSON feed: line 1 is not UTF-8 text (binary or compressed data, or another encoding such as UTF-16?); " + feedShape},
		{name: "not a feed: Windows-1251 on line 1", body: nd(line("project", "prj-1", `{"title":{"ru":"`+cp1251+`"},"region":"KZ-11","status":"ACTIVE"}`), okLine),
			failed: "not an NDJSON feed: line 1 is not UTF-8 text (binary or compressed data, or another encoding such as UTF-16?); " + feedShape},
		{name: "not a feed: line 1 over 1 MiB", body: nd(overLine, okLine),
			failed: "not an NDJSON feed: line 1 is longer than 1048576 bytes (1 MiB); " + feedShape},

		// CSV, one record type per file.
		{
			name: "CSV without the status column: every row misses a required field", format: hub.FormatCSV, typ: hub.TypeProject,
			body:   "id,updated_at,title_ru,region\np-1,2026-01-13,Первый,KZ-11\np-2,2026-01-13,Второй,KZ-11\n",
			errs:   []hub.RecordError{rerr(2, "data.status", statusReq), rerr(3, "data.status", statusReq)},
			counts: hub.BatchCounts{Failed: 2},
			checks: []dbCheck{{projectCount, []string{"0"}}},
		},
		{
			name: "CSV without the id column: rejected whole", format: hub.FormatCSV, typ: hub.TypeProject,
			body:   "updated_at,title_ru,region,status\n2026-01-13,Первый,KZ-11,ACTIVE\n",
			failed: "not a CSV feed: the header row (line 1) has no id column; " + csvShape,
		},
		{
			name: "CSV with unknown columns: reported once, ignored, rows apply", format: hub.FormatCSV, typ: hub.TypeProject,
			body: "id,updated_at,title_ru,region,status,budget,Title_EN,title,title_de\n" +
				"p-1,2026-01-13,Первый,KZ-11,ACTIVE,5,First,Первый,Erste\np-2,2026-01-13,Второй,KZ-11,ACTIVE,,,,\n",
			errs: []hub.RecordError{
				rerr(1, "budget", "unknown column for type project; this column is ignored"),
				rerr(1, "Title_EN", "unknown column; column names are lower case (title_en); this column is ignored"),
				rerr(1, "title", "multilingual text goes in title_kk, title_ru and title_en columns; this column is ignored"),
				rerr(1, "title_de", "unknown language; use title_kk, title_ru or title_en; this column is ignored"),
			},
			counts: hub.BatchCounts{Created: 2},
			stored: []string{"project/p-1", "project/p-2"},
			checks: []dbCheck{{fmt.Sprintf(projectsByID, `title_ru || ' ' || coalesce(title_en, '-')`), []string{"p-1 Первый -", "p-2 Второй -"}}},
		},
		{
			// The header's notice is not a failed record, wherever the
			// header is: a failed count would also stop a snapshot's sweep.
			name: "CSV with blank lines before a header with an unknown column", format: hub.FormatCSV, typ: hub.TypeProject,
			body:   "\n\nid,updated_at,title_ru,region,status,budget\np-1,2026-01-13,Первый,KZ-11,ACTIVE,5\n",
			errs:   []hub.RecordError{rerr(3, "budget", "unknown column for type project; this column is ignored")},
			counts: hub.BatchCounts{Created: 1},
			stored: []string{"project/p-1"},
		},
		{
			name: "CSV rows with too few or too many cells", format: hub.FormatCSV, typ: hub.TypeProject,
			body: "id,updated_at,title_ru,region,status\np-1,2026-01-13,Первый,KZ-11\np-2,2026-01-13,Второй,KZ-11,ACTIVE,extra\n" +
				"p-3,2026-01-13,Третий,KZ-11,ACTIVE\np-4,2026-01-13,Четвёртый,KZ-11,ACTIVE,\n",
			errs: []hub.RecordError{
				rerr(2, "", "row has 4 cells, but the header has 5 columns"),
				rerr(3, "", "row has 6 cells, but the header has 5 columns"),
				rerr(5, "", "row has 6 cells, but the header has 5 columns"),
			},
			counts: hub.BatchCounts{Created: 1, Failed: 3},
			stored: []string{"project/p-3"},
		},
		{
			name: "CSV with a byte order mark and CRLF line ends is accepted", format: hub.FormatCSV, typ: hub.TypeProject,
			body: "\ufeffid,updated_at,title_ru,region,status,locality\r\np-1,2026-01-13,Первый,KZ-11,ACTIVE,Бурабай\r\n\r\n" +
				"p-2,2026-01-13,Второй,KZ-11,ACTIVE,Кокшетау\r\n",
			counts: hub.BatchCounts{Created: 2},
			stored: []string{"project/p-1", "project/p-2"},
			checks: []dbCheck{{fmt.Sprintf(projectsByID, `p.locality`), []string{"p-1 Бурабай", "p-2 Кокшетау"}}},
		},
		{
			name: "CSV lists separated by ';' in a file separated by ';'", format: hub.FormatCSV, typ: hub.TypeProject,
			body: "id;updated_at;title_ru;region;status;directions;tags\n" +
				`p-1;2026-01-13;Первый;KZ-11;ACTIVE;"ECOLOGY; Taza Álem; образование";"субботник; озеро;; субботник"` + "\n" +
				`p-2;2026-01-13;Второй;KZ-11;ACTIVE;"ECOLOGY; космонавтика";` + "\n",
			errs:   []hub.RecordError{rerr(3, "data.directions[1]", `"космонавтика" is not a direction code or a known category word`)},
			counts: hub.BatchCounts{Created: 1, Failed: 1},
			stored: []string{"project/p-1"},
			checks: []dbCheck{{`SELECT array_to_string(directions, ',') || ' | ' || array_to_string(tags, ',') FROM projects`,
				[]string{"ECOLOGY,EDUCATION | субботник,озеро"}}},
		},
		{
			name: "CSV numbers written as a spreadsheet shows them", format: hub.FormatCSV, typ: hub.TypeProject,
			body: "id;updated_at;title_ru;region;status;lat;lon;volunteers_needed\n" +
				"p-1;2026-01-13;Первый;KZ-11;ACTIVE;51,16;71.4;\np-2;2026-01-13;Второй;KZ-11;ACTIVE;;;1 200\n" +
				"p-3;2026-01-13;Третий;KZ-11;ACTIVE;;;012\np-4;2026-01-13;Четвёртый;KZ-11;ACTIVE;;;+5\n" +
				"p-5;2026-01-13;Пятый;KZ-11;ACTIVE;51.16;71.4;2e2\n",
			errs: []hub.RecordError{
				rerr(2, "data.lat", "must be a number"),
				rerr(3, "data.volunteers_needed", "must be a whole number"),
				rerr(4, "data.volunteers_needed", "must be a whole number"),
				rerr(5, "data.volunteers_needed", "must be a whole number"),
			},
			counts: hub.BatchCounts{Created: 1, Failed: 4},
			stored: []string{"project/p-5"},
			checks: []dbCheck{{`SELECT lat || ',' || lon || ',' || volunteers_needed FROM projects`, []string{"51.16,71.4,200"}}},
		},
		{
			name: "CSV quotes: a bare quote, a doubled one, one never closed", format: hub.FormatCSV, typ: hub.TypeProject,
			body: "id,updated_at,title_ru,region,status\n" +
				"p-1,2026-01-13,Чистый \"берег\",KZ-11,ACTIVE\n" +
				"p-2,2026-01-13,\"Чистый \"\"берег\"\", 2026\",KZ-11,ACTIVE\n" +
				"p-3,2026-01-13,\"Чистый берег,KZ-11,ACTIVE\n" +
				"p-4,2026-01-13,Четвёртый,KZ-11,ACTIVE\n",
			errs: []hub.RecordError{
				rerr(2, "", `row is not valid CSV: a " in a cell that does not start with one (on line 2); put the cell in quotes and double the " inside it`),
				rerr(4, "", `row is not valid CSV: a quoted cell is not closed, or has a " that is not doubled (on line 5)`),
			},
			counts: hub.BatchCounts{Created: 1, Failed: 2},
			stored: []string{"project/p-2"},
			checks: []dbCheck{{projectTitles, []string{`Чистый "берег", 2026`}}},
		},
		{
			name: "CSV row in Windows-1251", format: hub.FormatCSV, typ: hub.TypeProject,
			body:   "id,updated_at,title_ru,region,status\np-1,2026-01-13,Первый,KZ-11,ACTIVE\np-2,2026-01-13," + cp1251 + ",KZ-11,ACTIVE\n",
			errs:   []hub.RecordError{rerr(3, "", "row is not valid UTF-8 (is the file in another encoding, such as Windows-1251?)")},
			counts: hub.BatchCounts{Created: 1, Failed: 1},
			stored: []string{"project/p-1"},
		},
		{
			name: "CSV type column naming another record type", format: hub.FormatCSV, typ: hub.TypeProject,
			body: "type,id,updated_at,title_ru,region,status\norganization,p-1,2026-01-13,Первый,KZ-11,ACTIVE\n" +
				"event,p-2,2026-01-13,Второй,KZ-11,ACTIVE\nproject,p-3,2026-01-13,Третий,KZ-11,ACTIVE\n,p-4,2026-01-13,Четвёртый,KZ-11,ACTIVE\n",
			errs: []hub.RecordError{
				rerr(2, "type", `"organization" is not the record type of this file (project); a CSV file holds one record type`),
				rerr(3, "type", "must be empty or project, the record type of this file (a CSV file holds one record type)"),
			},
			counts: hub.BatchCounts{Created: 2, Failed: 2},
			stored: []string{"project/p-3", "project/p-4"},
		},
		{
			name: "CSV volunteer with personal cells and no consent", format: hub.FormatCSV, typ: hub.TypeVolunteer,
			body:    "id,updated_at,region,full_name,iin\nv-1,2026-01-13,KZ-75," + fullName + "," + iin + "\n",
			errs:    []hub.RecordError{rerr(2, "data.consent_ref", "full_name, iin"+consentMsg)},
			counts:  hub.BatchCounts{Created: 1},
			stored:  []string{"volunteer/v-1"},
			checks:  []dbCheck{{personalCount, []string{"0"}}},
			secrets: []string{iin, "Айгерим"},
		},
		{
			name: "CSV cell holding a NUL byte", format: hub.FormatCSV, typ: hub.TypeProject,
			body:   "id,updated_at,title_ru,region,status\np-1,2026-01-13,a\x00b,KZ-11,ACTIVE\np-2,2026-01-13,Второй,KZ-11,ACTIVE\n",
			errs:   []hub.RecordError{rerr(2, "data.title.ru", nulMsg)},
			counts: hub.BatchCounts{Created: 1, Failed: 1},
			stored: []string{"project/p-2"},
		},
		{
			name: "CSV with a column given twice: rejected whole", format: hub.FormatCSV, typ: hub.TypeProject,
			body:   "id,updated_at,region,title_ru,region,status\np-1,2026-01-13,KZ-11,Первый,KZ-71,ACTIVE\n",
			failed: `not a CSV feed: column "region" appears more than once in the header row (line 1)`,
		},
		{
			name: "CSV that is NDJSON: rejected whole", format: hub.FormatCSV, typ: hub.TypeProject,
			body:   nd(okLine),
			failed: "not a CSV feed: line 1 looks like JSON (an NDJSON feed?); " + csvShape,
		},
		{
			name: "CSV without a header row: rejected whole", format: hub.FormatCSV, typ: hub.TypeProject,
			body:   "p-1,2026-01-13,Первый,KZ-11,ACTIVE\np-2,2026-01-13,Второй,KZ-11,ACTIVE\n",
			failed: "not a CSV feed: line 1 is not a header row: none of its 5 columns is a column of a project record; " + csvShape,
		},

		// HSDS.
		{
			name: "HSDS body that is a CSV file, not a zip: rejected whole", format: hub.FormatHSDS,
			body:   "id,name,status\ns-1,Уборка,active\n",
			failed: "not an HSDS data package: the body is not a zip archive (it looks like a single CSV file: zip it together with datapackage.json and the other CSV files)",
		},
	}
}

// TestBadInput sends malformed feeds through the whole pipeline, each into
// a database of its own: stored as a batch, processed in chunks of two, and
// checked in the receipt, the record errors and the tables.
func TestBadInput(t *testing.T) {
	cases := badInputCases()
	if len(cases) < 30 {
		t.Fatalf("only %d cases", len(cases))
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			runBadInput(t, tc)
		})
	}
}

func runBadInput(t *testing.T, tc badInputCase) {
	ctx := context.Background()
	db := testutil.NewDB(t)
	batches := postgres.NewBatchService(db)
	sources := postgres.NewSourceService(db)
	src := &hub.Source{Name: "akmola-portal", Kind: hub.SourceRegionalPlatform, RegionCode: "KZ-11",
		Categories: map[string]string{"жасыл әлем": "ECOLOGY"}}
	if _, err := sources.CreateSource(ctx, src); err != nil {
		t.Fatal(err)
	}
	// Chunks of two records or errors, so that cases span chunks.
	p := &workers.BatchProcessor{Batches: batches, Sources: sources, ChunkSize: 2, Log: slog.New(slog.DiscardHandler)}
	run := func(b *hub.Batch, body string) (*hub.Batch, []hub.RecordError) {
		t.Helper()
		b.SourceID = src.ID
		if err := batches.CreateBatch(ctx, b, []byte(body)); err != nil {
			t.Fatal(err)
		}
		if err := p.Process(ctx, b.ID); err != nil {
			t.Fatalf("Process: %v", err)
		}
		got, err := batches.FindBatchByID(ctx, b.ID)
		if err != nil {
			t.Fatal(err)
		}
		errs, err := batches.FindBatchErrors(ctx, b.ID, 1000)
		if err != nil {
			t.Fatal(err)
		}
		return got, errs
	}

	if tc.before != "" {
		got, errs := run(&hub.Batch{Lines: ingest.CountLines([]byte(tc.before))}, tc.before)
		if got.Status != hub.BatchDone || got.Counts.Failed != 0 || len(errs) != 0 {
			t.Fatalf("the batch before: %s, %+v, errors %+v", got.Status, got.Counts, errs)
		}
	}

	b := &hub.Batch{Format: tc.format, RecordType: tc.typ}
	records := 0
	switch tc.format {
	case hub.FormatCSV:
		records = ingest.CountCSVRecords([]byte(tc.body))
	case "", hub.FormatNDJSON:
		records = ingest.CountLines([]byte(tc.body))
	}
	b.Lines = records
	got, errs := run(b, tc.body)

	wantStatus := hub.BatchDone
	if tc.failed != "" {
		wantStatus = hub.BatchFailed
	}
	if got.Status != wantStatus || got.Error != tc.failed {
		t.Errorf("batch %s with error %q, want %s with %q", got.Status, got.Error, wantStatus, tc.failed)
	}
	if diff := cmp.Diff(tc.errs, errs, cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("record errors (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(tc.counts, got.Counts); diff != "" {
		t.Errorf("counts (-want +got):\n%s", diff)
	}
	// Each record is counted once: the counts add up to the records.
	if got.Status == hub.BatchDone && got.Counts.Total() != records {
		t.Errorf("counts add up to %d, the body has %d records", got.Counts.Total(), records)
	}
	stored := rowsOf(t, db, `SELECT record_type || '/' || external_id || CASE WHEN deleted_at IS NULL THEN '' ELSE ' (deleted)' END
		FROM provenance ORDER BY 1`)
	if diff := cmp.Diff(tc.stored, stored, cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("provenance (-want +got):\n%s", diff)
	}
	for _, c := range tc.checks {
		if diff := cmp.Diff(c.want, rowsOf(t, db, c.query), cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("%s (-want +got):\n%s", c.query, diff)
		}
	}
	if tc.personal != nil {
		var got []string
		for _, p := range testutil.PersonalParts(t, db) {
			got = append(got, p.IIN+" "+p.ConsentRef)
		}
		if diff := cmp.Diff(tc.personal, got); diff != "" {
			t.Errorf("personal parts (-want +got):\n%s", diff)
		}
	}
	for _, s := range tc.secrets {
		for _, e := range errs {
			if strings.Contains(e.Message, s) || strings.Contains(e.Field, s) {
				t.Errorf("line %d %s: the message %q repeats a personal value", e.Line, e.Field, e.Message)
			}
		}
		if strings.Contains(got.Error, s) {
			t.Errorf("the batch error %q repeats a personal value", got.Error)
		}
	}
}

// rowsOf runs a query of one text column and returns its rows.
func rowsOf(t *testing.T, db *postgres.DB, query string) []string {
	t.Helper()
	rows, _ := db.Pool.Query(context.Background(), query)
	out, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return out
}
