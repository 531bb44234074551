package postgres_test

import (
	"context"
	"strings"
	"testing"
	"time"

	hub "github.com/birgemiz/hub"
	"github.com/birgemiz/hub/internal/testutil"
	"github.com/birgemiz/hub/postgres"
)

// TestCountsStayExact: a count asked again while nothing changed costs one
// small statement and no scan; after any write a count may read (a
// record, a deletion, a write in a transaction still open while the count
// is cached, a membership a filter reads) the next count is exact again.
func TestCountsStayExact(t *testing.T) {
	t.Parallel()
	stmts := &testutil.StatementCounter{}
	db := testutil.NewDBWith(t, func(db *postgres.DB) { db.Tracer = stmts })
	seed := testutil.NewSeeder(t, db, "akmola-portal")
	seed.Apply(testutil.Org("o1", "Доброе сердце", "KZ-11"), testutil.Org("o2", "Jas Otan", "KZ-11"),
		testutil.Volunteer("v1", "KZ-11", "o1"), testutil.Volunteer("v2", "KZ-11"), testutil.Volunteer("v3", "KZ-75"))
	ctx := context.Background()
	vols := postgres.NewVolunteerService(db)
	orgs := postgres.NewOrganizationService(db)
	o1, err := orgs.FindOrganizations(ctx, hub.OrganizationFilter{}, hub.OrganizationOrder{}, hub.Page{First: 1})
	if err != nil || len(o1.Edges) != 1 {
		t.Fatal(o1, err)
	}
	inKZ11 := hub.VolunteerFilter{Scope: hub.AllPeople, Regions: []string{"KZ-11"}}
	inO1 := hub.VolunteerFilter{Scope: hub.AllPeople, OrganizationIDs: []int64{o1.Edges[0].Node.ID}}
	want := func(what string, f hub.VolunteerFilter, n int) []string {
		t.Helper()
		stmts.Reset()
		got, err := vols.CountVolunteers(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		if got != n {
			t.Errorf("%s: %d volunteers, want %d", what, got, n)
		}
		return stmts.Statements()
	}
	want("first count", inKZ11, 2)
	if s := want("same count again", inKZ11, 2); len(s) != 1 || strings.Contains(s[0], "volunteers") {
		t.Errorf("a count asked again with no change ran %q, want the fingerprint alone", s)
	}
	want("another filter", inO1, 1)

	later := time.Date(2026, 1, 20, 0, 0, 0, 0, time.UTC)
	v4 := testutil.Volunteer("v4", "KZ-11", "o1")
	v4.UpdatedAt = later
	seed.Apply(v4)
	want("after a new volunteer", inKZ11, 3)
	want("after a new membership", inO1, 2)

	// A write whose transaction is open while the count is cached, and
	// commits after: the count it caused to be cached must not outlive it.
	tx, err := db.Pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, `UPDATE volunteers SET deleted_at = now() WHERE region_code = 'KZ-75'`); err != nil {
		t.Fatal(err)
	}
	all := hub.VolunteerFilter{Scope: hub.AllPeople}
	want("all, while a deletion is uncommitted", all, 4)
	want("all again, still uncommitted", all, 4)
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	want("all, after the deletion committed", all, 3)

	del := &hub.FeedRecord{Type: hub.TypeVolunteer, ExternalID: "v2", Op: hub.OpDelete, UpdatedAt: later}
	seed.Apply(del)
	want("after a deletion", inKZ11, 2)
	want("all, after a deletion", all, 2)

	// Folding the change log leaves every count exact.
	if _, err := db.Pool.Exec(ctx, `INSERT INTO record_changes SELECT FROM generate_series(1, 1200)`); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Upkeep(ctx); err != nil {
		t.Fatal(err)
	}
	var left int
	if err := db.Pool.QueryRow(ctx, `SELECT count(*) FROM record_changes`).Scan(&left); err != nil || left != 1 {
		t.Fatalf("record_changes holds %d rows after upkeep (%v), want 1", left, err)
	}
	want("after the fold", inKZ11, 2)
	seed.Apply(testutil.Volunteer("v5", "KZ-11"))
	want("after the fold and a new volunteer", inKZ11, 3)
}
