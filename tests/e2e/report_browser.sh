#!/usr/bin/env bash
# End to end: record a live scenario (a big unbounded walker outside kubepods, a pod, a process with a
# hostile name, a real memcg OOM kill), render `memsleuth report`, open it in headless Chromium.
# Asserts: no console error/CSP violation/network request, every chart drawn, the summary names the
# culprit, hostile names are text only. Screenshot: $ARTIFACTS/report.png.
set -uo pipefail
BIN=$(realpath "$1")
SRC=${MEMSLEUTH_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
MEMROOT=/sys/fs/cgroup/memory
if [[ $(id -u) -ne 0 || ! -w $MEMROOT ]]; then echo "SKIP: needs root and a writable cgroup v1 memory controller"; exit 77; fi
[[ -x /usr/bin/chromium ]] || { echo "FAIL: /usr/bin/chromium missing (scripts/deps.sh installs it)"; exit 1; }
[[ -d $SRC/node_modules/playwright-core ]] || { echo "FAIL: $SRC/node_modules/playwright-core missing (npm ci)"; exit 1; }

TMP=$(mktemp -d /tmp/ms-report.XXXXXX)
PREFIX=$MEMROOT/mst-report-$$
UID_POD=3f1c2a9e-5b7d-4e21-9c0a-7d2e4b6a8f10
CID=$(printf 'c%.0s' {1..64})
POD=$PREFIX/kubepods/besteffort/pod$UID_POD/$CID
ARTIFACTS=${ARTIFACTS:-$PWD/artifacts}
mkdir -p "$ARTIFACTS"
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null; done
  wait 2>/dev/null
  for d in $(find "$PREFIX" -depth -type d 2>/dev/null); do
    for t in $(cat "$d/cgroup.procs" 2>/dev/null); do kill -9 "$t" 2>/dev/null; done
    rmdir "$d" 2>/dev/null
  done
  rm -rf "$TMP"
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; exit 1; }

mkdir -p "$POD" "$PREFIX/walker" "$PREFIX/hostile"
echo $((64 << 20)) > "$POD/memory.limit_in_bytes"
ROOT=$TMP/root
mkdir -p "$ROOT/var/log/pods/shop_cart-7d9f_$UID_POD/cart" "$ROOT/etc"
touch "$ROOT/var/log/pods/shop_cart-7d9f_$UID_POD/cart/0.log"

# start <cgroup> <name> <MiB>: a process that renames itself, touches MiB and sleeps.
start() {
  local cg=$1 name=$2 mib=$3
  ( echo $BASHPID > "$cg/cgroup.procs"
    exec python3 -c '
import ctypes, sys, time
ctypes.CDLL(None).prctl(15, sys.argv[1].encode()[:15], 0, 0, 0)
b = bytearray(int(sys.argv[2]) << 20)
for i in range(0, len(b), 4096): b[i] = 1
time.sleep(600)' "$name" "$mib" ) &
  PIDS+=($!)
}

DB=$TMP/history.db
"$BIN" --rootfs "$ROOT" record --db "$DB" --interval 1s --listen off --kmsg /dev/kmsg > "$TMP/record.log" 2>&1 &
REC=$!
PIDS+=($REC)
sleep 2
# The walker: named updatedb, 1.2 GiB (above any compiler running beside the test), its cwd moving through the filesystem like the seed's.
( echo $BASHPID > "$PREFIX/walker/cgroup.procs"
  exec python3 -c '
import ctypes, os, time
ctypes.CDLL(None).prctl(15, b"updatedb", 0, 0, 0)
b = bytearray(1200 << 20)
for i in range(0, len(b), 4096): b[i] = 1
while True:
    for root, dirs, files in os.walk("/usr"):
        try: os.chdir(root)
        except OSError: pass
        time.sleep(0.002)' ) &
WALKER=$!
PIDS+=($WALKER)
start "$PREFIX/hostile" '</script><img>' 300
( exec -a '<img src=x onerror=alert(1)>' python3 -c 'import time; time.sleep(600)' ) &
PIDS+=($!)
# Wait until the walker holds its memory, then for the recorder to sample it at least twice.
for _ in $(seq 1 120); do
  rss=$(awk '/^VmRSS:/ {print $2}' /proc/$WALKER/status 2>/dev/null)
  (( ${rss:-0} > 1100 * 1024 )) && break
  sleep 0.5
done
(( ${rss:-0} > 1100 * 1024 )) || fail "the walker never reached 1100 MiB"
sleep 3
# A real memcg OOM kill inside the pod: 200 MiB into a 64 MiB limit.
( echo $BASHPID > "$POD/cgroup.procs"; exec python3 -c '
b = bytearray(200 << 20)
for i in range(0, len(b), 4096): b[i] = 1' ) 2>/dev/null &
VICTIM=$!
wait "$VICTIM" 2>/dev/null
# The recorder holds a kill up to 5 s for its oom_reaper line, then stores it at the next sample:
# stop it only once the kill is in the store.
for _ in $(seq 1 120); do
  n=$(sqlite3 "file:$DB?mode=ro" "select count(*) from events where kind='oom_kill' and pid=$VICTIM" 2>/dev/null)
  [[ ${n:-0} -ge 1 ]] && break
  sleep 0.5
done
[[ ${n:-0} -ge 1 ]] || { cat "$TMP/record.log"; fail "the recorder did not store the OOM kill of pid $VICTIM within 60 s"; }
kill -TERM "$REC"; wait "$REC" 2>/dev/null
[[ -s $DB ]] || { cat "$TMP/record.log"; fail "recorder wrote no database"; }

OUT=$ARTIFACTS/report.html
"$BIN" --rootfs "$ROOT" report --db "$DB" --out "$OUT" --kubelet-flags "--eviction-hard=memory.available<500Mi" \
  || fail "memsleuth report failed"
grep -q '<img src=x' "$OUT" && fail "hostile cmdline reached the page as markup"
grep -q '</script><img>' "$OUT" && fail "hostile comm reached the page as markup"
grep -q '&lt;/script&gt;&lt;img&gt;' "$OUT" || fail "hostile comm is not shown escaped in the top consumers"
grep -q 'Content-Security-Policy' "$OUT" || fail "no Content-Security-Policy"
RES=$(cd "$SRC" && node tests/browser/check_report.mjs "$OUT" "$ARTIFACTS/report.png" updatedb "OOM" 2>&1)
rc=$?
echo "$RES"
[[ $rc -eq 0 ]] || fail "browser check failed"
echo "PASS: report drawn in Chromium, screenshot $ARTIFACTS/report.png"
