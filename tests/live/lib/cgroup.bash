# Sourced by live tests: find a writable memory cgroup hierarchy, or exit 77 with the reason.
# Sets MEMCG_ROOT (directory) and MEMCG_V2 (0/1).
ms_require_memcg() {
  if [[ $(id -u) -ne 0 ]]; then echo "SKIP: not root"; exit 77; fi
  if [[ -d /sys/fs/cgroup/memory && -w /sys/fs/cgroup/memory ]]; then
    MEMCG_ROOT=/sys/fs/cgroup/memory MEMCG_V2=0
  elif [[ -f /sys/fs/cgroup/cgroup.controllers ]] && grep -qw memory /sys/fs/cgroup/cgroup.controllers &&
       [[ -w /sys/fs/cgroup ]]; then
    MEMCG_ROOT=/sys/fs/cgroup MEMCG_V2=1
  else
    echo "SKIP: no writable memory cgroup hierarchy"; exit 77
  fi
}

# Removes a cgroup subtree leaf-first (only directories; cgroupfs files go with their directory).
ms_rmdir_tree() {
  local top=$1
  [[ -d $top ]] || return 0
  find "$top" -depth -type d -exec rmdir {} \; 2>/dev/null || true
}
