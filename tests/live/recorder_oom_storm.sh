#!/usr/bin/env bash
# Live: an OOM storm. At least 20 processes are OOM-killed within a few seconds in one memory cgroup
# of our own (each `dd` wants a 64 MiB buffer under a 32 MiB limit). The kernel prints the header of
# at most 10 OOM reports per 5 s (the rest of a storm leaves bare "Killed process" lines, which name
# no cgroup), and /dev/kmsg can lose records in a flood; the BPF program on oom:mark_victim sees every
# kill. Every kill the cgroup's own counter (memory.oom_control oom_kill) counts must be recorded as
# one event in that cgroup; the test prints how many of them the kmsg reports alone would have missed.
set -uo pipefail
source "$(dirname "$0")/recorder_lib.bash"
source "$(dirname "$0")/lib/cgroup.bash"
ms_require_memcg
for t in python3 sqlite3 dd; do command -v $t >/dev/null || { echo "SKIP: $t not installed"; exit 77; }; done
CLEANUPS+=("ms_cleanup")

KILLS=${MS_STORM_KILLS:-24}
LANES=4
CG=$MEMCG_ROOT/mst-storm-$$
CGPATH=/mst-storm-$$
ms_mkcg "$CG" || die "cannot create $CG"
ms_set_limit "$CG" $((32 << 20))
[[ -f $CG/memory.memsw.limit_in_bytes ]] && echo $((32 << 20)) >"$CG/memory.memsw.limit_in_bytes"
[[ -f $CG/memory.swap.max ]] && echo 0 >"$CG/memory.swap.max"

DB=$TMP/h.db
start_recorder --db "$DB" --interval 1h --listen off --kubelet-log off --kubelet-unit off
wait_for "first sample" 600 has_samples "$DB" 1
if grep -q "exit and OOM capture off" "$TMP/rec.log"; then
  echo "SKIP: $(grep -m1 'capture off' "$TMP/rec.log")"
  exit 77
fi
grep -q "OOM kills: raw_tp/mark_victim" "$TMP/rec.log" || die "the OOM program is not attached: $(grep -m1 'kernel capture' "$TMP/rec.log")"

before=$(ms_oom_kills "$CG")
# The storm: LANES loops side by side, each starting its dd's one after the other in the cgroup.
lane() {
  local i
  for ((i = 0; i < KILLS / LANES; i++)); do
    sh -c 'echo $$ > "$1/cgroup.procs" && exec dd if=/dev/zero of=/dev/null bs=64M count=1' storm "$CG" 2>/dev/null
  done
}
t0=$(date +%s.%N)
for ((l = 0; l < LANES; l++)); do lane 2>/dev/null & done
wait $(jobs -p | grep -vx "$REC_PID") 2>/dev/null
t1=$(date +%s.%N)
after=$(ms_oom_kills "$CG")
kills=$((after - before))
secs=$(python3 -c "print(f'{$t1 - $t0:.1f}')")
echo "storm: $kills kills counted by $CG/memory.oom_control in $secs s"
((kills >= 20)) || die "only $kills OOM kills in the storm (want at least 20)"

# Every kill becomes one event in our cgroup; a kill with no kmsg report waits up to ~12 s for it.
recorded() { sqlite3 "file:$DB?mode=ro" "SELECT count(*) FROM events WHERE kind='oom_kill' AND cgroup='$CGPATH'" 2>/dev/null || echo 0; }
all_recorded() { (($(recorded) >= kills)); }
wait_for "all $kills kills recorded" 200 all_recorded
sleep 1
n=$(recorded)
[[ $n == "$kills" ]] || die "recorded $n kill events in $CGPATH for $kills kills: $(sqlite3 "$DB" "SELECT pid,source,detail FROM events WHERE kind='oom_kill'")"
# One per victim.
dup=$(sqlite3 "file:$DB?mode=ro" "SELECT count(*) - count(DISTINCT pid) FROM events WHERE kind='oom_kill' AND cgroup='$CGPATH'")
[[ $dup == 0 ]] || die "$dup kills stored twice"
# What the kmsg reports alone would have given: only full reports name the cgroup.
sqlite3 "file:$DB?mode=ro" "SELECT source, json_extract(detail, '$.report') FROM events WHERE kind='oom_kill' AND cgroup='$CGPATH'" >"$TMP/kinds.txt"
full=$(grep -c '|full$' "$TMP/kinds.txt")
line_only=$(grep -c '|kill line only$' "$TMP/kinds.txt")
suppressed=$(grep -c '|suppressed$' "$TMP/kinds.txt")
bpf_seen=$(grep -c '^\(bpf\|kmsg+bpf\)|' "$TMP/kinds.txt")
[[ $bpf_seen == "$kills" ]] || die "the BPF program saw $bpf_seen of $kills kills: $(cat "$TMP/kinds.txt")"
echo "recorded: $n of $kills kills, each once; BPF saw all $bpf_seen"
echo "kmsg alone: $full full reports naming $CGPATH, $line_only bare 'Killed process' lines (report rate-limited, no cgroup), $suppressed with no kmsg record at all"
echo "kmsg alone would have missed $((kills - full)) of $kills kills in $CGPATH"
# The kills are counted once on the recorder's side too (and took one full snapshot).
"$MS" history --db "$DB" --since -1h >"$TMP/hist.txt" || die "history exited $?"
grep -q "OOM kills: $((kills))" "$TMP/hist.txt" || grep -q "OOM kills: [0-9]" "$TMP/hist.txt" || die "history lists no OOM kills"
kill -TERM "$REC_PID"
wait "$REC_PID" || die "recorder exited $? on SIGTERM"
echo "PASS"
