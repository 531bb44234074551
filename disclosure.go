package hub

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"hash"
	"math"
	"slices"
	"strings"
)

// Disclosure control: how figures about people reach every caller but
// admins. docs/statistics.md ("Small groups") and SECURITY.md explain it to
// users; this is the rule book.
//
// Only statistics publish figures about people. Lists of people
// (volunteers, participations, UN placements) are not for callers without
// the right to read those records (PeopleScope), so no count of them
// reaches anyone else; a count of people that a record reports (a
// project's volunteers engaged, its beneficiaries, an organization's
// volunteers) is shown only when it is 0 or at least 10 (PublishedCount).
// In statistics:
//
//  1. Suppression. A cell about 1 to 9 people is suppressed: value null,
//     suppressed true. So is a cell of 10 to 14 whose perturbed count
//     (below) would be under 10: where the line falls is itself perturbed,
//     so "suppressed" does not tell 9 from 10, nor "published" 10 from 15.
//     Zero is published: it discloses no one.
//  2. Cell-key perturbation, the method of the Australian Bureau of
//     Statistics' TableBuilder and of the ONS for Census 2021. Each person
//     has a secret random record key (a project, for its beneficiaries); a
//     cell's key is the sum of its people's keys (mod 2^32), and the noise
//     added to the cell is a function of that key. The same people always give
//     the same noise, so asking again, in another grouping or through a
//     filter, shows the same value and nothing averages out; two cells that
//     differ by anyone get independent noise, so a difference of published
//     cells is the difference of the true ones plus noise. A suppressed cell
//     worked out from totals and the cells beside it is therefore known only
//     to within the noise of every published cell used, never exactly.
//     Counts of people (volunteers, UN placements, beneficiaries) move by
//     at most MaxCountNoise and are never published below 10; hours by at
//     most MagnitudeShare of the root of their contributions' sum of
//     squares, which is at least the largest single contribution, so no one
//     person's share is given away either.
//  3. Empty cells. A cell that counts no one is suppressed too when it lies
//     inside a suppressed cell (an ancestor: the cell with fewer
//     dimensions, or a month's year): otherwise which parts of a small
//     group are empty would be published, and with them a lower bound of 1
//     on each of the others (nine non-empty months of a suppressed year of
//     at most 9 would mean one person in each). And a secret, fixed tenth
//     of all other empty cells (EmptyShare) is suppressed as well, so that
//     "suppressed" never proves that anyone is there: a suppressed cell
//     means "fewer than 10, possibly none". Without it, the suppressed cells
//     and the exact zeros together let an attacker rebuild the records
//     themselves where the data is thin, as the US Census Bureau showed of
//     its own 2010 tables.
//
// Every rule looks at a cell and its ancestors only, never at which query
// asked, so every answer is a slice of one consistent set of published
// cells. Each is also additive over people (counts, key sums, sums of
// squares), so a change of records updates only the cells it touches.

// MinPublishedPeople is the smallest number of people a published cell may
// count, other than zero.
const MinPublishedPeople = 10

// MaxCountNoise bounds the noise on a published count of people.
const MaxCountNoise = 5

// MaxSuppressedPeople is the most people a suppressed cell may count: a
// count of 14 with noise −5 is not published.
const MaxSuppressedPeople = MinPublishedPeople - 1 + MaxCountNoise

// MagnitudeShare bounds the noise on published hours: a fraction of the
// root of the sum of the squares of the cell's contributions (each
// person's hours in it).
const MagnitudeShare = 0.1

// EmptyShare is the share of empty cells (outside any suppressed cell)
// that every caller but admins sees suppressed, chosen per cell by a
// secret hash (EmptySuppressed).
const EmptyShare = 0.1

// EmptySuppressed reports whether the empty cell id of measure m is among
// the EmptyShare suppressed ones: always the same for the same cell and
// secret, unpredictable without the secret.
func EmptySuppressed(secret []byte, m Measure, id string) bool {
	return NewKeyer(secret).EmptySuppressed(m, id)
}

// countNoise is the distribution of the noise on a count: −5 to +5, mean
// 0, standard deviation 1.3, more than ±2 in 5.6% of cells, ±5 in 0.4%;
// the same for every count. The thin, long tails matter: an attacker knows
// a published count only to within ±5, while dashboards see it within ±2
// nearly always.
var countNoise = [2*MaxCountNoise + 1]float64{0.002, 0.006, 0.02, 0.08, 0.20, 0.384, 0.20, 0.08, 0.02, 0.006, 0.002}

// Protected reports whether m's cells are about people, and so are
// suppressed below MinPublishedPeople and perturbed for every role but
// admin: volunteers, their hours, UN placements, and the beneficiaries
// projects report (people too, counted by the projects).
func (m Measure) Protected() bool {
	return m == MeasureVolunteers || m == MeasureVolunteerHours || m == MeasureUNPlacements || m == MeasureBeneficiaries
}

// SmallGroup reports whether n people are too few to publish: 1 to 9.
func SmallGroup(n int) bool { return n >= 1 && n < MinPublishedPeople }

// PublishedCount returns a count of people a record reports, as every
// caller but admins sees it: nil when it is 1 to 9.
func PublishedCount(n *int) *int {
	if n != nil && SmallGroup(*n) {
		return nil
	}
	return n
}

// Primary reports whether c counts 1 to 9 people of a protected measure.
func (c *Cell) Primary() bool {
	return c.Measure.Protected() && SmallGroup(c.People)
}

// CountNoise returns the noise on a count whose cell key is key: always
// the same for the same key, in −MaxCountNoise…+MaxCountNoise.
func CountNoise(key uint32) int {
	u := float64(key) / (1 << 32)
	acc := 0.0
	for i, p := range countNoise {
		if acc += p; u < acc {
			return i - MaxCountNoise
		}
	}
	return MaxCountNoise
}

// MagnitudeNoise returns the noise published on a sum of hours whose
// contributions' squares sum to sumSq and whose cell key is key: uniform
// in ±MagnitudeShare·√sumSq, fixed by the key.
func MagnitudeNoise(sumSq float64, key uint32) float64 {
	u := (float64(key) + 0.5) / (1 << 32)
	return MagnitudeShare * math.Sqrt(sumSq) * (2*u - 1)
}

// Perturbed returns c's value as every caller but admins may see it: its
// value perturbed by its key (protected measures), or its value.
func (c *Cell) Perturbed() float64 {
	switch c.Measure {
	case MeasureVolunteers, MeasureUNPlacements, MeasureBeneficiaries:
		return math.Round(c.Value) + float64(CountNoise(c.Key))
	case MeasureVolunteerHours:
		return math.Max(0, math.Round(c.Value+MagnitudeNoise(c.SumSq, c.Key)))
	}
	return c.Value
}

// Suppressed reports whether c is withheld from every caller but admins:
// a cell of 1 to 9 people, or a count of people whose perturbed value is
// under 10 (of 10 to 14 people, or beneficiaries).
func (c *Cell) Suppressed() bool {
	switch {
	case !c.Measure.Protected() || c.People == 0:
		return false
	case SmallGroup(c.People):
		return true
	case c.Measure == MeasureVolunteerHours:
		return false // hours are not a count of people
	}
	return c.Perturbed() < MinPublishedPeople
}

// Cell is one cell of a measure's lattice: the people (or records) whose
// values of Dims are Keys.
type Cell struct {
	Measure Measure
	Dims    []Dimension // in the order of Dimensions; empty for the grand total
	Keys    []string    // a value per dimension
	Value   float64
	// People is how many people the cell is about: distinct volunteers
	// (VOLUNTEERS, VOLUNTEER_HOURS, UN_PLACEMENTS), or the beneficiaries
	// themselves (BENEFICIARIES); 0 for measures of organizations and
	// projects.
	People int
	// Key is the cell key: the sum of its people's record keys, mod 2^32.
	Key uint32
	// SumSq is the sum of the squares of the cell's contributions to Value
	// (each person's hours in it).
	SumSq float64

	id string // ID, once computed
}

// ID names the cell within its measure: "REGION=KZ-11|YEAR=2024". Dims
// and Keys must not change once it is asked for.
func (c *Cell) ID() string {
	if c.id == "" {
		c.id = CellID(c.Dims, c.Keys)
	}
	return c.id
}

// CellID names the cell of dims with keys (see Cell.ID).
func CellID(dims []Dimension, keys []string) string {
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

// AncestorSet is a set of dimensions whose cells contain the cells of a
// finer set: a subset of it, or, for a set with MONTH, the same set with
// the month's YEAR instead (YearOfMonth).
type AncestorSet struct {
	Dims        []Dimension // canonical order
	YearOfMonth bool        // YEAR in Dims is the year of the finer cell's MONTH
}

// AncestorSets returns the sets whose cells contain the cells of dims
// (canonical order): every proper subset, and, when dims has MONTH, every
// subset with MONTH replaced by YEAR, dims itself included.
func AncestorSets(dims []Dimension) []AncestorSet {
	var out []AncestorSet
	for _, s := range subsetsOf(dims) {
		if len(s) < len(dims) {
			out = append(out, AncestorSet{Dims: s})
		}
		if i := slices.Index(s, DimMonth); i >= 0 {
			y := slices.Clone(s)
			y[i] = DimYear
			slices.SortFunc(y, func(a, b Dimension) int { return dimOrder(a) - dimOrder(b) })
			out = append(out, AncestorSet{Dims: y, YearOfMonth: true})
		}
	}
	return out
}

// Project returns the keys, in a.Dims order, of the ancestor in a of the
// cell of dims with keys.
func (a AncestorSet) Project(dims []Dimension, keys []string) []string {
	out := make([]string, len(a.Dims))
	for i, d := range a.Dims {
		if d == DimYear && a.YearOfMonth {
			out[i] = keys[slices.Index(dims, DimMonth)][:4]
			continue
		}
		out[i] = keys[slices.Index(dims, d)]
	}
	return out
}

func dimOrder(d Dimension) int { return slices.Index(Dimensions[:], d) }

// subsetsOf returns every subset of dims, keeping their order.
func subsetsOf[T any](dims []T) [][]T {
	out := [][]T{{}}
	for _, d := range dims {
		for _, s := range out {
			out = append(out, append(slices.Clone(s), d))
		}
	}
	return out
}

// RecordKey returns a person's (or a project's) record key for measure m:
// the first 32 bits of HMAC-SHA256(secret, m + ":" + id). It is as secret
// as secret and never changes for the same person, so the noise of a cell
// changes only when its people do.
func RecordKey(secret []byte, m Measure, id []byte) uint32 {
	return NewKeyer(secret).Key(m, id)
}

// Keyer computes many record keys under one secret (RecordKey,
// EmptySuppressed) with one HMAC, reset between keys: a rollup build keys
// millions of groups, and an answer may decide thousands of empty cells.
// A Keyer is not safe for concurrent use.
type Keyer struct {
	mac hash.Hash
	sum []byte
}

// NewKeyer returns a Keyer for secret.
func NewKeyer(secret []byte) *Keyer {
	return &Keyer{mac: hmac.New(sha256.New, secret), sum: make([]byte, 0, sha256.Size)}
}

// Key is RecordKey(secret, m, id).
func (k *Keyer) Key(m Measure, id []byte) uint32 {
	k.mac.Reset()
	k.mac.Write([]byte(m))
	k.mac.Write([]byte{':'})
	k.mac.Write(id)
	k.sum = k.mac.Sum(k.sum[:0])
	return binary.BigEndian.Uint32(k.sum)
}

// EmptySuppressed is EmptySuppressed(secret, m, id).
func (k *Keyer) EmptySuppressed(m Measure, id string) bool {
	return float64(k.Key(m, []byte("empty:"+id))) < EmptyShare*(1<<32)
}
