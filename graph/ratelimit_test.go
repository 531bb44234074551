package graph_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	hub "github.com/birgemiz/hub"
	"github.com/birgemiz/hub/graph"
	"github.com/birgemiz/hub/internal/ratelimit"
	"github.com/birgemiz/hub/internal/testutil"
	"github.com/birgemiz/hub/postgres"
)

// The tests that use Redis share database testutil.RedisDBGraph, flushed
// by each, so they do not run in parallel with each other.

func redisClient(t *testing.T) *redis.Client {
	t.Helper()
	testutil.Redis(t, testutil.RedisDBGraph)
	c := redis.NewClient(&redis.Options{Addr: testutil.RedisAddr(), DB: testutil.RedisDBGraph})
	t.Cleanup(func() { c.Close() })
	return c
}

func testRates(anonymous, researcher int) ratelimit.Rates {
	rates := ratelimit.DefaultRates()
	rates[string(hub.RoleAnonymous)] = ratelimit.Rate{Requests: anonymous, Per: time.Minute}
	rates[string(hub.RoleResearcher)] = ratelimit.Rate{Requests: researcher, Per: time.Minute}
	return rates
}

// call sends a small query from addr (with token, if any).
func call(t *testing.T, h http.Handler, addr, token string, header ...string) answer {
	t.Helper()
	rq := request{body: strings.NewReader(`{"query":"{ regions { code } }"}`), remote: addr, token: token, header: map[string]string{}}
	for i := 0; i+1 < len(header); i += 2 {
		rq.header[header[i]] = header[i+1]
	}
	return serve(t, h, rq)
}

// expectAllowed checks an answer within the limit.
func expectAllowed(t *testing.T, what string, a answer, limit, remaining int) {
	t.Helper()
	if a.status != http.StatusOK || len(a.Errors) > 0 || a.header.Get("X-RateLimit-Limit") != strconv.Itoa(limit) ||
		a.header.Get("X-RateLimit-Remaining") != strconv.Itoa(remaining) || a.header.Get("Retry-After") != "" {
		t.Errorf("%s: %s, X-RateLimit-Limit %q, X-RateLimit-Remaining %q, Retry-After %q; want 200, %d, %d", what, a,
			a.header.Get("X-RateLimit-Limit"), a.header.Get("X-RateLimit-Remaining"), a.header.Get("Retry-After"), limit, remaining)
	}
}

// expectLimited checks an answer over the limit: 429, Retry-After within
// one emission interval, RATE_LIMITED.
func expectLimited(t *testing.T, what string, a answer, limit int) {
	t.Helper()
	retry, _ := strconv.Atoi(a.header.Get("Retry-After"))
	if a.status != http.StatusTooManyRequests || !a.only(graph.CodeRateLimited) || retry < 1 || retry > 60/limit+1 ||
		a.header.Get("X-RateLimit-Limit") != strconv.Itoa(limit) || a.header.Get("X-RateLimit-Remaining") != "0" {
		t.Errorf("%s: %s, Retry-After %q, X-RateLimit-Limit %q, X-RateLimit-Remaining %q; want 429 RATE_LIMITED", what, a,
			a.header.Get("Retry-After"), a.header.Get("X-RateLimit-Limit"), a.header.Get("X-RateLimit-Remaining"))
	}
}

// Two replicas with their own limiters on one Redis share every caller's
// allowance: anonymous callers per address (an IPv6 /64), keys per key.
func TestRateLimitSharedAcrossReplicas(t *testing.T) {
	rdb := redisClient(t)
	log := slog.New(slog.DiscardHandler)
	rates := testRates(3, 5)
	e := setupLimits(t, graph.HandlerOptions{RateLimiter: ratelimit.New(rdb, rates, nil, log)})
	replicas := []http.Handler{e.handler, e.newHandler(graph.HandlerOptions{RateLimiter: ratelimit.New(rdb, rates, nil, log)})}
	token, err := postgres.NewKeyService(e.db).CreateKey(context.Background(), &hub.APIKey{Name: "kimep", Role: hub.RoleResearcher})
	if err != nil {
		t.Fatal(err)
	}

	const addr = "203.0.113.7:41000"
	for i := range 3 {
		expectAllowed(t, fmt.Sprintf("anonymous request %d on replica %d", i+1, i%2), call(t, replicas[i%2], addr, ""), 3, 2-i)
	}
	e.counter.Reset()
	for i := range 2 {
		expectLimited(t, fmt.Sprintf("anonymous request %d on replica %d", 4+i, i), call(t, replicas[i], addr, ""), 3)
	}
	if n := len(e.counter.Statements()); n > 0 {
		t.Errorf("a refused request ran %d SQL statements", n)
	}
	// Another port of the same address is the same caller; another
	// address is not.
	expectLimited(t, "same address, another port", call(t, replicas[1], "203.0.113.7:52000", ""), 3)
	expectAllowed(t, "another address", call(t, replicas[0], "198.51.100.9:41000", ""), 3, 2)

	// An IPv6 host holds its /64.
	for i := range 3 {
		expectAllowed(t, "IPv6 host", call(t, replicas[i%2], fmt.Sprintf("[2001:db8:1:2::%d]:443", i+1), ""), 3, 2-i)
	}
	expectLimited(t, "IPv6, same /64", call(t, replicas[0], "[2001:db8:1:2:ffff::9]:443", ""), 3)
	expectAllowed(t, "IPv6, another /64", call(t, replicas[0], "[2001:db8:1:3::1]:443", ""), 3, 2)

	// A key has its own allowance, with its role's rate, from any address
	// (here, the exhausted one).
	for i := range 5 {
		expectAllowed(t, fmt.Sprintf("key request %d", i+1), call(t, replicas[i%2], addr, token), 5, 4-i)
	}
	limited := call(t, replicas[1], "192.0.2.1:1", token)
	expectLimited(t, "key request 6", limited, 5)
	if len(limited.Errors) > 0 && !strings.Contains(limited.Errors[0].Message, "this API key allows 5 requests per minute") {
		t.Errorf("message: %q", limited.Errors[0].Message)
	}

	// The counts are in Redis, where every replica reads them.
	keys, err := rdb.Keys(context.Background(), "rate:hub:*").Result()
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{"rate:hub:ip:203.0.113.7": false, "rate:hub:key:kimep": false, "rate:hub:ip:2001:db8:1:2::/64": false}
	for _, k := range keys {
		if _, ok := want[k]; ok {
			want[k] = true
		}
	}
	for k, seen := range want {
		if !seen {
			t.Errorf("Redis has no %s; it has %v", k, keys)
		}
	}
}

// With Redis unreachable the limiter fails open to each replica's memory:
// requests are served, quickly, and still limited.
func TestRateLimitWithRedisDown(t *testing.T) {
	t.Parallel()
	down := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", DialTimeout: 200 * time.Millisecond, MaxRetries: -1})
	t.Cleanup(func() { down.Close() })
	e := setupLimits(t, graph.HandlerOptions{RateLimiter: ratelimit.New(down, testRates(3, 5), nil, slog.New(slog.DiscardHandler))})
	start := time.Now()
	for i := range 3 {
		expectAllowed(t, fmt.Sprintf("request %d with Redis down", i+1), call(t, e.handler, "203.0.113.7:1", ""), 3, 2-i)
	}
	expectLimited(t, "request 4 with Redis down", call(t, e.handler, "203.0.113.7:1", ""), 3)
	if took := time.Since(start); took > 2*time.Second {
		t.Errorf("4 requests with Redis down took %s: each waits for Redis", took)
	}
}

// X-Forwarded-For names the client only when a trusted proxy sent it, and
// only its last untrusted hop counts: the ones before it are the client's
// own words.
func TestRateLimitClientAddressBehindProxy(t *testing.T) {
	t.Parallel()
	trusted := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}
	e := setupLimits(t, graph.HandlerOptions{RateLimiter: ratelimit.New(nil, testRates(2, 5), trusted, slog.New(slog.DiscardHandler))})
	const xff = "X-Forwarded-For"

	expectAllowed(t, "client A via proxy 1", call(t, e.handler, "10.0.0.5:1", "", xff, "203.0.113.1"), 2, 1)
	expectAllowed(t, "client A via proxy 2, behind a second proxy", call(t, e.handler, "10.0.0.6:1", "", xff, "198.51.100.1, 203.0.113.1, 10.1.1.1"), 2, 0)
	expectLimited(t, "client A again", call(t, e.handler, "10.0.0.5:1", "", xff, "203.0.113.1"), 2)
	expectAllowed(t, "client B via proxy 1", call(t, e.handler, "10.0.0.5:1", "", xff, "203.0.113.2"), 2, 1)

	// From an untrusted peer a forged header changes nothing.
	for i := range 2 {
		expectAllowed(t, "untrusted peer, forged header", call(t, e.handler, "192.0.2.50:1", "", xff, fmt.Sprintf("203.0.113.%d", 100+i)), 2, 1-i)
	}
	expectLimited(t, "untrusted peer, another forged header", call(t, e.handler, "192.0.2.50:1", "", xff, "203.0.113.200"), 2)
}

// Bearer tokens that are not valid spend the client address's allowance of
// failed credentials, so a flood of made-up tokens cannot bypass the
// anonymous limit. Each 401 carries that allowance's headers; once it is
// spent, the address's tokens are refused with 429 without a lookup (no
// SQL), valid ones included, until it refills. Other addresses, and
// requests without a token, are unaffected.
func TestRateLimitFailedCredentials(t *testing.T) {
	rdb := redisClient(t)
	rates := testRates(5, 5)
	rates[ratelimit.Unauthenticated] = ratelimit.Rate{Requests: 3, Per: time.Minute}
	e := setupLimits(t, graph.HandlerOptions{RateLimiter: ratelimit.New(rdb, rates, nil, slog.New(slog.DiscardHandler))})
	token, err := postgres.NewKeyService(e.db).CreateKey(context.Background(), &hub.APIKey{Name: "kimep", Role: hub.RoleResearcher})
	if err != nil {
		t.Fatal(err)
	}
	const addr = "203.0.113.7:41000"
	for i := range 3 {
		a := call(t, e.handler, addr, fmt.Sprintf("%sforged%d", hub.KeyTokenPrefix, i))
		if a.status != http.StatusUnauthorized || !a.only(graph.CodeUnauthenticated) ||
			a.header.Get("X-RateLimit-Limit") != "3" || a.header.Get("X-RateLimit-Remaining") != strconv.Itoa(2-i) {
			t.Errorf("forged token %d: %s, X-RateLimit-Limit %q, X-RateLimit-Remaining %q; want 401 with 3, %d", i+1, a,
				a.header.Get("X-RateLimit-Limit"), a.header.Get("X-RateLimit-Remaining"), 2-i)
		}
	}
	e.counter.Reset()
	for _, tok := range []string{hub.KeyTokenPrefix + "forged9", hub.SourceTokenPrefix + "forged", token} {
		a := call(t, e.handler, addr, tok)
		expectLimited(t, "a token from the address after 3 failures", a, 3)
		if len(a.Errors) > 0 && !strings.Contains(a.Errors[0].Message, "failed credentials from this address allows 3 requests per minute") {
			t.Errorf("message: %q", a.Errors[0].Message)
		}
	}
	if n := len(e.counter.Statements()); n > 0 {
		t.Errorf("refused tokens ran %d SQL statements", n)
	}
	expectAllowed(t, "no token, same address", call(t, e.handler, addr, ""), 5, 4)
	expectAllowed(t, "the key from another address", call(t, e.handler, "198.51.100.9:1", token), 5, 4)
}
