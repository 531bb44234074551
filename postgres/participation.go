package postgres

import (
	"context"

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

func scanParticipation(row pgx.Row, extra ...any) (*hub.Participation, error) {
	var p hub.Participation
	var role pgtype.Text // see scanProject
	var volunteer, project pgtype.Int8
	var hours pgtype.Float8
	var start, end pgtype.Date
	err := row.Scan(append([]any{&p.ID, &volunteer, &project, &role, &hours, &start, &end,
		&p.CreatedAt, &p.UpdatedAt}, extra...)...)
	p.Role = role.String
	p.VolunteerID, p.ProjectID = valid(volunteer.Int64, volunteer.Valid), valid(project.Int64, project.Valid)
	p.Hours, p.StartDate, p.EndDate = valid(hours.Float64, hours.Valid), valid(start.Time, start.Valid), valid(end.Time, end.Valid)
	return &p, err
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
