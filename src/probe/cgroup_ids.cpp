#include "probe/cgroup_ids.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <vector>

namespace ms {

std::string join_cgroup_path(std::string_view parent, std::string_view name) {
  std::string out(parent);
  if (out.empty() || out.back() != '/') out += '/';
  out += name;
  return out;
}

void CgroupIdIndex::update(const Snapshot& s) {
  memory_root_ = s.memory_root;
  memory_root_path_ = s.memory_root_path.empty() ? "/" : s.memory_root_path;
  // Ids of removed cgroups are not reused (kernfs ids only grow), so entries found by a walk stay
  // right; the map is bounded by starting again from the sample when it grows past it.
  if (by_id_.size() > 4 * s.cgroups.size() + 1024) by_id_.clear();
  for (const Cgroup& c : s.cgroups)
    if (c.inode) by_id_.insert_or_assign(c.inode, c.path);
}

std::optional<std::string> CgroupIdIndex::path_of(uint64_t id, uint64_t parent_id, std::string_view name,
                                                  int64_t now_ms) {
  if (id == 0) return std::nullopt;
  if (auto it = by_id_.find(id); it != by_id_.end()) return it->second;
  // A new leaf under a known parent (the usual case: a job's transient scope).
  if (!name.empty() && name.find('/') == std::string_view::npos && name != "." && name != "..") {
    if (auto it = by_id_.find(parent_id); it != by_id_.end()) {
      std::string p = join_cgroup_path(it->second, name);
      by_id_.emplace(id, p);
      return p;
    }
  }
  if (now_ms - last_walk_ms_ >= walk_interval_ms_ && !memory_root_.empty()) {
    last_walk_ms_ = now_ms;
    walk();
    if (auto it = by_id_.find(id); it != by_id_.end()) return it->second;
    if (auto it = by_id_.find(parent_id); it != by_id_.end() && !name.empty()) {
      std::string p = join_cgroup_path(it->second, name);
      by_id_.emplace(id, p);
      return p;
    }
  }
  return std::nullopt;
}

void CgroupIdIndex::walk() {
  ++walks_;
  struct Dir {
    std::string fs, path;
    int depth;
  };
  std::vector<Dir> stack{{memory_root_, memory_root_path_, 0}};
  size_t visited = 0;
  while (!stack.empty() && visited < 100'000) {
    Dir d = std::move(stack.back());
    stack.pop_back();
    ++visited;
    struct stat st {};
    if (::stat(d.fs.c_str(), &st) != 0) continue;
    by_id_.insert_or_assign(static_cast<uint64_t>(st.st_ino), d.path);
    if (d.depth >= 32) continue;
    DIR* dir = ::opendir(d.fs.c_str());
    if (!dir) continue;
    while (dirent* e = ::readdir(dir)) {
      if (e->d_type != DT_DIR) continue;
      std::string_view n = e->d_name;
      if (n == "." || n == "..") continue;
      stack.push_back({d.fs + "/" + e->d_name, join_cgroup_path(d.path, n), d.depth + 1});
    }
    ::closedir(dir);
  }
}

}  // namespace ms
