-- VOLUNTEERS and VOLUNTEER_HOURS by REGION × DIRECTION over the raw tables,
-- counted the way docs/statistics.md defines them: distinct live volunteers
-- by their region and each of their directions; hours of live
-- participations (hours > 0) of live projects by the project's region and
-- each of its directions. No rollups, no protection.
SELECT 'VOLUNTEERS' AS measure, ARRAY[v.region_code, dir.code] AS keys, count(DISTINCT v.id)::float8 AS value
FROM volunteers v
CROSS JOIN LATERAL unnest(v.directions) dir(code)
WHERE v.deleted_at IS NULL
GROUP BY v.region_code, dir.code
UNION ALL
SELECT 'VOLUNTEER_HOURS', ARRAY[pr.region_code, dir.code], sum(pa.hours)
FROM participations pa
JOIN projects pr ON pr.id = pa.project_id AND pr.deleted_at IS NULL
CROSS JOIN LATERAL unnest(pr.directions) dir(code)
WHERE pa.deleted_at IS NULL AND pa.hours > 0
GROUP BY pr.region_code, dir.code
