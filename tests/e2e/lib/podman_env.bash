# Sourced: a private podman/buildah for one test or bench run, so nothing it does touches the machine's
# own container storage. Facts of the build machines it works around (docs/testing.md, "Containers"):
#  - storage: vfs (no overlay mount needed), graphroot and runroot under DIR;
#  - crun refuses the hybrid cgroup hierarchy: runc;
#  - the sandbox refuses rlimit changes in a container's init: default_ulimits = [].
# ms_podman_env DIR: writes the configuration under DIR and exports CONTAINERS_CONF and
# CONTAINERS_STORAGE_CONF. ms_podman_cleanup: removes every container and image of that storage,
# unmounts what is still mounted below DIR and deletes DIR. Touches nothing else.
MS_PODMAN_DIR=""

ms_podman_env() {
  MS_PODMAN_DIR=$1
  mkdir -p "$MS_PODMAN_DIR"
  cat >"$MS_PODMAN_DIR/storage.conf" <<EOF
[storage]
driver = "vfs"
graphroot = "$MS_PODMAN_DIR/graph"
runroot = "$MS_PODMAN_DIR/run"
EOF
  cat >"$MS_PODMAN_DIR/containers.conf" <<EOF
[containers]
default_ulimits = []
[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
events_logfile_path = "$MS_PODMAN_DIR/events.log"
tmp_dir = "$MS_PODMAN_DIR/tmp"
volume_path = "$MS_PODMAN_DIR/volumes"
EOF
  export CONTAINERS_CONF=$MS_PODMAN_DIR/containers.conf CONTAINERS_STORAGE_CONF=$MS_PODMAN_DIR/storage.conf
}

ms_podman_cleanup() {
  [[ -n $MS_PODMAN_DIR && -d $MS_PODMAN_DIR ]] || return 0
  podman rm --all --force --time 0 >/dev/null 2>&1 || true
  podman rmi --all --force >/dev/null 2>&1 || true
  buildah rm --all >/dev/null 2>&1 || true
  # e.g. a container's /dev/shm tmpfs left behind by a killed podman; deepest first.
  local m
  while read -r m; do umount -l "$m" 2>/dev/null || true; done < <(
    awk -v d="$MS_PODMAN_DIR/" 'index($2, d) == 1 {print $2}' /proc/self/mounts | sort -r)
  rm -rf --one-file-system "$MS_PODMAN_DIR"
}
