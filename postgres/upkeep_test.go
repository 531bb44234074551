package postgres_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	hub "github.com/birgemiz/hub"
	"github.com/birgemiz/hub/internal/testutil"
)

// TestUpkeepAnalyzesWhatALoadChanged: after a load that changes most of a
// table, Upkeep analyzes it (and vacuums it, as it grew past the insert
// threshold), so the planner sees the table's real size; a second call
// finds nothing left to do.
func TestUpkeepAnalyzesWhatALoadChanged(t *testing.T) {
	t.Parallel()
	db := testutil.NewDB(t)
	seed := testutil.NewSeeder(t, db, "akmola-portal")
	recs := []*hub.FeedRecord{testutil.Org("o1", "Доброе сердце", "KZ-11"), testutil.Project("p1", "o1", "Таза әлем", "KZ-11")}
	for i := range 1500 {
		recs = append(recs, testutil.Volunteer(fmt.Sprintf("v%d", i), "KZ-11"))
	}
	seed.Apply(recs...)
	ctx := context.Background()

	// The cumulative statistics reach pg_stat_user_tables within a second
	// or so of the writing transaction; until then nothing is due.
	var tables []string
	deadline := time.Now().Add(20 * time.Second)
	for !slices.Contains(tables, "volunteers") && time.Now().Before(deadline) {
		done, err := db.Upkeep(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, u := range done {
			tables = append(tables, u.Table)
			if u.Table == "volunteers" && !u.Vacuumed {
				t.Errorf("volunteers grew by 1500 rows from none and were analyzed but not vacuumed")
			}
		}
		time.Sleep(200 * time.Millisecond)
	}
	if !slices.Contains(tables, "volunteers") {
		t.Fatalf("upkeep did %v, never the volunteers table that grew by 1500 rows", tables)
	}
	var reltuples float64
	var analyzed bool
	if err := db.Pool.QueryRow(ctx, `SELECT c.reltuples, s.last_analyze IS NOT NULL OR s.last_autoanalyze IS NOT NULL
		FROM pg_class c JOIN pg_stat_user_tables s ON s.relid = c.oid WHERE c.relname = 'volunteers'`).Scan(&reltuples, &analyzed); err != nil {
		t.Fatal(err)
	}
	if reltuples != 1500 || !analyzed {
		t.Errorf("volunteers: the planner believes %v rows (analyzed %v), want 1500", reltuples, analyzed)
	}
	done, err := db.Upkeep(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range done {
		if u.Table == "volunteers" {
			t.Errorf("a second upkeep with no change since did %+v again", u)
		}
	}
}
