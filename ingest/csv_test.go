package ingest_test

import (
	"bytes"
	"errors"
	"io"
	"os"
	"strings"
	"testing"
	"testing/iotest"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/birgemiz/hub"
	"github.com/birgemiz/hub/ingest"
)

// csvResult is what CSVDecoder.Next returned for one row, with the line
// Line() gave for it.
type csvResult struct {
	Line int
	Rec  *hub.FeedRecord
	Errs []hub.RecordError
}

// decodeCSVOpts decodes a CSV body to the end, checking on the way what
// every result must satisfy.
func decodeCSVOpts(t *testing.T, body string, typ hub.RecordType, opts ingest.Options) []csvResult {
	t.Helper()
	d := ingest.NewCSVDecoder(strings.NewReader(body), typ, opts)
	var out []csvResult
	for {
		rec, errs, err := d.Next()
		if err == io.EOF {
			return out
		} else if err != nil {
			t.Fatalf("Next: %v", err)
		}
		line := d.Line()
		if rec == nil && len(errs) == 0 {
			t.Fatalf("line %d: neither a record nor errors", line)
		}
		if rec != nil && rec.Line != line {
			t.Errorf("rec.Line = %d, Line() = %d", rec.Line, line)
		}
		for _, e := range errs {
			if e.Line != line {
				t.Errorf("error %+v, Line() = %d", e, line)
			}
		}
		out = append(out, csvResult{line, rec, errs})
	}
}

func decodeCSV(t *testing.T, body string, typ hub.RecordType) []csvResult {
	t.Helper()
	return decodeCSVOpts(t, body, typ, ingest.Options{})
}

// decodeCSVOne decodes a body of a header and one row.
func decodeCSVOne(t *testing.T, body string, typ hub.RecordType) (*hub.FeedRecord, []hub.RecordError) {
	t.Helper()
	rs := decodeCSV(t, body, typ)
	if len(rs) != 1 {
		t.Fatalf("got %d results, want 1: %+v", len(rs), rs)
	}
	return rs[0].Rec, rs[0].Errs
}

// ignoreLine compares records of the two formats, whose rows and lines
// are numbered differently. The hash is compared: the same content must
// hash the same whichever format brought it.
var ignoreLine = cmpopts.IgnoreFields(hub.FeedRecord{}, "Line")

// TestCSVRecordTypes decodes every record type, with every field, from
// CSV and from the NDJSON line that says the same, and wants the same
// record, hash included: a record sent as CSV and then as NDJSON with the
// same updated_at counts as unchanged.
func TestCSVRecordTypes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		typ  hub.RecordType
		csv  string
		line string
	}{
		{
			name: "organization",
			typ:  hub.TypeOrganization,
			csv: "id,op,updated_at,name_kk,name_ru,name_en,bin,kind,region,directions,website,contact_email,contact_phone,founded,volunteer_count\n" +
				"org-1,upsert,2026-01-13T15:00:00+05:00, Жасыл Ел ,Зелёная страна,Green Country,123456789012,public foundation,kz-71," +
				"ECOLOGY;экологическое;Bilim,https://jasyl.kz,info@jasyl.kz,+7 717 200 00 00,2015-03-01,250\n",
			line: `{"type":"organization","id":"org-1","op":"upsert","updated_at":"2026-01-13T15:00:00+05:00","data":{` +
				`"name":{"kk":" Жасыл Ел ","ru":"Зелёная страна","en":"Green Country"},"bin":"123456789012","kind":"public foundation",` +
				`"region":"kz-71","directions":["ECOLOGY","экологическое","Bilim"],"website":"https://jasyl.kz",` +
				`"contact_email":"info@jasyl.kz","contact_phone":"+7 717 200 00 00","founded":"2015-03-01","volunteer_count":250}}`,
		},
		{
			name: "organization defaults",
			typ:  hub.TypeOrganization,
			csv:  "id,updated_at,name_kk,name_ru,name_en,kind,bin\norg-2,2026-01-13,,Инициатива,,,\n",
			line: `{"type":"organization","id":"org-2","updated_at":"2026-01-13","data":{"name":{"ru":"Инициатива"},"kind":null,"bin":null}}`,
		},
		{
			name: "project",
			typ:  hub.TypeProject,
			csv: "id,op,updated_at,title_kk,title_ru,title_en,description_ru,organization_id,region,locality,lat,lon,directions,status," +
				"start_date,end_date,volunteers_needed,volunteers_engaged,volunteer_hours,beneficiaries,grant_programme,grant_amount_kzt,tags,url\n" +
				`prj-1,upsert,2026-01-13T10:00:00Z,Таза жағалау,Чистый берег,Clean shore," Субботник ""Чистый берег"", на берегу Есиля. ",` +
				`org-1,KZ-71,Астана,51.16,71.47,экологиялық;Birgemiz: Qamqor;ECOLOGY,active,2026-02-01T00:30:00+05:00,2026-06-30,100,42,` +
				`1250.5,3000,Birgemiz grant,2500000, субботник ;;экология;субботник,https://birgemiz.kz/projects/1` + "\n",
			line: `{"type":"project","id":"prj-1","op":"upsert","updated_at":"2026-01-13T10:00:00Z","data":{` +
				`"title":{"kk":"Таза жағалау","ru":"Чистый берег","en":"Clean shore"},"description":{"ru":" Субботник \"Чистый берег\", на берегу Есиля. "},` +
				`"organization_id":"org-1","region":"KZ-71","locality":"Астана","lat":51.16,"lon":71.47,` +
				`"directions":["экологиялық","Birgemiz: Qamqor","ECOLOGY"],"status":"active",` +
				`"start_date":"2026-02-01T00:30:00+05:00","end_date":"2026-06-30","volunteers_needed":100,"volunteers_engaged":42,` +
				`"volunteer_hours":1250.5,"beneficiaries":3000,"grant_programme":"Birgemiz grant","grant_amount_kzt":2500000,` +
				`"tags":[" субботник ","","экология","субботник",null],"url":"https://birgemiz.kz/projects/1"}}`,
		},
		{
			name: "volunteer with consent",
			typ:  hub.TypeVolunteer,
			csv: "id,updated_at,region,gender,birth_date,languages,skills,directions,registered_at,status,organization_ids," +
				"full_name,phone,email,iin,consent_ref,consent_at\n" +
				"vol-1,2026-01-13T10:00:00Z,KZ-75,Female,1998-04-15,kk;ru;en,first aid;driving,Saýlyq,2024-09-01,inactive,org-1; org-2 ;org-1," +
				"Айгерим Сапарова,+7 701 000 00 00,aigerim@example.kz,980415400123,consent-2024-77,2024-09-01T09:30:00+05:00\n",
			line: `{"type":"volunteer","id":"vol-1","updated_at":"2026-01-13T10:00:00Z","data":{` +
				`"region":"KZ-75","gender":"Female","birth_date":"1998-04-15","languages":["kk","ru","en"],` +
				`"skills":["first aid","driving"],"directions":["Saýlyq"],"registered_at":"2024-09-01","status":"inactive",` +
				`"organization_ids":["org-1","org-2","org-1"],"full_name":"Айгерим Сапарова","phone":"+7 701 000 00 00",` +
				`"email":"aigerim@example.kz","iin":"980415400123","consent_ref":"consent-2024-77","consent_at":"2024-09-01T09:30:00+05:00"}}`,
		},
		{
			name: "participation",
			typ:  hub.TypeParticipation,
			csv: "id,updated_at,volunteer_id,project_id,role,hours,start_date,end_date\n" +
				"par-1,2026-01-13T10:00:00Z,vol-1,prj-1,coordinator,12.5,2026-02-01,2026-02-03\n",
			line: `{"type":"participation","id":"par-1","updated_at":"2026-01-13T10:00:00Z","data":{` +
				`"volunteer_id":"vol-1","project_id":"prj-1","role":"coordinator","hours":12.5,"start_date":"2026-02-01","end_date":"2026-02-03"}}`,
		},
		{
			name: "un_placement",
			typ:  hub.TypeUNPlacement,
			csv: "id,updated_at,volunteer_id,host_entity,country,duty_station,title_en,title_ru,category,funding,start_date,end_date,status,sdgs\n" +
				"unv-1,2026-01-13T10:00:00Z,vol-1,UNDP,ke,Nairobi,Youth engagement officer,Специалист по работе с молодёжью,YOUTH," +
				"GOVERNMENT_OF_KAZAKHSTAN,2025-03-01,2026-02-28,ACTIVE,4;5;4;17\n",
			line: `{"type":"un_placement","id":"unv-1","updated_at":"2026-01-13T10:00:00Z","data":{` +
				`"volunteer_id":"vol-1","host_entity":"UNDP","country":"ke","duty_station":"Nairobi",` +
				`"title":{"en":"Youth engagement officer","ru":"Специалист по работе с молодёжью"},"category":"YOUTH",` +
				`"funding":"GOVERNMENT_OF_KAZAKHSTAN","start_date":"2025-03-01","end_date":"2026-02-28","status":"ACTIVE","sdgs":[4,5,4,17]}}`,
		},
		{
			name: "indicator",
			typ:  hub.TypeIndicator,
			csv: "id,updated_at,metric,value,unit,period,region,citation_url,note_ru\n" +
				"ind-1,2026-01-13T10:00:00Z,volunteer_organizations,682,organizations,2023,kz-75,https://egov.kz/volunteers-2023,По данным реестра\n",
			line: `{"type":"indicator","id":"ind-1","updated_at":"2026-01-13T10:00:00Z","data":{` +
				`"metric":"volunteer_organizations","value":682,"unit":"organizations","period":"2023","region":"kz-75",` +
				`"citation_url":"https://egov.kz/volunteers-2023","note":{"ru":"По данным реестра"}}}`,
		},
		{
			name: "indicator with a range",
			typ:  hub.TypeIndicator,
			csv:  "id,updated_at,metric,value,period\nind-2,2026-01-13,volunteers,2e5,2019/2023-06\n",
			line: `{"type":"indicator","id":"ind-2","updated_at":"2026-01-13","data":{"metric":"volunteers","value":2e5,"period":"2019/2023-06"}}`,
		},
		{
			name: "delete",
			typ:  hub.TypeProject,
			csv:  "id,updated_at,op\nprj-9,2026-01-13T10:00:00Z,delete\n",
			line: `{"type":"project","id":"prj-9","op":"delete","updated_at":"2026-01-13T10:00:00Z"}`,
		},
		{
			name: "delete ignores its data",
			typ:  hub.TypeVolunteer,
			csv:  "id,updated_at,op,region,full_name,iin\nvol-9,2026-01-13T10:00:00Z,delete,KZ-99,Айгерим Сапарова,12\n",
			line: `{"type":"volunteer","id":"vol-9","op":"delete","updated_at":"2026-01-13T10:00:00Z","data":{"region":"KZ-99"}}`,
		},
		{
			name: "type column",
			typ:  hub.TypeParticipation,
			csv:  "type,id,updated_at,volunteer_id,project_id\nparticipation,par-2,2026-01-13,vol-1,prj-1\n",
			line: `{"type":"participation","id":"par-2","updated_at":"2026-01-13","data":{"volunteer_id":"vol-1","project_id":"prj-1"}}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			want, errs := decodeOne(t, tt.line)
			if want == nil || len(errs) > 0 {
				t.Fatalf("the NDJSON line is rejected: %v", errs)
			}
			got, errs := decodeCSVOne(t, tt.csv, tt.typ)
			if len(errs) > 0 {
				t.Errorf("errors: %v", errs)
			}
			if diff := cmp.Diff(want, got, ignoreLine); diff != "" {
				t.Errorf("record (-NDJSON +CSV):\n%s", diff)
			}
			if got != nil && (got.Line != 2 || !bytes.Equal(got.Hash, want.Hash) || !got.UpdatedAt.Equal(want.UpdatedAt)) {
				t.Errorf("line %d, hash %x (NDJSON %x), updated_at %v (NDJSON %v)", got.Line, got.Hash, want.Hash, got.UpdatedAt, want.UpdatedAt)
			}
		})
	}
}

// csvProjects is a project feed in CSV, written with LF, with the records
// and lines the variants of TestCSVFormats must decode to.
const csvProjects = "id,updated_at,title_ru,region,status,directions,tags\n" +
	"p1,2026-01-13,Чистый берег,KZ-71,ACTIVE,ECOLOGY,a\n" +
	"\n" +
	"p2,2026-01-13,\"Уборка, \"\"субботник\"\"\",KZ-11,PLANNED,\"экологическое;Bilim\",\"x; y\"\n"

func TestCSVFormats(t *testing.T) {
	t.Parallel()
	project := func(line int, id, title, region string, status hub.ProjectStatus, dirs, tags []string) csvResult {
		return csvResult{Line: line, Rec: &hub.FeedRecord{
			Line: line, Type: hub.TypeProject, ExternalID: id, Op: hub.OpUpsert,
			UpdatedAt: time.Date(2026, 1, 13, 0, 0, 0, 0, time.UTC),
			Project:   &hub.Project{Title: hub.LocalizedText{RU: title}, RegionCode: region, Status: status, Directions: dirs, Tags: tags},
		}}
	}
	want := []csvResult{
		project(2, "p1", "Чистый берег", "KZ-71", hub.StatusActive, []string{"ECOLOGY"}, []string{"a"}),
		project(4, "p2", `Уборка, "субботник"`, "KZ-11", hub.StatusPlanned, []string{"ECOLOGY", "EDUCATION"}, []string{"x", "y"}),
	}
	// The same feed with ";" between cells; the lists, quoted, keep theirs.
	const semicolons = "id;updated_at;title_ru;region;status;directions;tags\n" +
		"p1;2026-01-13;Чистый берег;KZ-71;ACTIVE;ECOLOGY;a\n" +
		"\n" +
		"p2;2026-01-13;\"Уборка, \"\"субботник\"\"\";KZ-11;PLANNED;\"экологическое;Bilim\";\"x; y\"\n"
	bodies := map[string]string{
		"LF":                        csvProjects,
		"CRLF":                      strings.ReplaceAll(csvProjects, "\n", "\r\n"),
		"byte order mark":           "\xef\xbb\xbf" + csvProjects,
		"byte order mark and CRLF":  "\xef\xbb\xbf" + strings.ReplaceAll(csvProjects, "\n", "\r\n"),
		"no final newline":          strings.TrimSuffix(csvProjects, "\n"),
		"no final newline, CRLF":    strings.TrimSuffix(strings.ReplaceAll(csvProjects, "\n", "\r\n"), "\r\n"),
		"semicolons":                semicolons,
		"semicolons and BOM, CRLF":  "\xef\xbb\xbf" + strings.ReplaceAll(semicolons, "\n", "\r\n"),
		"spaces around cells":       strings.ReplaceAll(csvProjects, "p1,2026-01-13,Чистый берег,KZ-71", " p1 ,\t2026-01-13 , Чистый берег ,KZ-71 "),
		"an empty row of the width": strings.Replace(csvProjects, "\n\n", "\n,,,, ,,\n", 1),
	}
	for name, body := range bodies {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			got := decodeCSV(t, body, hub.TypeProject)
			if diff := cmp.Diff(want, got, ignoreHash); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
			if err := ingest.SniffCSV([]byte(body), hub.TypeProject); err != nil {
				t.Errorf("SniffCSV: %v", err)
			}
			if n := ingest.CountCSVRecords([]byte(body)); n != len(want) {
				t.Errorf("CountCSVRecords = %d, want %d", n, len(want))
			}
		})
	}
}

// TestCSVQuotedNewlines checks that a row is numbered by its first line,
// and the rows after it by the lines an editor shows, across cells that
// hold line breaks.
func TestCSVQuotedNewlines(t *testing.T) {
	t.Parallel()
	body := "id,updated_at,title_ru,description_ru,region,status\r\n" + // 1
		"p1,2026-01-13,Берег,\"Первая строка\r\nвторая\r\n\r\nчетвёртая\",KZ-71,ACTIVE\r\n" + // 2–5
		"\r\n" + // 6
		"p2,2026-01-13,\"Два\nсловa\",,KZ-99,ACTIVE\n" + // 7–8
		"p3,2026-01-13,Берег,,KZ-71,ACTIVE" // 9
	got := decodeCSV(t, body, hub.TypeProject)
	if len(got) != 3 {
		t.Fatalf("got %d results, want 3: %+v", len(got), got)
	}
	if got[0].Line != 2 || got[0].Rec == nil || got[0].Rec.Project.Description.RU != "Первая строка\nвторая\n\nчетвёртая" {
		t.Errorf("row 1: %+v", got[0])
	}
	want := []hub.RecordError{{Line: 7, Field: "data.region", Message: `"KZ-99" is not an ISO 3166-2:KZ region code the hub knows (KZ-10 … KZ-79)`}}
	if diff := cmp.Diff(want, got[1].Errs); diff != "" || got[1].Line != 7 {
		t.Errorf("row 2 on line %d (-want +got):\n%s", got[1].Line, diff)
	}
	if got[2].Line != 9 || got[2].Rec == nil || got[2].Rec.ExternalID != "p3" {
		t.Errorf("row 3: %+v", got[2])
	}
	if n := ingest.CountCSVRecords([]byte(body)); n != 3 {
		t.Errorf("CountCSVRecords = %d, want 3", n)
	}
}

// TestCSVSameMessages checks that a bad value gets the same error from
// both formats: the CSV row is decoded by the NDJSON decoder's code. The
// NDJSON line holds what the CSV cell becomes: a number when the cell is
// one, else a string.
func TestCSVSameMessages(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		typ    hub.RecordType
		header string
		row    string
		line   string // the NDJSON line's data, after the envelope
	}{
		{"count not a number", hub.TypeProject, "volunteers_needed", "12 people", `"volunteers_needed":"12 people"`},
		{"fractional count", hub.TypeProject, "volunteers_needed", "1.5", `"volunteers_needed":1.5`},
		{"decimal comma", hub.TypeProject, "lat,lon", `"51,16",71.47`, `"lat":"51,16","lon":71.47`},
		{"negative count", hub.TypeProject, "volunteers_engaged", "-3", `"volunteers_engaged":-3`},
		{"count too large", hub.TypeProject, "beneficiaries", "3000000000", `"beneficiaries":3000000000`},
		{"hours a word", hub.TypeProject, "volunteer_hours", "many", `"volunteer_hours":"many"`},
		{"leading zero", hub.TypeProject, "volunteers_needed", "012", `"volunteers_needed":"012"`},
		{"huge number", hub.TypeProject, "lat,lon", "1e400,1", `"lat":1e400,"lon":1`},
		{"unknown region", hub.TypeProject, "region", "KZ-99", `"region":"KZ-99"`},
		{"unknown status", hub.TypeProject, "status", "ongoing", `"status":"ongoing"`},
		{"impossible date", hub.TypeProject, "start_date", "2026-02-30", `"start_date":"2026-02-30"`},
		{"date in a local format", hub.TypeProject, "start_date", "01.02.2026", `"start_date":"01.02.2026"`},
		{"end before start", hub.TypeProject, "start_date,end_date", "2026-06-30,2026-02-01", `"start_date":"2026-06-30","end_date":"2026-02-01"`},
		{"url not http", hub.TypeProject, "url", "ftp://birgemiz.kz", `"url":"ftp://birgemiz.kz"`},
		{"unknown direction", hub.TypeProject, "directions", "ECOLOGY;космонавтика", `"directions":["ECOLOGY","космонавтика"]`},
		{"too many tags", hub.TypeProject, "tags", strings.ReplaceAll(strings.ReplaceAll(manyTags(51), `"`, ""), ",", ";"), `"tags":[` + manyTags(51) + `]`},
		{"title too long", hub.TypeProject, "title_kk", strings.Repeat("ә", 501), `"title":{"kk":"` + strings.Repeat("ә", 501) + `"}`},
		{"bin and kind", hub.TypeOrganization, "name_en,kind,bin", "N,club,12345", `"name":{"en":"N"},"kind":"club","bin":"12345"`},
		{"sdgs", hub.TypeUNPlacement, "host_entity,country,status,sdgs", "UNDP,Kenya,ACTIVE,18;x", `"host_entity":"UNDP","country":"Kenya","status":"ACTIVE","sdgs":[18,"x"]`},
		{"indicator period", hub.TypeIndicator, "metric,value,period", "Volunteer Count,1,2023-13", `"metric":"Volunteer Count","value":1,"period":"2023-13"`},
		{"indicator value", hub.TypeIndicator, "metric,value,period", "volunteers,about 200,2023", `"metric":"volunteers","value":"about 200","period":"2023"`},
		{"participation hours", hub.TypeParticipation, "volunteer_id,project_id,hours", "v,p,200000", `"volunteer_id":"v","project_id":"p","hours":200000`},
		{"participation required", hub.TypeParticipation, "role,hours", "lead,3", `"role":"lead","hours":3`},
		{"volunteer gender", hub.TypeVolunteer, "region,gender", "KZ-11,x", `"region":"KZ-11","gender":"x"`},
		{"unknown op", hub.TypeProject, "op,title_ru,region,status", "remove,Т,KZ-71,ACTIVE", ``},
		{"bad updated_at", hub.TypeProject, "title_ru,region,status", "Т,KZ-71,ACTIVE", ``},
		{"id too long", hub.TypeProject, "title_ru,region,status", "Т,KZ-71,ACTIVE", ``},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			id, updated, op := "x-1", "2026-01-13", ""
			switch tt.name {
			case "unknown op":
				op = "remove"
			case "bad updated_at":
				updated = "13.01.2026 10:00"
			case "id too long":
				id = strings.Repeat("я", 201)
			}
			csv := "id,updated_at," + tt.header + "\n" + id + "," + updated + "," + tt.row + "\n"
			line := `{"type":"` + string(tt.typ) + `","id":"` + id + `","updated_at":"` + updated + `"`
			data := tt.line
			if op != "" {
				line += `,"op":"` + op + `"`
				data = `"title":{"ru":"Т"},"region":"KZ-71","status":"ACTIVE"`
			} else if data == "" {
				data = `"title":{"ru":"Т"},"region":"KZ-71","status":"ACTIVE"`
			}
			line += `,"data":{` + data + `}}`
			wantRec, wantErrs := decodeOne(t, line)
			if len(wantErrs) == 0 {
				t.Fatalf("the NDJSON line has no errors")
			}
			for i := range wantErrs {
				wantErrs[i].Line = 2
			}
			rec, errs := decodeCSVOne(t, csv, tt.typ)
			if diff := cmp.Diff(wantErrs, errs); diff != "" {
				t.Errorf("errors (-NDJSON +CSV):\n%s", diff)
			}
			if (rec == nil) != (wantRec == nil) {
				t.Errorf("record %v from CSV, %v from NDJSON", rec != nil, wantRec != nil)
			}
		})
	}
}

// TestCSVRowErrors checks the problems only CSV has: rows of the wrong
// width, broken quoting, the header's columns, and the encoding.
func TestCSVRowErrors(t *testing.T) {
	t.Parallel()
	const header = "id,updated_at,title_ru,region,status\n"
	const ok = "p1,2026-01-13,Берег,KZ-71,ACTIVE\n"
	e := func(line int, field, msg string) hub.RecordError {
		return hub.RecordError{Line: line, Field: field, Message: msg}
	}
	type res struct {
		Line int
		ID   string // the record's id; "" when the row is rejected
		Errs []hub.RecordError
	}
	tests := []struct {
		name string
		body string
		want []res
	}{
		{"missing cells", header + "p1,2026-01-13,Берег\n" + ok, []res{
			{2, "", []hub.RecordError{e(2, "", "row has 3 cells, but the header has 5 columns")}},
			{3, "p1", nil},
		}},
		{"extra cells", header + "p1,2026-01-13,Берег,KZ-71,ACTIVE,,\n" + ok, []res{
			{2, "", []hub.RecordError{e(2, "", "row has 7 cells, but the header has 5 columns")}},
			{3, "p1", nil},
		}},
		{"bare quote", header + `p1,2026-01-13,Берег "Есиль",KZ-71,ACTIVE` + "\n" + ok, []res{
			{2, "", []hub.RecordError{e(2, "", `row is not valid CSV: a " in a cell that does not start with one (on line 2); put the cell in quotes and double the " inside it`)}},
			{3, "p1", nil},
		}},
		{"quote not doubled", header + `p1,2026-01-13,"Берег "Есиль"",KZ-71,ACTIVE` + "\n" + ok, []res{
			{2, "", []hub.RecordError{e(2, "", `row is not valid CSV: a quoted cell is not closed, or has a " that is not doubled (on line 2)`)}},
			{3, "p1", nil},
		}},
		{"quote never closed", header + ok + "p2,2026-01-13,\"Берег,KZ-71,ACTIVE\n" + ok, []res{
			{2, "p1", nil},
			{3, "", []hub.RecordError{e(3, "", `row is not valid CSV: a quoted cell is not closed, or has a " that is not doubled (on line 4)`)}},
		}},
		{"unknown columns, reported once", "id,updated_at,title_ru,region,status,budget,Title_EN,title,title_de\n" + ok +
			"p2,2026-01-13,Берег,KZ-71,ACTIVE,,,,\n" + "p3,2026-01-13,Берег,KZ-71,ACTIVE,100,Shore,Берег,Ufer\n", []res{
			{1, "", []hub.RecordError{
				e(1, "budget", "unknown column for type project; this column is ignored"),
				e(1, "Title_EN", "unknown column; column names are lower case (title_en); this column is ignored"),
				e(1, "title", "multilingual text goes in title_kk, title_ru and title_en columns; this column is ignored"),
				e(1, "title_de", "unknown language; use title_kk, title_ru or title_en; this column is ignored"),
			}},
			{2, "", []hub.RecordError{e(2, "", "row has 5 cells, but the header has 9 columns")}},
			{3, "p2", nil},
			{4, "p3", nil},
		}},
		{"column given twice", "id,updated_at,title_ru,region,status,region\n" + "p1,2026-01-13,Берег,KZ-71,ACTIVE,KZ-11\n", []res{
			{1, "", []hub.RecordError{e(1, "region", "column appears 2 times in the header; none of them is read")}},
			{2, "", []hub.RecordError{e(2, "data.region", "is required (an ISO 3166-2:KZ code such as KZ-11)")}},
		}},
		{"nameless columns are ignored", "id,updated_at,title_ru,region,status,,\n" + "p1,2026-01-13,Берег,KZ-71,ACTIVE,,\n", []res{
			{2, "p1", nil},
		}},
		{"another type in the type column", "type,id,updated_at,title_ru,region,status\n" +
			"organization,p1,2026-01-13,Берег,KZ-71,ACTIVE\n" + "project,p2,2026-01-13,Берег,KZ-71,ACTIVE\n", []res{
			{2, "", []hub.RecordError{e(2, "type", `"organization" is not the record type of this file (project); a CSV file holds one record type`)}},
			{3, "p2", nil},
		}},
		{"something else in the type column", "type,id,updated_at,title_ru,region,status\n" +
			"Айгерим Сапарова,p1,2026-01-13,Берег,KZ-71,ACTIVE\n", []res{
			{2, "", []hub.RecordError{e(2, "type", "must be empty or project, the record type of this file (a CSV file holds one record type)")}},
		}},
		{"Windows-1251", header + "p1,2026-01-13,\xc1\xe5\xf0\xe5\xe3,KZ-71,ACTIVE\n" + ok, []res{
			{2, "", []hub.RecordError{e(2, "", "row is not valid UTF-8 (is the file in another encoding, such as Windows-1251?)")}},
			{3, "p1", nil},
		}},
		{"header not valid CSV", `id,updated_at,"title_ru,region,status` + "\n" + ok, []res{
			{1, "", []hub.RecordError{e(1, "", `header row is not valid CSV: a quoted cell is not closed, or has a " that is not doubled (on line 2)`)}},
		}},
		{"header broken on its own line", `id,up"dated_at,title_ru,region,status` + "\n" + ok + ok, []res{
			{1, "", []hub.RecordError{e(1, "", `header row is not valid CSV: a " in a cell that does not start with one (on line 1); put the cell in quotes and double the " inside it`)}},
			{2, "", []hub.RecordError{e(2, "", "row not read: the header row could not be read, so its cells have no names")}},
			{3, "", []hub.RecordError{e(3, "", "row not read: the header row could not be read, so its cells have no names")}},
		}},
		{"empty cells are absent", "id,updated_at,op,title_ru,region,status,lat,lon,tags\n" + "p1,2026-01-13,,Берег,KZ-71,ACTIVE,,,\n", []res{
			{2, "p1", nil},
		}},
		{"required cells empty", header + ",,,,ACTIVE\n", []res{
			{2, "", []hub.RecordError{
				e(2, "id", "is required (the source's id of the record, a string)"),
				e(2, "updated_at", "is required (an RFC 3339 timestamp like 2026-01-13T10:00:00Z)"),
				e(2, "data.title", `is required (an object like {"kk": "…", "ru": "…"})`),
				e(2, "data.region", "is required (an ISO 3166-2:KZ code such as KZ-11)"),
			}},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var got []res
			for _, r := range decodeCSV(t, tt.body, hub.TypeProject) {
				g := res{Line: r.Line, Errs: r.Errs}
				if r.Rec != nil {
					g.ID = r.Rec.ExternalID
				}
				got = append(got, g)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
			header := 0
			if len(got) > 0 && got[0].Line == 1 {
				header = 1
			}
			if n := ingest.CountCSVRecords([]byte(tt.body)); n != len(got)-header {
				t.Errorf("CountCSVRecords = %d, want %d", n, len(got)-header)
			}
		})
	}
}

// TestCSVRowAtLimit checks the boundary: a row of MaxLineBytes is read,
// one byte more is rejected unread, and the rows after it are decoded.
func TestCSVRowAtLimit(t *testing.T) {
	t.Parallel()
	const header = "id,updated_at,title_ru,region,status,description_ru\n"
	prefix := "p1,2026-01-13,Т,KZ-71,ACTIVE,"
	atLimit := prefix + strings.Repeat("x", ingest.MaxLineBytes-len(prefix))
	body := header + atLimit + "\r\n" + atLimit + "x\n" + "p3,2026-01-13,Т,KZ-71,ACTIVE,\n"
	got := decodeCSV(t, body, hub.TypeProject)
	if len(got) != 3 {
		t.Fatalf("got %d results, want 3", len(got))
	}
	want := []hub.RecordError{{Line: 2, Field: "data.description.ru", Message: "is 1048546 characters long; the limit is 20000"}}
	if diff := cmp.Diff(want, got[0].Errs); diff != "" {
		t.Errorf("row at the limit (-want +got):\n%s", diff)
	}
	want = []hub.RecordError{{Line: 3, Message: "row is longer than 1048576 bytes (1 MiB), the limit for one record"}}
	if diff := cmp.Diff(want, got[1].Errs); diff != "" {
		t.Errorf("row over the limit (-want +got):\n%s", diff)
	}
	if got[2].Rec == nil || got[2].Line != 4 {
		t.Errorf("row after: %+v", got[2])
	}
}

func TestCSVEmpty(t *testing.T) {
	t.Parallel()
	for name, body := range map[string]string{
		"empty":                   "",
		"byte order mark only":    "\xef\xbb\xbf",
		"blank lines":             "\n\r\n\n",
		"header only":             "id,updated_at,title_ru,region,status\n",
		"header only, no newline": "\xef\xbb\xbfid;updated_at;title_ru",
		"header and blank rows":   "id,updated_at,title_ru\n\n,,\n , ,\n",
	} {
		if got := decodeCSV(t, body, hub.TypeProject); len(got) != 0 {
			t.Errorf("%s: %+v", name, got)
		}
		if n := ingest.CountCSVRecords([]byte(body)); n != 0 {
			t.Errorf("%s: CountCSVRecords = %d", name, n)
		}
	}
}

// TestCSVLists checks how list cells split: on ";", entries trimmed, empty
// ones dropped, then the list rules of every feed (duplicates dropped,
// order kept).
func TestCSVLists(t *testing.T) {
	t.Parallel()
	body := "id,updated_at,region,languages,skills,directions,organization_ids\n" +
		`v1,2026-01-13,KZ-11, kk ;ru;;kk; ,"first aid; driving, trucks",ECOLOGY; экологиялық ;EDUCATION,org-2;org-1;org-2` + "\n" +
		"v2,2026-01-13,KZ-11,;,; ;,,\n"
	got := decodeCSV(t, body, hub.TypeVolunteer)
	if len(got) != 2 {
		t.Fatalf("got %d results", len(got))
	}
	for _, r := range got {
		if len(r.Errs) > 0 || r.Rec == nil {
			t.Fatalf("line %d: %v", r.Line, r.Errs)
		}
	}
	v := got[0].Rec
	want := []any{[]string{"kk", "ru"}, []string{"first aid", "driving, trucks"}, []string{"ECOLOGY", "EDUCATION"}, []string{"org-2", "org-1"}}
	if diff := cmp.Diff(want, []any{v.Volunteer.Languages, v.Volunteer.Skills, v.Volunteer.Directions, v.OrganizationRefs}); diff != "" {
		t.Errorf("lists (-want +got):\n%s", diff)
	}
	v = got[1].Rec
	if v.Volunteer.Languages != nil || v.Volunteer.Skills != nil || v.Volunteer.Directions != nil || v.OrganizationRefs != nil {
		t.Errorf("lists of empty entries: %+v %v", v.Volunteer, v.OrganizationRefs)
	}
}

// TestCSVCategories checks that a CSV decoder maps the source's words too.
func TestCSVCategories(t *testing.T) {
	t.Parallel()
	body := "id,updated_at,name_ru,directions\no1,2026-01-13,Н,Зелёный патруль;социальное\no2,2026-01-13,Н,космос\n"
	got := decodeCSVOpts(t, body, hub.TypeOrganization, ingest.Options{Categories: map[string]string{
		"зеленый патруль": "ECOLOGY", "Социальное": "ELDERLY_CARE",
	}})
	if len(got) != 2 || got[0].Rec == nil {
		t.Fatalf("results: %+v", got)
	}
	if diff := cmp.Diff([]string{"ECOLOGY", "ELDERLY_CARE"}, got[0].Rec.Organization.Directions); diff != "" {
		t.Errorf("directions (-want +got):\n%s", diff)
	}
	want := []hub.RecordError{{Line: 3, Field: "data.directions[0]", Message: `"космос" is not a direction code or a known category word`}}
	if diff := cmp.Diff(want, got[1].Errs); diff != "" {
		t.Errorf("errors (-want +got):\n%s", diff)
	}
}

// TestCSVPersonalWithoutConsent: the public part applies, the personal
// fields are refused by name, and no message repeats a personal value,
// whatever goes wrong in the row.
func TestCSVPersonalWithoutConsent(t *testing.T) {
	t.Parallel()
	const header = "id,updated_at,region,birth_date,full_name,phone,iin,consent_ref,consent_at\n"
	rec, errs := decodeCSVOne(t, header+"vol-1,2026-01-13T10:00:00Z,KZ-75,1998-04-15,Айгерим Сапарова,+7 701 000 00 00,980415400123,consent-2024-77,\n", hub.TypeVolunteer)
	want := &hub.FeedRecord{
		Line: 2, Type: hub.TypeVolunteer, ExternalID: "vol-1", Op: hub.OpUpsert,
		UpdatedAt: time.Date(2026, 1, 13, 10, 0, 0, 0, time.UTC),
		Volunteer: &hub.Volunteer{RegionCode: "KZ-75", Gender: hub.GenderUnknown, Status: hub.VolunteerActive, BirthYear: ptr(1998)},
	}
	if diff := cmp.Diff(want, rec, ignoreHash); diff != "" {
		t.Errorf("record (-want +got):\n%s", diff)
	}
	wantErrs := []hub.RecordError{{Line: 2, Field: "data.consent_ref",
		Message: "full_name, phone, iin not stored: personal fields are accepted only with both consent_ref and consent_at (the person's consent to processing)"}}
	if diff := cmp.Diff(wantErrs, errs); diff != "" {
		t.Errorf("errors (-want +got):\n%s", diff)
	}
	checkNoPersonalData(t, errs)

	// The same person in rows that fail in other ways.
	for _, row := range []string{
		"vol-1,2026-01-13,KZ-75,1998-04-15x,Айгерим Сапарова,+7 701 000 00 00,98041540012,consent-2024-77,2024-09-01",
		`vol-1,2026-01-13,KZ-75,1998-04-15,Айгерим "Сапарова",+7 701 000 00 00,980415400123,consent-2024-77,2024-09-01`,
		`vol-1,2026-01-13,KZ-75,1998-04-15,"Айгерим Сапарова"",+7 701 000 00 00,980415400123,consent-2024-77,2024-09-01`,
		"vol-1,2026-01-13,KZ-75,1998-04-15,Айгерим Сапарова,+7 701 000 00 00",
		"vol-1,2026-01-13,KZ-75,1998-04-15,Айгерим Сапарова,+7 701 000 00 00,980415400123,consent-2024-77,2024-09-01,aigerim@example.kz",
	} {
		for _, r := range decodeCSV(t, header+row+"\n", hub.TypeVolunteer) {
			if len(r.Errs) == 0 {
				t.Errorf("%s: no errors", row)
			}
			checkNoPersonalData(t, r.Errs)
		}
	}
}

func TestCSVReadError(t *testing.T) {
	t.Parallel()
	boom := errors.New("connection reset")
	r := io.MultiReader(strings.NewReader("id,updated_at,title_ru,region,status\np1,2026-01-13,Т,KZ-71,ACTIVE\np2,2026"), iotest.ErrReader(boom))
	d := ingest.NewCSVDecoder(r, hub.TypeProject, ingest.Options{})
	if rec, errs, err := d.Next(); err != nil || rec == nil || errs != nil {
		t.Fatalf("first row: %v %v %v", rec, errs, err)
	}
	for range 2 {
		if _, _, err := d.Next(); !errors.Is(err, boom) {
			t.Fatalf("Next = %v, want the read error", err)
		}
	}
}

// TestCSVReadErrorWhilePeeking checks that a read error in the first bytes,
// which the decoder reads ahead to find the separator, still ends the
// decoding with that error, from a reader that reports it only once.
func TestCSVReadErrorWhilePeeking(t *testing.T) {
	t.Parallel()
	boom := errors.New("connection reset")
	once := &onceErr{r: strings.NewReader("id,updated_at,title_ru,region,status\np1,2026-01-13,Т,KZ-71,ACTIVE\np2,2026"), err: boom}
	d := ingest.NewCSVDecoder(once, hub.TypeProject, ingest.Options{})
	if rec, errs, err := d.Next(); err != nil || rec == nil || errs != nil {
		t.Fatalf("first row: %v %v %v", rec, errs, err)
	}
	if _, _, err := d.Next(); !errors.Is(err, boom) {
		t.Fatalf("Next = %v, want the read error", err)
	}
}

// onceErr reads r, then returns err once, then io.EOF.
type onceErr struct {
	r    io.Reader
	err  error
	done bool
}

func (o *onceErr) Read(p []byte) (int, error) {
	n, err := o.r.Read(p)
	if err == io.EOF && !o.done {
		o.done = true
		return n, o.err
	}
	return n, err
}

func TestSniffCSV(t *testing.T) {
	t.Parallel()
	const shape = "a CSV feed of project records starts with a header row such as id,updated_at,title_ru,region,status"
	tests := []struct {
		name string
		typ  hub.RecordType
		body string
		want string // "" for a feed
	}{
		{"feed", hub.TypeProject, csvProjects, ""},
		{"semicolons", hub.TypeProject, "\xef\xbb\xbf\r\nid;updated_at;title_ru\r\n", ""},
		{"deletes only", hub.TypeProject, "id,updated_at,op\n", ""},
		{"a broken row further down", hub.TypeProject, "id,updated_at,title_ru\np1,\"2026", ""},
		{"an unknown column beside known ones", hub.TypeProject, "id,updated_at,title_ru,budget\n", ""},
		{"empty", hub.TypeProject, "", "empty feed"},
		{"blank lines", hub.TypeProject, "\xef\xbb\xbf\n \r\n", "empty feed"},
		{"blank rows", hub.TypeProject, ",,,\n , ,\n", "empty feed"},
		{"html", hub.TypeProject, "<!DOCTYPE html>\n<html><body>502 Bad Gateway</body></html>", "not a CSV feed: line 1 looks like HTML or XML; " + shape},
		{"ndjson", hub.TypeProject, `{"type":"project","id":"p"}`, "not a CSV feed: line 1 looks like JSON (an NDJSON feed?); " + shape},
		{"json array", hub.TypeProject, "\n[]", "not a CSV feed: line 2 looks like JSON (an NDJSON feed?); " + shape},
		{"gzip", hub.TypeProject, "\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03", "not a CSV feed: line 1 is not UTF-8 text (binary or compressed data, or another encoding such as UTF-16 or Windows-1251?); " + shape},
		{"UTF-16", hub.TypeProject, "\xff\xfei\x00d\x00,\x00", "not a CSV feed: line 1 is not UTF-8 text (binary or compressed data, or another encoding such as UTF-16 or Windows-1251?); " + shape},
		{"Windows-1251", hub.TypeProject, "id,updated_at,title_ru\np1,2026-01-13,\xc1\xe5\xf0\xe5\xe3\n", ""},
		{"Windows-1251 header", hub.TypeProject, "id,updated_at,\xed\xe0\xe7\xe2\xe0\xed\xe8\xe5\n", "not a CSV feed: line 1 is not UTF-8 text (binary or compressed data, or another encoding such as UTF-16 or Windows-1251?); " + shape},
		{"no header", hub.TypeProject, "prj-1,2026-01-13,Чистый берег,KZ-71,ACTIVE\n", "not a CSV feed: line 1 is not a header row: none of its 5 columns is a column of a project record; " + shape},
		{"plain text", hub.TypeProject, "Hello", "not a CSV feed: line 1 is not a header row: none of its 1 columns is a column of a project record; " + shape},
		{"no id", hub.TypeProject, "updated_at,title_ru\n", "not a CSV feed: the header row (line 1) has no id column; " + shape},
		{"no updated_at", hub.TypeProject, "\n\nid,title_ru\n", "not a CSV feed: the header row (line 3) has no updated_at column; " + shape},
		{"neither", hub.TypeProject, "title_ru,region\n", "not a CSV feed: the header row (line 1) has no id and no updated_at column; " + shape},
		{"another type", hub.TypeProject, "id,updated_at,name_ru,bin\n", "not a CSV feed: none of the columns of the header row (line 1) is a field of a project record; is it a file of another record type? " + shape},
		{"column twice", hub.TypeProject, "id,updated_at,title_ru,id\n", `not a CSV feed: column "id" appears more than once in the header row (line 1)`},
		{"broken header", hub.TypeProject, "id,updated_at,\"title_ru\n", `not a CSV feed: line 1 is not a valid CSV header row: a quoted cell is not closed, or has a " that is not doubled (on line 1)`},
		{"indicator", hub.TypeIndicator, "metric,value\n", "not a CSV feed: the header row (line 1) has no id and no updated_at column; a CSV feed of indicator records starts with a header row such as id,updated_at,metric,value,period"},
		{"unknown type", "event", "id,updated_at\n", `"event" is not a record type; use one of organization, project, volunteer, participation, un_placement, indicator`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := ingest.SniffCSV([]byte(tt.body), tt.typ)
			if tt.want == "" {
				if err != nil {
					t.Fatalf("SniffCSV: %v", err)
				}
				return
			}
			var e *hub.Error
			if !errors.As(err, &e) {
				t.Fatalf("SniffCSV = %v, want a *hub.Error", err)
			}
			if diff := cmp.Diff(&hub.Error{Code: hub.EINVALID, Message: tt.want}, e); diff != "" {
				t.Errorf("error (-want +got):\n%s", diff)
			}
		})
	}
}

// TestCSVFixture decodes testdata/feed_*.csv, one file per record type,
// and wants each record equal to the one testdata/feed.ndjson has for the
// same id: the two fixtures are one feed in two formats.
func TestCSVFixture(t *testing.T) {
	t.Parallel()
	nd, err := os.ReadFile("testdata/feed.ndjson")
	if err != nil {
		t.Fatal(err)
	}
	byID := map[string]*hub.FeedRecord{}
	for _, r := range decodeAll(t, string(nd)) {
		if r.Rec != nil {
			byID[string(r.Rec.Type)+"/"+r.Rec.ExternalID] = r.Rec
		}
	}
	for _, typ := range hub.RecordTypes {
		name := "testdata/feed_" + string(typ) + ".csv"
		body, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		if err := ingest.SniffCSV(body, typ); err != nil {
			t.Errorf("%s: SniffCSV: %v", name, err)
		}
		rs := decodeCSV(t, string(body), typ)
		if n := ingest.CountCSVRecords(body); n != len(rs) || n == 0 {
			t.Errorf("%s: CountCSVRecords = %d, decoded %d", name, n, len(rs))
		}
		for _, r := range rs {
			if len(r.Errs) > 0 {
				t.Errorf("%s: line %d: %v", name, r.Line, r.Errs)
				continue
			}
			want := byID[string(typ)+"/"+r.Rec.ExternalID]
			if want == nil {
				t.Errorf("%s: line %d: %s is not in feed.ndjson", name, r.Line, r.Rec.ExternalID)
				continue
			}
			if diff := cmp.Diff(want, r.Rec, ignoreLine); diff != "" {
				t.Errorf("%s: line %d (-NDJSON +CSV):\n%s", name, r.Line, diff)
			}
		}
	}
}
