#pragma once
// The only way memsleuth names a kernel or host file. In a DaemonSet: /host/proc, /host/sys, /host.
#include <string>
#include <string_view>

namespace ms {

struct HostPaths {
  std::string procfs = "/proc";
  std::string sysfs = "/sys";
  std::string rootfs = "/";

  std::string proc(std::string_view rel) const { return join(procfs, rel); }
  std::string sys(std::string_view rel) const { return join(sysfs, rel); }
  // A host path such as /etc/crontab or /var/log/pods, under --rootfs.
  std::string root(std::string_view abs) const { return join(rootfs, abs); }
  // Maps a path as the host sees it (e.g. a mount point from mountinfo, /sys/fs/cgroup/memory)
  // to where we can read it: /sys/... goes under --sysfs, /proc/... under --procfs, the rest under
  // --rootfs.
  std::string host(std::string_view abs) const;

  static std::string join(std::string_view base, std::string_view rel);
};

}  // namespace ms
