package hub_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	hub "github.com/birgemiz/hub"
)

func TestCountNoise(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(1, 2))
	counts := map[int]int{}
	sum := 0
	const draws = 400_000
	for range draws {
		key := r.Uint32()
		e := hub.CountNoise(key)
		if e != hub.CountNoise(key) {
			t.Fatalf("key %d: two noises", key)
		}
		if e < -hub.MaxCountNoise || e > hub.MaxCountNoise {
			t.Fatalf("noise %d outside ±%d", e, hub.MaxCountNoise)
		}
		counts[e]++
		sum += e
	}
	if mean := float64(sum) / draws; math.Abs(mean) > 0.01 {
		t.Errorf("mean noise %.3f, want 0", mean)
	}
	// Every value of the support occurs, the extremes rarely: an attacker
	// can never rule one out, and dashboards rarely see more than ±2.
	for e := -5; e <= 5; e++ {
		share := float64(counts[e]) / draws
		want := []float64{0.002, 0.006, 0.02, 0.08, 0.20, 0.384, 0.20, 0.08, 0.02, 0.006, 0.002}[e+5]
		if math.Abs(share-want) > 0.004 || counts[e] == 0 {
			t.Errorf("noise %d in %.3f of cells, want %.2f", e, share, want)
		}
	}
}

// A count of people is published only when it is at least 10 and its
// perturbed value too: below 10 it is suppressed, and so, sometimes, is a
// count of 10 to 14; never one of 15 or more. Hours follow the people.
func TestSuppressedAndPublished(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(3, 4))
	suppressedAt := map[int]int{}
	for range 100_000 {
		n := 1 + r.IntN(40)
		for _, m := range []hub.Measure{hub.MeasureVolunteers, hub.MeasureUNPlacements, hub.MeasureBeneficiaries} {
			c := &hub.Cell{Measure: m, Value: float64(n), People: n, Key: r.Uint32(), SumSq: float64(n * n)}
			switch {
			case n < hub.MinPublishedPeople && !c.Suppressed():
				t.Fatalf("%s of %d is published", m, n)
			case n > hub.MaxSuppressedPeople && c.Suppressed():
				t.Fatalf("%s of %d is suppressed", m, n)
			case !c.Suppressed() && (c.Perturbed() < hub.MinPublishedPeople || c.Perturbed() != math.Round(c.Perturbed())):
				t.Fatalf("%s of %d published as %v", m, n, c.Perturbed())
			}
			if m == hub.MeasureVolunteers && c.Suppressed() {
				suppressedAt[n]++
			}
		}
		// Hours: within MagnitudeShare of the root of the sum of squares.
		hours := make([]float64, n)
		sum, sumSq := 0.0, 0.0
		for i := range hours {
			hours[i] = float64(1 + r.IntN(40))
			sum += hours[i]
			sumSq += hours[i] * hours[i]
		}
		c := &hub.Cell{Measure: hub.MeasureVolunteerHours, Value: sum, People: n, Key: r.Uint32(), SumSq: sumSq}
		if c.Suppressed() != (n < hub.MinPublishedPeople) {
			t.Fatalf("hours of %d people: suppressed %v", n, c.Suppressed())
		}
		if d := math.Abs(c.Perturbed() - sum); d > hub.MagnitudeShare*math.Sqrt(sumSq)+0.5 {
			t.Fatalf("hours %v published as %v: off by more than %v", sum, c.Perturbed(), hub.MagnitudeShare*math.Sqrt(sumSq))
		}
		// Organizations and projects are not people: exact.
		if c := (&hub.Cell{Measure: hub.MeasureProjects, Value: 3, Key: r.Uint32()}); c.Perturbed() != 3 || c.Suppressed() {
			t.Fatalf("3 projects published as %v", c.Perturbed())
		}
	}
	if suppressedAt[10] == 0 || suppressedAt[13] == 0 {
		t.Errorf("counts of 10 to 14 suppressed: %v; the line between published and suppressed should be blurred", suppressedAt)
	}
}

func TestRecordKey(t *testing.T) {
	t.Parallel()
	secret := []byte("0123456789abcdef0123456789abcdef")
	a := hub.RecordKey(secret, hub.MeasureVolunteers, []byte("17"))
	if a != hub.RecordKey(secret, hub.MeasureVolunteers, []byte("17")) {
		t.Fatal("the same person has two keys")
	}
	if a == hub.RecordKey(secret, hub.MeasureVolunteerHours, []byte("17")) {
		t.Error("a person's key is the same for two measures")
	}
	if a == hub.RecordKey(secret, hub.MeasureVolunteers, []byte("18")) || a == hub.RecordKey([]byte("other secret"), hub.MeasureVolunteers, []byte("17")) {
		t.Error("two people, or two secrets, give the same key")
	}
}

func TestAncestorSets(t *testing.T) {
	t.Parallel()
	names := func(sets []hub.AncestorSet) []string {
		var out []string
		for _, s := range sets {
			n := fmt.Sprint(s.Dims)
			if s.YearOfMonth {
				n += "(year of month)"
			}
			out = append(out, n)
		}
		slices.Sort(out)
		return out
	}
	for _, c := range []struct {
		dims []hub.Dimension
		want []string
	}{
		{nil, nil},
		{[]hub.Dimension{hub.DimRegion}, []string{"[]"}},
		{[]hub.Dimension{hub.DimRegion, hub.DimGender}, []string{"[GENDER]", "[REGION]", "[]"}},
		{[]hub.Dimension{hub.DimRegion, hub.DimMonth}, []string{"[MONTH]", "[REGION YEAR](year of month)", "[REGION]", "[YEAR](year of month)", "[]"}},
	} {
		if diff := cmp.Diff(c.want, names(hub.AncestorSets(c.dims))); diff != "" {
			t.Errorf("AncestorSets(%v) (-want +got):\n%s", c.dims, diff)
		}
	}
	a := hub.AncestorSet{Dims: []hub.Dimension{hub.DimRegion, hub.DimYear}, YearOfMonth: true}
	if got := a.Project([]hub.Dimension{hub.DimRegion, hub.DimMonth, hub.DimGender}, []string{"KZ-11", "2024-03", "MALE"}); !slices.Equal(got, []string{"KZ-11", "2024"}) {
		t.Errorf("the year of KZ-11 × 2024-03 × MALE: %v", got)
	}
}

// person is one synthetic volunteer with one value per dimension.
type person map[hub.Dimension]string

func people(r *rand.Rand, n int) []person {
	regions := []string{"KZ-11", "KZ-15", "KZ-71", "KZ-75"}
	genders := []string{"FEMALE", "MALE", "UNKNOWN"}
	out := make([]person, n)
	for i := range out {
		// Skewed, so that some cells are small and some large.
		pick := func(xs []string) string { return xs[min(len(xs)-1, int(r.ExpFloat64()*float64(len(xs))/2.5))] }
		month := fmt.Sprintf("%d-%02d", 2023+r.IntN(2), 1+min(11, int(r.ExpFloat64()*3)))
		out[i] = person{hub.DimRegion: pick(regions), hub.DimGender: pick(genders), hub.DimMonth: month, hub.DimYear: month[:4]}
	}
	return out
}

// lattice counts ps in every cell of every set of up to three of dims, with
// a random record key per person, as the rollups do.
func lattice(r *rand.Rand, ps []person, dims []hub.Dimension) map[string]*hub.Cell {
	keys := make([]uint32, len(ps))
	for i := range keys {
		keys[i] = r.Uint32()
	}
	cells := map[string]*hub.Cell{}
	var walk func(i int, set []hub.Dimension)
	walk = func(i int, set []hub.Dimension) {
		if i == len(dims) {
			if len(set) > hub.MaxStatisticsDimensions || slices.Contains(set, hub.DimYear) && slices.Contains(set, hub.DimMonth) {
				return
			}
			for pi, p := range ps {
				ks := make([]string, len(set))
				for j, d := range set {
					ks[j] = p[d]
				}
				c := &hub.Cell{Measure: hub.MeasureVolunteers, Dims: set, Keys: ks}
				if have := cells[c.ID()]; have != nil {
					c = have
				} else {
					cells[c.ID()] = c
				}
				c.Value++
				c.People++
				c.Key += keys[pi]
				c.SumSq++
			}
			return
		}
		walk(i+1, set)
		walk(i+1, append(slices.Clone(set), dims[i]))
	}
	walk(0, nil)
	return cells
}

var testSecret = []byte("a test secret of thirty-two bytes")

// answer plans q and answers its reads from cells, as the store does.
func answer(t *testing.T, q hub.StatisticsQuery, reveal bool, cells map[string]*hub.Cell) *hub.Statistics {
	t.Helper()
	plan, err := hub.PlanStatistics(q, reveal)
	if err != nil {
		t.Fatal(err)
	}
	for _, rd := range plan.Reads {
		for _, c := range cells {
			if !slices.Equal(c.Dims, rd.Dims) || rd.Small && (c.People < 1 || c.People > hub.MaxSuppressedPeople) {
				continue
			}
			match := true
			for i, d := range c.Dims {
				if v, ok := rd.Equal[d]; ok && c.Keys[i] != v {
					match = false
				}
				if d == rd.Period && (rd.From != "" && c.Keys[i] < rd.From || rd.To != "" && c.Keys[i] > rd.To) {
					match = false
				}
			}
			if match {
				rd.Cells = append(rd.Cells, c)
			}
		}
	}
	s, err := plan.Answer(time.Now(), []string{"platform-a"}, testSecret)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestStatisticsAnswerProtects checks the rules of disclosure.go on every
// row of random answers: a small cell is suppressed; an empty cell inside
// one is suppressed too, and present as a row; every other cell shows its
// own perturbed value, the same in every answer; the admin sees every cell
// exact.
func TestStatisticsAnswerProtects(t *testing.T) {
	t.Parallel()
	dims := []hub.Dimension{hub.DimRegion, hub.DimMonth, hub.DimGender}
	for seed := range uint64(20) {
		r := rand.New(rand.NewPCG(seed, 5))
		cells := lattice(r, people(r, 30+r.IntN(300)), []hub.Dimension{hub.DimRegion, hub.DimYear, hub.DimMonth, hub.DimGender})
		hasSmallAncestor := func(ds []hub.Dimension, ks []string) bool {
			for _, a := range hub.AncestorSets(ds) {
				if c := cells[hub.CellID(a.Dims, a.Project(ds, ks))]; c != nil && c.Suppressed() {
					return true
				}
			}
			return false
		}
		q := hub.StatisticsQuery{Measures: []hub.Measure{hub.MeasureVolunteers}, GroupBy: dims, Subtotals: true,
			Filter: hub.StatisticsFilter{Equal: map[hub.Dimension]string{}}}
		public, exact := answer(t, q, false, cells), answer(t, q, true, cells)
		if public.Exact || !exact.Exact {
			t.Fatal("Exact is wrong")
		}
		seen := map[string]bool{}
		emptyHidden := 0
		for _, row := range public.Rows {
			var ds []hub.Dimension
			var ks []string
			for _, d := range hub.Dimensions {
				if j := slices.Index(dims, d); j >= 0 && row.Keys[j] != nil {
					ds, ks = append(ds, d), append(ks, *row.Keys[j])
				}
			}
			id := hub.CellID(ds, ks)
			seen[id] = true
			c := cells[id]
			switch {
			case c != nil && c.Suppressed():
				if !row.Suppressed {
					t.Fatalf("seed %d: %s of %d people is published", seed, id, c.People)
				}
			case c == nil && hasSmallAncestor(ds, ks):
				if !row.Suppressed {
					t.Fatalf("seed %d: empty %s inside a small cell is published", seed, id)
				}
			case c == nil && hub.EmptySuppressed(testSecret, hub.MeasureVolunteers, id):
				if !row.Suppressed {
					t.Fatalf("seed %d: empty %s, one of the empty cells to suppress, is published", seed, id)
				}
				emptyHidden++
			case row.Suppressed:
				t.Fatalf("seed %d: %s is suppressed (%v)", seed, id, c)
			case c != nil && *row.Values[0] != c.Perturbed():
				t.Fatalf("seed %d: %s shows %v, its perturbed value is %v", seed, id, *row.Values[0], c.Perturbed())
			case c == nil && *row.Values[0] != 0:
				t.Fatalf("seed %d: empty %s shows %v", seed, id, *row.Values[0])
			}
		}
		// Every empty cell inside a small cell is a row: here, of the
		// REGION × GENDER subtotals.
		for _, region := range hub.DimensionValues(hub.DimRegion, nil) {
			for _, g := range hub.DimensionValues(hub.DimGender, nil) {
				ds, ks := []hub.Dimension{hub.DimRegion, hub.DimGender}, []string{region, g}
				id := hub.CellID(ds, ks)
				if cells[id] == nil && (hasSmallAncestor(ds, ks) || hub.EmptySuppressed(testSecret, hub.MeasureVolunteers, id)) && !seen[id] {
					t.Fatalf("seed %d: suppressed empty %s is not a row", seed, id)
				}
			}
		}
		if emptyHidden == 0 {
			t.Fatalf("seed %d: no empty cell outside small cells is suppressed", seed)
		}
		for _, row := range exact.Rows {
			if row.Suppressed {
				t.Fatalf("seed %d: the admin's row %v is suppressed", seed, row.Keys)
			}
		}
		// A filter shows the same cells as the grouping.
		byID := map[string]string{}
		for _, row := range public.Rows {
			if row.Keys[0] != nil && row.Keys[1] != nil && row.Keys[2] == nil {
				byID[*row.Keys[0]+"|"+*row.Keys[1]] = fmt.Sprint(row.Values[0] != nil, deref(row.Values[0]))
			}
		}
		sliced := answer(t, hub.StatisticsQuery{Measures: q.Measures, GroupBy: []hub.Dimension{hub.DimMonth},
			Filter: hub.StatisticsFilter{Equal: map[hub.Dimension]string{hub.DimRegion: "KZ-75"}}}, false, cells)
		for _, row := range sliced.Rows {
			if want, ok := byID["KZ-75|"+*row.Keys[0]]; ok && want != fmt.Sprint(row.Values[0] != nil, deref(row.Values[0])) {
				t.Fatalf("seed %d: KZ-75 × %s is %s grouped, %v filtered", seed, *row.Keys[0], want, deref(row.Values[0]))
			}
		}
	}
}

func deref(p *float64) float64 {
	if p == nil {
		return math.NaN()
	}
	return *p
}

// TestStatisticsAnswerSize: a grouping that could have more rows than one
// answer may is refused whatever the data, naming what to do.
func TestStatisticsAnswerSize(t *testing.T) {
	t.Parallel()
	plan, err := hub.PlanStatistics(hub.StatisticsQuery{Measures: []hub.Measure{hub.MeasureUNPlacements},
		GroupBy: []hub.Dimension{hub.DimCountry, hub.DimMonth, hub.DimAgeBand}, Filter: hub.StatisticsFilter{From: "2000-01", To: "2025-12"}}, false)
	if err != nil {
		t.Fatal(err)
	}
	_, err = plan.Answer(time.Now(), nil, testSecret)
	if hub.ErrorCode(err) != hub.EINVALID || !strings.Contains(hub.ErrorMessage(err), "fix a dimension with the filter") {
		t.Fatalf("COUNTRY × 312 months × AGE_BAND: %v", err)
	}
}

// A series of a measure with no dated record (UN placements without start
// dates) has no periods: the answer has no row for them, and no panic.
func TestStatisticsAnswerWithoutPeriods(t *testing.T) {
	t.Parallel()
	cells := map[string]*hub.Cell{}
	for _, c := range []*hub.Cell{
		{Measure: hub.MeasureUNPlacements, Value: 4, People: 4, Key: 7},
		{Measure: hub.MeasureUNPlacements, Dims: []hub.Dimension{hub.DimCountry}, Keys: []string{"TH"}, Value: 4, People: 4, Key: 7},
	} {
		cells[c.ID()] = c
	}
	s := answer(t, hub.StatisticsQuery{Measures: []hub.Measure{hub.MeasureUNPlacements}, GroupBy: []hub.Dimension{hub.DimYear, hub.DimCountry},
		Subtotals: true, Filter: hub.StatisticsFilter{Equal: map[hub.Dimension]string{}}}, false, cells)
	for _, r := range s.Rows {
		if r.Keys[0] != nil {
			t.Fatalf("a row of year %s, without dated records", *r.Keys[0])
		}
		if !r.Suppressed {
			t.Fatalf("row %v of 4 placements is published", r.Keys)
		}
	}
	if len(s.Rows) == 0 {
		t.Fatal("no row for the 4 placements")
	}
}

// A cell shows the same in a series bounded by from and to as in the whole
// series, suppressed empty cells included: a bounded answer reads only its
// periods' cells, and finds the empty ones among them.
func TestStatisticsAnswerRangeShowsTheSameCells(t *testing.T) {
	t.Parallel()
	const published0 = "false 0"
	show := func(s *hub.Statistics) map[string]string {
		out := map[string]string{}
		for _, row := range s.Rows {
			if row.Keys[0] != nil && row.Keys[1] != nil {
				out[*row.Keys[0]+"|"+*row.Keys[1]] = fmt.Sprint(row.Suppressed, deref(row.Values[0]))
			}
		}
		return out
	}
	for seed := range uint64(20) {
		r := rand.New(rand.NewPCG(seed, 9))
		cells := lattice(r, people(r, 30+r.IntN(300)), []hub.Dimension{hub.DimRegion, hub.DimYear, hub.DimMonth, hub.DimGender})
		q := hub.StatisticsQuery{Measures: []hub.Measure{hub.MeasureVolunteers}, GroupBy: []hub.Dimension{hub.DimRegion, hub.DimMonth},
			Filter: hub.StatisticsFilter{Equal: map[hub.Dimension]string{}}}
		whole := show(answer(t, q, false, cells))
		q.Filter.From, q.Filter.To = "2024-01", "2024-03"
		bounded := show(answer(t, q, false, cells))
		for id, want := range whole {
			if month := id[len(id)-7:]; month < "2024-01" || month > "2024-03" {
				continue
			}
			got, ok := bounded[id]
			if !ok {
				got = published0 // no row is a published 0
			}
			if got != want {
				t.Fatalf("seed %d: %s shows %s in the whole series, %s from 2024-01 to 2024-03", seed, id, want, got)
			}
		}
		for id, got := range bounded {
			if _, ok := whole[id]; !ok && got != published0 {
				t.Fatalf("seed %d: %s shows %s from 2024-01 to 2024-03 and is no row of the whole series", seed, id, got)
			}
		}
	}
}

// A series without from or to runs over the years whose national total is
// published, so its ends never prove that a suppressed cell holds someone;
// an open end reaching more than 1,200 periods is refused like a closed one.
func TestStatisticsSeriesEnds(t *testing.T) {
	t.Parallel()
	cells := map[string]*hub.Cell{}
	for _, c := range []struct {
		year, month string
		people      int
	}{{"2021", "2021-11", 3}, {"2023", "2023-05", 40}, {"2024", "2024-02", 25}, {"2025", "2025-12", 2}} {
		for _, cell := range []*hub.Cell{
			{Dims: []hub.Dimension{hub.DimYear}, Keys: []string{c.year}},
			{Dims: []hub.Dimension{hub.DimMonth}, Keys: []string{c.month}},
		} {
			cell.Measure, cell.Value, cell.People, cell.Key = hub.MeasureVolunteers, float64(c.people), c.people, uint32(c.people)*2654435761
			cells[cell.ID()] = cell
		}
	}
	series := func(reveal bool, filter hub.StatisticsFilter) (first, last string, n int) {
		s := answer(t, hub.StatisticsQuery{Measures: []hub.Measure{hub.MeasureVolunteers}, GroupBy: []hub.Dimension{hub.DimMonth}, Filter: filter}, reveal, cells)
		for _, row := range s.Rows {
			if first == "" {
				first = *row.Keys[0]
			}
			last = *row.Keys[0]
		}
		return first, last, len(s.Rows)
	}
	if first, last, n := series(false, hub.StatisticsFilter{}); first != "2023-01" || last != "2024-12" || n != 24 {
		t.Errorf("the public series runs %s..%s (%d months), want 2023-01..2024-12", first, last, n)
	}
	if first, last, _ := series(true, hub.StatisticsFilter{}); first != "2021-01" || last != "2025-12" {
		t.Errorf("the admin's series runs %s..%s, want 2021-01..2025-12", first, last)
	}
	if first, last, _ := series(false, hub.StatisticsFilter{From: "2021-06"}); first != "2021-06" || last != "2024-12" {
		t.Errorf("the public series from 2021-06 runs %s..%s", first, last)
	}
	plan, err := hub.PlanStatistics(hub.StatisticsQuery{Measures: []hub.Measure{hub.MeasureVolunteers}, GroupBy: []hub.Dimension{hub.DimMonth},
		Filter: hub.StatisticsFilter{From: "1900-01"}}, false)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := plan.Answer(time.Now(), nil, testSecret); hub.ErrorCode(err) != hub.EINVALID {
		t.Errorf("a series from 1900-01 to the last published year: %v, want EINVALID", err)
	}
}

// BenchmarkStatisticsAnswerEmptyCells answers a large sparse grouping:
// every country × month of a year × age band, with subtotals, where nearly
// every cell is empty and decided by its key.
func BenchmarkStatisticsAnswerEmptyCells(b *testing.B) {
	q := hub.StatisticsQuery{Measures: []hub.Measure{hub.MeasureUNPlacements}, GroupBy: []hub.Dimension{hub.DimCountry, hub.DimMonth, hub.DimAgeBand},
		Subtotals: true, Filter: hub.StatisticsFilter{From: "2024-01", To: "2024-12"}}
	if err := q.Validate(); err != nil {
		b.Fatal(err)
	}
	rows := 0
	for b.Loop() {
		plan, err := hub.PlanStatistics(q, false)
		if err != nil {
			b.Fatal(err)
		}
		s, err := plan.Answer(time.Now(), nil, testSecret)
		if err != nil {
			b.Fatal(err)
		}
		rows = len(s.Rows)
	}
	b.ReportMetric(float64(rows), "rows")
}
