#!/usr/bin/env bash
# `make bench`: measures memsleuth against ps, top, smem, atop and a floor program on this node, on
# synthetic trees of 20k/50k processes, and its parsers; regenerates docs/performance.md.
#
# Environment (defaults in brackets):
#   BENCH_RUNS [5]            timed runs per tool (round-robin, after one warm-up run)
#   BENCH_NS ["500 2000 5000"] live process counts
#   BENCH_CGROUPS [300]       leaf memory cgroups the live processes are spread over
#   BENCH_SYNTHETIC ["5000 20000 50000"] synthetic tree sizes (processes); BENCH_SYN_CGROUPS [5000]
#   BENCH_MICRO [1]           run the Google Benchmark parser suite
#   BENCH_OUT [docs/performance.md]
#   BENCH_SMOKE=1             tiny sizes, 1 run, output to a temp file (used by the test suite)
#   BENCH_KEEP=<dir>          also keep the raw results (JSON per size, machine.env) in <dir>
# Needs root and a writable memory cgroup hierarchy for the live part (skipped with a note otherwise),
# and for the BPF rows (`snapshot` through the recorder's pinned task walk, and loading its own) a
# BPF build, kernel BTF and a bpffs it mounts in its own temporary directory.
# Creates only its own cgroups (mst-foundation-bench-<pid>) and processes, and removes them on exit.
set -euo pipefail
cd "$(dirname "$0")/.."
SRC=$(pwd)
if [[ ${BENCH_SMOKE:-0} == 1 ]]; then
  : "${BENCH_RUNS:=1}" "${BENCH_NS:=40}" "${BENCH_CGROUPS:=4}" "${BENCH_SYNTHETIC:=100 200}" "${BENCH_SYN_CGROUPS:=10}"
  : "${BENCH_MICRO:=0}" "${BENCH_OUT:=$(mktemp /tmp/memsleuth-bench-smoke-XXXXXX.md)}"
fi
RUNS=${BENCH_RUNS:-5}
NS=${BENCH_NS:-"500 2000 5000"}
NCG=${BENCH_CGROUPS:-300}
SYN=${BENCH_SYNTHETIC:-"5000 20000 50000"}
SYN_CG=${BENCH_SYN_CGROUPS:-5000}
MICRO=${BENCH_MICRO:-1}
OUT=${BENCH_OUT:-docs/performance.md}
BUILD=${BENCH_BUILD:-build}  # the Release tree of `make build`; the bench targets are added to it
JOBS=${JOBS:-2}

if [[ -n ${BENCH_BIN_DIR:-} ]]; then
  BIN=$BENCH_BIN_DIR/memsleuth FLOOR=$BENCH_BIN_DIR/bench/ms_floor FARM=$BENCH_BIN_DIR/bench/ms_farm
  MICROBIN=$BENCH_BIN_DIR/bench/bench_parsers
else
  if [[ -f $BUILD/build.ninja ]]; then
    grep -q '^MEMSLEUTH_BENCH:BOOL=ON' "$BUILD/CMakeCache.txt" || cmake "$BUILD" -DMEMSLEUTH_BENCH=ON >/dev/null
  else
    cmake -S . -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release -DMEMSLEUTH_TESTS=OFF -DMEMSLEUTH_BENCH=ON >/dev/null
  fi
  cmake --build "$BUILD" -j "$JOBS" --target memsleuth bench_parsers ms_floor ms_farm
  BIN=$SRC/$BUILD/memsleuth FLOOR=$SRC/$BUILD/bench/ms_floor FARM=$SRC/$BUILD/bench/ms_farm
  MICROBIN=$SRC/$BUILD/bench/bench_parsers
fi

RES=$(mktemp -d /tmp/memsleuth-bench-XXXXXX)
FARM_PID="" CGTOP="" TREE=""
cleanup() {
  mountpoint -q "$RES/bpffs" 2>/dev/null && umount "$RES/bpffs"
  if [[ -n $FARM_PID ]]; then kill -TERM -- "-$FARM_PID" 2>/dev/null || true; wait "$FARM_PID" 2>/dev/null || true; fi
  if [[ -n $CGTOP && -d $CGTOP ]]; then
    # Children die with the farm (PDEATHSIG); wait until the cgroups are empty, then remove leaf-first.
    for _ in $(seq 1 100); do
      [[ -z $(find "$CGTOP" -name cgroup.procs -exec cat {} + 2>/dev/null | head -1) ]] && break
      sleep 0.1
    done
    find "$CGTOP" -depth -type d -exec rmdir {} \; 2>/dev/null || true
  fi
  [[ -n $TREE ]] && rm -rf "$TREE"
  rm -rf "$RES"
}
trap cleanup EXIT INT TERM

# Machine description.
{
  echo "kernel=$(uname -r)"
  echo "cpus=$(nproc)"
  echo "cpu_model=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
  echo "mem_total_kib=$(awk '/MemTotal/ {print $2}' /proc/meminfo)"
  echo "load_before=$(cut -d' ' -f1-3 /proc/loadavg)"
  echo "procs_before=$(ls /proc | grep -c '^[0-9]')"
  echo "memsleuth=$(git -C "$SRC" rev-parse --short HEAD 2>/dev/null || echo unknown)"
  echo "procps=$(ps --version 2>&1 | head -1)"
  echo "top=$(top -h 2>&1 | grep -m1 procps || echo unknown)"
  echo "smem=$(dpkg-query -W -f='${Version}' smem 2>/dev/null || echo unknown)"
  echo "atop=$(atop -V 2>&1 | head -1 | awk '{print $2}')"
  echo "python=$(/usr/bin/python3 --version 2>&1)"
  echo "runs=$RUNS"
  echo "syn_cgroups=$SYN_CG"
  echo "date=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
} > "$RES/machine.env"

if [[ $MICRO == 1 ]]; then
  echo "bench: parser micro-benchmarks" >&2
  "$MICROBIN" --benchmark_format=json --benchmark_repetitions=5 --benchmark_min_time=0.1 --benchmark_report_aggregates_only=true \
    > "$RES/micro.json" 2>/dev/null
fi

# Does `memsleuth top` exist yet (another issue)? The stub exits 3.
HAVE_TOP=${BENCH_HAVE_TOP:-0}
if [[ -z ${BENCH_HAVE_TOP:-} ]] && "$BIN" top -n 20 >/dev/null 2>&1; then HAVE_TOP=1; fi
echo "memsleuth_bin=$BIN" >> "$RES/machine.env"
echo "have_top=$HAVE_TOP" >> "$RES/machine.env"


MEMCG=""
if [[ $(id -u) -eq 0 && -d /sys/fs/cgroup/memory && -w /sys/fs/cgroup/memory ]]; then MEMCG=/sys/fs/cgroup/memory
elif [[ $(id -u) -eq 0 && -f /sys/fs/cgroup/cgroup.controllers ]] && grep -qw memory /sys/fs/cgroup/cgroup.controllers; then
  MEMCG=/sys/fs/cgroup
fi
# The BPF rows: a task walk pinned as the recorder pins it (`record --samples 1` pins and exits; the
# pin stays), in a bpffs of the bench's own so that nothing touches /sys/fs/bpf.
BPF_PIN=""
if [[ $(id -u) -eq 0 ]] && mkdir -p "$RES/bpffs" && mount -t bpf bpf "$RES/bpffs" 2>/dev/null; then
  "$BIN" --bpf-pin-dir "$RES/bpffs/memsleuth" record --db "$RES/pin.db" --samples 1 --interval 100ms --listen off \
    --no-kmsg --kubelet-log off --kubelet-unit off -q >/dev/null 2>&1 || true
  if [[ -e $RES/bpffs/memsleuth/tasks ]]; then BPF_PIN=$RES/bpffs/memsleuth
  else echo "bpf=skipped (the recorder pinned no task walk here: no BTF, no privileges or no BPF build)" >> "$RES/machine.env"; fi
else
  echo "bpf=skipped (not root or no bpffs)" >> "$RES/machine.env"
fi

if [[ -n $MEMCG ]]; then
  CGTOP=$MEMCG/mst-foundation-bench-$$
  leaves=()
  for ((i = 0; i < NCG; i++)); do
    q=burstable; ((i % 3 == 2)) && q=besteffort
    printf -v pod 'pod%08x-0000-4000-8000-%012x' $((i / 2)) $((i / 2))
    printf -v ctr '%064x' $((i + 1))
    leaves+=("$CGTOP/kubepods/$q/$pod/$ctr")
  done
  mkdir -p "${leaves[@]}"
  if [[ $MEMCG == /sys/fs/cgroup ]]; then  # v2: enable memory down the tree
    find "$CGTOP" -mindepth 0 -type d ! -path "*/$(printf '%064x' 1)" -exec sh -c 'echo +memory > "$1/cgroup.subtree_control"' _ {} \; 2>/dev/null || true
  fi
  for N in $NS; do
    echo "bench: live N=$N over $NCG cgroups" >&2
    every=$(( N / 10 > 0 ? N / 10 : 1 ))
    printf '%s\n' "${leaves[@]}" > "$RES/leaves.txt"
    "$FARM" "$N" "$every" 32 "$RES/leaves.txt" > "$RES/farm.out" 2>&1 &
    FARM_PID=$!
    for _ in $(seq 1 1200); do grep -q READY "$RES/farm.out" 2>/dev/null && break; sleep 0.1; done
    grep -q READY "$RES/farm.out" || { echo "bench: farm failed: $(cat "$RES/farm.out")" >&2; exit 1; }
    sleep 2  # let the large children finish touching their memory
    echo "procs_with_farm_$N=$(ls /proc | grep -c '^[0-9]')" >> "$RES/machine.env"
    echo "cgroups_with_farm_$N=$(find "$MEMCG" -type d 2>/dev/null | wc -l)" >> "$RES/machine.env"
    args=("floor=$FLOOR" "snapshot=$BIN --source procfs snapshot -o json" "snapshot_pss=$BIN --source procfs snapshot --pss -o json"
          "ps=ps -eo pid,ppid,rss,cgroup,args" "top=top -b -n1 -w512" "smem=smem -c 'pid pss rss'"
          "atop=atop 1 1" "startup=$BIN --version" "exec=/bin/true")
    [[ $HAVE_TOP == 1 ]] && args+=("memsleuth_top=$BIN --source procfs top -n 20")
    if [[ -n $BPF_PIN ]]; then
      args+=("snapshot_bpf=$BIN --bpf-pin-dir $BPF_PIN snapshot -o json"
             "snapshot_bpf_load=$BIN --source bpf --bpf-pin-dir $RES/nopin snapshot -o json")
      [[ $HAVE_TOP == 1 ]] && args+=("memsleuth_top_bpf=$BIN --bpf-pin-dir $BPF_PIN top -n 20")
    fi
    /usr/bin/python3 bench/measure.py "$RUNS" "${args[@]}" > "$RES/live-$N.json"
    kill -TERM -- "-$FARM_PID" 2>/dev/null || true
    wait "$FARM_PID" 2>/dev/null || true
    FARM_PID=""
    for _ in $(seq 1 100); do
      [[ -z $(find "$CGTOP" -name cgroup.procs -exec cat {} + 2>/dev/null | head -1) ]] && break
      sleep 0.1
    done
  done
else
  echo "live=skipped (not root or no writable memory cgroup)" >> "$RES/machine.env"
fi
# The pin has served the live rows: unmounted now, so that the results directory holds only files.
mountpoint -q "$RES/bpffs" 2>/dev/null && umount "$RES/bpffs" && rmdir "$RES/bpffs"

for P in $SYN; do
  echo "bench: synthetic tree of $P processes, $SYN_CG cgroups" >&2
  TREE=$(mktemp -d /tmp/memsleuth-bench-tree-XXXXXX)
  /usr/bin/python3 scripts/gen_fixture_tree.py "$TREE/t" --synthetic --procs "$P" --cgroups "$SYN_CG"
  T=$TREE/t
  # No cgroups: a sysfs whose fs/cgroup is empty (a --sysfs that does not exist is an error).
  mkdir -p "$TREE/nosys/fs/cgroup"
  /usr/bin/python3 bench/measure.py "$RUNS" "floor=$FLOOR $T/proc" \
    "snapshot=$BIN --procfs $T/proc --sysfs $T/sys --rootfs $T/root snapshot -o json" \
    "snapshot_no_cgroups=$BIN --procfs $T/proc --sysfs $TREE/nosys --rootfs $T/root snapshot -o json" \
    > "$RES/syn-$P.json"
  rm -rf "$TREE"
  TREE=""
done

# BENCH_KEEP=<dir>: keep the raw results there (report.py <dir> re-renders the document later).
[[ -n ${BENCH_KEEP:-} ]] && mkdir -p "$BENCH_KEEP" && cp -r "$RES/." "$BENCH_KEEP/"
/usr/bin/python3 bench/report.py "$RES" > "$OUT.tmp"
# Sections other issues wrote by hand (the recorder's) are kept after the generated part, unless
# bench/notes.md (which report.py appends) carries them already.
[[ -f $OUT ]] && ! grep -q '^## Flight recorder' bench/notes.md && sed -n '/^## Flight recorder/,$p' "$OUT" >> "$OUT.tmp"
mv "$OUT.tmp" "$OUT"
echo "bench: wrote $OUT" >&2
