#!/usr/bin/env bash
# Publishes the Shell for this machine's platform, ReadyToRun (src/PgAutogen.Shell's PublishReadyToRun), into
# $PGAUTOGEN_BENCH_TOOLS/shell (default bench/.tools/shell, ignored by git), and prints the executable's path on its
# last line. What a CI step without pwsh would run; the benchmark's cold rows take it with --shell published.
# Idempotent: republished only when the Shell's or the module's sources changed (a stamp of their git tree).
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
tools=${PGAUTOGEN_BENCH_TOOLS:-$repo/bench/.tools}
out=$tools/shell
case "$(uname -m)" in
  x86_64) rid=linux-x64 ;;
  aarch64) rid=linux-arm64 ;;
  *) echo "publish-shell: no ReadyToRun platform for $(uname -m)" >&2; exit 1 ;;
esac
stamp=$( (cd "$repo" && git rev-parse HEAD:src 2>/dev/null; git -C "$repo" diff --stat -- src 2>/dev/null) | sha256sum | cut -c1-16)
if [ ! -x "$out/PgAutogen.Shell" ] || [ "$(cat "$out/.stamp" 2>/dev/null)" != "$stamp" ]; then
  echo "publish-shell: dotnet publish src/PgAutogen.Shell -c Release -r $rid (ReadyToRun; a few minutes on 2 cores)" >&2
  rm -rf "$out"
  dotnet publish "$repo/src/PgAutogen.Shell" -c Release -r "$rid" --self-contained false -o "$out" >"$tools/publish-shell.log" 2>&1 \
    || { echo "publish-shell: failed, see $tools/publish-shell.log" >&2; exit 1; }
  echo "$stamp" >"$out/.stamp"
fi
echo "$out/PgAutogen.Shell"
