#!/usr/bin/env bash
# Recorder benchmark (not a test): per-sample CPU (split into the snapshot engine's read, the
# analyses and the store), bytes per sample and per node-day, agent RSS, on this node with ~2,000
# extra real processes in ~300 real memory cgroups shaped like pods.
#   bash bench/recorder_bench.sh [memsleuth-binary ...]   (root; default build/memsleuth, Release: `make build`)
# Several binaries (a baseline and a change): each is run in turn on the same farm, BENCH_ROUNDS
# times, so that the node's load hits them alike; compare them within one run.
# Env: BENCH_PROCS [2000] BENCH_CGROUPS [300] BENCH_SAMPLES [60] BENCH_ROUNDS [1]
#      BENCH_SOURCES ["procfs bpf"]: each binary runs once per process source (--source; "bpf" is
#      the recorder's own task walk, which it pins in a bpffs mounted for the bench; "default": no
#      --source, for binaries from before it)
#      BENCH_LARGE_EVERY [10]: one process in this many holds 6 MiB (BENCH_PROCS=10000 with the
#      default would be 6 GiB: BENCH_LARGE_EVERY=100 there)
#      BENCH_SETTLE [30] seconds to wait after the farm is up (its 2,000 forks and page faults
#      otherwise still run during the first binary's samples)  BENCH_FARM [compiled from bench/farm.cpp]
# The process farm (bench/farm.cpp) forks the processes into the cgroups, one cgroup attach per
# cgroup. Creates only its own cgroups (mst-recorder-bench-<pid>) and processes; removes them on exit.
# CPU per sample is the steady state: the recorder's CPU over (5 + N) samples minus its CPU over 5
# samples, divided by N (start-up and the first sample, which stores every identity, cancel out);
# the recorder also prints its own per-phase split at exit.
set -euo pipefail
cd "$(dirname "$0")/.."
BINS=("$@")
[[ ${#BINS[@]} -gt 0 ]] || BINS=(build/memsleuth)
ROUNDS=${BENCH_ROUNDS:-1}
MS=""
NP=${BENCH_PROCS:-2000}
NC=${BENCH_CGROUPS:-300}
NS=${BENCH_SAMPLES:-60}
SOURCES=${BENCH_SOURCES:-"procfs bpf"}
CG=/sys/fs/cgroup/memory/mst-recorder-bench-$$
TMP=$(mktemp -d /tmp/ms-rec-bench.XXXXXX)
FARM_PID=""
cleanup() {
  mountpoint -q "$TMP/bpffs" 2>/dev/null && umount "$TMP/bpffs"
  if [[ -n $FARM_PID ]]; then kill -TERM -- "-$FARM_PID" 2>/dev/null || true; wait "$FARM_PID" 2>/dev/null || true; fi
  for _ in $(seq 1 100); do
    [[ -z $(find "$CG" -name cgroup.procs -exec cat {} + 2>/dev/null | head -1) ]] && break
    sleep 0.1
  done
  [[ -d $CG ]] && find "$CG" -depth -type d -exec rmdir {} \; 2>/dev/null || true
  rm -rf "$TMP"
}
trap cleanup EXIT INT TERM
FARM=${BENCH_FARM:-}
if [[ -z $FARM ]]; then
  g++ -O2 -std=c++20 -o "$TMP/farm" bench/farm.cpp
  FARM=$TMP/farm
fi
# NC cgroups shaped like pods: NC/2 pods with one container each.
npods=$((NC / 2))
for ((i = 0; i < npods; i++)); do
  mkdir -p "$CG/kubepods/burstable/pod$i/c"
  echo "$CG/kubepods/burstable/pod$i/c" >> "$TMP/leaves.txt"
done
# One process in ten holds 6 MiB of its own memory (so pod cgroups pass the 4 MiB floor like real pods).
"$FARM" "$NP" "${BENCH_LARGE_EVERY:-10}" 6 "$TMP/leaves.txt" > "$TMP/farm.out" 2>&1 &
FARM_PID=$!
for _ in $(seq 1 3000); do grep -q READY "$TMP/farm.out" 2>/dev/null && break; sleep 0.1; done
grep -q READY "$TMP/farm.out" || { echo "farm failed: $(cat "$TMP/farm.out")" >&2; exit 1; }
sleep "${BENCH_SETTLE:-30}"
echo "node: $(ls /proc | grep -c '^[0-9]') processes, $(find /sys/fs/cgroup/memory -type d | wc -l) memory cgroups," \
  "load average $(cut -d' ' -f1-3 /proc/loadavg)"
mkdir -p "$TMP/bpffs"
mount -t bpf bpf "$TMP/bpffs" 2>/dev/null || echo "bench: no bpffs of our own: the bpf runs do not pin" >&2
SOURCE=procfs
once() { # db, samples, extra args -> "user sys maxrss_kib" in $TMP/time, log in $TMP/rec.log
  local db=$1 n=$2; shift 2
  rm -f "$db"*
  local src=()  # BENCH_SOURCES=default: binaries from before --source
  [[ $SOURCE == default ]] || src=(--source "$SOURCE" --bpf-pin-dir "$TMP/bpffs/memsleuth")
  /usr/bin/time -f "%U %S %M" -o "$TMP/time" "$MS" "${src[@]}" record --db "$db" --interval 250ms --samples "$n" \
    --listen off --no-kmsg --kubelet-log off "$@" 2> "$TMP/rec.log"
  sqlite3 "$db" "PRAGMA wal_checkpoint(TRUNCATE);" >/dev/null
}
run() { # label, extra args
  local label=$1; shift
  once "$TMP/short.db" 5 "$@"
  read -r u0 s0 _ < "$TMP/time"
  local size0; size0=$(stat -c %s "$TMP/short.db")
  once "$TMP/h.db" $((NS + 5)) "$@"
  read -r u s m < "$TMP/time"
  local split; split=$(sed -n 's/.*CPU per sample after the first: \([^;]*\);.*/\1/p' "$TMP/rec.log" | tail -1)
  local full per size day grow cpu_ms
  full=$(sqlite3 "$TMP/h.db" "SELECT count(*) FROM samples WHERE full=1")
  size=$(stat -c %s "$TMP/h.db")
  # Frames + ~40 bytes of row overhead; identity rows (once per process) are in the file growth.
  per=$(sqlite3 "$TMP/h.db" "SELECT CAST(avg(length(node)+length(detail)+40) AS INT) FROM samples WHERE full=0")
  grow=$(python3 -c "print(round(($size-$size0)/$NS))")
  day=$(python3 -c "print(round($per*8640/1e6,1))")
  cpu_ms=$(python3 -c "print(round((($u+$s)-($u0+$s0))*1000/$NS,2))")
  printf '| %s | %s | %s ms | %s | %s B | %s B | %s MB | %s MiB |\n' "$label" "$((NS + 5)) ($full full)" "$cpu_ms" \
    "$split" "$per" "$grow" "$day" "$(python3 -c "print(round($m/1024,1))")"
}
echo "| binary | source | policy | samples | CPU/sample (steady) | recorder's split (read = node read) | bytes/regular sample (frames) | file growth/sample | per node-day at 10 s (frames) | max RSS |"
echo "|---|---|---|---|---|---|---|---|---|---|"
for ((r = 0; r < ROUNDS; r++)); do
  for MS in "${BINS[@]}"; do
    for SOURCE in $SOURCES; do run "$MS | $SOURCE | default (processes >= 32Mi + top 20, cgroups >= 4Mi)"; done
  done
done
for MS in "${BINS[@]}"; do
  for SOURCE in $SOURCES; do run "$MS | $SOURCE | store everything (floors 0, top 100000)" --process-floor 0 --top 100000 --cgroup-floor 0; done
done
