package postgres

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"slices"
	"strconv"

	"github.com/jackc/pgx/v5"

	hub "github.com/birgemiz/hub"
)

// The rollup counts a measure's whole lattice in one pass over its facts,
// instead of one GROUP BY per set of dimensions: at national scale (5
// million participations, some 90 sets of dimensions) that is minutes
// instead of most of an hour. Facts arrive ordered by the person (or
// record) they are about, so people are counted as distinct by noting,
// per person, the cells they touch; no cell keeps a set of people.
// LiveCells still counts with GROUP BY, and a test compares the two.

// stream is a measure's facts: one row per fact, ordered by group (the
// person, or the record when the measure does not count people), with
// the fact's value and a column per dimension of hub.MeasureDimensions,
// in that order. Every column is text; a dimension with several values
// per fact (directions, sources, organization kinds) joins them with \x1f.
type stream struct {
	sql   string // ends in its WHERE clause
	order bool   // a group's facts may be on several rows: ORDER BY the group
	multi map[hub.Dimension]bool
	// groups is the condition that keeps the facts of some groups only:
	// $1 the records' ids, and $2 and $3 as statDelta.restricted says.
	groups string
}

// query is the stream's SELECT, restricted by the condition cond unless it
// is empty.
func (st stream) query(cond string) string {
	q := st.sql
	if cond != "" {
		q += " AND (" + cond + ")"
	}
	if st.order {
		q += " ORDER BY 1"
	}
	return q
}

const sep = "\x1f"

// participationPerson is the person a participation (pa) counts for: its
// volunteer, or, before the volunteer arrives, its source and reference.
const participationPerson = `coalesce(pa.volunteer_id::text, pa.source_id || '/' || pa.volunteer_ref)`

func joined(array string) string { return "array_to_string(" + array + ", E'\\x1f')" }

func sourcesOf(recordType, idExpr string) string {
	return joined(fmt.Sprintf(`ARRAY(SELECT src.name FROM provenance spv JOIN sources src ON src.id = spv.source_id
		WHERE spv.record_type = '%s' AND spv.record_id = %s AND spv.deleted_at IS NULL)`, recordType, idExpr))
}

func streams(year int) map[hub.Measure]stream {
	period := func(date string) string {
		return "to_char(" + date + ", 'YYYY'), to_char(" + date + ", 'YYYY-MM')"
	}
	projectCols := func(value, where string) string {
		return `SELECT pr.id::text, ` + value + `, pr.region_code, ` + joined("pr.directions") + `, ` + period("pr.start_date") + `,
			org.kind, ` + sourcesOf("project", "pr.id") + `
			FROM projects pr LEFT JOIN organizations org ON org.id = pr.organization_id AND org.deleted_at IS NULL
			WHERE pr.deleted_at IS NULL` + where
	}
	multi := func(ds ...hub.Dimension) map[hub.Dimension]bool {
		m := map[hub.Dimension]bool{}
		for _, d := range ds {
			m[d] = true
		}
		return m
	}
	return map[hub.Measure]stream{
		// REGION, DIRECTION, YEAR, MONTH, ORGANIZATION_KIND, GENDER, AGE_BAND, SOURCE
		hub.MeasureVolunteers: {multi: multi(hub.DimDirection, hub.DimOrganizationKind, hub.DimSource), groups: "v.id = ANY($1::bigint[])", sql: `
			SELECT v.id::text, '1', v.region_code, ` + joined("v.directions") + `, ` + period("v.registered_at") + `,
				` + joined(`ARRAY(SELECT org.kind FROM volunteer_organizations vo
					JOIN organizations org ON org.id = vo.organization_id AND org.deleted_at IS NULL WHERE vo.volunteer_id = v.id)`) + `,
				v.gender, ` + ageBandSQL("v.birth_year", year) + `, ` + sourcesOf("volunteer", "v.id") + `
			FROM volunteers v WHERE v.deleted_at IS NULL`},
		// The same dimensions, of the project and the participation. A
		// participation whose volunteer has not arrived yet is a person of
		// its own, named by its source and reference.
		hub.MeasureVolunteerHours: {multi: multi(hub.DimDirection), order: true,
			// The participations' ids first, each kind by its index: an OR
			// of the two, or the pairs' subquery, plans as a scan of every
			// participation.
			groups: `pa.id = ANY(ARRAY(SELECT x.id FROM participations x WHERE x.volunteer_id = ANY($1::bigint[])
				UNION ALL SELECT x.id FROM unnest($2::bigint[], $3::text[]) r (source_id, ref)
					JOIN participations x ON x.volunteer_id IS NULL AND x.source_id = r.source_id AND x.volunteer_ref = r.ref))`, sql: `
			SELECT ` + participationPerson + `, pa.hours::text,
				pr.region_code, ` + joined("pr.directions") + `, ` + period("coalesce(pa.start_date, pr.start_date)") + `,
				org.kind, coalesce(gv.gender, 'UNKNOWN'), ` + ageBandSQL("gv.birth_year", year) + `, src.name
			FROM participations pa
			JOIN projects pr ON pr.id = pa.project_id AND pr.deleted_at IS NULL
			LEFT JOIN organizations org ON org.id = pr.organization_id AND org.deleted_at IS NULL
			LEFT JOIN volunteers gv ON gv.id = pa.volunteer_id AND gv.deleted_at IS NULL
			JOIN sources src ON src.id = pa.source_id
			WHERE pa.deleted_at IS NULL AND pa.hours > 0`},
		// YEAR, MONTH, COUNTRY, GENDER, AGE_BAND, SOURCE
		hub.MeasureUNPlacements: {multi: multi(hub.DimSource), order: true,
			groups: "u.volunteer_id = ANY($1::bigint[]) OR (u.volunteer_id IS NULL AND u.id = ANY($2::bigint[]))", sql: `
			SELECT coalesce(u.volunteer_id::text, 'u' || u.id), '1', ` + period("u.start_date") + `, u.country,
				coalesce(gv.gender, 'UNKNOWN'), ` + ageBandSQL("gv.birth_year", year) + `, ` + sourcesOf("un_placement", "u.id") + `
			FROM un_placements u LEFT JOIN volunteers gv ON gv.id = u.volunteer_id AND gv.deleted_at IS NULL
			WHERE u.deleted_at IS NULL`},
		// REGION, DIRECTION, YEAR, MONTH, ORGANIZATION_KIND, SOURCE
		hub.MeasureOrganizations: {multi: multi(hub.DimDirection, hub.DimSource), groups: "o.id = ANY($1::bigint[])", sql: `
			SELECT o.id::text, '1', o.region_code, ` + joined("o.directions") + `, ` + period("o.founded") + `, o.kind,
				` + sourcesOf("organization", "o.id") + `
			FROM organizations o WHERE o.deleted_at IS NULL`},
		hub.MeasureProjects: {multi: multi(hub.DimDirection, hub.DimSource), groups: "pr.id = ANY($1::bigint[])",
			sql: projectCols("'1'", "")},
		hub.MeasureBeneficiaries: {multi: multi(hub.DimDirection, hub.DimSource), groups: "pr.id = ANY($1::bigint[])",
			sql: projectCols("pr.beneficiaries::text", " AND pr.beneficiaries > 0")},
	}
}

// cellAgg is one cell being counted.
type cellAgg struct {
	value  float64
	people int
	key    uint32  // the sum of its people's record keys
	sumSq  float64 // the sum of the squares of each person's value in it
}

// lattice counts one measure's cells.
type lattice struct {
	m     hub.Measure
	dims  []hub.Dimension  // the measure's, in stream column order
	sets  [][]int          // each set of dimensions, as indexes into dims
	codes []map[string]int // per dimension: value → code (from 1)
	names [][]string       // per dimension: code → value
	// cells hold their counts by value: a map without pointers is not
	// scanned by the garbage collector, and a national load keeps hundreds
	// of thousands of cells per batch (a pointer each cost the load more
	// than half of its CPU in marking).
	cells map[uint64]cellAgg
	// setDims is each set's dimensions (made on first use).
	setDims [][]hub.Dimension
	// touched is the cells the current group reached, with the value it
	// adds to each; flushed into cells when the group ends.
	touched map[uint64]float64
}

func newLattice(m hub.Measure) *lattice {
	l := &lattice{m: m, dims: hub.MeasureDimensions[m], cells: map[uint64]cellAgg{}, touched: map[uint64]float64{}}
	for _, set := range DimensionSets(l.dims) {
		idx := make([]int, len(set))
		for i, d := range set {
			idx[i] = slices.Index(l.dims, d)
		}
		l.sets = append(l.sets, idx)
	}
	l.codes = make([]map[string]int, len(l.dims))
	l.names = make([][]string, len(l.dims))
	for i := range l.dims {
		l.codes[i] = map[string]int{}
		l.names[i] = []string{""}
	}
	return l
}

// key packs a set index and up to three value codes.
func key(set int, codes [3]int) uint64 {
	return uint64(set)<<48 | uint64(codes[0])<<32 | uint64(codes[1])<<16 | uint64(codes[2])
}

func (l *lattice) code(dim int, v []byte) int {
	if c, ok := l.codes[dim][string(v)]; ok {
		return c
	}
	c := len(l.names[dim])
	if c >= 1<<16 {
		panic(fmt.Sprintf("statistics: more than %d values of %s", 1<<16-1, l.dims[dim]))
	}
	s := string(v)
	l.codes[dim][s] = c
	l.names[dim] = append(l.names[dim], s)
	return c
}

// add records one fact: its value reaches, in every set of dimensions,
// the cells of each combination of its values.
func (l *lattice) add(value float64, vals [][]int) {
	for si, set := range l.sets {
		var codes [3]int
		l.reach(si, set, vals, 0, &codes, value)
	}
}

// reach adds value to every combination of vals over set from position i
// on, codes holding the values chosen before i. (A method rather than a
// closure: this runs for every fact and every set of dimensions.)
func (l *lattice) reach(si int, set []int, vals [][]int, i int, codes *[3]int, value float64) {
	if i == len(set) {
		l.touched[key(si, *codes)] += value
		return
	}
	for _, c := range vals[set[i]] {
		codes[i] = c
		l.reach(si, set, vals, i+1, codes, value)
	}
}

// endGroup counts the group that just ended, whose record key is key, once
// in every cell it reached: into the cells with sign +1, out of them with
// -1 (a delta's old facts).
func (l *lattice) endGroup(key uint32, sign int) {
	for k, v := range l.touched {
		a := l.cells[k]
		a.value += float64(sign) * v
		a.people += sign
		a.key += uint32(sign) * key
		a.sumSq += float64(sign) * v * v
		l.cells[k] = a
	}
	clear(l.touched)
}

// result returns the counted cells (those with a value).
func (l *lattice) result() []*hub.Cell {
	out := make([]*hub.Cell, 0, len(l.cells))
	for k, a := range l.cells {
		if a.value == 0 {
			continue
		}
		out = append(out, l.cell(k, a))
	}
	return out
}

// cell is the cell of key k, counted a.
func (l *lattice) cell(k uint64, a cellAgg) *hub.Cell {
	si := int(k >> 48)
	set := l.sets[si]
	if l.setDims == nil {
		l.setDims = make([][]hub.Dimension, len(l.sets))
		for i, set := range l.sets {
			for _, d := range set {
				l.setDims[i] = append(l.setDims[i], l.dims[d])
			}
		}
	}
	c := &hub.Cell{Measure: l.m, Dims: l.setDims[si], Keys: make([]string, len(set)), Value: a.value, Key: a.key, SumSq: a.sumSq}
	for i, d := range set {
		c.Keys[i] = l.names[d][(k>>(32-16*i))&0xffff]
	}
	switch {
	case l.m.CountsPeople():
		c.People = a.people
	case l.m == hub.MeasureBeneficiaries:
		// The beneficiaries are the people (whole numbers, so a change's
		// rounded sum is the change of the rounded sums).
		c.People = int(math.Round(a.value))
	}
	return c
}

// rollupCells counts measure m's lattice from its stream in tx; each group
// (person, or project) adds its record key, derived from secret, to the
// cells it reaches.
func rollupCells(ctx context.Context, tx pgx.Tx, m hub.Measure, st stream, secret []byte) ([]*hub.Cell, error) {
	l := newLattice(m)
	if err := l.count(ctx, tx, st, st.query(""), nil, hub.NewKeyer(secret), +1); err != nil {
		return nil, err
	}
	return l.result(), nil
}

// count counts the facts the stream query sql reads in q into the lattice,
// with sign +1, or out of it with -1.
func (l *lattice) count(ctx context.Context, q queryer, st stream, sql string, args []any, keyer *hub.Keyer, sign int) error {
	rows, err := q.Query(ctx, sql, args...)
	if err != nil {
		return fmt.Errorf("count %s: %w", l.m, err)
	}
	defer rows.Close()
	if err := l.countRows(st, func() [][]byte {
		if !rows.Next() {
			return nil
		}
		return rows.RawValues()
	}, keyer, sign); err != nil {
		return err
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("count %s: %w", l.m, err)
	}
	return nil
}

// countRows counts the facts next returns (nil after the last), in the
// stream's columns and order.
func (l *lattice) countRows(st stream, next func() [][]byte, keyer *hub.Keyer, sign int) error {
	m := l.m
	vals := make([][]int, len(l.dims))
	var group []byte
	first := true
	for raw := next(); raw != nil; raw = next() {
		if len(raw) != 2+len(l.dims) {
			return fmt.Errorf("count %s: %d columns, want %d", m, len(raw), 2+len(l.dims))
		}
		if first || !bytes.Equal(raw[0], group) {
			if !first {
				l.endGroup(groupKey(keyer, m, group), sign)
			}
			group, first = append(group[:0], raw[0]...), false
		}
		value, err := strconv.ParseFloat(string(raw[1]), 64)
		if err != nil {
			return fmt.Errorf("count %s: value %q: %w", m, raw[1], err)
		}
		for i, d := range l.dims {
			vals[i] = vals[i][:0]
			v := raw[2+i]
			if v == nil || len(v) == 0 {
				continue // no value: the fact is in no cell of this dimension
			}
			for _, part := range st.values(d, v) {
				if c := l.code(i, part); !slices.Contains(vals[i], c) {
					vals[i] = append(vals[i], c)
				}
			}
		}
		l.add(value, vals)
	}
	if !first {
		l.endGroup(groupKey(keyer, m, group), sign)
	}
	return nil
}

// values splits a fact's column of dimension d into its values: one, or
// several for a dimension with several values per fact.
func (st stream) values(d hub.Dimension, v []byte) [][]byte {
	if !st.multi[d] {
		return [][]byte{v}
	}
	return bytes.Split(v, []byte(sep))
}

// Fact is one row of a measure's facts, as the rollup counts them: the
// group it is about (a person; a project for BENEFICIARIES; the record for
// the measures of organizations and projects), its value, and its values
// of each of the measure's dimensions, in hub.MeasureDimensions order
// (none when it has no value; several for directions, sources and
// organization kinds).
type Fact struct {
	Group  string
	Value  float64
	Values [][]string
}

// Facts streams measure m's facts as of now, in one read-only
// transaction, grouped by Group as the rollup reads them: the per-person
// view that every cell sums.
func (s *StatisticsService) Facts(ctx context.Context, m hub.Measure, fn func(Fact) error) error {
	st := streams(s.db.Now().Year())[m]
	dims := hub.MeasureDimensions[m]
	return pgx.BeginTxFunc(ctx, s.db.Pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, st.query(""))
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			raw := rows.RawValues()
			f := Fact{Group: string(raw[0]), Values: make([][]string, len(dims))}
			if f.Value, err = strconv.ParseFloat(string(raw[1]), 64); err != nil {
				return fmt.Errorf("facts of %s: value %q: %w", m, raw[1], err)
			}
			for i, d := range dims {
				if v := raw[2+i]; len(v) > 0 {
					for _, part := range st.values(d, v) {
						if p := string(part); !slices.Contains(f.Values[i], p) {
							f.Values[i] = append(f.Values[i], p)
						}
					}
				}
			}
			if err := fn(f); err != nil {
				return err
			}
		}
		return rows.Err()
	})
}

// groupKey is the record key of a stream's group, for the measures whose
// cells are perturbed.
func groupKey(k *hub.Keyer, m hub.Measure, group []byte) uint32 {
	if !m.Protected() {
		return 0
	}
	return k.Key(m, group)
}
