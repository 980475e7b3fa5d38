#pragma once
// The kubelet's two views of available memory and its thresholds, derived from raw readings with the
// k8s/ functions the live commands use (compute_kubelet_view, resolve_thresholds). The recorder calls
// it on each live snapshot (/metrics, triggers) and the readers on each stored sample (history,
// `available --at`), so a fixed formula fixes history too and both sides always agree.
#include <optional>
#include <string>
#include <vector>

#include "k8s/kubelet_config.hpp"
#include "k8s/kubelet_view.hpp"
#include "k8s/thresholds.hpp"
#include "store/records.hpp"

namespace ms::store {

struct NodeView {
  k8s::KubeletView kubelet;
  std::vector<k8s::ResolvedThreshold> thresholds;
  // Hard thresholds in bytes, by signal (nullopt: none configured, or no observation).
  std::optional<int64_t> kubelet_threshold, allocatable_threshold;
};

// The store keeps the cgroup v2 root's usage raw: unknown when the kernel has no memory.current
// (the probe's MemTotal - MemFree stand-in is derived, so it is not stored). Put the stand-in back
// as a live read would, so the same analyses run. Frames written before raw storage hold the
// stand-in itself: recognised by being exactly MemTotal - MemFree.
void complete_root_usage(Cgroup& root, const KeyValues& meminfo, bool memory_on_v2);

// The Snapshot the kubelet's formulas read (meminfo, cgroup layout, root and pods cgroups), rebuilt
// from one stored node reading.
Snapshot node_snapshot(const NodePoint& n);

// pods_cgroup: the kubelet's pods cgroup when known (nullopt: the kubepods(.slice) search).
NodeView derive_node_view(const Snapshot& s, const k8s::KubeletConfig& cfg, k8s::V2RootUsage rule,
                          const std::optional<std::string>& pods_cgroup);

// The pods cgroup the kubelet's settings name, when the settings are known and the cgroup exists.
std::optional<std::string> configured_pods_cgroup(const Snapshot& s, const k8s::KubeletConfig& cfg);

}  // namespace ms::store
