package postgres

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"

	hub "github.com/birgemiz/hub"
	"github.com/birgemiz/hub/secretbox"
)

// SourceService implements hub.SourceService.
type SourceService struct{ db *DB }

// NewSourceService returns a SourceService on db.
func NewSourceService(db *DB) *SourceService { return &SourceService{db: db} }

var _ hub.SourceService = (*SourceService)(nil)

// newCredentials makes a token and a webhook secret, and the forms stored.
func newCredentials() (creds *hub.SourceCredentials, tokenHash []byte) {
	creds = &hub.SourceCredentials{
		Token:  hub.SourceTokenPrefix + base64.RawURLEncoding.EncodeToString(secretbox.Random(32)),
		Secret: "whsec_" + base64.StdEncoding.EncodeToString(secretbox.Random(32)),
	}
	return creds, hashToken(creds.Token)
}

func hashToken(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}

func secretAAD(sourceID int64) []byte {
	return []byte("source:" + strconv.FormatInt(sourceID, 10) + ":webhook-secret")
}

func (s *SourceService) keys() (*secretbox.Keyring, error) {
	if s.db.Keys == nil {
		return nil, errors.New("postgres: DB.Keys is not set; the hub cannot seal secrets")
	}
	return s.db.Keys, nil
}

// CreateSource stores a new source with fresh credentials.
func (s *SourceService) CreateSource(ctx context.Context, src *hub.Source) (*hub.SourceCredentials, error) {
	if err := src.Validate(); err != nil {
		return nil, err
	}
	keys, err := s.keys()
	if err != nil {
		return nil, err
	}
	creds, tokenHash := newCredentials()
	cats, _ := json.Marshal(nonNilMap(src.Categories))
	var pull pullColumns
	pull.from(src.Pull)
	err = pgx.BeginFunc(ctx, s.db.Pool, func(tx pgx.Tx) error {
		err := tx.QueryRow(ctx, `
			INSERT INTO sources (name, kind, region_code, description, created_at, token_hash, categories,
				pull_url, pull_format, pull_record_type, pull_schedule, pull_mode, pull_grace)
			VALUES ($1, $2, NULLIF($3, ''), $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING id, created_at`,
			src.Name, string(src.Kind), src.RegionCode, src.Description, s.db.Now(), tokenHash, cats,
			pull.url, pull.format, pull.recordType, pull.schedule, pull.mode, pull.grace).Scan(&src.ID, &src.CreatedAt)
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `UPDATE sources SET secret_sealed = $2 WHERE id = $1`, src.ID, keys.Seal([]byte(creds.Secret), secretAAD(src.ID)))
		return err
	})
	if hub.ErrorCode(interpretError(err)) == hub.ECONFLICT {
		return nil, hub.Errorf(hub.ECONFLICT, "a source named %q already exists", src.Name)
	}
	return creds, interpretError(err)
}

// RotateSourceCredentials issues new credentials; the old ones stay valid for grace.
func (s *SourceService) RotateSourceCredentials(ctx context.Context, name string, grace time.Duration) (*hub.SourceCredentials, error) {
	keys, err := s.keys()
	if err != nil {
		return nil, err
	}
	src, err := s.FindSourceByName(ctx, name)
	if err != nil {
		return nil, err
	}
	creds, tokenHash := newCredentials()
	_, err = s.db.Pool.Exec(ctx, `
		UPDATE sources SET prev_token_hash = token_hash, prev_secret_sealed = secret_sealed, prev_valid_until = $2,
			token_hash = $3, secret_sealed = $4 WHERE id = $1`,
		src.ID, s.db.Now().Add(grace), tokenHash, keys.Seal([]byte(creds.Secret), secretAAD(src.ID)))
	return creds, interpretError(err)
}

// AuthenticateSource returns the source whose current token, or previous
// token within its rotation grace, is token. The token is compared by its
// SHA-256, which an index looks up; tokens have 256 random bits, so the
// hash is as good as the token and nothing secret is kept.
func (s *SourceService) AuthenticateSource(ctx context.Context, token string) (*hub.Source, error) {
	h := hashToken(token)
	rows, _ := s.db.Pool.Query(ctx, `SELECT `+sourceColumns+` FROM sources
		WHERE token_hash = $1 OR (prev_token_hash = $1 AND prev_valid_until > $2)`, h, s.db.Now())
	src, err := pgx.CollectExactlyOneRow(rows, scanSource)
	if hub.ErrorCode(interpretError(err)) == hub.ENOTFOUND {
		return nil, hub.Errorf(hub.EUNAUTHORIZED, "the bearer token is not valid for any source")
	}
	return src, interpretError(err)
}

// SigningSecrets returns the current secret and, during rotation, the previous one.
func (s *SourceService) SigningSecrets(ctx context.Context, sourceID int64) ([]string, error) {
	keys, err := s.keys()
	if err != nil {
		return nil, err
	}
	var cur, prev []byte
	var until *time.Time
	if err := s.db.Pool.QueryRow(ctx, `SELECT secret_sealed, prev_secret_sealed, prev_valid_until FROM sources WHERE id = $1`, sourceID).
		Scan(&cur, &prev, &until); err != nil {
		return nil, interpretError(err)
	}
	sealed := [][]byte{cur}
	if prev != nil && until != nil && until.After(s.db.Now()) {
		sealed = append(sealed, prev)
	}
	var out []string
	for _, b := range sealed {
		if b == nil {
			continue
		}
		secret, err := keys.Open(b, secretAAD(sourceID))
		if err != nil {
			return nil, fmt.Errorf("source %d webhook secret: %w (were HUB_SECRET_KEYS changed without keeping the old key?)", sourceID, err)
		}
		out = append(out, string(secret))
	}
	return out, nil
}

// FindSourceByName returns the source called name, or ENOTFOUND.
func (s *SourceService) FindSourceByName(ctx context.Context, name string) (*hub.Source, error) {
	rows, _ := s.db.Pool.Query(ctx, `SELECT `+sourceColumns+` FROM sources WHERE name = $1`, name)
	src, err := pgx.CollectExactlyOneRow(rows, scanSource)
	if hub.ErrorCode(interpretError(err)) == hub.ENOTFOUND {
		return nil, hub.Errorf(hub.ENOTFOUND, "no source named %q; create it with `hub sources add %s --kind …`", name, name)
	}
	return src, interpretError(err)
}

// FindSources returns every source by name.
func (s *SourceService) FindSources(ctx context.Context) ([]*hub.Source, error) {
	rows, _ := s.db.Pool.Query(ctx, `SELECT `+sourceColumns+` FROM sources ORDER BY name`)
	srcs, err := pgx.CollectRows(rows, scanSource)
	if err != nil {
		return nil, fmt.Errorf("find sources: %w", err)
	}
	return srcs, nil
}

// RecordSourceRun stores the outcome of a pull or push: success moves the
// cursor; a failure keeps it and records the error.
func (s *SourceService) RecordSourceRun(ctx context.Context, sourceID int64, runErr string, cursor *string, next *time.Time) error {
	now := s.db.Now()
	var err error
	if runErr == "" {
		_, err = s.db.Pool.Exec(ctx, `UPDATE sources SET last_success_at = $2, pull_cursor = coalesce($3, pull_cursor), next_run_at = $4 WHERE id = $1`,
			sourceID, now, cursor, next)
	} else {
		_, err = s.db.Pool.Exec(ctx, `UPDATE sources SET last_error = $2, last_error_at = $3, next_run_at = $4 WHERE id = $1`,
			sourceID, runErr, now, next)
	}
	return err
}

const sourceColumns = `id, name, kind, coalesce(region_code, ''), description, created_at, categories,
	pull_url, pull_format, pull_record_type, pull_schedule, pull_mode, pull_grace,
	pull_cursor, last_success_at, last_error, last_error_at, next_run_at`

func scanSource(row pgx.CollectableRow) (*hub.Source, error) {
	var s hub.Source
	var p pullColumns
	err := row.Scan(&s.ID, &s.Name, &s.Kind, &s.RegionCode, &s.Description, &s.CreatedAt, &s.Categories,
		&p.url, &p.format, &p.recordType, &p.schedule, &p.mode, &p.grace,
		&s.Status.Cursor, &s.Status.LastSuccessAt, &s.Status.LastError, &s.Status.LastErrorAt, &s.Status.NextRunAt)
	s.Pull = p.to()
	return &s, err
}

// pullColumns is a source's pull configuration as stored; all NULL when it
// is not pulled.
type pullColumns struct {
	url, format, recordType, schedule, mode *string
	grace                                   *time.Duration
}

func (p *pullColumns) from(c *hub.PullConfig) {
	if c == nil {
		return
	}
	p.url, p.format, p.recordType = &c.URL, (*string)(&c.Format), (*string)(&c.RecordType)
	p.schedule, p.mode, p.grace = &c.Schedule, (*string)(&c.Mode), &c.Grace
}

func (p pullColumns) to() *hub.PullConfig {
	if p.url == nil {
		return nil
	}
	c := &hub.PullConfig{URL: *p.url, Format: hub.FeedFormat(deref(p.format)), RecordType: hub.RecordType(deref(p.recordType)),
		Schedule: deref(p.schedule), Mode: hub.FeedMode(deref(p.mode))}
	if p.grace != nil {
		c.Grace = *p.grace
	}
	return c
}

func nonNilMap(m map[string]string) map[string]string {
	if m == nil {
		return map[string]string{}
	}
	return m
}

// MarkPullDue makes the source's next pull due now.
func (s *SourceService) MarkPullDue(ctx context.Context, sourceID int64) error {
	_, err := s.db.Pool.Exec(ctx, `UPDATE sources SET next_run_at = $2 WHERE id = $1`, sourceID, s.db.Now())
	return err
}
