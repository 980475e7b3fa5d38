#!/usr/bin/env bash
# scripts/version.sh, the one source of `memsleuth --version`, memsleuth_build_info, the man page and
# the image tag: in this checkout it says what `git describe --tags --always --dirty` says, with the
# commit; in a copy without .git (a tarball, `git archive`) the project() version of CMakeLists.txt
# and revision "unknown" -- also when that export sits inside another git checkout.
set -euo pipefail
SRC=${MEMSLEUTH_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
TMP=$(mktemp -d /tmp/ms-version-test.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
project=$(sed -n 's/^project(memsleuth VERSION \([0-9.]*\).*/\1/p' "$SRC/CMakeLists.txt")
[[ -n $project ]] || fail "no project(memsleuth VERSION x.y.z) in CMakeLists.txt"

if git -C "$SRC" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  mapfile -t got < <(bash "$SRC/scripts/version.sh")
  [[ ${got[0]} == "$(git -C "$SRC" describe --tags --always --dirty)" ]] || fail "version '${got[0]}' is not git describe's"
  [[ ${got[1]} == "$(git -C "$SRC" rev-parse HEAD)" ]] || fail "revision '${got[1]}' is not HEAD"
  [[ ${got[2]} =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}$ ]] || fail "date '${got[2]}'"
  [[ $(bash "$SRC/scripts/version.sh" version) == "${got[0]}" ]] || fail "'version.sh version' differs"
  # An export of the tree inside another repository: that repository's tags are not ours.
  git init -q "$TMP/outer"
  git -C "$TMP/outer" -c user.name=t -c user.email=t@t commit -q --allow-empty -m outer
  git -C "$TMP/outer" tag v9.9.9
  mkdir "$TMP/outer/memsleuth-src"
  mkdir "$TMP/outer/memsleuth-src/scripts"
  cp "$SRC/scripts/version.sh" "$TMP/outer/memsleuth-src/scripts/"
  cp "$SRC/CMakeLists.txt" "$TMP/outer/memsleuth-src/"
  mapfile -t exp < <(bash "$TMP/outer/memsleuth-src/scripts/version.sh")
  [[ ${exp[0]} == "$project" && ${exp[1]} == unknown && -z ${exp[2]} ]] ||
    fail "an export inside another checkout says '${exp[*]}', want '$project unknown'"
else
  mapfile -t got < <(bash "$SRC/scripts/version.sh")
  [[ ${got[0]} == "$project" && ${got[1]} == unknown ]] || fail "outside git: '${got[*]}', want '$project unknown'"
fi
# The string goes into a C++ string literal, a Prometheus label and an image tag.
[[ ${got[0]} =~ ^[A-Za-z0-9_][A-Za-z0-9_.+-]*$ ]] || fail "version '${got[0]}' has characters a tag cannot hold"
echo "ok: version ${got[0]} (project $project)"
