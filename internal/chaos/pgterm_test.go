package chaos_test

import (
	"context"
	"math/rand/v2"
	"testing"
	"time"
)

// TestPostgresConnectionsTerminated terminates the worker's PostgreSQL
// connections (pg_terminate_backend on every backend of the scenario's
// database with the hub's application_name) again and again while it
// applies a batch, and checks that the batch is applied exactly once. A
// chunk whose transaction is cut rolls back whole, the task fails and is
// retried (after HUB_RETRY_DELAY), and the retry resumes at the last
// committed chunk. Each round waits for the worker to be at work again (a
// new attempt or a new chunk), then strikes within 200 ms.
func TestPostgresConnectionsTerminated(t *testing.T) {
	t.Parallel()
	start := time.Now()
	body := chaosFeed(t)
	want := expect(t, chaosSource, chaosChunk, body)
	h := newHarness(t, chaosSource, chaosChunk)
	// Each round that cuts the batch's transaction costs its task one of
	// its 20 retries, after which it would be failed: stay well below.
	target := knob(t, "HUB_CHAOS_TERMS", 5, 1)
	if target > 15 {
		t.Fatalf("HUB_CHAOS_TERMS is %d; a batch task has 20 retries, keep it at 15 or less", target)
	}
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 3))

	id := h.ingest("feed.ndjson", body)
	// From here on, the only connections with the hub's application_name
	// to this database are the worker's.
	h.closeServices()
	w := h.worker()
	w.start()

	rounds, terminated, inTx := 0, 0, 0
	deadline := time.Now().Add(150 * time.Second)
	last := h.batch(id)
	for rounds < target {
		// Wait until the worker is at it again: a new attempt or a new chunk.
		b := h.batch(id)
		for b.Attempts == last.Attempts && b.Processed == last.Processed && !b.finished() {
			if time.Now().After(deadline) {
				t.Fatalf("after %d rounds of terminations the batch made no progress within the time budget: %+v", rounds, b)
			}
			if !w.alive() {
				t.Fatal("the worker exited")
			}
			time.Sleep(20 * time.Millisecond)
			b = h.batch(id)
		}
		if b.finished() {
			break
		}
		// A random moment of the next 200 ms: soon enough that the rounds
		// do not depend on how fast the machine applies the feed.
		time.Sleep(time.Duration(rng.IntN(201)) * time.Millisecond)
		if b = h.batch(id); b.finished() {
			break
		}
		var n, tx int
		if err := h.pool.QueryRow(context.Background(), `
			SELECT count(*) FILTER (WHERE state IN ('active', 'idle in transaction')), count(*) FILTER (WHERE pg_terminate_backend(pid))
			FROM pg_stat_activity WHERE datname = $1 AND application_name = 'birgemiz-hub' AND pid <> pg_backend_pid()`, h.dbName).Scan(&tx, &n); err != nil {
			t.Fatal(err)
		}
		last = h.batch(id)
		if n == 0 {
			continue
		}
		rounds++
		terminated += n
		inTx += tx
		t.Logf("round %d: %s after the start, terminated %d backends (%d in a statement or transaction), the batch at line %d of %d (attempt %d)",
			rounds, time.Since(start).Round(time.Millisecond), n, tx, last.Processed, last.Lines, last.Attempts)
	}
	h.waitBatches(time.Until(deadline), id)
	w.stop()

	if rounds < target {
		t.Errorf("the batch finished after %d rounds of terminations, want %d: make the feed larger (HUB_CHAOS_RECORDS)", rounds, target)
	}
	h.checkBatches(want, id)
	assertSameState(t, want.state, dumpState(t, h.pool))
	h.checkStatistics()
	b := h.batch(id)
	t.Logf("%d records, %d rounds of pg_terminate_backend, %d backends terminated (%d inside a statement or transaction), %d attempts, %s in all",
		b.Lines, rounds, terminated, inTx, b.Attempts, time.Since(start).Round(time.Millisecond))
}
