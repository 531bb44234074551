package chaos_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/hibiken/asynq"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	hub "github.com/birgemiz/hub"
	"github.com/birgemiz/hub/ingest"
	"github.com/birgemiz/hub/internal/testutil"
	"github.com/birgemiz/hub/postgres"
	"github.com/birgemiz/hub/secretbox"
	"github.com/birgemiz/hub/workers"
)

// Timing of the workers under test: the reconciler looks for lost batches
// every second and rescues a batch after 2 s without progress, and a failed
// task is retried after 1 s, instead of 30 s, 1 min and asynq's 15 s+
// backoff, so that each rescue costs seconds.
const (
	reconcileEvery = "1s"
	lostAfter      = "2s"
	retryDelay     = "1s"
)

// harness is one scenario's world: its own database, its own private
// Redis server, one source, and the hub binary's environment.
type harness struct {
	t      *testing.T
	dbURL  string
	dbName string
	// pool reads the database under another application_name than the
	// hub's, so terminating the hub's connections spares it.
	pool     *pgxpool.Pool
	db       *postgres.DB // in-process services; nil once closed
	batches  *postgres.BatchService
	redis    *redisServer
	source   string
	creds    *hub.SourceCredentials
	chunk    int
	env      map[string]string
	feedsDir string
	// statsBuild is the statistics build made before any record: every
	// change after it is counted into it incrementally.
	statsBuild int64
}

func newHarness(t *testing.T, source string, chunk int) *harness {
	t.Helper()
	ctx := context.Background()
	h := &harness{t: t, dbURL: testutil.CreateDatabase(t), source: source, chunk: chunk, feedsDir: t.TempDir()}
	cfg, err := pgxpool.ParseConfig(h.dbURL)
	if err != nil {
		t.Fatal(err)
	}
	h.dbName = cfg.ConnConfig.Database
	cfg.ConnConfig.RuntimeParams["application_name"] = "chaos-test"
	if h.pool, err = pgxpool.NewWithConfig(ctx, cfg); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(h.pool.Close)
	h.openServices()
	src := &hub.Source{Name: source, Kind: hub.SourceRegionalPlatform, RegionCode: "KZ-11"}
	if h.creds, err = postgres.NewSourceService(h.db).CreateSource(ctx, src); err != nil {
		t.Fatal(err)
	}
	build, err := postgres.NewStatisticsService(h.db).RebuildStatistics(ctx)
	if err != nil {
		t.Fatal(err)
	}
	h.statsBuild = build.ID
	h.redis = startRedis(t)
	h.env = map[string]string{
		"DATABASE_URL":           h.dbURL,
		"REDIS_ADDR":             h.redis.Addr(),
		"REDIS_DB":               "0",
		"HUB_DATA_DIR":           t.TempDir(),
		"HUB_SECRET_KEYS":        secretKeys,
		"HUB_LOG_LEVEL":          "info",
		"HUB_LOG_FORMAT":         "text",
		"HUB_WORKER_CONCURRENCY": "2",
		"HUB_SHUTDOWN_TIMEOUT":   "5s",
		"HUB_CHUNK_SIZE":         fmt.Sprint(chunk),
		"HUB_RECONCILE_EVERY":    reconcileEvery,
		"HUB_LOST_AFTER":         lostAfter,
		"HUB_RETRY_DELAY":        retryDelay,
	}
	return h
}

func keyring(tb testing.TB) *secretbox.Keyring {
	k, err := secretbox.Parse(secretKeys)
	if err != nil {
		tb.Fatal(err)
	}
	return k
}

// openServices opens the hub's services in this process.
func (h *harness) openServices() {
	h.t.Helper()
	db := postgres.NewDB(h.dbURL)
	db.Keys = keyring(h.t)
	if err := db.Open(context.Background()); err != nil {
		h.t.Fatal(err)
	}
	h.db, h.batches = db, postgres.NewBatchService(db)
	h.t.Cleanup(h.closeServices)
}

// checkStatistics fails unless the statistics equal a fresh count cell by
// cell. Counted chunk by chunk into the build made before any record, they
// do, unless a worker died (or lost its batch) holding a batch's counted
// changes: then they say they are stale, and the workers rebuild them; if
// the workers have not yet, the test does (its worker is stopped by now).
func (h *harness) checkStatistics() {
	h.t.Helper()
	ctx := context.Background()
	db := postgres.NewDB(h.dbURL)
	if err := db.Open(ctx); err != nil {
		h.t.Fatal(err)
	}
	defer db.Close()
	stats := postgres.NewStatisticsService(db)
	stale, err := stats.StatisticsStale(ctx)
	if err != nil {
		h.t.Fatal(err)
	}
	if stale {
		b, err := stats.RebuildStatistics(ctx)
		if err != nil {
			h.t.Fatal(err)
		}
		h.t.Logf("statistics: stale after the recovery (a worker died holding a batch's counted changes); rebuilt in %s", b.Took.Round(time.Millisecond))
	}
	c, err := stats.CheckStatistics(ctx)
	if err != nil {
		h.t.Fatal(err)
	}
	cells := 0
	for _, m := range c.Measures {
		cells += m.Stored
		for _, e := range m.Examples {
			h.t.Errorf("statistics: %s", e)
		}
	}
	switch {
	case c.Stale || c.Drift() != 0 || cells == 0:
		h.t.Errorf("statistics: stale %v, %d cells differ from a fresh count, %d stored", c.Stale, c.Drift(), cells)
	case !stale && c.BuildID != h.statsBuild:
		// The workers found them stale and rebuilt before the test looked.
		h.t.Logf("statistics equal a fresh count: %d cells, rebuilt by the workers after the recovery", cells)
	case !stale:
		h.t.Logf("statistics counted chunk by chunk equal a fresh count: %d cells", cells)
	}
}

// closeServices closes them, so that the only connections with the hub's
// application_name are those of the worker subprocess.
func (h *harness) closeServices() {
	if h.db != nil {
		h.db.Close()
		h.db, h.batches = nil, nil
	}
}

func (h *harness) environ() []string {
	env := os.Environ()
	for k, v := range h.env {
		env = append(env, k+"="+v) // later entries win
	}
	return env
}

var storedRE = regexp.MustCompile(`batch ([0-9a-f-]{36}) stored`)

// ingest submits body as a batch the way an operator does: `hub ingest
// FILE --source NAME --wait=false` stores it, then enqueues it.
func (h *harness) ingest(name string, body []byte) string {
	h.t.Helper()
	path := filepath.Join(h.feedsDir, name)
	if err := os.WriteFile(path, body, 0o644); err != nil {
		h.t.Fatal(err)
	}
	cmd := exec.Command(hubBin, "ingest", path, "--source", h.source, "--wait=false")
	cmd.Env = h.environ()
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		h.t.Fatalf("hub ingest %s: %v\n%s%s", name, err, stdout.String(), stderr.String())
	}
	m := storedRE.FindStringSubmatch(stdout.String())
	if m == nil {
		h.t.Fatalf("hub ingest %s printed no batch id:\n%s", name, stdout.String())
	}
	return m[1]
}

// ingestAll ingests each body as a batch, in order, and returns their ids.
func (h *harness) ingestAll(bodies [][]byte) []string {
	h.t.Helper()
	ids := make([]string, len(bodies))
	for i, body := range bodies {
		ids[i] = h.ingest(fmt.Sprintf("feed-%d.ndjson", i+1), body)
	}
	return ids
}

// batchTask is the state of a batch's task in the private Redis
// ("pending", "active", "retry"…), or "" when Redis holds none.
func (h *harness) batchTask(id string) string {
	h.t.Helper()
	insp := asynq.NewInspector(h.redis.asynqOpt(0))
	defer insp.Close()
	info, err := insp.GetTaskInfo(workers.QueueIngest, "batch:"+id)
	if errors.Is(err, asynq.ErrTaskNotFound) || errors.Is(err, asynq.ErrQueueNotFound) {
		return ""
	} else if err != nil {
		h.t.Fatalf("task of batch %s: %v", id, err)
	}
	return info.State.String()
}

// pendingBatches lists the batches whose tasks wait in the private Redis.
func (h *harness) pendingBatches() []string {
	h.t.Helper()
	insp := asynq.NewInspector(h.redis.asynqOpt(0))
	defer insp.Close()
	tasks, err := insp.ListPendingTasks(workers.QueueIngest)
	if errors.Is(err, asynq.ErrQueueNotFound) {
		return nil
	} else if err != nil {
		h.t.Fatalf("pending tasks: %v", err)
	}
	var ids []string
	for _, task := range tasks {
		var p workers.BatchPayload
		if err := json.Unmarshal(task.Payload, &p); err != nil {
			h.t.Fatalf("task %s: %v", task.ID, err)
		}
		ids = append(ids, p.BatchID)
	}
	return ids
}

// batchRow is a batch as the database has it.
type batchRow struct {
	ID                         string
	Status                     hub.BatchStatus
	Lines, Processed, Attempts int
	Counts                     hub.BatchCounts
	Error                      string
}

func (h *harness) batch(id string) batchRow {
	h.t.Helper()
	b := batchRow{ID: id}
	c := &b.Counts
	err := h.pool.QueryRow(context.Background(), `SELECT status, lines, processed_lines, attempts, created, updated, deleted, unchanged, stale, failed, error
		FROM batches WHERE id = $1`, id).Scan(&b.Status, &b.Lines, &b.Processed, &b.Attempts, &c.Created, &c.Updated, &c.Deleted, &c.Unchanged, &c.Stale, &c.Failed, &b.Error)
	if err != nil {
		h.t.Fatalf("batch %s: %v", id, err)
	}
	return b
}

func (b batchRow) finished() bool { return b.Status == hub.BatchDone || b.Status == hub.BatchFailed }

// allBatches lists every batch of the database, oldest first.
func (h *harness) allBatches() []batchRow {
	h.t.Helper()
	rows, _ := h.pool.Query(context.Background(), `SELECT id::text FROM batches ORDER BY received_at, id`)
	ids, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		h.t.Fatal(err)
	}
	out := make([]batchRow, len(ids))
	for i, id := range ids {
		out[i] = h.batch(id)
	}
	return out
}

// waitBatches waits until every batch is done or failed.
func (h *harness) waitBatches(timeout time.Duration, ids ...string) {
	h.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		var open []batchRow
		for _, id := range ids {
			if b := h.batch(id); !b.finished() {
				open = append(open, b)
			}
		}
		if len(open) == 0 {
			return
		}
		if time.Now().After(deadline) {
			h.t.Fatalf("batches not finished after %s: %+v", timeout, open)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func (h *harness) batchErrors(id string) []hub.RecordError {
	h.t.Helper()
	rows, _ := h.pool.Query(context.Background(), `SELECT line, field, message FROM batch_errors WHERE batch_id = $1 ORDER BY line, seq`, id)
	errs, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (hub.RecordError, error) {
		var e hub.RecordError
		return e, row.Scan(&e.Line, &e.Field, &e.Message)
	})
	if err != nil {
		h.t.Fatal(err)
	}
	return errs
}

// checkBatches checks that each batch is done, that its counts add up to
// its records and equal those of the clean run, and that it holds the
// clean run's record errors, each once.
func (h *harness) checkBatches(exp *expectation, ids ...string) {
	h.t.Helper()
	for i, id := range ids {
		b := h.batch(id)
		if b.Status != hub.BatchDone {
			h.t.Errorf("batch %d (%s) is %s (%q), want done", i+1, id, b.Status, b.Error)
		}
		if b.Counts.Total() != b.Lines || b.Processed < b.Lines {
			h.t.Errorf("batch %d: counts %+v add up to %d, want its %d records (processed up to line %d)", i+1, b.Counts, b.Counts.Total(), b.Lines, b.Processed)
		}
		if diff := cmp.Diff(exp.counts[i], b.Counts); diff != "" {
			h.t.Errorf("batch %d: counts differ from the clean run's (-want +got):\n%s", i+1, diff)
		}
		if diff := cmp.Diff(exp.errors[i], h.batchErrors(id)); diff != "" {
			if len(diff) > 3000 {
				diff = diff[:3000] + "\n… (truncated)"
			}
			h.t.Errorf("batch %d: record errors differ from the clean run's (-want +got):\n%s", i+1, diff)
		}
	}
}

// worker runs `hub worker` subprocesses, one at a time, all logging to one
// file that the test shows when it fails.
type worker struct {
	h       *harness
	lives   int
	cmd     *exec.Cmd
	exited  chan struct{}
	logPath string
	log     *os.File
}

func (h *harness) worker() *worker {
	h.t.Helper()
	w := &worker{h: h, logPath: filepath.Join(h.t.TempDir(), "worker.log")}
	f, err := os.Create(w.logPath)
	if err != nil {
		h.t.Fatal(err)
	}
	w.log = f
	h.t.Cleanup(func() {
		if w.cmd != nil {
			w.stop()
		}
		if h.t.Failed() {
			h.t.Logf("worker log (last 80 lines):\n%s", tail(w.logs(), 80))
		}
		f.Close()
	})
	return w
}

// start starts a new worker process.
func (w *worker) start() {
	w.h.t.Helper()
	w.lives++
	fmt.Fprintf(w.log, "=== worker life %d, %s\n", w.lives, time.Now().Format(time.RFC3339Nano))
	cmd := exec.Command(hubBin, "worker")
	cmd.Env = w.h.environ()
	cmd.Stdout, cmd.Stderr = w.log, w.log
	if err := cmd.Start(); err != nil {
		w.h.t.Fatalf("start hub worker: %v", err)
	}
	w.cmd, w.exited = cmd, make(chan struct{})
	go func(cmd *exec.Cmd, exited chan struct{}) { _ = cmd.Wait(); close(exited) }(cmd, w.exited)
}

// alive reports whether the current process still runs.
func (w *worker) alive() bool {
	select {
	case <-w.exited:
		return false
	default:
		return true
	}
}

// kill kills the worker with SIGKILL: no deferred function, no graceful
// shutdown, its task left active in Redis and its transaction cut.
func (w *worker) kill() {
	w.h.t.Helper()
	_ = w.cmd.Process.Signal(syscall.SIGKILL)
	select {
	case <-w.exited:
	case <-time.After(10 * time.Second):
		w.h.t.Fatal("the worker did not die of SIGKILL within 10 s")
	}
	fmt.Fprintf(w.log, "=== worker life %d killed with SIGKILL, %s\n", w.lives, time.Now().Format(time.RFC3339Nano))
	w.cmd = nil
}

// stop stops the worker gracefully.
func (w *worker) stop() {
	_ = w.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-w.exited:
	case <-time.After(15 * time.Second):
		_ = w.cmd.Process.Kill()
		<-w.exited
	}
	w.cmd = nil
}

func (w *worker) logs() string {
	b, _ := os.ReadFile(w.logPath)
	return string(b)
}

// rescues counts the reconciler's rescues of lost batches in the logs.
func (w *worker) rescues() int { return strings.Count(w.logs(), "re-enqueued a lost batch") }

var rescueRE = regexp.MustCompile(`re-enqueued a lost batch".* batch=([0-9a-f-]{36})`)

// rescuesOf counts the reconciler's rescues of each batch in the logs.
func (w *worker) rescuesOf() map[string]int {
	out := map[string]int{}
	for _, m := range rescueRE.FindAllStringSubmatch(w.logs(), -1) {
		out[m[1]]++
	}
	return out
}

func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// expectation is what a set of feeds leaves when applied once, cleanly,
// one after the other, into a fresh database.
type expectation struct {
	state  state
	counts []hub.BatchCounts
	errors [][]hub.RecordError
}

var (
	expMu    sync.Mutex
	expCache = map[[32]byte]*expEntry{}
)

type expEntry struct {
	once sync.Once
	exp  *expectation
}

// expect applies bodies as batches of source, in this process, with the
// worker's own code (workers.BatchProcessor) and chunk size but nothing in
// the way, and returns the resulting state. Scenarios that share feeds
// share the result.
func expect(t *testing.T, source string, chunk int, bodies ...[]byte) *expectation {
	t.Helper()
	hash := sha256.New()
	fmt.Fprintf(hash, "%s/%d/", source, chunk)
	for _, b := range bodies {
		fmt.Fprintf(hash, "%d:", len(b))
		hash.Write(b)
	}
	var k [32]byte
	copy(k[:], hash.Sum(nil))
	expMu.Lock()
	e := expCache[k]
	if e == nil {
		e = &expEntry{}
		expCache[k] = e
	}
	expMu.Unlock()
	e.once.Do(func() { e.exp = cleanRun(t, source, chunk, bodies) })
	if e.exp == nil {
		t.Fatal("the clean run failed in another test")
	}
	return e.exp
}

func cleanRun(t *testing.T, source string, chunk int, bodies [][]byte) *expectation {
	t.Helper()
	start := time.Now()
	ctx := context.Background()
	db := postgres.NewDB(testutil.CreateDatabase(t))
	db.Keys = keyring(t)
	if err := db.Open(ctx); err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	src := &hub.Source{Name: source, Kind: hub.SourceRegionalPlatform, RegionCode: "KZ-11"}
	if _, err := postgres.NewSourceService(db).CreateSource(ctx, src); err != nil {
		t.Fatal(err)
	}
	batches := postgres.NewBatchService(db)
	p := &workers.BatchProcessor{Batches: batches, Sources: postgres.NewSourceService(db), ChunkSize: chunk,
		Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	exp := &expectation{}
	for i, body := range bodies {
		b := &hub.Batch{SourceID: src.ID, Source: src.Name, Format: hub.FormatNDJSON, Filename: fmt.Sprintf("clean-%d.ndjson", i+1), Lines: ingest.CountLines(body)}
		if err := batches.CreateBatch(ctx, b, body); err != nil {
			t.Fatal(err)
		}
		if err := p.Process(ctx, b.ID); err != nil {
			t.Fatalf("clean run of feed %d: %v", i+1, err)
		}
		got, err := batches.FindBatchByID(ctx, b.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Status != hub.BatchDone || got.Counts.Total() != got.Lines {
			t.Fatalf("clean run of feed %d: %s (%q), counts %+v for %d records", i+1, got.Status, got.Error, got.Counts, got.Lines)
		}
		errs, err := batches.FindBatchErrors(ctx, b.ID, 1_000_000)
		if err != nil {
			t.Fatal(err)
		}
		exp.counts, exp.errors = append(exp.counts, got.Counts), append(exp.errors, errs)
	}
	exp.state = dumpState(t, db.Pool)
	t.Logf("clean run: %d feeds applied once in %s: counts %+v; %d rows (%s)", len(bodies), time.Since(start).Round(time.Millisecond),
		exp.counts, exp.state.rows(), exp.state.summary())
	return exp
}
