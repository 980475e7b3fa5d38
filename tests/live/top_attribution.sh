#!/usr/bin/env bash
# Live (root, writable cgroup v1 memory controller): a real kubepods/{burstable,besteffort}/pod<uid>/<id>
# hierarchy with limits under a unique prefix, a matching var/log/pods tree in a temp --rootfs, real
# processes in it, an unconfined process in a cgroup of its own outside kubepods, and a process with a
# hostile name. Asserts names, QoS, effective limits (the pod's when smaller than the container's),
# the unbounded flag, escaped terminal output and parseable JSON.
set -uo pipefail
BIN=${1:?usage: top_attribution.sh <memsleuth>}
MEM=/sys/fs/cgroup/memory
if [[ $(id -u) != 0 ]]; then echo "SKIP: needs root"; exit 77; fi
if [[ ! -w $MEM ]]; then echo "SKIP: $MEM is not a writable cgroup v1 memory hierarchy"; exit 77; fi

P=$MEM/mst-attrib-$$
ROOT=$(mktemp -d /tmp/mst-attrib-root.XXXXXX)
UID_B=7e0c8a52-5d1b-4f0e-9c61-$(printf '%012x' $$)
UID_E=1b2c3d4e-0000-4a4a-8b8b-$(printf '%012x' $$)
ID_B=$(printf 'b%.0s' {1..56})$(printf '%08x' $$)
ID_E=$(printf 'e%.0s' {1..56})$(printf '%08x' $$)
KP=$P/kubepods
CB=$KP/burstable/pod$UID_B/$ID_B
CE=$KP/besteffort/pod$UID_E/$ID_E
UNC=$P/unconfined
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null; done
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null; done
  for d in "$CB" "$CE" "$KP/burstable/pod$UID_B" "$KP/besteffort/pod$UID_E" "$KP/burstable" "$KP/besteffort" "$KP" "$UNC" "$P"; do
    [[ -d $d ]] && rmdir "$d" 2>/dev/null
  done
  rm -rf "$ROOT"
}
trap cleanup EXIT INT TERM
fail() { echo "FAIL: $*"; exit 1; }

mkdir -p "$CB" "$CE" "$UNC" || fail "cannot create cgroups under $P"
echo $((512 << 20)) > "$KP/memory.limit_in_bytes"                     # node allocatable
echo $((64 << 20)) > "$KP/burstable/pod$UID_B/memory.limit_in_bytes"   # pod limit...
echo $((256 << 20)) > "$CB/memory.limit_in_bytes"                      # ...below the container's

# The node's log tree: names for the burstable pod; none for the besteffort one (unknown).
mkdir -p "$ROOT/var/log/pods/shop_web-$$_$UID_B/app" "$ROOT/var/log/containers" "$ROOT/etc"
echo x > "$ROOT/var/log/pods/shop_web-$$_$UID_B/app/0.log"
ln -s "/var/log/pods/shop_web-$$_$UID_B/app/0.log" "$ROOT/var/log/containers/web-$$_shop_app-$ID_B.log"
echo "root:x:0:0::/root:/bin/sh" > "$ROOT/etc/passwd"

start_in() {  # start_in <cgroup dir> <command...>: the child joins the cgroup before exec
  local cg=$1; shift
  bash -c 'echo $$ > "$0/cgroup.procs" && exec "$@"' "$cg" "$@" &
  PIDS+=($!)
}
start_in "$CB" sleep 600
PID_B=${PIDS[-1]}
start_in "$CE" sleep 600
PID_E=${PIDS[-1]}
start_in "$UNC" sleep 600
PID_U=${PIDS[-1]}
# Hostile name: ESC sequence, newline and an invalid UTF-8 byte in comm and argv.
EVIL_DIR=$(mktemp -d "$ROOT/evil.XXXXXX")
EVIL="$EVIL_DIR/"$'\e[31mX\n\xff'
cp "$(command -v sleep)" "$EVIL"
start_in "$UNC" "$EVIL" 600
PID_X=${PIDS[-1]}
for p in $PID_B $PID_E $PID_U $PID_X; do  # wait until each has exec'd into its cgroup
  for _ in $(seq 50); do grep -q "memory:/mst-attrib-$$" /proc/$p/cgroup 2>/dev/null && [[ $(cat /proc/$p/comm) != bash ]] && break; sleep 0.1; done
done

"$BIN" --rootfs "$ROOT" top --by process -n 0 -o json > "$ROOT/p.json" || fail "top -o json exited $?"
python3 - "$ROOT/p.json" "$PID_B" "$PID_E" "$PID_U" "$PID_X" "$UID_B" "$UID_E" "$ID_B" "$$" <<'PY' || fail "process JSON assertions"
import json, sys
doc = json.load(open(sys.argv[1], encoding="utf-8"))
pb, pe, pu, px = map(int, sys.argv[2:6]); uid_b, uid_e, id_b, me = sys.argv[6:10]
assert doc["schema"] == "memsleuth.top/v1" and doc["by"] == "process", doc.get("schema")
rows = {r["pid"]: r for r in doc["rows"]}
for p in (pb, pe, pu, px): assert p in rows, f"pid {p} missing"
b = rows[pb]; o = b["owner"]
assert o["kind"] == "pod" and o["namespace"] == "shop" and o["pod"] == f"web-{me}" and o["container"] == "app", o
assert o["qos"] == "burstable" and o["pod_uid"] == uid_b and o["container_id"] == id_b, o
assert b["effective_limit_bytes"] == 64 << 20 and b["bounded"] is True, b   # the pod's, not the container's 256Mi
assert b["limiting_cgroup"].endswith("/pod" + uid_b), b["limiting_cgroup"]
assert b["memory_cgroup"].endswith(id_b) and b["unbounded_outside_kubepods"] is False
e = rows[pe]; o = e["owner"]
assert o["kind"] == "pod" and o["qos"] == "besteffort" and o["pod_uid"] == uid_e, o
assert o["namespace"] is None and o["pod"] is None and o["container"] is None, o   # unknown, not guessed
assert e["effective_limit_bytes"] == 512 << 20 and e["bounded"], e                  # kubepods (allocatable)
u = rows[pu]
# A cgroup of its own is its owner, named by its path (issue 16: not "unconfined", bounded or not).
assert u["owner"]["kind"] == "cgroup" and u["owner"]["label"].endswith("/unconfined"), u["owner"]
assert u["owner"]["cgroup"] == u["memory_cgroup"], u["owner"]
assert u["bounded"] is False and u["effective_limit_bytes"] is None, u
assert u["unbounded_outside_kubepods"] is True and u["owner"]["in_kubepods"] is False
x = rows[px]
assert "\x1b" in x["comm"] and "\n" in x["comm"], repr(x["comm"])   # kept, and JSON still parsed
assert x["unbounded_outside_kubepods"] is True
print("process JSON ok")
PY

"$BIN" --rootfs "$ROOT" top --by pod -n 0 -o json > "$ROOT/pod.json" || fail "top --by pod exited $?"
python3 - "$ROOT/pod.json" "$UID_B" "$UID_E" "$$" <<'PY' || fail "pod JSON assertions"
import json, sys
doc = json.load(open(sys.argv[1], encoding="utf-8")); uid_b, uid_e, me = sys.argv[2:5]
rows = {r["owner"]["pod_uid"]: r for r in doc["rows"]}
b, e = rows[uid_b], rows[uid_e]
assert b["owner"]["pod"] == f"web-{me}" and b["owner"]["qos"] == "burstable" and b["effective_limit_bytes"] == 64 << 20, b
assert b["processes"] == 1 and b["containers"] == 1, b
assert e["owner"]["pod"] is None and e["owner"]["qos"] == "besteffort" and e["effective_limit_bytes"] == 512 << 20, e
print("pod JSON ok")
PY

"$BIN" --rootfs "$ROOT" top --by cgroup --owner cgroup -n 0 -o json > "$ROOT/cg.json" || fail "top --by cgroup exited $?"
python3 - "$ROOT/cg.json" "$$" <<'PY' || fail "cgroup JSON assertions"
import json, sys
doc = json.load(open(sys.argv[1], encoding="utf-8")); me = sys.argv[2]
rows = {r["cgroup"]: r for r in doc["rows"]}
u = rows[f"/mst-attrib-{me}/unconfined"]
assert u["bounded"] is False and u["processes"] == 2 and u["unbounded_outside_kubepods"], u
assert all(r["owner"]["kind"] == "cgroup" for r in doc["rows"])
print("cgroup JSON ok")
PY

for view in process cgroup pod owner; do
  OUT=$("$BIN" --rootfs "$ROOT" top --by $view -n 0 -o wide) || fail "top --by $view -o wide exited $?"
  if printf '%s' "$OUT" | grep -q $'\e'; then fail "raw ESC byte in --by $view output"; fi
  if printf '%s' "$OUT" | LC_ALL=C grep -q $'\xff'; then fail "raw invalid UTF-8 byte in --by $view output"; fi
done
OUT=$("$BIN" --rootfs "$ROOT" top -n 0 -o wide)
LINE=$(printf '%s\n' "$OUT" | awk -v p="$PID_B" '$1 == p || $2 == p')
[[ $LINE == *"shop/web-$$/app"* && $LINE == *64.0Mi* && $LINE == *burstable* ]] || fail "burstable row: $LINE"
LINE=$(printf '%s\n' "$OUT" | awk -v p="$PID_U" '$1 == p || $2 == p')
[[ $LINE == '!'* && $LINE == *NONE* ]] || fail "unconfined row not marked: $LINE"
LINE=$(printf '%s\n' "$OUT" | awk -v p="$PID_X" '$1 == p || $2 == p')
[[ $LINE == *'\x1b[31mX\n\xff'* ]] || fail "hostile name not shown escaped: $LINE"
printf '%s\n' "$OUT" | grep -q '^! outside kubepods with no memory limit' || fail "no legend for the mark"
echo "PASS"
