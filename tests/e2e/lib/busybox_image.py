#!/usr/bin/env python3
"""Writes a one-layer image archive (docker save format, which `ctr images import` reads) holding
Debian's static busybox: the tiny image the containerd e2e test runs its "pods" from. No registry.

  busybox_image.py OUT.tar NAME:TAG [BUSYBOX]
"""
import hashlib
import io
import json
import sys
import tarfile
import time


def add_dir(t, name):
    ti = tarfile.TarInfo(name)
    ti.type = tarfile.DIRTYPE
    ti.mode = 0o755
    t.addfile(ti)


def main():
    out, ref = sys.argv[1], sys.argv[2]
    busybox = sys.argv[3] if len(sys.argv) > 3 else "/bin/busybox"
    layer = io.BytesIO()
    with tarfile.open(fileobj=layer, mode="w") as t:
        for d in ("bin", "dev", "proc", "sys", "tmp", "etc", "work"):
            add_dir(t, d)
        t.add(busybox, arcname="bin/busybox")
        for applet in ("sh", "sleep", "cat", "head", "dd", "mkdir"):
            ti = tarfile.TarInfo("bin/" + applet)
            ti.type = tarfile.SYMTYPE
            ti.linkname = "busybox"
            t.addfile(ti)
    data = layer.getvalue()
    diff_id = "sha256:" + hashlib.sha256(data).hexdigest()
    config = {
        "architecture": "amd64",
        "os": "linux",
        "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "config": {"Entrypoint": ["/bin/busybox"], "Cmd": ["sh"], "Env": ["PATH=/bin"], "WorkingDir": "/"},
        "rootfs": {"type": "layers", "diff_ids": [diff_id]},
    }
    cfg = json.dumps(config).encode()
    cfg_name = hashlib.sha256(cfg).hexdigest() + ".json"
    manifest = json.dumps([{"Config": cfg_name, "RepoTags": [ref], "Layers": ["layer.tar"]}]).encode()
    with tarfile.open(out, "w") as t:
        for name, blob in (("layer.tar", data), (cfg_name, cfg), ("manifest.json", manifest)):
            ti = tarfile.TarInfo(name)
            ti.size = len(blob)
            ti.mode = 0o644
            t.addfile(ti, io.BytesIO(blob))


if __name__ == "__main__":
    main()
