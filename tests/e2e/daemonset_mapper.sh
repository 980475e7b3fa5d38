#!/usr/bin/env bash
# The manifest -> podman mapper of e2e_image_daemonset (tests/e2e/lib/daemonset_podman.py), on variants
# of deploy/daemonset.yaml: each field it knows becomes the podman flag that means the same, and a
# field it does not know fails with the field's path (so a manifest change can never be silently left
# out of what the image test runs). No root, no containers.
set -euo pipefail
SRC=${MEMSLEUTH_SOURCE_DIR:?}
TMP=$(mktemp -d /tmp/ms-mapper.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
python3 - "$SRC/deploy/daemonset.yaml" "$SRC/tests/e2e/lib/daemonset_podman.py" "$TMP" <<'PY'
import copy, json, subprocess, sys, yaml
manifest, mapper, tmp = sys.argv[1:]
docs = [d for d in yaml.safe_load_all(open(manifest)) if d]
ds_index = next(i for i, d in enumerate(docs) if d["kind"] == "DaemonSet")
n = 0

def run(edit):
    global n
    n += 1
    variant = copy.deepcopy(docs)
    edit(variant[ds_index]["spec"]["template"]["spec"], variant)
    path = f"{tmp}/v{n}.yaml"
    yaml.safe_dump_all(variant, open(path, "w"))
    p = subprocess.run([sys.executable, mapper, path, "--name", "t", "--state-dir", f"{tmp}/state{n}"],
                       capture_output=True, text=True)
    return p.returncode, (json.loads(p.stdout) if p.returncode == 0 else None), p.stderr

def ctr(pod):
    return pod["containers"][0]

def must_map(what, edit, *flags, absent=()):
    rc, out, err = run(edit)
    assert rc == 0, f"{what}: mapper failed: {err}"
    for f in flags:
        assert f in out["argv"], f"{what}: '{f}' not in {out['argv']}"
    for f in absent:
        assert f not in out["argv"], f"{what}: '{f}' should not be in {out['argv']}"
    print(f"ok   {what}")
    return out

def must_fail(what, edit, field):
    rc, out, err = run(edit)
    assert rc == 2, f"{what}: mapper accepted it (rc {rc})"
    assert field in err, f"{what}: error does not name '{field}': {err}"
    print(f"ok   {what} -> {err.strip()}")

# The manifest as it is.
out = must_map("deploy/daemonset.yaml", lambda p, d: None, "--pid=host", "--read-only", "--read-only-tmpfs=false")
assert out["argv"][-len(ctr(docs[ds_index]["spec"]["template"]["spec"])["args"]):] == \
    ctr(docs[ds_index]["spec"]["template"]["spec"])["args"], "container args are not passed verbatim"
assert out["mounts"]["/host"] == "/" and out["mounts"]["/host/proc"] == "/proc"
assert "/var/lib/memsleuth" in out["state"], "the DirectoryOrCreate history is not redirected"

def unpriv(p, d, add=("SYS_PTRACE",)):
    sc = ctr(p)["securityContext"]
    sc.pop("privileged", None)
    sc["allowPrivilegeEscalation"] = False
    sc["capabilities"] = {"drop": ["ALL"], "add": list(add)}
    sc["seccompProfile"] = {"type": "RuntimeDefault"}
must_map("capabilities drop ALL + add (e.g. BPF, PERFMON)", lambda p, d: unpriv(p, d, ("SYS_PTRACE", "BPF", "PERFMON")),
         "--cap-drop=all", "--cap-add=CAP_SYS_PTRACE", "--cap-add=CAP_BPF", "--cap-add=CAP_PERFMON",
         "--security-opt=no-new-privileges", absent=("--privileged",))
must_map("privileged", lambda p, d: None, "--privileged", absent=("--cap-drop=all",))

def bpffs(p, d):
    p["volumes"].append({"name": "bpffs", "hostPath": {"path": "/sys", "type": "Directory"}})
    ctr(p)["volumeMounts"].append({"name": "bpffs", "mountPath": "/sys/fs/bpf", "mountPropagation": "HostToContainer"})
must_map("a new hostPath volume (bpffs-like, writable, HostToContainer)", bpffs, "--volume=/sys:/sys/fs/bpf:rw,rbind,rslave")

def cm(p, d):
    d.append({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "web", "namespace": "memsleuth"},
              "data": {"web.yaml": "tls_server_config: {}\n"}})
    p["volumes"].append({"name": "web", "configMap": {"name": "web"}})
    ctr(p)["volumeMounts"].append({"name": "web", "mountPath": "/etc/memsleuth", "readOnly": True})
out = must_map("a configMap volume from the same file", cm)
assert open(out["mounts"]["/etc/memsleuth"] + "/web.yaml").read() == "tls_server_config: {}\n"

must_map("env", lambda p, d: ctr(p).__setitem__("env", [{"name": "TZ", "value": "UTC"}]), "--env=TZ=UTC")
must_map("hostNetwork", lambda p, d: p.__setitem__("hostNetwork", True), "--network=host")
def probes(p, d):
    ctr(p)["readinessProbe"] = {"httpGet": {"path": "/healthz", "port": "metrics"}}
out = must_map("probes on a named port", probes)
assert {"kind": "readinessProbe", "how": "httpGet", "path": "/healthz",
        "host_port": out["ports"]["9465"]} in out["probes"], out["probes"]
out = must_map("resources", lambda p, d: None, "--memory=67108864", "--cpus=0.2", "--cpu-shares=20")

must_fail("unknown pod field", lambda p, d: p.__setitem__("shareProcessNamespace", True), "spec.template.spec.shareProcessNamespace")
must_fail("unknown container field", lambda p, d: ctr(p).__setitem__("stdin", True), "containers[0].stdin")
must_fail("unknown securityContext field", lambda p, d: ctr(p)["securityContext"].__setitem__("procMount", "Unmasked"),
          "securityContext.procMount")
must_fail("unknown volume kind", lambda p, d: (p["volumes"].append({"name": "x", "csi": {"driver": "d"}}),
                                               ctr(p)["volumeMounts"].append({"name": "x", "mountPath": "/x"})), "csi")
must_fail("subPath", lambda p, d: ctr(p)["volumeMounts"][0].__setitem__("subPath", "a"), "volumeMounts[0].subPath")
must_fail("second container", lambda p, d: p["containers"].append(copy.deepcopy(ctr(p))), "containers")
must_fail("exec probe", lambda p, d: ctr(p).__setitem__("livenessProbe", {"exec": {"command": ["true"]}}), "livenessProbe.exec")
must_fail("env from the API", lambda p, d: ctr(p).__setitem__("env", [{"name": "N", "valueFrom": {"fieldRef": {}}}]), "valueFrom")
must_fail("a capability drop other than ALL", lambda p, d: (unpriv(p, d), ctr(p)["securityContext"]["capabilities"].__setitem__("drop", ["NET_RAW"])),
          "capabilities.drop")
must_fail("a missing host device", lambda p, d: p["volumes"].append({"name": "kmsg2", "hostPath": {"path": "/dev/nonexistent-ms", "type": "CharDevice"}})
          or ctr(p)["volumeMounts"].append({"name": "kmsg2", "mountPath": "/x"}), "/dev/nonexistent-ms")
must_fail("a service account token", lambda p, d: p.__setitem__("automountServiceAccountToken", True), "automountServiceAccountToken")
print("PASS: the mapper maps what it knows and names what it does not")
PY
