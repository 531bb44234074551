-- +goose Up
-- Every batch moves about half of the statistics cells, in their own pages
-- (fillfactor 50, migration 00016): vacuum and analyze them when twice
-- their number changed, not after every batch. Autovacuum reads these, and
-- so does the workers' upkeep (postgres/upkeep.go).
ALTER TABLE stat_cells SET (autovacuum_vacuum_scale_factor = 2.0, autovacuum_analyze_scale_factor = 2.0);

-- +goose Down
ALTER TABLE stat_cells RESET (autovacuum_vacuum_scale_factor, autovacuum_analyze_scale_factor);
