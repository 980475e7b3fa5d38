#!/usr/bin/env bash
# memsleuth on real cgroup v2 kernels: boots Debian's 6.1 and 6.12 kernels in QEMU (TCG), runs
# scenario.sh inside each with memsleuth, and checks what memsleuth printed against the files the
# VM's kernel wrote. Prints one line per kernel and scenario ("6.1 snapshot ok") and exits non-zero
# on any mismatch, or when a VM cannot be started (no kernel, no qemu): that is a failure, never a skip.
#
#   bash tests/vm/run.sh [--kernels "6.1 6.12"] [--save-fixtures] [--keep DIR [--no-boot]] [MEMSLEUTH_BINARY]
#
# --save-fixtures writes the files each VM read to tests/fixtures/vm-<kernel>/{proc,sys,root}.
# Kernels are cached in ~/.cache/memsleuth-vm (MEMSLEUTH_VM_CACHE); the first run downloads them
# from the Debian mirror. See docs/testing.md.
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
src=$(cd "$here/../.." && pwd)
# shellcheck source=kernels.sh
source "$here/kernels.sh"

kernels=${MEMSLEUTH_VM_KERNELS:-"6.1 6.12"}
save_fixtures=0
keep=""
no_boot=0
binary=""
while (($#)); do
  case "$1" in
    --kernels) kernels=$2; shift 2 ;;
    --save-fixtures) save_fixtures=1; shift ;;
    --keep) keep=$2; shift 2 ;;
    --no-boot) no_boot=1; shift ;;  # re-check the results kept by an earlier --keep DIR run
    -h | --help) sed -n '2,12p' "$0"; exit 0 ;;
    *) binary=$1; shift ;;
  esac
done
# Scenarios that must pass. Each is checked by check_<name> below.
SCENARIOS=(snapshot)

die() { echo "vm: FAIL: $*" >&2; exit 1; }

if [[ -z "$binary" ]]; then
  for b in "$src/build-asan/memsleuth" "$src/build/memsleuth"; do [[ -x "$b" ]] && { binary=$b; break; }; done
fi
[[ -n "$binary" && -x "$binary" ]] || die "no memsleuth binary (give its path, or run make build)"
binary=$(readlink -f "$binary")

qemu=$(command -v qemu-system-x86_64) || die "qemu-system-x86_64 not found (scripts/deps.sh installs qemu-system-x86)"
busybox=""
for b in /bin/busybox /usr/bin/busybox; do
  # The initramfs has no libc of its own: busybox must be the static build (busybox-static).
  if [[ -x "$b" ]] && ! ldd "$b" >/dev/null 2>&1; then busybox=$b; break; fi
done
[[ -n "$busybox" ]] || die "no static busybox (scripts/deps.sh installs busybox-static)"
for t in cpio jq base64 cc; do command -v "$t" >/dev/null || die "$t not found (scripts/deps.sh installs it)"; done

work=${keep:-$(mktemp -d /tmp/memsleuth-vm.XXXXXX)}
mkdir -p "$work"
[[ -n "$keep" ]] || trap 'rm -rf "$work"' EXIT

# --- helpers built statically for the VM (cached by content) -------------------------------------
helper() {  # name -> path of a static binary built from tests/vm/<name>.c
  local c=$here/$1.c sum out
  sum=$(cat "$c" | sha256sum | cut -c1-16)
  out=$VM_CACHE/bin/$1-$sum
  if [[ ! -x "$out" ]]; then
    mkdir -p "$VM_CACHE/bin"
    # No -march=native: TCG's "max" CPU lacks AVX-512 and friends.
    local tmp
    tmp=$(mktemp "$out.XXXXXX") || return 1
    cc -static -O2 -Wall -o "$tmp" "$c" || { rm -f "$tmp"; return 1; }
    mv "$tmp" "$out"  # atomic: parallel runs share the cache
  fi
  echo "$out"
}
memhog=$(helper memhog) || die "cannot build tests/vm/memhog.c statically (libc6-dev?)"
vmtool=$(helper vmtool) || die "cannot build tests/vm/vmtool.c statically"

# --- initramfs ---------------------------------------------------------------------------------
if ((!no_boot)); then
root=$work/initramfs
rm -rf "$root"
mkdir -p "$root"/{bin,dev,proc,sys,tmp,etc,var/log,run}
cp "$busybox" "$root/bin/busybox"
# (init.sh makes the applet links: a fork per link here is slow on a loaded machine)
# Debug info is useless in the VM and makes the sanitizer build's initramfs several times larger.
objcopy --strip-debug "$binary" "$root/bin/memsleuth" 2>/dev/null || cp "$binary" "$root/bin/memsleuth"
# A dynamically linked memsleuth (the sanitizer build) brings the libraries ldd lists, at their paths.
ldd "$binary" 2>/dev/null | awk '$2 == "=>" && $3 ~ /^\// {print $3} $1 ~ /^\// {print $1}' | while read -r lib; do
  mkdir -p "$root$(dirname "$lib")"
  cp -L "$lib" "$root$lib"
done
cp "$memhog" "$root/bin/memhog"
cp "$vmtool" "$root/bin/vmtool"
cp "$here/init.sh" "$root/init"
cp "$here/scenario.sh" "$root/scenario.sh"
chmod +x "$root/init"
# The kernel opens /dev/console before it runs /init; without it init has no stdout (mknod needs root;
# init.sh also redirects to the devtmpfs console, so a non-root run still works).
mknod -m 600 "$root/dev/console" c 5 1 2>/dev/null || true
(cd "$root" && find . | cpio -o -H newc --quiet) >"$work/initramfs.cpio" || die "cpio failed"
fi

# --- checks ----------------------------------------------------------------------------------------
# Each check_<scenario> reads the sections in $res and the frozen tree in $res/tree; it prints the
# reasons of its failures on stdout (nothing = ok).
meta() { sed -n "s/^$1=//p" "$res/meta" | head -1; }
tree_file() { cat "$res/tree/$1" 2>/dev/null; }
# jq_true <file> <description> <jq filter with $m = meta object>: reports the description when false.
jq_true() {
  local file=$1 what=$2 filter=$3
  if ! jq -e --argjson m "$meta_json" "$filter" "$file" >/dev/null 2>"$res/jq.err"; then
    echo "$what"
    [[ -s "$res/jq.err" ]] && sed 's/^/    jq: /' "$res/jq.err"
  fi
}
# frozen <name> <memsleuth args...>: runs memsleuth here, natively, over the tree the VM froze.
frozen() {
  local name=$1
  shift
  "$binary" --procfs "$res/tree/proc" --sysfs "$res/tree/sys" --rootfs "$res/tree/root" "$@" \
    >"$res/out:$name" 2>"$res/err:$name"
  echo $? >"$res/out:$name.rc"
}
ran_ok() {  # <command name> [exit codes that mean success, default 0]: ran, printed JSON
  local rc ok=${2:-0}
  rc=$(cat "$res/out:$1.rc" 2>/dev/null) || { echo "memsleuth $1 did not run"; return 1; }
  if [[ " $ok " != *" $rc "* ]]; then
    echo "memsleuth $1 exited $rc: $(head -c 300 "$res/err:$1" 2>/dev/null | tr '\n' ' ')"
    return 1
  fi
  jq -e . "$res/out:$1" >/dev/null 2>&1 || { echo "memsleuth $1 printed no valid JSON"; return 1; }
}

check_snapshot() {
  local v
  for v in BU_PID GU_PID BE_PID HOG_PID; do
    [[ -n "$(meta $v)" ]] || echo "workload $v never printed READY (see console.log)"
  done
  ran_ok snapshot || return
  local f=$res/out:snapshot
  jq_true "$f" "schema/cgroup version wrong" \
    '.schema == "memsleuth.snapshot/v1" and .cgroup_version == "v2" and .memory_controller == "v2"'
  # Every cgroup of the layout, by its path relative to the cgroup2 root.
  for v in KP BU_POD BU_CTR OOM_CTR GU_POD GU_CTR BE_POD BE_CTR CRON; do
    jq_true "$f" "cgroup /$(meta $v) missing" "any(.cgroups[]; .path == \"/\" + \$m.$v)"
  done
  jq_true "$f" "v2 root cgroup: usage must be unknown (null, there is no memory.current), limit null" \
    'any(.cgroups[]; .path == "/" and .usage_bytes == null and .limit_bytes == null and (.stat.anon > 0))'
  # Limits as written, unlimited as null.
  jq_true "$f" "limits wrong (kubepods, pod, container, guaranteed pod)" '
    def cg($p): first(.cgroups[] | select(.path == "/" + $p));
    cg($m.KP).limit_bytes == ($m.KP_MAX|tonumber) and cg($m.BU_POD).limit_bytes == ($m.BU_POD_MAX|tonumber)
    and cg($m.BU_CTR).limit_bytes == ($m.BU_CTR_MAX|tonumber) and cg($m.OOM_CTR).limit_bytes == ($m.OOM_CTR_MAX|tonumber)
    and cg($m.GU_POD).limit_bytes == ($m.GU_MAX|tonumber)'
  jq_true "$f" "unlimited cgroups (cron.service, besteffort container) must have limit_bytes null" '
    def cg($p): first(.cgroups[] | select(.path == "/" + $p));
    cg($m.CRON).limit_bytes == null and cg($m.BE_CTR).limit_bytes == null'
  # Usage: each workload touched N MiB; its cgroup holds at least that and stays under its limit.
  jq_true "$f" "usage of workload cgroups out of range" '
    def cg($p): first(.cgroups[] | select(.path == "/" + $p));
    def mib($k): ($m[$k]|tonumber) * 1048576;
    (cg($m.BU_CTR).usage_bytes | . >= mib("BU_MIB") and . <= ($m.BU_CTR_MAX|tonumber))
    and (cg($m.CRON).usage_bytes >= mib("HOG_MIB")) and (cg($m.GU_CTR).usage_bytes >= mib("GU_MIB"))
    and (cg($m.BE_CTR).usage_bytes >= mib("BE_MIB")) and (cg($m.BU_POD).usage_bytes >= cg($m.BU_CTR).usage_bytes)
    and (cg($m.KP).usage_bytes >= cg($m.BU_POD).usage_bytes + cg($m.GU_POD).usage_bytes)'
  # Processes: their memory cgroup (from /proc/<pid>/cgroup "0::"), RSS and the hog's cwd. RSS is
  # allowed 10% below what was touched: 6.1 batches RSS counters per thread (up to 64 pages late).
  jq_true "$f" "workload processes: memory_cgroup or rss wrong" '
    def p($k): first(.processes[] | select(.pid == ($m[$k]|tonumber)));
    def mib($k): ($m[$k]|tonumber) * 1048576 * 0.9;
    (p("BU_PID") | .memory_cgroup == "/" + $m.BU_CTR and .rss_bytes >= mib("BU_MIB") and .comm == "memhog")
    and (p("GU_PID") | .memory_cgroup == "/" + $m.GU_CTR and .rss_bytes >= mib("GU_MIB"))
    and (p("BE_PID") | .memory_cgroup == "/" + $m.BE_CTR and .rss_bytes >= mib("BE_MIB"))
    and (p("HOG_PID") | .memory_cgroup == "/" + $m.CRON and .rss_anon_bytes >= mib("HOG_MIB"))'
  jq_true "$f" "the hog (updatedb in cron.service): comm, exe or cwd wrong" '
    first(.processes[] | select(.pid == ($m.HOG_PID|tonumber)))
    | .comm == "updatedb" and .exe == "/usr/local/bin/updatedb"
      and .cwd == "/var/log/pods/shop_web-7d4b9c_" + $m.BU_UID + "/app"'
  # On the frozen copy, the numbers must be exactly those of the files.
  frozen snapshot-frozen snapshot -o json
  if ran_ok snapshot-frozen >/dev/null; then
    local g=$res/out:snapshot-frozen ctr=sys/fs/cgroup/$(meta BU_CTR)
    local cur anon memtotal
    cur=$(tree_file "$ctr/memory.current")
    anon=$(tree_file "$ctr/memory.stat" | awk '$1 == "anon" {print $2}')
    memtotal=$(tree_file proc/meminfo | awk '$1 == "MemTotal:" {print $2 * 1024}')
    jq_true "$g" "frozen tree: container usage/anon/MemTotal differ from the files ($cur, $anon, $memtotal)" "
      first(.cgroups[] | select(.path == \"/\" + \$m.BU_CTR)) | .usage_bytes == $cur and .stat.anon == $anon" 
    jq_true "$g" "frozen tree: meminfo.MemTotal != $memtotal" ".meminfo.MemTotal == $memtotal"
  else
    echo "snapshot of the frozen tree: $(ran_ok snapshot-frozen)"
  fi
}

check_available() {
  # Over the frozen tree (natively, here): exactly the VM's awk results, for both v2 root rules.
  frozen available-frozen available -o json
  frozen available-frozen-meminfo available --v2-root-usage meminfo -o json
  if ran_ok available-frozen; then
    jq_true "$res/out:available-frozen" "anon+file rule: capacity/working set/available differ from awk" '
      .kubelet.root_usage_rule == "v2:anon+file-inactive_file"
      and .kubelet.capacity_bytes == ($m.capacity|tonumber)
      and .kubelet.working_set_bytes == ($m.ws_anon_file|tonumber)
      and .kubelet.memory_available_bytes == ($m.available_anon_file|tonumber)'
    jq_true "$res/out:available-frozen" "allocatableMemory.available on kubepods.slice differs from awk" '
      .kubelet.kubepods_cgroup == "/kubepods.slice"
      and .kubelet.allocatable.capacity_bytes == ($m.alloc_capacity|tonumber)
      and .kubelet.allocatable.working_set_bytes == ($m.alloc_ws|tonumber)
      and .kubelet.allocatable_available_bytes == ($m.alloc_available|tonumber)'
  fi
  if ran_ok available-frozen-meminfo; then
    jq_true "$res/out:available-frozen-meminfo" "MemTotal-MemFree rule: working set/available differ from awk" '
      .kubelet.root_usage_rule == "v2:(MemTotal-MemFree)-inactive_file"
      and .kubelet.working_set_bytes == ($m.ws_meminfo|tonumber)
      and .kubelet.memory_available_bytes == ($m.available_meminfo|tonumber)'
  fi
  # Live, inside the VM, a moment after the freeze: the same numbers within 16 MiB (the VM keeps
  # running: memsleuth itself and the shell allocate in between).
  local tol=$((16 << 20)) n
  for n in available available-meminfo; do
    ran_ok "$n" || continue
    local want=available_anon_file
    [[ $n == available-meminfo ]] && want=available_meminfo
    jq_true "$res/out:$n" "live $n: memory_available_bytes not within 16 MiB of awk's $want" "
      .kubelet.capacity_bytes == (\$m.capacity|tonumber)
      and ((.kubelet.memory_available_bytes - (\$m.$want|tonumber)) | . <= $tol and . >= -$tol)"
  done
}

# --- boot the kernels (in parallel: each VM is one TCG thread) -------------------------------------
failed=0
declare -A vm_pid vm_start vm_image
for k in $kernels; do
  res=$work/result-$k
  ((no_boot)) && continue
  rm -rf "$res" && mkdir -p "$res"
  if ! vmlinuz=$(vm_kernel "$k"); then
    echo "no kernel (fetch failed and none cached in $VM_CACHE/kernels)" >"$res/fail"
    continue
  fi
  vm_image[$k]=$(basename "$vmlinuz")
  vm_start[$k]=$(date +%s%N)
  # TCG only: /dev/kvm on these machines is a shim that fails or is ~20x slower. ttyS0 is the
  # console (kept for diagnosis), ttyS1 the raw result port. The timeout only guards a hung guest.
  # no_timer_check: on a loaded host, 6.12's IO-APIC timer check misses ticks under TCG and panics.
  timeout "${MEMSLEUTH_VM_TIMEOUT:-600}" "$qemu" -accel tcg -cpu max -m 512M -smp 1 -nodefaults -no-reboot \
    -display none -kernel "$vmlinuz" -initrd "$work/initramfs.cpio" -append "console=ttyS0 panic=-1 quiet no_timer_check" \
    -serial "file:$res/console.log" -serial "file:$res/results.log" >"$res/qemu.log" 2>&1 &
  vm_pid[$k]=$!
done
for k in "${!vm_pid[@]}"; do
  wait "${vm_pid[$k]}"
  qrc=$?
  res=$work/result-$k
  echo "$qrc" >"$res/qemu.rc"
  awk -v a="${vm_start[$k]}" -v b="$(date +%s%N)" 'BEGIN {printf "%.1f\n", (b - a) / 1e9}' >"$res/seconds"
done

# --- check what each VM reported -------------------------------------------------------------------
for k in $kernels; do
  res=$work/result-$k
  if [[ -f "$res/fail" ]]; then
    echo "$k vm FAIL: $(cat "$res/fail")"
    failed=1
    continue
  fi
  if ! grep -q '^@@DONE' "$res/results.log" 2>/dev/null; then
    qrc=$(cat "$res/qemu.rc" 2>/dev/null)
    reason="VM did not finish (qemu exit ${qrc:-?})"
    [[ "$qrc" == 124 ]] && reason="VM timed out (MEMSLEUTH_VM_TIMEOUT=${MEMSLEUTH_VM_TIMEOUT:-600} s)"
    echo "$k vm FAIL: $reason; console and qemu output:"
    tail -15 "$res/console.log" "$res/qemu.log" 2>/dev/null | sed 's/^/    /'
    failed=1
    continue
  fi
  echo "$k vm ${vm_image[$k]:-} ran in $(cat "$res/seconds" 2>/dev/null)s wall;" \
    "$(grep -o 'up in [0-9.]*s' "$res/console.log" | head -1) of guest time to init," \
    "$(grep -o 'scenario done in [0-9.]*s' "$res/console.log" | head -1)"
  # Split the result port into one file per section.
  rm -rf "$res/tree"
  awk -v dir="$res" '
    /^@@BEGIN / { f = dir "/" $2; printf "" > f; next }
    /^@@END / { sub(/^rc=/, "", $3); print $3 > (dir "/" $2 ".rc"); close(f); f = ""; next }
    f != "" { print >> f }' "$res/results.log"
  meta_json=$(awk '{k = $0; sub(/=.*/, "", k); v = $0; sub(/^[^=]*=/, "", v); gsub(/\\/, "\\\\", v); gsub(/"/, "\\\"", v)
    printf "%s\"%s\":\"%s\"", (NR > 1 ? "," : ""), k, v} BEGIN {printf "{"} END {print "}"}' "$res/meta")
  base64 -d "$res/tree" 2>/dev/null >"$res/tree.tgz"
  rm -rf "$res/tree" && mkdir -p "$res/tree" && tar xzf "$res/tree.tgz" -C "$res/tree" 2>/dev/null ||
    echo "$k vm: the fixture tree from the VM is unreadable"
  for s in "${SCENARIOS[@]}"; do
    problems=$("check_$s")
    if [[ -z "$problems" ]]; then
      echo "$k $s ok"
    else
      echo "$k $s FAIL"
      echo "$problems" | sed 's/^/    /'
      failed=1
    fi
  done
  if ((save_fixtures)); then
    dest=$src/tests/fixtures/vm-$k
    rm -rf "$dest" && mkdir -p "$dest" && cp -a "$res/tree/." "$dest/"
    cp "$res/meta" "$dest/scenario.env"
    cat >"$dest/SOURCE.md" <<EOT
# vm-$k: files a real Debian $k kernel wrote (cgroup v2)

Captured by \`tests/vm/run.sh --save-fixtures\` on $(date -u +%Y-%m-%d): Debian's \`${vm_image[$k]:-linux-image}\`
($(sed -n 's/^uname=//p' "$res/meta")) booted in QEMU (TCG, 512 MiB), running \`tests/vm/scenario.sh\`:
the kubelet's systemd-driver layout (burstable, guaranteed and besteffort pods under kubepods.slice), an
unconfined 'updatedb' in system.slice/cron.service with its cwd in a pod's log dir, and a real memcg OOM
kill in a burstable pod's container scope. Copied inside the VM right after the OOM kill:

- \`proc/\`: meminfo, stat, vmstat, swaps, pressure/memory, 1/mountinfo, and stat/status/statm/cmdline/
  cgroup/comm/oom_score_adj of init and the four workloads;
- \`sys/fs/cgroup/\`: the cgroup.* and memory.* files of every cgroup (the root has no memory.current);
- \`root/var/log/pods\`, \`root/var/log/containers\`: the kubelet's log tree for the pods;
- \`root/dev/kmsg\`: the kernel ring as /dev/kmsg records (the OOM report is near the end);
- \`scenario.env\`: the scenario's pids, cgroup paths, limits and its awk results (kubelet v2 root
  formula: capacity, ws_anon_file/available_anon_file, ws_meminfo/available_meminfo).

Regenerate with \`bash tests/vm/run.sh --save-fixtures\` (numbers change; the unit tests compare with the files).
EOT
    echo "$k fixtures saved in tests/fixtures/vm-$k"
  fi
done
exit $failed
