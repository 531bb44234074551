package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	hub "github.com/birgemiz/hub"
)

// SearchOutboxService implements hub.SearchOutboxService.
type SearchOutboxService struct{ db *DB }

// NewSearchOutboxService returns a SearchOutboxService on db.
func NewSearchOutboxService(db *DB) *SearchOutboxService { return &SearchOutboxService{db: db} }

var _ hub.SearchOutboxService = (*SearchOutboxService)(nil)

// searchTables maps each searchable type to its table.
var searchTables = map[hub.RecordType]string{
	hub.TypeProject: "projects", hub.TypeOrganization: "organizations", hub.TypeUNPlacement: "un_placements",
}

type drainTxKey struct{}

// reader is where a lookup runs: on the transaction of the search-outbox
// drain that ctx belongs to, or on the pool.
func (db *DB) reader(ctx context.Context) querier {
	if tx, ok := ctx.Value(drainTxKey{}).(pgx.Tx); ok {
		return tx
	}
	return db.Pool
}

// DrainSearchOutbox locks up to limit rows with SKIP LOCKED, so drains
// running side by side take different rows, and deletes them in the same
// transaction after apply succeeded. A failed apply leaves them queued.
func (s *SearchOutboxService) DrainSearchOutbox(ctx context.Context, limit int, apply func(context.Context, []hub.SearchChange) error) (int, error) {
	n := 0
	err := pgx.BeginFunc(ctx, s.db.Pool, func(tx pgx.Tx) error {
		rows, _ := tx.Query(ctx, `SELECT id, record_type, record_id FROM search_outbox ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED`, limit)
		var ids []int64
		seen := map[hub.SearchChange]bool{}
		var changes []hub.SearchChange
		var id int64
		var c hub.SearchChange
		if _, err := pgx.ForEachRow(rows, []any{&id, &c.Type, &c.ID}, func() error {
			ids = append(ids, id)
			if !seen[c] {
				seen[c] = true
				changes = append(changes, c)
			}
			return nil
		}); err != nil {
			return err
		}
		n = len(ids)
		if n == 0 {
			return nil
		}
		// apply loads the changed records on this transaction (reader):
		// its connection is held until the rows are deleted, and asking the
		// pool for another could wait forever on a busy pool.
		if err := apply(context.WithValue(ctx, drainTxKey{}, tx), changes); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `DELETE FROM search_outbox WHERE id = ANY($1)`, ids)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("drain search outbox: %w", err)
	}
	return n, nil
}

// QueueSearchChanges adds changes to the outbox.
func (s *SearchOutboxService) QueueSearchChanges(ctx context.Context, changes []hub.SearchChange) error {
	if len(changes) == 0 {
		return nil
	}
	types, ids := make([]string, len(changes)), make([]int64, len(changes))
	for i, c := range changes {
		types[i], ids[i] = string(c.Type), c.ID
	}
	_, err := s.db.Pool.Exec(ctx, `INSERT INTO search_outbox (record_type, record_id) SELECT * FROM unnest($1::text[], $2::bigint[])`, types, ids)
	return err
}

// PendingSearchChanges counts the changes not yet drained.
func (s *SearchOutboxService) PendingSearchChanges(ctx context.Context) (int, error) {
	var n int
	err := s.db.Pool.QueryRow(ctx, `SELECT count(*) FROM search_outbox`).Scan(&n)
	return n, err
}

// LiveRecordVersions returns each live record of type t with its updated_at.
func (s *SearchOutboxService) LiveRecordVersions(ctx context.Context, t hub.RecordType) (map[int64]time.Time, error) {
	table, ok := searchTables[t]
	if !ok {
		return nil, fmt.Errorf("%s is not searchable", t)
	}
	rows, err := s.db.Pool.Query(ctx, `SELECT id, updated_at FROM `+table+` WHERE deleted_at IS NULL`)
	if err != nil {
		return nil, err
	}
	out := map[int64]time.Time{}
	var id int64
	var at time.Time
	_, err = pgx.ForEachRow(rows, []any{&id, &at}, func() error { out[id] = at; return nil })
	return out, err
}

// EachLiveRecord walks the live ids of type t in ascending chunks.
func (s *SearchOutboxService) EachLiveRecord(ctx context.Context, t hub.RecordType, size int, fn func([]int64) error) error {
	table, ok := searchTables[t]
	if !ok {
		return fmt.Errorf("%s is not searchable", t)
	}
	var after int64
	for {
		rows, _ := s.db.Pool.Query(ctx, `SELECT id FROM `+table+` WHERE deleted_at IS NULL AND id > $1 ORDER BY id LIMIT $2`, after, size)
		ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
		if err != nil {
			return err
		}
		if len(ids) == 0 {
			return nil
		}
		if err := fn(ids); err != nil {
			return err
		}
		after = ids[len(ids)-1]
	}
}
