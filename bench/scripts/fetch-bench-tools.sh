#!/usr/bin/env bash
# Installs what the benchmark's cold and peer rows run, pinned, into $PGAUTOGEN_BENCH_TOOLS (default: bench/.tools,
# ignored by git), and prints "name: path" per tool on stdout (progress on stderr). Idempotent.
#
#   migra   npm @pgkit/migra  (the peer: `migra --unsafe <current> <desired>`)
#   pg      npm pg            (the floor as a process: node + pg, one round trip, rolled back)
set -uo pipefail

MIGRA_VERSION=0.6.1
PG_VERSION=8.23.1

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
tools=${PGAUTOGEN_BENCH_TOOLS:-$repo/bench/.tools}
mkdir -p "$tools"
say() { echo "fetch-bench-tools: $*" >&2; }

need=()
[ "$(node -p "require('$tools/node_modules/@pgkit/migra/package.json').version" 2>/dev/null)" = "$MIGRA_VERSION" ] || need+=("@pgkit/migra@$MIGRA_VERSION")
[ "$(node -p "require('$tools/node_modules/pg/package.json').version" 2>/dev/null)" = "$PG_VERSION" ] || need+=("pg@$PG_VERSION")
if [ ${#need[@]} -gt 0 ]; then
  command -v npm >/dev/null 2>&1 || { say "npm is missing (apt-get install npm)"; exit 1; }
  say "installing ${need[*]} (npm)"
  [ -f "$tools/package.json" ] || echo '{ "private": true }' >"$tools/package.json"
  (cd "$tools" && npm install --loglevel=error --no-audit --no-fund --save-exact "${need[@]}" >/dev/null 2>"$tools/npm.log") \
    || { say "npm install ${need[*]} failed (see $tools/npm.log)"; exit 1; }
fi

echo "migra: $tools/node_modules/.bin/migra"
echo "pg: $tools/node_modules/pg"
echo "node: $(command -v node)"
