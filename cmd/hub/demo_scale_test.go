package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	hub "github.com/birgemiz/hub"
	"github.com/birgemiz/hub/demo"
)

func TestDemoScaleFlags(t *testing.T) {
	noEnv := func(string) string { return "" }
	for _, c := range []struct {
		args []string
		want []string
	}{
		{[]string{"demo", "--scale", "city"}, []string{`unknown scale "city"`, "region, metro, national"}},
		{[]string{"demo", "--scale", ""}, []string{`unknown scale ""`, "region, metro, national"}},
		{[]string{"demo", "--scale", "region", "--volunteers", "50"}, []string{"--scale and --volunteers", "region: 10,000", "metro: 100,000", "national: 1,000,000"}},
		{[]string{"demo", "--revision", "1"}, []string{"--revision", "give --scale too"}},
		{[]string{"demo", "--scale", "region", "--revision", "-1"}, []string{"--revision -1", "from 0"}},
	} {
		// The flags are checked before anything is opened: no database is needed.
		out, err := runHub(t, noEnv, c.args...)
		if err == nil {
			t.Errorf("%v: no error\n%s", c.args, out)
			continue
		}
		for _, w := range c.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%v: error %q does not say %q", c.args, err, w)
			}
		}
	}
}

// TestDemoScaleRegionLoads loads the region scale through the pipeline and
// checks the database holds what the generator made, every reference
// resolved, and search and statistics caught up.
func TestDemoScaleRegionLoads(t *testing.T) {
	cfg, err := LoadConfig(testEnv(t))
	if err != nil {
		t.Fatal(err)
	}
	var out, logs bytes.Buffer
	m := NewMain(cfg, newLogger(cfg, &logs), &out, &logs)
	t.Cleanup(m.Close)
	ctx := context.Background()
	start := time.Now()
	if err := m.runDemo(ctx, []string{"--scale", "region", "--load-only"}); err != nil {
		t.Fatalf("demo --scale region: %v\n%s\n%s", err, out.String(), logs.String())
	}
	t.Logf("region scale loaded in %s:\n%s", time.Since(start), out.String())
	if testing.Verbose() {
		t.Logf("logs:\n%s", logs.String())
	}
	for _, w := range []string{"records applied: 61,472", "records/s", "search index up to date", "statistics rebuilt", "loaded and queryable"} {
		if !strings.Contains(out.String(), w) {
			t.Errorf("output does not say %q", w)
		}
	}

	sc, _ := demo.ScaleNamed("region")
	want := demo.NewScaleGenerator(sc).Counts()
	db := m.DB.Pool
	var failed, stale, batches int
	if err := db.QueryRow(ctx, `SELECT coalesce(sum(failed), 0), coalesce(sum(stale), 0), count(*) FROM batches WHERE status = 'done'`).Scan(&failed, &stale, &batches); err != nil {
		t.Fatal(err)
	}
	if failed != 0 || stale != 0 || batches < 8 {
		t.Errorf("%d batches done, %d failed and %d stale records", batches, failed, stale)
	}
	// What the source reported, and what the tables hold of it: no two of
	// its records were taken for one.
	for typ, table := range map[hub.RecordType]string{hub.TypeOrganization: "organizations", hub.TypeProject: "projects",
		hub.TypeVolunteer: "volunteers", hub.TypeParticipation: "participations", hub.TypeUNPlacement: "un_placements", hub.TypeIndicator: "indicators"} {
		var reported, rows int
		if err := db.QueryRow(ctx, `SELECT count(DISTINCT p.record_id) FROM provenance p JOIN sources s ON s.id = p.source_id
			WHERE s.name = $1 AND p.record_type = $2 AND p.deleted_at IS NULL`, sc.Source().Name, string(typ)).Scan(&reported); err != nil {
			t.Fatal(err)
		}
		if err := db.QueryRow(ctx, `SELECT count(*) FROM `+table+` t JOIN sources s ON s.id = t.source_id WHERE s.name = $1 AND t.deleted_at IS NULL`,
			sc.Source().Name).Scan(&rows); err != nil {
			t.Fatal(err)
		}
		if reported != want[typ] || rows != want[typ] {
			t.Errorf("%s: %d records reported, %d rows; generated %d", typ, reported, rows, want[typ])
		}
	}
	checks := map[string]string{
		"participations without their volunteer or project": `SELECT count(*) FROM participations WHERE volunteer_id IS NULL OR project_id IS NULL`,
		"memberships without their organization":            `SELECT count(*) FROM volunteer_organizations WHERE organization_id IS NULL`,
		"projects without their organization":               `SELECT count(*) FROM projects WHERE organization_ref IS NOT NULL AND organization_id IS NULL`,
		"placements without their volunteer":                `SELECT count(*) FROM un_placements WHERE volunteer_ref IS NOT NULL AND volunteer_id IS NULL`,
		"projects whose volunteers_engaged or hours disagree with their participations": `
			SELECT count(*) FROM projects p JOIN sources s ON s.id = p.source_id
				LEFT JOIN (SELECT project_id, count(DISTINCT volunteer_id) n, sum(hours) h FROM participations GROUP BY 1) c ON c.project_id = p.id
			WHERE s.name = 'synthetic-region' AND p.volunteers_engaged IS NOT NULL AND (p.volunteers_engaged <> coalesce(c.n, 0) OR p.volunteer_hours <> coalesce(c.h, 0))`,
		"organizations whose volunteer_count disagrees with their members": `
			SELECT count(*) FROM organizations o JOIN sources s ON s.id = o.source_id
				LEFT JOIN (SELECT organization_id, count(*) n FROM volunteer_organizations GROUP BY 1) c ON c.organization_id = o.id
			WHERE s.name = 'synthetic-region' AND o.volunteer_count <> coalesce(c.n, 0)`,
		"regions without volunteers": `SELECT count(*) FROM regions r WHERE NOT EXISTS (SELECT 1 FROM volunteers v WHERE v.region_code = r.code)`,
		"search changes not indexed": `SELECT count(*) FROM search_outbox`,
	}
	for what, q := range checks {
		var n int
		err := db.QueryRow(ctx, q).Scan(&n)
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		if n != 0 {
			t.Errorf("%d %s", n, what)
		}
	}
	var personal int
	if err := db.QueryRow(ctx, `SELECT count(*) FROM volunteer_personal`).Scan(&personal); err != nil || personal < 500 || personal > 1500 {
		t.Errorf("%d personal parts of 10,000 volunteers, want about a tenth: %v", personal, err)
	}
	if stale, err := m.Services.Statistics.StatisticsStale(ctx); err != nil || stale {
		t.Errorf("statistics stale after the load: %v, %v", stale, err)
	}
	versions, err := m.Search.Versions(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var searchable int
	if err := db.QueryRow(ctx, `SELECT (SELECT count(*) FROM projects WHERE deleted_at IS NULL) + (SELECT count(*) FROM organizations WHERE deleted_at IS NULL)
		+ (SELECT count(*) FROM un_placements WHERE deleted_at IS NULL)`).Scan(&searchable); err != nil {
		t.Fatal(err)
	}
	if len(versions) != searchable {
		t.Errorf("%d documents in the search index, %d searchable records", len(versions), searchable)
	}

	// The next night's snapshot: about 1% of the records changed, the rest
	// unchanged, and the statistics moved by exactly the change.
	var before time.Time
	if err := db.QueryRow(ctx, `SELECT max(received_at) FROM batches`).Scan(&before); err != nil {
		t.Fatal(err)
	}
	// A process of its own, as the next night's `hub demo` would be: a
	// Main starts its workers once.
	m.Close()
	out.Reset()
	m = NewMain(cfg, newLogger(cfg, &logs), &out, &logs)
	t.Cleanup(m.Close)
	if err := m.runDemo(ctx, []string{"--scale", "region", "--revision", "1", "--load-only"}); err != nil {
		t.Fatalf("demo --scale region --revision 1: %v\n%s", err, out.String())
	}
	db = m.DB.Pool
	var created, updated, unchanged, total int
	if err := db.QueryRow(ctx, `SELECT sum(created), sum(updated), sum(unchanged), sum(stale) + sum(failed) + sum(deleted), sum(lines)
		FROM batches WHERE received_at > $1`, before).Scan(&created, &updated, &unchanged, &stale, &total); err != nil {
		t.Fatal(err)
	}
	changing := want[hub.TypeVolunteer] + want[hub.TypeParticipation] + want[hub.TypeProject]
	if created != 0 || stale != 0 || updated+unchanged != total || updated < changing/200 || updated > changing*3/200 {
		t.Errorf("revision 1 of %d records: %d created, %d updated, %d unchanged, %d stale, failed or deleted; want about %d updated, the rest unchanged",
			total, created, updated, unchanged, stale, changing/100)
	}
	check, err := m.Services.Statistics.CheckStatistics(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if check.Stale || check.Drift() != 0 {
		t.Errorf("after revision 1 the statistics differ from a fresh count: stale %v, %d cells differ: %+v", check.Stale, check.Drift(), check.Measures)
	}
}
