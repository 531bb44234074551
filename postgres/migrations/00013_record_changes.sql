-- +goose Up
-- A row per statement that writes a table the API counts over. The set of
-- rows a snapshot sees names the data it sees, so a count cached with that
-- set's fingerprint is exact for as long as the fingerprint holds
-- (postgres/counts.go). Rows are appended, never updated, so concurrent
-- writers do not wait on each other; upkeep folds old rows away.
CREATE TABLE record_changes (
    id bigserial PRIMARY KEY
);

-- +goose StatementBegin
CREATE FUNCTION record_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO record_changes DEFAULT VALUES;
    RETURN NULL;
END
$$;
-- +goose StatementEnd

-- +goose StatementBegin
DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['organizations', 'projects', 'volunteers', 'participations', 'volunteer_organizations', 'un_placements', 'indicators', 'provenance', 'sources'] LOOP
        EXECUTE format('CREATE TRIGGER %I AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON %I
            FOR EACH STATEMENT EXECUTE FUNCTION record_changed()', t || '_changed', t);
    END LOOP;
END
$$;
-- +goose StatementEnd

-- +goose Down
-- +goose StatementBegin
DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['organizations', 'projects', 'volunteers', 'participations', 'volunteer_organizations', 'un_placements', 'indicators', 'provenance', 'sources'] LOOP
        EXECUTE format('DROP TRIGGER %I ON %I', t || '_changed', t);
    END LOOP;
END
$$;
-- +goose StatementEnd
DROP FUNCTION record_changed();
DROP TABLE record_changes;
