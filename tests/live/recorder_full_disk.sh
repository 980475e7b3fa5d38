#!/usr/bin/env bash
# The database's filesystem fills up, or is read-only: the recorder stays alive, reports it on
# /metrics (memsleuth_store_up 0, write errors counted) and on stderr, and writes again once space
# (or write access) returns. A small tmpfs is mounted for the test and unmounted on exit (16 MiB: the
# first samples, every cgroup of a busy node included, must fit before it is filled).
set -euo pipefail
source "$(dirname "$0")/recorder_lib.bash"
[[ $(id -u) -eq 0 ]] || { echo "SKIP: needs root to mount a tmpfs"; exit 77; }
command -v sqlite3 >/dev/null || { echo "SKIP: sqlite3 CLI missing"; exit 77; }
MNT=$TMP/small
mkdir -p "$MNT"
mount -t tmpfs -o size=16m tmpfs "$MNT" || { echo "SKIP: cannot mount tmpfs here"; exit 77; }
CLEANUPS+=("umount -l '$MNT'")
DB=$MNT/h.db

start_recorder --db "$DB" --interval 200ms --listen 127.0.0.1:0 --no-kmsg --process-floor 1Mi --top 100 --cgroup-floor 0
wait_for "metrics port" 100 port_known
PORT=$(metrics_port)
store_up_is() { [[ $(metric_value "$PORT" memsleuth_store_up) == "$1" ]]; }
wait_for "first samples" 100 has_samples "$DB" 3
wait_for "store up" 50 store_up_is 1

# Fill the filesystem.
dd if=/dev/zero of="$MNT/fill" bs=64k 2>/dev/null || true
wait_for "store reported down (disk full)" 150 store_up_is 0
kill -0 "$REC_PID" || die "recorder died on a full disk"
grep -q "disk full\|full" "$TMP/rec.log" || die "no disk-full report on stderr"
errs=$(metric_value "$PORT" memsleuth_store_write_errors_total)
((errs > 0)) || die "write errors not counted"
sleep 1
kill -0 "$REC_PID" || die "recorder died on a full disk"

# Space returns: it writes again.
rm -f "$MNT/fill"
n=$(samples_in "$DB")
wait_for "store up again" 150 store_up_is 1
wait_for "new samples after recovery" 100 has_samples "$DB" $((n + 2))

# Read-only filesystem: a recorder that starts while the database cannot be opened for writing keeps
# running, reports it, and opens it once the filesystem is writable again. (A filesystem cannot be
# remounted read-only under a process that holds a file open for writing, hence the restart.)
kill -TERM "$REC_PID"
wait "$REC_PID" || die "recorder exited with $? on SIGTERM"
mount -o remount,ro "$MNT"
start_recorder --db "$DB" --interval 200ms --listen 127.0.0.1:0 --no-kmsg --process-floor 1Mi --top 100 --cgroup-floor 0
wait_for "metrics port" 100 port_known
PORT=$(metrics_port)
wait_for "store reported down (read-only)" 150 store_up_is 0
sleep 1
kill -0 "$REC_PID" || die "recorder died on a read-only filesystem"
mount -o remount,rw "$MNT"
n=$(samples_in "$DB")
wait_for "store up after read-only" 150 store_up_is 1
wait_for "new samples after read-only" 100 has_samples "$DB" $((n + 2))

kill -TERM "$REC_PID"
wait "$REC_PID" || die "recorder exited with $? on SIGTERM"
[[ $(sqlite3 "$DB" "PRAGMA integrity_check") == ok ]] || die "integrity_check"
echo PASS
