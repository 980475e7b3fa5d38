#!/usr/bin/env bash
# EACCES leaves a field null, never 0: run the snapshot as an unprivileged user (nobody) on the live
# host (other users' exe/cwd are unreadable) and on a copy of a fixture tree with unreadable files.
set -euo pipefail
BIN=${1:?usage: snapshot_unprivileged.sh <memsleuth>}
SRC=${MEMSLEUTH_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
if [[ $(id -u) -ne 0 ]]; then echo "SKIP: not root (needed to switch to an unprivileged user)"; exit 77; fi
command -v setpriv >/dev/null || { echo "SKIP: setpriv missing"; exit 77; }
command -v jq >/dev/null || { echo "SKIP: jq missing"; exit 77; }
WORK=$(mktemp -d)
SLEEPER=""
cleanup() {
  if [[ -n $SLEEPER ]]; then kill "$SLEEPER" 2>/dev/null || true; wait "$SLEEPER" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT INT TERM
chmod 755 "$WORK"
as_nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups -- "$@"; }
# The binary must be reachable by nobody (a build under a private home would not be).
as_nobody test -x "$BIN" || { echo "SKIP: $BIN is not executable by nobody"; exit 77; }

# 1. Live host: a root-owned process of ours; nobody cannot read its exe/cwd links.
sleep 300 &
SLEEPER=$!
as_nobody "$BIN" snapshot -o json > "$WORK/live.json"
p=$(jq -c --argjson pid "$SLEEPER" '.processes[] | select(.pid == $pid)' "$WORK/live.json")
[[ -n $p ]] || { echo "FAIL: pid $SLEEPER missing from the unprivileged snapshot"; exit 1; }
echo "as nobody: $(jq -c '{pid, exe, cwd, rss_bytes, uid}' <<<"$p")"
jq -e '.exe == null and .cwd == null' <<<"$p" >/dev/null || { echo "FAIL: exe/cwd not null under EACCES"; exit 1; }
jq -e '.rss_bytes > 0 and .uid == 0' <<<"$p" >/dev/null || { echo "FAIL: status fields lost"; exit 1; }
# As root the same fields are there (so the test above can fail for the right reason).
"$BIN" snapshot -o json > "$WORK/root.json"
jq -e --argjson pid "$SLEEPER" '.processes[] | select(.pid == $pid) | .exe != null' "$WORK/root.json" >/dev/null ||
  { echo "FAIL: root cannot read exe either"; exit 1; }

# 2. Fixture with unreadable files: status of one process, usage and cgroup.procs of one cgroup.
cp -a "$SRC/tests/fixtures/v1-cgroupfs-docker" "$WORK/tree"
chmod -R a+rX "$WORK/tree"
CG="$WORK/tree/sys/fs/cgroup/memory/system.slice/cron.service"
chmod 000 "$WORK/tree/proc/2000/status" "$CG/memory.usage_in_bytes" "$CG/cgroup.procs" "$CG/memory.stat"
T="$WORK/tree"
as_nobody "$BIN" --procfs "$T/proc" --sysfs "$T/sys" --rootfs "$T/root" snapshot -o json > "$WORK/fx.json"
jq -e '.processes[] | select(.pid == 2000) | .rss_bytes == null and .rss_anon_bytes == null and .uid == null
       and .memory_cgroup == "/system.slice/cron.service"' "$WORK/fx.json" >/dev/null ||
  { echo "FAIL: unreadable status must give null memory fields: $(jq -c '.processes[] | select(.pid == 2000)' "$WORK/fx.json")"; exit 1; }
jq -e '.cgroups[] | select(.path == "/system.slice/cron.service") | .usage_bytes == null and .nr_procs == null
       and .stat == {} and .limit_bytes == null and .limit_known == true' "$WORK/fx.json" >/dev/null ||
  { echo "FAIL: unreadable cgroup files must give null: $(jq -c '.cgroups[] | select(.path == "/system.slice/cron.service")' "$WORK/fx.json")"; exit 1; }
jq -e '.processes[] | select(.pid == 1010) | .rss_bytes == 204800000' "$WORK/fx.json" >/dev/null ||
  { echo "FAIL: readable neighbours lost"; exit 1; }
# ... and each unreadable file is named in the warnings, never left out in silence.
for f in memory.stat memory.usage_in_bytes cgroup.procs; do
  jq -e --arg f "$CG/$f" '.warnings | any(contains($f) and contains("Permission denied"))' "$WORK/fx.json" >/dev/null ||
    { echo "FAIL: unreadable $CG/$f not named: $(jq -c .warnings "$WORK/fx.json")"; exit 1; }
done

# 3. Live memory cgroups of our own that nobody cannot read: a directory (mode 700) and a memory.stat
# (mode 000). Each is named in the warnings of snapshot, top and doctor.
MEM=/sys/fs/cgroup/memory
if [[ -w $MEM && -f $MEM/memory.stat ]]; then
  CGT=$MEM/mst-unread-$$
  trap 'rmdir "$CGT/secret/inner" "$CGT/secret" "$CGT/open" "$CGT" 2>/dev/null; cleanup' EXIT INT TERM
  mkdir -p "$CGT/secret/inner" "$CGT/open"
  chmod 700 "$CGT/secret"
  chmod 000 "$CGT/open/memory.stat"
  as_nobody "$BIN" snapshot -o json > "$WORK/cg.json"
  jq -e --arg d "$CGT/secret" '.warnings | any(contains($d) and contains("unreadable") and contains("Permission denied"))' \
    "$WORK/cg.json" >/dev/null || { echo "FAIL: unreadable cgroup directory not named: $(jq -c .warnings "$WORK/cg.json")"; exit 1; }
  jq -e --arg f "$CGT/open/memory.stat" '.warnings | any(contains($f))' "$WORK/cg.json" >/dev/null ||
    { echo "FAIL: unreadable memory.stat not named"; exit 1; }
  jq -e --arg p "/mst-unread-$$/open" '.cgroups | any(.path == $p and .usage_bytes != null)' "$WORK/cg.json" >/dev/null ||
    { echo "FAIL: the cgroup with the unreadable memory.stat is gone"; exit 1; }
  as_nobody "$BIN" top -o json > "$WORK/top.json"
  jq -e --arg d "$CGT/secret" '.warnings | any(contains($d))' "$WORK/top.json" >/dev/null ||
    { echo "FAIL: top does not show the snapshot's warnings"; exit 1; }
  as_nobody "$BIN" top > "$WORK/top.txt"
  grep -qF "warning: $CGT/secret" "$WORK/top.txt" || { echo "FAIL: top (table) does not show the warning"; exit 1; }
  as_nobody "$BIN" doctor --sample 0 --no-kernel-log --kubelet-log off --kubelet-unit off -o json > "$WORK/doctor.json" || true
  jq -e --arg d "$CGT/secret" '.node.missing_inputs | any(startswith("snapshot: ") and contains($d))' "$WORK/doctor.json" \
    >/dev/null || jq -e '.node.missing_inputs | any(contains("more warnings"))' "$WORK/doctor.json" >/dev/null ||
    { echo "FAIL: doctor does not list the unreadable cgroup under not checked"; exit 1; }
fi
echo PASS
