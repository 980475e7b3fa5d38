# Checks of the VM results, one check_<scenario> per scenario; sourced by run.sh. Each reads the
# result sections in $res (out:<cmd>, err:<cmd>, their .rc, meta) and the frozen tree in $res/tree,
# with $binary (memsleuth) and $meta_json (the scenario's KEY=value lines as a JSON object, $m in jq),
# and prints the reasons of its failures on stdout: nothing printed = ok.
meta() { sed -n "s/^$1=//p" "$res/meta" | head -1; }
tree_file() { cat "$res/tree/$1" 2>/dev/null; }
# jq_true <file> <description> <jq filter with $m = meta object>: reports the description when false.
jq_true() {
  local file=$1 what=$2 filter=$3
  if ! jq -e --argjson m "$meta_json" "$filter" "$file" >/dev/null 2>"$res/jq.err"; then
    echo "$what"
    [[ -s "$res/jq.err" ]] && sed 's/^/    jq: /' "$res/jq.err"
  fi
}
# frozen <name> <memsleuth args...>: runs memsleuth here, natively, over the tree the VM froze.
frozen() {
  local name=$1
  shift
  "$binary" --procfs "$res/tree/proc" --sysfs "$res/tree/sys" --rootfs "$res/tree/root" "$@" \
    >"$res/out:$name" 2>"$res/err:$name"
  echo $? >"$res/out:$name.rc"
}
ran_ok() {  # <command name> [exit codes that mean success, default 0]: ran, printed JSON
  local rc ok=${2:-0}
  rc=$(cat "$res/out:$1.rc" 2>/dev/null) || { echo "memsleuth $1 did not run"; return 1; }
  if [[ " $ok " != *" $rc "* ]]; then
    echo "memsleuth $1 exited $rc: $(head -c 300 "$res/err:$1" 2>/dev/null | tr '\n' ' ')"
    return 1
  fi
  jq -e . "$res/out:$1" >/dev/null 2>&1 || { echo "memsleuth $1 printed no valid JSON"; return 1; }
}

check_snapshot() {
  local v
  for v in BU_PID GU_PID BE_PID HOG_PID; do
    [[ -n "$(meta $v)" ]] || echo "workload $v never printed READY (see console.log)"
  done
  ran_ok snapshot || return
  local f=$res/out:snapshot
  jq_true "$f" "schema/cgroup version wrong" \
    '.schema == "memsleuth.snapshot/v1" and .cgroup_version == "v2" and .memory_controller == "v2"'
  # Every cgroup of the layout, by its path relative to the cgroup2 root.
  for v in KP BU_POD BU_CTR OOM_CTR GU_POD GU_CTR BE_POD BE_CTR CRON; do
    jq_true "$f" "cgroup /$(meta $v) missing" "any(.cgroups[]; .path == \"/\" + \$m.$v)"
  done
  # The v2 root has no memory.current: snapshot derives usage from the same read of meminfo.
  jq_true "$f" "v2 root cgroup: usage must be MemTotal - MemFree (usage_source meminfo), limit null" '
    .meminfo as $mi | any(.cgroups[]; .path == "/" and .usage_source == "meminfo"
      and .usage_bytes == $mi.MemTotal - $mi.MemFree and .limit_bytes == null and (.stat.anon > 0))'
  # Limits as written, unlimited as null.
  jq_true "$f" "limits wrong (kubepods, pod, container, guaranteed pod)" '
    def cg($p): first(.cgroups[] | select(.path == "/" + $p));
    cg($m.KP).limit_bytes == ($m.KP_MAX|tonumber) and cg($m.BU_POD).limit_bytes == ($m.BU_POD_MAX|tonumber)
    and cg($m.BU_CTR).limit_bytes == ($m.BU_CTR_MAX|tonumber) and cg($m.OOM_CTR).limit_bytes == ($m.OOM_CTR_MAX|tonumber)
    and cg($m.GU_POD).limit_bytes == ($m.GU_MAX|tonumber)'
  jq_true "$f" "unlimited cgroups (cron.service, besteffort container) must have limit_bytes null" '
    def cg($p): first(.cgroups[] | select(.path == "/" + $p));
    cg($m.CRON).limit_bytes == null and cg($m.BE_CTR).limit_bytes == null'
  # Usage: each workload touched N MiB; its cgroup holds at least that and stays under its limit.
  jq_true "$f" "usage of workload cgroups out of range" '
    def cg($p): first(.cgroups[] | select(.path == "/" + $p));
    def mib($k): ($m[$k]|tonumber) * 1048576;
    (cg($m.BU_CTR).usage_bytes | . >= mib("BU_MIB") and . <= ($m.BU_CTR_MAX|tonumber))
    and (cg($m.CRON).usage_bytes >= mib("HOG_MIB")) and (cg($m.GU_CTR).usage_bytes >= mib("GU_MIB"))
    and (cg($m.BE_CTR).usage_bytes >= mib("BE_MIB")) and (cg($m.BU_POD).usage_bytes >= cg($m.BU_CTR).usage_bytes)
    and (cg($m.KP).usage_bytes >= cg($m.BU_POD).usage_bytes + cg($m.GU_POD).usage_bytes)'
  # Processes: their memory cgroup (from /proc/<pid>/cgroup "0::"), RSS and the hog's cwd. RSS is
  # allowed 10% below what was touched: 6.1 batches RSS counters per thread (up to 64 pages late).
  jq_true "$f" "workload processes: memory_cgroup or rss wrong" '
    def p($k): first(.processes[] | select(.pid == ($m[$k]|tonumber)));
    def mib($k): ($m[$k]|tonumber) * 1048576 * 0.9;
    (p("BU_PID") | .memory_cgroup == "/" + $m.BU_CTR and .rss_bytes >= mib("BU_MIB") and .comm == "memhog")
    and (p("GU_PID") | .memory_cgroup == "/" + $m.GU_CTR and .rss_bytes >= mib("GU_MIB"))
    and (p("BE_PID") | .memory_cgroup == "/" + $m.BE_CTR and .rss_bytes >= mib("BE_MIB"))
    and (p("HOG_PID") | .memory_cgroup == "/" + $m.CRON and .rss_anon_bytes >= mib("HOG_MIB"))'
  jq_true "$f" "the hog (updatedb in cron.service): comm, exe or cwd wrong" '
    first(.processes[] | select(.pid == ($m.HOG_PID|tonumber)))
    | .comm == "updatedb" and .exe == "/usr/local/bin/updatedb"
      and .cwd == "/var/log/pods/shop_web-7d4b9c_" + $m.BU_UID + "/app"'
  # On the frozen copy, the numbers must be exactly those of the files.
  frozen snapshot-frozen snapshot -o json
  if ran_ok snapshot-frozen >/dev/null; then
    local g=$res/out:snapshot-frozen ctr=sys/fs/cgroup/$(meta BU_CTR)
    local cur anon memtotal
    cur=$(tree_file "$ctr/memory.current")
    anon=$(tree_file "$ctr/memory.stat" | awk '$1 == "anon" {print $2}')
    memtotal=$(tree_file proc/meminfo | awk '$1 == "MemTotal:" {print $2 * 1024}')
    jq_true "$g" "frozen tree: container usage/anon/MemTotal differ from the files ($cur, $anon, $memtotal)" "
      first(.cgroups[] | select(.path == \"/\" + \$m.BU_CTR)) | .usage_bytes == $cur and .stat.anon == $anon" 
    jq_true "$g" "frozen tree: meminfo.MemTotal != $memtotal" ".meminfo.MemTotal == $memtotal"
  else
    echo "snapshot of the frozen tree: $(ran_ok snapshot-frozen)"
  fi
}

# The BPF task walk on this kernel (CO-RE against its own BTF, libbpf and the sanitizer build in
# the initramfs) reads what procfs reads: every process of the VM, each with procfs's identity and
# an RSS within 1 MiB (the two reads are a second apart; only memsleuth itself moves). A kernel
# worker's comm names its current work, so it is not compared.
check_bpf() {
  ran_ok snapshot-bpf || return
  ran_ok snapshot-procfs || return
  local b=$res/out:snapshot-bpf p=$res/out:snapshot-procfs
  jq_true "$b" "bpf: process_source is not bpf: $(jq -r .process_source_note "$b" 2>/dev/null)" '.process_source == "bpf"'
  jq_true "$p" "bpf: --source procfs did not read procfs" '.process_source == "procfs" and .process_source_note == null'
  local diff
  diff=$(jq -n --slurpfile b "$b" --slurpfile p "$p" --argjson m "$meta_json" '
    def by: [.processes[] | select(.comm != "memsleuth") | {key: (.pid|tostring), value: .}] | from_entries;
    ($b[0] | by) as $B | ($p[0] | by) as $P
    | ([$B | keys[] | select($P[.] == null)] | map("pid \(.) only in the BPF snapshot"))
      + ([$P | keys[] | select($B[.] == null)] | map("pid \(.) only in the procfs snapshot"))
      + [$B | keys[] as $k | select($P[$k] != null) | $B[$k] as $x | $P[$k] as $y
          | ("start_time", "ppid", "uid", "comm", "kernel_thread", "memory_cgroup", "cmdline", "exe", "cwd")
          | select($x[.] != $y[.] and (. != "comm" or ($x.kernel_thread | not)))
          | "pid \($k): \(.) bpf \($x[.]|tojson) procfs \($y[.]|tojson)"]
      + [$B | keys[] as $k | select($P[$k] != null) | $B[$k] as $x | $P[$k] as $y
          | ("rss_bytes", "rss_anon_bytes", "rss_file_bytes", "swap_bytes")
          | select(($x[.] == null) != ($y[.] == null) or ($x[.] != null and (($x[.] - $y[.]) | fabs) > 1048576))
          | "pid \($k): \(.) bpf \($x[.]) procfs \($y[.])"]
      + (if ($B[$m.HOG_PID] // null) == null then ["the hog (pid \($m.HOG_PID)) is missing"] else [] end)
    | .[]' 2>&1)
  [[ -n "$diff" ]] && echo "$diff" | head -20
}

# The BPF cgroup walk (iter/cgroup, 6.1+) pinned by `record` and read by `snapshot`: every cgroup's
# limits as the files give them (`--source procfs`, a moment later), and the pods' usage within
# 1 MiB (only memsleuth's own cgroup moves between the two reads).
check_cgroup_walk() {
  ran_ok snapshot-cgwalk || return
  ran_ok snapshot-files || return
  local w=$res/out:snapshot-cgwalk f=$res/out:snapshot-files
  jq_true "$w" "cgroup walk: cgroup_source is not bpf ($(cat "$res/err:record-pin" 2>/dev/null | head -3))" '.cgroup_source == "bpf"'
  jq_true "$f" "cgroup walk: --source procfs did not read the files" '.cgroup_source == "files"'
  local diff
  diff=$(jq -n --slurpfile w "$w" --slurpfile f "$f" --argjson m "$meta_json" '
    def by: [.cgroups[] | {key: .path, value: .}] | from_entries;
    ($w[0] | by) as $W | ($f[0] | by) as $F
    | [$F | keys[] as $k | select($W[$k] != null) | $W[$k] as $x | $F[$k] as $y
        | ("limit_bytes", "limit_known", "swap_limit_bytes")
        | select($x[.] != $y[.]) | "cgroup \($k): \(.) walk \($x[.]|tojson) files \($y[.]|tojson)"]
      + [("/" + $m.BU_CTR, "/" + $m.GU_CTR, "/" + $m.BE_CTR) as $k | $W[$k] as $x | $F[$k] as $y
        | select($x == null or $y == null or (($x.usage_bytes - $y.usage_bytes) | fabs) > 1048576)
        | "cgroup \($k): usage walk \($x.usage_bytes // "missing") files \($y.usage_bytes // "missing")"]
      + (if ($W | length) != ($F | length) then ["\($W | length) cgroups through the walk, \($F | length) from the files"] else [] end)
    | .[]' 2>&1)
  [[ -n "$diff" ]] && echo "$diff" | head -20
}

check_available() {
  # Over the frozen tree (natively, here): exactly the VM's awk results, for both v2 root rules.
  frozen available-frozen available -o json
  frozen available-frozen-meminfo available --v2-root-usage meminfo -o json
  if ran_ok available-frozen; then
    jq_true "$res/out:available-frozen" "anon+file rule: capacity/working set/available differ from awk" '
      .kubelet.root_usage_rule == "v2:anon+file-inactive_file"
      and .kubelet.capacity_bytes == ($m.capacity|tonumber)
      and .kubelet.working_set_bytes == ($m.ws_anon_file|tonumber)
      and .kubelet.memory_available_bytes == ($m.available_anon_file|tonumber)'
    jq_true "$res/out:available-frozen" "allocatableMemory.available on kubepods.slice differs from awk" '
      .kubelet.kubepods_cgroup == "/kubepods.slice"
      and .kubelet.allocatable.capacity_bytes == ($m.alloc_capacity|tonumber)
      and .kubelet.allocatable.working_set_bytes == ($m.alloc_ws|tonumber)
      and .kubelet.allocatable_available_bytes == ($m.alloc_available|tonumber)'
  fi
  if ran_ok available-frozen-meminfo; then
    jq_true "$res/out:available-frozen-meminfo" "MemTotal-MemFree rule: working set/available differ from awk" '
      .kubelet.root_usage_rule == "v2:(MemTotal-MemFree)-inactive_file"
      and .kubelet.working_set_bytes == ($m.ws_meminfo|tonumber)
      and .kubelet.memory_available_bytes == ($m.available_meminfo|tonumber)'
  fi
  # Live, inside the VM, a moment after the freeze: the formula holds on what it read, and the result
  # is near the frozen one. Not exact: memsleuth itself is running and counted by then, and the ASan
  # build's own pages grow with the binary (157 MB with the BPF programs; `--version` alone is
  # ~125 MiB RSS on the host, ~25 MiB more than before them, while `available`'s own work is ~8 MiB).
  local tol=$((96 << 20)) n want
  for n in available available-meminfo; do
    ran_ok "$n" || continue
    want=available_anon_file
    [[ $n == available-meminfo ]] && want=available_meminfo
    jq_true "$res/out:$n" "live $n: capacity/working set/available do not follow the formula" '
      .kubelet.root as $r | .kubelet.capacity_bytes == ($m.capacity|tonumber) and $r.capacity_bytes == ($m.capacity|tonumber)
      and $r.working_set_bytes == ([$r.usage_bytes - ($r.inactive_file_bytes // 0), 0] | max)
      and .kubelet.memory_available_bytes == $r.capacity_bytes - $r.working_set_bytes'
    jq_true "$res/out:$n" "live $n: memory_available_bytes not within 96 MiB of awk's $want" "
      (.kubelet.memory_available_bytes - (\$m.$want|tonumber)) | . <= $tol and . >= -$tol"
  done
}

check_top() {
  ran_ok top || return
  local f=$res/out:top
  jq_true "$f" "top: schema/by wrong" '.schema == "memsleuth.top/v1" and .by == "pod"'
  # Each pod: names from /var/log/pods, QoS from the cgroup path, the limit that binds.
  jq_true "$f" "top: shop/web-7d4b9c must be burstable, limited by its pod slice (160 MiB)" '
    first(.rows[] | select(.owner.kind == "pod" and .owner.pod_uid == $m.BU_UID))
    | .owner.namespace == "shop" and .owner.pod == "web-7d4b9c" and .owner.qos == "burstable"
      and .effective_limit_bytes == ($m.BU_POD_MAX|tonumber) and .limiting_cgroup == "/" + $m.BU_POD and .bounded'
  jq_true "$f" "top: shop/db-0 must be guaranteed, limited at 48 MiB" '
    first(.rows[] | select(.owner.kind == "pod" and .owner.pod_uid == $m.GU_UID))
    | .owner.namespace == "shop" and .owner.pod == "db-0" and .owner.qos == "guaranteed"
      and .effective_limit_bytes == ($m.GU_MAX|tonumber)'
  jq_true "$f" "top: jobs/batch-x2k9p must be besteffort, bounded only by kubepods.slice (320 MiB)" '
    first(.rows[] | select(.owner.kind == "pod" and .owner.pod_uid == $m.BE_UID))
    | .owner.namespace == "jobs" and .owner.pod == "batch-x2k9p" and .owner.qos == "besteffort"
      and .effective_limit_bytes == ($m.KP_MAX|tonumber) and .limiting_cgroup == "/" + $m.KP'
  jq_true "$f" "top: the pods must not be flagged unbounded" '
    [.rows[] | select(.owner.kind == "pod")] | length >= 3 and all(.unbounded_outside_kubepods == false)'
  jq_true "$f" "top: pod memory below what the workloads touched" '
    def mib($k): ($m[$k]|tonumber) * 1048576 * 0.9;
    def pod($u): first(.rows[] | select(.owner.pod_uid == $u));
    pod($m.BU_UID).memory_bytes >= mib("BU_MIB") and pod($m.GU_UID).memory_bytes >= mib("GU_MIB")'
  # The hog: outside kubepods, no limit anywhere above it, flagged (rows per process: --by pod has
  # only pods). `top` lists every process, itself included, and the sanitizer build of memsleuth
  # (~85 MiB in the VM) outweighs the 64 MiB hog: the hog is the first row of the node's own processes.
  ran_ok top-process || return
  jq_true "$res/out:top-process" "top: the unconfined updatedb in cron.service must be the first row (after memsleuth itself), flagged unbounded_outside_kubepods" '
    [.rows[] | select(.comm != "memsleuth")][0] | .pid == ($m.HOG_PID|tonumber) and .unbounded_outside_kubepods == true
      and .owner.in_kubepods == false and .owner.kind == "cron" and .effective_limit_bytes == null
      and .owner.unit == "cron.service" and .memory_cgroup == "/" + $m.CRON'
  jq_true "$res/out:top-process" "top: memsleuth itself, in the root cgroup, must be flagged like any unconfined process" '
    all(.rows[] | select(.comm == "memsleuth"); .owner.kind == "unconfined" and .unbounded_outside_kubepods == true)'
  jq_true "$res/out:top-process" "top: pod processes must not be flagged unbounded" '
    all(.rows[] | select(.owner.in_kubepods == true); .unbounded_outside_kubepods == false)'
}

check_oom() {
  ran_ok oom || return
  frozen oom-frozen oom -o json
  local n
  for n in oom oom-frozen; do
    ran_ok "$n" || continue
    jq_true "$res/out:$n" "$n: the memcg OOM kill in the cache container must be attributed to shop/web-7d4b9c" '
      [.events[] | select(.kind == "oom_kill" and .oom_memcg == "/" + $m.OOM_CTR)] | length == 1 and (.[0]
      | .victim.comm == "memhog" and .constraint == "CONSTRAINT_MEMCG" and .task_memcg == "/" + $m.OOM_CTR
        and .owner.kind == "pod" and .owner.pod_uid == $m.BU_UID and .owner.qos == "burstable"
        and .owner.container_id == $m.OOM_CID and .memcg.memory.limit_bytes == ($m.OOM_CTR_MAX|tonumber))'
  done
}

check_doctor() {
  ran_ok doctor "0 1 2" || return
  jq_true "$res/out:doctor" "doctor: the first finding must be the unbounded updatedb in cron.service" '
    .findings[0] | (.subject.pid == ($m.HOG_PID|tonumber) or .subject.cgroup == "/" + $m.CRON)
      and .severity != "info"'
}
