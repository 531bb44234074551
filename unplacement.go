package hub

import (
	"context"
	"time"

	"golang.org/x/text/language"
)

// UNPlacement is a Kazakhstani serving with the UN Volunteers programme.
type UNPlacement struct {
	ID          int64
	VolunteerID *int64 // optional link to a volunteer record
	HostEntity  string // UNDP, UNICEF, UNHCR, WFP, WHO, …
	Country     string // ISO 3166-1 alpha-2 of the duty country
	DutyStation string
	Title       LocalizedText
	Category    string // e.g. INTERNATIONAL_SPECIALIST, YOUTH, ONLINE
	Funding     string // e.g. GOVERNMENT_OF_KAZAKHSTAN
	StartDate   *time.Time
	EndDate     *time.Time
	Status      ProjectStatus
	SDGs        []int
	CreatedAt   time.Time
	UpdatedAt   time.Time
	DeletedAt   *time.Time // set on a deleted record (shown to admins only)
}

// Validate reports every problem with u as field errors.
func (u *UNPlacement) Validate() error {
	var fe FieldErrors
	if u.HostEntity == "" {
		fe.Add("host_entity", "is required (e.g. UNDP, UNICEF)")
	}
	checkText(&fe, "host_entity", u.HostEntity, MaxShortTextLen)
	if !isCountryCode(u.Country) {
		fe.Add("country", "must be an ISO 3166-1 alpha-2 code such as KE or JO")
	}
	checkText(&fe, "duty_station", u.DutyStation, MaxShortTextLen)
	checkLocalized(&fe, "title", u.Title, MaxNameLen)
	checkText(&fe, "category", u.Category, MaxShortTextLen)
	checkText(&fe, "funding", u.Funding, MaxShortTextLen)
	checkDate(&fe, "start_date", u.StartDate)
	checkDate(&fe, "end_date", u.EndDate)
	checkDateOrder(&fe, "start_date", u.StartDate, u.EndDate)
	if !u.Status.Valid() {
		fe.Add("status", "%q is not one of PLANNED, ACTIVE, COMPLETED, CANCELLED", u.Status)
	}
	for _, g := range u.SDGs {
		if g < 1 || g > 17 {
			fe.Add("sdgs", "%d is not a Sustainable Development Goal (1–17)", g)
		}
	}
	return fe.Err()
}

func isCountryCode(s string) bool {
	if len(s) != 2 || s[0] < 'A' || s[0] > 'Z' || s[1] < 'A' || s[1] > 'Z' {
		return false
	}
	// ISO 3166-1 alpha-2 countries, as CLDR lists them: not ZZ (unknown),
	// EU or UN, and no unassigned pair.
	r, err := language.ParseRegion(s)
	return err == nil && r.IsCountry() && r.String() == s
}

// UNPlacementFilter selects placements; empty fields select all.
type UNPlacementFilter struct {
	IDs          []int64
	Countries    []string
	HostEntities []string
	Categories   []string
	Statuses     []ProjectStatus
	Sources      []string
	StartDate    DateRange
	ActiveDuring DateRange
	Deletion     Deletion // live records unless set; admins only
	// Scope is who reads: every placement, or those a source reported. The
	// zero scope reads none (EFORBIDDEN).
	Scope PeopleScope
}

// UNPlacementService reads UN placements (each is one person's
// assignment), within a PeopleScope. Errors: EINVALID for a bad filter or
// cursor, EFORBIDDEN for the zero scope.
type UNPlacementService interface {
	// FindUNPlacementsByIDs returns the live placements among ids, in any order.
	FindUNPlacementsByIDs(ctx context.Context, ids []int64, scope PeopleScope) ([]*UNPlacement, error)
	// FindUNPlacements returns one page of placements, newest start first.
	FindUNPlacements(ctx context.Context, f UNPlacementFilter, p Page) (*Connection[*UNPlacement], error)
	// CountUNPlacements returns how many placements f selects.
	CountUNPlacements(ctx context.Context, f UNPlacementFilter) (int, error)
	// FindUNPlacementsByVolunteers returns each volunteer's placements.
	FindUNPlacementsByVolunteers(ctx context.Context, volunteerIDs []int64, scope PeopleScope) (map[int64][]*UNPlacement, error)
}
