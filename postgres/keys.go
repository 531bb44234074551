package postgres

import (
	"context"
	"encoding/base64"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	hub "github.com/birgemiz/hub"
	"github.com/birgemiz/hub/secretbox"
)

// KeyService implements hub.KeyService.
type KeyService struct{ db *DB }

// NewKeyService returns a KeyService on db.
func NewKeyService(db *DB) *KeyService { return &KeyService{db: db} }

var _ hub.KeyService = (*KeyService)(nil)

// keyPrefixLen is how much of a token is kept in the clear: the "hubkey_"
// marker and 6 random characters (36 of the token's 256 random bits), enough
// to tell keys apart and too little to matter for guessing the rest.
const keyPrefixLen = len(hub.KeyTokenPrefix) + 6

// newKeyToken makes a key's token: 32 random bytes, base64url.
func newKeyToken() string {
	return hub.KeyTokenPrefix + base64.RawURLEncoding.EncodeToString(secretbox.Random(32))
}

// CreateKey stores a new key and returns its token. A platform key's source
// must exist.
func (s *KeyService) CreateKey(ctx context.Context, k *hub.APIKey) (string, error) {
	if err := k.Validate(); err != nil {
		return "", err
	}
	token := newKeyToken()
	err := pgx.BeginFunc(ctx, s.db.Pool, func(tx pgx.Tx) error {
		var sourceID *int64
		if k.Role == hub.RolePlatform {
			id, err := sourceIDByName(ctx, tx, k.Source)
			if err != nil {
				return err
			}
			sourceID = &id
		}
		return tx.QueryRow(ctx, `
			INSERT INTO api_keys (name, role, source_id, token_hash, prefix, created_at)
			VALUES ($1, $2, $3, $4, $5, $6) RETURNING id, prefix, created_at`,
			k.Name, string(k.Role), sourceID, hashToken(token), token[:keyPrefixLen], s.db.Now()).
			Scan(&k.ID, &k.Prefix, &k.CreatedAt)
	})
	if err = interpretError(err); err != nil {
		if hub.ErrorCode(err) == hub.ECONFLICT {
			return "", hub.Errorf(hub.ECONFLICT, "a key named %q already exists (revoked keys keep their names); pick another name", k.Name)
		}
		return "", fmt.Errorf("create key %s: %w", k.Name, err)
	}
	return token, nil
}

// sourceIDByName returns the id of the source called name, or ENOTFOUND.
func sourceIDByName(ctx context.Context, tx pgx.Tx, name string) (int64, error) {
	var id int64
	err := tx.QueryRow(ctx, `SELECT id FROM sources WHERE name = $1`, name).Scan(&id)
	if hub.ErrorCode(interpretError(err)) == hub.ENOTFOUND {
		return 0, hub.Errorf(hub.ENOTFOUND, "no source named %q; `hub sources list` shows them", name)
	}
	return id, interpretError(err)
}

// FindKeys returns every key by name, revoked ones included.
func (s *KeyService) FindKeys(ctx context.Context) ([]*hub.APIKey, error) {
	rows, _ := s.db.Pool.Query(ctx, `SELECT `+keyColumns+` FROM api_keys k LEFT JOIN sources s ON s.id = k.source_id ORDER BY k.name`)
	keys, err := pgx.CollectRows(rows, scanKey)
	if err != nil {
		return nil, fmt.Errorf("find keys: %w", err)
	}
	return keys, nil
}

// RevokeKey revokes the key called name: ENOTFOUND when there is none,
// ECONFLICT when it was revoked before.
func (s *KeyService) RevokeKey(ctx context.Context, name string) (*hub.APIKey, error) {
	var k *hub.APIKey
	err := pgx.BeginFunc(ctx, s.db.Pool, func(tx pgx.Tx) error {
		var err error
		if k, err = findKeyByName(ctx, tx, name); err != nil {
			return err
		}
		if k.RevokedAt != nil {
			return hub.Errorf(hub.ECONFLICT, "key %s was already revoked at %s", name, k.RevokedAt.UTC().Format(time.RFC3339))
		}
		return tx.QueryRow(ctx, `UPDATE api_keys SET revoked_at = $2 WHERE id = $1 RETURNING revoked_at`, k.ID, s.db.Now()).
			Scan(&k.RevokedAt)
	})
	if err != nil {
		return nil, fmt.Errorf("revoke key %s: %w", name, interpretError(err))
	}
	return k, nil
}

// findKeyByName returns the key called name, locked for update, or ENOTFOUND.
func findKeyByName(ctx context.Context, tx pgx.Tx, name string) (*hub.APIKey, error) {
	rows, _ := tx.Query(ctx, `SELECT `+keyColumns+` FROM api_keys k LEFT JOIN sources s ON s.id = k.source_id
		WHERE k.name = $1 FOR UPDATE OF k`, name)
	k, err := pgx.CollectExactlyOneRow(rows, scanKey)
	if hub.ErrorCode(interpretError(err)) == hub.ENOTFOUND {
		return nil, hub.Errorf(hub.ENOTFOUND, "no key named %q; `hub keys list` shows them", name)
	}
	return k, interpretError(err)
}

// AuthenticateKey returns the caller of a key's token. The token is looked
// up by its SHA-256, which is as good as the token (256 random bits) and
// keeps nothing secret at rest. A key's use is written at most once per
// hub.KeyUseResolution, so a busy dashboard costs a read per request, not a
// write; the conditional UPDATE keeps concurrent hub processes from writing
// the same minute twice.
func (s *KeyService) AuthenticateKey(ctx context.Context, token string) (hub.Principal, error) {
	var (
		k        hub.APIKey
		sourceID *int64
	)
	err := s.db.Pool.QueryRow(ctx, `SELECT id, name, role, source_id, last_used_at, revoked_at FROM api_keys WHERE token_hash = $1`,
		hashToken(token)).Scan(&k.ID, &k.Name, &k.Role, &sourceID, &k.LastUsedAt, &k.RevokedAt)
	switch {
	case hub.ErrorCode(interpretError(err)) == hub.ENOTFOUND:
		return hub.Principal{}, hub.Errorf(hub.EUNAUTHORIZED, "the bearer token is not a valid API key")
	case err != nil:
		return hub.Principal{}, fmt.Errorf("authenticate key: %w", err)
	case k.RevokedAt != nil:
		return hub.Principal{}, hub.Errorf(hub.EUNAUTHORIZED, "the API key %s has been revoked", k.Name)
	}
	now := s.db.Now()
	if k.LastUsedAt == nil || now.Sub(*k.LastUsedAt) >= hub.KeyUseResolution {
		if _, err := s.db.Pool.Exec(ctx, `UPDATE api_keys SET last_used_at = $2
			WHERE id = $1 AND (last_used_at IS NULL OR last_used_at <= $3)`, k.ID, now, now.Add(-hub.KeyUseResolution)); err != nil {
			return hub.Principal{}, fmt.Errorf("note use of key %s: %w", k.Name, err)
		}
	}
	var src *hub.Source
	if sourceID != nil {
		rows, _ := s.db.Pool.Query(ctx, `SELECT `+sourceColumns+` FROM sources WHERE id = $1`, *sourceID)
		if src, err = pgx.CollectExactlyOneRow(rows, scanSource); err != nil {
			return hub.Principal{}, fmt.Errorf("source of key %s: %w", k.Name, err)
		}
	}
	return k.Principal(src), nil
}

const keyColumns = `k.id, k.name, k.role, coalesce(s.name, ''), k.prefix, k.created_at, k.last_used_at, k.revoked_at`

func scanKey(row pgx.CollectableRow) (*hub.APIKey, error) {
	var k hub.APIKey
	err := row.Scan(&k.ID, &k.Name, &k.Role, &k.Source, &k.Prefix, &k.CreatedAt, &k.LastUsedAt, &k.RevokedAt)
	return &k, err
}
