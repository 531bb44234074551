package hub

import (
	"context"
	"time"
)

// PersonalField names one field of a volunteer's personal part, as the
// access log records it.
type PersonalField string

// Personal fields.
const (
	PersonalFullName   PersonalField = "FULL_NAME"
	PersonalPhone      PersonalField = "PHONE"
	PersonalEmail      PersonalField = "EMAIL"
	PersonalBirthDate  PersonalField = "BIRTH_DATE"
	PersonalIIN        PersonalField = "IIN"
	PersonalConsentRef PersonalField = "CONSENT_REF"
	PersonalConsentAt  PersonalField = "CONSENT_AT"
)

// PersonalFields lists every personal field.
var PersonalFields = [...]PersonalField{PersonalFullName, PersonalPhone, PersonalEmail, PersonalBirthDate, PersonalIIN,
	PersonalConsentRef, PersonalConsentAt}

// PersonalRead asks for one volunteer's personal part, naming the fields
// the caller will be shown: the access log records exactly those. A read of
// no field asks only whether there is a personal part, and is logged too.
type PersonalRead struct {
	VolunteerID int64
	Fields      []PersonalField
}

// Validate checks that a read names only known fields.
func (r PersonalRead) Validate() error {
	for _, f := range r.Fields {
		if !isOneOf(f, PersonalFields[:]) {
			return Errorf(EINVALID, "%q is not a personal field", f)
		}
	}
	return nil
}

// PersonalAccess is one entry of the personal-data access log: who (the
// API key's name and role) read which fields of which volunteer's personal
// part, and when. Entries are written before the data is returned, and are
// never changed or deleted.
type PersonalAccess struct {
	ID          int64
	At          time.Time
	KeyName     string
	Role        Role
	VolunteerID int64
	Fields      []PersonalField
}

// PersonalAccessFilter selects access-log entries; empty fields select all.
type PersonalAccessFilter struct {
	VolunteerID *int64
	KeyName     string
	From        *time.Time // inclusive
	To          *time.Time // exclusive
}

// Validate rejects an inverted time range.
func (f PersonalAccessFilter) Validate() error {
	if f.From != nil && f.To != nil && f.To.Before(*f.From) {
		return Errorf(EINVALID, "from (%s) is after to (%s)", f.From.Format(time.RFC3339), f.To.Format(time.RFC3339))
	}
	return nil
}

// PersonalService reads volunteers' personal parts, which are kept sealed
// (encrypted) at rest, and keeps the log of who read them. Errors:
// EFORBIDDEN for a caller who is not an admin, EINVALID for a bad read,
// filter or cursor.
type PersonalService interface {
	// ReadPersonal returns, by volunteer id, the personal parts the reads
	// ask for (volunteers without one are absent). One access-log entry
	// per read that finds a personal part is written first, in the same
	// statement: when the log cannot be written, nothing is returned.
	ReadPersonal(ctx context.Context, by Principal, reads []PersonalRead) (map[int64]*VolunteerPersonal, error)
	// FindPersonalAccesses returns one page of the access log, newest first.
	FindPersonalAccesses(ctx context.Context, f PersonalAccessFilter, p Page) (*Connection[*PersonalAccess], error)
	// CountPersonalAccesses returns how many entries f selects.
	CountPersonalAccesses(ctx context.Context, f PersonalAccessFilter) (int, error)
}
