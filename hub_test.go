package hub_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/birgemiz/hub"
)

func date(y int, m time.Month, d int) *time.Time {
	t := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	return &t
}

func ptr[T any](v T) *T { return &v }

// codeMsg is what a caller sees of an error: its code and its safe message.
type codeMsg struct {
	Code    string
	Message string
}

func seen(err error) codeMsg { return codeMsg{hub.ErrorCode(err), hub.ErrorMessage(err)} }

func invalid(msg string) codeMsg { return codeMsg{hub.EINVALID, msg} }

// fieldErrors returns the field errors of a failed Validate, nil for nil,
// and fails the test for any other kind of error.
func fieldErrors(t *testing.T, err error) hub.FieldErrors {
	t.Helper()
	if err == nil {
		return nil
	}
	var fe hub.FieldErrors
	if !errors.As(err, &fe) {
		t.Fatalf("error %v (%T) is not hub.FieldErrors", err, err)
	}
	if code := hub.ErrorCode(err); code != hub.EINVALID {
		t.Errorf("ErrorCode = %q, want %q", code, hub.EINVALID)
	}
	return fe
}

func TestLocalizedTextGet(t *testing.T) {
	t.Parallel()
	all := hub.LocalizedText{KK: "Ақмола облысы", RU: "Акмолинская область", EN: "Akmola Region"}
	tests := []struct {
		name string
		text hub.LocalizedText
		lang hub.Language
		want string
	}{
		{"kk asked, kk given", all, hub.LangKK, "Ақмола облысы"},
		{"ru asked, ru given", all, hub.LangRU, "Акмолинская область"},
		{"en asked, en given", all, hub.LangEN, "Akmola Region"},
		{"no preference takes kk", all, "", "Ақмола облысы"},
		{"unknown language takes kk", all, "de", "Ақмола облысы"},
		{"kk missing falls back to ru", hub.LocalizedText{RU: "Чистый берег", EN: "Clean shore"}, hub.LangKK, "Чистый берег"},
		{"en missing falls back to kk before ru", hub.LocalizedText{KK: "Таза жағалау", RU: "Чистый берег"}, hub.LangEN, "Таза жағалау"},
		{"ru missing falls back to kk", hub.LocalizedText{KK: "Таза жағалау", EN: "Clean shore"}, hub.LangRU, "Таза жағалау"},
		{"only en", hub.LocalizedText{EN: "Clean shore"}, hub.LangKK, "Clean shore"},
		{"only en, ru asked", hub.LocalizedText{EN: "Clean shore"}, hub.LangRU, "Clean shore"},
		{"empty", hub.LocalizedText{}, hub.LangRU, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if diff := cmp.Diff(tt.want, tt.text.Get(tt.lang)); diff != "" {
				t.Errorf("Get(%q) (-want +got):\n%s", tt.lang, diff)
			}
		})
	}
}

func TestLocalizedTextHelpers(t *testing.T) {
	t.Parallel()
	text := hub.LocalizedText{KK: " Таза жағалау\t", RU: "\nЧистый берег "}
	if got := text.In(hub.LangEN); got != "" {
		t.Errorf("In(en) = %q, want no fallback", got)
	}
	want := hub.LocalizedText{KK: "Таза жағалау", RU: "Чистый берег"}
	if diff := cmp.Diff(want, text.TrimSpace()); diff != "" {
		t.Errorf("TrimSpace (-want +got):\n%s", diff)
	}
	if text.IsZero() || !(hub.LocalizedText{}).IsZero() {
		t.Errorf("IsZero is wrong")
	}
	if diff := cmp.Diff([]hub.Language{hub.LangKK, hub.LangRU, hub.LangEN}, hub.Languages[:]); diff != "" {
		t.Errorf("fallback order (-want +got):\n%s", diff)
	}
}

func TestDirectionForWord(t *testing.T) {
	t.Parallel()
	tests := []struct {
		word string
		want string // "" for an unknown word
	}{
		// Canonical codes, in any case.
		{"ECOLOGY", "ECOLOGY"},
		{"ecology", "ECOLOGY"},
		{"Social_Support", "SOCIAL_SUPPORT"},
		{" SPORTS ", "SPORTS"},
		// Russian.
		{"экологическое", "ECOLOGY"},
		{"Экологическое", "ECOLOGY"},
		{"ЭКОЛОГИЧЕСКОЕ ВОЛОНТЕРСТВО", "ECOLOGY"},
		{"серебряное волонтёрство", "ELDERLY_CARE"},
		{"ЧС", "EMERGENCY"},
		{"онлайн-волонтерство", "MEDIA_ONLINE"},
		// Kazakh.
		{"экологиялық", "ECOLOGY"},
		{"Экологиялық", "ECOLOGY"},
		{"Білім беру", "EDUCATION"},
		{"әлеуметтік көмек", "SOCIAL_SUPPORT"},
		// The national programme's sub-platforms.
		{"Birgemiz: Qamqor", "SOCIAL_SUPPORT"},
		{"Qamqor", "SOCIAL_SUPPORT"},
		{"«Qamqor»", "SOCIAL_SUPPORT"},
		{"Taza Álem", "ECOLOGY"},
		{"Taza Alem", "ECOLOGY"},
		{"Birgemiz Taza Álem", "ECOLOGY"},
		{"Таза Әлем", "ECOLOGY"},
		{"Bilim", "EDUCATION"},
		{"Saýlyq", "HEALTHCARE"},
		{"Birgemiz: Saulyq", "HEALTHCARE"},
		// Unknown: never guessed.
		{"космонавтика", ""},
		{"экологический", ""}, // another form of a known word
		{"social support", ""},
		{"SOCIAL-SUPPORT", ""},
		{"", ""},
		{"   ", ""},
		{":", ""},
	}
	for _, tt := range tests {
		t.Run(tt.word, func(t *testing.T) {
			t.Parallel()
			code, ok := hub.DirectionForWord(tt.word)
			if diff := cmp.Diff(struct {
				Code string
				OK   bool
			}{tt.want, tt.want != ""}, struct {
				Code string
				OK   bool
			}{code, ok}); diff != "" {
				t.Errorf("DirectionForWord(%q) (-want +got):\n%s", tt.word, diff)
			}
		})
	}
}

func TestDirections(t *testing.T) {
	t.Parallel()
	var codes []string
	for _, d := range hub.Directions() {
		codes = append(codes, d.Code)
		if d.Name.KK == "" || d.Name.RU == "" || d.Name.EN == "" {
			t.Errorf("%s lacks a name in a language: %+v", d.Code, d.Name)
		}
		if !hub.IsDirectionCode(d.Code) {
			t.Errorf("IsDirectionCode(%q) = false", d.Code)
		}
		for _, w := range []string{d.Code, strings.ToLower(d.Code)} {
			if code, ok := hub.DirectionForWord(w); !ok || code != d.Code {
				t.Errorf("DirectionForWord(%q) = %q, %v; want %q", w, code, ok, d.Code)
			}
		}
	}
	// SPEC's list, in code order.
	want := []string{"ANIMAL_WELFARE", "CULTURAL_HERITAGE", "ECOLOGY", "EDUCATION", "ELDERLY_CARE", "EMERGENCY", "ETHNO",
		"EVENTS", "HEALTHCARE", "LEGAL_AID", "MEDIA_ONLINE", "SOCIAL_SUPPORT", "SPECIAL_NEEDS", "SPORTS"}
	if diff := cmp.Diff(want, codes); diff != "" {
		t.Errorf("direction codes (-want +got):\n%s", diff)
	}
	for _, c := range []string{"", "ecology", "ECOLOGY ", "ECO"} {
		if hub.IsDirectionCode(c) {
			t.Errorf("IsDirectionCode(%q) = true; codes are exact", c)
		}
	}
}

func TestNormalizeCategoryWord(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in, want string
	}{
		{"экологическое", "экологическое"},
		{"  Birgemiz: Qamqor ", "birgemiz qamqor"},
		{"Birgemiz:Qamqor", "birgemiz qamqor"},
		{"«Таза Әлем»", "таза әлем"},
		{"TAZA ÁLEM", "taza álem"},
		{"Серебряное   волонтёрство", "серебряное волонтерство"},
		{"ЁЛКА", "елка"},
		{"онлайн-волонтерство", "онлайн-волонтерство"},
		{"(ЧС)", "чс"},
		{"помощь пожилым, людям.", "помощь пожилым людям"},
		{"\"медиа\"", "медиа"},
		{"a\tb\nc\u00a0d", "a b c d"},
		{"\u00a0инклюзия\u00a0", "инклюзия"},
		{"", ""},
		{" : , . ", ""},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			if diff := cmp.Diff(tt.want, hub.NormalizeCategoryWord(tt.in)); diff != "" {
				t.Errorf("NormalizeCategoryWord(%q) (-want +got):\n%s", tt.in, diff)
			}
		})
	}
}

func TestIsRegionCode(t *testing.T) {
	t.Parallel()
	// SPEC's 17 regions and 3 cities.
	regions := []string{"KZ-10", "KZ-11", "KZ-15", "KZ-19", "KZ-23", "KZ-27", "KZ-31", "KZ-33", "KZ-35", "KZ-39",
		"KZ-43", "KZ-47", "KZ-55", "KZ-59", "KZ-61", "KZ-62", "KZ-63"}
	cities := []string{"KZ-71", "KZ-75", "KZ-79"}
	for _, c := range append(regions[:len(regions):len(regions)], cities...) {
		if !hub.IsRegionCode(c) {
			t.Errorf("IsRegionCode(%q) = false", c)
		}
	}
	for _, c := range []string{"", "KZ", "KZ-1", "KZ-12", "KZ-80", "KZ-011", "kz-11", "Kz-11", " KZ-11", "KZ-11 ", "KZ11", "KZ_11",
		"KZ-AST", "KZ-ALA", "KZ-AKM", "KG-11", "RU-11"} {
		if hub.IsRegionCode(c) {
			t.Errorf("IsRegionCode(%q) = true", c)
		}
	}

	// Regions() is the reference data behind the codes: the same 20, in
	// code order, each named in the three languages.
	type kinded struct {
		Code string
		Kind hub.RegionKind
	}
	var want, got []kinded
	for _, c := range regions {
		want = append(want, kinded{c, hub.RegionKindRegion})
	}
	for _, c := range cities {
		want = append(want, kinded{c, hub.RegionKindCity})
	}
	for _, r := range hub.Regions() {
		got = append(got, kinded{r.Code, r.Kind})
		if r.Name.KK == "" || r.Name.RU == "" || r.Name.EN == "" {
			t.Errorf("%s lacks a name in a language: %+v", r.Code, r.Name)
		}
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Regions (-want +got):\n%s", diff)
	}
}

func TestAgeBandFor(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 6, 15, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		born *int
		want hub.AgeBand
	}{
		{nil, hub.AgeUnknown},
		{ptr(2030), hub.AgeUnder18}, // a typo in the future is no adult
		{ptr(2026), hub.AgeUnder18},
		{ptr(2008), hub.AgeUnder18}, // 17 on 1 January: may still be 17
		{ptr(2007), hub.Age18to24},  // surely 18
		{ptr(2001), hub.Age18to24},  // 24
		{ptr(2000), hub.Age25to34},  // 25
		{ptr(1991), hub.Age25to34},  // 34
		{ptr(1990), hub.Age35to44},  // 35
		{ptr(1981), hub.Age35to44},  // 44
		{ptr(1980), hub.Age45to54},  // 45
		{ptr(1971), hub.Age45to54},  // 54
		{ptr(1970), hub.Age55to64},  // 55
		{ptr(1961), hub.Age55to64},  // 64
		{ptr(1960), hub.Age65Plus},  // 65
		{ptr(1900), hub.Age65Plus},
	}
	for _, tt := range tests {
		name := "nil"
		if tt.born != nil {
			name = fmt.Sprint(*tt.born)
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			if diff := cmp.Diff(tt.want, hub.AgeBandFor(tt.born, now)); diff != "" {
				t.Errorf("AgeBandFor(%s) (-want +got):\n%s", name, diff)
			}
		})
	}
}

func TestParsePeriod(t *testing.T) {
	t.Parallel()
	const form = "period must be a year (2023), a month (2023-06), a date, or a range of those like 2019/2023"
	type result struct {
		Start, End time.Time
		Err        codeMsg
	}
	ok := func(start, end *time.Time) result { return result{Start: *start, End: *end} }
	bad := func(msg string) result { return result{Err: invalid(msg)} }
	tests := []struct {
		in   string
		want result
	}{
		{"2023", ok(date(2023, 1, 1), date(2023, 12, 31))},
		{"2023-06", ok(date(2023, 6, 1), date(2023, 6, 30))},
		{"2024-02", ok(date(2024, 2, 1), date(2024, 2, 29))},
		{"2023-02", ok(date(2023, 2, 1), date(2023, 2, 28))},
		{"2023-06-30", ok(date(2023, 6, 30), date(2023, 6, 30))},
		{"2019/2023", ok(date(2019, 1, 1), date(2023, 12, 31))},
		{"2023-01-01/2023-06-30", ok(date(2023, 1, 1), date(2023, 6, 30))},
		{"2019/2023-06", ok(date(2019, 1, 1), date(2023, 6, 30))},
		{"2023/2023", ok(date(2023, 1, 1), date(2023, 12, 31))},
		{"2023-06/2023", ok(date(2023, 6, 1), date(2023, 12, 31))},
		{"1900", ok(date(1900, 1, 1), date(1900, 12, 31))},
		{"2100", ok(date(2100, 1, 1), date(2100, 12, 31))},

		// Inverted.
		{"2023/2019", bad("period ends before it starts")},
		{"2023-06/2023-05", bad("period ends before it starts")},
		{"2023-06-30/2023-06-29", bad("period ends before it starts")},

		// Garbage.
		{"", bad(form)},
		{"abc", bad(form)},
		{"23", bad(form)},
		{"2023-13", bad(form)},
		{"2023-06-31", bad(form)},
		{"2023-6", bad(form)},
		{"30.06.2023", bad(form)},
		{" 2023", bad(form)},
		{"2023/", bad(form)},
		{"/2023", bad(form)},
		{"2019/2020/2021", bad(form)},
		{"2019-2023", bad(form)},
		{"2023-06-30T10:00:00Z", bad(form)},

		// Out of range.
		{"1899", bad("period is out of range (1900–2100)")},
		{"2101", bad("period is out of range (1900–2100)")},
		{"1899/2023", bad("period is out of range (1900–2100)")},
		{"2023/2101-01", bad("period is out of range (1900–2100)")},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			start, end, err := hub.ParsePeriod(tt.in)
			got := result{Start: start, End: end, Err: seen(err)}
			if err != nil {
				got.Start, got.End = time.Time{}, time.Time{} // unspecified on error
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ParsePeriod(%q) (-want +got):\n%s", tt.in, diff)
			}
		})
	}
}

func TestPageValidate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		page hub.Page
		want codeMsg
	}{
		{hub.Page{First: 1}, codeMsg{}},
		{hub.Page{First: hub.DefaultPageSize, After: "opaque"}, codeMsg{}},
		{hub.Page{First: 100}, codeMsg{}},
		{hub.Page{First: 0}, invalid("first must be between 1 and 100, got 0")},
		{hub.Page{First: -1}, invalid("first must be between 1 and 100, got -1")},
		{hub.Page{First: 101}, invalid("first must be between 1 and 100, got 101")},
	}
	for _, tt := range tests {
		if diff := cmp.Diff(tt.want, seen(tt.page.Validate())); diff != "" {
			t.Errorf("%+v.Validate() (-want +got):\n%s", tt.page, diff)
		}
	}
}

func TestDateRangeValidate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		r    hub.DateRange
		want codeMsg
	}{
		{"open", hub.DateRange{}, codeMsg{}},
		{"from only", hub.DateRange{From: date(2026, 1, 1)}, codeMsg{}},
		{"to only", hub.DateRange{To: date(2026, 1, 1)}, codeMsg{}},
		{"one day", hub.DateRange{From: date(2026, 1, 1), To: date(2026, 1, 1)}, codeMsg{}},
		{"ordered", hub.DateRange{From: date(2025, 1, 1), To: date(2026, 1, 1)}, codeMsg{}},
		{"inverted", hub.DateRange{From: date(2026, 2, 1), To: date(2026, 1, 1)},
			invalid("startDate: from (2026-02-01) is after to (2026-01-01)")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if diff := cmp.Diff(tt.want, seen(tt.r.Validate("startDate"))); diff != "" {
				t.Errorf("Validate (-want +got):\n%s", diff)
			}
			if got, want := tt.r.IsZero(), tt.r.From == nil && tt.r.To == nil; got != want {
				t.Errorf("IsZero = %v, want %v", got, want)
			}
		})
	}
}

func TestFilterValidate(t *testing.T) {
	t.Parallel()
	inverted := hub.DateRange{From: date(2026, 2, 1), To: date(2026, 1, 1)}
	const badRegion = `region "KZ-99" is not an ISO 3166-2:KZ code the hub knows (KZ-10 … KZ-79)`
	const badDirection = `direction "ECO" is not a direction code (see the directions query)`
	long := strings.Repeat("я", 100)
	tests := []struct {
		name string
		f    interface{ Validate() error }
		want codeMsg
	}{
		{"organization: empty", hub.OrganizationFilter{}, codeMsg{}},
		{"organization: valid", hub.OrganizationFilter{Regions: []string{"KZ-11", "KZ-75"}, Directions: []string{"ECOLOGY"},
			Kinds: []hub.OrganizationKind{hub.OrgNGO}, Founded: hub.DateRange{From: date(2000, 1, 1)}}, codeMsg{}},
		{"organization: region", hub.OrganizationFilter{Regions: []string{"KZ-11", "KZ-99"}}, invalid(badRegion)},
		{"organization: region in lower case", hub.OrganizationFilter{Regions: []string{"kz-11"}},
			invalid(`region "kz-11" is not an ISO 3166-2:KZ code the hub knows (KZ-10 … KZ-79)`)},
		{"organization: direction", hub.OrganizationFilter{Directions: []string{"ECO"}}, invalid(badDirection)},
		{"organization: direction word", hub.OrganizationFilter{Directions: []string{"экология"}},
			invalid(`direction "экология" is not a direction code (see the directions query)`)},
		{"organization: founded", hub.OrganizationFilter{Founded: inverted}, invalid("founded: from (2026-02-01) is after to (2026-01-01)")},
		{"organization: long value is cut", hub.OrganizationFilter{Regions: []string{long}},
			invalid(`region "` + strings.Repeat("я", 40) + `…" is not an ISO 3166-2:KZ code the hub knows (KZ-10 … KZ-79)`)},

		{"project: valid", hub.ProjectFilter{Regions: []string{"KZ-79"}, Directions: []string{"SPORTS"}, ActiveDuring: hub.DateRange{To: date(2026, 1, 1)}}, codeMsg{}},
		{"project: region", hub.ProjectFilter{Regions: []string{"KZ-99"}}, invalid(badRegion)},
		{"project: direction", hub.ProjectFilter{Directions: []string{"ECO"}}, invalid(badDirection)},
		{"project: region before direction", hub.ProjectFilter{Regions: []string{"KZ-99"}, Directions: []string{"ECO"}}, invalid(badRegion)},
		{"project: start date", hub.ProjectFilter{StartDate: inverted}, invalid("startDate: from (2026-02-01) is after to (2026-01-01)")},
		{"project: active during", hub.ProjectFilter{ActiveDuring: inverted}, invalid("activeDuring: from (2026-02-01) is after to (2026-01-01)")},

		{"volunteer: valid", hub.VolunteerFilter{Regions: []string{"KZ-10"}, Genders: []hub.Gender{hub.GenderFemale}}, codeMsg{}},
		{"volunteer: region", hub.VolunteerFilter{Regions: []string{"KZ-99"}}, invalid(badRegion)},
		{"volunteer: direction", hub.VolunteerFilter{Directions: []string{"ECO"}}, invalid(badDirection)},
		{"volunteer: registered at", hub.VolunteerFilter{RegisteredAt: inverted}, invalid("registeredAt: from (2026-02-01) is after to (2026-01-01)")},

		{"un placement: valid", hub.UNPlacementFilter{Countries: []string{"KE", "JO"}, HostEntities: []string{"UNDP"}}, codeMsg{}},
		{"un placement: country in lower case", hub.UNPlacementFilter{Countries: []string{"ke"}},
			invalid(`country "ke" is not an ISO 3166-1 alpha-2 code such as KE`)},
		{"un placement: alpha-3 country", hub.UNPlacementFilter{Countries: []string{"KEN"}},
			invalid(`country "KEN" is not an ISO 3166-1 alpha-2 code such as KE`)},
		{"un placement: start date", hub.UNPlacementFilter{StartDate: inverted}, invalid("startDate: from (2026-02-01) is after to (2026-01-01)")},
		{"un placement: active during", hub.UNPlacementFilter{ActiveDuring: inverted}, invalid("activeDuring: from (2026-02-01) is after to (2026-01-01)")},

		{"indicator: valid", hub.IndicatorFilter{Metrics: []string{"volunteers"}, Regions: []string{"KZ-71"}}, codeMsg{}},
		{"indicator: region", hub.IndicatorFilter{Regions: []string{"KZ-99"}}, invalid(badRegion)},
		{"indicator: period", hub.IndicatorFilter{Period: inverted}, invalid("period: from (2026-02-01) is after to (2026-01-01)")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if diff := cmp.Diff(tt.want, seen(tt.f.Validate())); diff != "" {
				t.Errorf("Validate (-want +got):\n%s", diff)
			}
		})
	}
}

func TestErrorCodeAndMessage(t *testing.T) {
	t.Parallel()
	notFound := hub.Errorf(hub.ENOTFOUND, "project %d not found", 7)
	fields := hub.FieldErrors{{Field: "region", Message: "is required"}, {Field: "status", Message: `"X" is not a status`}}
	tests := []struct {
		name string
		err  error
		want codeMsg
	}{
		{"nil", nil, codeMsg{}},
		{"hub error", notFound, codeMsg{hub.ENOTFOUND, "project 7 not found"}},
		{"each code", &hub.Error{Code: hub.ECONFLICT, Message: "taken"}, codeMsg{hub.ECONFLICT, "taken"}},
		{"wrapped", fmt.Errorf("find project: %w", notFound), codeMsg{hub.ENOTFOUND, "project 7 not found"}},
		{"wrapped twice", fmt.Errorf("resolver: %w", fmt.Errorf("find project: %w", notFound)), codeMsg{hub.ENOTFOUND, "project 7 not found"}},
		{"plain", errors.New("pq: connection refused"), codeMsg{hub.EINTERNAL, "internal error"}},
		{"plain, wrapped", fmt.Errorf("find project: %w", errors.New("pq: connection refused")), codeMsg{hub.EINTERNAL, "internal error"}},
		{"plain message around a hub error", fmt.Errorf("secret detail: %v", notFound), codeMsg{hub.EINTERNAL, "internal error"}},
		{"field errors", fields, invalid(`region: is required; status: "X" is not a status`)},
		{"field errors, wrapped", fmt.Errorf("create source: %w", fields), invalid(`region: is required; status: "X" is not a status`)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if diff := cmp.Diff(tt.want, seen(tt.err)); diff != "" {
				t.Errorf("ErrorCode, ErrorMessage (-want +got):\n%s", diff)
			}
		})
	}

	if got, want := notFound.Error(), "hub error: code=not_found message=project 7 not found"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	if diff := cmp.Diff(&hub.Error{Code: hub.EINVALID, Message: "a 1 b"}, hub.Errorf(hub.EINVALID, "a %d %s", 1, "b")); diff != "" {
		t.Errorf("Errorf (-want +got):\n%s", diff)
	}
}

func TestFieldErrors(t *testing.T) {
	t.Parallel()
	var fe hub.FieldErrors
	if err := fe.Err(); err != nil {
		t.Fatalf("Err() of no errors = %v, want nil", err)
	}
	fe.Add("region", "is required")
	fe.Add("tags", "has %d entries; the limit is %d", 51, 50)
	want := hub.FieldErrors{{Field: "region", Message: "is required"}, {Field: "tags", Message: "has 51 entries; the limit is 50"}}
	if diff := cmp.Diff(want, fe); diff != "" {
		t.Errorf("Add (-want +got):\n%s", diff)
	}
	err := fe.Err()
	if got, want := err.Error(), "region: is required; tags: has 51 entries; the limit is 50"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	// The list survives wrapping, and its chain holds an EINVALID *Error.
	var got hub.FieldErrors
	if !errors.As(fmt.Errorf("validate: %w", err), &got) {
		t.Fatal("errors.As does not find FieldErrors through %w")
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("FieldErrors through errors.As (-want +got):\n%s", diff)
	}
	var e *hub.Error
	if !errors.As(err, &e) {
		t.Fatal("errors.As does not find a *hub.Error in FieldErrors")
	}
	if diff := cmp.Diff(&hub.Error{Code: hub.EINVALID, Message: err.Error()}, e); diff != "" {
		t.Errorf("the *hub.Error in FieldErrors (-want +got):\n%s", diff)
	}
}

func TestEnumsValid(t *testing.T) {
	t.Parallel()
	for _, typ := range hub.RecordTypes {
		if !typ.Valid() {
			t.Errorf("%q.Valid() = false", typ)
		}
	}
	for _, k := range hub.OrganizationKinds {
		if !k.Valid() {
			t.Errorf("%q.Valid() = false", k)
		}
	}
	for _, s := range hub.ProjectStatuses {
		if !s.Valid() {
			t.Errorf("%q.Valid() = false", s)
		}
	}
	if hub.RecordType("Project").Valid() || hub.RecordType("").Valid() || hub.OrganizationKind("ngo").Valid() ||
		hub.ProjectStatus("active").Valid() || hub.ProjectStatus("").Valid() {
		t.Error("Valid() accepts a value that is not exactly a constant")
	}
}

func TestBatchCounts(t *testing.T) {
	t.Parallel()
	a := hub.BatchCounts{Created: 1, Updated: 2, Deleted: 3, Unchanged: 4, Stale: 5, Failed: 6}
	b := hub.BatchCounts{Created: 10, Updated: 20, Deleted: 30, Unchanged: 40, Stale: 50, Failed: 60}
	if diff := cmp.Diff(hub.BatchCounts{Created: 11, Updated: 22, Deleted: 33, Unchanged: 44, Stale: 55, Failed: 66}, a.Add(b)); diff != "" {
		t.Errorf("Add (-want +got):\n%s", diff)
	}
	if got := a.Total(); got != 21 {
		t.Errorf("Total = %d, want 21", got)
	}
}

// validCase is one Validate call and the field errors it should report, in
// order; nil for a valid record.
type validCase struct {
	name string
	v    interface{ Validate() error }
	want hub.FieldErrors
}

func runValidCases(t *testing.T, tests []validCase) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := fieldErrors(t, tt.v.Validate())
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Validate (-want +got):\n%s", diff)
			}
		})
	}
}

func fe(pairs ...string) hub.FieldErrors {
	var out hub.FieldErrors
	for i := 0; i < len(pairs); i += 2 {
		out = append(out, hub.FieldError{Field: pairs[i], Message: pairs[i+1]})
	}
	return out
}

func TestOrganizationValidate(t *testing.T) {
	t.Parallel()
	runValidCases(t, []validCase{
		{"valid", &hub.Organization{
			Name: hub.LocalizedText{KK: "Жасыл Ел", RU: "Зелёная страна"}, BIN: "150340012345", Kind: hub.OrgPublicFoundation,
			RegionCode: "KZ-71", Directions: []string{"ECOLOGY", "EDUCATION"}, Website: "https://jasyl-el.kz",
			ContactEmail: "info@jasyl-el.kz", ContactPhone: "+7 717 200 00 00", Founded: date(2015, 3, 1), VolunteerCount: ptr(0),
		}, nil},
		{"minimal", &hub.Organization{Name: hub.LocalizedText{EN: "N"}, Kind: hub.OrgOther}, nil},
		{"name at the limit", &hub.Organization{Name: hub.LocalizedText{KK: strings.Repeat("ә", hub.MaxNameLen)}, Kind: hub.OrgNGO}, nil},
		{"zero", &hub.Organization{}, fe(
			"name", "is required in at least one of kk, ru, en",
			"kind", `"" is not one of NGO, PUBLIC_FOUNDATION, INITIATIVE_GROUP, STATE_BODY, UNIVERSITY, UN_AGENCY, OTHER`,
		)},
		{"invalid", &hub.Organization{
			Name: hub.LocalizedText{KK: strings.Repeat("ә", hub.MaxNameLen+1), RU: "\xff"}, BIN: "12345", Kind: "CLUB",
			RegionCode: "KZ-99", Directions: []string{"ECOLOGY", "ecology"}, Website: "ftp://jasyl-el.kz",
			ContactEmail: strings.Repeat("e", 201), Founded: date(1850, 1, 1), VolunteerCount: ptr(-1),
		}, fe(
			"name.kk", "is 501 characters long; the limit is 500",
			"name.ru", "is not valid UTF-8",
			"bin", "must be 12 digits",
			"kind", `"CLUB" is not one of NGO, PUBLIC_FOUNDATION, INITIATIVE_GROUP, STATE_BODY, UNIVERSITY, UN_AGENCY, OTHER`,
			"region", `"KZ-99" is not an ISO 3166-2:KZ region code the hub knows (KZ-10 … KZ-79)`,
			"directions", `"ecology" is not a direction code`,
			"website", "is not an http(s) URL",
			"contact_email", "is 201 characters long; the limit is 200",
			"founded", "1850-01-01 is out of range (1900–2100)",
			"volunteer_count", "must not be negative",
		)},
		{"bin with letters", &hub.Organization{Name: hub.LocalizedText{EN: "N"}, Kind: hub.OrgNGO, BIN: "15034001234X"}, fe("bin", "must be 12 digits")},
		{"too many directions", &hub.Organization{Name: hub.LocalizedText{EN: "N"}, Kind: hub.OrgNGO, Directions: make([]string, 51)},
			fe("directions", "has 51 entries; the limit is 50")},
	})
}

func TestProjectValidate(t *testing.T) {
	t.Parallel()
	tags := make([]string, hub.MaxListLen+1)
	for i := range tags {
		tags[i] = fmt.Sprint("t", i)
	}
	runValidCases(t, []validCase{
		{"valid", &hub.Project{
			Title: hub.LocalizedText{RU: "Чистый берег"}, Description: hub.LocalizedText{RU: strings.Repeat("ә", hub.MaxDescriptionLen)},
			RegionCode: "KZ-71", Locality: "Астана", Lat: ptr(-90.0), Lon: ptr(180.0), Directions: []string{"ECOLOGY"},
			Status: hub.StatusActive, StartDate: date(2026, 2, 1), EndDate: date(2026, 2, 1), VolunteersNeeded: ptr(100),
			VolunteersEngaged: ptr(0), VolunteerHours: ptr(12.5), Beneficiaries: ptr(3000), GrantProgramme: "Birgemiz",
			GrantAmountKZT: ptr(int64(2_500_000)), Tags: tags[:hub.MaxListLen], URL: "http://birgemiz.kz/p/1",
		}, nil},
		{"zero", &hub.Project{}, fe(
			"title", "is required in at least one of kk, ru, en",
			"region", "is required (an ISO 3166-2:KZ code such as KZ-11)",
			"status", `"" is not one of PLANNED, ACTIVE, COMPLETED, CANCELLED`,
		)},
		{"invalid", &hub.Project{
			Title: hub.LocalizedText{EN: "T"}, Description: hub.LocalizedText{EN: strings.Repeat("x", hub.MaxDescriptionLen+1)},
			RegionCode: "KZ-AST", Lat: ptr(95.0), Status: "ONGOING", StartDate: date(2026, 6, 30), EndDate: date(2026, 2, 1),
			VolunteersNeeded: ptr(-1), VolunteerHours: ptr(-0.5), GrantAmountKZT: ptr(int64(-1)), Tags: tags, URL: "birgemiz.kz/p/1",
		}, fe(
			"description.en", "is 20001 characters long; the limit is 20000",
			"region", `"KZ-AST" is not an ISO 3166-2:KZ region code the hub knows (KZ-10 … KZ-79)`,
			"lat", "lat and lon come together",
			"lat", "must be between -90 and 90",
			"status", `"ONGOING" is not one of PLANNED, ACTIVE, COMPLETED, CANCELLED`,
			"start_date", "start date 2026-06-30 is after end date 2026-02-01",
			"volunteers_needed", "must not be negative",
			"volunteer_hours", "must not be negative",
			"grant_amount_kzt", "must not be negative",
			"tags", "has 51 entries; the limit is 50",
			"url", "is not an http(s) URL",
		)},
		{"longitude out of range", &hub.Project{Title: hub.LocalizedText{EN: "T"}, RegionCode: "KZ-71", Status: hub.StatusPlanned,
			Lat: ptr(51.0), Lon: ptr(-180.5)}, fe("lon", "must be between -180 and 180")},
	})
}

func TestVolunteerValidate(t *testing.T) {
	t.Parallel()
	runValidCases(t, []validCase{
		{"valid", &hub.Volunteer{
			RegionCode: "KZ-75", Gender: hub.GenderFemale, BirthYear: ptr(1998), Languages: []string{"kk", "ru"},
			Skills: []string{"first aid"}, Directions: []string{"HEALTHCARE"}, RegisteredAt: date(2024, 9, 1), Status: hub.VolunteerInactive,
		}, nil},
		{"minimal", &hub.Volunteer{RegionCode: "KZ-11", Gender: hub.GenderUnknown, Status: hub.VolunteerActive}, nil},
		{"invalid", &hub.Volunteer{
			Gender: "X", BirthYear: ptr(1850), Languages: []string{"kk", "a language name of 30 letters"},
			Directions: []string{"NOPE"}, RegisteredAt: date(2201, 1, 1),
		}, fe(
			"region", "is required (an ISO 3166-2:KZ code such as KZ-11)",
			"gender", `"X" is not one of female, male, other, unknown`,
			"birth_date", "is out of range",
			"languages", "is 29 characters long; the limit is 20",
			"directions", `"NOPE" is not a direction code`,
			"registered_at", "2201-01-01 is out of range (1900–2100)",
			"status", `"" is not one of ACTIVE, INACTIVE`,
		)},
	})
}

func TestVolunteerPersonalValidate(t *testing.T) {
	t.Parallel()
	consent := func(p hub.VolunteerPersonal) *hub.VolunteerPersonal {
		p.ConsentRef, p.ConsentAt = "consent-2024-77", date(2024, 9, 1)
		return &p
	}
	const refused = "the personal part (full_name, phone, email, iin, birth_date) is accepted only with consent_ref and consent_at; it was not stored"
	runValidCases(t, []validCase{
		{"nil", (*hub.VolunteerPersonal)(nil), nil},
		{"nothing personal", &hub.VolunteerPersonal{}, nil},
		{"consent alone", consent(hub.VolunteerPersonal{}), nil},
		{"valid", consent(hub.VolunteerPersonal{FullName: "Айгерим Сапарова", Phone: "+7 701 000 00 00",
			Email: "aigerim@example.kz", IIN: "980415400123", BirthDate: date(1998, 4, 15)}), nil},
		{"without consent", &hub.VolunteerPersonal{FullName: "Айгерим Сапарова", IIN: "980415400123"}, fe("consent_ref", refused)},
		{"consent_ref without consent_at", &hub.VolunteerPersonal{Phone: "+7 701 000 00 00", ConsentRef: "consent-2024-77"}, fe("consent_ref", refused)},
		{"consent_at without consent_ref", &hub.VolunteerPersonal{BirthDate: date(1998, 4, 15), ConsentAt: date(2024, 9, 1)}, fe("consent_ref", refused)},
		{"invalid", consent(hub.VolunteerPersonal{FullName: strings.Repeat("x", 4*hub.MaxNameLen+1), Phone: strings.Repeat("7", 41),
			Email: strings.Repeat("e", hub.MaxShortTextLen+1), IIN: "98041540012"}), fe(
			"iin", "must be 12 digits",
			"full_name", "is too long",
			"email", "is too long",
			"phone", "is too long",
		)},
		{"iin with letters", consent(hub.VolunteerPersonal{IIN: "98041540012A"}), fe("iin", "must be 12 digits")},
		{"phone and email of other shapes", consent(hub.VolunteerPersonal{Phone: "8 (700) 123-45-67", Email: "a.saparova+hub@mail.example.kz"}), nil},
		{"not a phone or an e-mail", consent(hub.VolunteerPersonal{Phone: "SECRETPHONEabc", Email: "notanemail-42"}), fe(
			"email", "is not an e-mail address such as name@example.kz",
			"phone", "is not a phone number: 7 to 15 digits, with +, spaces, dashes, dots or brackets",
		)},
		{"too few digits, a named address", consent(hub.VolunteerPersonal{Phone: "+7 12", Email: "Aigerim <a@example.kz>"}), fe(
			"email", "is not an e-mail address such as name@example.kz",
			"phone", "is not a phone number: 7 to 15 digits, with +, spaces, dashes, dots or brackets",
		)},
	})

	// The messages name fields, never values.
	p := &hub.VolunteerPersonal{FullName: "Айгерим Сапарова", Phone: "+7 701 000 00 00", Email: "aigerim@example.kz", IIN: "98041540012"}
	for _, q := range []*hub.VolunteerPersonal{p, consent(*p)} {
		msg := q.Validate().Error()
		for _, v := range []string{p.FullName, p.Phone, p.Email, p.IIN, "consent-2024-77"} {
			if strings.Contains(msg, v) {
				t.Errorf("message %q repeats a personal value", msg)
			}
		}
	}
}

func TestParticipationValidate(t *testing.T) {
	t.Parallel()
	runValidCases(t, []validCase{
		{"valid", &hub.Participation{Role: "coordinator", Hours: ptr(100_000.0), StartDate: date(2026, 2, 1), EndDate: date(2026, 2, 3)}, nil},
		{"zero", &hub.Participation{}, nil},
		{"invalid", &hub.Participation{Role: strings.Repeat("р", hub.MaxShortTextLen+1), Hours: ptr(200_000.0),
			StartDate: date(1850, 1, 1), EndDate: date(2200, 1, 1)}, fe(
			"role", "is 201 characters long; the limit is 200",
			"hours", "200000 hours is more than a person can give",
			"start_date", "1850-01-01 is out of range (1900–2100)",
			"end_date", "2200-01-01 is out of range (1900–2100)",
		)},
		{"negative hours", &hub.Participation{Hours: ptr(-1.0)}, fe("hours", "must not be negative")},
		{"end before start", &hub.Participation{StartDate: date(2026, 2, 3), EndDate: date(2026, 2, 1)},
			fe("start_date", "start date 2026-02-03 is after end date 2026-02-01")},
	})
}

func TestUNPlacementValidate(t *testing.T) {
	t.Parallel()
	runValidCases(t, []validCase{
		{"valid", &hub.UNPlacement{HostEntity: "UNDP", Country: "KE", DutyStation: "Nairobi",
			Title: hub.LocalizedText{EN: "Youth engagement officer"}, Category: "YOUTH", Funding: "GOVERNMENT_OF_KAZAKHSTAN",
			StartDate: date(2025, 3, 1), EndDate: date(2026, 2, 28), Status: hub.StatusActive, SDGs: []int{1, 4, 17}}, nil},
		{"minimal", &hub.UNPlacement{HostEntity: "WHO", Country: "JO", Status: hub.StatusCompleted}, nil},
		{"invalid", &hub.UNPlacement{Country: "ke", SDGs: []int{0, 4, 18}, StartDate: date(2026, 3, 1), EndDate: date(2025, 3, 1)}, fe(
			"host_entity", "is required (e.g. UNDP, UNICEF)",
			"country", "must be an ISO 3166-1 alpha-2 code such as KE or JO",
			"start_date", "start date 2026-03-01 is after end date 2025-03-01",
			"status", `"" is not one of PLANNED, ACTIVE, COMPLETED, CANCELLED`,
			"sdgs", "0 is not a Sustainable Development Goal (1–17)",
			"sdgs", "18 is not a Sustainable Development Goal (1–17)",
		)},
		{"alpha-3 country", &hub.UNPlacement{HostEntity: "UNDP", Country: "KEN", Status: hub.StatusActive},
			fe("country", "must be an ISO 3166-1 alpha-2 code such as KE or JO")},
		{"unknown region ZZ", &hub.UNPlacement{HostEntity: "UNDP", Country: "ZZ", Status: hub.StatusActive},
			fe("country", "must be an ISO 3166-1 alpha-2 code such as KE or JO")},
		{"not a country: EU", &hub.UNPlacement{HostEntity: "UNDP", Country: "EU", Status: hub.StatusActive},
			fe("country", "must be an ISO 3166-1 alpha-2 code such as KE or JO")},
		{"unassigned pair", &hub.UNPlacement{HostEntity: "UNDP", Country: "QQ", Status: hub.StatusActive},
			fe("country", "must be an ISO 3166-1 alpha-2 code such as KE or JO")},
	})
}

func TestIndicatorValidate(t *testing.T) {
	t.Parallel()
	const metricRule = "must be snake_case letters, digits and _ (e.g. volunteer_organizations)"
	runValidCases(t, []validCase{
		{"valid", &hub.Indicator{Metric: "volunteer_organizations", Value: 682, Unit: "organizations", Period: "2023",
			RegionCode: "KZ-75", CitationURL: "https://egov.kz/v", Note: hub.LocalizedText{RU: "По данным реестра"}}, nil},
		{"minimal", &hub.Indicator{Metric: "v", Value: -1.5}, nil},
		{"metric at the limit", &hub.Indicator{Metric: "a" + strings.Repeat("_", 99)}, nil},
		{"invalid", &hub.Indicator{Metric: "Volunteer Count", Value: math.NaN(), Unit: strings.Repeat("u", 201),
			RegionCode: "KZ-AST", CitationURL: "http://", Note: hub.LocalizedText{EN: "\xff"}}, fe(
			"metric", metricRule,
			"value", "must be a finite number",
			"unit", "is 201 characters long; the limit is 200",
			"region", `"KZ-AST" is not an ISO 3166-2:KZ region code the hub knows (KZ-10 … KZ-79)`,
			"citation_url", "is not an http(s) URL",
			"note.en", "is not valid UTF-8",
		)},
		{"metric too long", &hub.Indicator{Metric: "a" + strings.Repeat("_", 100)}, fe("metric", metricRule)},
		{"metric starts with a digit", &hub.Indicator{Metric: "2023_volunteers"}, fe("metric", metricRule)},
		{"empty metric", &hub.Indicator{}, fe("metric", metricRule)},
		{"infinite value", &hub.Indicator{Metric: "v", Value: math.Inf(-1)}, fe("value", "must be a finite number")},
	})
}

func TestSourceValidate(t *testing.T) {
	t.Parallel()
	runValidCases(t, []validCase{
		{"valid", &hub.Source{Name: "akmola-portal", Kind: hub.SourceRegionalPlatform, RegionCode: "KZ-11", Description: "Akmola volunteer portal"}, nil},
		{"name of 63 characters", &hub.Source{Name: "a" + strings.Repeat("._-9", 15) + "xy", Kind: hub.SourceOther}, nil},
		{"invalid", &hub.Source{Name: "Akmola Portal", Kind: "regional_platform", RegionCode: "KZ-1", Description: strings.Repeat("d", hub.MaxNameLen+1)}, fe(
			"name", "must be 1–63 lower-case letters, digits, '.', '_' or '-', starting with a letter or digit",
			"kind", `"regional_platform" is not a source kind`,
			"region", `"KZ-1" is not an ISO 3166-2:KZ region code the hub knows (KZ-10 … KZ-79)`,
			"description", "is 501 characters long; the limit is 500",
		)},
		{"name of 64 characters", &hub.Source{Name: strings.Repeat("a", 64), Kind: hub.SourceOther},
			fe("name", "must be 1–63 lower-case letters, digits, '.', '_' or '-', starting with a letter or digit")},
		{"name starting with a hyphen", &hub.Source{Name: "-akmola", Kind: hub.SourceOther},
			fe("name", "must be 1–63 lower-case letters, digits, '.', '_' or '-', starting with a letter or digit")},
	})
}

// A record error reads the same in a receipt of the feed API as in
// GraphQL: line, field, message.
func TestRecordErrorJSON(t *testing.T) {
	b, err := json.Marshal(hub.RecordError{Line: 3, Field: "data.region", Message: `"KZ-99" is not a region code`})
	if want := `{"line":3,"field":"data.region","message":"\"KZ-99\" is not a region code"}`; err != nil || string(b) != want {
		t.Errorf("%s, %v; want %s", b, err, want)
	}
}

// A receipt shows a sweep only for a processed snapshot: its count, or
// why it did not sweep; a pulled page shows what its run decided on it.
func TestBatchSweepOutcome(t *testing.T) {
	done := time.Date(2026, 1, 13, 10, 0, 0, 0, time.UTC)
	for name, c := range map[string]struct {
		b     hub.Batch
		swept string
		note  string
	}{
		"delta":                  {hub.Batch{Mode: hub.ModeDelta, FinishedAt: &done, Swept: 3}, "nil", ""},
		"snapshot not processed": {hub.Batch{Mode: hub.ModeSnapshot}, "nil", ""},
		"snapshot swept":         {hub.Batch{Mode: hub.ModeSnapshot, FinishedAt: &done, Swept: 3}, "3", ""},
		"snapshot swept nothing": {hub.Batch{Mode: hub.ModeSnapshot, FinishedAt: &done}, "0", ""},
		"snapshot not swept":     {hub.Batch{Mode: hub.ModeSnapshot, FinishedAt: &done, SweepNote: "1 record failed"}, "nil", "1 record failed"},
		"pulled page":            {hub.Batch{Mode: hub.ModeSnapshot, FinishedAt: &done, PullRunID: "r"}, "nil", ""},
		"pulled last page":       {hub.Batch{Mode: hub.ModeSnapshot, FinishedAt: &done, PullRunID: "r", Swept: 2}, "2", ""},
	} {
		swept, note := c.b.SweepOutcome()
		got := "nil"
		if swept != nil {
			got = fmt.Sprint(*swept)
		}
		if got != c.swept || note != c.note {
			t.Errorf("%s: %s %q, want %s %q", name, got, note, c.swept, c.note)
		}
	}
}
