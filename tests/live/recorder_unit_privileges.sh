#!/usr/bin/env bash
# Live: the recorder runs with exactly the credentials deploy/memsleuth-record.service gives it (read
# from the unit: DynamicUser= -> a uid of systemd's dynamic range that is not root,
# AmbientCapabilities=, CapabilityBoundingSet=, NoNewPrivileges=, UMask=) through setpriv, and still
# reads what it reads: exe and cwd of a root process whose cwd is in a root-only directory
# (CAP_SYS_PTRACE), a real OOM kill from /dev/kmsg with kernel.dmesg_restrict=1 (CAP_SYSLOG), and
# writes its database with the unit's umask. Control runs without CAP_SYS_PTRACE and without
# CAP_SYSLOG lose exactly those, so the test sees a capability go missing.
# (The unit's seccomp filter and mount namespace need systemd itself: tests/e2e/unit_security.sh
# scores and verifies them; this machine has no systemd to run the unit.)
source "$(dirname "$0")/recorder_lib.bash"
UNIT=${MEMSLEUTH_SOURCE_DIR:?}/deploy/memsleuth-record.service
MEM=/sys/fs/cgroup/memory
if [[ $(id -u) -ne 0 ]]; then echo "SKIP: needs root (setpriv, a memory cgroup)"; exit 77; fi
if [[ ! -w $MEM || ! -f $MEM/memory.limit_in_bytes ]]; then echo "SKIP: no writable cgroup v1 memory hierarchy at $MEM"; exit 77; fi
for t in setpriv python3 sqlite3 curl; do command -v $t >/dev/null || die "$t not installed"; done

unit_value() { sed -n "s/^$1=//p" "$UNIT" | tail -1; }
# "CAP_SYS_PTRACE CAP_SYSLOG" -> "+sys_ptrace,+syslog" (setpriv's spelling)
setpriv_caps() { tr ' ' '\n' | sed '/^$/d; s/^CAP_//' | tr 'A-Z' 'a-z' | sed 's/^/+/' | paste -sd, -; }
AMBIENT=$(unit_value AmbientCapabilities)
BOUND=$(unit_value CapabilityBoundingSet)
UMASK=$(unit_value UMask)
[[ $(unit_value DynamicUser) == yes ]] || die "the unit no longer says DynamicUser=yes: adapt this test"
[[ $(unit_value NoNewPrivileges) == yes ]] || die "the unit no longer says NoNewPrivileges=yes"
[[ -n $AMBIENT && -n $BOUND && -n $UMASK ]] || die "AmbientCapabilities=, CapabilityBoundingSet= or UMask= missing"
# A uid from DynamicUser's range (61184-65519) that no file of ours belongs to.
U=$((61184 + $$ % 4000))

# run_as_unit CAPS_TO_DROP CMD...: execs CMD with the unit's user, capabilities (minus some) and
# umask; call it in a subshell or in the background (it replaces the shell that runs it).
run_as_unit() {
  local drop=$1 amb bnd
  shift
  amb=$(echo "$AMBIENT" | tr ' ' '\n' | grep -vxF -e "${drop:-none}" | setpriv_caps)
  bnd=$(echo "$BOUND" | tr ' ' '\n' | grep -vxF -e "${drop:-none}" | setpriv_caps)
  umask "$UMASK"
  exec setpriv --reuid="$U" --regid="$U" --clear-groups --no-new-privs \
    --inh-caps="-all,$amb" --ambient-caps="-all,$amb" --bounding-set="-all,$bnd" -- "$@"
}
# The unit's StateDirectory=: owned by the service's user, mode 0700.
state_dir() { mkdir -p "$1" && chown "$U:$U" "$1" && chmod 0700 "$1"; }

# A root process whose cwd is a root-only directory (mode 0700): its exe and cwd need CAP_SYS_PTRACE.
mkdir -m 0700 "$TMP/private"
(cd "$TMP/private" && exec sleep 600) &
SLEEPER=$!
PIDS+=("$SLEEPER")
proc_links() { sqlite3 "file:$1?mode=ro" "SELECT coalesce(exe,'NULL') || ' ' || coalesce(cwd,'NULL') FROM processes WHERE pid=$SLEEPER" 2>/dev/null; }

# 1. With the unit's credentials: a recorder that keeps running, so it sees an OOM kill.
state_dir "$TMP/state"
DB=$TMP/state/history.db
PORT=$(free_port)
# (--source bpf: sampled through the walk, so that the metric below says the unit's capabilities load it)
run_as_unit "" "$MS" --source bpf record --db "$DB" --interval 500ms --process-floor 0 --listen "127.0.0.1:$PORT" \
  --kubelet-log off --kubelet-unit off >"$TMP/rec.log" 2>&1 &
REC_PID=$!
PIDS+=("$REC_PID")
wait_for "first sample" 300 has_samples "$DB" 1
grep -q "Uid:.*$U" "/proc/$REC_PID/status" 2>/dev/null || die "the recorder does not run as uid $U"
got=$(proc_links "$DB")
[[ $got == "/usr/bin/sleep $TMP/private" || $got == "/bin/sleep $TMP/private" ]] ||
  die "exe/cwd of root's pid $SLEEPER as stored with the unit's credentials: '$got'"
curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null || die "/healthz is not 200"
# CAP_BPF and CAP_PERFMON: the recorder reads processes through its BPF task walk (where this build
# and kernel give one to root at all).
BPF=0
[[ $("$MS" --source bpf --bpf-pin-dir "$TMP/nopin" snapshot -o json 2>/dev/null | python3 -c 'import json,sys; print(json.load(sys.stdin)["process_source"])') == bpf ]] && BPF=1
if [[ $BPF == 1 ]]; then
  curl -sf "http://127.0.0.1:$PORT/metrics" | grep -q '^memsleuth_process_source_info{source="bpf"} 1' ||
    { cat "$TMP/rec.log"; die "with the unit's CAP_BPF and CAP_PERFMON the recorder does not read processes through BPF"; }
fi
mode=$(stat -c '%a %u' "$DB")
[[ $mode == "600 $U" ]] || die "database mode/owner '$mode', want '600 $U' (UMask=$UMASK)"

# A real OOM kill in a cgroup of our own, read from /dev/kmsg by the non-root recorder.
CG=$MEM/mst-unitpriv-$$
CLEANUPS+=("rmdir '$CG' 2>/dev/null")
mkdir "$CG" && echo $((48 << 20)) >"$CG/memory.limit_in_bytes" || die "cannot create $CG"
[[ -f $CG/memory.memsw.limit_in_bytes ]] && echo $((48 << 20)) >"$CG/memory.memsw.limit_in_bytes"
sh -c "echo \$\$ > '$CG/cgroup.procs' && exec python3 -c 'b = b\"x\" * (200 << 20)'" >/dev/null 2>&1 &
VICTIM=$!
rc=0
{ wait "$VICTIM"; } 2>/dev/null || rc=$?
[[ $rc -eq 137 ]] || die "expected the allocator to be OOM-killed (exit 137), got $rc"
kill_stored() { [[ $(sqlite3 "file:$DB?mode=ro" "SELECT count(*) FROM events WHERE kind='oom_kill' AND pid=$VICTIM" 2>/dev/null) -ge 1 ]]; }
wait_for "OOM kill of pid $VICTIM stored by the non-root recorder" 150 kill_stored
kill "$REC_PID"
wait "$REC_PID" 2>/dev/null || true
echo "ok: as uid $U with $AMBIENT: exe/cwd of a root process, OOM kill $VICTIM from /dev/kmsg, database 0600"

# 2. Controls: without CAP_SYS_PTRACE the links stay unknown; without CAP_SYSLOG /dev/kmsg is refused
#    (kernel.dmesg_restrict=1), so both capabilities are needed, not just granted.
state_dir "$TMP/noptrace"
(run_as_unit CAP_SYS_PTRACE "$MS" record --db "$TMP/noptrace/h.db" --samples 1 --process-floor 0 --listen off \
  --kubelet-log off --kubelet-unit off) >"$TMP/noptrace.log" 2>&1 || die "control run without CAP_SYS_PTRACE exited $?"
got=$(proc_links "$TMP/noptrace/h.db")
[[ $got == "NULL NULL" ]] || die "without CAP_SYS_PTRACE exe/cwd should be unknown, got '$got'"
if [[ $(cat /proc/sys/kernel/dmesg_restrict 2>/dev/null) == 1 ]]; then
  state_dir "$TMP/nosyslog"
  (run_as_unit CAP_SYSLOG "$MS" record --db "$TMP/nosyslog/h.db" --samples 1 --listen off \
    --kubelet-log off --kubelet-unit off) >"$TMP/nosyslog.log" 2>&1 || true
  grep -q "/dev/kmsg: Operation not permitted" "$TMP/nosyslog.log" || { cat "$TMP/nosyslog.log"; die "without CAP_SYSLOG the recorder should report /dev/kmsg unreadable"; }
  echo "ok: controls: no CAP_SYS_PTRACE -> exe/cwd unknown; no CAP_SYSLOG -> /dev/kmsg refused"
else
  echo "ok: control: no CAP_SYS_PTRACE -> exe/cwd unknown (dmesg_restrict=0: CAP_SYSLOG control skipped)"
fi
if [[ $BPF == 1 ]]; then
  state_dir "$TMP/nobpf"
  (run_as_unit CAP_BPF "$MS" record --db "$TMP/nobpf/h.db" --samples 1 --listen off --kubelet-log off \
    --kubelet-unit off) >"$TMP/nobpf.log" 2>&1 || die "control run without CAP_BPF exited $?"
  grep -q "processes read from procfs: loading the BPF task iterator: .*not permitted" "$TMP/nobpf.log" ||
    { cat "$TMP/nobpf.log"; die "without CAP_BPF the recorder should say it reads procfs and why"; }
  echo "ok: control: no CAP_BPF -> processes from procfs, saying why"
fi
echo PASS
