package workers_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/hibiken/asynq"

	hub "github.com/birgemiz/hub"
	"github.com/birgemiz/hub/internal/testutil"
	"github.com/birgemiz/hub/postgres"
	"github.com/birgemiz/hub/workers"
)

// clock is the tests' injected time, shared by the database and the puller.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

func (c *clock) Add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

// platform is the source's side: an HTTP server the test scripts, which
// remembers the requests it was sent.
type platform struct {
	*httptest.Server
	mu     sync.Mutex
	reqs   []*http.Request
	handle func(w http.ResponseWriter, r *http.Request)
}

func newPlatform(t *testing.T) *platform {
	p := &platform{}
	p.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.mu.Lock()
		p.reqs = append(p.reqs, r.Clone(context.Background()))
		h := p.handle
		p.mu.Unlock()
		h(w, r)
	}))
	t.Cleanup(p.Close)
	return p
}

func (p *platform) serve(h func(w http.ResponseWriter, r *http.Request)) {
	p.mu.Lock()
	p.handle = h
	p.mu.Unlock()
}

func (p *platform) requests() []*http.Request {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]*http.Request(nil), p.reqs...)
}

// pages serves a feed of pages: ?page=N (none is page 1), each linking to
// the next with rel="next".
func pages(bodies ...string) func(w http.ResponseWriter, r *http.Request) {
	return func(w http.ResponseWriter, r *http.Request) {
		n := 1
		fmt.Sscan(r.URL.Query().Get("page"), &n)
		if n < 1 || n > len(bodies) {
			http.NotFound(w, r)
			return
		}
		if n < len(bodies) {
			w.Header().Add("Link", fmt.Sprintf(`</feed?page=%d>; rel="next"`, n+1))
		}
		w.Header().Set("Content-Type", "application/x-ndjson")
		fmt.Fprint(w, bodies[n-1])
	}
}

func orgs(ids ...string) string {
	var b strings.Builder
	for _, id := range ids {
		fmt.Fprintf(&b, `{"type":"organization","id":%q,"updated_at":"2026-01-13T10:00:00Z","data":{"name":{"ru":"Организация %s"},"region":"KZ-11"}}`+"\n", id, id)
	}
	return b.String()
}

type pullFixture struct {
	db       *postgres.DB
	clock    *clock
	batches  *postgres.BatchService
	sources  *postgres.SourceService
	puller   *workers.Puller
	proc     *workers.BatchProcessor
	platform *platform
	enqueued []string
}

func setupPull(t *testing.T) *pullFixture {
	t.Helper()
	f := &pullFixture{clock: &clock{t: time.Date(2026, 2, 1, 9, 0, 0, 0, time.UTC)}, platform: newPlatform(t)}
	f.db = testutil.NewDBWith(t, func(db *postgres.DB) { db.Now = f.clock.Now })
	f.batches, f.sources = postgres.NewBatchService(f.db), postgres.NewSourceService(f.db)
	log := slog.New(slog.DiscardHandler)
	f.puller = &workers.Puller{Sources: f.sources, Batches: f.batches, Client: workers.NewPullClient(), Now: f.clock.Now, Log: log,
		Enqueue: func(_ context.Context, id string) error { f.enqueued = append(f.enqueued, id); return nil }}
	f.proc = &workers.BatchProcessor{Batches: f.batches, Sources: f.sources, Log: log}
	return f
}

func (f *pullFixture) addSource(t *testing.T, name string, mode hub.FeedMode, path string) *hub.Source {
	t.Helper()
	src := &hub.Source{Name: name, Kind: hub.SourceRegionalPlatform, RegionCode: "KZ-11",
		Pull: &hub.PullConfig{URL: f.platform.URL + path, Format: hub.FormatNDJSON, Schedule: "@every 1h", Mode: mode, Grace: 24 * time.Hour}}
	if _, err := f.sources.CreateSource(context.Background(), src); err != nil {
		t.Fatal(err)
	}
	return src
}

func (f *pullFixture) source(t *testing.T, name string) *hub.Source {
	t.Helper()
	src, err := f.sources.FindSourceByName(context.Background(), name)
	if err != nil {
		t.Fatal(err)
	}
	return src
}

// apply processes stored batches in the order given, as workers would.
func (f *pullFixture) apply(t *testing.T, ids ...string) {
	t.Helper()
	for _, id := range ids {
		if err := f.proc.Process(context.Background(), id); err != nil {
			t.Fatalf("process %s: %v", id, err)
		}
	}
}

// live returns the external ids of the source's organizations not deleted.
func (f *pullFixture) live(t *testing.T, src *hub.Source) []string {
	t.Helper()
	var ids []string
	rows, err := f.db.Pool.Query(context.Background(), `SELECT p.external_id FROM provenance p JOIN organizations o ON o.id = p.record_id
		WHERE p.source_id = $1 AND p.record_type = 'organization' AND o.deleted_at IS NULL ORDER BY 1`, src.ID)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	return ids
}

func (f *pullFixture) countBatches(t *testing.T) int {
	t.Helper()
	var n int
	if err := f.db.Pool.QueryRow(context.Background(), `SELECT count(*) FROM batches`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func pullTask(source string) *asynq.Task {
	task, _ := workers.NewSourcePullTask(source)
	return task
}

func TestPullDeltaPagesThenNotModified(t *testing.T) {
	f := setupPull(t)
	ctx := context.Background()
	src := f.addSource(t, "akmola-portal", hub.ModeDelta, "/feed")
	start := f.clock.Now()
	f.platform.serve(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("cursor") == "c-3" && r.Header.Get("If-None-Match") == `"v1"` {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		switch r.URL.Query().Get("page") {
		case "":
			w.Header().Set("ETag", `"v1"`)
			w.Header().Set("Last-Modified", "Sun, 01 Feb 2026 08:00:00 GMT")
			// Several links in one header, the next one absolute.
			w.Header().Set("Link", `<`+f.platform.URL+`/feed?page=0>; rel="prev", <`+f.platform.URL+`/feed?page=2>; rel="next"; title="page, two"`)
			fmt.Fprint(w, orgs("org-1", "org-2"))
		case "2":
			// A relative link, in a second Link header.
			w.Header().Add("Link", `</about>; rel=describedby`)
			w.Header().Add("Link", `<?page=3>; rel=next`)
			fmt.Fprint(w, orgs("org-3", "org-4"))
		case "3":
			w.Header().Set("X-Hub-Cursor", "c-3")
			fmt.Fprint(w, orgs("org-5", "org-6"))
		}
	})

	out, err := f.puller.Pull(ctx, src.Name)
	if err != nil {
		t.Fatal(err)
	}
	if out.Pages != 3 || len(out.Batches) != 3 || out.NotModified {
		t.Fatalf("outcome %+v, want 3 pages stored as 3 batches", out)
	}
	if diff := cmp.Diff(out.Batches, f.enqueued); diff != "" {
		t.Fatalf("enqueued (-stored +enqueued):\n%s", diff)
	}
	for _, id := range out.Batches {
		b, err := f.batches.FindBatchByID(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if b.Lines != 2 || b.Mode != hub.ModeDelta || b.Format != hub.FormatNDJSON || b.PullRunID != "" {
			t.Fatalf("batch %+v", b)
		}
		if strings.Contains(b.Filename, "page=") {
			t.Errorf("filename %q shows the query", b.Filename)
		}
	}
	f.apply(t, out.Batches...)
	if diff := cmp.Diff([]string{"org-1", "org-2", "org-3", "org-4", "org-5", "org-6"}, f.live(t, src)); diff != "" {
		t.Fatalf("records (-want +got):\n%s", diff)
	}
	got := f.source(t, src.Name)
	if diff := cmp.Diff(workers.PullState{Cursor: "c-3", ETag: `"v1"`, LastModified: "Sun, 01 Feb 2026 08:00:00 GMT"},
		workers.ParsePullState(got.Status.Cursor)); diff != "" {
		t.Fatalf("stored state (-want +got):\n%s", diff)
	}
	if got.Status.LastSuccessAt == nil || !got.Status.LastSuccessAt.Equal(start) || got.Status.LastError != "" {
		t.Fatalf("status %+v, want a success at %s", got.Status, start)
	}
	if got.Status.NextRunAt == nil || !got.Status.NextRunAt.Equal(start.Add(time.Hour)) {
		t.Fatalf("next run %v, want %s", got.Status.NextRunAt, start.Add(time.Hour))
	}

	// A scheduled tick before the next run (another process's "@every" tick)
	// finds the source pulled already.
	f.clock.Add(30 * time.Minute)
	before := len(f.platform.requests())
	if err := f.puller.ProcessTask(ctx, pullTask(src.Name)); err != nil {
		t.Fatal(err)
	}
	if n := len(f.platform.requests()); n != before {
		t.Fatalf("a pull that was not due sent %d requests", n-before)
	}

	// The next run sends the cursor and the validators; 304 stores nothing.
	f.clock.Add(30 * time.Minute)
	if err := f.puller.ProcessTask(ctx, pullTask(src.Name)); err != nil {
		t.Fatal(err)
	}
	reqs := f.platform.requests()
	last := reqs[len(reqs)-1]
	if len(reqs) != before+1 || last.URL.Query().Get("cursor") != "c-3" || last.Header.Get("If-None-Match") != `"v1"` ||
		last.Header.Get("If-Modified-Since") != "Sun, 01 Feb 2026 08:00:00 GMT" {
		t.Fatalf("next run sent %d requests, the last %s with If-None-Match %q", len(reqs)-before, last.URL, last.Header.Get("If-None-Match"))
	}
	if n := f.countBatches(t); n != 3 {
		t.Fatalf("%d batches after a 304, want 3", n)
	}
	got = f.source(t, src.Name)
	if !got.Status.LastSuccessAt.Equal(f.clock.Now()) || workers.ParsePullState(got.Status.Cursor).Cursor != "c-3" {
		t.Fatalf("after a 304: %+v", got.Status)
	}
}

func TestPullFailureKeepsCursorAndRetrySucceeds(t *testing.T) {
	f := setupPull(t)
	ctx := context.Background()
	src := f.addSource(t, "turkistan-portal", hub.ModeDelta, "/feed?key=s3cret")
	var broken atomic.Bool
	f.platform.serve(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.URL.Query().Get("cursor") == "":
			w.Header().Set("X-Next-Cursor", "c-1")
			fmt.Fprint(w, orgs("org-1"))
		case r.URL.Query().Get("page") == "":
			w.Header().Set("Link", `</feed?page=2&cursor=c-1>; rel="next"`)
			fmt.Fprint(w, orgs("org-2"))
		case broken.Load():
			http.Error(w, "database is down", http.StatusInternalServerError)
		default:
			w.Header().Set("X-Next-Cursor", "c-2")
			fmt.Fprint(w, orgs("org-3"))
		}
	})
	if _, err := f.puller.Pull(ctx, src.Name); err != nil {
		t.Fatal(err)
	}

	// The next run fails on its second page: the error is recorded and
	// retried, the cursor stays, and the first page is stored (it applies
	// idempotently when the retry stores it again).
	f.clock.Add(time.Hour)
	broken.Store(true)
	err := f.puller.ProcessTask(ctx, pullTask(src.Name))
	if err == nil || errors.Is(err, asynq.SkipRetry) {
		t.Fatalf("a 500 gave %v, want an error asynq retries", err)
	}
	got := f.source(t, src.Name)
	if workers.ParsePullState(got.Status.Cursor).Cursor != "c-1" {
		t.Fatalf("cursor %q moved after a failed run", got.Status.Cursor)
	}
	if !strings.Contains(got.Status.LastError, "500") || got.Status.LastErrorAt == nil || !got.Status.LastErrorAt.Equal(f.clock.Now()) {
		t.Fatalf("status %+v, want the 500 recorded", got.Status)
	}
	if strings.Contains(got.Status.LastError, "s3cret") || strings.Contains(got.Status.LastError, "cursor=") {
		t.Fatalf("last error %q shows the query", got.Status.LastError)
	}
	if got.Status.NextRunAt == nil || !got.Status.NextRunAt.After(f.clock.Now()) {
		t.Fatalf("next run %v after a failure", got.Status.NextRunAt)
	}
	if n := f.countBatches(t); n != 2 {
		t.Fatalf("%d batches, want 2 (the first run's and the failed run's first page)", n)
	}

	// The retry succeeds and moves the cursor.
	f.clock.Add(time.Minute)
	broken.Store(false)
	out, err := f.puller.Pull(ctx, src.Name)
	if err != nil {
		t.Fatal(err)
	}
	f.apply(t, f.enqueued...)
	got = f.source(t, src.Name)
	if workers.ParsePullState(got.Status.Cursor).Cursor != "c-2" || !got.Status.LastSuccessAt.Equal(f.clock.Now()) {
		t.Fatalf("after the retry: %+v", got.Status)
	}
	if len(out.Batches) != 2 {
		t.Fatalf("the retry stored %d batches, want 2", len(out.Batches))
	}
	if diff := cmp.Diff([]string{"org-1", "org-2", "org-3"}, f.live(t, src)); diff != "" {
		t.Fatalf("records (-want +got):\n%s", diff)
	}
	b, _ := f.batches.FindBatchByID(ctx, out.Batches[0])
	if b.Counts != (hub.BatchCounts{Unchanged: 1}) {
		t.Fatalf("the page stored twice counts %+v, want unchanged", b.Counts)
	}
}

func TestPullPermanentProblemsAreNotRetried(t *testing.T) {
	tests := []struct {
		name    string
		handle  func(w http.ResponseWriter, r *http.Request)
		wantErr string
	}{
		{"not found", func(w http.ResponseWriter, r *http.Request) { http.NotFound(w, r) }, "answered 404 Not Found"},
		{"unauthorized", func(w http.ResponseWriter, r *http.Request) {
			http.Error(w, "token expired", http.StatusUnauthorized)
		}, "answered 401 Unauthorized"},
		{"not a feed", func(w http.ResponseWriter, r *http.Request) {
			fmt.Fprint(w, "<!doctype html>\n<html><body>Maintenance</body></html>\n")
		}, "not a feed: not an NDJSON feed: line 1 looks like HTML"},
		{"link loop", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Link", `</feed>; rel="next"`)
			fmt.Fprint(w, orgs("org-1"))
		}, "links back to an earlier page"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := setupPull(t)
			src := f.addSource(t, "abai-portal", hub.ModeDelta, "/feed")
			f.platform.serve(tt.handle)
			err := f.puller.ProcessTask(context.Background(), pullTask(src.Name))
			if !errors.Is(err, asynq.SkipRetry) {
				t.Fatalf("got %v, want an error wrapping asynq.SkipRetry", err)
			}
			got := f.source(t, src.Name)
			if !strings.Contains(got.Status.LastError, tt.wantErr) || got.Status.LastSuccessAt != nil || got.Status.NextRunAt == nil {
				t.Fatalf("status %+v, want last error %q", got.Status, tt.wantErr)
			}
			if tt.name != "link loop" {
				if n := f.countBatches(t); n != 0 {
					t.Fatalf("%d batches stored", n)
				}
			}
		})
	}
}

func TestPullSnapshotSweepsOnceAfterAllPages(t *testing.T) {
	f := setupPull(t)
	ctx := context.Background()
	src := f.addSource(t, "kokshetau-asia", hub.ModeSnapshot, "/feed")

	f.platform.serve(pages(orgs("org-1", "org-2"), orgs("org-3", "org-4")))
	out, err := f.puller.Pull(ctx, src.Name)
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Batches) != 2 || out.Run == nil || out.Run.Pages != 2 || out.Run.SettledAt != nil {
		t.Fatalf("outcome %+v, run %+v", out, out.Run)
	}
	f.apply(t, out.Batches...)
	if n := len(f.live(t, src)); n != 4 {
		t.Fatalf("%d records, want 4", n)
	}

	// An hour later the catalogue lists org-1 and org-3 only: within the
	// grace, nothing is deleted.
	f.clock.Add(time.Hour)
	f.platform.serve(pages(orgs("org-1"), orgs("org-3")))
	out, err = f.puller.Pull(ctx, src.Name)
	if err != nil {
		t.Fatal(err)
	}
	f.apply(t, out.Batches...)
	run, err := f.batches.FindPullRun(ctx, out.Run.ID)
	if err != nil {
		t.Fatal(err)
	}
	if run.SettledAt == nil || run.Swept != 0 || run.SweepNote != "" {
		t.Fatalf("run within the grace: %+v", run)
	}
	if n := len(f.live(t, src)); n != 4 {
		t.Fatalf("%d records within the grace, want 4", n)
	}

	// Two days later, the same. Each page alone would delete what the other
	// lists; the run deletes only what neither lists, once both applied,
	// whichever applies first.
	f.clock.Add(48 * time.Hour)
	out, err = f.puller.Pull(ctx, src.Name)
	if err != nil {
		t.Fatal(err)
	}
	f.apply(t, out.Batches[1])
	if diff := cmp.Diff([]string{"org-1", "org-2", "org-3", "org-4"}, f.live(t, src)); diff != "" {
		t.Fatalf("after page 2 alone (-want +got):\n%s", diff)
	}
	f.apply(t, out.Batches[0])
	if diff := cmp.Diff([]string{"org-1", "org-3"}, f.live(t, src)); diff != "" {
		t.Fatalf("after both pages (-want +got):\n%s", diff)
	}
	run, _ = f.batches.FindPullRun(ctx, out.Run.ID)
	if run.Swept != 2 || run.SettledAt == nil || !run.StartedAt.Equal(f.clock.Now()) {
		t.Fatalf("run %+v, want 2 swept", run)
	}
	last, _ := f.batches.FindBatchByID(ctx, out.Batches[1])
	if swept, note := last.SweepOutcome(); last.Status != hub.BatchDone || swept == nil || *swept != 2 || note != "" {
		t.Fatalf("the run's last page %+v, want its receipt to show 2 swept", last)
	}
	first, _ := f.batches.FindBatchByID(ctx, out.Batches[0])
	if swept, note := first.SweepOutcome(); swept != nil || note != "" {
		t.Fatalf("the run's first page shows a sweep of its own: %v %q", swept, note)
	}
	// The pages' tasks running again change nothing.
	f.apply(t, out.Batches...)
	run2, _ := f.batches.FindPullRun(ctx, out.Run.ID)
	if !run2.SettledAt.Equal(*run.SettledAt) || run2.Swept != 2 {
		t.Fatalf("run settled again: %+v", run2)
	}
}

func TestPullSnapshotEmptyOrFailedDeletesNothing(t *testing.T) {
	f := setupPull(t)
	ctx := context.Background()
	src := f.addSource(t, "izgi-kz", hub.ModeSnapshot, "/feed")
	f.platform.serve(pages(orgs("org-1", "org-2")))
	out, err := f.puller.Pull(ctx, src.Name)
	if err != nil {
		t.Fatal(err)
	}
	f.apply(t, out.Batches...)
	f.clock.Add(72 * time.Hour) // past the grace

	// An empty catalogue stores nothing and deletes nothing.
	f.platform.serve(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "\n") })
	out, err = f.puller.Pull(ctx, src.Name)
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Batches) != 0 || out.Run != nil {
		t.Fatalf("an empty snapshot stored %+v", out)
	}

	// A fetch that fails on page 2: page 1 applies, nothing is deleted.
	f.clock.Add(time.Minute)
	f.platform.serve(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("page") == "2" {
			http.Error(w, "upstream timeout", http.StatusBadGateway)
			return
		}
		w.Header().Set("Link", `</feed?page=2>; rel="next"`)
		fmt.Fprint(w, orgs("org-1"))
	})
	out, err = f.puller.Pull(ctx, src.Name)
	if err == nil {
		t.Fatal("a failed page reported success")
	}
	f.apply(t, out.Batches...)
	if run, _ := f.batches.FindPullRun(ctx, out.Run.ID); run.SettledAt != nil {
		t.Fatalf("a failed run settled: %+v", run)
	}

	// A page with a record that fails: the run settles without sweeping.
	f.clock.Add(time.Minute)
	bad := `{"type":"organization","id":"org-9","updated_at":"2026-01-13T10:00:00Z","data":{"name":{"ru":"x"},"region":"KZ-99"}}` + "\n"
	f.platform.serve(pages(orgs("org-1"), bad))
	out, err = f.puller.Pull(ctx, src.Name)
	if err != nil {
		t.Fatal(err)
	}
	f.apply(t, out.Batches...)
	run, _ := f.batches.FindPullRun(ctx, out.Run.ID)
	if run.SettledAt == nil || run.Swept != 0 || !strings.Contains(run.SweepNote, "1 records of the pull failed") {
		t.Fatalf("run with a failed record: %+v", run)
	}

	// Not modified: nothing to sweep after either.
	f.platform.serve(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNotModified) })
	if out, err := f.puller.Pull(ctx, src.Name); err != nil || !out.NotModified {
		t.Fatalf("304: %+v %v", out, err)
	}
	if diff := cmp.Diff([]string{"org-1", "org-2"}, f.live(t, src)); diff != "" {
		t.Fatalf("records (-want +got):\n%s", diff)
	}
}

func TestPullOneInFlightPerSource(t *testing.T) {
	q := workers.NewEnqueuer(testutil.Redis(t, testutil.RedisDBWorkers))
	defer q.Close()
	ctx := context.Background()
	if ok, err := q.EnqueuePull(ctx, "akmola-portal"); !ok || err != nil {
		t.Fatalf("first: %v %v", ok, err)
	}
	if ok, err := q.EnqueuePull(ctx, "akmola-portal"); ok || err != nil {
		t.Fatalf("second: got %v %v, want false, nil: one pull per source in flight", ok, err)
	}
	if ok, err := q.EnqueuePull(ctx, "abai-portal"); !ok || err != nil {
		t.Fatalf("another source: %v %v", ok, err)
	}
}

// TestPullThroughQueue runs the real workers: the schedule picks the pulled
// sources up from PostgreSQL and pulls them at once (never pulled before),
// a transient failure is retried, a 404 is not.
func TestPullThroughQueue(t *testing.T) {
	f := setupPull(t)
	ctx := context.Background()
	redis := testutil.Redis(t, testutil.RedisDBWorkers)
	good := f.addSource(t, "good-portal", hub.ModeSnapshot, "/good")
	f.addSource(t, "flaky-portal", hub.ModeDelta, "/flaky")
	gone := f.addSource(t, "gone-portal", hub.ModeDelta, "/gone")
	var flaky, goneHits atomic.Int32
	goodFeed := pages(orgs("org-1", "org-2"), orgs("org-3"))
	f.platform.serve(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/good", "/feed":
			goodFeed(w, r)
		case "/flaky":
			if flaky.Add(1) == 1 {
				http.Error(w, "try again", http.StatusServiceUnavailable)
				return
			}
			w.Header().Set("X-Hub-Cursor", "f-1")
			fmt.Fprint(w, orgs("org-7"))
		default:
			goneHits.Add(1)
			http.NotFound(w, r)
		}
	})

	w := workers.New(workers.Config{Redis: redis, Concurrency: 4, ShutdownTimeout: 5 * time.Second, RetryDelay: 50 * time.Millisecond},
		workers.Deps{Batches: f.batches, Sources: f.sources, Log: slog.New(slog.DiscardHandler), Now: f.clock.Now})
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w.Shutdown)

	waitFor(t, "the pulls", func() bool {
		g, fl, gn := f.source(t, "good-portal"), f.source(t, "flaky-portal"), f.source(t, "gone-portal")
		return g.Status.LastSuccessAt != nil && fl.Status.LastSuccessAt != nil && gn.Status.LastError != "" && len(f.live(t, good)) == 3
	})
	fl := f.source(t, "flaky-portal")
	if !strings.Contains(fl.Status.LastError, "503") || workers.ParsePullState(fl.Status.Cursor).Cursor != "f-1" {
		t.Fatalf("flaky source after its retry: %+v", fl.Status)
	}
	waitFor(t, "the good snapshot's run to settle", func() bool {
		var settled bool
		_ = f.db.Pool.QueryRow(ctx, `SELECT settled_at IS NOT NULL FROM pull_runs WHERE source_id = $1`, good.ID).Scan(&settled)
		return settled
	})

	// The 404 was not retried: its task is archived after one request.
	time.Sleep(300 * time.Millisecond)
	if n := goneHits.Load(); n != 1 {
		t.Fatalf("the 404 source was fetched %d times, want once", n)
	}
	insp := asynq.NewInspector(redis)
	defer insp.Close()
	archived, err := insp.ListArchivedTasks(workers.QueueIngest)
	if err != nil {
		t.Fatal(err)
	}
	if len(archived) != 1 || archived[0].Type != workers.TypeSourcePull || archived[0].Retried != 0 ||
		!strings.Contains(string(archived[0].Payload), gone.Name) {
		t.Fatalf("archived: %+v", archived)
	}
}

func waitFor(t *testing.T, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// A pull asked for now (hub sources pull) runs even when the schedule's
// next run is an hour away; a scheduled tick at the same moment does not.
func TestPullAskedForNowRunsWhenNotDue(t *testing.T) {
	f := setupPull(t)
	ctx := context.Background()
	src := f.addSource(t, "zhetysu-portal", hub.ModeDelta, "/feed")
	f.platform.serve(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, orgs("org-1")) })
	if err := f.puller.ProcessTask(ctx, pullTask(src.Name)); err != nil {
		t.Fatal(err)
	}
	f.clock.Add(time.Minute)
	before := len(f.platform.requests())
	if err := f.puller.ProcessTask(ctx, pullTask(src.Name)); err != nil || len(f.platform.requests()) != before {
		t.Fatalf("a tick a minute after a pull sent %d requests, %v", len(f.platform.requests())-before, err)
	}
	if err := postgres.NewSourceService(f.db).MarkPullDue(ctx, src.ID); err != nil {
		t.Fatal(err)
	}
	if err := f.puller.ProcessTask(ctx, pullTask(src.Name)); err != nil || len(f.platform.requests()) != before+1 {
		t.Fatalf("a pull asked for now sent %d requests, %v", len(f.platform.requests())-before, err)
	}
}

// A pull that failed for good (archived by asynq) does not hold its
// source's slot: the next pull asked for is enqueued. One still queued is
// not doubled.
func TestEnqueuePullAfterArchivedFailure(t *testing.T) {
	opt := testutil.Redis(t, testutil.RedisDBWorkers)
	q := workers.NewEnqueuer(opt)
	t.Cleanup(func() { q.Close() })
	insp := asynq.NewInspector(opt)
	t.Cleanup(func() { insp.Close() })
	ctx := context.Background()
	if ok, err := q.EnqueuePull(ctx, "zhetysu-portal"); !ok || err != nil {
		t.Fatalf("first pull: %v %v", ok, err)
	}
	if ok, err := q.EnqueuePull(ctx, "zhetysu-portal"); ok || err != nil {
		t.Fatalf("a second pull while one is queued: %v %v, want not queued", ok, err)
	}
	pending, err := insp.ListPendingTasks(workers.QueueIngest)
	if err != nil || len(pending) != 1 {
		t.Fatalf("%d pending, %v", len(pending), err)
	}
	if err := insp.ArchiveTask(workers.QueueIngest, pending[0].ID); err != nil {
		t.Fatal(err)
	}
	if ok, err := q.EnqueuePull(ctx, "zhetysu-portal"); !ok || err != nil {
		t.Fatalf("a pull after the last one was archived: %v %v, want queued", ok, err)
	}
	if archived, _ := insp.ListArchivedTasks(workers.QueueIngest); len(archived) != 0 {
		t.Errorf("%d archived pulls left", len(archived))
	}
}
