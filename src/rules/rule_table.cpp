#include "rules/engine.hpp"
#include "rules/rules.hpp"

namespace ms {

// THE list of doctor checks. Add a rule here and in docs/doctor.md; nothing else calls rules.
const std::vector<Rule>& rule_table() {
  static const std::vector<Rule> table = {
      {"unbounded-outside-kubepods", "big processes outside kubepods with no memory limit, with their source",
       rules::unbounded_outside},
      {"misleading-cwd", "a suspect's cwd lies in a pod's directory it does not belong to", rules::misleading_cwd},
      {"kubelet-blind-spot", "kubelet memory.available and MemAvailable diverge", rules::kubelet_blind_spot},
      {"eviction-hard-too-small", "hard memory.available threshold vs capacity, watermarks, growth",
       rules::eviction_hard_too_small},
      {"eviction-config", "soft/hard/grace, dropped defaults, reserved, enforceNodeAllocatable, memcg notification",
       rules::eviction_config},
      {"slab-unreclaimable", "unreclaimable kernel slab large against RAM", rules::slab_unreclaimable},
      {"slab-large", "reclaimable slab (dentry/inode/ceph/nfs caches) large or growing fast", rules::slab_large},
      {"memory-backed-fs", "tmpfs, /dev/shm and emptyDir medium: Memory holding RAM no process owns",
       rules::memory_backed_fs},
      {"besteffort-pod-hog", "BestEffort pods holding much memory", rules::besteffort_hog},
      {"container-near-limit", "pod/container working set near its limit", rules::container_near_limit},
      {"recent-oom-kills", "kernel OOM kills of the last 24 h with their owners", rules::recent_oom_kills},
      {"recent-evictions", "kubelet memory evictions of the last 24 h", rules::recent_evictions},
      {"scheduled-crawler", "scheduled updatedb & friends that will crawl network or Kubernetes paths",
       rules::scheduled_culprits},
      {"memory-psi", "memory pressure stall information high", rules::memory_psi},
      {"swap-activity", "swapping in/out, which the kubelet does not see", rules::swap_activity},
  };
  return table;
}

}  // namespace ms
