#!/usr/bin/env bash
# e2e (root): output that fits a terminal, and output that is bounded anyway.
# A process with a 100 KB command line, a hostile comm and a cwd 300 bytes deep sits in a cgroup
# whose path is ~200 bytes long, beside the live node's own processes. Every command is driven
# through a pseudo-terminal at COLUMNS=80 (doctor, oom, explain, explain --scheduled, available,
# history, top --by each, snapshot, explain --at): no line may be wider than 80 columns. Then, piped:
# nothing is cut to a width (the long cgroup path is whole), yet the 100 KB argv never comes out
# whole (text: cut with "… (+N bytes)"; JSON: 64 KiB with cmdline_truncated); --no-headers drops the
# header line; an empty table is one line saying so.
set -uo pipefail
MS=${1:?usage: output_width.sh <memsleuth>}
SRC=${MEMSLEUTH_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
DATA=${MEMSLEUTH_TEST_DATA:-$SRC/tests/data}
source "$SRC/tests/live/lib/cgroup.bash"
ms_require_memcg
for t in python3 jq; do command -v "$t" >/dev/null || { echo "FAIL: missing $t"; exit 1; }; done

TMP=$(mktemp -d "/tmp/mst-width-$$-XXXX")
LONG_SEG=$(printf 'a-cgroup-name-as-long-as-a-kubernetes-pod-uid-%.0s' 1 2 3)
CG="$MEMCG_ROOT/mst-width-$$/$LONG_SEG/$LONG_SEG"
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
cleanup() {
  ms_cleanup
  rm -rf "$TMP"
}
trap cleanup EXIT INT TERM
ms_mkcg "$CG" || { echo "FAIL: cannot create $CG"; exit 1; }
ms_set_limit "$CG" $((256 << 20))

# The hostile process: argv of ~100 KB, a comm with an escape sequence, a deep cwd.
DEEP="$TMP/$(printf 'directory-with-a-long-name-%.0s/' {1..10})"
mkdir -p "$DEEP"
cat >"$TMP/hog.py" <<'PY'
import os, sys, time
os.chdir(sys.argv[1])
with open("/proc/self/comm", "w") as f:
    f.write("\x1b[31mhog-\u00e9t\u00e9")
# 48 MiB resident: above the recorder's 32 MiB process floor, so `explain --at` finds it stored.
buf = bytearray(48 << 20)
for i in range(0, len(buf), 4096):
    buf[i] = 1
open(sys.argv[2], "w").close()
time.sleep(600)
PY
ARGS=$(python3 -c 'print(" ".join("--option-%05d=value" % i for i in range(5000)))')
# shellcheck disable=SC2086
ms_start_in "$CG" python3 "$TMP/hog.py" "$DEEP" "$TMP/ready" $ARGS
HOG=$MS_LAST_PID
ms_wait_file "$TMP/ready" "$HOG" || { echo "FAIL: the hog did not start"; exit 1; }
ARGV_BYTES=$(($(wc -c <"/proc/$HOG/cmdline") - 1))

# A crontab with a long line for explain --scheduled, and a log with a long memcg path for oom.
ROOT="$TMP/root"
mkdir -p "$ROOT/etc"
printf '25 6 * * * root cd / && test -x /usr/sbin/anacron || ( cd / && run-parts --report /etc/cron.daily ) && /usr/bin/updatedb --prunepaths="/tmp /var/spool /media /var/lib/kubelet/pods /some/very/long/path/that/goes/on/and/on"\n' >"$ROOT/etc/crontab"
KMSG="$TMP/oom.log"
cat "$DATA/oom/sample-16.log" "$DATA/oom/sample-34.log" >"$KMSG"  # long kubepods memcg paths, task tables

# A history database of a few samples of the live node.
DB="$TMP/h.db"
"$MS" record --db "$DB" --interval 300ms --samples 3 --listen off --no-kmsg --kubelet-log off --kubelet-unit off -q ||
  fail "record exited $?"

COMMANDS=(
  "doctor --sample 0 --no-kernel-log --kubelet-log off --kubelet-unit off --db $DB"
  "oom --file $KMSG"
  "explain $HOG --sample 0"
  "explain 1 --sample 0"
  "explain 2 --sample 0"
  "--rootfs $ROOT explain --scheduled"
  "available"
  "history --db $DB --since -1h"
  "history --db $DB --at now"
  "explain $HOG --at now --db $DB"
  "top"
  "top --by process -n 0"
  "top --by cgroup -n 0"
  "top --by pod -n 0"
  "top --by owner -n 0"
  "snapshot"
)

# Runs each command on a pseudo-terminal of 80 columns (COLUMNS=80 and TIOCSWINSZ) and reports any
# line wider than 80 display columns (ANSI colour codes take none, East Asian wide characters two).
python3 - "$MS" "$TMP" "${COMMANDS[@]}" <<'PY' || fail "lines wider than 80 columns on a terminal"
import fcntl, os, pty, re, shlex, struct, sys, termios, unicodedata
ms, tmp, commands = sys.argv[1], sys.argv[2], sys.argv[3:]
csi = re.compile(r"\x1b\[[0-9;?]*[@-~]")
def width(line):
    w = 0
    for ch in csi.sub("", line):
        if unicodedata.combining(ch):
            continue
        w += 2 if unicodedata.east_asian_width(ch) in "WF" else 1
    return w
def run(argv, cols=80):
    pid, fd = pty.fork()
    if pid == 0:
        os.environ["COLUMNS"] = str(cols)
        os.environ["ASAN_OPTIONS"] = os.environ.get("ASAN_OPTIONS", "") + ":detect_leaks=0"
        try:
            os.execv(argv[0], argv)
        finally:
            os._exit(127)
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 50, cols, 0, 0))
    out = b""
    while True:
        try:
            chunk = os.read(fd, 65536)
        except OSError:
            break
        if not chunk:
            break
        out += chunk
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status), out.decode("utf-8", "replace")
bad = 0
for cmd in commands:
    rc, text = run([ms] + shlex.split(cmd))
    lines = text.replace("\r\n", "\n").split("\n")
    wide = [(width(l), l) for l in lines if width(l) > 80]
    name = re.sub(r"/tmp/mst-width-[^ ]*", "…", cmd)
    print(f"{name:60} exit {rc}, {len(lines)} lines, widest {max([width(l) for l in lines] + [0])}")
    if rc not in (0, 1, 2) or len(text.strip()) == 0:
        print(f"  FAIL: exit {rc} or no output: {text[-400:]!r}")
        bad += 1
    for w, l in wide[:3]:
        print(f"  FAIL: {w} columns: {l[:160]!r}")
    bad += len(wide) > 0
sys.exit(1 if bad else 0)
PY

# --- piped: no width limit, but bounded ---
T=$("$MS" top --by cgroup -n 0 | grep -F "mst-width-$$") || fail "top --by cgroup (piped) lost our cgroup"
[[ $T == *"/$LONG_SEG/$LONG_SEG"* ]] || fail "piped top cut the cgroup path: $T"
E=$("$MS" explain "$HOG" --sample 0) || fail "explain (piped) exited $?"
[[ $E == *"mst-width-$$/$LONG_SEG/$LONG_SEG"* ]] || fail "piped explain cut the memory cgroup path"
[[ $E == *"bytes)"* && $E != *"--option-04999=value"* ]] || fail "explain printed the whole ${ARGV_BYTES}-byte argv"
[[ $E == *'\x1b[31mhog-été'* ]] || fail "explain: hostile comm not escaped as \\x1b: $(head -1 <<<"$E")"
W=$("$MS" top -n 0 -o wide | grep -E "^ *!? +$HOG ") || fail "top -o wide: no row for $HOG"
[[ ${#W} -lt 4096 && $W == *"… (+"*" bytes)"* ]] || fail "top -o wide: argv not bounded (${#W} bytes)"
D=$("$MS" doctor --sample 0 --no-kernel-log --kubelet-log off --kubelet-unit off --db "$DB" | wc -c)
((D < 200000)) || fail "doctor printed $D bytes"
J=$("$MS" explain "$HOG" --sample 0 -o json) || fail "explain -o json exited $?"
jq -e --argjson n "$ARGV_BYTES" '.process.cmdline_truncated == true and .process.cmdline_bytes == $n
  and (.process.cmdline | join(" ") | length) <= 65536' <<<"$J" >/dev/null ||
  fail "explain JSON: cmdline not capped at 64 KiB with cmdline_truncated/cmdline_bytes ($ARGV_BYTES)"
"$MS" snapshot -o json | jq -e --argjson p "$HOG" '.processes[] | select(.pid == $p) | .cmdline_truncated' >/dev/null ||
  fail "snapshot JSON: no cmdline_truncated for the hog"

# --- every -o json is a document with its schema ---
JSONS=(
  "snapshot" "top -n 3" "explain $HOG --sample 0" "--rootfs $ROOT explain --scheduled"
  "doctor --sample 0 --no-kernel-log --kubelet-log off --kubelet-unit off --db $DB" "available" "oom --file $KMSG"
  "history --db $DB --since -1h" "history --db $DB --at now" "explain $HOG --at now --db $DB"
)
for c in "${JSONS[@]}"; do
  # shellcheck disable=SC2086
  schema=$("$MS" $c -o json 2>/dev/null | jq -r .schema)
  [[ $schema == memsleuth.*/v1 ]] || fail "$c -o json: schema '$schema'"
done

# --- --no-headers and empty tables ---
H=$("$MS" top --by cgroup -n 3 --no-headers | head -1)
[[ $H != *CGROUP* && -n $H ]] || fail "--no-headers still printed a header: $H"
FX="$SRC/tests/fixtures/v2-systemd-containerd-crio"
FXARGS=(--procfs "$FX/proc" --sysfs "$FX/sys" --rootfs "$FX/root")
X=$("$MS" "${FXARGS[@]}" top --owner timer --by cgroup -n 0 --no-headers; "$MS" "${FXARGS[@]}" snapshot --no-processes | tail -1)
[[ $X == *"No memory cgroups owned by a timer."*"No processes read"* ]] || fail "empty tables did not say so: $X"

if ((fails)); then
  echo "FAIL: $fails output check(s)"
  exit 1
fi
echo "PASS: every command fits 80 columns on a terminal; piped output uncut but bounded (argv $ARGV_BYTES bytes)"
