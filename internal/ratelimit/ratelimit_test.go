package ratelimit_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http/httptest"
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
// Redis unreachable or absent, in memory; reading whether an address is
// blocked spends nothing.
func TestCredentials(t *testing.T) {
	testutil.Redis(t, testutil.RedisDBRateLimit)
	rdb := redis.NewClient(&redis.Options{Addr: testutil.RedisAddr(), DB: testutil.RedisDBRateLimit})
	t.Cleanup(func() { rdb.Close() })
	down := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", DialTimeout: 100 * time.Millisecond, MaxRetries: -1})
	t.Cleanup(func() { down.Close() })
	rates := ratelimit.Rates{ratelimit.Unauthenticated: {Requests: 3, Per: time.Minute}}
	log := slog.New(slog.DiscardHandler)

	for name, l := range map[string]*ratelimit.Limiter{
		"redis":      ratelimit.New(rdb, rates, nil, log),
		"redis down": ratelimit.New(down, rates, nil, log),
		"memory":     ratelimit.New(nil, rates, nil, log),
	} {
		t.Run(name, func(t *testing.T) {
			r := httptest.NewRequest("POST", "/graphql", nil)
			r.RemoteAddr = "203.0.113.50:4000"
			other := httptest.NewRequest("POST", "/graphql", nil)
			other.RemoteAddr = "198.51.100.50:4000"
			for i := range 3 {
				for range 5 { // reading spends nothing
					if d := l.CredentialsBlocked(r); !d.Allowed || d.Remaining != 3-i {
						t.Fatalf("before failure %d: %+v, want allowed with %d remaining", i+1, d, 3-i)
					}
				}
				if d := l.CredentialsFailed(r); !d.Allowed || d.Remaining != 2-i || d.Rate.Requests != 3 {
					t.Fatalf("failure %d: %+v", i+1, d)
				}
			}
			d := l.CredentialsBlocked(r)
			if d.Allowed || d.Remaining != 0 || d.RetryAfter <= 0 || d.RetryAfter > 20*time.Second {
				t.Errorf("after 3 failures: %+v, want blocked, retry within 20 s", d)
			}
			if d := l.CredentialsBlocked(other); !d.Allowed {
				t.Errorf("another address is blocked: %+v", d)
			}
		})
	}
	if n, err := rdb.Exists(context.Background(), "rate:hub:unauthenticated:203.0.113.50").Result(); err != nil || n != 1 {
		t.Errorf("the failures are not counted in Redis: %d, %v", n, err)
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
