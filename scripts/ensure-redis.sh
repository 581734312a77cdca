#!/usr/bin/env bash
# The rate-limit tests (test/e2e/rate-limit-redis, test/drills/fleet, the Redis storage's spec)
# start Debian's redis-server, as a real store, on a free port of their own. Runs before
# `npm test`: nothing to do when redis-server is there; as root with apt-get it is installed;
# otherwise the command to run is printed and the tests do not start.
set -euo pipefail
REDIS_SERVER="${REDIS_SERVER_PATH:-/usr/bin/redis-server}"
[ -x "$REDIS_SERVER" ] && exit 0
if [ -z "${REDIS_SERVER_PATH:-}" ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "[payment-service] installing Debian redis-server for the rate-limit tests (apt-get install redis-server)"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends redis-server >/dev/null
  [ -x "$REDIS_SERVER" ] && exit 0
fi
echo "[payment-service] the rate-limit tests need redis-server at $REDIS_SERVER:" \
  "run 'sudo apt-get install redis-server', or set REDIS_SERVER_PATH to a redis-server binary" >&2
exit 1
