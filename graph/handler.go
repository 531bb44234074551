package graph

import (
	"log/slog"
	"net/http"
	"time"

	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/99designs/gqlgen/graphql/playground"
	"github.com/redis/go-redis/v9"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/birgemiz/hub/internal/ratelimit"
)

// HandlerOptions tune the GraphQL handler. Zero values mean the defaults,
// which are the limits of the public endpoint (SECURITY.md).
type HandlerOptions struct {
	// LoaderWait is how long dataloaders gather keys; 0 means DefaultLoaderWait.
	LoaderWait time.Duration

	// MaxCost is the cost limit of one operation (complexity.go);
	// 0 means DefaultMaxCost.
	MaxCost int
	// MaxDepth is how deeply fields may nest; 0 means DefaultMaxDepth.
	MaxDepth int
	// MaxFields is how many fields an operation may select, aliases and
	// each use of a fragment included; 0 means DefaultMaxFields.
	MaxFields int
	// MaxTokens is the parser's token limit; 0 means DefaultMaxTokens.
	MaxTokens int
	// MaxBodyBytes is the largest POST body; 0 means DefaultMaxBodyBytes.
	MaxBodyBytes int64
	// Timeout is how long one request may run; 0 means DefaultTimeout.
	Timeout time.Duration

	// Redis keeps the persisted queries (APQ) that every replica shares;
	// nil keeps them in this process only.
	Redis redis.UniversalClient
	// PersistedTTL is how long a persisted query is kept after its last
	// use; 0 means DefaultPersistedTTL.
	PersistedTTL time.Duration
	// PersistedOnly lets anonymous callers run persisted queries only.
	PersistedOnly bool

	// RateLimiter limits requests per caller; nil means no rate limits.
	RateLimiter *ratelimit.Limiter

	// Versions tells the data version answers are cached under
	// (respcache.go); nil means no response cache.
	Versions DataVersioner
	// ResponseCacheBytes bounds the cached answers; 0 means
	// DefaultResponseCacheBytes, negative means no response cache.
	ResponseCacheBytes int
}

// DefaultResponseCacheBytes is the default size of the response cache.
const DefaultResponseCacheBytes = 32 << 20

func (o *HandlerOptions) defaults() {
	def := func(v *int, d int) {
		if *v == 0 {
			*v = d
		}
	}
	def(&o.MaxCost, DefaultMaxCost)
	def(&o.MaxDepth, DefaultMaxDepth)
	def(&o.MaxFields, DefaultMaxFields)
	def(&o.MaxTokens, DefaultMaxTokens)
	if o.LoaderWait == 0 {
		o.LoaderWait = DefaultLoaderWait
	}
	if o.MaxBodyBytes == 0 {
		o.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if o.Timeout == 0 {
		o.Timeout = DefaultTimeout
	}
	if o.ResponseCacheBytes == 0 {
		o.ResponseCacheBytes = DefaultResponseCacheBytes
	}
	if o.PersistedTTL == 0 {
		o.PersistedTTL = DefaultPersistedTTL
	}
}

// NewHandler returns the GraphQL-over-HTTP handler (POST and GET) with
// per-request dataloaders, the error presenter, panic recovery and the
// limits of a public endpoint, in the order a request meets them: the
// rate limit, the body's size and shape, the time limit, the parser's
// token limit, validation, persisted queries, depth and field count, and
// cost. It expects the caller in the request's context (WithPrincipal).
func NewHandler(r *Resolver, log *slog.Logger, opts HandlerOptions) http.Handler {
	opts.defaults()
	es := NewExecutableSchema(Config{Resolvers: r, Complexity: complexityRoot(), Directives: directives()})
	apq := newPersistedQueries(opts.Redis, opts.PersistedTTL, log)

	srv := handler.New(es)
	srv.AddTransport(transport.GET{})
	srv.AddTransport(postTransport{})
	srv.SetQueryCache(lru.New[*ast.QueryDocument](1000))
	srv.SetParserTokenLimit(opts.MaxTokens)
	srv.Use(extension.Introspection{})
	// Operation parameters, before parsing: persisted-only first, as APQ
	// turns a hash into its query.
	if opts.PersistedOnly {
		srv.Use(persistedOnly{})
	}
	srv.Use(extension.AutomaticPersistedQuery{Cache: apq})
	// After validation, in this order: the cost walk expands fragments,
	// so it must never see a query the shape limit refuses; persistCommit
	// stores a new persisted query only once it passed every check.
	srv.Use(refuseNUL{})
	srv.Use(shapeLimit{MaxDepth: opts.MaxDepth, MaxFields: opts.MaxFields})
	srv.Use(extension.FixedComplexityLimit(opts.MaxCost, complexityOptions(es.Schema())...))
	srv.Use(persistCommit{cache: apq})
	srv.Use(projection{})
	if c := newResponseCache(opts.Versions, r.SearchService, opts.ResponseCacheBytes); c != nil {
		srv.Use(c)
	}
	srv.SetErrorPresenter(errorPresenter(log))
	srv.SetRecoverFunc(recoverFunc(log))

	var h http.Handler = WithLoaders(r, opts.LoaderWait, srv)
	h = withTimeout(opts.Timeout, h)
	h = limitRequest(opts.MaxBodyBytes, h)
	return RateLimited(opts.RateLimiter, writeError, h)
}

// NewExplorer returns the interactive GraphiQL explorer for the endpoint.
func NewExplorer(endpoint string) http.Handler {
	return playground.Handler("Birgemiz Hub — GraphQL explorer", endpoint)
}
