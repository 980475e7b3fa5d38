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
# Scenarios that must pass, each checked by check_<name> in checks.sh. The scenario script runs every
# command; a scenario joins this list once its command is implemented on main (checks.sh has the
# checks of the others ready: MEMSLEUTH_VM_SCENARIOS="snapshot top" runs them by hand).
read -r -a SCENARIOS <<<"${MEMSLEUTH_VM_SCENARIOS:-snapshot available top doctor oom bpf cgroup_walk}"

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

# --- checks: check_<scenario> functions (checks.sh) -------------------------------------------------
# shellcheck source=checks.sh
source "$here/checks.sh"

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
