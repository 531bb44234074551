-- Projects matching every word of $1 (plainto_tsquery: words ANDed, no
-- prefix, no typos) through the GIN index bench_projects_fts, the best 20
-- by ts_rank, the total, and the REGION and DIRECTION facet counts over
-- all hits: one statement.
WITH q AS (
    SELECT plainto_tsquery('simple', $1) AS q
), hits AS (
    SELECT p.id, p.region_code, p.directions, coalesce(p.title_kk, p.title_ru, p.title_en) AS title,
           ts_rank(to_tsvector('simple', coalesce(p.title_kk, '') || ' ' || coalesce(p.title_ru, '') || ' ' ||
               coalesce(p.title_en, '') || ' ' || coalesce(p.description_kk, '') || ' ' ||
               coalesce(p.description_ru, '') || ' ' || coalesce(p.description_en, '')), q.q) AS rank
    FROM projects p, q
    WHERE p.deleted_at IS NULL
      AND to_tsvector('simple', coalesce(p.title_kk, '') || ' ' || coalesce(p.title_ru, '') || ' ' ||
          coalesce(p.title_en, '') || ' ' || coalesce(p.description_kk, '') || ' ' ||
          coalesce(p.description_ru, '') || ' ' || coalesce(p.description_en, '')) @@ q.q
), top AS (
    SELECT id, rank, title FROM hits ORDER BY rank DESC, id LIMIT 20
)
SELECT 'hit' AS kind, id::text AS value, rank::float8 AS n, title FROM top
UNION ALL
SELECT 'total', NULL, count(*)::float8, NULL FROM hits
UNION ALL
SELECT 'REGION', region_code, count(*)::float8, NULL FROM hits GROUP BY region_code
UNION ALL
SELECT 'DIRECTION', d.code, count(*)::float8, NULL FROM hits CROSS JOIN LATERAL unnest(hits.directions) d(code) GROUP BY d.code
