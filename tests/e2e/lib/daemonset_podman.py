#!/usr/bin/env python3
"""Maps the recorder's DaemonSet (deploy/daemonset.yaml) onto `podman run`, so the e2e test runs the image
the way a kubelet with containerd would, and a change in the manifest changes what the test runs.

  daemonset_podman.py MANIFEST --name NAME --state-dir DIR

Prints JSON: {"argv": [podman run arguments, then IMAGE and the container's args], "image", "probes":
[{"kind", "path", "host_port"}], "ports": {containerPort: host port}, "mounts": {mountPath: host path},
"state": {host path: redirected path}, "privileged", "capabilities", "memory_limit_bytes"}.

Every field of the pod template and its container is either mapped, or ignored with the reason written
below (scheduling, rollout: nothing a runtime does). Any other field fails loudly: teach this file
what it means under podman instead of letting the test silently run something else than the manifest.

Deviations a single-host test needs, each as narrow as possible:
  - hostPath volumes of type DirectoryOrCreate/FileOrCreate are the pod's own state (the history DB):
    they are created under --state-dir instead of on the machine's real path. Every other hostPath is
    the machine's real path, with the manifest's readOnly and mountPropagation.
  - the node's bpffs (hostPath /sys/fs/bpf) is an empty directory of the test's own: a recorder run
    by a test must not leave its pinned BPF programs on the machine (it then walks without pinning).
  - container ports are published on 127.0.0.1 at free ports (the pod network stands in for the pod
    IP; podman's default bridge is that network here).
  - images are never pulled (--pull=never): the test runs the image it has just built.
"""
import argparse
import base64
import json
import os
import re
import socket
import stat
import sys

import yaml


class MapError(Exception):
    pass


def where(path, key=None):
    return path + ("." + key if key else "")


def check_keys(obj, path, known, ignored=()):
    """Fails on any key of obj that is neither mapped (known) nor deliberately ignored."""
    if not isinstance(obj, dict):
        raise MapError(f"{path}: expected a mapping, got {type(obj).__name__}")
    for k in obj:
        if k not in known and k not in ignored:
            raise MapError(f"{where(path, k)}: the podman mapper (tests/e2e/lib/daemonset_podman.py) does not "
                           f"understand this field; map it there (or ignore it with a reason) so the e2e test "
                           f"runs what the manifest says")


_QTY = re.compile(r"^([0-9.]+(?:[eE][-+]?[0-9]+)?)(Ki|Mi|Gi|Ti|Pi|Ei|m|k|M|G|T|P|E)?$")
_MULT = {None: 1, "m": 1e-3, "k": 1e3, "M": 1e6, "G": 1e9, "T": 1e12, "P": 1e15, "E": 1e18,
         "Ki": 1 << 10, "Mi": 1 << 20, "Gi": 1 << 30, "Ti": 1 << 40, "Pi": 1 << 50, "Ei": 1 << 60}


def quantity(v, path):
    """A Kubernetes resource quantity ("64Mi", "200m", "1.5", 3) as a float."""
    m = _QTY.match(str(v))
    if not m:
        raise MapError(f"{path}: '{v}' is not a Kubernetes quantity")
    return float(m.group(1)) * _MULT[m.group(2)]


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def find_daemonset(docs):
    ds = [d for d in docs if d.get("kind") == "DaemonSet"]
    if len(ds) != 1:
        raise MapError(f"expected exactly one DaemonSet in the manifest, found {len(ds)}")
    return ds[0]


def map_volume_source(vol, path, docs, state_dir, read_only):
    """(host path, extra mount options, state redirect or None) for one volume."""
    check_keys(vol, path, {"name", "hostPath", "emptyDir", "configMap", "secret"})
    kinds = [k for k in ("hostPath", "emptyDir", "configMap", "secret") if k in vol]
    if len(kinds) != 1:
        raise MapError(f"{path}: a volume needs exactly one source, got {kinds or 'none'}")
    kind = kinds[0]
    src = vol[kind] or {}
    p = where(path, kind)
    if kind == "hostPath":
        check_keys(src, p, {"path", "type"})
        host = src["path"]
        typ = src.get("type", "")
        if host.rstrip("/") == "/sys/fs/bpf":
            redirected = os.path.join(state_dir, "hostpath", "sys/fs/bpf")
            os.makedirs(redirected, exist_ok=True)
            return redirected, (host, redirected)
        if typ in ("DirectoryOrCreate", "FileOrCreate"):
            # The pod's own state on the node: kept under the test's directory, not the machine's.
            redirected = os.path.join(state_dir, "hostpath", host.lstrip("/"))
            if typ == "DirectoryOrCreate":
                os.makedirs(redirected, exist_ok=True)
            else:
                os.makedirs(os.path.dirname(redirected), exist_ok=True)
                open(redirected, "a").close()
            return redirected, (host, redirected)
        checks = {"": lambda m: True, "Directory": stat.S_ISDIR, "File": stat.S_ISREG,
                  "CharDevice": stat.S_ISCHR, "BlockDevice": stat.S_ISBLK, "Socket": stat.S_ISSOCK}
        if typ not in checks:
            raise MapError(f"{where(p, 'type')}: hostPath type '{typ}' is not mapped")
        try:
            mode = os.stat(host).st_mode
        except FileNotFoundError:
            raise MapError(f"{where(p, 'path')}: {host} does not exist on this machine (type '{typ}')")
        if not checks[typ](mode):
            raise MapError(f"{where(p, 'path')}: {host} is not a {typ} on this machine")
        return host, None
    if kind == "emptyDir":
        check_keys(src, p, {"medium", "sizeLimit"})
        if src.get("medium") not in (None, "", "Memory"):
            raise MapError(f"{where(p, 'medium')}: emptyDir medium '{src['medium']}' is not mapped")
        d = os.path.join(state_dir, "emptydir", vol["name"])
        os.makedirs(d, exist_ok=True)
        return d, None
    # configMap / secret: taken from the same manifest file, written as files, mounted read-only.
    check_keys(src, p, {"name", "secretName", "defaultMode", "optional"})
    want_kind = "ConfigMap" if kind == "configMap" else "Secret"
    name = src.get("name") or src.get("secretName")
    obj = next((d for d in docs if d.get("kind") == want_kind and d["metadata"]["name"] == name), None)
    if obj is None:
        raise MapError(f"{p}: {want_kind} '{name}' is not in the manifest, so the test cannot provide it")
    d = os.path.join(state_dir, kind, name)
    os.makedirs(d, exist_ok=True)
    items = dict(obj.get("data") or {})
    if kind == "secret":
        items = {k: base64.b64decode(v) for k, v in items.items()}
        items.update({k: v.encode() for k, v in (obj.get("stringData") or {}).items()})
    else:
        items = {k: v.encode() for k, v in items.items()}
    for k, v in items.items():
        with open(os.path.join(d, k), "wb") as f:
            f.write(v)
        os.chmod(os.path.join(d, k), src.get("defaultMode", 0o644))
    if not read_only:
        raise MapError(f"{p}: {kind} volumes are read-only in Kubernetes; mount it with readOnly: true")
    return d, None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("manifest")
    ap.add_argument("--name", required=True)
    ap.add_argument("--state-dir", required=True)
    a = ap.parse_args()
    docs = [d for d in yaml.safe_load_all(open(a.manifest)) if d]
    ds = find_daemonset(docs)
    check_keys(ds, "DaemonSet", {"spec"}, ignored={"apiVersion", "kind", "metadata"})
    dspec = ds["spec"]
    # Rollout and selection are the controller's business, not the runtime's.
    check_keys(dspec, "spec", {"template"},
               ignored={"selector", "updateStrategy", "minReadySeconds", "revisionHistoryLimit"})
    tmpl = dspec["template"]
    check_keys(tmpl, "spec.template", {"spec"}, ignored={"metadata"})
    pod = tmpl["spec"]
    pp = "spec.template.spec"
    check_keys(pod, pp, {"hostPID", "hostIPC", "hostNetwork", "containers", "volumes", "securityContext",
                         "terminationGracePeriodSeconds", "automountServiceAccountToken"},
               # Scheduling, priority and DNS: nothing the container runtime does.
               ignored={"priorityClassName", "tolerations", "nodeSelector", "affinity", "dnsPolicy",
                        "serviceAccountName", "restartPolicy", "schedulerName", "enableServiceLinks"})
    argv = ["--pull=never"]
    out = {"probes": [], "ports": {}, "mounts": {}, "state": {}, "privileged": False, "capabilities": None,
           "memory_limit_bytes": None}
    if pod.get("automountServiceAccountToken", True) is not False:
        raise MapError(f"{pp}.automountServiceAccountToken: the test has no API server token to mount; "
                       "the recorder needs none (set it to false)")
    if pod.get("hostPID"):
        argv.append("--pid=host")
    if pod.get("hostIPC"):
        argv.append("--ipc=host")
    host_network = bool(pod.get("hostNetwork"))
    if host_network:
        argv.append("--network=host")
    if "terminationGracePeriodSeconds" in pod:
        argv.append(f"--stop-timeout={int(pod['terminationGracePeriodSeconds'])}")

    containers = pod["containers"]
    if len(containers) != 1:
        raise MapError(f"{pp}.containers: the mapper runs exactly one container, the manifest has {len(containers)}")
    c = containers[0]
    cp = f"{pp}.containers[0]"
    check_keys(c, cp, {"name", "image", "command", "args", "env", "ports", "resources", "securityContext",
                       "volumeMounts", "readinessProbe", "livenessProbe", "startupProbe", "imagePullPolicy"},
               ignored={"terminationMessagePath", "terminationMessagePolicy"})

    # securityContext: the pod's, overridden field by field by the container's (as the kubelet merges).
    psc = pod.get("securityContext") or {}
    check_keys(psc, f"{pp}.securityContext",
               {"runAsUser", "runAsGroup", "runAsNonRoot", "seccompProfile", "supplementalGroups"})
    sc = dict(psc)
    csc = c.get("securityContext") or {}
    check_keys(csc, f"{cp}.securityContext",
               {"privileged", "allowPrivilegeEscalation", "readOnlyRootFilesystem", "runAsUser", "runAsGroup",
                "runAsNonRoot", "capabilities", "seccompProfile"})
    sc.update(csc)
    scp = f"{cp}.securityContext"
    privileged = bool(sc.get("privileged"))
    out["privileged"] = privileged
    if privileged:
        # containerd gives a privileged container every capability, every host device and no seccomp
        # filter, whatever capabilities/seccompProfile say: so does podman --privileged.
        argv.append("--privileged")
        if sc.get("allowPrivilegeEscalation") is False:
            raise MapError(f"{scp}: privileged with allowPrivilegeEscalation: false is rejected by the API server")
    else:
        caps = sc.get("capabilities") or {}
        check_keys(caps, f"{scp}.capabilities", {"drop", "add"})
        drop = caps.get("drop") or []
        add = caps.get("add") or []
        for d in drop:
            if d != "ALL":
                raise MapError(f"{scp}.capabilities.drop: only [ALL] is mapped, got '{d}'")
        if drop:
            argv.append("--cap-drop=all")
        for cap in add:
            if not re.fullmatch(r"[A-Z_]+", str(cap)):
                raise MapError(f"{scp}.capabilities.add: '{cap}' is not a capability name")
            argv.append(f"--cap-add=CAP_{cap}" if not str(cap).startswith("CAP_") else f"--cap-add={cap}")
        out["capabilities"] = {"drop": drop, "add": add}
        seccomp = (sc.get("seccompProfile") or {})
        check_keys(seccomp, f"{scp}.seccompProfile", {"type"})
        st = seccomp.get("type", "RuntimeDefault")
        if st == "Unconfined":
            argv.append("--security-opt=seccomp=unconfined")
        elif st != "RuntimeDefault":  # RuntimeDefault: podman's default profile, as containerd's
            raise MapError(f"{scp}.seccompProfile.type '{st}' is not mapped")
        if sc.get("allowPrivilegeEscalation") is False:
            argv.append("--security-opt=no-new-privileges")
    if sc.get("readOnlyRootFilesystem"):
        # Kubernetes adds no tmpfs on /tmp, /run, /var/tmp: neither may podman.
        argv += ["--read-only", "--read-only-tmpfs=false"]
    if "runAsUser" in sc:
        user = str(int(sc["runAsUser"]))
        if "runAsGroup" in sc:
            user += f":{int(sc['runAsGroup'])}"
        argv.append(f"--user={user}")
    if sc.get("runAsNonRoot") and int(sc.get("runAsUser", 0)) == 0:
        raise MapError(f"{scp}: runAsNonRoot with user 0 would not start")
    for g in psc.get("supplementalGroups") or []:
        argv.append(f"--group-add={int(g)}")

    # resources: limits become the container cgroup's limits; requests.cpu its cpu.shares (the
    # kubelet's milliCPU * 1024 / 1000). requests.memory sets nothing on a cgroup v1 node.
    res = c.get("resources") or {}
    check_keys(res, f"{cp}.resources", {"limits", "requests"})
    lim = res.get("limits") or {}
    req = res.get("requests") or {}
    check_keys(lim, f"{cp}.resources.limits", {"memory", "cpu"})
    check_keys(req, f"{cp}.resources.requests", {"memory", "cpu"})
    if "memory" in lim:
        b = int(quantity(lim["memory"], f"{cp}.resources.limits.memory"))
        out["memory_limit_bytes"] = b
        # The kubelet sets the memory limit only (no swap on a node without swap support).
        argv += [f"--memory={b}", f"--memory-swap={b}"]
    if "cpu" in lim:
        argv.append(f"--cpus={quantity(lim['cpu'], f'{cp}.resources.limits.cpu'):g}")
    if "cpu" in req:
        argv.append(f"--cpu-shares={max(2, int(quantity(req['cpu'], f'{cp}.resources.requests.cpu') * 1024))}")

    for i, e in enumerate(c.get("env") or []):
        check_keys(e, f"{cp}.env[{i}]", {"name", "value"})
        argv.append(f"--env={e['name']}={e.get('value', '')}")

    port_by_name = {}
    for i, p in enumerate(c.get("ports") or []):
        pth = f"{cp}.ports[{i}]"
        check_keys(p, pth, {"containerPort", "name", "protocol"})
        proto = p.get("protocol", "TCP")
        if proto not in ("TCP", "UDP"):
            raise MapError(f"{pth}.protocol '{proto}' is not mapped")
        cport = int(p["containerPort"])
        hport = cport if host_network else free_port()
        if not host_network:
            argv.append(f"--publish=127.0.0.1:{hport}:{cport}/{proto.lower()}")
        out["ports"][str(cport)] = hport
        if "name" in p:
            port_by_name[p["name"]] = cport

    for kind in ("readinessProbe", "livenessProbe", "startupProbe"):
        if kind not in c:
            continue
        pr = c[kind]
        pth = f"{cp}.{kind}"
        check_keys(pr, pth, {"httpGet", "tcpSocket"},
                   # How often and how patiently the kubelet asks: the test asks until it gets an answer.
                   ignored={"periodSeconds", "failureThreshold", "successThreshold", "timeoutSeconds",
                            "initialDelaySeconds", "terminationGracePeriodSeconds"})
        how = "httpGet" if "httpGet" in pr else "tcpSocket"
        h = pr[how]
        check_keys(h, f"{pth}.{how}", {"path", "port", "scheme"} if how == "httpGet" else {"port"})
        if h.get("scheme", "HTTP") != "HTTP":
            raise MapError(f"{pth}.{how}.scheme '{h['scheme']}' is not mapped (the test speaks plain HTTP)")
        port = h["port"]
        cport = port_by_name.get(port) if isinstance(port, str) else int(port)
        if cport is None or str(cport) not in out["ports"]:
            raise MapError(f"{pth}.{how}.port '{port}' names no containerPort of {cp}.ports")
        out["probes"].append({"kind": kind, "how": how, "path": h.get("path"), "host_port": out["ports"][str(cport)]})

    vols = {v["name"]: v for v in pod.get("volumes") or []}
    for i, m in enumerate(c.get("volumeMounts") or []):
        mp = f"{cp}.volumeMounts[{i}]"
        check_keys(m, mp, {"name", "mountPath", "readOnly", "mountPropagation"})
        if m["name"] not in vols:
            raise MapError(f"{mp}: volume '{m['name']}' is not in {pp}.volumes")
        vi = list(vols).index(m["name"])
        ro = bool(m.get("readOnly"))
        host, redirect = map_volume_source(vols[m["name"]], f"{pp}.volumes[{vi}]", docs, a.state_dir, ro)
        if redirect:
            out["state"][redirect[0]] = redirect[1]
        prop = {None: "rprivate", "None": "rprivate", "HostToContainer": "rslave", "Bidirectional": "rshared"}
        mprop = m.get("mountPropagation")
        if mprop not in prop:
            raise MapError(f"{mp}.mountPropagation '{mprop}' is not mapped")
        if mprop == "Bidirectional" and not privileged:
            raise MapError(f"{mp}: Bidirectional propagation needs a privileged container")
        # hostPath mounts are recursive bind mounts; readOnly makes the top mount read-only, as the kubelet.
        argv.append(f"--volume={host}:{m['mountPath']}:{'ro' if ro else 'rw'},rbind,{prop[mprop]}")
        out["mounts"][m["mountPath"]] = host

    if "command" in c:
        argv.append("--entrypoint=" + json.dumps(c["command"]))
    out["image"] = c["image"]
    argv += ["--name", a.name, c["image"]] + [str(x) for x in c.get("args") or []]
    out["argv"] = argv
    json.dump(out, sys.stdout, indent=1)


if __name__ == "__main__":
    try:
        main()
    except MapError as e:
        print(f"daemonset_podman.py: {e}", file=sys.stderr)
        sys.exit(2)
    except (KeyError, TypeError, ValueError) as e:
        print(f"daemonset_podman.py: malformed manifest: {type(e).__name__}: {e}", file=sys.stderr)
        sys.exit(2)
