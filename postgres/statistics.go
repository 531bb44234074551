package postgres

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	lru "github.com/hashicorp/golang-lru/v2"
	"github.com/jackc/pgx/v5"
	"golang.org/x/sync/singleflight"

	hub "github.com/birgemiz/hub"
)

// StatisticsService counts statistics in PostgreSQL and serves them from
// rollups (stat_cells). See disclosure.go in the root package for how
// cells are protected, and docs/statistics.md for what each measure and
// dimension means.
type StatisticsService struct {
	db         *DB
	indicators hub.IndicatorService

	answersOnce sync.Once
	answerCache *answerCache // answers of the current build (Statistics)
}

// NewStatisticsService returns the statistics service.
func NewStatisticsService(db *DB) *StatisticsService {
	return &StatisticsService{db: db, indicators: NewIndicatorService(db)}
}

// fact says how one measure is counted: from which rows, what each
// dimension is, and the value and people of a cell.
type fact struct {
	from   string // FROM clause, alias names used below
	where  string
	value  string
	people string // "0" when the measure is not about people
	dims   map[hub.Dimension]dimSQL
}

// dimSQL is one dimension of a fact: the joins it needs and its key.
type dimSQL struct {
	join string
	expr string
}

// ageBandSQL is hub.AgeBandFor in SQL, as of year.
func ageBandSQL(birthYear string, year int) string {
	return fmt.Sprintf(`CASE WHEN %[1]s IS NULL THEN 'UNKNOWN'
		WHEN %[2]d - %[1]s - 1 < 18 THEN 'AGE_UNDER_18' WHEN %[2]d - %[1]s - 1 < 25 THEN 'AGE_18_24'
		WHEN %[2]d - %[1]s - 1 < 35 THEN 'AGE_25_34' WHEN %[2]d - %[1]s - 1 < 45 THEN 'AGE_35_44'
		WHEN %[2]d - %[1]s - 1 < 55 THEN 'AGE_45_54' WHEN %[2]d - %[1]s - 1 < 65 THEN 'AGE_55_64'
		ELSE 'AGE_65_PLUS' END`, birthYear, year)
}

func sourceOf(recordType, idExpr string) dimSQL {
	return dimSQL{
		join: fmt.Sprintf(`JOIN provenance spv ON spv.record_type = '%s' AND spv.record_id = %s AND spv.deleted_at IS NULL
			JOIN sources src ON src.id = spv.source_id`, recordType, idExpr),
		expr: "src.name",
	}
}

func periodOf(date string) (year, month dimSQL) {
	return dimSQL{expr: "to_char(" + date + ", 'YYYY')"}, dimSQL{expr: "to_char(" + date + ", 'YYYY-MM')"}
}

// facts returns how each measure is counted, with ages as of year.
func facts(year int) map[hub.Measure]fact {
	vYear, vMonth := periodOf("v.registered_at")
	hYear, hMonth := periodOf("coalesce(pa.start_date, pr.start_date)")
	uYear, uMonth := periodOf("u.start_date")
	oYear, oMonth := periodOf("o.founded")
	pYear, pMonth := periodOf("pr.start_date")
	projectDims := map[hub.Dimension]dimSQL{
		hub.DimRegion:           {expr: "pr.region_code"},
		hub.DimDirection:        {join: "CROSS JOIN LATERAL unnest(pr.directions) dir(code)", expr: "dir.code"},
		hub.DimYear:             pYear,
		hub.DimMonth:            pMonth,
		hub.DimOrganizationKind: {join: "JOIN organizations org ON org.id = pr.organization_id AND org.deleted_at IS NULL", expr: "org.kind"},
		hub.DimSource:           sourceOf("project", "pr.id"),
	}
	return map[hub.Measure]fact{
		hub.MeasureVolunteers: {
			from: "volunteers v", where: "v.deleted_at IS NULL",
			value: "count(DISTINCT v.id)", people: "count(DISTINCT v.id)",
			dims: map[hub.Dimension]dimSQL{
				hub.DimRegion:    {expr: "v.region_code"},
				hub.DimDirection: {join: "CROSS JOIN LATERAL unnest(v.directions) dir(code)", expr: "dir.code"},
				hub.DimYear:      vYear,
				hub.DimMonth:     vMonth,
				hub.DimOrganizationKind: {join: `JOIN volunteer_organizations vo ON vo.volunteer_id = v.id
					JOIN organizations org ON org.id = vo.organization_id AND org.deleted_at IS NULL`, expr: "org.kind"},
				hub.DimGender:  {expr: "v.gender"},
				hub.DimAgeBand: {expr: ageBandSQL("v.birth_year", year)},
				hub.DimSource:  sourceOf("volunteer", "v.id"),
			},
		},
		hub.MeasureVolunteerHours: {
			from:  "participations pa JOIN projects pr ON pr.id = pa.project_id AND pr.deleted_at IS NULL",
			where: "pa.deleted_at IS NULL AND pa.hours > 0",
			value: "sum(pa.hours)", people: "count(DISTINCT " + participationPerson + ")",
			dims: map[hub.Dimension]dimSQL{
				hub.DimRegion:           {expr: "pr.region_code"},
				hub.DimDirection:        {join: "CROSS JOIN LATERAL unnest(pr.directions) dir(code)", expr: "dir.code"},
				hub.DimYear:             hYear,
				hub.DimMonth:            hMonth,
				hub.DimOrganizationKind: {join: "JOIN organizations org ON org.id = pr.organization_id AND org.deleted_at IS NULL", expr: "org.kind"},
				hub.DimGender:           {join: "LEFT JOIN volunteers gv ON gv.id = pa.volunteer_id AND gv.deleted_at IS NULL", expr: "coalesce(gv.gender, 'UNKNOWN')"},
				hub.DimAgeBand:          {join: "LEFT JOIN volunteers av ON av.id = pa.volunteer_id AND av.deleted_at IS NULL", expr: ageBandSQL("av.birth_year", year)},
				hub.DimSource:           {join: "JOIN sources src ON src.id = pa.source_id", expr: "src.name"},
			},
		},
		hub.MeasureUNPlacements: {
			from: "un_placements u", where: "u.deleted_at IS NULL",
			value: "count(DISTINCT u.id)", people: "count(DISTINCT coalesce(u.volunteer_id::text, 'u' || u.id))",
			dims: map[hub.Dimension]dimSQL{
				hub.DimYear:    uYear,
				hub.DimMonth:   uMonth,
				hub.DimCountry: {expr: "u.country"},
				hub.DimGender:  {join: "LEFT JOIN volunteers gv ON gv.id = u.volunteer_id AND gv.deleted_at IS NULL", expr: "coalesce(gv.gender, 'UNKNOWN')"},
				hub.DimAgeBand: {join: "LEFT JOIN volunteers av ON av.id = u.volunteer_id AND av.deleted_at IS NULL", expr: ageBandSQL("av.birth_year", year)},
				hub.DimSource:  sourceOf("un_placement", "u.id"),
			},
		},
		hub.MeasureOrganizations: {
			from: "organizations o", where: "o.deleted_at IS NULL",
			value: "count(DISTINCT o.id)", people: "0",
			dims: map[hub.Dimension]dimSQL{
				hub.DimRegion:           {expr: "o.region_code"},
				hub.DimDirection:        {join: "CROSS JOIN LATERAL unnest(o.directions) dir(code)", expr: "dir.code"},
				hub.DimYear:             oYear,
				hub.DimMonth:            oMonth,
				hub.DimOrganizationKind: {expr: "o.kind"},
				hub.DimSource:           sourceOf("organization", "o.id"),
			},
		},
		hub.MeasureProjects: {
			from: "projects pr", where: "pr.deleted_at IS NULL",
			value: "count(DISTINCT pr.id)", people: "0", dims: projectDims,
		},
		hub.MeasureBeneficiaries: {
			from: "projects pr", where: "pr.deleted_at IS NULL AND pr.beneficiaries > 0",
			value: "sum(pr.beneficiaries)", people: "sum(pr.beneficiaries)", dims: projectDims,
		},
	}
}

// dimensionSets returns every set of up to three of dims, in canonical
// order, without YEAR and MONTH together; the empty set first.
func DimensionSets(dims []hub.Dimension) [][]hub.Dimension {
	canon := slices.Clone(dims)
	slices.SortFunc(canon, func(a, b hub.Dimension) int { return dimIndex(a) - dimIndex(b) })
	sets := [][]hub.Dimension{{}}
	for _, d := range canon {
		for _, s := range sets {
			if len(s) < hub.MaxStatisticsDimensions && !(d == hub.DimMonth && slices.Contains(s, hub.DimYear)) &&
				!(d == hub.DimYear && slices.Contains(s, hub.DimMonth)) {
				sets = append(sets, append(slices.Clone(s), d))
			}
		}
	}
	return sets
}

func dimIndex(d hub.Dimension) int { return slices.Index(hub.Dimensions[:], d) }

func dimsKey(dims []hub.Dimension) string {
	s := make([]string, len(dims))
	for i, d := range dims {
		s[i] = string(d)
	}
	return strings.Join(s, ",")
}

// cellQuery is the SELECT that counts f's cells over dims.
func (f fact) cellQuery(dims []hub.Dimension) string {
	var joins, keys, where []string
	where = append(where, f.where)
	for _, d := range dims {
		ds := f.dims[d]
		if ds.join != "" {
			joins = append(joins, ds.join)
		}
		keys = append(keys, ds.expr)
		where = append(where, ds.expr+" IS NOT NULL")
	}
	keyArray := "ARRAY[]::text[]"
	group := ""
	if len(keys) > 0 {
		keyArray = "ARRAY[" + strings.Join(keys, ", ") + "]::text[]"
		group = " GROUP BY " + strings.Join(keys, ", ")
	}
	return fmt.Sprintf(`SELECT %s, (%s)::float8, (%s)::int FROM %s %s WHERE %s%s HAVING (%s) <> 0`,
		keyArray, f.value, f.people, f.from, strings.Join(joins, " "), strings.Join(where, " AND "), group, f.value)
}

// LiveCells counts measure m's cells over dims now, without rollups or
// suppression: what a rollup must agree with.
func (s *StatisticsService) LiveCells(ctx context.Context, m hub.Measure, dims []hub.Dimension) ([]*hub.Cell, error) {
	f := facts(s.db.Now().Year())[m]
	var cells []*hub.Cell
	err := pgx.BeginTxFunc(ctx, s.db.Pool, pgx.TxOptions{AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, f.cellQuery(dims))
		if err != nil {
			return err
		}
		cells, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (*hub.Cell, error) {
			c := &hub.Cell{Measure: m, Dims: dims}
			return c, row.Scan(&c.Keys, &c.Value, &c.People)
		})
		return err
	})
	return cells, err
}

// RebuildStatistics counts every measure's lattice in one snapshot, writes
// the cells (with the keys and sums of squares their protection needs) as
// a new build and makes it current, then drops older builds.
//
// It holds statLock from its snapshot until the build is current, so that
// every change of the records is either in the snapshot or counted after
// it against the new build: writers of records wait for a rebuild
// (docs/statistics.md). Changes are counted as they apply, so a rebuild is
// needed only for the first build, a new year, changes that could not be
// counted (a worker that died with a batch's changes), and repair.
func (s *StatisticsService) RebuildStatistics(ctx context.Context) (*hub.RollupBuild, error) {
	start := time.Now()
	build := &hub.RollupBuild{}
	conn, err := s.db.Pool.Acquire(ctx)
	if err != nil {
		return nil, err
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock($1)`, statLock); err != nil {
		return nil, fmt.Errorf("statistics lock: %w", err)
	}
	defer func() {
		if _, err := conn.Exec(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock($1)`, statLock); err != nil {
			conn.Conn().Close(context.WithoutCancel(ctx)) // the session's lock goes with it
		}
	}()
	var all []*hub.Cell
	// One snapshot for every count, so that a total always agrees with
	// its parts even while batches apply.
	err = pgx.BeginTxFunc(ctx, conn, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		var secret []byte
		if err := tx.QueryRow(ctx, `SELECT now(), (SELECT secret FROM stat_secret)`).Scan(&build.AsOf, &secret); err != nil {
			return err
		}
		if len(secret) == 0 {
			return fmt.Errorf("no statistics secret: the database is not migrated")
		}
		ss := streams(build.AsOf.Year())
		for _, m := range hub.Measures {
			cells, err := rollupCells(ctx, tx, m, ss[m], secret)
			if err != nil {
				return err
			}
			for _, c := range cells {
				if c.Suppressed() {
					build.Suppressed++
				}
			}
			all = append(all, cells...)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("count statistics: %w", err)
	}
	build.Cells = len(all)
	err = pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, `INSERT INTO stat_builds (as_of, counted_at) VALUES ($1, $1) RETURNING id`, build.AsOf).Scan(&build.ID); err != nil {
			return err
		}
		_, err := tx.CopyFrom(ctx, pgx.Identifier{"stat_cells"}, []string{"build_id", "measure", "dims", "keys", "value", "people", "cell_key", "sumsq"},
			pgx.CopyFromSlice(len(all), func(i int) ([]any, error) {
				c := all[i]
				return []any{build.ID, string(c.Measure), dimsKey(c.Dims), c.Keys, c.Value, c.People, int64(c.Key), c.SumSq}, nil
			}))
		if err != nil {
			return fmt.Errorf("write cells: %w", err)
		}
		// statLock, held since the snapshot, keeps other rebuilds and every
		// change that is not in the snapshot out: this build is the newest.
		// A batch's changes written into the current build meanwhile are in
		// the snapshot too (its chunks applied before it).
		if _, err := tx.Exec(ctx, `UPDATE stat_builds SET is_current = false WHERE is_current`); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `UPDATE stat_builds SET is_current = true, finished_at = now(), cells = $2, suppressed = $3 WHERE id = $1`,
			build.ID, build.Cells, build.Suppressed)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("store statistics: %w", err)
	}
	// Old builds go once no reader can be in the middle of one: readers
	// read one build in one statement.
	if _, err := conn.Exec(ctx, `DELETE FROM stat_builds WHERE NOT is_current AND id < $1`, build.ID); err != nil {
		return nil, fmt.Errorf("drop old statistics: %w", err)
	}
	build.Took = time.Since(start)
	return build, nil
}

// StatisticsStale reports whether the current build misses changes of the
// records (made while there was no build to move, or in another year than
// it was counted in), or there is none.
func (s *StatisticsService) StatisticsStale(ctx context.Context) (bool, error) {
	var stale bool
	err := s.db.Pool.QueryRow(ctx, StaleStatisticsSQL, s.db.Now().Year()).Scan(&stale)
	return stale, err
}

// buildStale is the condition that build b misses changes: records changed
// uncounted after its snapshot, or it was counted in another year than $1.
const buildStale = `(coalesce((SELECT st.uncounted_at >= b.counted_at FROM stat_state st), false)
	OR extract(year FROM b.counted_at) <> $1)`

// StaleStatisticsSQL is StatisticsStale's query, $1 the current year: true
// when there is no build, or it misses changes.
const StaleStatisticsSQL = `SELECT NOT EXISTS (SELECT 1 FROM stat_builds WHERE is_current)
	OR EXISTS (SELECT 1 FROM stat_builds b WHERE b.is_current AND ` + buildStale + `)`

// RollupCells returns the current build's cells of measure m over
// exactly dims, as counted: exact values, keys and sums of squares.
func (s *StatisticsService) RollupCells(ctx context.Context, m hub.Measure, dims []hub.Dimension) ([]*hub.Cell, error) {
	b, err := s.currentBuild(ctx)
	if err != nil {
		return nil, err
	}
	r := &hub.CellRead{Measure: m, Dims: dims}
	sql, args := cellsQuery(b.id, r)
	rows, err := s.db.Pool.Query(ctx, sql, args...)
	if err != nil {
		return nil, fmt.Errorf("read statistics: %w", err)
	}
	return pgx.CollectRows(rows, cellScanner(r))
}

// Statistics answers q from the current build; with no build yet, it
// builds one first. The domain plans the answer (hub.PlanStatistics): this
// reads the cells it needs in one round trip.
//
// A build's cells change only with its as_of (statistics_delta.go), so an
// answer is a function of the build, its as_of, q, reveal and the sources
// (the keys of a SOURCE grouping): answers are cached under those and a
// dashboard asking the same question again costs one small statement,
// until records change. The figures
// sources published (Reported) are read every time.
func (s *StatisticsService) Statistics(ctx context.Context, q hub.StatisticsQuery, reveal bool) (*hub.Statistics, error) {
	plan, err := hub.PlanStatistics(q, reveal)
	if err != nil {
		return nil, err
	}
	b, err := s.currentBuild(ctx)
	if err != nil {
		return nil, err
	}
	key := fmt.Sprintf("%d\x00%d\x00%t\x00%s\x00%#v", b.id, b.asOf.UnixNano(), reveal, strings.Join(b.sources, "\x1f"), q)
	// Concurrent askers of one question of one build share one reading (the
	// build never changes, so its answer is the same whenever it is read).
	// The reading outlives a caller that goes away, so the others still get
	// it; each caller waits only as long as its own context allows.
	ch := s.answers().flight.DoChan(key, func() (any, error) {
		if a, ok := s.answers().get(key); ok {
			return a, nil
		}
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), answerTimeout)
		defer cancel()
		a, err := s.answer(rctx, plan, b)
		if err == nil {
			s.answers().add(key, a)
		}
		return a, err
	})
	var res singleflight.Result
	select {
	case res = <-ch:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	if res.Err != nil {
		return nil, res.Err
	}
	out := *res.Val.(*hub.Statistics) // shared: copied before Reported is set
	out.Reported, err = s.reported(ctx, q)
	return &out, err
}

// answer reads the cells plan needs from build b and answers it.
func (s *StatisticsService) answer(ctx context.Context, plan *hub.StatisticsPlan, b build) (*hub.Statistics, error) {
	batch := &pgx.Batch{}
	for _, r := range plan.Reads {
		sql, args := cellsQuery(b.id, r)
		batch.Queue(sql, args...)
	}
	batch.Queue(`SELECT secret FROM stat_secret`)
	var secret []byte
	// The batch holds its connection until it is closed: read every result
	// and give the connection back before anything else (reported) asks the
	// pool for one. Holding it, a few concurrent requests would take every
	// connection and wait for another one forever.
	if err := func() error {
		results := s.db.Pool.SendBatch(ctx, batch)
		defer results.Close()
		for _, r := range plan.Reads {
			rs, err := results.Query()
			if err != nil {
				return fmt.Errorf("read statistics: %w", err)
			}
			if r.Cells, err = pgx.CollectRows(rs, cellScanner(r)); err != nil {
				return fmt.Errorf("read statistics: %w", err)
			}
		}
		return results.QueryRow().Scan(&secret)
	}(); err != nil {
		return nil, err
	}
	return plan.Answer(b.asOf, b.sources, secret)
}

// The answer cache is bounded by the rows it holds (a row is a few hundred
// bytes), so that many different large questions cannot fill memory: about
// 200,000 rows, some 50 MiB, least recently used first out.
const maxCachedRows = 200_000

// answerTimeout bounds a shared reading of a build's cells, whose callers
// may all have gone.
const answerTimeout = time.Minute

type answerCache struct {
	mu      sync.Mutex
	entries *lru.Cache[string, *hub.Statistics]
	rows    int // held by entries
	flight  singleflight.Group
}

func (c *answerCache) get(key string) (*hub.Statistics, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.entries.Get(key)
}

// add keeps a, unless it alone is larger than the cache, evicting the least
// recently used answers until the rows fit.
func (c *answerCache) add(key string, a *hub.Statistics) {
	if len(a.Rows) > maxCachedRows/4 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.entries.Contains(key) {
		return
	}
	c.entries.Add(key, a)
	c.rows += len(a.Rows) + 1
	for c.rows > maxCachedRows {
		c.entries.RemoveOldest()
	}
}

// answers returns the service's answer cache, made on first use.
func (s *StatisticsService) answers() *answerCache {
	s.answersOnce.Do(func() {
		c := &answerCache{}
		entries, err := lru.NewWithEvict[string, *hub.Statistics](maxCachedRows, func(_ string, a *hub.Statistics) { c.rows -= len(a.Rows) + 1 })
		if err != nil {
			panic(err)
		}
		c.entries = entries
		s.answerCache = c
	})
	return s.answerCache
}

// build is the current statistics build and the sources answers name.
type build struct {
	id      int64
	asOf    time.Time
	sources []string
}

// currentBuild returns the current build, building the first one if there
// is none yet (a fresh hub, before the workers have run), with the names of
// the sources in order.
func (s *StatisticsService) currentBuild(ctx context.Context) (build, error) {
	const sql = `SELECT id, as_of, ARRAY(SELECT name FROM sources ORDER BY name) FROM stat_builds WHERE is_current`
	var b build
	err := s.db.Pool.QueryRow(ctx, sql).Scan(&b.id, &b.asOf, &b.sources)
	if err == pgx.ErrNoRows {
		if _, err = s.RebuildStatistics(ctx); err != nil {
			return b, err
		}
		err = s.db.Pool.QueryRow(ctx, sql).Scan(&b.id, &b.asOf, &b.sources)
	}
	return b, err
}

// cellsQuery is the SELECT of a plan's read: the cells of r.Measure over
// exactly r.Dims whose fixed keys match, or only the small ones.
func cellsQuery(buildID int64, r *hub.CellRead) (string, []any) {
	sql := `SELECT keys, value, people, cell_key, sumsq FROM stat_cells WHERE build_id = $1 AND measure = $2 AND dims = $3`
	args := []any{buildID, string(r.Measure), dimsKey(r.Dims)}
	for i, d := range r.Dims {
		if v, ok := r.Equal[d]; ok {
			args = append(args, v)
			sql += fmt.Sprintf(" AND keys[%d] = $%d", i+1, len(args))
		}
	}
	if i := slices.Index(r.Dims, r.Period); r.Period != "" && i >= 0 {
		if r.From != "" {
			args = append(args, r.From)
			sql += fmt.Sprintf(" AND keys[%d] >= $%d", i+1, len(args))
		}
		if r.To != "" {
			args = append(args, r.To)
			sql += fmt.Sprintf(" AND keys[%d] <= $%d", i+1, len(args))
		}
	}
	if r.Small {
		// small is people BETWEEN 1 AND hub.MaxSuppressedPeople (migration
		// 00016, TestSmallCellsColumn), which its partial index serves.
		sql += " AND small"
	}
	return sql, args
}

func cellScanner(r *hub.CellRead) pgx.RowToFunc[*hub.Cell] {
	return func(row pgx.CollectableRow) (*hub.Cell, error) {
		c := &hub.Cell{Measure: r.Measure, Dims: r.Dims}
		var key int64
		err := row.Scan(&c.Keys, &c.Value, &c.People, &key, &c.SumSq)
		c.Key = uint32(key)
		return c, err
	}
}

// reported returns the indicators sources published for q's measures, in
// q's region (or the whole country) and periods.
func (s *StatisticsService) reported(ctx context.Context, q hub.StatisticsQuery) ([]*hub.Indicator, error) {
	var metrics []string
	for _, m := range q.Measures {
		metrics = append(metrics, hub.ReportedMetrics[m]...)
	}
	if len(metrics) == 0 {
		return nil, nil
	}
	f := hub.IndicatorFilter{Metrics: metrics}
	if r, ok := q.Filter.Equal[hub.DimRegion]; ok {
		f.Regions = []string{r}
	}
	period := func(p string, end bool) *time.Time {
		var t time.Time
		var err error
		if len(p) == 4 {
			t, err = time.Parse("2006", p)
			if end {
				t = t.AddDate(1, 0, -1)
			}
		} else {
			t, err = time.Parse("2006-01", p)
			if end {
				t = t.AddDate(0, 1, -1)
			}
		}
		if err != nil {
			return nil
		}
		return &t
	}
	from, to := q.Filter.From, q.Filter.To
	for _, d := range []hub.Dimension{hub.DimYear, hub.DimMonth} {
		if v, ok := q.Filter.Equal[d]; ok {
			from, to = v, v
		}
	}
	if from != "" {
		f.Period.From = period(from, false)
	}
	if to != "" {
		f.Period.To = period(to, true)
	}
	inds, err := s.indicators.FindIndicators(ctx, f)
	if err != nil {
		return nil, err
	}
	if _, ok := q.Filter.Equal[hub.DimRegion]; !ok {
		// The whole country's figures only, beside whole-country counts.
		inds = slices.DeleteFunc(inds, func(i *hub.Indicator) bool { return i.RegionCode != "" })
	}
	return inds, nil
}
