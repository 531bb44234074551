package attack_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"sort"
	"strings"
	"testing"

	hub "github.com/birgemiz/hub"
	"github.com/birgemiz/hub/postgres"
)

type gqlError struct {
	Message    string
	Path       []any
	Extensions struct{ Code string }
}

type gqlResponse struct {
	Data   json.RawMessage
	Errors []gqlError
	raw    string
}

// graphql asks query of the hub as role ("anonymous" sends no key).
func (tg *target) graphql(t *testing.T, role, query string, vars map[string]any) gqlResponse {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req, _ := http.NewRequest("POST", tg.url+"/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	status, raw := tg.send(t, role, req)
	out := gqlResponse{raw: raw}
	if err := json.Unmarshal([]byte(raw), &out); err != nil {
		t.Fatalf("%d: not JSON: %.300s", status, raw)
	}
	return out
}

// get fetches path as role, returning the status and body.
func (tg *target) get(t *testing.T, role, path string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", tg.url+path, nil)
	return tg.send(t, role, req)
}

// send sends req as role and returns the status and body.
func (tg *target) send(t *testing.T, role string, req *http.Request) (int, string) {
	t.Helper()
	if token := tg.tokens[role]; token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var buf bytes.Buffer
	if _, err := buf.ReadFrom(resp.Body); err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, buf.String()
}

// obs is what the attacker saw of one cell.
type obs struct {
	suppressed bool
	value      float64
}

// cell is a cell of a measure's lattice by number: its set of dimensions
// (an index into world.sets) and a code per dimension of the set.
type cell uint64

func makeCell(set int, codes [3]uint16) cell {
	return cell(uint64(set)<<48 | uint64(codes[0])<<32 | uint64(codes[1])<<16 | uint64(codes[2]))
}

func (c cell) set() int { return int(c >> 48) }

func (c cell) code(i int) uint16 { return uint16(c >> (32 - 16*i)) }

// world is what the attacker learned of one measure's cells, and the
// truth the test knows behind them.
type world struct {
	m      hub.Measure
	dims   []hub.Dimension   // the measure's, hub.MeasureDimensions order
	sets   [][]hub.Dimension // every set of up to three of them, canonical order
	setIdx map[string]int
	// Each dimension's values by code (from 1) and codes by value.
	names []([]string)
	codes []map[string]uint16
	// The parents of each set's cells: for set i, the sets of its
	// ancestors (hub.AncestorSets) and how to project a cell onto each.
	ancestors [][]projection

	seen  map[cell]obs // absent from a set seen whole: 0
	whole []bool       // sets whose every cell was in an answer
	// The periods a series of the measure runs over (the same in every
	// answer), per time dimension: cells outside are in no answer, not 0.
	span    map[hub.Dimension][2]string
	answers int
	rows    int
	// The truth, from the rollup: the cells with people (or a value).
	truth    map[cell]*hub.Cell
	sources  []string
	valuesOf map[hub.Dimension][]string
	yearOf   map[uint16]uint16 // month code → its year's code
}

// projection takes a cell of one set to its ancestor in another.
type projection struct {
	set   int
	from  []int // per dimension of the ancestor: the position in the cell's set
	years bool  // the ancestor's YEAR is the year of the cell's MONTH
	year  int   // the ancestor position of that YEAR
}

func (p projection) of(w *world, c cell) cell {
	var codes [3]uint16
	for i, j := range p.from {
		codes[i] = c.code(j)
		if p.years && i == p.year {
			codes[i] = w.yearOf[codes[i]]
		}
	}
	return makeCell(p.set, codes)
}

func newWorld(m hub.Measure) *world {
	w := &world{m: m, dims: hub.MeasureDimensions[m], seen: map[cell]obs{}, truth: map[cell]*hub.Cell{}, setIdx: map[string]int{},
		yearOf: map[uint16]uint16{}, span: map[hub.Dimension][2]string{}}
	w.sets = postgres.DimensionSets(w.dims)
	w.whole = make([]bool, len(w.sets))
	for i, s := range w.sets {
		w.setIdx[setName(s)] = i
	}
	w.names = make([][]string, len(w.dims))
	w.codes = make([]map[string]uint16, len(w.dims))
	for i := range w.dims {
		w.names[i] = []string{""}
		w.codes[i] = map[string]uint16{}
	}
	w.ancestors = make([][]projection, len(w.sets))
	for i, s := range w.sets {
		for _, a := range hub.AncestorSets(s) {
			p := projection{set: w.setIdx[setName(a.Dims)], years: a.YearOfMonth}
			for k, d := range a.Dims {
				if d == hub.DimYear && a.YearOfMonth {
					p.from, p.year = append(p.from, slices.Index(s, hub.DimMonth)), k
					continue
				}
				p.from = append(p.from, slices.Index(s, d))
			}
			w.ancestors[i] = append(w.ancestors[i], p)
		}
	}
	return w
}

// code returns the code of value v of dimension d, adding it if new.
func (w *world) code(d hub.Dimension, v string) uint16 {
	i := slices.Index(w.dims, d)
	if c, ok := w.codes[i][v]; ok {
		return c
	}
	c := uint16(len(w.names[i]))
	w.codes[i][v] = c
	w.names[i] = append(w.names[i], v)
	if d == hub.DimMonth {
		w.yearOf[c] = w.code(hub.DimYear, v[:4])
	}
	return c
}

// cellOf returns the cell of dims (canonical) with keys.
func (w *world) cellOf(dims []hub.Dimension, keys []string) cell {
	var codes [3]uint16
	for i, d := range dims {
		codes[i] = w.code(d, keys[i])
	}
	return makeCell(w.setIdx[setName(dims)], codes)
}

// name returns c as hub.CellID names it.
func (w *world) name(c cell) string {
	dims := w.sets[c.set()]
	keys := make([]string, len(dims))
	for i, d := range dims {
		keys[i] = w.names[slices.Index(w.dims, d)][c.code(i)]
	}
	return hub.CellID(dims, keys)
}

// filterField is each dimension's field in StatisticsFilter.
var filterField = map[hub.Dimension]string{
	hub.DimRegion: "region", hub.DimDirection: "direction", hub.DimYear: "year", hub.DimMonth: "month",
	hub.DimOrganizationKind: "organizationKind", hub.DimCountry: "country", hub.DimGender: "gender",
	hub.DimAgeBand: "ageBand", hub.DimSource: "source",
}

const statisticsQuery = `query($m: [Measure!]!, $g: [Dimension!], $f: StatisticsFilter) {
	statistics(measures: $m, groupBy: $g, filter: $f, subtotals: true) { rows { keys values suppressed } } }`

// ask asks for m grouped by group, with the filter fixed, as an anonymous
// caller, and records every row as a cell. It returns false when the hub
// refuses the grouping as too large.
func (w *world) ask(t *testing.T, tg *target, group []hub.Dimension, fixed map[hub.Dimension]string) bool {
	t.Helper()
	f := map[string]string{}
	for d, v := range fixed {
		f[filterField[d]] = v
	}
	resp := tg.graphql(t, "anonymous", statisticsQuery, map[string]any{"m": []string{string(w.m)}, "g": group, "f": f})
	if len(resp.Errors) > 0 {
		if strings.Contains(resp.Errors[0].Message, "fix a dimension with the filter") {
			return false
		}
		t.Fatalf("%s by %v, %v: %s", w.m, group, fixed, resp.raw)
	}
	var data struct {
		Statistics struct {
			Rows []struct {
				Keys       []*string
				Values     []*float64
				Suppressed bool
			}
		}
	}
	if err := json.Unmarshal(resp.Data, &data); err != nil {
		t.Fatal(err)
	}
	w.answers++
	dims := make([]hub.Dimension, 0, 3)
	keys := make([]string, 0, 3)
	for _, r := range data.Statistics.Rows {
		w.rows++
		dims, keys = dims[:0], keys[:0]
		for _, d := range hub.Dimensions {
			if v, ok := fixed[d]; ok {
				dims, keys = append(dims, d), append(keys, v)
			} else if i := slices.Index(group, d); i >= 0 && r.Keys[i] != nil {
				dims, keys = append(dims, d), append(keys, *r.Keys[i])
			}
		}
		o := obs{suppressed: r.Suppressed}
		if r.Values[0] != nil {
			o.value = *r.Values[0]
		} else if !r.Suppressed {
			t.Fatalf("%s %s: null and not suppressed", w.m, hub.CellID(dims, keys))
		}
		for i, d := range dims {
			if _, isFixed := fixed[d]; !isFixed && (d == hub.DimYear || d == hub.DimMonth) {
				sp, ok := w.span[d]
				if !ok || keys[i] < sp[0] {
					sp[0] = keys[i]
				}
				if !ok || keys[i] > sp[1] {
					sp[1] = keys[i]
				}
				w.span[d] = sp
			}
		}
		c := w.cellOf(dims, keys)
		if had, ok := w.seen[c]; ok && had != o {
			t.Errorf("%s %s answered %+v once and %+v another time: the difference discloses", w.m, w.name(c), had, o)
		}
		w.seen[c] = o
	}
	// Every cell of the groupings this answer enumerated is in it.
	if len(fixed) == 0 {
		for _, sub := range subsets(group) {
			w.whole[w.setIdx[setName(canonical(sub))]] = true
		}
	}
	return true
}

// observe collects what an anonymous caller can learn of m: every set of
// dimensions of the largest size the measure has, with subtotals (so every
// smaller set too), split by one of its dimensions where the answer would
// be too large; every set not covered so; and the filtered variants of
// every pair of dimensions, fixed to the value of a third with the fewest
// people, where small cells are. Every answer must show each cell as every
// other does.
func observe(t *testing.T, tg *target, m hub.Measure) *world {
	t.Helper()
	ctx := context.Background()
	w := newWorld(m)
	if err := tg.db.Pool.QueryRow(ctx, `SELECT array_agg(name ORDER BY name) FROM sources`).Scan(&w.sources); err != nil {
		t.Fatal(err)
	}
	for _, set := range w.sets {
		cells, err := tg.stats.RollupCells(ctx, m, set)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range cells {
			w.truth[w.cellOf(c.Dims, c.Keys)] = c
		}
	}
	largest := 0
	for _, s := range w.sets {
		largest = max(largest, len(s))
	}
	for _, set := range w.sets {
		if len(set) != largest || w.ask(t, tg, set, nil) {
			continue
		}
		// Too many rows at once: one answer per value of a dimension.
		split := slices.MinFunc(set, func(a, b hub.Dimension) int { return len(w.values(a)) - len(w.values(b)) })
		rest := slices.DeleteFunc(slices.Clone(set), func(d hub.Dimension) bool { return d == split })
		for _, v := range w.values(split) {
			if !w.ask(t, tg, rest, map[hub.Dimension]string{split: v}) {
				t.Fatalf("%s by %v with %s=%s is still too large", m, rest, split, v)
			}
		}
		for _, sub := range subsets(rest) {
			w.whole[w.setIdx[setName(canonical(append(slices.Clone(sub), split)))]] = true
		}
	}
	for i, set := range w.sets {
		if !w.whole[i] && !w.ask(t, tg, set, nil) {
			t.Fatalf("%s by %v: too large", m, set)
		}
	}
	// Filtered variants: each pair, fixed on a third dimension to its
	// smallest value.
	for _, set := range w.sets {
		if len(set) != 2 || largest < 3 {
			continue
		}
		for _, d := range w.dims {
			if slices.Contains(set, d) || !validSet(append(slices.Clone(set), d)) || d == hub.DimYear && slices.Contains(set, hub.DimMonth) {
				continue
			}
			for _, v := range w.smallest(d, 1) {
				w.ask(t, tg, set, map[hub.Dimension]string{d: v})
			}
		}
	}
	return w
}

// values lists the values of d the answers may hold.
func (w *world) values(d hub.Dimension) []string {
	if v, ok := w.valuesOf[d]; ok {
		return v
	}
	var out []string
	if d == hub.DimYear || d == hub.DimMonth {
		for _, c := range w.truth {
			if len(c.Dims) == 1 && c.Dims[0] == d {
				out = append(out, c.Keys[0])
			}
		}
		sort.Strings(out)
	} else {
		out = hub.DimensionValues(d, w.sources)
	}
	if w.valuesOf == nil {
		w.valuesOf = map[hub.Dimension][]string{}
	}
	w.valuesOf[d] = out
	return out
}

// smallest returns the n values of d with the fewest people (but some).
func (w *world) smallest(d hub.Dimension, n int) []string {
	type kv struct {
		k string
		n int
	}
	var all []kv
	for _, c := range w.truth {
		if len(c.Dims) == 1 && c.Dims[0] == d && c.People > 0 {
			all = append(all, kv{c.Keys[0], c.People})
		}
	}
	sort.Slice(all, func(i, j int) bool { return all[i].n < all[j].n || all[i].n == all[j].n && all[i].k < all[j].k })
	var out []string
	for i := 0; i < len(all) && i < n; i++ {
		out = append(out, all[i].k)
	}
	return out
}

// observation returns what the attacker knows of c: its answer, or 0 when
// its set was seen whole.
func (w *world) observation(c cell) (obs, bool) {
	if o, ok := w.seen[c]; ok {
		return o, true
	}
	if !w.whole[c.set()] {
		return obs{}, false
	}
	// A period outside the series is in no answer: unknown, not 0.
	for i, d := range w.sets[c.set()] {
		if d == hub.DimYear || d == hub.DimMonth {
			sp, ok := w.span[d]
			k := w.names[slices.Index(w.dims, d)][c.code(i)]
			if !ok || k < sp[0] || k > sp[1] {
				return obs{}, false
			}
		}
	}
	return obs{}, true
}

func (w *world) trueValue(c cell) float64 {
	if t := w.truth[c]; t != nil {
		return t.Value
	}
	return 0
}

func (w *world) truePeople(c cell) int {
	if t := w.truth[c]; t != nil {
		return t.People
	}
	return 0
}

func (w *world) sumSq(c cell) float64 {
	if t := w.truth[c]; t != nil {
		return t.SumSq
	}
	return 0
}

func canonical(dims []hub.Dimension) []hub.Dimension {
	out := slices.Clone(dims)
	slices.SortFunc(out, func(a, b hub.Dimension) int {
		return slices.Index(hub.Dimensions[:], a) - slices.Index(hub.Dimensions[:], b)
	})
	return slices.Compact(out)
}

func validSet(dims []hub.Dimension) bool {
	return len(dims) <= hub.MaxStatisticsDimensions && !(slices.Contains(dims, hub.DimYear) && slices.Contains(dims, hub.DimMonth))
}

func setName(dims []hub.Dimension) string {
	var b strings.Builder
	for _, d := range dims {
		b.WriteString(string(d))
		b.WriteByte(',')
	}
	return b.String()
}

func subsets(dims []hub.Dimension) [][]hub.Dimension {
	out := [][]hub.Dimension{{}}
	for _, d := range dims {
		for _, s := range out {
			out = append(out, append(slices.Clone(s), d))
		}
	}
	return out
}
