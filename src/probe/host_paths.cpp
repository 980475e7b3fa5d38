#include "probe/host_paths.hpp"

namespace ms {

std::string HostPaths::join(std::string_view base, std::string_view rel) {
  while (!rel.empty() && rel.front() == '/') rel.remove_prefix(1);
  std::string out(base);
  if (rel.empty()) return out.empty() ? "/" : out;
  if (out.empty() || out.back() != '/') out += '/';
  out += rel;
  return out;
}

std::string HostPaths::host(std::string_view abs) const {
  auto under = [&](std::string_view prefix) {
    return abs == prefix || (abs.size() > prefix.size() && abs.substr(0, prefix.size()) == prefix &&
                             abs[prefix.size()] == '/');
  };
  if (under("/sys")) return join(sysfs, abs.substr(4));
  if (under("/proc")) return join(procfs, abs.substr(5));
  return join(rootfs, abs);
}

}  // namespace ms
