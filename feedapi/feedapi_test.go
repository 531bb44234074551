package feedapi_test

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	hub "github.com/birgemiz/hub"
	"github.com/birgemiz/hub/feedapi"
	"github.com/birgemiz/hub/internal/ratelimit"
	"github.com/birgemiz/hub/internal/testutil"
	"github.com/birgemiz/hub/postgres"
)

type env struct {
	url      string
	logs     *syncBuffer // what the handler logged
	db       *postgres.DB
	sources  *postgres.SourceService
	enqueued atomic.Int32
	creds    map[string]*hub.SourceCredentials
}

// setup starts the feed API on a new database, with a rate limiter if one
// is given.
func setup(t *testing.T, limiter ...*ratelimit.Limiter) *env {
	t.Helper()
	return setupWith(t, func(h *feedapi.Handler) {
		if len(limiter) > 0 {
			h.Limiter = limiter[0]
		}
	})
}

// syncBuffer is a bytes.Buffer safe for a logger's concurrent writes.
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

// setupWith is setup with the handler changed by configure.
func setupWith(t *testing.T, configure func(*feedapi.Handler)) *env {
	t.Helper()
	db := testutil.NewDB(t)
	e := &env{db: db, sources: postgres.NewSourceService(db), creds: map[string]*hub.SourceCredentials{}, logs: &syncBuffer{}}
	for _, name := range []string{"akmola-portal", "almaty-portal"} {
		c, err := e.sources.CreateSource(context.Background(), &hub.Source{Name: name, Kind: hub.SourceRegionalPlatform})
		if err != nil {
			t.Fatal(err)
		}
		e.creds[name] = c
	}
	h := &feedapi.Handler{Sources: e.sources, Keys: postgres.NewKeyService(db), Batches: postgres.NewBatchService(db),
		Log:     slog.New(slog.NewTextHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Enqueue: func(context.Context, string) error { e.enqueued.Add(1); return nil }, MaxBody: 4 << 20, MaxDecompressed: 4 << 20}
	configure(h)
	mux := http.NewServeMux()
	h.Register(mux)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	e.url = srv.URL
	return e
}

// push is one request; zero fields take a valid default.
type push struct {
	source, pathSource, token, secret, webhookID, contentType, encoding, query string
	at                                                                         time.Time
	body                                                                       []byte
	tamper                                                                     func(signed []byte) []byte
	extraSecrets                                                               []string
	unsigned                                                                   bool
}

const feed = `{"type":"organization","id":"o1","updated_at":"2026-01-13T10:00:00Z","data":{"name":{"ru":"Доброе сердце"},"region":"KZ-11"}}
{"type":"project","id":"p1","updated_at":"2026-01-13T10:00:00Z","data":{"title":{"ru":"Теплые встречи"},"organization_id":"o1","region":"KZ-11","status":"ACTIVE"}}
`

func (e *env) do(t *testing.T, p push) (int, map[string]any, http.Header) {
	t.Helper()
	if p.source == "" {
		p.source = "akmola-portal"
	}
	if p.pathSource == "" {
		p.pathSource = p.source
	}
	if p.token == "" {
		p.token = e.creds[p.source].Token
	}
	if p.secret == "" {
		p.secret = e.creds[p.source].Secret
	}
	if p.webhookID == "" {
		p.webhookID = "msg_" + strconv.FormatInt(time.Now().UnixNano(), 36)
	}
	if p.at.IsZero() {
		p.at = time.Now()
	}
	if p.body == nil {
		p.body = []byte(feed)
	}
	if p.contentType == "" {
		p.contentType = "application/x-ndjson"
	}
	var sigs []string
	for _, s := range append([]string{p.secret}, p.extraSecrets...) {
		wh, err := standardwebhooks.NewWebhook(s)
		if err != nil {
			t.Fatal(err)
		}
		sig, _ := wh.Sign(p.webhookID, p.at, p.body)
		sigs = append(sigs, sig)
	}
	body := p.body
	if p.tamper != nil {
		body = p.tamper(append([]byte{}, body...))
	}
	req, _ := http.NewRequest("POST", e.url+"/v1/sources/"+p.pathSource+"/batches"+p.query, bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+p.token)
	req.Header.Set("Content-Type", p.contentType)
	if p.encoding != "" {
		req.Header.Set("Content-Encoding", p.encoding)
	}
	if !p.unsigned {
		req.Header.Set("webhook-id", p.webhookID)
		req.Header.Set("webhook-timestamp", strconv.FormatInt(p.at.Unix(), 10))
		req.Header.Set("webhook-signature", strings.Join(sigs, " "))
	}
	return send(t, req)
}

func send(t *testing.T, req *http.Request) (int, map[string]any, http.Header) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	b, _ := io.ReadAll(resp.Body)
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatalf("%d: not JSON: %s", resp.StatusCode, b)
	}
	return resp.StatusCode, out, resp.Header
}

func (e *env) batches(t *testing.T) int {
	var n int
	if err := e.db.Pool.QueryRow(context.Background(), `SELECT count(*) FROM batches`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func gz(b []byte) []byte {
	var buf bytes.Buffer
	w := gzip.NewWriter(&buf)
	w.Write(b)
	w.Close()
	return buf.Bytes()
}

func TestPush(t *testing.T) {
	t.Parallel()
	e := setup(t)

	status, body, hdr := e.do(t, push{webhookID: "msg_1"})
	if status != http.StatusAccepted || body["status"] != "received" || body["records"].(float64) != 2 || hdr.Get("Location") == "" {
		t.Fatalf("push: %d %v", status, body)
	}
	id := body["batch_id"].(string)
	if e.enqueued.Load() != 1 || e.batches(t) != 1 {
		t.Fatalf("enqueued %d, stored %d", e.enqueued.Load(), e.batches(t))
	}

	// The same webhook-id again: the original receipt, nothing written.
	status, body, hdr = e.do(t, push{webhookID: "msg_1"})
	if status != http.StatusAccepted || body["batch_id"] != id || hdr.Get("Idempotent-Replayed") != "true" || e.batches(t) != 1 || e.enqueued.Load() != 1 {
		t.Fatalf("replay: %d %v; %d batches", status, body, e.batches(t))
	}

	// The same webhook-id with another body: refused, nothing written. The
	// same body gzipped is the same push.
	status, body, _ = e.do(t, push{webhookID: "msg_1", body: []byte(strings.Replace(feed, "Теплые", "Холодные", 1))})
	if errBody, _ := body["error"].(map[string]any); status != http.StatusConflict || errBody["code"] != "webhook_id_reused" || e.batches(t) != 1 {
		t.Fatalf("webhook-id reused for another body: %d %v; %d batches", status, body, e.batches(t))
	}
	if status, body, _ := e.do(t, push{webhookID: "msg_1", query: "?mode=snapshot"}); status != http.StatusConflict || e.batches(t) != 1 {
		t.Fatalf("webhook-id reused for the same body as a snapshot: %d %v", status, body)
	}
	if status, body, hdr := e.do(t, push{webhookID: "msg_1", body: gz([]byte(feed)), encoding: "gzip"}); status != http.StatusAccepted ||
		body["batch_id"] != id || hdr.Get("Idempotent-Replayed") != "true" {
		t.Fatalf("the same body gzipped: %d %v", status, body)
	}

	// gzip is accepted; the signature covers the compressed body as sent.
	if status, body, _ := e.do(t, push{body: gz([]byte(feed)), encoding: "gzip"}); status != http.StatusAccepted {
		t.Fatalf("gzip: %d %v", status, body)
	}
	// A snapshot.
	if status, body, _ := e.do(t, push{query: "?mode=snapshot"}); status != http.StatusAccepted || body["mode"] != "snapshot" {
		t.Fatalf("snapshot: %d %v", status, body)
	}
}

func TestPushRefused(t *testing.T) {
	t.Parallel()
	e := setup(t)
	big := []byte(strings.Repeat(`{"type":"organization","id":"o1","updated_at":"2026-01-13T10:00:00Z","data":{"name":{"ru":"x"}}}`+"\n", 50_000))
	longLine := []byte(`{"type":"organization","id":"o1","updated_at":"2026-01-13T10:00:00Z","data":{"name":{"ru":"` + strings.Repeat("я", 600_000) + `"}}}` + "\n")
	bomb := gz(bytes.Repeat([]byte("\n"), 5<<20))
	cases := []struct {
		name   string
		p      push
		status int
		code   string
	}{
		{"no token", push{token: " "}, 401, "unauthorized"},
		{"unknown token", push{token: "hubsrc_nope"}, 401, "unauthorized"},
		{"another source's token", push{source: "almaty-portal", pathSource: "akmola-portal"}, 403, "forbidden"},
		{"unsigned", push{unsigned: true}, 401, "unsigned"},
		{"a changed byte", push{tamper: func(b []byte) []byte { b[10] ^= 1; return b }}, 401, "bad_signature"},
		{"another source's secret", push{secret: "whsec_" + "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"}, 401, "bad_signature"},
		{"six minutes old", push{at: time.Now().Add(-6 * time.Minute)}, 401, "bad_timestamp"},
		{"six minutes ahead", push{at: time.Now().Add(6 * time.Minute)}, 401, "bad_timestamp"},
		{"not a feed", push{body: []byte("<html><body>502 Bad Gateway</body></html>")}, 400, "not_a_feed"},
		{"empty", push{body: []byte("\n\n")}, 400, "not_a_feed"},
		{"body too large", push{body: big}, 413, "too_large"},
		{"record too large", push{body: longLine}, 413, "record_too_large"},
		{"gzip bomb", push{body: bomb, encoding: "gzip"}, 413, "too_large"},
		{"not gzip", push{encoding: "gzip"}, 400, "invalid"},
		{"unknown encoding", push{encoding: "br"}, 415, "unsupported_encoding"},
		{"unknown content type", push{contentType: "application/xml"}, 415, "unsupported_media_type"},
		{"csv without type", push{contentType: "text/csv", body: []byte("id,updated_at,name_ru\no1,2026-01-13,x\n")}, 400, "invalid"},
		{"bad mode", push{query: "?mode=full"}, 400, "invalid"},
	}
	for _, tc := range cases {
		status, body, hdr := e.do(t, tc.p)
		errBody, _ := body["error"].(map[string]any)
		if status != tc.status || errBody == nil || errBody["code"] != tc.code || errBody["message"] == "" {
			t.Errorf("%s: %d %v, want %d %s", tc.name, status, body, tc.status, tc.code)
		}
		if status == 401 && hdr.Get("WWW-Authenticate") == "" {
			t.Errorf("%s: 401 without WWW-Authenticate", tc.name)
		}
	}
	if n := e.batches(t); n != 0 || e.enqueued.Load() != 0 {
		t.Fatalf("refused pushes stored %d batches, enqueued %d", n, e.enqueued.Load())
	}
}

func TestSecretRotation(t *testing.T) {
	t.Parallel()
	e := setup(t)
	old := e.creds["akmola-portal"]
	fresh, err := e.sources.RotateSourceCredentials(context.Background(), "akmola-portal", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	// During the grace both tokens and both secrets work, and a push signed
	// with both (several v1 values) is accepted.
	for name, p := range map[string]push{
		"old token, old secret": {token: old.Token, secret: old.Secret},
		"new token, new secret": {token: fresh.Token, secret: fresh.Secret},
		"both signatures":       {token: fresh.Token, secret: "whsec_" + "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", extraSecrets: []string{fresh.Secret}},
	} {
		if status, body, _ := e.do(t, p); status != http.StatusAccepted {
			t.Errorf("%s: %d %v", name, status, body)
		}
	}
	// After the grace the old ones stop working.
	if _, err := e.db.Pool.Exec(context.Background(), `UPDATE sources SET prev_valid_until = now() - interval '1 second'`); err != nil {
		t.Fatal(err)
	}
	if status, _, _ := e.do(t, push{token: old.Token}); status != 401 {
		t.Errorf("old token after grace: %d", status)
	}
	if status, _, _ := e.do(t, push{token: fresh.Token, secret: old.Secret}); status != 401 {
		t.Errorf("old secret after grace: %d", status)
	}
}

func TestReceipt(t *testing.T) {
	t.Parallel()
	e := setup(t)
	_, body, _ := e.do(t, push{})
	id := body["batch_id"].(string)
	get := func(token, id string) (int, map[string]any) {
		req, _ := http.NewRequest("GET", e.url+"/v1/batches/"+id, nil)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		s, b, _ := send(t, req)
		return s, b
	}
	if s, b := get(e.creds["akmola-portal"].Token, id); s != 200 || b["batch_id"] != id || b["status"] != "received" {
		t.Fatalf("owner: %d %v", s, b)
	}
	for name, tc := range map[string]struct {
		token, id string
		status    int
	}{
		"no token":      {"", id, 401},
		"other source":  {e.creds["almaty-portal"].Token, id, 404}, // as for a batch that does not exist
		"unknown batch": {e.creds["akmola-portal"].Token, "01a207ba-6a78-74bb-914a-783a45ce25d1", 404},
		"not a uuid":    {e.creds["akmola-portal"].Token, "nope", 400},
		"bad errors=":   {e.creds["akmola-portal"].Token, id + "?errors=abc", 400},
		"errors=0":      {e.creds["akmola-portal"].Token, id + "?errors=0", 200},
	} {
		if s, b := get(tc.token, tc.id); s != tc.status {
			t.Errorf("%s: %d %v, want %d", name, s, b, tc.status)
		}
	}
}

// TestAPIKeysOnTheFeedAPI: a platform key bound to a source pushes for it
// (signed with the source's secret, like its token) and reads its
// receipts; it may do neither for another source. An admin key reads any
// receipt and pushes for none; other roles do neither. Valid keys never
// count as failed credentials.
func TestAPIKeysOnTheFeedAPI(t *testing.T) {
	t.Parallel()
	e := setup(t)
	keys := postgres.NewKeyService(e.db)
	tokens := map[string]string{}
	for _, k := range []*hub.APIKey{
		{Name: "akmola-push", Role: hub.RolePlatform, Source: "akmola-portal"},
		{Name: "ops", Role: hub.RoleAdmin},
		{Name: "kimep", Role: hub.RoleResearcher},
	} {
		token, err := keys.CreateKey(context.Background(), k)
		if err != nil {
			t.Fatal(err)
		}
		tokens[k.Name] = token
	}
	status, body, _ := e.do(t, push{source: "akmola-portal", token: tokens["akmola-push"]})
	if status != http.StatusAccepted {
		t.Fatalf("platform key pushing for its source: %d %v", status, body)
	}
	id := body["batch_id"].(string)
	for _, c := range []struct {
		key, source string
		status      int
	}{
		{"akmola-push", "almaty-portal", 403}, {"ops", "akmola-portal", 403}, {"kimep", "akmola-portal", 403},
	} {
		status, body, _ := e.do(t, push{source: c.source, token: tokens[c.key]})
		if status != c.status {
			t.Errorf("key %s pushing to %s: %d %v, want %d", c.key, c.source, status, body, c.status)
		}
	}
	if n := e.batches(t); n != 1 {
		t.Fatalf("%d batches stored, want 1", n)
	}

	_, body, _ = e.do(t, push{source: "almaty-portal"})
	other := body["batch_id"].(string)
	for _, c := range []struct {
		key, batch string
		status     int
	}{
		{"akmola-push", id, 200}, {"akmola-push", other, 404}, {"ops", id, 200}, {"ops", other, 200}, {"kimep", id, 403},
		{"kimep", "01a207ba-6a78-74bb-914a-783a45ce25d1", 403}, // whether a batch exists is not told
	} {
		req, _ := http.NewRequest("GET", e.url+"/v1/batches/"+c.batch, nil)
		req.Header.Set("Authorization", "Bearer "+tokens[c.key])
		status, body, _ := send(t, req)
		if status != c.status {
			t.Errorf("key %s reading batch %s: %d %v, want %d", c.key, c.batch, status, body, c.status)
		}
	}
}

// A source's pushes and receipt reads spend its push allowance, counted in
// Redis. Over it, a push is answered 429 with Retry-After and nothing is
// stored; another source keeps its own allowance. Made-up tokens spend the
// address's failed credentials, and once those are spent its tokens are
// refused unread.
func TestRateLimits(t *testing.T) {
	testutil.Redis(t, testutil.RedisDBFeedAPI)
	rdb := redis.NewClient(&redis.Options{Addr: testutil.RedisAddr(), DB: testutil.RedisDBFeedAPI})
	t.Cleanup(func() { rdb.Close() })
	rates := ratelimit.Rates{ratelimit.Push: {Requests: 3, Per: time.Minute}, ratelimit.Unauthenticated: {Requests: 2, Per: time.Minute}}
	e := setup(t, ratelimit.New(rdb, rates, nil, slog.New(slog.DiscardHandler)))
	limits := func(h http.Header) string {
		return h.Get("X-RateLimit-Limit") + "/" + h.Get("X-RateLimit-Remaining") + "/" + h.Get("Retry-After")
	}

	status, body, hdr := e.do(t, push{})
	if status != http.StatusAccepted || limits(hdr) != "3/2/" {
		t.Fatalf("push 1: %d %v, limits %s", status, body, limits(hdr))
	}
	req, _ := http.NewRequest("GET", e.url+"/v1/batches/"+body["batch_id"].(string), nil)
	req.Header.Set("Authorization", "Bearer "+e.creds["akmola-portal"].Token)
	if status, body, hdr := send(t, req); status != http.StatusOK || limits(hdr) != "3/1/" {
		t.Fatalf("receipt: %d %v, limits %s", status, body, limits(hdr))
	}
	if status, body, hdr := e.do(t, push{}); status != http.StatusAccepted || limits(hdr) != "3/0/" {
		t.Fatalf("push 2: %d %v, limits %s", status, body, limits(hdr))
	}
	status, body, hdr = e.do(t, push{})
	retry, _ := strconv.Atoi(hdr.Get("Retry-After"))
	errBody, _ := body["error"].(map[string]any)
	if status != http.StatusTooManyRequests || retry < 1 || retry > 21 || errBody["code"] != "rate_limited" ||
		!strings.Contains(errBody["message"].(string), `the feed API of source "akmola-portal" allows 3 requests per minute`) {
		t.Errorf("push 3: %d %v, Retry-After %q", status, body, hdr.Get("Retry-After"))
	}
	if n := e.batches(t); n != 2 || e.enqueued.Load() != 2 {
		t.Errorf("after a refused push: %d batches stored, %d enqueued; want 2, 2", n, e.enqueued.Load())
	}
	if status, body, _ := e.do(t, push{source: "almaty-portal"}); status != http.StatusAccepted {
		t.Errorf("another source: %d %v", status, body)
	}

	for i := range 2 {
		status, body, hdr := e.do(t, push{token: hub.SourceTokenPrefix + "forged" + strconv.Itoa(i)})
		if status != http.StatusUnauthorized || limits(hdr) != "2/"+strconv.Itoa(1-i)+"/" {
			t.Errorf("forged token %d: %d %v, limits %s", i+1, status, body, limits(hdr))
		}
	}
	// The address spent its failed credentials: a token not seen
	// authenticating is refused unread, valid or not…
	c, err := e.sources.CreateSource(context.Background(), &hub.Source{Name: "shymkent-portal", Kind: hub.SourceRegionalPlatform})
	if err != nil {
		t.Fatal(err)
	}
	e.creds["shymkent-portal"] = c
	status, body, hdr = e.do(t, push{source: "shymkent-portal"})
	if status != http.StatusTooManyRequests || hdr.Get("Retry-After") == "" ||
		!strings.Contains(fmt.Sprint(body), "failed credentials from this address") {
		t.Errorf("a new valid token from the address after 2 failures: %d %v", status, body)
	}
	// …while one that authenticated a moment ago is looked up and served.
	if status, body, _ := e.do(t, push{source: "almaty-portal"}); status != http.StatusAccepted {
		t.Errorf("a token that authenticated before, after 2 failures: %d %v", status, body)
	}
	if n := e.batches(t); n != 4 {
		t.Errorf("%d batches stored, want 4", n)
	}
}

// A body that decompresses to 256 MiB, over the limit of 64 MiB, is refused
// having held none of it: four at once allocate a few megabytes between
// them (mostly the bodies as sent, signed and read), not the limit each,
// which reading up to the limit would cost.
func TestGzipBombHoldsNoMemory(t *testing.T) {
	const limit = 64 << 20
	e := setupWith(t, func(h *feedapi.Handler) { h.MaxDecompressed = limit })
	member := gz(make([]byte, 1<<20)) // 1 MiB of zeros, about a kilobyte
	bomb := bytes.Repeat(member, 256) // gzip members in a row: 256 MiB
	if len(bomb) > 1<<20 {
		t.Fatalf("the bomb is %d bytes as sent", len(bomb))
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	var wg sync.WaitGroup
	statuses := make([]int, 4)
	for i := range statuses {
		wg.Go(func() { statuses[i], _, _ = e.do(t, push{body: bomb, encoding: "gzip"}) })
	}
	wg.Wait()
	runtime.ReadMemStats(&after)
	for i, st := range statuses {
		if st != http.StatusRequestEntityTooLarge {
			t.Fatalf("bomb %d: %d, want 413", i, st)
		}
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 32<<20 {
		t.Fatalf("four bombs of %d KiB allocated %d MiB", len(bomb)>>10, alloc>>20)
	} else {
		t.Logf("four 256 MiB bombs of %d KiB refused, %.1f MiB allocated in all", len(bomb)>>10, float64(alloc)/(1<<20))
	}
	// A body within the limit still arrives whole.
	if status, body, _ := e.do(t, push{body: gz([]byte(feed)), encoding: "gzip"}); status != http.StatusAccepted {
		t.Fatalf("a small gzip push: %d %v", status, body)
	}
}

// A correct push whose client half-closes its socket once it has sent the
// request (as some HTTP clients do) is stored and answered 202: the client
// going away is not a server error, and nothing is logged as one.
func TestPushFromAClientThatHalfCloses(t *testing.T) {
	t.Parallel()
	e := setup(t)
	addr := strings.TrimPrefix(e.url, "http://")
	for i := range 5 {
		id := fmt.Sprintf("msg_halfclose_%d", i)
		at := time.Now()
		wh, err := standardwebhooks.NewWebhook(e.creds["akmola-portal"].Secret)
		if err != nil {
			t.Fatal(err)
		}
		sig, _ := wh.Sign(id, at, []byte(feed))
		conn, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(conn, "POST /v1/sources/akmola-portal/batches HTTP/1.1\r\nHost: %s\r\nAuthorization: Bearer %s\r\n"+
			"Content-Type: application/x-ndjson\r\nContent-Length: %d\r\nwebhook-id: %s\r\nwebhook-timestamp: %d\r\nwebhook-signature: %s\r\n\r\n%s",
			addr, e.creds["akmola-portal"].Token, len(feed), id, at.Unix(), sig, feed)
		if err := conn.(*net.TCPConn).CloseWrite(); err != nil {
			t.Fatal(err)
		}
		resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
		if err != nil {
			t.Fatalf("push %d: no answer: %v", i, err)
		}
		b, _ := io.ReadAll(resp.Body)
		conn.Close()
		if resp.StatusCode != http.StatusAccepted {
			t.Fatalf("push %d: %d %s, want 202", i, resp.StatusCode, b)
		}
	}
	if n := e.batches(t); n != 5 {
		t.Fatalf("%d batches stored for 5 pushes", n)
	}
	if logs := e.logs.String(); strings.Contains(logs, "level=ERROR") {
		t.Fatalf("the hub logged an error:\n%s", logs)
	}
}

// Another source's batch and a batch that does not exist are the same 404,
// word for word: a source cannot tell which ids exist.
func TestReceiptOfAnotherSourceIsAnyMissingBatch(t *testing.T) {
	t.Parallel()
	e := setup(t)
	status, body, _ := e.do(t, push{source: "almaty-portal"})
	if status != http.StatusAccepted {
		t.Fatalf("push: %d %v", status, body)
	}
	theirs := body["batch_id"].(string)
	missing := "0190f3d2-7c4e-7000-8000-000000000000"
	read := func(id string) (int, string) {
		req, _ := http.NewRequest("GET", e.url+"/v1/batches/"+id, nil)
		req.Header.Set("Authorization", "Bearer "+e.creds["akmola-portal"].Token)
		st, b, _ := send(t, req)
		msg, _ := json.Marshal(b)
		return st, strings.ReplaceAll(string(msg), id, "ID")
	}
	s1, m1 := read(theirs)
	s2, m2 := read(missing)
	if s1 != http.StatusNotFound || s1 != s2 || m1 != m2 {
		t.Fatalf("another source's batch: %d %s; a missing one: %d %s", s1, m1, s2, m2)
	}
}
