#!/usr/bin/env bash
# Churn: snapshots while processes fork and exit as fast as they can (and, as root, cgroups of ours
# appear and vanish): every snapshot exits 0, is valid JSON, and has no negative or absurd numbers.
set -euo pipefail
BIN=${1:?usage: snapshot_churn.sh <memsleuth>}
command -v jq >/dev/null || { echo "SKIP: jq missing"; exit 77; }
WORK=$(mktemp -d)
PIDS=()
CGTOP=""
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
  if [[ -n $CGTOP ]]; then find "$CGTOP" -depth -type d -exec rmdir {} \; 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT INT TERM

# Forkers: each loop spawns short-lived children (some multi-level) continuously.
for _ in 1 2; do
  ( while :; do /bin/true; ( /bin/true & wait ) ; done ) >/dev/null 2>&1 &
  PIDS+=($!)
done
if [[ $(id -u) -eq 0 && -w /sys/fs/cgroup/memory ]]; then
  CGTOP=/sys/fs/cgroup/memory/mst-foundation-churn-$$
  mkdir -p "$CGTOP"
  ( i=0; while :; do mkdir -p "$CGTOP/c$((i % 8))/x" 2>/dev/null; rmdir "$CGTOP/c$(((i + 4) % 8))/x" \
      "$CGTOP/c$(((i + 4) % 8))" 2>/dev/null; i=$((i + 1)); done ) >/dev/null 2>&1 &
  PIDS+=($!)
fi

# Sanity bound for any byte count: 2^50 (1 PiB). Counters (pgfault...) are not bytes: only
# *_bytes fields and meminfo are bounded.
CHECK='
  def bad_bytes: (type == "number") and (. < 0 or . > 1125899906842624);
  [ (.processes[] | (.rss_bytes, .rss_anon_bytes, .rss_file_bytes, .rss_shmem_bytes, .swap_bytes, .pid, .ppid)
        | select(. != null) | select(. < 0 or . > 1125899906842624)),
    (.cgroups[] | (.usage_bytes, .limit_bytes) | select(. != null) | select(bad_bytes)),
    (.cgroups[] | .stat[] | select(. < 0)),
    (.meminfo[] | select(. < 0)),
    (.processes[] | select(.kernel_thread == false and .rss_bytes != null and .rss_anon_bytes != null
        and .rss_anon_bytes > .rss_bytes)),
    (.skipped | select(. < 0))
  ] | length == 0'
seen_skip=0
for i in $(seq 1 15); do
  if ! "$BIN" snapshot -o json > "$WORK/s.json" 2> "$WORK/err"; then
    echo "FAIL: snapshot $i exited non-zero"; cat "$WORK/err"; exit 1
  fi
  jq -e "$CHECK" "$WORK/s.json" >/dev/null || { echo "FAIL: snapshot $i has negative/absurd numbers"; exit 1; }
  jq -e '.warnings | length == 0' "$WORK/s.json" >/dev/null ||
    { echo "FAIL: warnings under churn: $(jq -c .warnings "$WORK/s.json")"; exit 1; }
  n=$(jq '.processes | length' "$WORK/s.json")
  s=$(jq .skipped "$WORK/s.json")
  [[ $s -gt 0 ]] && seen_skip=$((seen_skip + 1))
  echo "snapshot $i: $n processes, $s vanished"
done
"$BIN" snapshot > /dev/null || { echo "FAIL: table under churn"; exit 1; }
echo "PASS ($seen_skip of 15 snapshots saw processes vanish mid-scan)"
