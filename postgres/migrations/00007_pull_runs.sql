-- +goose Up
-- Pull runs: the pages of one pull of a snapshot source are batches of one
-- run, and the run, not each page, sweeps what the source stopped listing:
-- once, after every page is stored and applied (a page alone is not the
-- catalogue). pages stays NULL until the puller has stored the last page.
CREATE TABLE pull_runs (
    id         uuid PRIMARY KEY,
    source_id  bigint NOT NULL REFERENCES sources (id),
    started_at timestamptz NOT NULL,
    grace      interval NOT NULL,
    pages      integer,
    settled_at timestamptz,
    swept      integer NOT NULL DEFAULT 0,
    sweep_note text NOT NULL DEFAULT ''
);
CREATE INDEX pull_runs_source_idx ON pull_runs (source_id, started_at);

ALTER TABLE batches ADD COLUMN pull_run_id uuid REFERENCES pull_runs (id);
CREATE INDEX batches_pull_run_idx ON batches (pull_run_id) WHERE pull_run_id IS NOT NULL;

-- +goose Down
DROP INDEX batches_pull_run_idx;
ALTER TABLE batches DROP COLUMN pull_run_id;
DROP TABLE pull_runs;
