-- +goose Up
-- Sources' credentials (the bearer token hashed, the webhook secret
-- encrypted; the previous pair stays valid until prev_valid_until during a
-- rotation), their own category words, their pull configuration and status.
ALTER TABLE sources
    ADD COLUMN token_hash        bytea UNIQUE,
    ADD COLUMN secret_sealed     bytea,
    ADD COLUMN prev_token_hash   bytea UNIQUE,
    ADD COLUMN prev_secret_sealed bytea,
    ADD COLUMN prev_valid_until  timestamptz,
    ADD COLUMN categories        jsonb NOT NULL DEFAULT '{}',
    ADD COLUMN pull_url          text,
    ADD COLUMN pull_format       text,
    ADD COLUMN pull_record_type  text,
    ADD COLUMN pull_schedule     text,
    ADD COLUMN pull_mode         text,
    ADD COLUMN pull_grace        interval,
    ADD COLUMN pull_cursor       text NOT NULL DEFAULT '',
    ADD COLUMN last_success_at   timestamptz,
    ADD COLUMN last_error        text NOT NULL DEFAULT '',
    ADD COLUMN last_error_at     timestamptz,
    ADD COLUMN next_run_at       timestamptz;

ALTER TABLE batches
    ADD COLUMN record_type text NOT NULL DEFAULT '',
    ADD COLUMN mode        text NOT NULL DEFAULT 'delta' CHECK (mode IN ('delta', 'snapshot')),
    ADD COLUMN webhook_id  text;
CREATE UNIQUE INDEX batches_webhook_idx ON batches (source_id, webhook_id) WHERE webhook_id IS NOT NULL;

-- +goose Down
DROP INDEX batches_webhook_idx;
ALTER TABLE batches DROP COLUMN record_type, DROP COLUMN mode, DROP COLUMN webhook_id;
ALTER TABLE sources DROP COLUMN token_hash, DROP COLUMN secret_sealed, DROP COLUMN prev_token_hash,
    DROP COLUMN prev_secret_sealed, DROP COLUMN prev_valid_until, DROP COLUMN categories, DROP COLUMN pull_url,
    DROP COLUMN pull_format, DROP COLUMN pull_record_type, DROP COLUMN pull_schedule, DROP COLUMN pull_mode,
    DROP COLUMN pull_grace, DROP COLUMN pull_cursor, DROP COLUMN last_success_at, DROP COLUMN last_error,
    DROP COLUMN last_error_at, DROP COLUMN next_run_at;
