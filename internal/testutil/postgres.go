package testutil

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/birgemiz/hub/postgres"
	"github.com/birgemiz/hub/secretbox"
)

// AdminURL is the PostgreSQL server tests create their databases on:
// HUB_TEST_DATABASE_URL, else the local server with trust auth.
func AdminURL() string {
	if u := os.Getenv("HUB_TEST_DATABASE_URL"); u != "" {
		return u
	}
	return "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
}

// NewDB returns an open, migrated, empty database of the test's own, made
// from a template database that is migrated once per schema version. The
// database is dropped when the test ends.
func NewDB(tb testing.TB) *postgres.DB {
	return NewDBWith(tb, nil)
}

// NewDBWith is NewDB with a hook to configure the DB (a tracer, a clock)
// before it opens.
func NewDBWith(tb testing.TB, configure func(*postgres.DB)) *postgres.DB {
	tb.Helper()
	url := CreateDatabase(tb)
	db := postgres.NewDB(url)
	db.Keys = Keys(tb)
	if configure != nil {
		configure(db)
	}
	if err := db.Open(context.Background()); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(db.Close)
	return db
}

// CreateDatabase creates a migrated, empty database and returns its URL; it
// is dropped when the test ends.
func CreateDatabase(tb testing.TB) string {
	tb.Helper()
	ctx := context.Background()
	admin := connectAdmin(tb)
	defer admin.Close(ctx)
	tpl := ensureTemplate(tb, admin)

	name := "hub_test_" + randomHex(6)
	for attempt := 0; ; attempt++ {
		_, err := admin.Exec(ctx, fmt.Sprintf("CREATE DATABASE %s TEMPLATE %s", name, tpl))
		var pgErr *pgconn.PgError
		if err != nil && errors.As(err, &pgErr) && pgErr.Code == "55006" && attempt < 50 { // template busy
			time.Sleep(100 * time.Millisecond)
			continue
		}
		if err != nil {
			tb.Fatalf("create test database: %v", err)
		}
		break
	}
	dropOnCleanup(tb, name)
	return withDatabase(tb, AdminURL(), name)
}

// dropOnCleanup drops database name when the test ends.
func dropOnCleanup(tb testing.TB, name string) {
	tb.Cleanup(func() {
		ctx := context.Background()
		c := connectAdmin(tb)
		defer c.Close(ctx)
		if _, err := c.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			tb.Logf("drop test database %s: %v", name, err)
		}
	})
}

// CreateEmptyDatabase creates a database with no schema at all, for tests
// of migrations, and returns its URL; it is dropped when the test ends.
func CreateEmptyDatabase(tb testing.TB) string {
	tb.Helper()
	ctx := context.Background()
	admin := connectAdmin(tb)
	defer admin.Close(ctx)
	name := "hub_test_" + randomHex(6)
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		tb.Fatalf("create test database: %v", err)
	}
	dropOnCleanup(tb, name)
	return withDatabase(tb, AdminURL(), name)
}

// Keys returns a fresh keyring for sealing secrets in tests.
func Keys(tb testing.TB) *secretbox.Keyring {
	k, err := secretbox.Parse("t1:" + base64.StdEncoding.EncodeToString(secretbox.Random(secretbox.KeySize)))
	if err != nil {
		tb.Fatal(err)
	}
	return k
}

func connectAdmin(tb testing.TB) *pgx.Conn {
	tb.Helper()
	conn, err := pgx.Connect(context.Background(), AdminURL())
	if err != nil {
		tb.Fatalf("tests need PostgreSQL at %s (set HUB_TEST_DATABASE_URL): %v", AdminURL(), err)
	}
	return conn
}

// ensureTemplate builds the template database for the current schema once;
// concurrent test binaries serialize on an advisory lock.
func ensureTemplate(tb testing.TB, admin *pgx.Conn) string {
	tb.Helper()
	ctx := context.Background()
	tpl := "hub_test_tpl_" + postgres.SchemaFingerprint()
	if _, err := admin.Exec(ctx, "SELECT pg_advisory_lock(727274)"); err != nil {
		tb.Fatal(err)
	}
	defer admin.Exec(ctx, "SELECT pg_advisory_unlock(727274)")
	var exists bool
	if err := admin.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1 AND datistemplate)", tpl).Scan(&exists); err != nil {
		tb.Fatal(err)
	}
	if exists {
		return tpl
	}
	if _, err := admin.Exec(ctx, "DROP DATABASE IF EXISTS "+tpl); err != nil {
		tb.Fatal(err)
	}
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+tpl); err != nil {
		tb.Fatal(err)
	}
	db := postgres.NewDB(withDatabase(tb, AdminURL(), tpl))
	if err := db.Open(ctx); err != nil {
		tb.Fatal(err)
	}
	err := db.Migrate(ctx, slog.New(slog.DiscardHandler))
	db.Close()
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := admin.Exec(ctx, "ALTER DATABASE "+tpl+" WITH is_template true"); err != nil {
		tb.Fatal(err)
	}
	return tpl
}

func withDatabase(tb testing.TB, url, name string) string {
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		tb.Fatal(err)
	}
	// Replace the path of the URL, keeping its query.
	base, query, _ := strings.Cut(url, "?")
	i := strings.LastIndex(base, "/")
	if i < len("postgres://") || cfg.Database == "" {
		tb.Fatalf("HUB_TEST_DATABASE_URL must be a postgres:// URL with a database path, got %q", url)
	}
	out := base[:i+1] + name
	if query != "" {
		out += "?" + query
	}
	return out
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
