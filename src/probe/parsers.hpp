#pragma once
// Pure parsers over file contents: string_view in, plain data or an Error naming file and line out.
// `path` is only used in error messages.
#include <string_view>

#include "model/snapshot.hpp"
#include "util/result.hpp"

namespace ms {

// /proc/meminfo: every field, "kB" values converted to bytes, unit-less counts (HugePages_*) kept.
// A kB value too large for 64 bits of bytes is left out with a warning (an error without
// `warnings`); no MemTotal, or MemTotal 0, is an error: nothing can be computed from such a file.
Result<KeyValues> parse_meminfo(std::string_view text, std::string_view path = "/proc/meminfo",
                                std::vector<std::string>* warnings = nullptr);
// "key value" lines: /proc/vmstat, memory.stat, memory.events. Negative values become 0 (the
// kernel can briefly report negative memcg stats; runc's fscommon.ParseUint does the same).
Result<KeyValues> parse_flat_keyed(std::string_view text, std::string_view path);
// The same into `out`, reusing the keys it holds where they come in the same order (no allocation
// when a file is re-read); `out` is emptied on an error.
Result<void> parse_flat_keyed_into(std::string_view text, std::string_view path, KeyValues& out);
// /proc/pressure/memory
Result<Psi> parse_psi(std::string_view text, std::string_view path = "/proc/pressure/memory");
// /proc/slabinfo (version 2.x); sorted by bytes, descending.
Result<std::vector<SlabCache>> parse_slabinfo(std::string_view text, std::string_view path = "/proc/slabinfo");
// /proc/<pid>/mountinfo
Result<std::vector<Mount>> parse_mountinfo(std::string_view text, std::string_view path = "/proc/self/mountinfo");
// /proc/<pid>/cgroup
Result<std::vector<CgroupLine>> parse_proc_cgroup(std::string_view text, std::string_view path = "cgroup");
// The memory cgroup path of a process: the v1 line naming "memory", else the v2 "0::" line when
// the memory controller is on v2.
std::optional<std::string> memory_cgroup_of(const std::vector<CgroupLine>& lines, bool memory_on_v2);

struct ProcStat {
  int pid = 0;
  std::string comm;
  char state = '?';
  int ppid = 0;
  unsigned flags = 0;
  int num_threads = 0;
  uint64_t start_time = 0;
  uint64_t rss_pages = 0;
};
// /proc/<pid>/stat: comm may hold spaces and ')' — the last ')' ends it.
Result<ProcStat> parse_proc_stat(std::string_view text, std::string_view path = "stat");

struct ProcStatus {
  std::optional<uint32_t> uid;  // real uid
  std::optional<uint64_t> vm_rss, rss_anon, rss_file, rss_shmem, vm_swap;  // bytes
  bool kthread = false;         // "Kthread: 1" (6.x) — older kernels: no VmSize and ppid 2
  bool has_vm_size = false;
  std::optional<int> threads;
  // Values that could not be converted (a kB count too large for 64 bits of bytes): the field is
  // left unknown and each is described here, naming file and line.
  std::vector<std::string> warnings;
};
Result<ProcStatus> parse_proc_status(std::string_view text, std::string_view path = "status");

// NUL-separated argv; a trailing NUL is not an empty argument.
std::vector<std::string> parse_cmdline(std::string_view raw);

struct SmapsRollup {
  uint64_t rss = 0, pss = 0, private_clean = 0, private_dirty = 0, swap = 0;
  uint64_t uss() const { return private_clean + private_dirty; }
};
Result<SmapsRollup> parse_smaps_rollup(std::string_view text, std::string_view path = "smaps_rollup");

// memory.limit_in_bytes / memory.max / memory.swap.max: "max" or a v1 value at or above the
// kernel's PAGE_COUNTER_MAX-derived ceiling means unlimited → nullopt.
Result<std::optional<uint64_t>> parse_cgroup_limit(std::string_view text, std::string_view path);
// A limit page counter (the BPF cgroup walk's) as parse_cgroup_limit reads its file: v1 prints
// pages x page size, v2 "max" at PAGE_COUNTER_MAX (LONG_MAX / page size); nullopt for no limit.
std::optional<uint64_t> cgroup_limit_from_pages(uint64_t max_pages, uint32_t page_size);
// A single unsigned number file (memory.usage_in_bytes, memory.current).
Result<uint64_t> parse_single_u64(std::string_view text, std::string_view path);

// Values at or above this are "unlimited" (kubelet isMemoryUnlimited uses 1<<62).
inline constexpr uint64_t kUnlimitedThreshold = uint64_t{1} << 62;

}  // namespace ms
