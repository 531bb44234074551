package postgres

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	hub "github.com/birgemiz/hub"
)

// OrganizationService implements hub.OrganizationService.
type OrganizationService struct{ db *DB }

// NewOrganizationService returns an OrganizationService on db.
func NewOrganizationService(db *DB) *OrganizationService { return &OrganizationService{db: db} }

var _ hub.OrganizationService = (*OrganizationService)(nil)

const orgColumns = `o.id, o.name_kk, o.name_ru, o.name_en, o.bin, o.kind, o.region_code, o.directions, o.website,
	o.contact_email, o.contact_phone, o.founded, o.volunteer_count, o.created_at, o.updated_at, o.deleted_at`

// organizationScan is scanOrganization's pooled scratch (see projectScan).
type organizationScan struct {
	kk, ru, en, bin, region, website, email, phone pgtype.Text
	founded                                        pgtype.Date
	volunteers                                     pgtype.Int4
	deleted                                        pgtype.Timestamptz
	dest                                           []any
}

var organizationScans = sync.Pool{New: func() any { return new(organizationScan) }}

// organizationOptionals holds an organization's nullable values.
type organizationOptionals struct {
	founded, deleted time.Time
	volunteers       int
}

func scanOrganization(row pgx.Row, extra ...any) (*hub.Organization, error) {
	s := organizationScans.Get().(*organizationScan)
	defer func() { clear(s.dest); organizationScans.Put(s) }()
	o := new(hub.Organization)
	s.dest = append(append(s.dest[:0], &o.ID, &s.kk, &s.ru, &s.en, &s.bin, &o.Kind, &s.region, &o.Directions, &s.website,
		&s.email, &s.phone, &s.founded, &s.volunteers, &o.CreatedAt, &o.UpdatedAt, &s.deleted), extra...)
	err := row.Scan(s.dest...)
	o.Name = hub.LocalizedText{KK: s.kk.String, RU: s.ru.String, EN: s.en.String}
	o.BIN, o.RegionCode, o.Website, o.ContactEmail, o.ContactPhone = s.bin.String, s.region.String, s.website.String, s.email.String, s.phone.String
	opt := new(organizationOptionals)
	o.Founded, o.DeletedAt = set(&opt.founded, s.founded.Time, s.founded.Valid), set(&opt.deleted, s.deleted.Time, s.deleted.Valid)
	o.VolunteerCount = set(&opt.volunteers, int(s.volunteers.Int32), s.volunteers.Valid)
	return o, err
}

// FindOrganizationsByIDs returns the live organizations among ids.
func (s *OrganizationService) FindOrganizationsByIDs(ctx context.Context, ids []int64) ([]*hub.Organization, error) {
	return findByIDs(ctx, s.db.reader(ctx), "organizations o", orgColumns, "o.", ids, scanOrganization)
}

func orgWhere(f hub.OrganizationFilter) (*where, error) {
	if err := f.Validate(); err != nil {
		return nil, err
	}
	w := &where{}
	deletion(w, "o", f.Deletion)
	in(w, "o.id", f.IDs)
	in(w, "o.region_code", f.Regions)
	overlaps(w, "o.directions", f.Directions)
	in(w, "o.kind", f.Kinds)
	in(w, "o.bin", f.BINs)
	fromSources(w, hub.TypeOrganization, "o.id", f.Sources)
	within(w, "o.founded", f.Founded)
	return w, nil
}

func orgSort(o hub.OrganizationOrder) (sortSpec, error) {
	s := sortSpec{field: string(o.Field), desc: o.Desc}
	switch o.Field {
	case hub.OrgOrderCreated, "":
		s.field, s.expr, s.typ = string(hub.OrgOrderCreated), "o.id", "bigint"
	case hub.OrgOrderName:
		s.expr, s.typ = "o.sort_name", "text"
	case hub.OrgOrderFounded:
		s.expr, s.typ = nullsLast("o.founded", "date", o.Desc), "date"
	case hub.OrgOrderVolunteerCount:
		s.expr, s.typ = nullsLast(publishedPeople("o.volunteer_count"), "integer", o.Desc), "integer"
	default:
		return s, hub.Errorf(hub.EINVALID, "cannot order organizations by %q", o.Field)
	}
	return s, nil
}

// FindOrganizations returns one page of organizations.
func (s *OrganizationService) FindOrganizations(ctx context.Context, f hub.OrganizationFilter, o hub.OrganizationOrder, p hub.Page) (*hub.Connection[*hub.Organization], error) {
	w, err := orgWhere(f)
	if err != nil {
		return nil, err
	}
	sort, err := orgSort(o)
	if err != nil {
		return nil, err
	}
	return findPage(ctx, s.db.Pool, "organizations o", orgColumns, "o.", w, sort, p, scanOrganization, orgID)
}

// CountOrganizations returns how many organizations f selects.
func (s *OrganizationService) CountOrganizations(ctx context.Context, f hub.OrganizationFilter) (int, error) {
	w, err := orgWhere(f)
	if err != nil {
		return 0, err
	}
	return s.db.countRecords(ctx, "organizations o", w)
}

// FindOrganizationsForVolunteers returns each volunteer's live
// organizations, by name, through the memberships scope reads (a platform:
// those its source sent).
func (s *OrganizationService) FindOrganizationsForVolunteers(ctx context.Context, volunteerIDs []int64, scope hub.PeopleScope) (map[int64][]*hub.Organization, error) {
	if err := scope.Check(); err != nil {
		return nil, err
	}
	rows, err := s.db.Pool.Query(ctx, `
		SELECT DISTINCT ON (vo.volunteer_id, o.sort_name, o.id) `+orgColumns+`, vo.volunteer_id
		FROM volunteer_organizations vo JOIN organizations o ON o.id = vo.organization_id
		WHERE vo.volunteer_id = ANY($1) AND o.deleted_at IS NULL AND ($2 OR vo.source_id = $3)
		ORDER BY vo.volunteer_id, o.sort_name, o.id`, volunteerIDs, scope.All, scope.SourceID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := make(map[int64][]*hub.Organization, len(volunteerIDs))
	var vid int64
	for rows.Next() {
		o, err := scanOrganization(rows, &vid)
		if err != nil {
			return nil, err
		}
		out[vid] = append(out[vid], o)
	}
	return out, rows.Err()
}

func orgID(o *hub.Organization) int64 { return o.ID }

// publishedPeople is a count of people as everyone but admins reads it
// (@peopleCount): NULL for 1 to MinPublishedPeople-1. Lists order by it, for
// admins too, so neither the order nor a cursor's key tells a hidden count,
// and a hand-made cursor finds nothing about one.
func publishedPeople(col string) string {
	return fmt.Sprintf("(CASE WHEN %s BETWEEN 1 AND %d THEN NULL ELSE %s END)", col, hub.MinPublishedPeople-1, col)
}

// nullsLast wraps a nullable sort column so NULLs sort after every value
// in either direction and keysets never compare NULL.
func nullsLast(col, typ string, desc bool) string {
	sentinel := map[string][2]string{
		"date":    {"'infinity'::date", "'-infinity'::date"},
		"integer": {"2147483647", "-2147483648"},
		"bigint":  {"9223372036854775807", "-9223372036854775808"},
		"float":   {"'Infinity'::float8", "'-Infinity'::float8"},
	}[typ]
	if desc {
		return "coalesce(" + col + ", " + sentinel[1] + ")"
	}
	return "coalesce(" + col + ", " + sentinel[0] + ")"
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
