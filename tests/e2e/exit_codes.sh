#!/usr/bin/env bash
# e2e: exit codes a script can trust (README "Exit codes"), in every command.
#   64: a bad flag, a bad value, a bad time, a reversed window (CLI11's own parse errors included);
#   1:  the node or an input could not be read (doctor: 3), with a message naming the path;
#   0:  success, `--help`, and an `oom --file` with nothing in it (said on stderr).
# Needs no root: nothing here reads more of the node than a fixture tree.
set -uo pipefail
MS=${1:?usage: exit_codes.sh <memsleuth>}
SRC=${MEMSLEUTH_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
FX="$SRC/tests/fixtures/v2-systemd-containerd-crio"
FXARGS=(--procfs "$FX/proc" --sysfs "$FX/sys" --rootfs "$FX/root")
TMP=$(mktemp -d /tmp/mst-exit-$$-XXXX)
trap 'rm -rf "$TMP"' EXIT
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

# expect CODE PATTERN ARGS...: runs memsleuth ARGS, wants exit CODE and PATTERN (a bash glob) in stderr.
expect() {
  local want=$1 pattern=$2 rc
  shift 2
  "$MS" "$@" >"$TMP/out" 2>"$TMP/err" </dev/null
  rc=$?
  if [[ $rc -ne $want ]]; then
    fail "memsleuth $* exited $rc, want $want: $(head -c 300 "$TMP/err")"
  elif [[ -n $pattern && $(cat "$TMP/err") != $pattern ]]; then
    fail "memsleuth $* (exit $rc): stderr does not match '$pattern': $(head -c 300 "$TMP/err")"
  fi
}

# --- a bad flag, in every command (CLI11 said 109 here) ---
for cmd in snapshot top explain doctor available oom record history report; do
  expect 64 "*--bogus*" "$cmd" --bogus
done
expect 64 "*subcommand*"  # no command at all
expect 64 "" nosuchcommand

# --- a bad value, in every command ---
expect 64 "*yaml*" snapshot -o yaml
expect 64 "*--by*" top --by nothing
expect 64 "*abc*" explain abc  # CLI11 said 104
expect 64 "*PID*" explain
expect 64 "*--sample*" explain 1 --sample soon
expect 64 "*--watch*" explain 1 --watch soon
expect 64 "*--sample*" doctor --sample 99
expect 64 "*v2-root-usage*" available --v2-root-usage guess
expect 64 "*yaml*" oom -o yaml
expect 64 "*--interval*" record --interval 5x
expect 64 "*--max-db-size*" record --max-db-size lots
expect 64 "*100ms*" record --interval 10ms --db "$TMP/r.db" --listen off
expect 64 "*--width*" history --width wide
expect 64 "*--out report.html*" report -o report.html  # -o is the format now; the file is --out

# --- a bad time, in every command that takes one (doctor said 3, history 2, top/explain 1) ---
expect 64 "*--at*garbage*" doctor --at garbage
expect 64 "*--at*garbage*" top --at garbage
expect 64 "*--at*garbage*" explain 1 --at garbage
expect 64 "*--at*garbage*" available --at garbage
expect 64 "*--at*garbage*" history --at garbage
expect 64 "*--since*garbage*" history --since garbage
expect 64 "*--until*garbage*" oom --until garbage
expect 64 "*--since*garbage*" report --since garbage
# A reversed window is a usage error too, named with both values as typed.
expect 64 "*--since +5m*after*--until now*reversed*" history --since +5m --db "$TMP/none.db"
expect 64 "*reversed*" oom --file /dev/null --since -1h --until -2h
expect 64 "*reversed*" report --since -1h --until -2h --db "$TMP/none.db"

# --- inputs that cannot be read: 1 (doctor 3), naming the path ---
expect 1 "*--sysfs /nonexistent*" --sysfs /nonexistent top
expect 1 "*--sysfs $TMP*fs/cgroup*" --sysfs "$TMP" snapshot
expect 1 "*--procfs /nonexistent*" --procfs /nonexistent snapshot
expect 1 "*--procfs $TMP*meminfo*" --procfs "$TMP" available
expect 1 "*--rootfs /nonexistent-host*" --rootfs /nonexistent-host explain 1
expect 3 "*--rootfs /nonexistent-host*" --rootfs /nonexistent-host doctor
expect 1 "*--kubelet-config /nonexistent.yaml*" "${FXARGS[@]}" available --kubelet-config /nonexistent.yaml
expect 3 "*--kubelet-config /nonexistent.yaml*" "${FXARGS[@]}" doctor --sample 0 --no-kernel-log --kubelet-config /nonexistent.yaml
expect 1 "*--kubelet-config /nonexistent.yaml*" report --db "$TMP/none.db" --kubelet-config /nonexistent.yaml
expect 1 "*$TMP/none.db*" history --db "$TMP/none.db"
expect 1 "*$TMP/none.db*" top --at -1h --db "$TMP/none.db"
expect 3 "*$TMP/none.db*" doctor --at -1h --db "$TMP/none.db"
expect 1 "*/nonexistent.log*" oom --file /nonexistent.log
expect 1 "*no process with pid 999999999*" explain 999999999

# --- success ---
expect 0 "" snapshot --help
expect 0 "" --version
expect 0 "" "${FXARGS[@]}" snapshot --no-processes
# One name for the human format everywhere: `text`, with `table` accepted for it.
: >"$TMP/empty.log"
for fmt in text table; do
  expect 0 "" "${FXARGS[@]}" snapshot -o $fmt --no-processes
  expect 0 "" "${FXARGS[@]}" top -o $fmt -n 1
  expect 0 "" "${FXARGS[@]}" available -o $fmt
  expect 0 "" "${FXARGS[@]}" explain 1 -o $fmt --sample 0
  expect 0 "" "${FXARGS[@]}" explain --scheduled -o $fmt
  expect 0 "*" oom --file "$TMP/empty.log" -o $fmt
done
expect 0 "" "${FXARGS[@]}" top -o wide -n 1
# oom --file that recognised nothing: an empty result, and stderr says why.
printf 'hello\nthis is not a kernel log\n' >"$TMP/junk.log"
expect 0 "*no OOM kill or eviction recognised in $TMP/junk.log (2 lines, 0 with a log prefix*" oom --file "$TMP/junk.log"
expect 0 "*empty*" oom --file "$TMP/empty.log"
# A device, FIFO or socket is never read as a file (a FIFO would block): refused, naming it;
# `--file -` reads a pipe.
expect 1 "*/dev/null*not a regular file*--file -*" oom --file /dev/null

if ((fails)); then
  echo "FAIL: $fails exit-code check(s)"
  exit 1
fi
echo "PASS: exit codes: 64 for bad flags, values, times and windows in every command; 1 (doctor 3) for unreadable inputs"
