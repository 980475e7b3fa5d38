#pragma once
// The task iterator (task_iter.bpf.c): every thread-group leader's pid, parent, start time, uid,
// RSS counters, threads, comm, memory cgroup id and (sleepable walk) cmdline, in one read. Loaded
// by the recorder and pinned under a bpffs directory; the one-shot commands read the pin, or load
// it themselves (TaskIter::load). parse_task_walk is pure: records in, records out.
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "probe/bpf/bpf.hpp"
#include "util/result.hpp"

namespace ms::bpf {

// The record version this binary reads (task_record.h MS_TASK_VERSION).
uint32_t task_record_version();

struct TaskRecord {
  enum Flag : uint32_t {
    kKthread = 1u << 0,
    kHasMm = 1u << 1,
    kMemcg = 1u << 2,
    kCmdline = 1u << 3,        // cmdline is what /proc/<pid>/cmdline reads
    kCmdlineProcfs = 1u << 4,  // read /proc/<pid>/cmdline instead
    kCommProcfs = 1u << 5,     // read comm from /proc/<pid>/stat instead (workqueue workers)
    kRssExact = 1u << 6,
  };
  uint32_t flags = 0;
  int pid = 0, ppid = 0;
  uint32_t uid = 0;
  int threads = 0;
  uint64_t start_boottime_ns = 0;
  uint64_t rss_file_pages = 0, rss_anon_pages = 0, swap_pages = 0, rss_shmem_pages = 0;
  uint64_t memcg_id = 0;  // the memory cgroup directory's inode number, when kMemcg
  uint32_t exec_id = 0;   // moves with every exec (the program image changed)
  char state = '?';
  std::string_view comm;     // points into the walk's buffer
  std::string_view cmdline;  // raw NUL-separated arguments (when kCmdline)
  bool has(Flag f) const { return (flags & f) != 0; }
};

struct TaskWalk {
  bool cmdlines = false;   // the sleepable walk
  bool cgroup_v2 = false;  // memcg_id is each process's own cgroup v2 id (else its v1 memory cgroup's)
  uint32_t page_size = 0;
  std::vector<TaskRecord> tasks;  // in the kernel's order (ascending pid)
};

// Parses one complete walk. Errors name what is wrong: not a task iterator, another record
// version ("pinned by a memsleuth with record version 2; this one reads 1"), a truncated walk.
Result<void> parse_task_walk(std::string_view data, TaskWalk& out);

// /proc/<pid>/stat's start time (clock ticks since boot) of a record's start_boottime_ns.
inline uint64_t start_ticks(uint64_t start_boottime_ns, long clock_ticks) {
  uint64_t ns_per_tick = clock_ticks > 0 ? 1'000'000'000ull / static_cast<uint64_t>(clock_ticks) : 10'000'000ull;
  return start_boottime_ns / ns_per_tick;
}

// Pin names under the pin directory.
inline constexpr std::string_view kTasksPin = "tasks";
inline constexpr std::string_view kTasksCmdlinePin = "tasks_cmdline";

// The loaded programs (needs CAP_BPF + CAP_PERFMON, or root; a kernel with BTF and task
// iterators, 5.8+; cmdlines need sleepable iterators, 5.18+).
class TaskIter {
 public:
  // cgroup_v2: the memory controller is on cgroup v2 on this node (what the cgroup ids mean).
  static Result<std::unique_ptr<TaskIter>> load(bool cgroup_v2);
  ~TaskIter();
  TaskIter(const TaskIter&) = delete;
  TaskIter& operator=(const TaskIter&) = delete;

  bool has_cmdline() const;
  // Why cmdlines are not available (the sleepable program's load error), empty when they are.
  const std::string& cmdline_unavailable() const { return no_cmdline_reason_; }
  // One walk into buf (cmdline: the sleepable walk, when has_cmdline()).
  Result<void> read(bool cmdline, IterBuf& buf) const;
  // Pins both walks under dir (created on bpffs), replacing older pins.
  Result<void> pin(const std::string& dir) const;

  struct Impl;  // the skeleton (task_iter.cpp)

 private:
  TaskIter() = default;
  std::unique_ptr<Impl> impl_;
  std::string no_cmdline_reason_;
};

// One walk of a pinned iterator: dir/tasks or dir/tasks_cmdline.
Result<void> read_pinned_tasks(const std::string& dir, bool cmdline, IterBuf& buf);

}  // namespace ms::bpf
