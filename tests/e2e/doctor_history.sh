#!/usr/bin/env bash
# e2e (root): doctor's history checks on a database this test records itself. The recorder samples this
# machine every second while a process of ours, outside kubepods with no limit
# (<prefix>/system.slice/grow.service), grows by ~128 MiB/s to ~1.5 GiB, and for a minute more (doctor
# measures every rate over 60 s or more: ~25 MiB/s here). Then:
#   doctor --db DB   sees the decline of available memory: with a hard memory.available<100Mi it is
#                    smaller than one 10 s housekeeping interval of growth (critical), and a 1m30s soft
#                    grace is too long for the gap to a 1Gi soft threshold; node.history has the worst
#                    moment and the fastest decline;
#   doctor --at T    replays a recorded moment after the growth: the grower is the unbounded process,
#                    though it has exited by then, and the report says it is a replay.
set -uo pipefail
MS=${1:?usage: doctor_history.sh <memsleuth>}
source "$(dirname "$0")/../live/lib/cgroup.bash"
ms_require_memcg  # exit 77 unless root with a writable memory cgroup
for t in jq python3 sqlite3; do command -v "$t" >/dev/null || { echo "FAIL: missing $t"; exit 1; }; done

PREFIX="mst-doctor-hist-$$"
CG="$MEMCG_ROOT/$PREFIX/system.slice/grow.service"
TMP=$(mktemp -d "/tmp/mst-doctor-hist-$$-XXXX")
DB=$TMP/history.db
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
cleanup() {
  ms_cleanup
  rm -rf "$TMP"
}
trap cleanup EXIT INT TERM
samples() { sqlite3 "file:$DB?mode=ro" "SELECT count(*) FROM samples" 2>/dev/null || echo 0; }
wait_samples() {  # N: wait (bounded) until the database holds N samples
  local i
  for ((i = 0; i < 900; i++)); do (($(samples) >= $1)) && return 0; sleep 0.1; done
  return 1
}
KUBELET_FLAGS="--eviction-hard=memory.available<100Mi --eviction-soft=memory.available<1Gi --eviction-soft-grace-period=memory.available=1m30s"

ms_mkcg "$CG" || { echo "FAIL: cannot create $CG"; exit 1; }
# The recorder: 1 s samples (the store keeps whole seconds), every process from 256 MiB.
"$MS" record --db "$DB" --interval 1s --listen off --no-kmsg --process-floor 256Mi --quiet >"$TMP/rec.log" 2>&1 &
MS_PIDS+=($!)
REC=$!
wait_samples 3 || { echo "FAIL: the recorder wrote no samples"; cat "$TMP/rec.log"; exit 1; }

# The grower: 12 steps of 128 MiB, one every second, then it holds.
ms_start_in "$CG" python3 -c '
import sys, time
hold = []
for i in range(12):
    hold.append(b"\x01" * (128 << 20)); time.sleep(1)
open(sys.argv[1], "w").write("ready")
time.sleep(600)' "$TMP/grow.ready"
GROW=$MS_LAST_PID
ms_wait_file "$TMP/grow.ready" "$GROW" 300 || { echo "FAIL: the grower did not allocate"; exit 1; }
n=$(samples)
# A minute of history or more: the rates are judged over 60 s, never one short interval.
wait_samples $((n + 62)) || fail "the recorder stopped sampling"
# Samples are stored to the second and --at picks the latest one of its second: replay the second
# before the newest sample, which is over, so no sample of it can come after the kill below.
T_GROWN=$(($(sqlite3 "file:$DB?mode=ro" "SELECT max(time) FROM samples") - 1))
kill -KILL "$GROW"; { wait "$GROW"; } 2>/dev/null
wait_samples $((n + 5))
kill -TERM "$REC"; wait "$REC" 2>/dev/null

# --- live doctor with the recorded history ---
J=$("$MS" doctor --db "$DB" --kubelet-flags "$KUBELET_FLAGS" --no-kernel-log --sample 0 -o json)
rc=$?
q() { jq -r "$1" <<<"$J"; }
[[ $(q .schema) == memsleuth.doctor/v1 ]] || { echo "FAIL: no doctor report (exit $rc)"; exit 1; }
[[ $(q '.node.inputs|index("history") != null') == true ]] || fail "history not an input: $(q .node.missing_inputs)"
(($(q .node.history.samples) >= 10)) || fail "history samples: $(q .node.history.samples)"
rate=$(q '.node.history.fastest_decline_bytes_per_second // 0')
# The grower's 1.5 GiB over a minute is 25.6 MiB/s; other work on the machine may free some
# meanwhile, not all of it.
python3 -c "import sys; sys.exit(0 if $rate >= 16 * 2**20 else 1)" || fail "fastest decline $rate B/s, want >= 16 MiB/s"
[[ $(q .node.history.lowest_kubelet_memory_available.time) != null ]] || fail "no worst moment: $(q .node.history)"
hard=$(jq -c '[.findings[]|select(.id=="eviction-hard-too-small")][0]' <<<"$J")
[[ $(jq -r .severity <<<"$hard") == critical ]] || fail "eviction-hard-too-small not critical: $hard"
[[ $(jq -r '.evidence|map(.what)|join(",")' <<<"$hard") == *"fastest decline of available memory"* ]] ||
  fail "hard threshold finding without the growth evidence: $(jq -c .evidence <<<"$hard")"
[[ $(jq -r '[.evidence[].value]|join(" ")' <<<"$hard") == *"housekeeping"* || $(jq -r .title <<<"$hard") == *"housekeeping"* ]] ||
  fail "hard threshold finding does not name the housekeeping interval: $(jq -r .title <<<"$hard")"
grace=$(jq -c '[.findings[]|select(.id=="eviction-grace-too-long")][0]' <<<"$J")
[[ $(jq -r .title <<<"$grace") == *"1m30s"* ]] || fail "no eviction-grace-too-long for 1m30s: $(q '[.findings[].id]')"
echo "live: $(q .node.history.samples) samples, fastest decline $(python3 -c "print(round($rate / 2**20))") MiB/s, exit $rc"

# --- replay a recorded moment after the growth ---
J=$("$MS" doctor --db "$DB" --at "$(date -u -d "@$T_GROWN" +%Y-%m-%dT%H:%M:%SZ)" --kubelet-flags "$KUBELET_FLAGS" -o json 2>"$TMP/at.err")
rc=$?
[[ $(q .schema) == memsleuth.doctor/v1 ]] || { echo "FAIL: --at: no report (exit $rc): $(cat "$TMP/at.err")"; exit 1; }
[[ $(q .node.replayed) == "as recorded at"* ]] || fail "--at: node.replayed: $(q .node.replayed)"
f=$(jq -c --argjson p "$GROW" '[.findings[]|select(.id=="unbounded-outside-kubepods" and .subject.pid==$p)][0]' <<<"$J")
[[ $f != null ]] || fail "--at: the exited grower (pid $GROW) is not the unbounded finding: $(q '[.findings[]|{id,title}]')"
[[ $(jq -r .subject.owner <<<"$f") == grow.service ]] || fail "--at: grower owner: $(jq -r .subject.owner <<<"$f")"
(($(q .node.history.samples) >= 10)) || fail "--at: history samples: $(q .node.history.samples)"
((rc >= 1)) || fail "--at: exit $rc, want >= 1"
# A moment nothing was recorded for is an error, not an empty report.
"$MS" doctor --db "$DB" --at 2001-09-09T01:46:40Z -o json >/dev/null 2>"$TMP/old.err"
rc=$?
((rc == 3)) && grep -q "nothing recorded" "$TMP/old.err" || fail "--at before the recording: exit $rc: $(cat "$TMP/old.err")"

if ((fails)); then echo "$fails failure(s)"; exit 1; fi
echo "PASS: history growth drives eviction-hard-too-small (critical) and eviction-grace-too-long; --at replays the grower"
