#!/usr/bin/env bash
# e2e (root): doctor on this machine's real kernel, one cause at a time, each in cgroups and files of
# our own (prefix mst-doctor-sc-$$), cleaned up on every exit path:
#   0. this idle machine: no critical finding (findings about other developers' concurrent test
#      cgroups, /mst-*, are listed but not held against the machine)
#   1. tmpfs filling: a tmpfs of our own holding ~1.5 GiB (≥ 5% of RAM on nodes up to 30 GiB)
#   2. a leaking service: a process in <prefix>/system.slice/leaky.service, no limit, growing to ~1.2 GiB
#   3. a BestEffort pod hog: a process in <prefix>/kubepods/besteffort/pod<uid>/<id> holding ~1.5 GiB
#   4. a recent memcg OOM: a 64 MiB pod container whose process is OOM-killed by the kernel
set -uo pipefail
MS=${1:?usage: doctor_scenarios.sh <memsleuth>}
source "$(dirname "$0")/../live/lib/cgroup.bash"
ms_require_memcg  # exit 77 unless root with a writable memory cgroup
for t in jq python3 mount; do command -v "$t" >/dev/null || { echo "FAIL: missing $t"; exit 1; }; done

PREFIX="mst-doctor-sc-$$"
BASE="$MEMCG_ROOT/$PREFIX"
ROOT=$(mktemp -d "/tmp/mst-doctor-sc-$$-XXXX")
MNT="$ROOT/mnt-tmpfs"
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
cleanup() {
  ms_cleanup
  mountpoint -q "$MNT" && umount "$MNT"
  rm -rf "$ROOT"
}
trap cleanup EXIT INT TERM
# run_in <cgroup-dir> <name> <python code>: starts the code in the cgroup; prints its pid once the code
# wrote its ready file (argv[1]).
run_in() {
  ms_start_in "$1" python3 -c "$3" "$ROOT/$2.ready"
  ms_wait_file "$ROOT/$2.ready" "$MS_LAST_PID"
  echo "$MS_LAST_PID"
}
HOLD='import sys, time
hold = b"\x01" * SIZE
open(sys.argv[1], "w").write("ready")
time.sleep(600)'
doctor_json() { "$MS" "$@" doctor -o json; }
q() { jq -r "$1" <<<"$J"; }
ours() { jq -c "[.findings[]|select(.subject.cgroup // \"\" | startswith(\"/$PREFIX\"))]" <<<"$J"; }

# --- 0. idle machine ---
J=$(doctor_json)
rc=$?
[[ $(q .schema) == memsleuth.doctor/v1 ]] || fail "idle: not a doctor report (rc $rc)"
crit=$(jq -c '[.findings[]|select(.severity=="critical")|select((.subject.cgroup // "")|startswith("/mst-")|not)]' <<<"$J")
[[ $crit == "[]" ]] || fail "idle machine has critical findings: $crit"
others=$(jq -r '[.findings[]|select((.subject.cgroup // "")|startswith("/mst-"))]|length' <<<"$J")
echo "idle: exit $rc, $(q '.findings|length') finding(s) ($others about concurrent test cgroups): $(q '[.findings[].id]|join(",")')"

ms_mkcg "$BASE" || { echo "FAIL: cannot create $BASE"; exit 1; }

# --- 1. tmpfs filling ---
mkdir -p "$MNT"
mount -t tmpfs -o size=2g mst-doctor-tmpfs "$MNT" || { echo "FAIL: mount tmpfs"; exit 1; }
dd if=/dev/zero of="$MNT/blob" bs=1M count=1536 status=none
J=$(doctor_json)
rc=$?
f=$(jq -c --arg m "$MNT" '[.findings[]|select(.subject.path==$m)][0]' <<<"$J")
[[ $(jq -r .id <<<"$f") == tmpfs-filling ]] || fail "tmpfs: no tmpfs-filling finding for $MNT: $(q '[.findings[]|{id,title}]')"
[[ $(jq -r .title <<<"$f") == *"1.50Gi"* ]] || fail "tmpfs: title lacks the size: $(jq -r .title <<<"$f")"
[[ $(jq -r '.evidence[0].source' <<<"$f") == "statvfs($MNT)" ]] || fail "tmpfs: evidence source $(jq -r '.evidence[0].source' <<<"$f")"
((rc >= 1)) || fail "tmpfs: exit $rc, want >= 1"
umount "$MNT"

# --- 2. a leaking service outside kubepods ---
ms_mkcg "$BASE/system.slice/leaky.service"
leak=$(run_in "$BASE/system.slice/leaky.service" leaky 'import sys, time
hold = []
for i in range(12):
    hold.append(b"\x01" * (100 << 20)); time.sleep(0.05)
open(sys.argv[1], "w").write("ready")
time.sleep(600)')
J=$(doctor_json)
rc=$?
f=$(jq -c --argjson p "$leak" '[.findings[]|select(.subject.pid==$p)][0]' <<<"$J")
[[ $(jq -r .id <<<"$f") == unbounded-outside-kubepods ]] || fail "leak: no unbounded finding for pid $leak: $(ours)"
[[ $(jq -r .subject.owner <<<"$f") == *leaky.service* ]] || fail "leak: owner $(jq -r .subject.owner <<<"$f")"
[[ $(jq -r .fix[] <<<"$f") == *"MemoryMax="* ]] || fail "leak: fix lacks MemoryMax: $(jq -c .fix <<<"$f")"
((rc >= 1)) || fail "leak: exit $rc"
kill -KILL "$leak" 2>/dev/null

# --- 3. a BestEffort pod hog ---
BE_UID=0b5c4e1a-2d3f-4a6b-8c7d-9e0f1a2b3c4d
CID=$(printf '%064x' 48879)
ms_mkcg "$BASE/kubepods/besteffort/pod$BE_UID/$CID"
mkdir -p "$ROOT/rootfs/var/log/pods/batch_hog-0_$BE_UID/hog"
hog=$(run_in "$BASE/kubepods/besteffort/pod$BE_UID/$CID" hog "${HOLD/SIZE/(1536 << 20)}")
J=$("$MS" --rootfs "$ROOT/rootfs" doctor -o json)
rc=$?
f=$(jq -c '[.findings[]|select(.id=="besteffort-pod-hog")][0]' <<<"$J")
[[ $(jq -r .title <<<"$f") == *"batch/hog-0"* ]] || fail "besteffort: no finding naming batch/hog-0: $(ours)"
[[ $(jq -r .subject.cgroup <<<"$f") == "/$PREFIX/kubepods/besteffort/pod$BE_UID" ]] || fail "besteffort: cgroup $(jq -r .subject.cgroup <<<"$f")"
((rc >= 1)) || fail "besteffort: exit $rc"
kill -KILL "$hog" 2>/dev/null

# --- 4. a recent memcg OOM kill ---
OOM_UID=7f1e2d3c-4b5a-4697-8877-665544332211
OCID=$(printf '%064x' 57005)
OOM_CG="$BASE/kubepods/burstable/pod$OOM_UID/$OCID"
ms_mkcg "$OOM_CG" && ms_set_limit "$OOM_CG" $((64 << 20))
ms_start_in "$OOM_CG" python3 -c 'x = b"\x01" * (256 << 20)'
{ wait "$MS_LAST_PID"; } 2>/dev/null  # (the kernel OOM-kills it: no job message)
(($(ms_oom_kills "$OOM_CG") >= 1)) || fail "oom: the kernel did not OOM-kill in our 64 MiB cgroup"
J=$(doctor_json)
rc=$?
f=$(jq -c --arg u "$OOM_UID" '[.findings[]|select(.id=="recent-memcg-oom" and ((.subject.cgroup // "")|contains($u)))][0]' <<<"$J")
[[ $(jq -r .title <<<"$f") == *"python3"* ]] || fail "oom: no recent-memcg-oom finding for pod $OOM_UID: $(q '[.findings[]|{id,title}]')"
((rc >= 1)) || fail "oom: exit $rc"

if ((fails)); then echo "$fails failure(s)"; exit 1; fi
echo "PASS: idle (no critical), tmpfs, leaking service, BestEffort hog, memcg OOM"
