#!/usr/bin/env bash
# Live: a kill the recorder is still holding for its oom_reaper line (up to 5 s; kernels >= 5.18
# often print none when the victim exits by itself) is stored when the recorder is stopped right
# after it, not lost with the process.
source "$(dirname "$0")/recorder_lib.bash"
MEM=/sys/fs/cgroup/memory
if [[ $(id -u) -ne 0 ]]; then echo "skipped: needs root (creates a memory cgroup, reads /dev/kmsg)"; exit 77; fi
if [[ ! -w $MEM || ! -f $MEM/memory.limit_in_bytes ]]; then
  echo "skipped: no writable cgroup v1 memory hierarchy at $MEM"; exit 77
fi
for t in python3 sqlite3; do command -v $t >/dev/null || { echo "skipped: $t not installed"; exit 77; }; done

CG=$MEM/mst-recstop-$$
CLEANUPS+=("rmdir '$CG' 2>/dev/null")
mkdir -p "$CG" || { echo "skipped: cannot create $CG"; exit 77; }
echo $((32 << 20)) > "$CG/memory.limit_in_bytes" || die "cannot set memory limit"
[[ -f $CG/memory.memsw.limit_in_bytes ]] && echo $((32 << 20)) > "$CG/memory.memsw.limit_in_bytes"

DB=$TMP/h.db
start_recorder --db "$DB" --interval 1h --listen off --kubelet-log off
wait_for "first sample" 300 has_samples "$DB" 1

sh -c "echo \$\$ > '$CG/cgroup.procs' && exec python3 -c 'b = b\"x\" * (200 << 20); print(len(b))'" >/dev/null 2>&1 &
VICTIM=$!
wait "$VICTIM"
rc=$?
[[ $rc -eq 137 ]] || die "expected the allocator to be OOM-killed (exit 137), got exit $rc"
# Stop at once: well inside the 5 s the kill may be held for.
kill -TERM "$REC_PID"
wait "$REC_PID" 2>/dev/null
n=$(sqlite3 "file:$DB?mode=ro" "SELECT count(*) FROM events WHERE kind='oom_kill' AND pid=$VICTIM")
[[ $n == 1 ]] || die "the OOM kill of pid $VICTIM was not stored when the recorder stopped (found $n)"
echo "PASS: the kill held at shutdown was stored"
