#include "store/doctor_history.hpp"

#include <algorithm>

#include "store/timeline.hpp"

namespace ms::store {

HistoryPoint doctor_point(const NodePoint& n) {
  HistoryPoint p;
  p.time = n.sample.time;
  TimelinePoint d = derive_point(n);
  // A working set above capacity (a cgroup reading racing meminfo) leaves no room, not a negative one.
  if (d.kubelet_available) p.kubelet_available_bytes = static_cast<uint64_t>(std::max<int64_t>(*d.kubelet_available, 0));
  p.mem_available_bytes = n.meminfo.get("MemAvailable");
  p.slab_reclaimable_bytes = n.meminfo.get("SReclaimable");
  p.slab_unreclaimable_bytes = n.meminfo.get("SUnreclaim");
  p.shmem_bytes = n.meminfo.get("Shmem");
  p.pswpin = n.vmstat.get("pswpin");
  p.pswpout = n.vmstat.get("pswpout");
  return p;
}

ms::History doctor_history(const std::vector<NodePoint>& nodes) {
  ms::History h;
  h.points.reserve(nodes.size());
  for (const auto& n : nodes) h.points.push_back(doctor_point(n));
  return h;
}

Result<ms::History> load_doctor_history(History& h, Window w) {
  auto nodes = h.node_series(w);
  if (!nodes) return fail(nodes.error());
  ms::History out = doctor_history(*nodes);
  out.since = w.since;
  out.until = w.until;
  return out;
}

}  // namespace ms::store
