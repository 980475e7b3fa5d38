#!/usr/bin/env bash
# e2e (root): the seed incident, reproduced. A process named `cron` runs the crontab line's command
# through `sh -c` → `run-parts <rootfs>/etc/cron.daily` → a job that walks a pod's volume tree with
# `cd`; separately a cron.weekly job runs Debian's real `updatedb.plocate` on that tree. Both live in
# our own memory cgroup <prefix>/system.slice/cron.service (outside kubepods, no limit).
# `memsleuth explain` must name the crontab file and line, see the moving cwd, warn that the pod
# directory is not the owner (naming the cron owner and its cgroup), and apply the updatedb rule with its fix.
set -uo pipefail
MS=${1:?usage: explain_cron_walker.sh <memsleuth>}
CGROOT=/sys/fs/cgroup/memory
if [[ $(id -u) -ne 0 ]]; then echo "SKIP: needs root"; exit 77; fi
if [[ ! -w $CGROOT/cgroup.procs ]]; then echo "SKIP: memory cgroup v1 at $CGROOT not writable"; exit 77; fi
for t in run-parts jq pgrep /usr/sbin/updatedb.plocate; do
  command -v "$t" >/dev/null || { echo "FAIL: missing $t (scripts/deps.sh installs it)"; exit 1; }
done

PREFIX="mst-prov-$$"
CG="$CGROOT/$PREFIX/system.slice/cron.service"
ROOT=$(mktemp -d "/tmp/mst-prov-$$-XXXX")
UID_POD="e13c3afb-d0a2-425e-9296-50ae995d0603"
TREE="$ROOT/var/lib/kubelet/pods/$UID_POD/volumes/kubernetes.io~empty-dir/data"
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

cleanup() {
  # Kill every process of our cgroup (all started here), then remove the cgroups leaf first.
  for _ in 1 2 3; do
    if [[ -f $CG/cgroup.procs ]]; then
      while read -r p; do kill -CONT "$p" 2>/dev/null; kill -KILL "$p" 2>/dev/null; done <"$CG/cgroup.procs"
    fi
    sleep 0.2
  done
  rmdir "$CG" "$CGROOT/$PREFIX/system.slice" "$CGROOT/$PREFIX" 2>/dev/null
  rm -rf "$ROOT"
}
trap cleanup EXIT INT TERM

mkdir -p "$CG" || { echo "FAIL: cannot create $CG"; exit 1; }

# --- the fake node under --rootfs ---
mkdir -p "$ROOT/etc/cron.daily" "$ROOT/etc/cron.weekly" "$ROOT/bin" "$ROOT/var/log/pods/prod_web-0_$UID_POD/app"
cat >"$ROOT/etc/crontab" <<'CRONTAB'
SHELL=/bin/sh
17 *	* * *	root	cd / && run-parts --report /etc/cron.hourly
25 6	* * *	root	cd / && run-parts --report /etc/cron.daily
47 6	* * 7	root	cd / && run-parts --report /etc/cron.weekly
CRONTAB
cp "$MEMSLEUTH_TEST_DATA/updatedb/conf/uc-05-debian-ubuntu-etc-yusuke-saiki-etckeeper-updatedb.conf" \
  "$ROOT/etc/updatedb.conf" || { echo "FAIL: shared data missing"; exit 1; }
# A tree big enough that updatedb takes a while: 60 x 400 directories.
mkdir -p "$TREE"
(cd "$TREE" && for i in $(seq 1 60); do mkdir -p "d$i"/e{1..400}; done)
cat >"$ROOT/etc/cron.daily/walk-tree" <<JOB
#!/bin/sh
# walks the pod volume like a filesystem indexer: cwd moves every 0.15 s
while :; do
  for d in $TREE/d*/e1 $TREE/d*/e2; do cd "\$d" && sleep 0.15; done
done
JOB
chmod +x "$ROOT/etc/cron.daily/walk-tree"
DB="$ROOT/plocate.db"
cat >"$ROOT/etc/cron.weekly/plocate" <<JOB
#!/bin/sh
exec 2>/dev/null
while :; do /usr/sbin/updatedb.plocate -U $TREE -o $DB; rm -f $DB; done
JOB
chmod +x "$ROOT/etc/cron.weekly/plocate"

# A real process whose comm is `cron`: a copy of dash under that name. It moves itself into the
# cron.service cgroup, then runs the crontab line's command through sh -c, as cron does.
cp /usr/bin/dash "$ROOT/bin/cron"
start_cron() {  # $1 = periodic dir
  sh -c "echo \$\$ >$CG/cgroup.procs && exec $ROOT/bin/cron -c 'sh -c \"cd / && run-parts --report $ROOT/etc/$1\"; echo done'" \
    </dev/null >/dev/null 2>&1 &
}
start_cron cron.daily

walker=""
for _ in $(seq 1 100); do
  walker=$(pgrep -f -- "$ROOT/etc/cron.daily/walk-tree" | head -1)
  [[ -n $walker ]] && break
  sleep 0.05
done
[[ -n $walker ]] || { echo "FAIL: walker did not start"; exit 1; }
sleep 0.3

# --- 1. the walker ---
J=$("$MS" --rootfs "$ROOT" explain "$walker" --sample 2s -o json)
rc=$?
[[ $rc -eq 0 ]] || fail "explain walker exited $rc"
q() { jq -r "$1" <<<"$J"; }
[[ $(q .schema) == memsleuth.explain/v1 ]] || fail "schema: $(q .schema)"
[[ $(q .source.kind) == cron ]] || fail "source.kind: $(q .source.kind) ($(q .source.how))"
[[ $(q .source.file) == /etc/crontab ]] || fail "source.file: $(q .source.file)"
[[ $(q .source.line) == 3 ]] || fail "source.line: $(q .source.line)"
[[ $(q .source.schedule) == "25 6 * * *" ]] || fail "source.schedule: $(q .source.schedule)"
[[ $(q .source.script) == /etc/cron.daily/walk-tree ]] || fail "source.script: $(q .source.script)"
[[ $(q .cwd.moving) == true ]] || fail "cwd.moving: $(q '.cwd.samples|map(.path)|join(" ")')"
[[ $(q .cwd.under_pod_uid) == "$UID_POD" ]] || fail "cwd.under_pod_uid: $(q .cwd.under_pod_uid)"
[[ $(q .cwd.misleading) == true ]] || fail "cwd.misleading: $(q .cwd.misleading)"
[[ $(q .cwd.warning) == *"cwd is NOT ownership"* ]] || fail "cwd.warning: $(q .cwd.warning)"
[[ $(q .cwd.warning) == *"cron.service"* ]] || fail "warning does not name the real owner: $(q .cwd.warning)"
[[ $(q .cwd.warning) == *"prod/web-0"* ]] || fail "warning does not name the pod: $(q .cwd.warning)"
[[ $(q .owner.kind) == cron ]] || fail "owner: $(q .owner.kind) $(q .owner.label) ($(q .owner.why))"
[[ $(q .owner.in_kubepods) == false ]] || fail "owner.in_kubepods: $(q .owner.in_kubepods)"
[[ $(q .memory_cgroup.path) == "/$PREFIX/system.slice/cron.service" ]] || fail "memory cgroup: $(q .memory_cgroup.path)"
[[ $(q .effective_limit_bytes) == null ]] || fail "effective limit: $(q .effective_limit_bytes)"
[[ $(q '.siblings|map(.comm)|index("run-parts")') != null ]] || fail "siblings lack run-parts: $(q '.siblings|map(.comm)')"
[[ $(q '.ancestry|map(.comm)|index("cron")') != null ]] || fail "ancestry lacks cron: $(q '.ancestry|map(.comm)')"
[[ $(q '.cgroups|map(select(.controllers=="memory"))|length') == 1 ]] || fail "cgroups: no memory line"

T=$("$MS" --rootfs "$ROOT" explain "$walker" --sample 600ms)
grep -q "^OWNER    cron" <<<"$T" || fail "text: no OWNER line first: $(head -5 <<<"$T")"
grep -q "^SOURCE   cron: /etc/crontab:3" <<<"$T" || fail "text: no SOURCE line"
grep -q "^WARNING  cwd is NOT ownership" <<<"$T" || fail "text: no WARNING"
owner_at=$(grep -n "^OWNER" <<<"$T" | cut -d: -f1); evidence_at=$(grep -n "^EVIDENCE" <<<"$T" | cut -d: -f1)
[[ -n $owner_at && -n $evidence_at && $owner_at -lt $evidence_at ]] || fail "text is not owner-first"

# --- 2. the real updatedb, started by the weekly job ---
start_cron cron.weekly
upd=""
for _ in $(seq 1 2000); do
  upd=$(pgrep -f -- "-U $TREE -o $DB" | head -1)
  [[ -n $upd ]] && break
done
if [[ -z $upd ]]; then
  fail "updatedb.plocate never seen running"
else
  kill -STOP "$upd"  # hold it still while we look (it is fast); CONT'd and killed in cleanup
  U=$("$MS" --rootfs "$ROOT" explain "$upd" --sample 200ms -o json)
  rc=$?
  [[ $rc -eq 0 ]] || fail "explain updatedb exited $rc: $U"
  u() { jq -r "$1" <<<"$U"; }
  [[ $(u .process.comm) == updatedb.plocat ]] || fail "comm: $(u .process.comm)"
  [[ $(u '.culprits[0].rule') == updatedb ]] || fail "culprit rule: $(u '.culprits|map(.rule)')"
  [[ $(u '.culprits[0].crawl.database_root') == "$TREE" ]] || fail "database root: $(u '.culprits[0].crawl.database_root')"
  [[ $(u '.culprits[0].crawl.crawled|map(.risk)|index("kubernetes-state")') != null ]] || fail "no kubernetes-state crawl"
  [[ $(u '.culprits[0].evidence|join("\n")') == *'/etc/updatedb.conf:3: PRUNEPATHS="/tmp /var/spool'* ]] || fail "evidence lacks the PRUNEPATHS line: $(u '.culprits[0].evidence')"
  [[ $(u '.culprits[0].fixes|join("\n")') == *"edit /etc/updatedb.conf line 3 (PRUNEPATHS) to read: PRUNEPATHS=\"/tmp /var/spool"*"$ROOT/var/lib/kubelet"* ]] || fail "fix lacks PRUNEPATHS: $(u '.culprits[0].fixes')"
  [[ $(u '.culprits[0].fixes|join("\n")') == *"chmod -x /etc/cron.weekly/plocate"* ]] || fail "fix lacks the cron script: $(u '.culprits[0].fixes')"
  [[ $(u .source.kind) == cron && $(u .source.line) == 4 && $(u .source.script) == /etc/cron.weekly/plocate ]] ||
    fail "updatedb source: $(u .source)"
  kill -CONT "$upd"
fi

# --- 3. scheduled culprits (what doctor uses): the weekly job, even when nothing runs ---
S=$("$MS" --rootfs "$ROOT" explain --scheduled -o json)
[[ $(jq -r '.culprits|map(select(.rule=="updatedb" and .script=="/etc/cron.weekly/plocate"))|.[0].line' <<<"$S") == 4 ]] ||
  fail "scheduled: $(jq -c '.culprits|map({rule,script,line})' <<<"$S")"

# --- 4. a pid that does not exist / exits while explained ---
out=$("$MS" explain 999999999 2>&1); rc=$?
[[ $rc -ne 0 && $out == *"no process with pid 999999999"* ]] || fail "missing pid: rc=$rc out=$out"
sleep 2.5 &
short=$!
out=$("$MS" explain "$short" --watch 10s 2>&1); rc=$?
[[ $rc -ne 0 && $out == *"exited while being explained"* ]] || fail "exiting pid: rc=$rc out=$out"
wait "$short" 2>/dev/null

if ((fails)); then echo "explain_cron_walker: $fails failure(s)"; exit 1; fi
echo "explain_cron_walker: OK"
