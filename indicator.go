package hub

import (
	"context"
	"math"
	"regexp"
	"time"
)

// Indicator is a figure a source published ("volunteer organizations: 682"),
// kept apart from the figures the hub counts from records.
type Indicator struct {
	ID          int64
	Metric      string // snake_case, e.g. volunteer_organizations
	Value       float64
	Unit        string
	Period      string // as published: 2023, 2023-06, or 2023-01-01/2023-06-30
	PeriodStart time.Time
	PeriodEnd   time.Time
	RegionCode  string // empty for the whole country
	Source      string // name of the source that reported it
	CitationURL string
	Note        LocalizedText
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

var metricRe = regexp.MustCompile(`^[a-z][a-z0-9_]{0,99}$`)

// Validate reports every problem with i as field errors. The period must
// already be parsed into PeriodStart and PeriodEnd (see ParsePeriod).
func (i *Indicator) Validate() error {
	var fe FieldErrors
	if !metricRe.MatchString(i.Metric) {
		fe.Add("metric", "must be snake_case letters, digits and _ (e.g. volunteer_organizations)")
	}
	if math.IsNaN(i.Value) || math.IsInf(i.Value, 0) {
		fe.Add("value", "must be a finite number")
	}
	checkText(&fe, "unit", i.Unit, MaxShortTextLen)
	checkRegion(&fe, "region", i.RegionCode, false)
	checkURL(&fe, "citation_url", i.CitationURL)
	checkLocalized(&fe, "note", i.Note, MaxDescriptionLen)
	return fe.Err()
}

// ParsePeriod reads a period as sources publish it: a year ("2023"), a month
// ("2023-06"), a day, or a range of those separated by "/" ("2019/2023").
// It returns the first and last day covered.
func ParsePeriod(s string) (start, end time.Time, err error) {
	bounds := func(p string) (time.Time, time.Time, bool) {
		if t, err := time.Parse("2006", p); err == nil {
			return t, t.AddDate(1, 0, -1), true
		}
		if t, err := time.Parse("2006-01", p); err == nil {
			return t, t.AddDate(0, 1, -1), true
		}
		if t, err := time.Parse(time.DateOnly, p); err == nil {
			return t, t, true
		}
		return time.Time{}, time.Time{}, false
	}
	a, b := s, s
	for i := 0; i < len(s); i++ {
		if s[i] == '/' {
			a, b = s[:i], s[i+1:]
			break
		}
	}
	start, _, ok1 := bounds(a)
	_, end, ok2 := bounds(b)
	if !ok1 || !ok2 {
		return start, end, Errorf(EINVALID, "period must be a year (2023), a month (2023-06), a date, or a range of those like 2019/2023")
	}
	if end.Before(start) {
		return start, end, Errorf(EINVALID, "period ends before it starts")
	}
	if start.Before(MinDate) || end.After(MaxDate) {
		return start, end, Errorf(EINVALID, "period is out of range (%d–%d)", MinDate.Year(), MaxDate.Year())
	}
	return start, end, nil
}

// IndicatorFilter selects indicators; empty fields select all.
type IndicatorFilter struct {
	Metrics []string
	Regions []string
	Sources []string
	Period  DateRange // the indicator's period overlaps the range
}

// IndicatorService reads reported indicators.
type IndicatorService interface {
	// FindIndicators returns the live indicators f selects, by metric, then period.
	FindIndicators(ctx context.Context, f IndicatorFilter) ([]*Indicator, error)
	// FindIndicatorsByIDs returns the live indicators among ids, in any order.
	FindIndicatorsByIDs(ctx context.Context, ids []int64) ([]*Indicator, error)
}
