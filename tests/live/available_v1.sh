#!/usr/bin/env bash
# Live, cgroup v1: `memsleuth available` must agree with the kubernetes docs' memory-available.sh
# (the script quoted in ../shared/seed/incident-writeup-zh.txt), computed here at the same moment.
# The tolerance is what the script itself sees change between a read just before and one just after
# memsleuth's read; an attempt only counts when that change is small, so a wrong formula (e.g. not
# subtracting total_inactive_file) cannot hide inside the noise. Also: the ledger adds up to MemTotal
# with "unexplained" under 2% of it, and the difference items add up to their total.
set -uo pipefail
bin=${1:?usage: available_v1.sh <memsleuth>}
mem=/sys/fs/cgroup/memory
if [[ $(id -u) -ne 0 ]]; then echo "SKIP: not root"; exit 77; fi
if [[ ! -f $mem/memory.usage_in_bytes ]]; then echo "SKIP: no cgroup v1 memory controller at $mem"; exit 77; fi

# memory-available.sh, verbatim in its arithmetic.
script_available() {
  local memory_capacity_in_kb memory_capacity_in_bytes memory_usage_in_bytes memory_total_inactive_file memory_working_set
  memory_capacity_in_kb=$(grep MemTotal /proc/meminfo | awk '{print $2}')
  memory_capacity_in_bytes=$((memory_capacity_in_kb * 1024))
  memory_usage_in_bytes=$(cat $mem/memory.usage_in_bytes)
  memory_total_inactive_file=$(grep total_inactive_file $mem/memory.stat | awk '{print $2}')
  memory_working_set=${memory_usage_in_bytes}
  if [ "$memory_working_set" -lt "$memory_total_inactive_file" ]; then
    memory_working_set=0
  else
    memory_working_set=$((memory_usage_in_bytes - memory_total_inactive_file))
  fi
  echo $((memory_capacity_in_bytes - memory_working_set))
}

max_window=$((32 * 1024 * 1024))  # an attempt counts only if memory moved less than this between reads
ok=0
for attempt in $(seq 1 30); do
  a1=$(script_available)
  json=$("$bin" available -o json) || { echo "FAIL: memsleuth available exited $?"; exit 1; }
  a2=$(script_available)
  got=$(jq -r '.kubelet.memory_available_bytes' <<<"$json")
  lo=$((a1 < a2 ? a1 : a2)); hi=$((a1 > a2 ? a1 : a2))
  window=$((hi - lo))
  echo "attempt $attempt: script before $a1, memsleuth $got, script after $a2 (moved $window)"
  if ((window > max_window)); then continue; fi
  slack=$((1024 * 1024))
  if ((got >= lo - slack && got <= hi + slack)); then ok=1; break; fi
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
"$bin" available | grep -q "memory.available" || { echo "FAIL: table output"; fail=1; }
exit $fail
