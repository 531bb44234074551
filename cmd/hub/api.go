package main

import (
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/birgemiz/hub/graph"
	"github.com/birgemiz/hub/internal/ratelimit"
)

// graphOptions are the GraphQL handler's limits from the configuration,
// with a Redis client of its own for the rate limits and the persisted
// queries the replicas share. Its timeouts are short: when Redis is slow
// or down the rate limiter falls back to this replica's memory rather
// than hold requests up (ratelimit.Limiter).
func (m *Main) graphOptions() graph.HandlerOptions {
	rdb := redis.NewClient(&redis.Options{
		Addr: m.Config.RedisAddr, DB: m.Config.RedisDB, Password: m.Config.RedisPass,
		DialTimeout: time.Second, ReadTimeout: 500 * time.Millisecond, WriteTimeout: 500 * time.Millisecond,
		PoolTimeout: time.Second, MaxRetries: 1, ContextTimeoutEnabled: true,
	})
	// The client lives as long as the server that uses it; Close closes it.
	if m.apiRedis != nil {
		_ = m.apiRedis.Close()
	}
	m.apiRedis = rdb
	c := m.Config
	cacheBytes := c.ResponseCache << 20
	if cacheBytes == 0 {
		cacheBytes = -1 // HUB_RESPONSE_CACHE_MB=0: none
	}
	return graph.HandlerOptions{
		MaxCost: c.MaxCost, MaxDepth: c.MaxDepth, MaxFields: c.MaxFields, MaxTokens: c.MaxTokens,
		MaxBodyBytes: c.MaxBodyBytes, Timeout: c.QueryTimeout,
		Redis: rdb, PersistedTTL: c.PersistedTTL, PersistedOnly: c.PersistedOnly,
		RateLimiter: ratelimit.New(rdb, c.RateLimits, c.TrustedProxies, m.Log.With("component", "ratelimit")),
		Versions:    m.DB, ResponseCacheBytes: cacheBytes,
	}
}
