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

CREATE TRIGGER organizations_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON organizations
    FOR EACH STATEMENT EXECUTE FUNCTION record_changed();
CREATE TRIGGER projects_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON projects
    FOR EACH STATEMENT EXECUTE FUNCTION record_changed();
CREATE TRIGGER volunteers_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON volunteers
    FOR EACH STATEMENT EXECUTE FUNCTION record_changed();
CREATE TRIGGER participations_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON participations
    FOR EACH STATEMENT EXECUTE FUNCTION record_changed();
CREATE TRIGGER volunteer_organizations_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON volunteer_organizations
    FOR EACH STATEMENT EXECUTE FUNCTION record_changed();
CREATE TRIGGER un_placements_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON un_placements
    FOR EACH STATEMENT EXECUTE FUNCTION record_changed();
CREATE TRIGGER indicators_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON indicators
    FOR EACH STATEMENT EXECUTE FUNCTION record_changed();
CREATE TRIGGER provenance_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON provenance
    FOR EACH STATEMENT EXECUTE FUNCTION record_changed();
CREATE TRIGGER sources_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON sources
    FOR EACH STATEMENT EXECUTE FUNCTION record_changed();

-- +goose Down
DROP TRIGGER sources_changed ON sources;
DROP TRIGGER provenance_changed ON provenance;
DROP TRIGGER indicators_changed ON indicators;
DROP TRIGGER un_placements_changed ON un_placements;
DROP TRIGGER volunteer_organizations_changed ON volunteer_organizations;
DROP TRIGGER participations_changed ON participations;
DROP TRIGGER volunteers_changed ON volunteers;
DROP TRIGGER projects_changed ON projects;
DROP TRIGGER organizations_changed ON organizations;
DROP FUNCTION record_changed();
DROP TABLE record_changes;
