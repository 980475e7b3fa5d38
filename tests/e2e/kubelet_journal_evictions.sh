#!/usr/bin/env bash
# End to end: on a journald-only node the kubelet's evictions are only in the binary journal. The
# live `oom` lists them beside the kernel's kills, and `doctor` reports them (recent-evictions),
# from real journal files (systemd-journal-remote) under a --rootfs; --kubelet-unit off hides them.
set -euo pipefail
MS=${1:?usage: $0 <memsleuth-binary>}
JR=/lib/systemd/systemd-journal-remote
[[ $(id -u) -eq 0 ]] || { echo "SKIP: the live oom reads /dev/kmsg (root)"; exit 77; }
[[ -x $JR ]] || { echo "SKIP: $JR not installed (scripts/deps.sh installs systemd-journal-remote)"; exit 77; }
for t in jq; do command -v $t >/dev/null || { echo "SKIP: $t missing"; exit 77; }; done
TMP=$(mktemp -d /tmp/ms-e2e-journal.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

ROOT=$TMP/root
MACHINE=$ROOT/var/log/journal/0123456789abcdef0123456789abcdef
mkdir -p "$MACHINE" "$ROOT/dev"
ln -s /dev/kmsg "$ROOT/dev/kmsg"
now=$(date +%s%6N)
t=$((now - 600 * 1000000))   # ten minutes ago
msg="I$(date -u -d "@$((t / 1000000))" +'%m%d %H:%M:%S').000000 4242 eviction_manager.go:612] \"Evicting pod\" pod=\"shop/cart-7d9f\" podUID=\"11111111-2222-3333-4444-555555555555\" message=\"The node was low on resource: memory. Threshold quantity: 100Mi, available: 87608Ki. Container cart was using 1536Mi, request is 0, has larger consumption of memory. \""
printf '__REALTIME_TIMESTAMP=%s\n__MONOTONIC_TIMESTAMP=%s\n_BOOT_ID=0123456789abcdef0123456789abcde0\n_SYSTEMD_UNIT=kubelet.service\nSYSLOG_IDENTIFIER=kubelet\nMESSAGE=%s\n\n' \
  "$t" "$((t - 1700000000000000))" "$msg" >"$TMP/e.export"
"$JR" --output="$MACHINE/system.journal" "$TMP/e.export" >/dev/null 2>&1 || fail "systemd-journal-remote failed"

# oom: the eviction, from the journal, with the journal's time and the kubelet's numbers.
"$MS" oom --rootfs "$ROOT" -o json >"$TMP/oom.json" || fail "oom exited $?"
ev=$(jq -c '[.events[] | select(.kind == "eviction" and .pod == "shop/cart-7d9f")]' "$TMP/oom.json")
[[ $(jq length <<<"$ev") == 1 ]] || fail "want one eviction of shop/cart-7d9f, got: $ev"
[[ $(jq -r '.[0].stage' <<<"$ev") == evicting ]] || fail "stage: $ev"
[[ $(jq -r '.[0].containers[0].usage' <<<"$ev") == 1536Mi ]] || fail "container usage: $ev"
want_time=$(date -u -d "@$((t / 1000000))" +%Y-%m-%dT%H:%M:%S)
[[ $(jq -r '.[0].time' <<<"$ev") == "$want_time"* ]] || fail "time $(jq -r '.[0].time' <<<"$ev"), want $want_time"
"$MS" oom --rootfs "$ROOT" >"$TMP/oom.txt" || fail "oom (table) exited $?"
grep -q "shop/cart-7d9f" "$TMP/oom.txt" || { cat "$TMP/oom.txt"; fail "the table lacks the eviction"; }
"$MS" oom --rootfs "$ROOT" --kubelet-unit off -o json >"$TMP/off.json"
[[ $(jq '[.events[] | select(.pod == "shop/cart-7d9f")] | length' "$TMP/off.json") == 0 ]] || fail "--kubelet-unit off still reads the journal"

# doctor: the eviction is a finding; the kubelet's log is an input.
rc=0
"$MS" doctor --rootfs "$ROOT" --sample 0 -o json >"$TMP/doctor.json" || rc=$?
((rc <= 2)) || fail "doctor exited $rc"
jq -e '.node.inputs | index("kubelet-log")' "$TMP/doctor.json" >/dev/null || fail "inputs: $(jq -c .node.inputs "$TMP/doctor.json")"
f=$(jq -c '[.findings[] | select(.id == "recent-evictions")][0]' "$TMP/doctor.json")
[[ $f != null && $(jq -r '.severity' <<<"$f") == warning ]] || fail "no recent-evictions warning: $(jq -c '[.findings[].id]' "$TMP/doctor.json")"
jq -e 'tostring | contains("shop/cart-7d9f")' <<<"$f" >/dev/null || fail "the finding does not name the pod: $f"
echo "PASS: the journal's eviction in oom and doctor"
