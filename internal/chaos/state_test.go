package chaos_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// ext is the SQL naming the record of type typ whose id is expr by its
// provenance: "source/external id" (several, joined, when sources share it).
func ext(typ, expr string) string {
	return fmt.Sprintf(`(SELECT string_agg(s.name || '/' || p.external_id, '|' ORDER BY s.name, p.external_id)
		FROM provenance p JOIN sources s ON s.id = p.source_id WHERE p.record_type = '%s' AND p.record_id = %s)`, typ, expr)
}

const srcName = `(SELECT name FROM sources WHERE id = t.source_id)`

// stateQueries dump every domain table without what differs between two
// databases that hold the same records: ids (replaced by the external ids
// of the records they name), the hub's own timestamps (replaced by whether
// the record is deleted), and provenance's first and last seen.
var stateQueries = map[string]string{
	"organizations": `SELECT (to_jsonb(t) - '{id,source_id,created_at,updated_at,deleted_at}'::text[])
		|| jsonb_build_object('key', ` + ext("organization", "t.id") + `, 'source', ` + srcName + `, 'deleted', t.deleted_at IS NOT NULL) FROM organizations t`,
	"projects": `SELECT (to_jsonb(t) - '{id,source_id,organization_id,created_at,updated_at,deleted_at}'::text[])
		|| jsonb_build_object('key', ` + ext("project", "t.id") + `, 'source', ` + srcName + `, 'deleted', t.deleted_at IS NOT NULL,
			'organization', ` + ext("organization", "t.organization_id") + `) FROM projects t`,
	"volunteers": `SELECT (to_jsonb(t) - '{id,source_id,created_at,updated_at,deleted_at}'::text[])
		|| jsonb_build_object('key', ` + ext("volunteer", "t.id") + `, 'source', ` + srcName + `, 'deleted', t.deleted_at IS NOT NULL) FROM volunteers t`,
	// The personal part is sealed with a random nonce: compared by its
	// presence and key here (the values, opened, by the test's own check).
	"volunteer_personal": `SELECT (to_jsonb(t) - '{volunteer_id,updated_at,sealed}'::text[])
		|| jsonb_build_object('volunteer', ` + ext("volunteer", "t.volunteer_id") + `) FROM volunteer_personal t`,
	"volunteer_organizations": `SELECT (to_jsonb(t) - '{volunteer_id,source_id,organization_id}'::text[])
		|| jsonb_build_object('volunteer', ` + ext("volunteer", "t.volunteer_id") + `, 'source', ` + srcName + `,
			'organization', ` + ext("organization", "t.organization_id") + `) FROM volunteer_organizations t`,
	"participations": `SELECT (to_jsonb(t) - '{id,source_id,volunteer_id,project_id,created_at,updated_at,deleted_at}'::text[])
		|| jsonb_build_object('key', ` + ext("participation", "t.id") + `, 'source', ` + srcName + `, 'deleted', t.deleted_at IS NOT NULL,
			'volunteer', ` + ext("volunteer", "t.volunteer_id") + `, 'project', ` + ext("project", "t.project_id") + `) FROM participations t`,
	"un_placements": `SELECT (to_jsonb(t) - '{id,source_id,volunteer_id,created_at,updated_at,deleted_at}'::text[])
		|| jsonb_build_object('key', ` + ext("un_placement", "t.id") + `, 'source', ` + srcName + `, 'deleted', t.deleted_at IS NOT NULL,
			'volunteer', ` + ext("volunteer", "t.volunteer_id") + `) FROM un_placements t`,
	"indicators": `SELECT (to_jsonb(t) - '{id,source_id,created_at,updated_at,deleted_at}'::text[])
		|| jsonb_build_object('key', ` + ext("indicator", "t.id") + `, 'source', ` + srcName + `, 'deleted', t.deleted_at IS NOT NULL) FROM indicators t`,
	"provenance": `SELECT (to_jsonb(t) - '{record_id,source_id,first_seen,last_seen,deleted_at}'::text[])
		|| jsonb_build_object('source', ` + srcName + `, 'deleted', t.deleted_at IS NOT NULL) FROM provenance t`,
	"volunteer_identities": `SELECT (to_jsonb(t) - '{volunteer_id}'::text[])
		|| jsonb_build_object('volunteer', ` + ext("volunteer", "t.volunteer_id") + `) FROM volunteer_identities t`,
}

// state is a database's records, table by table, each row as JSON, sorted.
type state map[string][]string

func (s state) rows() int {
	n := 0
	for _, rows := range s {
		n += len(rows)
	}
	return n
}

func (s state) summary() string {
	var parts []string
	for _, table := range []string{"organizations", "projects", "volunteers", "volunteer_personal", "volunteer_organizations",
		"participations", "un_placements", "indicators", "provenance", "volunteer_identities"} {
		parts = append(parts, fmt.Sprintf("%s %d", table, len(s[table])))
	}
	return strings.Join(parts, ", ")
}

// dumpState reads every domain table of the database behind pool.
func dumpState(tb testing.TB, pool *pgxpool.Pool) state {
	tb.Helper()
	out := state{}
	for table, q := range stateQueries {
		rows, _ := pool.Query(context.Background(), `SELECT r::text FROM (`+q+`) AS x(r) ORDER BY 1`)
		got, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			tb.Fatalf("dump %s: %v", table, err)
		}
		out[table] = got
	}
	return out
}

// assertSameState fails the test when got differs from want, showing the
// differing records (-want +got), capped so that a wholesale difference
// stays readable.
func assertSameState(tb testing.TB, want, got state) {
	tb.Helper()
	if diff := cmp.Diff(want, got); diff != "" {
		if len(diff) > 6000 {
			diff = diff[:6000] + "\n… (diff truncated)"
		}
		tb.Errorf("database differs from the feeds applied once, cleanly (-want +got):\n%s", diff)
		return
	}
	tb.Logf("database equals the feeds applied once, cleanly: %d rows (%s)", got.rows(), got.summary())
}
