package chaos_test

import (
	"context"
	"math/rand/v2"
	"testing"
	"time"
)

// The kill and terminate scenarios apply the same feed with the same
// chunk size from the same source, so they share one clean run; the Redis
// scenarios apply it with two smaller feeds (chaosFeeds), and share another.
const (
	chaosSource = "chaos-portal"
	chaosChunk  = 250 // records per transaction: many chunks, so many moments to kill a worker between and inside them
)

func chaosFeed(t *testing.T) []byte {
	t.Helper()
	body, stats := genFeed(feedSpec{Prefix: "k", Num: 1, Records: knob(t, "HUB_CHAOS_RECORDS", 10_000, 100), Seed: 1})
	t.Logf("feed: %d bytes, %s", len(body), stats)
	return body
}

// chaosFeeds are the feeds of the Redis scenarios: the large feed of
// chaosFeed and two feeds of 30 % of its size, so that while a worker
// applies one batch others wait in Redis. Their ids have other prefixes and
// their BINs, IINs and phones other numbers, so the three touch none of each
// other's records and may apply in any order, or at once, and still leave
// what the clean run, one after the other, leaves.
func chaosFeeds(t *testing.T) [][]byte {
	t.Helper()
	records := knob(t, "HUB_CHAOS_RECORDS", 10_000, 100)
	bodies := [][]byte{chaosFeed(t)}
	for i, prefix := range []string{"r", "s"} {
		body, stats := genFeed(feedSpec{Prefix: prefix, Num: 2 + i, Records: max(records*3/10, 100), Seed: uint64(2 + i)})
		t.Logf("feed %d: %d bytes, %s", i+2, len(body), stats)
		bodies = append(bodies, body)
	}
	return bodies
}

// TestWorkerKilledMidBatch kills `hub worker` with SIGKILL at random
// moments while it applies a batch (within 200 ms after each new worker has
// committed a chunk), restarting it each time, until the batch is done; it checks
// that the batch is applied exactly once: the database equals the feed
// applied once, cleanly, and the counts equal the clean run's.
//
// A killed worker leaves its task active in Redis. asynq re-runs such a
// task only when its lease (30 s) and 30 s of grace are over, on a check
// that runs each minute, and then after a retry backoff; the hub's
// reconciler rescues it sooner: once the dead worker's heartbeat has
// expired (5–10 s) and the batch has made no progress for HUB_LOST_AFTER.
func TestWorkerKilledMidBatch(t *testing.T) {
	t.Parallel()
	start := time.Now()
	body := chaosFeed(t)
	want := expect(t, chaosSource, chaosChunk, body)
	h := newHarness(t, chaosSource, chaosChunk)
	minKills := knob(t, "HUB_CHAOS_KILLS", 5, 1)
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 1))

	w := h.worker()
	id := h.ingest("feed.ndjson", body)
	w.start()
	kills, inTx, attempts := 0, 0, 0
	var waits []time.Duration
	deadline := time.Now().Add(150 * time.Second)
	for {
		// Wait until this worker has picked the batch up.
		pickedAt := time.Now()
		b := h.batch(id)
		for b.Attempts == attempts && !b.finished() {
			if time.Now().After(deadline) {
				t.Fatalf("after %d kills, no worker picked the batch up again within the time budget: %+v", kills, b)
			}
			if !w.alive() {
				t.Fatalf("the worker exited on its own")
			}
			time.Sleep(20 * time.Millisecond)
			b = h.batch(id)
		}
		if b.finished() {
			break
		}
		if kills > 0 {
			waits = append(waits, time.Since(pickedAt))
		}
		attempts = b.Attempts
		// Let this worker commit a chunk past where it resumed, then kill it
		// at a random moment of the next 200 ms: each life makes progress,
		// and the number of kills depends on the feed's size, not on how
		// fast the machine applies it.
		resumed := b.Processed
		for b = h.batch(id); b.Processed < resumed+chaosChunk && !b.finished(); b = h.batch(id) {
			if time.Now().After(deadline) {
				t.Fatalf("after %d kills, the worker made no progress within the time budget: %+v", kills, b)
			}
			time.Sleep(10 * time.Millisecond)
		}
		time.Sleep(time.Duration(rng.IntN(201)) * time.Millisecond)
		if h.batch(id).finished() {
			break
		}
		inTx += h.hubBackendsInTransaction()
		w.kill()
		kills++
		b = h.batch(id)
		t.Logf("kill %d: %s after the start, the batch at line %d of %d (attempt %d)", kills, time.Since(start).Round(time.Millisecond), b.Processed, b.Lines, b.Attempts)
		w.start()
	}
	h.waitBatches(time.Until(deadline), id)
	w.stop()

	if kills < minKills {
		t.Errorf("the batch finished after %d kills, want at least %d: make the feed larger (HUB_CHAOS_RECORDS)", kills, minKills)
	}
	h.checkBatches(want, id)
	assertSameState(t, want.state, dumpState(t, h.pool))
	h.checkStatistics()
	b := h.batch(id)
	t.Logf("%d records, %d SIGKILLs (%d backends caught inside a transaction), %d attempts, %d reconciler rescues, rescue waits %v, %s in all",
		b.Lines, kills, inTx, b.Attempts, w.rescues(), roundAll(waits), time.Since(start).Round(time.Millisecond))
	if b.Attempts < kills+1 {
		t.Errorf("the batch had %d attempts after %d kills, want at least %d", b.Attempts, kills, kills+1)
	}
}

// hubBackendsInTransaction counts the hub's connections to the scenario's
// database that are inside a transaction or running a statement.
func (h *harness) hubBackendsInTransaction() int {
	h.t.Helper()
	var n int
	if err := h.pool.QueryRow(context.Background(), `SELECT count(*) FROM pg_stat_activity
		WHERE datname = $1 AND application_name = 'birgemiz-hub' AND state IN ('active', 'idle in transaction')`, h.dbName).Scan(&n); err != nil {
		h.t.Fatal(err)
	}
	return n
}

func roundAll(ds []time.Duration) []time.Duration {
	out := make([]time.Duration, len(ds))
	for i, d := range ds {
		out[i] = d.Round(100 * time.Millisecond)
	}
	return out
}
