package workers_test

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/birgemiz/hub/postgres"
	"github.com/birgemiz/hub/search"
	"github.com/birgemiz/hub/workers"
)

// searchFixture runs workers that own an embedded index, as `hub serve` does.
func searchFixture(t *testing.T) (*fixture, *workers.Indexer) {
	t.Helper()
	f := setup(t)
	engine, err := search.OpenBleve(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { engine.Close() })
	ix := &workers.Indexer{Engine: engine, Outbox: postgres.NewSearchOutboxService(f.db),
		Projects: postgres.NewProjectService(f.db), Organizations: postgres.NewOrganizationService(f.db),
		UNPlacements: postgres.NewUNPlacementService(f.db), Log: slog.New(slog.DiscardHandler)}
	w := workers.New(f.cfg, workers.Deps{Batches: f.batches, Sources: postgres.NewSourceService(f.db), Log: slog.New(slog.DiscardHandler), Now: f.db.Now, Indexer: ix})
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w.Shutdown)
	return f, ix
}

// searchable waits until query finds want documents, and returns how long that took.
func searchable(t *testing.T, e search.Engine, query string, want int) time.Duration {
	t.Helper()
	start := time.Now()
	for time.Since(start) < 10*time.Second {
		res, err := e.Search(context.Background(), search.Query{Text: query, Limit: 10})
		if err != nil {
			t.Fatal(err)
		}
		if res.Total == want {
			return time.Since(start)
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("%q never found %d documents", query, want)
	return 0
}

func TestChangesReachTheIndex(t *testing.T) {
	f, ix := searchFixture(t)
	ctx := context.Background()

	b := f.store(t, goodFeed)
	start := time.Now()
	if _, err := f.queue.EnqueueBatch(ctx, b.ID); err != nil {
		t.Fatal(err)
	}
	f.waitDone(t, b.ID)
	applied := time.Since(start)
	lag := searchable(t, ix.Engine, "Теплые встречи", 1)
	t.Logf("batch applied in %s; searchable %s later", applied, lag)
	if lag > 2*time.Second {
		t.Errorf("a change took %s to become searchable; the target is 2 s", lag)
	}
	searchable(t, ix.Engine, "eriktiler", 0) // volunteers are never indexed
	if res, _ := ix.Engine.Search(ctx, search.Query{Text: "", Limit: 10}); res.Total != 3 {
		t.Fatalf("indexed %d documents, want 3 (1 organization, 2 projects; no volunteer)", res.Total)
	}

	// An update and a delete reach it too.
	b = f.store(t, `{"type":"project","id":"prj-1","updated_at":"2026-01-14T10:00:00Z","data":{"title":{"ru":"Тёплые встречи с ветеранами"},"region":"KZ-11","status":"ACTIVE"}}
{"type":"project","id":"prj-2","op":"delete","updated_at":"2026-01-14T10:00:00Z"}
`)
	if _, err := f.queue.EnqueueBatch(ctx, b.ID); err != nil {
		t.Fatal(err)
	}
	f.waitDone(t, b.ID)
	searchable(t, ix.Engine, "ветеранами", 1)
	searchable(t, ix.Engine, "Таза әлем", 0)
	if err := ix.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if n, err := ix.Outbox.PendingSearchChanges(ctx); err != nil || n != 0 {
		t.Fatalf("outbox holds %d changes after sync (%v)", n, err)
	}
}

func TestCheckFindsAndRepairsDrift(t *testing.T) {
	f, ix := searchFixture(t)
	ctx := context.Background()
	b := f.store(t, goodFeed)
	if _, err := f.queue.EnqueueBatch(ctx, b.ID); err != nil {
		t.Fatal(err)
	}
	f.waitDone(t, b.ID)
	searchable(t, ix.Engine, "", 3)

	r, err := ix.Check(ctx, false)
	if err != nil || r.Drift() != 0 || r.Indexed != 3 || r.Expected != 3 {
		t.Fatalf("clean index: %+v %v", r, err)
	}
	// Drift: a document lost, a stale one, a stray one.
	var orgID, projectID int64
	_ = f.db.Pool.QueryRow(ctx, `SELECT id FROM organizations`).Scan(&orgID)
	_ = f.db.Pool.QueryRow(ctx, `SELECT id FROM projects ORDER BY id LIMIT 1`).Scan(&projectID)
	_ = ix.Engine.Delete(ctx, []string{search.DocID(search.TypeOrganization, orgID)})
	stale := search.Document{ID: search.DocID(search.TypeProject, projectID), Type: search.TypeProject, RecordID: projectID,
		Titles: []string{"old title"}, Version: "old"}
	stray := search.Document{ID: "project:999999", Type: search.TypeProject, RecordID: 999999, Titles: []string{"ghost"}, Version: "x"}
	_ = ix.Engine.Upsert(ctx, []search.Document{stale, stray})

	r, err = ix.Check(ctx, false)
	if err != nil || len(r.Missing) != 1 || len(r.Stale) != 1 || len(r.Extra) != 1 || r.Repaired {
		t.Fatalf("drift report: %+v %v", r, err)
	}
	if r, err = ix.Check(ctx, true); err != nil || !r.Repaired {
		t.Fatalf("repair: %+v %v", r, err)
	}
	if r, err = ix.Check(ctx, false); err != nil || r.Drift() != 0 {
		t.Fatalf("after repair: %+v %v", r, err)
	}
	if res, _ := ix.Engine.Search(ctx, search.Query{Text: "ghost", Limit: 1}); res.Total != 0 {
		t.Fatal("stray document survived the repair")
	}
}

func TestReindexRebuildsFromPostgres(t *testing.T) {
	f, ix := searchFixture(t)
	ctx := context.Background()
	b := f.store(t, goodFeed)
	if _, err := f.queue.EnqueueBatch(ctx, b.ID); err != nil {
		t.Fatal(err)
	}
	f.waitDone(t, b.ID)
	searchable(t, ix.Engine, "", 3)
	_ = ix.Engine.Upsert(ctx, []search.Document{{ID: "organization:777777", Type: search.TypeOrganization, RecordID: 777777, Titles: []string{"ghost"}}})
	n, err := ix.Reindex(ctx)
	if err != nil || n != 3 {
		t.Fatalf("reindex wrote %d documents (%v), want 3", n, err)
	}
	res, _ := ix.Engine.Search(ctx, search.Query{Text: "", Limit: 10})
	var ids []string
	for _, h := range res.Hits {
		ids = append(ids, h.ID)
	}
	if res.Total != 3 || strings.Contains(strings.Join(ids, ","), "777777") {
		t.Fatalf("after reindex: %v", ids)
	}
}
