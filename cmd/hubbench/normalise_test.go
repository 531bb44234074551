package main

import (
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	hub "github.com/birgemiz/hub"
)

func s(v string) *string { return &v }

func TestFallbackNamesIsTheHubsRule(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		kk, ru, en *string
		want       Names
	}{
		{"all three", s("Бір"), s("Один"), s("One"), Names{"Бір", "Один", "One"}},
		{"kk missing: kk falls back to ru", nil, s("Один"), s("One"), Names{"Один", "Один", "One"}},
		{"ru missing: ru falls back to kk", s("Бір"), nil, s("One"), Names{"Бір", "Бір", "One"}},
		{"en only", nil, nil, s("One"), Names{"One", "One", "One"}},
		{"empty string is missing", s(""), s("Один"), nil, Names{"Один", "Один", "Один"}},
		{"none", nil, nil, nil, Names{}},
	}
	for _, tt := range tests {
		if got := fallbackNames(tt.kk, tt.ru, tt.en); got != tt.want {
			t.Errorf("%s: fallbackNames = %+v, want %+v", tt.name, got, tt.want)
		}
	}
}

func TestGlobalIDs(t *testing.T) {
	t.Parallel()
	// Ids the hub gave on the demo data.
	for gid, want := range map[string]int64{"UHJvamVjdDo2": 6, "UHJvamVjdDoxNg": 16} {
		got, err := decodeGlobalID(gid, "Project")
		if err != nil || got != want {
			t.Errorf("decodeGlobalID(%q) = %d, %v; want %d", gid, got, err, want)
		}
		if g := hub.GlobalID("Project", want); g != gid {
			t.Errorf("hub.GlobalID(Project, %d) = %q, want %q", want, g, gid)
		}
	}
	if id, err := decodeGlobalID("Vm9sdW50ZWVyOjE", "Volunteer"); err != nil || id != 1 {
		t.Errorf("Volunteer:1 decoded as %d, %v", id, err)
	}
	for _, bad := range []struct{ gid, typ string }{
		{"UHJvamVjdDo2", "Organization"}, // a Project id where an Organization's is wanted
		{"not base64!", "Project"},
		{hub.GlobalID("Project", 0), "Project"},
		{"UHJvamVjdA", "Project"}, // "Project", no id
	} {
		if _, err := decodeGlobalID(bad.gid, bad.typ); err == nil {
			t.Errorf("decodeGlobalID(%q, %s) succeeded", bad.gid, bad.typ)
		}
	}
	if _, err := rowID("x1"); err == nil {
		t.Error(`rowID("x1") succeeded`)
	}
}

// The same two projects, as the hub and PostGraphile answer a-projects.
const hubAJSON = `{"projects":{"edges":[
 {"node":{"id":"UHJvamVjdDox","directions":[{"code":"EVENTS"},{"code":"EDUCATION"}],"organization":null,
   "region":{"code":"KZ-71","kk":"Астана","ru":"Астана","en":"Astana"}}},
 {"node":{"id":"UHJvamVjdDo3MQ","directions":[{"code":"HEALTHCARE"}],
   "organization":{"id":"T3JnYW5pemF0aW9uOjMw","kk":"Синтетикалық ұйым KZ-79","ru":"Синтетическая организация KZ-79","en":"Synthetic organization KZ-79"},
   "region":{"code":"KZ-79","kk":"Шымкент","ru":"Шымкент","en":"Shymkent"}}}]}}`

const peerAJSON = `{"projects":{"nodes":[
 {"rowId":"1","directions":["EDUCATION","EVENTS"],"organization":null,
   "region":{"code":"KZ-71","nameKk":"Астана","nameRu":"Астана","nameEn":"Astana"}},
 {"rowId":"71","directions":["HEALTHCARE"],
   "organization":{"rowId":"30","nameKk":"Синтетикалық ұйым KZ-79","nameRu":"Синтетическая организация KZ-79","nameEn":"Synthetic organization KZ-79"},
   "region":{"code":"KZ-79","nameKk":"Шымкент","nameRu":null,"nameEn":"Shymkent"}}]}}`

func normalised[T any, N normaliser[T]](t *testing.T, js string) T {
	t.Helper()
	var n N
	if err := json.Unmarshal([]byte(js), &n); err != nil {
		t.Fatal(err)
	}
	v, err := n.normalise()
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestNormaliseProjectsEqual(t *testing.T) {
	t.Parallel()
	hub := normalised[[]ProjectA, hubA](t, hubAJSON)
	peer := normalised[[]ProjectA, peerA](t, peerAJSON)
	want := []ProjectA{
		{ID: 1, Directions: []string{"EDUCATION", "EVENTS"}, Region: &RegionRef{"KZ-71", Names{"Астана", "Астана", "Astana"}}},
		{ID: 71, Directions: []string{"HEALTHCARE"},
			Organization: &OrgRef{30, Names{"Синтетикалық ұйым KZ-79", "Синтетическая организация KZ-79", "Synthetic organization KZ-79"}},
			Region:       &RegionRef{"KZ-79", Names{"Шымкент", "Шымкент", "Shymkent"}}},
	}
	if d := cmp.Diff(want, hub); d != "" {
		t.Errorf("hub normalised (-want +got):\n%s", d)
	}
	// Directions in another order, and a null ru name that the hub fills
	// from kk, are the same data.
	if d := diff(hub, peer, 40); d != "" {
		t.Errorf("equal answers differ:\n%s", d)
	}
}

func TestDiffReportsWhatDiffers(t *testing.T) {
	t.Parallel()
	hub := normalised[[]ProjectA, hubA](t, hubAJSON)
	peer := normalised[[]ProjectA, peerA](t, strings.Replace(peerAJSON, `"rowId":"30"`, `"rowId":"31"`, 1))
	d := diff(hub, peer, 40)
	if !strings.HasPrefix(d, "(-hub +peer):") || !strings.Contains(d, "30") || !strings.Contains(d, "31") {
		t.Errorf("diff does not name the organization ids 30 and 31:\n%s", d)
	}
	long := diff([]int{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, []int{11, 12, 13, 14, 15, 16, 17, 18, 19, 20}, 3)
	if n := strings.Count(long, "\n"); n != 4 || !strings.Contains(long, "more lines") {
		t.Errorf("diff cut to 3 lines has %d lines:\n%s", n, long)
	}
}

func TestNormaliseVolunteersParticipations(t *testing.T) {
	t.Parallel()
	hub := normalised[[]VolunteerC, hubC](t, `{"volunteers":{"edges":[{"node":{"id":"Vm9sdW50ZWVyOjI","totalHours":21.5,
		"participations":{"edges":[{"node":{"id":"UGFydGljaXBhdGlvbjo1Mjk3","hours":21.5,
		"project":{"kk":"Синтетикалық жоба №25","ru":"Синтетический проект №25","en":"Synthetic project 25",
		"organization":{"kk":"Ұйым","ru":"Организация","en":"Organization"}}}},
		{"node":{"id":"UGFydGljaXBhdGlvbjo1","hours":null,"project":null}}]}}}]}}`)
	peer := normalised[[]VolunteerC, peerC](t, `{"volunteers":{"nodes":[{"rowId":"2","totalHours":21.500000000000004,
		"participations":{"nodes":[{"rowId":"5297","hours":21.5,
		"project":{"titleKk":"Синтетикалық жоба №25","titleRu":"Синтетический проект №25","titleEn":"Synthetic project 25",
		"organization":{"nameKk":"Ұйым","nameRu":"Организация","nameEn":"Organization"}}},
		{"rowId":"5","hours":null,"project":null}]}}]}}`)
	if d := diff(hub, peer, 40); d != "" {
		t.Errorf("equal answers (hours equal but for rounding) differ:\n%s", d)
	}
	if hub[0].Participations[0].ID != 5297 || hub[0].Participations[1].Project != nil {
		t.Errorf("hub normalised wrongly: %+v", hub)
	}
	peer[0].TotalHours = 22
	if diff(hub, peer, 40) == "" {
		t.Error("totalHours 21.5 and 22 compare equal")
	}
}

func TestNormaliseNodesLeavesOutNulls(t *testing.T) {
	t.Parallel()
	hub := normalised[[]ProjectE, hubNodes](t, `{"nodes":[
		{"id":"UHJvamVjdDo1","kk":"Бес","ru":"Пять","en":"Five","region":{"code":"KZ-11"},"directions":[{"code":"ECOLOGY"}]},
		null]}`)
	peer := normalised[[]ProjectE, peerNodes](t, `{"projectsByIds":{"nodes":[
		{"rowId":"5","titleKk":"Бес","titleRu":"Пять","titleEn":"Five","regionCode":"KZ-11","directions":["ECOLOGY"]}]}}`)
	if d := diff(hub, peer, 40); d != "" {
		t.Errorf("nodes with a null and projectsByIds without it differ:\n%s", d)
	}
	one := normalised[[]ProjectE, hubNode](t, `{"node":null}`)
	if len(one) != 0 {
		t.Errorf("node null normalised to %+v", one)
	}
}

func TestNormalisePagesIgnoreCursors(t *testing.T) {
	t.Parallel()
	hub := normalised[PageD, hubD](t, `{"projects":{"pageInfo":{"hasNextPage":true,"endCursor":"eyJmIjoiQ1JFQVRFRCJ9"},
		"edges":[{"node":{"id":"UHJvamVjdDo1MQ","kk":"a","ru":"b","en":"c"}}]}}`)
	peer := normalised[PageD, peerD](t, `{"projects":{"pageInfo":{"hasNextPage":true,"endCursor":"WyI5ZTJkNTE5ZTFjIiwiNTEiXQ=="},
		"nodes":[{"rowId":"51","titleKk":"a","titleRu":"b","titleEn":"c"}]}}`)
	if d := diff(hub, peer, 40); d != "" {
		t.Errorf("equal pages with different cursors differ:\n%s", d)
	}
}

func TestCursorsAfter(t *testing.T) {
	t.Parallel()
	// PostGraphile's README: ["9e2d519e1c","50"] is WyI5ZTJkNTE5ZTFjIiwiNTAiXQ==.
	got, err := peerCursorAfter("WyI5ZTJkNTE5ZTFjIiwiMSJd", 50)
	if err != nil || got != "WyI5ZTJkNTE5ZTFjIiwiNTAiXQ==" {
		t.Errorf("peerCursorAfter = %q, %v; want WyI5ZTJkNTE5ZTFjIiwiNTAiXQ==", got, err)
	}
	hubFirst := "eyJmIjoiQ1JFQVRFRCIsImsiOiIxIiwiaSI6MX0" // {"f":"CREATED","k":"1","i":1}
	got, err = hubCursorAfter(hubFirst, 50000)
	if err != nil {
		t.Fatal(err)
	}
	var c map[string]any
	raw, _ := base64.RawURLEncoding.DecodeString(got)
	if err := json.Unmarshal(raw, &c); err != nil || c["f"] != "CREATED" || c["k"] != "50000" || c["i"] != float64(50000) {
		t.Errorf("hubCursorAfter = %s (%v)", raw, err)
	}
	if _, err := hubCursorAfter("eyJmIjoiVElUTEUiLCJrIjoieCIsImkiOjF9", 5); err == nil { // {"f":"TITLE","k":"x","i":1}
		t.Error("a cursor of another order was accepted")
	}
}

func TestCellsDiff(t *testing.T) {
	t.Parallel()
	want := Cells{"VOLUNTEERS|KZ-11|ECOLOGY": 24, "VOLUNTEER_HOURS|KZ-11|ECOLOGY": 1010.5}
	same := Cells{"VOLUNTEERS|KZ-11|ECOLOGY": 24, "VOLUNTEER_HOURS|KZ-11|ECOLOGY": 1010.5000000000001}
	if d := cellsDiff(same, want, 10); d != "" {
		t.Errorf("equal cells differ: %s", d)
	}
	got := Cells{"VOLUNTEERS|KZ-11|ECOLOGY": 23, "VOLUNTEERS|KZ-75|ECOLOGY": 3}
	d := cellsDiff(got, want, 10)
	for _, part := range []string{"3 of 3 cells differ", "KZ-11|ECOLOGY: hub 23, PostgreSQL 24", "KZ-75|ECOLOGY: hub 3, PostgreSQL 0",
		"VOLUNTEER_HOURS|KZ-11|ECOLOGY: hub 0 (or missing)"} {
		if !strings.Contains(d, part) {
			t.Errorf("cellsDiff lacks %q:\n%s", part, d)
		}
	}
	if d := cellsDiff(got, want, 1); !strings.Contains(d, "… and 2 more") {
		t.Errorf("cellsDiff cut to 1 line:\n%s", d)
	}
}

func TestStatsCellsAndProtection(t *testing.T) {
	t.Parallel()
	var h hubStats
	if err := json.Unmarshal([]byte(`{"statistics":{"asOf":"2026-12-02T03:31:48Z","exact":false,"rows":[
		{"keys":["KZ-10","ANIMAL_WELFARE"],"values":[26,1010],"suppressed":false},
		{"keys":["KZ-10","ECOLOGY"],"values":[null,0],"suppressed":true},
		{"keys":["KZ-11","ECOLOGY"],"values":[0,0],"suppressed":false}]}}`), &h); err != nil {
		t.Fatal(err)
	}
	cells, err := h.cells(statsMeasures)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(Cells{"VOLUNTEERS|KZ-10|ANIMAL_WELFARE": 26, "VOLUNTEER_HOURS|KZ-10|ANIMAL_WELFARE": 1010}, cells); d != "" {
		t.Errorf("cells (-want +got):\n%s", d)
	}
	exact := Cells{"VOLUNTEERS|KZ-10|ANIMAL_WELFARE": 24, "VOLUNTEERS|KZ-10|ECOLOGY": 3}
	sup, problems := protectedViolations(h, statsMeasures, exact, 10)
	if sup != 1 || len(problems) != 0 {
		t.Errorf("protectedViolations = %d suppressed, %v; want 1, none", sup, problems)
	}
	exact["VOLUNTEERS|KZ-10|ANIMAL_WELFARE"] = 40 // published 26: off by 14
	exact["VOLUNTEERS|KZ-10|ECOLOGY"] = 15        // a cell of 15 people must be published
	if _, problems := protectedViolations(h, statsMeasures, exact, 10); len(problems) != 2 {
		t.Errorf("protectedViolations found %v, want two problems", problems)
	}
}

func TestDescribe(t *testing.T) {
	t.Parallel()
	got := describe(normalised[[]ProjectA, hubA](t, hubAJSON))
	if got != "2 projects (ids 1…71), 1 with an organization" {
		t.Errorf("describe = %q", got)
	}
}
