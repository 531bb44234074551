package demo

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"math/bits"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/birgemiz/hub"
)

// Scale is the size of a dataset that `hub demo --scale NAME` generates
// and loads: made-up organizations, projects, volunteers, participations,
// UN placements and reported figures, spread over the 20 regions as people
// are. Scales lists them.
type Scale struct {
	Name          string // "region" or "national"; the source is "synthetic-" + Name
	Organizations int
	Projects      int
	Volunteers    int // each has ParticipationsPerVolunteer participations on average (1 to 9), exactly in total
	UNPlacements  int
	// BatchLines and BatchBytes bound one batch of the feed. A batch ends
	// between two volunteers, so it may pass BatchBytes by one volunteer.
	BatchLines int
	BatchBytes int
	Seed       int64
	// Revision is which nightly snapshot of the scale this is: 0, the
	// first. Each later one lists every record again and changes about 1%
	// of the volunteers (a skill), participations (an hour) and projects
	// (beneficiaries) over the one before, with an updated_at a day later
	// per revision (RevisionTime); the rest are listed as they were.
	// Loading revisions 1, 2 … after the first is the nightly re-push of a
	// catalogue that changes a little.
	Revision int
}

// RevisionTime is the updated_at of the records revision r changed.
func RevisionTime(r int) string {
	t, _ := time.Parse(time.RFC3339, UpdatedAt)
	return t.AddDate(0, 0, r).Format(time.RFC3339)
}

// revisions returns how many of revisions 1 … Revision changed record num
// of kind, and the updated_at of the last that did (UpdatedAt when none
// did): each changes a record with probability 1/100, independently.
func (g *ScaleGenerator) revisions(kind uint64, num int) (int, string) {
	n, last := 0, 0
	h := splitmix(splitmix(uint64(g.sc.Seed)^kind<<56) ^ uint64(num))
	for r := 1; r <= g.sc.Revision; r++ {
		if splitmix(h^uint64(r))%100 == 0 {
			n, last = n+1, r
		}
	}
	if n == 0 {
		return 0, UpdatedAt
	}
	return n, RevisionTime(last)
}

// ParticipationsPerVolunteer is the mean number of participations of a
// scaled dataset's volunteers; the total is exactly this times Volunteers.
const ParticipationsPerVolunteer = 5

// ScaleSeed is the seed of every scale.
const ScaleSeed int64 = 20260115

// Scales returns the scales `hub demo --scale` knows, smallest first.
func Scales() []Scale {
	return []Scale{
		{Name: "region", Organizations: 100, Projects: 1_000, Volunteers: 10_000, UNPlacements: 20,
			BatchLines: 20_000, BatchBytes: 16 << 20, Seed: ScaleSeed},
		{Name: "metro", Organizations: 300, Projects: 10_000, Volunteers: 100_000, UNPlacements: 200,
			BatchLines: 50_000, BatchBytes: 32 << 20, Seed: ScaleSeed},
		{Name: "national", Organizations: 1_000, Projects: 100_000, Volunteers: 1_000_000, UNPlacements: 2_000,
			BatchLines: 50_000, BatchBytes: 32 << 20, Seed: ScaleSeed},
	}
}

// ScaleNames returns the names of Scales, comma-separated.
func ScaleNames() string {
	var names []string
	for _, s := range Scales() {
		names = append(names, s.Name)
	}
	return strings.Join(names, ", ")
}

// ScaleNamed returns the scale called name, or an error naming the valid ones.
func ScaleNamed(name string) (Scale, error) {
	for _, s := range Scales() {
		if s.Name == name {
			return s, nil
		}
	}
	return Scale{}, fmt.Errorf("unknown scale %q; use one of %s", name, ScaleNames())
}

// Source is the source a scale's records come from.
func (s Scale) Source() hub.Source {
	return hub.Source{
		Name: "synthetic-" + s.Name,
		Kind: hub.SourceSynthetic,
		Description: fmt.Sprintf("Synthetic %s-scale demo records (not real people, organizations or projects), generated "+
			"deterministically by `hub demo --scale %s`.", s.Name, s.Name),
	}
}

// ArticleFeeds returns the three article feeds of Feeds, without the
// synthetic one.
func ArticleFeeds() []Feed {
	return Feeds(0)[:len(articleSources())]
}

// Phases of a scaled feed. A batch refers only to records of earlier
// phases or to earlier lines of itself, so the batches of one phase may
// be applied in any order and side by side, and a phase must be applied
// before the next one starts.
const (
	PhaseOrganizations = 1 + iota // organizations and indicators
	PhaseProjects                 // projects, which name organizations
	PhaseVolunteers               // volunteers, each followed by its participations
	PhasePlacements               // UN placements, which name volunteers
)

// ScaleBatch is one batch of a scaled feed.
type ScaleBatch struct {
	Phase int
	Name  string // e.g. "synthetic-region-3-volunteers-002"
	Body  []byte // canonical NDJSON; reused once the callback returns
	Lines int
	// Lead marks the small first batch of the projects and of the
	// volunteers: about an eighth of the lines before its phase. It is
	// best applied alone, and the tables analyzed after it, before the rest
	// of its phase: until PostgreSQL's statistics have seen records of the
	// type, the planner looks a record's provenance up by scanning every
	// record of its type, which costs a large first batch minutes.
	Lead bool
}

// ScaleGenerator makes a scale's feed batch by batch. NewScaleGenerator
// plans it and counts what the participations add up to (per project,
// organization, region and year) without keeping any volunteer; Generate
// then makes every record and hands it out in batches, holding one batch
// at a time. Memory grows with the projects and organizations, not with the
// volunteers or participations.
type ScaleGenerator struct {
	sc     Scale
	prefix string // of every external id: "reg-", "nat-"
	site   string // https://synthetic-….example.invalid
	rng    *rand.Rand
	pcg    *rand.PCG // reseeded per record: a volunteer's records depend on its number only
	rec    *rand.Rand

	regions    []hub.Region
	regWeights []int
	regCut     []uint64 // cumulative thresholds of regWeights over 2^64, for regionOf
	locWeights [][]int
	topics     [][]topic // per theme: themes[i].topics and moreTopics
	specs      []indicatorSpec

	orgs     []natOrg
	orgsIn   [][]int32 // per region
	projects []natProject
	open     [][]int32 // per region: active or completed projects
	openAll  []int     // weights for picking another region's project

	counts   map[hub.RecordType]int
	regYear  [][]int      // volunteers registered per region and year (index year-2019)
	orgYear  [][]int      // organizations founded per region up to each year
	hourYear []float64    // participation hours per start year
	v        natVolunteer // the volunteer being made, reused
}

type natOrg struct {
	name       phrase
	kind       string
	region     int
	founded    int32 // days since 1970
	directions []string
	members    int
}

type natProject struct {
	region  int16
	theme   int8
	second  int8 // a second theme, or -1
	status  hub.ProjectStatus
	org     int32 // index into orgs, or -1
	start   int32 // days since 1970
	end     int32 // or -1
	engaged int32
	last    int32 // the last volunteer counted in engaged
	hours   float64
}

// natPart is one planned participation.
type natPart struct {
	project    int32
	start, end int32
	hours      float64
	role       int8
}

// natVolunteer is one planned volunteer, reused from one to the next.
type natVolunteer struct {
	region  int
	reg     int32
	parts   []natPart
	orgs    []int32
	data    volunteerData
	partBuf []participationData
}

var (
	natEpoch   = time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC)
	natNowDay  = dayOf(synNow)
	natLastDay = dayOf(synLastDay)
	// natYearWeights spread registrations and project starts over 2019–2025:
	// growing, with the Year of the Volunteer (2020) above its neighbours.
	natYearWeights = []int{8, 13, 11, 14, 17, 18, 19}
	// natThemeWeights are the themes' shares of projects, in themes order.
	natThemeWeights = []int{12, 8, 12, 12, 5, 8, 6, 5, 3, 10, 5, 3, 4, 7}
	// Age: the year of birth by band (14–17, 18–24, 25–34, 35–44, 45–54, 55–64, 65–75 in 2025).
	natBirthBands   = [][2]int{{2008, 2011}, {2001, 2007}, {1991, 2000}, {1981, 1990}, {1971, 1980}, {1961, 1970}, {1950, 1960}}
	natBirthWeights = []int{15, 35, 22, 12, 7, 5, 4}
)

func dayOf(t time.Time) int32 { return int32(t.Sub(natEpoch).Hours() / 24) }

func dayString(d int32) string { return natEpoch.AddDate(0, 0, int(d)).Format(time.DateOnly) }

// NewScaleGenerator plans the dataset of sc: its organizations and projects,
// and a first pass over the volunteers that counts what their
// participations and memberships add up to.
func NewScaleGenerator(sc Scale) *ScaleGenerator {
	g := &ScaleGenerator{
		sc:     sc,
		prefix: sc.Name[:min(3, len(sc.Name))] + "-",
		site:   "https://synthetic-" + sc.Name + ".example.invalid",
		rng:    rand.New(rand.NewPCG(uint64(sc.Seed), 0x5ca1ab1e)),
		pcg:    rand.NewPCG(0, 0),
	}
	g.rec = rand.New(g.pcg)
	g.regions = hub.Regions()
	for _, r := range g.regions {
		pl := placeFor(r.Code)
		w := pl.weight
		if r.Kind == hub.RegionKindCity {
			// Volunteering is more common in the three cities than their
			// population alone says.
			w = w * 135 / 100
		}
		g.regWeights = append(g.regWeights, w)
		var lw []int
		for _, l := range regionLocalities[r.Code] {
			lw = append(lw, l.weight)
		}
		g.locWeights = append(g.locWeights, lw)
	}
	g.regCut = cutPoints(g.regWeights)
	for i := range themes {
		ts := append([]topic{}, themes[i].topics...)
		for _, t := range moreTopics[themes[i].code] {
			t.latin = kkLatin(t.kk)
			ts = append(ts, t)
		}
		g.topics = append(g.topics, ts)
	}
	g.counts = map[hub.RecordType]int{}
	g.planOrganizations()
	g.planProjects()
	g.countVolunteers()
	g.specs = g.indicatorSpecs()
	g.counts[hub.TypeIndicator] = len(g.specs)
	g.counts[hub.TypeUNPlacement] = sc.UNPlacements
	return g
}

// Scale returns the generator's scale.
func (g *ScaleGenerator) Scale() Scale { return g.sc }

// Counts returns how many records of each type Generate makes.
func (g *ScaleGenerator) Counts() map[hub.RecordType]int {
	out := make(map[hub.RecordType]int, len(g.counts))
	for k, v := range g.counts {
		out[k] = v
	}
	return out
}

// Total returns how many records Generate makes.
func (g *ScaleGenerator) Total() int {
	n := 0
	for _, c := range g.counts {
		n += c
	}
	return n
}

// cutPoints returns, for weights, the cumulative thresholds over 2^64 that
// regionOf compares a number's golden-ratio point with.
func cutPoints(weights []int) []uint64 {
	var sum uint64
	for _, w := range weights {
		sum += uint64(w)
	}
	cuts := make([]uint64, len(weights))
	var acc uint64
	for i, w := range weights {
		acc += uint64(w)
		if acc >= sum {
			cuts[i] = math.MaxUint64
			continue
		}
		cuts[i], _ = bits.Div64(acc, 0, sum) // acc/sum of 2^64
	}
	return cuts
}

// regionOf spreads numbered records over the regions by weight with a
// golden-ratio sequence: every stretch of numbers gets each region's share
// within a few records, so even the smallest scale has the regions in
// population order. Integer arithmetic keeps it the same on every machine.
func (g *ScaleGenerator) regionOf(num int, salt uint64) int {
	x := uint64(num)*0x9e3779b97f4a7c15 + salt
	for i, c := range g.regCut {
		if x <= c {
			return i
		}
	}
	return len(g.regCut) - 1
}

// seed reseeds the per-record generator for record num of a kind.
func (g *ScaleGenerator) seed(kind uint64, num int) *rand.Rand {
	g.pcg.Seed(splitmix(uint64(g.sc.Seed)^kind), splitmix(uint64(num)^kind<<32))
	return g.rec
}

func splitmix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

const (
	kindPair uint64 = 1 + iota
	kindVolunteer
	kindProject
	kindPlacement
	kindParticipation // only for revisions: a participation is its volunteer's
)

// quotas splits n over weights by largest remainder, giving each at least
// one when n allows.
func quotas(n int, weights []int) []int {
	out := make([]int, len(weights))
	if n >= len(weights) {
		for i := range out {
			out[i] = 1
		}
		n -= len(weights)
	}
	sum := 0
	for _, w := range weights {
		sum += w
	}
	type rem struct{ i, r int }
	rems := make([]rem, len(weights))
	left := n
	for i, w := range weights {
		out[i] += n * w / sum
		left -= n * w / sum
		rems[i] = rem{i, n * w % sum}
	}
	slices.SortStableFunc(rems, func(a, b rem) int { return b.r - a.r })
	for k := 0; k < left; k++ {
		out[rems[k].i]++
	}
	return out
}

// yearDay returns a random day of year.
func yearDay(rng *rand.Rand, year int) int32 {
	start := dayOf(time.Date(year, 1, 1, 0, 0, 0, 0, time.UTC))
	end := dayOf(time.Date(year, 12, 31, 0, 0, 0, 0, time.UTC))
	return start + int32(rng.IntN(int(end-start)+1))
}

func (g *ScaleGenerator) planOrganizations() {
	per := quotas(g.sc.Organizations, g.regWeights)
	used := make([]map[string]bool, len(g.regions))
	g.orgsIn = make([][]int32, len(g.regions))
	for ri := range g.regions {
		used[ri] = map[string]bool{}
		for range per[ri] {
			o := natOrg{region: ri}
			o.name, o.kind = g.orgName(ri, used[ri])
			year := 2000 + g.rng.IntN(16)
			if g.rng.IntN(100) < 75 {
				year = 2016 + g.rng.IntN(9) // after the 2016 law on volunteering
			}
			o.founded = yearDay(g.rng, year)
			g.orgsIn[ri] = append(g.orgsIn[ri], int32(len(g.orgs)))
			g.orgs = append(g.orgs, o)
		}
	}
	g.counts[hub.TypeOrganization] = len(g.orgs)
}

// orgName picks a name no other organization of the region has in any
// language: the hub would take two such organizations for one.
func (g *ScaleGenerator) orgName(ri int, used map[string]bool) (phrase, string) {
	locs := regionLocalities[g.regions[ri].Code]
	free := func(p phrase) bool {
		return !used[hub.NormalizeName(p.kk)] && !used[hub.NormalizeName(p.ru)] && !used[hub.NormalizeName(p.en)]
	}
	take := func(p phrase) phrase {
		used[hub.NormalizeName(p.kk)], used[hub.NormalizeName(p.ru)], used[hub.NormalizeName(p.en)] = true, true, true
		return p
	}
	name := func(f orgForm, n phrase) phrase {
		return phrase{fmt.Sprintf(f.kk, "«"+n.kk+"»"), fmt.Sprintf(f.ru, "«"+n.ru+"»"), fmt.Sprintf(f.en, n.en)}
	}
	if g.rng.IntN(100) < 7 {
		l := locs[pickIndex(g.rng, g.locWeights[ri])]
		p := phrase{fmt.Sprintf(stateBodyForm.kk, l.kk), fmt.Sprintf(stateBodyForm.ru, l.ru), fmt.Sprintf(stateBodyForm.en, l.en)}
		if l.kind == district {
			c := cityForms[g.regions[ri].Code]
			p = phrase{c.kk + " қаласы " + strings.TrimSuffix(l.kk, "ы") + "ының жастар ресурстық орталығы",
				p.ru[:len(p.ru)-1] + ", " + c.kk + ")", p.en + ", " + c.en}
		}
		if free(p) {
			return take(p), stateBodyForm.kind
		}
	}
	for try := 0; ; try++ {
		f := orgForms[pickIndex(g.rng, orgFormWeights)]
		p := name(f, orgNames[g.rng.IntN(len(orgNames))])
		if try >= 20 {
			// Crowded: add a town, then a number.
			l := locs[g.rng.IntN(len(locs))]
			p = phrase{p.kk + " (" + l.kk + ")", p.ru + " (" + l.ru + ")", p.en + " (" + l.en + ")"}
			if try >= 40 {
				p = phrase{p.kk + " №" + strconv.Itoa(try), p.ru + " №" + strconv.Itoa(try), p.en + " No. " + strconv.Itoa(try)}
			}
		}
		if free(p) {
			return take(p), f.kind
		}
	}
}

func (g *ScaleGenerator) planProjects() {
	g.projects = make([]natProject, g.sc.Projects)
	g.open = make([][]int32, len(g.regions))
	for i := range g.projects {
		p := &g.projects[i]
		ri := g.regionOf(i+1, 0x51ed27)
		p.region = int16(ri)
		p.theme = int8(pickIndex(g.rng, natThemeWeights))
		p.second = -1
		if g.rng.IntN(100) < 35 {
			if s := int8(pickIndex(g.rng, natThemeWeights)); s != p.theme {
				p.second = s
			}
		}
		p.end = -1
		code := themes[p.theme].code
		short := code == "EVENTS" || code == "SPORTS" || code == "EMERGENCY"
		switch x := g.rng.IntN(100); {
		case x < 4 && len(g.open[ri]) > 0:
			p.status = hub.StatusPlanned
			p.start = natNowDay + 17 + int32(g.rng.IntN(220))
			p.end = p.start + 30 + int32(g.rng.IntN(91))
		default:
			p.start = yearDay(g.rng, 2019+pickIndex(g.rng, natYearWeights))
			switch {
			case short:
				p.end = p.start + 1 + int32(g.rng.IntN(14))
			case g.rng.IntN(100) < 75:
				p.end = p.start + 30 + int32(g.rng.IntN(690))
			}
			switch {
			case g.rng.IntN(100) < 3 && len(g.open[ri]) > 0:
				p.status, p.end = hub.StatusCancelled, -1
			case p.end >= 0 && p.end <= natNowDay:
				p.status = hub.StatusCompleted
			default:
				p.status = hub.StatusActive
			}
		}
		p.org = -1
		if in := g.orgsIn[ri]; len(in) > 0 && g.rng.IntN(100) < 92 {
			// Some organizations run many projects: the first ones of a
			// region more than the last.
			p.org = in[min(g.rng.IntN(len(in)), g.rng.IntN(len(in)))]
			o := &g.orgs[p.org]
			if len(o.directions) < 4 && !slices.Contains(o.directions, code) {
				o.directions = append(o.directions, code)
			}
		}
		if p.status == hub.StatusActive || p.status == hub.StatusCompleted {
			g.open[ri] = append(g.open[ri], int32(i))
		}
	}
	for ri := range g.regions {
		g.openAll = append(g.openAll, len(g.open[ri]))
	}
	for i := range g.orgs {
		if len(g.orgs[i].directions) == 0 {
			g.orgs[i].directions = []string{themes[pickIndex(g.rng, natThemeWeights)].code}
		}
	}
	g.counts[hub.TypeProject] = len(g.projects)
}

// partsFor returns how many participations volunteer num has: pairs of
// volunteers share ten between them (1 and 9, 4 and 6, …), so the total is
// exactly ParticipationsPerVolunteer per volunteer.
func (g *ScaleGenerator) partsFor(num int) int {
	if num == g.sc.Volunteers && num%2 == 1 {
		return ParticipationsPerVolunteer
	}
	rng := g.seed(kindPair, (num+1)/2)
	d := []int{0, 1, 1, 2, 2, 2, 3, 3, 4, 4}[rng.IntN(10)]
	if num%2 == 1 {
		return ParticipationsPerVolunteer + d
	}
	return ParticipationsPerVolunteer - d
}

// planVolunteer draws volunteer num into g.v: the same every time, from
// the volunteer's number alone.
func (g *ScaleGenerator) planVolunteer(num int) *natVolunteer {
	k := g.partsFor(num)
	v := &g.v
	rng := g.seed(kindVolunteer, num)
	v.region = g.regionOf(num, 0)
	v.reg = yearDay(rng, 2019+pickIndex(rng, natYearWeights))
	v.parts = v.parts[:0]
	for range k {
		ri := v.region
		if rng.IntN(100) < 8 {
			ri = pickIndex(rng, g.openAll) // an event or an online project elsewhere
		}
		open := g.open[ri]
		if len(open) == 0 {
			open = g.open[pickIndex(rng, g.openAll)] // a scale too small for every region to have one
		}
		pi := open[min(rng.IntN(len(open)), rng.IntN(len(open)))]
		p := &g.projects[pi]
		last := natLastDay
		if p.end >= 0 && p.end < last {
			last = p.end
		}
		start := p.start + int32(rng.IntN(int(last-p.start)+1))
		end := min(start+int32(rng.IntN(31)), last)
		v.parts = append(v.parts, natPart{project: pi, start: start, end: end, hours: g.hours(rng, p.theme),
			role: int8(pickIndex(rng, natRoleWeights))})
		v.reg = min(v.reg, start)
	}
	v.orgs = v.orgs[:0]
	if in := g.orgsIn[v.region]; len(in) > 0 {
		switch x := rng.IntN(100); {
		case x < 10:
			a, b := in[min(rng.IntN(len(in)), rng.IntN(len(in)))], in[rng.IntN(len(in))]
			v.orgs = append(v.orgs, a)
			if b != a {
				v.orgs = append(v.orgs, b)
			}
		case x < 60:
			v.orgs = append(v.orgs, in[min(rng.IntN(len(in)), rng.IntN(len(in)))])
		}
	}
	return v
}

// hours is one participation's hours, in halves, by the kind of work.
func (g *ScaleGenerator) hours(rng *rand.Rand, theme int8) float64 {
	lo, hi := 2, 40
	switch themes[theme].code {
	case "EVENTS", "SPORTS":
		lo, hi = 3, 16
	case "EMERGENCY":
		lo, hi = 6, 72
	case "EDUCATION", "SOCIAL_SUPPORT", "LEGAL_AID", "SPECIAL_NEEDS", "ELDERLY_CARE":
		lo, hi = 4, 120
	}
	h := lo*2 + rng.IntN((hi-lo)*2+1)
	if rng.IntN(3) > 0 {
		h = lo*2 + rng.IntN(((hi-lo)*2)/3+1) // most stay near the low end
	}
	return float64(h) / 2
}

// countVolunteers is the first pass: what every volunteer's participations
// and memberships add up to, per project, organization, region and year.
func (g *ScaleGenerator) countVolunteers() {
	years := len(natYearWeights)
	g.regYear = make([][]int, len(g.regions))
	g.orgYear = make([][]int, len(g.regions))
	for ri := range g.regions {
		g.regYear[ri] = make([]int, years)
		g.orgYear[ri] = make([]int, years)
	}
	g.hourYear = make([]float64, years)
	parts := 0
	for num := 1; num <= g.sc.Volunteers; num++ {
		v := g.planVolunteer(num)
		for _, pa := range v.parts {
			p := &g.projects[pa.project]
			if p.last != int32(num) {
				p.engaged, p.last = p.engaged+1, int32(num)
			}
			p.hours += pa.hours
			if y := yearIndex(pa.start); y >= 0 {
				g.hourYear[y] += pa.hours
			}
		}
		parts += len(v.parts)
		for _, o := range v.orgs {
			g.orgs[o].members++
		}
		if y := yearIndex(v.reg); y >= 0 {
			g.regYear[v.region][y]++
		}
	}
	for _, o := range g.orgs {
		for y := range years {
			if o.founded <= dayOf(time.Date(2019+y, 12, 31, 0, 0, 0, 0, time.UTC)) {
				g.orgYear[o.region][y]++
			}
		}
	}
	g.counts[hub.TypeVolunteer] = g.sc.Volunteers
	g.counts[hub.TypeParticipation] = parts
}

func yearIndex(d int32) int {
	y := natEpoch.AddDate(0, 0, int(d)).Year() - 2019
	if y < 0 || y >= len(natYearWeights) {
		return -1
	}
	return y
}

// batcher collects lines into batches within the scale's limits, and
// spreads a phase's records evenly over as many batches as the limits need.
type batcher struct {
	g     *ScaleGenerator
	emit  func(ScaleBatch) error
	buf   bytes.Buffer
	enc   *json.Encoder
	lines int
	phase int
	kind  string
	seq   int
	err   error
	// The records of the phase written so far, how many the lead batch
	// holds (0: none), and how many each batch after it.
	at, lead, per int
}

func (b *batcher) put(typ hub.RecordType, id, updatedAt string, data any) {
	// Every value is a plain struct of strings, numbers and slices: it cannot fail to encode.
	if err := b.enc.Encode(feedLine{Type: string(typ), ID: id, Op: string(hub.OpUpsert), UpdatedAt: updatedAt, Data: data}); err != nil {
		panic("demo: " + err.Error())
	}
	b.lines++
}

// next starts a record of n lines (a volunteer and its participations are
// one), in a new batch when this one has its share or no room left.
func (b *batcher) next(n int) {
	share := b.at == b.lead || (b.at > b.lead && (b.at-b.lead)%b.per == 0)
	if b.lines > 0 && (share || b.lines+n > b.g.sc.BatchLines || b.buf.Len() >= b.g.sc.BatchBytes) {
		b.flush()
	}
	b.at++
}

func (b *batcher) flush() {
	if b.lines == 0 || b.err != nil {
		return
	}
	b.seq++
	b.err = b.emit(ScaleBatch{Phase: b.phase, Lines: b.lines, Body: b.buf.Bytes(), Lead: b.seq == 1 && b.lead > 0,
		Name: fmt.Sprintf("synthetic-%s-%d-%s-%03d", b.g.sc.Name, b.phase, b.kind, b.seq)})
	b.buf.Reset()
	b.lines = 0
}

// start ends the current phase's last batch and begins phase, of records
// records in lines lines of about size bytes in all, the first lead of
// them in a lead batch (none when lead is 0).
func (b *batcher) start(phase int, kind string, records, lines, size, lead int) {
	b.flush()
	b.phase, b.kind, b.seq = phase, kind, 0
	if lead >= records/2 {
		lead = 0 // too small a phase to be worth it
	}
	rest := records - lead
	lines -= lines * lead / max(records, 1)
	size -= size * lead / max(records, 1)
	// A little headroom, so that records of more lines than the average
	// do not spill a last small batch.
	batches := max((lines*21/20+b.g.sc.BatchLines-1)/b.g.sc.BatchLines, (size*11/10+b.g.sc.BatchBytes-1)/b.g.sc.BatchBytes, 1)
	b.at, b.lead, b.per = 0, lead, max((rest+batches-1)/batches, 1)
}

// leadLines is how many lines the lead batch of a phase holds, given the
// lines before the phase: an eighth of them, enough for the workers' table
// upkeep (PostgreSQL's own threshold: 10% of a table changed) to analyze
// provenance after it, and some more.
func leadLines(before int) int { return before/8 + 500 }

// Generate makes the scale's records and calls emit with each batch, in
// phase order; emit may block (to wait for earlier phases to be applied)
// and must not keep the body. An error from emit stops generation and is
// returned.
func (g *ScaleGenerator) Generate(emit func(ScaleBatch) error) error {
	b := &batcher{g: g, emit: emit}
	// One buffer of a batch's size for the whole feed (lines average under
	// 300 bytes): grown by doubling, it would hold up to twice a batch, and
	// both the old and the new slice while it copies.
	b.buf.Grow(min(g.sc.BatchBytes, 400*g.sc.BatchLines) + 1<<20)
	b.enc = json.NewEncoder(&b.buf)
	b.enc.SetEscapeHTML(false)

	n := len(g.orgs) + len(g.specs)
	b.start(PhaseOrganizations, "organizations", n, n, 600*n, 0)
	for i := range g.orgs {
		b.next(1)
		b.put(hub.TypeOrganization, g.orgID(i), UpdatedAt, g.orgData(i))
	}
	for i := range g.specs {
		b.next(1)
		b.put(hub.TypeIndicator, g.specs[i].id, UpdatedAt, &g.specs[i].data)
	}

	// Sizes per line measured on the generated feeds.
	before := n
	b.start(PhaseProjects, "projects", len(g.projects), len(g.projects), 2400*len(g.projects), leadLines(before))
	for i := range g.projects {
		b.next(1)
		d := g.projectData(i)
		n, at := g.revisions(kindProject, i+1)
		if n > 0 {
			d.Beneficiaries = ptr(10*n + deref(d.Beneficiaries))
		}
		b.put(hub.TypeProject, g.projectID(i), at, d)
		if b.err != nil {
			return b.err
		}
	}

	before += len(g.projects)
	n = g.counts[hub.TypeVolunteer] + g.counts[hub.TypeParticipation]
	b.start(PhaseVolunteers, "volunteers", g.sc.Volunteers, n, 280*n, leadLines(before)/(1+ParticipationsPerVolunteer))
	for num := 1; num <= g.sc.Volunteers; num++ {
		v := g.volunteer(num)
		b.next(1 + len(v.parts))
		n, at := g.revisions(kindVolunteer, num)
		if n%2 == 1 {
			// A skill learned, or, the next time, no longer listed.
			skill := natSkills[num%len(natSkills)]
			if i := slices.Index(v.data.Skills, skill); i >= 0 {
				v.data.Skills = slices.Delete(slices.Clone(v.data.Skills), i, i+1)
			} else {
				v.data.Skills = append(slices.Clone(v.data.Skills), skill)
			}
		}
		b.put(hub.TypeVolunteer, g.volunteerID(num), at, &v.data)
		for k := range v.partBuf {
			n, at := g.revisions(kindParticipation, num<<4|k)
			v.partBuf[k].Hours += float64(n)
			b.put(hub.TypeParticipation, fmt.Sprintf("%spa-%0*d-%d", g.prefix, width(g.sc.Volunteers), num, k+1), at, &v.partBuf[k])
		}
		if b.err != nil {
			return b.err
		}
	}

	b.start(PhasePlacements, "un-placements", g.sc.UNPlacements, g.sc.UNPlacements, 600*g.sc.UNPlacements, 0)
	for i := range g.sc.UNPlacements {
		b.next(1)
		b.put(hub.TypeUNPlacement, fmt.Sprintf("%sun-%0*d", g.prefix, width(g.sc.UNPlacements), i+1), UpdatedAt, g.placement(i))
	}
	b.flush()
	return b.err
}

func width(n int) int { return len(strconv.Itoa(n)) }

func (g *ScaleGenerator) orgID(i int) string {
	return fmt.Sprintf("%so-%0*d", g.prefix, width(g.sc.Organizations), i+1)
}

func (g *ScaleGenerator) projectID(i int) string {
	return fmt.Sprintf("%sp-%0*d", g.prefix, width(g.sc.Projects), i+1)
}

func (g *ScaleGenerator) volunteerID(num int) string {
	return fmt.Sprintf("%sv-%0*d", g.prefix, width(g.sc.Volunteers), num)
}

func (g *ScaleGenerator) orgData(i int) *orgData {
	o := &g.orgs[i]
	n := fmt.Sprintf("%0*d", width(g.sc.Organizations), i+1)
	dirs := slices.Clone(o.directions)
	for k, c := range dirs {
		if (i+k)%4 == 0 {
			th := themeFor(c)
			dirs[k] = th.words[(i+k)%len(th.words)]
		}
	}
	return &orgData{
		Name:           hub.LocalizedText{KK: o.name.kk, RU: o.name.ru, EN: o.name.en},
		Kind:           o.kind,
		Region:         g.regions[o.region].Code,
		Directions:     dirs,
		Website:        g.site + "/o/" + n,
		ContactEmail:   "o" + n + "@synthetic-" + g.sc.Name + ".example.invalid",
		Founded:        dayString(o.founded),
		VolunteerCount: o.members,
	}
}

// scaledProject is projectData with the project's URL, which the small
// synthetic feed does not send, and without an organization for the
// projects no organization runs.
type scaledProject struct {
	projectData
	OrganizationID string `json:"organization_id,omitempty"` // hides projectData's
	URL            string `json:"url,omitempty"`
}

func (g *ScaleGenerator) projectData(i int) *scaledProject {
	p := &g.projects[i]
	rng := g.seed(kindProject, i+1)
	ri := int(p.region)
	code := g.regions[ri].Code
	th := &themes[p.theme]
	ts := g.topics[p.theme]
	tp := ts[rng.IntN(len(ts))]
	locs := regionLocalities[code]
	l := locs[pickIndex(rng, g.locWeights[ri])]
	where := g.where(code, l)

	// Title: the activity and the place, sometimes under a project name or with its year.
	year := natEpoch.AddDate(0, 0, int(p.start)).Year()
	var title phrase
	switch x := rng.IntN(10); {
	case x < 4:
		title = phrase{upperFirst(tp.kk) + " — " + where.short.kk, upperFirst(tp.ru) + " — " + where.short.ru, upperFirst(tp.en) + " — " + where.short.en}
	case x < 7:
		n := orgNames[rng.IntN(len(orgNames))]
		title = phrase{"«" + n.kk + "»: " + tp.kk + ", " + where.short.kk, "«" + n.ru + "»: " + tp.ru + ", " + where.short.ru, n.en + ": " + tp.en + ", " + where.short.en}
	default:
		y := strconv.Itoa(year)
		title = phrase{upperFirst(tp.kk) + ": " + where.short.kk + ", " + y, upperFirst(tp.ru) + ": " + where.short.ru + ", " + y, upperFirst(tp.en) + ": " + where.short.en + ", " + y}
	}

	// Description: what and where, who organises it, for whom, what
	// volunteers do, when, the grant, and a sentence or two more.
	var kk, ru, en strings.Builder
	say := func(p phrase) {
		for _, s := range []struct {
			b *strings.Builder
			t string
		}{{&kk, p.kk}, {&ru, p.ru}, {&en, p.en}} {
			if s.b.Len() > 0 {
				s.b.WriteByte(' ')
			}
			s.b.WriteString(s.t)
		}
	}
	switch p.status {
	case hub.StatusCompleted:
		say(phrase{upperFirst(where.in.kk) + " " + tp.kk + " жобасы жүзеге асырылды.", "Проект «" + upperFirst(tp.ru) + "» реализовывался " + where.in.ru + ".",
			"The project “" + upperFirst(tp.en) + "” ran " + where.in.en + "."})
	case hub.StatusCancelled:
		say(phrase{upperFirst(where.in.kk) + " " + tp.kk + " жобасы жоспарланған еді.", "Проект «" + upperFirst(tp.ru) + "» планировался " + where.in.ru + ".",
			"The project “" + upperFirst(tp.en) + "” was planned " + where.in.en + "."})
	default:
		say(phrase{upperFirst(where.in.kk) + " " + tp.kk + " жобасы жүзеге асырылады.", "Проект «" + upperFirst(tp.ru) + "» реализуется " + where.in.ru + ".",
			"The project “" + upperFirst(tp.en) + "” runs " + where.in.en + "."})
	}
	if p.org >= 0 {
		o := g.orgs[p.org].name
		say(phrase{"Ұйымдастырушы — " + o.kk + ".", "Организатор — " + o.ru + ".", "It is organised by " + o.en + "."})
	}
	aud := themeAudiences[th.code]
	ai := aud[rng.IntN(len(aud))]
	switch rural := l.kind == village || l.kind == settlement; {
	case ai == audVillage && !rural:
		ai = audCity
	case ai == audCity && rural:
		ai = audVillage
	}
	a := audiences[ai]
	say(phrase{"Жоба " + a.kk + " арналған.", "Проект адресован " + a.ru + ".", "It is meant for " + a.en + "."})
	tasks := themeTasks[th.code]
	t1 := tasks[rng.IntN(len(tasks))]
	if p.second >= 0 {
		t2s := themeTasks[themes[p.second].code]
		t2 := t2s[rng.IntN(len(t2s))]
		say(phrase{"Волонтерлер " + t1.kk + ", сондай-ақ " + t2.kk + ".", "Волонтеры " + t1.ru + ", а также " + t2.ru + ".", "Volunteers " + t1.en + " and also " + t2.en + "."})
	} else {
		say(phrase{"Волонтерлер " + t1.kk + ".", "Волонтеры " + t1.ru + ".", "Volunteers " + t1.en + "."})
	}
	y := strconv.Itoa(year)
	switch p.status {
	case hub.StatusCompleted:
		if ey := strconv.Itoa(natEpoch.AddDate(0, 0, int(p.end)).Year()); ey != y {
			say(phrase{"Жоба " + y + " жылы басталып, " + ey + " жылы аяқталды.", "Проект шёл с " + y + " по " + ey + " год.", "It ran from " + y + " to " + ey + "."})
		} else {
			say(phrase{"Жоба " + y + " жылы өтті.", "Проект прошёл в " + y + " году.", "It took place in " + y + "."})
		}
	case hub.StatusActive:
		say(phrase{"Жоба " + y + " жылдан бері жұмыс істейді.", "Проект работает с " + y + " года.", "It has been running since " + y + "."})
	case hub.StatusPlanned:
		say(phrase{"Жоба " + y + " жылы басталады.", "Старт проекта запланирован на " + y + " год.", "It is due to start in " + y + "."})
	default:
		say(phrase{"Жоба басталмай тұрып тоқтатылды.", "Проект отменён до начала.", "It was cancelled before it began."})
	}
	var grant string
	var amount *int64
	if prog, ok := grantProgrammes[th.code]; ok && p.status != hub.StatusCancelled && rng.IntN(100) < 30 {
		grant, amount = prog, ptr(int64(50+rng.IntN(251))*10_000)
		if p.status == hub.StatusCompleted {
			say(phrase{"Жоба «" + prog + "» шағын гранты есебінен қаржыландырылды.", "Проект финансировался за счет малого гранта «" + prog + "».", "It was funded by a " + prog + " small grant."})
		} else {
			say(phrase{"Жоба «" + prog + "» шағын гранты есебінен қаржыландырылады.", "Проект финансируется за счет малого гранта «" + prog + "».", "It is funded by a " + prog + " small grant."})
		}
	}
	c1 := rng.IntN(len(closingSentences))
	say(closingSentences[c1])
	if rng.IntN(2) == 0 {
		if c2 := rng.IntN(len(closingSentences)); c2 != c1 {
			say(closingSentences[c2])
		}
	}

	dirs := []string{th.code}
	if p.second >= 0 {
		dirs = append(dirs, themes[p.second].code)
	}
	for k, c := range dirs {
		if rng.IntN(10) < 3 {
			t := themeFor(c)
			dirs[k] = t.words[rng.IntN(len(t.words))]
		}
	}
	d := &scaledProject{projectData: projectData{
		Title:       hub.LocalizedText{KK: title.kk, RU: title.ru, EN: title.en},
		Description: hub.LocalizedText{KK: kk.String(), RU: ru.String(), EN: en.String()},
		Region:      code,
		Locality:    where.locality,
		Lat:         ptr(round4(l.lat + float64(rng.IntN(401)-200)/10000)),
		Lon:         ptr(round4(l.lon + float64(rng.IntN(401)-200)/10000)),
		Directions:  dirs,
		Status:      string(p.status),
		StartDate:   dayString(p.start),
		Tags:        []string{"synthetic", tp.latin},
	}}
	if p.org >= 0 {
		d.OrganizationID = g.orgID(int(p.org))
	}
	if p.end >= 0 {
		d.EndDate = dayString(p.end)
	}
	switch p.status {
	case hub.StatusPlanned:
		d.VolunteersNeeded = ptr(5 + rng.IntN(196))
	case hub.StatusActive, hub.StatusCompleted:
		d.VolunteersEngaged = ptr(int(p.engaged))
		d.VolunteersNeeded = ptr(int(p.engaged) + rng.IntN(int(p.engaged)/4+11))
		d.VolunteerHours = ptr(p.hours)
		b := rng.IntN(200)
		if rng.IntN(10) == 0 {
			b = rng.IntN(5000)
		}
		d.Beneficiaries = ptr(b)
	}
	d.GrantProgramme, d.GrantAmountKZT = grant, amount
	if rng.IntN(2) == 0 {
		d.URL = g.site + "/p/" + fmt.Sprintf("%0*d", width(g.sc.Projects), i+1)
	}
	return d
}

// place3 says where a project is, as a title's tail (short) and after a
// verb (in).
type place3 struct {
	short, in phrase
	locality  string
}

func (g *ScaleGenerator) where(code string, l locality) place3 {
	if l.kind == district {
		c := cityForms[code]
		return place3{
			short:    phrase{c.kk + ", " + l.kk, c.kk + ", " + l.ru, c.en + ", " + l.en},
			in:       phrase{c.kk + " қаласының " + strings.TrimSuffix(l.kk, "ы") + "ында", l.ruIn + " " + c.ruGen, "in the " + l.en + " of " + c.en},
			locality: c.kk,
		}
	}
	kk, ru := l.kk+" қаласында", "в городе "+l.ru
	switch l.kind {
	case village:
		kk, ru = l.kk+" ауылында", "в селе "+l.ru
	case settlement:
		kk, ru = l.kk+" кентінде", "в посёлке "+l.ru
	}
	return place3{short: phrase{l.kk, l.ru, l.en}, in: phrase{kk, ru, "in " + l.en}, locality: l.kk}
}

func upperFirst(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	if r == utf8.RuneError {
		return s
	}
	return string(unicode.ToUpper(r)) + s[n:]
}

// volunteer draws volunteer num with its participations, ready to encode.
func (g *ScaleGenerator) volunteer(num int) *natVolunteer {
	v := g.planVolunteer(num)
	rng := g.rec // continues the volunteer's own sequence
	id := g.volunteerID(num)
	v.partBuf = v.partBuf[:0]
	var firstDir string
	for _, pa := range v.parts {
		p := &g.projects[pa.project]
		if firstDir == "" {
			firstDir = themes[p.theme].code
		}
		v.partBuf = append(v.partBuf, participationData{
			VolunteerID: id,
			ProjectID:   g.projectID(int(pa.project)),
			Role:        natRoles[pa.role],
			Hours:       pa.hours,
			StartDate:   dayString(pa.start),
			EndDate:     dayString(pa.end),
		})
	}
	band := natBirthBands[pickIndex(rng, natBirthWeights)]
	born := yearDay(rng, band[0]+rng.IntN(band[1]-band[0]+1))
	d := volunteerData{
		Region:       g.regions[v.region].Code,
		Gender:       string(genders[pickIndex(rng, genderWeights)]),
		BirthDate:    dayString(born),
		Languages:    natLanguageSets[pickIndex(rng, natLanguageWeights)],
		Skills:       pickStrings(rng, natSkills, 1+rng.IntN(3)),
		Directions:   directionsFrom(rng, firstDir),
		RegisteredAt: dayString(v.reg),
		Status:       string(hub.VolunteerActive),
	}
	if rng.IntN(100) < 15 {
		d.Status = string(hub.VolunteerInactive)
	}
	for _, o := range v.orgs {
		d.OrganizationIDs = append(d.OrganizationIDs, g.orgID(int(o)))
	}
	if rng.IntN(10) == 0 {
		digits := fmt.Sprintf("%07d", num)
		n := fmt.Sprintf("%0*d", width(g.sc.Volunteers), num)
		d.FullName = "Synthetic Volunteer " + g.prefix + n
		d.Email = "v" + n + "@synthetic-" + g.sc.Name + ".example.invalid"
		// 701 for the region scale, 702 for national (the small synthetic
		// feed has 700): no two volunteers of the demo share a phone, which
		// would make them one person.
		d.Phone = fmt.Sprintf("+7 70%d %s %s %s", g.phoneDigit(), digits[:3], digits[3:5], digits[5:])
		d.ConsentRef = "synthetic-consent-" + g.prefix + n
		d.ConsentAt = d.RegisteredAt
	}
	v.data = d
	return v
}

func (g *ScaleGenerator) phoneDigit() int {
	for i, s := range Scales() {
		if s.Name == g.sc.Name {
			return i + 1
		}
	}
	return 9
}

// directionsFrom returns 1–3 distinct directions starting with first, each
// written as its code or, now and then, as one of its category words.
func directionsFrom(rng *rand.Rand, first string) []string {
	codes := []string{first}
	for range rng.IntN(3) {
		c := themes[pickIndex(rng, natThemeWeights)].code
		if !slices.Contains(codes, c) {
			codes = append(codes, c)
		}
	}
	for i, c := range codes {
		if rng.IntN(10) < 3 {
			th := themeFor(c)
			codes[i] = th.words[rng.IntN(len(th.words))]
		}
	}
	return codes
}

// pickStrings returns k distinct items of list in list order.
func pickStrings(rng *rand.Rand, list []string, k int) []string {
	idx := rng.Perm(len(list))[:k]
	slices.Sort(idx)
	out := make([]string, k)
	for i, j := range idx {
		out[i] = list[j]
	}
	return out
}

// unPlacementData is an un_placement line's data.
type unPlacementData struct {
	VolunteerID string            `json:"volunteer_id,omitempty"`
	HostEntity  string            `json:"host_entity"`
	Country     string            `json:"country"`
	DutyStation string            `json:"duty_station"`
	Title       hub.LocalizedText `json:"title"`
	Category    string            `json:"category"`
	Funding     string            `json:"funding"`
	StartDate   string            `json:"start_date"`
	EndDate     string            `json:"end_date,omitempty"`
	Status      string            `json:"status"`
	SDGs        []int             `json:"sdgs"`
}

func (g *ScaleGenerator) placement(i int) *unPlacementData {
	rng := g.seed(kindPlacement, i+1)
	h := unHosts[rng.IntN(len(unHosts))]
	duty := h.duties[rng.IntN(len(h.duties))]
	cat := unCategories[pickIndex(rng, unCategoryWeights)]
	if cat == "ONLINE" {
		duty = unDuty{"KZ", "online, home-based"}
	}
	t := unTitles[rng.IntN(len(unTitles))]
	start := yearDay(rng, 2019+pickIndex(rng, natYearWeights))
	end := start + 180 + int32(rng.IntN(550))
	d := &unPlacementData{
		HostEntity:  h.entity,
		Country:     duty.country,
		DutyStation: duty.station,
		Title:       hub.LocalizedText{KK: "БҰҰ волонтері: " + t.kk, RU: "Волонтер ООН: " + t.ru, EN: "UN Volunteer: " + t.en},
		Category:    cat,
		Funding:     unFundings[pickIndex(rng, unFundingWeights)],
		StartDate:   dayString(start),
		EndDate:     dayString(end),
		SDGs:        []int{h.sdgs[rng.IntN(len(h.sdgs))]},
	}
	switch x := rng.IntN(100); {
	case x < 3:
		d.Status = string(hub.StatusPlanned)
		s := natNowDay + 20 + int32(rng.IntN(150))
		d.StartDate, d.EndDate = dayString(s), dayString(s+180+int32(rng.IntN(365)))
	case x < 5:
		d.Status, d.EndDate = string(hub.StatusCancelled), ""
	case end <= natNowDay:
		d.Status = string(hub.StatusCompleted)
	default:
		d.Status = string(hub.StatusActive)
	}
	if rng.IntN(100) < 60 && g.sc.Volunteers > 0 {
		// Spread over the volunteers so that no two placements name the same one.
		step := max(g.sc.Volunteers/max(g.sc.UNPlacements, 1), 1)
		num := (i*step + rng.IntN(step)) % g.sc.Volunteers
		d.VolunteerID = g.volunteerID(num + 1)
	}
	return d
}

type indicatorSpec struct {
	id   string
	data indicatorData
}

// indicatorData is an indicator line's data.
type indicatorData struct {
	Metric      string            `json:"metric"`
	Value       float64           `json:"value"`
	Unit        string            `json:"unit"`
	Period      string            `json:"period"`
	Region      string            `json:"region,omitempty"`
	CitationURL string            `json:"citation_url"`
	Note        hub.LocalizedText `json:"note"`
}

// indicatorSpecs are the reported figures: per region and year, the
// volunteers registered and the organizations active by the year's end;
// per year, the country's totals and its volunteer hours. They are what the
// generated records add up to, rounded as a report would round them and
// off by a few per cent, as published figures are.
func (g *ScaleGenerator) indicatorSpecs() []indicatorSpec {
	var out []indicatorSpec
	rng := rand.New(rand.NewPCG(uint64(g.sc.Seed), 0x1d1ca70))
	report := func(x float64) float64 {
		x *= 1 + float64(rng.IntN(81)-40)/1000
		switch {
		case x >= 10000:
			return math.Round(x/100) * 100
		case x >= 100:
			return math.Round(x/10) * 10
		}
		return math.Round(x)
	}
	note := func(what phrase, where hub.LocalizedText, year string) hub.LocalizedText {
		return hub.LocalizedText{
			KK: "Синтетикалық көрсеткіш: " + what.kk + ", " + where.KK + ", " + year + " жылдың соңы (дөңгелектелген).",
			RU: "Синтетический показатель: " + what.ru + ", " + where.RU + ", на конец " + year + " года (округлено).",
			EN: "Synthetic figure: " + what.en + ", " + where.EN + ", end of " + year + " (rounded).",
		}
	}
	volunteers := phrase{"тіркелген волонтерлер саны", "число зарегистрированных волонтеров", "registered volunteers"}
	orgs := phrase{"волонтерлік ұйымдар саны", "число волонтерских организаций", "volunteer organizations"}
	hours := phrase{"волонтерлік сағаттар", "волонтерские часы", "volunteer hours"}
	country := hub.LocalizedText{KK: "Қазақстан", RU: "Казахстан", EN: "Kazakhstan"}
	cite := func(year string) string { return g.site + "/reports/" + year }
	totalV, totalO := make([]int, len(natYearWeights)), make([]int, len(natYearWeights))
	for ri, r := range g.regions {
		cum := 0
		for y := range natYearWeights {
			cum += g.regYear[ri][y]
			totalV[y] += cum
			totalO[y] += g.orgYear[ri][y]
			year := strconv.Itoa(2019 + y)
			slug := strings.ToLower(r.Code)
			out = append(out,
				indicatorSpec{g.prefix + "ind-volunteers-" + slug + "-" + year, indicatorData{Metric: "volunteers", Value: report(float64(cum)),
					Unit: "people", Period: year, Region: r.Code, CitationURL: cite(year), Note: note(volunteers, r.Name, year)}},
				indicatorSpec{g.prefix + "ind-volunteer-organizations-" + slug + "-" + year, indicatorData{Metric: "volunteer_organizations",
					Value: report(float64(g.orgYear[ri][y])), Unit: "organizations", Period: year, Region: r.Code, CitationURL: cite(year),
					Note: note(orgs, r.Name, year)}})
		}
	}
	for y := range natYearWeights {
		year := strconv.Itoa(2019 + y)
		out = append(out,
			indicatorSpec{g.prefix + "ind-volunteers-kz-" + year, indicatorData{Metric: "volunteers", Value: report(float64(totalV[y])),
				Unit: "people", Period: year, CitationURL: cite(year), Note: note(volunteers, country, year)}},
			indicatorSpec{g.prefix + "ind-volunteer-organizations-kz-" + year, indicatorData{Metric: "volunteer_organizations",
				Value: report(float64(totalO[y])), Unit: "organizations", Period: year, CitationURL: cite(year), Note: note(orgs, country, year)}},
			indicatorSpec{g.prefix + "ind-volunteer-hours-kz-" + year, indicatorData{Metric: "volunteer_hours", Value: report(g.hourYear[y]),
				Unit: "hours", Period: year, CitationURL: cite(year), Note: note(hours, country, year)}})
	}
	return out
}
