#pragma once
// The analyses the recorder runs on each live snapshot, for /metrics and the triggers: both views
// of available memory with their thresholds, memory by owner kind, per-pod memory, unbounded memory
// outside kubepods. Computed by the analysis modules (k8s/, attribution/); nothing is stored from
// here: the store keeps raw readings and History recomputes.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "attribution/owner.hpp"
#include "model/snapshot.hpp"
#include "probe/host_paths.hpp"

namespace ms::agent {

struct PodMemory {
  std::string namespace_, pod;
  uint64_t working_set_bytes = 0;
};

struct NodeViews {
  std::optional<uint64_t> capacity_bytes;                  // MemTotal
  std::optional<int64_t> kernel_available;                 // MemAvailable
  std::optional<int64_t> kubelet_available;                // memory.available
  std::optional<int64_t> allocatable_available;            // allocatableMemory.available
  std::optional<int64_t> kubelet_threshold, allocatable_threshold;  // hard eviction thresholds, bytes
  std::vector<std::pair<std::string, uint64_t>> rss_by_owner_kind;
  std::vector<PodMemory> pods;
  std::optional<uint64_t> unbounded_outside_kubepods_bytes;
  uint64_t unbounded_outside_kubepods_processes = 0;
};

// Analyses that need more than the snapshot (kubelet config, pod names) read it through `paths`,
// cached by the caller-owned context between samples.
class ViewContext {
 public:
  explicit ViewContext(HostPaths paths) : paths_(std::move(paths)) {}
  NodeViews compute(const Snapshot& s);
  // Owner of one process / cgroup, for the store (called at first sight only).
  Owner process_owner(const Snapshot& s, const Process& p);
  Owner cgroup_owner(const Snapshot& s, const Cgroup& c);

 private:
  HostPaths paths_;
};

}  // namespace ms::agent
