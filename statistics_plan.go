package hub

import (
	"maps"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"
)

// MaxStatisticsRows bounds how many rows one grouping of a statistics
// answer can have: the product of the number of values of each dimension
// grouped by (every region, direction, …; every period of the range). It
// depends on the query alone, never on the data, so that a refusal tells
// nothing about small cells.
const MaxStatisticsRows = 50_000

// CellRead is one read of rollup cells that a StatisticsPlan needs: the
// cells of Measure over exactly Dims whose keys match Equal, or only those
// of 1 to MaxSuppressedPeople people among them (Small), which may be
// suppressed. The store fills Cells.
type CellRead struct {
	Measure Measure
	Dims    []Dimension          // canonical order; empty for the grand total
	Equal   map[Dimension]string // keys the cells must have
	Small   bool
	// Period, when set, is the time dimension of Dims (YEAR or MONTH) whose
	// key must lie within From..To, either end open.
	Period   Dimension
	From, To string
	Cells    []*Cell

	index map[cellKeys]*Cell
}

func (r *CellRead) cell(keys []string) *Cell { return r.cellAt(keysOf(keys)) }

func (r *CellRead) cellAt(k cellKeys) *Cell {
	if r.index == nil {
		r.index = make(map[cellKeys]*Cell, len(r.Cells))
		for _, c := range r.Cells {
			r.index[keysOf(c.Keys)] = c
		}
	}
	return r.index[k]
}

// projectKeys is Project as cellKeys, without allocating.
func (a AncestorSet) projectKeys(dims []Dimension, keys []string) cellKeys {
	var out cellKeys
	for i, d := range a.Dims {
		if d == DimYear && a.YearOfMonth {
			out[i] = keys[slices.Index(dims, DimMonth)][:4]
			continue
		}
		out[i] = keys[slices.Index(dims, d)]
	}
	return out
}

// cellKeys is a cell's keys as a map key, without allocating: a cell has
// at most MaxStatisticsDimensions (a read's cells share their dimensions).
type cellKeys [MaxStatisticsDimensions]string

func keysOf(keys []string) cellKeys {
	var k cellKeys
	copy(k[:], keys)
	return k
}

// StatisticsPlan answers a StatisticsQuery from rollup cells: PlanStatistics
// lists the reads, the store makes them (filling each CellRead's Cells),
// and Answer assembles the rows, deciding what every caller but admins
// sees (disclosure.go). It holds the rules of the answer's shape: which
// groupings a subtotal adds, which rows a time series has, their order.
type StatisticsPlan struct {
	// Reads are the cells the answer is made of, each once.
	Reads []*CellRead

	q         StatisticsQuery
	reveal    bool
	timeDim   Dimension // YEAR or MONTH when q groups by one
	groupings []*planGrouping
	ranges    []*CellRead // the time dimension's cells of each measure, for a range open at one end
	keyer     *Keyer      // for EmptySuppressed, set by Answer
}

// planGrouping is the rows of one grouping: q's own, or a coarser one for
// subtotals and the total.
type planGrouping struct {
	dims     []Dimension          // grouped by, in q.GroupBy order
	equal    map[Dimension]string // keys every cell has (the filter)
	cellDims []Dimension          // dims and the filter's dimensions, canonical order
	main     []*CellRead          // per measure of q
	anc      [][]ancestorRead     // per measure: the small cells of every ancestor set, when protected
}

type ancestorRead struct {
	set  AncestorSet
	read *CellRead
}

// PlanStatistics validates q and plans its answer; reveal (the admin role)
// shows exact values and no suppression.
func PlanStatistics(q StatisticsQuery, reveal bool) (*StatisticsPlan, error) {
	if err := q.Validate(); err != nil {
		return nil, err
	}
	p := &StatisticsPlan{q: q, reveal: reveal}
	ti := timeIndex(q)
	if ti >= 0 {
		p.timeDim = q.GroupBy[ti]
	}
	groupings := [][]Dimension{q.GroupBy}
	if q.Subtotals {
		for _, sub := range subsetsOf(q.GroupBy) {
			if len(sub) > 0 && len(sub) < len(q.GroupBy) {
				groupings = append(groupings, sub)
			}
		}
	}
	if (q.Total || q.Subtotals) && len(q.GroupBy) > 0 {
		groupings = append(groupings, nil)
	}
	// With the periods bounded (from, to), a row over all periods (a
	// subtotal or total without the period's key) would count every period,
	// not the ones shown, and people in a range of periods are not the sum
	// of each period's. The rollups hold such a row for one whole year only:
	// the months of a year add up to the year's cell. Other ranges have no
	// such rows.
	overRange := ti >= 0 && (q.Filter.From != "" || q.Filter.To != "")
	rangeYear := ""
	if overRange {
		rangeYear = wholeYear(p.timeDim, q.Filter.From, q.Filter.To)
	}
	reads := map[string]*CellRead{}
	read := func(m Measure, dims []Dimension, equal map[Dimension]string, small, bounded bool) *CellRead {
		var b strings.Builder
		b.WriteString(string(m) + "/" + CellID(dims, make([]string, len(dims))) + "/")
		for _, d := range slices.Sorted(maps.Keys(equal)) {
			b.WriteString(string(d) + "=" + equal[d] + ";")
		}
		if small {
			b.WriteString("/small")
		}
		if bounded {
			b.WriteString("/" + q.Filter.From + ".." + q.Filter.To)
		}
		k := b.String()
		if r := reads[k]; r != nil {
			return r
		}
		r := &CellRead{Measure: m, Dims: dims, Equal: equal, Small: small}
		if bounded {
			r.Period, r.From, r.To = p.timeDim, q.Filter.From, q.Filter.To
		}
		reads[k] = r
		p.Reads = append(p.Reads, r)
		return r
	}
	for _, dims := range groupings {
		equal := q.Filter.Equal
		if overRange && !slices.Contains(dims, p.timeDim) {
			if rangeYear == "" {
				continue
			}
			equal = maps.Clone(equal)
			if equal == nil {
				equal = map[Dimension]string{}
			}
			equal[DimYear] = rangeYear
		}
		g := &planGrouping{dims: dims, equal: equal}
		for _, d := range Dimensions {
			if _, ok := equal[d]; ok || slices.Contains(dims, d) {
				g.cellDims = append(g.cellDims, d)
			}
		}
		g.anc = make([][]ancestorRead, len(q.Measures))
		// A series' cells outside from..to are not read: the answer shows
		// none of them, and counting them would take them for rows.
		bounded := overRange && slices.Contains(dims, p.timeDim)
		for mi, m := range q.Measures {
			g.main = append(g.main, read(m, g.cellDims, equal, false, bounded))
			if !m.Protected() || reveal {
				continue
			}
			for _, a := range AncestorSets(g.cellDims) {
				g.anc[mi] = append(g.anc[mi], ancestorRead{a, read(m, a.Dims, ancestorEqual(a, equal), true, false)})
			}
		}
		p.groupings = append(p.groupings, g)
	}
	if ti >= 0 && (q.Filter.From == "" || q.Filter.To == "") {
		for _, m := range q.Measures {
			p.ranges = append(p.ranges, read(m, []Dimension{DimYear}, nil, false, false))
		}
	}
	return p, nil
}

// ancestorEqual returns the keys equal fixes in the ancestor set a.
func ancestorEqual(a AncestorSet, equal map[Dimension]string) map[Dimension]string {
	out := map[Dimension]string{}
	for _, d := range a.Dims {
		if d == DimYear && a.YearOfMonth {
			if m, ok := equal[DimMonth]; ok {
				out[DimYear] = m[:4]
			}
		} else if v, ok := equal[d]; ok {
			out[d] = v
		}
	}
	return out
}

// Answer assembles the answer from the cells read; sources are the names
// of every source (the values of SOURCE), and secret decides which empty
// cells are suppressed (EmptySuppressed). EINVALID when a grouping could
// have more than MaxStatisticsRows rows.
func (p *StatisticsPlan) Answer(asOf time.Time, sources []string, secret []byte) (*Statistics, error) {
	q := p.q
	p.keyer = NewKeyer(secret)
	out := &Statistics{AsOf: asOf, Measures: q.Measures, GroupBy: q.GroupBy, Exact: p.reveal}
	periods, err := p.periods(asOf)
	if err != nil {
		return nil, err
	}
	values := func(d Dimension) []string {
		if d == p.timeDim {
			return periods
		}
		return DimensionValues(d, sources)
	}
	for _, g := range p.groupings {
		n := 1
		for _, d := range g.dims {
			n *= max(1, len(values(d)))
		}
		if n > MaxStatisticsRows {
			return nil, Errorf(EINVALID, "grouping by %s can give up to %d rows, more than the %d one answer may have; fix a dimension with the filter, or bound the periods with from and to",
				joinStrings(g.dims), n, MaxStatisticsRows)
		}
	}

	type row struct {
		g      *planGrouping
		keys   []*string
		values *StatisticsRow // when already decided (emptyRows)
	}
	rows := map[string]*row{}
	var order []string
	for _, g := range p.groupings {
		add := func(keys []*string, values *StatisticsRow) {
			if !inPeriods(q, periods, keys) {
				return
			}
			id := rowID(keys)
			if rows[id] == nil {
				rows[id] = &row{g, keys, values}
				order = append(order, id)
			}
		}
		// A row for every cell with a value…
		for _, r := range g.main {
			for _, c := range r.Cells {
				keys := make([]*string, len(q.GroupBy))
				for i, d := range q.GroupBy {
					if slices.Contains(g.dims, d) {
						keys[i] = &c.Keys[slices.Index(c.Dims, d)]
					}
				}
				add(keys, nil)
			}
		}
		// …for every empty cell that is suppressed, inside a suppressed
		// cell or among EmptyShare of the others…
		if !p.reveal && slices.ContainsFunc(q.Measures, Measure.Protected) {
			p.emptyRows(g, values, add)
		}
		// …and for every period of a series, for each combination of the
		// other keys seen.
		if ti := slices.Index(g.dims, p.timeDim); p.timeDim != "" && ti >= 0 {
			qi := slices.Index(q.GroupBy, p.timeDim)
			others := map[string][]*string{}
			for _, id := range order {
				r := rows[id]
				if r.g != g {
					continue
				}
				k := slices.Clone(r.keys)
				k[qi] = nil
				others[rowID(k)] = k
			}
			if len(g.dims) == 1 {
				others = map[string][]*string{"": make([]*string, len(q.GroupBy))}
			}
			for _, period := range periods {
				for _, k := range others {
					k2 := slices.Clone(k)
					k2[qi] = &period
					add(k2, nil)
				}
			}
		}
	}

	for _, id := range order {
		r := rows[id]
		if r.values != nil {
			out.Rows = append(out.Rows, *r.values)
			continue
		}
		sr := StatisticsRow{Keys: r.keys, Values: make([]*float64, len(q.Measures)), Change: make([]*float64, len(q.Measures))}
		cellKeys := make([]string, len(r.g.cellDims))
		for i, d := range r.g.cellDims {
			if v, ok := r.g.equal[d]; ok {
				cellKeys[i] = v
			} else {
				cellKeys[i] = *r.keys[slices.Index(q.GroupBy, d)]
			}
		}
		for mi := range q.Measures {
			v, suppressed := p.value(r.g, mi, cellKeys)
			if suppressed {
				sr.Suppressed = true
			} else {
				sr.Values[mi] = &v
			}
		}
		out.Rows = append(out.Rows, sr)
	}
	sortRows(out.Rows)
	addChanges(q, out.Rows)
	return out, nil
}

// value returns what measure mi of grouping g shows for the cell with
// keys: its value, perturbed unless revealed; suppressed when it is small
// (Cell.Suppressed), or counts no one inside a suppressed cell or among the
// empty cells EmptySuppressed chooses.
func (p *StatisticsPlan) value(g *planGrouping, mi int, keys []string) (float64, bool) {
	protect := p.q.Measures[mi].Protected() && !p.reveal
	c := g.main[mi].cell(keys)
	switch {
	case c != nil && protect && c.Suppressed():
		return 0, true
	case c != nil && protect:
		return c.Perturbed(), false
	case c != nil:
		return c.Value, false
	}
	if !protect {
		return 0, false
	}
	for _, ar := range g.anc[mi] {
		if a := ar.read.cellAt(ar.set.projectKeys(g.cellDims, keys)); a != nil && a.Suppressed() {
			return 0, true
		}
	}
	return 0, p.keyer.EmptySuppressed(p.q.Measures[mi], CellID(g.cellDims, keys))
}

// emptyRows adds a row of g for every empty cell of g that a protected
// measure shows suppressed (value): every combination of the values of g's
// dimensions that no cell holds, inside a suppressed cell or chosen by
// EmptySuppressed.
func (p *StatisticsPlan) emptyRows(g *planGrouping, values func(Dimension) []string, add func([]*string, *StatisticsRow)) {
	q := p.q
	choices := make([][]string, len(q.GroupBy))
	combos := 1
	for i, d := range q.GroupBy {
		if slices.Contains(g.dims, d) {
			if choices[i] = values(d); len(choices[i]) == 0 {
				return // no value of d (no period with data): no row
			}
			combos *= len(choices[i])
		}
	}
	full := true // every combination has a cell of every protected measure: none is empty
	for mi, m := range q.Measures {
		if m.Protected() && len(g.main[mi].Cells) < combos {
			full = false
		}
	}
	if full {
		return
	}
	keys := make([]*string, len(q.GroupBy))
	cellKeys := make([]string, len(g.cellDims))
	var walk func(i int)
	walk = func(i int) {
		if i < len(choices) && choices[i] == nil {
			keys[i] = nil
			walk(i + 1)
			return
		}
		if i < len(choices) {
			for j := range choices[i] {
				keys[i] = &choices[i][j]
				walk(i + 1)
			}
			return
		}
		for k, d := range g.cellDims {
			if v, ok := g.equal[d]; ok {
				cellKeys[k] = v
			} else {
				cellKeys[k] = *keys[slices.Index(q.GroupBy, d)]
			}
		}
		empty := false
		for mi, m := range q.Measures {
			if m.Protected() && g.main[mi].cell(cellKeys) == nil {
				empty = true
			}
		}
		if !empty {
			return
		}
		// Decide every measure once: the row keeps what it shows.
		sr := StatisticsRow{Values: make([]*float64, len(q.Measures)), Change: make([]*float64, len(q.Measures))}
		for mi := range q.Measures {
			if v, suppressed := p.value(g, mi, cellKeys); suppressed {
				sr.Suppressed = true
			} else {
				sr.Values[mi] = &v
			}
		}
		if sr.Suppressed {
			sr.Keys = slices.Clone(keys)
			add(sr.Keys, &sr)
		}
	}
	walk(0)
}

// periods returns the periods of the answer's series: from..to. An open
// end is taken from the years whose national total of one of the
// measures is published (any with a value, for admins): from the January of
// the first, to the December of the last, or the month of asOf when that is
// earlier. Published cells only, so where a series starts or ends never
// tells that a suppressed cell holds someone. EINVALID for more than
// maxPeriods periods.
func (p *StatisticsPlan) periods(asOf time.Time) ([]string, error) {
	if p.timeDim == "" {
		return nil, nil
	}
	from, to := p.q.Filter.From, p.q.Filter.To
	if from != "" && to != "" {
		return Periods(p.timeDim, from, to), nil
	}
	lo, hi := "", ""
	for mi, r := range p.ranges {
		protect := p.q.Measures[mi].Protected() && !p.reveal
		for _, c := range r.Cells {
			if protect && c.Suppressed() {
				continue
			}
			if y := c.Keys[0]; lo == "" || y < lo {
				lo = y
			}
			if y := c.Keys[0]; y > hi {
				hi = y
			}
		}
	}
	now := asOf.UTC().Format("2006")
	if p.timeDim == DimMonth {
		now = asOf.UTC().Format("2006-01")
		if lo != "" {
			lo, hi = lo+"-01", hi+"-12"
		}
	}
	if hi == "" || hi > now {
		hi = now
	}
	if from == "" {
		from = lo
	}
	if to == "" {
		to = hi
	}
	if from == "" || from > to {
		return nil, nil
	}
	periods := Periods(p.timeDim, from, to)
	if len(periods) > maxPeriods {
		return nil, Errorf(EINVALID, "filter: from %s to %s is more than %d periods; bound the series at both ends", from, to, maxPeriods)
	}
	return periods, nil
}

// DimensionValues lists every value of a dimension other than YEAR and
// MONTH: the regions, directions, genders, age bands and organization
// kinds the hub knows, every ISO 3166-1 country, and the given sources.
func DimensionValues(d Dimension, sources []string) []string {
	switch d {
	case DimRegion:
		var out []string
		for _, r := range Regions() {
			out = append(out, r.Code)
		}
		return out
	case DimDirection:
		var out []string
		for _, x := range Directions() {
			out = append(out, x.Code)
		}
		return out
	case DimGender:
		return stringsOf(Genders[:])
	case DimAgeBand:
		return stringsOf(AgeBands[:])
	case DimOrganizationKind:
		return stringsOf(OrganizationKinds[:])
	case DimCountry:
		return countryCodes()
	case DimSource:
		return sources
	}
	return nil
}

var countryCodes = sync.OnceValue(func() []string {
	var out []string
	for a := 'A'; a <= 'Z'; a++ {
		for b := 'A'; b <= 'Z'; b++ {
			if s := string([]rune{a, b}); isCountryCode(s) {
				out = append(out, s)
			}
		}
	}
	return out
})

func stringsOf[S ~string](xs []S) []string {
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = string(x)
	}
	return out
}

// wholeYear returns the year that the periods from..to of a YEAR or MONTH
// grouping cover exactly (2024, or 2024-01 to 2024-12), or "".
func wholeYear(d Dimension, from, to string) string {
	switch {
	case d == DimYear && from != "" && from == to:
		return from
	case d == DimMonth && len(from) == 7 && from[:4] == to[:min(4, len(to))] && from[5:] == "01" && to == from[:4]+"-12":
		return from[:4]
	}
	return ""
}

// timeIndex returns the position of YEAR or MONTH in q.GroupBy, or -1.
func timeIndex(q StatisticsQuery) int {
	for i, d := range q.GroupBy {
		if d == DimYear || d == DimMonth {
			return i
		}
	}
	return -1
}

// inPeriods reports whether a row's period, if it has one, is among
// periods (sorted): a series shows no row outside its periods, whatever
// cells there are.
func inPeriods(q StatisticsQuery, periods []string, keys []*string) bool {
	ti := timeIndex(q)
	if ti < 0 || keys[ti] == nil {
		return true
	}
	p := *keys[ti]
	return len(periods) > 0 && p >= periods[0] && p <= periods[len(periods)-1]
}

func rowID(keys []*string) string {
	var b strings.Builder
	for _, k := range keys {
		if k == nil {
			b.WriteString("\x01")
		} else {
			b.WriteString(*k)
		}
		b.WriteByte(0)
	}
	return b.String()
}

// sortRows orders rows by their keys, a null key ("all") after the values.
func sortRows(rows []StatisticsRow) {
	slices.SortStableFunc(rows, func(x, y StatisticsRow) int {
		a, b := x.Keys, y.Keys
		for k := range a {
			switch {
			case a[k] == nil && b[k] == nil:
				continue
			case a[k] == nil:
				return 1
			case b[k] == nil:
				return -1
			case *a[k] != *b[k]:
				return strings.Compare(*a[k], *b[k])
			}
		}
		return 0
	})
}

// addChanges sets each time-series row's change from the previous period
// of the same series (the same other keys).
func addChanges(q StatisticsQuery, rows []StatisticsRow) {
	ti := timeIndex(q)
	if ti < 0 {
		return
	}
	prev := map[string]*StatisticsRow{}
	idx := make([]int, len(rows))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool {
		ka, kb := rows[idx[a]].Keys[ti], rows[idx[b]].Keys[ti]
		return ka != nil && (kb == nil || *ka < *kb)
	})
	for _, i := range idx {
		r := &rows[i]
		if r.Keys[ti] == nil {
			continue
		}
		other := slices.Clone(r.Keys)
		other[ti] = nil
		id := rowID(other)
		if p := prev[id]; p != nil {
			for m := range r.Values {
				if r.Values[m] != nil && p.Values[m] != nil {
					d := *r.Values[m] - *p.Values[m]
					r.Change[m] = &d
				}
			}
		}
		prev[id] = r
	}
}
