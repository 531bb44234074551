package hub

// Filters are validated before they reach storage, so that a typo in a
// region or direction code answers with an error instead of an empty list.

func validateCodes(regions, directions []string) error {
	for _, r := range regions {
		if !IsRegionCode(r) {
			return Errorf(EINVALID, "region %q is not an ISO 3166-2:KZ code the hub knows (KZ-10 … KZ-79)", truncate(r, 40))
		}
	}
	for _, d := range directions {
		if !IsDirectionCode(d) {
			return Errorf(EINVALID, "direction %q is not a direction code (see the directions query)", truncate(d, 40))
		}
	}
	return nil
}

func firstErr(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// Validate checks the filter's codes and ranges.
func (f OrganizationFilter) Validate() error {
	return firstErr(validateCodes(f.Regions, f.Directions), f.Founded.Validate("founded"))
}

// Validate checks the filter's codes and ranges.
func (f ProjectFilter) Validate() error {
	return firstErr(validateCodes(f.Regions, f.Directions), f.StartDate.Validate("startDate"), f.ActiveDuring.Validate("activeDuring"))
}

// Validate checks the filter's codes and ranges.
func (f VolunteerFilter) Validate() error {
	return firstErr(validateCodes(f.Regions, f.Directions), f.RegisteredAt.Validate("registeredAt"))
}

// Validate checks the filter's codes and ranges.
func (f UNPlacementFilter) Validate() error {
	for _, c := range f.Countries {
		if !isCountryCode(c) {
			return Errorf(EINVALID, "country %q is not an ISO 3166-1 alpha-2 code such as KE", truncate(c, 40))
		}
	}
	return firstErr(f.StartDate.Validate("startDate"), f.ActiveDuring.Validate("activeDuring"))
}

// Validate checks the filter's codes and ranges.
func (f IndicatorFilter) Validate() error {
	return firstErr(validateCodes(f.Regions, nil), f.Period.Validate("period"))
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}

// Deletion selects records by whether they were deleted (by their source,
// or by a snapshot's sweep). Only admins may ask for deleted records.
type Deletion string

// Deletions.
const (
	DeletionLive    Deletion = "LIVE" // the default: records not deleted
	DeletionDeleted Deletion = "DELETED"
	DeletionAll     Deletion = "ALL"
)

// IncludesDeleted reports whether d asks for deleted records.
func (d Deletion) IncludesDeleted() bool { return d == DeletionDeleted || d == DeletionAll }
