#include "attribution/effective_limit.hpp"

#include "probe/parsers.hpp"

namespace ms {

namespace {
// "/a/b/c" → "/a/b"; "/a" → "/"; "/" → "" (no parent). A view into path.
std::string_view parent_view(std::string_view path) {
  while (path.size() > 1 && path.back() == '/') path.remove_suffix(1);
  if (path.empty() || path == "/") return {};
  size_t slash = path.rfind('/');
  if (slash == std::string_view::npos || slash == 0) return "/";
  return path.substr(0, slash);
}
}  // namespace

std::string parent_cgroup(std::string_view path) { return std::string(parent_view(path)); }

EffectiveLimit effective_limit(const Snapshot& s, std::string_view cgroup_path) {
  EffectiveLimit e;
  const Cgroup* limiting = nullptr;
  std::optional<uint64_t> hierarchical;
  std::string_view p = cgroup_path.empty() ? std::string_view("/") : cgroup_path;
  for (int depth = 0; !p.empty() && depth < 256; ++depth, p = parent_view(p)) {
    const Cgroup* c = s.find_cgroup(p);
    if (!c) continue;
    if (c->limit_known) e.known = true;
    if (c->limit_bytes && (!e.limit_bytes || *c->limit_bytes < *e.limit_bytes)) {
      e.limit_bytes = c->limit_bytes;
      limiting = c;
    }
    if (!hierarchical)
      if (auto h = c->stat.get("hierarchical_memory_limit"); h && *h < kUnlimitedThreshold) hierarchical = h;
  }
  if (hierarchical && (!e.limit_bytes || *hierarchical < *e.limit_bytes)) {
    // An ancestor we could not read (outside our cgroup namespace) limits tighter than any we saw.
    e.limit_bytes = hierarchical;
    e.known = true;
    limiting = nullptr;
  }
  if (limiting) {
    e.limiting_cgroup = limiting->path;
    e.usage_bytes = limiting->usage_bytes;
    if (e.usage_bytes) e.headroom_bytes = *e.limit_bytes > *e.usage_bytes ? *e.limit_bytes - *e.usage_bytes : 0;
  }
  return e;
}

}  // namespace ms
