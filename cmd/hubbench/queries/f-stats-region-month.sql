-- VOLUNTEERS (by registration month) and VOLUNTEER_HOURS (by the
-- participation's start, else the project's) by REGION × MONTH within the
-- year $1.
SELECT 'VOLUNTEERS' AS measure, ARRAY[v.region_code, to_char(v.registered_at, 'YYYY-MM')] AS keys,
       count(DISTINCT v.id)::float8 AS value
FROM volunteers v
WHERE v.deleted_at IS NULL
  AND v.registered_at >= make_date($1::int, 1, 1) AND v.registered_at < make_date($1::int + 1, 1, 1)
GROUP BY v.region_code, to_char(v.registered_at, 'YYYY-MM')
UNION ALL
SELECT 'VOLUNTEER_HOURS', ARRAY[pr.region_code, to_char(coalesce(pa.start_date, pr.start_date), 'YYYY-MM')], sum(pa.hours)
FROM participations pa
JOIN projects pr ON pr.id = pa.project_id AND pr.deleted_at IS NULL
WHERE pa.deleted_at IS NULL AND pa.hours > 0
  AND coalesce(pa.start_date, pr.start_date) >= make_date($1::int, 1, 1)
  AND coalesce(pa.start_date, pr.start_date) < make_date($1::int + 1, 1, 1)
GROUP BY pr.region_code, to_char(coalesce(pa.start_date, pr.start_date), 'YYYY-MM')
