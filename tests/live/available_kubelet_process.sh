#!/usr/bin/env bash
# Live: a real process named `kubelet` whose command line carries eviction flags and
# --config=<file in a temp rootfs>. `memsleuth available --rootfs <tmp>` must discover it, read the
# file, and let the flags win (a map flag replaces the file's whole map). Its --cgroup-root points at
# our own cgroup prefix, whose kubepods cgroup has a limit: allocatableMemory.available is observed
# there.
set -uo pipefail
bin=${1:?usage: available_kubelet_process.sh <memsleuth>}
mem=/sys/fs/cgroup/memory
if [[ $(id -u) -ne 0 ]]; then echo "SKIP: not root"; exit 77; fi
if [[ ! -w $mem ]]; then echo "SKIP: $mem is not writable"; exit 77; fi
command -v cc >/dev/null || { echo "FAIL: no C compiler to build the fake kubelet"; exit 1; }

tmp=$(mktemp -d /tmp/mst-kubelet-XXXXXX)
prefix=mst-kubelet-$$
cg=$mem/$prefix
kpid=""
cleanup() {
  [[ -n $kpid ]] && kill "$kpid" 2>/dev/null && wait "$kpid" 2>/dev/null
  rmdir "$cg/kubepods" "$cg" 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

# The fake kubelet: a real binary whose file name is `kubelet` (comm and exe basename both say so).
printf '#include <unistd.h>\nint main(void){for(;;)pause();}\n' | cc -x c -o "$tmp/kubelet" - || { echo "FAIL: cc"; exit 1; }
mkdir -p "$tmp/root/etc/kubernetes" "$cg/kubepods"
limit=$((2 * 1024 * 1024 * 1024))
echo $limit >"$cg/kubepods/memory.limit_in_bytes"
cat >"$tmp/root/etc/kubernetes/kubelet-config.yaml" <<'EOF'
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
evictionHard:
  memory.available: "500Mi"
  nodefs.available: "10%"
evictionSoftGracePeriod:
  memory.available: "1m"
systemReserved:
  memory: 1Gi
EOF
"$tmp/kubelet" --config=/etc/kubernetes/kubelet-config.yaml '--eviction-hard=memory.available<777Mi' \
  '--eviction-soft=memory.available<1Gi' --eviction-soft-grace-period memory.available=45s \
  --cgroup-root=/$prefix --v=2 &
kpid=$!
sleep 0.2

json=$("$bin" --rootfs "$tmp/root" available -o json) || { echo "FAIL: memsleuth exited $?"; exit 1; }
found=$(jq -r '.kubelet_pid' <<<"$json")
if [[ $found != "$kpid" ]]; then
  # Another process named kubelet with a lower pid (someone else's test): name ours explicitly.
  echo "note: discovery picked pid $found, not ours ($kpid); retrying with --kubelet-pid"
  json=$("$bin" --rootfs "$tmp/root" available -o json --kubelet-pid "$kpid") || exit 1
fi
echo "$json" | jq '{kubelet_found, kubelet_pid, config_sources, config_errors, thresholds, allocatable: .kubelet.allocatable}'

fail=0
check() { if ! jq -e "$1" >/dev/null <<<"$json"; then echo "FAIL: $2"; fail=1; fi; }
check '.kubelet_found == true' "kubelet not found"
check ".kubelet_pid == $kpid" "wrong kubelet pid"
check '.config_errors == []' "config errors"
check '.config_sources | any(test("/etc/kubernetes/kubelet-config.yaml"))' "config file not read"
check '.config_sources | any(test("cmdline"))' "flags not read"
# Flags win: memory.available<777Mi from the flag; nodefs.available (file only) is gone.
check '[.thresholds[] | select(.signal == "memory.available" and .kind == "hard")] | length == 1' "one hard memory threshold"
check '.thresholds[] | select(.signal == "memory.available" and .kind == "hard") | .value == "777Mi" and .source == "flag" and .bytes == 814743552' "hard threshold from the flag"
check '[.thresholds[] | select(.signal == "nodefs.available")] | length == 0' "nodefs.available should be replaced away"
check '.thresholds[] | select(.signal == "memory.available" and .kind == "soft") | .grace_period_seconds == 45 and .source == "flag"' "soft threshold and its grace period from flags"
check '.settings.system_reserved.memory.source == "config"' "systemReserved from the file"
check ".settings.pods_cgroup == \"/$prefix/kubepods\"" "pods cgroup from --cgroup-root"
check ".kubelet.kubepods_cgroup == \"/$prefix/kubepods\"" "kubepods cgroup used"
check ".kubelet.allocatable.capacity_bytes == $limit" "allocatable capacity is the kubepods limit"
check '.kubelet.allocatable_available_bytes == .kubelet.allocatable.capacity_bytes - .kubelet.allocatable.working_set_bytes' "allocatable arithmetic"
check '.thresholds[] | select(.signal == "allocatableMemory.available") | .derived == true and .observed_capacity_bytes == '$limit "allocatable threshold"
check '.thresholds[] | select(.signal == "memory.available" and .kind == "hard") | .met == (.bytes > .observed_available_bytes)' "met is threshold > available"
exit $fail
