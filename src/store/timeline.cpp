#include "store/timeline.hpp"

#include "store/node_view.hpp"

namespace ms::store {

namespace {

void lower(std::optional<Extreme>& e, int64_t t, const std::optional<int64_t>& v) {
  if (v && (!e || *v < e->value)) e = Extreme{t, *v};
}

}  // namespace

TimelinePoint derive_point(const NodePoint& n, const k8s::KubeletConfig& cfg, k8s::V2RootUsage rule) {
  TimelinePoint p;
  p.time = n.sample.time;
  if (auto a = n.meminfo.get("MemAvailable")) p.kernel_available = static_cast<int64_t>(*a);
  Snapshot s = node_snapshot(n);
  std::optional<std::string> pods;
  if (n.kubepods) pods = n.kubepods->path;
  NodeView v = derive_node_view(s, cfg, rule, pods);
  p.kubelet_available = v.kubelet.memory_available_bytes;
  p.allocatable_available = v.kubelet.allocatable_available_bytes;
  p.kubelet_threshold = v.kubelet_threshold;
  p.allocatable_threshold = v.allocatable_threshold;
  if (n.psi) p.psi_some_avg10 = n.psi->some.avg10;
  return p;
}

TimelinePoint derive_point(const NodePoint& n) { return derive_point(n, k8s::default_kubelet_config()); }

Result<Timeline> build_timeline(History& h, Window w, size_t top_owners, k8s::V2RootUsage rule) {
  Timeline t;
  t.window = w;
  auto nodes = h.node_series(w);
  if (!nodes) return fail(nodes.error());
  t.samples = nodes->size();
  for (const auto& n : *nodes) {
    auto p = derive_point(n, h.kubelet_config(n.kubelet_config_id), rule);
    lower(t.lowest_kernel_available, p.time, p.kernel_available);
    lower(t.lowest_kubelet_available, p.time, p.kubelet_available);
    lower(t.lowest_allocatable_available, p.time, p.allocatable_available);
    if (p.psi_some_avg10 && (!t.highest_psi_some_avg10 || *p.psi_some_avg10 > t.highest_psi_some_avg10->second))
      t.highest_psi_some_avg10 = std::pair{p.time, *p.psi_some_avg10};
    t.points.push_back(p);
  }
  if (!nodes->empty()) t.capacity_bytes = nodes->back().meminfo.get("MemTotal");
  auto owners = h.owner_series(w, top_owners);
  if (!owners) return fail(owners.error());
  t.top_owners = std::move(*owners);
  auto ooms = h.events(w, "oom_kill");
  if (!ooms) return fail(ooms.error());
  t.oom_kills = std::move(*ooms);
  auto ev = h.events(w, "eviction");
  if (!ev) return fail(ev.error());
  t.evictions = std::move(*ev);
  auto ex = h.exits(w);
  if (!ex) return fail(ex.error());
  t.exits = std::move(*ex);
  auto groups = h.exit_groups(w);
  if (!groups) return fail(groups.error());
  t.exit_groups = std::move(*groups);
  auto trig = h.triggers(w);
  if (!trig) return fail(trig.error());
  t.triggers = std::move(*trig);
  t.corrupt_samples = h.corrupt_count("node");
  t.warnings = h.corrupt_samples();
  return t;
}

}  // namespace ms::store
