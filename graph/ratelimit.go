package graph

import (
	"context"
	"fmt"
	"log/slog"
	"math"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-redis/redis_rate/v10"
	"github.com/redis/go-redis/v9"

	hub "github.com/birgemiz/hub"
)

// Rate is how many requests a caller may make per period; a caller may
// spend the whole allowance at once (the burst), after which it refills
// evenly over the period (GCRA).
type Rate struct {
	Requests int
	Per      time.Duration
}

func (r Rate) String() string {
	switch r.Per {
	case time.Second:
		return fmt.Sprintf("%d/s", r.Requests)
	case time.Minute:
		return fmt.Sprintf("%d/m", r.Requests)
	case time.Hour:
		return fmt.Sprintf("%d/h", r.Requests)
	}
	return fmt.Sprintf("%d/%s", r.Requests, r.Per)
}

// DefaultRates are the rate limits per role. Anonymous callers share an
// allowance per client address, so it is the lowest; a dashboard polls
// many panels every few seconds; admins are trusted most.
func DefaultRates() map[hub.Role]Rate {
	return map[hub.Role]Rate{
		hub.RoleAnonymous:  {120, time.Minute},
		hub.RoleResearcher: {300, time.Minute},
		hub.RolePlatform:   {300, time.Minute},
		hub.RoleDashboard:  {1200, time.Minute},
		hub.RoleAdmin:      {3000, time.Minute},
	}
}

// ParseRates reads "anonymous=120/m,dashboard=1200/m,…" (periods s, m, h)
// over DefaultRates: roles not named keep their default.
func ParseRates(s string) (map[hub.Role]Rate, error) {
	rates := DefaultRates()
	for part := range strings.SplitSeq(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		name, val, ok := strings.Cut(part, "=")
		role := hub.Role(strings.ToLower(strings.TrimSpace(name)))
		if _, known := rates[role]; !ok || !known {
			return nil, fmt.Errorf("%q is not role=N/period (roles: anonymous, researcher, platform, dashboard, admin)", part)
		}
		n, per, ok := strings.Cut(strings.TrimSpace(val), "/")
		reqs, err := strconv.Atoi(n)
		periods := map[string]time.Duration{"s": time.Second, "m": time.Minute, "h": time.Hour}
		if !ok || err != nil || reqs < 1 || periods[per] == 0 {
			return nil, fmt.Errorf("%q: the rate must be a positive number of requests per s, m or h, e.g. %s=120/m", part, role)
		}
		rates[role] = Rate{reqs, periods[per]}
	}
	return rates, nil
}

// RateLimiter limits requests per caller: per API key (by its name), per
// source for a source's token, and per client address for anonymous
// callers (an IPv6 address by its /64, which one host usually holds
// whole). The counts live in Redis, so the limits hold across replicas.
//
// When Redis cannot be reached, the limiter fails open to limits kept in
// each replica's memory, the same rates counted per replica, and logs it.
// Failing closed would turn a Redis outage into an outage of the public
// API, which does not need Redis to read PostgreSQL. Not limiting at all
// would leave the API open to floods for as long as Redis is down. Per
// replica limits keep each replica's load bounded meanwhile; the per
// query limits (cost, depth, timeout) hold regardless.
type RateLimiter struct {
	rates   map[hub.Role]Rate
	trusted []netip.Prefix
	redis   *redis_rate.Limiter // nil: in memory only
	local   *memoryGCRA
	log     *slog.Logger
	now     func() time.Time

	redisDownUntil atomic.Int64 // unix nanoseconds; Redis is not asked before then
}

// redisRetry is how long the limiter keeps to memory after Redis failed,
// so an outage does not add a Redis timeout to every request.
const redisRetry = 5 * time.Second

// redisTimeout bounds one rate-limit round trip to Redis.
const redisTimeout = 300 * time.Millisecond

// NewRateLimiter returns a limiter with rates per role (missing roles get
// the anonymous rate), counting in rdb (nil: in this process only).
// X-Forwarded-For is believed only from the trusted proxies' addresses.
func NewRateLimiter(rdb redis.UniversalClient, rates map[hub.Role]Rate, trusted []netip.Prefix, log *slog.Logger) *RateLimiter {
	l := &RateLimiter{rates: rates, trusted: trusted, local: &memoryGCRA{tat: map[string]time.Time{}}, log: log, now: time.Now}
	if rdb != nil {
		l.redis = redis_rate.NewLimiter(rdb)
	}
	return l
}

type rateResult struct {
	allowed    bool
	remaining  int
	retryAfter time.Duration
}

// allow spends one request of key's allowance.
func (l *RateLimiter) allow(ctx context.Context, key string, rate Rate) rateResult {
	now := l.now()
	if l.redis != nil && now.UnixNano() >= l.redisDownUntil.Load() {
		rctx, cancel := context.WithTimeout(ctx, redisTimeout)
		res, err := l.redis.Allow(rctx, "hub:"+key, redis_rate.Limit{Rate: rate.Requests, Burst: rate.Requests, Period: rate.Per})
		cancel()
		if err == nil {
			return rateResult{allowed: res.Allowed > 0, remaining: res.Remaining, retryAfter: res.RetryAfter}
		}
		if ctx.Err() != nil {
			return rateResult{allowed: true} // the caller left; nothing to limit
		}
		l.redisDownUntil.Store(now.Add(redisRetry).UnixNano())
		l.log.ErrorContext(ctx, "rate limits: Redis unreachable; counting in this replica's memory", "retry_in", redisRetry, "err", err)
	}
	return l.local.allow(key, rate, now)
}

// Wrap returns next behind the rate limit. Every answer carries
// X-RateLimit-Limit and X-RateLimit-Remaining; a request over the limit is
// answered 429 with Retry-After and RATE_LIMITED, and never reaches next.
func (l *RateLimiter) Wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := hub.PrincipalFrom(r.Context())
		rate, ok := l.rates[p.Role]
		if !ok {
			rate = l.rates[hub.RoleAnonymous]
		}
		res := l.allow(r.Context(), l.key(p, r), rate)
		h := w.Header()
		h.Set("X-RateLimit-Limit", strconv.Itoa(rate.Requests))
		h.Set("X-RateLimit-Remaining", strconv.Itoa(max(res.remaining, 0)))
		if res.allowed {
			next.ServeHTTP(w, r)
			return
		}
		secs := max(1, int(math.Ceil(res.retryAfter.Seconds())))
		h.Set("Retry-After", strconv.Itoa(secs))
		who := "this API key"
		if p.IsAnonymous() {
			who = "callers without an API key, per address"
		}
		writeError(w, http.StatusTooManyRequests, CodeRateLimited,
			fmt.Sprintf("rate limit exceeded: %s allows %d requests per %s; retry after %d s", who, rate.Requests, per(rate.Per), secs))
	})
}

func per(d time.Duration) string {
	switch d {
	case time.Second:
		return "second"
	case time.Minute:
		return "minute"
	case time.Hour:
		return "hour"
	}
	return d.String()
}

// key names the allowance a request spends.
func (l *RateLimiter) key(p hub.Principal, r *http.Request) string {
	switch {
	case p.Key != "":
		return "key:" + p.Key
	case p.Source != nil:
		return "source:" + p.Source.Name
	}
	return "ip:" + clientAddr(r, l.trusted)
}

// clientAddr returns the caller's address: the connection's peer, or,
// when the peer is a trusted proxy, the last address in X-Forwarded-For
// that is not a trusted proxy (the ones before it could be forged by the
// client). An IPv6 address is reduced to its /64.
func clientAddr(r *http.Request, trusted []netip.Prefix) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	addr, err := netip.ParseAddr(host)
	if err != nil {
		return host
	}
	if isTrusted(addr, trusted) {
		hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
		for i := len(hops) - 1; i >= 0; i-- {
			a, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
			if err != nil {
				break
			}
			addr = a
			if !isTrusted(a, trusted) {
				break
			}
		}
	}
	addr = addr.Unmap()
	if addr.Is6() {
		p, _ := addr.Prefix(64)
		return p.String()
	}
	return addr.String()
}

func isTrusted(a netip.Addr, trusted []netip.Prefix) bool {
	for _, p := range trusted {
		if p.Contains(a.Unmap()) {
			return true
		}
	}
	return false
}

// memoryGCRA is the same algorithm as redis_rate's, in memory: the
// fallback while Redis is unreachable, and the limiter of a hub without
// Redis.
type memoryGCRA struct {
	mu  sync.Mutex
	tat map[string]time.Time // theoretical arrival time per key
}

func (m *memoryGCRA) allow(key string, rate Rate, now time.Time) rateResult {
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(m.tat) > 100000 {
		for k, t := range m.tat {
			if t.Before(now) {
				delete(m.tat, k)
			}
		}
	}
	emission := rate.Per / time.Duration(rate.Requests)
	tat := m.tat[key]
	if tat.Before(now) {
		tat = now
	}
	newTAT := tat.Add(emission)
	diff := now.Sub(newTAT.Add(-emission * time.Duration(rate.Requests)))
	if diff < 0 {
		return rateResult{allowed: false, remaining: 0, retryAfter: -diff}
	}
	m.tat[key] = newTAT
	return rateResult{allowed: true, remaining: int(diff / emission)}
}
