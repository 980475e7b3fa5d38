#!/usr/bin/env bash
# Live: the audit's attack on kubelet discovery (issue 18, item 1). Two look-alikes are planted, each
# with --config=<a FIFO that a writer holds open>, so a blocking read of it would never end:
#  - a program named `kubelet` run by nobody (any local user can do this);
#  - a `kubelet` run by root in a mount namespace of its own (what a pod's uid-0 process is).
# `available`, `doctor` and the recorder must finish (each under a timeout), take neither, and say
# which processes they refused and why; the recorder must keep storing samples.
source "$(dirname "$0")/recorder_lib.bash"
if [[ $(id -u) -ne 0 ]]; then echo "skipped: needs root (runs a process as nobody, unshares a mount namespace)"; exit 77; fi
for t in setpriv unshare timeout jq sqlite3; do command -v $t >/dev/null || { echo "skipped: $t not installed"; exit 77; }; done

chmod 755 "$TMP"
# The fake: bash under the name kubelet (comm and exe basename say kubelet), sleeping.
cp "$(command -v bash)" "$TMP/kubelet"
chmod 755 "$TMP/kubelet"
mkfifo -m 666 "$TMP/f" "$TMP/idle"
exec {HOLD}<>"$TMP/f"  # a writer that never writes: a blocking read of the FIFO would wait forever
CLEANUPS+=("exec {HOLD}>&-")
# The fakes wait in a builtin read (no child process outlives them and holds our stdout).
IDLE='read -t 600 -u 9 9<>'"$TMP/idle"

setpriv --reuid=nobody --regid=nogroup --clear-groups "$TMP/kubelet" -c "$IDLE" kubelet --config="$TMP/f" &
NOBODY=$!
PIDS+=("$NOBODY")
unshare -m --propagation private "$TMP/kubelet" -c "$IDLE" kubelet --config="$TMP/f" &
CONTAINED=$!
PIDS+=("$CONTAINED")
is_kubelet() { [[ $(cat "/proc/$1/comm" 2>/dev/null) == kubelet ]]; }
wait_for "fake kubelet (nobody)" 50 is_kubelet "$NOBODY"
wait_for "fake kubelet (own mount namespace)" 50 is_kubelet "$CONTAINED"
[[ $(stat -c %u "/proc/$NOBODY") == 65534 ]] || die "the first fake does not run as nobody"
[[ $(readlink "/proc/$CONTAINED/ns/mnt") != $(readlink /proc/1/ns/mnt) ]] || die "the second fake shares PID 1's mount namespace"

refusals_ok() { # json-file jq-path-to-trust-lines
  jq -e --arg a "refused pid $NOBODY " --arg b "refused pid $CONTAINED " \
    "([$2[] | select(startswith(\$a) and contains(\"not root\"))] | length == 1) and
     ([$2[] | select(startswith(\$b) and contains(\"another mount namespace\"))] | length == 1)" "$1" >/dev/null
}

# available: finishes, refuses both, and takes neither as the kubelet.
timeout 60 "$MS" available -o json >"$TMP/available.json" 2>"$TMP/available.err"
rc=$?
((rc != 124)) || die "available hung (killed after 60 s)"
((rc == 0)) || die "available exited $rc: $(cat "$TMP/available.err")"
jq -e --argjson a "$NOBODY" --argjson b "$CONTAINED" '.kubelet_pid != $a and .kubelet_pid != $b' "$TMP/available.json" >/dev/null ||
  die "available took a fake as the kubelet: $(jq -c '{kubelet_pid, kubelet_trust}' "$TMP/available.json")"
refusals_ok "$TMP/available.json" .kubelet_trust || die "available does not say why: $(jq -c .kubelet_trust "$TMP/available.json")"
timeout 60 "$MS" available >"$TMP/available.txt" 2>&1 || die "available (text) failed or hung"
grep -q "trust: refused pid $NOBODY .*not root" "$TMP/available.txt" || die "available text does not name the refusal"

# doctor: the same, in its header (JSON and text).
timeout 120 "$MS" doctor --sample 0 --no-kernel-log --kubelet-log off --kubelet-unit off -o json >"$TMP/doctor.json" 2>"$TMP/doctor.err"
rc=$?
((rc != 124)) || die "doctor hung (killed after 120 s)"
((rc <= 2)) || die "doctor exited $rc: $(cat "$TMP/doctor.err")"
refusals_ok "$TMP/doctor.json" .node.kubelet_trust || die "doctor does not say why: $(jq -c .node.kubelet_trust "$TMP/doctor.json")"
timeout 120 "$MS" doctor --sample 0 --no-kernel-log --kubelet-log off --kubelet-unit off >"$TMP/doctor.txt" 2>&1
grep -q "kubelet: refused pid $CONTAINED .*another mount namespace" "$TMP/doctor.txt" || die "doctor text does not name the refusal"

# The recorder: keeps sampling (the audit saw 0 samples), and its log says what it refused.
DB=$TMP/h.db
start_recorder --db "$DB" --interval 1s --listen 127.0.0.1:0 --no-kmsg --kubelet-log off --kubelet-unit off
wait_for "three samples" 300 has_samples "$DB" 3
grep -q "kubelet: refused pid $NOBODY .*not root" "$TMP/rec.log" || die "the recorder's log does not name the refusal"
kill "$REC_PID"
wait "$REC_PID" 2>/dev/null
echo "ok: fakes $NOBODY (nobody) and $CONTAINED (own mount namespace) refused; $(samples_in "$DB") samples recorded"
