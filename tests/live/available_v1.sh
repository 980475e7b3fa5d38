#!/usr/bin/env bash
# Live, cgroup v1: `memsleuth available` must agree with the kubernetes docs' memory-available.sh
# (the script quoted in docs/incident-writeup-zh.txt), computed here at the same moment:
# byte-exact on a frozen copy of the node's files, and live within what the script itself sees move
# between a read just before and one just after memsleuth's. Also: the ledger adds up to MemTotal
# with "unexplained" under 2% of it, and the difference items add up to their total.
set -uo pipefail
bin=${1:?usage: available_v1.sh <memsleuth>}
mem=/sys/fs/cgroup/memory
if [[ $(id -u) -ne 0 ]]; then echo "SKIP: not root"; exit 77; fi
if [[ ! -f $mem/memory.usage_in_bytes ]]; then echo "SKIP: no cgroup v1 memory controller at $mem"; exit 77; fi

# memory-available.sh, verbatim in its arithmetic; $1 = where /proc is, $2 = where the memory
# controller is (the live kernel, or a frozen copy).
script_available() {
  local proc=${1:-/proc} cg=${2:-$mem}
  local memory_capacity_in_kb memory_capacity_in_bytes memory_usage_in_bytes memory_total_inactive_file memory_working_set
  memory_capacity_in_kb=$(cat $proc/meminfo | grep MemTotal | awk '{print $2}')
  memory_capacity_in_bytes=$((memory_capacity_in_kb * 1024))
  memory_usage_in_bytes=$(cat $cg/memory.usage_in_bytes)
  memory_total_inactive_file=$(cat $cg/memory.stat | grep total_inactive_file | awk '{print $2}')
  memory_working_set=${memory_usage_in_bytes}
  if [ "$memory_working_set" -lt "$memory_total_inactive_file" ]; then
    memory_working_set=0
  else
    memory_working_set=$((memory_usage_in_bytes - memory_total_inactive_file))
  fi
  echo $((memory_capacity_in_bytes - memory_working_set))
}

# 1. Same moment by construction: freeze the three files the formula reads, from the live kernel,
#    and run both on the frozen copy. Byte-exact.
tmp=$(mktemp -d /tmp/mst-kubelet-v1-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/proc" "$tmp/sys/fs/cgroup/memory"
cat /proc/meminfo >"$tmp/proc/meminfo"
cat $mem/memory.usage_in_bytes >"$tmp/sys/fs/cgroup/memory/memory.usage_in_bytes"
cat $mem/memory.stat >"$tmp/sys/fs/cgroup/memory/memory.stat"
frozen_script=$(script_available "$tmp/proc" "$tmp/sys/fs/cgroup/memory")
frozen_json=$("$bin" --procfs "$tmp/proc" --sysfs "$tmp/sys" --rootfs "$tmp" available -o json) || {
  echo "FAIL: memsleuth on the frozen copy exited $?"; exit 1; }
frozen_got=$(jq -r '.kubelet.memory_available_bytes' <<<"$frozen_json")
echo "frozen copy of this node: memory-available.sh $frozen_script, memsleuth $frozen_got"
if [[ "$frozen_got" != "$frozen_script" ]]; then echo "FAIL: not byte-exact on the same readings"; exit 1; fi

# 2. Live: memsleuth between two runs of the script; the tolerance is what the script saw move
#    between its two reads. Attempts where memory moved by more than max_window (other builds on the
#    machine) do not count, so a formula error of that size cannot hide in the noise.
max_window=$((256 * 1024 * 1024))
ok=0
for attempt in $(seq 1 40); do
  a1=$(script_available)
  json=$(/usr/bin/time -f %M -o "$tmp/rss" "$bin" available -o json) || { echo "FAIL: memsleuth available exited $?"; exit 1; }
  a2=$(script_available)
  got=$(jq -r '.kubelet.memory_available_bytes' <<<"$json")
  # memsleuth's own memory is charged to the root cgroup while it reads (tens of MiB under ASan) and
  # is gone when the script reads again: it can only lower what memsleuth sees, by at most its peak RSS.
  self=$(( $(tail -1 "$tmp/rss") * 1024 ))
  lo=$((a1 < a2 ? a1 : a2)); hi=$((a1 > a2 ? a1 : a2))
  window=$((hi - lo))
  echo "attempt $attempt: script before $a1, memsleuth $got (its own peak RSS $self), script after $a2 (moved $window)"
  if ((window > max_window)); then continue; fi
  slack=$((window > 1048576 ? window : 1048576))
  if ((got >= lo - slack - self && got <= hi + slack)); then ok=1; break; fi
done
if ((ok == 0)); then echo "FAIL: memsleuth never agreed with memory-available.sh within the read-to-read change"; exit 1; fi

fail=0
check() { if ! jq -e "$1" >/dev/null <<<"$json"; then echo "FAIL: $2"; fail=1; fi; }
memtotal=$(( $(awk '/^MemTotal:/ {print $2}' /proc/meminfo) * 1024 ))
check ".kubelet.capacity_bytes == $memtotal" "capacity_bytes is not MemTotal×1024 ($memtotal)"
check '.kubelet.root_usage_rule == "v1:usage_in_bytes-total_inactive_file"' "root_usage_rule"
check '([.ledger[].bytes] | add) == .kernel.mem_total_bytes' "ledger does not add up to MemTotal"
check '([.difference[].bytes] | add) == .difference_total_bytes' "difference items do not add up"
check '.difference_total_bytes == .kubelet.working_set_bytes - .kernel.used_bytes' "difference total"
check '.ledger[-1].name == "unexplained"' "last ledger line is not unexplained"
unexplained=$(jq -r '.unexplained_bytes' <<<"$json")
abs=${unexplained#-}
echo "ledger unexplained: $unexplained bytes of $memtotal ($(awk "BEGIN{printf \"%.3f\", $unexplained*100/$memtotal}")%)"
if ((abs * 50 >= memtotal)); then echo "FAIL: unexplained ledger line is not below 2% of MemTotal"; fail=1; fi
# The table renders the same numbers.
# grep -c reads all of it: grep -q would exit at the first match and, with pipefail, fail the
# pipeline whenever the table is longer than one pipe write (SIGPIPE, exit 141).
"$bin" available | grep -c "memory.available" >/dev/null || { echo "FAIL: table output"; fail=1; }
exit $fail
