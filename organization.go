package hub

import (
	"context"
	"strings"
	"time"
	"unicode"
)

// Organization is a volunteer organization, foundation, initiative group,
// state body, university or UN agency. BINs are public for legal entities.
type Organization struct {
	ID             int64
	Name           LocalizedText
	BIN            string // 12 digits, empty when the organization has none (an initiative group)
	Kind           OrganizationKind
	RegionCode     string
	Directions     []string
	Website        string
	ContactEmail   string // the organization's public contact, not a person's
	ContactPhone   string
	Founded        *time.Time
	VolunteerCount *int
	CreatedAt      time.Time
	UpdatedAt      time.Time
	DeletedAt      *time.Time // set on a deleted record (shown to admins only)
}

// OrganizationKind is the legal or informal form of an organization.
type OrganizationKind string

// Organization kinds.
const (
	OrgNGO              OrganizationKind = "NGO"
	OrgPublicFoundation OrganizationKind = "PUBLIC_FOUNDATION"
	OrgInitiativeGroup  OrganizationKind = "INITIATIVE_GROUP"
	OrgStateBody        OrganizationKind = "STATE_BODY"
	OrgUniversity       OrganizationKind = "UNIVERSITY"
	OrgUNAgency         OrganizationKind = "UN_AGENCY"
	OrgOther            OrganizationKind = "OTHER"
)

// OrganizationKinds lists every kind.
var OrganizationKinds = [...]OrganizationKind{OrgNGO, OrgPublicFoundation, OrgInitiativeGroup, OrgStateBody, OrgUniversity, OrgUNAgency, OrgOther}

// Valid reports whether k is a known kind.
func (k OrganizationKind) Valid() bool { return isOneOf(k, OrganizationKinds[:]) }

// Validate reports every problem with o as field errors.
func (o *Organization) Validate() error {
	var fe FieldErrors
	if o.Name.IsZero() {
		fe.Add("name", "is required in at least one of kk, ru, en")
	}
	checkLocalized(&fe, "name", o.Name, MaxNameLen)
	if o.BIN != "" && !isDigits(o.BIN, 12) {
		fe.Add("bin", "must be 12 digits")
	}
	if !o.Kind.Valid() {
		fe.Add("kind", "%q is not one of NGO, PUBLIC_FOUNDATION, INITIATIVE_GROUP, STATE_BODY, UNIVERSITY, UN_AGENCY, OTHER", o.Kind)
	}
	checkRegion(&fe, "region", o.RegionCode, false)
	checkDirections(&fe, "directions", o.Directions)
	checkURL(&fe, "website", o.Website)
	checkText(&fe, "contact_email", o.ContactEmail, MaxShortTextLen)
	checkText(&fe, "contact_phone", o.ContactPhone, MaxShortTextLen)
	if o.ContactEmail != "" && len(o.ContactEmail) <= MaxShortTextLen && !IsEmail(o.ContactEmail) {
		fe.Add("contact_email", "%q is not an e-mail address such as info@example.kz", truncate(o.ContactEmail, 60))
	}
	if o.ContactPhone != "" && len(o.ContactPhone) <= MaxShortTextLen && !IsPhone(o.ContactPhone) {
		fe.Add("contact_phone", "%q is not a phone number: 7 to 15 digits, with +, spaces, dashes, dots or brackets", truncate(o.ContactPhone, 60))
	}
	checkDate(&fe, "founded", o.Founded)
	checkNonNegative(&fe, "volunteer_count", o.VolunteerCount)
	return fe.Err()
}

// MatchNames returns the organization's names normalized for matching the
// same organization across sources: lower case, ё→е, quotes and
// punctuation dropped, white space collapsed, one entry per language.
func (o *Organization) MatchNames() []string {
	var out []string
	for _, n := range []string{o.Name.KK, o.Name.RU, o.Name.EN} {
		if m := NormalizeName(n); m != "" && !isOneOf(m, out) {
			out = append(out, m)
		}
	}
	return out
}

// NormalizeName folds a name for matching: «Доброе сердце» and "ДОБРОЕ
// СЕРДЦЕ" are the same name.
func NormalizeName(s string) string {
	s = strings.ReplaceAll(strings.ToLower(s), "ё", "е")
	var b strings.Builder
	space := false
	for _, r := range s {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			if space && b.Len() > 0 {
				b.WriteByte(' ')
			}
			space = false
			b.WriteRune(r)
		} else {
			space = true
		}
	}
	return b.String()
}

// OrganizationFilter selects organizations; empty fields select all. Lists
// within a field are alternatives (OR); fields combine with AND.
type OrganizationFilter struct {
	IDs        []int64
	Regions    []string
	Directions []string
	Kinds      []OrganizationKind
	BINs       []string
	Sources    []string
	Founded    DateRange
	Deletion   Deletion // live records unless set; admins only
}

// OrganizationOrderField is what organizations can be sorted by.
type OrganizationOrderField string

// Organization sort fields.
const (
	OrgOrderCreated        OrganizationOrderField = "CREATED"
	OrgOrderName           OrganizationOrderField = "NAME"
	OrgOrderFounded        OrganizationOrderField = "FOUNDED"
	OrgOrderVolunteerCount OrganizationOrderField = "VOLUNTEER_COUNT"
)

// OrganizationOrder is a sort order; ties are broken by id.
type OrganizationOrder struct {
	Field OrganizationOrderField
	Desc  bool
}

// OrganizationService reads organizations. Errors: EINVALID for a bad filter
// or cursor, ENOTFOUND where a single organization is asked for.
type OrganizationService interface {
	// FindOrganizationsByIDs returns the live organizations among ids, in any order.
	FindOrganizationsByIDs(ctx context.Context, ids []int64) ([]*Organization, error)
	// FindOrganizations returns one page of organizations.
	FindOrganizations(ctx context.Context, f OrganizationFilter, o OrganizationOrder, p Page) (*Connection[*Organization], error)
	// CountOrganizations returns how many organizations f selects.
	CountOrganizations(ctx context.Context, f OrganizationFilter) (int, error)
	// FindOrganizationsForVolunteers returns each volunteer's organizations,
	// by the memberships scope reads (EFORBIDDEN for the zero scope).
	FindOrganizationsForVolunteers(ctx context.Context, volunteerIDs []int64, scope PeopleScope) (map[int64][]*Organization, error)
}

// NameIn is the name in lang (nil: the default), with fallback.
func (o *Organization) NameIn(lang *Language) string { return o.Name.Text(lang) }

// Region is the organization's region, or nil.
func (o *Organization) Region() *Region { return RegionByCode(o.RegionCode) }

// DirectionList is the organization's directions, in the record's order.
func (o *Organization) DirectionList() []*Direction { return DirectionsByCode(o.Directions) }
