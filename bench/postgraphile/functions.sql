-- Functions PostGraphile serves as GraphQL fields; the benchmark applies this
-- file to the hub's database (idempotent) before starting PostGraphile.
-- They change no table and are not part of the hub's schema.

-- Volunteer.totalHours: a computed column (first argument the table's row
-- type, name prefixed by the table's). The same sum as the hub's
-- VolunteerService.TotalHours: hours over the volunteer's live
-- participations, 0 when there are none.
CREATE OR REPLACE FUNCTION volunteers_total_hours(v volunteers) RETURNS double precision
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT coalesce(sum(pa.hours), 0)
    FROM participations pa
    WHERE pa.volunteer_id = v.id AND pa.deleted_at IS NULL
$$;

-- Query.projectsByIds: projects by a list of ids, in the order asked (the
-- hub's nodes(ids) answers in that order too); ids with no live project are
-- left out (the hub answers null in their place).
CREATE OR REPLACE FUNCTION projects_by_ids(ids bigint[]) RETURNS SETOF projects
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT p.*
    FROM unnest(ids) WITH ORDINALITY AS u(id, n)
    JOIN projects p ON p.id = u.id AND p.deleted_at IS NULL
    ORDER BY u.n
$$;
