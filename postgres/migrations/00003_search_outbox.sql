-- +goose Up
-- Changes to searchable records (projects, organizations, UN placements),
-- written in the same transaction as the change; the search:sync task
-- drains them into the search engine.
CREATE TABLE search_outbox (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    record_type text        NOT NULL,
    record_id   bigint      NOT NULL,
    queued_at   timestamptz NOT NULL DEFAULT now()
);

-- +goose Down
DROP TABLE search_outbox;
