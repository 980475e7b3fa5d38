#pragma once
// HostPaths of a fixture tree under tests/fixtures/<name> (its proc, sys and root).
#include <string>

#include "probe/host_paths.hpp"

namespace ms::test_fixtures {

inline HostPaths fixture_paths(const std::string& name) {
  std::string base = std::string(MEMSLEUTH_SOURCE_DIR) + "/tests/fixtures/" + name;
  HostPaths p;
  p.procfs = base + "/proc";
  p.sysfs = base + "/sys";
  p.rootfs = base + "/root";
  return p;
}

}  // namespace ms::test_fixtures
