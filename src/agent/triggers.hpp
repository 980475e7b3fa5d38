#pragma once
// When to store a full detailed snapshot at once: either view of available memory near its eviction
// threshold, a PSI spike, or a new OOM kill. Rate-limited so a node stuck under pressure does not
// fill the disk with snapshots. Pure: the recorder passes in what it observed.
#include <cstdint>
#include <optional>
#include <string>

namespace ms::agent {

struct TriggerPolicy {
  uint64_t near_margin_bytes = uint64_t{256} << 20;  // available - threshold at or below this is "near"
  double psi_some_avg10 = 20.0;                      // percent
  int64_t min_interval_s = 300;                      // between pressure-triggered snapshots
  int64_t oom_min_interval_s = 30;                   // between OOM-triggered snapshots
};

struct TriggerInput {
  int64_t now = 0;
  int64_t last_full = INT64_MIN / 2;  // time of the last full snapshot
  std::optional<int64_t> kubelet_available;      // memory.available (kubelet's view)
  std::optional<int64_t> kubelet_threshold;      // its hard eviction threshold, bytes
  std::optional<int64_t> allocatable_available;  // allocatableMemory.available
  std::optional<int64_t> allocatable_threshold;
  std::optional<int64_t> kernel_available;       // MemAvailable (what `free` shows)
  std::optional<double> psi_some_avg10;
  int new_oom_kills = 0;
};

// The reason ("oom-kill", "near-threshold:memory.available", "psi:some avg10=…"), or nullopt.
std::optional<std::string> evaluate_trigger(const TriggerInput& in, const TriggerPolicy& p);

}  // namespace ms::agent
