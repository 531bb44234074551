package hub

import (
	"context"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Measure is a figure the hub counts from its records.
type Measure string

// Measures.
const (
	MeasureVolunteers     Measure = "VOLUNTEERS"      // distinct volunteers
	MeasureOrganizations  Measure = "ORGANIZATIONS"   // distinct organizations
	MeasureProjects       Measure = "PROJECTS"        // distinct projects
	MeasureVolunteerHours Measure = "VOLUNTEER_HOURS" // hours of participations
	MeasureUNPlacements   Measure = "UN_PLACEMENTS"   // UN Volunteers assignments
	MeasureBeneficiaries  Measure = "BENEFICIARIES"   // people projects report they helped
)

// Measures lists every measure.
var Measures = [...]Measure{MeasureVolunteers, MeasureOrganizations, MeasureProjects, MeasureVolunteerHours, MeasureUNPlacements, MeasureBeneficiaries}

// CountsPeople reports whether a cell of the measure counts distinct
// volunteers (a person once however many of their records it holds). Which
// measures are protected as being about people is Protected.
func (m Measure) CountsPeople() bool {
	return m == MeasureVolunteers || m == MeasureVolunteerHours || m == MeasureUNPlacements
}

// Dimension is what a statistic is grouped or filtered by.
type Dimension string

// Dimensions.
const (
	DimRegion           Dimension = "REGION"
	DimDirection        Dimension = "DIRECTION"
	DimYear             Dimension = "YEAR"
	DimMonth            Dimension = "MONTH"
	DimOrganizationKind Dimension = "ORGANIZATION_KIND"
	DimCountry          Dimension = "COUNTRY"
	DimGender           Dimension = "GENDER"
	DimAgeBand          Dimension = "AGE_BAND"
	DimSource           Dimension = "SOURCE"
)

// Dimensions lists every dimension, in the order a cell's keys follow.
var Dimensions = [...]Dimension{DimRegion, DimDirection, DimYear, DimMonth, DimOrganizationKind, DimCountry, DimGender, DimAgeBand, DimSource}

// MaxStatisticsDimensions is how many dimensions one statistics query may
// involve, grouped by or filtered on.
const MaxStatisticsDimensions = 3

// MeasureDimensions says which dimensions apply to each measure (see
// docs/statistics.md for what each means for each measure).
var MeasureDimensions = map[Measure][]Dimension{
	MeasureVolunteers:     {DimRegion, DimDirection, DimYear, DimMonth, DimOrganizationKind, DimGender, DimAgeBand, DimSource},
	MeasureVolunteerHours: {DimRegion, DimDirection, DimYear, DimMonth, DimOrganizationKind, DimGender, DimAgeBand, DimSource},
	MeasureUNPlacements:   {DimYear, DimMonth, DimCountry, DimGender, DimAgeBand, DimSource},
	MeasureOrganizations:  {DimRegion, DimDirection, DimYear, DimMonth, DimOrganizationKind, DimSource},
	MeasureProjects:       {DimRegion, DimDirection, DimYear, DimMonth, DimOrganizationKind, DimSource},
	MeasureBeneficiaries:  {DimRegion, DimDirection, DimYear, DimMonth, DimOrganizationKind, DimSource},
}

// ReportedMetrics maps a measure to the indicator metrics sources publish
// for the same thing, so a dashboard can show them side by side.
var ReportedMetrics = map[Measure][]string{
	MeasureVolunteers:    {"volunteers", "qazvolunteer_registered_volunteers"},
	MeasureOrganizations: {"volunteer_organizations", "qazvolunteer_registered_organizations"},
	MeasureUNPlacements:  {"un_volunteers_government_funded"},
}

// StatisticsQuery asks for measures grouped by up to three dimensions.
type StatisticsQuery struct {
	Measures  []Measure
	GroupBy   []Dimension
	Filter    StatisticsFilter
	Subtotals bool // rows for every coarser grouping too (a key null means "all")
	Total     bool // a grand-total row (every key null)
}

// StatisticsFilter narrows a statistics query. Equal fixes a dimension to
// one value: the answer is then the slice of the cube grouped by that
// dimension too, so it equals, cell for cell, what a grouped query shows.
// From and To (a year "2024" or a month "2024-03") bound the periods of a
// YEAR or MONTH grouping; they choose rows, they do not aggregate.
type StatisticsFilter struct {
	Equal    map[Dimension]string
	From, To string
}

// StatisticsRow is one cell of the answer: its keys, in the order of
// GroupBy (nil for "all"), and a value per measure, in the order of
// Measures. A suppressed value is nil and Suppressed is true. Change is
// the value minus the previous period's (time series only; nil when
// either is suppressed or there is no previous period).
type StatisticsRow struct {
	Keys       []*string
	Values     []*float64
	Suppressed bool
	Change     []*float64
}

// Statistics is the answer to a StatisticsQuery.
type Statistics struct {
	AsOf time.Time // when the figures were computed from the records
	// Exact is true when the figures are the counts themselves (the admin
	// role); otherwise the measures about people are protected
	// (disclosure.go): small cells suppressed, the others perturbed.
	Exact    bool
	Measures []Measure
	GroupBy  []Dimension
	Rows     []StatisticsRow
	Reported []*Indicator // indicators published for the same measures, region and periods
}

// StatisticsService answers statistics queries from rollups kept by the
// workers, and rebuilds them.
type StatisticsService interface {
	// Statistics answers q. Unless reveal (the admin role), the measures
	// about people are protected (disclosure.go): a cell of 1 to 9 people,
	// or of none inside such a cell, is nil, and the others are perturbed.
	Statistics(ctx context.Context, q StatisticsQuery, reveal bool) (*Statistics, error)
	// RebuildStatistics recomputes every rollup from the records, in one
	// consistent snapshot, and swaps the new rollups in.
	RebuildStatistics(ctx context.Context) (*RollupBuild, error)
	// StatisticsStale reports whether the current build misses changes of
	// the records (changes are counted into it as they apply, but not
	// while there is no build, nor into a build of another year), or there
	// is none.
	StatisticsStale(ctx context.Context) (bool, error)
	// CheckStatistics counts every measure afresh, in one snapshot, and
	// compares the count with the current build's cells.
	CheckStatistics(ctx context.Context) (*StatisticsCheck, error)
}

// StatisticsCheck is what comparing the current build's cells with a
// fresh count of the records, cell by cell, found.
type StatisticsCheck struct {
	BuildID int64     // the build compared; 0 when there is none
	AsOf    time.Time // the build's
	// CountedAt is the snapshot the fresh count read.
	CountedAt time.Time
	// Stale is true when the build misses changes of the records
	// (StatisticsStale): differences may then be changes the build has not
	// counted yet rather than drift.
	Stale    bool
	Measures []MeasureCheck
}

// MeasureCheck is one measure's part of a StatisticsCheck.
type MeasureCheck struct {
	Measure Measure
	Stored  int // cells of the build
	Counted int // cells of the fresh count
	// Missing cells are counted but not stored; Extra stored but not
	// counted; Different both, with another value, number of people, cell
	// key or sum of squares. Examples names up to ten of them.
	Missing, Extra, Different int
	Examples                  []string
}

// Drift is how many cells differ, over every measure.
func (c *StatisticsCheck) Drift() int {
	n := 0
	for _, m := range c.Measures {
		n += m.Missing + m.Extra + m.Different
	}
	return n
}

// RollupBuild describes one rebuild of the statistics rollups.
type RollupBuild struct {
	ID         int64
	AsOf       time.Time
	Cells      int
	Suppressed int // cells of 1 to 9 people of the protected measures
	Took       time.Duration
}

var (
	yearRE  = regexp.MustCompile(`^[0-9]{4}$`)
	monthRE = regexp.MustCompile(`^[0-9]{4}-(0[1-9]|1[0-2])$`)
	isoRE   = regexp.MustCompile(`^[A-Z]{2}$`)
)

// Validate checks q and puts it in canonical form (filter values
// upper-cased where codes are). Every problem is an EINVALID error that
// names the argument to fix.
func (q *StatisticsQuery) Validate() error {
	if len(q.Measures) == 0 {
		return Errorf(EINVALID, "measures: ask for at least one measure")
	}
	for i, m := range q.Measures {
		if _, ok := MeasureDimensions[m]; !ok {
			return Errorf(EINVALID, "measures: %q is not a measure; use one of %s", m, joinStrings(Measures[:]))
		}
		if slices.Contains(q.Measures[:i], m) {
			return Errorf(EINVALID, "measures: %s is asked for twice", m)
		}
	}
	if err := q.yearOfMonths(); err != nil {
		return err
	}
	dims := q.Dimensions()
	for i, d := range q.GroupBy {
		if !slices.Contains(Dimensions[:], d) {
			return Errorf(EINVALID, "groupBy: %q is not a dimension; use one of %s", d, joinStrings(Dimensions[:]))
		}
		if slices.Contains(q.GroupBy[:i], d) {
			return Errorf(EINVALID, "groupBy: %s is listed twice", d)
		}
		if _, ok := q.Filter.Equal[d]; ok {
			return Errorf(EINVALID, "filter: %s is both grouped by and fixed by the filter; do one or the other", d)
		}
	}
	for d := range q.Filter.Equal {
		if !slices.Contains(Dimensions[:], d) {
			return Errorf(EINVALID, "filter: %q is not a dimension", d)
		}
	}
	if len(dims) > MaxStatisticsDimensions {
		return Errorf(EINVALID, "a statistics query may involve at most %d dimensions, grouped by or filtered on; this one involves %d (%s)",
			MaxStatisticsDimensions, len(dims), joinStrings(dims))
	}
	if slices.Contains(dims, DimYear) && slices.Contains(dims, DimMonth) {
		return Errorf(EINVALID, "YEAR and MONTH cannot be combined: a month names its year")
	}
	for _, m := range q.Measures {
		for _, d := range dims {
			if !slices.Contains(MeasureDimensions[m], d) {
				return Errorf(EINVALID, "%s cannot be broken down by %s; it can by %s", m, d, joinStrings(MeasureDimensions[m]))
			}
		}
	}
	for d, v := range q.Filter.Equal {
		norm, err := normalizeKey(d, v)
		if err != nil {
			return Errorf(EINVALID, "filter: %s %q: %s", d, v, err)
		}
		q.Filter.Equal[d] = norm
	}
	return q.validatePeriods()
}

// yearOfMonths turns a year fixed by the filter of a MONTH grouping into
// the months' bounds, from its January to its December: "the months of
// 2024" is one question, not a second time dimension.
func (q *StatisticsQuery) yearOfMonths() error {
	year, ok := q.Filter.Equal[DimYear]
	if !ok || !slices.Contains(q.GroupBy, DimMonth) {
		return nil
	}
	if q.Filter.From != "" || q.Filter.To != "" {
		return Errorf(EINVALID, "filter: year and from/to both bound the months; give from and to alone (e.g. from 2024-04 to 2024-06)")
	}
	if !yearRE.MatchString(year) {
		return Errorf(EINVALID, "filter: YEAR %q is not a year like 2024", year)
	}
	q.Filter.From, q.Filter.To = year, year
	equal := maps.Clone(q.Filter.Equal)
	delete(equal, DimYear)
	q.Filter.Equal = equal
	return nil
}

func (q *StatisticsQuery) validatePeriods() error {
	f := &q.Filter
	if f.From == "" && f.To == "" {
		return nil
	}
	var timeDim Dimension
	for _, d := range q.GroupBy {
		if d == DimYear || d == DimMonth {
			timeDim = d
		}
	}
	if timeDim == "" {
		return Errorf(EINVALID, "filter: from and to bound the periods of a YEAR or MONTH grouping; group by YEAR or MONTH, or fix one period with the filter")
	}
	for _, p := range []*string{&f.From, &f.To} {
		if *p == "" {
			continue
		}
		switch {
		case timeDim == DimYear && yearRE.MatchString(*p):
		case timeDim == DimMonth && monthRE.MatchString(*p):
		case timeDim == DimMonth && yearRE.MatchString(*p):
			// A year bounds months: from its January, to its December.
			if p == &f.From {
				*p += "-01"
			} else {
				*p += "-12"
			}
		default:
			return Errorf(EINVALID, "filter: period %q is not a %s (use %s)", *p, strings.ToLower(string(timeDim)),
				map[Dimension]string{DimYear: "2024", DimMonth: "2024-03"}[timeDim])
		}
	}
	if f.From != "" && f.To != "" && f.From > f.To {
		return Errorf(EINVALID, "filter: the period range is inverted: from %s is after to %s", f.From, f.To)
	}
	if f.From != "" && f.To != "" && len(Periods(timeDim, f.From, f.To)) > maxPeriods {
		return Errorf(EINVALID, "filter: from %s to %s is more than %d periods", f.From, f.To, maxPeriods)
	}
	return nil
}

const maxPeriods = 1200

// Dimensions returns the dimensions q involves: grouped by, then filtered
// on, in the canonical order of Dimensions.
func (q *StatisticsQuery) Dimensions() []Dimension {
	var out []Dimension
	for _, d := range Dimensions {
		if _, ok := q.Filter.Equal[d]; ok || slices.Contains(q.GroupBy, d) {
			out = append(out, d)
		}
	}
	return out
}

// normalizeKey checks a dimension value and returns its canonical form.
func normalizeKey(d Dimension, v string) (string, error) {
	v = strings.TrimSpace(v)
	switch d {
	case DimRegion:
		v = strings.ToUpper(v)
		if !IsRegionCode(v) {
			return "", fmt.Errorf("is not a region code such as KZ-11")
		}
	case DimDirection:
		v = strings.ToUpper(v)
		if !IsDirectionCode(v) {
			return "", fmt.Errorf("is not a direction code such as ECOLOGY")
		}
	case DimYear:
		if !yearRE.MatchString(v) {
			return "", fmt.Errorf("is not a year such as 2024")
		}
	case DimMonth:
		if !monthRE.MatchString(v) {
			return "", fmt.Errorf("is not a month such as 2024-03")
		}
	case DimOrganizationKind:
		v = strings.ToUpper(v)
		if !OrganizationKind(v).Valid() {
			return "", fmt.Errorf("is not one of %s", joinStrings(OrganizationKinds[:]))
		}
	case DimCountry:
		v = strings.ToUpper(v)
		if !isoRE.MatchString(v) {
			return "", fmt.Errorf("is not an ISO 3166-1 alpha-2 country code such as TR")
		}
	case DimGender:
		v = strings.ToUpper(v)
		if !isOneOf(Gender(v), Genders[:]) {
			return "", fmt.Errorf("is not one of %s", joinStrings(Genders[:]))
		}
	case DimAgeBand:
		v = strings.ToUpper(v)
		if !isOneOf(AgeBand(v), AgeBands[:]) {
			return "", fmt.Errorf("is not one of %s", joinStrings(AgeBands[:]))
		}
	case DimSource:
		if v == "" {
			return "", fmt.Errorf("is empty")
		}
	}
	return v, nil
}

// Periods lists the years or months from from to to, inclusive.
func Periods(d Dimension, from, to string) []string {
	var out []string
	switch d {
	case DimYear:
		a, _ := strconv.Atoi(from)
		b, _ := strconv.Atoi(to)
		for y := a; y <= b && len(out) <= maxPeriods; y++ {
			out = append(out, fmt.Sprintf("%04d", y))
		}
	case DimMonth:
		a, err1 := time.Parse("2006-01", from)
		b, err2 := time.Parse("2006-01", to)
		if err1 != nil || err2 != nil {
			return nil
		}
		for m := a; !m.After(b) && len(out) <= maxPeriods; m = m.AddDate(0, 1, 0) {
			out = append(out, m.Format("2006-01"))
		}
	}
	return out
}

func joinStrings[S ~string](xs []S) string {
	s := make([]string, len(xs))
	for i, x := range xs {
		s[i] = string(x)
	}
	return strings.Join(s, ", ")
}
