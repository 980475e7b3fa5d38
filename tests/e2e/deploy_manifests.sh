#!/usr/bin/env bash
# deploy/: Prometheus alert rules pass `promtool check rules` and their unit tests (`promtool test
# rules`); the DaemonSet, its Service and ServiceMonitor, the Grafana dashboard and the systemd unit
# keep the properties the recorder and each other rely on.
set -euo pipefail
SRC=${MEMSLEUTH_SOURCE_DIR:?}
if ! command -v promtool >/dev/null; then echo "SKIP: promtool not installed (Debian package prometheus)"; exit 77; fi
cd "$SRC/deploy/prometheus"
promtool check rules memsleuth-alerts.yaml
promtool test rules memsleuth-alerts.test.yaml
ds="$SRC/deploy/daemonset.yaml"
python3 - "$ds" "$SRC/deploy/service.yaml" "$SRC/deploy/servicemonitor.yaml" "$SRC/deploy/grafana/memsleuth-fleet.json" <<'PY'
import json, sys, yaml
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
    assert set(sc["capabilities"]["add"]) <= {"SYS_PTRACE", "DAC_READ_SEARCH", "SYSLOG", "BPF", "PERFMON", "SYS_RESOURCE"}
assert sc["readOnlyRootFilesystem"] is True
assert c["resources"]["limits"]["memory"] and c["resources"]["requests"]["memory"]
for p in ("/host/proc", "/host/sys", "/host"):
    assert mounts[p].get("readOnly") is True, p
# Probes ask the recorder whether it works (/healthz: the store), on the port it serves.
ports = {p["name"]: p["containerPort"] for p in c["ports"]}
for probe in ("readinessProbe", "livenessProbe"):
    get = c[probe]["httpGet"]
    assert get["path"] == "/healthz", f"{probe} on {get['path']}"
    assert get["port"] in ports or get["port"] in ports.values(), f"{probe} port {get['port']}"
# The BPF task walk (docs/bpf.md): CAP_BPF + CAP_PERFMON (privileged has every capability), pinned
# in the node's bpffs.
assert sc.get("privileged") or {"BPF", "PERFMON"} <= set(sc["capabilities"]["add"]), "BPF, PERFMON"
vols = {v["name"]: v for v in ds["spec"]["template"]["spec"]["volumes"]}
bpffs = mounts["/sys/fs/bpf"]
assert not bpffs.get("readOnly"), "the recorder pins under /sys/fs/bpf"
assert vols[bpffs["name"]]["hostPath"]["path"] == "/sys/fs/bpf"
print("daemonset ok")
pod_labels = ds["spec"]["template"]["metadata"]["labels"]

# The Service selects the DaemonSet's pods and names the port they serve /metrics on.
svc = next(d for d in yaml.safe_load_all(open(sys.argv[2])) if d)
assert svc["apiVersion"] == "v1" and svc["kind"] == "Service"
assert svc["metadata"]["namespace"] == ds["metadata"]["namespace"]
assert all(pod_labels.get(k) == v for k, v in svc["spec"]["selector"].items()), "service selects no recorder pod"
assert svc["spec"].get("publishNotReadyAddresses") is True, "a recorder with a broken store must stay scraped"
sport = next(p for p in svc["spec"]["ports"] if p["name"] == "metrics")
assert sport["targetPort"] in ports or sport["targetPort"] in ports.values()
print("service ok")

# The ServiceMonitor (prometheus-operator's monitoring.coreos.com/v1 shape) selects that Service
# in its namespace, scrapes its port by name, and labels every series with the node.
sm = next(d for d in yaml.safe_load_all(open(sys.argv[3])) if d)
assert sm["apiVersion"] == "monitoring.coreos.com/v1" and sm["kind"] == "ServiceMonitor"
spec = sm["spec"]
assert set(spec) <= {"selector", "namespaceSelector", "endpoints", "jobLabel", "targetLabels", "podTargetLabels",
                     "sampleLimit", "attachMetadata"}, set(spec)
assert all(svc["metadata"]["labels"].get(k) == v for k, v in spec["selector"]["matchLabels"].items())
assert svc["metadata"]["namespace"] in spec["namespaceSelector"]["matchNames"]
ep = spec["endpoints"][0]
assert ep["port"] == sport["name"] and ep["path"] == "/metrics"
rl = {(tuple(r["sourceLabels"]), r["targetLabel"]) for r in ep["relabelings"]}
assert (("__meta_kubernetes_pod_node_name",), "node") in rl, "series need a node label (the dashboard uses it)"
for r in ep["relabelings"]:
    assert set(r) <= {"sourceLabels", "separator", "targetLabel", "regex", "modulus", "replacement", "action"}, r
print("servicemonitor ok")

# The dashboard is valid JSON whose every panel queries Prometheus through the datasource variable
# (its queries run against a real Prometheus in tests/live/dashboard_prometheus.sh).
dash = json.load(open(sys.argv[4]))
assert dash["uid"] and dash["title"]
for p in dash["panels"]:
    if p["type"] == "row":
        continue
    assert p["datasource"]["uid"] == "${datasource}", p["title"]
    assert p["targets"] and all(t.get("expr") for t in p["targets"]), p["title"]
print("dashboard ok")
PY
grep -q '^MemoryMax=' "$SRC/deploy/memsleuth-record.service"
grep -q 'memsleuth record' "$SRC/deploy/memsleuth-record.service"
grep -Eq '^CapabilityBoundingSet=.*CAP_BPF.*CAP_PERFMON' "$SRC/deploy/memsleuth-record.service"
grep -Eq '^AmbientCapabilities=.*CAP_BPF.*CAP_PERFMON' "$SRC/deploy/memsleuth-record.service"
grep -q '^SystemCallFilter=bpf$' "$SRC/deploy/memsleuth-record.service"
echo "deploy manifests ok"
