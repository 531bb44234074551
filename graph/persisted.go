package graph

import (
	"context"
	"errors"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/redis/go-redis/v9"
	"github.com/vektah/gqlparser/v2/gqlerror"

	hub "github.com/birgemiz/hub"
)

// Automatic persisted queries (APQ): a client sends a query's SHA-256
// instead of its text; the first time, it sends both and the hub stores
// the text under the hash. The store is Redis, so every replica knows a
// query registered through any of them, with a copy of recent ones in
// process so a Redis outage does not stop them.
//
// gqlgen's extension.AutomaticPersistedQuery checks the hash and asks the
// cache to store the text before the query is parsed. The cache defers
// that store to persistCommit, which runs after validation and the shape
// and cost limits: only a query that may run is kept, so nobody can fill
// Redis, which also holds the task queue, with garbage.

// DefaultPersistedTTL is how long a persisted query is kept after its last
// use.
const DefaultPersistedTTL = 30 * 24 * time.Hour

// maxPersistedBytes bounds a stored query. A longer one still runs when
// sent in full; it is only not stored.
const maxPersistedBytes = 64 << 10

const persistedPrefix = "hub:apq:"

// persistedQueries is the APQ cache: Redis (when set) and an in-process
// LRU of the queries seen recently.
type persistedQueries struct {
	redis redis.UniversalClient
	ttl   time.Duration
	local *lru.LRU[string]
	log   *slog.Logger

	redisDownUntil atomic.Int64 // unix nanoseconds; Redis is not asked before then
}

func newPersistedQueries(rdb redis.UniversalClient, ttl time.Duration, log *slog.Logger) *persistedQueries {
	return &persistedQueries{redis: rdb, ttl: ttl, local: lru.New[string](1000), log: log}
}

// Get returns the query stored under hash, extending its life in Redis.
func (c *persistedQueries) Get(ctx context.Context, hash string) (string, bool) {
	if c.redisUp() {
		// GET and EXPIRE rather than GETEX, which Redis before 6.2 lacks.
		pipe := c.redis.Pipeline()
		get := pipe.Get(ctx, persistedPrefix+hash)
		pipe.Expire(ctx, persistedPrefix+hash, c.ttl)
		_, _ = pipe.Exec(ctx)
		q, err := get.Result()
		switch {
		case err == nil:
			c.local.Add(ctx, hash, q)
			return q, true
		case errors.Is(err, redis.Nil):
			return "", false
		default:
			c.redisFailed(ctx, err)
		}
	}
	return c.local.Get(ctx, hash)
}

// Add does not store yet: it notes the query on the operation, and
// persistCommit stores it once the query has passed every check.
func (c *persistedQueries) Add(ctx context.Context, hash, query string) {
	if len(query) > maxPersistedBytes || !graphql.HasOperationContext(ctx) {
		return
	}
	graphql.GetOperationContext(ctx).Stats.SetExtension(pendingExtension, &pendingQuery{hash: hash, query: query})
}

func (c *persistedQueries) store(ctx context.Context, hash, query string) {
	c.local.Add(ctx, hash, query)
	if !c.redisUp() {
		return
	}
	if err := c.redis.Set(ctx, persistedPrefix+hash, query, c.ttl).Err(); err != nil {
		c.redisFailed(ctx, err)
	}
}

// redisUp reports whether to ask Redis: it is configured, and did not
// fail in the last redisRetry.
func (c *persistedQueries) redisUp() bool {
	return c.redis != nil && time.Now().UnixNano() >= c.redisDownUntil.Load()
}

func (c *persistedQueries) redisFailed(ctx context.Context, err error) {
	if ctx.Err() != nil {
		return // the caller left; Redis may be fine
	}
	c.redisDownUntil.Store(time.Now().Add(redisRetry).UnixNano())
	c.log.ErrorContext(ctx, "persisted queries: Redis unreachable; using this replica's copies", "retry_in", redisRetry, "err", err)
}

// redisRetry is how long the persisted queries keep to this replica's
// copies after Redis failed, so an outage does not add a Redis timeout to
// every request.
const redisRetry = 5 * time.Second

const pendingExtension = "hub.PendingPersistedQuery"

type pendingQuery struct{ hash, query string }

// persistCommit stores the query the APQ extension registered, once it
// has passed validation and the limits. It must be the last extension
// that can refuse an operation.
type persistCommit struct{ cache *persistedQueries }

var _ interface {
	graphql.OperationContextMutator
	graphql.HandlerExtension
} = persistCommit{}

func (persistCommit) ExtensionName() string                   { return "PersistCommit" }
func (persistCommit) Validate(graphql.ExecutableSchema) error { return nil }

// MutateOperationContext stores the pending query, if any.
func (p persistCommit) MutateOperationContext(ctx context.Context, oc *graphql.OperationContext) *gqlerror.Error {
	if q, ok := oc.Stats.GetExtension(pendingExtension).(*pendingQuery); ok {
		p.cache.store(ctx, q.hash, q.query)
	}
	return nil
}

// persistedOnly, when on, lets anonymous callers run only queries already
// persisted: they send a hash, never a query's text, and so can neither
// register queries nor send one the operators have not seen. Callers with
// a key may send any query, and register it. It must run before the APQ
// extension, which replaces a hash with its query.
type persistedOnly struct{}

var _ interface {
	graphql.OperationParameterMutator
	graphql.HandlerExtension
} = persistedOnly{}

func (persistedOnly) ExtensionName() string                   { return "PersistedOnly" }
func (persistedOnly) Validate(graphql.ExecutableSchema) error { return nil }

// MutateOperationParameters refuses a query's text from an anonymous caller.
func (persistedOnly) MutateOperationParameters(ctx context.Context, p *graphql.RawParams) *gqlerror.Error {
	if p.Query == "" || !hub.PrincipalFrom(ctx).IsAnonymous() {
		return nil
	}
	err := gqlerror.Errorf("this endpoint runs only persisted queries for callers without an API key: send extensions.persistedQuery " +
		"with the sha256Hash of a query registered by a client with a key, or send an API key (Authorization: Bearer)")
	err.Extensions = map[string]any{"code": CodePersistedQueryRequired}
	return err
}
