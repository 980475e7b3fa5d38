#!/usr/bin/env bash
# e2e (root): THE INCIDENT (docs/incident-writeup-zh.txt), reproduced on this kernel.
# A temp --rootfs holds a kubelet config (soft memory.available<12% for 1m30s, hard <500Mi); a real
# process named `kubelet` carries --config; three pods live under our own <prefix>/kubepods with
# limits and var/log/pods names; and a cron-launched walker (cron → sh → run-parts → job script →
# python3) outside kubepods, in <prefix>/system.slice/cron.service with no limit, holds ~1 GiB
# while it cd's through a big tree under a pod's volume directory.
# `memsleuth doctor` must rank the walker first with its cron file and line, name the 500Mi hard
# threshold, call out the misleading cwd, and exit 2.
set -uo pipefail
MS=${1:?usage: doctor_incident.sh <memsleuth>}
source "$(dirname "$0")/../live/lib/cgroup.bash"
ms_require_memcg  # exit 77 unless root with a writable memory cgroup
for t in run-parts jq pgrep python3; do
  command -v "$t" >/dev/null || { echo "FAIL: missing $t"; exit 1; }
done

PREFIX="mst-doctor-$$"
BASE="$MEMCG_ROOT/$PREFIX"
CRON_CG="$BASE/system.slice/cron.service"
ROOT=$(mktemp -d "/tmp/mst-doctor-$$-XXXX")
POD_UID="e13c3afb-d0a2-425e-9296-50ae995d0603"
TREE="$ROOT/var/lib/kubelet/pods/$POD_UID/volumes/kubernetes.io~empty-dir/data"
PODS=()  # "qos uid ns name container limit"
PODS+=("burstable $POD_UID prod web-0 app 268435456")
PODS+=("burstable 5b0c1c51-8f1e-4b7a-9d7c-1f0e6a0f4c21 prod api-7d9f app 536870912")
PODS+=("besteffort 9a4e2f10-33aa-4c6e-8b1d-6d2f3b7c8e90 batch job-x worker 0")
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

cleanup() {
  ms_cleanup
  rm -rf "$ROOT"
}
trap cleanup EXIT INT TERM

ms_mkcg "$CRON_CG" || { echo "FAIL: cannot create $CRON_CG"; exit 1; }
ms_mkcg "$BASE/kubepods/burstable" && ms_mkcg "$BASE/kubepods/besteffort" || exit 1

# --- kubelet config and a process named kubelet carrying --config ---
mkdir -p "$ROOT/etc/kubernetes" "$ROOT/bin"
cat >"$ROOT/etc/kubernetes/kubelet-config.yaml" <<YAML
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
cgroupDriver: cgroupfs
cgroupRoot: /$PREFIX
evictionSoft:
  memory.available: "12%"
evictionSoftGracePeriod:
  memory.available: "1m30s"
evictionHard:
  memory.available: "500Mi"
YAML
cp /usr/bin/dash "$ROOT/bin/kubelet"
"$ROOT/bin/kubelet" -c 'sleep 600; :' kubelet --config=/etc/kubernetes/kubelet-config.yaml --v=2 </dev/null >/dev/null 2>&1 &
MS_PIDS+=($!)

# --- pods: cgroups with limits, var/log/pods names, one sleeping process each ---
for spec in "${PODS[@]}"; do
  read -r qos uid ns name ctr limit <<<"$spec"
  cid=$(printf '%064x' $((RANDOM * 65536 + RANDOM)))
  pod="$BASE/kubepods/$qos/pod$uid"
  ms_mkcg "$pod/$cid" || exit 1
  if [[ $limit != 0 ]]; then
    ms_set_limit "$pod" "$limit"
    ms_set_limit "$pod/$cid" "$limit"
  fi
  mkdir -p "$ROOT/var/log/pods/${ns}_${name}_${uid}/$ctr"
  ms_start_in "$pod/$cid" sleep 600
done

# --- a big tree under a pod's volume, a crontab, the walker job ---
mkdir -p "$TREE" "$ROOT/etc/cron.daily" "$ROOT/etc/cron.hourly"
(cd "$TREE" && for i in $(seq 1 40); do mkdir -p "d$i"/e{1..100}; done)
cat >"$ROOT/etc/crontab" <<'CRONTAB'
SHELL=/bin/sh
17 *	* * *	root	cd / && run-parts --report /etc/cron.hourly
25 6	* * *	root	cd / && run-parts --report /etc/cron.daily
CRONTAB
cat >"$ROOT/walker.py" <<'PY'
import os, sys, time
hold = b"\x01" * (1 << 30)  # ~1 GiB of anonymous memory, every page touched
open(sys.argv[2], "w").write("ready\n")
while True:
    for top in sorted(os.listdir(sys.argv[1])):
        for sub in ("e1", "e2", "e3"):
            os.chdir(os.path.join(sys.argv[1], top, sub))
            time.sleep(0.05)
PY
cat >"$ROOT/etc/cron.daily/index-volumes" <<JOB
#!/bin/sh
# walks the pods' volumes like a filesystem indexer, holding memory as it goes
python3 $ROOT/walker.py $TREE $ROOT/walker.ready
JOB
chmod +x "$ROOT/etc/cron.daily/index-volumes"

# A real process whose comm is `cron` (a copy of dash) in cron.service, running the crontab line's
# command through sh -c, as cron does.
cp /usr/bin/dash "$ROOT/bin/cron"
ms_start_in "$CRON_CG" "$ROOT/bin/cron" -c "sh -c \"cd / && run-parts --report $ROOT/etc/cron.daily\"; echo done"
ms_wait_file "$ROOT/walker.ready" "$MS_LAST_PID" || { echo "FAIL: walker did not allocate"; exit 1; }
walker=$(pgrep -f -- "$ROOT/walker.py" | head -1)
[[ -n $walker ]] || { echo "FAIL: walker not found"; exit 1; }
MS_PIDS+=("$walker")
grep -q "$PREFIX/system.slice/cron.service" "/proc/$walker/cgroup" || fail "walker not in our cron cgroup"

# --- doctor, JSON ---
J=$("$MS" --rootfs "$ROOT" doctor -o json)
rc=$?
echo "$J" >"$ROOT/doctor.json"
q() { jq -r "$1" <"$ROOT/doctor.json"; }
[[ $rc -eq 2 ]] || fail "exit code $rc, want 2"
[[ $(q .schema) == memsleuth.doctor/v1 ]] || fail "schema: $(q .schema)"
[[ $(q '.findings[0].id') == unbounded-outside-kubepods ]] || fail "first finding: $(q '.findings[0].id'): $(q '.findings[0].title')"
[[ $(q '.findings[0].severity') == critical ]] || fail "first finding severity: $(q '.findings[0].severity')"
[[ $(q '.findings[0].subject.pid') == "$walker" ]] || fail "first finding pid: $(q '.findings[0].subject.pid'), walker $walker"
[[ $(q '.findings[0].title') == *"/etc/crontab:3"* ]] || fail "first finding does not name the cron line: $(q '.findings[0].title')"
[[ $(q '.findings[0].evidence|map(.value)|join("\n")') == *"/etc/crontab:3: 25 6"*"run-parts --report /etc/cron.daily"* ]] ||
  fail "no cron line evidence: $(q '.findings[0].evidence|map(.what+": "+.value)')"
[[ $(q '.findings[0].evidence|map(.value)|join("\n")') == *"/etc/cron.daily/index-volumes"* ]] || fail "no job script"
rss=$(q '.findings[0].bytes_at_stake')
((rss > 900 * 1024 * 1024)) || fail "walker bytes at stake $rss"
[[ $(q '.findings[0].subject.cgroup') == "/$PREFIX/system.slice/cron.service" ]] || fail "cgroup: $(q '.findings[0].subject.cgroup')"
# The thresholds finding names the 500Mi hard threshold.
th=$(q '[.findings[]|select(.id=="eviction-hard-too-small")][0].title')
[[ $th == *"memory.available<500Mi"* ]] || fail "no hard-threshold finding naming 500Mi: $th ($(q '.findings|map(.id)'))"
# The misleading cwd is called out, naming the pod dir.
mc=$(q '[.findings[]|select(.id=="misleading-cwd")][0]')
[[ $(jq -r .title <<<"$mc") == *"$POD_UID"*"cwd is not ownership"* ]] || fail "no misleading-cwd finding: $mc"
[[ $(jq -r .subject.pid <<<"$mc") == "$walker" ]] || fail "misleading-cwd subject: $(jq -c .subject <<<"$mc")"
# The defaults trap: only memory.available is set in evictionHard.
[[ $(q '[.findings[]|select(.id=="eviction-defaults-dropped")]|length') == 1 ]] || fail "defaults trap not reported"
# Node-level context.
[[ $(q .node.kubelet_memory_available_bytes) =~ ^[0-9]+$ ]] || fail "no kubelet view in node: $(q .node)"

# --- doctor, text: same first finding, no colour when not a tty ---
T=$("$MS" --rootfs "$ROOT" doctor)
rc=$?
[[ $rc -eq 2 ]] || fail "text exit code $rc"
first=$(grep -m1 -E '^1\. ' <<<"$T")
[[ $first == *CRITICAL*"(pid $walker)"*"/etc/crontab:3"* ]] || fail "text first finding: $first"
grep -q $'\x1b\[' <<<"$T" && fail "colour escapes in non-tty output"
grep -q "memory.available<500Mi" <<<"$T" || fail "text does not name 500Mi"

if ((fails)); then
  echo "--- doctor output ---"
  echo "$T"
  echo "$fails failure(s)"
  exit 1
fi
echo "PASS: incident ranked first (pid $walker, /etc/crontab:3), 500Mi flagged, misleading cwd called out, exit 2"
