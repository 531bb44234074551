package search_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/meilisearch/meilisearch-go"

	hub "github.com/birgemiz/hub"
	"github.com/birgemiz/hub/search"
)

func TestMeiliEngine(t *testing.T) {
	url, key := os.Getenv("MEILI_URL"), os.Getenv("MEILI_KEY")
	if url == "" {
		t.Skip("MEILI_URL is not set: the Meilisearch engine's behavioural suite needs a running Meilisearch server (e.g. MEILI_URL=http://127.0.0.1:7700)")
	}
	runSuite(t, func(t *testing.T) search.Engine {
		name := "hub_test_" + strconv.FormatInt(time.Now().UnixNano(), 36)
		e, err := search.OpenMeili(context.Background(), url, key, name)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			e.Close()
			var opts []meilisearch.Option
			if key != "" {
				opts = append(opts, meilisearch.WithAPIKey(key))
			}
			c := meilisearch.New(url, opts...)
			defer c.Close()
			if ti, err := c.DeleteIndex(name); err != nil {
				t.Errorf("delete test index %s: %v", name, err)
			} else if _, err := c.WaitForTask(ti.TaskUID, 50*time.Millisecond); err != nil {
				t.Errorf("delete test index %s: %v", name, err)
			}
		})
		return e
	})
}

// The tests below need no server: they pin what the engine sends.

func TestMeiliSettings(t *testing.T) {
	s := search.MeiliSettings()
	body, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := json.Unmarshal(body, &got); err != nil {
		t.Fatal(err)
	}
	// Exactly what Meilisearch receives.
	var want map[string]any
	if err := json.Unmarshal([]byte(`{
		"searchableAttributes": ["title_stems", "title_words", "stems", "words"],
		"filterableAttributes": ["type", "region", "directions", "status", "year", "org_kind", "organization"],
		"sortableAttributes": ["date", "id"],
		"displayedAttributes": ["id", "version"],
		"rankingRules": ["sort", "words", "typo", "proximity", "attribute", "exactness"],
		"typoTolerance": {
			"enabled": true,
			"minWordSizeForTypos": {"oneTypo": 5, "twoTypos": 9},
			"disableOnWords": [],
			"disableOnAttributes": [],
			"disableOnNumbers": false
		},
		"faceting": {"maxValuesPerFacet": 100, "sortFacetValuesBy": {"*": "count"}},
		"pagination": {"maxTotalHits": 1000000}
	}`), &want); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("settings (-want +got):\n%s", diff)
	}

	if s.Pagination.MaxTotalHits < search.MaxOffset+100 {
		t.Errorf("maxTotalHits %d: the deepest page ends at %d", s.Pagination.MaxTotalHits, search.MaxOffset+100)
	}
	// The typo thresholds are the analysis's.
	mt := s.TypoTolerance.MinWordSizeForTypos
	for n := 1; n <= 12; n++ {
		want := 0
		if int64(n) >= mt.TwoTypos {
			want = 2
		} else if int64(n) >= mt.OneTypo {
			want = 1
		}
		if got := search.Typos(strings.Repeat("a", n)); got != want {
			t.Errorf("a %d-letter word: search.Typos %d, Meilisearch allows %d", n, got, want)
		}
	}
	for _, f := range search.Facets {
		field, ok := search.FacetFields[f]
		if !ok || !meiliContains(s.FilterableAttributes, field) {
			t.Errorf("facet %s (field %q) is not filterable", f, field)
		}
	}
	// Every text field of a document is searchable, and nothing else is;
	// every other field is there to be filtered, sorted or returned.
	var text []string
	for k, v := range search.MeiliDocument(search.FromProject(meiliSampleProject(), "v1")) {
		if strings.Contains(k, "stems") || strings.Contains(k, "words") {
			text = append(text, k)
		} else if !meiliContains(s.FilterableAttributes, k) && !meiliContains(s.SortableAttributes, k) && !meiliContains(s.DisplayedAttributes, k) {
			t.Errorf("field %s (%v) is indexed for nothing", k, v)
		}
	}
	if len(text) != len(s.SearchableAttributes) {
		t.Errorf("text fields %v, searchable %v", text, s.SearchableAttributes)
	}
	for _, k := range text {
		if !meiliContains(s.SearchableAttributes, k) {
			t.Errorf("text field %s is not searchable", k)
		}
	}
	if !meiliContains(s.DisplayedAttributes, search.MeiliPrimaryKey) {
		t.Error("the primary key is not displayed: hits could not be mapped back")
	}
	if strings.Contains(strings.ToLower(string(body)), "volunteer") {
		t.Errorf("settings name a volunteer field: %s", body)
	}
}

func meiliSampleProject() *hub.Project {
	start := time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)
	org := int64(3)
	needed, engaged, beneficiaries := 4242, 4343, 4444
	hours := 4545.0
	return &hub.Project{
		ID:    17,
		Title: hub.LocalizedText{KK: "Біргеміз: әрекет уақыты", EN: "Time to act"}, Description: hub.LocalizedText{RU: "Волонтеры помогают пенсионерам"},
		OrganizationID: &org, RegionCode: "KZ-75", Locality: "Алматы", Directions: []string{"EVENTS", "ECOLOGY"},
		Status: hub.StatusActive, StartDate: &start, VolunteersNeeded: &needed, VolunteersEngaged: &engaged,
		VolunteerHours: &hours, Beneficiaries: &beneficiaries, GrantProgramme: "Qamqor", Tags: []string{"Taza Álem"},
		URL: "https://example.kz/p/17", CreatedAt: time.Date(2026, 1, 15, 0, 0, 0, 0, time.UTC),
	}
}

func TestMeiliDocument(t *testing.T) {
	got := search.MeiliDocument(search.FromProject(meiliSampleProject(), "v7"))
	want := map[string]any{
		"id":           "project-17",
		"type":         "project",
		"title_stems":  "birgemiz areket uaki time to act",
		"title_words":  "birgemiz areket uakiti time to act",
		"stems":        "birgemiz areket uaki time to act volon pomo pensioner taza alem almat kamkor",
		"words":        "birgemiz areket uakiti time to act volonteri pomogaiut pensioneram taza alem almati kamkor",
		"region":       "KZ-75",
		"directions":   []string{"EVENTS", "ECOLOGY"},
		"status":       "ACTIVE",
		"year":         "2024",
		"organization": "3",
		"date":         int64(1714521600), // 2024-05-01T00:00:00Z
		"version":      "v7",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("project document (-want +got):\n%s", diff)
	}

	t.Run("ids round-trip in Meilisearch's alphabet", func(t *testing.T) {
		valid := regexp.MustCompile(`^[a-zA-Z0-9_-]{1,511}$`)
		for _, dt := range search.DocTypes {
			for _, id := range []int64{1, 17, 9001, math.MaxInt64, -5} {
				did := search.DocID(dt, id)
				mid := search.MeiliID(did)
				if !valid.MatchString(mid) {
					t.Errorf("%s → %q: not a valid Meilisearch id", did, mid)
				}
				if back := search.DocIDFromMeili(mid); back != did {
					t.Errorf("%s → %q → %s", did, mid, back)
				}
			}
		}
		if got := search.MeiliID("un_placement:4"); got != "un_placement-4" {
			t.Errorf("un_placement:4 → %q", got)
		}
	})

	t.Run("nothing about volunteers", func(t *testing.T) {
		vid := int64(4646)
		founded := time.Date(2015, 3, 1, 0, 0, 0, 0, time.UTC)
		count := 4747
		docs := []search.Document{
			search.FromProject(meiliSampleProject(), "v1"),
			search.FromOrganization(&hub.Organization{ID: 5, Name: hub.LocalizedText{RU: "Фонд"}, Kind: hub.OrgNGO,
				RegionCode: "KZ-11", Founded: &founded, VolunteerCount: &count, ContactEmail: "info@example.kz", ContactPhone: "+77010000000"}, "v1"),
			search.FromUNPlacement(&hub.UNPlacement{ID: 6, VolunteerID: &vid, HostEntity: "UNDP", Country: "KZ",
				Title: hub.LocalizedText{EN: "Youth officer"}, Status: hub.StatusActive}, "v1"),
		}
		for _, d := range docs {
			m := search.MeiliDocument(d)
			body, _ := json.Marshal(m)
			for k := range m {
				if strings.Contains(strings.ToLower(k), "volunteer") {
					t.Errorf("%s has a volunteer field %q", d.ID, k)
				}
			}
			for _, leak := range []string{"4242", "4343", "4444", "4545", "4646", "4747", "info@", "77010000000"} {
				if strings.Contains(string(body), leak) {
					t.Errorf("%s holds %q: %s", d.ID, leak, body)
				}
			}
		}
	})
}

func TestMeiliFilter(t *testing.T) {
	tests := []struct {
		name string
		q    search.Query
		want string
	}{
		{"empty", search.Query{}, ``},
		{"types only", search.Query{Types: []search.DocType{search.TypeProject, search.TypeUNPlacement}},
			`(type = "project" OR type = "un_placement")`},
		{"one type", search.Query{Types: []search.DocType{search.TypeOrganization}}, `type = "organization"`},
		{"region", search.Query{Filter: search.Filter{Regions: []string{"KZ-75"}}}, `region = "KZ-75"`},
		{"direction", search.Query{Filter: search.Filter{Directions: []string{"LEGAL_AID"}}}, `directions = "LEGAL_AID"`},
		{"status", search.Query{Filter: search.Filter{Statuses: []string{"ACTIVE"}}}, `status = "ACTIVE"`},
		{"year", search.Query{Filter: search.Filter{Years: []int{2024}}}, `year = "2024"`},
		{"organization kind", search.Query{Filter: search.Filter{OrgKinds: []string{"NGO"}}}, `org_kind = "NGO"`},
		{"organization", search.Query{Filter: search.Filter{OrganizationIDs: []int64{42}}}, `organization = "42"`},
		{"every field, several values: OR within, AND across", search.Query{
			Types: []search.DocType{search.TypeProject},
			Filter: search.Filter{Regions: []string{"KZ-79", "KZ-63"}, Directions: []string{"ECOLOGY", "EDUCATION"},
				Statuses: []string{"ACTIVE", "PLANNED"}, Years: []int{2022, 2025}, OrgKinds: []string{"NGO", "UNIVERSITY"},
				OrganizationIDs: []int64{1, 2}},
		}, `type = "project" AND (region = "KZ-79" OR region = "KZ-63") AND (directions = "ECOLOGY" OR directions = "EDUCATION")` +
			` AND (status = "ACTIVE" OR status = "PLANNED") AND (year = "2022" OR year = "2025")` +
			` AND (org_kind = "NGO" OR org_kind = "UNIVERSITY") AND (organization = "1" OR organization = "2")`},
		{"double quote", search.Query{Filter: search.Filter{Regions: []string{`KZ-75" OR type = "project`}}},
			`region = "KZ-75\" OR type = \"project"`},
		{"single quote", search.Query{Filter: search.Filter{Regions: []string{`KZ-75' OR type = 'project`}}},
			`region = "KZ-75' OR type = 'project"`},
		{"backslash", search.Query{Filter: search.Filter{Regions: []string{`KZ\`}}}, `region = "KZ\\"`},
		{"backslash then quote", search.Query{Filter: search.Filter{Regions: []string{`KZ\" OR region EXISTS OR "`}}},
			`region = "KZ\\\" OR region EXISTS OR \""`},
		{"AND", search.Query{Filter: search.Filter{Statuses: []string{"ACTIVE AND region = KZ-11"}}},
			`status = "ACTIVE AND region = KZ-11"`},
		{"OR", search.Query{Filter: search.Filter{OrgKinds: []string{"OR", "NGO OR 1 = 1"}}},
			`(org_kind = "OR" OR org_kind = "NGO OR 1 = 1")`},
		{"newline", search.Query{Filter: search.Filter{Directions: []string{"ECOLOGY\n) OR (type = project"}}},
			"directions = \"ECOLOGY\n) OR (type = project\""},
		{"empty value", search.Query{Filter: search.Filter{Regions: []string{""}}}, `region = ""`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := search.MeiliFilter(tc.q)
			if got != tc.want {
				t.Fatalf("got  %s\nwant %s", got, tc.want)
			}
			// Read back as Meilisearch's parser does, the filter has the
			// structure of the fields asked for and the values as given.
			shape, values, err := parseMeiliFilter(got)
			if err != nil {
				t.Fatal(err)
			}
			wantShape, wantValues := meiliFilterShape(tc.q)
			if shape != wantShape {
				t.Errorf("structure %q, want %q", shape, wantShape)
			}
			if diff := cmp.Diff(wantValues, values); diff != "" {
				t.Errorf("values (-want +got):\n%s", diff)
			}
		})
	}
}

// parseMeiliFilter splits a filter into its structure, with every quoted
// value replaced by ?, and the values, read as Meilisearch's filter parser
// reads a double-quoted value (filter-parser, value.rs): a backslash
// escapes the next character, an unescaped quote ends the value, and \"
// then \\ are unescaped.
func parseMeiliFilter(f string) (shape string, values []string, err error) {
	var b strings.Builder
	for i := 0; i < len(f); i++ {
		if f[i] != '"' {
			if f[i] == '\'' || f[i] == '\\' {
				return "", nil, fmt.Errorf("%q outside quotes at %d in %s", f[i], i, f)
			}
			b.WriteByte(f[i])
			continue
		}
		j, escapedQuote := i+1, false
		for ; j < len(f) && f[j] != '"'; j++ {
			if f[j] == '\\' {
				if j+1 == len(f) {
					return "", nil, fmt.Errorf("value ends in a lone backslash in %s", f)
				}
				j++
				escapedQuote = escapedQuote || f[j] == '"'
			}
		}
		if j == len(f) {
			return "", nil, fmt.Errorf("unclosed quote at %d in %s", i, f)
		}
		v := f[i+1 : j]
		if escapedQuote {
			v = strings.ReplaceAll(v, `\"`, `"`)
		}
		v = strings.ReplaceAll(v, `\\`, `\`)
		values = append(values, v)
		b.WriteByte('?')
		i = j
	}
	return b.String(), values, nil
}

// meiliFilterShape is the structure and values meiliFilter must produce for q.
func meiliFilterShape(q search.Query) (string, []string) {
	var groups, values []string
	add := func(field string, vs []string) {
		if len(vs) == 0 {
			return
		}
		var alts []string
		for _, v := range vs {
			alts = append(alts, field+" = ?")
			values = append(values, v)
		}
		if len(alts) == 1 {
			groups = append(groups, alts[0])
		} else {
			groups = append(groups, "("+strings.Join(alts, " OR ")+")")
		}
	}
	var types, years, orgs []string
	for _, t := range q.Types {
		types = append(types, string(t))
	}
	for _, y := range q.Filter.Years {
		years = append(years, strconv.Itoa(y))
	}
	for _, o := range q.Filter.OrganizationIDs {
		orgs = append(orgs, strconv.FormatInt(o, 10))
	}
	add("type", types)
	add("region", q.Filter.Regions)
	add("directions", q.Filter.Directions)
	add("status", q.Filter.Statuses)
	add("year", years)
	add("org_kind", q.Filter.OrgKinds)
	add("organization", orgs)
	return strings.Join(groups, " AND "), values
}

func TestMeiliPage(t *testing.T) {
	tests := []struct{ offset, limit, page, perPage, skip int }{
		{0, 20, 1, 20, 0},
		{40, 20, 3, 20, 0},
		{2, 2, 2, 2, 0},
		{3, 2, 2, 3, 0},
		{1, 100, 1, 101, 1},
		{10_000, 100, 101, 100, 0},
		{5, 0, 1, 0, 0},
	}
	for _, tc := range tests {
		page, perPage, skip := search.MeiliPage(tc.offset, tc.limit)
		if page != tc.page || perPage != tc.perPage || skip != tc.skip {
			t.Errorf("offset %d limit %d: page %d of %d skipping %d, want page %d of %d skipping %d",
				tc.offset, tc.limit, page, perPage, skip, tc.page, tc.perPage, tc.skip)
		}
	}
	// Every window a valid query can ask for lies in the page chosen, and
	// the page never ends beyond what maxTotalHits lets Meilisearch return.
	for _, limit := range []int{1, 2, 7, 20, 99, 100} {
		for offset := 0; offset <= search.MaxOffset; offset += 1 + offset/50 {
			page, perPage, skip := search.MeiliPage(offset, limit)
			start := (page - 1) * perPage
			if start+skip != offset || skip+limit > perPage || page < 1 || page*perPage > search.MeiliMaxTotalHits {
				t.Fatalf("offset %d limit %d: page %d of %d skipping %d", offset, limit, page, perPage, skip)
			}
		}
	}
}

func TestMeiliSearchRequest(t *testing.T) {
	q := search.Query{
		Text:       "Волонтерам Акселер",
		Types:      []search.DocType{search.TypeProject},
		Filter:     search.Filter{Regions: []string{"KZ-75"}},
		Facets:     []search.Facet{search.FacetDirection, search.FacetType, search.FacetDirection},
		SortByDate: true,
		Offset:     40,
		Limit:      20,
	}
	terms, err := search.ParseQuery(q.Text)
	if err != nil {
		t.Fatal(err)
	}
	req, skip := search.MeiliSearchRequest(q, terms)
	perPage := int64(20)
	want := &meilisearch.SearchRequest{
		Query:                "volon akse", // the stems
		MatchingStrategy:     meilisearch.All,
		Filter:               `type = "project" AND region = "KZ-75"`,
		Facets:               []string{"directions", "type"},
		Sort:                 []string{"date:desc", "id:asc"},
		AttributesToRetrieve: []string{"id"},
		ShowRankingScore:     true,
		HitsPerPage:          &perPage,
		Page:                 3,
	}
	if diff := cmp.Diff(want, req); diff != "" || skip != 0 {
		t.Errorf("skip %d; request (-want +got):\n%s", skip, diff)
	}

	plain, _ := search.MeiliSearchRequest(search.Query{Limit: 5}, nil)
	if plain.Query != "" || plain.Filter != nil || plain.Sort != nil || plain.Facets != nil {
		t.Errorf("an empty query: %+v", plain)
	}

	// Whatever is typed, Meilisearch receives words of letters and digits
	// only: none of its query syntax.
	words := regexp.MustCompile(`^[\p{L}\p{N}]+( [\p{L}\p{N}]+)*$|^$`)
	for _, text := range []string{`title:"форум" AND NOT x*`, `+волонтер -форум ~2 ^3`, `"unclosed`, `(((`, `a OR b`,
		`region = KZ-11`, `_id:project:1`, `\\`, `*`, "форум\x00\x1b[31m\u202e", `-"exact phrase"`} {
		qq := search.Query{Text: text, Limit: 5}
		if err := qq.Validate(); err != nil {
			t.Fatal(err)
		}
		terms, err := search.ParseQuery(qq.Text)
		if err != nil {
			t.Fatal(err)
		}
		if req, _ := search.MeiliSearchRequest(qq, terms); !words.MatchString(req.Query) {
			t.Errorf("%q → q %q", text, req.Query)
		}
	}
}

func TestOpenMeiliErrors(t *testing.T) {
	ctx := context.Background()
	// A port nothing listens on.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	url := "http://" + l.Addr().String()
	l.Close()
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	_, err = search.OpenMeili(ctx, url, "", "hub")
	if err == nil || !strings.Contains(err.Error(), "MEILI_URL") || !strings.Contains(err.Error(), url) {
		t.Errorf("unreachable server: %v", err)
	}
	if _, err := search.OpenMeili(ctx, "", "", "hub"); err == nil || !strings.Contains(err.Error(), "MEILI_URL") {
		t.Errorf("no URL: %v", err)
	}
	for _, name := range []string{"", "hub:1", "hub index", "хаб"} {
		if _, err := search.OpenMeili(ctx, url, "", name); err == nil || !strings.Contains(err.Error(), "index name") {
			t.Errorf("index name %q: %v", name, err)
		}
	}
	if errors.Is(err, context.DeadlineExceeded) {
		t.Error("OpenMeili waited for the context instead of failing fast")
	}
}

func meiliContains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
