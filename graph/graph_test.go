package graph_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/99designs/gqlgen/client"

	hub "github.com/birgemiz/hub"
	"github.com/birgemiz/hub/graph"
	"github.com/birgemiz/hub/internal/testutil"
	"github.com/birgemiz/hub/postgres"
	"github.com/birgemiz/hub/workers"
)

type env struct {
	client  *client.Client // an anonymous caller
	admin   *client.Client // an admin, without a key to look up: statement counts stay the query's own
	counter *testutil.StatementCounter
	seed    *testutil.Seeder
	db      *postgres.DB
	indexer *workers.Indexer
	r       *graph.Resolver
}

// setup returns a GraphQL client over the real handler (loaders, error
// presenter) on a fresh database whose statements are counted.
func setup(t *testing.T) *env {
	t.Helper()
	return setupWith(t, func(*postgres.DB, *graph.HandlerOptions) {})
}

// setupWith is setup with the handler's options changed by opt.
func setupWith(t *testing.T, opt func(*postgres.DB, *graph.HandlerOptions)) *env {
	t.Helper()
	counter := &testutil.StatementCounter{}
	db := testutil.NewDBWith(t, func(db *postgres.DB) { db.Tracer = counter })
	r, engine := testutil.Resolver(t, db, func() time.Time { return time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC) })
	ix := &workers.Indexer{Engine: engine, Outbox: postgres.NewSearchOutboxService(db), Projects: r.ProjectService,
		Organizations: r.OrganizationService, UNPlacements: r.UNPlacementService, Log: slog.New(slog.DiscardHandler)}
	auth := &hub.Authenticator{Keys: postgres.NewKeyService(db), Sources: r.SourceService}
	// The loaders keep the default wait of 1 ms: prefetch answers each
	// level with one batch, whatever the timing, so the statement counts
	// below hold under the race detector on a loaded machine too.
	opts := graph.HandlerOptions{ResponseCacheBytes: -1} // statement counts are of the query's own work
	opt(db, &opts)
	gql := graph.NewHandler(r, slog.New(slog.DiscardHandler), opts)
	h := graph.WithPrincipal(auth, nil, slog.New(slog.DiscardHandler), gql)
	return &env{client: client.New(h), admin: client.New(asAdmin(gql)), counter: counter, seed: testutil.NewSeeder(t, db, "test-platform"), db: db, indexer: ix, r: r}
}

// asAdmin serves next as an admin caller, with no key to look up.
func asAdmin(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		next.ServeHTTP(w, req.WithContext(hub.WithPrincipal(req.Context(), hub.Principal{Role: hub.RoleAdmin, Key: "test-admin"})))
	})
}

// seedOrgsWithProjects makes orgs organizations across regions, each with
// perOrg projects.
func (e *env) seedOrgsWithProjects(orgs, perOrg int) {
	regions := hub.Regions()
	var recs []*hub.FeedRecord
	for o := range orgs {
		region := regions[o%len(regions)].Code
		recs = append(recs, testutil.Org(fmt.Sprintf("o%d", o), fmt.Sprintf("Ұйым %03d", o), region))
		for p := range perOrg {
			recs = append(recs, testutil.Project(fmt.Sprintf("o%d-p%d", o, p), fmt.Sprintf("o%d", o), fmt.Sprintf("Жоба %03d-%02d", o, p), region))
		}
	}
	e.seed.Apply(recs...)
}

// statements runs query and returns the SQL statements it cost.
func (e *env) statements(t *testing.T, query string, resp any) []string {
	t.Helper()
	e.counter.Reset()
	e.query(t, query, resp)
	return e.counter.Statements()
}

// adminStatements runs query as an admin and returns the SQL statements it
// cost.
func (e *env) adminStatements(t *testing.T, query string, resp any) []string {
	t.Helper()
	e.counter.Reset()
	e.adminQuery(t, query, resp)
	return e.counter.Statements()
}

// query runs query as an anonymous caller, fails the test on any GraphQL
// error, and decodes data into resp (fields resp does not name are
// ignored).
func (e *env) query(t *testing.T, query string, resp any, opts ...client.Option) {
	t.Helper()
	run(t, e.client, query, resp, opts...)
}

// adminQuery is query as an admin, who may read records of people.
func (e *env) adminQuery(t *testing.T, query string, resp any, opts ...client.Option) {
	t.Helper()
	run(t, e.admin, query, resp, opts...)
}

func run(t *testing.T, c *client.Client, query string, resp any, opts ...client.Option) {
	t.Helper()
	raw, err := c.RawPost(query, opts...)
	if err != nil {
		t.Fatal(err)
	}
	if len(raw.Errors) > 0 && string(raw.Errors) != "null" {
		t.Fatalf("query errors: %s", raw.Errors)
	}
	b, _ := json.Marshal(raw.Data)
	if err := json.Unmarshal(b, resp); err != nil {
		t.Fatal(err)
	}
}

func TestStatementCount_ProjectsWithOrganizationRegionDirections(t *testing.T) {
	t.Parallel()
	const query = `{ projects(first: 100) { totalCount edges { node {
		title(lang: KK) organization { name(lang: RU) region { code name(lang: EN) } }
		region { code name } directions { code name(lang: RU) } } } } }`
	var resp struct {
		Projects struct {
			TotalCount int
			Edges      []struct {
				Node struct {
					Title        string
					Organization struct{ Name string }
					Region       struct{ Code string }
					Directions   []struct{ Code string }
				}
			}
		}
	}
	counts := map[int]int{}
	for _, n := range []int{10, 100} {
		e := setup(t)
		e.seedOrgsWithProjects(n/2, 2)
		stmts := e.statements(t, query, &resp)
		if got := len(resp.Projects.Edges); got != n || resp.Projects.TotalCount != n {
			t.Fatalf("%d projects seeded: got %d edges, totalCount %d", n, got, resp.Projects.TotalCount)
		}
		for _, edge := range resp.Projects.Edges {
			if edge.Node.Organization.Name == "" || edge.Node.Region.Code == "" || len(edge.Node.Directions) != 2 {
				t.Fatalf("incomplete node: %+v", edge.Node)
			}
		}
		counts[n] = len(stmts)
		t.Logf("%d projects: %d statements:\n%s", n, len(stmts), strings.Join(stmts, "\n---\n"))
	}
	if counts[10] != counts[100] {
		t.Fatalf("statement count grows with rows: 10 projects → %d, 100 projects → %d", counts[10], counts[100])
	}
	// projects, count, organizations (regions and directions are the shipped reference data)
	if counts[100] > 3 {
		t.Fatalf("100 projects with organization, region and directions cost %d statements, want ≤ 3", counts[100])
	}
}

func TestStatementCount_OrganizationsWithFirstTenProjects(t *testing.T) {
	t.Parallel()
	const query = `{ organizations(first: 50) { totalCount edges { node {
		name region { code } projects(first: 10) { totalCount pageInfo { hasNextPage } edges { node {
			title region { code } directions { code } } } } } } } }`
	var resp struct {
		Organizations struct {
			TotalCount int
			Edges      []struct {
				Node struct {
					Name     string
					Projects struct {
						TotalCount int
						PageInfo   struct{ HasNextPage bool }
						Edges      []struct{ Node struct{ Title string } }
					}
				}
			}
		}
	}
	counts := map[int]int{}
	for _, n := range []int{5, 50} {
		e := setup(t)
		e.seedOrgsWithProjects(n, 12)
		stmts := e.statements(t, query, &resp)
		if got := len(resp.Organizations.Edges); got != n {
			t.Fatalf("%d organizations seeded, got %d", n, got)
		}
		for _, edge := range resp.Organizations.Edges {
			p := edge.Node.Projects
			if len(p.Edges) != 10 || p.TotalCount != 12 || !p.PageInfo.HasNextPage {
				t.Fatalf("organization %s: %d projects, totalCount %d, hasNextPage %v; want 10, 12, true",
					edge.Node.Name, len(p.Edges), p.TotalCount, p.PageInfo.HasNextPage)
			}
		}
		counts[n] = len(stmts)
		t.Logf("%d organizations: %d statements:\n%s", n, len(stmts), strings.Join(stmts, "\n---\n"))
	}
	if counts[5] != counts[50] {
		t.Fatalf("statement count grows with rows: 5 organizations → %d, 50 → %d", counts[5], counts[50])
	}
	// organizations, count, projects per organization, counts per organization
	if counts[50] > 4 {
		t.Fatalf("50 organizations × 10 projects cost %d statements, want ≤ 4", counts[50])
	}
}

func TestStatementCount_VolunteersParticipationsProjects(t *testing.T) {
	t.Parallel()
	const query = `{ volunteers(first: 50) { edges { node { ageBand totalHours organizations { name }
		participations(first: 5) { totalCount edges { node { hours project { title organization { name } } } } } } } } }`
	var resp struct {
		Volunteers struct {
			Edges []struct {
				Node struct {
					AgeBand        string
					TotalHours     float64
					Organizations  []struct{ Name string }
					Participations struct {
						TotalCount int
						Edges      []struct {
							Node struct {
								Hours   float64
								Project struct {
									Title        string
									Organization struct{ Name string }
								}
							}
						}
					}
				}
			}
		}
	}
	counts := map[int]int{}
	for _, n := range []int{5, 50} {
		e := setup(t)
		e.seedOrgsWithProjects(3, 2)
		var recs []*hub.FeedRecord
		for v := range n {
			recs = append(recs, testutil.Volunteer(fmt.Sprintf("v%d", v), "KZ-11", "o0", "o1"))
			for p := range 3 {
				recs = append(recs, testutil.Participation(fmt.Sprintf("v%d-p%d", v, p), fmt.Sprintf("v%d", v), fmt.Sprintf("o%d-p0", p), 2.5))
			}
		}
		e.seed.Apply(recs...)
		stmts := e.adminStatements(t, query, &resp)
		if got := len(resp.Volunteers.Edges); got != n {
			t.Fatalf("%d volunteers seeded, got %d", n, got)
		}
		for _, edge := range resp.Volunteers.Edges {
			v := edge.Node
			if v.TotalHours != 7.5 || v.Participations.TotalCount != 3 || len(v.Organizations) != 2 || v.AgeBand != "AGE_25_34" ||
				v.Participations.Edges[0].Node.Project.Organization.Name == "" {
				t.Fatalf("volunteer: %+v", v)
			}
		}
		counts[n] = len(stmts)
		t.Logf("%d volunteers: %d statements:\n%s", n, len(stmts), strings.Join(stmts, "\n---\n"))
	}
	if counts[5] != counts[50] {
		t.Fatalf("statement count grows with rows: 5 volunteers → %d, 50 → %d", counts[5], counts[50])
	}
	t.Logf("50 volunteers with participations, projects and organizations: %d statements", counts[50])
}

// nodes(ids:) costs one query per record type, with the next level
// prefetched, whatever the number of ids: 3 or 60, in any order, with ids
// of missing records (null, in place).
func TestStatementCount_Nodes(t *testing.T) {
	t.Parallel()
	e := setup(t)
	e.seedOrgsWithProjects(20, 1)
	var recs []*hub.FeedRecord
	for v := range 20 {
		recs = append(recs, testutil.Volunteer(fmt.Sprintf("v%d", v), "KZ-11"))
	}
	e.seed.Apply(recs...)
	ids := func(typ, table string) []string {
		rows, err := e.db.Pool.Query(context.Background(), `SELECT id FROM `+table+` ORDER BY id`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var out []string
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				t.Fatal(err)
			}
			out = append(out, hub.GlobalID(typ, id))
		}
		return out
	}
	orgs, projects, volunteers := ids("Organization", "organizations"), ids("Project", "projects"), ids("Volunteer", "volunteers")
	counts := map[int]int{}
	for _, n := range []int{1, 20} {
		var all []string
		for i := range n {
			all = append(all, projects[i], orgs[i], volunteers[i])
		}
		all = append(all, hub.GlobalID("Project", 999999))
		q := `{ nodes(ids: ["` + strings.Join(all, `", "`) + `"]) { id ... on Project { title organization { name } }
			... on Organization { name } ... on Volunteer { region { code } } } }`
		var resp struct{ Nodes []*struct{ ID string } }
		stmts := e.adminStatements(t, q, &resp)
		if len(resp.Nodes) != len(all) || resp.Nodes[len(all)-1] != nil {
			t.Fatalf("%d nodes for %d ids, the missing one last: %+v", len(resp.Nodes), len(all), resp.Nodes[len(resp.Nodes)-1])
		}
		for i, nd := range resp.Nodes[:len(all)-1] {
			if nd == nil || nd.ID != all[i] {
				t.Fatalf("node %d is %+v, want %s", i, nd, all[i])
			}
		}
		counts[n] = len(stmts)
		t.Logf("%d ids: %d statements:\n%s", len(all), len(stmts), strings.Join(stmts, "\n---\n"))
	}
	if counts[1] != counts[20] || counts[20] > 5 {
		t.Errorf("nodes cost %d statements for 4 ids and %d for 61, want the same and at most 5", counts[1], counts[20])
	}
}

// Codes read in either case, as the statistics and the feeds read them.
func TestCodesInEitherCase(t *testing.T) {
	t.Parallel()
	e := setup(t)
	e.seedOrgsWithProjects(2, 1)
	var resp struct {
		Region   struct{ Code string }
		Projects struct{ TotalCount int }
	}
	e.query(t, `{ region(code: "kz-11") { code } projects(filter: {region: ["kz-11", " KZ-10 "]}) { totalCount } }`, &resp)
	var want struct{ Projects struct{ TotalCount int } }
	e.query(t, `{ projects(filter: {region: ["KZ-11", "KZ-10"]}) { totalCount } }`, &want)
	e.query(t, `{ projects(filter: {direction: ["ecology"]}) { totalCount } }`, &struct{}{})
	if resp.Region.Code != "KZ-11" || want.Projects.TotalCount == 0 || resp.Projects.TotalCount != want.Projects.TotalCount {
		t.Errorf("lower case: region %q, %d projects; upper case: %d", resp.Region.Code, resp.Projects.TotalCount, want.Projects.TotalCount)
	}
}

// node and nodes resolve every type of global id the API issues: each
// record comes back in place, in one query per type.
func TestNodesOfEveryType(t *testing.T) {
	t.Parallel()
	e := setup(t)
	e.seedOrgsWithProjects(1, 1)
	size := 30.0
	e.seed.Apply(testutil.Volunteer("v0", "KZ-11"), testutil.Participation("pa0", "v0", "o0-p0", 4),
		&hub.FeedRecord{Type: hub.TypeUNPlacement, ExternalID: "un0", UNPlacement: &hub.UNPlacement{HostEntity: "UNDP", Country: "KE", Status: hub.StatusActive}},
		&hub.FeedRecord{Type: hub.TypeIndicator, ExternalID: "ind0", Indicator: &hub.Indicator{Metric: "volunteer_organizations", Value: size}})
	first := func(typ, table string) string {
		var id int64
		if err := e.db.Pool.QueryRow(context.Background(), `SELECT min(id) FROM `+table).Scan(&id); err != nil {
			t.Fatal(err)
		}
		return hub.GlobalID(typ, id)
	}
	ids := []string{first("Participation", "participations"), first("UNPlacement", "un_placements"), first("Indicator", "indicators"),
		first("Source", "sources"), first("Project", "projects"), hub.GlobalID("Indicator", 999999)}
	var resp struct {
		Nodes []*struct{ ID string }
		Node  *struct{ ID string }
	}
	e.adminQuery(t, `{ nodes(ids: ["`+strings.Join(ids, `", "`)+`"]) { id } node(id: "`+ids[0]+`") { id } }`, &resp)
	for i, want := range ids[:len(ids)-1] {
		if resp.Nodes[i] == nil || resp.Nodes[i].ID != want {
			t.Errorf("node %d: %+v, want %s", i, resp.Nodes[i], want)
		}
	}
	if resp.Nodes[len(ids)-1] != nil || resp.Node == nil || resp.Node.ID != ids[0] {
		t.Errorf("missing indicator %+v, node(id:) %+v", resp.Nodes[len(ids)-1], resp.Node)
	}
}
