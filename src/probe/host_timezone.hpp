#pragma once

#include <optional>
#include <string>

#include "probe/host_paths.hpp"

namespace ms {

// The host's zone file, /etc/localtime under --rootfs, with its symlinks followed inside --rootfs
// (a host's /etc/localtime usually points at /usr/share/zoneinfo/..., which a container may not
// have). nullopt when there is none. Syslog and klog lines carry the host's local time without a
// zone, so a container reading them must use the host's zone, not its own (UTC in our image).
std::optional<std::string> host_localtime(const HostPaths& paths);

// With --rootfs other than / and no TZ in the environment: TZ=":<host zone file>" for this process,
// so local times in the host's logs are read in the host's zone. Returns the file used.
std::optional<std::string> use_host_timezone(const HostPaths& paths);

}  // namespace ms
