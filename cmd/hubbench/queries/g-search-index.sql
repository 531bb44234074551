-- The bench's own full-text index for the bare-PostgreSQL search peer: not
-- the hub's (the hub searches with Bleve or Meilisearch). 'simple' keeps
-- every word as written, lower-cased: PostgreSQL has no Kazakh
-- configuration, and a Russian one would stem only the Russian words.
-- CONCURRENTLY: the database may be serving and loading while it builds.
CREATE INDEX CONCURRENTLY IF NOT EXISTS bench_projects_fts ON projects USING gin ((
    to_tsvector('simple', coalesce(title_kk, '') || ' ' || coalesce(title_ru, '') || ' ' || coalesce(title_en, '') || ' ' ||
        coalesce(description_kk, '') || ' ' || coalesce(description_ru, '') || ' ' || coalesce(description_en, ''))
)) WHERE deleted_at IS NULL
