#!/bin/sh
# Applies the local D1 migrations, then runs the whole system under `wrangler dev`.
# State lives in .wrangler/state, so a restart keeps every account and message.
set -e
export WRANGLER_SEND_METRICS=false CLOUDFLARE_CF_FETCH_ENABLED=false
# Local observability costs ~5x throughput under wrangler dev; set X_LOCAL_OBSERVABILITY=true to keep it.
export X_LOCAL_OBSERVABILITY="${X_LOCAL_OBSERVABILITY:-false}"
cd "$(dirname "$0")/.."
# The web console at / is static assets built from console/ (dist/console, not committed).
npm run build
npx wrangler d1 migrations apply DB --local --persist-to .wrangler/state
exec npx wrangler dev --ip "${HOST:-127.0.0.1}" --port "${PORT:-8080}" --persist-to .wrangler/state "$@"
