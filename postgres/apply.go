package postgres

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	hub "github.com/birgemiz/hub"
	"github.com/birgemiz/hub/secretbox"
)

// ApplyChunk applies a chunk of a batch in one transaction: its records,
// its per-record errors and the batch's progress commit together, so a
// worker that dies mid-batch leaves the batch exactly at a chunk boundary.
//
// Each record type is applied set-based: the chunk's records are copied into
// a temporary table, one INSERT … ON CONFLICT on provenance decides per
// record whether it is new, changed, unchanged or stale (an older updated_at
// never overwrites a newer one; the same (source, id, updated_at) is applied
// once), and one INSERT … ON CONFLICT writes the records that changed.
func (s *BatchService) ApplyChunk(ctx context.Context, id string, c *hub.Chunk) (hub.BatchCounts, error) {
	var counts hub.BatchCounts
	u, err := parseBatchID(id)
	if err != nil {
		return counts, err
	}
	keys, err := s.db.matchKeys(ctx)
	if err != nil {
		return counts, err
	}
	var facts *deltaFacts // the chunk's, counted once it commits
	err = pgx.BeginFunc(ctx, s.db.Pool, func(tx pgx.Tx) error {
		counts, facts = hub.BatchCounts{}, nil
		// The statistics follow this chunk's changes (statistics_delta.go).
		stats := newStatDelta(s.db, tx)
		var sourceID int64
		var processed int
		var status string
		if err := tx.QueryRow(ctx, `SELECT source_id, processed_lines, status FROM batches WHERE id = $1 FOR UPDATE`, u).
			Scan(&sourceID, &processed, &status); err != nil {
			return interpretError(err)
		}
		if processed != c.FromLine || status != string(hub.BatchProcessing) {
			s.db.statPending.take(u) // another worker has the batch: its finish notes what this one counted as lost
			return hub.Errorf(hub.ECONFLICT, "batch %s is %s at line %d, not at line %d: another worker moved it on", id, status, processed, c.FromLine)
		}
		a := &applier{tx: tx, sourceID: sourceID, now: s.db.Now(), keys: keys, stats: stats}
		recs, dupCounts := dedupe(c.Records)
		counts = counts.Add(dupCounts)
		byType := make(map[hub.RecordType][]*hub.FeedRecord)
		for _, r := range recs {
			byType[r.Type] = append(byType[r.Type], r)
		}
		for _, t := range hub.RecordTypes {
			if len(byType[t]) == 0 {
				continue
			}
			tc, err := a.apply(ctx, tables[t], byType[t])
			if err != nil {
				return fmt.Errorf("apply %d %s records: %w", len(byType[t]), t, err)
			}
			counts = counts.Add(tc)
		}
		counts.Failed += failedLines(c) + c.Failed
		if err := insertErrors(ctx, tx, u, append(append([]hub.RecordError{}, c.Notices...), c.Errors...)); err != nil {
			return err
		}
		// The chunk's statistics are read now, the records as they were
		// and are in this transaction, counted once it commits, and
		// written when the batch finishes (statistics_pending.go).
		var err error
		if facts, err = stats.read(ctx); err != nil {
			return err
		}
		pendingChunks := 0
		if facts != nil {
			pendingChunks = 1
		}
		var types []string
		for _, t := range hub.RecordTypes {
			if len(byType[t]) > 0 {
				types = append(types, string(t))
			}
		}
		_, err = tx.Exec(ctx, `
			UPDATE batches SET processed_lines = $2, created = created + $3, updated = updated + $4, deleted = deleted + $5,
				unchanged = unchanged + $6, stale = stale + $7, failed = failed + $8, progressed_at = $9,
				types_seen = ARRAY(SELECT DISTINCT unnest(types_seen || $10::text[]) ORDER BY 1),
				stat_chunks = stat_chunks + $11
			WHERE id = $1`,
			u, c.ToLine, counts.Created, counts.Updated, counts.Deleted, counts.Unchanged, counts.Stale, counts.Failed, a.now, types,
			pendingChunks)
		return err
	})
	if err == nil && facts != nil {
		s.db.statPending.add(u, facts) // committed: the batch's finish writes it
	}
	return counts, err
}

// failedLines counts the lines of c that were rejected: lines with errors
// but no record (a record with errors had only parts refused).
func failedLines(c *hub.Chunk) int {
	applied := make(map[int]bool, len(c.Records))
	for _, r := range c.Records {
		applied[r.Line] = true
	}
	failed := make(map[int]bool)
	for _, e := range c.Errors {
		if !applied[e.Line] {
			failed[e.Line] = true
		}
	}
	return len(failed)
}

// dedupe keeps one record per (type, id) within a chunk: the newest; among
// equal updated_at the first, as the database would. ON CONFLICT cannot
// touch a row twice in one statement, so this must happen before staging.
func dedupe(recs []*hub.FeedRecord) ([]*hub.FeedRecord, hub.BatchCounts) {
	var counts hub.BatchCounts
	type key struct {
		t  hub.RecordType
		id string
	}
	idx := make(map[key]int, len(recs))
	out := make([]*hub.FeedRecord, 0, len(recs))
	for _, r := range recs {
		k := key{r.Type, r.ExternalID}
		i, seen := idx[k]
		if !seen {
			idx[k] = len(out)
			out = append(out, r)
			continue
		}
		kept := out[i]
		switch {
		case r.UpdatedAt.After(kept.UpdatedAt):
			out[i] = r
			counts.Stale++ // the earlier line is superseded
		case r.UpdatedAt.Equal(kept.UpdatedAt) && string(r.Hash) == string(kept.Hash) && r.Op == kept.Op:
			counts.Unchanged++
		default:
			counts.Stale++
		}
	}
	return out, counts
}

func insertErrors(ctx context.Context, tx pgx.Tx, batchID uuid.UUID, errs []hub.RecordError) error {
	if len(errs) == 0 {
		return nil
	}
	seq := make(map[int]int16)
	rows := make([][]any, len(errs))
	for i, e := range errs {
		rows[i] = []any{batchID, int32(e.Line), seq[e.Line], e.Field, e.Message}
		seq[e.Line]++
	}
	_, err := tx.CopyFrom(ctx, pgx.Identifier{"batch_errors"}, []string{"batch_id", "line", "seq", "field", "message"}, pgx.CopyFromRows(rows))
	if err != nil {
		return fmt.Errorf("store record errors: %w", err)
	}
	return nil
}

// applier applies the records of one chunk inside its transaction.
type applier struct {
	tx       pgx.Tx
	sourceID int64
	now      time.Time
	keys     *secretbox.Keyring // seals personal parts; its matching key is the one pinned in the database
	stats    *statDelta         // notes the records that changed
}

// matchHash is the keyed hash an identifier is matched by, or nil (NULL)
// for an empty identifier.
func (a *applier) matchHash(kind, value string) []byte {
	if value == "" || a.keys == nil {
		return nil
	}
	return a.keys.MatchHash(kind, value)
}

// recordTable describes how one record type is stored: its table, its
// data columns as staged from a feed record, and how its references to
// other records resolve.
type recordTable struct {
	typ   hub.RecordType
	table string
	seq   string
	cols  []stageCol
	// staged are extra columns staged with the record but not written to
	// table (after writes them elsewhere); values returns them after cols.
	staged []stageCol
	// refs are resolved columns: the target column and the reference it
	// (over the staged row s and the batch's source $2) that resolves it.
	refs []refCol
	// values returns the staged data values of an upsert, in cols order.
	values func(r *hub.FeedRecord, a *applier) []any
	// after runs once the records are written, for side tables.
	after func(ctx context.Context, a *applier, t *recordTable, recs []*hub.FeedRecord) error
	// fixups resolve references to this type that arrived before it.
	fixups []fixupSQL
	// match, when set, is a scalar subquery over the staged row s that
	// finds the record another source already reported as the same one.
	match string
}

type stageCol struct{ name, sqlType string }

// stage is the temporary table the type's records are staged in: one per
// type, since their columns differ (apply).
func (t *recordTable) stage() string { return "stage_" + string(t.typ) }

// refCol is a column holding the id of another record, resolved from the
// source's external id in the staged column ref through provenance. Only a
// record whose row exists resolves (a tombstone's id does not).
type refCol struct {
	column  string
	refType hub.RecordType
	table   string
	ref     string
}

// ref describes column, which holds the id the staged column refColumn
// names: a record of refType stored in refTable.
func ref(column string, refType hub.RecordType, refTable, refColumn string) refCol {
	return refCol{column: column, refType: refType, table: refTable, ref: refColumn}
}

// matchExpr is the table's match subquery for upserts, or NULL.
func matchExpr(t *recordTable) string {
	if t.match == "" {
		return "NULL::bigint"
	}
	return "CASE WHEN NOT s.deleted THEN " + t.match + " END"
}

// fixupSQL is a statement that points dangling references at the records
// of a chunk just created; it returns the ids of the records of type
// changed whose references it resolved (the statistics count them anew).
type fixupSQL struct {
	sql     string
	changed hub.RecordType
}

// fixup returns the statement that points dangling references in
// table.refColumn at the records of this chunk just created ($1 = source),
// returning the column returning of the rows it changed, ids of records of
// type changed.
func fixup(table, idColumn, refColumn string, changed hub.RecordType, returning string) fixupSQL {
	return fixupSQL{changed: changed, sql: fmt.Sprintf(`UPDATE %[1]s t SET %[2]s = o.record_id FROM outcome o
		WHERE o.result = 'created' AND t.%[2]s IS NULL AND t.source_id = $1 AND t.%[3]s = o.ext_id
		RETURNING t.%[4]s`, table, idColumn, refColumn, returning)}
}

func (a *applier) apply(ctx context.Context, t *recordTable, recs []*hub.FeedRecord) (hub.BatchCounts, error) {
	var counts hub.BatchCounts
	// 1. Stage the chunk's records.
	defs := []string{"ext_id text", "updated_at timestamptz", "hash bytea", "deleted boolean"}
	names := []string{"ext_id", "updated_at", "hash", "deleted"}
	for _, c := range append(t.cols[:len(t.cols):len(t.cols)], t.staged...) {
		defs = append(defs, c.name+" "+c.sqlType)
		names = append(names, c.name)
	}
	// The staging tables live as long as the connection and are emptied
	// at commit: a temporary table made and dropped per chunk left about
	// 150 dead catalog rows behind each time (pg_attribute, pg_class,
	// pg_depend …; 390,000 in pg_attribute after a national load), which
	// slowed every later chunk's statements where autovacuum is off or
	// behind. A chunk stages each type once; outcome serves its types in
	// turn.
	stage := t.stage()
	if _, err := a.tx.Exec(ctx, `CREATE TEMP TABLE IF NOT EXISTS `+stage+` (`+strings.Join(defs, ", ")+`) ON COMMIT DELETE ROWS;
		CREATE TEMP TABLE IF NOT EXISTS outcome (ext_id text PRIMARY KEY, record_id bigint, result text) ON COMMIT DELETE ROWS;
		DELETE FROM outcome`); err != nil {
		return counts, fmt.Errorf("stage: %w", err)
	}
	empty := make([]any, len(t.cols)+len(t.staged))
	rows := make([][]any, len(recs))
	for i, r := range recs {
		vals := empty
		if r.Op == hub.OpUpsert {
			vals = t.values(r, a)
		}
		rows[i] = append([]any{r.ExternalID, r.UpdatedAt, r.Hash, r.Op == hub.OpDelete}, vals...)
	}
	if _, err := a.tx.CopyFrom(ctx, pgx.Identifier{stage}, names, pgx.CopyFromRows(rows)); err != nil {
		return counts, fmt.Errorf("copy: %w", err)
	}
	// Temporary tables have no statistics; without them the planner joins
	// the chunk's rows by nested loops, quadratic in the chunk size.
	if _, err := a.tx.Exec(ctx, `ANALYZE `+stage); err != nil {
		return counts, fmt.Errorf("analyze stage: %w", err)
	}

	// 2. Decide each record's outcome against provenance, and record that
	// the source reported it (last_seen) whatever the outcome.
	if _, err := a.tx.Exec(ctx, `
		WITH prev AS (
			SELECT p.external_id, p.record_id, p.source_updated_at, p.content_hash, p.deleted_at
			-- One primary-key lookup per staged id, whatever the planner
			-- believes: LIMIT 1 keeps the subquery from being flattened into
			-- a join (which may read all of the source's provenance), and
			-- = ANY(ARRAY(…)) is, with provenance not analyzed yet, a filter
			-- over the source's rows that costs chunk × rows comparisons.
			FROM `+stage+` st CROSS JOIN LATERAL (
				SELECT * FROM provenance p WHERE p.record_type = $1 AND p.source_id = $2 AND p.external_id = st.ext_id LIMIT 1) p
		), up AS (
			INSERT INTO provenance AS p (record_type, source_id, external_id, record_id, source_updated_at, content_hash, first_seen, last_seen, deleted_at)
			SELECT $1, $2, s.ext_id, coalesce(prev.record_id, `+matchExpr(t)+`, nextval($3::regclass)), s.updated_at, s.hash, $4, $4,
				CASE WHEN s.deleted THEN $4::timestamptz END
			FROM `+stage+` s LEFT JOIN prev ON prev.external_id = s.ext_id
			ON CONFLICT (record_type, source_id, external_id) DO UPDATE SET
				last_seen = EXCLUDED.last_seen,
				source_updated_at = greatest(p.source_updated_at, EXCLUDED.source_updated_at),
				content_hash = CASE WHEN EXCLUDED.source_updated_at > p.source_updated_at THEN EXCLUDED.content_hash ELSE p.content_hash END,
				deleted_at = CASE WHEN EXCLUDED.source_updated_at > p.source_updated_at
					THEN CASE WHEN EXCLUDED.deleted_at IS NULL THEN NULL ELSE coalesce(p.deleted_at, EXCLUDED.deleted_at) END
					ELSE p.deleted_at END
			RETURNING p.external_id, p.record_id
		)
		INSERT INTO outcome (ext_id, record_id, result)
		SELECT up.external_id, up.record_id, CASE
			WHEN prev.external_id IS NULL THEN CASE WHEN s.deleted THEN 'unknown_delete' ELSE 'created' END
			WHEN s.updated_at < prev.source_updated_at THEN 'stale'
			WHEN s.updated_at = prev.source_updated_at THEN
				CASE WHEN s.hash = prev.content_hash AND s.deleted = (prev.deleted_at IS NOT NULL) THEN 'unchanged' ELSE 'stale' END
			WHEN s.deleted THEN CASE WHEN prev.deleted_at IS NULL THEN 'deleted' ELSE 'unchanged' END
			WHEN prev.deleted_at IS NOT NULL THEN 'created'
			WHEN s.hash = prev.content_hash THEN 'unchanged'
			ELSE 'updated' END
		FROM up JOIN `+stage+` s ON s.ext_id = up.external_id LEFT JOIN prev ON prev.external_id = up.external_id`,
		string(t.typ), a.sourceID, t.seq, a.now); err != nil {
		return counts, fmt.Errorf("provenance: %w", err)
	}
	if _, err := a.tx.Exec(ctx, `ANALYZE outcome`); err != nil {
		return counts, fmt.Errorf("analyze outcome: %w", err)
	}

	// 3. Write what is new or changed; references resolve through provenance.
	var colNames, selects, sets []string
	for _, c := range t.cols {
		colNames = append(colNames, c.name)
		selects = append(selects, "s."+c.name)
		sets = append(sets, c.name+" = EXCLUDED."+c.name)
	}
	// References resolve by primary-key lookups per row: plan-stable as
	// provenance grows (a hash join would read all of a source's rows of
	// the referenced type for every chunk).
	for _, r := range t.refs {
		colNames = append(colNames, r.column)
		selects = append(selects, fmt.Sprintf(`(SELECT pv.record_id FROM provenance pv JOIN %s r ON r.id = pv.record_id
			WHERE pv.record_type = '%s' AND pv.source_id = $2 AND pv.external_id = s.%s)`, r.table, r.refType, r.ref))
		sets = append(sets, r.column+" = EXCLUDED."+r.column)
	}
	if _, err := a.tx.Exec(ctx, fmt.Sprintf(`
		INSERT INTO %[1]s (id, source_id, created_at, updated_at, deleted_at, %[2]s)
		SELECT o.record_id, $2, $1, $1, NULL, %[3]s
		FROM outcome o JOIN %[5]s s ON s.ext_id = o.ext_id
		WHERE o.result IN ('created', 'updated')
		ON CONFLICT (id) DO UPDATE SET source_id = EXCLUDED.source_id, updated_at = EXCLUDED.updated_at, deleted_at = NULL, %[4]s`,
		t.table, strings.Join(colNames, ", "), strings.Join(selects, ", "), strings.Join(sets, ", "), stage),
		a.now, a.sourceID); err != nil {
		return counts, fmt.Errorf("write %s: %w", t.table, err)
	}

	// 4. Soft-delete what the source deleted, unless another source still
	// reports the record.
	if _, err := a.tx.Exec(ctx, fmt.Sprintf(`
		UPDATE %s t SET deleted_at = $1, updated_at = $1 FROM outcome o
		WHERE o.result = 'deleted' AND t.id = o.record_id AND t.deleted_at IS NULL
		AND NOT EXISTS (SELECT 1 FROM provenance p WHERE p.record_type = $2 AND p.record_id = t.id AND p.deleted_at IS NULL)`, t.table),
		a.now, string(t.typ)); err != nil {
		return counts, fmt.Errorf("delete %s: %w", t.table, err)
	}
	if t.after != nil {
		if err := t.after(ctx, a, t, recs); err != nil {
			return counts, err
		}
	}
	// 5. Queue searchable changes for the index, in this transaction.
	if isOneOf(t.typ, hub.SearchableTypes[:]) {
		if _, err := a.tx.Exec(ctx, `INSERT INTO search_outbox (record_type, record_id)
			SELECT $1, record_id FROM outcome WHERE result IN ('created', 'updated', 'deleted')`, string(t.typ)); err != nil {
			return counts, fmt.Errorf("search outbox: %w", err)
		}
	}
	// 6. Point references that arrived before their target at them.
	for _, f := range t.fixups {
		rows, _ := a.tx.Query(ctx, f.sql, a.sourceID)
		ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
		if err != nil {
			return counts, fmt.Errorf("resolve references to %s: %w", t.typ, err)
		}
		a.stats.note(f.changed, ids)
	}

	// The outcome's counts, and the records that changed for the
	// statistics to count anew.
	rows2, _ := a.tx.Query(ctx, `SELECT result, count(*),
		CASE WHEN result IN ('created', 'updated', 'deleted') THEN array_agg(record_id) END
		FROM outcome GROUP BY result`)
	var result string
	var n int
	var changed []int64
	_, err := pgx.ForEachRow(rows2, []any{&result, &n, &changed}, func() error {
		a.stats.note(t.typ, changed)
		switch result {
		case "created":
			counts.Created += n
		case "updated":
			counts.Updated += n
		case "deleted":
			counts.Deleted += n
		case "unchanged", "unknown_delete":
			counts.Unchanged += n
		case "stale":
			counts.Stale += n
		}
		return nil
	})
	return counts, err
}
