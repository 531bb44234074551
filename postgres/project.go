package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	hub "github.com/birgemiz/hub"
)

// ProjectService implements hub.ProjectService.
type ProjectService struct{ db *DB }

// NewProjectService returns a ProjectService on db.
func NewProjectService(db *DB) *ProjectService { return &ProjectService{db: db} }

var _ hub.ProjectService = (*ProjectService)(nil)

// projectColumns is a read of projects in scanProject's order; the
// descriptions sit between projectHead and projectTail.
const (
	projectHead = `p.id, p.organization_id, p.title_kk, p.title_ru, p.title_en, `
	projectTail = `, p.region_code, p.locality, p.lat, p.lon, p.directions, p.status, p.start_date, p.end_date,
	p.volunteers_needed, p.volunteers_engaged, p.volunteer_hours, p.beneficiaries, p.grant_programme,
	p.grant_amount_kzt, p.tags, p.url, p.created_at, p.updated_at, p.deleted_at`
	projectColumns      = projectHead + `p.description_kk, p.description_ru, p.description_en` + projectTail
	briefProjectColumns = projectHead + `NULL::text, NULL::text, NULL::text` + projectTail // under hub.WithoutDescriptions
)

// projectCols is the projection of a read of projects under ctx.
func projectCols(ctx context.Context) string {
	if hub.DescriptionsOmitted(ctx) {
		return briefProjectColumns
	}
	return projectColumns
}

func scanProject(row pgx.Row, extra ...any) (*hub.Project, error) {
	// pgx fills a **T through reflection, a cost per value that shows in
	// lists of hundreds of projects; pgtype values scan directly.
	var p hub.Project
	var tkk, tru, ten, dkk, dru, den, locality, grant, url pgtype.Text
	var org, grantKZT pgtype.Int8
	var lat, lon, hours pgtype.Float8
	var start, end pgtype.Date
	var needed, engaged, beneficiaries pgtype.Int4
	var deleted pgtype.Timestamptz
	err := row.Scan(append([]any{&p.ID, &org, &tkk, &tru, &ten, &dkk, &dru,
		&den, &p.RegionCode, &locality, &lat, &lon, &p.Directions, &p.Status, &start, &end,
		&needed, &engaged, &hours, &beneficiaries, &grant,
		&grantKZT, &p.Tags, &url, &p.CreatedAt, &p.UpdatedAt, &deleted}, extra...)...)
	p.Title = hub.LocalizedText{KK: tkk.String, RU: tru.String, EN: ten.String}
	p.Description = hub.LocalizedText{KK: dkk.String, RU: dru.String, EN: den.String}
	p.Locality, p.GrantProgramme, p.URL = locality.String, grant.String, url.String
	p.OrganizationID, p.GrantAmountKZT = valid(org.Int64, org.Valid), valid(grantKZT.Int64, grantKZT.Valid)
	p.Lat, p.Lon, p.VolunteerHours = valid(lat.Float64, lat.Valid), valid(lon.Float64, lon.Valid), valid(hours.Float64, hours.Valid)
	p.StartDate, p.EndDate = valid(start.Time, start.Valid), valid(end.Time, end.Valid)
	p.VolunteersNeeded, p.VolunteersEngaged = valid(int(needed.Int32), needed.Valid), valid(int(engaged.Int32), engaged.Valid)
	p.Beneficiaries = valid(int(beneficiaries.Int32), beneficiaries.Valid)
	p.DeletedAt = valid(deleted.Time, deleted.Valid)
	return &p, err
}

// valid returns &v when ok, else nil: a nullable column scanned into a
// pgtype value, as the domain's pointer.
func valid[T any](v T, ok bool) *T {
	if !ok {
		return nil
	}
	return &v
}

// FindProjectsByIDs returns the live projects among ids.
func (s *ProjectService) FindProjectsByIDs(ctx context.Context, ids []int64) ([]*hub.Project, error) {
	return findByIDs(ctx, s.db.reader(ctx), "projects p", projectCols(ctx), "p.", ids, scanProject)
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
	return findPage(ctx, s.db.Pool, "projects p", projectCols(ctx), "p.", w, sort, p, scanProject, projectID)
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
	return findPagesByParent(ctx, s.db.Pool, "projects p", projectCols(ctx), "p.", "organization_id", orgIDs, w, sort, p,
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
