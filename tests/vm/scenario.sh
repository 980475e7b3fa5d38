#!/bin/sh
# Runs inside the VM (busybox sh, started by init.sh), on a real cgroup v2 kernel. Builds a node with
# the kubelet's systemd-driver layout, starts real workloads, triggers a real memcg OOM kill, runs
# memsleuth, and writes everything the host checks to fd 3 (the raw second serial port):
#   @@BEGIN <name>            a section; <name> is out:<cmd>, err:<cmd>, meta, tree (base64 tar.gz)
#   ...lines...
#   @@END <name> rc=<n>
#   @@DONE                    last line: its absence means the run was cut short
# Checks happen on the host (run.sh, jq); this script only sets up, measures and reports.
set -u
PATH=/bin
CG=/sys/fs/cgroup
MS=/bin/memsleuth
OUT=/tmp/out
mkdir -p "$OUT"
# Progress with the guest's uptime on the console (ttyS0), to see where the time goes.
step() { echo "vm: $(cut -d' ' -f1 /proc/uptime)s $*" >&2; }

# --- the node ----------------------------------------------------------------------------------
# Same identities as tests/data/v2-vm (an earlier run of this kind), plus more pods.
BU_UID=0d8f4b2e-6c1a-4b7e-9f3a-2c5d7e8f9a01   # shop/web-7d4b9c (burstable)
BU_CID=4f1c2d3e5a6b7c8d9e0f11223344556677889900aabbccddeeff001122334455  # container "app"
OOM_CID=9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a29180716253443526170819a0b1c2d # container "cache", OOM-killed
GU_UID=5b6c7d8e-1f2a-4b3c-8d4e-6f7a8b9c0d1e   # shop/db-0 (guaranteed)
GU_CID=a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90
BE_UID=c3d4e5f6-a7b8-4c9d-8e0f-1a2b3c4d5e6f   # jobs/batch-x2k9p (besteffort)
BE_CID=0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0

slice() { echo "$1" | tr - _; }  # the systemd driver escapes '-' of a pod UID as '_'
KP=kubepods.slice
BU_POD=$KP/kubepods-burstable.slice/kubepods-burstable-pod$(slice $BU_UID).slice
BU_CTR=$BU_POD/cri-containerd-$BU_CID.scope
OOM_CTR=$BU_POD/cri-containerd-$OOM_CID.scope
GU_POD=$KP/kubepods-pod$(slice $GU_UID).slice
GU_CTR=$GU_POD/cri-containerd-$GU_CID.scope
BE_POD=$KP/kubepods-besteffort.slice/kubepods-besteffort-pod$(slice $BE_UID).slice
BE_CTR=$BE_POD/cri-containerd-$BE_CID.scope
CRON=system.slice/cron.service

MI=1048576
# kubepods gets allocatable (capacity - reservations), pods and containers their limits.
KP_MAX=$((320 * MI)); BU_POD_MAX=$((160 * MI)); BU_CTR_MAX=$((64 * MI)); OOM_CTR_MAX=$((32 * MI))
GU_MAX=$((48 * MI))
# Workloads (MiB): the pod containers stay under their limits; the hog in cron.service has no limit.
# Kept small: every page fault is emulated (TCG), and the VM has 512 MiB.
BU_MIB=24; GU_MIB=12; BE_MIB=4; HOG_MIB=64; OOM_MIB=96

# Creates a cgroup path with +memory delegated at every level above it (a cgroup with processes
# cannot enable controllers for children, so the leaf itself is left alone).
mkcg() {
  p=$CG
  for seg in $(echo "$1" | tr / ' '); do
    echo +memory >"$p/cgroup.subtree_control" || echo "vm: +memory failed at $p" >&2
    p=$p/$seg
    [ -d "$p" ] || mkdir "$p"
  done
}
setmax() { echo "$2" >"$CG/$1/memory.max"; }

# start <cgroup> <cwd> <argv0-path> <MiB>: starts a memhog in the cgroup and waits for READY;
# prints its pid. The shell moves itself into the cgroup and then execs, so the pid is the hog's.
start() {
  log=$OUT/start.$$.$(echo "$1" | md5sum | cut -c1-8)
  sh -c 'echo $$ >"$1/cgroup.procs" && cd "$2" && exec "$3" "$4"' start "$CG/$1" "$2" "$3" "$4" >"$log" 2>&1 &
  i=0
  # Up to 10 minutes: a starved TCG guest can take long to touch its pages; the host timeout rules.
  while ! grep -qs '^READY' "$log" && [ $i -lt 12000 ]; do usleep 50000; i=$((i + 1)); done
  grep '^READY' "$log" | cut -d' ' -f2
}

mkcg "$BU_CTR"; mkcg "$OOM_CTR"; mkcg "$GU_CTR"; mkcg "$BE_CTR"; mkcg "$CRON"
setmax $KP $KP_MAX; setmax "$BU_POD" $BU_POD_MAX; setmax "$BU_CTR" $BU_CTR_MAX
setmax "$OOM_CTR" $OOM_CTR_MAX; setmax "$GU_POD" $GU_MAX; setmax "$GU_CTR" $GU_MAX

# /var/log/pods/<ns>_<pod>_<uid>/<container>/0.log and the /var/log/containers links, as the kubelet
# writes them: this is how pod and container names are recovered from a cgroup path.
podlogs() {  # ns pod uid container cid
  d=/var/log/pods/$1_$2_$3/$4
  mkdir -p "$d" /var/log/containers
  echo "$(date -u +%Y-%m-%dT%H:%M:%S.000000000Z) stdout F started" >"$d/0.log"
  ln -sf "$d/0.log" "/var/log/containers/$2_$1_$4-$5.log"
}
podlogs shop web-7d4b9c $BU_UID app $BU_CID
podlogs shop web-7d4b9c $BU_UID cache $OOM_CID
podlogs shop db-0 $GU_UID postgres $GU_CID
podlogs jobs batch-x2k9p $BE_UID worker $BE_CID

step "cgroups ready"
# The incident's shape: a cron-started updatedb outside kubepods, no limit, cwd inside a pod's dir.
mkdir -p /usr/local/bin && cp /bin/memhog /usr/local/bin/updatedb
BU_PID=$(start "$BU_CTR" / /bin/memhog $BU_MIB)
GU_PID=$(start "$GU_CTR" / /bin/memhog $GU_MIB)
BE_PID=$(start "$BE_CTR" / /bin/memhog $BE_MIB)
HOG_PID=$(start "$CRON" /var/log/pods/shop_web-7d4b9c_$BU_UID/app /usr/local/bin/updatedb $HOG_MIB)

step "workloads ready"
# --- result port --------------------------------------------------------------------------------
section() {  # name rc file
  echo "@@BEGIN $1" >&3
  [ -f "$3" ] && awk '{print}' "$3" >&3
  echo "@@END $1 rc=$2" >&3
}
# ms <name> <args...>: runs memsleuth, reports stdout, stderr and the exit code.
ms() {
  name=$1; shift
  step "memsleuth $name"
  "$MS" "$@" >"$OUT/$name.out" 2>"$OUT/$name.err"
  rc=$?
  section "out:$name" $rc "$OUT/$name.out"
  section "err:$name" $rc "$OUT/$name.err"
}
meta() { echo "$1=$2" >>"$OUT/meta"; }

for v in KP BU_POD BU_CTR OOM_CTR GU_POD GU_CTR BE_POD BE_CTR CRON BU_UID GU_UID BE_UID BU_CID OOM_CID \
         GU_CID BE_CID KP_MAX BU_POD_MAX BU_CTR_MAX OOM_CTR_MAX GU_MAX BU_MIB GU_MIB BE_MIB HOG_MIB OOM_MIB \
         BU_PID GU_PID BE_PID HOG_PID; do
  eval "meta $v \"\$$v\""
done
meta uname "$(uname -r)"

# --- memsleuth on the live node, before the OOM kill ----------------------------------------------
ms snapshot snapshot -o json
# The BPF task walk (loaded by the command: no recorder pins one here) against procfs, back to back.
ms snapshot-bpf --source bpf snapshot -o json
ms snapshot-procfs --source procfs snapshot -o json
# The BPF cgroup walk: `record` loads and pins it (a bpffs of our own), `snapshot` reads the pin.
mkdir -p /tmp/bpffs && mount -t bpf bpf /tmp/bpffs
ms record-pin --bpf-pin-dir /tmp/bpffs/ms record --db /tmp/pin.db --samples 1 --interval 100ms --listen off \
  --no-kmsg --kubelet-log off --kubelet-unit off -q
ms snapshot-cgwalk --bpf-pin-dir /tmp/bpffs/ms snapshot -o json
ms snapshot-files --source procfs snapshot -o json
umount /tmp/bpffs
ms top top --by pod -o json
ms top-process top -o json
ms doctor doctor -o json

# --- a real memcg OOM kill inside a pod's container scope -----------------------------------------
sh -c 'echo $$ >"$1/cgroup.procs" && exec /bin/memhog "$2"' oom "$CG/$OOM_CTR" $OOM_MIB >"$OUT/oom-victim.log" 2>&1
meta oom_victim_rc $?
ms oom oom -o json

# --- freeze the files memsleuth read into a fixture tree {proc,sys,root} ---------------------------
# One vmtool process copies them all (reading to EOF). The awk below and the host's checks of the
# frozen copy then see exactly the same bytes.
T=/tmp/tree
{
  for f in meminfo stat vmstat swaps pressure/memory 1/mountinfo; do echo /proc/$f; done
  for pid in 1 $BU_PID $GU_PID $BE_PID $HOG_PID; do
    for f in stat status statm cmdline cgroup comm oom_score_adj; do echo /proc/$pid/$f; done
  done
  find $CG -type d | awk '{
    n = split("cgroup.controllers cgroup.subtree_control cgroup.procs cgroup.type memory.current memory.max " \
      "memory.high memory.low memory.min memory.peak memory.stat memory.events memory.events.local " \
      "memory.swap.current memory.swap.max memory.oom.group memory.pressure", f, " ")
    for (i = 1; i <= n; i++) print $0 "/" f[i] }'
} | /bin/vmtool copy $T
mkdir -p $T/root/var/log $T/root/dev
cp -a /var/log/pods /var/log/containers $T/root/var/log/
/bin/vmtool kmsg >$T/root/dev/kmsg

# The kubelet's v2 root formula from the frozen files (docs: docs/kubelet-memory.md §1.6, §1.8)
awk '
  FILENAME ~ /meminfo$/ && $1 == "MemTotal:" { total = $2 * 1024 }
  FILENAME ~ /meminfo$/ && $1 == "MemFree:" { free = $2 * 1024 }
  FILENAME ~ /memory.stat$/ { s[$1] = $2 }
  END {
    ws_new = s["anon"] + s["file"] - s["inactive_file"]; if (ws_new < 0) ws_new = 0
    ws_old = total - free - s["inactive_file"]; if (ws_old < 0) ws_old = 0
    printf "capacity=%.0f\nws_anon_file=%.0f\navailable_anon_file=%.0f\n", total, ws_new, total - ws_new
    printf "ws_meminfo=%.0f\navailable_meminfo=%.0f\n", ws_old, total - ws_old
    printf "root_anon=%.0f\nroot_file=%.0f\nroot_inactive_file=%.0f\n", s["anon"], s["file"], s["inactive_file"]
  }' $T/proc/meminfo $T/sys/fs/cgroup/memory.stat >>"$OUT/meta"
# allocatableMemory.available: the same formula on kubepods.slice, its memory.max as capacity.
awk '
  FILENAME ~ /memory.current$/ { cur = $1 }
  FILENAME ~ /memory.max$/ { max = $1 }
  FILENAME ~ /memory.stat$/ && $1 == "inactive_file" { inact = $2 }
  END {
    ws = cur - inact; if (ws < 0) ws = 0
    printf "alloc_capacity=%.0f\nalloc_ws=%.0f\nalloc_available=%.0f\n", max, ws, max - ws
  }' $T/sys/fs/cgroup/$KP/memory.current $T/sys/fs/cgroup/$KP/memory.max $T/sys/fs/cgroup/$KP/memory.stat \
  >>"$OUT/meta"
step "tree frozen"

# memsleuth on the live node once more; the host runs it again over the frozen copy (natively).
ms available available -o json
ms available-meminfo available --v2-root-usage meminfo -o json

section meta 0 "$OUT/meta"
echo "@@BEGIN tree" >&3
(cd $T && tar czf - .) | base64 >&3
echo "@@END tree rc=0" >&3
echo "@@DONE" >&3
step "results written"
