#!/bin/sh
# Starts PostGraphile 5 over the hub's database in the foreground.
# Environment: DATABASE_URL (required), PORT (default 5678), PG_POOL_MAX.
set -eu
cd "$(dirname "$0")"
: "${DATABASE_URL:?set DATABASE_URL to the hub database, e.g. postgres://postgres@127.0.0.1:5432/birgemiz?sslmode=disable}"
export DATABASE_URL
export PORT="${PORT:-5678}"
if [ ! -d node_modules ]; then
    # The pinned tree of package-lock.json; PostGraphile declares Node >= 22
    # and runs on Node 20 with the polyfill, so npm's engine warnings are expected.
    npm ci --no-audit --no-fund --loglevel=error
fi
# Grafast's production mode (no development checks, no warning about it).
export GRAPHILE_ENV=production NODE_ENV=production
exec node --require ./polyfill.cjs node_modules/postgraphile/dist/cli-run.js
