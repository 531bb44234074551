package graph_test

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/99designs/gqlgen/client"

	hub "github.com/birgemiz/hub"
	"github.com/birgemiz/hub/graph"
	"github.com/birgemiz/hub/internal/testutil"
	"github.com/birgemiz/hub/postgres"
)

// injections are strings that mean something to SQL, to LIKE, to a
// search engine's query syntax, or to a JSON or HTML reader.
var injections = []string{
	`'; DROP TABLE organizations; --`,
	`' OR '1'='1`,
	`KZ-11' OR 1=1 --`,
	`1) OR (1=1`,
	`'); DELETE FROM projects WHERE ('1'='1`,
	`\'; TRUNCATE provenance CASCADE; --`,
	`$1`,
	`%`,
	`_`,
	`*`,
	`title:*`,
	`"unbalanced`,
	`+a -b ~c ^2 (x OR y) AND NOT z`,
	`\`,
	`{"$ne": null}`,
	`<script>alert(1)</script>`,
	"a\u0000b",
	strings.Repeat(`A'`, 2000),
}

// checksums returns, per table of the database, its row count and an
// MD5 of its rows: the whole database's content.
func checksums(t *testing.T, db *postgres.DB) map[string]string {
	t.Helper()
	ctx := context.Background()
	// Not the sessions' temporary tables: the chunks' staging tables live
	// as long as their connection, and another session's cannot be read.
	rows, err := db.Pool.Query(ctx, `SELECT quote_ident(schemaname) || '.' || quote_ident(tablename) FROM pg_tables
		WHERE schemaname NOT IN ('pg_catalog', 'information_schema') AND schemaname NOT LIKE 'pg\_temp\_%' ORDER BY 1`)
	if err != nil {
		t.Fatal(err)
	}
	var tables []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			t.Fatal(err)
		}
		tables = append(tables, name)
	}
	rows.Close()
	if err := rows.Err(); err != nil || len(tables) < 10 {
		t.Fatalf("tables %v: %v", tables, err)
	}
	out := map[string]string{}
	for _, table := range tables {
		var n int
		var sum string
		if err := db.Pool.QueryRow(ctx, `SELECT count(*), coalesce(md5(string_agg(t::text, '|' ORDER BY t::text)), '') FROM `+table+` t`).Scan(&n, &sum); err != nil {
			t.Fatal(err)
		}
		out[table] = fmt.Sprintf("%d rows, %s", n, sum)
	}
	return out
}

// Every filter argument of the root fields, with each injection string,
// by variable and inline: each answer is BAD_USER_INPUT or an empty (or,
// for search text, ordinary) result, never an internal error or rows the
// filter does not select, and the database is the same afterwards.
func TestInjectionInEveryFilter(t *testing.T) {
	t.Parallel()
	e := setup(t)
	e.seedOrgsWithProjects(3, 2)
	e.seed.Apply(
		testutil.Volunteer("v1", "KZ-11", "o0"), testutil.Volunteer("v2", "KZ-63", "o1"),
		testutil.Participation("pa1", "v1", "o0-p0", 3),
		&hub.FeedRecord{Type: hub.TypeUNPlacement, ExternalID: "u1", UNPlacement: &hub.UNPlacement{HostEntity: "UNDP", Country: "TR",
			Category: "YOUTH", Status: hub.StatusActive, Title: hub.LocalizedText{EN: "Youth volunteer"}}},
		&hub.FeedRecord{Type: hub.TypeIndicator, ExternalID: "i1", Indicator: &hub.Indicator{Metric: "volunteers", Value: 200000,
			Period: "2023", PeriodStart: time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC), PeriodEnd: time.Date(2023, 12, 31, 0, 0, 0, 0, time.UTC)}},
	)
	e.sync(t)
	// The first statistics query counts the rollups; count them now, so
	// that any change afterwards is the injections'.
	var warm struct{ Statistics struct{ Rows []any } }
	e.query(t, `{ statistics(measures: [PROJECTS]) { rows { values } } }`, &warm)
	before := checksums(t, e.db)

	const (
		invalid  = "BAD_USER_INPUT" // refused as bad input
		empty    = "empty"          // answered, selecting nothing
		ordinary = "ordinary"       // answered (search text: the words are searched for)
	)
	// Each case is a root field's query with $v in one filter argument,
	// the variable's GraphQL type, and what an injection string gets.
	cases := []struct {
		name, query, typ, want string
	}{
		{"organizations.region", `organizations(filter: {region: $v}) { totalCount edges { node { id } } }`, "[String!]", invalid},
		{"organizations.direction", `organizations(filter: {direction: $v}) { totalCount edges { node { id } } }`, "[String!]", invalid},
		{"organizations.bin", `organizations(filter: {bin: $v}) { totalCount edges { node { id } } }`, "[String!]", empty},
		{"organizations.source", `organizations(filter: {source: $v}) { totalCount edges { node { id } } }`, "[String!]", empty},
		{"organizations.founded", `organizations(filter: {founded: {from: $v}}) { totalCount }`, "Date", invalid},
		{"organizations.after", `organizations(after: $v) { totalCount }`, "String", invalid},
		{"projects.region", `projects(filter: {region: $v}) { totalCount edges { node { id } } }`, "[String!]", invalid},
		{"projects.direction", `projects(filter: {direction: $v}) { totalCount edges { node { id } } }`, "[String!]", invalid},
		{"projects.organization", `projects(filter: {organization: $v}) { totalCount edges { node { id } } }`, "[ID!]", invalid},
		{"projects.source", `projects(filter: {source: $v}) { totalCount edges { node { id } } }`, "[String!]", empty},
		{"projects.startDate", `projects(filter: {startDate: {to: $v}}) { totalCount }`, "Date", invalid},
		{"projects.activeDuring", `projects(filter: {activeDuring: {from: $v}}) { totalCount }`, "Date", invalid},
		{"volunteers.region", `volunteers(filter: {region: $v}) { totalCount edges { node { id } } }`, "[String!]", invalid},
		{"volunteers.direction", `volunteers(filter: {direction: $v}) { totalCount edges { node { id } } }`, "[String!]", invalid},
		{"volunteers.organization", `volunteers(filter: {organization: $v}) { totalCount edges { node { id } } }`, "[ID!]", invalid},
		{"volunteers.source", `volunteers(filter: {source: $v}) { totalCount edges { node { id } } }`, "[String!]", empty},
		{"volunteers.registeredAt", `volunteers(filter: {registeredAt: {from: $v}}) { totalCount }`, "Date", invalid},
		{"unPlacements.country", `unPlacements(filter: {country: $v}) { totalCount edges { node { id } } }`, "[String!]", invalid},
		{"unPlacements.hostEntity", `unPlacements(filter: {hostEntity: $v}) { totalCount edges { node { id } } }`, "[String!]", empty},
		{"unPlacements.category", `unPlacements(filter: {category: $v}) { totalCount edges { node { id } } }`, "[String!]", empty},
		{"unPlacements.source", `unPlacements(filter: {source: $v}) { totalCount edges { node { id } } }`, "[String!]", empty},
		{"unPlacements.startDate", `unPlacements(filter: {startDate: {from: $v}}) { totalCount }`, "Date", invalid},
		{"indicators.metric", `indicators(filter: {metric: $v}) { id }`, "[String!]", empty},
		{"indicators.region", `indicators(filter: {region: $v}) { id }`, "[String!]", invalid},
		{"indicators.source", `indicators(filter: {source: $v}) { id }`, "[String!]", empty},
		{"indicators.period", `indicators(filter: {period: {to: $v}}) { id }`, "Date", invalid},
		{"search.query", `search(query: $v) { totalCount hits { node { __typename } } }`, "String!", ordinary},
		{"search.region", `search(query: "", filter: {region: $v}) { totalCount }`, "[String!]", invalid},
		{"search.direction", `search(query: "", filter: {direction: $v}) { totalCount }`, "[String!]", invalid},
		{"search.organization", `search(query: "", filter: {organization: $v}) { totalCount }`, "[ID!]", invalid},
		{"search.after", `search(query: "", after: $v) { totalCount }`, "String", invalid},
		{"statistics.region", `statistics(measures: [PROJECTS], filter: {region: $v}) { rows { values } }`, "String", invalid},
		{"statistics.direction", `statistics(measures: [PROJECTS], filter: {direction: $v}) { rows { values } }`, "String", invalid},
		{"statistics.year", `statistics(measures: [PROJECTS], filter: {year: $v}) { rows { values } }`, "String", invalid},
		{"statistics.month", `statistics(measures: [PROJECTS], filter: {month: $v}) { rows { values } }`, "String", invalid},
		{"statistics.country", `statistics(measures: [UN_PLACEMENTS], filter: {country: $v}) { rows { values } }`, "String", invalid},
		{"statistics.source", `statistics(measures: [PROJECTS], filter: {source: $v}) { rows { values } }`, "String", empty},
		{"statistics.from", `statistics(measures: [PROJECTS], groupBy: [YEAR], filter: {from: $v}) { rows { values } }`, "String", invalid},
		{"statistics.to", `statistics(measures: [PROJECTS], groupBy: [YEAR], filter: {to: $v}) { rows { values } }`, "String", invalid},
	}
	for _, tc := range cases {
		for i, inj := range injections {
			want := tc.want
			if strings.ContainsRune(inj, 0) && tc.want != ordinary {
				want = invalid // PostgreSQL text cannot hold NUL; no filter may
			}
			var v any = inj
			if strings.HasPrefix(tc.typ, "[") {
				v = []string{inj}
			}
			// By variable, and written into the query as a literal.
			literal, _ := json.Marshal(v)
			for _, q := range []struct {
				how, query string
				opts       []client.Option
			}{
				{"variable", "query($v: " + tc.typ + ") { " + tc.query + " }", []client.Option{client.Var("v", v)}},
				{"literal", "{ " + strings.Replace(tc.query, "$v", string(literal), 1) + " }", nil},
			} {
				what := fmt.Sprintf("%s, injection %d by %s", tc.name, i, q.how)
				raw, err := e.admin.RawPost(q.query, q.opts...) // an admin reaches every filter, people's too
				if err != nil {
					t.Fatalf("%s: %v", what, err)
				}
				checkInjected(t, what, want, raw)
			}
		}
	}

	after := checksums(t, e.db)
	for table, sum := range before {
		if after[table] != sum {
			t.Errorf("table %s changed: %s → %s", table, sum, after[table])
		}
	}
	if len(after) != len(before) {
		t.Errorf("tables before: %d, after: %d", len(before), len(after))
	}
}

func checkInjected(t *testing.T, what, want string, raw *client.Response) {
	t.Helper()
	var errs []struct {
		Message    string
		Extensions struct{ Code string }
	}
	if len(raw.Errors) > 0 && string(raw.Errors) != "null" {
		if err := json.Unmarshal(raw.Errors, &errs); err != nil {
			t.Fatalf("%s: errors %s", what, raw.Errors)
		}
	}
	data, _ := json.Marshal(raw.Data)
	var codes []string
	for _, e := range errs {
		codes = append(codes, e.Extensions.Code)
	}
	sort.Strings(codes)
	switch want {
	case "BAD_USER_INPUT":
		if len(codes) == 0 || codes[0] != graph.CodeBadUserInput || codes[len(codes)-1] != graph.CodeBadUserInput {
			t.Errorf("%s: %v %s, want BAD_USER_INPUT", what, codes, data)
		}
	case "empty":
		if len(codes) > 0 || strings.Contains(string(data), `"id"`) || !strings.Contains(string(data), `"totalCount":0`) &&
			!strings.Contains(string(data), `"indicators":[]`) && !strings.Contains(string(data), `"rows":[]`) {
			t.Errorf("%s: %v %s, want an empty result", what, errs, data)
		}
	case "ordinary":
		for _, c := range codes {
			if c != graph.CodeBadUserInput {
				t.Errorf("%s: %v %s, want a result or BAD_USER_INPUT", what, errs, data)
			}
		}
		if len(codes) == 0 && !strings.Contains(string(data), `"totalCount"`) {
			t.Errorf("%s: %s", what, data)
		}
	}
	for _, e := range errs {
		if strings.Contains(e.Message, "SQL") || strings.Contains(e.Message, "pq:") || strings.Contains(e.Message, "ERROR:") {
			t.Errorf("%s: the error tells of SQL: %q", what, e.Message)
		}
	}
}
