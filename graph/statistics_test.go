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
		AsOf string
		Rows []struct {
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
	asOf rows { keys values suppressed change } reported { metric value } } }`

// TestStatisticsOverGraphQL: anonymous callers get suppressed cells as
// null, an admin key gets every value; the answer costs a fixed number of
// statements whatever its size; bad arguments are BAD_USER_INPUT.
func TestStatisticsOverGraphQL(t *testing.T) {
	t.Parallel()
	e := setup(t)
	testutil.LoadDemo(t, e.db, 2000)
	token, err := postgres.NewKeyService(e.db).CreateKey(context.Background(), &hub.APIKey{Name: "ops", Role: hub.RoleAdmin})
	if err != nil {
		t.Fatal(err)
	}
	// The first query builds the rollup; the next read it.
	var warm statsResp
	e.query(t, statsQuery, &warm)

	var public statsResp
	stmts := e.statements(t, statsQuery, &public)
	// The current build, then per measure and grouping (3 groupings with
	// subtotals and the total), then the reported indicators.
	if len(stmts) > 1+2*4+1 {
		t.Errorf("%d statements for the statistics query:\n%s", len(stmts), strings.Join(stmts, "\n"))
	}
	var admin statsResp
	e.query(t, statsQuery, &admin, client.AddHeader("Authorization", "Bearer "+token))

	rows := public.Statistics.Rows
	if len(rows) < 40 || len(rows) != len(admin.Statistics.Rows) {
		t.Fatalf("%d public rows, %d admin rows", len(rows), len(admin.Statistics.Rows))
	}
	hidden := 0
	for i, r := range rows {
		a := admin.Statistics.Rows[i]
		if a.Suppressed || a.Values[0] == nil {
			t.Fatalf("admin row %v is suppressed", a.Keys)
		}
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
		if *r.Values[0] != *a.Values[0] {
			t.Fatalf("row %v: %v public, %v admin", r.Keys, *r.Values[0], *a.Values[0])
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
