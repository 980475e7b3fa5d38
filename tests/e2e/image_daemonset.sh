#!/usr/bin/env bash
# e2e: the image `make image` builds (scripts/image.sh over the Release binary), run the way
# deploy/daemonset.yaml runs it. tests/e2e/lib/daemonset_podman.py reads the manifest (args, hostPath
# mounts with readOnly/propagation, capabilities, privileged, readOnlyRootFilesystem, runAsUser,
# hostPID, resources, ports, probes) and turns it into `podman run`; a field it does not understand
# fails the test. The containerised recorder must answer the manifest's probes, serve /metrics and
# /healthz, store a host process this test started (with exe and cwd, read through /host/proc), and
# record a real OOM kill in a v1 memory cgroup of this test. Also checked: the image's labels and tag,
# the binary in it is the Release binary, the image carries exactly the libraries the recorder loads,
# the container runs with what the manifest grants, and it stops cleanly on SIGTERM.
set -euo pipefail
SRC=${MEMSLEUTH_SOURCE_DIR:?}
RELEASE=${MEMSLEUTH_RELEASE_BINARY:-$SRC/build/memsleuth}
MEM=/sys/fs/cgroup/memory
LIB=$SRC/tests/e2e/lib
if [[ $(id -u) -ne 0 ]]; then echo "SKIP: needs root (rootful container with hostPID, a memory cgroup)"; exit 77; fi
fail() {
  echo "FAIL: $*" >&2
  if [[ -n ${CNAME:-} ]] && podman container exists "$CNAME" 2>/dev/null; then
    echo "--- recorder log (podman logs)" >&2
    podman logs "$CNAME" 2>&1 | tail -30 >&2
  fi
  exit 1
}
for t in podman buildah runc python3 sqlite3 curl jq; do
  command -v $t >/dev/null || fail "$t is not installed (scripts/deps.sh installs it)"
done
if [[ ! -w $MEM || ! -f $MEM/memory.limit_in_bytes ]]; then
  echo "SKIP: no writable cgroup v1 memory hierarchy at $MEM"; exit 77
fi
[[ -x $RELEASE ]] || fail "no Release binary at $RELEASE: run 'make build' (make test does), or set MEMSLEUTH_RELEASE_BINARY"

TMP=$(mktemp -d /tmp/ms-image-e2e.XXXXXX)
CG=$MEM/ms-image-e2e-$$
PIDS=()
source "$LIB/podman_env.bash"
cleanup() {
  local rc=$?
  set +e
  for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
  ms_podman_cleanup
  if [[ -d $CG ]]; then
    while read -r p; do kill -9 "$p" 2>/dev/null || true; done <"$CG/cgroup.procs"
    sleep 0.2
    rmdir "$CG" 2>/dev/null || true
  fi
  rm -rf --one-file-system "$TMP"
  exit $rc
}
trap cleanup EXIT INT TERM
trap 'echo "FAIL: line $LINENO: $BASH_COMMAND exited $?" >&2' ERR
ms_podman_env "$TMP/podman"

# 1. Build the image exactly as `make image` does, into the private storage.
t0=$SECONDS
bash "$SRC/scripts/image.sh" --binary "$RELEASE" --name localhost/memsleuth
TAG=$(bash "$SRC/scripts/image.sh" --print-tag)
echo "image built in $((SECONDS - t0)) s: localhost/memsleuth:$TAG"
IMG=localhost/memsleuth:$TAG
podman image exists localhost/memsleuth:latest || fail "make image did not tag localhost/memsleuth:latest"
label() { podman image inspect "$IMG" --format "{{index .Labels \"org.opencontainers.image.$1\"}}"; }
[[ $(label version) == "$TAG" ]] || fail "label version '$(label version)', want '$TAG' (git describe)"
[[ $(label revision) == $(git -C "$SRC" rev-parse HEAD) ]] || fail "label revision '$(label revision)' is not HEAD"
[[ -n $(label source) && $(label created) =~ ^20[0-9-]+T ]] || fail "labels source/created missing"
[[ $(podman image inspect "$IMG" --format '{{json .Config.Entrypoint}}') == '["/usr/bin/memsleuth"]' ]] ||
  fail "entrypoint is not /usr/bin/memsleuth"
ROOTFS=$(podman image mount "$IMG")
cmp -s "$ROOTFS/usr/bin/memsleuth" "$RELEASE" || fail "the image's /usr/bin/memsleuth is not $RELEASE"
# The libraries the image carries, as the container sees them.
(cd "$ROOTFS" && find . -name '*.so*' \( -type f -o -type l \) | sed 's|^\.||' | sort) >"$TMP/image-libs"
echo "image: $(wc -l <"$TMP/image-libs") libraries, $(du -sk "$ROOTFS" | cut -f1) KiB on disk"
podman image unmount "$IMG" >/dev/null

# 2. The manifest, mapped onto podman run.
CNAME=ms-recorder-e2e-$$
python3 "$LIB/daemonset_podman.py" "$SRC/deploy/daemonset.yaml" --name "$CNAME" --state-dir "$TMP/node" >"$TMP/run.json" ||
  fail "deploy/daemonset.yaml cannot be mapped onto podman run (above)"
image=$(jq -r .image "$TMP/run.json")
[[ $image == localhost/memsleuth:latest || $image == "$IMG" ]] ||
  fail "deploy/daemonset.yaml runs '$image', not the image make image builds (localhost/memsleuth:latest)"
DB=$(jq -r '.state["/var/lib/memsleuth"] // empty' "$TMP/run.json")/history.db
[[ $DB != /history.db ]] || fail "the manifest mounts no hostPath at /var/lib/memsleuth for the history"
mapfile -t RUN_ARGS < <(jq -r '.argv[]' "$TMP/run.json")
echo "podman run ${RUN_ARGS[*]}"

# 3. A host process the recorder must see (above --process-floor 32Mi: stored by name, exe and cwd),
#    started before the container so the first sample has it.
mkdir -p "$TMP/hostproc-cwd"
(cd "$TMP/hostproc-cwd" && exec python3 -c '
import sys, time
b = b"x" * (48 << 20)
open(sys.argv[1], "w").close()
time.sleep(600)' "$TMP/hostproc.ready") &
HOSTPROC=$!
PIDS+=("$HOSTPROC")
for _ in $(seq 100); do [[ -e $TMP/hostproc.ready ]] && break; sleep 0.1; done

podman run --detach --runtime runc "${RUN_ARGS[@]}" >/dev/null || fail "podman run failed"
PORT=$(jq -r '.ports["9465"] // empty' "$TMP/run.json")
[[ -n $PORT ]] || fail "the manifest publishes no containerPort 9465"
up() { curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null; }
for _ in $(seq 300); do up && break; sleep 0.2; done
up || fail "/healthz did not answer on the published port within 60 s"

# 4. The probes the kubelet would send, on the paths and ports the manifest names.
while read -r kind how path port; do
  if [[ $how == httpGet ]]; then
    code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port$path")
    [[ $code == 200 ]] || fail "$kind GET $path answered $code"
  else
    (exec 3<>"/dev/tcp/127.0.0.1/$port") || fail "$kind tcpSocket $port refused"
  fi
  echo "$kind $how ${path:-} ok"
done < <(jq -r '.probes[] | "\(.kind) \(.how) \(.path // "-") \(.host_port)"' "$TMP/run.json")
curl -sf "http://127.0.0.1:$PORT/metrics" | grep '^memsleuth_store_up 1' >/dev/null || fail "/metrics lacks memsleuth_store_up 1"

# 5. The container runs with what the manifest grants, no more (read from the host's /proc).
CPID=$(podman inspect "$CNAME" --format '{{.State.Pid}}')
status() { awk -v k="$1:" '$1 == k {print $2}' "/proc/$CPID/status"; }
if [[ $(jq -r .privileged "$TMP/run.json") == false ]]; then
  want=$(jq -r '.capabilities.add[]' "$TMP/run.json" | python3 -c '
import sys
# capability numbers (linux/capability.h) of the names a DaemonSet may add
num = {"CHOWN": 0, "DAC_OVERRIDE": 1, "DAC_READ_SEARCH": 2, "FOWNER": 3, "FSETID": 4, "KILL": 5, "SETGID": 6,
       "SETUID": 7, "SETPCAP": 8, "NET_BIND_SERVICE": 10, "NET_ADMIN": 12, "NET_RAW": 13, "IPC_LOCK": 14,
       "SYS_CHROOT": 18, "SYS_PTRACE": 19, "SYS_ADMIN": 21, "SYS_RESOURCE": 24, "SYSLOG": 34, "BPF": 39,
       "PERFMON": 38, "CHECKPOINT_RESTORE": 40}
m = 0
for n in sys.stdin.read().split():
    m |= 1 << num[n.removeprefix("CAP_")]
print(f"{m:016x}")')
  [[ $(status CapEff) == "$want" ]] || fail "CapEff $(status CapEff), the manifest grants $want"
  [[ $(status Seccomp) == 2 ]] || fail "no seccomp filter (RuntimeDefault) on the recorder"
else
  # every capability the runtime has itself (this sandbox's bounding set lacks some)
  all=$(awk '$1 == "CapBnd:" {print $2}' /proc/self/status)
  [[ $(status CapEff) == "$all" ]] || fail "privileged, but CapEff is $(status CapEff), not $all"
fi
if [[ $(jq -r '.argv | index("--security-opt=no-new-privileges")' "$TMP/run.json") != null ]]; then
  [[ $(status NoNewPrivs) == 1 ]] || fail "NoNewPrivs is not set"
fi
[[ $(status Uid) == 0 ]] || fail "recorder runs as uid $(status Uid), the manifest says runAsUser 0"
if [[ $(jq -r '.argv | index("--read-only")' "$TMP/run.json") != null ]]; then
  awk '$5 == "/" {print $6}' "/proc/$CPID/mountinfo" | grep -w ro >/dev/null || fail "the root filesystem is writable"
fi
limit=$(jq -r .memory_limit_bytes "$TMP/run.json")
if [[ $limit != null ]]; then
  mcg=$(awk -F: '$2 == "memory" {print $3}' "/proc/$CPID/cgroup")
  [[ $(cat "$MEM$mcg/memory.limit_in_bytes") == "$limit" ]] || fail "memory limit of $mcg is not $limit"
fi

# 6. The host process, stored with what the recorder read of it through /host/proc.
q() { sqlite3 "file:$DB?mode=ro" "$1" 2>/dev/null || true; }
for _ in $(seq 150); do [[ -n $(q "SELECT 1 FROM processes WHERE pid=$HOSTPROC") ]] && break; sleep 0.2; done
row=$(q "SELECT comm, exe, cwd FROM processes WHERE pid=$HOSTPROC")
[[ $row == "python3|$(readlink "/proc/$HOSTPROC/exe")|$TMP/hostproc-cwd" ]] ||
  fail "host process $HOSTPROC not stored as python3 with exe and cwd: '$row'"
echo "host process seen: $row"

# 7. A real OOM kill in our own v1 memory cgroup, recorded by the containerised recorder.
mkdir "$CG"
echo $((32 << 20)) >"$CG/memory.limit_in_bytes"
[[ -f $CG/memory.memsw.limit_in_bytes ]] && echo $((32 << 20)) >"$CG/memory.memsw.limit_in_bytes"
sh -c "echo \$\$ > '$CG/cgroup.procs' && exec python3 -c 'b = b\"x\" * (128 << 20)'" >/dev/null 2>&1 &
VICTIM=$!
rc=0
wait $VICTIM 2>/dev/null || rc=$?
[[ $rc == 137 ]] || fail "the hog was not OOM-killed (exit $rc)"
for _ in $(seq 100); do [[ -n $(q "SELECT 1 FROM events WHERE kind='oom_kill' AND pid=$VICTIM") ]] && break; sleep 0.2; done
ev=$(q "SELECT comm, cgroup FROM events WHERE kind='oom_kill' AND pid=$VICTIM")
[[ $ev == "python3|/ms-image-e2e-$$" ]] || fail "OOM kill of $VICTIM not recorded in the DB as python3 in /ms-image-e2e-$$: '$ev'"
kills=$(curl -sf "http://127.0.0.1:$PORT/metrics" | awk '$1 ~ /^memsleuth_oom_kills_total/ {s += $2} END {print s + 0}')
((kills >= 1)) || fail "/metrics counts no OOM kill"
echo "OOM kill recorded: pid $VICTIM $ev; memsleuth_oom_kills_total sums to $kills"

# 8. Exactly the libraries it loads: every shared object the image carries is mapped by the running
#    recorder (libsystemd once the journal is opened), and it maps none from elsewhere.
awk '$6 ~ /\.so/ {print $6}' "/proc/$CPID/maps" | sort -u >"$TMP/loaded-libs"
if ! diff "$TMP/image-libs" "$TMP/loaded-libs" >"$TMP/libs.diff"; then
  cat "$TMP/libs.diff" >&2
  fail "the image's libraries (<) differ from those the recorder maps (>)"
fi
# ... and the journal reader found its library (a missing one would be missing from both lists).
grep -q '/libsystemd\.so\.0$' "$TMP/loaded-libs" || fail "the recorder did not load libsystemd.so.0"
! podman logs "$CNAME" 2>&1 | grep 'cannot read the systemd journal' >/dev/null || fail "the recorder cannot read journals"
echo "libraries: the image carries exactly the $(wc -l <"$TMP/loaded-libs") the recorder maps"

# 9. SIGTERM (pod deletion) stops it cleanly.
podman stop --time 20 "$CNAME" >/dev/null
code=$(podman inspect "$CNAME" --format '{{.State.ExitCode}}')
[[ $code == 0 ]] || fail "the recorder exited $code on SIGTERM"
echo "PASS: $IMG ran as deploy/daemonset.yaml says"
