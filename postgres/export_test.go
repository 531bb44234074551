package postgres

import (
	"context"
	"log/slog"

	"github.com/jackc/pgx/v5/stdlib"
)

// MigrateTo migrates up to version, for tests of one migration.
func (db *DB) MigrateTo(ctx context.Context, version int64) error {
	sqlDB := stdlib.OpenDBFromPool(db.Pool)
	defer sqlDB.Close()
	p, err := db.migrationProvider(sqlDB, slog.New(slog.DiscardHandler))
	if err != nil {
		return err
	}
	_, err = p.UpTo(ctx, version)
	return err
}

// MigrateDownTo rolls migrations back down to version.
func (db *DB) MigrateDownTo(ctx context.Context, version int64) error {
	sqlDB := stdlib.OpenDBFromPool(db.Pool)
	defer sqlDB.Close()
	p, err := db.migrationProvider(sqlDB, slog.New(slog.DiscardHandler))
	if err != nil {
		return err
	}
	_, err = p.DownTo(ctx, version)
	return err
}

// CachedAnswerRows is the rows the statistics answer cache holds, as it
// counts them, and as its entries hold them.
func (s *StatisticsService) CachedAnswerRows() (counted, held int) {
	c := s.answers()
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, a := range c.entries.Values() {
		held += len(a.Rows) + 1
	}
	return c.rows, held
}
