#!/bin/sh
# Applies the local D1 migrations, then runs the whole system: `wrangler dev` behind the relay of
# scripts/front-relay.ts (so server-initiated WebSocket closes complete; see there), on HOST:PORT.
# State lives in PERSIST_TO (default .wrangler/state), so a restart keeps every account and message.
# SKIP_BUILD=1 skips the console build (the e2e suite builds it once for all its servers).
set -e
export WRANGLER_SEND_METRICS=false CLOUDFLARE_CF_FETCH_ENABLED=false
# Local observability costs ~5x throughput under wrangler dev; set X_LOCAL_OBSERVABILITY=true to keep it.
export X_LOCAL_OBSERVABILITY="${X_LOCAL_OBSERVABILITY:-false}"
export PERSIST_TO="${PERSIST_TO:-.wrangler/state}"
cd "$(dirname "$0")/.."
# The web console at / is static assets built from console/ (dist/console, not committed).
[ "${SKIP_BUILD:-}" = "1" ] || npm run build
npx wrangler d1 migrations apply DB --local --persist-to "$PERSIST_TO"

# The first admin account comes from ADMIN_BOOTSTRAP_PASSWORD. Locally, unless .dev.vars sets
# one, it is the documented development password; it is passed here, never built into the code.
if ! grep -qs '^ADMIN_BOOTSTRAP_PASSWORD=' .dev.vars; then
	echo "anychat: development admin login: admin / Admin@123456 (set ADMIN_BOOTSTRAP_PASSWORD in .dev.vars to change it)"
	exec node_modules/.bin/tsx scripts/serve-local.ts --var "ADMIN_BOOTSTRAP_PASSWORD:Admin@123456" "$@"
fi
exec node_modules/.bin/tsx scripts/serve-local.ts "$@"
