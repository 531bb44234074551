package graph_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/99designs/gqlgen/client"

	hub "github.com/birgemiz/hub"
	"github.com/birgemiz/hub/internal/testutil"
	"github.com/birgemiz/hub/postgres"
)

type statsResp struct {
	Statistics struct {
		AsOf  string
		Exact bool
		Rows  []struct {
			Keys       []*string
			Values     []*float64
			Suppressed bool
			Change     []*float64
		}
		Reported []struct {
			Metric string
			Value  float64
		}
	}
}

const statsQuery = `{ statistics(measures: [VOLUNTEERS, VOLUNTEER_HOURS], groupBy: [REGION, GENDER], filter: {year: "2024"}, subtotals: true) {
	asOf exact rows { keys values suppressed change } reported { metric value } } }`

// TestStatisticsOverGraphQL: anonymous callers get small cells as null and
// the others perturbed within their bounds, an admin key gets every value
// exact; the answer costs a fixed number of statements, in one round trip,
// whatever its size; bad arguments are BAD_USER_INPUT.
func TestStatisticsOverGraphQL(t *testing.T) {
	t.Parallel()
	e := setup(t)
	testutil.LoadDemo(t, e.db, 2000)
	token, err := postgres.NewKeyService(e.db).CreateKey(context.Background(), &hub.APIKey{Name: "ops", Role: hub.RoleAdmin})
	if err != nil {
		t.Fatal(err)
	}
	// The first query builds the rollup (another question, so that the
	// next one is not answered from the build's cache).
	var warm statsResp
	e.query(t, strings.Replace(statsQuery, "subtotals: true", "subtotals: false", 1), &warm)

	var public statsResp
	stmts := e.statements(t, statsQuery, &public)
	// The current build with the sources' names, then the plan's reads in
	// one batch (each grouping's cells and its ancestors' small cells, per
	// measure) with the statistics secret, then the reported indicators.
	plan, err := hub.PlanStatistics(hub.StatisticsQuery{Measures: []hub.Measure{hub.MeasureVolunteers, hub.MeasureVolunteerHours},
		GroupBy: []hub.Dimension{hub.DimRegion, hub.DimGender}, Subtotals: true,
		Filter: hub.StatisticsFilter{Equal: map[hub.Dimension]string{hub.DimYear: "2024"}}}, false)
	if err != nil {
		t.Fatal(err)
	}
	if want := 1 + len(plan.Reads) + 1 + 1; len(stmts) != want { // + the secret
		t.Errorf("%d statements for the statistics query, want %d:\n%s", len(stmts), want, strings.Join(stmts, "\n"))
	}
	// Asked again of the same build: the current build and the reported
	// indicators only (docs/statistics.md, Freshness).
	var again statsResp
	if stmts := e.statements(t, statsQuery, &again); len(stmts) != 2 {
		t.Errorf("%d statements for the same question again, want 2:\n%s", len(stmts), strings.Join(stmts, "\n"))
	}
	var admin statsResp
	e.query(t, statsQuery, &admin, client.AddHeader("Authorization", "Bearer "+token))
	if public.Statistics.Exact || !admin.Statistics.Exact {
		t.Errorf("exact: %v for anonymous, %v for admin", public.Statistics.Exact, admin.Statistics.Exact)
	}

	rows := public.Statistics.Rows
	exact := map[string][]*float64{}
	for _, a := range admin.Statistics.Rows {
		if a.Suppressed || a.Values[0] == nil {
			t.Fatalf("admin row %v is suppressed", a.Keys)
		}
		exact[keyOf(a.Keys)] = a.Values
	}
	if len(rows) < 40 {
		t.Fatalf("%d public rows", len(rows))
	}
	hidden := 0
	for _, r := range rows {
		a := exact[keyOf(r.Keys)] // nil: an empty cell inside a small one
		if r.Suppressed {
			hidden++
			if r.Values[0] != nil && r.Values[1] != nil {
				t.Fatalf("row %v suppressed with both values shown", r.Keys)
			}
			continue
		}
		if v := *r.Values[0]; v > 0 && v < 10 {
			t.Fatalf("row %v publishes %v volunteers", r.Keys, v)
		}
		if a == nil {
			t.Fatalf("row %v is published but the admin has no such row", r.Keys)
		}
		if d := *r.Values[0] - *a[0]; d < -hub.MaxCountNoise || d > hub.MaxCountNoise {
			t.Fatalf("row %v: %v volunteers public, %v admin", r.Keys, *r.Values[0], *a[0])
		}
		if d := *r.Values[1] - *a[1]; d < -hub.MagnitudeShare**a[1]-0.5 || d > hub.MagnitudeShare**a[1]+0.5 {
			t.Fatalf("row %v: %v hours public, %v admin", r.Keys, *r.Values[1], *a[1])
		}
	}
	if hidden == 0 {
		t.Fatal("no suppressed row: the data does not exercise suppression")
	}
	if public.Statistics.AsOf == "" {
		t.Fatal("no asOf")
	}
	t.Logf("%d rows, %d suppressed for anonymous callers, %d statements", len(rows), hidden, len(stmts))

	for _, c := range []struct{ query, want string }{
		{`{ statistics(measures: [UN_PLACEMENTS], groupBy: [COUNTRY, MONTH, AGE_BAND], filter: {from: "2000-01", to: "2025-12"}) { asOf } }`, "fix a dimension with the filter"},
		{`{ statistics(measures: [VOLUNTEERS], groupBy: [REGION, DIRECTION, GENDER, AGE_BAND]) { asOf } }`, "at most 3 dimensions"},
		{`{ statistics(measures: [PROJECTS], groupBy: [GENDER]) { asOf } }`, "PROJECTS cannot be broken down by GENDER"},
		{`{ statistics(measures: [VOLUNTEERS], groupBy: [YEAR], filter: {from: "2025", to: "2019"}) { asOf } }`, "inverted"},
		{`{ statistics(measures: [VOLUNTEERS], filter: {region: "KZ-11' OR 1=1 --"}) { asOf } }`, "is not a region code"},
	} {
		raw, err := e.client.RawPost(c.query)
		if err != nil {
			t.Fatal(err)
		}
		var errs []struct {
			Message    string
			Extensions struct{ Code string }
		}
		_ = json.Unmarshal(raw.Errors, &errs)
		if len(errs) == 0 || !strings.Contains(errs[0].Message, c.want) ||
			errs[0].Extensions.Code != "BAD_USER_INPUT" {
			t.Errorf("%s: errors %s, want BAD_USER_INPUT with %q", c.query, raw.Errors, c.want)
		}
	}
}

func keyOf(keys []*string) string {
	var b strings.Builder
	for _, k := range keys {
		if k == nil {
			b.WriteString("∗|")
		} else {
			b.WriteString(*k + "|")
		}
	}
	return b.String()
}
