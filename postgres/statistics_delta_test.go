package postgres_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	hub "github.com/birgemiz/hub"
	"github.com/birgemiz/hub/internal/testutil"
	"github.com/birgemiz/hub/postgres"
)

// mustEqualRebuild fails unless the current build is build and equals a
// fresh count, cell by cell, and is not stale.
func mustEqualRebuild(t *testing.T, stats *postgres.StatisticsService, build int64, step string) *hub.StatisticsCheck {
	t.Helper()
	c, err := stats.CheckStatistics(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if c.BuildID != build {
		t.Fatalf("%s: build %d is current, want %d (the change was counted by a rebuild, not into the build)", step, c.BuildID, build)
	}
	if c.Stale {
		t.Errorf("%s: the build is stale", step)
	}
	if c.Drift() != 0 {
		for _, m := range c.Measures {
			if m.Missing+m.Extra+m.Different > 0 {
				t.Errorf("%s: %s: %d missing, %d extra, %d different: %q", step, m.Measure, m.Missing, m.Extra, m.Different, m.Examples)
			}
		}
	}
	return c
}

func unPlacement(id, volunteerRef, country string) *hub.FeedRecord {
	start := time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)
	return &hub.FeedRecord{Type: hub.TypeUNPlacement, ExternalID: id, VolunteerRef: volunteerRef, UNPlacement: &hub.UNPlacement{
		HostEntity: "UNDP", Country: country, StartDate: &start, Status: hub.StatusActive, Title: hub.LocalizedText{EN: "Placement " + id}}}
}

// later returns r stamped an hour after the seeders' time, n times over:
// a newer version of a record.
func later(r *hub.FeedRecord, n int) *hub.FeedRecord {
	r.UpdatedAt = time.Date(2026, 1, 13, 10, 0, 0, 0, time.UTC).Add(time.Duration(n) * time.Hour)
	return r
}

func withIIN(r *hub.FeedRecord, iin string) *hub.FeedRecord {
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	r.Personal = &hub.VolunteerPersonal{IIN: iin, ConsentRef: "c", ConsentAt: &at}
	return r
}

// TestStatisticsFollowEveryKindOfChange: each kind of change a batch or a
// sweep makes is counted into the current build as it applies, and the
// build stays equal to a full rebuild cell by cell: new records,
// references that arrive before their targets, changes of every dimension,
// a person reported by a second source, deletions, and a snapshot sweep.
func TestStatisticsFollowEveryKindOfChange(t *testing.T) {
	t.Parallel()
	f := setupStats(t)
	ctx := context.Background()
	a, b := testutil.NewSeeder(t, f.db, "delta-a"), testutil.NewSeeder(t, f.db, "delta-b")
	asOf := mustEqualRebuild(t, f.stats, f.build.ID, "the demo").AsOf
	step := func(name string, apply func()) {
		t.Helper()
		apply()
		c := mustEqualRebuild(t, f.stats, f.build.ID, name)
		if !c.AsOf.After(asOf) {
			t.Errorf("%s: as of %s, not after %s", name, c.AsOf, asOf)
		}
		asOf = c.AsOf
	}

	step("new records, some referring to records not there yet", func() {
		recs := []*hub.FeedRecord{testutil.Org("oa", "Delta", "KZ-11"), testutil.Project("pa", "oa", "Delta", "KZ-11"),
			testutil.Project("pb", "ob", "Delta later", "KZ-75")}
		for i := range 14 {
			id := fmt.Sprintf("va%d", i)
			recs = append(recs, testutil.Volunteer(id, "KZ-11", "oa"), testutil.Participation("p"+id, id, "pa", float64(i)+0.5))
		}
		recs = append(recs, testutil.Participation("pearly", "vlate", "pb", 3.25), unPlacement("ua", "vlate", "TJ"),
			unPlacement("ub", "", "KG"))
		withIIN(recs[3], "990101300001") // va0
		a.Apply(recs...)
	})
	step("the referenced records arrive", func() {
		late := testutil.Org("ob", "Delta late", "KZ-75")
		late.Organization.Kind = hub.OrgUniversity
		a.Apply(late, testutil.Volunteer("vlate", "KZ-75", "ob"))
	})
	step("an organization's kind changes its projects' and volunteers' cells", func() {
		org := later(testutil.Org("oa", "Delta", "KZ-11"), 1)
		org.Organization.Kind, org.Organization.Directions = hub.OrgStateBody, []string{"HEALTH", "EDUCATION"}
		a.Apply(org)
	})
	step("every other dimension changes", func() {
		prj := later(testutil.Project("pa", "oa", "Delta", "KZ-19"), 1)
		prj.Project.Directions = []string{"HEALTH"}
		v := later(testutil.Volunteer("va1", "KZ-75"), 1) // no longer with oa
		year := 1960
		v.Volunteer.Gender, v.Volunteer.BirthYear = hub.GenderMale, &year
		moved := later(testutil.Participation("pva2", "va3", "pb", 40), 1)
		a.Apply(prj, v, moved)
	})
	step("a second source reports the same person", func() {
		b.Apply(withIIN(testutil.Volunteer("b-same", "KZ-11"), "990101300001"), testutil.Volunteer("b-own", "KZ-19"))
	})
	step("deletions", func() {
		del := func(t hub.RecordType, id string) *hub.FeedRecord {
			return later(&hub.FeedRecord{Type: t, ExternalID: id, Op: hub.OpDelete}, 2)
		}
		a.Apply(del(hub.TypeVolunteer, "va4"), del(hub.TypeParticipation, "pva5"), del(hub.TypeProject, "pb"),
			del(hub.TypeUNPlacement, "ub"))
		b.Apply(del(hub.TypeVolunteer, "b-same"))
	})
	step("a snapshot sweeps what the source no longer lists", func() {
		n, err := postgres.NewBatchService(f.db).SweepSnapshot(ctx, a.Source.ID,
			[]hub.RecordType{hub.TypeVolunteer, hub.TypeParticipation, hub.TypeOrganization}, time.Now().Add(time.Hour), 0)
		if err != nil || n == 0 {
			t.Fatalf("sweep: %d deleted, %v", n, err)
		}
	})
	// A batch of records that did not change moves nothing.
	before := asOf
	a.Apply(testutil.Project("pa", "oa", "Delta", "KZ-11")) // older than the version applied
	if c := mustEqualRebuild(t, f.stats, f.build.ID, "a stale record"); !c.AsOf.Equal(before) {
		t.Errorf("a batch that changed nothing moved as of from %s to %s", before, c.AsOf)
	}
}

// TestStatisticsRebuildWhileRecordsChange: batches applied while a rebuild
// counts are never lost: either the rebuild's snapshot holds them, or they
// are counted into the build it replaces and the rebuild counts again.
func TestStatisticsRebuildWhileRecordsChange(t *testing.T) {
	t.Parallel()
	f := setupStats(t)
	ctx := context.Background()
	seed := testutil.NewSeeder(t, f.db, "busy-platform")
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := range 20 {
			id := fmt.Sprintf("busy%d", i)
			seed.Apply(testutil.Volunteer(id, "KZ-11"), testutil.Participation("p"+id, id, "no-such-project", 2),
				unPlacement("u"+id, id, "UZ"))
		}
	}()
	for range 3 {
		if _, err := f.stats.RebuildStatistics(ctx); err != nil {
			t.Fatal(err)
		}
	}
	wg.Wait()
	c, err := f.stats.CheckStatistics(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if c.Stale || c.Drift() != 0 {
		t.Fatalf("after rebuilds during batches: stale %v, drift %d", c.Stale, c.Drift())
	}
	var n int
	if err := f.db.Pool.QueryRow(ctx, `SELECT count(*) FROM stat_builds`).Scan(&n); err != nil || n != 1 {
		t.Errorf("%d builds kept (%v), want the current one", n, err)
	}
}

// TestStatisticsWithoutBuildAreStale: changes made while there is no build
// are noted, and the next build is not stale.
func TestStatisticsWithoutBuildAreStale(t *testing.T) {
	t.Parallel()
	db := testutil.NewDB(t)
	stats := postgres.NewStatisticsService(db)
	ctx := context.Background()
	testutil.NewSeeder(t, db, "first").Apply(testutil.Volunteer("v1", "KZ-11"))
	if stale, err := stats.StatisticsStale(ctx); err != nil || !stale {
		t.Fatalf("no build: stale %v, %v", stale, err)
	}
	b, err := stats.RebuildStatistics(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if stale, err := stats.StatisticsStale(ctx); err != nil || stale {
		t.Fatalf("after a build: stale %v, %v", stale, err)
	}
	testutil.NewSeeder(t, db, "second").Apply(testutil.Volunteer("v2", "KZ-19"))
	mustEqualRebuild(t, stats, b.ID, "a batch after the build")
}

// TestStatisticsOfABatchAppearWhenItFinishes: a batch's chunks are counted
// as they apply and written when the batch finishes, all at once; a batch
// finished by a process that did not apply all of its chunks (the worker
// that did died) leaves the statistics stale, and a rebuild repairs them.
func TestStatisticsOfABatchAppearWhenItFinishes(t *testing.T) {
	t.Parallel()
	db := testutil.NewDB(t)
	ctx := context.Background()
	stats := postgres.NewStatisticsService(db)
	testutil.NewSeeder(t, db, "warm").Apply(testutil.Volunteer("w1", "KZ-11"))
	build, err := stats.RebuildStatistics(ctx)
	if err != nil {
		t.Fatal(err)
	}
	src := testutil.NewSeeder(t, db, "chunky").Source
	total := func() float64 {
		t.Helper()
		s, err := postgres.NewStatisticsService(db).Statistics(ctx, hub.StatisticsQuery{Measures: []hub.Measure{hub.MeasureVolunteers}, Total: true}, true)
		if err != nil {
			t.Fatal(err)
		}
		return *s.Rows[len(s.Rows)-1].Values[0]
	}
	// applyChunks applies recs as a batch of one chunk per record through
	// batches, and returns the batch's id.
	applyChunks := func(batches *postgres.BatchService, recs ...*hub.FeedRecord) string {
		t.Helper()
		b := &hub.Batch{SourceID: src.ID, Lines: len(recs)}
		if err := batches.CreateBatch(ctx, b, []byte("chunks")); err != nil {
			t.Fatal(err)
		}
		if _, err := batches.StartBatch(ctx, b.ID); err != nil {
			t.Fatal(err)
		}
		for i, r := range recs {
			r.Line, r.Op, r.UpdatedAt, r.Hash = i+1, hub.OpUpsert, time.Date(2026, 1, 13, 10, 0, 0, 0, time.UTC), []byte(r.ExternalID)
			if _, err := batches.ApplyChunk(ctx, b.ID, &hub.Chunk{FromLine: i, ToLine: i + 1, Records: []*hub.FeedRecord{r}}); err != nil {
				t.Fatal(err)
			}
		}
		return b.ID
	}
	batches := postgres.NewBatchService(db)
	id := applyChunks(batches, testutil.Volunteer("c1", "KZ-11"), testutil.Volunteer("c2", "KZ-19"), testutil.Volunteer("c3", "KZ-75"))
	if got := total(); got != 1 {
		t.Errorf("before the batch finished: %v volunteers, want 1 (its chunks are written with it)", got)
	}
	if err := batches.FinishBatch(ctx, id, hub.BatchDone, ""); err != nil {
		t.Fatal(err)
	}
	if got := total(); got != 4 {
		t.Errorf("after the batch finished: %v volunteers, want 4", got)
	}
	mustEqualRebuild(t, stats, build.ID, "a batch of three chunks")

	// Another process finishes a batch whose chunks this one applied.
	id = applyChunks(batches, testutil.Volunteer("c4", "KZ-11"), testutil.Volunteer("c5", "KZ-11"))
	other := postgres.NewDB(db.URL)
	other.Keys = testutil.Keys(t)
	if err := other.Open(ctx); err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	if err := postgres.NewBatchService(other).FinishBatch(ctx, id, hub.BatchDone, ""); err != nil {
		t.Fatal(err)
	}
	if stale, err := stats.StatisticsStale(ctx); err != nil || !stale {
		t.Fatalf("a batch finished without its chunks' statistics: stale %v, %v; want stale", stale, err)
	}
	rebuilt, err := stats.RebuildStatistics(ctx)
	if err != nil {
		t.Fatal(err)
	}
	mustEqualRebuild(t, stats, rebuilt.ID, "the rebuild after a lost batch")
	if got := total(); got != 6 {
		t.Errorf("after the rebuild: %v volunteers, want 6", got)
	}
}
