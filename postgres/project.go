package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"

	hub "github.com/birgemiz/hub"
)

// ProjectService implements hub.ProjectService.
type ProjectService struct{ db *DB }

// NewProjectService returns a ProjectService on db.
func NewProjectService(db *DB) *ProjectService { return &ProjectService{db: db} }

var _ hub.ProjectService = (*ProjectService)(nil)

const projectColumns = `p.id, p.organization_id, p.title_kk, p.title_ru, p.title_en, p.description_kk, p.description_ru,
	p.description_en, p.region_code, p.locality, p.lat, p.lon, p.directions, p.status, p.start_date, p.end_date,
	p.volunteers_needed, p.volunteers_engaged, p.volunteer_hours, p.beneficiaries, p.grant_programme,
	p.grant_amount_kzt, p.tags, p.url, p.created_at, p.updated_at, p.deleted_at`

func scanProject(row pgx.Row, extra ...any) (*hub.Project, error) {
	var p hub.Project
	var tkk, tru, ten, dkk, dru, den, locality, grant, url *string
	err := row.Scan(append([]any{&p.ID, &p.OrganizationID, &tkk, &tru, &ten, &dkk, &dru,
		&den, &p.RegionCode, &locality, &p.Lat, &p.Lon, &p.Directions, &p.Status, &p.StartDate, &p.EndDate,
		&p.VolunteersNeeded, &p.VolunteersEngaged, &p.VolunteerHours, &p.Beneficiaries, &grant,
		&p.GrantAmountKZT, &p.Tags, &url, &p.CreatedAt, &p.UpdatedAt, &p.DeletedAt}, extra...)...)
	p.Title = hub.LocalizedText{KK: deref(tkk), RU: deref(tru), EN: deref(ten)}
	p.Description = hub.LocalizedText{KK: deref(dkk), RU: deref(dru), EN: deref(den)}
	p.Locality, p.GrantProgramme, p.URL = deref(locality), deref(grant), deref(url)
	return &p, err
}

// FindProjectsByIDs returns the live projects among ids.
func (s *ProjectService) FindProjectsByIDs(ctx context.Context, ids []int64) ([]*hub.Project, error) {
	return findByIDs(ctx, s.db.reader(ctx), "projects p", projectColumns, "p.", ids, scanProject)
}

func projectWhere(f hub.ProjectFilter) (*where, error) {
	if err := f.Validate(); err != nil {
		return nil, err
	}
	w := &where{}
	deletion(w, "p", f.Deletion)
	in(w, "p.id", f.IDs)
	in(w, "p.region_code", f.Regions)
	overlaps(w, "p.directions", f.Directions)
	in(w, "p.status", f.Statuses)
	in(w, "p.organization_id", f.OrganizationIDs)
	fromSources(w, hub.TypeProject, "p.id", f.Sources)
	within(w, "p.start_date", f.StartDate)
	activeDuring(w, "p.start_date", "p.end_date", f.ActiveDuring)
	return w, nil
}

func projectSort(o hub.ProjectOrder) (sortSpec, error) {
	s := sortSpec{field: string(o.Field), desc: o.Desc}
	switch o.Field {
	case hub.ProjectOrderCreated, "":
		s.field, s.expr, s.typ = string(hub.ProjectOrderCreated), "p.id", "bigint"
	case hub.ProjectOrderTitle:
		s.expr, s.typ = "p.sort_title", "text"
	case hub.ProjectOrderStartDate:
		s.expr, s.typ = nullsLast("p.start_date", "date", o.Desc), "date"
	case hub.ProjectOrderVolunteersEngaged:
		s.expr, s.typ = nullsLast(publishedPeople("p.volunteers_engaged"), "integer", o.Desc), "integer"
	case hub.ProjectOrderUpdated:
		s.expr, s.typ = "p.updated_at", "timestamptz"
	default:
		return s, hub.Errorf(hub.EINVALID, "cannot order projects by %q", o.Field)
	}
	return s, nil
}

// FindProjects returns one page of projects.
func (s *ProjectService) FindProjects(ctx context.Context, f hub.ProjectFilter, o hub.ProjectOrder, p hub.Page) (*hub.Connection[*hub.Project], error) {
	w, err := projectWhere(f)
	if err != nil {
		return nil, err
	}
	sort, err := projectSort(o)
	if err != nil {
		return nil, err
	}
	return findPage(ctx, s.db.Pool, "projects p", projectColumns, "p.", w, sort, p, scanProject, projectID)
}

// CountProjects returns how many projects f selects.
func (s *ProjectService) CountProjects(ctx context.Context, f hub.ProjectFilter) (int, error) {
	w, err := projectWhere(f)
	if err != nil {
		return 0, err
	}
	return s.db.countRecords(ctx, "projects p", w)
}

// FindProjectsByOrganizations returns each organization's first page of projects.
func (s *ProjectService) FindProjectsByOrganizations(ctx context.Context, orgIDs []int64, f hub.ProjectFilter, o hub.ProjectOrder, p hub.Page) (map[int64]*hub.Connection[*hub.Project], error) {
	w, err := projectWhere(f)
	if err != nil {
		return nil, err
	}
	sort, err := projectSort(o)
	if err != nil {
		return nil, err
	}
	return findPagesByParent(ctx, s.db.Pool, "projects p", projectColumns, "p.", "organization_id", orgIDs, w, sort, p,
		scanProject, projectID, func(p *hub.Project) int64 { return *p.OrganizationID })
}

// CountProjectsByOrganizations returns each organization's number of projects f selects.
func (s *ProjectService) CountProjectsByOrganizations(ctx context.Context, orgIDs []int64, f hub.ProjectFilter) (map[int64]int, error) {
	w, err := projectWhere(f)
	if err != nil {
		return nil, err
	}
	return countByParent(ctx, s.db.Pool, "projects p", "p.organization_id", orgIDs, w)
}

func projectID(p *hub.Project) int64 { return p.ID }
