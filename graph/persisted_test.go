package graph_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	hub "github.com/birgemiz/hub"
	"github.com/birgemiz/hub/graph"
	"github.com/birgemiz/hub/postgres"
)

func sha(q string) string {
	s := sha256.Sum256([]byte(q))
	return hex.EncodeToString(s[:])
}

// apq sends an APQ request: the hash, with the query when query is not
// empty.
func apq(t *testing.T, h http.Handler, hash, query, token string) answer {
	t.Helper()
	body := map[string]any{"extensions": map[string]any{"persistedQuery": map[string]any{"version": 1, "sha256Hash": hash}}}
	if query != "" {
		body["query"] = query
	}
	b, _ := json.Marshal(body)
	return serve(t, h, request{body: bytes.NewReader(b), token: token})
}

func stored(t *testing.T, rdb *redis.Client, hash string) string {
	t.Helper()
	q, err := rdb.Get(context.Background(), "hub:apq:"+hash).Result()
	if err != nil && err != redis.Nil {
		t.Fatal(err)
	}
	return q
}

func TestPersistedQueries_SharedByReplicas(t *testing.T) {
	rdb := redisClient(t)
	e := setupLimits(t, graph.HandlerOptions{Redis: rdb})
	other := e.newHandler(graph.HandlerOptions{Redis: rdb})
	const q = `{ regions { code } }`
	hash := sha(q)

	if a := apq(t, e.handler, hash, "", ""); !a.only("PERSISTED_QUERY_NOT_FOUND") {
		t.Fatalf("unknown hash: %s", a)
	}
	reg := apq(t, e.handler, hash, q, "")
	if reg.status != http.StatusOK || len(reg.Errors) > 0 || !strings.Contains(string(reg.Data), `"KZ-11"`) {
		t.Fatalf("register: %s", reg)
	}
	if got := stored(t, rdb, hash); got != q {
		t.Fatalf("Redis holds %q under the hash, want the query", got)
	}
	if ttl := rdb.TTL(context.Background(), "hub:apq:"+hash).Val(); ttl <= 0 || ttl > graph.DefaultPersistedTTL {
		t.Errorf("TTL %s, want up to %s", ttl, graph.DefaultPersistedTTL)
	}
	// The other replica never saw the query: it reads it from Redis.
	for name, h := range map[string]http.Handler{"same replica": e.handler, "other replica": other} {
		if hit := apq(t, h, hash, "", ""); hit.status != http.StatusOK || len(hit.Errors) > 0 || string(hit.Data) != string(reg.Data) {
			t.Errorf("%s, hash only: %s", name, hit)
		}
	}
	// GET with the hash in extensions, as Apollo clients send it.
	ext := `{"persistedQuery":{"version":1,"sha256Hash":"` + hash + `"}}`
	if a := serve(t, other, request{get: "extensions=" + url.QueryEscape(ext)}); a.status != http.StatusOK || len(a.Errors) > 0 {
		t.Errorf("GET with the hash: %s", a)
	}

	// What is not stored: a hash that does not match, a query that does
	// not validate, a query over the cost limit.
	if a := apq(t, e.handler, sha("{ sources { name } }"), q, ""); !a.only(graph.CodeBadUserInput) || !strings.Contains(a.Errors[0].Message, "hash does not match") {
		t.Errorf("mismatched hash: %s", a)
	}
	for name, bad := range map[string]string{
		"invalid":   `{ regions { nope } }`,
		"too deep":  deepQuery(21),
		"too dear":  `{ organizations(first: 100) { edges { node { projects(first: 100) { edges { node { id } } } } } } }`,
		"too large": `{ regions { code ` + strings.Repeat(" ", 70<<10) + `} }`,
	} {
		a := apq(t, e.handler, sha(bad), bad, "")
		if name != "too large" && a.status == http.StatusOK {
			t.Errorf("%s: %s", name, a)
		}
		if got := stored(t, rdb, sha(bad)); got != "" {
			t.Errorf("%s query stored in Redis", name)
		}
		if a := apq(t, other, sha(bad), "", ""); !a.only("PERSISTED_QUERY_NOT_FOUND") {
			t.Errorf("%s query, hash only: %s", name, a)
		}
	}
}

// In persisted-only mode anonymous callers run only persisted queries:
// they can neither send a query's text nor register one. Key holders
// register the queries and may send any query.
func TestPersistedOnlyForAnonymous(t *testing.T) {
	rdb := redisClient(t)
	e := setupLimits(t, graph.HandlerOptions{Redis: rdb, PersistedOnly: true})
	token, err := postgres.NewKeyService(e.db).CreateKey(context.Background(), &hub.APIKey{Name: "ministry", Role: hub.RoleDashboard})
	if err != nil {
		t.Fatal(err)
	}
	const q = `{ directions { code } }`
	hash := sha(q)

	e.counter.Reset()
	e.refusedBeforeSQL(t, "anonymous query", post(t, e.handler, q, nil), http.StatusUnprocessableEntity, graph.CodePersistedQueryRequired)
	e.refusedBeforeSQL(t, "anonymous GET", serve(t, e.handler, request{get: "query=" + url.QueryEscape(q)}), http.StatusUnprocessableEntity, graph.CodePersistedQueryRequired)
	e.refusedBeforeSQL(t, "anonymous registration", apq(t, e.handler, hash, q, ""), http.StatusUnprocessableEntity, graph.CodePersistedQueryRequired)
	if got := stored(t, rdb, hash); got != "" {
		t.Fatal("an anonymous caller registered a query")
	}
	if a := apq(t, e.handler, hash, "", ""); !a.only("PERSISTED_QUERY_NOT_FOUND") {
		t.Errorf("anonymous, unknown hash: %s", a)
	}

	if a := apq(t, e.handler, hash, q, token); a.status != http.StatusOK || len(a.Errors) > 0 {
		t.Fatalf("a key registers: %s", a)
	}
	if a := apq(t, e.handler, hash, "", ""); a.status != http.StatusOK || len(a.Errors) > 0 || !strings.Contains(string(a.Data), `"ECOLOGY"`) {
		t.Errorf("anonymous, persisted hash: %s", a)
	}
	b, _ := json.Marshal(map[string]string{"query": `{ sources { name } }`})
	if a := serve(t, e.handler, request{body: bytes.NewReader(b), token: token}); a.status != http.StatusOK || len(a.Errors) > 0 {
		t.Errorf("a key sends any query: %s", a)
	}
}

// With Redis unreachable, persisted queries keep working on the replica
// that saw them, quickly.
func TestPersistedQueriesWithRedisDown(t *testing.T) {
	t.Parallel()
	down := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", DialTimeout: 200 * time.Millisecond, MaxRetries: -1})
	t.Cleanup(func() { down.Close() })
	e := setupLimits(t, graph.HandlerOptions{Redis: down})
	const q = `{ regions { name } }`
	start := time.Now()
	if a := apq(t, e.handler, sha(q), q, ""); a.status != http.StatusOK || len(a.Errors) > 0 {
		t.Fatalf("register with Redis down: %s", a)
	}
	for range 5 {
		if a := apq(t, e.handler, sha(q), "", ""); a.status != http.StatusOK || len(a.Errors) > 0 {
			t.Fatalf("hash only with Redis down: %s", a)
		}
	}
	if took := time.Since(start); took > 2*time.Second {
		t.Errorf("6 requests with Redis down took %s", took)
	}
}
