// Growth and the worst moment from the recorder's history: the numbers doctor's threshold rules judge
// against, and what `doctor --at` shows about the moment it replays.
#include "rules/engine.hpp"
#include "rules/rules.hpp"
#include "rules/thresholds.hpp"

namespace ms {

namespace rules {

namespace {

// For each point i, the latest point j at least kMinRateSpanSeconds before it.
template <typename Fn>
void each_span(const std::vector<HistoryPoint>& p, Fn&& fn) {
  size_t j = 0;
  for (size_t i = 0; i < p.size(); ++i) {
    while (j + 1 < i && p[i].time - p[j + 1].time >= thresholds::kMinRateSpanSeconds) ++j;
    if (i > j && p[i].time - p[j].time >= thresholds::kMinRateSpanSeconds) fn(p[j], p[i]);
  }
}

}  // namespace

Decline fastest_rise(const History& h, const std::function<std::optional<double>(const HistoryPoint&)>& value) {
  Decline d;
  each_span(h.points, [&](const HistoryPoint& a, const HistoryPoint& b) {
    auto va = value(a), vb = value(b);
    if (!va || !vb) return;
    double r = (*vb - *va) / static_cast<double>(b.time - a.time);
    if (!d.rate || r > *d.rate) {
      d.rate = r;
      d.at = b.time;
    }
  });
  return d;
}

std::optional<double> latest_rate(const History& h,
                                  const std::function<std::optional<double>(const HistoryPoint&)>& value) {
  const auto& p = h.points;
  if (p.empty()) return std::nullopt;
  const HistoryPoint& b = p.back();
  for (size_t k = p.size() - 1; k-- > 0;) {
    if (b.time - p[k].time < thresholds::kMinRateSpanSeconds) continue;
    auto va = value(p[k]), vb = value(b);
    if (!va || !vb) return std::nullopt;
    return (*vb - *va) / static_cast<double>(b.time - p[k].time);
  }
  return std::nullopt;
}

Decline fastest_decline(const History& h) {
  // Both ends on the same view: the kubelet's when recorded, else the kernel's.
  bool kubelet = false;
  for (const auto& p : h.points) kubelet = kubelet || p.kubelet_available_bytes.has_value();
  Decline d = fastest_rise(h, [kubelet](const HistoryPoint& p) -> std::optional<double> {
    auto v = kubelet ? p.kubelet_available_bytes : p.mem_available_bytes;
    if (!v) return std::nullopt;
    return -static_cast<double>(*v);
  });
  if (d.rate && *d.rate <= 0) return {};
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
