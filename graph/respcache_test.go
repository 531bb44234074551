package graph_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/99designs/gqlgen/client"

	hub "github.com/birgemiz/hub"
	"github.com/birgemiz/hub/graph"
	"github.com/birgemiz/hub/internal/testutil"
	"github.com/birgemiz/hub/postgres"
)

func setupCached(t *testing.T) *env {
	t.Helper()
	return setupWith(t, func(db *postgres.DB, o *graph.HandlerOptions) { o.Versions, o.ResponseCacheBytes = db, 1<<20 })
}

type titlesResp struct {
	Projects struct {
		Edges []struct{ Node struct{ ID, Title string } }
	}
}

func titles(r titlesResp) []string {
	var out []string
	for _, e := range r.Projects.Edges {
		out = append(out, e.Node.Title)
	}
	return out
}

// A public question asked again costs the data version's read alone, and
// is answered anew as soon as a write commits or the statistics change;
// answers with errors are never served from the cache.
func TestResponseCache(t *testing.T) {
	t.Parallel()
	e := setupCached(t)
	e.seed.Apply(testutil.Org("o1", "Ұйым", "KZ-75"), testutil.Project("p1", "o1", "Тал егу", "KZ-75"))
	const q = `query P($n: Int) { projects(first: $n) { edges { node { id title } } } }`
	vars := client.Var("n", 5)

	var first, again titlesResp
	e.query(t, q, &first, vars)
	e.counter.Reset()
	e.query(t, q, &again, vars)
	stmts := e.counter.Statements()
	if len(stmts) != 1 || !strings.Contains(stmts[0], "record_changes") {
		t.Errorf("asked again: %d statements, want the data version's read only:\n%s", len(stmts), strings.Join(stmts, "\n"))
	}
	if got := titles(again); len(got) != 1 || got[0] != "Тал егу" {
		t.Fatalf("cached answer = %v", got)
	}
	// Other variables are another question.
	var other titlesResp
	e.counter.Reset()
	e.query(t, q, &other, client.Var("n", 1))
	if n := len(e.counter.Statements()); n < 2 {
		t.Errorf("other variables answered from the cache (%d statements)", n)
	}

	// A write: the next answer shows it.
	p := testutil.Project("p1", "o1", "Ағаш отырғызу", "KZ-75")
	p.UpdatedAt = time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC) // after the seeder's first

	e.seed.Apply(p, testutil.Project("p2", "o1", "Қоқыс жинау", "KZ-75"))
	var after titlesResp
	e.query(t, q, &after, vars)
	if got := titles(after); len(got) != 2 || got[0] != "Ағаш отырғызу" || got[1] != "Қоқыс жинау" {
		t.Errorf("after a write: %v, want the new titles", got)
	}

	// Statistics: a rebuild with no record write is a new build, and a new
	// answer.
	const sq = `{ statistics(measures: [PROJECTS], groupBy: [REGION]) { asOf rows { keys values } } }`
	var s1, s2, s3 statsResp
	e.query(t, sq, &s1) // builds the statistics: its answer is kept under the version without a build
	e.query(t, sq, &s1)
	if stmts := e.statements(t, sq, &s2); len(stmts) != 1 {
		t.Errorf("statistics asked again: %d statements, want 1:\n%s", len(stmts), strings.Join(stmts, "\n"))
	}
	if _, err := e.r.StatisticsService.RebuildStatistics(context.Background()); err != nil {
		t.Fatal(err)
	}
	e.query(t, sq, &s3)
	if s3.Statistics.AsOf == s1.Statistics.AsOf {
		t.Errorf("after a rebuild: asOf %s, still the old build's", s3.Statistics.AsOf)
	}

	// Never from the cache: an answer with errors (asked twice, it runs
	// twice).
	for name, run := range map[string]func(){
		"errors": func() {
			_, _ = e.client.RawPost(`{ projects(first: 5) { edges { node { id } } } volunteers(first: 1) { edges { node { id } } } }`)
		},
	} {
		run()
		e.counter.Reset()
		run()
		stmts := e.counter.Statements()
		for _, s := range stmts {
			if strings.Contains(s, "record_changes") && !strings.Contains(s, "INSERT") {
				t.Errorf("%s: the data version was read, as for a cached answer:\n%s", name, strings.Join(stmts, "\n"))
				break
			}
		}
		if len(stmts) == 0 {
			t.Errorf("%s: asked again, %d statements: answered from the cache", name, len(stmts))
		}
	}
}

// The cache keys answers by role: a researcher's answer is not a
// dashboard's.
func TestResponseCache_ByRole(t *testing.T) {
	t.Parallel()
	e := setupCached(t)
	e.seed.Apply(testutil.Org("o1", "Ұйым", "KZ-75"))
	keys := postgres.NewKeyService(e.db)
	tok := map[hub.Role]string{}
	for _, role := range []hub.Role{hub.RoleResearcher, hub.RoleDashboard} {
		k, err := keys.CreateKey(context.Background(), &hub.APIKey{Name: string(role), Role: role})
		if err != nil {
			t.Fatal(err)
		}
		tok[role] = k
	}
	const q = `{ organizations(first: 5) { edges { node { id } } } }`
	var r struct{}
	e.query(t, q, &r, client.AddHeader("Authorization", "Bearer "+tok[hub.RoleResearcher]))
	e.counter.Reset()
	e.query(t, q, &r, client.AddHeader("Authorization", "Bearer "+tok[hub.RoleDashboard]))
	var reads int
	for _, s := range e.counter.Statements() {
		if strings.Contains(s, "FROM organizations") {
			reads++
		}
	}
	if reads != 1 {
		t.Errorf("a dashboard's first question read organizations %d times, want 1 (not the researcher's answer):\n%s",
			reads, strings.Join(e.counter.Statements(), "\n"))
	}
}

type searchTitles struct {
	Search struct {
		TotalCount int
		Hits       []struct{ Node struct{ Title string } }
	}
}

// A search answer is kept while neither the data nor the index changed:
// the index follows the database by its own log, so a change of the index
// alone (here a document deleted from it) is a new answer too.
func TestResponseCache_Search(t *testing.T) {
	t.Parallel()
	e := setupCached(t)
	e.seed.Apply(testutil.Org("o1", "Ұйым", "KZ-75"), testutil.Project("p1", "o1", "Тал егу", "KZ-75"))
	e.sync(t)
	const q = `{ search(query: "тал", types: [PROJECT], facets: [REGION]) { totalCount hits { node { ... on Project { title } } } facets { field } } }`
	var first, again, after searchTitles
	e.query(t, q, &first)
	if first.Search.TotalCount != 1 || first.Search.Hits[0].Node.Title != "Тал егу" {
		t.Fatalf("first answer: %+v", first.Search)
	}
	if stmts := e.statements(t, q, &again); len(stmts) != 1 || !strings.Contains(stmts[0], "record_changes") {
		t.Errorf("asked again: %d statements, want the data version's read only:\n%s", len(stmts), strings.Join(stmts, "\n"))
	}
	if again.Search.TotalCount != 1 {
		t.Errorf("cached answer: %+v", again.Search)
	}

	ctx := context.Background()
	versions, err := e.indexer.Engine.Versions(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for id := range versions {
		ids = append(ids, id)
	}
	if err := e.indexer.Engine.Delete(ctx, ids); err != nil {
		t.Fatal(err)
	}
	e.query(t, q, &after)
	if after.Search.TotalCount != 0 || len(after.Search.Hits) != 0 {
		t.Errorf("after the index changed: %+v, want no hits", after.Search)
	}
}

// An admin's questions are kept too, records of people included, but an
// answer that read volunteers' personal parts never is: each of those reads
// is logged, every time. Nor is the access log itself, which reads write.
func TestResponseCache_Admin(t *testing.T) {
	t.Parallel()
	e := setupCached(t)
	e.seedPersonalVolunteers(3)
	const public = `{ volunteers(first: 5) { edges { node { id ageBand } } } }`
	var r struct{}
	e.adminQuery(t, public, &r)
	if stmts := e.adminStatements(t, public, &r); len(stmts) != 1 || !strings.Contains(stmts[0], "record_changes") {
		t.Errorf("an admin's question asked again: %d statements, want the data version's read only:\n%s", len(stmts), strings.Join(stmts, "\n"))
	}

	const personal = `{ volunteers(first: 5) { edges { node { id personal { fullName } } } } }`
	var p struct {
		Volunteers struct {
			Edges []struct {
				Node struct{ Personal struct{ FullName string } }
			}
		}
	}
	before := len(e.accessLog(t))
	for range 2 {
		e.adminQuery(t, personal, &p)
		if len(p.Volunteers.Edges) != 3 || p.Volunteers.Edges[0].Node.Personal.FullName == "" {
			t.Fatalf("personal parts: %+v", p)
		}
	}
	if got := len(e.accessLog(t)) - before; got != 6 {
		t.Errorf("personal parts asked twice: %d reads logged, want 6 (3 volunteers, twice: never from the cache)", got)
	}

	const log = `{ personalDataAccessLog(first: 100) { edges { node { volunteerId } } } }`
	var l1, l2 struct {
		PersonalDataAccessLog struct {
			Edges []struct{ Node struct{ VolunteerID string } }
		}
	}
	e.adminQuery(t, log, &l1)
	e.adminQuery(t, personal, &p)
	e.adminQuery(t, log, &l2)
	if len(l2.PersonalDataAccessLog.Edges) != len(l1.PersonalDataAccessLog.Edges)+3 {
		t.Errorf("the access log after 3 more reads: %d entries, was %d: answered from the cache",
			len(l2.PersonalDataAccessLog.Edges), len(l1.PersonalDataAccessLog.Edges))
	}
}
