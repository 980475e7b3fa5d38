#!/usr/bin/env bash
# deploy/: Prometheus alert rules pass `promtool check rules` and their unit tests (`promtool test
# rules`); the DaemonSet and the systemd unit keep the properties the recorder relies on.
set -euo pipefail
SRC=${MEMSLEUTH_SOURCE_DIR:?}
if ! command -v promtool >/dev/null; then echo "SKIP: promtool not installed (Debian package prometheus)"; exit 77; fi
cd "$SRC/deploy/prometheus"
promtool check rules memsleuth-alerts.yaml
promtool test rules memsleuth-alerts.test.yaml
ds="$SRC/deploy/daemonset.yaml"
python3 - "$ds" <<'PY'
import sys, yaml
docs = [d for d in yaml.safe_load_all(open(sys.argv[1])) if d]
ds = next(d for d in docs if d["kind"] == "DaemonSet")
spec = ds["spec"]["template"]["spec"]
assert spec["hostPID"] is True
c = spec["containers"][0]
args = c["args"]
for a in ("--procfs=/host/proc", "--sysfs=/host/sys", "--rootfs=/host", "record"):
    assert a in args, a
sc = c["securityContext"]
mounts = {m["mountPath"]: m for m in c["volumeMounts"]}
if sc.get("privileged"):
    # Only for /dev/kmsg (the manifest says why); the runtime then ignores capabilities.
    assert "/host/dev/kmsg" in mounts, "privileged without /dev/kmsg mounted: drop privileged"
else:
    assert sc["capabilities"]["drop"] == ["ALL"]
    assert set(sc["capabilities"]["add"]) <= {"SYS_PTRACE", "DAC_READ_SEARCH", "SYSLOG"}
assert sc["readOnlyRootFilesystem"] is True
assert c["resources"]["limits"]["memory"] and c["resources"]["requests"]["memory"]
for p in ("/host/proc", "/host/sys", "/host"):
    assert mounts[p].get("readOnly") is True, p
print("daemonset ok")
PY
grep -q '^MemoryMax=' "$SRC/deploy/memsleuth-record.service"
grep -q 'memsleuth record' "$SRC/deploy/memsleuth-record.service"
echo "deploy manifests ok"
