package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	hub "github.com/birgemiz/hub"
)

// VolunteerService implements hub.VolunteerService: the public part only.
// No statement here reads volunteer_personal.
type VolunteerService struct{ db *DB }

// NewVolunteerService returns a VolunteerService on db.
func NewVolunteerService(db *DB) *VolunteerService { return &VolunteerService{db: db} }

var _ hub.VolunteerService = (*VolunteerService)(nil)

const volunteerColumns = `v.id, v.region_code, v.gender, v.birth_year, v.languages, v.skills, v.directions,
	v.registered_at, v.status, v.created_at, v.updated_at`

func scanVolunteer(row pgx.Row, extra ...any) (*hub.Volunteer, error) {
	var v hub.Volunteer
	var birthYear pgtype.Int2 // see scanProject
	err := row.Scan(append([]any{&v.ID, &v.RegionCode, &v.Gender, &birthYear, &v.Languages, &v.Skills, &v.Directions,
		&v.RegisteredAt, &v.Status, &v.CreatedAt, &v.UpdatedAt}, extra...)...)
	v.BirthYear = valid(int(birthYear.Int16), birthYear.Valid)
	return &v, err
}

// FindVolunteersByIDs returns the live volunteers among ids that scope reads.
func (s *VolunteerService) FindVolunteersByIDs(ctx context.Context, ids []int64, scope hub.PeopleScope) ([]*hub.Volunteer, error) {
	w, err := scopedWhere("v.deleted_at IS NULL", scope, hub.TypeVolunteer, "v.id")
	if err != nil {
		return nil, err
	}
	w.add("v.id = ANY(%s)", ids)
	return queryAll(ctx, s.db.Pool, "SELECT "+volunteerColumns+" FROM volunteers v WHERE "+w.sql(), w.args, scanVolunteer)
}

func volunteerWhere(f hub.VolunteerFilter) (*where, error) {
	if err := f.Validate(); err != nil {
		return nil, err
	}
	w := &where{}
	w.add("v.deleted_at IS NULL")
	if err := scoped(w, f.Scope, hub.TypeVolunteer, "v.id"); err != nil {
		return nil, err
	}
	in(w, "v.id", f.IDs)
	in(w, "v.region_code", f.Regions)
	overlaps(w, "v.directions", f.Directions)
	in(w, "v.status", f.Statuses)
	in(w, "v.gender", f.Genders)
	if len(f.OrganizationIDs) > 0 {
		// A platform's filter reads its own memberships, as its answers show them.
		own := ""
		if !f.Scope.All {
			own = " AND vo.source_id = " + w.arg(f.Scope.SourceID)
		}
		w.add("EXISTS (SELECT 1 FROM volunteer_organizations vo WHERE vo.volunteer_id = v.id AND vo.organization_id = ANY(%s)"+own+")", f.OrganizationIDs)
	}
	fromSourcesIn(w, hub.TypeVolunteer, "v.id", f.Sources, f.Scope)
	within(w, "v.registered_at", f.RegisteredAt)
	return w, nil
}

var volunteerSort = sortSpec{field: "CREATED", expr: "v.id", typ: "bigint"}

// FindVolunteers returns one page of volunteers in the order the hub first saw them.
func (s *VolunteerService) FindVolunteers(ctx context.Context, f hub.VolunteerFilter, p hub.Page) (*hub.Connection[*hub.Volunteer], error) {
	w, err := volunteerWhere(f)
	if err != nil {
		return nil, err
	}
	return findPage(ctx, s.db.Pool, "volunteers v", volunteerColumns, "v.", w, volunteerSort, p, scanVolunteer,
		func(v *hub.Volunteer) int64 { return v.ID })
}

// CountVolunteers returns how many volunteers f selects.
func (s *VolunteerService) CountVolunteers(ctx context.Context, f hub.VolunteerFilter) (int, error) {
	w, err := volunteerWhere(f)
	if err != nil {
		return 0, err
	}
	return s.db.countRecords(ctx, "volunteers v", w)
}

// TotalHours sums each volunteer's hours over the live participations
// scope reads.
func (s *VolunteerService) TotalHours(ctx context.Context, volunteerIDs []int64, scope hub.PeopleScope) (map[int64]float64, error) {
	w, err := scopedWhere("pa.deleted_at IS NULL", scope, hub.TypeParticipation, "pa.id")
	if err != nil {
		return nil, err
	}
	w.add("pa.volunteer_id = ANY(%s)", volunteerIDs)
	rows, err := s.db.Pool.Query(ctx, `
		SELECT pa.volunteer_id, coalesce(sum(pa.hours), 0) FROM participations pa WHERE `+w.sql()+` GROUP BY 1`, w.args...)
	if err != nil {
		return nil, err
	}
	out := make(map[int64]float64, len(volunteerIDs))
	for _, id := range volunteerIDs {
		out[id] = 0
	}
	var id int64
	var h float64
	_, err = pgx.ForEachRow(rows, []any{&id, &h}, func() error { out[id] = h; return nil })
	return out, err
}

// ExportVolunteers streams the public part of every live volunteer scope
// reads (in region, when not empty), in id order, with their total hours,
// number of organizations and sources (for a platform, its own
// participations, memberships and source only), as rows arrive: nothing is
// gathered first. Ages are banded as of now; the birth year never leaves
// the database.
func (s *VolunteerService) ExportVolunteers(ctx context.Context, region string, scope hub.PeopleScope, fn func(*hub.ExportedVolunteer) error) error {
	w, err := scopedWhere("v.deleted_at IS NULL", scope, hub.TypeVolunteer, "v.id")
	if err != nil {
		return err
	}
	if region != "" {
		w.add("v.region_code = %s", region)
	}
	all, src := w.arg(scope.All), w.arg(scope.SourceID)
	year := s.db.Now().Year()
	rows, err := s.db.Pool.Query(ctx, `
		SELECT v.id, v.region_code, v.gender, `+ageBandSQL("v.birth_year", year)+`, v.languages, v.skills, v.directions,
			v.registered_at, v.status,
			coalesce((SELECT sum(pa.hours) FROM participations pa WHERE pa.volunteer_id = v.id AND pa.deleted_at IS NULL
				AND (`+all+` OR pa.source_id = `+src+`)), 0),
			(SELECT count(DISTINCT o.id) FROM volunteer_organizations vo JOIN organizations o ON o.id = vo.organization_id AND o.deleted_at IS NULL
				WHERE vo.volunteer_id = v.id AND (`+all+` OR vo.source_id = `+src+`)),
			ARRAY(SELECT src.name FROM provenance pv JOIN sources src ON src.id = pv.source_id
				WHERE pv.record_type = 'volunteer' AND pv.record_id = v.id AND pv.deleted_at IS NULL
				AND (`+all+` OR pv.source_id = `+src+`) ORDER BY src.name)
		FROM volunteers v
		WHERE `+w.sql()+`
		ORDER BY v.id`, w.args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	var v hub.ExportedVolunteer
	for rows.Next() {
		if err := rows.Scan(&v.ID, &v.RegionCode, &v.Gender, &v.AgeBand, &v.Languages, &v.Skills, &v.Directions,
			&v.RegisteredAt, &v.Status, &v.TotalHours, &v.Organizations, &v.Sources); err != nil {
			return err
		}
		if err := fn(&v); err != nil {
			return err
		}
	}
	return rows.Err()
}
