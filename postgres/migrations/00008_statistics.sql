-- +goose Up
-- Statistics rollups: every cell of every measure's lattice (each set of up
-- to three dimensions, each combination of their values), computed from one
-- snapshot of the records by a worker after batches apply, with the
-- disclosure control decided over the whole lattice. Queries read the
-- current build; a new build is written beside it and swapped in.
CREATE TABLE stat_builds (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    as_of       timestamptz NOT NULL, -- the snapshot the cells were counted in
    finished_at timestamptz,
    cells       integer NOT NULL DEFAULT 0,
    suppressed  integer NOT NULL DEFAULT 0,
    is_current  boolean NOT NULL DEFAULT false
);
CREATE UNIQUE INDEX stat_builds_current_idx ON stat_builds (is_current) WHERE is_current;

CREATE TABLE stat_cells (
    build_id   bigint NOT NULL REFERENCES stat_builds (id) ON DELETE CASCADE,
    measure    text   NOT NULL,
    dims       text   NOT NULL, -- dimension names in canonical order, joined by ','; '' for the grand total
    keys       text[] NOT NULL, -- a value per dimension
    value      double precision NOT NULL,
    people     integer NOT NULL, -- distinct people counted (people measures), 0 otherwise
    suppressed boolean NOT NULL,
    PRIMARY KEY (build_id, measure, dims, keys)
);

-- +goose Down
DROP TABLE stat_cells;
DROP TABLE stat_builds;
