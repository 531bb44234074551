package chaos_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	hub "github.com/birgemiz/hub"
)

// TestBatchesReceivedWhileRedisDown pushes three feeds over HTTP while
// Redis is down (stopped with SHUTDOWN NOSAVE before the first push): the
// push API stores each batch, answers 202 with its receipt, and only logs
// that it could not enqueue it. The batches stay received. Then Redis
// starts, empty, and a worker with it; its reconciler must find and
// enqueue every batch, and every batch must be applied exactly once: the
// database equals the feeds applied once, cleanly, and each batch's counts
// equal the clean run's.
//
// The pushes go through the push API because `hub ingest` refuses to store
// anything while Redis is unreachable: it checks Redis before it stores.
func TestBatchesReceivedWhileRedisDown(t *testing.T) {
	t.Parallel()
	start := time.Now()
	bodies := chaosFeeds(t)
	want := expect(t, chaosSource, chaosChunk, bodies...)
	h := newHarness(t, chaosSource, chaosChunk)
	api := h.pushAPI()

	h.redis.shutdownNoSave()
	downAt := time.Now()
	ids := make([]string, len(bodies))
	for i, body := range bodies {
		p := api.push(fmt.Sprintf("msg_redis-down-%d", i+1), body)
		if p.Status != http.StatusAccepted || p.Receipt.Status != hub.BatchReceived || p.Receipt.BatchID == "" {
			t.Fatalf("push %d with Redis down: %d, want 202 and a received batch: %s", i+1, p.Status, p.Body)
		}
		ids[i] = p.Receipt.BatchID
	}
	if n := strings.Count(api.log.String(), "batch stored but not enqueued"); n != len(bodies) {
		t.Fatalf("the push API logged %d batches stored but not enqueued, want %d (was Redis down?):\n%s", n, len(bodies), api.log.String())
	}
	// Nothing can start them while Redis is down; wait until each is
	// overdue for the reconciler, so that it must rescue them all at once.
	overdue, err := time.ParseDuration(lostAfter)
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(overdue)
	for i, id := range ids {
		if b := h.batch(id); b.Status != hub.BatchReceived || b.Attempts != 0 || b.Processed != 0 {
			t.Fatalf("batch %d, pushed while Redis was down, is %s after %d attempts at line %d, want received and untouched", i+1, b.Status, b.Attempts, b.Processed)
		}
	}
	downFor := time.Since(downAt)

	h.redis.start()
	for i, id := range ids {
		if st := h.batchTask(id); st != "" {
			t.Fatalf("batch %d: Redis came back with a task for it (%s), want none", i+1, st)
		}
	}
	w := h.worker()
	w.start()
	h.waitBatches(120*time.Second, ids...)
	w.stop()

	rescues := w.rescuesOf()
	for i, id := range ids {
		if rescues[id] == 0 {
			t.Errorf("batch %d was never enqueued by the reconciler, yet it was stored with Redis down", i+1)
		}
	}
	h.checkBatches(want, ids...)
	assertSameState(t, want.state, dumpState(t, h.pool))
	h.checkStatistics()
	t.Logf("3 batches pushed while Redis was down (%s), reconciler rescues %v, %s in all",
		downFor.Round(time.Millisecond), rescueCounts(rescues, ids), time.Since(start).Round(time.Millisecond))
}
