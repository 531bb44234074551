package hub

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
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
//  1. Primary suppression. A cell about 1 to 9 people is suppressed: value
//     null, suppressed true. Zero is published: it discloses no one.
//  2. Cell-key perturbation, the method of the Australian Bureau of
//     Statistics' TableBuilder and of the ONS for Census 2021. Each person
//     has a secret random record key; a cell's key is the sum of its
//     people's keys (mod 2^32), and the noise added to the cell is a
//     function of that key and the cell's size. The same people always give
//     the same noise, so asking again, in another grouping or through a
//     filter, shows the same value and nothing averages out; two cells that
//     differ by anyone get independent noise, so a difference of published
//     cells is the difference of the true ones plus noise. A suppressed cell
//     worked out from totals and the cells beside it is therefore known only
//     to within the noise of every published cell used, never exactly. Counts
//     move by at most MaxCountNoise (and never below 10); hours and
//     beneficiaries by at most MagnitudeShare of the root of their
//     contributions' sum of squares, which is at least the largest single
//     contribution, so no one person's share is given away either.
//  3. Subgroups of a small group. A cell that counts no one is suppressed
//     too when it lies inside a cell of 1 to 9 people (an ancestor: the cell
//     with fewer dimensions, or a month's year). Otherwise which parts of a
//     small group are empty would be published, and with them a lower bound
//     of 1 on each of the others: nine non-empty months of a suppressed year
//     would mean one person in each.
//
// Every rule looks at a cell and its ancestors only, never at which query
// asked, so every answer is a slice of one consistent set of published
// cells. Each is also additive over people (counts, key sums, sums of
// squares), so a change of records updates only the cells it touches.

// MinPublishedPeople is the smallest number of people a published cell may
// count, other than zero.
const MinPublishedPeople = 10

// MaxCountNoise bounds the noise on a published count of people.
const MaxCountNoise = 3

// MagnitudeShare bounds the noise on published hours and beneficiaries: a
// fraction of the root of the sum of the squares of the cell's
// contributions (each person's hours, each project's beneficiaries).
const MagnitudeShare = 0.1

// countNoise is the distribution of the noise on a count of 13 or more:
// −3 to +3, mean 0, variance 1.4. Noise that would publish a count below 10
// (for counts of 10 to 12) is no noise instead.
var countNoise = [2*MaxCountNoise + 1]float64{0.02, 0.08, 0.20, 0.40, 0.20, 0.08, 0.02}

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

// CountNoise returns the noise published on a count of n (at least
// MinPublishedPeople) whose cell key is key: always the same for the same
// n and key, in −MaxCountNoise…+MaxCountNoise, and never bringing the
// count below MinPublishedPeople.
func CountNoise(n int, key uint32) int {
	p := countNoise
	for e := -MaxCountNoise; e < MinPublishedPeople-n && e <= MaxCountNoise; e++ {
		p[MaxCountNoise] += p[e+MaxCountNoise]
		p[e+MaxCountNoise] = 0
	}
	u := float64(key) / (1 << 32)
	acc := 0.0
	for i, pi := range p {
		if acc += pi; u < acc {
			return i - MaxCountNoise
		}
	}
	return MaxCountNoise
}

// CountNoiseSupport returns the noises CountNoise can give a count of n:
// what an attacker knows of the noise on a published count.
func CountNoiseSupport(n int) (lo, hi int) {
	return max(-MaxCountNoise, MinPublishedPeople-n), MaxCountNoise
}

// MagnitudeNoise returns the noise published on a sum (hours,
// beneficiaries) whose contributions' squares sum to sumSq and whose cell
// key is key: uniform in ±MagnitudeShare·√sumSq, fixed by the key.
func MagnitudeNoise(sumSq float64, key uint32) float64 {
	u := (float64(key) + 0.5) / (1 << 32)
	return MagnitudeShare * math.Sqrt(sumSq) * (2*u - 1)
}

// Published returns the value c shows to every caller but admins, when it
// is not suppressed: its value perturbed by its key (protected measures),
// or its value.
func (c *Cell) Published() float64 {
	switch c.Measure {
	case MeasureVolunteers, MeasureUNPlacements:
		n := int(math.Round(c.Value))
		return float64(n + CountNoise(n, c.Key))
	case MeasureVolunteerHours:
		return math.Max(0, math.Round(c.Value+MagnitudeNoise(c.SumSq, c.Key)))
	case MeasureBeneficiaries:
		return math.Max(MinPublishedPeople, math.Round(c.Value+MagnitudeNoise(c.SumSq, c.Key)))
	}
	return c.Value
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
	// (a person's hours in it, a project's beneficiaries).
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
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte(m))
	mac.Write([]byte{':'})
	mac.Write(id)
	return binary.BigEndian.Uint32(mac.Sum(nil))
}
