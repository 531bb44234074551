package ratelimit_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	hub "github.com/birgemiz/hub"
	"github.com/birgemiz/hub/internal/ratelimit"
	"github.com/birgemiz/hub/internal/testutil"
)

func TestParseRates(t *testing.T) {
	t.Parallel()
	rates, err := ratelimit.ParseRates(" anonymous=30/m, admin=100/s ,dashboard=5000/h,push=10/m, Unauthenticated=5/m")
	if err != nil {
		t.Fatal(err)
	}
	def := ratelimit.DefaultRates()
	for name, want := range map[string]ratelimit.Rate{
		"anonymous": {Requests: 30, Per: time.Minute}, "admin": {Requests: 100, Per: time.Second}, "dashboard": {Requests: 5000, Per: time.Hour},
		"push": {Requests: 10, Per: time.Minute}, "unauthenticated": {Requests: 5, Per: time.Minute},
		"researcher": def["researcher"], "platform": def["platform"],
	} {
		if rates[name] != want {
			t.Errorf("%s: %v, want %v", name, rates[name], want)
		}
	}
	if len(rates) != len(ratelimit.Names) {
		t.Errorf("%d rates, want one for each of %v", len(rates), ratelimit.Names)
	}
	if def["anonymous"].Requests >= def["researcher"].Requests || def["dashboard"].Requests >= def["admin"].Requests {
		t.Errorf("defaults must rise from anonymous to admin: %v", def)
	}
	// What String writes, ParseRates reads back.
	if back, err := ratelimit.ParseRates(rates.String()); err != nil || back.String() != rates.String() {
		t.Errorf("round trip of %q: %q, %v", rates, back, err)
	}
	for _, bad := range []string{"anonymous", "anonymous=0/m", "anonymous=10/d", "robot=5/m", "admin=x/m", "anonymous=10", "push=-1/m"} {
		if _, err := ratelimit.ParseRates(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

// Failed credentials are counted per client address, in Redis and, with
// Redis unreachable or absent, in memory. A unit is taken before a token
// is looked up, so however many made-up tokens arrive at once, no more than
// the allowance are looked up; a valid token gives its unit back.
func TestCredentials(t *testing.T) {
	testutil.Redis(t, testutil.RedisDBRateLimit)
	rdb := redis.NewClient(&redis.Options{Addr: testutil.RedisAddr(), DB: testutil.RedisDBRateLimit})
	t.Cleanup(func() { rdb.Close() })
	down := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", DialTimeout: 100 * time.Millisecond, MaxRetries: -1})
	t.Cleanup(func() { down.Close() })
	rates := ratelimit.Rates{ratelimit.Unauthenticated: {Requests: 3, Per: time.Minute}}
	log := slog.New(slog.DiscardHandler)
	from := func(addr string) *http.Request {
		r := httptest.NewRequest("POST", "/graphql", nil)
		r.RemoteAddr = addr
		return r
	}

	for name, l := range map[string]*ratelimit.Limiter{
		"redis":      ratelimit.New(rdb, rates, nil, log),
		"redis down": ratelimit.New(down, rates, nil, log),
		"memory":     ratelimit.New(nil, rates, nil, log),
	} {
		t.Run(name, func(t *testing.T) {
			// Valid tokens give their unit back: however many, the
			// address keeps (nearly) its whole allowance.
			valid := from("192.0.2.10:1")
			for range 20 {
				if d := l.TakeCredential(valid); !d.Allowed {
					t.Fatalf("a valid token's unit: %+v", d)
				}
				l.GiveBackCredential(valid)
			}
			if d := l.TakeCredential(valid); !d.Allowed || d.Remaining != 2 {
				t.Errorf("after 20 valid tokens: %+v, want 2 of 3 left", d)
			}

			// Made-up tokens keep their units.
			r := from("203.0.113.50:4000")
			for i := range 3 {
				if d := l.TakeCredential(r); !d.Allowed || d.Remaining != 2-i || d.Rate.Requests != 3 {
					t.Fatalf("failure %d: %+v", i+1, d)
				}
			}
			d := l.TakeCredential(r)
			if d.Allowed || d.RetryAfter <= 0 || d.RetryAfter > 20*time.Second {
				t.Errorf("after 3 failures: %+v, want refused, retry within 20 s", d)
			}

			// 50 made-up tokens at once: 3 are looked up.
			burst := from("198.51.100.77:1")
			var wg sync.WaitGroup
			var allowed atomic.Int32
			for range 50 {
				wg.Go(func() {
					if l.TakeCredential(burst).Allowed {
						allowed.Add(1)
					}
				})
			}
			wg.Wait()
			if n := allowed.Load(); n != 3 {
				t.Errorf("50 tokens at once: %d allowed a lookup, want 3", n)
			}
		})
	}
	if n, err := rdb.Exists(context.Background(), "rate:hub:unauthenticated:203.0.113.50").Result(); err != nil || n != 1 {
		t.Errorf("the failures are not counted in Redis: %d, %v", n, err)
	}
}

// A token that authenticated is looked up again without taking a unit of
// its address's failed credentials, even once guessers from the same
// address spent them all; it is still looked up every time, and once it
// fails it is treated like any other token.
func TestAuthenticateRemembersValidTokens(t *testing.T) {
	testutil.Redis(t, testutil.RedisDBRateLimit)
	rdb := redis.NewClient(&redis.Options{Addr: testutil.RedisAddr(), DB: testutil.RedisDBRateLimit})
	t.Cleanup(func() { rdb.Close() })
	l := ratelimit.New(rdb, ratelimit.Rates{ratelimit.Unauthenticated: {Requests: 3, Per: time.Minute}}, nil, slog.New(slog.DiscardHandler))
	r := httptest.NewRequest("POST", "/graphql", nil)
	r.RemoteAddr = "192.0.2.99:1234"
	revoked := false
	var lookups atomic.Int32
	authenticate := func(_ context.Context, token string) (hub.Principal, error) {
		lookups.Add(1)
		if token == "hubkey_good" && !revoked {
			return hub.Principal{Role: hub.RoleDashboard, Key: "good"}, nil
		}
		return hub.Principal{}, hub.Errorf(hub.EUNAUTHORIZED, "unknown token")
	}
	if p, _, err := l.Authenticate(r, "hubkey_good", authenticate); err != nil || p.Key != "good" {
		t.Fatalf("the valid token: %+v, %v", p, err)
	}
	for i := range 3 {
		if _, _, err := l.Authenticate(r, fmt.Sprintf("hubkey_guess%d", i), authenticate); hub.ErrorCode(err) != hub.EUNAUTHORIZED {
			t.Fatalf("guess %d: %v", i, err)
		}
	}
	var blocked *ratelimit.CredentialsBlocked
	if _, _, err := l.Authenticate(r, "hubkey_guess3", authenticate); !errors.As(err, &blocked) {
		t.Fatalf("a fourth guess: %v, want refused unread", err)
	}
	if n := lookups.Load(); n != 4 {
		t.Fatalf("%d lookups, want 4 (the valid token and 3 guesses)", n)
	}
	for range 5 {
		if p, _, err := l.Authenticate(r, "hubkey_good", authenticate); err != nil || p.Key != "good" {
			t.Fatalf("the valid token after the guesses: %+v, %v", p, err)
		}
	}
	if n := lookups.Load(); n != 9 {
		t.Fatalf("%d lookups, want 9: the valid token is looked up every time", n)
	}
	revoked = true
	if _, _, err := l.Authenticate(r, "hubkey_good", authenticate); hub.ErrorCode(err) != hub.EUNAUTHORIZED {
		t.Fatalf("the revoked token: %v", err)
	}
	if _, _, err := l.Authenticate(r, "hubkey_good", authenticate); !errors.As(err, &blocked) {
		t.Fatalf("the revoked token again: %v, want refused unread like any other", err)
	}
}

// Each source has its own push allowance; a key's or an address's
// requests do not spend it.
func TestPushAllowancePerSource(t *testing.T) {
	t.Parallel()
	l := ratelimit.New(nil, ratelimit.Rates{ratelimit.Push: {Requests: 2, Per: time.Minute}}, nil, slog.New(slog.DiscardHandler))
	ctx := context.Background()
	for i := range 2 {
		if d := l.Push(ctx, "akmola-portal"); !d.Allowed || d.Remaining != 1-i {
			t.Fatalf("push %d: %+v", i+1, d)
		}
	}
	d := l.Push(ctx, "akmola-portal")
	if d.Allowed || d.RetrySeconds() < 1 || d.RetrySeconds() > 30 {
		t.Errorf("push 3: %+v", d)
	}
	want := `rate limit exceeded: the feed API of source "akmola-portal" allows 2 requests per minute; retry after`
	if msg := d.Message(fmt.Sprintf("the feed API of source %q", "akmola-portal")); len(msg) < len(want) || msg[:len(want)] != want {
		t.Errorf("message %q", msg)
	}
	if d := l.Push(ctx, "almaty-portal"); !d.Allowed {
		t.Errorf("another source is limited: %+v", d)
	}
	r := httptest.NewRequest("POST", "/graphql", nil)
	r = r.WithContext(hub.WithPrincipal(r.Context(), hub.Principal{Role: hub.RolePlatform, Source: &hub.Source{Name: "akmola-portal"}}))
	if d, who := l.Request(r); !d.Allowed || who != "this source's token" || d.Rate != ratelimit.DefaultRates()["platform"] {
		t.Errorf("the source's GraphQL request: %+v %q", d, who)
	}
}

// A hub behind a proxy it was not told to trust says so, once: every
// caller then shares the proxy's allowances.
func TestUntrustedProxyWarnsOnce(t *testing.T) {
	t.Parallel()
	var logs strings.Builder
	log := slog.New(slog.NewTextHandler(&logs, nil))
	untrusted := ratelimit.New(nil, nil, nil, log)
	trusting := ratelimit.New(nil, nil, []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}, log)
	for _, l := range []*ratelimit.Limiter{untrusted, untrusted, trusting} {
		r := httptest.NewRequest("POST", "/graphql", nil)
		r.RemoteAddr = "10.0.0.5:1"
		r.Header.Set("X-Forwarded-For", "203.0.113.9")
		l.TakeCredential(r)
		l.Request(r)
	}
	if n := strings.Count(logs.String(), "HUB_TRUSTED_PROXIES is empty"); n != 1 {
		t.Errorf("%d warnings, want 1:\n%s", n, logs.String())
	}
}
