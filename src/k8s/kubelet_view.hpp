#pragma once
// The kubelet's-eye view of node memory, computed from one Snapshot (no I/O, no printing).
//
// memory.available follows the kubelet's reference algorithm (docs/available.md, design
// kubelet-memory.md §1.8):
//   capacity  = MemTotal (cAdvisor machine.GetMachineMemoryCapacity: MemTotal kB × 1024)
//   usage     = v1 root: memory.usage_in_bytes
//               v2 root: memory.current if the kernel has it, else anon + file from the root
//                        memory.stat (runc ≥ 1.1.9, kubelet ≥ 1.29), or with V2RootUsage::kMeminfo
//                        MemTotal − MemFree (runc rc94…1.1.8, kubelet ≤ 1.28)
//   ws        = usage − inactive_file (total_inactive_file on v1), 0 if that would be negative,
//               usage when the key is missing (cAdvisor setMemoryStats)
//   available = int64(uint64(capacity) − ws): unsigned subtraction, so it can come out negative
// allocatableMemory.available is the same formula on the kubepods cgroup, with the kubepods limit
// as read back from the kernel as capacity (null when unlimited: the kubelet makes no observation).
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "model/snapshot.hpp"

namespace ms::k8s {

// Which formula the kubelet binary uses for the cgroup v2 root's usage.
enum class V2RootUsage {
  kAnonFile,  // anon + file from /sys/fs/cgroup/memory.stat (runc >= 1.1.9, kubelet >= 1.29)
  kMeminfo,   // MemTotal - MemFree (runc 1.0.0-rc94 ... 1.1.8, kubelet <= 1.28)
};
const char* to_string(V2RootUsage r);  // "anon-file" | "meminfo"

// Rule ids reported in KubeletView::root_usage_rule.
inline constexpr const char* kRuleV1 = "v1:usage_in_bytes-total_inactive_file";
inline constexpr const char* kRuleV2AnonFile = "v2:anon+file-inactive_file";
inline constexpr const char* kRuleV2Meminfo = "v2:(MemTotal-MemFree)-inactive_file";
inline constexpr const char* kRuleV2Current = "v2:memory.current-inactive_file";

// One line of the itemised difference. Positive bytes: the kubelet counts it as used and the
// kernel's `used` (MemTotal - MemFree - Buffers - Cached) does not; negative: the other way round.
struct DifferenceItem {
  std::string name;
  int64_t bytes = 0;
  std::string explanation;  // one plain sentence
};

// One line of the node ledger. The lines add up to MemTotal exactly (the last one, "unexplained",
// is MemTotal minus the others and may be negative when counters overlap or move between reads).
struct LedgerItem {
  std::string name;
  int64_t bytes = 0;
  std::string explanation;
};

// A kubelet signal observation (memory.available or allocatableMemory.available).
struct MemoryObservation {
  std::string cgroup;                      // "/" or the kubepods cgroup path
  uint64_t capacity_bytes = 0;             // observation capacity (MemTotal or kubepods limit)
  uint64_t usage_bytes = 0;                // usage as the rule defines it
  std::optional<uint64_t> inactive_file_bytes;  // nullopt: key missing, nothing subtracted
  uint64_t working_set_bytes = 0;
  int64_t available_bytes = 0;             // may be negative (working set above capacity)
};

struct KubeletView {
  // --- the kubelet's view ---
  std::string root_usage_rule;               // one of kRule*; empty when no memory cgroup is readable
  std::optional<MemoryObservation> node;     // memory.available; nullopt when it cannot be computed
  std::optional<std::string> kubepods_cgroup;     // path found, even when unlimited
  std::optional<MemoryObservation> allocatable;   // allocatableMemory.available; null without a limit
  // Convenience copies of the JSON contract (kubelet.*).
  std::optional<uint64_t> capacity_bytes;
  std::optional<uint64_t> working_set_bytes;
  std::optional<int64_t> memory_available_bytes;
  std::optional<int64_t> allocatable_available_bytes;

  // --- the kernel's view (/proc/meminfo) ---
  std::optional<uint64_t> mem_total_bytes, mem_free_bytes, mem_available_bytes, buffers_bytes, cached_bytes;
  std::optional<int64_t> kernel_used_bytes;  // MemTotal - MemFree - Buffers - Cached

  // --- the difference, itemised: sums exactly to difference_total_bytes ---
  // difference_total_bytes = kubelet working set - kernel used
  //                        = (MemFree + Buffers + Cached) - kubelet memory.available
  std::optional<int64_t> difference_total_bytes;
  std::vector<DifferenceItem> difference;

  // --- MemTotal split into lines; sums exactly to MemTotal ---
  std::vector<LedgerItem> ledger;
  std::optional<int64_t> unexplained_bytes;  // the ledger's "unexplained" line

  std::vector<std::string> notes;  // why something is missing or approximate
};

// The node-allocatable cgroup: "/kubepods" or "/kubepods.slice"; otherwise a cgroup whose last
// path segment is kubepods(.slice) at another depth (kubelet --cgroup-root), the shallowest first.
const Cgroup* find_kubepods_cgroup(const Snapshot& snap);

KubeletView compute_kubelet_view(const Snapshot& snap, V2RootUsage rule = V2RootUsage::kAnonFile);

// Explicit pods cgroup (from the kubelet's cgroupRoot / cgroupsPerQOS / cgroupDriver). nullopt
// falls back to find_kubepods_cgroup.
KubeletView compute_kubelet_view(const Snapshot& snap, V2RootUsage rule,
                                 const std::optional<std::string>& pods_cgroup);

}  // namespace ms::k8s
