#!/usr/bin/env bash
# CI: the Nest CLI works on this project as Nest users expect (nest-cli.json: SWC with .swcrc,
# src + migrations + bench into dist/ as `npm run build` does):
#  1. `nest build` writes the same files as `npm run build`, among them dist/src/main.js;
#  2. `nest start` builds and starts that main in sandbox mode (embedded PostgreSQL on a free
#     port), which answers GET /health.
set -euo pipefail
cd "$(dirname "$0")/.."

free_port() { node -e "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"; }
listing() { (cd dist && find . -type f -name '*.js' | sort); }

WORK=$(mktemp -d)
chmod 755 "$WORK" # embedded PostgreSQL runs as its own user when we are root
PID=
cleanup() {
  if [ -n "$PID" ]; then kill -- "-$PID" 2>/dev/null || true; wait "$PID" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

echo "nest cli 1: nest build writes what npm run build writes"
npm run build --silent
listing >"$WORK/npm-build.txt"
npx nest build
listing >"$WORK/nest-build.txt"
diff "$WORK/npm-build.txt" "$WORK/nest-build.txt"
test -f dist/src/main.js
echo "nest cli 1: same $(wc -l <"$WORK/nest-build.txt") files, dist/src/main.js among them"

APP_PORT=$(free_port)
PG_PORT=$(free_port)
echo "nest cli 2: nest start (sandbox, embedded PostgreSQL) on port $APP_PORT"
PORT=$APP_PORT EMBEDDED_POSTGRES_DIR="$WORK/postgres" EMBEDDED_POSTGRES_PORT=$PG_PORT LOG_LEVEL=warn \
  setsid npx nest start >"$WORK/nest-start.log" 2>&1 &
PID=$!
for _ in $(seq 1 90); do
  curl -fsS "http://127.0.0.1:$APP_PORT/health" 2>/dev/null | grep -q '"status":"ok"' && break
  sleep 1
done
if ! curl -fsS "http://127.0.0.1:$APP_PORT/health" | grep -q '"status":"ok"'; then
  cat "$WORK/nest-start.log"
  exit 1
fi
echo "nest cli 2: GET /health answered"
