package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	hub "github.com/birgemiz/hub"
)

// SweepSnapshot finishes a snapshot: a snapshot is a source's whole
// catalogue, so a record of the types it held that the source has not
// listed since seenSince, and has not listed for longer than grace, is
// deleted (softly; a record another source still reports stays). The
// caller sweeps only after a snapshot that applied cleanly: never after an
// empty or failed fetch. It returns how many records were deleted.
func (s *BatchService) SweepSnapshot(ctx context.Context, sourceID int64, types []hub.RecordType, seenSince time.Time, grace time.Duration) (int, error) {
	deleted := 0
	err := pgx.BeginFunc(ctx, s.db.Pool, func(tx pgx.Tx) error {
		var err error
		deleted, err = sweepSnapshot(ctx, s.db, tx, sourceID, types, seenSince, grace, s.db.Now())
		return err
	})
	return deleted, err
}

// sweepSnapshot is SweepSnapshot inside tx, so that a pull run settles
// and sweeps in one transaction.
func sweepSnapshot(ctx context.Context, db *DB, tx pgx.Tx, sourceID int64, types []hub.RecordType, seenSince time.Time, grace time.Duration, now time.Time) (int, error) {
	stats := newStatDelta(db, tx)
	cutoff := seenSince
	if c := now.Add(-grace); c.Before(cutoff) {
		cutoff = c
	}
	deleted := 0
	for _, t := range types {
		tab, ok := tables[t]
		if !ok {
			return deleted, fmt.Errorf("unknown record type %q", t)
		}
		rows, _ := tx.Query(ctx, `
			UPDATE provenance SET deleted_at = $4
			WHERE source_id = $1 AND record_type = $2 AND deleted_at IS NULL AND last_seen < $3
			RETURNING record_id`, sourceID, string(t), cutoff, now)
		ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
		if err != nil {
			return deleted, err
		}
		if len(ids) == 0 {
			continue
		}
		// The source no longer reports them: their SOURCE changes, and
		// those no other source reports are deleted.
		stats.note(t, ids)
		tag, err := tx.Exec(ctx, fmt.Sprintf(`
			UPDATE %s r SET deleted_at = $2, updated_at = $2 WHERE r.id = ANY($1) AND r.deleted_at IS NULL
			AND NOT EXISTS (SELECT 1 FROM provenance p WHERE p.record_type = $3 AND p.record_id = r.id AND p.deleted_at IS NULL)`, tab.table),
			ids, now, string(t))
		if err != nil {
			return deleted, err
		}
		deleted += int(tag.RowsAffected())
		if t == hub.TypeVolunteer {
			if _, err := tx.Exec(ctx, `DELETE FROM volunteer_personal vp USING volunteers v
				WHERE vp.volunteer_id = v.id AND v.id = ANY($1) AND v.deleted_at IS NOT NULL`, ids); err != nil {
				return deleted, err
			}
		}
		if isOneOf(t, hub.SearchableTypes[:]) {
			if _, err := tx.Exec(ctx, `INSERT INTO search_outbox (record_type, record_id) SELECT $1, unnest($2::bigint[])`, string(t), ids); err != nil {
				return deleted, err
			}
		}
	}
	return deleted, stats.apply(ctx)
}

// RecordSweep stores a snapshot batch's sweep outcome on its receipt.
func (s *BatchService) RecordSweep(ctx context.Context, batchID string, deleted int, note string) error {
	u, err := parseBatchID(batchID)
	if err != nil {
		return err
	}
	_, err = s.db.Pool.Exec(ctx, `UPDATE batches SET swept = $2, sweep_note = $3 WHERE id = $1`, u, deleted, note)
	return err
}
