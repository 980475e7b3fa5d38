#pragma once
// What the kernel itself reports, as it happens, about processes that end and OOM kills: records a
// BPF program pushes through a ring buffer (exit_capture.bpf.c), where sampling procfs cannot see
// a process that lived between two samples, and /dev/kmsg loses the OOM reports the kernel
// rate-limits. Plain records and the source the recorder drains, so everything above this line is
// tested with fake records. libbpf-free, like every header of this folder that layers above include.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "util/result.hpp"

namespace ms {

// One thread group that ended (its last thread's exit), as the kernel saw it in do_exit.
struct ExitRecord {
  int pid = 0;   // tgid
  int ppid = 0;  // real parent's tgid
  uint32_t uid = 0;
  uint64_t start_ns = 0;         // CLOCK_BOOTTIME ns (task->start_boottime: /proc/<pid>/stat field 22)
  uint64_t parent_start_ns = 0;  // the parent's, same clock
  uint64_t exit_ns = 0;          // CLOCK_BOOTTIME ns
  // Peak RSS of the image that exited: max(mm->hiwater_rss, the RSS counters) read before the
  // address space is torn down. peak_exact false: the getrusage maximum (signal->maxrss), which also
  // counts the image replaced by exec.
  uint64_t peak_rss_bytes = 0;
  bool peak_exact = false;
  uint64_t cpu_ns = 0;  // CPU time of all its threads
  int exit_code = 0;    // wait status: exit status << 8, or the signal that ended it
  uint32_t threads = 0;
  std::string comm, parent_comm;
  // Its memory cgroup: kernfs ids (= the cgroup directory's inode on 64-bit) of the cgroup and its
  // parent, and the directory's name, so a cgroup removed right after the exit can still be named.
  uint64_t memcg_id = 0, memcg_parent_id = 0;
  std::string memcg_name;
};

// One task the OOM killer chose (oom:mark_victim), with what could be read of it then.
struct OomRecord {
  int pid = 0;
  uint64_t time_ns = 0;  // CLOCK_BOOTTIME ns
  // false: the kernel's tracepoint gives only the pid (before 6.8) and no other probe caught the
  // victim; the rest is filled from its exit record.
  bool victim_known = false;
  uint32_t uid = 0;
  uint64_t start_ns = 0;
  std::string comm;
  uint64_t memcg_id = 0, memcg_parent_id = 0;
  std::string memcg_name;
  // The memory cgroup whose limit was hit (oom_control->memcg); 0 with oom_memcg_known: a global OOM.
  bool oom_memcg_known = false;
  uint64_t oom_memcg_id = 0;
  uint64_t anon_bytes = 0, file_bytes = 0, shmem_bytes = 0, swap_bytes = 0;
  int oom_score_adj = 0;
  int invoker_pid = 0;
  std::string invoker_comm;
};

// Which programs to attach.
struct KernelEventOptions {
  bool exits = true;
  bool ooms = true;
};

// Drained by the recorder between samples. wait_fd() is pollable (readable when records wait) so the
// recorder sleeps on it instead of a timer.
class KernelEventSource {
 public:
  virtual ~KernelEventSource() = default;
  virtual int wait_fd() const = 0;  // -1: none, poll on the timer only
  // Appends what the kernel queued since the last call.
  virtual void drain(std::vector<ExitRecord>& exits, std::vector<OomRecord>& ooms) = 0;
  // Records the kernel side could not queue (ring buffer full), by ring: exits and OOM kills.
  virtual uint64_t exits_dropped() const = 0;
  virtual uint64_t ooms_dropped() const = 0;
  virtual bool exits_attached() const = 0;
  virtual bool ooms_attached() const = 0;
  // One line for the log: what is attached where ("exits: tp_btf/sched_process_exit + ...").
  virtual std::string describe() const = 0;
};

// The BPF programs of exit_capture.bpf.c, attached as the options ask (exit_capture.cpp).
// Fails, saying why, where they cannot be: built without BPF, not privileged (CAP_BPF + CAP_PERFMON,
// or root), no BTF, a kernel without the hooks.
Result<std::unique_ptr<KernelEventSource>> open_bpf_kernel_events(const KernelEventOptions& o);

// CLOCK_BOOTTIME (what the kernel's task start times and the BPF clocks use) to the wall clock and to
// /proc's clock ticks. Taken once; the offset moves only when the wall clock is stepped.
struct BootClock {
  int64_t wall_minus_boot_ns = 0;
  static BootClock now();
  int64_t unix_seconds(uint64_t boot_ns) const;
  int64_t unix_us(uint64_t boot_ns) const;
  // /proc/<pid>/stat's start time: nanoseconds to USER_HZ ticks as the kernel rounds (down).
  static uint64_t ticks(uint64_t boot_ns, long clock_ticks);
};

}  // namespace ms
