#include "rules/engine.hpp"
#include "rules/rules.hpp"

namespace ms {

// THE list of doctor checks. Add a rule here and in docs/doctor.md; nothing else calls rules.
const std::vector<Rule>& rule_table() {
  static const std::vector<Rule> table = {
      {"unbounded-outside-kubepods", "big processes outside kubepods with no memory limit, with their source",
       rules::unbounded_outside},
      {"slab-unreclaimable", "unreclaimable kernel slab large against RAM", rules::slab_unreclaimable},
      {"slab-large", "reclaimable slab (dentry/inode/ceph/nfs caches) large or growing fast", rules::slab_large},
      {"memory-backed-fs", "tmpfs, /dev/shm and emptyDir medium: Memory holding RAM no process owns",
       rules::memory_backed_fs},
      {"besteffort-pod-hog", "BestEffort pods holding much memory", rules::besteffort_hog},
      {"container-near-limit", "pod/container working set near its limit", rules::container_near_limit},
      {"memory-psi", "memory pressure stall information high", rules::memory_psi},
      {"swap-activity", "swapping in/out, which the kubelet does not see", rules::swap_activity},
  };
  return table;
}

}  // namespace ms
