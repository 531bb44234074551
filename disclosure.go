package hub

import (
	"cmp"
	"slices"
	"strings"
)

// Disclosure control. A statistics cell that counts 1 to 9 people is
// suppressed for every role but admin (primary suppression, the threshold
// national statistics offices use). That alone is not enough: a
// suppressed cell could be recovered by subtracting the published cells
// beside it from their total. So cells are also suppressed to protect the
// primary ones (complementary suppression), over the whole lattice of
// cells any query can see, so that every query draws on one consistent
// set of published cells and no combination of queries (totals, filters,
// the difference of two answers) pins a suppressed cell down.
//
// The lattice of a measure holds a cell for every combination of values of
// every set of up to MaxStatisticsDimensions of its dimensions (the empty
// set is the grand total). Cells are linked by groups: a cell and the cells
// that split it by one more dimension (its children), and a year and its
// months. For counts of people with one value per dimension, a group is
// an equation: the parent is the sum of its children. The rules, applied
// until nothing changes:
//
//  1. No group holds exactly one suppressed cell: it would be the parent
//     minus the others, or the sum of the children.
//  2. The suppressed children of a published parent do not together count
//     1 to 9 people: their sum is the parent minus the published children.
//
// When a group breaks a rule, the published child with the fewest people
// (but some) is suppressed too; when there is none, the parent is. A cell
// with no people is never suppressed: zero discloses nothing. Dimensions
// with several values per person (directions, sources, organization kinds)
// make the equations inequalities, which only makes recovery harder.

// MinPublishedPeople is the smallest number of people a published cell may
// count, other than zero.
const MinPublishedPeople = 10

// Cell is one cell of a statistics lattice.
type Cell struct {
	Measure Measure
	Dims    []Dimension // in the order of Dimensions; empty for the grand total
	Keys    []string    // a value per dimension
	Value   float64
	People  int // distinct people the cell counts (people measures)
	// Suppressed is set by Protect: primary or complementary.
	Suppressed bool

	id string // ID, once computed
}

// ID names the cell within its measure: "REGION=KZ-11|YEAR=2024". Dims
// and Keys must not change once it is asked for.
func (c *Cell) ID() string {
	if c.id == "" {
		c.id = cellID(c.Dims, c.Keys)
	}
	return c.id
}

func cellID(dims []Dimension, keys []string) string {
	var b strings.Builder
	for i, d := range dims {
		if i > 0 {
			b.WriteByte('|')
		}
		b.WriteString(string(d))
		b.WriteByte('=')
		b.WriteString(keys[i])
	}
	return b.String()
}

// without returns c's dims and keys without dimension i.
func (c *Cell) without(i int) ([]Dimension, []string) {
	dims := append(slices.Clone(c.Dims[:i]), c.Dims[i+1:]...)
	keys := append(slices.Clone(c.Keys[:i]), c.Keys[i+1:]...)
	return dims, keys
}

// CellGroup is a parent cell and the cells that split it.
type CellGroup struct {
	Parent   *Cell
	Children []*Cell
}

// LinkCells returns the groups of one measure's lattice: for each cell,
// the cell it splits by dropping one of its dimensions, and, for a MONTH
// cell, the same cell with the month's YEAR instead. A child whose parent
// is not in cells (its people are not counted: a zero) is left out.
func LinkCells(cells []*Cell) []*CellGroup {
	byID := make(map[string]*Cell, len(cells))
	for _, c := range cells {
		byID[c.ID()] = c
	}
	groups := map[string]*CellGroup{}
	add := func(parentDims []Dimension, parentKeys []string, how string, child *Cell) {
		pid := cellID(parentDims, parentKeys)
		parent, ok := byID[pid]
		if !ok {
			return
		}
		key := pid + "\x00" + how
		g := groups[key]
		if g == nil {
			g = &CellGroup{Parent: parent}
			groups[key] = g
		}
		g.Children = append(g.Children, child)
	}
	for _, c := range cells {
		for i, d := range c.Dims {
			dims, keys := c.without(i)
			add(dims, keys, "split:"+string(d), c)
			if d == DimMonth && len(c.Keys[i]) >= 4 {
				// The year of the month, in the month's place in canonical order.
				ydims, ykeys := insertDim(dims, keys, DimYear, c.Keys[i][:4])
				add(ydims, ykeys, "months", c)
			}
		}
	}
	out := make([]*CellGroup, 0, len(groups))
	for _, g := range groups {
		out = append(out, g)
	}
	// Deterministic order, so the same records always give the same cells.
	slices.SortFunc(out, func(a, b *CellGroup) int {
		if c := strings.Compare(a.Parent.ID(), b.Parent.ID()); c != 0 {
			return c
		}
		return strings.Compare(a.Children[0].ID(), b.Children[0].ID())
	})
	return out
}

// insertDim adds dimension d with key k to dims and keys, keeping the
// order of Dimensions.
func insertDim(dims []Dimension, keys []string, d Dimension, k string) ([]Dimension, []string) {
	pos := slices.Index(Dimensions[:], d)
	i := 0
	for i < len(dims) && slices.Index(Dimensions[:], dims[i]) < pos {
		i++
	}
	return slices.Insert(slices.Clone(dims), i, d), slices.Insert(slices.Clone(keys), i, k)
}

// Protect marks the cells of one people measure's lattice that must not be
// published: primary (1 to 9 people) and complementary (see above). It
// returns how many of each it marked. cells must be the whole lattice.
func Protect(cells []*Cell) (primary, complementary int) {
	for _, c := range cells {
		c.Suppressed = c.People > 0 && c.People < MinPublishedPeople
		if c.Suppressed {
			primary++
		}
	}
	groups := LinkCells(cells)
	memberOf := map[*Cell][]*CellGroup{}
	for _, g := range groups {
		memberOf[g.Parent] = append(memberOf[g.Parent], g)
		for _, c := range g.Children {
			memberOf[c] = append(memberOf[c], g)
		}
		slices.SortFunc(g.Children, func(a, b *Cell) int {
			return cmp.Or(cmp.Compare(a.People, b.People), cmp.Compare(a.Value, b.Value), strings.Compare(a.ID(), b.ID()))
		})
	}
	queue := slices.Clone(groups)
	queued := map[*CellGroup]bool{}
	for _, g := range groups {
		queued[g] = true
	}
	suppress := func(c *Cell) {
		c.Suppressed = true
		complementary++
		for _, g := range memberOf[c] {
			if !queued[g] {
				queued[g] = true
				queue = append(queue, g)
			}
		}
	}
	for len(queue) > 0 {
		g := queue[0]
		queue = queue[1:]
		queued[g] = false
		for {
			next := g.violation()
			if next == nil {
				break
			}
			suppress(next)
		}
	}
	return primary, complementary
}

// violation returns the cell to suppress next for g to keep the rules,
// or nil when it keeps them.
func (g *CellGroup) violation() *Cell {
	hidden, hiddenPeople := 0, 0
	if g.Parent.Suppressed {
		hidden++
	}
	var smallest *Cell // the published child with the fewest people, but some
	for _, c := range g.Children {
		switch {
		case c.Suppressed:
			hidden++
			hiddenPeople += c.People
		case smallest == nil && c.People > 0:
			smallest = c // children are sorted by people
		}
	}
	breaks := hidden == 1 ||
		(!g.Parent.Suppressed && hiddenPeople > 0 && hiddenPeople < MinPublishedPeople)
	if !breaks {
		return nil
	}
	if smallest != nil {
		return smallest
	}
	if !g.Parent.Suppressed && g.Parent.People > 0 {
		return g.Parent
	}
	return nil // nothing left to hide: every other member counts no one
}
