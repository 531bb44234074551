package attack_test

import (
	"fmt"
	"math"
	"slices"
	"sort"

	hub "github.com/birgemiz/hub"
)

// A certificate proves that the attacker cannot know a protected cell: a
// change of the data that moves the cell and leaves every answer the
// attacker saw possible. The changed data is real data (people added,
// removed, replaced or given another value of a dimension; a
// participation's hours or a project's beneficiaries changed a little), so
// every relation that holds between cells holds for it too; and every cell
// it changes could still show what it showed, whatever its key (which the
// attacker does not know): a suppressed cell stays one that may be
// suppressed (1 to 14 people, or none: any empty cell may be), a published
// zero stays zero, and a published value is one the perturbation could
// give the changed cell.

// change is what a change of the data does to one cell.
type change struct {
	value  float64
	people int
	sumSq  float64 // the cell's sum of squares after the change (hours, beneficiaries)
}

// delta is a change of the data: what it does to each cell it touches.
type delta map[cell]change

func (d delta) add(cells map[cell]float64, sign int) delta {
	for c, v := range cells {
		ch := d[c]
		ch.value += float64(sign) * v
		ch.people += sign
		d[c] = ch
	}
	return d
}

// fits reports whether cell c, changed by d (and its ancestors by all),
// could still give what the attacker saw of it.
func (w *world) fits(c cell, d change, all delta) bool {
	o, known := w.observation(c)
	if !known {
		return true // no answer showed this cell
	}
	t0, n0 := w.trueValue(c), w.truePeople(c)
	t, n := t0+d.value, n0+d.people
	if t < -1e-9 || n < 0 {
		return false
	}
	switch {
	case o.suppressed && n == 0:
		return true // any empty cell may be one of those suppressed (hub.EmptySuppressed)
	case o.suppressed && n0 == 0:
		// Filled: a small cell now, whose empty parts are published zeros
		// unless it lies inside a suppressed cell.
		if !w.maySuppress(c, d) {
			return false
		}
		for _, p := range w.ancestors[c.set()] {
			a := p.of(w, c)
			if ao, ok := w.observation(a); ok && ao.suppressed && w.maySuppress(a, all[a]) {
				return true
			}
		}
		return false
	case o.suppressed:
		return w.maySuppress(c, d)
	case n0 == 0:
		return n == 0 && math.Abs(t) < 1e-9 // a published zero
	case n < hub.MinPublishedPeople:
		return false
	}
	p := o.value
	switch w.m {
	case hub.MeasureVolunteers, hub.MeasureUNPlacements, hub.MeasureBeneficiaries:
		e := math.Round(p) - math.Round(t)
		return e >= -hub.MaxCountNoise && e <= hub.MaxCountNoise
	case hub.MeasureVolunteerHours:
		sumSq := d.sumSq
		if sumSq == 0 {
			sumSq = w.sumSq(c)
		}
		return math.Abs(p-t) <= hub.MagnitudeShare*math.Sqrt(sumSq)+0.5
	}
	return false
}

// maySuppress reports whether cell c, changed by d, is one the hub may
// suppress, for some key: 1 to 9 people, or a count of people whose
// perturbation may bring it under 10.
func (w *world) maySuppress(c cell, d change) bool {
	n := w.truePeople(c) + d.people
	t := w.trueValue(c) + d.value
	switch {
	case n < 1:
		return false
	case hub.SmallGroup(n):
		return true
	}
	switch w.m {
	case hub.MeasureVolunteers, hub.MeasureUNPlacements, hub.MeasureBeneficiaries:
		return math.Round(t)-hub.MaxCountNoise < hub.MinPublishedPeople
	}
	return false
}

// possible reports whether every answer could have come from the data
// changed by d, and d moves x.
func (w *world) possible(x cell, d delta) bool {
	if ch := d[x]; ch.value == 0 && ch.people == 0 {
		return false
	}
	for c, ch := range d {
		if (ch.value != 0 || ch.people != 0) && !w.fits(c, ch, d) {
			if debugCert != nil {
				o, _ := w.observation(c)
				debugCert(fmt.Sprintf("blocked at %s (t=%v n=%d, seen %+v, change %+v)", w.name(c), w.trueValue(c), w.truePeople(c), o, ch))
			}
			return false
		}
	}
	return true
}

var debugCert func(string)

// certify looks for a certificate for the protected cell x and returns
// what it changed, or "" when it found none.
func (w *world) certify(x cell, people map[string]*person, inCell map[cell][]*person) string {
	in := slices.Clone(inCell[x])
	sort.Slice(in, func(i, j int) bool { return in[i].id < in[j].id })
	switch w.m {
	case hub.MeasureVolunteerHours:
		return w.certifyHours(x, in)
	case hub.MeasureBeneficiaries:
		return w.certifyBeneficiaries(x, in, people)
	}
	// Counts of people: someone added like a person of x, or removed; one
	// of x replaced by someone like a neighbour of x, or the other way
	// round; someone moved out of x or into it along one of its
	// dimensions.
	for _, p := range in {
		if w.possible(x, delta{}.add(p.cells, 1)) {
			return "a copy of " + p.id + " added"
		}
		if w.possible(x, delta{}.add(p.cells, -1)) {
			return p.id + " removed"
		}
	}
	set := w.sets[x.set()]
	pos := w.setDims(x.set())
	// Neighbours: the people of x's parents, who share all of x's keys but
	// one.
	var neighbours []*person
	seen := map[*person]bool{}
	for _, p := range in {
		seen[p] = true
	}
	for _, pr := range w.ancestors[x.set()] {
		if pr.years || len(w.sets[pr.set]) != len(set)-1 {
			continue
		}
		for _, p := range inCell[pr.of(w, x)] {
			if !seen[p] {
				seen[p] = true
				neighbours = append(neighbours, p)
			}
		}
	}
	sort.Slice(neighbours, func(i, j int) bool { return neighbours[i].id < neighbours[j].id })
	if len(neighbours) > 40 {
		neighbours = neighbours[:40]
	}
	// The people most like those of x: sharing the most cells with them.
	shared := map[*person]int{}
	for _, p := range in {
		for c := range p.cells {
			if len(w.sets[c.set()]) == len(set) || len(w.sets[c.set()]) == hub.MaxStatisticsDimensions {
				for _, q := range inCell[c] {
					if !slices.Contains(in, q) {
						shared[q]++
					}
				}
			}
		}
	}
	alike := make([]*person, 0, len(shared))
	for q := range shared {
		alike = append(alike, q)
	}
	sort.Slice(alike, func(i, j int) bool {
		return shared[alike[i]] > shared[alike[j]] || shared[alike[i]] == shared[alike[j]] && alike[i].id < alike[j].id
	})
	for j, q := range alike {
		if j >= 30 {
			break
		}
		for _, p := range in {
			if w.possible(x, delta{}.add(p.cells, -1).add(q.cells, 1)) {
				return p.id + " replaced by a copy of " + q.id + ", who is much like them"
			}
		}
	}
	for _, q := range neighbours {
		into := q.facts
		for i, d := range pos {
			into = withCode(w, into, d, x.code(i), x)
		}
		like := w.reach(into, -1)
		if w.possible(x, delta{}.add(like, 1)) {
			return "someone like " + q.id + " added"
		}
		if w.possible(x, delta{}.add(like, 1).add(q.cells, -1)) {
			return q.id + " moved into x"
		}
		for _, p := range in {
			if w.possible(x, delta{}.add(p.cells, -1).add(q.cells, 1)) {
				return p.id + " replaced by a copy of " + q.id
			}
		}
	}
	for i, d := range pos {
		for _, v := range w.values(w.dims[d]) {
			code := w.code(w.dims[d], v)
			if code == x.code(i) {
				continue
			}
			for _, p := range in { // out of x
				if w.possible(x, w.moved(p, d, code, x)) {
					return p.id + " moved to " + v
				}
			}
			var codes [3]uint16
			for k := range pos {
				codes[k] = x.code(k)
			}
			codes[i] = code
			for j, p := range inCell[makeCell(x.set(), codes)] { // into x
				if j >= 10 {
					break
				}
				if w.possible(x, w.moved(p, d, x.code(i), x)) {
					return p.id + " moved from " + v
				}
			}
		}
	}
	return ""
}

// moved is the change of p taking value code for dimension d: only the
// cells of sets with d change.
func (w *world) moved(p *person, d int, code uint16, x cell) delta {
	return delta{}.add(w.reach(p.facts, d), -1).add(w.reach(withCode(w, p.facts, d, code, x), d), 1)
}

// certifyHours: more or fewer hours in one participation of someone in
// x, by as much as every answer allows of the steps tried (the width the
// attacker cannot see through is at least that).
func (w *world) certifyHours(x cell, in []*person) string {
	for _, eps := range []float64{2, 0.5, 0.1, 0.01, 0.001} {
		for _, p := range in {
			for _, f := range p.facts {
				reached := w.reach([]fact{f}, -1)
				if _, ok := reached[x]; !ok {
					continue
				}
				for _, e := range []float64{eps, -math.Min(eps, f.value/2)} {
					d := delta{}
					for c := range reached {
						h := p.cells[c]
						d[c] = change{value: e, sumSq: w.sumSq(c) - h*h + (h+e)*(h+e)}
					}
					if w.possible(x, d) {
						return fmt.Sprintf("%+g hours of %s", e, p.id)
					}
				}
			}
		}
	}
	return ""
}

// certifyBeneficiaries: one beneficiary more or fewer in a project of x,
// whose own figure (1 to 9) is null for the attacker and stays so; or one
// moved between it and another such project.
func (w *world) certifyBeneficiaries(x cell, in []*person, people map[string]*person) string {
	hidden := func(b float64) bool { return b >= 1 && b <= 9 }
	step := func(d delta, p *person, by float64) delta {
		b := p.facts[0].value
		for c := range p.cells {
			ch := d[c]
			if ch.sumSq == 0 {
				ch.sumSq = w.sumSq(c)
			}
			ch.value += by
			ch.people += int(by)
			ch.sumSq += (b+by)*(b+by) - b*b
			d[c] = ch
		}
		return d
	}
	var others []*person
	for _, q := range people {
		if hidden(q.facts[0].value) {
			others = append(others, q)
		}
	}
	sort.Slice(others, func(i, j int) bool { return others[i].id < others[j].id })
	for _, p := range in {
		b := p.facts[0].value
		for _, by := range []float64{1, -1} {
			if !hidden(b + by) {
				continue
			}
			if w.possible(x, step(delta{}, p, by)) {
				return "beneficiaries of " + p.id
			}
			for _, q := range others {
				if q != p && hidden(q.facts[0].value-by) && w.possible(x, step(step(delta{}, p, by), q, -by)) {
					return "a beneficiary between " + p.id + " and " + q.id
				}
			}
		}
	}
	return ""
}

// withCode returns facts with dimension d set to code (a month moves its
// year along; a year keeps the month of the year). For a dimension with
// several values a person, code takes the place of the value x has there,
// or of the first.
func withCode(w *world, facts []fact, d int, code uint16, x cell) []fact {
	xs := w.setDims(x.set())
	out := make([]fact, len(facts))
	for i, f := range facts {
		vals := slices.Clone(f.values)
		set := func(d int, code uint16) {
			old := vals[d]
			if len(old) > 1 {
				replace := 0
				if k := slices.Index(xs, d); k >= 0 {
					replace = max(0, slices.Index(old, x.code(k)))
				}
				nv := slices.Clone(old)
				nv[replace] = code
				slices.Sort(nv)
				vals[d] = slices.Compact(nv)
				return
			}
			vals[d] = []uint16{code}
		}
		set(d, code)
		month, year := slices.Index(w.dims, hub.DimMonth), slices.Index(w.dims, hub.DimYear)
		switch {
		case d == month:
			set(year, w.yearOf[code])
		case d == year && month >= 0 && len(f.values[month]) == 1:
			m := w.names[month][f.values[month][0]]
			set(month, w.code(hub.DimMonth, w.names[year][code]+m[4:]))
		}
		out[i] = fact{value: f.value, values: vals}
	}
	return out
}
