-- +goose Up
-- Cell-key perturbation (disclosure.go in the root package): every cell
-- keeps the sum of its people's record keys and the sum of the squares of
-- their contributions, so that its published value can be perturbed the
-- same way every time. Suppression is decided when a cell is read, from
-- the cell and its ancestors, so the suppressed column goes.
ALTER TABLE stat_cells DROP COLUMN suppressed;
ALTER TABLE stat_cells ADD COLUMN cell_key bigint NOT NULL DEFAULT 0;
ALTER TABLE stat_cells ADD COLUMN sumsq double precision NOT NULL DEFAULT 0;
-- The cells of a set that may be suppressed (1 to 14 people,
-- hub.MaxSuppressedPeople), read for every answer below them.
CREATE INDEX stat_cells_small_idx ON stat_cells (build_id, measure, dims) WHERE people BETWEEN 1 AND 14;
-- Builds counted without keys cannot be perturbed: the next query rebuilds.
DELETE FROM stat_builds;

-- The secret the record keys are derived from (HMAC-SHA256 of the person's
-- id): 244 random bits. Whoever reads it can undo the perturbation, so it
-- is for the hub only, like the records themselves.
CREATE TABLE stat_secret (
    id     boolean PRIMARY KEY DEFAULT true CHECK (id),
    secret bytea NOT NULL
);
INSERT INTO stat_secret (secret)
VALUES (decode(replace(gen_random_uuid()::text || gen_random_uuid()::text, '-', ''), 'hex'));

-- +goose Down
DROP TABLE stat_secret;
DROP INDEX stat_cells_small_idx;
DELETE FROM stat_builds;
ALTER TABLE stat_cells DROP COLUMN sumsq;
ALTER TABLE stat_cells DROP COLUMN cell_key;
ALTER TABLE stat_cells ADD COLUMN suppressed boolean NOT NULL DEFAULT false;
