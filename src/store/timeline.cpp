#include "store/timeline.hpp"

namespace ms::store {

namespace {

// kubelet memory.available = capacity - (usage - inactive_file) of the given cgroup.
std::optional<int64_t> available_of(std::optional<uint64_t> capacity, const std::optional<Cgroup>& c) {
  if (!capacity || !c) return std::nullopt;
  auto ws = working_set(*c);
  if (!ws) return std::nullopt;
  return static_cast<int64_t>(*capacity - *ws);
}

void lower(std::optional<Extreme>& e, int64_t t, const std::optional<int64_t>& v) {
  if (v && (!e || *v < e->value)) e = Extreme{t, *v};
}

}  // namespace

TimelinePoint derive_point(const NodePoint& n) {
  TimelinePoint p;
  p.time = n.sample.time;
  if (auto a = n.meminfo.get("MemAvailable")) p.kernel_available = static_cast<int64_t>(*a);
  p.kubelet_available = available_of(n.meminfo.get("MemTotal"), n.root);
  if (n.kubepods && n.kubepods->limit_bytes) p.allocatable_available = available_of(n.kubepods->limit_bytes, n.kubepods);
  if (n.psi) p.psi_some_avg10 = n.psi->some.avg10;
  return p;
}

Result<Timeline> build_timeline(History& h, Window w, size_t top_owners) {
  Timeline t;
  t.window = w;
  auto nodes = h.node_series(w);
  if (!nodes) return fail(nodes.error());
  t.samples = nodes->size();
  for (const auto& n : *nodes) {
    auto p = derive_point(n);
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
  auto trig = h.triggers(w);
  if (!trig) return fail(trig.error());
  t.triggers = std::move(*trig);
  return t;
}

}  // namespace ms::store
