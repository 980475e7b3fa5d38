#include "agent/views.hpp"

namespace ms::agent {

NodeViews ViewContext::compute(const Snapshot& s) {
  NodeViews v;
  v.capacity_bytes = s.meminfo.get("MemTotal");
  if (auto a = s.meminfo.get("MemAvailable")) v.kernel_available = static_cast<int64_t>(*a);
  return v;
}

Owner ViewContext::process_owner(const Snapshot&, const Process&) { return Owner{}; }
Owner ViewContext::cgroup_owner(const Snapshot&, const Cgroup&) { return Owner{}; }

}  // namespace ms::agent
