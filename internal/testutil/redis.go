package testutil

import (
	"context"
	"os"
	"testing"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"
)

// Redis database numbers, one per test package, so packages tested in
// parallel never see each other's queues. Tests within a package that use
// Redis do not run in parallel with each other.
const (
	RedisDBWorkers   = 1
	RedisDBHub       = 2
	RedisDBRateLimit = 4
	RedisDBFeedAPI   = 5
)

// RedisAddr is the Redis server tests use: HUB_TEST_REDIS_ADDR, else local.
func RedisAddr() string {
	if a := os.Getenv("HUB_TEST_REDIS_ADDR"); a != "" {
		return a
	}
	return "127.0.0.1:6379"
}

// Redis flushes database db and returns asynq connection options for it.
func Redis(tb testing.TB, db int) asynq.RedisClientOpt {
	tb.Helper()
	c := redis.NewClient(&redis.Options{Addr: RedisAddr(), DB: db})
	defer c.Close()
	if err := c.FlushDB(context.Background()).Err(); err != nil {
		tb.Fatalf("tests need Redis at %s (set HUB_TEST_REDIS_ADDR): %v", RedisAddr(), err)
	}
	return asynq.RedisClientOpt{Addr: RedisAddr(), DB: db}
}
