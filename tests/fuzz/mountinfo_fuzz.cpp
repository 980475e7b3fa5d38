// libFuzzer target: every byte string is a /proc/<pid>/mountinfo (octal escapes, optional fields,
// super options), and the cgroup layout is detected from what it parses.
#include "fuzz_input.hpp"
#include "probe/host_paths.hpp"
#include "probe/parsers.hpp"
#include "probe/snapshot_reader.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto mounts = ms::parse_mountinfo(ms::fuzz::text(data, size));
  if (!mounts) return 0;
  // A sysfs that does not exist: detection must work from the mount table alone.
  ms::HostPaths paths;
  paths.sysfs = "/nonexistent-memsleuth-fuzz/sys";
  paths.procfs = "/nonexistent-memsleuth-fuzz/proc";
  paths.rootfs = "/nonexistent-memsleuth-fuzz";
  (void)ms::detect_cgroup_layout(*mounts, paths);
  return 0;
}
