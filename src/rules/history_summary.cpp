// Growth and the worst moment from the recorder's history: the numbers doctor's threshold rules judge
// against, and what `doctor --at` shows about the moment it replays.
#include "rules/engine.hpp"
#include "rules/rules.hpp"

namespace ms {

namespace rules {

Decline fastest_decline(const History& h) {
  Decline d;
  const auto& p = h.points;
  for (size_t i = 1; i < p.size(); ++i) {
    if (p[i].time <= p[i - 1].time) continue;
    // Both ends on the same view: the kubelet's when both have it, else the kernel's.
    bool kubelet = p[i - 1].kubelet_available_bytes && p[i].kubelet_available_bytes;
    auto a = kubelet ? p[i - 1].kubelet_available_bytes : p[i - 1].mem_available_bytes;
    auto b = kubelet ? p[i].kubelet_available_bytes : p[i].mem_available_bytes;
    if (!a || !b) continue;
    double r = (static_cast<double>(*a) - static_cast<double>(*b)) / static_cast<double>(p[i].time - p[i - 1].time);
    if (r > 0 && (!d.rate || r > *d.rate)) {
      d.rate = r;
      d.at = p[i].time;
    }
  }
  return d;
}

}  // namespace rules

namespace {
void lowest(std::optional<TimedBytes>& acc, int64_t t, const std::optional<uint64_t>& v) {
  if (v && (!acc || *v < acc->bytes)) acc = TimedBytes{t, *v};
}
}  // namespace

HistorySummary summarize_history(const History& h) {
  HistorySummary s;
  s.since = h.since;
  s.until = h.until;
  s.samples = h.points.size();
  for (const auto& p : h.points) {
    lowest(s.lowest_kubelet_available, p.time, p.kubelet_available_bytes);
    lowest(s.lowest_mem_available, p.time, p.mem_available_bytes);
  }
  auto d = rules::fastest_decline(h);
  s.fastest_decline_bytes_per_s = d.rate;
  if (d.rate) s.fastest_decline_at = d.at;
  return s;
}

}  // namespace ms
