#!/usr/bin/env bash
# The BPF cgroup walk on the running kernel: the recorder loads and pins it beside the task walk
# (in a bpffs of this test's own), samples through it, and `snapshot` reads the pin. In cgroups
# made here (a limit, a memsw limit where swap accounting is on, page cache written through a
# small limit so that v1's failcnt moves), the snapshot through the pin says "cgroup_source":"bpf"
# and gives every cgroup's usage, limit, swap limit and failcnt as the files do (`--source procfs`,
# files only, read between two pinned reads; a busy cgroup's usage may move between the reads, so
# usage is compared where both pinned reads agree). The recorder's stored limits are the files'.
set -euo pipefail
BIN=${1:?usage: bpf_cgroup_walk.sh <memsleuth>}
SRC=${MEMSLEUTH_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
source "$SRC/tests/live/lib/cgroup.bash"
ms_require_memcg
for c in python3 mount sqlite3; do command -v $c >/dev/null || { echo "SKIP: $c missing"; exit 77; }; done
WORK=$(mktemp -d)
REC=""
cleanup() {
  set +e
  if [[ -n $REC ]]; then kill "$REC" 2>/dev/null; wait "$REC" 2>/dev/null; fi
  mountpoint -q "$WORK/bpffs" 2>/dev/null && umount "$WORK/bpffs"
  rm -f /var/tmp/mst-cgwalk-$$-*
  ms_cleanup
  rm -rf "$WORK"
}
trap cleanup EXIT INT TERM
fail() { echo "FAIL: $*"; exit 1; }
field() { python3 -c 'import json,sys; v=json.load(open(sys.argv[1])).get(sys.argv[2]); print("null" if v is None else v)' "$@"; }

mkdir "$WORK/bpffs"
mount -t bpf bpf "$WORK/bpffs" || { echo "SKIP: cannot mount bpffs"; exit 77; }
PIN=$WORK/bpffs/memsleuth

CG=$MEMCG_ROOT/mst-cgwalk-$$
ms_mkcg "$CG/limited/small"
ms_set_limit "$CG/limited" $((64 << 20))
ms_set_limit "$CG/limited/small" $((4 << 20))
SWAP_FILE=memory.memsw.limit_in_bytes
[[ $MEMCG_V2 == 1 ]] && SWAP_FILE=memory.swap.max
[[ -e $CG/limited/$SWAP_FILE ]] && echo $((96 << 20)) > "$CG/limited/$SWAP_FILE"
# Page cache charged to the cgroups (it stays after the writers exit): 8 MiB in limited, 16 MiB
# through small's 4 MiB limit (reclaim; v1 counts the failures).
ms_start_in "$CG/limited" dd if=/dev/zero of=/var/tmp/mst-cgwalk-$$-a bs=1M count=8 status=none
wait "$MS_LAST_PID" 2>/dev/null || true
ms_start_in "$CG/limited/small" dd if=/dev/zero of=/var/tmp/mst-cgwalk-$$-b bs=1M count=16 status=none
wait "$MS_LAST_PID" 2>/dev/null || true

"$BIN" --bpf-pin-dir "$PIN" record --db "$WORK/h.db" --interval 1s --listen off --no-kmsg --kubelet-log off \
  --kubelet-unit off > "$WORK/rec.log" 2>&1 &
REC=$!
for _ in $(seq 1 300); do [[ $(sqlite3 "file:$WORK/h.db?mode=ro" "SELECT count(*) FROM samples" 2>/dev/null || echo 0) -ge 3 ]] && break; sleep 0.1; done
if [[ ! -e $PIN/cgroups ]]; then
  if grep -q "BPF cgroup walk" "$WORK/rec.log"; then
    echo "SKIP: no BPF cgroup walk on this kernel: $(grep 'BPF cgroup walk' "$WORK/rec.log")"
    exit 77
  fi
  fail "the recorder pinned no cgroup walk: $(cat "$WORK/rec.log")"
fi
grep -q "its cgroup walk at $PIN/cgroups (record version" "$WORK/rec.log" || fail "the recorder did not say where: $(cat "$WORK/rec.log")"
if grep -q "cgroup walk failed\|cgroup counters read from their files" "$WORK/rec.log"; then fail "recorder fell back: $(cat "$WORK/rec.log")"; fi

"$BIN" --bpf-pin-dir "$PIN" snapshot -o json > "$WORK/pin1.json" 2> "$WORK/pin1.err"
"$BIN" --source procfs snapshot -o json > "$WORK/files.json" 2> "$WORK/files.err"
"$BIN" --bpf-pin-dir "$PIN" snapshot -o json > "$WORK/pin2.json" 2> "$WORK/pin2.err"
"$BIN" --bpf-pin-dir "$WORK/bpffs/none" snapshot -o json > "$WORK/nopin.json" 2>/dev/null
[[ $(field "$WORK/pin1.json" cgroup_source) == bpf ]] || fail "snapshot with the pin: cgroup_source $(field "$WORK/pin1.json" cgroup_source)"
[[ $(field "$WORK/files.json" cgroup_source) == files ]] || fail "--source procfs: cgroup_source $(field "$WORK/files.json" cgroup_source)"
[[ $(field "$WORK/nopin.json" cgroup_source) == files ]] || fail "no pin: cgroup_source $(field "$WORK/nopin.json" cgroup_source)"

python3 - "$WORK" "${CG#"$MEMCG_ROOT"}" "$MEMCG_V2" <<'PY'
import json, sys
work, mine, v2 = sys.argv[1], sys.argv[2], sys.argv[3] == "1"
load = lambda n: {c["path"]: c for c in json.load(open(f"{work}/{n}.json"))["cgroups"]}
p1, f, p2 = load("pin1"), load("files"), load("pin2")
fail = []
if set(p1) != set(f):
    fail.append(f"cgroups differ: {sorted(set(p1) ^ set(f))[:5]}")
compared = usage_compared = 0
for path, c in f.items():
    a, b = p1.get(path), p2.get(path)
    if not a or not b:
        continue
    compared += 1
    for k in ("limit_bytes", "limit_known", "failcnt", "swap_limit_bytes", "nr_procs"):
        # (failcnt and nr_procs of a busy cgroup of the node can move between the reads)
        if a.get(k) == b.get(k) and a.get(k) != c.get(k) and (path.startswith(mine) or k.startswith("limit")):
            fail.append(f"{path}: {k} {a.get(k)} through the pin, {c.get(k)} from the files")
    if a["usage_bytes"] == b["usage_bytes"]:
        usage_compared += 1
        if a["usage_bytes"] != c["usage_bytes"]:
            fail.append(f"{path}: usage {a['usage_bytes']} through the pin (twice), {c['usage_bytes']} from the files")
lim, small = p1.get(mine + "/limited"), p1.get(mine + "/limited/small")
if not lim or not small:
    fail.append(f"our cgroups are missing: {sorted(p for p in p1 if p.startswith(mine))}")
else:
    if lim["limit_bytes"] != 64 << 20: fail.append(f"limited: limit {lim['limit_bytes']}")
    if lim["usage_bytes"] < 8 << 20: fail.append(f"limited: usage {lim['usage_bytes']} (8 MiB written there)")
    if not v2 and not small.get("failcnt"): fail.append(f"small: failcnt {small.get('failcnt')} after 16 MiB through 4 MiB")
    for p in (mine + "/limited", mine + "/limited/small"):
        if p1[p]["usage_bytes"] != f[p]["usage_bytes"]: fail.append(f"{p}: usage {p1[p]['usage_bytes']} vs {f[p]['usage_bytes']}")
if usage_compared < compared // 2:
    fail.append(f"usage compared in only {usage_compared} of {compared} cgroups")
print(f"{compared} cgroups compared (usage in {usage_compared}): {'; '.join(fail[:10]) or 'the pin gives what the files give'}")
sys.exit(1 if fail else 0)
PY

# The recorder's samples hold the limits the files give.
kill "$REC"
wait "$REC" 2>/dev/null || true
REC=""
"$BIN" history --db "$WORK/h.db" --at now -o json > "$WORK/hist.json" 2> "$WORK/hist.err" ||
  fail "history --at: $(cat "$WORK/hist.err")"
python3 - "$WORK/hist.json" "${CG#"$MEMCG_ROOT"}/limited" <<'PY'
import json, sys
d, mine = json.load(open(sys.argv[1])), sys.argv[2]
limits = []
def walk(o):
    if isinstance(o, dict):
        if mine in o.values() and "limit_bytes" in o: limits.append(o["limit_bytes"])
        for v in o.values(): walk(v)
    elif isinstance(o, list):
        for v in o: walk(v)
walk(d)
if not limits or set(limits) != {64 << 20}:
    print(f"FAIL: the recorder's last sample holds limits {limits} for {mine}, not {64 << 20}")
    sys.exit(1)
PY
echo PASS
