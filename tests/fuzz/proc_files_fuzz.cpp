// libFuzzer target: every byte string is each per-process procfs file and each node-wide one the
// probe parses: status, stat, cgroup, cmdline, smaps_rollup, memory PSI, slabinfo, the btime line of
// /proc/stat, a /dev/kmsg record. Parsers return data or an Error; they never crash or hang.
#include "fuzz_input.hpp"
#include "probe/kmsg.hpp"
#include "probe/parsers.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto t = ms::fuzz::text(data, size);
  (void)ms::parse_proc_status(t);
  if (auto st = ms::parse_proc_stat(t)) ms::fuzz::require(st->comm.size() <= t.size(), "comm within the input");
  if (auto lines = ms::parse_proc_cgroup(t)) {
    (void)ms::memory_cgroup_of(*lines, true);
    (void)ms::memory_cgroup_of(*lines, false);
  }
  size_t total = 0;
  for (const auto& a : ms::parse_cmdline(t)) total += a.size();
  ms::fuzz::require(total <= t.size(), "argv no longer than the file");
  (void)ms::parse_smaps_rollup(t);
  (void)ms::parse_psi(t);
  (void)ms::parse_slabinfo(t);
  (void)ms::parse_btime(t);
  (void)ms::kmsg_unescape(t);
  (void)ms::parse_kmsg_record(t);
  return 0;
}
