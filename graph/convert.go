package graph

import (
	"context"
	"encoding/json"
	"strings"

	hub "github.com/birgemiz/hub"
)

// Argument parsing and the small adapters resolvers share. Resolvers stay
// one or two lines: parse here, call a service or loader, return.

// nullable maps "" to null: absent text is null, not "".
func nullable(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func page(first *int, after *string, def int) hub.Page {
	p := hub.Page{First: def}
	if first != nil {
		p.First = *first
	}
	if after != nil {
		p.After = *after
	}
	return p
}

func dateRange(r *DateRange) hub.DateRange {
	if r == nil {
		return hub.DateRange{}
	}
	return hub.DateRange{From: r.From, To: r.To}
}

func orgFilter(f *OrganizationFilter) hub.OrganizationFilter {
	if f == nil {
		return hub.OrganizationFilter{}
	}
	return hub.OrganizationFilter{Regions: upperCodes(f.Region), Directions: upperCodes(f.Direction), Kinds: f.Kind, BINs: f.Bin,
		Sources: f.Source, Founded: dateRange(f.Founded), Deletion: deletionOf(f.Deletion)}
}

// deletionOf is the filter's deletion; @hasRole lets only admins set it.
func deletionOf(d *hub.Deletion) hub.Deletion {
	if d == nil {
		return hub.DeletionLive
	}
	return *d
}

func orgOrder(o *OrganizationOrder) hub.OrganizationOrder {
	if o == nil {
		return hub.OrganizationOrder{Field: hub.OrgOrderCreated}
	}
	return hub.OrganizationOrder{Field: o.Field, Desc: o.Direction != nil && *o.Direction == SortDirectionDesc}
}

func projectFilter(f *ProjectFilter) (hub.ProjectFilter, error) {
	if f == nil {
		return hub.ProjectFilter{}, nil
	}
	orgs, err := parseTypedIDs(f.Organization, typeOrganization)
	return hub.ProjectFilter{Regions: upperCodes(f.Region), Directions: upperCodes(f.Direction), Statuses: f.Status, OrganizationIDs: orgs,
		Sources: f.Source, StartDate: dateRange(f.StartDate), ActiveDuring: dateRange(f.ActiveDuring), Deletion: deletionOf(f.Deletion)}, err
}

func projectOrder(o *ProjectOrder) hub.ProjectOrder {
	if o == nil {
		return hub.ProjectOrder{Field: hub.ProjectOrderCreated}
	}
	return hub.ProjectOrder{Field: o.Field, Desc: o.Direction != nil && *o.Direction == SortDirectionDesc}
}

// volunteerFilter converts the filter, reading within scope.
func volunteerFilter(f *VolunteerFilter, scope hub.PeopleScope) (hub.VolunteerFilter, error) {
	if f == nil {
		return hub.VolunteerFilter{Scope: scope}, nil
	}
	orgs, err := parseTypedIDs(f.Organization, typeOrganization)
	return hub.VolunteerFilter{Regions: upperCodes(f.Region), Directions: upperCodes(f.Direction), Statuses: f.Status, Genders: f.Gender,
		OrganizationIDs: orgs, Sources: f.Source, RegisteredAt: dateRange(f.RegisteredAt), Scope: scope}, err
}

// unPlacementFilter converts the filter, reading within scope.
func unPlacementFilter(f *UNPlacementFilter, scope hub.PeopleScope) hub.UNPlacementFilter {
	if f == nil {
		return hub.UNPlacementFilter{Scope: scope}
	}
	return hub.UNPlacementFilter{Countries: upperCodes(f.Country), HostEntities: f.HostEntity, Categories: f.Category,
		Statuses: f.Status, Sources: f.Source, StartDate: dateRange(f.StartDate), ActiveDuring: dateRange(f.ActiveDuring),
		Deletion: deletionOf(f.Deletion), Scope: scope}
}

func indicatorFilter(f *IndicatorFilter) hub.IndicatorFilter {
	if f == nil {
		return hub.IndicatorFilter{}
	}
	return hub.IndicatorFilter{Metrics: f.Metric, Regions: upperCodes(f.Region), Sources: f.Source, Period: dateRange(f.Period)}
}

func (r *Resolver) provenance(ctx context.Context, t hub.RecordType, id int64) ([]*hub.Provenance, error) {
	p, err := loadersFor(ctx).provenance.Load(ctx, recordKey{t, id})()
	if p == nil {
		p = []*hub.Provenance{}
	}
	return p, err
}

// notFound turns a missing single record into null plus a NOT_FOUND error.
func notFound[T any](v *T, err error, what, id string) (*T, error) {
	if err == nil && v == nil {
		return nil, hub.Errorf(hub.ENOTFOUND, "no %s with id %q", what, truncate(id, 60))
	}
	return v, err
}

// load loads one record by global id through a loader.
func loadTyped[T any](ctx context.Context, gid, typ string, load func(context.Context, int64) (*T, error)) (*T, error) {
	id, err := parseTypedID(gid, typ)
	if err != nil {
		return nil, err
	}
	v, err := load(ctx, id)
	return notFound(v, err, typ, gid)
}

// first returns the only element of a FindXByIDs result, or nil.
func first[T any](items []*T, err error) (*T, error) {
	if err != nil || len(items) == 0 {
		return nil, err
	}
	return items[0], nil
}

// participationConnection loads one parent's page of participations and,
// only when asked, its count, both through loaders.
func participationConnection(ctx context.Context, parent int64, p hub.Page,
	pages *loader[pageKey, *hub.Connection[*hub.Participation]], counts *loader[int64, int]) (*ParticipationConnection, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	b, _ := json.Marshal(p)
	conn, err := pages.Load(ctx, pageKey{parent, string(b)})()
	if err != nil {
		return nil, err
	}
	return &ParticipationConnection{connection[*hub.Participation]{page: conn, count: func(ctx context.Context) (int, error) {
		return counts.Load(ctx, parent)()
	}}}, nil
}

// statisticsFilter turns the GraphQL filter into the domain's: each field
// set fixes its dimension to one value.
func statisticsFilter(f *StatisticsFilter) hub.StatisticsFilter {
	out := hub.StatisticsFilter{Equal: map[hub.Dimension]string{}}
	if f == nil {
		return out
	}
	set := func(d hub.Dimension, v *string) {
		if v != nil {
			out.Equal[d] = *v
		}
	}
	set(hub.DimRegion, f.Region)
	set(hub.DimDirection, f.Direction)
	set(hub.DimYear, f.Year)
	set(hub.DimMonth, f.Month)
	set(hub.DimCountry, f.Country)
	set(hub.DimSource, f.Source)
	if f.OrganizationKind != nil {
		out.Equal[hub.DimOrganizationKind] = string(*f.OrganizationKind)
	}
	if f.Gender != nil {
		out.Equal[hub.DimGender] = string(*f.Gender)
	}
	if f.AgeBand != nil {
		out.Equal[hub.DimAgeBand] = string(*f.AgeBand)
	}
	if f.From != nil {
		out.From = *f.From
	}
	if f.To != nil {
		out.To = *f.To
	}
	return out
}

// upperCodes reads region, direction and country codes as the statistics and
// the feeds do: in either case, around spaces (kz-11 is KZ-11).
func upperCodes(in []string) []string {
	if in == nil {
		return nil
	}
	out := make([]string, len(in))
	for i, c := range in {
		out[i] = strings.ToUpper(strings.TrimSpace(c))
	}
	return out
}
