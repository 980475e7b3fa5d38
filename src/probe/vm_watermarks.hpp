#pragma once
// Kernel reclaim reserves: vm.min_free_kbytes and the per-zone min/low/high watermarks. The page
// allocator wakes kswapd below `low` and blocks in direct reclaim below `min`, so this much memory is
// never "available" in practice, whatever the kubelet computes.
#include <cstdint>
#include <optional>
#include <string_view>

#include "probe/host_paths.hpp"
#include "util/result.hpp"

namespace ms {

struct ZoneWatermarks {
  uint64_t min_pages = 0, low_pages = 0, high_pages = 0;  // summed over every zone
  int zones = 0;
};

// Pure parser of /proc/zoneinfo (the "min", "low", "high" lines of each zone).
Result<ZoneWatermarks> parse_zoneinfo_watermarks(std::string_view text, std::string_view path = "/proc/zoneinfo");

struct VmReserves {
  std::optional<uint64_t> min_free_bytes;
  std::optional<ZoneWatermarks> zones;
};
// Reads /proc/sys/vm/min_free_kbytes and /proc/zoneinfo; unreadable pieces stay empty.
VmReserves read_vm_reserves(const HostPaths& paths);

}  // namespace ms
