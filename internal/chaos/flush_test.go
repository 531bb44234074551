package chaos_test

import (
	"math/rand/v2"
	"testing"
	"time"
)

// TestRedisFlushedMidBatch empties Redis (FLUSHALL) under the pipeline:
// once after three batches are stored and queued, before any worker runs,
// so that every task is gone and only the reconciler can find the batches
// again; then again and again while the worker applies the large one (each
// time 50–250 ms after it committed a chunk), which also loses the task of
// any batch still waiting in the queue. It checks that every batch is
// applied exactly once: the database equals the feeds applied once,
// cleanly, and each batch's counts equal the clean run's.
//
// A flush takes the running task's entry from Redis, but not the task from
// its worker: asynq extends a lease only if it exists (ZADD XX), so the
// worker carries on and its final acknowledgement finds nothing to remove.
// A batch whose task waited in the queue has nothing left that would run
// it: the reconciler enqueues it afresh once it has made no progress for
// HUB_LOST_AFTER.
func TestRedisFlushedMidBatch(t *testing.T) {
	t.Parallel()
	start := time.Now()
	bodies := chaosFeeds(t)
	want := expect(t, chaosSource, chaosChunk, bodies...)
	h := newHarness(t, chaosSource, chaosChunk)
	target := knob(t, "HUB_CHAOS_FLUSHES", 8, 1)
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 5))

	ids := h.ingestAll(bodies)
	for i, id := range ids {
		if st := h.batchTask(id); st != "pending" {
			t.Fatalf("batch %d: its task is %q after hub ingest, want pending", i+1, st)
		}
	}
	h.redis.flushAll()
	for i, id := range ids {
		if st := h.batchTask(id); st != "" {
			t.Fatalf("batch %d: its task is still %q after FLUSHALL", i+1, st)
		}
	}
	w := h.worker()
	w.start()

	big := ids[0]
	flushes, inTx, lostQueued := 0, 0, 0
	deadline := time.Now().Add(120 * time.Second)
	last := h.batch(big)
	for flushes < target {
		// Wait until the worker has committed a chunk since the last flush:
		// it is at work on the batch, whatever the flush did.
		b := h.batch(big)
		for b.Processed == last.Processed && !b.finished() {
			if time.Now().After(deadline) {
				t.Fatalf("after %d flushes the batch made no progress within the time budget: %+v", flushes, b)
			}
			if !w.alive() {
				t.Fatal("the worker exited")
			}
			time.Sleep(20 * time.Millisecond)
			b = h.batch(big)
		}
		if b.finished() {
			break
		}
		time.Sleep(time.Duration(50+rng.IntN(201)) * time.Millisecond)
		if h.batch(big).finished() {
			break
		}
		queued := h.pendingBatches()
		inTx += h.hubBackendsInTransaction()
		h.redis.flushAll()
		flushes++
		lostQueued += len(queued)
		last = h.batch(big)
		t.Logf("flush %d: %s after the start, the batch at line %d of %d (attempt %d), %d queued tasks lost",
			flushes, time.Since(start).Round(time.Millisecond), last.Processed, last.Lines, last.Attempts, len(queued))
	}
	h.waitBatches(time.Until(deadline), ids...)
	w.stop()

	if flushes < target {
		t.Errorf("the batch finished after %d flushes, want %d: make the feed larger (HUB_CHAOS_RECORDS)", flushes, target)
	}
	// Nothing but the reconciler could enqueue the batches again after the
	// first flush: each must have been rescued.
	rescues := w.rescuesOf()
	for i, id := range ids {
		if rescues[id] == 0 {
			t.Errorf("batch %d was never re-enqueued by the reconciler, yet its task was flushed before any worker ran", i+1)
		}
	}
	h.checkBatches(want, ids...)
	assertSameState(t, want.state, dumpState(t, h.pool))
	h.checkStatistics()
	var attempts []int
	for _, id := range ids {
		attempts = append(attempts, h.batch(id).Attempts)
	}
	t.Logf("3 batches, %d FLUSHALLs mid-batch (%d backends caught inside a transaction, %d queued tasks lost), attempts %v, reconciler rescues %v, %s in all",
		flushes, inTx, lostQueued, attempts, rescueCounts(rescues, ids), time.Since(start).Round(time.Millisecond))
}

// rescueCounts lists the rescues of each batch, in the order of ids.
func rescueCounts(rescues map[string]int, ids []string) []int {
	out := make([]int, len(ids))
	for i, id := range ids {
		out[i] = rescues[id]
	}
	return out
}
