package hub

import (
	"context"
	"net/mail"
	"strings"
	"time"
)

// Volunteer is the public part of a volunteer: nothing here identifies the
// person. The personal part lives in VolunteerPersonal and is stored apart.
type Volunteer struct {
	ID           int64
	RegionCode   string
	Gender       Gender
	BirthYear    *int // kept only to derive the age band; never served
	Languages    []string
	Skills       []string
	Directions   []string
	RegisteredAt *time.Time
	Status       VolunteerStatus
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// VolunteerPersonal is the personal part of a volunteer, accepted only with
// the person's consent and served only to the admin role.
type VolunteerPersonal struct {
	FullName   string
	Phone      string
	Email      string
	IIN        string
	BirthDate  *time.Time
	ConsentRef string
	ConsentAt  *time.Time
}

// IsZero reports whether no personal field is set (consent fields aside).
func (p *VolunteerPersonal) IsZero() bool {
	return p == nil || (p.FullName == "" && p.Phone == "" && p.Email == "" && p.IIN == "" && p.BirthDate == nil)
}

// Validate checks the personal part. Messages never repeat the values.
func (p *VolunteerPersonal) Validate() error {
	var fe FieldErrors
	if p.IsZero() {
		return nil
	}
	if p.ConsentRef == "" || p.ConsentAt == nil {
		fe.Add("consent_ref", "the personal part (full_name, phone, email, iin, birth_date) is accepted only with consent_ref and consent_at; it was not stored")
		return fe
	}
	if p.IIN != "" && !isDigits(p.IIN, 12) {
		fe.Add("iin", "must be 12 digits")
	}
	if p.FullName != "" && (len(p.FullName) > 4*MaxNameLen) {
		fe.Add("full_name", "is too long")
	}
	if len(p.Email) > MaxShortTextLen {
		fe.Add("email", "is too long")
	} else if p.Email != "" && !IsEmail(p.Email) {
		fe.Add("email", "is not an e-mail address such as name@example.kz")
	}
	if len(p.Phone) > 40 {
		fe.Add("phone", "is too long")
	} else if p.Phone != "" && !IsPhone(p.Phone) {
		fe.Add("phone", "is not a phone number: 7 to 15 digits, with +, spaces, dashes, dots or brackets")
	}
	return fe.Err()
}

// IsEmail reports whether s is one bare e-mail address (name@domain.kz),
// as net/mail reads them, with a dot in its domain.
func IsEmail(s string) bool {
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || a.Name != "" {
		return false
	}
	at := strings.LastIndexByte(s, '@')
	return at > 0 && strings.Contains(s[at+1:], ".")
}

// IsPhone reports whether s reads as a phone number: 7 to 15 digits
// (E.164 allows 15), with an optional leading +, spaces, dashes, dots and
// brackets between them.
func IsPhone(s string) bool {
	digits := 0
	for i, r := range s {
		switch {
		case r >= '0' && r <= '9':
			digits++
		case r == '+' && i == 0, r == ' ', r == '-', r == '.', r == '(', r == ')':
		default:
			return false
		}
	}
	return digits >= 7 && digits <= 15
}

// NormalizePhone reduces a Kazakhstani phone number to its digits in the
// international form (7XXXXXXXXXX): "+7 (700) 123-45-67" and "8 700 123 45
// 67" are the same number. Other numbers keep their digits.
func NormalizePhone(s string) string {
	var d []byte
	for i := 0; i < len(s); i++ {
		if s[i] >= '0' && s[i] <= '9' {
			d = append(d, s[i])
		}
	}
	switch {
	case len(d) == 11 && d[0] == '8':
		d[0] = '7'
	case len(d) == 10:
		d = append([]byte{'7'}, d...)
	}
	return string(d)
}

// Gender as a source reports it.
type Gender string

// Genders.
const (
	GenderFemale  Gender = "FEMALE"
	GenderMale    Gender = "MALE"
	GenderOther   Gender = "OTHER"
	GenderUnknown Gender = "UNKNOWN"
)

// Genders lists every gender value.
var Genders = [...]Gender{GenderFemale, GenderMale, GenderOther, GenderUnknown}

// VolunteerStatus is a volunteer's standing on their platform.
type VolunteerStatus string

// Volunteer statuses.
const (
	VolunteerActive   VolunteerStatus = "ACTIVE"
	VolunteerInactive VolunteerStatus = "INACTIVE"
)

// VolunteerStatuses lists every status.
var VolunteerStatuses = [...]VolunteerStatus{VolunteerActive, VolunteerInactive}

// AgeBand is a coarse age group, published instead of a birth date.
type AgeBand string

// Age bands.
const (
	AgeUnder18 AgeBand = "AGE_UNDER_18"
	Age18to24  AgeBand = "AGE_18_24"
	Age25to34  AgeBand = "AGE_25_34"
	Age35to44  AgeBand = "AGE_35_44"
	Age45to54  AgeBand = "AGE_45_54"
	Age55to64  AgeBand = "AGE_55_64"
	Age65Plus  AgeBand = "AGE_65_PLUS"
	AgeUnknown AgeBand = "UNKNOWN"
)

// AgeBands lists every band, youngest first.
var AgeBands = [...]AgeBand{AgeUnder18, Age18to24, Age25to34, Age35to44, Age45to54, Age55to64, Age65Plus, AgeUnknown}

// AgeBandFor returns the band of someone born in birthYear, as of now.
// Only the birth year is kept, so the age is taken as the one the person
// has surely reached (their age on 1 January): someone who may still be 17
// is never shown as an adult.
func AgeBandFor(birthYear *int, now time.Time) AgeBand {
	if birthYear == nil {
		return AgeUnknown
	}
	switch age := now.Year() - *birthYear - 1; {
	case age < 18:
		return AgeUnder18
	case age < 25:
		return Age18to24
	case age < 35:
		return Age25to34
	case age < 45:
		return Age35to44
	case age < 55:
		return Age45to54
	case age < 65:
		return Age55to64
	default:
		return Age65Plus
	}
}

// Validate reports every problem with v as field errors.
func (v *Volunteer) Validate() error {
	var fe FieldErrors
	checkRegion(&fe, "region", v.RegionCode, true)
	if !isOneOf(v.Gender, Genders[:]) {
		fe.Add("gender", "%q is not one of female, male, other, unknown", v.Gender)
	}
	if v.BirthYear != nil && (*v.BirthYear < MinDate.Year() || *v.BirthYear > MaxDate.Year()) {
		fe.Add("birth_date", "is out of range")
	}
	checkList(&fe, "languages", v.Languages, 20)
	checkList(&fe, "skills", v.Skills, MaxShortTextLen)
	checkDirections(&fe, "directions", v.Directions)
	checkDate(&fe, "registered_at", v.RegisteredAt)
	if !isOneOf(v.Status, VolunteerStatuses[:]) {
		fe.Add("status", "%q is not one of ACTIVE, INACTIVE", v.Status)
	}
	return fe.Err()
}

// VolunteerFilter selects volunteers; empty fields select all.
type VolunteerFilter struct {
	IDs             []int64
	Regions         []string
	Directions      []string
	Statuses        []VolunteerStatus
	Genders         []Gender
	OrganizationIDs []int64
	Sources         []string
	RegisteredAt    DateRange
	// Scope is who reads: every volunteer, or those a source reported. The
	// zero scope reads none (EFORBIDDEN).
	Scope PeopleScope
}

// VolunteerService reads the public part of volunteers, within a caller's
// PeopleScope. Errors: EINVALID for a bad filter or cursor, EFORBIDDEN for
// the zero scope.
type VolunteerService interface {
	// FindVolunteersByIDs returns the live volunteers among ids that scope
	// reads, in any order.
	FindVolunteersByIDs(ctx context.Context, ids []int64, scope PeopleScope) ([]*Volunteer, error)
	// FindVolunteers returns one page of volunteers, oldest first.
	FindVolunteers(ctx context.Context, f VolunteerFilter, p Page) (*Connection[*Volunteer], error)
	// CountVolunteers returns how many volunteers f selects.
	CountVolunteers(ctx context.Context, f VolunteerFilter) (int, error)
	// TotalHours returns each volunteer's hours summed over the live
	// participations scope reads.
	TotalHours(ctx context.Context, volunteerIDs []int64, scope PeopleScope) (map[int64]float64, error)
}

// ExportedVolunteer is one row of the de-identified volunteer export for
// researchers: the public part, with an age band instead of a birth year.
type ExportedVolunteer struct {
	ID            int64
	RegionCode    string
	Gender        Gender
	AgeBand       AgeBand
	Languages     []string
	Skills        []string
	Directions    []string
	RegisteredAt  *time.Time
	Status        VolunteerStatus
	TotalHours    float64
	Organizations int      // organizations the volunteer belongs to
	Sources       []string // the sources that report the volunteer
}
