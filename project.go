package hub

import (
	"context"
	"time"
)

// Project is an initiative, programme, event or opportunity.
type Project struct {
	ID                int64
	Title             LocalizedText
	Description       LocalizedText
	OrganizationID    *int64 // nil until the organization is known to the hub
	RegionCode        string
	Locality          string
	Lat, Lon          *float64
	Directions        []string
	Status            ProjectStatus
	StartDate         *time.Time
	EndDate           *time.Time
	VolunteersNeeded  *int
	VolunteersEngaged *int
	VolunteerHours    *float64
	Beneficiaries     *int
	GrantProgramme    string
	GrantAmountKZT    *int64 // whole tenge
	Tags              []string
	URL               string
	CreatedAt         time.Time
	UpdatedAt         time.Time
	DeletedAt         *time.Time // set on a deleted record (shown to admins only)
}

// ProjectStatus is where a project stands. UN placements use the same values.
type ProjectStatus string

// Project statuses.
const (
	StatusPlanned   ProjectStatus = "PLANNED"
	StatusActive    ProjectStatus = "ACTIVE"
	StatusCompleted ProjectStatus = "COMPLETED"
	StatusCancelled ProjectStatus = "CANCELLED"
)

// ProjectStatuses lists every status.
var ProjectStatuses = [...]ProjectStatus{StatusPlanned, StatusActive, StatusCompleted, StatusCancelled}

// Valid reports whether s is a known status.
func (s ProjectStatus) Valid() bool { return isOneOf(s, ProjectStatuses[:]) }

// Validate reports every problem with p as field errors.
func (p *Project) Validate() error {
	var fe FieldErrors
	if p.Title.IsZero() {
		fe.Add("title", "is required in at least one of kk, ru, en")
	}
	checkLocalized(&fe, "title", p.Title, MaxNameLen)
	checkLocalized(&fe, "description", p.Description, MaxDescriptionLen)
	checkRegion(&fe, "region", p.RegionCode, true)
	checkText(&fe, "locality", p.Locality, MaxShortTextLen)
	if (p.Lat == nil) != (p.Lon == nil) {
		fe.Add("lat", "lat and lon come together")
	}
	if p.Lat != nil && (*p.Lat < -90 || *p.Lat > 90) {
		fe.Add("lat", "must be between -90 and 90")
	}
	if p.Lon != nil && (*p.Lon < -180 || *p.Lon > 180) {
		fe.Add("lon", "must be between -180 and 180")
	}
	checkDirections(&fe, "directions", p.Directions)
	if !p.Status.Valid() {
		fe.Add("status", "%q is not one of PLANNED, ACTIVE, COMPLETED, CANCELLED", p.Status)
	}
	checkDate(&fe, "start_date", p.StartDate)
	checkDate(&fe, "end_date", p.EndDate)
	checkDateOrder(&fe, "start_date", p.StartDate, p.EndDate)
	checkNonNegative(&fe, "volunteers_needed", p.VolunteersNeeded)
	checkNonNegative(&fe, "volunteers_engaged", p.VolunteersEngaged)
	checkNonNegative(&fe, "volunteer_hours", p.VolunteerHours)
	checkNonNegative(&fe, "beneficiaries", p.Beneficiaries)
	checkText(&fe, "grant_programme", p.GrantProgramme, MaxShortTextLen)
	checkNonNegative(&fe, "grant_amount_kzt", p.GrantAmountKZT)
	checkList(&fe, "tags", p.Tags, MaxShortTextLen)
	checkURL(&fe, "url", p.URL)
	return fe.Err()
}

// ProjectFilter selects projects; empty fields select all. Lists within a
// field are alternatives (OR); fields combine with AND.
type ProjectFilter struct {
	IDs             []int64
	Regions         []string
	Directions      []string
	Statuses        []ProjectStatus
	OrganizationIDs []int64
	Sources         []string
	StartDate       DateRange // the project starts within the range
	ActiveDuring    DateRange // the project's dates overlap the range
	Deletion        Deletion  // live records unless set; admins only
}

// ProjectOrderField is what projects can be sorted by.
type ProjectOrderField string

// Project sort fields.
const (
	ProjectOrderCreated           ProjectOrderField = "CREATED"
	ProjectOrderTitle             ProjectOrderField = "TITLE"
	ProjectOrderStartDate         ProjectOrderField = "START_DATE"
	ProjectOrderVolunteersEngaged ProjectOrderField = "VOLUNTEERS_ENGAGED"
	ProjectOrderUpdated           ProjectOrderField = "UPDATED"
)

// ProjectOrder is a sort order; ties are broken by id.
type ProjectOrder struct {
	Field ProjectOrderField
	Desc  bool
}

// ProjectService reads projects. Errors: EINVALID for a bad filter or cursor.
type ProjectService interface {
	// FindProjectsByIDs returns the live projects among ids, in any order.
	FindProjectsByIDs(ctx context.Context, ids []int64) ([]*Project, error)
	// FindProjects returns one page of projects.
	FindProjects(ctx context.Context, f ProjectFilter, o ProjectOrder, p Page) (*Connection[*Project], error)
	// CountProjects returns how many projects f selects.
	CountProjects(ctx context.Context, f ProjectFilter) (int, error)
	// FindProjectsByOrganizations returns, for each organization, its first
	// p.First projects (after p.After) matching f, in one set-based query.
	FindProjectsByOrganizations(ctx context.Context, orgIDs []int64, f ProjectFilter, o ProjectOrder, p Page) (map[int64]*Connection[*Project], error)
	// CountProjectsByOrganizations returns, for each organization, how many of its projects f selects.
	CountProjectsByOrganizations(ctx context.Context, orgIDs []int64, f ProjectFilter) (map[int64]int, error)
}

type descriptionsOmittedKey struct{}

// WithoutDescriptions returns ctx under which reads of projects leave
// Description empty: for a caller that reads none (a GraphQL operation that
// selects no description and no search highlights), so a list of projects
// does not carry kilobytes of text per row from PostgreSQL for nothing.
func WithoutDescriptions(ctx context.Context) context.Context {
	return context.WithValue(ctx, descriptionsOmittedKey{}, true)
}

// DescriptionsOmitted reports whether ctx is one of WithoutDescriptions.
func DescriptionsOmitted(ctx context.Context) bool {
	omitted, _ := ctx.Value(descriptionsOmittedKey{}).(bool)
	return omitted
}

// TitleIn is the title in lang (nil: the default), with fallback.
func (p *Project) TitleIn(lang *Language) string { return p.Title.Text(lang) }

// DescriptionIn is the description in lang (nil: the default), with
// fallback; nil when there is none.
func (p *Project) DescriptionIn(lang *Language) *string { return p.Description.TextOrNil(lang) }

// Region is the project's region, or nil.
func (p *Project) Region() *Region { return RegionByCode(p.RegionCode) }

// DirectionList is the project's directions, in the record's order.
func (p *Project) DirectionList() []*Direction { return DirectionsByCode(p.Directions) }
