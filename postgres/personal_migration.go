package postgres

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	hub "github.com/birgemiz/hub"
)

// Migration 10 seals volunteers' personal parts at rest, and the stored
// feed bodies, which carry them as sources sent them. Sealing happens in Go
// (the keys never reach PostgreSQL), so it is a Go migration; its SQL is
// here, and SchemaFingerprint includes it.
//
// The sealed rows go into new tables that then replace the old ones,
// rather than into new columns: PostgreSQL keeps a dropped column's values
// in the table's pages until every row is rewritten, and updated rows leave
// their old versions behind until a vacuum. Dropping a table removes its
// files, and with them every plaintext value.
const (
	sealPersonalDDL = `
CREATE TABLE volunteer_personal_sealed (
    volunteer_id bigint PRIMARY KEY REFERENCES volunteers (id),
    -- secretbox (AES-256-GCM) over the JSON of the personal part, bound to volunteer_id
    sealed       bytea NOT NULL,
    -- the id of the key that sealed it; hub personal rekey re-seals the rows of older keys
    key_id       text  NOT NULL,
    updated_at   timestamptz NOT NULL
);
-- Secrets the hub keeps sealed with its keys: the key of the matching
-- hashes (volunteer_identities), so they stay the same when the key they
-- were derived from leaves the ring.
CREATE TABLE sealed_secrets (
    name   text PRIMARY KEY,
    sealed bytea NOT NULL,
    key_id text  NOT NULL
);
CREATE TABLE batch_bodies_sealed (
    batch_id uuid PRIMARY KEY REFERENCES batches (id) ON DELETE CASCADE,
    -- secretbox over the feed body as received, bound to batch_id
    body     bytea NOT NULL,
    key_id   text  NOT NULL
);`
	sealPersonalSwap = `
DROP TABLE volunteer_personal;
ALTER TABLE volunteer_personal_sealed RENAME TO volunteer_personal;
ALTER TABLE volunteer_personal RENAME CONSTRAINT volunteer_personal_sealed_pkey TO volunteer_personal_pkey;
ALTER TABLE volunteer_personal RENAME CONSTRAINT volunteer_personal_sealed_volunteer_id_fkey TO volunteer_personal_volunteer_id_fkey;
DROP TABLE batch_bodies;
ALTER TABLE batch_bodies_sealed RENAME TO batch_bodies;
ALTER TABLE batch_bodies RENAME CONSTRAINT batch_bodies_sealed_pkey TO batch_bodies_pkey;
ALTER TABLE batch_bodies RENAME CONSTRAINT batch_bodies_sealed_batch_id_fkey TO batch_bodies_batch_id_fkey;`

	openPersonalDDL = `
CREATE TABLE volunteer_personal_open (
    volunteer_id bigint PRIMARY KEY REFERENCES volunteers (id),
    full_name    text,
    phone        text,
    email        text,
    iin          text,
    birth_date   date,
    consent_ref  text NOT NULL,
    consent_at   timestamptz NOT NULL,
    updated_at   timestamptz NOT NULL
);
CREATE TABLE batch_bodies_open (
    batch_id uuid PRIMARY KEY REFERENCES batches (id) ON DELETE CASCADE,
    body     bytea NOT NULL
);`
	openPersonalSwap = `
DROP TABLE volunteer_personal;
ALTER TABLE volunteer_personal_open RENAME TO volunteer_personal;
ALTER TABLE volunteer_personal RENAME CONSTRAINT volunteer_personal_open_pkey TO volunteer_personal_pkey;
ALTER TABLE volunteer_personal RENAME CONSTRAINT volunteer_personal_open_volunteer_id_fkey TO volunteer_personal_volunteer_id_fkey;
DROP TABLE batch_bodies;
ALTER TABLE batch_bodies_open RENAME TO batch_bodies;
ALTER TABLE batch_bodies RENAME CONSTRAINT batch_bodies_open_pkey TO batch_bodies_pkey;
ALTER TABLE batch_bodies RENAME CONSTRAINT batch_bodies_open_batch_id_fkey TO batch_bodies_batch_id_fkey;
DROP TABLE sealed_secrets;`
)

// migrationBatch is how many rows migration 10 seals per statement.
const migrationBatch = 1000

// sealPersonalUp is migration 10 up: every personal part sealed under the
// ring's current key, and the matching key pinned. It needs the keys only
// when there is something to seal.
func (db *DB) sealPersonalUp(ctx context.Context, tx *sql.Tx) error {
	if _, err := tx.ExecContext(ctx, sealPersonalDDL); err != nil {
		return err
	}
	var rows, bodies int
	var identities bool
	if err := tx.QueryRowContext(ctx, `SELECT (SELECT count(*) FROM volunteer_personal), (SELECT count(*) FROM batch_bodies),
		EXISTS (SELECT 1 FROM volunteer_identities)`).Scan(&rows, &bodies, &identities); err != nil {
		return err
	}
	keys := db.Keys
	if keys == nil && (rows > 0 || bodies > 0 || identities) {
		return fmt.Errorf("migration 10 seals %d volunteers' personal data and %d feed bodies and needs the keys: set HUB_SECRET_KEYS (or keep HUB_DATA_DIR's secret.keys)",
			rows, bodies)
	}
	if keys != nil {
		if _, err := pinMatchKeyWith(ctx, sqlExecer{tx}, keys); err != nil {
			return err
		}
	}
	var last int64 = -1
	for {
		r, err := tx.QueryContext(ctx, `SELECT volunteer_id, full_name, phone, email, iin, birth_date, consent_ref, consent_at, updated_at
			FROM volunteer_personal WHERE volunteer_id > $1 ORDER BY volunteer_id LIMIT $2`, last, migrationBatch)
		if err != nil {
			return err
		}
		var ids []int64
		var sealed [][]byte
		var updated []time.Time
		for r.Next() {
			var id int64
			var name, phone, email, iin sql.NullString
			var birth sql.NullTime
			var ref string
			var at, up time.Time
			if err := r.Scan(&id, &name, &phone, &email, &iin, &birth, &ref, &at, &up); err != nil {
				r.Close()
				return err
			}
			p := &hub.VolunteerPersonal{FullName: name.String, Phone: phone.String, Email: email.String, IIN: iin.String,
				ConsentRef: ref, ConsentAt: &at}
			if birth.Valid {
				p.BirthDate = &birth.Time
			}
			b, err := sealPersonal(keys, id, p)
			if err != nil {
				r.Close()
				return err
			}
			ids, sealed, updated = append(ids, id), append(sealed, b), append(updated, up)
		}
		if err := r.Close(); err != nil {
			return err
		}
		if err := r.Err(); err != nil {
			return err
		}
		if len(ids) == 0 {
			break
		}
		last = ids[len(ids)-1]
		if _, err := tx.ExecContext(ctx, `INSERT INTO volunteer_personal_sealed (volunteer_id, sealed, key_id, updated_at)
			SELECT u.id, u.sealed, $3, u.updated_at FROM unnest($1::bigint[], $2::bytea[], $4::timestamptz[]) AS u(id, sealed, updated_at)`,
			ids, sealed, keys.Primary(), updated); err != nil {
			return err
		}
	}
	if err := copyBodies(ctx, tx, "batch_bodies_sealed (batch_id, body, key_id)", func(id uuid.UUID, body []byte) []any {
		return []any{id, keys.Seal(body, batchBodyAAD(id)), keys.Primary()}
	}); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, sealPersonalSwap)
	return err
}

// copyBodies copies batch_bodies into another table one body at a time
// (bodies are up to hundreds of megabytes), as the values row returns.
func copyBodies(ctx context.Context, tx *sql.Tx, into string, row func(id uuid.UUID, body []byte) []any) error {
	last := uuid.Nil
	for {
		var id uuid.UUID
		var body []byte
		err := tx.QueryRowContext(ctx, `SELECT batch_id, body FROM batch_bodies WHERE batch_id > $1 ORDER BY batch_id LIMIT 1`, last).
			Scan(&id, &body)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		} else if err != nil {
			return err
		}
		vals := row(id, body)
		if vals == nil {
			return fmt.Errorf("batch %s body cannot be opened", id)
		}
		ph := make([]string, len(vals))
		for i := range vals {
			ph[i] = fmt.Sprintf("$%d", i+1)
		}
		if _, err := tx.ExecContext(ctx, "INSERT INTO "+into+" VALUES ("+strings.Join(ph, ", ")+")", vals...); err != nil {
			return err
		}
		last = id
	}
}

// sealPersonalDown is migration 10 down: the personal parts opened back
// into plain columns.
func (db *DB) sealPersonalDown(ctx context.Context, tx *sql.Tx) error {
	if _, err := tx.ExecContext(ctx, openPersonalDDL); err != nil {
		return err
	}
	var last int64 = -1
	for {
		r, err := tx.QueryContext(ctx, `SELECT volunteer_id, sealed, updated_at FROM volunteer_personal
			WHERE volunteer_id > $1 ORDER BY volunteer_id LIMIT $2`, last, migrationBatch)
		if err != nil {
			return err
		}
		var batch [][]any
		for r.Next() {
			var id int64
			var sealed []byte
			var up time.Time
			if err := r.Scan(&id, &sealed, &up); err != nil {
				r.Close()
				return err
			}
			p, err := openPersonal(db.Keys, id, sealed)
			if err != nil {
				r.Close()
				return err
			}
			batch = append(batch, []any{id, str(p.FullName), str(p.Phone), str(p.Email), str(p.IIN), p.BirthDate, p.ConsentRef, p.ConsentAt, up})
			last = id
		}
		if err := r.Close(); err != nil {
			return err
		}
		if err := r.Err(); err != nil {
			return err
		}
		if len(batch) == 0 {
			break
		}
		for _, row := range batch {
			if _, err := tx.ExecContext(ctx, `INSERT INTO volunteer_personal_open (volunteer_id, full_name, phone, email, iin, birth_date,
				consent_ref, consent_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`, row...); err != nil {
				return err
			}
		}
	}
	var openErr error
	if err := copyBodies(ctx, tx, "batch_bodies_open (batch_id, body)", func(id uuid.UUID, sealed []byte) []any {
		body, err := openBatchBody(db.Keys, id, sealed)
		if err != nil {
			openErr = err
			return nil
		}
		return []any{id, body}
	}); err != nil {
		if openErr != nil {
			return openErr
		}
		return err
	}
	_, err := tx.ExecContext(ctx, openPersonalSwap)
	return err
}

// sqlExecer adapts a database/sql transaction (a migration's) to execer.
type sqlExecer struct{ tx *sql.Tx }

func (e sqlExecer) Exec(ctx context.Context, sql string, args ...any) error {
	_, err := e.tx.ExecContext(ctx, sql, args...)
	return err
}

func (e sqlExecer) QueryRow(ctx context.Context, sql string, args ...any) pgx.Row {
	return e.tx.QueryRowContext(ctx, sql, args...)
}
