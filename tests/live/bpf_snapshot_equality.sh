#!/usr/bin/env bash
# The BPF task walk and procfs agree on the running kernel: `snapshot -o json --source bpf` taken
# before and after a `--source procfs` one. Every process present in both BPF snapshots (same pid
# and start time) is in the procfs one with the same identity (ppid, uid, comm, kernel thread,
# memory cgroup, exe, cwd, cmdline) and an RSS within what it moved between the two BPF reads. Our
# own processes (in cgroups made here, pod-shaped and outside kubepods) cover what the walk cannot
# give and procfs must fill in: a cmdline longer than a record takes, an argv rewritten at run time
# (setproctitle, read through procfs), a process moved between cgroups, v1's name=systemd line.
set -euo pipefail
BIN=${1:?usage: bpf_snapshot_equality.sh <memsleuth>}
SRC=${MEMSLEUTH_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
source "$SRC/tests/live/lib/cgroup.bash"
ms_require_memcg
command -v python3 >/dev/null || { echo "SKIP: python3 missing"; exit 77; }
WORK=$(mktemp -d)
# (set +e: a killed child's wait fails, which must not end the cleanup)
trap 'set +e; ms_cleanup; rm -rf "$WORK"' EXIT INT TERM

"$BIN" --source bpf snapshot -o json > "$WORK/probe.json" 2> "$WORK/probe.err" || true
src=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["process_source"])' "$WORK/probe.json")
if [[ $src != bpf ]]; then echo "SKIP: no BPF task walk here: $(cat "$WORK/probe.err")"; exit 77; fi

CG=$MEMCG_ROOT/mst-bpf-$$
POD=$CG/kubepods/burstable/pod0a1b2c3d-$$/c1
UNIT=$CG/system.slice/mst-bpf-$$.service
ms_mkcg "$POD"
ms_mkcg "$UNIT"
ms_mkcg "$CG/moved-to"
# A process with 48 MiB of its own (tests/vm/memhog.c: allocates, touches, sleeps).
gcc -O2 -static -o "$WORK/memhog" "$SRC/tests/vm/memhog.c" 2>/dev/null || gcc -O2 -o "$WORK/memhog" "$SRC/tests/vm/memhog.c"
ms_start_in "$POD" "$WORK/memhog" 48
HOG=$MS_LAST_PID
# A cmdline longer than a record's 4 KiB: procfs gives it.
long=$(printf 'x%.0s' $(seq 1 5000))
ms_start_in "$UNIT" perl -e 'sleep 300' "$long"
LONG=$MS_LAST_PID
# An argv rewritten at run time (perl's $0 writes over the argument area, like setproctitle).
ms_start_in "$UNIT" perl -e '$0 = "mst-renamed worker with a title longer than its argv"; sleep 300'
RENAMED=$MS_LAST_PID
# A process that moves to another memory cgroup after it started.
ms_start_in "$POD" sleep 300
MOVED=$MS_LAST_PID
sleep 1
echo "$MOVED" > "$CG/moved-to/cgroup.procs"
for _ in $(seq 1 50); do grep -q "mst-renamed" "/proc/$RENAMED/cmdline" 2>/dev/null && break; sleep 0.1; done
for _ in $(seq 1 100); do
  [[ $(awk '{print $2}' "/proc/$HOG/statm") -gt $((40 * 256)) ]] && break
  sleep 0.1
done

"$BIN" --source bpf snapshot -o json > "$WORK/bpf1.json" 2> "$WORK/bpf1.err"
"$BIN" --source procfs snapshot -o json > "$WORK/procfs.json" 2> "$WORK/procfs.err"
"$BIN" --source bpf snapshot -o json > "$WORK/bpf2.json" 2> "$WORK/bpf2.err"
[[ ! -s $WORK/procfs.err ]] || { echo "FAIL: --source procfs wrote to stderr: $(cat "$WORK/procfs.err")"; exit 1; }

python3 - "$WORK" "$HOG" "$LONG" "$RENAMED" "$MOVED" "${CG#"$MEMCG_ROOT"}" "$long" <<'EOF'
import json, sys
work, hog, longp, renamed, moved, cg, longarg = sys.argv[1], *map(int, sys.argv[2:6]), sys.argv[6], sys.argv[7]
load = lambda n: json.load(open(f"{work}/{n}.json"))
b1, pf, b2 = load("bpf1"), load("procfs"), load("bpf2")
fail = []
for name, d, want in (("bpf1", b1, "bpf"), ("procfs", pf, "procfs"), ("bpf2", b2, "bpf")):
    if d["process_source"] != want:
        fail.append(f"{name}: process_source {d['process_source']} ({d['process_source_note']})")
# Same document shape: the same keys at the top and in every process object.
if set(b1) != set(pf):
    fail.append(f"top-level keys differ: {sorted(set(b1) ^ set(pf))}")
pkeys = lambda d: set().union(*(p.keys() for p in d["processes"]))
if pkeys(b1) != pkeys(pf):
    fail.append(f"process keys differ: {sorted(pkeys(b1) ^ pkeys(pf))}")
# The cgroups are the same walk in both.
paths = lambda d: {c["path"] for c in d["cgroups"]}
mine = lambda s: {p for p in s if p.startswith(cg)}
if mine(paths(b1)) != mine(paths(pf)):
    fail.append(f"our cgroups differ: {sorted(mine(paths(b1)) ^ mine(paths(pf)))}")

by = lambda d: {p["pid"]: p for p in d["processes"]}
B1, PF, B2 = by(b1), by(pf), by(b2)
stable = [pid for pid in B1 if pid in B2 and B1[pid]["start_time"] == B2[pid]["start_time"]]
compared, rss_checked, rss_equal = 0, 0, 0
# What a process moved between the reads: the range of the two BPF reads, and, for the busy ones
# that grow and free again in between (compilers, other tests), 256 KiB + 2 %.
slack = lambda a, b: 256 * 1024 + max(a, b) // 50
for pid in stable:
    a, b = B1[pid], B2[pid]
    q = PF.get(pid)
    if q is None or q["start_time"] != a["start_time"]:
        fail.append(f"pid {pid} ({a['comm']}) in both BPF reads, not in procfs's")
        continue
    compared += 1
    for k in ("ppid", "uid", "kernel_thread", "memory_cgroup", "exe", "cwd", "cmdline", "comm"):
        # A field that changed between the two BPF reads (a rename, a move) is not compared, nor a
        # kernel thread's comm (a workqueue worker's names its current work).
        if a[k] != b[k] or (k == "comm" and a["kernel_thread"]):
            continue
        if a[k] != q[k]:
            fail.append(f"pid {pid} ({a['comm']}): {k} bpf {json.dumps(a[k])[:120]} procfs {json.dumps(q[k])[:120]}")
    for k in ("rss_bytes", "rss_anon_bytes", "rss_file_bytes", "rss_shmem_bytes", "swap_bytes"):
        if a[k] is None or b[k] is None or q[k] is None:
            if not (a[k] is None and q[k] is None):
                fail.append(f"pid {pid}: {k} bpf {a[k]} procfs {q[k]}")
            continue
        lo, hi = min(a[k], b[k]) - slack(a[k], b[k]), max(a[k], b[k]) + slack(a[k], b[k])
        if not lo <= q[k] <= hi:
            fail.append(f"pid {pid} ({a['comm']}): {k} procfs {q[k]} outside bpf {a[k]}..{b[k]}")
        rss_checked += 1
        rss_equal += a[k] == q[k] == b[k]
# Our processes, field by field.
def ours(pid, what):
    p = B1.get(pid)
    if p is None:
        fail.append(f"{what} (pid {pid}) missing from the BPF snapshot")
    return p or {}
h = ours(hog, "the 48 MiB process")
if h and not (h["rss_anon_bytes"] or 0) >= 40 << 20:
    fail.append(f"hog anon RSS {h.get('rss_anon_bytes')} < 40 MiB")
if h and h["memory_cgroup"] != PF[hog]["memory_cgroup"]:
    fail.append("hog memory cgroup differs")
l = ours(longp, "the long cmdline")
if l and (len(l["cmdline"]) != 4 or l["cmdline"][3] != longarg):
    fail.append(f"long cmdline: {len(json.dumps(l.get('cmdline')))} bytes, argv {len(l.get('cmdline', []))}")
r = ours(renamed, "the renamed process")
if r and not " ".join(r["cmdline"]).startswith("mst-renamed worker"):
    fail.append(f"renamed cmdline {r.get('cmdline')}")
m = ours(moved, "the moved process")
if m and m["memory_cgroup"] != f"{cg}/moved-to":
    fail.append(f"moved process in {m.get('memory_cgroup')}, not {cg}/moved-to")
if 1 not in B1 or 1 not in PF:
    fail.append("pid 1 missing")
# v1: processes outside kubepods get owners from the name=systemd line, through procfs.
print(f"compared {compared} processes present in all three reads ({rss_checked} RSS values, {rss_equal} equal to the byte), "
      f"{len(B1)} / {len(PF)} / {len(B2)} processes in bpf / procfs / bpf")
if fail:
    print("FAIL:\n  " + "\n  ".join(fail[:40]))
    sys.exit(1)
EOF
echo PASS
