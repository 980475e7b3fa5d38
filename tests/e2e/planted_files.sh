#!/usr/bin/env bash
# e2e: files planted under --rootfs (issue 18, items 3 and 7).
#  1. A FIFO at <rootfs>/etc/cron.d/x and at <rootfs>/etc/updatedb.conf, each held open by a writer
#     that never writes (a blocking read would never end): `explain --scheduled`, `explain PID` and
#     `doctor` finish under a timeout and name each file as not read.
#  2. `doctor` on a fixture tree touches nothing of the live host: no statfs(2) of a mount point (the
#     fixture's tmpfs mounts are plain directories here; statvfs would report whatever holds them),
#     and not the host's /var/lib/memsleuth/history.db (strace), and no tmpfs finding.
set -uo pipefail
MS=${1:?usage: planted_files.sh <memsleuth>}
SRC=${MEMSLEUTH_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
for t in jq timeout strace mkfifo; do command -v $t >/dev/null || { echo "FAIL: $t missing (scripts/deps.sh)"; exit 1; }; done
TMP=$(mktemp -d /tmp/mst-planted-XXXXXX)
cleanup() {
  exec {W1}>&- {W2}>&- 2>/dev/null
  rm -rf "$TMP"
}
trap cleanup EXIT INT TERM
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

ROOT=$TMP/root
mkdir -p "$ROOT/etc/cron.d"
mkfifo "$ROOT/etc/cron.d/x" "$ROOT/etc/updatedb.conf"
exec {W1}<>"$ROOT/etc/cron.d/x" {W2}<>"$ROOT/etc/updatedb.conf"
cron="$ROOT/etc/cron.d/x: not a regular file"
conf="$ROOT/etc/updatedb.conf: not a regular file"

# run NAME LIMIT CMD...: runs under a timeout into $TMP/NAME.out; fails on a hang.
run() {
  local name=$1 limit=$2
  shift 2
  timeout "$limit" "$@" >"$TMP/$name.out" 2>"$TMP/$name.err"
  local rc=$?
  if ((rc == 124)); then fail "$name hung (killed after $limit s)"; fi
  return $rc
}

run scheduled 60 "$MS" --rootfs "$ROOT" explain --scheduled || fail "explain --scheduled exited $?: $(cat "$TMP/scheduled.err")"
grep -qF "warning: not read: $cron" "$TMP/scheduled.out" || fail "explain --scheduled does not name $ROOT/etc/cron.d/x"
grep -qF "warning: not read: $conf" "$TMP/scheduled.out" || fail "explain --scheduled does not name $ROOT/etc/updatedb.conf"
run scheduled_json 60 "$MS" --rootfs "$ROOT" explain --scheduled -o json
jq -e --arg c "$cron" '.warnings | any(contains($c))' "$TMP/scheduled_json.out" >/dev/null || fail "explain --scheduled -o json: no warning for the FIFO"

sleep 300 &
SLEEPER=$!
run explain 60 "$MS" --rootfs "$ROOT" explain "$SLEEPER" --watch 0 || fail "explain PID exited $?: $(cat "$TMP/explain.err")"
kill "$SLEEPER" 2>/dev/null
wait "$SLEEPER" 2>/dev/null
grep -qF "warning: not read: $cron" "$TMP/explain.out" || fail "explain PID does not name $ROOT/etc/cron.d/x"

run doctor 180 "$MS" --rootfs "$ROOT" doctor --sample 0 --no-kernel-log --kubelet-log off --kubelet-unit off -o json
jq -e --arg c "$cron" '.node.missing_inputs | any(contains($c))' "$TMP/doctor.out" >/dev/null ||
  fail "doctor does not name the FIFO: $(jq -c .node.missing_inputs "$TMP/doctor.out" 2>/dev/null)"

# --- 2. a fixture run stays in the fixture --------------------------------------------------------
F=$SRC/tests/fixtures/v1-cgroupfs-docker
strace -f -qq -e trace=statfs,open,openat,access,faccessat,faccessat2,stat,newfstatat,statx -o "$TMP/trace" \
  timeout 180 "$MS" --procfs "$F/proc" --sysfs "$F/sys" --rootfs "$F/root" doctor --sample 0 --no-kernel-log \
  --kubelet-log off --kubelet-unit off -o json >"$TMP/fixture.out" 2>"$TMP/fixture.err"
rc=$?
((rc <= 2)) || fail "doctor on the fixture exited $rc: $(tail -3 "$TMP/fixture.err")"
if grep -E '(^|[^_a-z])statfs\(' "$TMP/trace" | grep -v 'ENOENT' >"$TMP/statfs"; then
  fail "doctor statfs()ed paths on a fixture run: $(head -3 "$TMP/statfs")"
fi
if grep -F '"/var/lib/memsleuth/history.db"' "$TMP/trace" >"$TMP/db"; then
  fail "doctor on a fixture looked at the host's history database: $(head -2 "$TMP/db")"
fi
grep -qF "\"$F/root/var/lib/memsleuth/history.db\"" "$TMP/trace" || fail "doctor did not look for the database under --rootfs"
jq -e '[.findings[] | select(.id == "memory-backed-fs")] | length == 0' "$TMP/fixture.out" >/dev/null ||
  fail "a tmpfs finding on a fixture run: $(jq -c '[.findings[] | select(.id == "memory-backed-fs") | .title]' "$TMP/fixture.out")"
jq -e '.node.missing_inputs | any(contains("tmpfs-like mount"))' "$TMP/fixture.out" >/dev/null ||
  fail "doctor does not say the tmpfs usage was not read"
((fails == 0)) && echo "ok: planted FIFOs named, no hang; the fixture run stayed in the fixture"
exit $((fails > 0))
