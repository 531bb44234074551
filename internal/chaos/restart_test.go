package chaos_test

import (
	"math/rand/v2"
	"testing"
	"time"

	hub "github.com/birgemiz/hub"
)

// redisOutage is how long Redis stays down in the restart scenario: longer
// than HUB_LOST_AFTER, so that every batch whose task the outage lost is
// overdue when Redis is back, and far shorter than asynq's 30 s lease, which
// the running task's worker cannot extend while Redis is down.
const redisOutage = 3 * time.Second

// TestRedisRestartedEmptyMidBatch stops Redis with SHUTDOWN NOSAVE while a
// worker (one task at a time, so that the other batches wait in Redis)
// applies a batch, keeps it down for redisOutage, and starts it again,
// empty, on the same port: first while the worker applies the large batch,
// with the two others queued behind it, then while it applies the second,
// with the third queued again. The running `hub worker` must live through
// both outages and reconnect; its reconciler must enqueue again every batch
// whose queued task an outage lost; and every batch must be applied
// exactly once: the database equals the feeds applied once, cleanly, and
// each batch's counts equal the clean run's.
func TestRedisRestartedEmptyMidBatch(t *testing.T) {
	t.Parallel()
	start := time.Now()
	bodies := chaosFeeds(t)
	want := expect(t, chaosSource, chaosChunk, bodies...)
	h := newHarness(t, chaosSource, chaosChunk)
	h.env["HUB_WORKER_CONCURRENCY"] = "1"
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 7))

	ids := h.ingestAll(bodies)
	w := h.worker()
	w.start()
	deadline := time.Now().Add(120 * time.Second)
	lost := map[string]int{}
	for round, active := range ids[:2] {
		// Wait until the worker has committed a chunk of the batch.
		b := h.batch(active)
		for b.Processed == 0 && !b.finished() {
			if time.Now().After(deadline) {
				t.Fatalf("round %d: batch %d was not picked up within the time budget: %+v", round+1, round+1, b)
			}
			if !w.alive() {
				t.Fatal("the worker exited")
			}
			time.Sleep(20 * time.Millisecond)
			b = h.batch(active)
		}
		if b.finished() {
			t.Fatalf("round %d: batch %d finished before Redis could be stopped under it: make the feeds larger (HUB_CHAOS_RECORDS)", round+1, round+1)
		}
		time.Sleep(time.Duration(100+rng.IntN(201)) * time.Millisecond)
		queued := map[string]int{}
		for _, id := range h.pendingBatches() {
			queued[id] = h.batch(id).Attempts
		}
		before := h.batch(active)
		h.redis.shutdownNoSave()
		time.Sleep(redisOutage)
		after := h.batch(active)
		if !w.alive() {
			t.Fatalf("round %d: the worker exited while Redis was down", round+1)
		}
		// A queued task that no worker started before Redis went down is
		// gone with it: nothing can start a batch without Redis.
		var gone []int
		for id, attempts := range queued {
			if b := h.batch(id); b.Attempts == attempts && b.Status != hub.BatchDone {
				lost[id]++
				gone = append(gone, indexOf(ids, id)+1)
			}
		}
		h.redis.start()
		t.Logf("round %d: %s after the start, Redis down for %s while batch %d went from line %d to line %d of %d (attempt %d); the queued tasks of batches %v lost",
			round+1, time.Since(start).Round(time.Millisecond), redisOutage, round+1, before.Processed, after.Processed, after.Lines, after.Attempts, gone)
	}
	h.waitBatches(time.Until(deadline), ids...)
	if !w.alive() {
		t.Fatal("the worker exited")
	}
	w.stop()

	rescues := w.rescuesOf()
	total := 0
	for id, n := range lost {
		total += n
		if rescues[id] < n {
			t.Errorf("batch %d: Redis lost its queued task %d times, the reconciler re-enqueued it %d times", indexOf(ids, id)+1, n, rescues[id])
		}
	}
	if total < 2 {
		t.Errorf("the outages lost %d queued tasks, want at least the 2 queued behind the large batch", total)
	}
	h.checkBatches(want, ids...)
	assertSameState(t, want.state, dumpState(t, h.pool))
	h.checkStatistics()
	var attempts []int
	for _, id := range ids {
		attempts = append(attempts, h.batch(id).Attempts)
	}
	t.Logf("3 batches, 2 SHUTDOWN NOSAVEs mid-batch, %d queued tasks lost, one worker process throughout, attempts %v, reconciler rescues %v, %s in all",
		total, attempts, rescueCounts(rescues, ids), time.Since(start).Round(time.Millisecond))
}

func indexOf(ids []string, id string) int {
	for i, x := range ids {
		if x == id {
			return i
		}
	}
	return -1
}
