#!/usr/bin/env bash
# The recorder on this machine with a real process in a real cgroup: samples appear; replaying a past
# moment returns what was there then, including the process that has since exited, with its owner
# cgroup, its provenance (ancestry, cwd) and its memory at that time; `top`, `explain` and `available`
# replay the same moment (--at).
set -euo pipefail
source "$(dirname "$0")/recorder_lib.bash"
[[ $(id -u) -eq 0 ]] || { echo "SKIP: needs root to create a memory cgroup"; exit 77; }
CG_ROOT=/sys/fs/cgroup/memory
[[ -w $CG_ROOT ]] || { echo "SKIP: $CG_ROOT is not writable"; exit 77; }
command -v sqlite3 >/dev/null || { echo "SKIP: sqlite3 CLI missing"; exit 77; }

uid=1b2c3d4e-0000-4000-8000-00000000$$
uid=${uid:0:36}
ctr=$(printf 'ab%.0s' {1..32})
base=$CG_ROOT/mst-recorder-$$
cg=$base/kubepods/burstable/pod$uid/$ctr
mkdir -p "$cg"
CLEANUPS+=("rmdir '$cg' '$base/kubepods/burstable/pod$uid' '$base/kubepods/burstable' '$base/kubepods' '$base' 2>/dev/null")

# A ~96 MiB process with a recognisable name, inside the pod cgroup, started from a known cwd.
cp "$(python3 -c "import os, sys; print(os.path.realpath(sys.executable))")" "$TMP/msthog$$"
mkdir -p "$TMP/workdir"
( cd "$TMP/workdir" && echo $BASHPID > "$cg/cgroup.procs" &&
  exec "$TMP/msthog$$" -c 'import time; b = b"x" * (96 << 20); time.sleep(600)' ) &
HOG=$!
PIDS+=("$HOG")
comm="msthog$$"
comm=${comm:0:15}

start_recorder --db "$TMP/h.db" --interval 500ms --listen off --no-kmsg --process-floor 64Mi --cgroup-floor 1Mi
# Wait until a sample holds the hog at full size.
hog_stored() {
  "$MS" history --db "$TMP/h.db" --at now -o json |
    python3 -c 'import json,sys; d=json.load(sys.stdin); sys.exit(0 if any(p["pid"]=='"$HOG"' and p["rss_bytes"]>=90<<20 for p in d["processes"]) else 1)'
}
wait_for "a sample with the hog" 150 hog_stored
# Samples are stored to the second and --at picks the latest sample of its second, so a moment is
# only safe to replay once its second is over: T0 is a second with the hog at full size, T_ALIVE the
# next one, replayed only after a sample of a later second exists (all before the kill below).
latest_sample() { sqlite3 "file:$TMP/h.db?mode=ro" "SELECT max(time) FROM samples"; }
T0=$(latest_sample)
T_ALIVE=$((T0 + 1))
past_alive() { (($(latest_sample) > T_ALIVE)); }
wait_for "a sample after the replayed second" 100 past_alive

kill -9 "$HOG"; wait "$HOG" 2>/dev/null || true
T_KILL=$(date +%s)
# Two more samples after the exit.
after_exit() { (($(sqlite3 "file:$TMP/h.db?mode=ro" "SELECT count(*) FROM samples WHERE time > $T_KILL") >= 2)); }
wait_for "samples after the exit" 100 after_exit

# Now: the hog is gone.
"$MS" history --db "$TMP/h.db" --at now -o json | python3 -c '
import json, sys
d = json.load(sys.stdin)
assert not any(p["pid"] == '"$HOG"' for p in d["processes"]), "exited process still listed now"
'
# Then: it was there, with its size, cgroup, cwd and ancestry as first seen.
"$MS" history --db "$TMP/h.db" --at "@$T_ALIVE" -o json | python3 -c '
import json, sys
d = json.load(sys.stdin)
hog = [p for p in d["processes"] if p["pid"] == '"$HOG"']
assert hog, "the exited process is missing from the replay"
p = hog[0]
assert p["comm"] == "'"$comm"'", p["comm"]
assert p["rss_bytes"] >= 90 << 20, p["rss_bytes"]
assert p["memory_cgroup"].endswith("/pod'"$uid"'/'"$ctr"'"), p["memory_cgroup"]
assert p["cwd"] == "'"$TMP"'/workdir", p["cwd"]
assert p["provenance"]["ancestry"], "no ancestry stored"
assert p["owner"]["kind"] == "pod", p["owner"]  # kubepods at any depth (attribution)
cg = [c for c in d["cgroups"] if c["path"].endswith("/pod'"$uid"'")]
assert cg and cg[0]["usage_bytes"] >= 90 << 20, cg
print("replay ok:", p["comm"], p["rss_bytes"])
'
# The live commands replay the same moment.
"$MS" top --db "$TMP/h.db" --at "@$T_ALIVE" -n 50 > "$TMP/top.txt" || die "top --at failed"
grep -q "as recorded at" "$TMP/top.txt" && grep -q "$comm" "$TMP/top.txt" || { cat "$TMP/top.txt"; die "top --at lacks the process"; }
# explain replays the exited process as recorded: its cgroup, owner and ancestry from first sight.
"$MS" explain --db "$TMP/h.db" --at "@$T_ALIVE" -o json "$HOG" > "$TMP/explain.json" || die "explain --at failed"
python3 - "$TMP/explain.json" <<PY || die "explain --at: $(head -c 3000 "$TMP/explain.json")"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["schema"] == "memsleuth.explain-recorded/v1", d["schema"]
assert d["pid"] == $HOG and d["comm"] == "$comm", (d["pid"], d["comm"])
assert d["rss_bytes"] >= 90 << 20, d["rss_bytes"]
assert d["memory_cgroup"].endswith("/pod$uid/$ctr"), d["memory_cgroup"]
assert d["owner"]["kind"] == "pod" and d["owner"]["pod_uid"] == "$uid" and d["owner"]["qos"] == "burstable", d["owner"]
# Its parent was this script's shell (the subshell exec'd into the hog).
assert d["provenance"]["ancestry"][0]["pid"] == $$, d["provenance"]["ancestry"][:2]
PY
# available replays both views of that moment from the stored raw values, with the kubelet's arithmetic.
"$MS" available --db "$TMP/h.db" --at "@$T_ALIVE" -o json > "$TMP/available.json" || die "available --at failed"
python3 - "$TMP/available.json" "$T0" "$T_ALIVE" <<'PY' || die "available --at: $(head -c 3000 "$TMP/available.json")"
import calendar, json, sys, time
d = json.load(open(sys.argv[1]))
t0, t_alive = int(sys.argv[2]), int(sys.argv[3])
at = calendar.timegm(time.strptime(d["recorded_at"], "%Y-%m-%dT%H:%M:%SZ"))
assert t0 <= at <= t_alive, (d["recorded_at"], t0, t_alive)
k, r = d["kubelet"], d["kubelet"]["root"]
assert r["working_set_bytes"] == max(0, r["usage_bytes"] - r["inactive_file_bytes"]), r
assert k["memory_available_bytes"] == k["capacity_bytes"] - k["working_set_bytes"], k
assert k["capacity_bytes"] == d["kernel"]["mem_total_bytes"], (k, d["kernel"])
assert 0 < d["kernel"]["mem_available_bytes"] <= d["kernel"]["mem_total_bytes"], d["kernel"]
PY
# The text forms work too.
# (To a file first: `grep -q` closing the pipe early would fail the pipeline under pipefail. All
# processes: on a busy node more than 25 may be larger than the hog.)
"$MS" history --db "$TMP/h.db" --at "@$T_ALIVE" --processes 100000 > "$TMP/moment.txt" || die "history --at failed"
grep -q "$comm" "$TMP/moment.txt" || { cat "$TMP/moment.txt"; die "--at table lacks the process"; }
"$MS" history --db "$TMP/h.db" --since -10m > "$TMP/timeline.txt"
grep -q "MemAvailable (free)" "$TMP/timeline.txt" || { cat "$TMP/timeline.txt"; die "timeline lacks the kernel view"; }

kill -TERM "$REC_PID"
wait "$REC_PID" || die "recorder exited with $? on SIGTERM"
[[ $(sqlite3 "$TMP/h.db" "PRAGMA integrity_check") == ok ]] || die "integrity_check"
echo "PASS"
