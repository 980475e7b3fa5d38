#!/usr/bin/env bash
# Recorder benchmark (not a test): per-sample CPU, bytes per sample and per node-day, agent RSS, on
# this node with ~2,000 extra real processes spread over ~300 real memory cgroups.
#   bash bench/recorder_bench.sh [memsleuth-binary]   (root; default build/memsleuth, Release)
# Env: BENCH_PROCS [2000] BENCH_CGROUPS [300] BENCH_SAMPLES [60]
# Creates only its own cgroups (mst-recorder-bench-<pid>) and processes; removes them on exit.
set -euo pipefail
cd "$(dirname "$0")/.."
MS=${1:-build/memsleuth}
NP=${BENCH_PROCS:-2000}
NC=${BENCH_CGROUPS:-300}
NS=${BENCH_SAMPLES:-60}
CG=/sys/fs/cgroup/memory/mst-recorder-bench-$$
TMP=$(mktemp -d /tmp/ms-rec-bench.XXXXXX)
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  for ((i = 0; i < NC; i++)); do rmdir "$CG/kubepods/burstable/pod$i/c" "$CG/kubepods/burstable/pod$i" 2>/dev/null || true; done
  rmdir "$CG/kubepods/burstable" "$CG/kubepods" "$CG" 2>/dev/null || true
  rm -rf "$TMP"
}
trap cleanup EXIT
# NC cgroups shaped like pods (pod + container = 2 levels each, so ~2*NC/2 pods)
npods=$((NC / 2))
for ((i = 0; i < npods; i++)); do mkdir -p "$CG/kubepods/burstable/pod$i/c"; done
# Each process holds ~6 MiB of its own anonymous memory (so cgroups pass the 4 MiB floor like real pods).
cat > "$TMP/hold.py" <<'PY'
import time
b = bytearray(6 << 20)
for i in range(0, len(b), 4096):
    b[i] = 1
time.sleep(3600)
PY
for ((i = 0; i < NP; i++)); do
  d=$CG/kubepods/burstable/pod$((i % npods))/c
  if ((i % 10 == 0)); then
    ( echo $BASHPID > "$d/cgroup.procs"; exec python3 "$TMP/hold.py" ) &
  else
    ( echo $BASHPID > "$d/cgroup.procs"; exec sleep 3600 ) &
  fi
  PIDS+=($!)
done
sleep 3
echo "node: $(ls /proc | grep -c '^[0-9]') processes, $(find /sys/fs/cgroup/memory -type d | wc -l) memory cgroups"
run() { # label, extra args
  local label=$1; shift
  rm -f "$TMP"/h.db*
  /usr/bin/time -f "%U %S %M" -o "$TMP/time" "$MS" record --db "$TMP/h.db" --interval 250ms --samples "$NS" \
    --listen off --no-kmsg -q "$@"
  sqlite3 "$TMP/h.db" "PRAGMA wal_checkpoint(TRUNCATE);" >/dev/null
  read -r u s m < "$TMP/time"
  local n regular full size per day cpu_ms avgdur
  n=$(sqlite3 "$TMP/h.db" "SELECT count(*) FROM samples")
  full=$(sqlite3 "$TMP/h.db" "SELECT count(*) FROM samples WHERE full=1")
  size=$(stat -c %s "$TMP/h.db")
  # Bytes per regular sample: frames + row overhead; the identity tables are written once per process.
  per=$(sqlite3 "$TMP/h.db" "SELECT CAST(avg(length(node)+length(detail)+40) AS INT) FROM samples WHERE full=0")
  day=$(python3 -c "print(round($per*8640/1e6,1))")
  cpu_ms=$(python3 -c "print(round(($u+$s)*1000/$n,2))")
  avgdur=$(sqlite3 "$TMP/h.db" "SELECT round(avg(duration_us)/1000.0,2) FROM samples")
  printf '| %s | %s | %s ms | %s ms | %s B | %s MB | %s KiB | %s MiB |\n' "$label" "$n ($full full)" "$cpu_ms" "$avgdur" \
    "$per" "$day" "$((size / 1024))" "$(python3 -c "print(round($m/1024,1))")"
}
echo "| policy | samples | CPU/sample | read wall/sample | bytes/regular sample | per node-day at 10 s | DB file | max RSS |"
echo "|---|---|---|---|---|---|---|---|"
run "default (floor 32Mi + top 20 procs, cgroups >= 4Mi)"
run "store everything (floors 0, top 100000)" --process-floor 0 --top 100000 --cgroup-floor 0
