package postgres

import (
	"context"
	"fmt"
	"math"
	"strings"

	"github.com/jackc/pgx/v5"

	hub "github.com/birgemiz/hub"
)

// maxCheckExamples bounds the cells a check names per measure.
const maxCheckExamples = 10

// CheckStatistics counts every measure's lattice afresh and compares it
// with the current build's cells, cell by cell, in one read-only snapshot:
// the build's row, its cells and the count all see the same records. A
// value or sum of squares may differ by rounding (1e-9 of it, at least
// 1e-6); the number of people and the cell key must be equal.
func (s *StatisticsService) CheckStatistics(ctx context.Context) (*hub.StatisticsCheck, error) {
	check := &hub.StatisticsCheck{}
	err := pgx.BeginTxFunc(ctx, s.db.Pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		var secret []byte
		if err := tx.QueryRow(ctx, `SELECT now(), (SELECT secret FROM stat_secret)`).Scan(&check.CountedAt, &secret); err != nil {
			return err
		}
		err := tx.QueryRow(ctx, `SELECT id, as_of, `+buildStale+` FROM stat_builds b WHERE is_current`, check.CountedAt.Year()).
			Scan(&check.BuildID, &check.AsOf, &check.Stale)
		if err == pgx.ErrNoRows {
			check.Stale = true
		} else if err != nil {
			return err
		}
		stored, err := storedCells(ctx, tx, check.BuildID)
		if err != nil {
			return err
		}
		ss := streams(check.CountedAt.Year())
		for _, m := range hub.Measures {
			counted, err := rollupCells(ctx, tx, m, ss[m], secret)
			if err != nil {
				return err
			}
			check.Measures = append(check.Measures, compareCells(m, stored[m], counted))
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("check statistics: %w", err)
	}
	return check, nil
}

// storedCells reads a build's cells, by measure and then by cellName.
func storedCells(ctx context.Context, tx pgx.Tx, buildID int64) (map[hub.Measure]map[string]*hub.Cell, error) {
	out := map[hub.Measure]map[string]*hub.Cell{}
	rows, err := tx.Query(ctx, `SELECT measure, dims, keys, value, people, cell_key, sumsq FROM stat_cells WHERE build_id = $1`, buildID)
	if err != nil {
		return nil, err
	}
	var m, dims string
	var keys []string
	var value, sumSq float64
	var people int
	var key int64
	_, err = pgx.ForEachRow(rows, []any{&m, &dims, &keys, &value, &people, &key, &sumSq}, func() error {
		c := &hub.Cell{Measure: hub.Measure(m), Keys: keys, Value: value, People: people, Key: uint32(key), SumSq: sumSq}
		if out[c.Measure] == nil {
			out[c.Measure] = map[string]*hub.Cell{}
		}
		out[c.Measure][cellName(dims, keys)] = c
		keys = nil // the next row scans into a new slice
		return nil
	})
	return out, err
}

// cellName names a cell within its measure, as stored: its dimensions'
// key and its values.
func cellName(dims string, keys []string) string {
	return dims + "=" + strings.Join(keys, "|")
}

// compareCells compares measure m's stored cells (by cellName) with the
// counted ones.
func compareCells(m hub.Measure, stored map[string]*hub.Cell, counted []*hub.Cell) hub.MeasureCheck {
	mc := hub.MeasureCheck{Measure: m, Stored: len(stored), Counted: len(counted)}
	example := func(format string, args ...any) {
		if len(mc.Examples) < maxCheckExamples {
			mc.Examples = append(mc.Examples, fmt.Sprintf(format, args...))
		}
	}
	seen := make(map[string]bool, len(counted))
	for _, c := range counted {
		name := cellName(dimsKey(c.Dims), c.Keys)
		seen[name] = true
		st, ok := stored[name]
		switch {
		case !ok:
			mc.Missing++
			example("missing %s %s: counted value %g, %d people", m, name, c.Value, c.People)
		case st.People != c.People || st.Key != c.Key || !near(st.Value, c.Value) || !near(st.SumSq, c.SumSq):
			mc.Different++
			example("different %s %s: stored value %g, %d people, key %d, sum of squares %g; counted %g, %d, %d, %g",
				m, name, st.Value, st.People, st.Key, st.SumSq, c.Value, c.People, c.Key, c.SumSq)
		}
	}
	for name, st := range stored {
		if !seen[name] {
			mc.Extra++
			example("extra %s %s: stored value %g, %d people", m, name, st.Value, st.People)
		}
	}
	return mc
}

// near reports whether a and b are equal but for rounding.
func near(a, b float64) bool {
	return math.Abs(a-b) <= math.Max(1e-6, 1e-9*math.Max(math.Abs(a), math.Abs(b)))
}
