package graph_test

import (
	"strings"
	"testing"

	hub "github.com/birgemiz/hub"
	"github.com/birgemiz/hub/internal/testutil"
)

// An operation that selects no description reads projects without their
// descriptions; one that selects a description anywhere — in a list, in
// a fragment, behind node, or through search highlights — reads them and
// returns them whole.
func TestProjection_DescriptionsReadOnlyWhenSelected(t *testing.T) {
	t.Parallel()
	e := setup(t)
	p := testutil.Project("p1", "", "Тал егу", "KZ-19")
	p.Project.Description = hub.LocalizedText{KK: "Саябақта ағаш отырғызу", RU: "Посадка деревьев в парке"}
	e.seed.Apply(p)

	readsDescriptions := func(stmts []string) bool {
		for _, s := range stmts {
			if strings.Contains(s, "description_kk") {
				return true
			}
		}
		return false
	}

	var brief struct {
		Projects struct {
			Edges []struct{ Node struct{ ID, Title string } }
		}
	}
	stmts := e.statements(t, `{ projects(first: 5) { edges { node { id title } } } }`, &brief)
	if len(brief.Projects.Edges) != 1 || brief.Projects.Edges[0].Node.Title != "Тал егу" {
		t.Fatalf("projects = %+v", brief)
	}
	if readsDescriptions(stmts) {
		t.Errorf("a query selecting no description read the descriptions:\n%s", strings.Join(stmts, "\n"))
	}
	id := brief.Projects.Edges[0].Node.ID

	type page struct {
		Projects struct {
			Edges []struct {
				Node struct {
					ID          string
					Description *string
				}
			}
		}
		Node *struct{ Description *string }
	}
	for name, q := range map[string]string{
		"list":            `{ projects(first: 5) { edges { node { id description(lang: RU) } } } }`,
		"fragment":        `{ projects(first: 5) { edges { node { ...P } } } } fragment P on Project { id description(lang: RU) }`,
		"inline fragment": `{ projects(first: 5) { edges { node { id } } } node(id: "` + id + `") { ... on Project { description(lang: RU) } } }`,
	} {
		var got page
		stmts := e.statements(t, q, &got)
		if !readsDescriptions(stmts) {
			t.Errorf("%s: the descriptions were not read:\n%s", name, strings.Join(stmts, "\n"))
		}
		d := got.Node
		if d == nil && len(got.Projects.Edges) == 1 {
			d = &struct{ Description *string }{got.Projects.Edges[0].Node.Description}
		}
		if d == nil || d.Description == nil || *d.Description != "Посадка деревьев в парке" {
			t.Errorf("%s: description = %v, want the Russian one", name, d.Description)
		}
	}

	// Highlights quote the description the search matched.
	e.sync(t)
	var found struct {
		Search struct {
			Hits []struct {
				Highlights []struct{ Field, Snippet string }
			}
		}
	}
	stmts = e.statements(t, `{ search(query: "деревьев", types: [PROJECT]) { hits { highlights { field snippet } } } }`, &found)
	if !readsDescriptions(stmts) {
		t.Errorf("search highlights: the descriptions were not read:\n%s", strings.Join(stmts, "\n"))
	}
	if len(found.Search.Hits) != 1 || len(found.Search.Hits[0].Highlights) == 0 ||
		found.Search.Hits[0].Highlights[0].Field != "description.ru" || !strings.Contains(found.Search.Hits[0].Highlights[0].Snippet, "<mark>деревьев</mark>") {
		t.Errorf("search highlights = %+v, want description.ru marked", found.Search.Hits)
	}
}
