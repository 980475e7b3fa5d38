#pragma once
// Names a memory cgroup from the id a BPF program reads (kernfs_node->id, which is the cgroup
// directory's inode number on 64-bit kernels, v1 and v2 alike). The recorder's last sample knows
// most cgroups; one created since (a cron job's scope, a pod that came and went between two
// samples) is found through its parent and its name, then by walking the memory hierarchy, at most
// once per walk interval.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "model/snapshot.hpp"

namespace ms {

class CgroupIdIndex {
 public:
  explicit CgroupIdIndex(int64_t walk_interval_ms = 1000) : walk_interval_ms_(walk_interval_ms) {}
  // The cgroups a sample read (path and inode), and where the hierarchy is mounted.
  void update(const Snapshot& s);
  // nullopt: no cgroup of that id now (removed, and its parent unknown too).
  std::optional<std::string> path_of(uint64_t id, uint64_t parent_id, std::string_view name, int64_t now_ms);
  size_t walks() const { return walks_; }

 private:
  void walk();
  std::unordered_map<uint64_t, std::string> by_id_;
  std::string memory_root_, memory_root_path_ = "/";
  int64_t walk_interval_ms_;
  int64_t last_walk_ms_ = INT64_MIN / 2;
  size_t walks_ = 0;
};

// parent + "/" + name for cgroup paths ("/" is the root).
std::string join_cgroup_path(std::string_view parent, std::string_view name);

}  // namespace ms
