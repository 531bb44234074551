package workers_test

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/hibiken/asynq"

	hub "github.com/birgemiz/hub"
	"github.com/birgemiz/hub/internal/testutil"
	"github.com/birgemiz/hub/postgres"
	"github.com/birgemiz/hub/workers"
)

// These tests share Redis database testutil.RedisDBWorkers, so they do not
// run in parallel.

type fixture struct {
	db      *postgres.DB
	batches *postgres.BatchService
	source  *hub.Source
	queue   *workers.Enqueuer
	cfg     workers.Config
}

func setup(t *testing.T) *fixture {
	t.Helper()
	db := testutil.NewDB(t)
	redis := testutil.Redis(t, testutil.RedisDBWorkers)
	f := &fixture{db: db, batches: postgres.NewBatchService(db), queue: workers.NewEnqueuer(redis),
		cfg: workers.Config{Redis: redis, Concurrency: 2, ChunkSize: 3, ShutdownTimeout: 5 * time.Second}}
	t.Cleanup(func() { f.queue.Close() })
	f.source = &hub.Source{Name: "akmola-portal", Kind: hub.SourceRegionalPlatform, RegionCode: "KZ-11"}
	if _, err := postgres.NewSourceService(db).CreateSource(context.Background(), f.source); err != nil {
		t.Fatal(err)
	}
	return f
}

func (f *fixture) start(t *testing.T) *workers.Workers {
	t.Helper()
	w := workers.New(f.cfg, workers.Deps{Batches: f.batches, Sources: postgres.NewSourceService(f.db), Log: slog.New(slog.DiscardHandler), Now: f.db.Now})
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w.Shutdown)
	return w
}

func (f *fixture) store(t *testing.T, body string) *hub.Batch {
	t.Helper()
	b := &hub.Batch{SourceID: f.source.ID, Lines: strings.Count(body, "\n")}
	if err := f.batches.CreateBatch(context.Background(), b, []byte(body)); err != nil {
		t.Fatal(err)
	}
	return b
}

// waitDone polls until the batch is done or failed.
func (f *fixture) waitDone(t *testing.T, id string) *hub.Batch {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		b, err := f.batches.FindBatchByID(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		if b.Status == hub.BatchDone || b.Status == hub.BatchFailed {
			return b
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("batch %s not finished after 30 s", id)
	return nil
}

const goodFeed = `{"type":"organization","id":"org-1","updated_at":"2026-01-13T10:00:00Z","data":{"name":{"ru":"Доброе сердце","kk":"Мейірімді жүрек"},"kind":"PUBLIC_FOUNDATION","region":"KZ-11","directions":["социальное"]}}
{"type":"project","id":"prj-1","updated_at":"2026-01-13T10:00:00Z","data":{"title":{"ru":"Теплые встречи"},"organization_id":"org-1","region":"KZ-11","status":"ACTIVE","directions":["ELDERLY_CARE"]}}
{"type":"project","id":"prj-2","updated_at":"2026-01-13T10:00:00Z","data":{"title":{"kk":"Таза әлем"},"organization_id":"org-1","region":"KZ-11","status":"PLANNED","directions":["экологиялық"]}}
{"type":"volunteer","id":"v-1","updated_at":"2026-01-13T10:00:00Z","data":{"region":"KZ-11","gender":"female","birth_date":"2001-04-02","organization_ids":["org-1"]}}
{"type":"participation","id":"pa-1","updated_at":"2026-01-13T10:00:00Z","data":{"volunteer_id":"v-1","project_id":"prj-1","hours":12.5}}
{"type":"indicator","id":"ind-1","updated_at":"2026-01-13T10:00:00Z","data":{"metric":"volunteer_organizations","value":682,"period":"2023"}}
`

func TestBatchThroughQueue(t *testing.T) {
	f := setup(t)
	f.start(t)
	// Two good lines, a broken one, one with an unknown region, and a good one after them.
	body := goodFeed + `{"type":"project","id":"prj-3","updated_at":"2026-01-13T10:00:00Z","data":{"title":{"ru":"x"},"region":"KZ-11","status":"ACTIVE"}` + "\n" +
		`{"type":"project","id":"prj-4","updated_at":"2026-01-13T10:00:00Z","data":{"title":{"ru":"y"},"region":"KZ-99","status":"ACTIVE"}}` + "\n" +
		`{"type":"organization","id":"org-2","updated_at":"2026-01-13T10:00:00Z","data":{"name":{"ru":"Jas Otan"}}}` + "\n"
	b := f.store(t, body)
	if ok, err := f.queue.EnqueueBatch(context.Background(), b.ID); err != nil || !ok {
		t.Fatalf("enqueue: %v %v", ok, err)
	}
	// A second enqueue of the same batch is refused, not run twice.
	if ok, err := f.queue.EnqueueBatch(context.Background(), b.ID); err != nil || ok {
		t.Fatalf("second enqueue: got %v %v, want false, nil", ok, err)
	}
	got := f.waitDone(t, b.ID)
	if diff := cmp.Diff(hub.BatchCounts{Created: 7, Failed: 2}, got.Counts); diff != "" {
		t.Fatalf("counts (-want +got):\n%s", diff)
	}
	if got.Status != hub.BatchDone || got.ProcessedLines != 9 {
		t.Fatalf("status %s at line %d, want done at 9", got.Status, got.ProcessedLines)
	}
	errs, err := f.batches.FindBatchErrors(context.Background(), b.ID, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(errs) != 2 || errs[0].Line != 7 || errs[1].Line != 8 || errs[1].Field != "data.region" {
		t.Fatalf("errors: %+v", errs)
	}
	var orgName string
	if err := f.db.Pool.QueryRow(context.Background(), `
		SELECT o.name_ru FROM projects p JOIN organizations o ON o.id = p.organization_id WHERE p.title_kk = 'Таза әлем' AND 'ECOLOGY' = ANY(p.directions)`).Scan(&orgName); err != nil {
		t.Fatalf("project → organization: %v", err)
	}
}

func TestBatchResumesAfterInterruption(t *testing.T) {
	f := setup(t)
	b := f.store(t, goodFeed)
	ctx := context.Background()

	// The first attempt dies after its first chunk of 3 lines.
	p := &workers.BatchProcessor{Batches: f.batches, Sources: postgres.NewSourceService(f.db), ChunkSize: 3, Log: slog.New(slog.DiscardHandler)}
	crash := errors.New("worker killed")
	cctx, cancel := context.WithCancelCause(ctx)
	p.AfterChunk = func(string, *hub.Chunk) { cancel(crash) }
	if err := p.Process(cctx, b.ID); err == nil {
		t.Fatal("interrupted attempt reported success")
	}
	mid, _ := f.batches.FindBatchByID(ctx, b.ID)
	if mid.Status != hub.BatchProcessing || mid.ProcessedLines != 3 {
		t.Fatalf("after the crash: %s at line %d, want processing at 3", mid.Status, mid.ProcessedLines)
	}

	// The retry resumes at line 4; nothing is applied twice.
	p.AfterChunk = nil
	if err := p.Process(ctx, b.ID); err != nil {
		t.Fatal(err)
	}
	done, _ := f.batches.FindBatchByID(ctx, b.ID)
	if diff := cmp.Diff(hub.BatchCounts{Created: 6}, done.Counts); diff != "" {
		t.Fatalf("counts after resume (-want +got):\n%s", diff)
	}
	if done.Attempts != 2 {
		t.Fatalf("attempts = %d, want 2", done.Attempts)
	}
	var n int
	if err := f.db.Pool.QueryRow(ctx, `SELECT (SELECT count(*) FROM organizations) + (SELECT count(*) FROM projects) +
		(SELECT count(*) FROM volunteers) + (SELECT count(*) FROM participations) + (SELECT count(*) FROM indicators)`).Scan(&n); err != nil || n != 6 {
		t.Fatalf("records = %d, %v; want 6", n, err)
	}
	// A task for a finished batch is a no-op.
	if err := p.Process(ctx, b.ID); err != nil {
		t.Fatal(err)
	}
}

func TestReconcilerEnqueuesLostBatches(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	// Stored while Redis was unreachable: never enqueued.
	b := f.store(t, goodFeed)
	r := &workers.Reconciler{Batches: f.batches, Queue: f.queue, After: time.Minute, Log: slog.New(slog.DiscardHandler),
		Now: func() time.Time { return time.Now().Add(2 * time.Minute) }}
	n, err := r.Reconcile(ctx)
	if err != nil || n != 1 {
		t.Fatalf("reconcile: %d, %v; want 1", n, err)
	}
	// Its task is queued now; reconciling again does not queue it twice.
	if n, err := r.Reconcile(ctx); err != nil || n != 0 {
		t.Fatalf("second reconcile: %d, %v; want 0", n, err)
	}
	f.start(t)
	if got := f.waitDone(t, b.ID); got.Counts.Created != 6 {
		t.Fatalf("counts %+v", got.Counts)
	}
}

// A batch whose task was archived while the batch is unfinished (a
// sibling deployment on the same Redis database, looking in another
// PostgreSQL, found no such batch) gets a new task and finishes.
func TestReconcilerRescuesArchivedTasks(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	b := f.store(t, goodFeed)
	if _, err := f.queue.EnqueueBatch(ctx, b.ID); err != nil {
		t.Fatal(err)
	}
	inspector := asynq.NewInspector(f.cfg.Redis)
	t.Cleanup(func() { inspector.Close() })
	if err := inspector.ArchiveTask(workers.QueueIngest, "batch:"+b.ID); err != nil {
		t.Fatal(err)
	}
	r := &workers.Reconciler{Batches: f.batches, Queue: f.queue, After: time.Minute, Log: slog.New(slog.DiscardHandler),
		Now: func() time.Time { return time.Now().Add(2 * time.Minute) }}
	if n, err := r.Reconcile(ctx); err != nil || n != 1 {
		t.Fatalf("reconcile: %d, %v; want 1", n, err)
	}
	if n, err := r.Reconcile(ctx); err != nil || n != 0 {
		t.Fatalf("second reconcile: %d, %v; want 0 (the copy is pending)", n, err)
	}
	f.start(t)
	if got := f.waitDone(t, b.ID); got.Status != hub.BatchDone || got.Counts.Created != 6 {
		t.Fatalf("batch %s, counts %+v", got.Status, got.Counts)
	}
}

func TestNotAFeedFailsWhole(t *testing.T) {
	f := setup(t)
	f.start(t)
	b := f.store(t, "<!doctype html>\n<html><body>Service Unavailable</body></html>\n")
	if _, err := f.queue.EnqueueBatch(context.Background(), b.ID); err != nil {
		t.Fatal(err)
	}
	got := f.waitDone(t, b.ID)
	if got.Status != hub.BatchFailed || !strings.Contains(got.Error, "not an NDJSON feed") {
		t.Fatalf("got %s %q, want failed: not an NDJSON feed", got.Status, got.Error)
	}
	var n int
	_ = f.db.Pool.QueryRow(context.Background(), `SELECT count(*) FROM provenance`).Scan(&n)
	if n != 0 {
		t.Fatalf("%d records applied from a body that is not a feed", n)
	}
}
