package graph

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"slices"
	"strconv"
	"sync"

	"github.com/99designs/gqlgen/graphql"
	lru "github.com/hashicorp/golang-lru/v2"
	"github.com/vektah/gqlparser/v2/ast"

	hub "github.com/birgemiz/hub"
	"github.com/birgemiz/hub/search"
)

// The response cache.
//
// A national dashboard asks the same few questions again and again, from
// many screens, while the data changes only when a feed is applied. gqlgen
// executes every field of every answer anew: for 50 organizations with 10
// projects each that is most of the request's CPU (BENCHMARKS.md). So an
// answer is kept, and served again while nothing it reads has changed:
//
//   - Only queries whose root fields all read records or statistics
//     (cacheableRoots; for admin keys also the records of people,
//     adminRoots), asked by anonymous callers and researcher, dashboard and
//     admin keys. A platform's reads are scoped to its own source and are
//     never cached, nor is any answer that read volunteers' personal parts:
//     each such read is logged (personal.go), so it runs every time.
//   - The key is the query text, the operation name, the variables and the
//     caller's role; the answer is valid for the data version (DataVersion:
//     the fingerprint of every committed record write and the current
//     statistics build with its asOf) read before the query ran. A write
//     committed while it ran changes the version, so the next request runs
//     the query again: an answer is never older than the version it is
//     served for.
//   - Answers with errors are not kept, nor answers larger than a quarter
//     of the cache.
//   - A search answer also reads the search index, which follows the
//     database by its own log: it is kept only where the engine counts its
//     changes (search.ChangeCounter: the embedded engine, whose index is
//     this process's own), under both versions. With Meilisearch, whose
//     index other processes write, search is not cached.
//
// Each process keeps its own cache; replicas read the same version.

// cacheableRoots are the root fields whose answers depend only on the data
// version and the caller's role.
var cacheableRoots = []string{"__typename", "directions", "indicators", "node", "nodes", "organization",
	"organizations", "project", "projects", "region", "regions", "statistics"}

// adminRoots are the root fields of records of people, which only admins
// read and whose answers also depend only on the data version (the access
// log, written by reads, is not among them).
var adminRoots = []string{"volunteer", "volunteers", "unPlacements"}

// DataVersioner tells the version of the data cached answers read
// (postgres.DB.DataVersion).
type DataVersioner interface {
	DataVersion(ctx context.Context) (string, error)
}

type responseCache struct {
	versions DataVersioner
	index    search.ChangeCounter // nil: search answers are not kept
	maxBytes int

	mu      sync.Mutex // serializes additions, so that bytes stays the entries' size
	entries *lru.Cache[[sha256.Size]byte, cachedResponse]
	bytes   int
}

type cachedResponse struct {
	version string
	data    []byte
}

var _ interface {
	graphql.OperationInterceptor
	graphql.HandlerExtension
} = (*responseCache)(nil)

// newResponseCache returns a cache of up to maxBytes of answers, or nil
// when maxBytes or versions say there is to be none. Search answers are
// kept when searcher counts its index's changes.
func newResponseCache(versions DataVersioner, searcher Searcher, maxBytes int) *responseCache {
	if versions == nil || maxBytes <= 0 {
		return nil
	}
	c := &responseCache{versions: versions, maxBytes: maxBytes}
	c.index, _ = searcher.(search.ChangeCounter)
	entries, err := lru.NewWithEvict(1<<20, func(_ [sha256.Size]byte, r cachedResponse) { c.bytes -= len(r.data) })
	if err != nil {
		panic(err) // only for a size ≤ 0
	}
	c.entries = entries
	return c
}

func (*responseCache) ExtensionName() string                   { return "ResponseCache" }
func (*responseCache) Validate(graphql.ExecutableSchema) error { return nil }

func (c *responseCache) InterceptOperation(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
	oc := graphql.GetOperationContext(ctx)
	key, searches, ok := cacheKey(ctx, oc)
	if !ok || (searches && c.index == nil) {
		return next(ctx)
	}
	var indexVersion uint64
	if searches {
		indexVersion = c.index.Changes()
	}
	version, err := c.versions.DataVersion(ctx)
	if err != nil {
		return next(ctx) // the question is still answered, uncached
	}
	if searches {
		version += "/" + strconv.FormatUint(indexVersion, 10)
	}
	if hit, found := c.entries.Get(key); found && hit.version == version {
		return graphql.OneShot(&graphql.Response{Data: hit.data})
	}
	h := next(ctx)
	return func(ctx context.Context) *graphql.Response {
		resp := h(ctx)
		if l, ok := ctx.Value(loadersKey{}).(*loaders); !ok || l.personalRead.Load() {
			return resp
		}
		if resp != nil && len(resp.Errors) == 0 && len(resp.Extensions) == 0 && len(resp.Data) > 0 {
			c.add(key, cachedResponse{version: version, data: slices.Clone([]byte(resp.Data))})
		}
		return resp
	}
}

func (c *responseCache) add(key [sha256.Size]byte, r cachedResponse) {
	if len(r.data) > c.maxBytes/4 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.entries.Remove(key) // an older answer's size leaves c.bytes through the evict callback
	c.entries.Add(key, r)
	c.bytes += len(r.data)
	for c.bytes > c.maxBytes {
		c.entries.RemoveOldest()
	}
}

// cacheKey returns the key of an operation the cache may answer, and
// whether it searches.
func cacheKey(ctx context.Context, oc *graphql.OperationContext) (key [sha256.Size]byte, searches, ok bool) {
	if oc == nil || oc.Operation == nil || oc.Operation.Operation != ast.Query {
		return key, false, false
	}
	p := hub.PrincipalFrom(ctx)
	if p.Role == hub.RolePlatform {
		return key, false, false
	}
	for _, sel := range oc.Operation.SelectionSet {
		f, isField := sel.(*ast.Field)
		switch {
		case !isField:
			return key, false, false
		case f.Name == "search":
			searches = true
		case slices.Contains(cacheableRoots, f.Name), p.IsAdmin() && slices.Contains(adminRoots, f.Name):
		default:
			return key, false, false
		}
	}
	vars, err := json.Marshal(oc.Variables) // maps marshal with sorted keys
	if err != nil {
		return key, false, false
	}
	h := sha256.New()
	for _, part := range []string{oc.RawQuery, oc.OperationName, string(vars), string(p.Role)} {
		h.Write([]byte(part))
		h.Write([]byte{0})
	}
	h.Sum(key[:0])
	return key, searches, true
}
