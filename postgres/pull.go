package postgres

import (
	"context"
	"fmt"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	hub "github.com/birgemiz/hub"
)

// CreatePullRun stores a new run of a snapshot pull and sets run.ID.
func (s *BatchService) CreatePullRun(ctx context.Context, run *hub.PullRun) error {
	id, err := uuid.NewV7()
	if err != nil {
		return err
	}
	run.ID = id.String()
	_, err = s.db.Pool.Exec(ctx, `INSERT INTO pull_runs (id, source_id, started_at, grace) VALUES ($1, $2, $3, $4)`,
		id, run.SourceID, run.StartedAt, run.Grace)
	if err != nil {
		return fmt.Errorf("store pull run: %w", err)
	}
	return nil
}

// FindPullRun returns a run, or ENOTFOUND.
func (s *BatchService) FindPullRun(ctx context.Context, id string) (*hub.PullRun, error) {
	u, err := uuid.Parse(id)
	if err != nil {
		return nil, hub.Errorf(hub.EINVALID, "pull run id %q is not a UUID", id)
	}
	return findPullRun(ctx, s.db.Pool, u, "")
}

func findPullRun(ctx context.Context, q querier, id uuid.UUID, lock string) (*hub.PullRun, error) {
	var r hub.PullRun
	var rid uuid.UUID
	var pages *int
	err := q.QueryRow(ctx, `SELECT id, source_id, started_at, grace, pages, settled_at, swept, sweep_note
		FROM pull_runs WHERE id = $1 `+lock, id).
		Scan(&rid, &r.SourceID, &r.StartedAt, &r.Grace, &pages, &r.SettledAt, &r.Swept, &r.SweepNote)
	if hub.ErrorCode(interpretError(err)) == hub.ENOTFOUND {
		return nil, hub.Errorf(hub.ENOTFOUND, "no pull run %s", id)
	} else if err != nil {
		return nil, interpretError(err)
	}
	r.ID = rid.String()
	if pages != nil {
		r.Pages = *pages
	}
	return &r, nil
}

// CompletePullRun records that the run's pages are all stored, and settles
// the run if they are all done already.
func (s *BatchService) CompletePullRun(ctx context.Context, runID string, pages int) (*hub.PullRun, error) {
	u, err := uuid.Parse(runID)
	if err != nil {
		return nil, hub.Errorf(hub.EINVALID, "pull run id %q is not a UUID", runID)
	}
	var run *hub.PullRun
	err = pgx.BeginFunc(ctx, s.db.Pool, func(tx pgx.Tx) error {
		var err error
		if run, err = findPullRun(ctx, tx, u, "FOR UPDATE"); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE pull_runs SET pages = $2 WHERE id = $1`, u, pages); err != nil {
			return err
		}
		run.Pages = pages
		return s.settlePullRun(ctx, tx, run)
	})
	return run, err
}

// FinishPullPage marks a page of a run done and settles the run when it was
// the last page to finish. The run's row is locked first: pages finishing
// at once take turns, and each marks itself done before it looks at the
// others, so exactly one of them (or CompletePullRun, if the puller stores
// the last page after the others finished) sees the run whole.
func (s *BatchService) FinishPullPage(ctx context.Context, batchID string) (*hub.PullRun, error) {
	u, err := parseBatchID(batchID)
	if err != nil {
		return nil, err
	}
	var run *hub.PullRun
	var pending *pendingBatch
	err = pgx.BeginFunc(ctx, s.db.Pool, func(tx pgx.Tx) error {
		pending = nil
		var runID *uuid.UUID
		if err := tx.QueryRow(ctx, `SELECT pull_run_id FROM batches WHERE id = $1`, u).Scan(&runID); err != nil {
			return interpretError(err)
		}
		if runID == nil {
			return hub.Errorf(hub.EINVALID, "batch %s is not a page of a pull run", batchID)
		}
		var err error
		if run, err = findPullRun(ctx, tx, *runID, "FOR UPDATE"); err != nil {
			return err
		}
		now := s.db.Now()
		// The page's statistics are written with it (statistics_pending.go).
		if pending, err = s.db.writePending(ctx, tx, u); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE batches SET status = 'done', error = '', finished_at = $2, progressed_at = $2 WHERE id = $1`,
			u, now); err != nil {
			return err
		}
		return s.settlePullRun(ctx, tx, run)
	})
	if err != nil {
		s.db.statPending.restore(u, pending)
	}
	return run, err
}

// settlePullRun sweeps a complete run whose pages are all finished, once.
// The caller holds the run's row lock.
func (s *BatchService) settlePullRun(ctx context.Context, tx pgx.Tx, run *hub.PullRun) error {
	if run.SettledAt != nil || run.Pages == 0 {
		return nil // settled before, or the puller is still storing pages
	}
	var stored, finished, failedPages, failedRecords, accepted int
	var types []hub.RecordType
	var last uuid.UUID
	err := tx.QueryRow(ctx, `
		SELECT count(*), count(*) FILTER (WHERE status IN ('done', 'failed')), count(*) FILTER (WHERE status = 'failed'),
			coalesce(sum(failed), 0), coalesce(sum(created + updated + deleted + unchanged + stale), 0),
			ARRAY(SELECT DISTINCT t FROM batches, unnest(types_seen) t WHERE pull_run_id = $1 ORDER BY 1),
			max(id::text)::uuid
		FROM batches WHERE pull_run_id = $1`, run.ID).
		Scan(&stored, &finished, &failedPages, &failedRecords, &accepted, &types, &last)
	if err != nil {
		return fmt.Errorf("pull run %s pages: %w", run.ID, err)
	}
	if stored < run.Pages {
		return fmt.Errorf("pull run %s: %d pages stored, %d expected", run.ID, stored, run.Pages)
	}
	if finished < stored {
		return nil // another page settles it when it finishes
	}
	note := ""
	switch {
	case failedPages > 0:
		note = fmt.Sprintf("not swept: %d of the pull's %d pages failed, and a snapshot deletes only after every page applied", failedPages, stored)
	case failedRecords > 0:
		note = fmt.Sprintf("not swept: %d records of the pull failed, and a snapshot deletes only after every record applied", failedRecords)
	case accepted == 0:
		note = "not swept: the snapshot held no records"
	}
	now := s.db.Now()
	swept := 0
	if note == "" {
		if swept, err = sweepSnapshot(ctx, s.db, tx, run.SourceID, types, run.StartedAt, run.Grace, now); err != nil {
			return fmt.Errorf("sweep pull run %s: %w", run.ID, err)
		}
	}
	if _, err := tx.Exec(ctx, `UPDATE pull_runs SET settled_at = $2, swept = $3, sweep_note = $4 WHERE id = $1`,
		run.ID, now, swept, note); err != nil {
		return err
	}
	// The receipt of the run's last page shows the outcome too (batch ids
	// are UUIDv7: the greatest is the last stored).
	if _, err := tx.Exec(ctx, `UPDATE batches SET swept = $2, sweep_note = $3 WHERE id = $1`, last, swept, note); err != nil {
		return err
	}
	run.SettledAt, run.Swept, run.SweepNote = &now, swept, note
	return nil
}
