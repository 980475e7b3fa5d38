#include "rules/engine.hpp"
#include "rules/rules.hpp"

namespace ms {

// THE list of doctor checks. Add a rule here and in docs/doctor.md; nothing else calls rules.
const std::vector<Rule>& rule_table() {
  static const std::vector<Rule> table = {
      {"slab-unreclaimable", "unreclaimable kernel slab large against RAM", rules::slab_unreclaimable},
      {"slab-large", "reclaimable slab (dentry/inode/ceph/nfs caches) large or growing fast", rules::slab_large},
      {"memory-backed-fs", "tmpfs, /dev/shm and emptyDir medium: Memory holding RAM no process owns",
       rules::memory_backed_fs},
      {"memory-psi", "memory pressure stall information high", rules::memory_psi},
      {"swap-activity", "swapping in/out, which the kubelet does not see", rules::swap_activity},
  };
  return table;
}

}  // namespace ms
