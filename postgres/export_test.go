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
