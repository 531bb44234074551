-- +goose Up
-- API keys: a role each (platform keys bound to one source). Only the
-- token's SHA-256 is kept, plus a short prefix operators recognize a key
-- by. Revoked keys stay, with their names, for the record of who had access.
CREATE TABLE api_keys (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name         text NOT NULL UNIQUE CHECK (name ~ '^[a-z0-9][a-z0-9._-]{0,62}$'),
    role         text NOT NULL CHECK (role IN ('researcher', 'dashboard', 'platform', 'admin')),
    source_id    bigint REFERENCES sources (id),
    token_hash   bytea NOT NULL UNIQUE,
    prefix       text NOT NULL,
    created_at   timestamptz NOT NULL,
    last_used_at timestamptz,
    revoked_at   timestamptz,
    CHECK ((role = 'platform') = (source_id IS NOT NULL))
);
CREATE INDEX api_keys_source_idx ON api_keys (source_id) WHERE source_id IS NOT NULL;

-- +goose Down
DROP TABLE api_keys;
