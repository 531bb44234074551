-- +goose Up
-- Reconciliation: organizations match by BIN, else by a normalized name in
-- the same region; volunteers match by a keyed hash of their IIN or phone
-- (the raw identifier is never stored for matching, never returned).
ALTER TABLE organizations ADD COLUMN match_names text[] NOT NULL DEFAULT '{}';
CREATE INDEX organizations_match_names_idx ON organizations USING gin (match_names);

CREATE TABLE volunteer_identities (
    kind         text   NOT NULL CHECK (kind IN ('iin', 'phone')),
    hash         bytea  NOT NULL,
    volunteer_id bigint NOT NULL REFERENCES volunteers (id),
    PRIMARY KEY (kind, hash)
);
CREATE INDEX volunteer_identities_volunteer_idx ON volunteer_identities (volunteer_id);

-- Snapshots: which record types a batch held (a snapshot only deletes
-- records of those types) and how many records its sweep deleted.
ALTER TABLE batches
    ADD COLUMN types_seen text[] NOT NULL DEFAULT '{}',
    ADD COLUMN swept      integer NOT NULL DEFAULT 0,
    ADD COLUMN sweep_note text NOT NULL DEFAULT '';

CREATE INDEX provenance_sweep_idx ON provenance (source_id, record_type, last_seen) WHERE deleted_at IS NULL;

-- +goose Down
DROP INDEX provenance_sweep_idx;
ALTER TABLE batches DROP COLUMN types_seen, DROP COLUMN swept, DROP COLUMN sweep_note;
DROP TABLE volunteer_identities;
ALTER TABLE organizations DROP COLUMN match_names;
