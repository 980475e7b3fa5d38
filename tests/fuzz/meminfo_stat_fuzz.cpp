// libFuzzer target: every byte string is /proc/meminfo, a memory.stat / vmstat / memory.events, a
// limit file (memory.max, memory.limit_in_bytes), a single-number file and /proc/zoneinfo.
#include "fuzz_input.hpp"
#include "probe/parsers.hpp"
#include "probe/vm_watermarks.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto t = ms::fuzz::text(data, size);
  (void)ms::parse_meminfo(t);
  auto flat = ms::parse_flat_keyed(t, "memory.stat");
  // Re-reading into the same map (the recorder's path) gives what a fresh parse gives.
  ms::KeyValues reused;
  (void)ms::parse_flat_keyed_into("cache 1\nrss 2\n", "memory.stat", reused);
  auto again = ms::parse_flat_keyed_into(t, "memory.stat", reused);
  ms::fuzz::require(flat.has_value() == again.has_value(), "parse_flat_keyed_into agrees with parse_flat_keyed");
  if (flat) ms::fuzz::require(flat->items.size() == reused.items.size(), "same number of keys when re-read");
  (void)ms::parse_cgroup_limit(t, "memory.max");
  (void)ms::parse_single_u64(t, "memory.current");
  (void)ms::parse_zoneinfo_watermarks(t);
  return 0;
}
