#include "probe/host_timezone.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <ctime>
#include <filesystem>

namespace ms {

std::optional<std::string> host_localtime(const HostPaths& paths) {
  std::string p = paths.root("/etc/localtime");
  // Symlink hops resolved by hand: an absolute target is a host path, so it goes under --rootfs.
  for (int hop = 0; hop < 16; ++hop) {
    struct stat st {};
    if (::lstat(p.c_str(), &st) != 0) return std::nullopt;
    if (S_ISREG(st.st_mode)) return p;
    if (!S_ISLNK(st.st_mode)) return std::nullopt;
    char buf[4096];
    ssize_t n = ::readlink(p.c_str(), buf, sizeof buf - 1);
    if (n <= 0) return std::nullopt;
    std::string target(buf, static_cast<size_t>(n));
    p = target.front() == '/' ? paths.root(target)
                              : (std::filesystem::path(p).parent_path() / target).lexically_normal().string();
  }
  return std::nullopt;  // a loop
}

std::optional<std::string> use_host_timezone(const HostPaths& paths) {
  if (paths.rootfs.empty() || paths.rootfs == "/" || std::getenv("TZ")) return std::nullopt;
  auto zone = host_localtime(paths);
  if (!zone) return std::nullopt;
  ::setenv("TZ", (":" + *zone).c_str(), 1);
  ::tzset();
  return zone;
}

}  // namespace ms
