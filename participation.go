package hub

import (
	"context"
	"time"
)

// Participation is a volunteer's part in a project.
type Participation struct {
	ID          int64
	VolunteerID *int64 // nil until the volunteer is known to the hub
	ProjectID   *int64 // nil until the project is known to the hub
	Role        string
	Hours       *float64
	StartDate   *time.Time
	EndDate     *time.Time
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// Validate reports every problem with p as field errors.
func (p *Participation) Validate() error {
	var fe FieldErrors
	checkText(&fe, "role", p.Role, MaxShortTextLen)
	checkNonNegative(&fe, "hours", p.Hours)
	if p.Hours != nil && *p.Hours > 100_000 {
		fe.Add("hours", "%.0f hours is more than a person can give", *p.Hours)
	}
	checkDate(&fe, "start_date", p.StartDate)
	checkDate(&fe, "end_date", p.EndDate)
	checkDateOrder(&fe, "start_date", p.StartDate, p.EndDate)
	return fe.Err()
}

// ParticipationService reads participations, always in sets, and only
// those a PeopleScope reads (a platform's: the ones its source sent).
// Errors: EFORBIDDEN for the zero scope.
type ParticipationService interface {
	// FindParticipationsByVolunteers returns each volunteer's first p.First
	// participations after p.After, newest first, in one query.
	FindParticipationsByVolunteers(ctx context.Context, volunteerIDs []int64, p Page, scope PeopleScope) (map[int64]*Connection[*Participation], error)
	// FindParticipationsByProjects does the same per project.
	FindParticipationsByProjects(ctx context.Context, projectIDs []int64, p Page, scope PeopleScope) (map[int64]*Connection[*Participation], error)
	// CountParticipationsByVolunteers returns each volunteer's number of live participations.
	CountParticipationsByVolunteers(ctx context.Context, volunteerIDs []int64, scope PeopleScope) (map[int64]int, error)
	// CountParticipationsByProjects returns each project's number of live participations.
	CountParticipationsByProjects(ctx context.Context, projectIDs []int64, scope PeopleScope) (map[int64]int, error)
	// FindParticipationsByIDs returns the live participations among ids, in any order.
	FindParticipationsByIDs(ctx context.Context, ids []int64, scope PeopleScope) ([]*Participation, error)
}
