#pragma once
// What `memsleuth history` (and the HTML report) show for a window: the node's available memory in
// both views over time, its worst moments, the owners that peaked, OOM kills, evictions and trigger
// snapshots. Derived from raw readings at read time.
#include <optional>
#include <string>
#include <vector>

#include "k8s/kubelet_view.hpp"
#include "store/history.hpp"

namespace ms::store {

struct TimelinePoint {
  int64_t time = 0;
  std::optional<int64_t> kernel_available;   // MemAvailable
  std::optional<int64_t> kubelet_available;  // memory.available (k8s::compute_kubelet_view on the stored root)
  std::optional<int64_t> allocatable_available;
  // Hard eviction thresholds in bytes (k8s::resolve_thresholds with the settings then in force).
  std::optional<int64_t> kubelet_threshold, allocatable_threshold;
  std::optional<double> psi_some_avg10;
};

struct Extreme {
  int64_t time = 0;
  int64_t value = 0;
};

struct Timeline {
  Window window;
  size_t samples = 0;
  std::vector<TimelinePoint> points;
  std::optional<Extreme> lowest_kernel_available, lowest_kubelet_available, lowest_allocatable_available;
  std::optional<std::pair<int64_t, double>> highest_psi_some_avg10;
  std::optional<uint64_t> capacity_bytes;  // MemTotal at the last sample
  std::vector<OwnerSeries> top_owners;      // by peak working set
  std::vector<RecordedEvent> oom_kills, evictions;
  // What the exit capture reported: processes at or above the floor, and the rest summed per cgroup.
  std::vector<ProcessExit> exits;
  std::vector<ExitGroup> exit_groups;
  std::vector<SampleInfo> triggers;
  // Stored samples left out because a frame could not be decoded: how many, and each named.
  size_t corrupt_samples = 0;
  std::vector<std::string> warnings;
};

// Both views at one node reading (raw -> derived, the same k8s/ functions as the live commands).
TimelinePoint derive_point(const NodePoint& n, const k8s::KubeletConfig& cfg,
                           k8s::V2RootUsage rule = k8s::V2RootUsage::kAnonFile);
// The same with the kubelet's default settings: both views are exact (they depend on the stored
// pods cgroup, not on the settings); the thresholds are the defaults.
TimelinePoint derive_point(const NodePoint& n);
Result<Timeline> build_timeline(History& h, Window w, size_t top_owners = 5,
                                k8s::V2RootUsage rule = k8s::V2RootUsage::kAnonFile);

}  // namespace ms::store
