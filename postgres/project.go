package postgres

import (
	"context"
	"sync"
	"time"

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

// projectScan is scanProject's scratch: the pgtype values a row scans
// into and the destinations that point at them, kept in a pool so that a
// list of hundreds of projects does not allocate each value of each row.
type projectScan struct {
	tkk, tru, ten, dkk, dru, den, locality, grant, url pgtype.Text
	org, grantKZT                                      pgtype.Int8
	lat, lon, hours                                    pgtype.Float8
	start, end                                         pgtype.Date
	needed, engaged, beneficiaries                     pgtype.Int4
	deleted                                            pgtype.Timestamptz
	dest                                               []any
}

var projectScans = sync.Pool{New: func() any { return new(projectScan) }}

// projectOptionals holds a project's nullable values, one allocation for
// all of them; the project points into it.
type projectOptionals struct {
	org, grantKZT                  int64
	lat, lon, hours                float64
	start, end, deleted            time.Time
	needed, engaged, beneficiaries int
}

func scanProject(row pgx.Row, extra ...any) (*hub.Project, error) {
	// pgx fills a **T through reflection, a cost per value that shows in
	// lists of hundreds of projects; pgtype values scan directly.
	s := projectScans.Get().(*projectScan)
	defer func() { clear(s.dest); projectScans.Put(s) }()
	p := new(hub.Project)
	s.dest = append(append(s.dest[:0], &p.ID, &s.org, &s.tkk, &s.tru, &s.ten, &s.dkk, &s.dru,
		&s.den, &p.RegionCode, &s.locality, &s.lat, &s.lon, &p.Directions, &p.Status, &s.start, &s.end,
		&s.needed, &s.engaged, &s.hours, &s.beneficiaries, &s.grant,
		&s.grantKZT, &p.Tags, &s.url, &p.CreatedAt, &p.UpdatedAt, &s.deleted), extra...)
	err := row.Scan(s.dest...)
	p.Title = hub.LocalizedText{KK: s.tkk.String, RU: s.tru.String, EN: s.ten.String}
	p.Description = hub.LocalizedText{KK: s.dkk.String, RU: s.dru.String, EN: s.den.String}
	p.Locality, p.GrantProgramme, p.URL = s.locality.String, s.grant.String, s.url.String
	o := new(projectOptionals)
	p.OrganizationID, p.GrantAmountKZT = set(&o.org, s.org.Int64, s.org.Valid), set(&o.grantKZT, s.grantKZT.Int64, s.grantKZT.Valid)
	p.Lat, p.Lon = set(&o.lat, s.lat.Float64, s.lat.Valid), set(&o.lon, s.lon.Float64, s.lon.Valid)
	p.VolunteerHours = set(&o.hours, s.hours.Float64, s.hours.Valid)
	p.StartDate, p.EndDate = set(&o.start, s.start.Time, s.start.Valid), set(&o.end, s.end.Time, s.end.Valid)
	p.VolunteersNeeded = set(&o.needed, int(s.needed.Int32), s.needed.Valid)
	p.VolunteersEngaged = set(&o.engaged, int(s.engaged.Int32), s.engaged.Valid)
	p.Beneficiaries = set(&o.beneficiaries, int(s.beneficiaries.Int32), s.beneficiaries.Valid)
	p.DeletedAt = set(&o.deleted, s.deleted.Time, s.deleted.Valid)
	return p, err
}

// set stores v in *dst and returns dst when ok, else nil: valid without an
// allocation of its own, for values kept together in one.
func set[T any](dst *T, v T, ok bool) *T {
	if !ok {
		return nil
	}
	*dst = v
	return dst
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
