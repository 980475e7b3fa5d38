#!/usr/bin/env bash
# Live: a real memcg OOM kill in a cgroup of our own shaped like a kubelet BestEffort pod
# (cgroupfs driver, under a private prefix so kubepods sits below the root, as with --cgroup-root),
# then `memsleuth oom` must read it back from /dev/kmsg with the victim, CONSTRAINT_MEMCG and the
# pod names from a temp --rootfs /var/log/pods.
set -u
BIN=${1:?usage: oom_memcg_kill.sh <memsleuth-binary>}
MEM=/sys/fs/cgroup/memory
if [[ $(id -u) -ne 0 ]]; then echo "skipped: needs root (creates a memory cgroup, reads /dev/kmsg)"; exit 77; fi
if [[ ! -w $MEM || ! -f $MEM/memory.limit_in_bytes ]]; then
  echo "skipped: no writable cgroup v1 memory hierarchy at $MEM"; exit 77
fi
command -v python3 >/dev/null || { echo "skipped: python3 not installed"; exit 77; }
command -v jq >/dev/null || { echo "skipped: jq not installed"; exit 77; }

POD_UID=$(cat /proc/sys/kernel/random/uuid)
CID=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
BASE=$MEM/mst-oom-$$
CG=$BASE/kubepods/besteffort/pod$POD_UID/$CID
ROOT=$(mktemp -d /tmp/mst-oom-root.XXXXXX)
VICTIM=""
cleanup() {
  [[ -n $VICTIM ]] && kill -9 "$VICTIM" 2>/dev/null
  for d in "$CG" "$BASE/kubepods/besteffort/pod$POD_UID" "$BASE/kubepods/besteffort" "$BASE/kubepods" "$BASE"; do
    [[ -d $d ]] && rmdir "$d" 2>/dev/null
  done
  rm -rf "$ROOT"
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; echo "--- memsleuth output:"; cat "$ROOT/out.json" 2>/dev/null | head -c 4000; exit 1; }

mkdir -p "$CG" || { echo "skipped: cannot create $CG"; exit 77; }
echo $((64 << 20)) > "$CG/memory.limit_in_bytes" || fail "cannot set memory limit"
# With swap accounting the process could swap instead of dying: cap memory+swap too.
[[ -f $CG/memory.memsw.limit_in_bytes ]] && echo $((64 << 20)) > "$CG/memory.memsw.limit_in_bytes"

NS=mst-oom-ns
POD=hog-$$
mkdir -p "$ROOT/var/log/pods/${NS}_${POD}_${POD_UID}/hog" "$ROOT/var/log/containers" "$ROOT/dev"
touch "$ROOT/var/log/pods/${NS}_${POD}_${POD_UID}/hog/0.log"
ln -s "../pods/${NS}_${POD}_${POD_UID}/hog/0.log" "$ROOT/var/log/containers/${POD}_${NS}_hog-${CID}.log"
ln -s /dev/kmsg "$ROOT/dev/kmsg"   # --rootfs also names where /dev/kmsg is

# The child joins the cgroup, then execs python3, which touches 200 MiB (b'x' * n writes every page).
sh -c "echo \$\$ > '$CG/cgroup.procs' && exec python3 -c 'b = b\"x\" * (200 << 20); print(len(b))'" >/dev/null 2>&1 &
VICTIM=$!
wait "$VICTIM"
rc=$?
VICTIM_PID=$VICTIM
VICTIM=""
[[ $rc -eq 137 ]] || fail "expected the allocator to be OOM-killed (exit 137), got exit $rc"

# Since 5.18 the oom_reaper acts 2 s after the kill (and prints only if the victim had not exited by
# then): let its line, if there is one, reach the ring before we read it.
sleep 3
"$BIN" --rootfs "$ROOT" oom -o json > "$ROOT/out.json" || fail "memsleuth oom exited $?"
EV=$(jq -c --argjson pid "$VICTIM_PID" '[.events[] | select(.kind == "oom_kill" and .victim.pid == $pid)] | last' "$ROOT/out.json")
[[ $EV != null ]] || fail "no oom_kill event for victim pid $VICTIM_PID"
echo "event: $EV" | head -c 2000; echo
check() { local got; got=$(jq -r "$1" <<<"$EV"); [[ $got == "$2" ]] || fail "$1 = '$got', want '$2'"; }
check .victim.comm python3
check .constraint CONSTRAINT_MEMCG
check .scope memcg
check .incomplete false
check .task_memcg "/mst-oom-$$/kubepods/besteffort/pod$POD_UID/$CID"
check .oom_memcg "/mst-oom-$$/kubepods/besteffort/pod$POD_UID/$CID"
check .owner.kind pod
check .owner.qos besteffort
check .owner.pod_uid "$POD_UID"
check .owner.namespace "$NS"
check .owner.pod "$POD"
check .owner.container hog
check .owner.container_id "$CID"
check .memcg.memory.limit_bytes $((64 << 20))
# reaped says exactly whether the kernel printed the reaper line for this victim.
if command -v dmesg >/dev/null; then
  want=false
  dmesg | grep -q "oom_reaper: reaped process $VICTIM_PID (python3)" && want=true
  check .victim.reaped $want
fi
anon=$(jq -r .victim.anon_rss_bytes <<<"$EV")
(( anon > 32 << 20 )) || fail "victim anon_rss_bytes $anon, want > 32Mi"
[[ $(jq -r .time <<<"$EV") =~ ^20[0-9][0-9]-.*Z$ ]] || fail "event time not converted to wall clock"
jq -e '.schema == "memsleuth.oom/v1"' "$ROOT/out.json" >/dev/null || fail "schema"

# The table names the pod too.
"$BIN" --rootfs "$ROOT" oom > "$ROOT/out.txt" || fail "table exited $?"
grep -q "$NS/$POD/hog" "$ROOT/out.txt" || { cat "$ROOT/out.txt" | tail -20; fail "table lacks $NS/$POD/hog"; }
echo "PASS: victim $VICTIM_PID python3 killed in $NS/$POD/hog (CONSTRAINT_MEMCG)"
