#include "store/node_view.hpp"

namespace ms::store {

void complete_root_usage(Cgroup& root, const KeyValues& meminfo, bool memory_on_v2) {
  if (!memory_on_v2 || root.path != "/") return;
  auto total = meminfo.get("MemTotal"), free = meminfo.get("MemFree");
  if (!total || !free || *total < *free) return;
  if (!root.usage_bytes) {
    root.usage_bytes = *total - *free;
    root.usage_from_meminfo = true;
  } else if (*root.usage_bytes == *total - *free) {
    root.usage_from_meminfo = true;
  }
}

Snapshot node_snapshot(const NodePoint& n) {
  Snapshot s;
  s.time = n.sample.time;
  s.meminfo = n.meminfo;
  s.vmstat = n.vmstat;
  s.psi = n.psi;
  s.cgroup_version = n.cgroup_version;
  s.memory_on_v2 = n.memory_on_v2;
  if (n.root) {
    Cgroup r = *n.root;
    complete_root_usage(r, s.meminfo, s.memory_on_v2);
    s.cgroups.push_back(std::move(r));
  }
  if (n.kubepods && n.kubepods->path != "/") s.cgroups.push_back(*n.kubepods);
  return s;
}

std::optional<std::string> configured_pods_cgroup(const Snapshot& s, const k8s::KubeletConfig& cfg) {
  if (!cfg.kubelet_found && !cfg.config_file) return std::nullopt;
  std::string p = cfg.pods_cgroup();
  if (!s.find_cgroup(p)) return std::nullopt;
  return p;
}

NodeView derive_node_view(const Snapshot& s, const k8s::KubeletConfig& cfg, k8s::V2RootUsage rule,
                          const std::optional<std::string>& pods_cgroup) {
  NodeView v;
  v.kubelet = k8s::compute_kubelet_view(s, rule, pods_cgroup);
  v.thresholds = k8s::resolve_thresholds(cfg, v.kubelet);
  for (const auto& t : v.thresholds) {
    if (t.kind != "hard" || !t.bytes) continue;
    if (t.signal == k8s::kSignalMemoryAvailable) v.kubelet_threshold = t.bytes;
    else if (t.signal == k8s::kSignalAllocatableMemoryAvailable) v.allocatable_threshold = t.bytes;
  }
  return v;
}

}  // namespace ms::store
