package testutil

import (
	"context"
	"encoding/hex"
	"os/exec"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	hub "github.com/birgemiz/hub"
	"github.com/birgemiz/hub/postgres"
)

// AssertNoPlaintext fails the test when any of values (names, phones,
// IINs, …) can be found in the database behind db, looked for as text and
// as the hex PostgreSQL shows bytea in:
//
//   - in every row of every table, as text (what a logical dump holds);
//   - in the output of pg_dump, when it is installed;
//   - in the raw bytes of every table's files, TOAST included, after a
//     CHECKPOINT, when the test's role may read server files (a superuser):
//     that also catches dropped columns and dead row versions, which a
//     dump does not show.
//
// It reports which check found a value, never the value itself.
func AssertNoPlaintext(tb testing.TB, db *postgres.DB, values []string) {
	tb.Helper()
	ctx := context.Background()
	var needles [][]byte
	for _, v := range values {
		if len(v) < 4 {
			tb.Fatalf("AssertNoPlaintext: %d-byte value too short to look for", len(v))
		}
		needles = append(needles, []byte(v), []byte(hex.EncodeToString([]byte(v))))
	}
	find := func(where string, hay []byte) {
		tb.Helper()
		for i, n := range needles {
			if strings.Contains(string(hay), string(n)) {
				form := "as text"
				if i%2 == 1 {
					form = "as hex"
				}
				tb.Errorf("%s holds personal value #%d %s", where, i/2+1, form)
			}
		}
	}

	// Every row of every table, as text.
	rows, _ := db.Pool.Query(ctx, `SELECT quote_ident(n.nspname) || '.' || quote_ident(c.relname) FROM pg_class c
		JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind = 'r' AND n.nspname = 'public'`)
	tables, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil || len(tables) == 0 {
		tb.Fatalf("list tables: %v (%d)", err, len(tables))
	}
	for _, t := range tables {
		rows, _ := db.Pool.Query(ctx, `SELECT t::text FROM `+t+` t`)
		texts, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			tb.Fatalf("read %s: %v", t, err)
		}
		find("table "+t, []byte(strings.Join(texts, "\n")))
	}

	// pg_dump.
	if path, err := exec.LookPath("pg_dump"); err == nil {
		out, err := exec.Command(path, "--data-only", "--no-owner", "--dbname="+db.URL).Output()
		if err != nil {
			tb.Logf("pg_dump failed (%v); the dump check is skipped", err)
		} else {
			find("pg_dump", out)
		}
	} else {
		tb.Log("pg_dump is not installed; the dump check is skipped")
	}

	// The tables' files.
	if _, err := db.Pool.Exec(ctx, `CHECKPOINT`); err != nil {
		tb.Logf("CHECKPOINT refused (%v): the raw-file check is skipped", err)
		return
	}
	rows, _ = db.Pool.Query(ctx, `SELECT c.relname, pg_relation_filepath(c.oid) FROM pg_class c
		JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE c.relkind IN ('r', 't') AND (n.nspname = 'public' OR c.oid IN (
			SELECT reltoastrelid FROM pg_class r JOIN pg_namespace rn ON rn.oid = r.relnamespace WHERE rn.nspname = 'public'))`)
	type rel struct{ name, path string }
	rels, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (rel, error) {
		var x rel
		err := r.Scan(&x.name, &x.path)
		return x, err
	})
	if err != nil {
		tb.Fatalf("list table files: %v", err)
	}
	for _, r := range rels {
		var size int64
		if err := db.Pool.QueryRow(ctx, `SELECT coalesce((pg_stat_file($1, true)).size, 0)`, r.path).Scan(&size); err != nil {
			tb.Logf("cannot read server files (%v): the raw-file check is skipped", err)
			return
		}
		if size == 0 {
			continue
		}
		var b []byte
		if err := db.Pool.QueryRow(ctx, `SELECT pg_read_binary_file($1)`, r.path).Scan(&b); err != nil {
			tb.Logf("cannot read server files (%v): the raw-file check is skipped", err)
			return
		}
		find("the file of "+r.name, b)
	}
}

// PersonalParts opens every volunteer's personal part stored in db, by
// volunteer id, through the service the API reads them with (so the reads
// are written to the access log, as any read is). Tests that check what was
// stored use it: the table itself holds only sealed values.
func PersonalParts(tb testing.TB, db *postgres.DB) map[int64]*hub.VolunteerPersonal {
	tb.Helper()
	ctx := context.Background()
	rows, _ := db.Pool.Query(ctx, `SELECT volunteer_id FROM volunteer_personal ORDER BY 1`)
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		tb.Fatalf("personal parts: %v", err)
	}
	reads := make([]hub.PersonalRead, len(ids))
	for i, id := range ids {
		reads[i] = hub.PersonalRead{VolunteerID: id, Fields: hub.PersonalFields[:]}
	}
	parts, err := postgres.NewPersonalService(db).ReadPersonal(ctx, hub.Principal{Role: hub.RoleAdmin, Key: "testutil"}, reads)
	if err != nil {
		tb.Fatalf("personal parts: %v", err)
	}
	return parts
}
