#!/usr/bin/env bash
# Exit-capture benchmark (not a test): a fork-exit storm at BENCH_EXIT_RATE exits/s for
# BENCH_EXIT_SECONDS in a cgroup of its own, with the recorder running; compares the exits the
# recorder stored for that cgroup (summed and individual) with the children forked, reads the ring
# drops from /metrics, and measures the cost: the recorder's CPU with the exit program and without
# it (--no-exit-capture) under the same storm, and the BPF program's own run time in the kernel
# (kernel.bpf_stats_enabled, turned on for the run and restored).
#   bash bench/exit_capture_bench.sh [memsleuth-binary]   (root; default build/memsleuth)
# Env: BENCH_EXIT_RATE [500] BENCH_EXIT_SECONDS [60] BENCH_EXIT_INTERVAL [10s]
# Creates only its own cgroup (mst-exit-bench-<pid>) and processes; removes them on exit.
set -euo pipefail
cd "$(dirname "$0")/.."
MS=${1:-build/memsleuth}
RATE=${BENCH_EXIT_RATE:-500}
SECS=${BENCH_EXIT_SECONDS:-60}
IV=${BENCH_EXIT_INTERVAL:-10s}
CG=/sys/fs/cgroup/memory/mst-exit-bench-$$
CGPATH=/mst-exit-bench-$$
TMP=$(mktemp -d /tmp/ms-exit-bench.XXXXXX)
REC=""
STATS_WAS=$(cat /proc/sys/kernel/bpf_stats_enabled 2>/dev/null || echo "")
cleanup() {
  [[ -n $REC ]] && kill -TERM "$REC" 2>/dev/null && wait "$REC" 2>/dev/null || true
  [[ -n $STATS_WAS ]] && echo "$STATS_WAS" >/proc/sys/kernel/bpf_stats_enabled 2>/dev/null || true
  for _ in $(seq 1 50); do [[ -z $(cat "$CG/cgroup.procs" 2>/dev/null) ]] && break; sleep 0.1; done
  rmdir "$CG" 2>/dev/null || true
  rm -rf "$TMP"
}
trap cleanup EXIT INT TERM
[[ $(id -u) == 0 ]] || { echo "needs root" >&2; exit 1; }
g++ -O2 -std=c++20 -o "$TMP/fork_exit" bench/fork_exit.cpp
mkdir "$CG"
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
port() { sed -n 's|.*serving /metrics on http://[^:]*:\([0-9]*\)/metrics.*|\1|p' "$1" | head -1; }

run() {  # $1: name; rest: extra recorder flags. Prints one summary line.
  local name=$1
  shift
  local db=$TMP/$name.db log=$TMP/$name.log
  "$MS" record --db "$db" --interval "$IV" --listen 127.0.0.1:0 --no-kmsg --kubelet-log off --kubelet-unit off "$@" \
    >"$log" 2>&1 &
  REC=$!
  for _ in $(seq 1 600); do
    [[ -n $(port "$log") ]] && [[ $(sqlite3 "file:$db?mode=ro" "SELECT count(*) FROM samples" 2>/dev/null || echo 0) -ge 1 ]] && break
    sleep 0.2
  done
  sleep 2
  local c0 c1 forked drops stored summed individual
  echo 1 >/proc/sys/kernel/bpf_stats_enabled 2>/dev/null || true
  c0=$(cpu_ticks "$REC")
  forked=$("$TMP/fork_exit" "$RATE" "$SECS" "$CG" | awk '/^FORKED/ {print $2 " " $4}')
  # One more sample and the ring drained: the storm's last exits are written.
  sleep "$(( ${IV%s} + 3 ))"
  c1=$(cpu_ticks "$REC")
  local prog_stats
  prog_stats=$(bpftool prog show 2>/dev/null | awk '/name on_process_exit/ {for (i = 1; i <= NF; i++) if ($i == "run_time_ns" || $i == "run_cnt") printf "%s=%s ", $i, $(i + 1)}')
  drops=$(curl -sf "http://127.0.0.1:$(port "$log")/metrics" | awk '$1 == "memsleuth_bpf_ring_dropped_total{ring=\"exits\"}" {print $2}')
  kill -TERM "$REC"
  wait "$REC" || true
  REC=""
  local full
  full=$(sqlite3 "file:$db?mode=ro" "SELECT count(*) || ' (' || coalesce(group_concat(DISTINCT trigger), '') || ')' FROM samples WHERE full=1")
  summed=$(sqlite3 "file:$db?mode=ro" "SELECT coalesce(sum(count), 0) FROM exit_groups WHERE cgroup='$CGPATH'")
  individual=$(sqlite3 "file:$db?mode=ro" "SELECT count(*) FROM exits e JOIN processes p ON p.id = e.process_id WHERE p.memory_cgroup='$CGPATH'")
  stored=$((summed + individual))
  local n=${forked% *} took=${forked#* }
  # The storm's exits are its children and the forking process itself.
  echo "$name: forked $n children in $took s ($(python3 -c "print(round($n / $took))")/s); stored $stored exits for $CGPATH (children + the forker: $((n + 1)); $individual individual, $summed summed); ring drops ${drops:-n/a}; recorder CPU over the storm $(( (c1 - c0) * 10 )) ms; full samples $full; BPF ${prog_stats:-stats n/a}; $(grep -m1 'CPU per sample' "$log" | sed 's/.*memsleuth record: //')"
}

run with-exit-capture
run without-exit-capture --no-exit-capture
