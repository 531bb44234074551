package testutil

// RedisDBGraph is the Redis database of the graph package's tests (rate
// limits and persisted queries); see redis.go for the others.
const RedisDBGraph = 3
