package ingest_test

import (
	"bytes"
	"errors"
	"io"
	"os"
	"strconv"
	"strings"
	"testing"
	"testing/iotest"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/birgemiz/hub"
	"github.com/birgemiz/hub/ingest"
)

func date(y int, m time.Month, d int) *time.Time {
	t := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	return &t
}

func ptr[T any](v T) *T { return &v }

// result is what Next returned for one line.
type result struct {
	Rec  *hub.FeedRecord
	Errs []hub.RecordError
}

// decodeAll decodes body to the end and fails the test on a read error.
func decodeAll(t *testing.T, body string) []result {
	t.Helper()
	d := ingest.NewDecoder(strings.NewReader(body))
	var out []result
	for {
		rec, errs, err := d.Next()
		if err == io.EOF {
			return out
		} else if err != nil {
			t.Fatalf("Next: %v", err)
		}
		if rec == nil && len(errs) == 0 {
			t.Fatalf("line %d: neither a record nor errors", d.Line())
		}
		out = append(out, result{rec, errs})
	}
}

// decodeOne decodes a body of one line.
func decodeOne(t *testing.T, line string) (*hub.FeedRecord, []hub.RecordError) {
	t.Helper()
	rs := decodeAll(t, line)
	if len(rs) != 1 {
		t.Fatalf("got %d results, want 1", len(rs))
	}
	return rs[0].Rec, rs[0].Errs
}

// ignoreHash leaves the hash to TestHash: it is a digest, not a value to spell out.
var ignoreHash = cmpopts.IgnoreFields(hub.FeedRecord{}, "Hash")

func TestDecoderRecordTypes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		line string
		want *hub.FeedRecord
		errs []hub.RecordError
	}{
		{
			name: "organization",
			line: `{"type":"organization","id":"org-1","op":"upsert","updated_at":"2026-01-13T15:00:00+05:00","data":{` +
				`"name":{"kk":" Жасыл Ел ","ru":"Зелёная страна","en":"Green Country"},"bin":"123456789012","kind":"public foundation",` +
				`"region":"kz-71","directions":["ECOLOGY","экологическое","Bilim"],"website":"https://jasyl.kz",` +
				`"contact_email":"info@jasyl.kz","contact_phone":"+7 717 200 00 00","founded":"2015-03-01","volunteer_count":250}}`,
			want: &hub.FeedRecord{
				Line: 1, Type: hub.TypeOrganization, ExternalID: "org-1", Op: hub.OpUpsert,
				UpdatedAt: time.Date(2026, 1, 13, 10, 0, 0, 0, time.UTC),
				Organization: &hub.Organization{
					Name: hub.LocalizedText{KK: "Жасыл Ел", RU: "Зелёная страна", EN: "Green Country"},
					BIN:  "123456789012", Kind: hub.OrgPublicFoundation, RegionCode: "KZ-71",
					Directions: []string{"ECOLOGY", "EDUCATION"}, Website: "https://jasyl.kz",
					ContactEmail: "info@jasyl.kz", ContactPhone: "+7 717 200 00 00",
					Founded: date(2015, 3, 1), VolunteerCount: ptr(250),
				},
			},
		},
		{
			name: "organization defaults",
			line: `{"type":"organization","id":"org-2","updated_at":"2026-01-13","data":{"name":{"ru":"Инициатива"},"kind":null,"bin":null}}`,
			want: &hub.FeedRecord{
				Line: 1, Type: hub.TypeOrganization, ExternalID: "org-2", Op: hub.OpUpsert,
				UpdatedAt:    time.Date(2026, 1, 13, 0, 0, 0, 0, time.UTC),
				Organization: &hub.Organization{Name: hub.LocalizedText{RU: "Инициатива"}, Kind: hub.OrgOther},
			},
		},
		{
			name: "project",
			line: `{"type":"project","id":"prj-1","op":"upsert","updated_at":"2026-01-13T10:00:00Z","data":{` +
				`"title":{"kk":"Таза жағалау","ru":"Чистый берег","en":"Clean shore"},"description":{"ru":" Субботник на берегу Есиля. "},` +
				`"organization_id":"org-1","region":"KZ-71","locality":"Астана","lat":51.16,"lon":71.47,` +
				`"directions":["экологиялық","Birgemiz: Qamqor","ECOLOGY"],"status":"active",` +
				`"start_date":"2026-02-01T00:30:00+05:00","end_date":"2026-06-30","volunteers_needed":100,"volunteers_engaged":42,` +
				`"volunteer_hours":1250.5,"beneficiaries":3000,"grant_programme":"Birgemiz grant","grant_amount_kzt":2500000,` +
				`"tags":[" субботник ","","экология","субботник",null],"url":"https://birgemiz.kz/projects/1"}}`,
			want: &hub.FeedRecord{
				Line: 1, Type: hub.TypeProject, ExternalID: "prj-1", Op: hub.OpUpsert,
				UpdatedAt: time.Date(2026, 1, 13, 10, 0, 0, 0, time.UTC),
				Project: &hub.Project{
					Title:       hub.LocalizedText{KK: "Таза жағалау", RU: "Чистый берег", EN: "Clean shore"},
					Description: hub.LocalizedText{RU: "Субботник на берегу Есиля."},
					RegionCode:  "KZ-71", Locality: "Астана", Lat: ptr(51.16), Lon: ptr(71.47),
					Directions: []string{"ECOLOGY", "SOCIAL_SUPPORT"}, Status: hub.StatusActive,
					StartDate: date(2026, 2, 1), EndDate: date(2026, 6, 30),
					VolunteersNeeded: ptr(100), VolunteersEngaged: ptr(42), VolunteerHours: ptr(1250.5),
					Beneficiaries: ptr(3000), GrantProgramme: "Birgemiz grant", GrantAmountKZT: ptr(int64(2500000)),
					Tags: []string{"субботник", "экология"}, URL: "https://birgemiz.kz/projects/1",
				},
				OrganizationRef: "org-1",
			},
		},
		{
			name: "volunteer with consent",
			line: `{"type":"volunteer","id":"vol-1","updated_at":"2026-01-13T10:00:00Z","data":{` +
				`"region":"KZ-75","gender":"Female","birth_date":"1998-04-15","languages":["kk","ru","en"],` +
				`"skills":["first aid","driving"],"directions":["Saýlyq"],"registered_at":"2024-09-01","status":"inactive",` +
				`"organization_ids":["org-1","org-2","org-1"],"full_name":"Айгерим Сапарова","phone":"+7 701 000 00 00",` +
				`"email":"aigerim@example.kz","iin":"980415400123","consent_ref":"consent-2024-77","consent_at":"2024-09-01T09:30:00+05:00"}}`,
			want: &hub.FeedRecord{
				Line: 1, Type: hub.TypeVolunteer, ExternalID: "vol-1", Op: hub.OpUpsert,
				UpdatedAt: time.Date(2026, 1, 13, 10, 0, 0, 0, time.UTC),
				Volunteer: &hub.Volunteer{
					RegionCode: "KZ-75", Gender: hub.GenderFemale, BirthYear: ptr(1998),
					Languages: []string{"kk", "ru", "en"}, Skills: []string{"first aid", "driving"},
					Directions: []string{"HEALTHCARE"}, RegisteredAt: date(2024, 9, 1), Status: hub.VolunteerInactive,
				},
				OrganizationRefs: []string{"org-1", "org-2"},
				Personal: &hub.VolunteerPersonal{
					FullName: "Айгерим Сапарова", Phone: "+7 701 000 00 00", Email: "aigerim@example.kz",
					IIN: "980415400123", BirthDate: date(1998, 4, 15), ConsentRef: "consent-2024-77",
					ConsentAt: ptr(time.Date(2024, 9, 1, 4, 30, 0, 0, time.UTC)),
				},
			},
		},
		{
			name: "volunteer defaults",
			line: `{"type":"volunteer","id":"vol-2","updated_at":"2026-01-13","data":{"region":"KZ-11","birth_date":"2004-12-31"}}`,
			want: &hub.FeedRecord{
				Line: 1, Type: hub.TypeVolunteer, ExternalID: "vol-2", Op: hub.OpUpsert,
				UpdatedAt: time.Date(2026, 1, 13, 0, 0, 0, 0, time.UTC),
				Volunteer: &hub.Volunteer{RegionCode: "KZ-11", Gender: hub.GenderUnknown, Status: hub.VolunteerActive, BirthYear: ptr(2004)},
			},
		},
		{
			name: "participation",
			line: `{"type":"participation","id":"par-1","updated_at":"2026-01-13T10:00:00Z","data":{` +
				`"volunteer_id":"vol-1","project_id":"prj-1","role":"coordinator","hours":12.5,"start_date":"2026-02-01","end_date":"2026-02-03"}}`,
			want: &hub.FeedRecord{
				Line: 1, Type: hub.TypeParticipation, ExternalID: "par-1", Op: hub.OpUpsert,
				UpdatedAt: time.Date(2026, 1, 13, 10, 0, 0, 0, time.UTC),
				Participation: &hub.Participation{
					Role: "coordinator", Hours: ptr(12.5), StartDate: date(2026, 2, 1), EndDate: date(2026, 2, 3),
				},
				VolunteerRef: "vol-1", ProjectRef: "prj-1",
			},
		},
		{
			name: "un_placement",
			line: `{"type":"un_placement","id":"unv-1","updated_at":"2026-01-13T10:00:00Z","data":{` +
				`"volunteer_id":"vol-1","host_entity":"UNDP","country":"ke","duty_station":"Nairobi",` +
				`"title":{"en":"Youth engagement officer","ru":"Специалист по работе с молодёжью"},"category":"YOUTH",` +
				`"funding":"GOVERNMENT_OF_KAZAKHSTAN","start_date":"2025-03-01","end_date":"2026-02-28","status":"ACTIVE","sdgs":[4,5,4,17]}}`,
			want: &hub.FeedRecord{
				Line: 1, Type: hub.TypeUNPlacement, ExternalID: "unv-1", Op: hub.OpUpsert,
				UpdatedAt: time.Date(2026, 1, 13, 10, 0, 0, 0, time.UTC),
				UNPlacement: &hub.UNPlacement{
					HostEntity: "UNDP", Country: "KE", DutyStation: "Nairobi",
					Title:    hub.LocalizedText{EN: "Youth engagement officer", RU: "Специалист по работе с молодёжью"},
					Category: "YOUTH", Funding: "GOVERNMENT_OF_KAZAKHSTAN",
					StartDate: date(2025, 3, 1), EndDate: date(2026, 2, 28), Status: hub.StatusActive, SDGs: []int{4, 5, 17},
				},
				VolunteerRef: "vol-1",
			},
		},
		{
			name: "indicator",
			line: `{"type":"indicator","id":"ind-1","updated_at":"2026-01-13T10:00:00Z","data":{` +
				`"metric":"volunteer_organizations","value":682,"unit":"organizations","period":"2023","region":"kz-75",` +
				`"citation_url":"https://egov.kz/volunteers-2023","note":{"ru":"По данным реестра"}}}`,
			want: &hub.FeedRecord{
				Line: 1, Type: hub.TypeIndicator, ExternalID: "ind-1", Op: hub.OpUpsert,
				UpdatedAt: time.Date(2026, 1, 13, 10, 0, 0, 0, time.UTC),
				Indicator: &hub.Indicator{
					Metric: "volunteer_organizations", Value: 682, Unit: "organizations", Period: "2023",
					PeriodStart: time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC), PeriodEnd: time.Date(2023, 12, 31, 0, 0, 0, 0, time.UTC),
					RegionCode: "KZ-75", CitationURL: "https://egov.kz/volunteers-2023", Note: hub.LocalizedText{RU: "По данным реестра"},
				},
			},
		},
		{
			name: "indicator with a range",
			line: `{"type":"indicator","id":"ind-2","updated_at":"2026-01-13","data":{"metric":"volunteers","value":2e5,"period":"2019/2023-06"}}`,
			want: &hub.FeedRecord{
				Line: 1, Type: hub.TypeIndicator, ExternalID: "ind-2", Op: hub.OpUpsert,
				UpdatedAt: time.Date(2026, 1, 13, 0, 0, 0, 0, time.UTC),
				Indicator: &hub.Indicator{
					Metric: "volunteers", Value: 200000, Period: "2019/2023-06",
					PeriodStart: time.Date(2019, 1, 1, 0, 0, 0, 0, time.UTC), PeriodEnd: time.Date(2023, 6, 30, 0, 0, 0, 0, time.UTC),
				},
			},
		},
		{
			name: "delete without data",
			line: `{"type":"project","id":"prj-9","op":"delete","updated_at":"2026-01-13T10:00:00Z"}`,
			want: &hub.FeedRecord{
				Line: 1, Type: hub.TypeProject, ExternalID: "prj-9", Op: hub.OpDelete,
				UpdatedAt: time.Date(2026, 1, 13, 10, 0, 0, 0, time.UTC),
			},
		},
		{
			name: "delete ignores its data",
			line: `{"type":"volunteer","id":"vol-9","op":"delete","updated_at":"2026-01-13T10:00:00Z","data":"gone"}`,
			want: &hub.FeedRecord{
				Line: 1, Type: hub.TypeVolunteer, ExternalID: "vol-9", Op: hub.OpDelete,
				UpdatedAt: time.Date(2026, 1, 13, 10, 0, 0, 0, time.UTC),
			},
		},
		{
			name: "escapes and white space",
			line: "  {\"type\" : \"project\", \"id\":\" prj-\\u0031 \",\"updated_at\":\"2026-01-13T10:00:00.5Z\",\"op\":null,\t" +
				"\"data\":{\"title\":{\"ru\":\"\\\"Кавычки\\\" и \\\\\"},\"region\":\"KZ-71\",\"status\":\"PLANNED\",\"\\u0075rl\":null}}  ",
			want: &hub.FeedRecord{
				Line: 1, Type: hub.TypeProject, ExternalID: "prj-1", Op: hub.OpUpsert,
				UpdatedAt: time.Date(2026, 1, 13, 10, 0, 0, 5e8, time.UTC),
				Project:   &hub.Project{Title: hub.LocalizedText{RU: `"Кавычки" и \`}, RegionCode: "KZ-71", Status: hub.StatusPlanned},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rec, errs := decodeOne(t, tt.line)
			if diff := cmp.Diff(tt.want, rec, ignoreHash); diff != "" {
				t.Errorf("record (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.errs, errs); diff != "" {
				t.Errorf("errors (-want +got):\n%s", diff)
			}
			if rec != nil && len(rec.Hash) != 32 {
				t.Errorf("hash has %d bytes, want 32", len(rec.Hash))
			}
		})
	}
}

// TestDecoderDirections checks the category words sources use in place of
// codes, in Kazakh, Russian and sub-platform names.
func TestDecoderDirections(t *testing.T) {
	t.Parallel()
	tests := []struct {
		word string
		want string
	}{
		{"экологиялық", "ECOLOGY"},
		{"экологическое", "ECOLOGY"},
		{"Экологическое", "ECOLOGY"},
		{"Birgemiz: Qamqor", "SOCIAL_SUPPORT"},
		{"Taza Álem", "ECOLOGY"},
		{"education", "EDUCATION"},
		{" Медициналық ", "HEALTHCARE"},
	}
	for _, tt := range tests {
		t.Run(tt.word, func(t *testing.T) {
			t.Parallel()
			rec, errs := decodeOne(t, `{"type":"organization","id":"o","updated_at":"2026-01-13","data":{"name":{"ru":"Н"},"directions":["`+tt.word+`"]}}`)
			if len(errs) > 0 {
				t.Fatalf("errors: %v", errs)
			}
			if diff := cmp.Diff([]string{tt.want}, rec.Organization.Directions); diff != "" {
				t.Errorf("directions (-want +got):\n%s", diff)
			}
		})
	}
}

// Lines the malformed cases below start from.
const (
	envelope  = `"id":"prj-1","updated_at":"2026-01-13T10:00:00Z"`
	okProject = `"title":{"ru":"Чистый берег"},"region":"KZ-71","status":"ACTIVE"`
)

func projectLine(fields string) string {
	return `{"type":"project",` + envelope + `,"data":{` + okProject + `,` + fields + `}}`
}

func manyTags(n int) string {
	tags := make([]string, n)
	for i := range tags {
		tags[i] = strconv.Quote("tag" + strconv.Itoa(i))
	}
	return strings.Join(tags, ",")
}

func TestDecoderMalformed(t *testing.T) {
	t.Parallel()
	e := func(field, msg string) hub.RecordError { return hub.RecordError{Line: 1, Field: field, Message: msg} }
	const dateForm = "must be a date like 2026-01-13 or an RFC 3339 timestamp like 2026-01-13T10:00:00+05:00"
	tests := []struct {
		name string
		line string
		want []hub.RecordError
	}{
		// The whole line.
		{"truncated JSON", `{"type":"project","id":"prj-1"`,
			[]hub.RecordError{e("", "line is not valid JSON: unexpected end of JSON input (at byte 30)")}},
		{"bad JSON", `{"type":"project",'id':1}`,
			[]hub.RecordError{e("", "line is not valid JSON: invalid character '\\'' looking for beginning of object key string (at byte 19)")}},
		{"trailing garbage", `{"type":"project"} {"type":"project"}`,
			[]hub.RecordError{e("", "line is not valid JSON: invalid character '{' after top-level value (at byte 20)")}},
		{"array", `[{"type":"project"}]`,
			[]hub.RecordError{e("", `line is an array, not a JSON object (a feed has one {"type":…,"id":…} object per line)`)}},
		{"string", `"project"`,
			[]hub.RecordError{e("", `line is a string, not a JSON object (a feed has one {"type":…,"id":…} object per line)`)}},
		{"number", `42`,
			[]hub.RecordError{e("", `line is a number, not a JSON object (a feed has one {"type":…,"id":…} object per line)`)}},
		{"null", `null`,
			[]hub.RecordError{e("", `line is null, not a JSON object (a feed has one {"type":…,"id":…} object per line)`)}},
		{"invalid UTF-8", "{\"type\":\"project\"," + envelope + ",\"data\":{\"title\":{\"ru\":\"\xff\xfe\"}}}",
			[]hub.RecordError{e("", "line is not valid UTF-8")}},

		// The envelope.
		{"unknown type", `{"type":"event",` + envelope + `,"data":{}}`,
			[]hub.RecordError{e("type", `"event" is not a record type; use one of organization, project, volunteer, participation, un_placement, indicator`)}},
		{"missing type", `{` + envelope + `,"data":{}}`,
			[]hub.RecordError{e("type", "is required (one of organization, project, volunteer, participation, un_placement, indicator)")}},
		{"numeric type", `{"type":1,` + envelope + `}`,
			[]hub.RecordError{e("type", "must be a string, one of organization, project, volunteer, participation, un_placement, indicator")}},
		{"missing id", `{"type":"project","updated_at":"2026-01-13","data":{` + okProject + `}}`,
			[]hub.RecordError{e("id", "is required (the source's id of the record, a string)")}},
		{"numeric id", `{"type":"project","id":17,"updated_at":"2026-01-13","data":{` + okProject + `}}`,
			[]hub.RecordError{e("id", `must be a string (write "17", not 17)`)}},
		{"empty id", `{"type":"project","id":"  ","updated_at":"2026-01-13","data":{` + okProject + `}}`,
			[]hub.RecordError{e("id", "must not be empty")}},
		{"id too long", `{"type":"project","id":"` + strings.Repeat("я", 201) + `","updated_at":"2026-01-13","data":{` + okProject + `}}`,
			[]hub.RecordError{e("id", "is 201 characters long; the limit is 200")}},
		{"control character in id", `{"type":"project","id":"prj\u00071","updated_at":"2026-01-13","data":{` + okProject + `}}`,
			[]hub.RecordError{e("id", "must not contain control characters")}},
		{"unknown op", `{"type":"project",` + envelope + `,"op":"remove","data":{` + okProject + `}}`,
			[]hub.RecordError{e("op", `"remove" is not an operation; use "upsert" or "delete"`)}},
		{"boolean op", `{"type":"project",` + envelope + `,"op":true}`,
			[]hub.RecordError{e("op", `must be "upsert" or "delete", not a boolean`)}},
		{"missing updated_at", `{"type":"project","id":"prj-1","data":{` + okProject + `}}`,
			[]hub.RecordError{e("updated_at", "is required (an RFC 3339 timestamp like 2026-01-13T10:00:00Z)")}},
		{"bad updated_at", `{"type":"project","id":"prj-1","updated_at":"13.01.2026 10:00","data":{` + okProject + `}}`,
			[]hub.RecordError{e("updated_at", "must be an RFC 3339 timestamp like 2026-01-13T10:00:00Z, or a date like 2026-01-13")}},
		{"numeric updated_at", `{"type":"project","id":"prj-1","updated_at":1768298400,"data":{` + okProject + `}}`,
			[]hub.RecordError{e("updated_at", "must be an RFC 3339 timestamp like 2026-01-13T10:00:00Z, or a date like 2026-01-13")}},
		{"updated_at out of range", `{"type":"project","id":"prj-1","updated_at":"2201-01-01T00:00:00Z","data":{` + okProject + `}}`,
			[]hub.RecordError{e("updated_at", "is out of range (1900–2100)")}},
		{"unknown envelope key", `{"type":"project",` + envelope + `,"source":"akmola","data":{` + okProject + `}}`,
			[]hub.RecordError{e("source", "unknown key; a line has only type, id, op, updated_at and data")}},
		{"duplicate envelope key", `{"type":"project",` + envelope + `,"id":"prj-2","data":{` + okProject + `}}`,
			[]hub.RecordError{e("id", "appears more than once")}},
		{"upsert without data", `{"type":"project",` + envelope + `}`,
			[]hub.RecordError{e("data", "is required for an upsert (an object with the project's fields)")}},
		{"data not an object", `{"type":"project",` + envelope + `,"data":[1]}`,
			[]hub.RecordError{e("data", "must be an object, not an array")}},
		{"every envelope problem at once", `{"type":"project","id":17,"op":"upsert","updated_at":"soon","data":{"title":"x"}}`,
			[]hub.RecordError{
				e("id", `must be a string (write "17", not 17)`),
				e("updated_at", "must be an RFC 3339 timestamp like 2026-01-13T10:00:00Z, or a date like 2026-01-13"),
				e("data.title", `must be an object like {"ru": "…"}`),
				e("data.region", "is required (an ISO 3166-2:KZ code such as KZ-11)"),
				e("data.status", "is required (one of PLANNED, ACTIVE, COMPLETED, CANCELLED)"),
			}},

		// Data fields.
		{"unknown data key", projectLine(`"budget":100`),
			[]hub.RecordError{e("data.budget", "unknown field for type project")}},
		{"duplicate data key", projectLine(`"region":"KZ-75"`),
			[]hub.RecordError{e("data.region", "appears more than once")}},
		{"unknown region", `{"type":"project",` + envelope + `,"data":{"title":{"ru":"Т"},"region":"KZ-99","status":"ACTIVE"}}`,
			[]hub.RecordError{e("data.region", `"KZ-99" is not an ISO 3166-2:KZ region code the hub knows (KZ-10 … KZ-79)`)}},
		{"missing required fields", `{"type":"project",` + envelope + `,"data":{"title":{},"locality":"Астана"}}`,
			[]hub.RecordError{
				e("data.title", `is required (an object like {"kk": "…", "ru": "…"})`),
				e("data.region", "is required (an ISO 3166-2:KZ code such as KZ-11)"),
				e("data.status", "is required (one of PLANNED, ACTIVE, COMPLETED, CANCELLED)"),
			}},
		{"unknown status", `{"type":"project",` + envelope + `,"data":{"title":{"ru":"Т"},"region":"KZ-71","status":"ongoing"}}`,
			[]hub.RecordError{e("data.status", `"ONGOING" is not one of PLANNED, ACTIVE, COMPLETED, CANCELLED`)}},
		{"unknown direction word", projectLine(`"directions":["ECOLOGY","космонавтика","экологическое"]`),
			[]hub.RecordError{e("data.directions[1]", `"космонавтика" is not a direction code or a known category word`)}},
		{"directions not an array", projectLine(`"directions":"ECOLOGY"`),
			[]hub.RecordError{e("data.directions", "must be an array of direction codes or category words")}},
		{"direction not a string", projectLine(`"directions":[7]`),
			[]hub.RecordError{e("data.directions[0]", "must be a string, not a number")}},
		{"text as a plain string", `{"type":"project",` + envelope + `,"data":{"title":"Чистый берег","region":"KZ-71","status":"ACTIVE"}}`,
			[]hub.RecordError{e("data.title", `must be an object like {"ru": "…"}`)}},
		{"text in an unknown language", projectLine(`"description":{"de":"Sauberes Ufer","ru":"Чистый берег"}`),
			[]hub.RecordError{e("data.description.de", "unknown language; use kk, ru or en")}},
		{"text not a string", projectLine(`"description":{"ru":12}`),
			[]hub.RecordError{e("data.description.ru", "must be a string, not a number")}},
		{"oversized description", projectLine(`"description":{"ru":"` + strings.Repeat("ә", hub.MaxDescriptionLen+1) + `"}`),
			[]hub.RecordError{e("data.description.ru", "is 20001 characters long; the limit is 20000")}},
		{"fractional count", projectLine(`"volunteers_needed":1.5`),
			[]hub.RecordError{e("data.volunteers_needed", "must be a whole number")}},
		{"count as a string", projectLine(`"volunteers_needed":"12"`),
			[]hub.RecordError{e("data.volunteers_needed", "must be a whole number")}},
		{"negative count", projectLine(`"volunteers_engaged":-3`),
			[]hub.RecordError{e("data.volunteers_engaged", "must not be negative")}},
		{"count too large", projectLine(`"beneficiaries":3000000000`),
			[]hub.RecordError{e("data.beneficiaries", "is too large (the limit is 2147483647)")}},
		{"grant too large", projectLine(`"grant_amount_kzt":1e30`),
			[]hub.RecordError{e("data.grant_amount_kzt", "is too large (the limit is 9223372036854775807)")}},
		{"grant far below zero", projectLine(`"grant_amount_kzt":-1e30`),
			[]hub.RecordError{e("data.grant_amount_kzt", "is too small (the limit is -9223372036854775807)")}},
		{"whole numbers written as decimals", projectLine(`"volunteers_needed":12.0,"beneficiaries":1.2e3`),
			nil},
		{"coordinate as a string", projectLine(`"lat":"51.16","lon":71.47`),
			[]hub.RecordError{e("data.lat", "must be a number")}},
		{"coordinate out of range", projectLine(`"lat":95,"lon":71.47`),
			[]hub.RecordError{e("data.lat", "must be between -90 and 90")}},
		{"hours not a number", projectLine(`"volunteer_hours":true`),
			[]hub.RecordError{e("data.volunteer_hours", "must be a number")}},
		{"tags not strings", projectLine(`"tags":["a",{"b":1}]`),
			[]hub.RecordError{e("data.tags[1]", "must be a string, not an object")}},
		{"duplicate tags are one tag", projectLine(`"tags":["` + strings.Join(strings.Split(strings.Repeat("t", 60), ""), `","`) + `"]`),
			nil},
		{"too many tags", projectLine(`"tags":[` + manyTags(51) + `]`),
			[]hub.RecordError{e("data.tags", "has 51 entries; the limit is 50")}},
		{"date in 1850", projectLine(`"start_date":"1850-05-01"`),
			[]hub.RecordError{e("data.start_date", "1850-05-01 is out of range (1900–2100)")}},
		{"date in 2200", projectLine(`"end_date":"2200-01-01T10:00:00Z"`),
			[]hub.RecordError{e("data.end_date", "2200-01-01 is out of range (1900–2100)")}},
		{"end before start", projectLine(`"start_date":"2026-06-30","end_date":"2026-02-01"`),
			[]hub.RecordError{e("data.start_date", "start date 2026-06-30 is after end date 2026-02-01")}},
		{"impossible date", projectLine(`"start_date":"2026-02-30"`),
			[]hub.RecordError{e("data.start_date", dateForm)}},
		{"date as a number", projectLine(`"start_date":20260201`),
			[]hub.RecordError{e("data.start_date", dateForm)}},
		{"url not http", projectLine(`"url":"ftp://birgemiz.kz"`),
			[]hub.RecordError{e("data.url", "is not an http(s) URL")}},
		{"organization id a number", projectLine(`"organization_id":3`),
			[]hub.RecordError{e("data.organization_id", `must be a string (write "3", not 3)`)}},
		{"organization kind and bin", `{"type":"organization",` + envelope + `,"data":{"name":{"en":"N"},"kind":"club","bin":"12345"}}`,
			[]hub.RecordError{
				e("data.bin", "must be 12 digits"),
				e("data.kind", `"CLUB" is not one of NGO, PUBLIC_FOUNDATION, INITIATIVE_GROUP, STATE_BODY, UNIVERSITY, UN_AGENCY, OTHER`),
			}},
		{"participation without references", `{"type":"participation",` + envelope + `,"data":{"hours":"3"}}`,
			[]hub.RecordError{
				e("data.hours", "must be a number"),
				e("data.volunteer_id", "is required (the source's id of the volunteer)"),
				e("data.project_id", "is required (the source's id of the project)"),
			}},
		{"participation hours", `{"type":"participation",` + envelope + `,"data":{"volunteer_id":"v","project_id":"p","hours":200000}}`,
			[]hub.RecordError{e("data.hours", "200000 hours is more than a person can give")}},
		{"un_placement country and goals", `{"type":"un_placement",` + envelope + `,"data":{"host_entity":"UNDP","country":"Kenya","status":"ACTIVE","sdgs":[18,"x"]}}`,
			[]hub.RecordError{
				e("data.sdgs[1]", "must be a whole number"),
				e("data.country", "must be an ISO 3166-1 alpha-2 code such as KE or JO"),
				e("data.sdgs", "18 is not a Sustainable Development Goal (1–17)"),
			}},
		{"un_placement required", `{"type":"un_placement",` + envelope + `,"data":{"sdgs":[18]}}`,
			[]hub.RecordError{
				e("data.host_entity", "is required (e.g. UNDP, UNICEF)"),
				e("data.country", "is required (an ISO 3166-1 alpha-2 code such as KE)"),
				e("data.status", "is required (one of PLANNED, ACTIVE, COMPLETED, CANCELLED)"),
				e("data.sdgs", "18 is not a Sustainable Development Goal (1–17)"),
			}},
		{"indicator period and metric", `{"type":"indicator",` + envelope + `,"data":{"metric":"Volunteer Count","value":1,"period":"2023-13"}}`,
			[]hub.RecordError{
				e("data.period", "must be a year (2023), a month (2023-06), a date, or a range of those like 2019/2023"),
				e("data.metric", "must be snake_case letters, digits and _ (e.g. volunteer_organizations)"),
			}},
		{"indicator required", `{"type":"indicator",` + envelope + `,"data":{"value":null}}`,
			[]hub.RecordError{
				e("data.metric", "is required (snake_case, e.g. volunteer_organizations)"),
				e("data.value", "is required (a number)"),
				e("data.period", "is required (a year such as 2023, a month such as 2023-06, or a range such as 2019/2023)"),
			}},
		{"volunteer gender and references", `{"type":"volunteer",` + envelope + `,"data":{"region":"KZ-11","gender":"x","organization_ids":["o1",5]}}`,
			[]hub.RecordError{
				e("data.organization_ids[1]", `must be a string (write "5", not 5)`),
				e("data.gender", `"X" is not one of female, male, other, unknown`),
			}},
		{"volunteer without region", `{"type":"volunteer",` + envelope + `,"data":{"skills":["first aid"]}}`,
			[]hub.RecordError{e("data.region", "is required (an ISO 3166-2:KZ code such as KZ-11)")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rec, errs := decodeOne(t, tt.line)
			if len(tt.want) == 0 {
				if rec == nil || len(errs) > 0 {
					t.Fatalf("rejected: %v", errs)
				}
				return
			}
			if rec != nil {
				t.Errorf("record applied, want it rejected")
			}
			if diff := cmp.Diff(tt.want, errs); diff != "" {
				t.Errorf("errors (-want +got):\n%s", diff)
			}
		})
	}
}

// TestDecoderErrorLimit checks that a line with thousands of problems
// yields a bounded list.
func TestDecoderErrorLimit(t *testing.T) {
	t.Parallel()
	words := strings.Repeat(`"нет",`, 150)
	_, errs := decodeOne(t, projectLine(`"directions":[`+words[:len(words)-1]+`]`))
	if len(errs) != ingest.MaxErrorsPerLine+1 {
		t.Fatalf("got %d errors, want %d", len(errs), ingest.MaxErrorsPerLine+1)
	}
	want := hub.RecordError{Line: 1, Message: "130 more problems in this line were not listed (only the first 20 are)"}
	if diff := cmp.Diff(want, errs[len(errs)-1]); diff != "" {
		t.Errorf("last error (-want +got):\n%s", diff)
	}
}

// personal holds the personal values of the consent tests; no message may
// contain any of them.
var personal = []string{"Айгерим Сапарова", "+7 701 000 00 00", "aigerim@example.kz", "98041540012", "1998-04-15", "consent-2024-77"}

func checkNoPersonalData(t *testing.T, errs []hub.RecordError) {
	t.Helper()
	for _, e := range errs {
		for _, p := range personal {
			if strings.Contains(e.Message, p) || strings.Contains(e.Field, p) {
				t.Errorf("error %q repeats a personal value", e.Field+": "+e.Message)
			}
		}
	}
}

func TestDecoderPersonalWithoutConsent(t *testing.T) {
	t.Parallel()
	for _, consent := range []string{``, `,"consent_ref":"consent-2024-77"`, `,"consent_at":"2024-09-01"`} {
		line := `{"type":"volunteer","id":"vol-1","updated_at":"2026-01-13T10:00:00Z","data":{"region":"KZ-75","birth_date":"1998-04-15",` +
			`"full_name":"Айгерим Сапарова","phone":"+7 701 000 00 00","iin":"980415400123"` + consent + `}}`
		rec, errs := decodeOne(t, line)
		want := &hub.FeedRecord{
			Line: 1, Type: hub.TypeVolunteer, ExternalID: "vol-1", Op: hub.OpUpsert,
			UpdatedAt: time.Date(2026, 1, 13, 10, 0, 0, 0, time.UTC),
			Volunteer: &hub.Volunteer{RegionCode: "KZ-75", Gender: hub.GenderUnknown, Status: hub.VolunteerActive, BirthYear: ptr(1998)},
		}
		if diff := cmp.Diff(want, rec, ignoreHash); diff != "" {
			t.Errorf("%s: record (-want +got):\n%s", consent, diff)
		}
		wantErrs := []hub.RecordError{{Line: 1, Field: "data.consent_ref",
			Message: "full_name, phone, iin not stored: personal fields are accepted only with both consent_ref and consent_at (the person's consent to processing)"}}
		if diff := cmp.Diff(wantErrs, errs); diff != "" {
			t.Errorf("%s: errors (-want +got):\n%s", consent, diff)
		}
		checkNoPersonalData(t, errs)
	}
}

func TestDecoderPersonalInvalid(t *testing.T) {
	t.Parallel()
	line := `{"type":"volunteer","id":"vol-1","updated_at":"2026-01-13T10:00:00Z","data":{"region":"KZ-75","birth_date":"1998-04-15",` +
		`"full_name":"Айгерим Сапарова","email":"aigerim@example.kz","iin":"98041540012","consent_ref":"consent-2024-77","consent_at":"2024-09-01"}}`
	rec, errs := decodeOne(t, line)
	if rec != nil {
		t.Errorf("record applied, want it rejected")
	}
	want := []hub.RecordError{{Line: 1, Field: "data.iin", Message: "must be 12 digits"}}
	if diff := cmp.Diff(want, errs); diff != "" {
		t.Errorf("errors (-want +got):\n%s", diff)
	}
	checkNoPersonalData(t, errs)
	for _, e := range errs {
		if strings.ContainsAny(e.Message, "3456789") { // the IIN's digits, bar the "12" of the rule
			t.Errorf("message %q has digits of the IIN", e.Message)
		}
	}

	// Wrong types and dates of personal fields are named without values too.
	line = `{"type":"volunteer","id":"vol-1","updated_at":"2026-01-13T10:00:00Z","data":{"region":"KZ-75","birth_date":"1998-04-15x",` +
		`"phone":77010000000,"iin":"980415400123","consent_ref":"consent-2024-77","consent_at":"1800-01-01"}}`
	_, errs = decodeOne(t, line)
	want = []hub.RecordError{
		{Line: 1, Field: "data.birth_date", Message: "must be a date like 2026-01-13 or an RFC 3339 timestamp like 2026-01-13T10:00:00+05:00"},
		{Line: 1, Field: "data.phone", Message: "must be a string, not a number"},
		{Line: 1, Field: "data.consent_at", Message: "is out of range (1900–2100)"},
	}
	if diff := cmp.Diff(want, errs); diff != "" {
		t.Errorf("errors (-want +got):\n%s", diff)
	}
	checkNoPersonalData(t, errs)
}

// TestDecoderLines checks line numbering across blank lines, CRLF endings,
// a byte order mark, a line over MaxLineBytes and a last line without a
// newline.
func TestDecoderLines(t *testing.T) {
	t.Parallel()
	good := func(id string) string {
		return `{"type":"project","id":"` + id + `","updated_at":"2026-01-13","data":{` + okProject + `}}`
	}
	long := `{"type":"project","id":"big","updated_at":"2026-01-13","data":{` + okProject +
		`,"description":{"ru":"` + strings.Repeat("x", ingest.MaxLineBytes) + `"}}}`
	body := "\xef\xbb\xbf" + good("a") + "\r\n" + // 1
		"\r\n" + // 2
		"   \t\n" + // 3
		long + "\r\n" + // 4
		good("b") + "\n" + // 5
		"\n" + // 6
		"{oops\r\n" + // 7
		strings.Repeat(" ", ingest.MaxLineBytes+10) + "\n" + // 8: blank, however long
		good("c") // 9, no newline

	d := ingest.NewDecoder(strings.NewReader(body))
	type got struct {
		Line  int
		ID    string
		Field string
		Msg   string
	}
	var gots []got
	for {
		rec, errs, err := d.Next()
		if err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		g := got{Line: d.Line()}
		if rec != nil {
			g.ID = rec.ExternalID
			if rec.Line != d.Line() {
				t.Errorf("rec.Line = %d, Line() = %d", rec.Line, d.Line())
			}
		}
		for _, e := range errs {
			if e.Line != d.Line() {
				t.Errorf("error line %d, Line() = %d", e.Line, d.Line())
			}
			g.Field, g.Msg = e.Field, e.Message
		}
		gots = append(gots, g)
	}
	want := []got{
		{Line: 1, ID: "a"},
		{Line: 4, Msg: "line is longer than 1048576 bytes (1 MiB), the limit for one record"},
		{Line: 5, ID: "b"},
		{Line: 7, Msg: "line is not valid JSON: invalid character 'o' looking for beginning of object key string (at byte 2)"},
		{Line: 9, ID: "c"},
	}
	if diff := cmp.Diff(want, gots); diff != "" {
		t.Errorf("lines (-want +got):\n%s", diff)
	}
	if n := ingest.CountLines([]byte(body)); n != len(want) {
		t.Errorf("CountLines = %d, want %d (one per result)", n, len(want))
	}
	// Further calls keep saying EOF.
	if _, _, err := d.Next(); err != io.EOF {
		t.Errorf("Next after EOF: %v", err)
	}
}

// TestDecoderLineAtLimit checks the boundary: MaxLineBytes of content is a
// line, one more byte is too long, whatever the line ending.
func TestDecoderLineAtLimit(t *testing.T) {
	t.Parallel()
	prefix := `{"type":"project","id":"p","updated_at":"2026-01-13","data":{` + okProject + `,"description":{"ru":"`
	suffix := `"}}}`
	atLimit := prefix + strings.Repeat("x", ingest.MaxLineBytes-len(prefix)-len(suffix)) + suffix
	const tooLong = "line is longer than 1048576 bytes (1 MiB), the limit for one record"
	for _, eol := range []string{"\n", "\r\n", ""} {
		// The first line is at the limit, the second one byte over it.
		body := atLimit + "\n" + " " + atLimit + eol
		if eol != "" {
			body = atLimit + eol + " " + atLimit + eol
		}
		rs := decodeAll(t, body)
		if len(rs) != 2 {
			t.Fatalf("eol %q: got %d results", eol, len(rs))
		}
		// The description is far over its own limit, which says the line was read.
		want := []hub.RecordError{{Line: 1, Field: "data.description.ru", Message: "is 1048414 characters long; the limit is 20000"}}
		if diff := cmp.Diff(want, rs[0].Errs); diff != "" {
			t.Errorf("eol %q: line at the limit (-want +got):\n%s", eol, diff)
		}
		want = []hub.RecordError{{Line: 2, Message: tooLong}}
		if diff := cmp.Diff(want, rs[1].Errs); diff != "" {
			t.Errorf("eol %q: line over the limit (-want +got):\n%s", eol, diff)
		}
	}
}

func TestDecoderFixture(t *testing.T) {
	t.Parallel()
	body, err := os.ReadFile("testdata/feed.ndjson")
	if err != nil {
		t.Fatal(err)
	}
	if err := ingest.Sniff(body); err != nil {
		t.Fatalf("Sniff: %v", err)
	}
	rs := decodeAll(t, string(body))
	types := map[hub.RecordType]int{}
	for _, r := range rs {
		if len(r.Errs) > 0 {
			t.Errorf("line %d: %v", r.Errs[0].Line, r.Errs)
			continue
		}
		types[r.Rec.Type]++
	}
	for _, typ := range hub.RecordTypes {
		if types[typ] == 0 {
			t.Errorf("the fixture has no %s", typ)
		}
	}
	if n := ingest.CountLines(body); n != len(rs) {
		t.Errorf("CountLines = %d, decoded %d", n, len(rs))
	}
	// Records stay intact while the decoder reads on: nothing in them
	// points into its read buffer.
	for i, line := range strings.Split(strings.TrimSpace(string(body)), "\n") {
		if strings.TrimSpace(line) == "" {
			continue
		}
		rec, _ := decodeOne(t, line)
		rec.Line = i + 1
		if diff := cmp.Diff(rec, rs[0].Rec); diff != "" {
			t.Errorf("line %d decoded alone (-alone +in the feed):\n%s", i+1, diff)
		}
		rs = rs[1:]
	}
}

func TestDecoderReadError(t *testing.T) {
	t.Parallel()
	boom := errors.New("connection reset")
	r := io.MultiReader(strings.NewReader(`{"type":"project","id":"a","updated_at":"2026-01-13","data":{`+okProject+`}}`+"\n{\"type\""), iotest.ErrReader(boom))
	d := ingest.NewDecoder(r)
	if rec, errs, err := d.Next(); err != nil || rec == nil || errs != nil {
		t.Fatalf("first line: %v %v %v", rec, errs, err)
	}
	// The second line is cut short by the error: it is not decoded.
	for range 2 {
		if _, _, err := d.Next(); !errors.Is(err, boom) {
			t.Fatalf("Next = %v, want the read error", err)
		}
	}
}

func TestHash(t *testing.T) {
	t.Parallel()
	hash := func(line string) []byte {
		t.Helper()
		rec, errs := decodeOne(t, line)
		if rec == nil {
			t.Fatalf("rejected: %v", errs)
		}
		return rec.Hash
	}
	a := hash(`{"type":"project","id":"p","updated_at":"2026-01-13T10:00:00Z","data":{"title":{"ru":"Т"},"region":"KZ-71","status":"ACTIVE","directions":["ECOLOGY"]}}`)
	// Another timestamp, key order, spelling of the same values: same content.
	b := hash(`{"updated_at":"2026-02-01","type":"project","id":"p","data":{"status":"active","directions":["экологическое"],"region":"kz-71","title":{"ru":" Т "}},"op":"upsert"}`)
	if !bytes.Equal(a, b) {
		t.Errorf("same content, different hashes")
	}
	c := hash(`{"type":"project","id":"p","updated_at":"2026-01-13T10:00:00Z","data":{"title":{"ru":"Т"},"region":"KZ-71","status":"ACTIVE","directions":["ECOLOGY"],"tags":["x"]}}`)
	if bytes.Equal(a, c) {
		t.Errorf("different content, same hash")
	}
	del := hash(`{"type":"project","id":"p","op":"delete","updated_at":"2026-01-13T10:00:00Z"}`)
	if bytes.Equal(a, del) {
		t.Errorf("a delete hashes like an upsert")
	}
}

func TestSniff(t *testing.T) {
	t.Parallel()
	const shape = `a feed has one {"type":…,"id":…} object per line`
	tests := []struct {
		name string
		body string
		want string // "" for a feed
	}{
		{"feed", "\n\n" + `{"type":"project","id":"p"}` + "\nnot json at all\n", ""},
		{"feed with a byte order mark", "\xef\xbb\xbf" + `{"id":"p","type":"project"}`, ""},
		{"html", "<!DOCTYPE html>\n<html><body>502 Bad Gateway</body></html>", "not an NDJSON feed: line 1 looks like HTML or XML; " + shape},
		{"json array", `[{"type":"project","id":"p"}]`, "not an NDJSON feed: line 1 starts a JSON array; " + shape + ", not an array"},
		{"csv", "type,id,title_ru\nproject,p,Т\n", "not an NDJSON feed: line 1 is not a JSON object (" + shape + ")"},
		{"binary", "\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03", "not an NDJSON feed: line 1 is not UTF-8 text (binary or compressed data, or another encoding such as UTF-16?); " + shape},
		{"empty", "", "empty feed"},
		{"blank lines", "\n \r\n\t\n", "empty feed"},
		{"pretty-printed", "\n{\n  \"type\": \"project\"\n}\n", "not an NDJSON feed: line 2 is not a complete JSON object (pretty-printed JSON?); " + shape},
		{"object without type", `{"records":[]}`, `not an NDJSON feed: line 1 is a JSON object without a "type" key; ` + shape},
		{"nested type only", `{"data":{"type":"project"}}`, `not an NDJSON feed: line 1 is a JSON object without a "type" key; ` + shape},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := ingest.Sniff([]byte(tt.body))
			if tt.want == "" {
				if err != nil {
					t.Fatalf("Sniff: %v", err)
				}
				return
			}
			var e *hub.Error
			if !errors.As(err, &e) {
				t.Fatalf("Sniff = %v, want a *hub.Error", err)
			}
			if diff := cmp.Diff(&hub.Error{Code: hub.EINVALID, Message: tt.want}, e); diff != "" {
				t.Errorf("error (-want +got):\n%s", diff)
			}
		})
	}
}

func TestCountLines(t *testing.T) {
	t.Parallel()
	tests := []struct {
		body string
		want int
	}{
		{"", 0},
		{"\n\n", 0},
		{"a", 1},
		{"a\n", 1},
		{"a\r\n\r\nb", 2},
		{"\xef\xbb\xbf\n a \n\t\n", 1},
	}
	for _, tt := range tests {
		if got := ingest.CountLines([]byte(tt.body)); got != tt.want {
			t.Errorf("CountLines(%q) = %d, want %d", tt.body, got, tt.want)
		}
	}
}

// TestDecoderHostileLines decodes lines near MaxLineBytes built to make a
// careless decoder quadratic: many keys, repeated keys, long lists, deep
// nesting. Each must come back rejected with a bounded list of errors; a
// regression shows as this test taking seconds instead of milliseconds.
func TestDecoderHostileLines(t *testing.T) {
	t.Parallel()
	repeat := func(item string, n int) string {
		return strings.TrimSuffix(strings.Repeat(item+",", n), ",")
	}
	keys := func(n int) string {
		var b strings.Builder
		for i := range n {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(`"k` + strconv.Itoa(i) + `":1`)
		}
		return b.String()
	}
	head := `{"type":"project","id":"p","updated_at":"2026-01-13","data":{` + okProject + `,`
	lines := map[string]string{
		"many data keys":      head + keys(80_000) + `}}`,
		"repeated data keys":  head + repeat(`"tags":[]`, 100_000) + `}}`,
		"many envelope keys":  `{` + keys(80_000) + `}`,
		"repeated type":       `{` + repeat(`"type":"project"`, 60_000) + `}`,
		"many languages":      head + `"description":{` + keys(80_000) + `}}}`,
		"long list":           head + `"tags":[` + repeat(`"a"`, 250_000) + `]}}`,
		"long direction list": head + `"directions":[` + repeat(`"x"`, 250_000) + `]}}`,
		"deep nesting":        head + `"tags":` + strings.Repeat("[", 10_000) + strings.Repeat("]", 10_000) + `}}`,
		"many escapes":        head + `"url":"` + strings.Repeat(`\u0041`, 150_000) + `"}}`,
		"huge number":         `{"type":"project","id":` + strings.Repeat("9", 900_000) + `}`,
	}
	for name, line := range lines {
		if len(line) > ingest.MaxLineBytes {
			t.Fatalf("%s: line of %d bytes is over the limit", name, len(line))
		}
		rec, errs := decodeOne(t, line)
		if rec != nil || len(errs) == 0 || len(errs) > ingest.MaxErrorsPerLine+1 {
			t.Errorf("%s: record %v with %d errors", name, rec != nil, len(errs))
		}
		for _, e := range errs {
			if len(e.Field)+len(e.Message) > 1000 {
				t.Errorf("%s: error of %d bytes", name, len(e.Field)+len(e.Message))
			}
		}
	}
}

// TestCountLinesMatchesDecoder checks the promise a batch's progress relies
// on: CountLines is the number of results Next returns, on bodies where the
// two could drift apart.
func TestCountLinesMatchesDecoder(t *testing.T) {
	t.Parallel()
	spaces := strings.Repeat(" ", ingest.MaxLineBytes+5)
	bodies := map[string]string{
		"byte order mark only":             "\xef\xbb\xbf",
		"byte order mark and a long blank": "\xef\xbb\xbf" + spaces + "\n{}",
		"long blank without newline":       "{}\n" + spaces,
		"long line without newline":        "{}\n" + spaces + "x",
		"carriage returns":                 "\r\r\n\r",
		"form feed is not blank":           "\f\n",
		"byte order mark on line 2":        "\n\xef\xbb\xbf\n",
	}
	for name, body := range bodies {
		if got, want := len(decodeAll(t, body)), ingest.CountLines([]byte(body)); got != want {
			t.Errorf("%s: Next returned %d results, CountLines says %d", name, got, want)
		}
	}
}

// TestDecoderRecordsOutliveBuffer decodes a body several times the read
// buffer and checks every record against the same line decoded alone: a
// record holding a slice of the decoder's buffer would have been
// overwritten by later lines.
func TestDecoderRecordsOutliveBuffer(t *testing.T) {
	t.Parallel()
	body := projectFeed(400)
	rs := decodeAll(t, string(body))
	lines := strings.Split(strings.TrimSuffix(string(body), "\n"), "\n")
	if len(rs) != len(lines) {
		t.Fatalf("decoded %d records from %d lines", len(rs), len(lines))
	}
	for i, line := range lines {
		alone, _ := decodeOne(t, line)
		alone.Line = i + 1
		if diff := cmp.Diff(alone, rs[i].Rec); diff != "" {
			t.Fatalf("line %d (-alone +in the feed):\n%s", i+1, diff)
		}
	}
}
