package postgres

import (
	"context"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	hub "github.com/birgemiz/hub"
)

// ParticipationService implements hub.ParticipationService.
type ParticipationService struct{ db *DB }

// NewParticipationService returns a ParticipationService on db.
func NewParticipationService(db *DB) *ParticipationService { return &ParticipationService{db: db} }

var _ hub.ParticipationService = (*ParticipationService)(nil)

const participationColumns = `pa.id, pa.volunteer_id, pa.project_id, pa.role, pa.hours, pa.start_date, pa.end_date,
	pa.created_at, pa.updated_at`

// participationScan is scanParticipation's pooled scratch (see projectScan).
type participationScan struct {
	role               pgtype.Text
	volunteer, project pgtype.Int8
	hours              pgtype.Float8
	start, end         pgtype.Date
	dest               []any
}

var participationScans = sync.Pool{New: func() any { return new(participationScan) }}

// participationOptionals holds a participation's nullable values.
type participationOptionals struct {
	volunteer, project int64
	hours              float64
	start, end         time.Time
}

func scanParticipation(row pgx.Row, extra ...any) (*hub.Participation, error) {
	s := participationScans.Get().(*participationScan)
	defer func() { clear(s.dest); participationScans.Put(s) }()
	p := new(hub.Participation)
	s.dest = append(append(s.dest[:0], &p.ID, &s.volunteer, &s.project, &s.role, &s.hours, &s.start, &s.end,
		&p.CreatedAt, &p.UpdatedAt), extra...)
	err := row.Scan(s.dest...)
	p.Role = s.role.String
	o := new(participationOptionals)
	p.VolunteerID, p.ProjectID = set(&o.volunteer, s.volunteer.Int64, s.volunteer.Valid), set(&o.project, s.project.Int64, s.project.Valid)
	p.Hours = set(&o.hours, s.hours.Float64, s.hours.Valid)
	p.StartDate, p.EndDate = set(&o.start, s.start.Time, s.start.Valid), set(&o.end, s.end.Time, s.end.Valid)
	return p, err
}

// Participations list newest first.
var participationSort = sortSpec{field: "CREATED", expr: "pa.id", typ: "bigint", desc: true}

// liveParticipations selects the live participations scope reads.
func liveParticipations(scope hub.PeopleScope) (*where, error) {
	return scopedWhere("pa.deleted_at IS NULL", scope, hub.TypeParticipation, "pa.id")
}

// FindParticipationsByVolunteers returns each volunteer's first page of participations.
func (s *ParticipationService) FindParticipationsByVolunteers(ctx context.Context, volunteerIDs []int64, p hub.Page, scope hub.PeopleScope) (map[int64]*hub.Connection[*hub.Participation], error) {
	w, err := liveParticipations(scope)
	if err != nil {
		return nil, err
	}
	return findPagesByParent(ctx, s.db.Pool, "participations pa", participationColumns, "pa.", "volunteer_id", volunteerIDs,
		w, participationSort, p, scanParticipation, participationID,
		func(p *hub.Participation) int64 { return *p.VolunteerID })
}

// FindParticipationsByProjects returns each project's first page of participations.
func (s *ParticipationService) FindParticipationsByProjects(ctx context.Context, projectIDs []int64, p hub.Page, scope hub.PeopleScope) (map[int64]*hub.Connection[*hub.Participation], error) {
	w, err := liveParticipations(scope)
	if err != nil {
		return nil, err
	}
	return findPagesByParent(ctx, s.db.Pool, "participations pa", participationColumns, "pa.", "project_id", projectIDs,
		w, participationSort, p, scanParticipation, participationID,
		func(p *hub.Participation) int64 { return *p.ProjectID })
}

// CountParticipationsByVolunteers returns each volunteer's number of live participations.
func (s *ParticipationService) CountParticipationsByVolunteers(ctx context.Context, volunteerIDs []int64, scope hub.PeopleScope) (map[int64]int, error) {
	w, err := liveParticipations(scope)
	if err != nil {
		return nil, err
	}
	return countByParent(ctx, s.db.Pool, "participations pa", "pa.volunteer_id", volunteerIDs, w)
}

// CountParticipationsByProjects returns each project's number of live participations.
func (s *ParticipationService) CountParticipationsByProjects(ctx context.Context, projectIDs []int64, scope hub.PeopleScope) (map[int64]int, error) {
	w, err := liveParticipations(scope)
	if err != nil {
		return nil, err
	}
	return countByParent(ctx, s.db.Pool, "participations pa", "pa.project_id", projectIDs, w)
}

// FindParticipationsByIDs returns the live participations among ids.
func (s *ParticipationService) FindParticipationsByIDs(ctx context.Context, ids []int64, scope hub.PeopleScope) ([]*hub.Participation, error) {
	w, err := liveParticipations(scope)
	if err != nil {
		return nil, err
	}
	w.add("pa.id = ANY(%s)", ids)
	return queryAll(ctx, s.db.Pool, "SELECT "+participationColumns+" FROM participations pa WHERE "+w.sql(), w.args, scanParticipation)
}

func participationID(p *hub.Participation) int64 { return p.ID }
