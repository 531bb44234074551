package postgres_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	hub "github.com/birgemiz/hub"
	"github.com/birgemiz/hub/internal/testutil"
	"github.com/birgemiz/hub/postgres"
)

// statsFixture is a database with the demo data (the article feeds and
// 3,000 synthetic volunteers) and a built rollup.
type statsFixture struct {
	db    *postgres.DB
	stats *postgres.StatisticsService
	build *hub.RollupBuild
}

func setupStats(t *testing.T) *statsFixture {
	t.Helper()
	db := testutil.NewDB(t)
	testutil.LoadDemo(t, db, 3000)
	f := &statsFixture{db: db, stats: postgres.NewStatisticsService(db)}
	var err error
	if f.build, err = f.stats.RebuildStatistics(context.Background()); err != nil {
		t.Fatal(err)
	}
	return f
}

func (f *statsFixture) query(t *testing.T, q hub.StatisticsQuery, reveal bool) *hub.Statistics {
	t.Helper()
	s, err := f.stats.Statistics(context.Background(), q, reveal)
	if err != nil {
		t.Fatalf("%+v: %v", q, err)
	}
	return s
}

func str(p *string) string {
	if p == nil {
		return "∗"
	}
	return *p
}

func val(p *float64) string {
	if p == nil {
		return "null"
	}
	return fmt.Sprint(*p)
}

// TestRollupAgreesWithLiveCounts compares every cell of every rollup with
// the same count made live, for every measure and every set of up to
// three of its dimensions.
func TestRollupAgreesWithLiveCounts(t *testing.T) {
	t.Parallel()
	f := setupStats(t)
	ctx := context.Background()
	t.Logf("build: %d cells, %d suppressed, in %s", f.build.Cells, f.build.Suppressed, f.build.Took)
	compared := 0
	for _, m := range hub.Measures {
		for _, dims := range postgres.DimensionSets(hub.MeasureDimensions[m]) {
			live, err := f.stats.LiveCells(ctx, m, dims)
			if err != nil {
				t.Fatal(err)
			}
			rolled, err := f.stats.RollupCells(ctx, m, dims)
			if err != nil {
				t.Fatal(err)
			}
			want := map[string]string{}
			for _, c := range live {
				want[c.ID()] = fmt.Sprintf("%v/%d", c.Value, c.People)
			}
			got := map[string]string{}
			for _, c := range rolled {
				got[c.ID()] = fmt.Sprintf("%v/%d", c.Value, c.People)
			}
			if len(want) != len(got) {
				t.Errorf("%s by %v: %d live cells, %d in the rollup", m, dims, len(want), len(got))
			}
			for id, w := range want {
				if got[id] != w {
					t.Errorf("%s %s: live %s, rollup %q", m, id, w, got[id])
				}
			}
			compared += len(want)
		}
	}
	if compared < 1000 {
		t.Fatalf("compared only %d cells: the demo data is too thin to prove anything", compared)
	}
	t.Logf("compared %d cells", compared)
}

// TestStatisticsNeverPublishesSmallCells is the property test: random
// measures, groupings (with subtotals and totals) and filters; no value
// published to a non-admin counts 1 to 9 people, and every published value
// equals the rollup cell it comes from, whatever query shows it.
func TestStatisticsNeverPublishesSmallCells(t *testing.T) {
	t.Parallel()
	f := setupStats(t)
	ctx := context.Background()
	r := rand.New(rand.NewPCG(11, 12))
	// The cells as counted, to check against.
	measures := []hub.Measure{hub.MeasureVolunteers, hub.MeasureVolunteerHours, hub.MeasureUNPlacements, hub.MeasureBeneficiaries}
	counted := map[string]*hub.Cell{}
	for _, m := range measures {
		for _, dims := range postgres.DimensionSets(hub.MeasureDimensions[m]) {
			cells, err := f.stats.RollupCells(ctx, m, dims)
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range cells {
				counted[string(m)+" "+c.ID()] = c
			}
		}
	}
	suppressedSeen, published := 0, 0
	for i := 0; i < 300; i++ {
		m := measures[r.IntN(len(measures))]
		dims := hub.MeasureDimensions[m]
		set := postgres.DimensionSets(dims)
		chosen := set[r.IntN(len(set))]
		q := hub.StatisticsQuery{Measures: []hub.Measure{m}, Subtotals: r.IntN(2) == 0, Total: r.IntN(2) == 0,
			Filter: hub.StatisticsFilter{Equal: map[hub.Dimension]string{}}}
		// Some of the chosen dimensions are filtered on, to a value that has data.
		for _, d := range chosen {
			if r.IntN(3) == 0 {
				cells, _ := f.stats.RollupCells(ctx, m, []hub.Dimension{d})
				if len(cells) > 0 {
					q.Filter.Equal[d] = cells[r.IntN(len(cells))].Keys[0]
					continue
				}
			}
			q.GroupBy = append(q.GroupBy, d)
		}
		s := f.query(t, q, false)
		for _, row := range s.Rows {
			dimsOf, keys := []hub.Dimension{}, []string{}
			for _, d := range hub.Dimensions {
				if v, ok := q.Filter.Equal[d]; ok {
					dimsOf, keys = append(dimsOf, d), append(keys, v)
				} else if j := slices.Index(q.GroupBy, d); j >= 0 && row.Keys[j] != nil {
					dimsOf, keys = append(dimsOf, d), append(keys, *row.Keys[j])
				}
			}
			id := string(m) + " " + (&hub.Cell{Dims: dimsOf, Keys: keys}).ID()
			c := counted[id]
			n := 0
			if c != nil {
				n = c.People
			}
			if row.Values[0] == nil {
				suppressedSeen++
				if !row.Suppressed {
					t.Fatalf("%s: a null value not marked suppressed", id)
				}
				continue
			}
			published++
			if n > 0 && n < hub.MinPublishedPeople {
				t.Fatalf("query %+v published %s = %v, a cell of %d people", q, id, *row.Values[0], n)
			}
			// The same value whatever query shows the cell: its own perturbation.
			if want := 0.0; c != nil && *row.Values[0] != c.Perturbed() || c == nil && *row.Values[0] != want {
				t.Fatalf("query %+v published %s = %v; the cell publishes %v", q, id, *row.Values[0], c)
			}
			if v := *row.Values[0]; v > 0 && v < hub.MinPublishedPeople && m != hub.MeasureVolunteerHours {
				t.Fatalf("query %+v published %s = %v people", q, id, v)
			}
		}
	}
	if suppressedSeen == 0 || published == 0 {
		t.Fatalf("%d suppressed and %d published values seen: the data does not exercise suppression", suppressedSeen, published)
	}
	t.Logf("300 random queries: %d values published, %d suppressed", published, suppressedSeen)
}

// TestStatisticsAnswers checks the shape of answers: grouping, filter as a
// slice of the same cells, subtotals and total, admin reveal, time series
// with gaps filled and changes, and reported figures beside counted ones.
func TestStatisticsAnswers(t *testing.T) {
	t.Parallel()
	f := setupStats(t)

	// A filter is a slice of the grouped answer, cell for cell.
	byRegionYear := f.query(t, hub.StatisticsQuery{Measures: []hub.Measure{hub.MeasureVolunteers}, GroupBy: []hub.Dimension{hub.DimRegion, hub.DimYear}}, false)
	if len(byRegionYear.Rows) < 20 {
		t.Fatalf("%d rows by region and year", len(byRegionYear.Rows))
	}
	want := map[string]string{}
	for _, r := range byRegionYear.Rows {
		if str(r.Keys[0]) == "KZ-11" {
			want[str(r.Keys[1])] = val(r.Values[0])
		}
	}
	akmola := f.query(t, hub.StatisticsQuery{Measures: []hub.Measure{hub.MeasureVolunteers}, GroupBy: []hub.Dimension{hub.DimYear},
		Filter: hub.StatisticsFilter{Equal: map[hub.Dimension]string{hub.DimRegion: "kz-11"}}}, false)
	for _, r := range akmola.Rows {
		if w, ok := want[str(r.Keys[0])]; ok && w != val(r.Values[0]) {
			t.Errorf("KZ-11 in %s: %s filtered, %s grouped", str(r.Keys[0]), val(r.Values[0]), w)
		}
	}

	// Subtotals and a total: rows with null keys, the total last.
	q := hub.StatisticsQuery{Measures: []hub.Measure{hub.MeasureVolunteers, hub.MeasureProjects}, GroupBy: []hub.Dimension{hub.DimRegion, hub.DimDirection}, Subtotals: true, Total: true}
	s := f.query(t, q, false)
	last := s.Rows[len(s.Rows)-1]
	if last.Keys[0] != nil || last.Keys[1] != nil {
		t.Fatalf("last row %v, want the grand total", last.Keys)
	}
	var volunteers int
	if err := f.db.Pool.QueryRow(context.Background(), `SELECT count(*) FROM volunteers WHERE deleted_at IS NULL`).Scan(&volunteers); err != nil {
		t.Fatal(err)
	}
	// Others see the count perturbed by at most ±3 (disclosure.go); admins see it exact.
	if last.Values[0] == nil || abs(int(*last.Values[0])-volunteers) > hub.MaxCountNoise {
		t.Errorf("grand total %s volunteers, the table holds %d", val(last.Values[0]), volunteers)
	}
	if exact := f.query(t, q, true); exact.Rows[len(exact.Rows)-1].Values[0] == nil || int(*exact.Rows[len(exact.Rows)-1].Values[0]) != volunteers {
		t.Errorf("admin's grand total %s volunteers, the table holds %d", val(exact.Rows[len(exact.Rows)-1].Values[0]), volunteers)
	}
	if s.Exact || !f.query(t, q, true).Exact {
		t.Error("Exact should be false for others, true for admins")
	}
	regionTotals := 0
	for _, r := range s.Rows {
		if r.Keys[0] != nil && r.Keys[1] == nil {
			regionTotals++
		}
	}
	if regionTotals != 20 {
		t.Errorf("%d region subtotals, want 20 (every region has volunteers)", regionTotals)
	}

	// The admin sees every value; others see suppressed ones as null.
	q = hub.StatisticsQuery{Measures: []hub.Measure{hub.MeasureVolunteers}, GroupBy: []hub.Dimension{hub.DimRegion, hub.DimAgeBand, hub.DimGender}}
	public, admin := f.query(t, q, false), f.query(t, q, true)
	adminRows := map[string]hub.StatisticsRow{}
	for _, r := range admin.Rows {
		if r.Suppressed {
			t.Fatalf("admin row %v is hidden", r.Keys)
		}
		adminRows[str(r.Keys[0])+str(r.Keys[1])+str(r.Keys[2])] = r
	}
	hidden := 0
	for _, r := range public.Rows {
		if r.Suppressed {
			hidden++
			// A suppressed row counts fewer than 15 people (1 to 9, or 10 to
			// 14 perturbed below 10), or none.
			if a, ok := adminRows[str(r.Keys[0])+str(r.Keys[1])+str(r.Keys[2])]; ok && *a.Values[0] > hub.MaxSuppressedPeople {
				t.Fatalf("row %v of %v people is suppressed", r.Keys, *a.Values[0])
			}
		}
	}
	if hidden == 0 {
		t.Fatal("no cell suppressed by region × age band × gender: the data does not exercise suppression")
	}

	// A time series: every month from..to, zeros where nothing happened,
	// and the change from the month before.
	ts := f.query(t, hub.StatisticsQuery{Measures: []hub.Measure{hub.MeasureProjects}, GroupBy: []hub.Dimension{hub.DimMonth},
		Filter: hub.StatisticsFilter{From: "1990-01", To: "1990-12"}}, false)
	if len(ts.Rows) != 12 {
		t.Fatalf("%d rows for 12 months", len(ts.Rows))
	}
	for i, r := range ts.Rows {
		if want := fmt.Sprintf("1990-%02d", i+1); str(r.Keys[0]) != want || val(r.Values[0]) != "0" {
			t.Errorf("row %d: %s = %s, want %s = 0", i, str(r.Keys[0]), val(r.Values[0]), want)
		}
		if i > 0 && val(r.Change[0]) != "0" {
			t.Errorf("row %d change %s, want 0", i, val(r.Change[0]))
		}
	}
	// The months of a year: a year fixed by the filter of a MONTH grouping
	// is its January to December, and leaves room for two more dimensions.
	bounded := hub.StatisticsQuery{Measures: []hub.Measure{hub.MeasureVolunteers}, GroupBy: []hub.Dimension{hub.DimRegion, hub.DimMonth},
		Filter: hub.StatisticsFilter{From: "2024-01", To: "2024-12", Equal: map[hub.Dimension]string{hub.DimDirection: "ECOLOGY"}}}
	ofYear := bounded
	ofYear.Filter = hub.StatisticsFilter{Equal: map[hub.Dimension]string{hub.DimDirection: "ECOLOGY", hub.DimYear: "2024"}}
	b, y := f.query(t, bounded, true), f.query(t, ofYear, true)
	render := func(s *hub.Statistics) string {
		var out strings.Builder
		for _, r := range s.Rows {
			fmt.Fprintf(&out, "%s %s %s %s\n", str(r.Keys[0]), str(r.Keys[1]), val(r.Values[0]), val(r.Change[0]))
		}
		return out.String()
	}
	if len(b.Rows) == 0 || len(b.Rows)%12 != 0 || render(b) != render(y) {
		t.Errorf("months of 2024 by year filter: %d rows, by from/to: %d rows (want 12 per region, equal)", len(y.Rows), len(b.Rows))
	}

	// Subtotals and totals over the months of one year are the year's: the
	// same as grouping by region alone for that year.
	ofYear.Subtotals, ofYear.Total = true, true
	ofYear.Filter = hub.StatisticsFilter{Equal: map[hub.Dimension]string{hub.DimDirection: "ECOLOGY", hub.DimYear: "2024"}}
	months := f.query(t, ofYear, true)
	byRegion := f.query(t, hub.StatisticsQuery{Measures: []hub.Measure{hub.MeasureVolunteers}, GroupBy: []hub.Dimension{hub.DimRegion},
		Filter: hub.StatisticsFilter{Equal: map[hub.Dimension]string{hub.DimDirection: "ECOLOGY", hub.DimYear: "2024"}}, Total: true}, true)
	want2024 := map[string]string{}
	for _, r := range byRegion.Rows {
		want2024[str(r.Keys[0])] = val(r.Values[0])
	}
	overYear := 0
	for _, r := range months.Rows {
		if r.Keys[1] != nil {
			continue
		}
		overYear++
		if w := want2024[str(r.Keys[0])]; val(r.Values[0]) != w {
			t.Errorf("months of 2024, %s over the year: %s, the year's own count %s", str(r.Keys[0]), val(r.Values[0]), w)
		}
	}
	if overYear != len(byRegion.Rows) {
		t.Errorf("%d rows over the months of 2024, want %d (each region and the total)", overYear, len(byRegion.Rows))
	}

	// A range of years has no row over all its years: distinct people are
	// not the sum of the years', and the rollups hold no such cell. One
	// year alone does.
	span := f.query(t, hub.StatisticsQuery{Measures: []hub.Measure{hub.MeasureVolunteers}, GroupBy: []hub.Dimension{hub.DimRegion, hub.DimYear},
		Filter: hub.StatisticsFilter{From: "2023", To: "2024"}, Subtotals: true, Total: true}, true)
	for _, r := range span.Rows {
		if r.Keys[1] == nil {
			t.Fatalf("2023–2024 has a row over all years: %s %s = %s", str(r.Keys[0]), str(r.Keys[1]), val(r.Values[0]))
		}
	}
	one := f.query(t, hub.StatisticsQuery{Measures: []hub.Measure{hub.MeasureVolunteers}, GroupBy: []hub.Dimension{hub.DimYear},
		Filter: hub.StatisticsFilter{From: "2024", To: "2024"}, Total: true}, true)
	if len(one.Rows) != 2 || str(one.Rows[0].Keys[0]) != "2024" || one.Rows[1].Keys[0] != nil || val(one.Rows[0].Values[0]) != val(one.Rows[1].Values[0]) {
		t.Errorf("2024 alone with its total: %d rows", len(one.Rows))
	}

	years := f.query(t, hub.StatisticsQuery{Measures: []hub.Measure{hub.MeasureVolunteers}, GroupBy: []hub.Dimension{hub.DimYear}}, true)
	for i := 1; i < len(years.Rows); i++ {
		a, b := *years.Rows[i-1].Keys[0], *years.Rows[i].Keys[0]
		if fmt.Sprint(atoi(a)+1) != b {
			t.Fatalf("years %s then %s: a gap", a, b)
		}
		if d := *years.Rows[i].Values[0] - *years.Rows[i-1].Values[0]; years.Rows[i].Change[0] == nil || *years.Rows[i].Change[0] != d {
			t.Fatalf("%s change %s, want %v", b, val(years.Rows[i].Change[0]), d)
		}
	}

	// Counted organizations beside the reported figure (682).
	orgs := f.query(t, hub.StatisticsQuery{Measures: []hub.Measure{hub.MeasureOrganizations}, Total: true}, false)
	found := false
	for _, ind := range orgs.Reported {
		if ind.Metric == "volunteer_organizations" && ind.Value == 682 {
			found = true
		}
	}
	if !found {
		t.Errorf("reported figures %v lack volunteer_organizations = 682", orgs.Reported)
	}
	if orgs.AsOf.IsZero() {
		t.Error("no asOf")
	}
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

func atoi(s string) int {
	n := 0
	fmt.Sscan(s, &n)
	return n
}

// TestStatisticsBadInput: each mistake is a clear EINVALID naming what to fix.
func TestStatisticsBadInput(t *testing.T) {
	t.Parallel()
	f := &statsFixture{db: testutil.NewDB(t)}
	f.stats = postgres.NewStatisticsService(f.db)
	vol := []hub.Measure{hub.MeasureVolunteers}
	for _, c := range []struct {
		q    hub.StatisticsQuery
		want string
	}{
		{hub.StatisticsQuery{}, "ask for at least one measure"},
		{hub.StatisticsQuery{Measures: []hub.Measure{"PEOPLE"}}, `"PEOPLE" is not a measure`},
		{hub.StatisticsQuery{Measures: vol, GroupBy: []hub.Dimension{"CITY"}}, `"CITY" is not a dimension`},
		{hub.StatisticsQuery{Measures: vol, GroupBy: []hub.Dimension{hub.DimRegion, hub.DimDirection, hub.DimGender, hub.DimAgeBand}}, "at most 3 dimensions"},
		{hub.StatisticsQuery{Measures: vol, GroupBy: []hub.Dimension{hub.DimRegion, hub.DimDirection, hub.DimGender},
			Filter: hub.StatisticsFilter{Equal: map[hub.Dimension]string{hub.DimYear: "2024"}}}, "at most 3 dimensions"},
		{hub.StatisticsQuery{Measures: vol, GroupBy: []hub.Dimension{hub.DimYear, hub.DimMonth}}, "YEAR and MONTH cannot be combined"},
		{hub.StatisticsQuery{Measures: vol, GroupBy: []hub.Dimension{hub.DimMonth}, Filter: hub.StatisticsFilter{From: "2024-04",
			Equal: map[hub.Dimension]string{hub.DimYear: "2024"}}}, "give from and to alone"},
		{hub.StatisticsQuery{Measures: vol, GroupBy: []hub.Dimension{hub.DimMonth}, Filter: hub.StatisticsFilter{
			Equal: map[hub.Dimension]string{hub.DimYear: "24"}}}, `"24" is not a year`},
		{hub.StatisticsQuery{Measures: vol, GroupBy: []hub.Dimension{hub.DimYear}, Filter: hub.StatisticsFilter{
			Equal: map[hub.Dimension]string{hub.DimMonth: "2024-05"}}}, "YEAR and MONTH cannot be combined"},
		{hub.StatisticsQuery{Measures: vol, GroupBy: []hub.Dimension{hub.DimCountry}}, "VOLUNTEERS cannot be broken down by COUNTRY"},
		{hub.StatisticsQuery{Measures: []hub.Measure{hub.MeasureProjects}, GroupBy: []hub.Dimension{hub.DimGender}}, "PROJECTS cannot be broken down by GENDER"},
		{hub.StatisticsQuery{Measures: vol, GroupBy: []hub.Dimension{hub.DimYear}, Filter: hub.StatisticsFilter{From: "2025", To: "2020"}}, "inverted"},
		{hub.StatisticsQuery{Measures: vol, GroupBy: []hub.Dimension{hub.DimMonth}, Filter: hub.StatisticsFilter{From: "2024-07", To: "2024-02"}}, "inverted"},
		{hub.StatisticsQuery{Measures: vol, GroupBy: []hub.Dimension{hub.DimYear}, Filter: hub.StatisticsFilter{From: "2024-13"}}, "is not a year"},
		{hub.StatisticsQuery{Measures: vol, Filter: hub.StatisticsFilter{From: "2024"}}, "group by YEAR or MONTH"},
		{hub.StatisticsQuery{Measures: vol, Filter: hub.StatisticsFilter{Equal: map[hub.Dimension]string{hub.DimRegion: "KZ-99"}}}, "is not a region code"},
		{hub.StatisticsQuery{Measures: vol, Filter: hub.StatisticsFilter{Equal: map[hub.Dimension]string{hub.DimRegion: "KZ-11'; DROP TABLE volunteers; --"}}}, "is not a region code"},
		{hub.StatisticsQuery{Measures: vol, GroupBy: []hub.Dimension{hub.DimRegion}, Filter: hub.StatisticsFilter{Equal: map[hub.Dimension]string{hub.DimRegion: "KZ-11"}}}, "both grouped by and fixed"},
		{hub.StatisticsQuery{Measures: []hub.Measure{hub.MeasureVolunteers, hub.MeasureVolunteers}}, "asked for twice"},
	} {
		_, err := f.stats.Statistics(context.Background(), c.q, false)
		if hub.ErrorCode(err) != hub.EINVALID || !strings.Contains(hub.ErrorMessage(err), c.want) {
			t.Errorf("%+v: got %v, want EINVALID with %q", c.q, err, c.want)
		}
	}
}

// TestStatisticsCountsAPersonOnce: a volunteer two sources report (same
// IIN) is one volunteer in every cell and total.
func TestStatisticsCountsAPersonOnce(t *testing.T) {
	t.Parallel()
	db := testutil.NewDB(t)
	a, b := testutil.NewSeeder(t, db, "platform-a"), testutil.NewSeeder(t, db, "platform-b")
	var recsA, recsB []*hub.FeedRecord
	for i := range 12 {
		at := testutil.Volunteer(fmt.Sprintf("a%d", i), "KZ-11")
		bt := testutil.Volunteer(fmt.Sprintf("b%d", i), "KZ-11")
		consent := at.UpdatedAt
		iin := fmt.Sprintf("9901013%05d", i)
		at.Personal = &hub.VolunteerPersonal{IIN: iin, ConsentRef: "c", ConsentAt: &consent}
		bt.Personal = &hub.VolunteerPersonal{IIN: iin, ConsentRef: "c", ConsentAt: &consent}
		recsA, recsB = append(recsA, at), append(recsB, bt)
	}
	a.Apply(recsA...)
	b.Apply(recsB...)
	s := postgres.NewStatisticsService(db)
	got, err := s.Statistics(context.Background(), hub.StatisticsQuery{Measures: []hub.Measure{hub.MeasureVolunteers},
		GroupBy: []hub.Dimension{hub.DimSource}, Total: true}, true)
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, r := range got.Rows {
		lines = append(lines, str(r.Keys[0])+"="+val(r.Values[0]))
	}
	if w := "platform-a=12 platform-b=12 ∗=12"; strings.Join(lines, " ") != w {
		t.Fatalf("volunteers by source: %s, want %s", strings.Join(lines, " "), w)
	}
}

// Concurrent statistics requests share a small pool without waiting on
// each other: each gives its connection back before asking for another
// (a request that held its batch's connection while reading the reported
// figures took the whole pool with four requests, and every one waited).
func TestStatisticsConcurrentOnSmallPool(t *testing.T) {
	t.Parallel()
	db := testutil.NewDBWith(t, func(db *postgres.DB) { db.MaxConns = 2 })
	stats := postgres.NewStatisticsService(db)
	testutil.NewSeeder(t, db, "seed-portal").Apply(testutil.Volunteer("v1", "KZ-11"))
	if _, err := stats.RebuildStatistics(context.Background()); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	q := hub.StatisticsQuery{Measures: []hub.Measure{hub.MeasureVolunteers, hub.MeasureOrganizations}, GroupBy: []hub.Dimension{hub.DimRegion}, Total: true}
	errs := make(chan error, 12)
	for range 12 {
		go func() {
			_, err := stats.Statistics(ctx, q, false)
			errs <- err
		}()
	}
	for range 12 {
		if err := <-errs; err != nil {
			t.Fatalf("a statistics request on a pool of 2: %v", err)
		}
	}
}

// TestStatisticsAnswersAreCachedPerBuild: the same question asked again of
// the same build reads no cells; a new build, or the other role, gets its
// own answer.
func TestStatisticsAnswersAreCachedPerBuild(t *testing.T) {
	t.Parallel()
	stmts := &testutil.StatementCounter{}
	db := testutil.NewDBWith(t, func(db *postgres.DB) { db.Tracer = stmts })
	seed := testutil.NewSeeder(t, db, "akmola-portal")
	var recs []*hub.FeedRecord
	for i := range 30 {
		recs = append(recs, testutil.Volunteer(fmt.Sprintf("v%d", i), "KZ-11"))
	}
	seed.Apply(recs...)
	stats := postgres.NewStatisticsService(db)
	ctx := context.Background()
	if _, err := stats.RebuildStatistics(ctx); err != nil {
		t.Fatal(err)
	}
	q := hub.StatisticsQuery{Measures: []hub.Measure{hub.MeasureVolunteers}, GroupBy: []hub.Dimension{hub.DimRegion}, Total: true}
	ask := func(reveal bool) (*hub.Statistics, []string) {
		t.Helper()
		stmts.Reset()
		s, err := stats.Statistics(ctx, q, reveal)
		if err != nil {
			t.Fatal(err)
		}
		return s, stmts.Statements()
	}
	readsCells := func(sql []string) bool {
		return slices.ContainsFunc(sql, func(s string) bool { return strings.Contains(s, "FROM stat_cells") })
	}
	first, sql := ask(true)
	if !readsCells(sql) {
		t.Fatalf("the first answer read no cells: %q", sql)
	}
	again, sql := ask(true)
	if readsCells(sql) {
		t.Errorf("the same question of the same build read cells again: %q", sql)
	}
	if total := again.Rows[len(again.Rows)-1].Values[0]; total == nil || *total != 30 || !slices.EqualFunc(first.Rows, again.Rows,
		func(a, b hub.StatisticsRow) bool { return *a.Values[0] == *b.Values[0] }) {
		t.Errorf("the cached answer differs: %v", again.Rows)
	}
	if _, sql := ask(false); !readsCells(sql) {
		t.Errorf("the protected answer came from the exact one's cache: %q", sql)
	}

	more := testutil.Volunteer("v30", "KZ-11")
	more.UpdatedAt = more.UpdatedAt.Add(time.Hour)
	seed.Apply(more)
	if _, err := stats.RebuildStatistics(ctx); err != nil {
		t.Fatal(err)
	}
	if counted, held := stats.CachedAnswerRows(); counted != held || held == 0 {
		t.Errorf("the answer cache counts %d rows and holds %d", counted, held)
	}
	after, sql := ask(true)
	if !readsCells(sql) || *after.Rows[len(after.Rows)-1].Values[0] != 31 {
		t.Errorf("after a new build: total %v (read cells: %v), want 31 from the new build", *after.Rows[len(after.Rows)-1].Values[0], readsCells(sql))
	}
}

// TestSmallCellsColumn checks that stat_cells.small, which the reads of
// cells that may be suppressed select by, is the range of
// hub.MaxSuppressedPeople: a migration fixes it, the constant may change.
func TestSmallCellsColumn(t *testing.T) {
	t.Parallel()
	db := testutil.NewDB(t)
	var expr string
	if err := db.Pool.QueryRow(context.Background(), `SELECT pg_get_expr(d.adbin, d.adrelid) FROM pg_attrdef d
		JOIN pg_attribute a ON a.attrelid = d.adrelid AND a.attnum = d.adnum
		WHERE d.adrelid = 'stat_cells'::regclass AND a.attname = 'small'`).Scan(&expr); err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprintf("((people >= 1) AND (people <= %d))", hub.MaxSuppressedPeople)
	if expr != want {
		t.Fatalf("stat_cells.small is %s; hub.MaxSuppressedPeople wants %s (a migration must change the column)", expr, want)
	}
}
