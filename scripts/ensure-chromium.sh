#!/usr/bin/env bash
# The browser tests (test/browser) drive Debian's chromium through playwright-core. Runs before
# `npm test`: nothing to do when chromium is there; as root with apt-get it is installed;
# otherwise the command to run is printed and the tests do not start.
set -euo pipefail
CHROMIUM="${CHROMIUM_PATH:-/usr/bin/chromium}"
[ -x "$CHROMIUM" ] && exit 0
if [ -z "${CHROMIUM_PATH:-}" ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "[payment-service] installing Debian chromium for the browser tests (apt-get install chromium)"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null
  [ -x "$CHROMIUM" ] && exit 0
fi
echo "[payment-service] the browser tests need chromium at $CHROMIUM:" \
  "run 'sudo apt-get install chromium', or set CHROMIUM_PATH to a Chromium binary" >&2
exit 1
