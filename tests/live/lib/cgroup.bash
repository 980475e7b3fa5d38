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

# --- cgroups and processes a test creates, cleaned up by ms_cleanup on every exit path ----------
MS_CGS=()   # cgroup directories we created, parents first
MS_PIDS=()  # processes we started
MS_LAST_PID=""

# ms_mkcg DIR: creates DIR and any missing parent under $MEMCG_ROOT, recording each one it made; on v2
# enables +memory in every parent so that the new levels have memory.* files.
ms_mkcg() {
  local dir=$1 p=$MEMCG_ROOT seg
  [[ $dir == "$MEMCG_ROOT"/* ]] || { echo "ms_mkcg: $dir is not under $MEMCG_ROOT" >&2; return 1; }
  local -a segs
  IFS=/ read -r -a segs <<<"${dir#"$MEMCG_ROOT"/}"
  for seg in "${segs[@]}"; do
    [[ -n $seg ]] || continue
    # (fails harmlessly where a level has processes: v2 forbids controllers there)
    if [[ $MEMCG_V2 == 1 ]]; then echo +memory >"$p/cgroup.subtree_control" 2>/dev/null || true; fi
    p=$p/$seg
    if [[ ! -d $p ]]; then
      mkdir "$p" || return 1
      MS_CGS+=("$p")
    fi
  done
}

# ms_set_limit DIR BYTES: the cgroup's own memory limit (v1 memory.limit_in_bytes, v2 memory.max).
ms_set_limit() {
  if [[ $MEMCG_V2 == 1 ]]; then echo "$2" >"$1/memory.max"; else echo "$2" >"$1/memory.limit_in_bytes"; fi
}

# ms_oom_kills DIR: how many processes the kernel OOM-killed in this cgroup (0 when unknown).
ms_oom_kills() {
  local f=$1/memory.oom_control
  if [[ $MEMCG_V2 == 1 ]]; then f=$1/memory.events; fi
  awk '$1 == "oom_kill" {n = $2} END {print n + 0}' "$f" 2>/dev/null || echo 0
}

# ms_start_in DIR CMD [ARGS...]: runs CMD in the cgroup DIR in the background (the shell moves itself
# there, then execs, so the pid is CMD's); sets MS_LAST_PID and records it for ms_cleanup.
ms_start_in() {
  local dir=$1
  shift
  sh -c 'echo $$ >"$1/cgroup.procs" && shift && exec "$@"' ms_start_in "$dir" "$@" </dev/null >/dev/null 2>&1 &
  MS_LAST_PID=$!
  MS_PIDS+=("$MS_LAST_PID")
}

# ms_wait_file FILE [PID] [TENTHS]: waits for FILE to exist (a workload's "ready"), at most TENTHS
# tenths of a second (default 600), giving up early when PID exits. Returns 1 when it never appeared.
ms_wait_file() {
  local f=$1 pid=${2:-} i
  for ((i = 0; i < ${3:-600}; i++)); do
    [[ -e $f ]] && return 0
    if [[ -n $pid ]] && ! kill -0 "$pid" 2>/dev/null; then break; fi
    sleep 0.1
  done
  [[ -e $f ]]
}

# ms_cleanup: kills the processes we started and whatever is still in our cgroups, then removes the
# cgroups leaf-first. Touches nothing it did not create.
ms_cleanup() {
  local p i
  for p in "${MS_PIDS[@]}"; do kill -KILL "$p" 2>/dev/null; done
  # Reap our own children quietly (no "Killed" job messages); pids that are not children are skipped.
  for p in "${MS_PIDS[@]}"; do { wait "$p"; } 2>/dev/null; done
  for _ in 1 2 3; do
    for ((i = ${#MS_CGS[@]} - 1; i >= 0; i--)); do
      [[ -f ${MS_CGS[i]}/cgroup.procs ]] || continue
      while read -r p; do kill -KILL "$p" 2>/dev/null; done <"${MS_CGS[i]}/cgroup.procs"
    done
    sleep 0.2
  done
  for ((i = ${#MS_CGS[@]} - 1; i >= 0; i--)); do rmdir "${MS_CGS[i]}" 2>/dev/null; done
  return 0
}
