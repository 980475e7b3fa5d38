#!/usr/bin/env bash
# kill -9 the recorder at random moments, 8 times: every time the database opens, passes
# PRAGMA integrity_check, keeps every sample committed before the kill, and every stored sample
# decodes (history --at on each of the last ones).
set -euo pipefail
source "$(dirname "$0")/recorder_lib.bash"
command -v sqlite3 >/dev/null || { echo "SKIP: sqlite3 CLI missing"; exit 77; }
DB=$TMP/h.db
prev=0
for round in $(seq 1 8); do
  start_recorder --db "$DB" --interval 100ms --listen off --no-kmsg --process-floor 1Mi --top 200 --cgroup-floor 0
  # Let it write at least one sample, then kill it at a random point of its cycle.
  wait_for "round $round: a new sample" 150 has_samples "$DB" $((prev + 1))
  sleep "0.$((RANDOM % 10))$((RANDOM % 10))"
  before=$(samples_in "$DB")
  kill -9 "$REC_PID"
  wait "$REC_PID" 2>/dev/null || true
  [[ $(sqlite3 "$DB" "PRAGMA integrity_check") == ok ]] || die "round $round: integrity_check failed"
  now=$(sqlite3 "$DB" "SELECT count(*) FROM samples")
  # Committed before the kill = still there (at most the sample being written is lost).
  ((now >= before)) || die "round $round: $before samples before the kill, $now after"
  # Every sample's frames decode and reference stored identities.
  for t in $(sqlite3 "$DB" "SELECT time FROM samples ORDER BY id DESC LIMIT 1"); do
    "$MS" history --db "$DB" --at "$(date -u -d @"$t" +%Y-%m-%dT%H:%M:%SZ)" -o json >/dev/null ||
      die "round $round: sample at $t does not replay"
  done
  orphans=$(sqlite3 "$DB" "SELECT count(*) FROM processes WHERE owner_id IS NOT NULL AND owner_id NOT IN (SELECT id FROM owners)")
  ((orphans == 0)) || die "round $round: processes reference missing owners"
  prev=$now
done
"$MS" history --db "$DB" --since -1h -o json | python3 -c '
import json, sys
d = json.load(sys.stdin)
assert d["samples"] >= 8, d["samples"]
print("samples after 8 kills:", d["samples"])
'
echo PASS
