package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"

	hub "github.com/birgemiz/hub"
)

// ProvenanceService implements hub.ProvenanceService.
type ProvenanceService struct{ db *DB }

// NewProvenanceService returns a ProvenanceService on db.
func NewProvenanceService(db *DB) *ProvenanceService { return &ProvenanceService{db: db} }

var _ hub.ProvenanceService = (*ProvenanceService)(nil)

// FindProvenance returns, per record id, every source that reported it and
// has not deleted it, oldest first.
func (s *ProvenanceService) FindProvenance(ctx context.Context, t hub.RecordType, ids []int64) (map[int64][]*hub.Provenance, error) {
	rows, err := s.db.Pool.Query(ctx, `
		SELECT pv.record_id, src.name, pv.external_id, pv.first_seen, pv.last_seen, pv.source_updated_at
		FROM provenance pv JOIN sources src ON src.id = pv.source_id
		WHERE pv.record_type = $1 AND pv.record_id = ANY($2) AND pv.deleted_at IS NULL
		ORDER BY pv.record_id, pv.first_seen, src.name`, string(t), ids)
	if err != nil {
		return nil, err
	}
	out := make(map[int64][]*hub.Provenance, len(ids))
	var p hub.Provenance
	_, err = pgx.ForEachRow(rows, []any{&p.RecordID, &p.Source, &p.ExternalID, &p.FirstSeen, &p.LastSeen, &p.UpdatedAt}, func() error {
		c := p
		c.RecordType = t
		out[p.RecordID] = append(out[p.RecordID], &c)
		return nil
	})
	return out, err
}
