#pragma once
// The rows `memsleuth top` shows: one view (process, cgroup, pod, owner) of an Attribution, filtered
// by owner kind, sorted by one memory measure, cut to N. Selection lives here so renderers only format.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "attribution/attribution.hpp"

namespace ms {

enum class TopBy { kProcess, kCgroup, kPod, kOwner };
enum class TopSort { kRss, kWorkingSet, kPss };
const char* to_string(TopBy b);    // "process", "cgroup", "pod", "owner"
const char* to_string(TopSort s);  // "rss", "working-set", "pss"
std::optional<TopBy> top_by_from_string(std::string_view s);
std::optional<TopSort> top_sort_from_string(std::string_view s);

struct TopQuery {
  TopBy by = TopBy::kProcess;
  TopSort sort = TopSort::kRss;
  size_t limit = 20;  // 0 = all rows
  std::optional<OwnerKind> owner;
};

struct TopRow {
  Owner owner;
  std::string label;                    // owner.label()
  std::optional<uint64_t> memory_bytes;  // the sort measure; nullopt = not measured (kernel thread, no PSS)
  MemoryMeasures memory;
  std::optional<uint64_t> usage_bytes;   // cgroup/pod rows: the cgroup's usage
  EffectiveLimit limit;
  bool unbounded_outside_kubepods = false;  // the incident's shape: no kubelet, no limit
  uint32_t processes = 0;
  uint32_t containers = 0;               // pod rows
  std::optional<uint64_t> memory_tmpfs_bytes;  // pod rows: emptyDir medium: Memory
  const Process* process = nullptr;      // process rows
  std::string cgroup;                    // process: memory cgroup; cgroup: its path; pod: pod cgroup
  std::string why;                       // process and cgroup rows
};

struct TopResult {
  TopQuery query;
  std::vector<TopRow> rows;
  size_t total_rows = 0;  // before the -n cut
};

TopResult select_top(const Attribution& a, const TopQuery& q);

}  // namespace ms
