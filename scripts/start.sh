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

# The first admin account comes from ADMIN_BOOTSTRAP_PASSWORD. Locally, unless .dev.vars sets
# one, it is the documented development password; it is passed here, never built into the code.
if ! grep -qs '^ADMIN_BOOTSTRAP_PASSWORD=' .dev.vars; then
	echo "anychat: development admin login: admin / Admin@123456 (set ADMIN_BOOTSTRAP_PASSWORD in .dev.vars to change it)"
	exec npx wrangler dev --ip "${HOST:-127.0.0.1}" --port "${PORT:-8080}" --persist-to .wrangler/state \
		--var "ADMIN_BOOTSTRAP_PASSWORD:Admin@123456" "$@"
fi
exec npx wrangler dev --ip "${HOST:-127.0.0.1}" --port "${PORT:-8080}" --persist-to .wrangler/state "$@"
