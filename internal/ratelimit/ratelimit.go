// Package ratelimit counts requests against per-caller allowances in Redis
// (GCRA, with redis_rate), so the limits hold across replicas: API keys by
// their role's rate, sources' tokens per source, anonymous callers per
// client address, pushes per source, and failed credentials per client
// address. The GraphQL handler, the exports and the feed API spend from
// the same allowances and answer 429 each in its own error format.
package ratelimit

import (
	"context"
	"crypto/sha256"
	"fmt"
	"log/slog"
	"math"
	"net"
	"net/http"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-redis/redis_rate/v10"
	"github.com/hashicorp/golang-lru/v2/expirable"
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

// PerText is the period in words: "minute".
func (r Rate) PerText() string {
	switch r.Per {
	case time.Second:
		return "second"
	case time.Minute:
		return "minute"
	case time.Hour:
		return "hour"
	}
	return r.Per.String()
}

// The allowances that are not a role's.
const (
	// Push is a source's allowance on the feed API: pushes and receipt
	// reads, per source.
	Push = "push"
	// Unauthenticated is the allowance of failed credentials per client
	// address: bearer tokens that are no key or source's token, or whose
	// key is revoked. Once it is spent, the address's bearer tokens are
	// not even looked up until it refills.
	Unauthenticated = "unauthenticated"
)

// Rates are the allowances by name: a role's name, Push or
// Unauthenticated.
type Rates map[string]Rate

// Names are the allowances Rates may set, in the order they are shown.
var Names = []string{
	string(hub.RoleAnonymous), string(hub.RoleResearcher), string(hub.RolePlatform), string(hub.RoleDashboard),
	string(hub.RoleAdmin), Push, Unauthenticated,
}

// DefaultRates are the rate limits. Anonymous callers share an allowance
// per client address, so it is the lowest; a dashboard polls many panels
// every few seconds; admins are trusted most. A source may push or read a
// receipt twice a second on average. Sixty failed credentials a minute
// leave room for a misconfigured client to see its 401s and none for
// guessing.
func DefaultRates() Rates {
	return Rates{
		string(hub.RoleAnonymous):  {120, time.Minute},
		string(hub.RoleResearcher): {300, time.Minute},
		string(hub.RolePlatform):   {300, time.Minute},
		string(hub.RoleDashboard):  {1200, time.Minute},
		string(hub.RoleAdmin):      {3000, time.Minute},
		Push:                       {120, time.Minute},
		Unauthenticated:            {60, time.Minute},
	}
}

// ParseRates reads "anonymous=120/m,dashboard=1200/m,push=60/m,…" (periods
// s, m, h) over DefaultRates: allowances not named keep their default.
func ParseRates(s string) (Rates, error) {
	rates := DefaultRates()
	for part := range strings.SplitSeq(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		name, val, ok := strings.Cut(part, "=")
		name = strings.ToLower(strings.TrimSpace(name))
		if !ok || !slices.Contains(Names, name) {
			return nil, fmt.Errorf("%q is not name=N/period (names: %s)", part, strings.Join(Names, ", "))
		}
		n, per, ok := strings.Cut(strings.TrimSpace(val), "/")
		reqs, err := strconv.Atoi(n)
		periods := map[string]time.Duration{"s": time.Second, "m": time.Minute, "h": time.Hour}
		if !ok || err != nil || reqs < 1 || periods[per] == 0 {
			return nil, fmt.Errorf("%q: the rate must be a positive number of requests per s, m or h, e.g. %s=120/m", part, name)
		}
		rates[name] = Rate{reqs, periods[per]}
	}
	return rates, nil
}

// String is the rates as ParseRates reads them.
func (r Rates) String() string {
	parts := make([]string, 0, len(Names))
	for _, n := range Names {
		if rate, ok := r[n]; ok {
			parts = append(parts, n+"="+rate.String())
		}
	}
	return strings.Join(parts, ",")
}

// Limiter counts requests per caller: per API key (by its name), per
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
type Limiter struct {
	rates   Rates
	trusted []netip.Prefix
	redis   *redis_rate.Limiter // nil: in memory only
	local   *memoryGCRA
	log     *slog.Logger
	now     func() time.Time

	redisDownUntil atomic.Int64 // unix nanoseconds; Redis is not asked before then
	proxyWarning   sync.Once
	// valid holds the SHA-256 of tokens that authenticated within
	// validFor: see Authenticate.
	valid *expirable.LRU[[sha256.Size]byte, struct{}]
}

// validFor is how long a token that authenticated skips the allowance of
// failed credentials on its next lookups; validTokens bounds how many
// tokens are remembered so.
const (
	validFor    = 30 * time.Second
	validTokens = 10000
)

// redisRetry is how long the limiter keeps to memory after Redis failed,
// so an outage does not add a Redis timeout to every request.
const redisRetry = 5 * time.Second

// redisTimeout bounds one rate-limit round trip to Redis.
const redisTimeout = 300 * time.Millisecond

// New returns a limiter with rates (missing allowances get their
// default), counting in rdb (nil: in this process only). X-Forwarded-For
// is believed only from the trusted proxies' addresses.
func New(rdb redis.UniversalClient, rates Rates, trusted []netip.Prefix, log *slog.Logger) *Limiter {
	all := DefaultRates()
	for n, r := range rates {
		all[n] = r
	}
	l := &Limiter{rates: all, trusted: trusted, local: &memoryGCRA{tat: map[string]time.Time{}}, log: log, now: time.Now,
		valid: expirable.NewLRU[[sha256.Size]byte, struct{}](validTokens, nil, validFor)}
	if rdb != nil {
		l.redis = redis_rate.NewLimiter(rdb)
	}
	return l
}

// Decision is the state of one allowance after a request.
type Decision struct {
	Allowed    bool
	Rate       Rate
	Remaining  int
	RetryAfter time.Duration // when not allowed
}

// SetHeaders sets X-RateLimit-Limit and X-RateLimit-Remaining, and
// Retry-After (whole seconds, at least 1) when the request is refused. The
// zero Decision (nothing counted) sets none.
func (d Decision) SetHeaders(h http.Header) {
	if d.Rate.Requests == 0 {
		return
	}
	h.Set("X-RateLimit-Limit", strconv.Itoa(d.Rate.Requests))
	h.Set("X-RateLimit-Remaining", strconv.Itoa(max(d.Remaining, 0)))
	if !d.Allowed {
		h.Set("Retry-After", strconv.Itoa(d.RetrySeconds()))
	}
}

// RetrySeconds is RetryAfter in whole seconds, at least 1.
func (d Decision) RetrySeconds() int { return max(1, int(math.Ceil(d.RetryAfter.Seconds()))) }

// Message explains a refusal to the caller; who names the allowance.
func (d Decision) Message(who string) string {
	return fmt.Sprintf("rate limit exceeded: %s allows %d requests per %s; retry after %d s",
		who, d.Rate.Requests, d.Rate.PerText(), d.RetrySeconds())
}

// Request spends one request of the caller's allowance: the caller's
// (hub.PrincipalFrom) key, source or client address, at its role's rate.
// who names the allowance for Message.
func (l *Limiter) Request(r *http.Request) (d Decision, who string) {
	p := hub.PrincipalFrom(r.Context())
	rate, ok := l.rates[string(p.Role)]
	if !ok {
		rate = l.rates[string(hub.RoleAnonymous)]
	}
	who = "this API key"
	switch {
	case p.Key == "" && p.Source != nil:
		who = "this source's token"
	case p.IsAnonymous():
		who = "callers without an API key, per address"
	}
	return l.spend(r.Context(), l.key(p, r), rate, 1), who
}

// Push spends one request of source's feed API allowance.
func (l *Limiter) Push(ctx context.Context, source string) Decision {
	return l.spend(ctx, "push:"+source, l.rates[Push], 1)
}

// CredentialsBlocked is the error of a bearer token refused unread: its
// client address spent its allowance of failed credentials.
type CredentialsBlocked struct{ Decision }

func (e *CredentialsBlocked) Error() string { return e.Message("failed credentials from this address") }

// Authenticate looks token up with authenticate under the client
// address's allowance of failed credentials (TakeCredential): refused
// unread with *CredentialsBlocked once the allowance is spent, the unit
// kept when the token fails (EUNAUTHORIZED), given back otherwise. The
// Decision's headers belong on a 401 or 429 answer. A nil limiter only
// looks the token up.
//
// A token that authenticated within the last 30 s is looked up without
// taking a unit first (in this process: its SHA-256 is remembered, never
// the token): the two round trips to Redis of taking and giving back
// were a fifth of a small query's CPU. It is still looked up every time,
// so a revoked key is refused at once; its failure then spends a unit.
// Made-up tokens never authenticated, so their lookups stay bounded by
// the allowance as before.
func (l *Limiter) Authenticate(r *http.Request, token string,
	authenticate func(context.Context, string) (hub.Principal, error)) (hub.Principal, Decision, error) {
	if l == nil {
		p, err := authenticate(r.Context(), token)
		return p, Decision{}, err
	}
	sum := sha256.Sum256([]byte(token))
	if _, ok := l.valid.Get(sum); ok {
		p, err := authenticate(r.Context(), token)
		if hub.ErrorCode(err) != hub.EUNAUTHORIZED {
			return p, Decision{}, err
		}
		l.valid.Remove(sum)
		return p, l.TakeCredential(r), err
	}
	taken := l.TakeCredential(r)
	if !taken.Allowed {
		return hub.Principal{}, taken, &CredentialsBlocked{taken}
	}
	p, err := authenticate(r.Context(), token)
	if hub.ErrorCode(err) != hub.EUNAUTHORIZED {
		l.GiveBackCredential(r)
	}
	if err == nil {
		l.valid.Add(sum, struct{}{})
	}
	return p, taken, err
}

// TakeCredential spends one of the client address's failed credentials
// before its bearer token is looked up. When it is refused, the token
// must be refused unread (429). When the token turns out valid, or cannot
// be checked, GiveBackCredential returns the unit, so only tokens that
// fail keep theirs. Spending first, rather than checking and spending
// after a failure, bounds the lookups of made-up tokens however many
// arrive at once; a valid token holds its unit only while it is looked up.
func (l *Limiter) TakeCredential(r *http.Request) Decision {
	return l.spend(r.Context(), l.authKey(r), l.rates[Unauthenticated], 1)
}

// GiveBackCredential returns the unit TakeCredential spent.
func (l *Limiter) GiveBackCredential(r *http.Request) {
	l.spend(context.WithoutCancel(r.Context()), l.authKey(r), l.rates[Unauthenticated], -1)
}

func (l *Limiter) authKey(r *http.Request) string { return "unauthenticated:" + l.clientAddr(r) }

// clientAddr is ClientAddr with the limiter's trusted proxies. The first
// request forwarded by a proxy the hub was not told to trust is logged:
// behind it, every caller shares the proxy's allowances.
func (l *Limiter) clientAddr(r *http.Request) string {
	if len(l.trusted) == 0 && r.Header.Get("X-Forwarded-For") != "" {
		l.proxyWarning.Do(func() {
			l.log.WarnContext(r.Context(), "requests arrive through a proxy (X-Forwarded-For) but HUB_TRUSTED_PROXIES is empty: "+
				"every caller behind it shares one address's allowances, anonymous requests and failed tokens alike; "+
				"set HUB_TRUSTED_PROXIES to the load balancers' addresses", "proxy", r.RemoteAddr)
		})
	}
	return ClientAddr(r, l.trusted)
}

// spend spends n requests of key's allowance: 1, or -1 to give one back.
func (l *Limiter) spend(ctx context.Context, key string, rate Rate, n int) Decision {
	now := l.now()
	if l.redis != nil && now.UnixNano() >= l.redisDownUntil.Load() {
		rctx, cancel := context.WithTimeout(ctx, redisTimeout)
		res, err := l.redis.AllowN(rctx, "hub:"+key, redis_rate.Limit{Rate: rate.Requests, Burst: rate.Requests, Period: rate.Per}, n)
		cancel()
		if err == nil && n < 0 && res.ResetAfter <= 0 {
			// Given back to a full allowance: redis_rate leaves the stored
			// time as it was (one unit spent) rather than store a time in
			// the past, so the allowance is emptied here. A unit another
			// request takes in between is given back with it: a lookup
			// more, never a refusal more.
			rctx, cancel := context.WithTimeout(ctx, redisTimeout)
			err = l.redis.Reset(rctx, "hub:"+key)
			cancel()
		}
		if err == nil {
			return Decision{Allowed: n < 0 || res.Allowed > 0, Rate: rate, Remaining: res.Remaining, RetryAfter: max(res.RetryAfter, 0)}
		}
		if ctx.Err() != nil {
			return Decision{Allowed: true, Rate: rate, Remaining: rate.Requests} // the caller left; nothing to limit
		}
		l.redisDownUntil.Store(now.Add(redisRetry).UnixNano())
		l.log.ErrorContext(ctx, "rate limits: Redis unreachable; counting in this replica's memory", "retry_in", redisRetry, "err", err)
	}
	return l.local.spend(key, rate, n, now)
}

// key names the allowance a request spends.
func (l *Limiter) key(p hub.Principal, r *http.Request) string {
	switch {
	case p.Key != "":
		return "key:" + p.Key
	case p.Source != nil:
		return "source:" + p.Source.Name
	}
	return "ip:" + l.clientAddr(r)
}

// ClientAddr returns the caller's address: the connection's peer, or,
// when the peer is a trusted proxy, the last address in X-Forwarded-For
// that is not a trusted proxy (the ones before it could be forged by the
// client). An IPv6 address is reduced to its /64.
func ClientAddr(r *http.Request, trusted []netip.Prefix) string {
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

func (m *memoryGCRA) spend(key string, rate Rate, n int, now time.Time) Decision {
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
	newTAT := tat.Add(emission * time.Duration(n))
	diff := now.Sub(newTAT.Add(-emission * time.Duration(rate.Requests)))
	if diff < 0 {
		return Decision{Allowed: false, Rate: rate, RetryAfter: -diff}
	}
	if newTAT.After(now) {
		m.tat[key] = newTAT
	} else {
		delete(m.tat, key)
	}
	return Decision{Allowed: true, Rate: rate, Remaining: int(diff / emission)}
}
