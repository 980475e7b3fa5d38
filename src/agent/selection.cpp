#include "agent/selection.hpp"

#include <algorithm>

namespace ms::agent {

namespace {

bool is_kubepods_segment(const std::string& path) {
  auto slash = path.rfind('/');
  std::string_view last = std::string_view(path).substr(slash == std::string::npos ? 0 : slash + 1);
  return last == "kubepods" || last == "kubepods.slice";
}

}  // namespace

Selection select_for_sample(const Snapshot& s, const SelectionPolicy& p, bool full) {
  Selection out;
  std::vector<size_t> users;
  for (size_t i = 0; i < s.processes.size(); ++i)
    if (!s.processes[i].kernel_thread) users.push_back(i);
  if (full) {
    out.processes = users;
  } else {
    auto rss = [&](size_t i) { return s.processes[i].rss_bytes.value_or(0); };
    size_t n = std::min(p.top_processes, users.size());
    std::partial_sort(users.begin(), users.begin() + static_cast<long>(n), users.end(),
                      [&](size_t a, size_t b) { return rss(a) > rss(b); });
    for (size_t k = 0; k < users.size(); ++k)
      if (k < n || rss(users[k]) >= p.process_floor_bytes) out.processes.push_back(users[k]);
    std::sort(out.processes.begin(), out.processes.end());
  }
  for (size_t i = 0; i < s.cgroups.size(); ++i) {
    const Cgroup& c = s.cgroups[i];
    if (full || c.path == "/" || is_kubepods_segment(c.path) || c.usage_bytes.value_or(0) >= p.cgroup_floor_bytes)
      out.cgroups.push_back(i);
  }
  return out;
}

}  // namespace ms::agent
