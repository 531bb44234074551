package graph_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	hub "github.com/birgemiz/hub"
	"github.com/birgemiz/hub/internal/testutil"
)

func (e *env) sync(t *testing.T) {
	t.Helper()
	if _, err := e.indexer.Sync(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func TestSearch(t *testing.T) {
	t.Parallel()
	e := setup(t)
	e.seed.Apply(
		testutil.Org("o1", "Еріктілер одағы", "KZ-11"),
		testutil.Project("p1", "o1", "Еріктілердің экологиялық акциясы", "KZ-11"),
		testutil.Project("p2", "o1", "Birgemiz: áreket ýaqyty", "KZ-63"),
		testutil.Volunteer("v1", "KZ-11", "o1"),
	)
	e.sync(t)

	var resp struct {
		Search struct {
			TotalCount int
			Hits       []struct {
				Score      float64
				Node       map[string]any
				Highlights []struct{ Field, Snippet string }
			}
			Facets []struct {
				Field  string
				Values []struct {
					Value string
					Count int
				}
			}
			PageInfo struct{ HasNextPage bool }
		}
	}
	e.query(t, `{ search(query: "eriktiler", facets: [REGION, TYPE]) { totalCount
		hits { score highlights { field snippet } node { __typename ... on Project { title region { code } organization { name } } ... on Organization { name } } }
		facets { field values { value count } } pageInfo { hasNextPage } } }`, &resp)
	s := resp.Search
	if s.TotalCount != 2 || len(s.Hits) != 2 {
		b, _ := json.Marshal(s)
		t.Fatalf("eriktiler: %s", b)
	}
	types := map[string]bool{}
	for _, h := range s.Hits {
		types[h.Node["__typename"].(string)] = true
		if len(h.Highlights) == 0 || !strings.Contains(h.Highlights[0].Snippet, "<mark>Еріктіле") {
			t.Errorf("highlights %+v", h.Highlights)
		}
	}
	if !types["Project"] || !types["Organization"] {
		t.Fatalf("typed nodes %v", types)
	}
	if len(s.Facets) != 2 || s.Facets[0].Field != "REGION" || s.Facets[0].Values[0].Value != "KZ-11" || s.Facets[0].Values[0].Count != 2 {
		t.Fatalf("facets %+v", s.Facets)
	}

	// Script and filters.
	e.query(t, `{ search(query: "Біргеміз әрекет", types: [PROJECT], filter: {region: ["KZ-63"]}) { totalCount hits { node { ... on Project { title } } highlights { field snippet } } } }`, &resp)
	if resp.Search.TotalCount != 1 || resp.Search.Hits[0].Highlights[0].Snippet != "<mark>Birgemiz</mark>: <mark>áreket</mark> ýaqyty" {
		t.Fatalf("cyrillic query for latin title: %+v", resp.Search)
	}
	// Paging.
	e.query(t, `{ search(query: "", first: 1) { totalCount pageInfo { hasNextPage } hits { score } } }`, &resp)
	if resp.Search.TotalCount != 3 || !resp.Search.PageInfo.HasNextPage {
		t.Fatalf("paging: %+v", resp.Search)
	}
}

func TestSearchBadInput(t *testing.T) {
	t.Parallel()
	e := setup(t)
	e.seed.Apply(testutil.Org("o1", "Союз юристов", "KZ-75"))
	e.sync(t)
	for name, q := range map[string]string{
		"too long":      `{ search(query: "` + strings.Repeat("а", 1001) + `") { totalCount } }`,
		"bad region":    `{ search(query: "x", filter: {region: ["KZ-00"]}) { totalCount } }`,
		"first too big": `{ search(query: "x", first: 1000) { totalCount } }`,
		"bad cursor":    `{ search(query: "x", after: "!!") { totalCount } }`,
	} {
		raw, err := e.client.RawPost(q)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(raw.Errors), `"BAD_USER_INPUT"`) {
			t.Errorf("%s: errors %s", name, raw.Errors)
		}
	}
	// Engine syntax and control characters are text.
	for _, q := range []string{`юрист* AND NOT x`, `name:\"союз\"`, "союз\\u0000\\u001b"} {
		var resp struct{ Search struct{ TotalCount int } }
		e.query(t, `{ search(query: "`+q+`") { totalCount } }`, &resp)
	}
}

func TestStatementCount_SearchHitsWithOrganizations(t *testing.T) {
	t.Parallel()
	e := setup(t)
	e.seedOrgsWithProjects(25, 4) // 100 projects titled "Жоба …"
	e.sync(t)
	var resp struct {
		Search struct {
			Hits []struct {
				Node struct {
					Organization struct{ Name string }
				}
			}
		}
	}
	stmts := e.statements(t, `{ search(query: "жоба", types: [PROJECT], first: 100) { hits { node { ... on Project { title organization { name region { code } } directions { code } } } } } }`, &resp)
	if len(resp.Search.Hits) != 100 {
		t.Fatalf("%d hits", len(resp.Search.Hits))
	}
	// projects, organizations, regions, directions
	if len(stmts) > 4 {
		t.Fatalf("100 search hits with organizations cost %d statements:\n%s", len(stmts), strings.Join(stmts, "\n---\n"))
	}
	_ = hub.TypeProject
}
