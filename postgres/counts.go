package postgres

import (
	"context"
	"fmt"

	lru "github.com/hashicorp/golang-lru/v2"
)

// Counts of a million rows.
//
// A connection's totalCount is an exact count(*) of what its filter
// selects. Over a million volunteers that is a scan of about 150 ms, far
// more than the page it comes with, and a dashboard asks the same few
// counts again and again while the data changes only when a feed is
// applied. So counts are cached, and stay exact:
//
//   - Every statement that writes a table a count may read (records,
//     memberships, provenance, sources) appends a row to record_changes,
//     by a statement-level trigger (migration 00013). The rows a snapshot
//     sees name the committed writes it sees; their fingerprint (number,
//     sum and a 64-bit hash of the ids) changes with every commit.
//   - A count is computed in the same statement as the fingerprint, so the
//     two describe one snapshot, and is cached under the filter and that
//     fingerprint. A later request reads the fingerprint (a tiny table)
//     and gets the cached count only when it is unchanged: the answer is
//     what the count would be, never an older one.
//   - A request that finds no count for its fingerprint counts in its own
//     snapshot (never one shared with a request that started earlier);
//     upkeep folds record_changes to its newest row once it holds over
//     1,000 rows, which only makes the next counts miss once.
//
// Each process keeps its own cache; replicas read the same fingerprint, so
// none serves a count another would not.

// fingerprintSQL names the committed record writes the statement's
// snapshot sees.
const fingerprintSQL = `SELECT count(*)::text || ':' || coalesce(sum(id), 0)::text || ':' ||
	coalesce(bit_xor(hashint8extended(id, 0)), 0)::text FROM record_changes`

// maxCachedCounts bounds the count cache: distinct filters, each a few
// dozen bytes.
const maxCachedCounts = 10000

type cachedCount struct {
	fingerprint string
	n           int
}

type countCache struct {
	entries *lru.Cache[string, cachedCount]
}

func newCountCache() *countCache {
	c, err := lru.New[string, cachedCount](maxCachedCounts)
	if err != nil {
		panic(err) // only for a size ≤ 0
	}
	return &countCache{entries: c}
}

// countRecords returns SELECT count(*) FROM from WHERE w, exact, from the
// cache when no record has changed since it was counted.
func (db *DB) countRecords(ctx context.Context, from string, w *where) (int, error) {
	sql := countSQL(from, w)
	key := fmt.Sprintf("%s\x00%#v", sql, w.args)
	cache := db.counts()
	if c, ok := cache.entries.Get(key); ok {
		var fp string
		if err := db.Pool.QueryRow(ctx, fingerprintSQL).Scan(&fp); err != nil {
			return 0, err
		}
		if fp == c.fingerprint {
			return c.n, nil
		}
	}
	// Each request counts in its own snapshot: sharing a count already in
	// flight could give it one from before a write it should see.
	var c cachedCount
	err := db.Pool.QueryRow(ctx, "SELECT ("+sql+"), ("+fingerprintSQL+")", w.args...).Scan(&c.n, &c.fingerprint)
	if err != nil {
		return 0, err
	}
	cache.entries.Add(key, c)
	return c.n, nil
}

// counts returns the DB's count cache, made on first use.
func (db *DB) counts() *countCache {
	db.countsOnce.Do(func() { db.countCache = newCountCache() })
	return db.countCache
}

// dataVersionSQL is the records' fingerprint and the current statistics
// build, read in one snapshot.
const dataVersionSQL = `SELECT (` + fingerprintSQL + `) || '/' ||
	coalesce((SELECT id::text || ':' || (extract(epoch FROM as_of) * 1000000)::bigint::text FROM stat_builds WHERE is_current), '-')`

// DataVersion returns a token that changes with every committed write of
// records, memberships, provenance, indicators and sources (the count
// fingerprint) and with every change of the current statistics build or
// its asOf: what the public answers of the API read. The GraphQL response
// cache keys answers with it (graph/respcache.go).
func (db *DB) DataVersion(ctx context.Context) (string, error) {
	var v string
	err := db.Pool.QueryRow(ctx, dataVersionSQL).Scan(&v)
	return v, err
}
