#pragma once
// Eviction thresholds as the kubelet parses them (pkg/kubelet/eviction/helpers.go
// ParseThresholdConfig) and resolves them against the current observations (thresholdsMet).
#include <optional>
#include <string>
#include <vector>

#include "k8s/kubelet_config.hpp"
#include "k8s/kubelet_view.hpp"
#include "k8s/quantity.hpp"

namespace ms::k8s {

inline constexpr const char* kSignalMemoryAvailable = "memory.available";
inline constexpr const char* kSignalAllocatableMemoryAvailable = "allocatableMemory.available";

// A threshold value: a quantity or a float32 fraction (0.1 for "10%").
struct ThresholdValue {
  std::optional<Quantity> quantity;
  std::optional<float> percentage;
  std::string text;  // as configured: "100Mi", "10%"
};

struct Threshold {
  std::string signal;
  bool hard = true;
  ThresholdValue value;
  double grace_period_seconds = 0;  // soft only
  std::optional<ThresholdValue> min_reclaim;
  Source source = Source::kDefault;
  bool derived = false;  // allocatableMemory.available copied from a hard memory.available
};

// ParseThresholdConfig: hard, soft (+ grace periods), min-reclaim, and the allocatable copies when
// enforceNodeAllocatable contains "pods". Invalid entries are skipped and reported in `errors`
// (the kubelet itself would refuse to start). "0%" and "100%" disable a signal (no threshold).
std::vector<Threshold> parse_thresholds(const KubeletConfig& cfg, std::vector<Error>* errors = nullptr);

struct ResolvedThreshold {
  std::string signal;
  std::string kind;  // "hard" | "soft"
  std::string value;  // as configured
  std::optional<int64_t> bytes;  // GetThresholdQuantity against the signal's capacity; null without observation
  double grace_period_seconds = 0;
  std::string source;  // "flag" | "config" | "default"
  bool derived = false;
  std::optional<std::string> min_reclaim;
  std::optional<int64_t> min_reclaim_bytes;
  std::optional<int64_t> observed_available_bytes;
  std::optional<int64_t> observed_capacity_bytes;
  std::optional<bool> met;               // bytes > available, strictly; null when not observed
  std::optional<int64_t> margin_bytes;   // available - bytes (negative when met)
  std::optional<double> margin_percent;  // margin_bytes / capacity * 100
};

// Resolves every threshold against the view: memory.available against the root observation,
// allocatableMemory.available against the kubepods observation; other signals (nodefs, imagefs,
// pid) are listed with no observation.
std::vector<ResolvedThreshold> resolve_thresholds(const KubeletConfig& cfg, const KubeletView& view,
                                                  std::vector<Error>* errors = nullptr);

// Node allocatable as the kubelet computes it (for the table and the doctor).
struct NodeAllocatable {
  std::optional<int64_t> capacity_bytes;        // MemTotal
  int64_t system_reserved_bytes = 0, kube_reserved_bytes = 0, hard_eviction_bytes = 0, hugepages_bytes = 0;
  std::optional<int64_t> allocatable_bytes;     // Node.Status.Allocatable[memory]
  bool enforced = false;                        // enforceNodeAllocatable contains "pods" (and cgroupsPerQOS)
  std::optional<int64_t> expected_kubepods_limit_bytes;  // page-rounded limit the kubelet writes
};
NodeAllocatable compute_node_allocatable(const KubeletConfig& cfg, const KubeletView& view, const Snapshot& snap,
                                         std::vector<Error>* errors = nullptr);

}  // namespace ms::k8s
