-- +goose Up
-- Who read which volunteer's personal data, and when. A row is written in
-- the statement that reads the data, before it is returned. The log is
-- append-only: the hub never updates or deletes a row, and the trigger
-- below refuses anyone who tries.
CREATE TABLE personal_access_log (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at           timestamptz NOT NULL,
    key_name     text NOT NULL,
    role         text NOT NULL,
    -- no foreign key: the log outlives what it names
    volunteer_id bigint NOT NULL,
    -- the fields the read asked for (VolunteerPersonalField names); none: only whether there is a personal part
    fields       text[] NOT NULL
);
CREATE INDEX personal_access_log_volunteer_idx ON personal_access_log (volunteer_id, id);
CREATE INDEX personal_access_log_key_idx ON personal_access_log (key_name, id);
CREATE INDEX personal_access_log_at_idx ON personal_access_log (at);

-- +goose StatementBegin
CREATE FUNCTION personal_access_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'personal_access_log is append-only';
END $$;
-- +goose StatementEnd
CREATE TRIGGER personal_access_log_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON personal_access_log
    FOR EACH STATEMENT EXECUTE FUNCTION personal_access_log_append_only();

-- +goose Down
DROP TABLE personal_access_log;
DROP FUNCTION personal_access_log_append_only();
