#!/usr/bin/env bash
# Installs the migration tools that the execution tests of New-PgMigration's formats run, each at a pinned
# version, into $PGAUTOGEN_TOOLS (default: .tools in the repository, ignored by git), and prints where each one
# is, one "name: path" line per tool, on stdout (progress goes to stderr). Idempotent: a second run installs
# nothing. A tool that cannot be installed is reported and the script exits non-zero after trying the others;
# the tests that need it then skip locally and fail under CI=true.
#
#   dbmate      npm dbmate                       (runs the Dbmate format)
#   liquibase   npm liquibase (the Liquibase CLI with its PostgreSQL JDBC driver; needs java)
#   grate       NuGet dotnet tool grate          (runs the Grate format)
#   dotnet-ef   NuGet dotnet tool dotnet-ef      (runs the EfCore format: dotnet ef database update)
#   sqitch      Debian sqitch + libdbd-pg-perl   (runs the Sqitch format)
#   java        Debian default-jre-headless, when no java is on PATH (for liquibase)
#
# Evolve (Flyway-named folders) and DbUp are NuGet libraries: tests/PgAutogen.ToolRunner references them and
# is built with the solution, so they need nothing here.
set -uo pipefail

DBMATE_VERSION=2.36.0
LIQUIBASE_VERSION=4.28.1
GRATE_VERSION=2.3.0
DOTNET_EF_VERSION=10.0.15

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
tools=${PGAUTOGEN_TOOLS:-$repo/.tools}
mkdir -p "$tools"
failed=()

say() { echo "fetch-tools: $*" >&2; }
if [ "$(id -u)" = 0 ]; then sudo=(); else sudo=(sudo); fi

apt_install() {
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -q "$@" >/dev/null 2>&1 && return 0
  "${sudo[@]}" apt-get update -q >/dev/null 2>&1
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -q "$@" >/dev/null 2>&1
}

# sqitch (Debian), with the PostgreSQL driver its pg engine loads and psql, which it runs.
if ! command -v sqitch >/dev/null 2>&1 || ! perl -MDBD::Pg -e1 >/dev/null 2>&1; then
  say "installing sqitch (apt-get)"
  apt_install sqitch libdbd-pg-perl postgresql-client || { say "apt-get install sqitch failed"; failed+=(sqitch); }
fi

if ! command -v java >/dev/null 2>&1; then
  say "installing java (apt-get default-jre-headless)"
  apt_install default-jre-headless || { say "apt-get install default-jre-headless failed"; failed+=(java); }
fi

# npm packages, pinned, in one prefix.
npm_dir=$tools/npm
npm_need=()
[ "$(node -p "require('$npm_dir/node_modules/dbmate/package.json').version" 2>/dev/null)" = "$DBMATE_VERSION" ] \
  || npm_need+=("dbmate@$DBMATE_VERSION")
[ "$(node -p "require('$npm_dir/node_modules/liquibase/package.json').version" 2>/dev/null)" = "$LIQUIBASE_VERSION" ] \
  || npm_need+=("liquibase@$LIQUIBASE_VERSION")
if [ ${#npm_need[@]} -gt 0 ]; then
  if command -v npm >/dev/null 2>&1 || apt_install npm; then
    say "installing ${npm_need[*]} (npm)"
    mkdir -p "$npm_dir"
    [ -f "$npm_dir/package.json" ] || echo '{ "private": true }' >"$npm_dir/package.json"
    (cd "$npm_dir" && npm install --loglevel=error --no-audit --no-fund --save-exact "${npm_need[@]}" >/dev/null 2>"$tools/npm.log") \
      || { say "npm install ${npm_need[*]} failed (see $tools/npm.log)"; failed+=(npm); }
  else
    say "npm is missing and could not be installed"; failed+=(npm)
  fi
fi
liquibase_sh=$npm_dir/node_modules/liquibase/dist/liquibase/liquibase
[ -f "$liquibase_sh" ] && chmod +x "$liquibase_sh"

# dotnet tools, pinned, in one tool path.
dotnet_dir=$tools/dotnet
dotnet_tool() {
  local id=$1 version=$2
  if dotnet tool list --tool-path "$dotnet_dir" 2>/dev/null | awk -v id="$id" -v v="$version" 'tolower($1) == id && $2 == v { found = 1 } END { exit !found }'; then
    return 0
  fi
  say "installing $id $version (dotnet tool)"
  dotnet tool uninstall --tool-path "$dotnet_dir" "$id" >/dev/null 2>&1
  dotnet tool install --tool-path "$dotnet_dir" "$id" --version "$version" >"$tools/dotnet-$id.log" 2>&1 \
    || { say "dotnet tool install $id $version failed (see $tools/dotnet-$id.log)"; failed+=("$id"); }
}
dotnet_tool grate "$GRATE_VERSION"
dotnet_tool dotnet-ef "$DOTNET_EF_VERSION"

where() { if [ -e "$2" ]; then echo "$1: $2"; else echo "$1: (missing)"; fi; }
where dbmate "$npm_dir/node_modules/.bin/dbmate"
where liquibase "$liquibase_sh"
where grate "$dotnet_dir/grate"
where dotnet-ef "$dotnet_dir/dotnet-ef"
where sqitch "$(command -v sqitch || echo /usr/bin/sqitch)"
where java "$(command -v java || echo /usr/bin/java)"

if [ ${#failed[@]} -gt 0 ]; then
  say "not installed: ${failed[*]}"
  exit 1
fi
