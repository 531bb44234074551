-- VOLUNTEERS (by registration year) and VOLUNTEER_HOURS (by the
-- participation's start year, else the project's) by REGION × DIRECTION ×
-- YEAR, every year.
SELECT 'VOLUNTEERS' AS measure, ARRAY[v.region_code, dir.code, to_char(v.registered_at, 'YYYY')] AS keys,
       count(DISTINCT v.id)::float8 AS value
FROM volunteers v
CROSS JOIN LATERAL unnest(v.directions) dir(code)
WHERE v.deleted_at IS NULL AND v.registered_at IS NOT NULL
GROUP BY v.region_code, dir.code, to_char(v.registered_at, 'YYYY')
UNION ALL
SELECT 'VOLUNTEER_HOURS', ARRAY[pr.region_code, dir.code, to_char(coalesce(pa.start_date, pr.start_date), 'YYYY')],
       sum(pa.hours)
FROM participations pa
JOIN projects pr ON pr.id = pa.project_id AND pr.deleted_at IS NULL
CROSS JOIN LATERAL unnest(pr.directions) dir(code)
WHERE pa.deleted_at IS NULL AND pa.hours > 0 AND coalesce(pa.start_date, pr.start_date) IS NOT NULL
GROUP BY pr.region_code, dir.code, to_char(coalesce(pa.start_date, pr.start_date), 'YYYY')
