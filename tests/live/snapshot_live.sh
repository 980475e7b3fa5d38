#!/usr/bin/env bash
# Live: a process of ours touching 64 MiB inside a memory cgroup of ours shows up in
# `snapshot -o json` with its memory_cgroup, the cgroup's usage and its own RSS.
set -euo pipefail
BIN=${1:?usage: snapshot_live.sh <memsleuth>}
source "$(dirname "$0")/lib/cgroup.bash"
ms_require_memcg
command -v jq >/dev/null || { echo "SKIP: jq missing"; exit 77; }

TOP="mst-foundation-$$"
POD="pod0d8f4b2e-6c1a-4b7e-9f3a-2c5d7e8f9a01"
CTR=$(printf '4f1c2d3e%.0s' {1..8})
REL="/$TOP/kubepods/burstable/$POD/$CTR"
DIR="$MEMCG_ROOT$REL"
WORK=$(mktemp -d)
HOG="" SPLIT=""
cleanup() {
  if [[ -n $HOG ]]; then kill "$HOG" 2>/dev/null || true; wait "$HOG" 2>/dev/null || true; fi
  if [[ -n $SPLIT ]]; then kill "$SPLIT" 2>/dev/null || true; wait "$SPLIT" 2>/dev/null || true; fi
  ms_rmdir_tree "$MEMCG_ROOT/$TOP"
  rm -rf "$WORK"
}
trap cleanup EXIT INT TERM

mkdir -p "$DIR"
if [[ $MEMCG_V2 == 1 ]]; then
  # v2: controllers must be enabled top-down for the leaf to have memory.* files.
  p="$MEMCG_ROOT"
  for part in $TOP kubepods burstable $POD; do
    echo +memory > "$p/$part/cgroup.subtree_control" 2>/dev/null || true
    p="$p/$part"
  done
fi

# The child moves itself into the cgroup before it allocates, touches every page, then waits.
/usr/bin/python3 - "$DIR/cgroup.procs" "$WORK/ready" <<'PY' &
import os, sys, time
open(sys.argv[1], "w").write(str(os.getpid()))
buf = bytearray(64 << 20)
for i in range(0, len(buf), 4096):
    buf[i] = 1
open(sys.argv[2], "w").write("ok")
time.sleep(600)
PY
HOG=$!
for _ in $(seq 1 600); do [[ -e $WORK/ready ]] && break; kill -0 "$HOG" 2>/dev/null || break; sleep 0.1; done
[[ -e $WORK/ready ]] || { echo "FAIL: the 64 MiB child never became ready"; exit 1; }

"$BIN" snapshot -o json > "$WORK/snap.json"
jq -e . "$WORK/snap.json" >/dev/null
MIB64=$((64 << 20))
proc=$(jq -c --argjson pid "$HOG" '.processes[] | select(.pid == $pid)' "$WORK/snap.json")
[[ -n $proc ]] || { echo "FAIL: pid $HOG not in the snapshot"; exit 1; }
echo "process: $(jq -c '{pid, memory_cgroup, rss_bytes, rss_anon_bytes}' <<<"$proc")"
got_cg=$(jq -r .memory_cgroup <<<"$proc")
[[ $got_cg == "$REL" ]] || { echo "FAIL: memory_cgroup '$got_cg' != '$REL'"; exit 1; }
jq -e --argjson m "$MIB64" '.rss_bytes >= $m and .rss_anon_bytes >= ($m - 1048576)' <<<"$proc" >/dev/null ||
  { echo "FAIL: rss_bytes below 64 MiB"; exit 1; }
cg=$(jq -c --arg p "$REL" '.cgroups[] | select(.path == $p)' "$WORK/snap.json")
[[ -n $cg ]] || { echo "FAIL: cgroup $REL not in the snapshot"; exit 1; }
echo "cgroup: $(jq -c '{path, usage_bytes, limit_bytes, nr_procs}' <<<"$cg")"
jq -e --argjson m "$MIB64" '.usage_bytes >= $m and .limit_bytes == null and .nr_procs == 1' <<<"$cg" >/dev/null ||
  { echo "FAIL: cgroup usage/limit/nr_procs wrong"; exit 1; }
# Owners (the classification `top -o json` gives): the pod from the cgroup path, for the process
# and its cgroup; this shell (outside kubepods; on v1 its systemd line is read for it) as top has it.
jq -e '.owner.kind == "pod" and .owner.qos == "burstable" and .owner.in_kubepods and
       .owner.pod_uid == "0d8f4b2e-6c1a-4b7e-9f3a-2c5d7e8f9a01" and (.owner.container_id | length) == 64' \
  <<<"$proc" >/dev/null || { echo "FAIL: process owner wrong: $(jq -c .owner <<<"$proc")"; exit 1; }
jq -e '.owner.kind == "pod" and .owner.qos == "burstable"' <<<"$cg" >/dev/null ||
  { echo "FAIL: cgroup owner wrong: $(jq -c .owner <<<"$cg")"; exit 1; }
"$BIN" top -n 0 -o json > "$WORK/top.json"
for pid in "$HOG" $$; do
  s_owner=$(jq -c --argjson pid "$pid" '.processes[] | select(.pid == $pid) | .owner' "$WORK/snap.json")
  t_owner=$(jq -c --argjson pid "$pid" '.rows[] | select(.pid == $pid) | .owner' "$WORK/top.json")
  [[ -n $s_owner && $s_owner == "$t_owner" ]] ||
    { echo "FAIL: owner of $pid: snapshot $s_owner, top $t_owner"; exit 1; }
done
# Parents are present and at least as large (hierarchical usage).
jq -e --arg p "/$TOP/kubepods" --argjson m "$MIB64" '[.cgroups[] | select(.path == $p)][0].usage_bytes >= $m' \
  "$WORK/snap.json" >/dev/null || { echo "FAIL: parent cgroup missing or smaller"; exit 1; }

# `snapshot` places processes from the cgroup walk's cgroup.procs instead of reading each
# /proc/<pid>/cgroup: a process listed in two cgroups (v1: one of its threads moved into a sibling
# cgroup) must still get its leader's cgroup, as /proc/<pid>/cgroup shows it.
if [[ $MEMCG_V2 == 0 ]]; then
  SIB="$REL-sibling"
  mkdir -p "$MEMCG_ROOT$SIB"
  # The leader goes to the sibling (walked after $REL), one thread to $REL (walked first): taking
  # the first cgroup.procs that lists the pid would be wrong.
  /usr/bin/python3 - "$MEMCG_ROOT$SIB/cgroup.procs" "$DIR/tasks" "$WORK/ready2" <<'PY' &
import os, sys, threading, time
open(sys.argv[1], "w").write(str(os.getpid()))
def park():
    open(sys.argv[2], "w").write(str(threading.get_native_id()))
    open(sys.argv[3], "w").write("ok")
    time.sleep(600)
threading.Thread(target=park, daemon=True).start()
time.sleep(600)
PY
  SPLIT=$!
  for _ in $(seq 1 100); do [[ -e $WORK/ready2 ]] && break; sleep 0.1; done
  [[ -e $WORK/ready2 ]] || { echo "FAIL: split child never became ready"; exit 1; }
  "$BIN" snapshot -o json > "$WORK/snap-split.json"
  want=$(awk -F: '$2 ~ /(^|,)memory(,|$)/ {print $3}' /proc/$SPLIT/cgroup)
  got=$(jq -r --argjson pid "$SPLIT" '.processes[] | select(.pid == $pid) | .memory_cgroup' "$WORK/snap-split.json")
  kill "$SPLIT"; wait "$SPLIT" 2>/dev/null || true; SPLIT=""
  echo "split process: /proc says '$want', snapshot says '$got'"
  [[ $want == "$SIB" && $got == "$want" ]] || { echo "FAIL: split process placed in '$got', /proc/<pid>/cgroup says '$want'"; exit 1; }
fi

# A limit set on the pod cgroup is reported in bytes.
if [[ $MEMCG_V2 == 1 ]]; then echo $((512 << 20)) > "$MEMCG_ROOT/$TOP/kubepods/burstable/$POD/memory.max"
else echo $((512 << 20)) > "$MEMCG_ROOT/$TOP/kubepods/burstable/$POD/memory.limit_in_bytes"; fi
"$BIN" snapshot -o json > "$WORK/snap2.json"
jq -e --arg p "/$TOP/kubepods/burstable/$POD" '[.cgroups[] | select(.path == $p)][0].limit_bytes == 536870912' \
  "$WORK/snap2.json" >/dev/null || { echo "FAIL: pod limit not 512 MiB"; exit 1; }
echo PASS
