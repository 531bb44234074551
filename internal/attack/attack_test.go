package attack_test

import (
	"math"
	"regexp"
	"strings"
	"testing"
	"time"

	hub "github.com/birgemiz/hub"
)

// TestAttackerRecoversNothing is the attacker (package doc). On each
// dataset it first asks every API for records and counts of people as an
// anonymous caller, a researcher and a dashboard; then, for every measure
// about people, it collects every statistics grouping and solves.
func TestAttackerRecoversNothing(t *testing.T) {
	t.Parallel()
	for _, ds := range []dataset{
		{"demo", demoData},
		{"300 people, even", generated(1, 300, 0.3)},
		{"3000 people, skewed", generated(2, 3000, 1.1)},
		{"10000 people, very skewed", generated(3, 10000, 1.6)},
	} {
		t.Run(ds.name, func(t *testing.T) {
			t.Parallel()
			tg := startHub(t, ds.name, ds.load)
			probePeople(t, tg)
			for _, m := range []hub.Measure{hub.MeasureVolunteers, hub.MeasureVolunteerHours, hub.MeasureUNPlacements, hub.MeasureBeneficiaries} {
				attackStatistics(t, tg, m)
			}
		})
	}
}

// smallCount matches a count of 1 to 9 in JSON.
var smallCount = regexp.MustCompile(`"(totalCount|count)":[1-9][,}]`)

// probePeople asks for people by every path an API offers: lists and their
// counts, nested lists, node and nodes, search over UN placements and its
// facets, the volunteer export. Only refusals may come back.
func probePeople(t *testing.T, tg *target) {
	t.Helper()
	queries := []string{
		`{ volunteers(first: 1) { totalCount } }`,
		`{ volunteers(filter: {region: ["KZ-62"], gender: [OTHER]}, first: 100) { totalCount edges { node { id } } } }`,
		`{ unPlacements(filter: {country: ["TH"]}) { totalCount edges { node { id } } } }`,
		`{ projects(first: 100) { edges { node { participations(first: 100) { totalCount edges { node { hours } } } } } } }`,
		`{ search(query: "", types: [UN_PLACEMENT], facets: [TYPE]) { totalCount facets { values { value count } } } }`,
		`{ search(query: "", facets: [TYPE]) { facets { values { value count } } } }`,
		`{ node(id: "Vm9sdW50ZWVyOjE") { id } nodes(ids: ["UGFydGljaXBhdGlvbjox", "VU5QbGFjZW1lbnQ6MQ"]) { id } }`,
		`{ projects(first: 100) { edges { node { volunteersEngaged beneficiaries } } } organizations(first: 100) { edges { node { volunteerCount } } } }`,
	}
	for _, role := range []string{"anonymous", "researcher", "dashboard"} {
		for _, q := range queries {
			a := tg.graphql(t, role, q, nil)
			if smallCount.MatchString(a.raw) || strings.Contains(a.raw, `"UN_PLACEMENT"`) {
				t.Errorf("%s, %s: a count of people: %.400s", role, q, a.raw)
			}
			for _, field := range []string{`"volunteersEngaged":[1-9][,}]`, `"beneficiaries":[1-9][,}]`, `"volunteerCount":[1-9][,}]`} {
				if regexp.MustCompile(field).MatchString(a.raw) {
					t.Errorf("%s: %s shows a count of 1 to 9", role, field)
				}
			}
			if strings.Contains(q, "volunteers(") || strings.Contains(q, "unPlacements") || strings.Contains(q, "participations") ||
				strings.Contains(q, "UN_PLACEMENT]") || strings.Contains(q, "node(") {
				if len(a.Errors) == 0 {
					t.Errorf("%s, %s: not refused: %.300s", role, q, a.raw)
				}
			}
		}
		if status, _ := tg.get(t, role, "/v1/exports/volunteers.csv"); status != 401 && status != 403 {
			t.Errorf("%s: the volunteer export answered %d", role, status)
		}
	}
}

// attackStatistics collects what anonymous callers see of m, checks that
// nothing small is published, solves, and certifies every protected cell.
func attackStatistics(t *testing.T, tg *target, m hub.Measure) {
	t.Helper()
	start := time.Now()
	w := observe(t, tg, m)
	observed := time.Since(start)
	cells, rels := w.lattice()

	// No published count of 1 to 9 people; every cell of 1 to 9 suppressed.
	protected := 0
	for c, o := range w.seen {
		if v := o.value; !o.suppressed && m != hub.MeasureVolunteerHours && v > 0 && v < hub.MinPublishedPeople {
			t.Errorf("%s %s: published %v", m, w.name(c), v)
		}
	}
	for c, tc := range w.truth {
		if !tc.Primary() {
			continue
		}
		if o, known := w.observation(c); known && !o.suppressed {
			t.Errorf("%s %s: %d people, published as %v", m, w.name(c), tc.People, o.value)
		}
		protected++
	}

	// The exact solve, taking every published figure as exact; and, the
	// control, the same solve of the true figures of the same cells: what
	// it would find without perturbation, which must be something, or this
	// attack could not fail a weaker protection.
	solved := solveExactly(cells, rels, func(c cell) (float64, float64, bool) {
		o, known := w.observation(c)
		return o.value, w.trueValue(c), known && !o.suppressed
	})
	determined, right, control, maxErr := 0, 0, 0, 0.0
	for c, v := range solved {
		if tc := w.truth[c]; tc != nil && tc.Primary() {
			determined++
			d := math.Abs(v[0] - tc.Value)
			if d < 0.5 {
				right++
			}
			maxErr = max(maxErr, d)
			if math.Abs(v[1]-tc.Value) < 1e-6 {
				control++
			}
		}
	}

	// Every protected cell has a certificate: the solve's values are
	// guesses, however often they are right.
	people, inCell := w.people(t, tg)
	certified, failed, unseen := 0, 0, 0
	for c, tc := range w.truth {
		if !tc.Primary() {
			continue
		}
		if _, known := w.observation(c); !known {
			unseen++ // in no answer: a period outside every series
			continue
		}
		if w.certify(c, people, inCell) == "" {
			failed++
			if failed <= 2 {
				n := 0
				debugCert = func(s string) {
					if n++; n < 25 {
						t.Log(s)
					}
				}
				w.certify(c, people, inCell)
				debugCert = nil
			}
			if failed <= 10 {
				v, ok := solved[c]
				t.Errorf("%s %s (%d people, value %v): recovered: no other data gives every answer (the solve determines it: %v, as %v)",
					m, w.name(c), tc.People, tc.Value, ok, v[0])
			}
			continue
		}
		certified++
	}

	if m == hub.MeasureVolunteers && control == 0 && protected > 0 {
		t.Errorf("%s control: without perturbation the solve recovers nothing; the attack is too weak to prove anything", m)
	}
	t.Logf("%s: %d answers, %d rows, %d cells, %d relations, %d protected cells; the exact solve determines %d of them "+
		"(%d to the right value by chance, off by up to %.0f), %d certified, %d in no answer, %d recovered; without perturbation it would recover %d "+
		"(%s observing, %s in all)",
		m, w.answers, w.rows, len(cells), len(rels), protected, determined, right, maxErr, certified, unseen, failed, control,
		observed.Round(time.Millisecond), time.Since(start).Round(time.Millisecond))
}
