package postgres

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"

	hub "github.com/birgemiz/hub"
	"github.com/birgemiz/hub/secretbox"
)

//go:embed migrations/*.sql
var migrationsFS embed.FS

// DB is the hub's PostgreSQL database: a connection pool plus the clock the
// services stamp rows with.
type DB struct {
	Pool *pgxpool.Pool
	URL  string

	// Now returns the current time; tests replace it.
	Now func() time.Time
	// Tracer, when set before Open, sees every statement (tests count them).
	Tracer pgx.QueryTracer
	// MaxConns caps the pool; 0 keeps pgx's default.
	MaxConns int32
	// Keys seal secrets at rest: sources' webhook secrets and volunteers'
	// personal data. Replacing the ring (a rotation) takes effect at once.
	Keys *secretbox.Keyring

	matchMu   sync.Mutex
	matchFor  *secretbox.Keyring // the Keys matchRing was made for
	matchRing *secretbox.Keyring // Keys with the stored matching key pinned

	// snapshots is a pool of its own for reading the records as they were
	// before a writing transaction (statistics_delta.go). The writer holds
	// statLock, so one connection at a time is in use; its own pool keeps
	// writers that fill the main pool from waiting for it forever.
	snapshots *pgxpool.Pool
	// statPending holds the statistics of the batches this process applies
	// until they finish (statistics_pending.go).
	statPending statPending

	countsOnce sync.Once
	countCache *countCache // exact counts while no record changes (counts.go)
}

// NewDB returns a DB for the connection URL; call Open before use.
func NewDB(url string) *DB {
	return &DB{URL: url, Now: func() time.Time { return time.Now().UTC() }}
}

// DefaultMaxConns is the pool's size unless DATABASE_URL sets
// pool_max_conns: four connections per CPU, at least 10.
func DefaultMaxConns() int32 { return int32(max(10, 4*runtime.GOMAXPROCS(0))) }

// Open connects and checks the connection, with an error that says what to
// fix when PostgreSQL cannot be reached.
func (db *DB) Open(ctx context.Context) error {
	cfg, err := pgxpool.ParseConfig(db.URL)
	if err != nil {
		return fmt.Errorf("DATABASE_URL is not a valid PostgreSQL URL: %w", err)
	}
	if db.Tracer != nil {
		cfg.ConnConfig.Tracer = db.Tracer
	}
	switch {
	case db.MaxConns > 0:
		cfg.MaxConns = db.MaxConns
	case !strings.Contains(db.URL, "pool_max_conns"):
		// pgx's default, one per CPU (at least 4), is for a client, not
		// for a server whose API requests and in-process workers share
		// the pool: a few slow requests would queue everything else.
		cfg.MaxConns = DefaultMaxConns()
	}
	cfg.ConnConfig.RuntimeParams["application_name"] = "birgemiz-hub"
	if _, set := cfg.ConnConfig.RuntimeParams["jit"]; !set {
		// A chunk's upserts, with a subquery per reference, cost more than
		// jit_above_cost by the planner's count and ran 20–26 ms of JIT
		// compilation each (auto_explain at metro scale) to save nothing:
		// the hub's statements are many and short. DATABASE_URL's jit=on
		// turns it back on.
		cfg.ConnConfig.RuntimeParams["jit"] = "off"
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return fmt.Errorf("connect to PostgreSQL: %w", err)
	}
	pingCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := pool.Ping(pingCtx); err != nil {
		pool.Close()
		return explainConnectError(cfg.ConnConfig, err)
	}
	scfg := cfg.Copy()
	scfg.MaxConns, scfg.MinConns = 2, 0
	scfg.ConnConfig.RuntimeParams["application_name"] = "birgemiz-hub-statistics"
	snapshots, err := pgxpool.NewWithConfig(ctx, scfg)
	if err != nil {
		pool.Close()
		return fmt.Errorf("connect to PostgreSQL: %w", err)
	}
	db.Pool, db.snapshots = pool, snapshots
	return nil
}

// Close closes the pools.
func (db *DB) Close() {
	if db.Pool != nil {
		db.Pool.Close()
	}
	if db.snapshots != nil {
		db.snapshots.Close()
	}
}

// Ping checks the database answers; /readyz uses it.
func (db *DB) Ping(ctx context.Context) error { return db.Pool.Ping(ctx) }

func explainConnectError(cfg *pgx.ConnConfig, err error) error {
	where := fmt.Sprintf("%s:%d database %q as user %q", cfg.Host, cfg.Port, cfg.Database, cfg.User)
	var pgErr *pgconn.PgError
	var netErr *net.OpError
	switch {
	case errors.As(err, &pgErr) && pgErr.Code == "3D000":
		return fmt.Errorf("PostgreSQL at %s: the database does not exist; run `hub migrate`, which creates it, or set DATABASE_URL: %w", where, err)
	case errors.As(err, &pgErr) && (pgErr.Code == "28P01" || pgErr.Code == "28000"):
		return fmt.Errorf("PostgreSQL at %s refused the login; check the user and password in DATABASE_URL: %w", where, err)
	case errors.As(err, &netErr) || strings.Contains(err.Error(), "connect"):
		return fmt.Errorf("cannot reach PostgreSQL at %s; start it (e.g. `pg_ctlcluster 15 main start`) or set DATABASE_URL: %w", where, err)
	}
	return fmt.Errorf("PostgreSQL at %s: %w", where, err)
}

// EnsureDatabase creates the database named in url when it does not exist,
// connecting to the server's "postgres" database to do so. It lets a fresh
// machine run the hub with no manual createdb.
func EnsureDatabase(ctx context.Context, url string) error {
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		return fmt.Errorf("DATABASE_URL is not a valid PostgreSQL URL: %w", err)
	}
	name := cfg.Database
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err == nil {
		return conn.Close(ctx)
	}
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) || pgErr.Code != "3D000" {
		return explainConnectError(cfg, err)
	}
	cfg.Database = "postgres"
	admin, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return explainConnectError(cfg, err)
	}
	defer admin.Close(ctx)
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
		if errors.As(err, &pgErr) && pgErr.Code == "42P04" { // created meanwhile
			return nil
		}
		return fmt.Errorf("create database %q: %w", name, err)
	}
	return nil
}

// Migrate brings the schema up to date. Concurrent callers (several hub
// processes starting at once) wait on a session lock.
func (db *DB) Migrate(ctx context.Context, log *slog.Logger) error {
	sqlDB := stdlib.OpenDBFromPool(db.Pool)
	defer sqlDB.Close()
	p, err := db.migrationProvider(sqlDB, log)
	if err != nil {
		return err
	}
	results, err := p.Up(ctx)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	for _, r := range results {
		log.Info("migration applied", "version", r.Source.Version, "duration", r.Duration)
	}
	return nil
}

// SchemaVersion returns the applied and the latest known migration versions.
func (db *DB) SchemaVersion(ctx context.Context) (current, latest int64, err error) {
	sqlDB := stdlib.OpenDBFromPool(db.Pool)
	defer sqlDB.Close()
	p, err := db.migrationProvider(sqlDB, slog.New(slog.DiscardHandler))
	if err != nil {
		return 0, 0, err
	}
	return p.GetVersions(ctx)
}

func (db *DB) migrationProvider(sqlDB *sql.DB, log *slog.Logger) (*goose.Provider, error) {
	fsys, err := fs.Sub(migrationsFS, "migrations")
	if err != nil {
		return nil, err
	}
	locker, err := lock.NewPostgresSessionLocker()
	if err != nil {
		return nil, err
	}
	return goose.NewProvider(goose.DialectPostgres, sqlDB, fsys,
		goose.WithSessionLocker(locker),
		goose.WithDisableGlobalRegistry(true),
		goose.WithSlog(log),
		goose.WithGoMigrations(
			goose.NewGoMigration(2, &goose.GoFunc{RunTx: writeReferenceData}, nil),
			goose.NewGoMigration(10, &goose.GoFunc{RunTx: db.sealPersonalUp}, &goose.GoFunc{RunTx: db.sealPersonalDown}),
		),
	)
}

// writeReferenceData upserts the regions and directions from their Go
// definitions, the one place they are written down. A release that renames
// or adds one adds a migration that calls this again.
func writeReferenceData(ctx context.Context, tx *sql.Tx) error {
	for _, r := range hub.Regions() {
		if _, err := tx.ExecContext(ctx, `
			INSERT INTO regions (code, kind, name_kk, name_ru, name_en) VALUES ($1, $2, $3, $4, $5)
			ON CONFLICT (code) DO UPDATE SET kind = EXCLUDED.kind, name_kk = EXCLUDED.name_kk,
				name_ru = EXCLUDED.name_ru, name_en = EXCLUDED.name_en`,
			r.Code, string(r.Kind), r.Name.KK, r.Name.RU, r.Name.EN); err != nil {
			return fmt.Errorf("region %s: %w", r.Code, err)
		}
	}
	for _, d := range hub.Directions() {
		if _, err := tx.ExecContext(ctx, `
			INSERT INTO directions (code, name_kk, name_ru, name_en) VALUES ($1, $2, $3, $4)
			ON CONFLICT (code) DO UPDATE SET name_kk = EXCLUDED.name_kk, name_ru = EXCLUDED.name_ru, name_en = EXCLUDED.name_en`,
			d.Code, d.Name.KK, d.Name.RU, d.Name.EN); err != nil {
			return fmt.Errorf("direction %s: %w", d.Code, err)
		}
	}
	return nil
}

// interpretError translates library errors into hub errors once, at the
// storage boundary.
func interpretError(err error) error {
	var pgErr *pgconn.PgError
	switch {
	case err == nil:
		return nil
	case errors.Is(err, pgx.ErrNoRows):
		return &hub.Error{Code: hub.ENOTFOUND, Message: "not found"}
	case errors.As(err, &pgErr) && pgErr.Code == "23505":
		return &hub.Error{Code: hub.ECONFLICT, Message: "already exists"}
	}
	return err
}

// SchemaFingerprint identifies the schema the migrations build, reference
// data included; test helpers key their template databases by it.
func SchemaFingerprint() string {
	h := sha256.New()
	_ = fs.WalkDir(migrationsFS, "migrations", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := migrationsFS.ReadFile(path)
		h.Write([]byte(path))
		h.Write(b)
		return err
	})
	// The Go migrations' SQL.
	fmt.Fprint(h, hub.Regions(), hub.Directions(), sealPersonalDDL, sealPersonalSwap, openPersonalDDL, openPersonalSwap)
	return hex.EncodeToString(h.Sum(nil))[:16]
}
