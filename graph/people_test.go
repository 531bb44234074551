package graph_test

import (
	"encoding/base64"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vektah/gqlparser/v2/ast"

	hub "github.com/birgemiz/hub"
	"github.com/birgemiz/hub/graph"
	"github.com/birgemiz/hub/internal/testutil"
)

// peopleTypes are the types whose every record is about one person.
var peopleTypes = []string{"Volunteer", "VolunteerConnection", "Participation", "ParticipationConnection", "UNPlacement", "UNPlacementConnection"}

// Every field that can lead from a public type to a record of a person is
// marked @people (or is for admins only), so a field added later without
// it fails here instead of publishing a list of people. Fields of the
// people types themselves are reached only through such a field. node,
// nodes and search return interfaces and unions and check the type of
// each record they return (TestPeopleRecordsRefused).
func TestEveryFieldToPeopleIsGuarded(t *testing.T) {
	t.Parallel()
	schema := graph.NewExecutableSchema(graph.Config{Resolvers: &graph.Resolver{}}).Schema()
	checked := 0
	for _, def := range schema.Types {
		if def.BuiltIn || slices.Contains(peopleTypes, def.Name) || def.Name == "VolunteerEdge" || def.Name == "ParticipationEdge" ||
			def.Name == "UNPlacementEdge" || def.Name == "PersonalDataAccess" {
			continue
		}
		for _, f := range def.Fields {
			if !slices.Contains(peopleTypes, baseType(f.Type)) {
				continue
			}
			checked++
			if f.Directives.ForName("people") == nil && f.Directives.ForName("hasRole") == nil {
				t.Errorf("%s.%s returns %s but is not marked @people", def.Name, f.Name, f.Type)
			}
		}
	}
	if checked < 4 {
		t.Fatalf("only %d fields lead to people; the schema has at least 4", checked)
	}
}

func baseType(t *ast.Type) string {
	for t.Elem != nil {
		t = t.Elem
	}
	return t.NamedType
}

// Callers who may read no records of people get none by any path: lists
// and their counts, nested lists, node and nodes, search over UN
// placements; the rest of each answer comes back. An admin gets them all.
func TestPeopleRecordsRefused(t *testing.T) {
	t.Parallel()
	e := setup(t)
	f := setupAuth(t, e)
	e.seedOrgsWithProjects(1, 1)
	e.seed.Apply(testutil.Volunteer("v0", "KZ-11", "o0"), testutil.Participation("pa0", "v0", "o0-p0", 4),
		&hub.FeedRecord{Type: hub.TypeUNPlacement, ExternalID: "un0", UNPlacement: &hub.UNPlacement{HostEntity: "UNDP", Country: "TH", Status: hub.StatusActive}})
	vid, pid, uid := e.volunteerGID(t, "v0"), firstGID(t, e, "Participation", "participations"), firstGID(t, e, "UNPlacement", "un_placements")
	queries := map[string]string{
		"volunteers":             `{ volunteers(filter: {region: ["KZ-11"]}, first: 1) { totalCount edges { node { id } } } }`,
		"volunteer":              fmt.Sprintf(`{ volunteer(id: %q) { id } }`, vid),
		"unPlacements":           `{ unPlacements(filter: {country: ["TH"]}) { totalCount } }`,
		"Project.participations": `{ projects(first: 5) { totalCount edges { node { title participations { totalCount } } } } }`,
		"node":                   fmt.Sprintf(`{ a: node(id: %q) { id } b: node(id: %q) { id } c: node(id: %q) { id } }`, vid, pid, uid),
		"nodes":                  fmt.Sprintf(`{ nodes(ids: [%q, %q, %q]) { id } }`, vid, pid, uid),
		"search UN placements":   `{ search(query: "", types: [UN_PLACEMENT]) { totalCount } }`,
	}
	callers := map[string]struct{ token, code string }{
		"anonymous": {"", "UNAUTHENTICATED"}, "researcher": {f.tokens["kimep"], "FORBIDDEN"}, "dashboard": {f.tokens["ministry"], "FORBIDDEN"},
	}
	for who, c := range callers {
		for what, q := range queries {
			a := e.ask(t, c.token, q)
			if len(a.Errors) == 0 {
				t.Errorf("%s, %s: answered %s", who, what, a.raw)
				continue
			}
			for _, err := range a.Errors {
				if err.Extensions.Code != c.code {
					t.Errorf("%s, %s: %s, want %s", who, what, a.raw, c.code)
				}
			}
			for _, path := range [][]any{{"volunteers"}, {"volunteer"}, {"unPlacements"}, {"projects", "edges", 0, "node", "participations"},
				{"a"}, {"b"}, {"c"}, {"nodes", 0}, {"nodes", 1}, {"nodes", 2}} {
				if v := jsonAt(a.Data, path...); v != nil {
					t.Errorf("%s, %s: %v at %v", who, what, v, path)
				}
			}
			if strings.Contains(a.raw, vid) || strings.Contains(a.raw, uid) {
				t.Errorf("%s, %s: a record of a person in %s", who, what, a.raw)
			}
		}
		// The rest of the answer comes back: the projects around their
		// refused participations, the nodes' places.
		if a := e.ask(t, c.token, queries["Project.participations"]); jsonAt(a.Data, "projects", "totalCount") != 1.0 {
			t.Errorf("%s: the projects around refused participations are missing: %s", who, a.raw)
		}
		if a := e.ask(t, c.token, queries["nodes"]); len(jsonAt(a.Data, "nodes").([]any)) != 3 || len(a.Errors) != 3 {
			t.Errorf("%s: nodes of people: %s", who, a.raw)
		}
		// Search leaves UN placements out unless asked for, and then refuses.
		if a := e.ask(t, c.token, `{ search(query: "", facets: [TYPE]) { totalCount facets { values { value count } } } }`); len(a.Errors) != 0 ||
			strings.Contains(a.raw, "UN_PLACEMENT") {
			t.Errorf("%s: search over every type: %s", who, a.raw)
		}
	}
	for what, q := range queries {
		if a := e.ask(t, f.tokens["ops"], q); len(a.Errors) != 0 {
			t.Errorf("admin, %s: %s", what, a.raw)
		}
	}
}

func firstGID(t *testing.T, e *env, typ, table string) string {
	t.Helper()
	var id int64
	if err := e.db.Pool.QueryRow(t.Context(), `SELECT min(id) FROM `+table).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return hub.GlobalID(typ, id)
}

// A platform reads the people its source reported and nothing of anyone
// else's: another source's volunteers, participations and UN placements are
// not in its lists or counts; of a volunteer both report, it sees its own
// participations, memberships, hours and provenance only.
func TestPlatformReadsItsOwnPeople(t *testing.T) {
	t.Parallel()
	e := setup(t)
	f := setupAuth(t, e)
	e.seedOrgsWithProjects(2, 1)
	own := testutil.SeederFor(t, e.db, f.source)
	own.Apply(testutil.Org("ao", "Ақмола ұйымы", "KZ-11"), testutil.Project("ap", "ao", "Ақмола жобасы", "KZ-11"))
	shared := func(id string, orgs ...string) *hub.FeedRecord {
		v := testutil.Volunteer(id, "KZ-11", orgs...)
		consent := v.UpdatedAt
		v.Personal = &hub.VolunteerPersonal{IIN: "990101300123", ConsentRef: "c", ConsentAt: &consent}
		return v
	}
	own.Apply(shared("a-shared", "ao"), testutil.Volunteer("a-only", "KZ-11"), testutil.Participation("a-pa", "a-shared", "ap", 3),
		&hub.FeedRecord{Type: hub.TypeUNPlacement, ExternalID: "a-un", UNPlacement: &hub.UNPlacement{HostEntity: "UNDP", Country: "TH", Status: hub.StatusActive}})
	e.seed.Apply(shared("b-shared", "o1"), testutil.Volunteer("b-only", "KZ-11"), testutil.Participation("b-pa", "b-shared", "o1-p0", 40),
		&hub.FeedRecord{Type: hub.TypeUNPlacement, ExternalID: "b-un", UNPlacement: &hub.UNPlacement{HostEntity: "WFP", Country: "KE", Status: hub.StatusActive}})
	a := e.ask(t, f.tokens["akmola-push"], `{
		volunteers(first: 10) { totalCount edges { node { totalHours organizations { name }
			participations { totalCount edges { node { hours } } } provenance { source externalId } } } }
		unPlacements { totalCount edges { node { hostEntity provenance { source } } } }
		projects(first: 10) { edges { node { participations { totalCount } } } } }`)
	if len(a.Errors) != 0 {
		t.Fatalf("%s", a.raw)
	}
	if jsonAt(a.Data, "volunteers", "totalCount") != 2.0 || jsonAt(a.Data, "unPlacements", "totalCount") != 1.0 ||
		jsonAt(a.Data, "unPlacements", "edges", 0, "node", "hostEntity") != "UNDP" {
		t.Fatalf("the platform's lists: %s", a.raw)
	}
	for _, edge := range jsonAt(a.Data, "volunteers", "edges").([]any) {
		v := edge.(map[string]any)["node"]
		for _, p := range jsonAt(v, "provenance").([]any) {
			if jsonAt(p, "source") != "akmola-portal" {
				t.Errorf("the platform sees another source's provenance: %s", a.raw)
			}
		}
		if h := jsonAt(v, "totalHours").(float64); h != 0 && h != 3 {
			t.Errorf("total hours %v: another source's participations are counted", h)
		}
		for _, o := range jsonAt(v, "organizations").([]any) {
			if jsonAt(o, "name") != "Ақмола ұйымы" {
				t.Errorf("a membership another source reported: %s", a.raw)
			}
		}
		if n := jsonAt(v, "participations", "totalCount").(float64); n > 1 {
			t.Errorf("%v participations: another source's are counted", n)
		}
	}
	total := 0.0
	for _, edge := range jsonAt(a.Data, "projects", "edges").([]any) {
		total += jsonAt(edge, "node", "participations", "totalCount").(float64)
	}
	if total != 1 {
		t.Errorf("%v participations in the projects, want the platform's 1: %s", total, a.raw)
	}
	// Filters read the platform's own provenance and memberships: filtering
	// on the other source or its organization finds no one, not the
	// volunteer both report.
	var o1ID int64
	if err := e.db.Pool.QueryRow(t.Context(), `SELECT id FROM organizations WHERE name_kk = 'Ұйым 001' OR name_ru = 'Ұйым 001'`).Scan(&o1ID); err != nil {
		t.Fatal(err)
	}
	o1 := hub.GlobalID("Organization", o1ID)
	if a := e.ask(t, f.tokens["ops"], `{ volunteers(filter: {organization: ["`+o1+`"]}) { totalCount } }`); jsonAt(a.Data, "volunteers", "totalCount") != 1.0 {
		t.Fatalf("the admin filtering by the other source's organization: %s", a.raw)
	}
	for _, filter := range []string{`{source: ["test-platform"]}`, `{organization: ["` + o1 + `"]}`} {
		c := e.ask(t, f.tokens["akmola-push"], `{ volunteers(filter: `+filter+`) { totalCount } }`)
		if len(c.Errors) != 0 || jsonAt(c.Data, "volunteers", "totalCount") != 0.0 {
			t.Errorf("the platform filtering volunteers by %s: %s", filter, c.raw)
		}
	}
	if c := e.ask(t, f.tokens["akmola-push"], `{ volunteers(filter: {source: ["akmola-portal"]}) { totalCount } }`); jsonAt(c.Data, "volunteers", "totalCount") != 2.0 {
		t.Errorf("the platform filtering by its own source: %s", c.raw)
	}
	// The platform sends its volunteer again, changed: the other source's
	// membership of the volunteer they share stays.
	again := shared("a-shared", "ao")
	again.UpdatedAt = again.UpdatedAt.Add(time.Hour)
	again.Volunteer.Skills = []string{"IT"}
	own.Apply(again)
	// The admin sees the volunteer both report as one, with everything.
	b := e.ask(t, f.tokens["ops"], `{ volunteers(first: 10) { totalCount edges { node { totalHours organizations { name } provenance { source } } } } }`)
	if jsonAt(b.Data, "volunteers", "totalCount") != 3.0 || !strings.Contains(b.raw, `"totalHours":43`) {
		t.Errorf("the admin's view: %s", b.raw)
	}
	orgs := 0
	for _, edge := range jsonAt(b.Data, "volunteers", "edges").([]any) {
		orgs += len(jsonAt(edge, "node", "organizations").([]any))
	}
	if orgs != 2 {
		t.Errorf("%d memberships after the platform's update, want its own and the other source's: %s", orgs, b.raw)
	}
}

// A count of people a record reports is shown when it is 0 or at least
// 10, and null for 1 to 9, to everyone but admins; so are a project's
// hours when it engaged 1 to 9 volunteers.
func TestPeopleCountsOfRecords(t *testing.T) {
	t.Parallel()
	e := setup(t)
	f := setupAuth(t, e)
	n := func(v int) *int { return &v }
	hours := 120.0
	org := testutil.Org("o-small", "Кішкентай ұйым", "KZ-62")
	org.Organization.VolunteerCount = n(7)
	small := testutil.Project("p-small", "o-small", "Кішкентай жоба", "KZ-62")
	small.Project.VolunteersEngaged, small.Project.Beneficiaries, small.Project.VolunteerHours = n(3), n(9), &hours
	big := testutil.Project("p-big", "o-small", "Үлкен жоба", "KZ-62")
	big.Project.VolunteersEngaged, big.Project.Beneficiaries, big.Project.VolunteerHours = n(10), n(0), &hours
	e.seed.Apply(org, small, big)
	const q = `{ organizations { edges { node { volunteerCount } } }
		projects(orderBy: {field: TITLE}) { edges { node { title volunteersEngaged beneficiaries volunteerHours } } } }`
	render := func(a gqlAnswer) string {
		if len(a.Errors) != 0 {
			t.Fatalf("%s", a.raw)
		}
		out := fmt.Sprint(jsonAt(a.Data, "organizations", "edges", 0, "node", "volunteerCount"))
		for _, edge := range jsonAt(a.Data, "projects", "edges").([]any) {
			p := edge.(map[string]any)["node"]
			out += fmt.Sprintf(" | %v %v %v", jsonAt(p, "volunteersEngaged"), jsonAt(p, "beneficiaries"), jsonAt(p, "volunteerHours"))
		}
		return out
	}
	for who, token := range map[string]string{"anonymous": "", "dashboard": f.tokens["ministry"], "platform": f.tokens["akmola-push"]} {
		if got, want := render(e.ask(t, token, q)), "<nil> | <nil> <nil> <nil> | 10 0 120"; got != want {
			t.Errorf("%s sees %s, want %s", who, got, want)
		}
	}
	if got, want := render(e.ask(t, f.tokens["ops"], q)), "7 | 3 9 120 | 10 0 120"; got != want {
		t.Errorf("admin sees %s, want %s", got, want)
	}
	// Ordered by a count, a hidden count sorts with the unknown ones and
	// its cursor carries no more than the field shows; a hand-made cursor
	// of any value from 1 to 9 finds the same next project.
	sorted := e.ask(t, "", `{ projects(orderBy: {field: VOLUNTEERS_ENGAGED}) { edges { cursor node { title } } }
		organizations(orderBy: {field: VOLUNTEER_COUNT}) { edges { cursor } } }`)
	if len(sorted.Errors) != 0 || jsonAt(sorted.Data, "projects", "edges", 0, "node", "title") != "Үлкен жоба" {
		t.Fatalf("projects by volunteers engaged: %s", sorted.raw)
	}
	for _, c := range []any{jsonAt(sorted.Data, "projects", "edges", 1, "cursor"), jsonAt(sorted.Data, "organizations", "edges", 0, "cursor")} {
		raw, err := base64.RawURLEncoding.DecodeString(c.(string))
		if err != nil || strings.Contains(string(raw), `"3"`) || strings.Contains(string(raw), `"7"`) {
			t.Errorf("the cursor of a hidden count is %s", raw)
		}
	}
	next := map[string]bool{}
	for k := 1; k < 10; k++ {
		after := base64.RawURLEncoding.EncodeToString(fmt.Appendf(nil, `{"f":"VOLUNTEERS_ENGAGED","k":"%d","i":0}`, k))
		a := e.ask(t, "", `{ projects(orderBy: {field: VOLUNTEERS_ENGAGED}, first: 1, after: "`+after+`") { edges { node { title } } } }`)
		next[fmt.Sprint(jsonAt(a.Data, "projects", "edges", 0, "node", "title"))] = true
	}
	if len(next) != 1 {
		t.Errorf("hand-made cursors of 1 to 9 find %v", next)
	}
}
