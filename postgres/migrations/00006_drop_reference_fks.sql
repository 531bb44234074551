-- +goose Up
-- References between records are resolved by the applier through
-- provenance joins to rows that exist, and rows are never removed (deletes
-- are soft), so these foreign keys could never fire; they cost a trigger
-- call per reference per row, which on participations was most of a
-- batch's apply time.
ALTER TABLE participations DROP CONSTRAINT participations_volunteer_id_fkey,
    DROP CONSTRAINT participations_project_id_fkey, DROP CONSTRAINT participations_source_id_fkey;
ALTER TABLE projects DROP CONSTRAINT projects_organization_id_fkey, DROP CONSTRAINT projects_source_id_fkey;
ALTER TABLE volunteer_organizations DROP CONSTRAINT volunteer_organizations_organization_id_fkey,
    DROP CONSTRAINT volunteer_organizations_volunteer_id_fkey, DROP CONSTRAINT volunteer_organizations_source_id_fkey;
ALTER TABLE un_placements DROP CONSTRAINT un_placements_volunteer_id_fkey, DROP CONSTRAINT un_placements_source_id_fkey;
ALTER TABLE volunteers DROP CONSTRAINT volunteers_source_id_fkey;
ALTER TABLE organizations DROP CONSTRAINT organizations_source_id_fkey;
ALTER TABLE indicators DROP CONSTRAINT indicators_source_id_fkey;

-- +goose Down
ALTER TABLE participations ADD FOREIGN KEY (volunteer_id) REFERENCES volunteers (id),
    ADD FOREIGN KEY (project_id) REFERENCES projects (id), ADD FOREIGN KEY (source_id) REFERENCES sources (id);
ALTER TABLE projects ADD FOREIGN KEY (organization_id) REFERENCES organizations (id), ADD FOREIGN KEY (source_id) REFERENCES sources (id);
ALTER TABLE volunteer_organizations ADD FOREIGN KEY (organization_id) REFERENCES organizations (id),
    ADD FOREIGN KEY (volunteer_id) REFERENCES volunteers (id), ADD FOREIGN KEY (source_id) REFERENCES sources (id);
ALTER TABLE un_placements ADD FOREIGN KEY (volunteer_id) REFERENCES volunteers (id), ADD FOREIGN KEY (source_id) REFERENCES sources (id);
ALTER TABLE volunteers ADD FOREIGN KEY (source_id) REFERENCES sources (id);
ALTER TABLE organizations ADD FOREIGN KEY (source_id) REFERENCES sources (id);
ALTER TABLE indicators ADD FOREIGN KEY (source_id) REFERENCES sources (id);
