#!/usr/bin/env bash
# A user's clone has nothing beside it: no tracked file may name the team's folder one level above
# the repository ("shared") or an absolute path into it. Fails naming every offending file and line.
set -euo pipefail
SRC=${MEMSLEUTH_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
cd "$SRC"
# The patterns are split so this file does not match itself.
dotdot='\.\./'"shared"
abs='/work/'"shared"
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  hits=$(git grep -nIE "($dotdot|$abs)" -- . || true)
else
  hits=$(grep -rnIE "($dotdot|$abs)" --exclude-dir=build* --exclude-dir=node_modules . || true)
fi
if [[ -n $hits ]]; then
  echo "FAIL: tracked files name a folder outside the repository:" >&2
  echo "$hits" >&2
  exit 1
fi
# Every sample the tests read is inside the repository, with its source.
for d in cgroup kubelet oom updatedb; do
  [[ -f tests/data/$d/index.md ]] || { echo "FAIL: tests/data/$d/index.md (sources of the samples) missing" >&2; exit 1; }
done
echo "ok: no tracked file reads outside the repository"
