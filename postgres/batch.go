package postgres

import (
	"context"
	"crypto/sha256"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	hub "github.com/birgemiz/hub"
	"github.com/birgemiz/hub/secretbox"
)

// BatchService implements hub.BatchService.
type BatchService struct{ db *DB }

// NewBatchService returns a BatchService on db.
func NewBatchService(db *DB) *BatchService { return &BatchService{db: db} }

var _ hub.BatchService = (*BatchService)(nil)

// batchBodyAAD binds a sealed body to its batch.
func batchBodyAAD(id uuid.UUID) []byte { return []byte("batch:" + id.String() + ":body") }

// CreateBatch stores the batch row and its body in one transaction. The
// body is sealed with DB.Keys: a feed may carry volunteers' personal data.
func (s *BatchService) CreateBatch(ctx context.Context, b *hub.Batch, body []byte) error {
	keys := s.db.Keys
	if keys == nil {
		return errNoKeys
	}
	id, err := uuid.NewV7()
	if err != nil {
		return err
	}
	sum := sha256.Sum256(body)
	now := s.db.Now()
	b.ID, b.Status, b.ReceivedAt = id.String(), hub.BatchReceived, now
	b.BodySize, b.BodySHA256 = int64(len(body)), sum[:]
	if b.Format == "" {
		b.Format = hub.FormatNDJSON
	}
	if b.Mode == "" {
		b.Mode = hub.ModeDelta
	}
	return pgx.BeginFunc(ctx, s.db.Pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `
			INSERT INTO batches (id, source_id, status, format, record_type, mode, webhook_id, filename, body_size, body_sha256, lines, received_at, progressed_at, pull_run_id)
			VALUES ($1, $2, $3, $4, $5, $6, NULLIF($7, ''), $8, $9, $10, $11, $12, $12, NULLIF($13, '')::uuid)`,
			b.ID, b.SourceID, string(b.Status), string(b.Format), string(b.RecordType), string(b.Mode), b.WebhookID,
			b.Filename, b.BodySize, b.BodySHA256, b.Lines, now, b.PullRunID); err != nil {
			if hub.ErrorCode(interpretError(err)) == hub.ECONFLICT {
				return hub.Errorf(hub.ECONFLICT, "webhook-id %q was already received from this source", b.WebhookID)
			}
			return fmt.Errorf("store batch: %w", err)
		}
		if _, err := tx.Exec(ctx, `INSERT INTO batch_bodies (batch_id, body, key_id) VALUES ($1, $2, $3)`,
			id, keys.Seal(body, batchBodyAAD(id)), keys.Primary()); err != nil {
			return fmt.Errorf("store batch body: %w", err)
		}
		return nil
	})
}

const batchColumns = `b.id, b.source_id, s.name, b.status, b.format, b.record_type, b.mode, coalesce(b.webhook_id, ''), b.filename, b.body_size, b.body_sha256, b.lines,
	b.processed_lines, b.created, b.updated, b.deleted, b.unchanged, b.stale, b.failed, b.error, b.received_at,
	b.started_at, b.finished_at, b.attempts, b.types_seen, b.swept, b.sweep_note, coalesce(b.pull_run_id::text, '')`

func scanBatch(row pgx.CollectableRow) (*hub.Batch, error) {
	var b hub.Batch
	var id uuid.UUID
	c := &b.Counts
	err := row.Scan(&id, &b.SourceID, &b.Source, &b.Status, &b.Format, &b.RecordType, &b.Mode, &b.WebhookID, &b.Filename, &b.BodySize, &b.BodySHA256, &b.Lines,
		&b.ProcessedLines, &c.Created, &c.Updated, &c.Deleted, &c.Unchanged, &c.Stale, &c.Failed, &b.Error, &b.ReceivedAt,
		&b.StartedAt, &b.FinishedAt, &b.Attempts, &b.TypesSeen, &b.Swept, &b.SweepNote, &b.PullRunID)
	b.ID = id.String()
	return &b, err
}

func parseBatchID(id string) (uuid.UUID, error) {
	u, err := uuid.Parse(id)
	if err != nil {
		return u, hub.Errorf(hub.EINVALID, "batch id %q is not a UUID", id)
	}
	return u, nil
}

// FindBatchByID returns a batch, or ENOTFOUND.
func (s *BatchService) FindBatchByID(ctx context.Context, id string) (*hub.Batch, error) {
	u, err := parseBatchID(id)
	if err != nil {
		return nil, err
	}
	return findBatch(ctx, s.db.Pool, u, "")
}

func findBatch(ctx context.Context, q querier, id uuid.UUID, lock string) (*hub.Batch, error) {
	rows, _ := q.Query(ctx, `SELECT `+batchColumns+` FROM batches b JOIN sources s ON s.id = b.source_id WHERE b.id = $1 `+lock, id)
	b, err := pgx.CollectExactlyOneRow(rows, scanBatch)
	if hub.ErrorCode(interpretError(err)) == hub.ENOTFOUND {
		return nil, hub.Errorf(hub.ENOTFOUND, "no batch %s", id)
	}
	return b, interpretError(err)
}

// FindBatchByWebhookID returns the batch a source pushed with webhookID, or ENOTFOUND.
func (s *BatchService) FindBatchByWebhookID(ctx context.Context, sourceID int64, webhookID string) (*hub.Batch, error) {
	rows, _ := s.db.Pool.Query(ctx, `SELECT `+batchColumns+` FROM batches b JOIN sources s ON s.id = b.source_id
		WHERE b.source_id = $1 AND b.webhook_id = $2`, sourceID, webhookID)
	b, err := pgx.CollectExactlyOneRow(rows, scanBatch)
	return b, interpretError(err)
}

// FindBatchErrors returns up to limit errors of a batch, by line.
func (s *BatchService) FindBatchErrors(ctx context.Context, id string, limit int) ([]hub.RecordError, error) {
	u, err := parseBatchID(id)
	if err != nil {
		return nil, err
	}
	rows, _ := s.db.Pool.Query(ctx, `SELECT line, field, message FROM batch_errors WHERE batch_id = $1 ORDER BY line, seq LIMIT $2`, u, limit)
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (hub.RecordError, error) {
		var e hub.RecordError
		err := row.Scan(&e.Line, &e.Field, &e.Message)
		return e, err
	})
}

// BatchBody returns the stored body of a batch.
func (s *BatchService) BatchBody(ctx context.Context, id string) ([]byte, error) {
	u, err := parseBatchID(id)
	if err != nil {
		return nil, err
	}
	var sealed []byte
	err = s.db.Pool.QueryRow(ctx, `SELECT body FROM batch_bodies WHERE batch_id = $1`, u).Scan(&sealed)
	if hub.ErrorCode(interpretError(err)) == hub.ENOTFOUND {
		return nil, hub.Errorf(hub.ENOTFOUND, "no body for batch %s", id)
	} else if err != nil {
		return nil, err
	}
	return openBatchBody(s.db.Keys, u, sealed)
}

// openBatchBody opens a body CreateBatch sealed, decrypting into sealed
// itself: a body of tens of megabytes is read only to be opened, and every
// caller scans it into a slice of its own.
func openBatchBody(keys *secretbox.Keyring, id uuid.UUID, sealed []byte) ([]byte, error) {
	if keys == nil {
		return nil, errNoKeys
	}
	body, err := keys.OpenInPlace(sealed, batchBodyAAD(id))
	if err != nil {
		return nil, fmt.Errorf("batch %s body (sealed with key %q): %w (was a key removed from HUB_SECRET_KEYS before `hub personal rekey`?)",
			id, secretbox.KeyID(sealed), err)
	}
	return body, nil
}

// StartBatch marks a batch processing and counts the attempt.
func (s *BatchService) StartBatch(ctx context.Context, id string) (*hub.Batch, error) {
	u, err := parseBatchID(id)
	if err != nil {
		return nil, err
	}
	var b *hub.Batch
	err = pgx.BeginFunc(ctx, s.db.Pool, func(tx pgx.Tx) error {
		var err error
		if b, err = findBatch(ctx, tx, u, "FOR UPDATE OF b"); err != nil {
			return err
		}
		if b.Status == hub.BatchDone || b.Status == hub.BatchFailed {
			return hub.Errorf(hub.ECONFLICT, "batch %s is already %s", id, b.Status)
		}
		now := s.db.Now()
		if b.StartedAt == nil {
			b.StartedAt = &now
		}
		b.Status, b.Attempts = hub.BatchProcessing, b.Attempts+1
		_, err = tx.Exec(ctx, `UPDATE batches SET status = $2, attempts = $3, started_at = $4, progressed_at = $5 WHERE id = $1`,
			u, string(b.Status), b.Attempts, b.StartedAt, now)
		return err
	})
	return b, err
}

// FinishBatch marks a batch done, or failed with a reason.
func (s *BatchService) FinishBatch(ctx context.Context, id string, status hub.BatchStatus, reason string) error {
	u, err := parseBatchID(id)
	if err != nil {
		return err
	}
	if status != hub.BatchDone && status != hub.BatchFailed {
		return fmt.Errorf("finish batch %s: status %q is not final", id, status)
	}
	now := s.db.Now()
	// The batch's statistics are written with it (statistics_pending.go).
	var pending *pendingBatch
	err = pgx.BeginFunc(ctx, s.db.Pool, func(tx pgx.Tx) error {
		var err error
		if pending, err = s.db.writePending(ctx, tx, u); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `UPDATE batches SET status = $2, error = $3, finished_at = $4, progressed_at = $4 WHERE id = $1`,
			u, string(status), reason, now)
		return err
	})
	if err != nil {
		s.db.statPending.restore(u, pending)
	}
	return err
}

// FindUnfinishedBatches returns batches received or processing that made no
// progress since before, oldest first.
func (s *BatchService) FindUnfinishedBatches(ctx context.Context, before time.Time) ([]string, error) {
	rows, _ := s.db.Pool.Query(ctx, `
		SELECT id FROM batches WHERE status IN ('received', 'processing') AND progressed_at < $1
		ORDER BY received_at LIMIT 1000`, before)
	ids, err := pgx.CollectRows(rows, pgx.RowTo[uuid.UUID])
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = id.String()
	}
	return out, err
}

// querier is what both a pool and a transaction offer.
type querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
}

// CountBatchesByStatus returns how many batches are in each status, for metrics.
func (s *BatchService) CountBatchesByStatus(ctx context.Context) (map[hub.BatchStatus]int, error) {
	rows, err := s.db.Pool.Query(ctx, `SELECT status, count(*) FROM batches GROUP BY status`)
	if err != nil {
		return nil, err
	}
	out := map[hub.BatchStatus]int{hub.BatchReceived: 0, hub.BatchProcessing: 0, hub.BatchDone: 0, hub.BatchFailed: 0}
	var st string
	var n int
	_, err = pgx.ForEachRow(rows, []any{&st, &n}, func() error { out[hub.BatchStatus(st)] = n; return nil })
	return out, err
}
