package postgres

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	hub "github.com/birgemiz/hub"
)

// StatisticsService counts statistics in PostgreSQL and serves them from
// rollups (stat_cells). See disclosure.go in the root package for how
// cells are protected, and docs/statistics.md for what each measure and
// dimension means.
type StatisticsService struct {
	db         *DB
	indicators hub.IndicatorService
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
	people string // "0" when the measure does not count people
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
			value: "sum(pa.hours)", people: "count(DISTINCT coalesce(pa.volunteer_id::text, pa.source_id || '/' || pa.volunteer_ref))",
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
			value: "sum(pr.beneficiaries)", people: "0", dims: projectDims,
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

// RebuildStatistics counts every measure's lattice in one snapshot,
// protects the people measures' cells, writes them as a new build and
// makes it current, then drops older builds.
func (s *StatisticsService) RebuildStatistics(ctx context.Context) (*hub.RollupBuild, error) {
	start := time.Now()
	build := &hub.RollupBuild{}
	var all []*hub.Cell
	// One snapshot for every count, so that a total always agrees with
	// its parts even while batches apply.
	err := pgx.BeginTxFunc(ctx, s.db.Pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, `SELECT now()`).Scan(&build.AsOf); err != nil {
			return err
		}
		ss := streams(build.AsOf.Year())
		for _, m := range hub.Measures {
			cells, err := rollupCells(ctx, tx, m, ss[m])
			if err != nil {
				return err
			}
			if m.CountsPeople() {
				p, c := hub.Protect(cells)
				build.Suppressed += p + c
			}
			all = append(all, cells...)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("count statistics: %w", err)
	}
	build.Cells = len(all)
	err = pgx.BeginFunc(ctx, s.db.Pool, func(tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, `INSERT INTO stat_builds (as_of) VALUES ($1) RETURNING id`, build.AsOf).Scan(&build.ID); err != nil {
			return err
		}
		_, err := tx.CopyFrom(ctx, pgx.Identifier{"stat_cells"}, []string{"build_id", "measure", "dims", "keys", "value", "people", "suppressed"},
			pgx.CopyFromSlice(len(all), func(i int) ([]any, error) {
				c := all[i]
				return []any{build.ID, string(c.Measure), dimsKey(c.Dims), c.Keys, c.Value, c.People, c.Suppressed}, nil
			}))
		if err != nil {
			return fmt.Errorf("write cells: %w", err)
		}
		// Serialize swaps; a build older than the current one loses.
		if _, err := tx.Exec(ctx, `LOCK TABLE stat_builds IN SHARE ROW EXCLUSIVE MODE`); err != nil {
			return err
		}
		var newer bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM stat_builds WHERE is_current AND as_of > $1)`, build.AsOf).Scan(&newer); err != nil {
			return err
		}
		if newer {
			return errStaleBuild
		}
		if _, err := tx.Exec(ctx, `UPDATE stat_builds SET is_current = false WHERE is_current`); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `UPDATE stat_builds SET is_current = true, finished_at = now(), cells = $2, suppressed = $3 WHERE id = $1`,
			build.ID, build.Cells, build.Suppressed)
		return err
	})
	if err == errStaleBuild {
		return build, nil
	} else if err != nil {
		return nil, fmt.Errorf("store statistics: %w", err)
	}
	// Old builds go once no reader can be in the middle of one: readers
	// read one build in one statement.
	if _, err := s.db.Pool.Exec(ctx, `DELETE FROM stat_builds WHERE NOT is_current AND id < $1`, build.ID); err != nil {
		return nil, fmt.Errorf("drop old statistics: %w", err)
	}
	build.Took = time.Since(start)
	return build, nil
}

var errStaleBuild = fmt.Errorf("a newer statistics build is current")

// StatisticsStale reports whether a batch made progress since the current
// build was counted, or there is no build.
func (s *StatisticsService) StatisticsStale(ctx context.Context) (bool, error) {
	var stale bool
	err := s.db.Pool.QueryRow(ctx, `SELECT NOT EXISTS (SELECT 1 FROM stat_builds WHERE is_current)
		OR EXISTS (SELECT 1 FROM batches WHERE progressed_at > (SELECT as_of FROM stat_builds WHERE is_current))`).Scan(&stale)
	return stale, err
}

// RollupCells returns the current build's cells of measure m over
// exactly dims, with their suppression.
func (s *StatisticsService) RollupCells(ctx context.Context, m hub.Measure, dims []hub.Dimension) ([]*hub.Cell, error) {
	buildID, _, err := s.currentBuild(ctx)
	if err != nil {
		return nil, err
	}
	return s.readCells(ctx, buildID, m, dims, nil)
}

// Statistics answers q from the current build; with no build yet, it
// builds one first.
func (s *StatisticsService) Statistics(ctx context.Context, q hub.StatisticsQuery, reveal bool) (*hub.Statistics, error) {
	if err := q.Validate(); err != nil {
		return nil, err
	}
	buildID, asOf, err := s.currentBuild(ctx)
	if err != nil {
		return nil, err
	}
	out := &hub.Statistics{AsOf: asOf, Measures: q.Measures, GroupBy: q.GroupBy}

	// The groupings to read: the query's own, then, for subtotals, every
	// coarser one (each proper subset of groupBy), then the grand total.
	groupings := [][]hub.Dimension{q.GroupBy}
	if q.Subtotals {
		for _, sub := range subsets(q.GroupBy) {
			if len(sub) > 0 && len(sub) < len(q.GroupBy) {
				groupings = append(groupings, sub)
			}
		}
	}
	if (q.Total || q.Subtotals) && len(q.GroupBy) > 0 {
		groupings = append(groupings, nil)
	}
	// With the periods bounded (from, to), a row over all periods (a
	// subtotal or total without the period's key) would count every
	// period, not the ones shown; and people in a range of periods are not
	// the sum of each period's. The rollups hold such a row for one whole
	// year only: the months of a year add up to the year's cell. Other
	// ranges have no such rows.
	ti := timeIndex(q)
	overRange, rangeYear := ti >= 0 && (q.Filter.From != "" || q.Filter.To != ""), ""
	if overRange {
		rangeYear = wholeYear(q.GroupBy[ti], q.Filter.From, q.Filter.To)
		kept := groupings[:0]
		for _, g := range groupings {
			if rangeYear != "" || slices.Contains(g, q.GroupBy[ti]) {
				kept = append(kept, g)
			}
		}
		groupings = kept
	}
	type rowKey = string
	rows := map[rowKey]*hub.StatisticsRow{}
	var order []rowKey
	// Every grouping of every measure, read in one round trip.
	batch := &pgx.Batch{}
	var dimsOf [][]hub.Dimension // the cells' dimensions, in the order queued
	for _, grouping := range groupings {
		equal := q.Filter.Equal
		if overRange && !slices.Contains(grouping, q.GroupBy[ti]) {
			equal = maps.Clone(equal)
			if equal == nil {
				equal = map[hub.Dimension]string{}
			}
			equal[hub.DimYear] = rangeYear
		}
		for _, m := range q.Measures {
			sql, args, dims := cellsQuery(buildID, m, grouping, equal)
			batch.Queue(sql, args...)
			dimsOf = append(dimsOf, dims)
		}
	}
	// The batch holds its connection until it is closed: read every result
	// and give the connection back before anything else (reported) asks the
	// pool for one. Holding it, a few concurrent requests would take every
	// connection and wait for another one forever.
	cellsOf := make([][]*hub.Cell, 0, len(dimsOf))
	if err := func() error {
		results := s.db.Pool.SendBatch(ctx, batch)
		defer results.Close()
		for range groupings {
			for _, m := range q.Measures {
				dims := dimsOf[len(cellsOf)]
				rs, err := results.Query()
				if err != nil {
					return fmt.Errorf("read statistics: %w", err)
				}
				cells, err := pgx.CollectRows(rs, func(row pgx.CollectableRow) (*hub.Cell, error) {
					c := &hub.Cell{Measure: m, Dims: dims}
					return c, row.Scan(&c.Keys, &c.Value, &c.People, &c.Suppressed)
				})
				if err != nil {
					return fmt.Errorf("read statistics: %w", err)
				}
				cellsOf = append(cellsOf, cells)
			}
		}
		return nil
	}(); err != nil {
		return nil, err
	}
	next := 0
	for _, grouping := range groupings {
		overAll := ti >= 0 && !slices.Contains(grouping, q.GroupBy[ti])
		for mi := range q.Measures {
			cells := cellsOf[next]
			next++
			for _, c := range cells {
				keys := make([]*string, len(q.GroupBy))
				for i, d := range q.GroupBy {
					if j := slices.Index(c.Dims, d); j >= 0 && !(overAll && i == ti) {
						keys[i] = &c.Keys[j]
					}
				}
				if !inPeriod(q, keys) {
					continue
				}
				k := rowID(keys)
				r := rows[k]
				if r == nil {
					r = newRow(keys, len(q.Measures))
					rows[k] = r
					order = append(order, k)
				}
				v := c.Value
				r.Values[mi] = &v
				if c.Suppressed && !reveal {
					r.Values[mi] = nil
					r.Suppressed = true
				}
			}
		}
	}
	// Every grouping row exists even when it counts nothing: zeros, and
	// the periods of a time series without data.
	for _, k := range fillKeys(q, rows) {
		if rows[rowID(k)] == nil {
			r := newRow(k, len(q.Measures))
			rows[rowID(k)] = r
			order = append(order, rowID(k))
		}
	}
	for _, k := range order {
		out.Rows = append(out.Rows, *rows[k])
	}
	sortRows(out.Rows)
	addChanges(q, out.Rows)
	out.Reported, err = s.reported(ctx, q)
	return out, err
}

func newRow(keys []*string, measures int) *hub.StatisticsRow {
	r := &hub.StatisticsRow{Keys: keys, Values: make([]*float64, measures), Change: make([]*float64, measures)}
	for i := range r.Values {
		zero := 0.0
		r.Values[i] = &zero
	}
	return r
}

// currentBuild returns the current build, building the first one if there
// is none yet (a fresh hub, before the workers have run).
func (s *StatisticsService) currentBuild(ctx context.Context) (id int64, asOf time.Time, err error) {
	const sql = `SELECT id, as_of FROM stat_builds WHERE is_current`
	err = s.db.Pool.QueryRow(ctx, sql).Scan(&id, &asOf)
	if err == pgx.ErrNoRows {
		if _, err = s.RebuildStatistics(ctx); err != nil {
			return 0, asOf, err
		}
		err = s.db.Pool.QueryRow(ctx, sql).Scan(&id, &asOf)
	}
	return id, asOf, err
}

// readCells reads measure m's cells grouped by grouping and fixed by
// equal: the cells of the dimension set grouping ∪ keys(equal) whose
// fixed keys match.
func (s *StatisticsService) readCells(ctx context.Context, buildID int64, m hub.Measure, grouping []hub.Dimension, equal map[hub.Dimension]string) ([]*hub.Cell, error) {
	sql, args, dims := cellsQuery(buildID, m, grouping, equal)
	rows, err := s.db.Pool.Query(ctx, sql, args...)
	if err != nil {
		return nil, fmt.Errorf("read statistics: %w", err)
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (*hub.Cell, error) {
		c := &hub.Cell{Measure: m, Dims: dims}
		return c, row.Scan(&c.Keys, &c.Value, &c.People, &c.Suppressed)
	})
}

// cellsQuery is the query of readCells, and the dimensions of its cells.
func cellsQuery(buildID int64, m hub.Measure, grouping []hub.Dimension, equal map[hub.Dimension]string) (string, []any, []hub.Dimension) {
	var dims []hub.Dimension
	for _, d := range hub.Dimensions {
		if _, ok := equal[d]; ok || slices.Contains(grouping, d) {
			dims = append(dims, d)
		}
	}
	sql := `SELECT keys, value, people, suppressed FROM stat_cells WHERE build_id = $1 AND measure = $2 AND dims = $3`
	args := []any{buildID, string(m), dimsKey(dims)}
	for i, d := range dims {
		if v, ok := equal[d]; ok {
			args = append(args, v)
			sql += fmt.Sprintf(" AND keys[%d] = $%d", i+1, len(args))
		}
	}
	return sql, args, dims
}

// wholeYear returns the year that the periods from..to of a YEAR or MONTH
// grouping cover exactly (2024, or 2024-01 to 2024-12), or "".
func wholeYear(d hub.Dimension, from, to string) string {
	switch {
	case d == hub.DimYear && from != "" && from == to:
		return from
	case d == hub.DimMonth && len(from) == 7 && from[:4] == to[:min(4, len(to))] && from[5:] == "01" && to == from[:4]+"-12":
		return from[:4]
	}
	return ""
}

// timeIndex returns the position of YEAR or MONTH in q.GroupBy, or -1.
func timeIndex(q hub.StatisticsQuery) int {
	for i, d := range q.GroupBy {
		if d == hub.DimYear || d == hub.DimMonth {
			return i
		}
	}
	return -1
}

// inPeriod reports whether a row's period (if any) is within From..To.
func inPeriod(q hub.StatisticsQuery, keys []*string) bool {
	ti := timeIndex(q)
	if ti < 0 || keys[ti] == nil {
		return true
	}
	p := *keys[ti]
	return (q.Filter.From == "" || p >= q.Filter.From) && (q.Filter.To == "" || p <= q.Filter.To)
}

// fillKeys returns the keys of the rows a complete answer has: for a time
// series, every period from the first to the last (or From..To) for each
// combination of the other keys seen; a zero is a row too.
func fillKeys(q hub.StatisticsQuery, rows map[string]*hub.StatisticsRow) [][]*string {
	ti := timeIndex(q)
	if ti < 0 {
		return nil
	}
	from, to := q.Filter.From, q.Filter.To
	others := map[string][]*string{}
	for _, r := range rows {
		if r.Keys[ti] == nil {
			continue
		}
		p := *r.Keys[ti]
		if q.Filter.From == "" {
			from = minStr(from, p)
		}
		if q.Filter.To == "" {
			to = maxStr(to, p)
		}
		k := slices.Clone(r.Keys)
		k[ti] = nil
		others[rowID(k)] = k
	}
	if len(others) == 0 && len(q.GroupBy) == 1 {
		others[""] = []*string{nil} // a series with no data yet: zeros
	}
	if from == "" || to == "" {
		return nil
	}
	var out [][]*string
	for _, p := range hub.Periods(q.GroupBy[ti], from, to) {
		for _, k := range others {
			k2 := slices.Clone(k)
			period := p
			k2[ti] = &period
			out = append(out, k2)
		}
	}
	return out
}

func minStr(a, b string) string {
	if a == "" || b < a {
		return b
	}
	return a
}

func maxStr(a, b string) string {
	if b > a {
		return b
	}
	return a
}

func rowID(keys []*string) string {
	var b strings.Builder
	for _, k := range keys {
		if k == nil {
			b.WriteString("\x01")
		} else {
			b.WriteString(*k)
		}
		b.WriteByte(0)
	}
	return b.String()
}

// sortRows orders rows by their keys, a null key ("all") after the values.
func sortRows(rows []hub.StatisticsRow) {
	sort.SliceStable(rows, func(i, j int) bool {
		a, b := rows[i].Keys, rows[j].Keys
		for k := range a {
			switch {
			case a[k] == nil && b[k] == nil:
				continue
			case a[k] == nil:
				return false
			case b[k] == nil:
				return true
			case *a[k] != *b[k]:
				return *a[k] < *b[k]
			}
		}
		return false
	})
}

// addChanges sets each time-series row's change from the previous period
// of the same series (rows are sorted, so it is the row before with the
// same other keys).
func addChanges(q hub.StatisticsQuery, rows []hub.StatisticsRow) {
	ti := timeIndex(q)
	if ti < 0 {
		return
	}
	prev := map[string]*hub.StatisticsRow{}
	// Series are ordered by period within each combination of other keys
	// only if the time key is sorted last; walk in period order instead.
	idx := make([]int, len(rows))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool {
		ka, kb := rows[idx[a]].Keys[ti], rows[idx[b]].Keys[ti]
		return ka != nil && (kb == nil || *ka < *kb)
	})
	for _, i := range idx {
		r := &rows[i]
		if r.Keys[ti] == nil {
			continue
		}
		other := slices.Clone(r.Keys)
		other[ti] = nil
		id := rowID(other)
		if p := prev[id]; p != nil {
			for m := range r.Values {
				if r.Values[m] != nil && p.Values[m] != nil {
					d := *r.Values[m] - *p.Values[m]
					r.Change[m] = &d
				}
			}
		}
		prev[id] = r
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

// subsets returns every subset of dims, keeping their order.
func subsets(dims []hub.Dimension) [][]hub.Dimension {
	out := [][]hub.Dimension{{}}
	for _, d := range dims {
		for _, s := range out {
			out = append(out, append(slices.Clone(s), d))
		}
	}
	return out
}
