#!/usr/bin/env bash
# e2e (no root): `memsleuth oom --file` as a user runs it after an incident, on the real samples of
# tests/data: the victim with its reaper line, the pod from a --rootfs /var/log/pods entry,
# --since/--until, stdin, the kubelet's "Evicting pod" line, and a hostile comm that must reach the
# terminal escaped and the JSON intact.
set -uo pipefail
MS=${1:?usage: oom_file.sh <memsleuth>}
DATA=${MEMSLEUTH_TEST_DATA:?MEMSLEUTH_TEST_DATA not set}
command -v jq >/dev/null || { echo "FAIL: jq missing (scripts/deps.sh installs it)"; exit 1; }
TMP=$(mktemp -d /tmp/mst-oomfile-$$-XXXX)
trap 'rm -rf "$TMP"' EXIT
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
check() {  # check <json> <jq filter> <expected>
  local got; got=$(jq -r "$2" <<<"$1")
  [[ $got == "$3" ]] || fail "$2 = '$got', want '$3'"
}

# 1. sample-34 (CRI-O, 4.x): the sacrificed child is the victim and its oom_reaper line is seen.
out=$("$MS" oom --file "$DATA/oom/sample-34.log" -o json) || fail "sample-34 exit $?"
ev=$(jq -c '[.events[] | select(.kind == "oom_kill")] | .[0]' <<<"$out")
check "$ev" .victim.pid 387951
check "$ev" .victim.comm 'runc:[2:INIT]'
check "$ev" .victim.reaped true
check "$ev" .selected.pid 387941
check "$ev" .victim.anon_rss_bytes $((3000 * 1024))

# 2. sample-16 (dmesg -T, systemd driver): owner is the pod, names from <rootfs>/var/log/pods.
UIDP=ef91e487-dec5-4613-800b-eb23e1a1617d
CID=100093783c22a3ae1a42e21dd887b7c26eef52d56ba44c7273ef54507b6efe7c
mkdir -p "$TMP/root/var/log/pods/vms_vm-a_$UIDP/compute" "$TMP/root/var/log/containers"
touch "$TMP/root/var/log/pods/vms_vm-a_$UIDP/compute/0.log"
ln -s "../pods/vms_vm-a_$UIDP/compute/0.log" "$TMP/root/var/log/containers/vm-a_vms_compute-$CID.log"
out=$(TZ=UTC "$MS" --rootfs "$TMP/root" oom --file "$DATA/oom/sample-16.log" -o json) || fail "sample-16 exit $?"
ev=$(jq -c '.events[0]' <<<"$out")
check "$ev" .victim.comm qemu-system-x86
check "$ev" .victim.reaped true
check "$ev" .incomplete false
check "$ev" .trigger.comm 'CPU 11/KVM'
check "$ev" .owner.kind pod
check "$ev" .owner.pod_uid "$UIDP"
check "$ev" .owner.namespace vms
check "$ev" .owner.pod vm-a
check "$ev" .owner.container compute
check "$ev" .owner.label vms/vm-a/compute
check "$ev" .time 2024-05-09T14:52:38Z
table=$(TZ=UTC "$MS" --rootfs "$TMP/root" oom --file "$DATA/oom/sample-16.log") || fail "table exit $?"
grep -q 'vms/vm-a/compute' <<<"$table" || fail "table lacks the pod: $table"
grep -q '70870 qemu-system-x86' <<<"$table" || fail "table lacks the victim: $table"

# 3. --since/--until on sample-14 (syslog, 4 kills within the same second) and stdin.
n=$(TZ=UTC "$MS" oom --file - -o json --since "2026-05-15T23:09:30Z" --until "2026-05-15T23:09:31Z" \
      <"$DATA/oom/sample-14.log" | jq '[.events[] | select(.victim.reaped)] | length')
[[ $n == 4 ]] || fail "sample-14 in window: $n reaped kills, want 4"
n=$(TZ=UTC "$MS" oom --file "$DATA/oom/sample-14.log" -o json --since "2026-05-15T23:09:31Z" | jq '.events | length')
[[ $n == 0 ]] || fail "sample-14 after the window: $n events, want 0"

# 4. The kubelet's own "Evicting pod" line is the evicting stage with its message's numbers.
printf '%s\n' 'I1127 02:10:00.000000    1234 eviction_manager.go:400] "Evicting pod" pod="default/hog-1" podUID="u-1" message="The node was low on resource: memory. Threshold quantity: 100Mi, available: 94316Ki. Container app was using 1536Mi, request is 0, has larger consumption of memory. "' >"$TMP/kubelet.log"
ev=$("$MS" oom --file "$TMP/kubelet.log" -o json | jq -c '.events[0]')
check "$ev" .stage evicting
check "$ev" .pod default/hog-1
check "$ev" .threshold 100Mi
check "$ev" .observed 94316Ki

# 5. A hostile comm (terminal escape sequences, BEL; /dev/kmsg writes them as \xNN) is escaped in the
#    table and intact in JSON.
printf '6,1,100000000,-;Memory cgroup out of memory: Killed process 77 (a\\x1b[2Jb\\x07c) total-vm:8kB, anon-rss:4kB, file-rss:0kB, shmem-rss:0kB\n' >"$TMP/evil.kmsg"
table=$("$MS" oom --file "$TMP/evil.kmsg") || fail "evil table exit $?"
if grep -q $'\x1b' <<<"$table"; then fail "raw ESC reached the terminal"; fi
if grep -q $'\x07' <<<"$table"; then fail "raw BEL reached the terminal"; fi
grep -qF '77 a\x1b[2Jb\x07c' <<<"$table" || fail "escaped comm not shown: $table"
comm=$("$MS" oom --file "$TMP/evil.kmsg" -o json | jq -r '.events[0].victim.comm')
[[ $comm == $'a\x1b[2Jb\x07c' ]] || fail "JSON comm '$comm'"

if [[ $fails -gt 0 ]]; then echo "$fails check(s) failed"; exit 1; fi
echo "PASS: oom --file samples, owner, window, stdin, evicting stage, hostile comm"
