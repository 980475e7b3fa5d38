#!/usr/bin/env bash
# e2e: pods run by a real container runtime, not cgroups made with mkdir. The test starts its own
# containerd (Debian's 1.6, own root/state/socket under a temp dir, runc, cgroupfs driver), imports a
# busybox-static image it builds itself (tests/e2e/lib/busybox_image.py), and plays the kubelet: it
# makes the pod cgroups of three pods (guaranteed, burstable, besteffort) under --cgroup-root
# /ms-ctrd-<pid>, starts each container with `ctr run --cgroup <pod cgroup>/<id>` (so runc makes the
# container cgroup where the cgroupfs driver puts it, `/kubepods/<qos>/pod<uid>/<id>`) and a memory
# limit, and writes /var/log/pods and /var/log/containers under a test --rootfs. Then:
#  - top --by pod / --by process: pod names, QoS, limits, containerd as the runtime;
#  - explain: the containerd-shim-runc-v2 parent, and cwd resolved in the container's own mount
#    namespace (a path that does not exist on the host);
#  - a real OOM kill inside the burstable pod's "cache" container (its 32 MiB limit), read by `oom`
#    and by a running recorder (DB event, /metrics counter), each tied to namespace/pod/container.
# The systemd driver's slice/scope form needs systemd as PID 1 (runc asks it over D-Bus); where PID 1
# is not systemd (these build machines) only the cgroupfs form can be made, and the VM tests cover
# the systemd layout with mkdir-made cgroups.
set -euo pipefail
BIN=${1:?usage: containerd_pods.sh <memsleuth-binary>}
SRC=${MEMSLEUTH_SOURCE_DIR:?}
MEM=/sys/fs/cgroup/memory
if [[ $(id -u) -ne 0 ]]; then echo "SKIP: needs root (runs containerd, makes cgroups)"; exit 77; fi
if [[ ! -w $MEM || ! -f $MEM/memory.limit_in_bytes ]]; then
  echo "SKIP: no writable cgroup v1 memory hierarchy at $MEM"; exit 77
fi
T=$(mktemp -d /tmp/ms-ctrd-e2e.XXXXXX)
fail() {
  echo "FAIL: $*" >&2
  for f in "$T/out.json" "$T/rec.log" "$T/containerd.log"; do
    [[ -s $f ]] && { echo "--- $f (tail)" >&2; tail -c 3000 "$f" >&2; echo >&2; }
  done
  exit 1
}
for t in containerd ctr runc python3 jq sqlite3 curl; do
  command -v $t >/dev/null || fail "$t is not installed (scripts/deps.sh installs it)"
done
BUSYBOX=/bin/busybox
[[ -x $BUSYBOX ]] && ! ldd "$BUSYBOX" >/dev/null 2>&1 || fail "no static $BUSYBOX (Debian package busybox-static)"

CGROOT=ms-ctrd-$$          # the kubelet's --cgroup-root, so nothing collides with a real /kubepods
NS=k8s.io                  # containerd namespace the CRI plugin uses (shims carry -namespace k8s.io)
CTR=(ctr --address "$T/containerd.sock" --namespace "$NS")
CONTAINERD_PID="" REC_PID=""
IDS=() SHIMS=()
cleanup() {
  local rc=$? id h
  set +e
  if [[ -n $REC_PID ]]; then
    kill -9 "$REC_PID" 2>/dev/null
    wait "$REC_PID" 2>/dev/null
  fi
  if [[ -n $CONTAINERD_PID ]]; then
    for id in "${IDS[@]}"; do
      "${CTR[@]}" task kill --signal KILL "$id" >/dev/null 2>&1
    done
    for id in "${IDS[@]}"; do
      "${CTR[@]}" task delete --force "$id" >/dev/null 2>&1
      "${CTR[@]}" container delete "$id" >/dev/null 2>&1
    done
    "${CTR[@]}" image rm localhost/ms-busybox:e2e >/dev/null 2>&1
    kill "$CONTAINERD_PID" 2>/dev/null
    wait "$CONTAINERD_PID" 2>/dev/null
  fi
  # Shims of our containerd that outlived it (each container's parent, recorded at start).
  for id in "${SHIMS[@]}"; do
    grep -q -- "$T/containerd.sock" "/proc/$id/cmdline" 2>/dev/null && kill -9 "$id"
  done
  # runc made the container levels in every hierarchy, we made the pod levels: all under $CGROOT.
  for h in /sys/fs/cgroup/*/; do
    [[ -d $h$CGROOT ]] || continue
    find "$h$CGROOT" -depth -type d -exec rmdir {} \; 2>/dev/null
  done
  # snapshots (native snapshotter: plain directories) and runtime state; mounts first if any remain
  awk -v d="$T/" 'index($2, d) == 1 {print $2}' /proc/self/mounts | sort -r | xargs -r -n1 umount -l 2>/dev/null
  rm -rf --one-file-system "$T"
  exit $rc
}
trap cleanup EXIT INT TERM
trap 'echo "FAIL: line $LINENO: $BASH_COMMAND exited $?" >&2' ERR

# 1. Our own containerd: no CRI plugin (the test plays the kubelet), native snapshotter (no overlay
#    mount needed), runc through the runc.v2 shim.
cat >"$T/config.toml" <<EOF
version = 2
root = "$T/root"
state = "$T/state"
disabled_plugins = ["io.containerd.grpc.v1.cri", "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs",
  "io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.aufs", "io.containerd.tracing.processor.v1.otlp"]
[grpc]
  address = "$T/containerd.sock"
[ttrpc]
  address = "$T/containerd.sock.ttrpc"
[debug]
  address = ""
[metrics]
  address = ""
EOF
t0=$SECONDS
containerd --config "$T/config.toml" >"$T/containerd.log" 2>&1 &
CONTAINERD_PID=$!
for _ in $(seq 100); do "${CTR[@]}" version >/dev/null 2>&1 && break; sleep 0.1; done
"${CTR[@]}" version >/dev/null 2>&1 || fail "containerd did not come up"
python3 "$SRC/tests/e2e/lib/busybox_image.py" "$T/busybox.tar" localhost/ms-busybox:e2e "$BUSYBOX"
"${CTR[@]}" image import --snapshotter native "$T/busybox.tar" >/dev/null || fail "ctr image import failed"

# 2. Play the kubelet: pod cgroups with the pod-level limits it sets, then the containers.
ROOT=$T/rootfs
mkdir -p "$ROOT/var/log/pods" "$ROOT/var/log/containers" "$ROOT/dev"
ln -s /dev/kmsg "$ROOT/dev/kmsg"   # --rootfs also names where /dev/kmsg is
newid() { head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n'; }
declare -A POD_CG POD_NS POD_NAME POD_UID CID CPID
# pod key -> namespace name qos pod-limit (bytes, 0 = none)
add_pod() {
  local key=$1 ns=$2 name=$3 qos=$4 limit=$5 uid
  uid=$(cat /proc/sys/kernel/random/uuid)
  local rel=/$CGROOT/kubepods
  [[ $qos == guaranteed ]] || rel+=/$qos
  rel+=/pod$uid
  mkdir -p "$MEM$rel"
  ((limit == 0)) || echo "$limit" >"$MEM$rel/memory.limit_in_bytes"
  POD_CG[$key]=$rel POD_NS[$key]=$ns POD_NAME[$key]=$name POD_UID[$key]=$uid
  mkdir -p "$ROOT/var/log/pods/${ns}_${name}_${uid}"
}
# start_container POD CONTAINER LIMIT SCRIPT [CTR-RUN-ARGS...]: the container's cgroup, log dir and
# symlink as the kubelet and containerd make them; PID 1 of the container is busybox sh running SCRIPT.
start_container() {
  local key=$1 cname=$2 limit=$3 script=$4 id
  shift 4
  id=$(newid)
  local args=(run --detach --snapshotter native --runtime io.containerd.runc.v2 --runc-binary "$(command -v runc)"
    --cgroup "${POD_CG[$key]}/$id" "$@")
  ((limit == 0)) || args+=(--memory-limit "$limit")
  "${CTR[@]}" "${args[@]}" localhost/ms-busybox:e2e "$id" /bin/sh -c "$script" >/dev/null ||
    fail "ctr run $key/$cname failed"
  IDS+=("$id")
  local d="$ROOT/var/log/pods/${POD_NS[$key]}_${POD_NAME[$key]}_${POD_UID[$key]}/$cname"
  mkdir -p "$d"
  echo "$(date -u +%Y-%m-%dT%H:%M:%S.%NZ) stdout F started" >"$d/0.log"
  ln -s "/var/log/pods/${POD_NS[$key]}_${POD_NAME[$key]}_${POD_UID[$key]}/$cname/0.log" \
    "$ROOT/var/log/containers/${POD_NAME[$key]}_${POD_NS[$key]}_${cname}-${id}.log"
  CID[$key/$cname]=$id
  CPID[$key/$cname]=$("${CTR[@]}" task ls | awk -v id="$id" '$1 == id {print $2}')
  SHIMS+=("$(awk '{print $4}' "/proc/${CPID[$key/$cname]}/stat")")
}
MiB=$((1 << 20))
add_pod db shop db-0 guaranteed $((48 * MiB))
add_pod web shop web-7d4b9c burstable $((96 * MiB))
add_pod job batch report-29173 besteffort 0
# db/postgres and web/app hold ~16 MB in sh's memory; app's cwd is on a tmpfs only its mount namespace
# has (/srv/data: on the host that path is on the root filesystem, or absent); cache waits for
# /tmp/go, then reads 100 MB into a shell variable under a 32 MiB limit.
HOLD='x=$(head -c 16000000 /dev/zero | tr "\0" x) && while :; do sleep 1; done'
start_container db postgres $((48 * MiB)) "$HOLD"
start_container web app $((64 * MiB)) "mkdir -p /srv/data/app && cd /srv/data/app && $HOLD" \
  --mount type=tmpfs,src=tmpfs,dst=/srv/data,options=nosuid:nodev
start_container web cache $((32 * MiB)) 'while [ ! -e /tmp/go ]; do sleep 0.1; done; x=$(head -c 100000000 /dev/zero | tr "\0" x); sleep 1000'
start_container job worker 0 'cd /tmp && while :; do sleep 1; done'
echo "containerd up and 4 containers started in $((SECONDS - t0)) s"
APP=${CPID[web/app]}
[[ -n $APP ]] || fail "no pid for web/app"
# Wait until the holders hold their memory (VmRSS above 10 MiB).
rss_kib() { awk '$1 == "VmRSS:" {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }
for _ in $(seq 100); do (($(rss_kib "$APP") > 10240)) && break; sleep 0.1; done
(($(rss_kib "$APP") > 10240)) || fail "web/app did not allocate (VmRSS $(rss_kib "$APP") KiB)"
[[ $(awk -F: '$2 == "memory" {print $3}' "/proc/$APP/cgroup") == "${POD_CG[web]}/${CID[web/app]}" ]] ||
  fail "runc did not put web/app in ${POD_CG[web]}/${CID[web/app]}: $(cat "/proc/$APP/cgroup")"

MS=("$BIN" --rootfs "$ROOT")
# 3. top --by pod: names from /var/log/pods, QoS from the cgroup path, the pod limit.
"${MS[@]}" top --by pod -n 0 -o json >"$T/out.json" || fail "top --by pod exited $?"
pod_row() { jq -c --arg u "$1" '.rows[] | select(.owner.pod_uid == $u)' "$T/out.json"; }
check_pod() { # key qos limit
  local row
  row=$(pod_row "${POD_UID[$1]}")
  [[ -n $row ]] || fail "top --by pod has no row for pod $1 (uid ${POD_UID[$1]})"
  jq -e --arg ns "${POD_NS[$1]}" --arg n "${POD_NAME[$1]}" --arg q "$2" --argjson l "$3" --arg cg "${POD_CG[$1]}" \
    '.owner.namespace == $ns and .owner.pod == $n and .owner.qos == $q and .effective_limit_bytes == $l
     and .cgroup == $cg and .processes >= 1' <<<"$row" >/dev/null || fail "pod $1 row: $row"
}
check_pod db guaranteed $((48 * MiB))
check_pod web burstable $((96 * MiB))
check_pod job besteffort null
echo "top --by pod: shop/db-0 guaranteed, shop/web-7d4b9c burstable, batch/report-29173 besteffort ok"

# 4. top --by process: each container's process under its pod container, containerd as the runtime.
"${MS[@]}" top -n 0 -o json >"$T/out.json" || fail "top exited $?"
check_proc() { # key/container limit
  local pid=${CPID[$1]} row
  row=$(jq -c --argjson p "$pid" '.rows[] | select(.pid == $p)' "$T/out.json")
  [[ -n $row ]] || fail "top has no row for pid $pid ($1)"
  jq -e --arg c "${1#*/}" --arg id "${CID[$1]}" --argjson l "$2" \
    '.owner.kind == "pod" and .owner.container == $c and .owner.container_id == $id and .owner.runtime == "containerd"
     and .effective_limit_bytes == $l' <<<"$row" >/dev/null || fail "process of $1: $row"
}
check_proc db/postgres $((48 * MiB))
check_proc web/app $((64 * MiB))
check_proc job/worker null
echo "top: container processes owned by their pod containers (runtime containerd) ok"

# 5. explain: the shim parent and cwd in the container's mount namespace.
"${MS[@]}" explain "$APP" --watch 0 -o json >"$T/out.json" || fail "explain $APP exited $?"
jq -e --arg id "${CID[web/app]}" '.owner.kind == "pod" and .owner.namespace == "shop" and .owner.pod == "web-7d4b9c"
  and .owner.container == "app" and .owner.container_id == $id' "$T/out.json" >/dev/null || fail "explain owner"
shim=$(jq -c '.ancestry[1]' "$T/out.json")
jq -e '.comm == "containerd-shim" and .container_shim == true and (.cmdline | index("k8s.io")) != null' <<<"$shim" >/dev/null ||
  fail "explain: the parent is not the containerd shim: $shim"
jq -e '.cwd.samples[0].path == "/srv/data/app" and .cwd.mount == "/srv/data" and .cwd.fs_type == "tmpfs"' \
  "$T/out.json" >/dev/null ||
  fail "explain: cwd is not /srv/data/app on the container's tmpfs: $(jq -c .cwd "$T/out.json")"
"${MS[@]}" explain "$APP" --watch 0 >"$T/explain.txt" || fail "explain (text) exited $?"
grep -q "containerd-shim" "$T/explain.txt" || fail "explain text lacks the shim"
echo "explain: shim parent, cwd /srv/data/app on the tmpfs of the container's mount namespace ok"

# 6. A real OOM kill in web/cache, with a recorder running.
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
# (--process-floor 8Mi: the ~16 MiB holders are stored whatever else runs on the machine)
"${MS[@]}" record --db "$T/h.db" --interval 1h --listen "127.0.0.1:$PORT" --kubelet-log off --kubelet-unit off \
  --process-floor 8Mi >"$T/rec.log" 2>&1 &
REC_PID=$!
q() { sqlite3 "file:$T/h.db?mode=ro" "$1" 2>/dev/null || true; }
for _ in $(seq 600); do [[ $(q "SELECT count(*) FROM samples") -ge 1 ]] && break; sleep 0.2; done
[[ $(q "SELECT count(*) FROM samples") -ge 1 ]] || fail "the recorder stored no sample"
VICTIM=${CPID[web/cache]}
touch "/proc/$VICTIM/root/tmp/go"
for _ in $(seq 300); do kill -0 "$VICTIM" 2>/dev/null || break; sleep 0.1; done
! kill -0 "$VICTIM" 2>/dev/null || fail "web/cache (pid $VICTIM) was not OOM-killed"
sleep 2.5   # the oom_reaper line may follow the kill (5.18+: 2 s later)
"${MS[@]}" oom -o json >"$T/out.json" || fail "oom exited $?"
ev=$(jq -c --argjson p "$VICTIM" '[.events[] | select(.kind == "oom_kill" and .victim.pid == $p)] | last' "$T/out.json")
[[ $ev != null ]] || fail "oom: no kill of pid $VICTIM"
jq -e --arg cg "${POD_CG[web]}/${CID[web/cache]}" --arg uid "${POD_UID[web]}" --argjson l $((32 * MiB)) \
  '.victim.comm == "sh" and .scope == "memcg" and .task_memcg == $cg and .oom_memcg == $cg
   and .owner.namespace == "shop" and .owner.pod == "web-7d4b9c" and .owner.container == "cache"
   and .owner.qos == "burstable" and .owner.pod_uid == $uid and .memcg.memory.limit_bytes == $l' <<<"$ev" >/dev/null ||
  fail "oom event: $ev"
echo "oom: sh killed in shop/web-7d4b9c/cache (32 MiB limit) ok"
for _ in $(seq 100); do [[ -n $(q "SELECT 1 FROM events WHERE kind='oom_kill' AND pid=$VICTIM") ]] && break; sleep 0.2; done
row=$(q "SELECT owner_kind, namespace, pod, container FROM events WHERE kind='oom_kill' AND pid=$VICTIM")
[[ $row == "pod|shop|web-7d4b9c|cache" ]] || fail "recorder: OOM kill of $VICTIM stored as '$row'"
n=$(curl -sf "http://127.0.0.1:$PORT/metrics" | awk '$1 == "memsleuth_oom_kills_total{owner_kind=\"pod\",namespace=\"shop\"}" {print $2}')
[[ $n == 1 ]] || fail "recorder: memsleuth_oom_kills_total{owner_kind=\"pod\",namespace=\"shop\"} is '$n', want 1"
# The recorder's samples hold the pods' processes with their owners.
[[ -n $(q "SELECT 1 FROM processes p JOIN owners o ON o.id = p.owner_id WHERE p.pid=$APP AND o.label='shop/web-7d4b9c/app'") ]] ||
  fail "recorder: web/app (pid $APP) not stored under shop/web-7d4b9c/app: $(q "SELECT pid, comm, owner_id FROM processes WHERE pid=$APP")"
echo "recorder: OOM kill stored and counted, pod processes stored with owners ok"
echo "PASS: containerd pods (took $((SECONDS - t0)) s)"
