#!/usr/bin/env bash
# Live: a real 400-deep chain of memory cgroups (v1) is walked whole by `snapshot` and by the
# recorder's reader (the walk used to stop at depth 64 without a word). 400, not 3,000: the kernel
# makes nested memory cgroups ever more slowly (300 levels take ~10 s here, 1,000 take ~200 s, 3,000
# did not finish in 600 s); the 3,000-deep chain, with paths longer than PATH_MAX, is walked on a
# plain directory tree by tests/unit/probe/cgroup_walk_test.cpp. The chain is made (and removed) one
# relative mkdir/rmdir at a time, as a deeper one would need.
set -uo pipefail
BIN=${1:?usage: cgroup_deep_chain.sh <memsleuth>}
source "$(dirname "$0")/lib/cgroup.bash"
ms_require_memcg
[[ $MEMCG_V2 == 0 ]] || { echo "SKIP: the deep chain is made on cgroup v1"; exit 77; }
command -v jq >/dev/null || { echo "SKIP: jq missing"; exit 77; }
DEPTH=${MS_DEEP_CHAIN:-400}
TOP=$MEMCG_ROOT/mst-deep-$$
TMP=$(mktemp -d /tmp/mst-deep-XXXXXX)
made=0
cleanup() {
  # Leaf first, from inside the chain (an absolute path would be too long).
  if [[ -d $TOP ]]; then
    (
      cd "$TOP" || exit
      for ((i = 0; i < made; i++)); do cd d 2>/dev/null || break; done
      while [[ $PWD != "$TOP" ]]; do cd .. && rmdir d 2>/dev/null; done
    )
    rmdir "$TOP" 2>/dev/null
  fi
  rm -rf "$TMP"
}
trap cleanup EXIT INT TERM
mkdir "$TOP" || { echo "FAIL: cannot create $TOP"; exit 1; }
(
  cd "$TOP" || exit 1
  for ((i = 0; i < DEPTH; i++)); do mkdir d && cd d || exit 1; done
) || { echo "FAIL: could not build the chain"; exit 1; }
made=$DEPTH

"$BIN" snapshot -o json >"$TMP/s.json" || { echo "FAIL: snapshot exited $?"; exit 1; }
n=$(jq --arg p "/mst-deep-$$" '[.cgroups[] | select(.path == $p or (.path | startswith($p + "/")))] | length' "$TMP/s.json")
deepest=$(jq --arg p "/mst-deep-$$" '[.cgroups[] | select(.path | startswith($p + "/")) | .path | length] | max' "$TMP/s.json")
echo "snapshot: $n cgroups of the chain, deepest path $deepest characters"
((n == DEPTH + 1)) || { echo "FAIL: the walk saw $n of $((DEPTH + 1)) cgroups of the chain"; exit 1; }
# The recorder's reader (one sample) stores the chain's top; its walk covers every level too: the
# root cgroup's count of cgroups in the sample.
"$BIN" record --db "$TMP/h.db" --samples 1 --listen off --no-kmsg --kubelet-log off --kubelet-unit off --cgroup-floor 0 \
  >"$TMP/rec.log" 2>&1 || { echo "FAIL: record exited $?: $(tail -3 "$TMP/rec.log")"; exit 1; }
stored=$(sqlite3 "file:$TMP/h.db?mode=ro" "SELECT count(*) FROM cgroups WHERE path LIKE '/mst-deep-$$%'" 2>/dev/null || echo 0)
echo "recorder: $stored cgroups of the chain stored (--cgroup-floor 0)"
((stored == DEPTH + 1)) || { echo "FAIL: the recorder stored $stored of $((DEPTH + 1))"; exit 1; }
echo PASS
