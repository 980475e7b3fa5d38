#!/usr/bin/env bash
# Live: on a journald-only node the kubelet's eviction lines exist only in the binary journal. The
# recorder follows <rootfs>/var/log/journal (real journal files written by systemd-journal-remote,
# the second one appearing while the recorder runs, as after a rotation) and stores each eviction
# once, tied to its pod, with the journal as its source; `history` and /metrics show it.
source "$(dirname "$0")/recorder_lib.bash"
JR=/lib/systemd/systemd-journal-remote
for t in python3 sqlite3 curl; do command -v $t >/dev/null || { echo "skipped: $t not installed"; exit 77; }; done
[[ -x $JR ]] || { echo "skipped: $JR not installed (scripts/deps.sh installs systemd-journal-remote)"; exit 77; }

ROOT=$TMP/root
MACHINE=$ROOT/var/log/journal/0123456789abcdef0123456789abcdef
mkdir -p "$MACHINE" "$ROOT/dev"
NS=mst-journal-ns
# journal FILE UNIT MESSAGE...: one journal file with one entry per message, stamped now.
journal() {
  local file=$1 unit=$2; shift 2
  local m now
  for m in "$@"; do
    now=$(date +%s%6N)
    printf '__REALTIME_TIMESTAMP=%s\n__MONOTONIC_TIMESTAMP=%s\n_BOOT_ID=0123456789abcdef0123456789abcde0\n_SYSTEMD_UNIT=%s\nSYSLOG_IDENTIFIER=%s\nMESSAGE=%s\n\n' \
      "$now" "$((now - 1700000000000000))" "$unit" "${unit%.service}" "$m"
  done >"$TMP/$file.export"
  "$JR" --output="$MACHINE/$file.journal" "$TMP/$file.export" >/dev/null 2>&1 || die "systemd-journal-remote failed"
}
klog() { echo "I$(date -u +'%m%d %H:%M:%S.000000') 4242 eviction_manager.go:$1] $2"; }

# Before the recorder starts (read as backlog): one eviction of victim-a, both of its lines.
journal system kubelet.service \
  "$(klog 612 "\"Evicting pod\" pod=\"$NS/victim-a\" podUID=\"11111111-2222-3333-4444-555555555555\" message=\"The node was low on resource: memory. Threshold quantity: 100Mi, available: 87608Ki. Container app was using 1536Mi, request is 0, has larger consumption of memory. \"")" \
  "$(klog 627 "\"Eviction manager: pod is evicted successfully\" pod=\"$NS/victim-a\"")"
journal cron cron.service "$(klog 612 "\"Evicting pod\" pod=\"$NS/not-the-kubelet\"")"

DB=$TMP/h.db
PORT=$(free_port)
start_recorder --rootfs "$ROOT" --db "$DB" --interval 1h --listen "127.0.0.1:$PORT" --no-kmsg --kubelet-log off
wait_for "first sample" 300 has_samples "$DB" 1
events() { sqlite3 "file:$DB?mode=ro" "SELECT count(*) FROM events WHERE $1" 2>/dev/null || echo 0; }
has_events() { (($(events "$1") >= $2)); }
wait_for "backlog eviction stored" 100 has_events "kind='eviction'" 1

# While it runs: journald starts a new file; the next eviction is there.
journal "system@0002" kubelet.service "$(klog 627 "\"Eviction manager: pod is evicted successfully\" pod=\"other-ns/victim-b\"")"
wait_for "eviction from the new journal file" 100 has_events "kind='eviction'" 2
sleep 1   # one more poll: nothing else may appear
n=$(events "kind='eviction'")
[[ $n == 2 ]] || die "want 2 evictions (victim-a once, victim-b; not the cron unit's line), got $n: $(sqlite3 "$DB" 'SELECT pod,source FROM events')"
[[ $(events "kind='eviction' AND source='journal:kubelet.service' AND owner_kind='pod' AND namespace='$NS' AND pod='victim-a' AND bytes=$((1536 << 20))") == 1 ]] ||
  die "victim-a not stored from the journal with its pod and size: $(sqlite3 "$DB" 'SELECT * FROM events')"
"$MS" history --db "$DB" --since -10m >"$TMP/h.txt" || die "history failed"
grep -q "victim-b" "$TMP/h.txt" || { cat "$TMP/h.txt"; die "history lacks the eviction"; }
# Counters count what happened while the agent ran: victim-b, not the backlog's victim-a.
counted() { [[ $(metric_value "$PORT" "memsleuth_evictions_total{owner_kind=\"pod\",namespace=\"other-ns\"}") == 1 ]]; }
wait_for "eviction counter" 50 counted
kill -TERM "$REC_PID"
wait "$REC_PID" || die "recorder exited with $? on SIGTERM"
echo "PASS: evictions from the binary journal, stored once each, tied to their pods"
