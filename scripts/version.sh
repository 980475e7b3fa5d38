#!/usr/bin/env bash
# memsleuth's version: the one source for `memsleuth --version`, memsleuth_build_info, the man page and
# the image tag. In a git checkout of this repository: `git describe --tags --always --dirty`, the
# commit and its date; elsewhere (a tarball): the project() version of CMakeLists.txt, "unknown", "".
#   scripts/version.sh            version, revision and date, one per line
#   scripts/version.sh version    only one of them (version | revision | date)
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
version="" revision=unknown date=""
# Only this repository's own .git: a tarball unpacked inside another checkout must not take its tags.
if top=$(git -C "$src" rev-parse --show-toplevel 2>/dev/null) && [[ $top -ef $src ]]; then
  version=$(git -C "$src" describe --tags --always --dirty)
  revision=$(git -C "$src" rev-parse HEAD)
  date=$(git -C "$src" log -1 --format=%cs)
fi
if [[ -z $version ]]; then
  version=$(sed -n 's/^project(memsleuth VERSION \([0-9][0-9.]*\).*/\1/p' "$src/CMakeLists.txt")
fi
# A tag may hold anything; the string goes into a C++ header, a Prometheus label and an image tag.
version=$(printf '%s' "$version" | tr -c 'A-Za-z0-9._+-' '_')
case "${1:-all}" in
  all) printf '%s\n%s\n%s\n' "$version" "$revision" "$date" ;;
  version) echo "$version" ;;
  revision) echo "$revision" ;;
  date) echo "$date" ;;
  *) echo "usage: $0 [version|revision|date]" >&2; exit 2 ;;
esac
