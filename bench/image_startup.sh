#!/usr/bin/env bash
# Start-up of memsleuth inside the image `make image` builds against the same binary run from build/,
# and the image's size. Needs root, podman/buildah and the Release build (`make build`).
#
#   bash bench/image_startup.sh [RUNS]        (default 20; prints JSON of bench/measure.py, then a summary)
#
# The image is built into a private storage (tests/e2e/lib/podman_env.bash) and started the way
# deploy/daemonset.yaml runs it (tests/e2e/lib/daemonset_podman.py). "Inside" runs the image's binary,
# loader and libraries in the container's mount namespace (`nsenter -t <recorder> -m`), with the
# DaemonSet's /host mounts: the binary's own start-up, without the runtime's. `podman run --rm` is
# measured separately (what a container start costs on top). Every command runs round-robin in one
# measure.py call, so load changes hit all alike; compare ratios, not absolute numbers.
set -euo pipefail
SRC=$(cd "$(dirname "$0")/.." && pwd)
RUNS=${1:-20}
BIN=${BENCH_RELEASE_BINARY:-$SRC/build/memsleuth}
[[ $(id -u) -eq 0 ]] || { echo "image_startup.sh: needs root" >&2; exit 1; }
[[ -x $BIN ]] || { echo "image_startup.sh: no $BIN (make build)" >&2; exit 1; }
TMP=$(mktemp -d /tmp/ms-image-bench.XXXXXX)
source "$SRC/tests/e2e/lib/podman_env.bash"
trap 'ms_podman_cleanup; rm -rf --one-file-system "$TMP"' EXIT
ms_podman_env "$TMP/podman"

bash "$SRC/scripts/image.sh" --binary "$BIN" --name localhost/memsleuth
IMG=localhost/memsleuth:$(bash "$SRC/scripts/image.sh" --print-tag)
python3 "$SRC/tests/e2e/lib/daemonset_podman.py" "$SRC/deploy/daemonset.yaml" --name ms-bench-$$ \
  --state-dir "$TMP/node" >"$TMP/run.json"
mapfile -t RUN_ARGS < <(jq -r '.argv[]' "$TMP/run.json")
podman run --detach --runtime runc "${RUN_ARGS[@]}" >/dev/null
CPID=$(podman inspect ms-bench-$$ --format '{{.State.Pid}}')

# Sizes: as stored (uncompressed layer) and as a registry stores it (gzip layer + config + manifest).
buildah push --quiet --compression-format gzip "$IMG" "oci:$TMP/oci" >/dev/null
stored=$(podman image inspect "$IMG" --format '{{.Size}}')
pushed=$(du -sb "$TMP/oci/blobs" | cut -f1)

IN=(nsenter -t "$CPID" -m /usr/bin/memsleuth --procfs=/host/proc --sysfs=/host/sys --rootfs=/host)
python3 "$SRC/bench/measure.py" "$RUNS" \
  "build_version=$BIN --version" \
  "image_version=${IN[*]} --version" \
  "nsenter_build_version=nsenter -t $$ -m $BIN --version" \
  "build_snapshot=$BIN snapshot -o json" \
  "image_snapshot=${IN[*]} snapshot -o json" \
  "podman_run_version=podman run --rm --pull=never --runtime runc $IMG --version" >"$TMP/startup.json"
cat "$TMP/startup.json"
python3 - "$TMP/startup.json" "$stored" "$pushed" "$(nproc)" "$(cut -d' ' -f1-3 /proc/loadavg)" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
med = lambda k, m="wall": r[k][m]["median"] * 1000
print(f"\nimage: {int(sys.argv[2]) / 1e6:.1f} MB stored, {int(sys.argv[3]) / 1e6:.1f} MB pushed (gzip); "
      f"{sys.argv[4]} cores, load {sys.argv[5]}; {r['build_version']['runs']} runs each, medians")
for what in ("version", "snapshot"):
    b, i = f"build_{what}", f"image_{what}"
    print(f"{what:9s} build/ {med(b):7.2f} ms wall {med(b, 'cpu'):7.2f} ms CPU | image {med(i):7.2f} ms wall "
          f"{med(i, 'cpu'):7.2f} ms CPU | image/build wall {med(i) / med(b):.2f}, CPU {med(i, 'cpu') / med(b, 'cpu'):.2f}")
n, i = "nsenter_build_version", "image_version"
print(f"version through nsenter on both sides (build/ in our own mount namespace): build/ {med(n):.2f} ms wall "
      f"{med(n, 'cpu'):.2f} ms CPU, image/build wall {med(i) / med(n):.2f}, CPU {med(i, 'cpu') / med(n, 'cpu'):.2f}")
print(f"podman run --rm IMAGE --version: {med('podman_run_version'):.0f} ms wall")
PY
