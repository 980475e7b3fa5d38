#!/usr/bin/env bash
# Where a BPF task walk cannot be had, nothing fails: the same JSON shape from procfs, one line on
# stderr saying why, and "process_source"/"process_source_note" saying it in the JSON. Cases: an
# unprivileged user, --source procfs, no pin (too few tasks for loading to pay), a fixture tree.
# Then the pin itself: `memsleuth record` pins the walk in a bpffs of this test's own (a new bpffs
# instance per mount: nothing touches /sys/fs/bpf), and `--source auto` reads it (on this node too
# few tasks for auto to load one, so "bpf" can only come from the pin), as root and not as nobody.
set -euo pipefail
BIN=${1:?usage: bpf_fallbacks.sh <memsleuth>}
SRC=${MEMSLEUTH_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
if [[ $(id -u) -ne 0 ]]; then echo "SKIP: not root"; exit 77; fi
for c in setpriv python3 mount; do command -v $c >/dev/null || { echo "SKIP: $c missing"; exit 77; }; done
WORK=$(mktemp -d)
REC=""
cleanup() {
  if [[ -n $REC ]]; then kill "$REC" 2>/dev/null || true; wait "$REC" 2>/dev/null || true; fi
  mountpoint -q "$WORK/bpffs" 2>/dev/null && umount "$WORK/bpffs"
  rm -rf "$WORK"
}
trap cleanup EXIT INT TERM
chmod 755 "$WORK"
as_nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups -- "$@"; }
as_nobody test -x "$BIN" || { echo "SKIP: $BIN is not executable by nobody"; exit 77; }
fail() { echo "FAIL: $*"; exit 1; }
field() { python3 -c 'import json,sys; v=json.load(open(sys.argv[1])).get(sys.argv[2]); print("null" if v is None else v)' "$@"; }
shape() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(" ".join(sorted(d)), "|", " ".join(sorted(set().union(*(p.keys() for p in d["processes"])))))' "$1"; }

# Does this build and kernel give a walk at all? (Not root's privileges: those are tested below.)
"$BIN" --source bpf snapshot -o json > "$WORK/bpf.json" 2> "$WORK/bpf.err"
if [[ $(field "$WORK/bpf.json" process_source) != bpf ]]; then
  echo "SKIP: no BPF task walk on this machine: $(cat "$WORK/bpf.err")"
  exit 77
fi
WANT_SHAPE=$(shape "$WORK/bpf.json")
TASKS=$(awk '{split($4, a, "/"); print a[2]}' /proc/loadavg)

check_fallback() { # name json err what-the-note-says
  local name=$1 json=$2 err=$3 says=$4
  [[ $(field "$json" process_source) == procfs ]] || fail "$name: process_source $(field "$json" process_source)"
  local note; note=$(field "$json" process_source_note)
  [[ $note == *"$says"* ]] || fail "$name: note '$note' does not say '$says'"
  [[ $(wc -l < "$err") -eq 1 ]] && grep -q "memsleuth: processes read from procfs: .*$says" "$err" ||
    fail "$name: stderr is not the one line saying why: $(cat "$err")"
  [[ $(shape "$json") == "$WANT_SHAPE" ]] || fail "$name: JSON shape differs from the BPF one"
  echo "$name: procfs, note: $note"
}

# 1. An unprivileged user: no pin to read (none yet), and loading is not allowed.
as_nobody "$BIN" --source bpf snapshot -o json > "$WORK/nobody.json" 2> "$WORK/nobody.err" || fail "nobody: exit $?"
check_fallback "nobody --source bpf" "$WORK/nobody.json" "$WORK/nobody.err" "loading one"

# 2. --source procfs: asked for, so no note and nothing on stderr.
"$BIN" --source procfs snapshot -o json > "$WORK/procfs.json" 2> "$WORK/procfs.err"
[[ $(field "$WORK/procfs.json" process_source) == procfs && $(field "$WORK/procfs.json" process_source_note) == null ]] ||
  fail "--source procfs: $(field "$WORK/procfs.json" process_source) / $(field "$WORK/procfs.json" process_source_note)"
[[ ! -s $WORK/procfs.err ]] || fail "--source procfs wrote to stderr: $(cat "$WORK/procfs.err")"
[[ $(shape "$WORK/procfs.json") == "$WANT_SHAPE" ]] || fail "--source procfs: JSON shape differs"
echo "--source procfs: procfs, no note"

# 3. No pin, auto: loading pays only from 1,500 tasks; on a smaller node procfs, saying so.
if [[ $TASKS -lt 1500 ]]; then
  "$BIN" --bpf-pin-dir "$WORK/nopin" snapshot -o json > "$WORK/auto.json" 2> "$WORK/auto.err"
  check_fallback "no pin, auto ($TASKS tasks)" "$WORK/auto.json" "$WORK/auto.err" "no pinned task iterator at $WORK/nopin"
else
  echo "no pin, auto: skipped ($TASKS tasks: auto loads its own walk here)"
fi

# 4. A fixture tree: a walk reads the running kernel, not the tree.
FX=$SRC/tests/fixtures/v1-cgroupfs-docker
"$BIN" --source bpf --procfs "$FX/proc" --sysfs "$FX/sys" --rootfs "$FX/root" snapshot -o json > "$WORK/fx.json" 2> "$WORK/fx.err"
check_fallback "fixture tree" "$WORK/fx.json" "$WORK/fx.err" "fixture tree"
"$BIN" --procfs "$FX/proc" --sysfs "$FX/sys" --rootfs "$FX/root" top -o json > "$WORK/fx-top.json" 2> "$WORK/fx-top.err"
[[ $(field "$WORK/fx-top.json" process_source) == procfs ]] || fail "top on a fixture: $(field "$WORK/fx-top.json" process_source)"

# 5. The recorder pins the walk; one-shot commands read the pin.
mkdir "$WORK/bpffs"
mount -t bpf bpf "$WORK/bpffs" || { echo "SKIP (pin part): cannot mount bpffs"; echo PASS; exit 0; }
PIN=$WORK/bpffs/memsleuth
"$BIN" --bpf-pin-dir "$PIN" record --db "$WORK/h.db" --interval 1s --listen off --no-kmsg --kubelet-log off \
  --kubelet-unit off > "$WORK/rec.log" 2>&1 &
REC=$!
# (the log line follows the pins: the recorder loads and pins its cgroup walk in between)
for _ in $(seq 1 300); do grep -q "BPF task walk pinned at" "$WORK/rec.log" && break; sleep 0.1; done
[[ -e $PIN/tasks ]] || fail "the recorder did not pin: $(cat "$WORK/rec.log")"
grep -q "BPF task walk pinned at $PIN (record version" "$WORK/rec.log" || fail "the recorder did not say where it pinned: $(cat "$WORK/rec.log")"
[[ $(stat -c %a "$PIN") == 700 ]] || fail "pin directory mode $(stat -c %a "$PIN")"
for cmd in "snapshot -o json" "top -o json" "available -o json" "explain --watch 0 $$ -o json" "doctor -o json"; do
  # (doctor's exit code says what it found on this node: not this test's business)
  # shellcheck disable=SC2086
  "$BIN" --bpf-pin-dir "$PIN" $cmd > "$WORK/pinned.json" 2> "$WORK/pinned.err" || [[ $cmd == doctor* ]]
  [[ $(field "$WORK/pinned.json" process_source) == bpf ]] ||
    fail "$cmd with a pin: $(field "$WORK/pinned.json" process_source) ($(cat "$WORK/pinned.err"))"
  [[ $(field "$WORK/pinned.json" process_source_note) == null ]] || fail "$cmd with a pin: a note"
  if grep -q "processes read from procfs" "$WORK/pinned.err"; then fail "$cmd with a pin: $(cat "$WORK/pinned.err")"; fi
  [[ $cmd == doctor* || $cmd == explain* || ! -s $WORK/pinned.err ]] || fail "$cmd with a pin wrote to stderr: $(cat "$WORK/pinned.err")"
done
echo "pinned: snapshot, top, available, explain and doctor read the recorder's pin"
# Not as nobody: the pin is root's (0600), so procfs, saying why.
as_nobody "$BIN" --bpf-pin-dir "$PIN" snapshot -o json > "$WORK/nobody-pin.json" 2> "$WORK/nobody-pin.err" || true
check_fallback "nobody with a pin" "$WORK/nobody-pin.json" "$WORK/nobody-pin.err" "Permission denied"
# The recorder loaded its walk (pinned above; under auto its samples read procfs incrementally,
# which is a choice, not a fallback): no "processes read from procfs" line.
sleep 2
if grep -q "processes read from procfs" "$WORK/rec.log"; then fail "recorder fell back: $(cat "$WORK/rec.log")"; fi
kill "$REC"
wait "$REC" 2>/dev/null || true
REC=""
# Left pinned after the recorder exits: the programs live on in the kernel, the commands keep them.
"$BIN" --bpf-pin-dir "$PIN" snapshot -o json > "$WORK/after.json" 2>/dev/null
[[ $(field "$WORK/after.json" process_source) == bpf ]] || fail "pin gone with the recorder"
echo PASS
