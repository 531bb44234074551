package workers_test

import (
	"context"
	"log/slog"
	"testing"
	"time"

	hub "github.com/birgemiz/hub"
	"github.com/birgemiz/hub/postgres"
	"github.com/birgemiz/hub/workers"
)

// TestStatisticsFollowBatches: after a batch applies, the workers rebuild
// the statistics rollups on their own (debounced), so a statistics answer
// counts the batch's records.
func TestStatisticsFollowBatches(t *testing.T) {
	f := setup(t)
	stats := postgres.NewStatisticsService(f.db)
	w := workers.New(f.cfg, workers.Deps{Batches: f.batches, Sources: postgres.NewSourceService(f.db),
		Log: slog.New(slog.DiscardHandler), Now: f.db.Now, Statistics: stats})
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w.Shutdown)
	ctx := context.Background()
	first, err := stats.RebuildStatistics(ctx) // an empty hub: nothing counted
	if err != nil {
		t.Fatal(err)
	}

	b := f.store(t, goodFeed)
	if _, err := f.queue.EnqueueBatch(ctx, b.ID); err != nil {
		t.Fatal(err)
	}
	f.waitDone(t, b.ID)
	start := time.Now()
	deadline := start.Add(workers.StatsDebounce + 20*time.Second)
	for {
		s, err := stats.Statistics(ctx, hub.StatisticsQuery{Measures: []hub.Measure{hub.MeasureProjects}, Total: true}, false)
		if err != nil {
			t.Fatal(err)
		}
		if s.AsOf.After(first.AsOf) {
			if n := len(s.Rows); n != 1 || s.Rows[0].Values[0] == nil || *s.Rows[0].Values[0] != 2 {
				t.Fatalf("after the rebuild: %d rows, want the total of 2 projects", n)
			}
			t.Logf("statistics rebuilt %s after the batch finished", time.Since(start).Round(100*time.Millisecond))
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the statistics were not rebuilt after the batch")
		}
		time.Sleep(100 * time.Millisecond)
	}
	if stale, err := stats.StatisticsStale(ctx); err != nil || stale {
		t.Fatalf("stale %v, %v after the rebuild", stale, err)
	}
}
