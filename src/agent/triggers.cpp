#include "agent/triggers.hpp"

#include <fmt/format.h>

namespace ms::agent {

namespace {

bool near(const std::optional<int64_t>& avail, const std::optional<int64_t>& threshold, uint64_t margin) {
  if (!avail || !threshold) return false;
  return *avail - *threshold <= static_cast<int64_t>(margin);
}

}  // namespace

std::optional<std::string> evaluate_trigger(const TriggerInput& in, const TriggerPolicy& p) {
  if (in.new_oom_kills > 0 && in.now - in.last_full >= p.oom_min_interval_s) return std::string("oom-kill");
  if (in.now - in.last_full < p.min_interval_s) return std::nullopt;
  if (near(in.kubelet_available, in.kubelet_threshold, p.near_margin_bytes))
    return std::string("near-threshold:memory.available");
  if (near(in.allocatable_available, in.allocatable_threshold, p.near_margin_bytes))
    return std::string("near-threshold:allocatableMemory.available");
  // The kernel's view has no kubelet threshold: the kubelet's threshold stands in for it, so a node
  // where `free` shows almost nothing is caught even when the kubelet sees plenty.
  if (near(in.kernel_available, in.kubelet_threshold, p.near_margin_bytes))
    return std::string("near-threshold:MemAvailable");
  if (in.psi_some_avg10 && *in.psi_some_avg10 >= p.psi_some_avg10)
    return fmt::format("psi:some avg10={:.2f}", *in.psi_some_avg10);
  return std::nullopt;
}

}  // namespace ms::agent
