package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	hub "github.com/birgemiz/hub"
)

// IndicatorService implements hub.IndicatorService.
type IndicatorService struct{ db *DB }

// NewIndicatorService returns an IndicatorService on db.
func NewIndicatorService(db *DB) *IndicatorService { return &IndicatorService{db: db} }

var _ hub.IndicatorService = (*IndicatorService)(nil)

// MaxIndicators caps one indicators answer; the list is not paginated (SPEC).
const MaxIndicators = 1000

const indicatorColumns = `i.id, i.metric, i.value, i.unit, i.period, i.period_start, i.period_end, i.region_code, src.name,
	i.citation_url, i.note_kk, i.note_ru, i.note_en, i.created_at, i.updated_at`

const indicatorFrom = "indicators i JOIN sources src ON src.id = i.source_id"

func scanIndicator(row pgx.Row, extra ...any) (*hub.Indicator, error) {
	var i hub.Indicator
	var unit, region, citation, kk, ru, en *string
	err := row.Scan(append([]any{&i.ID, &i.Metric, &i.Value, &unit, &i.Period, &i.PeriodStart, &i.PeriodEnd, &region, &i.Source,
		&citation, &kk, &ru, &en, &i.CreatedAt, &i.UpdatedAt}, extra...)...)
	i.Unit, i.RegionCode, i.CitationURL = deref(unit), deref(region), deref(citation)
	i.Note = hub.LocalizedText{KK: deref(kk), RU: deref(ru), EN: deref(en)}
	return &i, err
}

// FindIndicators returns the live indicators f selects, by metric, period and region.
func (s *IndicatorService) FindIndicators(ctx context.Context, f hub.IndicatorFilter) ([]*hub.Indicator, error) {
	if err := f.Validate(); err != nil {
		return nil, err
	}
	w := &where{}
	w.add("i.deleted_at IS NULL")
	in(w, "i.metric", f.Metrics)
	in(w, "i.region_code", f.Regions)
	in(w, "src.name", f.Sources)
	activeDuring(w, "i.period_start", "i.period_end", f.Period)
	return queryAll(ctx, s.db.Pool, fmt.Sprintf("SELECT %s FROM %s WHERE %s ORDER BY i.metric, i.period_start, i.region_code NULLS FIRST, i.id LIMIT %d",
		indicatorColumns, indicatorFrom, w.sql(), MaxIndicators), w.args, scanIndicator)
}

// FindIndicatorsByIDs returns the live indicators among ids.
func (s *IndicatorService) FindIndicatorsByIDs(ctx context.Context, ids []int64) ([]*hub.Indicator, error) {
	return findByIDs(ctx, s.db.Pool, indicatorFrom, indicatorColumns, "i.", ids, scanIndicator)
}
