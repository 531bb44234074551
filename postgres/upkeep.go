package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// Upkeep of the record tables' planner statistics and visibility maps.
//
// A feed load changes a large share of a table at once. Until the table is
// analyzed again the planner still believes its old size: after the first
// load of 300,000 volunteers it sums 50 volunteers' hours with a parallel
// scan of every participation (300 ms) instead of an index scan (0.5 ms).
// Autovacuum would analyze it within a minute or so, where it runs, but it
// may be switched off or slowed by the server's configuration, and a
// dashboard should not wait for it. So after a batch the workers apply
// autovacuum's own rule (PostgreSQL's defaults, or the table's settings) to the record tables
// themselves: a table with more than 50 + 10% changed rows since its last
// analyze is analyzed; one with more than 1,000 + 20% inserted or dead rows
// since its last vacuum is vacuumed too, which also lets counts use
// index-only scans. SKIP_LOCKED leaves a table that autovacuum (or another
// worker) is already on.

// A table's own autovacuum settings (the reloptions
// autovacuum_{vacuum,analyze}_{threshold,scale_factor}) replace the
// defaults, for the workers as for autovacuum: stat_cells sets scale
// factors of 2 (migration 00018), since every batch moves about half of
// its cells and the rule vacuumed it after every batch (0.4–0.8 s each,
// 6–7 s of a metro load) though its updates stay in their pages.
//
// upkeepTables are the tables a feed changes.
var upkeepTables = []string{
	"organizations", "projects", "volunteers", "participations", "volunteer_organizations",
	"un_placements", "indicators", "provenance", "volunteer_identities", "volunteer_personal", "search_outbox", "stat_cells", "record_changes",
}

// TableUpkeep is what Upkeep did to one table.
type TableUpkeep struct {
	Table    string
	Vacuumed bool // VACUUM (ANALYZE); otherwise ANALYZE alone
	Took     time.Duration
}

// Upkeep analyzes (and where due vacuums) the record tables that changed
// enough since PostgreSQL last did; see the comment above.
func (db *DB) Upkeep(ctx context.Context) ([]TableUpkeep, error) {
	// Fold the change log the count cache reads (counts.go) to its newest
	// row; the next count of each filter misses once.
	if _, err := db.Pool.Exec(ctx, `
		DELETE FROM record_changes WHERE id < (SELECT max(id) FROM record_changes)
			AND (SELECT count(*) > 1000 FROM record_changes)`); err != nil {
		return nil, fmt.Errorf("upkeep: fold record_changes: %w", err)
	}
	rows, err := db.Pool.Query(ctx, `
		SELECT s.relname,
			s.n_ins_since_vacuum + s.n_dead_tup > f.vacuum_base + f.vacuum * greatest(c.reltuples, 0) AS vacuum
		FROM pg_stat_user_tables s JOIN pg_class c ON c.oid = s.relid
			CROSS JOIN LATERAL (SELECT
				coalesce(max(o.option_value) FILTER (WHERE o.option_name = 'autovacuum_vacuum_threshold'), '1000')::float8 AS vacuum_base,
				coalesce(max(o.option_value) FILTER (WHERE o.option_name = 'autovacuum_vacuum_scale_factor'), '0.2')::float8 AS vacuum,
				coalesce(max(o.option_value) FILTER (WHERE o.option_name = 'autovacuum_analyze_threshold'), '50')::float8 AS analyze_base,
				coalesce(max(o.option_value) FILTER (WHERE o.option_name = 'autovacuum_analyze_scale_factor'), '0.1')::float8 AS analyze
				FROM pg_options_to_table(c.reloptions) o) f
		WHERE s.schemaname = current_schema() AND s.relname = ANY($1)
			AND (s.n_mod_since_analyze > f.analyze_base + f.analyze * greatest(c.reltuples, 0)
				OR s.n_ins_since_vacuum + s.n_dead_tup > f.vacuum_base + f.vacuum * greatest(c.reltuples, 0))
		ORDER BY 1`, upkeepTables)
	if err != nil {
		return nil, fmt.Errorf("upkeep: read table statistics: %w", err)
	}
	due, err := pgx.CollectRows(rows, pgx.RowToStructByPos[struct {
		Table  string
		Vacuum bool
	}])
	if err != nil {
		return nil, fmt.Errorf("upkeep: read table statistics: %w", err)
	}
	var done []TableUpkeep
	for _, t := range due {
		start := time.Now()
		sql := "ANALYZE (SKIP_LOCKED) " + pgx.Identifier{t.Table}.Sanitize()
		if t.Vacuum {
			sql = "VACUUM (ANALYZE, SKIP_LOCKED) " + pgx.Identifier{t.Table}.Sanitize()
		}
		if _, err := db.Pool.Exec(ctx, sql); err != nil {
			return done, fmt.Errorf("upkeep: %s: %w", sql, err)
		}
		done = append(done, TableUpkeep{Table: t.Table, Vacuumed: t.Vacuum, Took: time.Since(start)})
	}
	return done, nil
}
