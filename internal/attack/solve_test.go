package attack_test

import (
	"context"
	"math"
	"slices"
	"testing"

	hub "github.com/birgemiz/hub"
	"github.com/birgemiz/hub/postgres"
)

// relation is an equation between cells that holds in the data: parent =
// the sum of children. The attacker is given every one that holds, even
// those it could only guess (a split by directions, which adds up only
// when every person has one direction): it is as strong as can be.
type relation struct {
	parent   cell
	children []cell
}

// lattice returns every cell the attacker can reason about (those answered
// or counted) and the relations between them that hold: each cell and
// the cells that split it by one more dimension, and a year and its
// months.
func (w *world) lattice() ([]cell, []relation) {
	known := map[cell]bool{}
	for c := range w.truth {
		known[c] = true
	}
	for c := range w.seen {
		known[c] = true
	}
	type group struct {
		parent cell
		how    int // the dimension split, or -1 for a year's months
	}
	children := map[group][]cell{}
	for c := range known {
		set := w.sets[c.set()]
		for _, p := range w.ancestors[c.set()] {
			parent := w.sets[p.set]
			if !p.years && len(parent) == len(set)-1 {
				// The dimension c adds to its parent.
				for _, d := range set {
					if !slices.Contains(parent, d) {
						g := group{p.of(w, c), slices.Index(w.dims, d)}
						children[g] = append(children[g], c)
					}
				}
			}
			if p.years && len(parent) == len(set) {
				g := group{p.of(w, c), -1}
				children[g] = append(children[g], c)
			}
		}
	}
	var rels []relation
	for g, kids := range children {
		if !known[g.parent] {
			continue // a parent of nothing but zeros
		}
		sum := 0.0
		for _, k := range kids {
			sum += w.trueValue(k)
		}
		if math.Abs(w.trueValue(g.parent)-sum) > 1e-6 {
			continue // not an equation of this data
		}
		slices.Sort(kids)
		rels = append(rels, relation{g.parent, kids})
	}
	slices.SortFunc(rels, func(a, b relation) int {
		if a.parent != b.parent {
			return cmpCell(a.parent, b.parent)
		}
		return cmpCell(a.children[0], b.children[0])
	})
	cells := make([]cell, 0, len(known))
	for c := range known {
		cells = append(cells, c)
	}
	slices.Sort(cells)
	return cells, rels
}

func cmpCell(a, b cell) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// solveExactly takes every published value (published gives it, and
// the same cells' true values) as exact, makes the other cells the
// unknowns, and solves the system of relations by Gauss–Jordan
// elimination: it returns the unknowns the system determines, with their
// values from the published figures and from the true ones (what the
// attacker would find without perturbation).
func solveExactly(cells []cell, rels []relation, published func(cell) (value, truth float64, known bool)) map[cell][2]float64 {
	index := map[cell]int32{}
	var unknowns []cell
	for _, c := range cells {
		if _, _, known := published(c); !known {
			index[c] = int32(len(unknowns))
			unknowns = append(unknowns, c)
		}
	}
	var rows []*sparseRow
	for _, r := range rels {
		row := &sparseRow{}
		add := func(c cell, sign float64) {
			if i, ok := index[c]; ok {
				row.add(i, sign)
			} else {
				v, t, _ := published(c)
				row.rhs[0] -= sign * v
				row.rhs[1] -= sign * t
			}
		}
		add(r.parent, 1)
		for _, c := range r.children {
			add(c, -1)
		}
		row.normalize()
		if len(row.cols) > 0 {
			rows = append(rows, row)
		}
	}
	out := map[cell][2]float64{}
	for col, v := range gaussJordan(rows, len(unknowns)) {
		out[unknowns[col]] = v
	}
	return out
}

// sparseRow is one equation: Σ vals[i]·x[cols[i]] = rhs, cols ascending,
// for two right-hand sides at once.
type sparseRow struct {
	cols []int32
	vals []float64
	rhs  [2]float64
	tmp  map[int32]float64
}

func (r *sparseRow) add(col int32, v float64) {
	if r.tmp == nil {
		r.tmp = map[int32]float64{}
	}
	r.tmp[col] += v
}

func (r *sparseRow) normalize() {
	for c, v := range r.tmp {
		if math.Abs(v) > 1e-9 {
			r.cols = append(r.cols, c)
		}
	}
	slices.Sort(r.cols)
	for _, c := range r.cols {
		r.vals = append(r.vals, r.tmp[c])
	}
	r.tmp = nil
}

// axpy sets r to r − f·p (a sparse merge) and returns the columns it
// gained.
func (r *sparseRow) axpy(f float64, p *sparseRow) (gained []int32) {
	cols := make([]int32, 0, len(r.cols)+len(p.cols))
	vals := make([]float64, 0, len(r.cols)+len(p.cols))
	i, j := 0, 0
	for i < len(r.cols) || j < len(p.cols) {
		switch {
		case j == len(p.cols) || i < len(r.cols) && r.cols[i] < p.cols[j]:
			cols, vals = append(cols, r.cols[i]), append(vals, r.vals[i])
			i++
		case i == len(r.cols) || p.cols[j] < r.cols[i]:
			cols, vals = append(cols, p.cols[j]), append(vals, -f*p.vals[j])
			gained = append(gained, p.cols[j])
			j++
		default:
			if v := r.vals[i] - f*p.vals[j]; math.Abs(v) > 1e-9 {
				cols, vals = append(cols, r.cols[i]), append(vals, v)
			}
			i++
			j++
		}
	}
	r.cols, r.vals = cols, vals
	r.rhs[0] -= f * p.rhs[0]
	r.rhs[1] -= f * p.rhs[1]
	return gained
}

func (r *sparseRow) coef(col int32) float64 {
	if i, ok := slices.BinarySearch(r.cols, col); ok {
		return r.vals[i]
	}
	return 0
}

// gaussJordan reduces rows over n unknowns and returns the unknowns they
// determine (a pivot whose reduced row has no other unknown) with their
// values. Columns are taken in order of how few rows hold them, and each
// pivot is the shortest row holding its column, so that fill-in stays
// small on these sparse systems of margins.
func gaussJordan(rows []*sparseRow, n int) map[int32][2]float64 {
	holders := make([][]int, n) // rows that may hold each column
	for i, r := range rows {
		for _, c := range r.cols {
			holders[c] = append(holders[c], i)
		}
	}
	cols := make([]int32, n)
	for i := range cols {
		cols[i] = int32(i)
	}
	slices.SortStableFunc(cols, func(a, b int32) int { return len(holders[a]) - len(holders[b]) })
	isPivot := make([]bool, len(rows))
	pivotOf := map[int32]int{}
	done := make([]int, len(rows)) // the last column each row was reduced by, against duplicates in holders
	for i := range done {
		done[i] = -1
	}
	for _, c := range cols {
		best := -1
		for _, ri := range holders[c] {
			if isPivot[ri] || math.Abs(rows[ri].coef(c)) < 1e-9 {
				continue
			}
			if best < 0 || len(rows[ri].cols) < len(rows[best].cols) {
				best = ri
			}
		}
		if best < 0 {
			continue
		}
		p := rows[best]
		pv := p.coef(c)
		for k := range p.vals {
			p.vals[k] /= pv
		}
		p.rhs[0] /= pv
		p.rhs[1] /= pv
		isPivot[best] = true
		pivotOf[c] = best
		done[best] = int(c)
		for _, ri := range holders[c] {
			if done[ri] == int(c) {
				continue
			}
			done[ri] = int(c)
			r := rows[ri]
			f := r.coef(c)
			if math.Abs(f) < 1e-9 {
				continue
			}
			for _, gc := range r.axpy(f, p) {
				holders[gc] = append(holders[gc], ri)
			}
		}
	}
	out := map[int32][2]float64{}
	for c, ri := range pivotOf {
		if r := rows[ri]; len(r.cols) == 1 && r.cols[0] == c {
			out[c] = r.rhs
		}
	}
	return out
}

// person is one group of a measure's facts (a volunteer; a project for
// BENEFICIARIES) with the cells it reaches and its value in each.
type person struct {
	id    string
	facts []fact
	cells map[cell]float64
}

// fact is a postgres.Fact with its values as codes.
type fact struct {
	value  float64
	values [][]uint16 // per dimension of the world
}

// people reads the facts of m and reaches each person's cells.
func (w *world) people(t *testing.T, tg *target) (map[string]*person, map[cell][]*person) {
	t.Helper()
	byID := map[string]*person{}
	var order []string
	if err := tg.stats.Facts(context.Background(), w.m, func(f postgres.Fact) error {
		p := byID[f.Group]
		if p == nil {
			p = &person{id: f.Group}
			byID[f.Group] = p
			order = append(order, f.Group)
		}
		cf := fact{value: f.Value, values: make([][]uint16, len(w.dims))}
		for i, vs := range f.Values {
			for _, v := range vs {
				cf.values[i] = append(cf.values[i], w.code(w.dims[i], v))
			}
		}
		p.facts = append(p.facts, cf)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	inCell := map[cell][]*person{}
	for _, id := range order {
		p := byID[id]
		p.cells = w.reach(p.facts, -1)
		for c := range p.cells {
			inCell[c] = append(inCell[c], p)
		}
	}
	return byID, inCell
}

// setDims[i] are the positions in world.dims of set i's dimensions.
func (w *world) setDims(i int) []int {
	out := make([]int, len(w.sets[i]))
	for k, d := range w.sets[i] {
		out[k] = slices.Index(w.dims, d)
	}
	return out
}

// reach returns every cell facts reach, with their value there: each fact
// in every set (or only the sets with dimension only, when it is not -1,
// or with MONTH or YEAR when only is either), in each combination of its
// values.
func (w *world) reach(facts []fact, only int) map[cell]float64 {
	out := make(map[cell]float64, 128)
	time := func(d int) bool { return w.dims[d] == hub.DimMonth || w.dims[d] == hub.DimYear }
	for si := range w.sets {
		pos := w.setDims(si)
		if only >= 0 && !slices.ContainsFunc(pos, func(d int) bool { return d == only || time(only) && time(d) }) {
			continue
		}
		for _, f := range facts {
			var codes [3]uint16
			var walk func(i int)
			walk = func(i int) {
				if i == len(pos) {
					out[makeCell(si, codes)] += f.value
					return
				}
				for _, v := range f.values[pos[i]] {
					codes[i] = v
					walk(i + 1)
				}
			}
			walk(0)
		}
	}
	return out
}
