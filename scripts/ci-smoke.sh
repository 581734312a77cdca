#!/usr/bin/env bash
# Smoke checks CI runs after the tests, on the built app (npm run build must have run):
#  1. the built gateway starts in sandbox mode with its embedded PostgreSQL on a free port and
#     answers GET /health, and GET /metrics on its METRICS_PORT;
#  2. the Dockerfile's steps without Docker: production dependencies only (npm ci --omit=dev) in a separate folder with dist/ and package.json, the image's CMD
#     (migrations, then the app) in live mode against the PostgreSQL of step 1, and the
#     image's HEALTHCHECK command, with REDIS_URL set as docker-compose.yml sets it (a
#     redis-server of its own, installed by scripts/ensure-redis.sh): the rate limiter's counts
#     must land in Redis; and with docker-compose.yml's METRICS_HOST: /metrics must answer on
#     this machine's own network address, as a Prometheus in another container reaches it (a
#     listener on 127.0.0.1 would refuse it).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)

free_port() { node -e "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"; }
wait_for() { # url, seconds
  for _ in $(seq 1 "$2"); do curl -fsS "$1" >/dev/null 2>&1 && return 0; sleep 1; done
  return 1
}

WORK=$(mktemp -d)
chmod 755 "$WORK" # embedded PostgreSQL runs as its own user when we are root
PIDS=()
cleanup() { for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done; rm -rf "$WORK"; }
trap cleanup EXIT

APP_PORT=$(free_port)
PG_PORT=$(free_port)
echo "smoke 1: built app (sandbox, embedded PostgreSQL) on port $APP_PORT"
METRICS_PORT_1=$(free_port)
PORT=$APP_PORT EMBEDDED_POSTGRES_DIR="$WORK/postgres" EMBEDDED_POSTGRES_PORT=$PG_PORT LOG_LEVEL=warn \
  METRICS_PORT=$METRICS_PORT_1 node dist/src/main.js >"$WORK/sandbox.log" 2>&1 &
PIDS+=($!)
if ! wait_for "http://127.0.0.1:$APP_PORT/health" 60; then cat "$WORK/sandbox.log"; exit 1; fi
curl -fsS "http://127.0.0.1:$APP_PORT/health" | grep -q '"status":"ok"'
echo "smoke 1: GET /health answered"
curl -fsS "http://127.0.0.1:$METRICS_PORT_1/metrics" | grep -q '^# TYPE invoices_created_total counter$'
echo "smoke 1: GET /metrics answered on METRICS_PORT"

echo "smoke 2: Dockerfile steps without Docker"
mkdir -p "$WORK/image"
cp package.json package-lock.json "$WORK/image/"
(cd "$WORK/image" && npm ci --omit=dev --no-audit --no-fund --loglevel=error >/dev/null)
cp -r dist "$WORK/image/dist"
IMAGE_PORT=$(free_port)
IMAGE_METRICS_PORT=$(free_port)
REDIS_PORT=$(free_port)
COMPOSE_METRICS_HOST=$(sed -n 's/^ *METRICS_HOST: *//p' docker-compose.yml | head -n 1)
if [ -z "$COMPOSE_METRICS_HOST" ]; then
  echo "smoke 2: docker-compose.yml sets no METRICS_HOST: /metrics listens on 127.0.0.1 in each container, out of Prometheus's reach"
  exit 1
fi
mkdir -p "$WORK/redis"
redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --dir "$WORK/redis" --save '' --appendonly no \
  >"$WORK/redis.log" 2>&1 &
PIDS+=($!)
(
  cd "$WORK/image"
  # A free METRICS_PORT: the default 9464 may be taken on a CI machine (smoke 1 uses another).
  export GATEWAY_MODE=live PORT=$IMAGE_PORT DATABASE_MIGRATE_ON_START=false LOG_LEVEL=warn \
    METRICS_PORT=$IMAGE_METRICS_PORT METRICS_HOST="$COMPOSE_METRICS_HOST" \
    DATABASE_URL="postgres://postgres:postgres@127.0.0.1:$PG_PORT/payment_service" \
    PUBLIC_URL="https://pay.example.uz" REDIS_URL="redis://127.0.0.1:$REDIS_PORT" \
    SERVICE_API_KEY="ci-smoke-service-api-key-0123" \
    WEBHOOK_SIGNING_SECRET="ci-smoke-webhook-signing-secret" \
    CREDENTIALS_ENCRYPTION_KEY="$(node -e "console.log(require('crypto').randomBytes(32).toString('hex'))")"
  exec sh -c "node dist/src/cli/migrate.js run && exec node dist/src/main.js"
) >"$WORK/image.log" 2>&1 &
PIDS+=($!)
if ! wait_for "http://127.0.0.1:$IMAGE_PORT/health/ready" 60; then cat "$WORK/image.log"; exit 1; fi
(cd "$WORK/image" && PORT=$IMAGE_PORT node dist/src/cli/healthcheck.js)
curl -fsS "http://127.0.0.1:$IMAGE_PORT/health" | grep -q '"mode":"live"'
curl -fsS -H 'x-api-key: ci-smoke-service-api-key-0123' "http://127.0.0.1:$IMAGE_PORT/api/invoices?limit=1" >/dev/null
if [ -z "$(redis-cli -p "$REDIS_PORT" --scan --pattern 'payment-service:throttle:*')" ]; then
  echo "smoke 2: the rate limiter did not count in Redis"; cat "$WORK/image.log"; exit 1
fi
# The address another container would use: the first non-loopback IPv4 one (else loopback).
OWN_ADDRESS=$(hostname -I 2>/dev/null | tr ' ' '\n' | grep -v ':' | head -n 1 || true)
if ! curl -fsS "http://${OWN_ADDRESS:-127.0.0.1}:$IMAGE_METRICS_PORT/metrics" | grep -q '^# TYPE invoices_created_total counter$'; then
  echo "smoke 2: /metrics did not answer on ${OWN_ADDRESS:-127.0.0.1}:$IMAGE_METRICS_PORT with METRICS_HOST=$COMPOSE_METRICS_HOST"
  cat "$WORK/image.log"; exit 1
fi
echo "smoke 2: production bundle migrated, started in live mode, HEALTHCHECK passed, rate limit counted in Redis, /metrics reachable from the network"
