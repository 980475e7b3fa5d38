#pragma once
// The cgroup iterator (cgroup_iter.bpf.c): every memory cgroup's page counters (usage, limit,
// memsw or swap limit, failcnt) in one read, instead of three or four files per cgroup. Loaded by
// the recorder beside the task walk and pinned as <pin dir>/cgroups; the snapshot reads the pin.
// memory.stat, memory.events and cgroup.procs stay files: their numbers are not page counters.
// parse_cgroup_walk is pure: records in, records out.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "probe/bpf/bpf.hpp"
#include "util/result.hpp"

namespace ms::bpf {

// The record version this binary reads (cgroup_record.h MS_CG_VERSION).
uint32_t cgroup_record_version();

struct CgroupCounters {
  uint64_t id = 0;    // kernfs id: the cgroup directory's inode number
  bool root = false;  // the hierarchy's root (v1 computes its usage from statistics: read the file)
  uint64_t usage_pages = 0;
  uint64_t max_pages = 0;                  // PAGE_COUNTER_MAX: no limit
  std::optional<uint64_t> swap_max_pages;  // v1 memsw.max, v2 swap.max
  std::optional<uint64_t> failcnt;         // nullopt: larger than a record holds, read memory.failcnt
};

struct CgroupWalk {
  bool v2 = false;
  uint32_t page_size = 0;
  uint64_t root_id = 0;                 // the cgroup the walk started at
  std::vector<CgroupCounters> cgroups;  // parents first

  // The cgroup of this id, after index(); nullptr when the walk did not see it.
  const CgroupCounters* find(uint64_t id) const;
  void index();

 private:
  std::vector<std::pair<uint64_t, uint32_t>> by_id_;
};

// Parses one complete walk. Errors name what is wrong, as parse_task_walk's.
Result<void> parse_cgroup_walk(std::string_view data, CgroupWalk& out);

inline constexpr std::string_view kCgroupsPin = "cgroups";

// The loaded program, attached to one hierarchy's root (an fd of its directory). Needs what the
// task iterator needs and a kernel with cgroup iterators (6.1+; a v1 hierarchy needs one whose
// iterator accepts v1 cgroups).
class CgroupIter {
 public:
  static Result<std::unique_ptr<CgroupIter>> load(int root_dir_fd, bool cgroup_v2);
  ~CgroupIter();
  CgroupIter(const CgroupIter&) = delete;
  CgroupIter& operator=(const CgroupIter&) = delete;

  Result<void> read(IterBuf& buf) const;
  // Pins the walk as dir/cgroups (dir on bpffs, made when missing), replacing an older pin.
  Result<void> pin(const std::string& dir) const;

  struct Impl;

 private:
  CgroupIter() = default;
  std::unique_ptr<Impl> impl_;
};

// One walk of a pinned cgroup iterator (dir/cgroups).
Result<void> read_pinned_cgroups(const std::string& dir, IterBuf& buf);

}  // namespace ms::bpf
