package search_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	hub "github.com/birgemiz/hub"
	"github.com/birgemiz/hub/demo"
	"github.com/birgemiz/hub/ingest"
	"github.com/birgemiz/hub/search"
)

// The behavioural suite every engine passes. Its corpus is the demo feeds
// written from the public articles in ../shared/seeds (Kazakh and Russian,
// with Kazakh Latin-script tags), plus a few records that pin one rule
// each. runSuite is called by each engine's test with a constructor of an
// empty engine; engines that index asynchronously wait in their Upsert.

// corpus decodes the demo article feeds into documents, with ids in order.
func corpus(t testing.TB) []search.Document {
	t.Helper()
	var docs []search.Document
	created := time.Date(2026, 1, 15, 0, 0, 0, 0, time.UTC)
	var id int64
	for _, f := range demo.Feeds(0) {
		if f.Source.Kind == hub.SourceSynthetic {
			continue
		}
		dec := ingest.NewDecoder(bytes.NewReader(f.Body))
		for {
			rec, errs, err := dec.Next()
			if err == io.EOF {
				break
			} else if err != nil || len(errs) > 0 {
				t.Fatalf("demo feed %s line %d: %v %v", f.Name, dec.Line(), err, errs)
			}
			id++
			switch {
			case rec.Project != nil:
				rec.Project.ID, rec.Project.CreatedAt = id, created
				docs = append(docs, search.FromProject(rec.Project, "v1"))
			case rec.Organization != nil:
				rec.Organization.ID, rec.Organization.CreatedAt = id, created
				docs = append(docs, search.FromOrganization(rec.Organization, "v1"))
			case rec.UNPlacement != nil:
				rec.UNPlacement.ID, rec.UNPlacement.CreatedAt = id, created
				docs = append(docs, search.FromUNPlacement(rec.UNPlacement, "v1"))
			}
		}
	}
	date := func(s string) *time.Time { d, _ := time.Parse(time.DateOnly, s); return &d }
	// One record per rule the corpus does not already pin.
	extra := []*hub.Project{
		{ID: 9001, Title: hub.LocalizedText{KK: "Birgemiz: áreket ýaqyty"}, RegionCode: "KZ-63", Status: hub.StatusActive,
			Directions: []string{"EVENTS"}, StartDate: date("2024-05-01")},
		{ID: 9002, Title: hub.LocalizedText{KK: "Еріктілердің экологиялық акциясы"}, RegionCode: "KZ-79", Status: hub.StatusCompleted,
			Directions: []string{"ECOLOGY"}, StartDate: date("2022-04-22")},
		{ID: 9003, Title: hub.LocalizedText{RU: "Волонтерство в школах"}, RegionCode: "KZ-79", Status: hub.StatusPlanned,
			Directions: []string{"EDUCATION"}, StartDate: date("2025-09-01")},
	}
	for _, p := range extra {
		p.CreatedAt = created
		docs = append(docs, search.FromProject(p, "v1"))
	}
	return docs
}

func runSuite(t *testing.T, newEngine func(t *testing.T) search.Engine) {
	ctx := context.Background()
	e := newEngine(t)
	docs := corpus(t)
	if err := e.Upsert(ctx, docs); err != nil {
		t.Fatal(err)
	}
	titles := map[string]string{}
	for _, d := range docs {
		titles[d.ID] = strings.Join(d.Titles, " | ")
	}
	find := func(t *testing.T, q search.Query) *search.Result {
		t.Helper()
		if q.Limit == 0 {
			q.Limit = 20
		}
		if err := q.Validate(); err != nil {
			t.Fatalf("query %q: %v", q.Text, err)
		}
		res, err := e.Search(ctx, q)
		if err != nil {
			t.Fatalf("query %q: %v", q.Text, err)
		}
		return res
	}
	// hasTitle reports whether a hit's titles contain want.
	hasTitle := func(res *search.Result, want string) bool {
		for _, h := range res.Hits {
			if strings.Contains(titles[h.ID], want) {
				return true
			}
		}
		return false
	}

	language := []struct {
		name, query, want string
	}{
		{"Latin finds Cyrillic", "Birgemiz", "«Біргеміз» республикалық"},
		{"Cyrillic finds Latin", "Біргеміз әрекет", "Birgemiz: áreket ýaqyty"},
		{"Latin without accents finds Cyrillic", "eriktiler", "Еріктілердің экологиялық"},
		{"2018 Latin finds its Cyrillic form", "áreket ýaqyty", "Birgemiz: áreket ýaqyty"},
		{"2021 Latin finds the 2018 form", "äreket uaqıty", "Birgemiz: áreket ýaqyty"},
		{"Cyrillic finds 2018 Latin", "әрекет уақыты", "Birgemiz: áreket ýaqyty"},
		{"Latin tag finds the Kazakh title", "Orman órtteri", "орман өрттері"},
		{"Russian plural finds the noun", "волонтерам", "Волонтерство в школах"},
		{"Russian noun finds the derived noun", "волонтеры", "Волонтерство в школах"},
		{"Russian stem across forms", "пенсионерам", "Пансионат для одиноких пенсионеров"},
		{"Kazakh stem finds inflected forms", "ерікті", "Еріктілердің экологиялық"},
		{"Kazakh inflected finds the stem form", "еріктілерге", "Еріктілердің экологиялық"},
		{"Kazakh suffixes of a loanword", "волонтерлерге", "Халықаралық волонтерлер форумы"},
		{"one typo from five letters", "Акселератр", "Акселератор добра"},
		{"two typos from nine letters", "Акселлиратор", "Акселератор добра"},
		{"prefix of the last word", "Акселер", "Акселератор добра"},
		{"prefix while typing Kazakh", "пансио", "Жалғызбасты зейнеткерлерге арналған пансионат"},
		{"case and ё folding", "ВОЛОНТЁРСТВО", "Волонтерство в школах"},
		{"wrong-layout letter inside a word", "Вoлонтерство", "Волонтерство в школах"}, // Latin o
		{"two words, both must match", "орман өрттері", "Абай облысындағы орман өрттері"},
		{"English title", "lonely pensioners", "Пансионат для одиноких пенсионеров"},
	}
	for _, tc := range language {
		t.Run(tc.name, func(t *testing.T) {
			res := find(t, search.Query{Text: tc.query})
			if !hasTitle(res, tc.want) {
				var got []string
				for _, h := range res.Hits {
					got = append(got, titles[h.ID])
				}
				t.Fatalf("%q did not find %q; found %d:\n%s", tc.query, tc.want, res.Total, strings.Join(got, "\n"))
			}
		})
	}

	t.Run("no false friends", func(t *testing.T) {
		for _, q := range []string{"фонт", "zzzzqx", "космодром"} {
			if res := find(t, search.Query{Text: q}); res.Total != 0 {
				t.Errorf("%q found %d documents, want none", q, res.Total)
			}
		}
	})

	t.Run("short words tolerate no typo", func(t *testing.T) {
		// "Jaz" is one letter from "Jas" (Jas Otan) but too short for a typo,
		// and it is not a prefix of any word.
		if res := find(t, search.Query{Text: "Jaz otan"}); res.Total != 0 {
			t.Fatalf("found %d", res.Total)
		}
		if res := find(t, search.Query{Text: "Jas otan"}); res.Total == 0 {
			t.Fatal("Jas Otan not found")
		}
	})

	t.Run("facets and filters", func(t *testing.T) {
		res := find(t, search.Query{Text: "волонтер", Facets: []search.Facet{search.FacetRegion, search.FacetType, search.FacetDirection}})
		counts := map[search.Facet]map[string]int{}
		for _, f := range res.Facets {
			counts[f.Facet] = map[string]int{}
			sum := 0
			for _, v := range f.Values {
				counts[f.Facet][v.Value] = v.Count
				sum += v.Count
			}
			if f.Facet == search.FacetType && sum != res.Total {
				t.Errorf("type facet counts sum to %d, total is %d", sum, res.Total)
			}
		}
		if counts[search.FacetRegion]["KZ-75"] == 0 || counts[search.FacetType]["project"] == 0 {
			t.Fatalf("facets %v", counts)
		}
		filtered := find(t, search.Query{Text: "волонтер", Filter: search.Filter{Regions: []string{"KZ-75"}}, Types: []search.DocType{search.TypeProject}})
		if filtered.Total == 0 || filtered.Total > res.Total {
			t.Fatalf("filtered total %d of %d", filtered.Total, res.Total)
		}
		byDirection := find(t, search.Query{Filter: search.Filter{Directions: []string{"LEGAL_AID"}}, Types: []search.DocType{search.TypeProject}})
		if byDirection.Total == 0 || !hasTitle(byDirection, "Акселератор добра") {
			t.Fatalf("LEGAL_AID projects: %d", byDirection.Total)
		}
		byYear := find(t, search.Query{Filter: search.Filter{Years: []int{2024}}})
		if byYear.Total != 1 || !hasTitle(byYear, "áreket") {
			t.Fatalf("2024: %d", byYear.Total)
		}
	})

	t.Run("date order", func(t *testing.T) {
		res := find(t, search.Query{Filter: search.Filter{Regions: []string{"KZ-79", "KZ-63"}}, SortByDate: true})
		var got []int64
		for _, h := range res.Hits {
			got = append(got, h.RecordID)
		}
		if len(got) != 3 || got[0] != 9003 || got[1] != 9001 || got[2] != 9002 {
			t.Fatalf("newest first: got %v, want [9003 9001 9002]", got)
		}
	})

	t.Run("relevance puts title matches first", func(t *testing.T) {
		res := find(t, search.Query{Text: "пансионат"})
		if len(res.Hits) == 0 || !strings.Contains(titles[res.Hits[0].ID], "ансионат") {
			t.Fatalf("first hit %q", titles[res.Hits[0].ID])
		}
	})

	t.Run("paging", func(t *testing.T) {
		all := find(t, search.Query{Text: "волонтер", Limit: 100})
		if all.Total < 4 {
			t.Skipf("too few hits (%d) to page", all.Total)
		}
		p1 := find(t, search.Query{Text: "волонтер", Limit: 2})
		p2 := find(t, search.Query{Text: "волонтер", Limit: 2, Offset: 2})
		if p1.Hits[0].ID != all.Hits[0].ID || p2.Hits[0].ID != all.Hits[2].ID || p2.Total != all.Total {
			t.Fatal("pages do not follow each other")
		}
	})

	t.Run("syntax of either engine is plain text", func(t *testing.T) {
		for _, q := range []string{`title:"форум" AND NOT x*`, `+волонтер -форум ~2 ^3`, `"unclosed`, `(((`, `a OR b`,
			`region = KZ-11`, `_id:project:1`, `\\`, `*`, "форум\x00\x1b[31m\u202e"} {
			qq := search.Query{Text: q, Limit: 5}
			if err := qq.Validate(); err != nil {
				t.Errorf("%q: %v", q, err)
				continue
			}
			if _, err := e.Search(ctx, qq); err != nil {
				t.Errorf("%q: %v", q, err)
			}
		}
	})

	t.Run("bad input", func(t *testing.T) {
		long := search.Query{Text: strings.Repeat("волонтер ", 120), Limit: 5}
		if err := long.Validate(); !errors.Is(err, search.ErrInvalidQuery) {
			t.Errorf("a 1,080-character query: %v, want ErrInvalidQuery", err)
		}
		many := search.Query{Text: strings.Repeat("a ", 10) + strings.Repeat("слово", 0) + manyWords(40), Limit: 5}
		if err := many.Validate(); err == nil {
			if _, err := e.Search(ctx, many); !errors.Is(err, search.ErrInvalidQuery) {
				t.Errorf("40 words: %v, want ErrInvalidQuery", err)
			}
		}
		empty := find(t, search.Query{Text: "   "})
		if empty.Total != len(docs) {
			t.Errorf("an empty query lists everything: %d of %d", empty.Total, len(docs))
		}
	})

	t.Run("upsert replaces and delete removes", func(t *testing.T) {
		p := &hub.Project{ID: 9100, Title: hub.LocalizedText{RU: "Квазарный субботник"}, RegionCode: "KZ-11", Status: hub.StatusActive}
		if err := e.Upsert(ctx, []search.Document{search.FromProject(p, "v1")}); err != nil {
			t.Fatal(err)
		}
		if find(t, search.Query{Text: "квазарный"}).Total != 1 {
			t.Fatal("new document not found")
		}
		p.Title = hub.LocalizedText{RU: "Пульсарный субботник"}
		if err := e.Upsert(ctx, []search.Document{search.FromProject(p, "v2")}); err != nil {
			t.Fatal(err)
		}
		if find(t, search.Query{Text: "квазарный"}).Total != 0 || find(t, search.Query{Text: "пульсарный"}).Total != 1 {
			t.Fatal("upsert did not replace")
		}
		if err := e.Delete(ctx, []string{search.DocID(search.TypeProject, 9100), "project:424242"}); err != nil {
			t.Fatal(err)
		}
		if find(t, search.Query{Text: "пульсарный"}).Total != 0 {
			t.Fatal("deleted document still found")
		}
	})

	t.Run("versions", func(t *testing.T) {
		v, err := e.Versions(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(v) != len(docs) || v[docs[0].ID] != "v1" {
			t.Fatalf("%d versions for %d documents", len(v), len(docs))
		}
	})

	t.Run("rebuild swaps with no empty window", func(t *testing.T) {
		stop := make(chan struct{})
		var wg sync.WaitGroup
		var emptyAnswers, searches int
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				res, err := e.Search(ctx, search.Query{Text: "форум", Limit: 1})
				searches++
				if err != nil || res.Total == 0 {
					emptyAnswers++
				}
			}
		}()
		late := search.FromProject(&hub.Project{ID: 9200, Title: hub.LocalizedText{KK: "Кешікken жоба"}, RegionCode: "KZ-11", Status: hub.StatusActive}, "v1")
		err := e.Rebuild(ctx, func(ctx context.Context, put func([]search.Document) error) error {
			for i := 0; i < len(docs); i += 7 {
				if err := put(docs[i:min(i+7, len(docs))]); err != nil {
					return err
				}
				if i == 14 {
					// A change arriving mid-rebuild reaches the new index too.
					if err := e.Upsert(ctx, []search.Document{late}); err != nil {
						return err
					}
				}
			}
			return nil
		})
		close(stop)
		wg.Wait()
		if err != nil {
			t.Fatal(err)
		}
		if emptyAnswers > 0 {
			t.Fatalf("%d of %d searches during the rebuild answered empty or failed", emptyAnswers, searches)
		}
		if find(t, search.Query{Text: "форум"}).Total == 0 || find(t, search.Query{Text: "кешікken"}).Total != 1 {
			t.Fatal("rebuilt index lacks documents")
		}
		_ = e.Delete(ctx, []string{late.ID})
	})
}

func manyWords(n int) string {
	var b strings.Builder
	for i := range n {
		b.WriteString("слово")
		b.WriteString(strings.Repeat("а", i%5))
		b.WriteString(string(rune('б' + i)))
		b.WriteByte(' ')
	}
	return b.String()
}
