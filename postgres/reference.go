package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"

	hub "github.com/birgemiz/hub"
)

// ReferenceService implements hub.ReferenceService from the reference
// tables the migrations write.
type ReferenceService struct{ db *DB }

// NewReferenceService returns a ReferenceService on db.
func NewReferenceService(db *DB) *ReferenceService { return &ReferenceService{db: db} }

var _ hub.ReferenceService = (*ReferenceService)(nil)

// FindRegions returns all regions ordered by code.
func (s *ReferenceService) FindRegions(ctx context.Context) ([]*hub.Region, error) {
	rows, _ := s.db.Pool.Query(ctx, `SELECT code, kind, name_kk, name_ru, name_en FROM regions ORDER BY code`)
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (*hub.Region, error) {
		var r hub.Region
		err := row.Scan(&r.Code, &r.Kind, &r.Name.KK, &r.Name.RU, &r.Name.EN)
		return &r, err
	})
}

// FindDirections returns all directions ordered by code.
func (s *ReferenceService) FindDirections(ctx context.Context) ([]*hub.Direction, error) {
	rows, _ := s.db.Pool.Query(ctx, `SELECT code, name_kk, name_ru, name_en FROM directions ORDER BY code`)
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (*hub.Direction, error) {
		var d hub.Direction
		err := row.Scan(&d.Code, &d.Name.KK, &d.Name.RU, &d.Name.EN)
		return &d, err
	})
}
