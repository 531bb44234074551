-- +goose Up
-- A batch's statistics move most cells of a build in one statement
-- (postgres/statistics_delta.go). With every page full and an index whose
-- predicate reads people, each moved cell wrote a new row version and a
-- new entry in both indexes. Room on each page and an index on a stored
-- flag instead let PostgreSQL update a cell in its page (a heap-only
-- tuple) unless the cell crosses into or out of the small range: a
-- quarter of the time and of the WAL, measured in BENCHMARKS.md.
ALTER TABLE stat_cells SET (fillfactor = 50);
-- The cells that may be suppressed: 1 to 14 people (hub.MaxSuppressedPeople).
ALTER TABLE stat_cells ADD COLUMN small boolean GENERATED ALWAYS AS (people BETWEEN 1 AND 14) STORED;
DROP INDEX stat_cells_small_idx;
CREATE INDEX stat_cells_small_idx ON stat_cells (build_id, measure, dims) WHERE small;
-- Batches write their cells with one MERGE, which counts no additions and
-- removals apart: the build keeps the count it was built with.
COMMENT ON COLUMN stat_builds.cells IS 'cells when the build was counted (deltas do not recount it)';

-- +goose Down
DROP INDEX stat_cells_small_idx;
ALTER TABLE stat_cells DROP COLUMN small;
CREATE INDEX stat_cells_small_idx ON stat_cells (build_id, measure, dims) WHERE people BETWEEN 1 AND 14;
ALTER TABLE stat_cells RESET (fillfactor);
