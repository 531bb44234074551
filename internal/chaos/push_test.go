package chaos_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	hub "github.com/birgemiz/hub"
	"github.com/birgemiz/hub/feedapi"
	"github.com/birgemiz/hub/postgres"
	"github.com/birgemiz/hub/workers"
)

// pushAPI is the push API of `hub serve` (feedapi, wired as cmd/hub wires
// it: store the batch, then enqueue it on Redis) served in this process on
// the harness's services and its private Redis.
type pushAPI struct {
	h   *harness
	url string
	log *syncBuffer // the handler's log
}

func (h *harness) pushAPI() *pushAPI {
	h.t.Helper()
	q := workers.NewEnqueuer(h.redis.asynqOpt(0))
	h.t.Cleanup(func() { _ = q.Close() })
	p := &pushAPI{h: h, log: &syncBuffer{}}
	handler := &feedapi.Handler{Sources: postgres.NewSourceService(h.db), Batches: h.batches,
		Log:     slog.New(slog.NewTextHandler(p.log, nil)),
		Enqueue: func(ctx context.Context, id string) error { _, err := q.EnqueueBatch(ctx, id); return err }}
	mux := http.NewServeMux()
	handler.Register(mux)
	srv := httptest.NewServer(mux)
	h.t.Cleanup(srv.Close)
	p.url = srv.URL
	return p
}

// receipt is the API's answer about a batch.
type receipt struct {
	BatchID string          `json:"batch_id"`
	Status  hub.BatchStatus `json:"status"`
	Records int             `json:"records"`
	Counts  hub.BatchCounts `json:"counts"`
}

// pushed is the outcome of one push.
type pushed struct {
	Status   int
	Replayed bool // the answer carries Idempotent-Replayed: true
	Receipt  receipt
	Body     string
}

// push sends body as an NDJSON batch of the harness's source, signed now
// with webhookID, the way a platform does. Tests may push from several
// goroutines at once: a failure is reported with Errorf.
func (p *pushAPI) push(webhookID string, body []byte) pushed {
	p.h.t.Helper()
	now := time.Now()
	wh, err := standardwebhooks.NewWebhook(p.h.creds.Secret)
	var sig string
	if err == nil {
		sig, err = wh.Sign(webhookID, now, body)
	}
	if err != nil {
		p.h.t.Errorf("sign a push: %v", err)
		return pushed{}
	}
	req, _ := http.NewRequest("POST", p.url+"/v1/sources/"+p.h.source+"/batches", bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+p.h.creds.Token)
	req.Header.Set("Content-Type", "application/x-ndjson")
	req.Header.Set(standardwebhooks.HeaderWebhookID, webhookID)
	req.Header.Set(standardwebhooks.HeaderWebhookTimestamp, strconv.FormatInt(now.Unix(), 10))
	req.Header.Set(standardwebhooks.HeaderWebhookSignature, sig)
	return p.do(req)
}

// get asks for the receipt of batch id.
func (p *pushAPI) get(id string) pushed {
	p.h.t.Helper()
	req, _ := http.NewRequest("GET", p.url+"/v1/batches/"+id, nil)
	req.Header.Set("Authorization", "Bearer "+p.h.creds.Token)
	return p.do(req)
}

func (p *pushAPI) do(req *http.Request) pushed {
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		p.h.t.Errorf("%s %s: %v", req.Method, req.URL.Path, err)
		return pushed{}
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	out := pushed{Status: resp.StatusCode, Replayed: resp.Header.Get("Idempotent-Replayed") == "true", Body: string(b)}
	if err := json.Unmarshal(b, &out.Receipt); err != nil {
		p.h.t.Errorf("%s %s: %d, not JSON: %s", req.Method, req.URL.Path, resp.StatusCode, b)
	}
	return out
}

// syncBuffer is a bytes.Buffer that handlers serving requests at once may
// write to.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// count counts the rows of a table of the scenario's database.
func (h *harness) count(table string) int {
	h.t.Helper()
	var n int
	if err := h.pool.QueryRow(context.Background(), `SELECT count(*) FROM `+table).Scan(&n); err != nil {
		h.t.Fatal(err)
	}
	return n
}

// TestSameBatchPushedTwice pushes one feed over HTTP the ways a platform
// repeats itself. (a) A push retried with the same webhook-id stores
// nothing new and answers the original receipt with Idempotent-Replayed:
// true, whether the retries race the first push (several at once, before
// any is stored) or come after its batch is done. (b) The same body pushed
// again under a new webhook-id is a second batch, and every one of its
// records counts as unchanged. It checks that the database equals the feed
// applied once, cleanly, and that the first batch's counts and record
// errors equal the clean run's.
//
// The feed is clean (feedSpec.Clean: no updates, stale or repeated lines,
// deletes of its own records or rejected lines), so that applying it a
// second time leaves every record unchanged.
func TestSameBatchPushedTwice(t *testing.T) {
	t.Parallel()
	start := time.Now()
	records := max(knob(t, "HUB_CHAOS_RECORDS", 10_000, 100)/2, 100)
	body, stats := genFeed(feedSpec{Prefix: "p", Num: 4, Records: records, Seed: 4, Clean: true})
	t.Logf("feed: %d bytes, %s", len(body), stats)
	const source = "chaos-pusher"
	want := expect(t, source, chaosChunk, body)
	h := newHarness(t, source, chaosChunk)
	api := h.pushAPI()
	w := h.worker()
	w.start()

	// (a) The same push, several times at once: one batch.
	const racing = 6
	answers := make([]pushed, racing)
	var wg sync.WaitGroup
	for i := range answers {
		wg.Add(1)
		go func() { defer wg.Done(); answers[i] = api.push("msg_chaos-1", body) }()
	}
	wg.Wait()
	first, fresh := "", 0
	for i, a := range answers {
		if a.Status != http.StatusAccepted {
			t.Fatalf("racing push %d: %d %s", i+1, a.Status, a.Body)
		}
		if first == "" {
			first = a.Receipt.BatchID
		}
		if a.Receipt.BatchID != first {
			t.Errorf("racing push %d answered batch %s, push 1 batch %s: one webhook-id, two batches", i+1, a.Receipt.BatchID, first)
		}
		if !a.Replayed {
			fresh++
		}
	}
	if fresh != 1 {
		t.Errorf("%d of %d racing pushes with one webhook-id were answered as new (no Idempotent-Replayed), want exactly 1", fresh, racing)
	}
	if n := h.count("batches"); n != 1 {
		t.Fatalf("%d racing pushes with one webhook-id stored %d batches, want 1", racing, n)
	}
	h.waitBatches(90*time.Second, first)

	// (a) The same push once its batch is done: the original receipt, as it stands.
	again := api.push("msg_chaos-1", body)
	if again.Status != http.StatusAccepted || !again.Replayed || again.Receipt.BatchID != first {
		t.Errorf("the push retried after its batch was done: %d, replayed %v, batch %s; want 202, replayed, batch %s: %s",
			again.Status, again.Replayed, again.Receipt.BatchID, first, again.Body)
	}
	if again.Receipt.Status != hub.BatchDone || again.Receipt.Counts != want.counts[0] {
		t.Errorf("the replayed receipt says %s with counts %+v, want done with the clean run's %+v", again.Receipt.Status, again.Receipt.Counts, want.counts[0])
	}
	if n, m := h.count("batches"), h.count("batch_bodies"); n != 1 || m != 1 {
		t.Errorf("after the retry: %d batches and %d bodies stored, want 1 and 1", n, m)
	}

	// (b) The same body under a new webhook-id: a second batch, all unchanged.
	second := api.push("msg_chaos-2", body)
	if second.Status != http.StatusAccepted || second.Replayed || second.Receipt.BatchID == first || second.Receipt.BatchID == "" {
		t.Fatalf("the same body with a new webhook-id: %d, replayed %v, batch %s (the first was %s); want 202, a new batch: %s",
			second.Status, second.Replayed, second.Receipt.BatchID, first, second.Body)
	}
	if n := h.count("batches"); n != 2 {
		t.Errorf("after a push with a new webhook-id: %d batches stored, want 2", n)
	}
	h.waitBatches(90*time.Second, second.Receipt.BatchID)
	w.stop()

	h.checkBatches(want, first)
	got := api.get(second.Receipt.BatchID)
	b := h.batch(second.Receipt.BatchID)
	wantCounts := hub.BatchCounts{Unchanged: b.Lines}
	if b.Status != hub.BatchDone || b.Counts != wantCounts || got.Receipt.Status != hub.BatchDone || got.Receipt.Counts != wantCounts {
		t.Errorf("the second batch is %s (%q) with counts %+v (its receipt: %s, %+v); want done with all %d records unchanged %+v",
			b.Status, b.Error, b.Counts, got.Receipt.Status, got.Receipt.Counts, b.Lines, wantCounts)
	}
	// The records refused in part (personal data without consent) are
	// refused again, the same way.
	if diff := cmp.Diff(want.errors[0], h.batchErrors(second.Receipt.BatchID)); diff != "" {
		t.Errorf("the second batch's record errors differ from the clean run's (-want +got):\n%s", diff)
	}
	assertSameState(t, want.state, dumpState(t, h.pool))
	h.checkStatistics()
	if n := strings.Count(api.log.String(), "not enqueued"); n != 0 {
		t.Errorf("the push API failed to enqueue %d batches with Redis up:\n%s", n, api.log.String())
	}
	t.Logf("%d records; %d racing pushes and a late retry with one webhook-id: 1 batch; the same body with a new webhook-id: counts %+v; %s in all",
		b.Lines, racing, b.Counts, time.Since(start).Round(time.Millisecond))
}
