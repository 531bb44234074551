package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/birgemiz/hub/secretbox"
)

// matchKeyName is the sealed_secrets row holding the key of the hashes
// volunteers are matched by (volunteer_identities).
const matchKeyName = "match_key"

var matchKeyAAD = []byte("sealed_secrets:" + matchKeyName)

// matchKeys returns DB.Keys with its matching key pinned to the one stored
// in the database, storing the ring's own the first time. The ring derives
// that key from its oldest key; pinned, the stored hashes keep matching
// after that key leaves HUB_SECRET_KEYS. The result is cached per ring.
func (db *DB) matchKeys(ctx context.Context) (*secretbox.Keyring, error) {
	keys := db.Keys
	if keys == nil {
		return nil, nil
	}
	db.matchMu.Lock()
	defer db.matchMu.Unlock()
	if db.matchFor == keys {
		return db.matchRing, nil
	}
	var ring *secretbox.Keyring
	err := pgx.BeginFunc(ctx, db.Pool, func(tx pgx.Tx) error {
		mac, err := pinMatchKey(ctx, tx, keys)
		ring = keys.WithMatchKey(mac)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("matching key: %w", err)
	}
	db.matchFor, db.matchRing = keys, ring
	return ring, nil
}

// execer is what pinMatchKey needs: a pgx transaction, or a database/sql
// one inside a migration (through sqlTx).
type execer interface {
	Exec(ctx context.Context, sql string, args ...any) error
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

type pgxExecer struct{ tx pgx.Tx }

func (e pgxExecer) Exec(ctx context.Context, sql string, args ...any) error {
	_, err := e.tx.Exec(ctx, sql, args...)
	return err
}

func (e pgxExecer) QueryRow(ctx context.Context, sql string, args ...any) pgx.Row {
	return e.tx.QueryRow(ctx, sql, args...)
}

// pinMatchKey returns the stored matching key, storing the ring's own
// when there is none yet (concurrent callers agree on the first stored).
func pinMatchKey(ctx context.Context, tx pgx.Tx, keys *secretbox.Keyring) ([]byte, error) {
	return pinMatchKeyWith(ctx, pgxExecer{tx}, keys)
}

func pinMatchKeyWith(ctx context.Context, q execer, keys *secretbox.Keyring) ([]byte, error) {
	if err := q.Exec(ctx, `INSERT INTO sealed_secrets (name, sealed, key_id) VALUES ($1, $2, $3) ON CONFLICT (name) DO NOTHING`,
		matchKeyName, keys.Seal(keys.MatchKey(), matchKeyAAD), keys.Primary()); err != nil {
		return nil, err
	}
	var sealed []byte
	if err := q.QueryRow(ctx, `SELECT sealed FROM sealed_secrets WHERE name = $1`, matchKeyName).Scan(&sealed); err != nil {
		return nil, err
	}
	mac, err := keys.Open(sealed, matchKeyAAD)
	if err != nil {
		id := secretbox.KeyID(sealed)
		if keys.Has(id) {
			return nil, fmt.Errorf("the database's matching key is sealed with key %q, and the keyring's key %q is another key: %w", id, id, err)
		}
		return nil, fmt.Errorf("the database's matching key is sealed with key %q, which the keyring does not hold: %w", id, err)
	}
	return mac, nil
}

// CheckKeys returns an error when DB.Keys cannot open the secrets the
// database holds (checked on its matching key, stored the first time),
// so a hub started with the wrong keyring says so at once rather than
// failing every batch.
func (db *DB) CheckKeys(ctx context.Context) error {
	_, err := db.matchKeys(ctx)
	return err
}

// resealMatchKey re-seals the stored matching key under the ring's
// current key (storing the ring's own when there is none yet).
func resealMatchKey(ctx context.Context, tx pgx.Tx, keys *secretbox.Keyring) error {
	mac, err := pinMatchKey(ctx, tx, keys)
	if err != nil {
		return err
	}
	_, err = tx.Exec(ctx, `UPDATE sealed_secrets SET sealed = $2, key_id = $3 WHERE name = $1 AND key_id <> $3`,
		matchKeyName, keys.Seal(mac, matchKeyAAD), keys.Primary())
	return err
}
