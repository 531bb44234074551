package postgres

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	hub "github.com/birgemiz/hub"
)

// CopyCeiling copies the staged form of recs into temporary tables with
// COPY and nothing else: no provenance, no upsert, no references. It is
// the ceiling a batch's apply is measured against (`hub ingest --stats`,
// the ingest benchmark), and returns how long the copy took.
func (s *BatchService) CopyCeiling(ctx context.Context, recs []*hub.FeedRecord) (time.Duration, error) {
	byType := map[hub.RecordType][][]any{}
	a := &applier{keys: s.db.Keys}
	for _, r := range recs {
		t := tables[r.Type]
		vals := make([]any, len(t.cols)+len(t.staged))
		if r.Op == hub.OpUpsert {
			vals = t.values(r, a)
		}
		byType[r.Type] = append(byType[r.Type], append([]any{r.ExternalID, r.UpdatedAt, r.Hash, r.Op == hub.OpDelete}, vals...))
	}
	start := time.Now()
	err := pgx.BeginFunc(ctx, s.db.Pool, func(tx pgx.Tx) error {
		for typ, rows := range byType {
			t := tables[typ]
			defs := []string{"ext_id text", "updated_at timestamptz", "hash bytea", "deleted boolean"}
			names := []string{"ext_id", "updated_at", "hash", "deleted"}
			for _, c := range append(t.cols[:len(t.cols):len(t.cols)], t.staged...) {
				defs = append(defs, c.name+" "+c.sqlType)
				names = append(names, c.name)
			}
			name := "ceiling_" + string(typ)
			if _, err := tx.Exec(ctx, `CREATE TEMP TABLE `+name+` (`+strings.Join(defs, ", ")+`) ON COMMIT DROP`); err != nil {
				return err
			}
			if _, err := tx.CopyFrom(ctx, pgx.Identifier{name}, names, pgx.CopyFromRows(rows)); err != nil {
				return fmt.Errorf("copy %s: %w", typ, err)
			}
		}
		return nil
	})
	return time.Since(start), err
}
