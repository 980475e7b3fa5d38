#!/usr/bin/env bash
# Live: the recorder captures events BETWEEN samples (interval 1h: only the first sample is taken
# during the test), each stored once and tied to its owner, shown in `history` and counted on
# /metrics:
#  - a real memcg OOM kill in a cgroup of our own shaped like a kubelet pod (read from /dev/kmsg),
#    which also triggers a full snapshot at once;
#  - kubelet eviction lines appended to <rootfs>/var/log/kubelet.log, the "Evicting pod" and the
#    "evicted successfully" line of one eviction counted once, across a logrotate.
source "$(dirname "$0")/recorder_lib.bash"
MEM=/sys/fs/cgroup/memory
if [[ $(id -u) -ne 0 ]]; then echo "skipped: needs root (creates a memory cgroup, reads /dev/kmsg)"; exit 77; fi
if [[ ! -w $MEM || ! -f $MEM/memory.limit_in_bytes ]]; then
  echo "skipped: no writable cgroup v1 memory hierarchy at $MEM"; exit 77
fi
for t in python3 sqlite3 curl; do command -v $t >/dev/null || { echo "skipped: $t not installed"; exit 77; }; done

POD_UID=$(cat /proc/sys/kernel/random/uuid)
CID=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
BASE=$MEM/mst-rec2-$$
CG=$BASE/kubepods/burstable/pod$POD_UID/$CID
CLEANUPS+=("rmdir '$CG' '$BASE/kubepods/burstable/pod$POD_UID' '$BASE/kubepods/burstable' '$BASE/kubepods' '$BASE' 2>/dev/null")
mkdir -p "$CG" || { echo "skipped: cannot create $CG"; exit 77; }
echo $((64 << 20)) > "$CG/memory.limit_in_bytes" || die "cannot set memory limit"
[[ -f $CG/memory.memsw.limit_in_bytes ]] && echo $((64 << 20)) > "$CG/memory.memsw.limit_in_bytes"

ROOT=$TMP/root
NS=mst-rec-ns
POD=hog-$$
mkdir -p "$ROOT/var/log/pods/${NS}_${POD}_${POD_UID}/hog" "$ROOT/var/log/containers" "$ROOT/dev" "$ROOT/var/log"
ln -s "../pods/${NS}_${POD}_${POD_UID}/hog/0.log" "$ROOT/var/log/containers/${POD}_${NS}_hog-${CID}.log"
touch "$ROOT/var/log/pods/${NS}_${POD}_${POD_UID}/hog/0.log"
ln -s /dev/kmsg "$ROOT/dev/kmsg"
LOG=$ROOT/var/log/kubelet.log
: > "$LOG"
DB=$TMP/h.db
PORT=$(free_port)
# --procfs/--sysfs stay the host's; --rootfs names /dev/kmsg, /var/log/pods and the kubelet log.
start_recorder --rootfs "$ROOT" --db "$DB" --interval 1h --listen "127.0.0.1:$PORT" --kubelet-log /var/log/kubelet.log
wait_for "first sample" 300 has_samples "$DB" 1
wait_for "metrics" 100 curl -sf "http://127.0.0.1:$PORT/metrics"
events() { sqlite3 "file:$DB?mode=ro" "SELECT count(*) FROM events WHERE $1" 2>/dev/null || echo 0; }
has_events() { (($(events "$1") >= $2)); }

# 1. Evictions, written by "the kubelet" after the first sample.
now_klog() { date -u +"%m%d %H:%M:%S.000000"; }
E1="I$(now_klog) 4242 eviction_manager.go:612] \"Evicting pod\" pod=\"$NS/victim-a\" podUID=\"11111111-2222-3333-4444-555555555555\" message=\"The node was low on resource: memory. Threshold quantity: 100Mi, available: 87608Ki. Container app was using 1536Mi, request is 0, has larger consumption of memory. \""
E2="I$(now_klog) 4242 eviction_manager.go:627] \"Eviction manager: pod is evicted successfully\" pod=\"$NS/victim-a\""
echo "$E1" >> "$LOG"
wait_for "eviction stored between samples" 100 has_events "kind='eviction'" 1
echo "$E2" >> "$LOG"
# logrotate: the old file moves away, a new one is created; the next eviction is in the new file.
mv "$LOG" "$LOG.1"
E3="I$(now_klog) 4242 eviction_manager.go:627] \"Eviction manager: pod is evicted successfully\" pod=\"other-ns/victim-b\""
echo "$E3" > "$LOG"
wait_for "second eviction after rotation" 100 has_events "kind='eviction'" 2
sleep 1   # one more poll: nothing else may appear
n=$(events "kind='eviction'")
[[ $n == 2 ]] || die "want 2 evictions stored (victim-a once, victim-b), got $n"
[[ $(events "kind='eviction' AND owner_kind='pod' AND namespace='$NS' AND pod='victim-a' AND bytes=$((1536 << 20))") == 1 ]] ||
  die "victim-a eviction not tied to its pod: $(sqlite3 "$DB" 'SELECT * FROM events')"

# 2. A real memcg OOM kill in our pod-shaped cgroup.
sh -c "echo \$\$ > '$CG/cgroup.procs' && exec python3 -c 'b = b\"x\" * (200 << 20); print(len(b))'" >/dev/null 2>&1 &
VICTIM=$!
wait "$VICTIM"
rc=$?
[[ $rc -eq 137 ]] || die "expected the allocator to be OOM-killed (exit 137), got exit $rc"
wait_for "OOM kill stored between samples" 100 has_events "kind='oom_kill' AND pid=$VICTIM" 1
[[ $(events "kind='oom_kill' AND pid=$VICTIM AND owner_kind='pod' AND namespace='$NS' AND pod='$POD'") == 1 ]] ||
  die "OOM kill not tied to pod $NS/$POD: $(sqlite3 "$DB" "SELECT * FROM events WHERE kind='oom_kill' AND pid=$VICTIM")"
# The kill triggers a full snapshot at once (the interval is an hour).
wait_for "OOM-triggered full snapshot" 100 has_samples "$DB" 2
[[ $(sqlite3 "file:$DB?mode=ro" "SELECT trigger FROM samples WHERE full=1 ORDER BY id DESC LIMIT 1") == oom-kill ]] ||
  die "second sample is not an oom-kill snapshot: $(sqlite3 "$DB" 'SELECT id,time,full,trigger FROM samples')"

# 3. /metrics counts them (counters of this agent's lifetime), by owner kind and namespace.
counted() { [[ $(metric_value "$PORT" "$1{owner_kind=\"pod\",namespace=\"$NS\"}") == 1 ]]; }
wait_for "eviction counter" 50 counted memsleuth_evictions_total
wait_for "OOM counter" 50 counted memsleuth_oom_kills_total

# 4. history lists both, with their owners.
"$MS" history --db "$DB" --since -1h > "$TMP/hist.txt" || die "history exited $?"
grep -q "Evictions: 2" "$TMP/hist.txt" || { cat "$TMP/hist.txt"; die "history: want 'Evictions: 2'"; }
grep -q "pod $NS/victim-a using 1.50Gi" "$TMP/hist.txt" || { cat "$TMP/hist.txt"; die "history lacks victim-a"; }
grep -q "python3 (pid $VICTIM) pod $NS/$POD" "$TMP/hist.txt" || { cat "$TMP/hist.txt"; die "history lacks the OOM kill"; }
echo "PASS: evictions (2, across rotation) and OOM kill $VICTIM captured between samples, tied to pods, on /metrics and in history"
