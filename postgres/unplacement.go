package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"

	hub "github.com/birgemiz/hub"
)

// UNPlacementService implements hub.UNPlacementService.
type UNPlacementService struct{ db *DB }

// NewUNPlacementService returns a UNPlacementService on db.
func NewUNPlacementService(db *DB) *UNPlacementService { return &UNPlacementService{db: db} }

var _ hub.UNPlacementService = (*UNPlacementService)(nil)

const unPlacementColumns = `u.id, u.volunteer_id, u.host_entity, u.country, u.duty_station, u.title_kk, u.title_ru,
	u.title_en, u.category, u.funding, u.start_date, u.end_date, u.status, u.sdgs, u.created_at, u.updated_at, u.deleted_at`

func scanUNPlacement(row pgx.Row, extra ...any) (*hub.UNPlacement, error) {
	var u hub.UNPlacement
	var station, kk, ru, en, category, funding *string
	var sdgs []int16
	err := row.Scan(append([]any{&u.ID, &u.VolunteerID, &u.HostEntity, &u.Country, &station, &kk, &ru,
		&en, &category, &funding, &u.StartDate, &u.EndDate, &u.Status, &sdgs, &u.CreatedAt, &u.UpdatedAt, &u.DeletedAt}, extra...)...)
	u.DutyStation, u.Category, u.Funding = deref(station), deref(category), deref(funding)
	u.Title = hub.LocalizedText{KK: deref(kk), RU: deref(ru), EN: deref(en)}
	u.SDGs = make([]int, len(sdgs))
	for i, g := range sdgs {
		u.SDGs[i] = int(g)
	}
	return &u, err
}

// FindUNPlacementsByIDs returns the live placements among ids that scope reads.
func (s *UNPlacementService) FindUNPlacementsByIDs(ctx context.Context, ids []int64, scope hub.PeopleScope) ([]*hub.UNPlacement, error) {
	w, err := scopedWhere("u.deleted_at IS NULL", scope, hub.TypeUNPlacement, "u.id")
	if err != nil {
		return nil, err
	}
	w.add("u.id = ANY(%s)", ids)
	return queryAll(ctx, s.db.reader(ctx), "SELECT "+unPlacementColumns+" FROM un_placements u WHERE "+w.sql(), w.args, scanUNPlacement)
}

func unPlacementWhere(f hub.UNPlacementFilter) (*where, error) {
	if err := f.Validate(); err != nil {
		return nil, err
	}
	w := &where{}
	deletion(w, "u", f.Deletion)
	if err := scoped(w, f.Scope, hub.TypeUNPlacement, "u.id"); err != nil {
		return nil, err
	}
	in(w, "u.id", f.IDs)
	in(w, "u.country", f.Countries)
	in(w, "u.host_entity", f.HostEntities)
	in(w, "u.category", f.Categories)
	in(w, "u.status", f.Statuses)
	fromSourcesIn(w, hub.TypeUNPlacement, "u.id", f.Sources, f.Scope)
	within(w, "u.start_date", f.StartDate)
	activeDuring(w, "u.start_date", "u.end_date", f.ActiveDuring)
	return w, nil
}

var unPlacementSort = sortSpec{field: "CREATED", expr: "u.id", typ: "bigint"}

// FindUNPlacements returns one page of placements in the order the hub first saw them.
func (s *UNPlacementService) FindUNPlacements(ctx context.Context, f hub.UNPlacementFilter, p hub.Page) (*hub.Connection[*hub.UNPlacement], error) {
	w, err := unPlacementWhere(f)
	if err != nil {
		return nil, err
	}
	return findPage(ctx, s.db.Pool, "un_placements u", unPlacementColumns, "u.", w, unPlacementSort, p, scanUNPlacement,
		func(u *hub.UNPlacement) int64 { return u.ID })
}

// CountUNPlacements returns how many placements f selects.
func (s *UNPlacementService) CountUNPlacements(ctx context.Context, f hub.UNPlacementFilter) (int, error) {
	w, err := unPlacementWhere(f)
	if err != nil {
		return 0, err
	}
	return s.db.countRecords(ctx, "un_placements u", w)
}

// FindUNPlacementsByVolunteers returns each volunteer's live placements
// that scope reads.
func (s *UNPlacementService) FindUNPlacementsByVolunteers(ctx context.Context, volunteerIDs []int64, scope hub.PeopleScope) (map[int64][]*hub.UNPlacement, error) {
	w, err := scopedWhere("u.deleted_at IS NULL", scope, hub.TypeUNPlacement, "u.id")
	if err != nil {
		return nil, err
	}
	w.add("u.volunteer_id = ANY(%s)", volunteerIDs)
	all, err := queryAll(ctx, s.db.Pool, "SELECT "+unPlacementColumns+" FROM un_placements u WHERE "+w.sql()+" ORDER BY u.id", w.args, scanUNPlacement)
	if err != nil {
		return nil, err
	}
	out := make(map[int64][]*hub.UNPlacement, len(volunteerIDs))
	for _, u := range all {
		out[*u.VolunteerID] = append(out[*u.VolunteerID], u)
	}
	return out, nil
}
