package hub_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	hub "github.com/birgemiz/hub"
)

// person is one synthetic volunteer with one value per dimension, so that
// counts add up exactly: every group of cells is an equation an attacker
// can use.
type person map[hub.Dimension]string

func people(r *rand.Rand, n int) []person {
	regions := []string{"KZ-11", "KZ-15", "KZ-71", "KZ-75"}
	dirs := []string{"ECOLOGY", "EDUCATION", "EMERGENCY"}
	genders := []string{"FEMALE", "MALE", "UNKNOWN"}
	out := make([]person, n)
	for i := range out {
		// Skewed, so that some cells are small and some large.
		pick := func(xs []string) string { return xs[min(len(xs)-1, int(r.ExpFloat64()*float64(len(xs))/2.5))] }
		month := fmt.Sprintf("%d-%02d", 2023+r.IntN(2), 1+min(11, int(r.ExpFloat64()*3)))
		out[i] = person{
			hub.DimRegion: pick(regions), hub.DimDirection: pick(dirs), hub.DimGender: pick(genders),
			hub.DimMonth: month, hub.DimYear: month[:4],
		}
	}
	return out
}

var auditDims = []hub.Dimension{hub.DimRegion, hub.DimDirection, hub.DimYear, hub.DimMonth, hub.DimGender}

// lattice counts ps in every cell of every set of up to three of dims.
func lattice(ps []person, dims []hub.Dimension) []*hub.Cell {
	var sets [][]hub.Dimension
	var walk func(i int, cur []hub.Dimension)
	walk = func(i int, cur []hub.Dimension) {
		if i == len(dims) {
			if len(cur) <= hub.MaxStatisticsDimensions && !(slices.Contains(cur, hub.DimYear) && slices.Contains(cur, hub.DimMonth)) {
				sets = append(sets, slices.Clone(cur))
			}
			return
		}
		walk(i+1, cur)
		walk(i+1, append(cur, dims[i]))
	}
	walk(0, nil)
	var cells []*hub.Cell
	for _, set := range sets {
		byKey := map[string]*hub.Cell{}
		for _, p := range ps {
			keys := make([]string, len(set))
			for i, d := range set {
				keys[i] = p[d]
			}
			c := &hub.Cell{Measure: hub.MeasureVolunteers, Dims: set, Keys: keys}
			if have, ok := byKey[c.ID()]; ok {
				c = have
			} else {
				byKey[c.ID()] = c
				cells = append(cells, c)
			}
			c.Value++
			c.People++
		}
	}
	return cells
}

// TestProtectPublishesNoSmallCell is the property: over random data, no
// published cell of any query counts 1 to 9 people.
func TestProtectPublishesNoSmallCell(t *testing.T) {
	for seed := range uint64(40) {
		r := rand.New(rand.NewPCG(seed, 99))
		cells := lattice(people(r, 30+r.IntN(400)), auditDims)
		hub.Protect(cells)
		for _, c := range cells {
			if !c.Suppressed && c.People > 0 && c.People < hub.MinPublishedPeople {
				t.Fatalf("seed %d: cell %s counts %d people and is published", seed, c.ID(), c.People)
			}
		}
	}
}

// TestAttackerCannotRecoverSuppressedCells plays the attacker: it takes
// every published cell of every query (all groupings of up to three
// dimensions, every filter, every subtotal and total: they are all cells
// of the lattice), writes every equation that links them (a total is the
// sum of its parts; a year is the sum of its months), and solves the
// system. A suppressed cell that the system determines is recovered. None
// may be. It also tries the plain attacks first, so a failure names one.
func TestAttackerCannotRecoverSuppressedCells(t *testing.T) {
	recoveredAny, controlRecovered := 0, 0
	for seed := range uint64(25) {
		r := rand.New(rand.NewPCG(seed, 7))
		ps := people(r, 40+r.IntN(300))
		cells := lattice(ps, auditDims)
		primary, complementary := hub.Protect(cells)
		if primary == 0 {
			continue
		}
		groups := hub.LinkCells(cells)

		// Differencing: a group with one unknown gives it away.
		for _, g := range groups {
			var unknown []*hub.Cell
			for _, c := range append([]*hub.Cell{g.Parent}, g.Children...) {
				if c.Suppressed {
					unknown = append(unknown, c)
				}
			}
			if len(unknown) == 1 {
				t.Fatalf("seed %d: %s is the only suppressed cell of the group of %s", seed, unknown[0].ID(), g.Parent.ID())
			}
		}

		for _, c := range recovered(cells, groups) {
			recoveredAny++
			t.Errorf("seed %d (%d people, %d primary, %d complementary): the equations determine suppressed cell %s = %v",
				seed, len(ps), primary, complementary, c.ID(), c.Value)
		}

		// The control: with primary suppression alone, the same attack
		// must succeed, or this test could not fail.
		for _, c := range cells {
			c.Suppressed = c.People > 0 && c.People < hub.MinPublishedPeople
		}
		controlRecovered += len(recovered(cells, groups))
	}
	if recoveredAny > 0 {
		t.Fatalf("%d suppressed cells recovered", recoveredAny)
	}
	if controlRecovered == 0 {
		t.Fatal("control: with primary suppression alone the attack recovered nothing; the attack is too weak to prove anything")
	}
	t.Logf("control: primary suppression alone lets the attack recover %d cells", controlRecovered)
}

// recovered writes every equation of groups with the suppressed cells as
// unknowns and returns the unknowns the system determines.
func recovered(cells []*hub.Cell, groups []*hub.CellGroup) []*hub.Cell {
	index := map[*hub.Cell]int{}
	var unknowns []*hub.Cell
	for _, c := range cells {
		if c.Suppressed {
			index[c] = len(unknowns)
			unknowns = append(unknowns, c)
		}
	}
	var rows [][]float64
	for _, g := range groups {
		row := make([]float64, len(unknowns)+1) // coefficients, then the constant
		add := func(c *hub.Cell, sign float64) {
			if i, ok := index[c]; ok {
				row[i] += sign
			} else {
				row[len(unknowns)] -= sign * c.Value
			}
		}
		add(g.Parent, 1)
		for _, c := range g.Children {
			add(c, -1)
		}
		rows = append(rows, row)
	}
	var out []*hub.Cell
	for _, i := range determined(rows, len(unknowns)) {
		out = append(out, unknowns[i])
	}
	return out
}

// determined returns the unknowns that rows (each: coefficients, then the
// constant) fix to one value: after Gauss-Jordan elimination, a pivot
// whose row has no other unknown.
func determined(rows [][]float64, n int) []int {
	const eps = 1e-9
	pivotRow := 0
	var pivots []int
	for col := 0; col < n && pivotRow < len(rows); col++ {
		best := -1
		for r := pivotRow; r < len(rows); r++ {
			if math.Abs(rows[r][col]) > eps && (best < 0 || math.Abs(rows[r][col]) > math.Abs(rows[best][col])) {
				best = r
			}
		}
		if best < 0 {
			continue
		}
		rows[pivotRow], rows[best] = rows[best], rows[pivotRow]
		p := rows[pivotRow][col]
		for j := range rows[pivotRow] {
			rows[pivotRow][j] /= p
		}
		for r := range rows {
			if r == pivotRow || math.Abs(rows[r][col]) <= eps {
				continue
			}
			f := rows[r][col]
			for j := range rows[r] {
				rows[r][j] -= f * rows[pivotRow][j]
			}
		}
		pivots = append(pivots, col)
		pivotRow++
	}
	var out []int
	for r, col := range pivots {
		alone := true
		for j := 0; j < n; j++ {
			if j != col && math.Abs(rows[r][j]) > eps {
				alone = false
				break
			}
		}
		if alone {
			out = append(out, col)
		}
	}
	return out
}
