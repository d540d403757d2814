#!/usr/bin/env bash
# Builds libpg_query (the PostgreSQL parser as a C library, PostgreSQL 17 grammar) from Debian's source package,
# for the platforms PgAutogen ships, into a cache outside the repository, and prints the path of each library built
# (one per line on stdout; progress and errors go to stderr):
#
#   scripts/build-libpg-query.sh                         # the machine's own platform (linux-x64 or linux-arm64)
#   scripts/build-libpg-query.sh --rid win-x64 --smoke   # cross-build the Windows DLL and smoke-test it under wine64
#   scripts/build-libpg-query.sh --all --smoke           # linux-x64, linux-arm64 and win-x64 (what the package holds)
#
# Source: the upstream tarball of Debian's source package libpg-query 17-6.1.0-1 (Debian trixie), checked against the
# SHA-256 below. It is fetched with apt's own source mechanism, through a private apt configuration (nothing on the
# machine is changed) whose deb-src line uses the Debian mirror this machine's apt already uses. With no apt or no
# network, point PGAUTOGEN_LIBPG_QUERY_TARBALL at a copy of the tarball.
#
# Cache: ${PGAUTOGEN_NATIVE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/pgautogen}/libpg_query/17-6.1.0/<rid>/. A library
# whose stamp matches this script's recipe is reused (a second run costs nothing); a stale one is rebuilt.
#
# Options:
#   --rid RID    linux-x64, linux-arm64 or win-x64 (repeatable; default: the machine's own)
#   --all        every shipped platform
#   --smoke      after building, load each library on its own platform's loader (natively, under
#                qemu-aarch64-static, under wine64) with a tiny harness that parses a statement and prints its tree
#   --force      rebuild even when the cached library is current
set -euo pipefail

LIBPG_QUERY_VERSION=17-6.1.0
DEBIAN_VERSION=17-6.1.0-1
DEBIAN_SUITE=trixie
TARBALL=libpg-query_${LIBPG_QUERY_VERSION}.orig.tar.gz
TARBALL_SHA256=a3dc0e4084a23da35128d4e9809ff27241c29a44fde74ba40a378b33d2cdefe2
# Bumped whenever the build flags or layout below change: a cached library of another recipe is stale.
RECIPE=2

say() { echo "libpg_query: $*" >&2; }
die() { echo "libpg_query: error: $*" >&2; exit 1; }

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cache_root=${PGAUTOGEN_NATIVE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/pgautogen}
cache=$cache_root/libpg_query/$LIBPG_QUERY_VERSION

host_rid() {
  case "$(uname -s)/$(uname -m)" in
    Linux/x86_64) echo linux-x64 ;;
    Linux/aarch64 | Linux/arm64) echo linux-arm64 ;;
    *) echo unsupported ;;
  esac
}

rids=() smoke=0 force=0
while [ $# -gt 0 ]; do
  case "$1" in
    --rid) [ $# -ge 2 ] || die "--rid needs a value"; rids+=("$2"); shift 2 ;;
    --all) rids+=(linux-x64 linux-arm64 win-x64); shift ;;
    --smoke) smoke=1; shift ;;
    --force) force=1; shift ;;
    -h | --help) sed -n '2,26p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2; exit 0 ;;
    *) die "unknown argument '$1' (see --help)" ;;
  esac
done
host=$(host_rid)
if [ ${#rids[@]} -eq 0 ]; then
  [ "$host" != unsupported ] || die "this script builds on Linux (x64 or arm64); this is $(uname -s)/$(uname -m). On macOS install Homebrew's libpg_query (brew install libpg_query); on Windows use the module package, which ships pg_query.dll."
  rids=("$host")
fi

library_name() { case "$1" in win-x64) echo pg_query.dll ;; *) echo libpg_query.so ;; esac; }

# The compiler prefix for a target platform, from the machine this runs on.
toolchain() {
  case "$1" in
    "$host") echo "" ;;
    linux-arm64) echo aarch64-linux-gnu- ;;
    linux-x64) echo x86_64-linux-gnu- ;;
    win-x64) echo x86_64-w64-mingw32- ;;
    *) die "unknown platform '$1' (one of: linux-x64, linux-arm64, win-x64)" ;;
  esac
}

toolchain_package() {
  case "$1" in
    linux-arm64) echo gcc-aarch64-linux-gnu ;;
    linux-x64) echo gcc-x86-64-linux-gnu ;;
    win-x64) echo gcc-mingw-w64-x86-64 ;;
  esac
}

stamp_of() { echo "libpg_query $LIBPG_QUERY_VERSION sha256:$TARBALL_SHA256 recipe:$RECIPE rid:$1"; }

# The first Debian archive (not the security one) this machine's apt is configured with.
debian_mirror() {
  command -v apt-get >/dev/null 2>&1 || return 1
  apt-get indextargets --format '$(REPO_URI)|$(ORIGIN)|$(LABEL)' 2>/dev/null \
    | awk -F'|' '$2 == "Debian" && $3 == "Debian" { print $1; exit }'
}

sha_ok() { [ -f "$1" ] && [ "$(sha256sum "$1" | cut -d' ' -f1)" = "$TARBALL_SHA256" ]; }

fetch_tarball() {
  local dest=$cache/$TARBALL
  sha_ok "$dest" && return 0
  if [ -n "${PGAUTOGEN_LIBPG_QUERY_TARBALL:-}" ]; then
    sha_ok "$PGAUTOGEN_LIBPG_QUERY_TARBALL" \
      || die "PGAUTOGEN_LIBPG_QUERY_TARBALL=$PGAUTOGEN_LIBPG_QUERY_TARBALL is missing or is not $TARBALL (expected SHA-256 $TARBALL_SHA256)."
    cp "$PGAUTOGEN_LIBPG_QUERY_TARBALL" "$dest"
    return 0
  fi
  local how="Either run this on a Debian or Ubuntu machine whose apt reaches a Debian mirror, or download $TARBALL (SHA-256 $TARBALL_SHA256; Debian's pool/main/libp/libpg-query/) and set PGAUTOGEN_LIBPG_QUERY_TARBALL to its path."
  local mirror
  mirror=$(debian_mirror) || true
  [ -n "$mirror" ] || die "cannot fetch the libpg_query source: this machine's apt has no Debian archive configured (apt-get indextargets lists none). $how"

  say "fetching $TARBALL (Debian source package libpg-query $DEBIAN_VERSION) from $mirror"
  local work
  work=$(mktemp -d "${TMPDIR:-/tmp}/pgautogen-apt.XXXXXX")
  # shellcheck disable=SC2064
  trap "rm -rf '$work'" RETURN
  chmod 755 "$work"
  mkdir -p "$work/sources.list.d" "$work/lists/partial" "$work/cache/archives/partial" "$work/download"
  local keyring=/usr/share/keyrings/debian-archive-keyring.gpg signed=""
  [ -f "$keyring" ] && signed="Signed-By: $keyring"
  printf 'Types: deb-src\nURIs: %s\nSuites: %s\nComponents: main\n%s\n' "$mirror" "$DEBIAN_SUITE" "$signed" > "$work/sources.list.d/libpg-query.sources"
  local apt=(apt-get -q -o "Dir::Etc::SourceList=/dev/null" -o "Dir::Etc::SourceParts=$work/sources.list.d"
    -o "Dir::State::Lists=$work/lists" -o "Dir::Cache=$work/cache" -o "Debug::NoLocking=1"
    -o "APT::Sandbox::User=$(id -un)")
  "${apt[@]}" update >"$work/update.log" 2>&1 \
    || die "apt-get update of the deb-src line for $DEBIAN_SUITE failed (network?): $(tail -3 "$work/update.log" | tr '\n' ' ') $how"
  # Only the upstream tarball is needed (the Debian packaging beside it may not be served): --download-only, then the
  # tarball is checked by its hash whatever apt said about the other two files.
  (cd "$work/download" && "${apt[@]}" source --download-only "libpg-query=$DEBIAN_VERSION" >"$work/source.log" 2>&1) || true
  sha_ok "$work/download/$TARBALL" \
    || die "apt-get source did not deliver $TARBALL with SHA-256 $TARBALL_SHA256: $(grep -E '^(E|Err):' "$work/source.log" | head -3 | tr '\n' ' ') $how"
  mv "$work/download/$TARBALL" "$dest"
}

build_one() {
  local rid=$1 prefix lib out
  prefix=$(toolchain "$rid")
  lib=$(library_name "$rid")
  out=$cache/$rid
  if [ $force -eq 0 ] && [ -f "$out/$lib" ] && [ "$(cat "$out/STAMP" 2>/dev/null)" = "$(stamp_of "$rid")" ]; then
    echo "$out/$lib"
    return 0
  fi
  command -v make >/dev/null 2>&1 || die "building libpg_query needs make and a C compiler: apt-get install build-essential (Debian/Ubuntu)."
  command -v "${prefix}gcc" >/dev/null 2>&1 || {
    if [ -z "$prefix" ]; then die "building libpg_query needs a C compiler (gcc): apt-get install build-essential (Debian/Ubuntu)."; fi
    die "building libpg_query for $rid needs ${prefix}gcc: apt-get install $(toolchain_package "$rid")."
  }
  fetch_tarball
  local src=$cache/build-$rid
  rm -rf "$src" && mkdir -p "$src"
  tar -xzf "$cache/$TARBALL" -C "$src" --strip-components=1
  local jobs
  jobs=$(nproc 2>/dev/null || echo 2)
  local started=$SECONDS
  say "building $lib for $rid (libpg_query $LIBPG_QUERY_VERSION, about 30 s on 2 cores)"
  local cc=${prefix}gcc
  [ -z "$prefix" ] && cc=${CC:-gcc}
  case "$rid" in
    win-x64)
      # libpg_query's Makefile knows Windows only for MSVC; with MinGW its objects compile as they are, and one
      # -shared link over them gives a DLL that needs only KERNEL32.dll and msvcrt.dll.
      make -C "$src" -j"$jobs" OS=Windows_NT CC="$cc" AR="${prefix}ar rs" build >"$src/build.log" 2>&1 \
        || die "make for $rid failed; the end of $src/build.log: $(tail -5 "$src/build.log")"
      (cd "$src" && "$cc" -shared -o "$lib" src/*.o src/postgres/*.o vendor/protobuf-c/protobuf-c.o vendor/xxhash/xxhash.o protobuf/pg_query.pb-c.o \
        -static-libgcc -Wl,--no-insert-timestamp) >>"$src/build.log" 2>&1 \
        || die "linking $lib failed; the end of $src/build.log: $(tail -5 "$src/build.log")"
      ;;
    *)
      make -C "$src" -j"$jobs" CC="$cc" SONAME="$lib" build_shared >"$src/build.log" 2>&1 \
        || die "make for $rid failed; the end of $src/build.log: $(tail -5 "$src/build.log")"
      ;;
  esac
  # The Makefile always compiles with -g: strip the debug information, which is most of the file.
  "${prefix}strip" --strip-unneeded "$src/$lib" 2>/dev/null || strip --strip-unneeded "$src/$lib" 2>/dev/null || true
  mkdir -p "$out"
  cp "$src/$lib" "$out/$lib.tmp" && mv -f "$out/$lib.tmp" "$out/$lib"
  cp "$src/pg_query.h" "$out/pg_query.h"
  stamp_of "$rid" >"$out/STAMP"
  rm -rf "$src"
  say "built $out/$lib ($(du -k "$out/$lib" | cut -f1) KB) in $((SECONDS - started)) s"
  echo "$out/$lib"
}

# Loads a built library on its own platform's loader and parses a statement with it.
smoke_one() {
  local rid=$1 lib=$2 prefix dir runner=() exe
  prefix=$(toolchain "$rid")
  dir=$(mktemp -d "${TMPDIR:-/tmp}/pgautogen-smoke.XXXXXX")
  cp "$lib" "$dir/"
  case "$rid" in
    win-x64)
      exe=$dir/smoke.exe
      local wine
      wine=$(command -v wine64 || command -v wine || { [ -x /usr/lib/wine/wine64 ] && echo /usr/lib/wine/wine64; }) \
        || die "smoke-testing $rid needs wine64: apt-get install wine64"
      runner=("$wine")
      "${prefix}gcc" -o "$exe" "$here/native/smoke.c" -I"$cache/$rid" "$dir/pg_query.dll" ;;
    *)
      exe=$dir/smoke
      "${prefix:-}gcc" -o "$exe" "$here/native/smoke.c" -I"$cache/$rid" -L"$dir" -lpg_query -Wl,-rpath,'$ORIGIN'
      if [ "$rid" != "$host" ]; then
        case "$rid" in
          linux-arm64) command -v qemu-aarch64-static >/dev/null 2>&1 || die "smoke-testing $rid needs qemu-aarch64-static: apt-get install qemu-user-static"
            runner=(qemu-aarch64-static -L /usr/aarch64-linux-gnu) ;;
          linux-x64) command -v qemu-x86_64-static >/dev/null 2>&1 || die "smoke-testing $rid needs qemu-x86_64-static: apt-get install qemu-user-static"
            runner=(qemu-x86_64-static -L /usr/x86_64-linux-gnu) ;;
        esac
      fi ;;
  esac
  local output
  output=$(cd "$dir" && WINEDEBUG=-all WINEPREFIX="$dir/wine" "${runner[@]}" "$exe" 'CREATE VIEW v AS SELECT SYSTEM_USER' 2>"$dir/stderr") \
    || die "the $rid smoke test failed: $output $(tail -5 "$dir/stderr")"
  case "$output" in
    *'"version":170004'*'"ViewStmt"'*'system_user'*) say "smoke test $rid: ok (${runner[*]:-native}): ${output:0:90}..." ;;
    *) die "the $rid smoke test printed an unexpected tree: $output" ;;
  esac
  rm -rf "$dir"
}

mkdir -p "$cache"
exec 9>"$cache/.lock"
flock 9 # one build at a time per cache (parallel project builds, several checkouts)
for rid in "${rids[@]}"; do
  lib=$(build_one "$rid")
  [ $smoke -eq 1 ] && smoke_one "$rid" "$lib"
  echo "$lib"
done
