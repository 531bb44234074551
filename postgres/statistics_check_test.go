package postgres_test

import (
	"context"
	"strings"
	"testing"

	hub "github.com/birgemiz/hub"
)

// The check finds a fresh build equal to a fresh count, then every kind of
// drift made by hand in the stored cells, and says when records changed
// after the build.
func TestCheckStatistics(t *testing.T) {
	t.Parallel()
	f := setupStats(t)
	ctx := context.Background()
	check := func() *hub.StatisticsCheck {
		t.Helper()
		c, err := f.stats.CheckStatistics(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	c := check()
	if c.Drift() != 0 || c.Stale || c.BuildID != f.build.ID || len(c.Measures) != len(hub.Measures) {
		t.Fatalf("fresh build: %+v", c)
	}
	cells := 0
	for _, m := range c.Measures {
		if m.Stored != m.Counted {
			t.Errorf("%s: stored %d, counted %d", m.Measure, m.Stored, m.Counted)
		}
		cells += m.Stored
	}
	if cells != f.build.Cells {
		t.Errorf("checked %d cells, the build has %d", cells, f.build.Cells)
	}

	exec := func(sql string) {
		t.Helper()
		if _, err := f.db.Pool.Exec(ctx, sql); err != nil {
			t.Fatal(err)
		}
	}
	// One cell per kind of drift, each in a measure of its own.
	exec(`UPDATE stat_cells SET people = people + 1 WHERE ctid = (SELECT ctid FROM stat_cells WHERE measure = 'VOLUNTEERS' AND people > 0 LIMIT 1)`)
	exec(`DELETE FROM stat_cells WHERE ctid = (SELECT ctid FROM stat_cells WHERE measure = 'PROJECTS' LIMIT 1)`)
	exec(`INSERT INTO stat_cells (build_id, measure, dims, keys, value, people, cell_key, sumsq)
		SELECT build_id, measure, dims, ARRAY['XX-00'], 1, 0, 0, 0 FROM stat_cells WHERE measure = 'ORGANIZATIONS' AND dims = 'REGION' LIMIT 1`)
	exec(`UPDATE stat_cells SET value = value + 0.5 WHERE ctid = (SELECT ctid FROM stat_cells WHERE measure = 'VOLUNTEER_HOURS' AND value > 1 LIMIT 1)`)
	c = check()
	want := map[hub.Measure][3]int{ // missing, extra, different
		hub.MeasureVolunteers: {0, 0, 1}, hub.MeasureProjects: {1, 0, 0},
		hub.MeasureOrganizations: {0, 1, 0}, hub.MeasureVolunteerHours: {0, 0, 1},
	}
	for _, m := range c.Measures {
		got := [3]int{m.Missing, m.Extra, m.Different}
		if got != want[m.Measure] {
			t.Errorf("%s: missing, extra, different = %v, want %v; %v", m.Measure, got, want[m.Measure], m.Examples)
		}
		if got != [3]int{} && (len(m.Examples) != 1 || !strings.Contains(m.Examples[0], string(m.Measure))) {
			t.Errorf("%s: examples %q", m.Measure, m.Examples)
		}
	}
	if c.Drift() != 4 || c.Stale {
		t.Errorf("drift %d, stale %v; want 4, false", c.Drift(), c.Stale)
	}

	// Records changed without a build to move make differences possibly
	// changes not counted yet.
	exec(`UPDATE stat_state SET uncounted_at = clock_timestamp()`)
	if c = check(); !c.Stale || c.Drift() != 4 {
		t.Errorf("after a batch: stale %v, drift %d; want true, 4", c.Stale, c.Drift())
	}
	// A rebuild repairs every cell.
	if _, err := f.stats.RebuildStatistics(ctx); err != nil {
		t.Fatal(err)
	}
	if c = check(); c.Drift() != 0 || c.Stale {
		t.Errorf("after a rebuild: %+v", c)
	}
}
