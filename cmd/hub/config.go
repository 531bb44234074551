package main

import (
	"fmt"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/birgemiz/hub/graph"
	"github.com/birgemiz/hub/internal/ratelimit"
	"github.com/birgemiz/hub/workers"
)

// Config is the hub's configuration, read from the environment. Every
// setting has a default that works on a developer machine with local
// PostgreSQL and Redis.
type Config struct {
	DatabaseURL string // DATABASE_URL
	RedisAddr   string // REDIS_ADDR
	RedisDB     int    // REDIS_DB
	RedisPass   string // REDIS_PASSWORD
	MeiliURL    string // MEILI_URL: when set, search runs on Meilisearch and workers run in `hub worker`
	MeiliKey    string // MEILI_KEY
	Addr        string // HUB_ADDR: where `serve` listens
	DebugAddr   string // HUB_DEBUG_ADDR: where `serve` serves pprof profiles; empty: nowhere
	DataDir     string // HUB_DATA_DIR: the embedded search index and other local state
	SecretKeys  string // HUB_SECRET_KEYS: "id:base64key,…", newest first; empty: a key file in HUB_DATA_DIR
	LogLevel    string // HUB_LOG_LEVEL: debug, info, warn, error
	LogFormat   string // HUB_LOG_FORMAT: text or json; default text on a terminal, else json

	WorkerConcurrency int           // HUB_WORKER_CONCURRENCY: 0 means one per CPU
	ShutdownTimeout   time.Duration // HUB_SHUTDOWN_TIMEOUT: time in-flight requests and tasks get to finish
	ChunkSize         int           // HUB_CHUNK_SIZE: records a batch applies per transaction
	ReconcileEvery    time.Duration // HUB_RECONCILE_EVERY: how often workers look for lost batches
	LostAfter         time.Duration // HUB_LOST_AFTER: a batch without progress this long is lost and rescued
	RetryDelay        time.Duration // HUB_RETRY_DELAY: wait before a failed task runs again; 0 means asynq's backoff

	// The limits of the public GraphQL endpoint (SECURITY.md).
	MaxCost        int             // HUB_MAX_COST: cost limit of one operation (≈ records it may load)
	MaxDepth       int             // HUB_MAX_DEPTH: how deeply fields may nest
	MaxFields      int             // HUB_MAX_FIELDS: fields one operation may select, aliases included
	MaxTokens      int             // HUB_MAX_TOKENS: the parser's token limit
	MaxBodyBytes   int64           // HUB_MAX_BODY_BYTES: largest request body
	QueryTimeout   time.Duration   // HUB_QUERY_TIMEOUT: how long one GraphQL request may run
	RateLimits     ratelimit.Rates // HUB_RATE_LIMITS: requests per key (per address when anonymous) by role, pushes per source, failed credentials per address
	TrustedProxies []netip.Prefix  // HUB_TRUSTED_PROXIES: whose X-Forwarded-For names the client
	PersistedOnly  bool            // HUB_PERSISTED_QUERIES_ONLY: anonymous callers run persisted queries only
	PersistedTTL   time.Duration   // HUB_PERSISTED_QUERY_TTL: how long an unused persisted query is kept
	ResponseCache  int             // HUB_RESPONSE_CACHE_MB: MiB of cached answers; 0 turns the cache off
}

// configVars documents every variable for `hub help` and the README.
var configVars = [][3]string{
	{"DATABASE_URL", "postgres://postgres@127.0.0.1:5432/birgemiz?sslmode=disable", "PostgreSQL; the database is created and migrated on start; the pool holds up to 4 connections per CPU (at least 10), or pool_max_conns=N from the URL"},
	{"REDIS_ADDR", "127.0.0.1:6379", "Redis: the asynq task queue, the API's rate limits and its persisted queries"},
	{"REDIS_DB", "0", "Redis database number"},
	{"REDIS_PASSWORD", "", "Redis password"},
	{"MEILI_URL", "", "Meilisearch URL; empty means the embedded search engine, and `serve` runs the workers in-process"},
	{"MEILI_KEY", "", "Meilisearch API key"},
	{"HUB_ADDR", "127.0.0.1:8080", "where `hub serve` listens"},
	{"GOGC", "400", "Go's garbage collector: collect when the heap has grown by this percentage of the live heap (Go's own default is 100)"},
	{"GOMEMLIMIT", "128MiB", "Go's soft memory limit: the collector works harder as the heap nears it (the search index is memory-mapped beside it); raise it if the live heap grows near it"},
	{"HUB_DEBUG_ADDR", "", "where `hub serve` serves Go's pprof profiles (/debug/pprof/), e.g. 127.0.0.1:6060; empty means nowhere. Profiles show queries' shapes and timings, so keep it on loopback"},
	{"HUB_DATA_DIR", "./data", "local state: the embedded search index"},
	{"HUB_SECRET_KEYS", "", "keys sealing secrets at rest, \"id:base64key,…\" newest first (32 random bytes each); empty means a key file HUB_DATA_DIR/secret.keys, created on first start"},
	{"HUB_LOG_LEVEL", "info", "debug, info, warn or error"},
	{"HUB_LOG_FORMAT", "", "text or json; default text on a terminal, json otherwise"},
	{"HUB_WORKER_CONCURRENCY", "0", "tasks a worker process runs at once; 0 means one per CPU"},
	{"HUB_SHUTDOWN_TIMEOUT", "30s", "how long in-flight requests and tasks get to finish on SIGTERM"},
	{"HUB_CHUNK_SIZE", strconv.Itoa(workers.DefaultChunkSize), "records a batch applies per transaction; a crashed worker repeats at most one chunk"},
	{"HUB_RECONCILE_EVERY", "30s", "how often the workers look for batches that are stored but lost (no task, or the task's worker died)"},
	{"HUB_LOST_AFTER", "1m", "how long a batch may make no progress before the workers rescue it"},
	{"HUB_RETRY_DELAY", "0s", "wait before a failed task (e.g. a batch whose database connection broke) runs again; 0s means asynq's backoff, 15–45 s at first and growing"},
	{"HUB_MAX_COST", strconv.Itoa(graph.DefaultMaxCost), "cost limit of one GraphQL operation, about the records it may load: a connection costs first × one edge; over it, COMPLEXITY_LIMIT_EXCEEDED and nothing runs"},
	{"HUB_MAX_DEPTH", strconv.Itoa(graph.DefaultMaxDepth), "how deeply the fields of a GraphQL operation may nest"},
	{"HUB_MAX_FIELDS", strconv.Itoa(graph.DefaultMaxFields), "fields one GraphQL operation may select; aliases and every use of a fragment count"},
	{"HUB_MAX_TOKENS", strconv.Itoa(graph.DefaultMaxTokens), "the GraphQL parser's token limit"},
	{"HUB_MAX_BODY_BYTES", strconv.Itoa(graph.DefaultMaxBodyBytes), "largest GraphQL request body in bytes; larger ones are answered 413"},
	{"HUB_QUERY_TIMEOUT", graph.DefaultTimeout.String(), "how long one GraphQL request may run; then its resolvers and SQL are cancelled and it answers TIMEOUT"},
	{"HUB_RATE_LIMITS", ratelimit.DefaultRates().String(), "requests per s, m or h: per API key by role (per client address without a key, per source for a source's token); push: a source's pushes and receipt reads on the feed API; unauthenticated: failed bearer tokens per client address, after which the address's tokens are refused unread. Names left out keep their default. Counted in Redis, so they hold across replicas"},
	{"HUB_TRUSTED_PROXIES", "", "comma-separated addresses or CIDRs of the load balancers in front of the hub; only from them is X-Forwarded-For believed to name the client"},
	{"HUB_PERSISTED_QUERIES_ONLY", "false", "true: callers without an API key may run only persisted queries (APQ hashes registered by a client with a key)"},
	{"HUB_PERSISTED_QUERY_TTL", "720h", "how long a persisted query is kept in Redis after its last use"},
	{"HUB_RESPONSE_CACHE_MB", strconv.Itoa(graph.DefaultResponseCacheBytes >> 20), "MiB of GraphQL answers (records, statistics and search; never a platform's, nor one that read personal parts) kept per process and served again until a committed write or a statistics change makes them stale; 0 turns the cache off"},
}

// LoadConfig reads the configuration from getenv, applying defaults.
func LoadConfig(getenv func(string) string) (Config, error) {
	get := func(name string) string {
		if v := getenv(name); v != "" {
			return v
		}
		for _, v := range configVars {
			if v[0] == name {
				return v[1]
			}
		}
		return ""
	}
	c := Config{
		DatabaseURL: get("DATABASE_URL"),
		RedisAddr:   get("REDIS_ADDR"),
		RedisPass:   get("REDIS_PASSWORD"),
		MeiliURL:    get("MEILI_URL"),
		MeiliKey:    get("MEILI_KEY"),
		Addr:        get("HUB_ADDR"),
		DebugAddr:   get("HUB_DEBUG_ADDR"),
		DataDir:     get("HUB_DATA_DIR"),
		SecretKeys:  get("HUB_SECRET_KEYS"),
		LogLevel:    strings.ToLower(get("HUB_LOG_LEVEL")),
		LogFormat:   strings.ToLower(get("HUB_LOG_FORMAT")),
	}
	var err error
	if c.RedisDB, err = strconv.Atoi(get("REDIS_DB")); err != nil {
		return c, fmt.Errorf("REDIS_DB must be a number, got %q", get("REDIS_DB"))
	}
	if c.WorkerConcurrency, err = strconv.Atoi(get("HUB_WORKER_CONCURRENCY")); err != nil {
		return c, fmt.Errorf("HUB_WORKER_CONCURRENCY must be a number, got %q", get("HUB_WORKER_CONCURRENCY"))
	}
	if c.ShutdownTimeout, err = time.ParseDuration(get("HUB_SHUTDOWN_TIMEOUT")); err != nil {
		return c, fmt.Errorf("HUB_SHUTDOWN_TIMEOUT must be a duration like 30s, got %q", get("HUB_SHUTDOWN_TIMEOUT"))
	}
	if c.ChunkSize, err = strconv.Atoi(get("HUB_CHUNK_SIZE")); err != nil {
		return c, fmt.Errorf("HUB_CHUNK_SIZE must be a number, got %q", get("HUB_CHUNK_SIZE"))
	}
	if c.ReconcileEvery, err = time.ParseDuration(get("HUB_RECONCILE_EVERY")); err != nil {
		return c, fmt.Errorf("HUB_RECONCILE_EVERY must be a duration like 30s, got %q", get("HUB_RECONCILE_EVERY"))
	}
	if c.LostAfter, err = time.ParseDuration(get("HUB_LOST_AFTER")); err != nil {
		return c, fmt.Errorf("HUB_LOST_AFTER must be a duration like 1m, got %q", get("HUB_LOST_AFTER"))
	}
	if c.RetryDelay, err = time.ParseDuration(get("HUB_RETRY_DELAY")); err != nil {
		return c, fmt.Errorf("HUB_RETRY_DELAY must be a duration like 5s, got %q", get("HUB_RETRY_DELAY"))
	}
	if err := c.loadLimits(get); err != nil {
		return c, err
	}
	if abs, err := filepath.Abs(c.DataDir); err == nil {
		c.DataDir = abs
	}
	return c, c.Validate()
}

// Validate reports settings that cannot work, saying what to change.
func (c Config) Validate() error {
	if !strings.HasPrefix(c.DatabaseURL, "postgres://") && !strings.HasPrefix(c.DatabaseURL, "postgresql://") {
		return fmt.Errorf("DATABASE_URL must be a postgres:// URL, got %q", redactURL(c.DatabaseURL))
	}
	if _, _, err := net.SplitHostPort(c.RedisAddr); err != nil {
		return fmt.Errorf("REDIS_ADDR must be host:port, got %q", c.RedisAddr)
	}
	if c.RedisDB < 0 || c.RedisDB > 15 {
		return fmt.Errorf("REDIS_DB must be between 0 and 15, got %d", c.RedisDB)
	}
	if _, _, err := net.SplitHostPort(c.Addr); err != nil {
		return fmt.Errorf("HUB_ADDR must be host:port (e.g. 127.0.0.1:8080 or :8080), got %q", c.Addr)
	}
	if c.DebugAddr != "" {
		if _, _, err := net.SplitHostPort(c.DebugAddr); err != nil {
			return fmt.Errorf("HUB_DEBUG_ADDR must be host:port (e.g. 127.0.0.1:6060) or empty, got %q", c.DebugAddr)
		}
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		return fmt.Errorf("HUB_LOG_LEVEL must be debug, info, warn or error, got %q", c.LogLevel)
	}
	switch c.LogFormat {
	case "", "text", "json":
	default:
		return fmt.Errorf("HUB_LOG_FORMAT must be text or json, got %q", c.LogFormat)
	}
	if c.WorkerConcurrency < 0 {
		return fmt.Errorf("HUB_WORKER_CONCURRENCY must not be negative")
	}
	if c.ChunkSize < 1 {
		return fmt.Errorf("HUB_CHUNK_SIZE must be at least 1, got %d", c.ChunkSize)
	}
	if c.ReconcileEvery < time.Second {
		return fmt.Errorf("HUB_RECONCILE_EVERY must be at least 1s, got %s", c.ReconcileEvery)
	}
	if c.LostAfter <= 0 {
		return fmt.Errorf("HUB_LOST_AFTER must be positive, got %s", c.LostAfter)
	}
	if c.RetryDelay < 0 {
		return fmt.Errorf("HUB_RETRY_DELAY must not be negative, got %s", c.RetryDelay)
	}
	for _, v := range []struct {
		name     string
		val, min int64
	}{
		{"HUB_MAX_COST", int64(c.MaxCost), 1}, {"HUB_MAX_DEPTH", int64(c.MaxDepth), 2}, {"HUB_MAX_FIELDS", int64(c.MaxFields), 1},
		{"HUB_MAX_TOKENS", int64(c.MaxTokens), 100}, {"HUB_MAX_BODY_BYTES", c.MaxBodyBytes, 1024},
	} {
		if v.val < v.min {
			return fmt.Errorf("%s must be at least %d, got %d", v.name, v.min, v.val)
		}
	}
	// The HTTP server stops writing after 120 s; a longer query could
	// never answer.
	if c.QueryTimeout < 100*time.Millisecond || c.QueryTimeout > 100*time.Second {
		return fmt.Errorf("HUB_QUERY_TIMEOUT must be between 100ms and 100s, got %s", c.QueryTimeout)
	}
	if c.ResponseCache < 0 || c.ResponseCache > 4096 {
		return fmt.Errorf("HUB_RESPONSE_CACHE_MB must be between 0 (no cache) and 4096, got %d", c.ResponseCache)
	}
	if c.PersistedTTL < time.Minute {
		return fmt.Errorf("HUB_PERSISTED_QUERY_TTL must be at least 1m, got %s", c.PersistedTTL)
	}
	return nil
}

// loadLimits reads the limits of the GraphQL endpoint.
func (c *Config) loadLimits(get func(string) string) error {
	ints := []struct {
		name string
		dst  *int
	}{{"HUB_MAX_COST", &c.MaxCost}, {"HUB_MAX_DEPTH", &c.MaxDepth}, {"HUB_MAX_FIELDS", &c.MaxFields}, {"HUB_MAX_TOKENS", &c.MaxTokens},
		{"HUB_RESPONSE_CACHE_MB", &c.ResponseCache}}
	for _, v := range ints {
		n, err := strconv.Atoi(get(v.name))
		if err != nil {
			return fmt.Errorf("%s must be a number, got %q", v.name, get(v.name))
		}
		*v.dst = n
	}
	var err error
	if c.MaxBodyBytes, err = strconv.ParseInt(get("HUB_MAX_BODY_BYTES"), 10, 64); err != nil {
		return fmt.Errorf("HUB_MAX_BODY_BYTES must be a number of bytes (1048576 is 1 MiB), got %q", get("HUB_MAX_BODY_BYTES"))
	}
	if c.QueryTimeout, err = time.ParseDuration(get("HUB_QUERY_TIMEOUT")); err != nil {
		return fmt.Errorf("HUB_QUERY_TIMEOUT must be a duration like 10s, got %q", get("HUB_QUERY_TIMEOUT"))
	}
	if c.PersistedTTL, err = time.ParseDuration(get("HUB_PERSISTED_QUERY_TTL")); err != nil {
		return fmt.Errorf("HUB_PERSISTED_QUERY_TTL must be a duration like 720h, got %q", get("HUB_PERSISTED_QUERY_TTL"))
	}
	if c.PersistedOnly, err = strconv.ParseBool(get("HUB_PERSISTED_QUERIES_ONLY")); err != nil {
		return fmt.Errorf("HUB_PERSISTED_QUERIES_ONLY must be true or false, got %q", get("HUB_PERSISTED_QUERIES_ONLY"))
	}
	if c.RateLimits, err = ratelimit.ParseRates(get("HUB_RATE_LIMITS")); err != nil {
		return fmt.Errorf("HUB_RATE_LIMITS: %w", err)
	}
	c.TrustedProxies = nil
	for _, s := range strings.Split(get("HUB_TRUSTED_PROXIES"), ",") {
		if s = strings.TrimSpace(s); s == "" {
			continue
		}
		p, err := netip.ParsePrefix(s)
		if err != nil {
			a, err2 := netip.ParseAddr(s)
			if err2 != nil {
				return fmt.Errorf("HUB_TRUSTED_PROXIES must list addresses or CIDRs (10.0.0.0/8), got %q", s)
			}
			p = netip.PrefixFrom(a, a.BitLen())
		}
		c.TrustedProxies = append(c.TrustedProxies, p.Masked())
	}
	return nil
}

// redactURL hides a password in a URL for messages.
func redactURL(u string) string {
	if i := strings.Index(u, "://"); i >= 0 {
		rest := u[i+3:]
		if at := strings.Index(rest, "@"); at >= 0 {
			if colon := strings.Index(rest[:at], ":"); colon >= 0 {
				return u[:i+3] + rest[:colon] + ":***" + rest[at:]
			}
		}
	}
	return u
}

func isTerminal(f *os.File) bool {
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
