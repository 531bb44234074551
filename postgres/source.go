package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	hub "github.com/birgemiz/hub"
)

// SourceService implements hub.SourceService.
type SourceService struct{ db *DB }

// NewSourceService returns a SourceService on db.
func NewSourceService(db *DB) *SourceService { return &SourceService{db: db} }

var _ hub.SourceService = (*SourceService)(nil)

// CreateSource stores a new source and sets its ID and CreatedAt.
func (s *SourceService) CreateSource(ctx context.Context, src *hub.Source) error {
	if err := src.Validate(); err != nil {
		return err
	}
	err := s.db.Pool.QueryRow(ctx, `
		INSERT INTO sources (name, kind, region_code, description, created_at)
		VALUES ($1, $2, NULLIF($3, ''), $4, $5) RETURNING id, created_at`,
		src.Name, string(src.Kind), src.RegionCode, src.Description, s.db.Now()).Scan(&src.ID, &src.CreatedAt)
	if hub.ErrorCode(interpretError(err)) == hub.ECONFLICT {
		return hub.Errorf(hub.ECONFLICT, "a source named %q already exists", src.Name)
	}
	return interpretError(err)
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

const sourceColumns = `id, name, kind, coalesce(region_code, ''), description, created_at`

func scanSource(row pgx.CollectableRow) (*hub.Source, error) {
	var s hub.Source
	err := row.Scan(&s.ID, &s.Name, &s.Kind, &s.RegionCode, &s.Description, &s.CreatedAt)
	return &s, err
}
