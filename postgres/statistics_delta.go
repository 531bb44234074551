package postgres

import (
	"context"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	hub "github.com/birgemiz/hub"
)

// The statistics follow the records incrementally: a transaction that
// changes counted records reads what its change is counted from, before it
// commits, and the current build's cells move by exactly the change when
// its batch finishes (statistics_pending.go; a sweep moves them at once).
// docs/statistics.md, "Freshness: incremental statistics". Every count in a cell is a sum over groups (the person, or
// the record when a measure counts no people) of what that group adds to
// the cell: its value, 1 for its person, its record key, its value squared.
// So a change is counted by taking the groups it touches out of their old
// cells, as the records were before the transaction, and putting them into
// their new ones, as they are now.
//
// Writers of counted records take statLock once they have written, until
// they commit, so that no two deltas are counted against the same old
// state, and a rebuild's snapshot falls between them. The old state is
// read on a second connection, in a snapshot exported by the writing
// transaction under the lock: it sees every other committed change and
// none of this transaction's.

// statLock is the advisory lock (pg_advisory_xact_lock) that writers of
// counted records and a rebuild's snapshot take.
const statLock = int64(0x6875625f73746174) // "hub_stat"

// statDelta collects a transaction's changed records and, before the
// transaction commits, reads the facts their change is counted from.
type statDelta struct {
	db       *DB
	tx       pgx.Tx
	build    int64  // the current build; 0 when there is none to move
	year     int    // the year the build's ages are counted in
	snapshot string // the writing transaction's exported snapshot
	secret   []byte // the statistics secret record keys derive from
	changed  map[hub.RecordType][]int64
}

// newStatDelta returns the delta of tx's changes to counted records: note
// them as tx writes them, and apply (or read) before tx commits.
func newStatDelta(db *DB, tx pgx.Tx) *statDelta {
	return &statDelta{db: db, tx: tx, changed: map[hub.RecordType][]int64{}}
}

// lock takes statLock, for the rest of tx, and notes the build the changes
// are counted against. Taken once tx has written its records, it orders
// the writers' deltas as their commits: each counts its change against the
// records every earlier one committed, and no other can commit meanwhile.
// Their writes run side by side; only counting and committing take turns.
func (d *statDelta) lock(ctx context.Context) error {
	if _, err := d.tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, statLock); err != nil {
		return fmt.Errorf("statistics lock: %w", err)
	}
	var build *int64
	var countedAt *time.Time
	if err := d.tx.QueryRow(ctx, `SELECT b.id, b.counted_at, (SELECT secret FROM stat_secret)
		FROM (SELECT 1) one LEFT JOIN stat_builds b ON b.is_current`).Scan(&build, &countedAt, &d.secret); err != nil {
		return fmt.Errorf("statistics build: %w", err)
	}
	// A build counted in another year has other age bands: the change is
	// left for the rebuild that a new year needs anyway.
	if build != nil && countedAt.Year() == d.db.Now().Year() {
		d.build, d.year = *build, countedAt.Year()
		if err := d.tx.QueryRow(ctx, `SELECT pg_export_snapshot()`).Scan(&d.snapshot); err != nil {
			return fmt.Errorf("statistics snapshot: %w", err)
		}
	}
	return nil
}

// note records that the records of type t with ids changed.
func (d *statDelta) note(t hub.RecordType, ids []int64) {
	if d != nil && len(ids) > 0 {
		d.changed[t] = append(d.changed[t], ids...)
	}
}

func (d *statDelta) empty() bool {
	for _, ids := range d.changed {
		if len(ids) > 0 {
			return false
		}
	}
	return true
}

var snapshotID = regexp.MustCompile(`^[0-9A-F]+-[0-9A-F]+(-[0-9]+)?$`)

// apply counts the noted changes into the current build at once, or, with
// no build to move, notes that records changed uncounted (a rebuild
// follows).
func (d *statDelta) apply(ctx context.Context) error {
	f, err := d.read(ctx)
	if err != nil || f == nil {
		return err
	}
	ls := map[hub.Measure]*lattice{}
	if err := f.count(ls); err != nil {
		return err
	}
	_, err = writeDelta(ctx, d.tx, d.build, latticeDeltas(ls)) // under statLock: d.build is current
	return err
}

// read reads the facts of the groups the noted changes touch, as they were
// and as they are, to be counted once the transaction commits (the
// counting needs no lock). With no build to move it notes that records
// changed uncounted instead, and returns nil.
func (d *statDelta) read(ctx context.Context) (*deltaFacts, error) {
	if d.empty() {
		return nil, nil
	}
	if err := d.lock(ctx); err != nil {
		return nil, err
	}
	if d.build == 0 {
		_, err := d.tx.Exec(ctx, `UPDATE stat_state SET uncounted_at = clock_timestamp()`)
		return nil, err
	}
	if !snapshotID.MatchString(d.snapshot) {
		return nil, fmt.Errorf("statistics: unexpected snapshot id %q", d.snapshot)
	}
	conn, err := d.db.snapshots.Acquire(ctx)
	if err != nil {
		return nil, fmt.Errorf("statistics: connect for the old records: %w", err)
	}
	defer conn.Release()
	old, err := conn.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return nil, err
	}
	defer old.Rollback(context.WithoutCancel(ctx))
	if _, err := old.Exec(ctx, `SET TRANSACTION SNAPSHOT '`+d.snapshot+`'`); err != nil {
		return nil, fmt.Errorf("statistics: read the old records: %w", err)
	}
	f := &deltaFacts{build: d.build, keyer: hub.NewKeyer(d.secret)}
	for t, ids := range d.changed {
		slices.Sort(ids)
		d.changed[t] = slices.Compact(ids)
	}
	ss := streams(d.year)
	for _, m := range hub.Measures {
		groups, err := d.groups(ctx, m, old)
		if err != nil {
			return nil, fmt.Errorf("statistics: groups of %s: %w", m, err)
		}
		if len(groups) == 0 {
			continue
		}
		st := ss[m]
		sql, args := st.restricted(groups)
		mf := measureFacts{m: m, st: st}
		for i, q := range []queryer{old, d.tx} {
			if err := mf.sides[i].read(ctx, q, sql, args); err != nil {
				return nil, fmt.Errorf("statistics: facts of %s: %w", m, err)
			}
		}
		f.measures = append(f.measures, mf)
	}
	return f, nil
}

// deltaFacts is what a change is counted from: per measure, the facts of
// the groups it touches as they were and as they are.
type deltaFacts struct {
	build    int64 // the build they are counted against
	keyer    *hub.Keyer
	measures []measureFacts
}

type measureFacts struct {
	m     hub.Measure
	st    stream
	sides [2]factRows // as they were (counted out), as they are (counted in)
}

// factRows are a stream's rows, copied into one buffer: no pointer per
// row or value for the garbage collector to follow.
type factRows struct {
	arena []byte
	cols  int
	offs  []int32 // per row, per column: start and end in arena, or -1, -1 for NULL
}

func (r *factRows) read(ctx context.Context, q queryer, sql string, args []any) error {
	rows, err := q.Query(ctx, sql, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		raw := rows.RawValues()
		r.cols = len(raw)
		for _, v := range raw {
			if v == nil {
				r.offs = append(r.offs, -1, -1)
				continue
			}
			r.offs = append(r.offs, int32(len(r.arena)), int32(len(r.arena)+len(v)))
			r.arena = append(r.arena, v...)
		}
	}
	return rows.Err()
}

// next returns a function that yields the rows one by one, then nil.
func (r *factRows) next() func() [][]byte {
	i := 0
	out := make([][]byte, r.cols)
	return func() [][]byte {
		if r.cols == 0 || i >= len(r.offs) {
			return nil
		}
		for c := range r.cols {
			if start, end := r.offs[i+2*c], r.offs[i+2*c+1]; start < 0 {
				out[c] = nil
			} else {
				out[c] = r.arena[start:end]
			}
		}
		i += 2 * r.cols
		return out
	}
}

// count counts the facts into ls, a lattice per measure (made when
// missing): the old facts out, the new ones in.
func (f *deltaFacts) count(ls map[hub.Measure]*lattice) error {
	for _, mf := range f.measures {
		l := ls[mf.m]
		if l == nil {
			l = newLattice(mf.m)
			ls[mf.m] = l
		}
		for i, sign := range []int{-1, +1} {
			if err := l.countRows(mf.st, mf.sides[i].next(), f.keyer, sign); err != nil {
				return err
			}
		}
	}
	return nil
}

// latticeDeltas is the cells the lattices moved.
func latticeDeltas(ls map[hub.Measure]*lattice) []*hub.Cell {
	var cells []*hub.Cell
	for _, m := range hub.Measures {
		if l := ls[m]; l != nil {
			cells = append(cells, l.deltas()...)
		}
	}
	return cells
}

// queryer is a transaction on either side of a delta.
type queryer interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

// groups returns the groups of measure m that the changes touch, as the
// records were (in old) and as they are (in d.tx): a participation moved
// from one person to another touches both.
func (d *statDelta) groups(ctx context.Context, m hub.Measure, old pgx.Tx) ([]string, error) {
	v, p, j := d.changed[hub.TypeVolunteer], d.changed[hub.TypeParticipation], d.changed[hub.TypeProject]
	o, u := d.changed[hub.TypeOrganization], d.changed[hub.TypeUNPlacement]
	// The groups are a union of one indexed lookup per kind of change, and
	// only of the kinds this transaction has: the planner cannot use an
	// index for an OR of them (a subquery among them turned each into a
	// scan of every participation).
	var parts []string
	var args []any
	part := func(ids []int64, sql string) {
		if len(ids) > 0 {
			args = append(args, ids)
			parts = append(parts, strings.ReplaceAll(sql, "$n", fmt.Sprintf("$%d::bigint[]", len(args))))
		}
	}
	switch m {
	case hub.MeasureVolunteers:
		// A volunteer's organizations give its ORGANIZATION_KIND.
		part(v, `SELECT unnest($n)::text`)
		part(o, `SELECT vo.volunteer_id::text FROM volunteer_organizations vo WHERE vo.organization_id = ANY($n) AND vo.volunteer_id IS NOT NULL`)
	case hub.MeasureVolunteerHours:
		// Hours are counted by the project's region, directions and
		// organization's kind, and the volunteer's gender and age.
		part(p, `SELECT `+participationPerson+` FROM participations pa WHERE pa.id = ANY($n)`)
		part(v, `SELECT pa.volunteer_id::text FROM participations pa WHERE pa.volunteer_id = ANY($n)`)
		part(j, `SELECT `+participationPerson+` FROM participations pa WHERE pa.project_id = ANY($n)`)
		part(o, `SELECT `+participationPerson+` FROM projects pr JOIN participations pa ON pa.project_id = pr.id WHERE pr.organization_id = ANY($n)`)
	case hub.MeasureUNPlacements:
		part(u, `SELECT coalesce(u.volunteer_id::text, 'u' || u.id) FROM un_placements u WHERE u.id = ANY($n)`)
		part(v, `SELECT u.volunteer_id::text FROM un_placements u WHERE u.volunteer_id = ANY($n)`)
	case hub.MeasureOrganizations:
		return idStrings(o), nil
	case hub.MeasureProjects, hub.MeasureBeneficiaries:
		if len(o) == 0 {
			return idStrings(j), nil
		}
		part(j, `SELECT unnest($n)::text`)
		part(o, `SELECT pr.id::text FROM projects pr WHERE pr.organization_id = ANY($n)`)
	default:
		return nil, fmt.Errorf("no groups for measure %s", m)
	}
	if len(parts) == 0 {
		return nil, nil
	}
	sql := strings.Join(parts, " UNION ")
	set := map[string]bool{}
	for _, q := range []queryer{old, d.tx} {
		rows, _ := q.Query(ctx, sql, args...)
		gs, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			return nil, err
		}
		for _, g := range gs {
			set[g] = true
		}
	}
	out := make([]string, 0, len(set))
	for g := range set {
		out = append(out, g)
	}
	return out, nil
}

func idStrings(ids []int64) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = strconv.FormatInt(id, 10)
	}
	return out
}

// restricted is the stream's query for the facts of groups only, and its
// arguments. A group is a record's id, a dangling participation's
// "source/reference", or an unmatched UN placement's "u" and id.
func (st stream) restricted(groups []string) (string, []any) {
	var ids, refSources, unIDs []int64
	var refs []string
	for _, g := range groups {
		switch {
		case strings.HasPrefix(g, "u"):
			if id, err := strconv.ParseInt(g[1:], 10, 64); err == nil {
				unIDs = append(unIDs, id)
			}
		case strings.Contains(g, "/"):
			src, ref, _ := strings.Cut(g, "/")
			if id, err := strconv.ParseInt(src, 10, 64); err == nil {
				refSources, refs = append(refSources, id), append(refs, ref)
			}
		default:
			if id, err := strconv.ParseInt(g, 10, 64); err == nil {
				ids = append(ids, id)
			}
		}
	}
	args := []any{ids}
	switch {
	case strings.Contains(st.groups, "$3"):
		args = append(args, refSources, refs)
	case strings.Contains(st.groups, "$2"):
		args = append(args, unIDs)
	}
	return st.query(st.groups), args
}

// deltas returns the lattice's cells as changes: every cell whose count
// moved (the lattice was counted with sign -1 for the old facts and +1 for
// the new).
func (l *lattice) deltas() []*hub.Cell {
	out := make([]*hub.Cell, 0, len(l.cells))
	for k, a := range l.cells {
		if a.people == 0 && a.key == 0 && math.Abs(a.value) < 1e-9 && math.Abs(a.sumSq) < 1e-9 {
			continue
		}
		out = append(out, l.cell(k, a))
	}
	return out
}

// statWriteLock (pg_advisory_xact_lock) serializes writers of cells, so
// that two of them never wait for each other's rows.
const statWriteLock = int64(0x6875625f77726974) // "hub_writ"

// writeDelta adds cells, as changes, to build's cells in tx, drops the
// cells left counting nothing, and stamps the build with the time of the
// change. It takes statWriteLock and locks the build's row (a rebuild's
// swap, or its dropping the build, waits); if build is no longer current,
// it writes nothing and returns false: the build that replaced it was
// counted after the changes.
func writeDelta(ctx context.Context, tx pgx.Tx, build int64, cells []*hub.Cell) (bool, error) {
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, statWriteLock); err != nil {
		return false, err
	}
	var current bool
	if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM stat_builds WHERE id = $1 AND is_current FOR UPDATE)`, build).Scan(&current); err != nil || !current {
		return false, err
	}
	if _, err := tx.Exec(ctx, `CREATE TEMP TABLE IF NOT EXISTS stat_delta (measure text, dims text, keys text[],
		value float8, people int, cell_key bigint, sumsq float8) ON COMMIT DELETE ROWS`); err != nil {
		return false, fmt.Errorf("statistics delta: %w", err)
	}
	if len(cells) > 0 {
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{"stat_delta"}, []string{"measure", "dims", "keys", "value", "people", "cell_key", "sumsq"},
			pgx.CopyFromSlice(len(cells), func(i int) ([]any, error) {
				c := cells[i]
				return []any{string(c.Measure), dimsKey(c.Dims), c.Keys, c.Value, c.People, int64(c.Key), c.SumSq}, nil
			})); err != nil {
			return false, fmt.Errorf("statistics delta: %w", err)
		}
		// A few changed cells are looked up by key, many by one hash join,
		// which a batch's hundred thousand cells keep in memory.
		if _, err := tx.Exec(ctx, `SET LOCAL work_mem = '64MB'`); err != nil {
			return false, fmt.Errorf("statistics delta: %w", err)
		}
		if _, err := tx.Exec(ctx, `ANALYZE stat_delta`); err != nil {
			return false, fmt.Errorf("statistics delta: %w", err)
		}
		// One join moves the cells that exist, drops those left counting
		// nothing and adds the new ones (at metro scale 1.4 s for 128,000
		// cells, against 2.0 s for an UPDATE, an INSERT and a DELETE each
		// joining the delta). The cell keys are sums modulo 2^32, as uint32
		// adds them. Writers hold statWriteLock: no other inserts a cell
		// meanwhile.
		if _, err := tx.Exec(ctx, `MERGE INTO stat_cells c USING stat_delta d
			ON c.build_id = $1 AND c.measure = d.measure AND c.dims = d.dims AND c.keys = d.keys
			WHEN MATCHED AND c.people + d.people = 0 AND abs(c.value + d.value) < 1e-6 THEN DELETE
			WHEN MATCHED THEN UPDATE SET value = c.value + d.value, people = c.people + d.people,
				cell_key = (c.cell_key + d.cell_key) % 4294967296, sumsq = c.sumsq + d.sumsq
			WHEN NOT MATCHED AND (d.people <> 0 OR abs(d.value) >= 1e-6) THEN INSERT (build_id, measure, dims, keys, value, people, cell_key, sumsq)
				VALUES ($1, d.measure, d.dims, d.keys, d.value, d.people, d.cell_key, d.sumsq)`, build); err != nil {
			return false, fmt.Errorf("statistics delta: %w", err)
		}
	}
	// stat_builds.cells stays what the build counted, like suppressed.
	_, err := tx.Exec(ctx, `UPDATE stat_builds SET as_of = greatest(as_of, clock_timestamp()) WHERE id = $1`, build)
	return err == nil, err
}
