-- +goose Up
-- The statistics follow the records incrementally (postgres/statistics_delta.go):
-- a transaction that changes counted records moves the current build's cells
-- and stamps its as_of. counted_at is the snapshot a rebuild counted, which
-- deltas do not move.
ALTER TABLE stat_builds ADD COLUMN counted_at timestamptz;
UPDATE stat_builds SET counted_at = as_of;
ALTER TABLE stat_builds ALTER COLUMN counted_at SET NOT NULL;
COMMENT ON COLUMN stat_builds.as_of IS 'the latest change of the records the cells count';
COMMENT ON COLUMN stat_builds.suppressed IS 'cells of 1 to 9 people when the build was counted (deltas do not recount it)';

-- When records last changed without a build to move (none yet, or one of
-- another year): a build counted before that is stale.
CREATE TABLE stat_state (
    id           boolean PRIMARY KEY DEFAULT true CHECK (id),
    uncounted_at timestamptz
);
-- Builds from before deltas may not count the latest changes: count again.
INSERT INTO stat_state (uncounted_at) VALUES (now());

-- Chunks of a batch whose statistics are counted but not written yet: the
-- batch's finish writes them (postgres/statistics_pending.go).
ALTER TABLE batches ADD COLUMN stat_chunks integer NOT NULL DEFAULT 0;

-- +goose Down
ALTER TABLE batches DROP COLUMN stat_chunks;
DROP TABLE stat_state;
ALTER TABLE stat_builds DROP COLUMN counted_at;
