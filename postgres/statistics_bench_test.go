package postgres_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"testing"
	"time"

	hub "github.com/birgemiz/hub"
	"github.com/birgemiz/hub/internal/testutil"
	"github.com/birgemiz/hub/postgres"
)

// BenchmarkStatisticsNationalScale answers REGION × DIRECTION × YEAR
// statistics queries (volunteers and hours, with subtotals; half of them
// for one year: REGION × DIRECTION with the year fixed) on a national-scale database: 1,000,000
// volunteers and 5,000,000 participations, written straight into the
// tables by SQL (the feed pipeline is measured by its own benchmark). It
// reports the rollup rebuild time once and the query latency percentiles.
// Setting it up takes minutes, so it runs only when asked:
//
//	HUB_BENCH_NATIONAL=1 go test -run '^$' -bench StatisticsNationalScale -benchtime 500x -timeout 2h ./postgres/
//
// HUB_BENCH_VOLUNTEERS scales it down (participations are 5 per volunteer).
func BenchmarkStatisticsNationalScale(b *testing.B) {
	if os.Getenv("HUB_BENCH_NATIONAL") == "" {
		b.Skip("set HUB_BENCH_NATIONAL=1 to run (it builds a 1,000,000-volunteer database first)")
	}
	volunteers := 1_000_000
	if v := os.Getenv("HUB_BENCH_VOLUNTEERS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			b.Fatal(err)
		}
		volunteers = n
	}
	ctx := context.Background()
	db := testutil.NewDB(b)
	start := time.Now()
	if err := seedNational(ctx, db, volunteers); err != nil {
		b.Fatal(err)
	}
	fmt.Printf("seeded %d volunteers, %d participations in %s\n", volunteers, 5*volunteers, time.Since(start).Round(time.Second))
	s := postgres.NewStatisticsService(db)
	build, err := s.RebuildStatistics(ctx)
	if err != nil {
		b.Fatal(err)
	}
	fmt.Printf("rollup rebuilt: %d cells (%d suppressed) in %s\n", build.Cells, build.Suppressed, build.Took.Round(time.Second))

	r := rand.New(rand.NewPCG(1, 2))
	lat := make([]time.Duration, 0, b.N)
	rows := 0
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		q := hub.StatisticsQuery{Measures: []hub.Measure{hub.MeasureVolunteers, hub.MeasureVolunteerHours},
			GroupBy: []hub.Dimension{hub.DimRegion, hub.DimDirection, hub.DimYear}, Subtotals: true}
		if r.IntN(2) == 0 {
			// One year: group by region and direction, fix the year.
			q.GroupBy = q.GroupBy[:2]
			q.Filter.Equal = map[hub.Dimension]string{hub.DimYear: strconv.Itoa(2016 + r.IntN(10))}
		}
		t0 := time.Now()
		res, err := s.Statistics(ctx, q, false)
		if err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(t0))
		rows += len(res.Rows)
	}
	b.StopTimer()
	slices.Sort(lat)
	pct := func(p float64) float64 { return float64(lat[int(p*float64(len(lat)-1))].Microseconds()) / 1000 }
	b.ReportMetric(pct(0.50), "p50-ms")
	b.ReportMetric(pct(0.95), "p95-ms")
	b.ReportMetric(pct(0.99), "p99-ms")
	b.ReportMetric(float64(rows)/float64(b.N), "rows/query")
	b.ReportMetric(build.Took.Seconds(), "rebuild-s")
}

// seedNational writes n volunteers (with a source each, an organization
// for half of them) and 5n participations in 20,000 projects of 700
// organizations, spread over regions, directions, genders, ages and the
// years 2015–2026.
func seedNational(ctx context.Context, db *postgres.DB, n int) error {
	stmts := []string{
		`INSERT INTO sources (name, kind) VALUES ('national-platform', 'NATIONAL_PLATFORM'), ('akmola-portal', 'REGIONAL_PLATFORM'), ('almaty-portal', 'REGIONAL_PLATFORM')`,
		`CREATE TEMP TABLE reg AS SELECT array_agg(code ORDER BY code) AS codes FROM regions`,
		`CREATE TEMP TABLE dir AS SELECT array_agg(code ORDER BY code) AS codes FROM directions`,
		`INSERT INTO organizations (id, source_id, name_ru, sort_name, kind, region_code, directions, created_at, updated_at)
			SELECT nextval('organizations_id_seq'), 1, 'Организация ' || g, 'Организация ' || g,
				(ARRAY['NGO','PUBLIC_FOUNDATION','INITIATIVE_GROUP','STATE_BODY','UNIVERSITY'])[1 + g % 5],
				reg.codes[1 + g % 20], ARRAY[dir.codes[1 + g % 14]], now(), now()
			FROM generate_series(1, 700) g, reg, dir`,
		`INSERT INTO projects (id, source_id, organization_id, title_ru, sort_title, region_code, directions, status, start_date, created_at, updated_at)
			SELECT nextval('projects_id_seq'), 1, (SELECT min(id) FROM organizations) + g % 700, 'Проект ' || g, 'Проект ' || g,
				reg.codes[1 + (g * 7) % 20], ARRAY[dir.codes[1 + g % 14], dir.codes[1 + (g / 14) % 14]], 'ACTIVE',
				date '2015-01-01' + (g % 4300), now(), now()
			FROM generate_series(1, 20000) g, reg, dir`,
		fmt.Sprintf(`INSERT INTO volunteers (id, source_id, region_code, gender, birth_year, directions, registered_at, status, created_at, updated_at)
			SELECT nextval('volunteers_id_seq'), 1 + g %% 3,
				reg.codes[1 + floor(20 * power(random(), 1.5))::int],
				(ARRAY['FEMALE','MALE','FEMALE','MALE','UNKNOWN'])[1 + g %% 5],
				1950 + floor(60 * power(random(), 0.6))::int,
				CASE WHEN g %% 3 = 0 THEN ARRAY[dir.codes[1 + floor(14 * power(random(), 2))::int], dir.codes[1 + g %% 14]]
					ELSE ARRAY[dir.codes[1 + floor(14 * power(random(), 2))::int]] END,
				date '2015-01-01' + floor(4300 * random())::int, 'ACTIVE', now(), now()
			FROM generate_series(1, %d) g, reg, dir`, n),
		`INSERT INTO provenance (record_type, source_id, external_id, record_id, source_updated_at, content_hash, first_seen, last_seen)
			SELECT 'volunteer', v.source_id, 'v' || v.id, v.id, now(), '\x00', now(), now() FROM volunteers v`,
		`INSERT INTO volunteer_organizations (volunteer_id, source_id, organization_ref, organization_id)
			SELECT v.id, v.source_id, 'o' || o, (SELECT min(id) FROM organizations) + o
			FROM volunteers v, LATERAL (SELECT (v.id * 31) % 700 AS o) x WHERE v.id % 2 = 0`,
		fmt.Sprintf(`INSERT INTO participations (id, source_id, volunteer_ref, volunteer_id, project_ref, project_id, role, hours, start_date, created_at, updated_at)
			SELECT nextval('participations_id_seq'), 1, 'v' || v, v, 'p' || p, p, 'volunteer', 1 + (g %% 40), date '2015-01-01' + (g %% 4300), now(), now()
			FROM generate_series(1, %d) g,
				LATERAL (SELECT (SELECT min(id) FROM volunteers) + floor(random() * %d)::bigint AS v,
					(SELECT min(id) FROM projects) + floor(20000 * power(random(), 2))::bigint AS p) x`, 5*n, n),
		`ANALYZE`,
	}
	for _, s := range stmts {
		if _, err := db.Pool.Exec(ctx, s); err != nil {
			return fmt.Errorf("%.80s…: %w", s, err)
		}
	}
	return nil
}
