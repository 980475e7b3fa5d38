#pragma once
// The limit that actually bounds a cgroup: the smallest memory limit on the path from it to the root
// (a pod limit below the container's wins). v1 also offers memory.stat hierarchical_memory_limit,
// which covers ancestors we cannot see (e.g. outside our cgroup namespace).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "model/snapshot.hpp"

namespace ms {

struct EffectiveLimit {
  std::optional<uint64_t> limit_bytes;  // nullopt = unbounded (or unknown: see known)
  bool known = false;                   // false when no cgroup on the path could be read
  std::string limiting_cgroup;          // the cgroup whose limit it is ("" when unbounded or v1 stat only)
  std::optional<uint64_t> usage_bytes;  // usage of the limiting cgroup
  std::optional<uint64_t> headroom_bytes;  // limit - usage of the limiting cgroup, floored at 0
  bool bounded() const { return limit_bytes.has_value(); }
};

// "/a/b/c" → "/a/b"; "/a" → "/"; "/" → "" (no parent).
std::string parent_cgroup(std::string_view path);

// Walks `cgroup_path` and its ancestors in snapshot.cgroups. A path missing from the snapshot (a
// cgroup created after the walk) still gets its ancestors' limits.
EffectiveLimit effective_limit(const Snapshot& s, std::string_view cgroup_path);

}  // namespace ms
