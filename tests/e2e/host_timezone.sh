#!/usr/bin/env bash
# e2e (no root): syslog lines carry the host's local time with no zone. With --rootfs (the
# DaemonSet's /host, a container whose own zone is UTC) and no TZ, memsleuth reads them in the
# host's zone: <rootfs>/etc/localtime, an absolute symlink followed inside --rootfs as on a real host.
# An explicit TZ still wins; without --rootfs the process's own zone is used.
set -uo pipefail
MS=${1:?usage: host_timezone.sh <memsleuth>}
DATA=${MEMSLEUTH_TEST_DATA:?MEMSLEUTH_TEST_DATA not set}
ZONES=/usr/share/zoneinfo
command -v jq >/dev/null || { echo "FAIL: jq missing (scripts/deps.sh installs it)"; exit 1; }
[[ -f $ZONES/Asia/Shanghai && -f $ZONES/Etc/UTC ]] || { echo "FAIL: tzdata missing (scripts/deps.sh installs it)"; exit 1; }
TMP=$(mktemp -d /tmp/mst-tz-$$-XXXX)
trap 'rm -rf "$TMP"' EXIT
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

# A host in UTC+8 whose /etc/localtime points at a file that exists only under the rootfs.
mkroot() {  # mkroot DIR ZONE
  mkdir -p "$1/etc" "$1/usr/share/zoneinfo/$(dirname "$2")"
  cp "$ZONES/$2" "$1/usr/share/zoneinfo/$2"
  ln -s "/usr/share/zoneinfo/$2" "$1/etc/localtime"
}
mkroot "$TMP/shanghai" Asia/Shanghai
mkroot "$TMP/utc" Etc/UTC
LOG=$DATA/oom/sample-10.log  # "Mar  2 17:35:10 server1 kernel: ... Killed process 11726 ... (mysqld)"

kill_time() {  # kill_time [env...] -- memsleuth args: the first OOM kill's unix time
  local out
  out=$(env "$@" oom --file "$LOG" -o json) || { echo "exit $?"; return; }
  jq -r '[.events[] | select(.kind == "oom_kill")][0].time' <<<"$out" | xargs -I{} date -u -d {} +%s
}
utc=$(kill_time -u TZ "$MS" --rootfs "$TMP/utc")
sh=$(kill_time -u TZ "$MS" --rootfs "$TMP/shanghai")
[[ $utc =~ ^[0-9]+$ && $sh =~ ^[0-9]+$ ]] || fail "no kill time read: utc='$utc' shanghai='$sh'"
if [[ $utc =~ ^[0-9]+$ && $sh =~ ^[0-9]+$ ]]; then
  # 17:35:10 in UTC+8 is 8 hours earlier than 17:35:10 UTC.
  [[ $((utc - sh)) == 28800 ]] || fail "host zone not used: UTC rootfs $utc, Shanghai rootfs $sh (diff $((utc - sh)) s, want 28800)"
fi
# An explicit TZ is the user's choice and wins over the host's file.
tz=$(kill_time TZ=UTC "$MS" --rootfs "$TMP/shanghai")
[[ $tz == "$utc" ]] || fail "TZ=UTC ignored: $tz, want $utc"
# Without --rootfs the process's own zone (here TZ=Asia/Shanghai in the environment) is used.
own=$(kill_time TZ=Asia/Shanghai "$MS")
[[ $own == "$sh" ]] || fail "own zone without --rootfs: $own, want $sh"
# A rootfs without /etc/localtime changes nothing: the process's own zone, as without --rootfs.
mkdir -p "$TMP/bare"
bare=$(kill_time -u TZ "$MS" --rootfs "$TMP/bare")
mine=$(kill_time -u TZ "$MS")
[[ $bare == "$mine" ]] || fail "rootfs without localtime: $bare, want $mine (this machine's zone)"

((fails == 0)) && echo "PASS: host timezone (UTC $utc, Shanghai $sh)"
exit $((fails > 0))
