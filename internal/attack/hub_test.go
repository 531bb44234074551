package attack_test

import (
	"context"
	"fmt"
	"log/slog"
	"math"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	hub "github.com/birgemiz/hub"
	"github.com/birgemiz/hub/exports"
	"github.com/birgemiz/hub/graph"
	"github.com/birgemiz/hub/internal/testutil"
	"github.com/birgemiz/hub/postgres"
	"github.com/birgemiz/hub/workers"
)

// target is a hub under attack: GraphQL and the exports over HTTP, the
// keys of each role, and the database behind them for the truth.
type target struct {
	url    string
	tokens map[string]string // by role; "" is anonymous
	db     *postgres.DB
	stats  *postgres.StatisticsService
	// platform is the source the platform key is bound to.
	platform string
}

// startHub loads a dataset into a new database and serves it as cmd/hub
// does (the same handlers and middleware), with a key of each role.
//
// The perturbation's secret is drawn once per test template database, so
// every schema change used to draw new noise for every dataset. The
// certificates search a few kinds of other data (a person added, removed,
// replaced or moved); with some draws none of them fits a cell whose value
// the attacker still cannot solve for, and the test failed or passed with
// the template. Each dataset gets a secret of its own, derived from its
// name, so a run is repeatable; TestAttackerRecoversNothing shows the
// certificates hold under these secrets, not under every one.
func startHub(t *testing.T, name string, load func(testing.TB, *postgres.DB) string) *target {
	t.Helper()
	ctx := context.Background()
	db := testutil.NewDB(t)
	if _, err := db.Pool.Exec(ctx, `UPDATE stat_secret SET secret = sha256(convert_to('attack:' || $1, 'UTF8'))`, name); err != nil {
		t.Fatal(err)
	}
	tg := &target{db: db, stats: postgres.NewStatisticsService(db), tokens: map[string]string{"anonymous": ""}}
	tg.platform = load(t, db)
	r, engine := testutil.Resolver(t, db, time.Now)
	r.StatisticsService = tg.stats
	ix := &workers.Indexer{Engine: engine, Outbox: postgres.NewSearchOutboxService(db), Projects: r.ProjectService,
		Organizations: r.OrganizationService, UNPlacements: r.UNPlacementService, Log: slog.New(slog.DiscardHandler)}
	if _, err := ix.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	keys := postgres.NewKeyService(db)
	for _, k := range []*hub.APIKey{{Name: "researcher", Role: hub.RoleResearcher}, {Name: "dashboard", Role: hub.RoleDashboard},
		{Name: "admin", Role: hub.RoleAdmin}, {Name: "platform", Role: hub.RolePlatform, Source: tg.platform}} {
		token, err := keys.CreateKey(ctx, k)
		if err != nil {
			t.Fatal(err)
		}
		tg.tokens[k.Name] = token
	}
	log := slog.New(slog.DiscardHandler)
	auth := &hub.Authenticator{Keys: keys, Sources: r.SourceService}
	mux := http.NewServeMux()
	gql := graph.WithPrincipal(auth, nil, log, graph.NewHandler(r, log, graph.HandlerOptions{MaxCost: 100_000, Timeout: time.Minute}))
	mux.Handle("/graphql", gql)
	ex := &exports.Handler{Statistics: tg.stats, Volunteers: postgres.NewVolunteerService(db), Log: log}
	ex.Register(mux, func(h http.Handler) http.Handler {
		return graph.WithPrincipalFor(auth, nil, log, exports.WriteError, h)
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	tg.url = srv.URL
	return tg
}

// dataset is one set of records to attack.
type dataset struct {
	name string
	load func(testing.TB, *postgres.DB) string // loads the records, returns a source with people
}

// demoData is the demo as `hub demo` loads it.
func demoData(tb testing.TB, db *postgres.DB) string {
	testutil.LoadDemo(tb, db, 2000)
	return "synthetic"
}

// generated returns a dataset of volunteers people over the 20 regions,
// skewed: region, direction and country drawn from Zipf laws of exponent
// skew (0 is even; at 1.5 the largest region holds about a third), hours
// heavy-tailed. Two sources report them, a tenth of the people both.
func generated(seed uint64, volunteers int, skew float64) func(testing.TB, *postgres.DB) string {
	return func(tb testing.TB, db *postgres.DB) string {
		r := rand.New(rand.NewPCG(seed, 77))
		zipf := func(n int) func() int {
			w := make([]float64, n)
			total := 0.0
			for i := range w {
				w[i] = 1 / math.Pow(float64(i+1), skew)
				total += w[i]
			}
			return func() int {
				u := r.Float64() * total
				for i, x := range w {
					if u -= x; u <= 0 {
						return i
					}
				}
				return n - 1
			}
		}
		regions, dirs := hub.Regions(), hub.Directions()
		region, direction, country := zipf(len(regions)), zipf(len(dirs)), zipf(30)
		countries := []string{"TH", "KE", "JO", "TR", "UZ", "KG", "TJ", "AF", "UA", "GE", "AM", "AZ", "MN", "IN", "NP",
			"BD", "LK", "PK", "EG", "ET", "UG", "TZ", "RW", "SN", "GH", "NG", "BR", "PE", "CO", "MX"}
		kinds := hub.OrganizationKinds
		date := func(from, years int) *time.Time {
			d := time.Date(from+r.IntN(years), time.Month(1+r.IntN(12)), 1+r.IntN(28), 0, 0, 0, 0, time.UTC)
			return &d
		}
		a, b := testutil.NewSeeder(tb, db, "gen-platform"), testutil.NewSeeder(tb, db, "gen-other")
		var recsA, recsB []*hub.FeedRecord
		var projects []string
		for o := range 16 {
			org := testutil.Org(fmt.Sprintf("o%d", o), fmt.Sprintf("Ұйым %d", o), regions[region()].Code)
			org.Organization.Kind = kinds[r.IntN(len(kinds))]
			recsA = append(recsA, org)
			for p := range 4 {
				id := fmt.Sprintf("o%d-p%d", o, p)
				pr := testutil.Project(id, fmt.Sprintf("o%d", o), "Жоба "+id, regions[region()].Code)
				pr.Project.Directions = []string{dirs[direction()].Code}
				if r.IntN(3) == 0 {
					pr.Project.Directions = append(pr.Project.Directions, dirs[direction()].Code)
				}
				pr.Project.StartDate = date(2019, 7)
				bn := []int{0, 1 + r.IntN(9), 10 + r.IntN(90), 100 + r.IntN(5000)}[r.IntN(4)]
				pr.Project.Beneficiaries = &bn
				recsA = append(recsA, pr)
				projects = append(projects, id)
			}
		}
		genders := []hub.Gender{hub.GenderFemale, hub.GenderFemale, hub.GenderMale, hub.GenderMale, hub.GenderFemale, hub.GenderMale,
			hub.GenderMale, hub.GenderFemale, hub.GenderUnknown, hub.GenderOther}
		for v := range volunteers {
			id := fmt.Sprintf("v%d", v)
			rec := testutil.Volunteer(id, regions[region()].Code, fmt.Sprintf("o%d", r.IntN(16)))
			vol := rec.Volunteer
			vol.Gender = genders[r.IntN(len(genders))]
			year := 1950 + int(60*math.Sqrt(r.Float64()))
			vol.BirthYear = &year
			vol.RegisteredAt = date(2019, 7)
			vol.Directions = []string{dirs[direction()].Code}
			if r.IntN(4) == 0 {
				vol.Directions = append(vol.Directions, dirs[direction()].Code)
			}
			consent := rec.UpdatedAt
			rec.Personal = &hub.VolunteerPersonal{IIN: fmt.Sprintf("%06d3%05d", 900101+v%300000, v), ConsentRef: "gen", ConsentAt: &consent}
			recsA = append(recsA, rec)
			if v%10 == 0 { // the same person on the other platform
				other := *rec
				other.OrganizationRefs = nil
				recsB = append(recsB, &other)
			}
			for p := range r.IntN(5) {
				hours := math.Round(math.Exp(r.NormFloat64()*1.2+2)*2) / 2
				pa := testutil.Participation(fmt.Sprintf("%s-pa%d", id, p), id, projects[r.IntN(len(projects))], max(0.5, hours))
				pa.Participation.StartDate = date(2019, 7)
				recsA = append(recsA, pa)
			}
			if r.IntN(40) == 0 {
				recsA = append(recsA, &hub.FeedRecord{Type: hub.TypeUNPlacement, ExternalID: "un-" + id, VolunteerRef: id,
					UNPlacement: &hub.UNPlacement{HostEntity: []string{"UNDP", "UNICEF", "WFP", "UNHCR"}[r.IntN(4)],
						Country: countries[country()], Status: hub.StatusActive, StartDate: date(2019, 7)}})
			}
		}
		a.Apply(recsA...)
		b.Apply(recsB...)
		return "gen-platform"
	}
}
