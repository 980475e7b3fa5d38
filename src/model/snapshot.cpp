#include "model/snapshot.hpp"

#include <algorithm>

namespace ms {

std::optional<uint64_t> KeyValues::get(std::string_view key) const {
  for (const auto& [k, v] : items)
    if (k == key) return v;
  return std::nullopt;
}

const char* to_string(CgroupVersion v) {
  switch (v) {
    case CgroupVersion::kV1: return "v1";
    case CgroupVersion::kV2: return "v2";
    case CgroupVersion::kHybrid: return "hybrid";
    case CgroupVersion::kNone: break;
  }
  return "none";
}

const Cgroup* Snapshot::find_cgroup(std::string_view path) const {
  auto it = std::lower_bound(cgroups.begin(), cgroups.end(), path,
                             [](const Cgroup& c, std::string_view p) { return c.path < p; });
  if (it != cgroups.end() && it->path == path) return &*it;
  return nullptr;
}

std::string Snapshot::cgroup_dir(std::string_view path) const {
  std::string_view base = memory_root_path;
  while (!base.empty() && base.back() == '/') base.remove_suffix(1);
  if (!base.empty()) {
    if (path.substr(0, base.size()) != base || (path.size() > base.size() && path[base.size()] != '/')) return {};
    path.remove_prefix(base.size());
  }
  while (!path.empty() && path.front() == '/') path.remove_prefix(1);
  std::string out = memory_root;
  if (path.empty() || out.empty()) return out;
  if (out.back() != '/') out += '/';
  out += path;
  return out;
}

const Process* Snapshot::find_process(int pid) const {
  auto it = std::lower_bound(processes.begin(), processes.end(), pid,
                             [](const Process& p, int v) { return p.pid < v; });
  if (it != processes.end() && it->pid == pid) return &*it;
  return nullptr;
}

}  // namespace ms
