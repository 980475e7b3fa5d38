#!/usr/bin/env bash
# Live: a job that lives and dies between two samples. In its own memory cgroup, a process started
# by a named parent shell allocates 1 GiB and exits, all within one recorder interval (1 h: only the
# first sample is taken). The kernel's exit capture (BPF, sched_process_exit) stores it under its
# (pid, start_time) identity: `history` lists it with its peak and ancestry, `history --at`,
# `top --at` and `explain --at` show it. The same run with the exit program detached
# (`record --no-exit-capture`) must fail those checks: the samples alone never see the job.
set -uo pipefail
source "$(dirname "$0")/recorder_lib.bash"
source "$(dirname "$0")/lib/cgroup.bash"
ms_require_memcg
for t in python3 sqlite3; do command -v $t >/dev/null || { echo "SKIP: $t not installed"; exit 77; }; done
CLEANUPS+=("ms_cleanup")

PY=$(python3 -c "import os, sys; print(os.path.realpath(sys.executable))")
cp "$PY" "$TMP/mshog$$"
cp "$(command -v bash)" "$TMP/msjob$$"
HOG_COMM=mshog$$
HOG_COMM=${HOG_COMM:0:15}
JOB_COMM=msjob$$
JOB_COMM=${JOB_COMM:0:15}

# One run: recorder up, the job runs and ends, then the checks. Returns non-zero at the first
# failed check, with the reason on stderr. $1: name of the run; the rest: extra recorder flags.
scenario() {
  local name=$1
  shift
  local db=$TMP/$name.db cg=$MEMCG_ROOT/mst-short-$$-$name
  ms_mkcg "$cg" || { echo "cannot create $cg" >&2; return 2; }
  ms_set_limit "$cg" $((1536 << 20))
  : >"$TMP/rec.log"
  start_recorder --db "$db" --interval 1h --listen off --no-kmsg --kubelet-log off --kubelet-unit off \
    --process-floor 64Mi "$@"
  local rec=$REC_PID
  wait_for "first sample ($name)" 600 has_samples "$db" 1
  # The recorder says whether its programs are attached, or why not.
  if grep -q "exit and OOM capture off" "$TMP/rec.log"; then
    echo "SKIP: $(grep -m1 'capture off' "$TMP/rec.log")"
    exit 77
  fi
  # The job: a named shell moves itself into the cgroup and runs the hog (a child, not an exec, so
  # the ancestry is hog <- msjob <- this script's shell). The hog touches 1 GiB and exits at once.
  "$TMP/msjob$$" -c 'echo $$ > "$1/cgroup.procs" && "$2" -c "b = b\"x\" * (1 << 30); print(len(b))" > /dev/null; exit 0' \
    msjob "$cg" "$TMP/mshog$$" &
  local job=$!
  wait "$job"
  sleep 1  # the recorder drains the ring every 200 ms at the latest
  local hog
  hog=$(sqlite3 "file:$db?mode=ro" "SELECT pid FROM processes WHERE comm='$HOG_COMM' ORDER BY id DESC LIMIT 1" 2>/dev/null)
  if [[ -z $hog ]]; then
    # Give it a few more seconds on a loaded machine, then look again.
    for _ in $(seq 1 25); do
      sleep 0.2
      hog=$(sqlite3 "file:$db?mode=ro" "SELECT pid FROM processes WHERE comm='$HOG_COMM' LIMIT 1" 2>/dev/null)
      [[ -n $hog ]] && break
    done
  fi
  [[ $(samples_in "$db") == 1 ]] || { echo "$name: a second sample was taken; the job must live between samples" >&2; return 2; }
  [[ -n $hog ]] || { echo "$name: the job's hog ($HOG_COMM) is nowhere in the store" >&2; return 1; }

  # history: the timeline lists it, with its peak, its cgroup and its ancestry.
  "$MS" history --db "$db" --since -1h -o json >"$TMP/$name-hist.json" || { echo "$name: history failed" >&2; return 1; }
  python3 - "$TMP/$name-hist.json" "$hog" "$job" "$$" "/mst-short-$$-$name" "$HOG_COMM" "$JOB_COMM" <<'PY' || return 1
import json, sys
d = json.load(open(sys.argv[1]))
hog, job, me, cg, comm, job_comm = int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5], sys.argv[6], sys.argv[7]
ex = [e for e in d["exits"] if e["pid"] == hog]
assert ex, "history lists no exit of the hog"
e = ex[0]
assert e["comm"] == comm, e["comm"]
assert e["peak_rss_bytes"] >= 1 << 30, e["peak_rss_bytes"]
assert e["peak_rss_bytes"] < 1536 << 20, e["peak_rss_bytes"]
assert e["exit"] == "exit 0", e["exit"]
assert e["memory_cgroup"] == cg, e["memory_cgroup"]
assert 0 < e["run_us"] < 600_000_000, e["run_us"]
anc = e["provenance"]["ancestry"]
assert anc[0]["pid"] == job and anc[0]["comm"] == job_comm, anc[:2]
assert any(a["pid"] == me for a in anc[1:]), ("the test's shell is not in the ancestry", anc)
print(f"history: {comm} pid {hog} peak {e['peak_rss_bytes'] >> 20} MiB, ran {e['run_us'] / 1e6:.1f} s, "
      f"exit 0, cgroup {cg}, ancestry " + " <- ".join(f"{a['comm']} ({a['pid']})" for a in anc[:3]))
PY
  "$MS" history --db "$db" --since -1h >"$TMP/$name-hist.txt" || return 1
  grep -q "$HOG_COMM" "$TMP/$name-hist.txt" || { cat "$TMP/$name-hist.txt" >&2; echo "$name: history text lacks the hog" >&2; return 1; }

  # The only sample is from before the job: replaying now shows what lived since, apart from its rows.
  "$MS" top --db "$db" --at now -o json >"$TMP/$name-top.json" || { echo "$name: top --at failed" >&2; return 1; }
  python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
ex = [e for e in d.get("exited_between_samples", []) if e["pid"] == int(sys.argv[2])]
assert ex and ex[0]["peak_rss_bytes"] >= 1 << 30, d.get("exited_between_samples")
' "$TMP/$name-top.json" "$hog" || { echo "$name: top --at -o json lacks the hog" >&2; return 1; }
  "$MS" top --db "$db" --at now -n 50 >"$TMP/$name-top.txt" || return 1
  grep -q "Lived between this sample and the next" "$TMP/$name-top.txt" && grep -q "$HOG_COMM" "$TMP/$name-top.txt" ||
    { cat "$TMP/$name-top.txt" >&2; echo "$name: top --at text lacks the hog" >&2; return 1; }
  "$MS" history --db "$db" --at now -o json | python3 -c '
import json, sys
d = json.load(sys.stdin)
assert any(e["pid"] == int(sys.argv[1]) for e in d["exited_between_samples"]), d["exited_between_samples"]
' "$hog" || { echo "$name: history --at lacks the hog" >&2; return 1; }

  # explain --at: the process as it ended, with its bound and its ancestry.
  "$MS" explain --db "$db" --at now -o json "$hog" >"$TMP/$name-explain.json" || { echo "$name: explain --at $hog failed" >&2; return 1; }
  python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert d["pid"] == int(sys.argv[2]) and d["exit"]["peak_rss_bytes"] >= 1 << 30, d
assert d["provenance"]["ancestry"][0]["pid"] == int(sys.argv[3]), d["provenance"]
' "$TMP/$name-explain.json" "$hog" "$job" || { echo "$name: explain --at -o json is wrong" >&2; return 1; }
  "$MS" explain --db "$db" --at now "$hog" >"$TMP/$name-explain.txt" || return 1
  grep -q "seen at its exit" "$TMP/$name-explain.txt" && grep -q "ANCESTRY" "$TMP/$name-explain.txt" ||
    { cat "$TMP/$name-explain.txt" >&2; echo "$name: explain --at text" >&2; return 1; }

  kill -TERM "$rec"
  wait "$rec" || { echo "$name: recorder exited $? on SIGTERM" >&2; return 1; }
  [[ $(sqlite3 "$db" "PRAGMA integrity_check") == ok ]] || { echo "$name: integrity_check" >&2; return 1; }
  return 0
}

scenario attached || die "the exit capture did not show the short-lived job"
# The proof: without the exit program the samples never see the job, so the same checks fail.
scenario detached --no-exit-capture 2>"$TMP/detached.err"
rc=$?
((rc != 0)) || die "the checks passed with the exit program detached: they do not test it"
[[ $rc == 1 ]] || { cat "$TMP/detached.err" >&2; die "the detached run failed for another reason (rc $rc)"; }
echo "detached run fails as it must: $(head -1 "$TMP/detached.err")"
echo "PASS"
