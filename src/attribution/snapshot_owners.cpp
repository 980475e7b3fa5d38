#include "attribution/snapshot_owners.hpp"

#include <algorithm>

#include "attribution/classify_cache.hpp"

namespace ms {

SnapshotOwners classify_snapshot(const Snapshot& s, const ClassifySources& sources) {
  SnapshotOwners out;
  CgroupOwnerCache cache;
  out.processes.reserve(s.processes.size());
  // A cgroup holding a pause process is the pod's sandbox, as attribute() marks it.
  std::vector<std::string_view> sandbox_cgroups;
  for (const Process& p : s.processes) {
    out.processes.push_back(classify_process(p, s, &sources, nullptr, &cache));
    if (out.processes.back().sandbox && !p.kernel_thread && p.memory_cgroup && !p.memory_cgroup->empty())
      sandbox_cgroups.push_back(*p.memory_cgroup);
  }
  std::sort(sandbox_cgroups.begin(), sandbox_cgroups.end());
  out.cgroups.reserve(s.cgroups.size());
  for (const Cgroup& c : s.cgroups) {
    out.cgroups.push_back(cache.get(c.path, &sources).first);
    if (std::binary_search(sandbox_cgroups.begin(), sandbox_cgroups.end(), std::string_view(c.path)))
      out.cgroups.back().sandbox = true;
  }
  return out;
}

}  // namespace ms
