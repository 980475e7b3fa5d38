#pragma once
// The recorder's reader: the same Snapshot as read_snapshot, read again every sample at a fraction
// of the cost. It keeps an fd per known process and per known memory cgroup's hot files across
// samples and re-reads them with pread (no open/close, no path lookup), reads each process's
// identity (stat, status, cmdline, cgroup) once, at first sight, and re-reads what a cheaper signal
// says did not change only on a cadence.
//
// Every sample:
//   - each known cgroup's usage (memory.usage_in_bytes / memory.current); a cgroup whose directory
//     link count changed is listed again (new children), a removed one fails its reads;
//   - memory.stat of the root, kubepods(.slice) and pod cgroups and of every cgroup at or above
//     detail_floor_bytes (the cgroups a regular sample stores), when that cgroup's usage moved since
//     the last sample. A usage that stands still to the byte leaves the stat as it was but for LRU
//     aging (active <-> inactive, which moves the working set): so each is also re-read every
//     stat_refresh_samples samples, spread by cgroup, and every sample while within 10% of its limit;
//   - which processes exist. Where procfs is our own pid namespace's, /proc/loadavg tells: its last
//     pid (bumped by every fork or thread) and its task count both unchanged mean no task was born
//     or reaped, so /proc is not listed. Otherwise /proc is listed; a known pid that the pid
//     allocator may have handed out again since the last sample (the pids it allocated lie between
//     the last pid then and now) is re-read through its kept fd, which reads nothing once its process
//     is gone. Procfs of another namespace: every known process is re-read each sample, as liveness.
//   - a process's statm (RSS; an exec shows as a new text size) when its memory cgroup's usage moved
//     since the last sample, or when its cgroup is not known. A process's resident pages are charged
//     to a cgroup when they are faulted in, so RSS that grows or shrinks moves that usage; what does
//     not is mapping pages another cgroup already paid for (shared files, shm). So every process is
//     also re-read every rss_refresh_samples samples, spread over the samples by pid. Kernel threads
//     have no RSS and are not read.
// On a cadence (every N samples, spread by cgroup; at first sight; and at once on a sign of change):
//   - limits (memory.limit_in_bytes, memsw; memory.max, swap.max): v1's memory.stat carries the
//     hierarchical limits, and a change there re-reads them at once;
//   - counters (v1 failcnt, v2 memory.events): every sample while usage is within 10% of the limit
//     (the only time they can move), on the cadence otherwise; a counter read late loses no count;
//   - /proc/slabinfo (slab_refresh_samples; meminfo's Slab totals are read every sample);
//   - /proc/1/mountinfo only when poll() says the mount table changed (procfs); every sample otherwise.
// A regular sample counts a cgroup's processes (nr_procs) from the process list (each process's
// memory cgroup), not cgroup.procs (the kernel builds a pid list for every read on v1).
// complete_processes / complete_cgroups / complete_node read the rest afresh, for what a sample
// stores: the stored processes' stat and status; every cgroup in full, with cgroup.procs, and
// slabinfo, for a full snapshot.
//
// What is not re-read every sample, and when it is: a process's comm, cmdline, ppid, uid and cgroups
// are re-read for the processes a sample stores (complete_processes), on the sample after first
// sight (systemd moves a new session's process into its scope right after fork), when statm's text
// size changes (exec), when its parent exits (reparenting), and for every process in turn
// (identity_refresh_per_sample per sample).
//
// Fds are O_CLOEXEC and bounded by RLIMIT_NOFILE (the soft limit is raised to the hard one): at most
// limit - fd_reserve are kept; processes and cgroups beyond are read by open/read/close each sample
// (a process then through stat, whose start time proves it is the same process).
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "model/snapshot.hpp"
#include "probe/bpf/bpf.hpp"
#include "probe/host_paths.hpp"
#include "probe/snapshot_reader.hpp"
#include "util/result.hpp"

namespace ms {

struct SampleReaderOptions {
  bool slab = true;
  // Cgroups read in full every sample besides the root, kubepods and pods (the recorder's cgroup floor).
  uint64_t detail_floor_bytes = uint64_t{4} << 20;
  // Cgroups always read in full (asked once per cgroup path): the recorder names the root, kubepods
  // and pod cgroups (the probe does not parse Kubernetes paths).
  std::function<bool(const std::string& path)> always_detail;
  size_t fd_reserve = 256;  // fds left to everything else (SQLite, HTTP clients, kmsg, logs)
  size_t identity_refresh_per_sample = 8;  // the rolling refresh: 2,000 processes in 250 samples (42 min at 10 s)
  size_t max_kept_fds = SIZE_MAX;  // tests: force the open/read/close fallback
  // Cadences, in samples (1 = every sample, read_snapshot's exactness): see the top of this file.
  uint32_t rss_refresh_samples = 6;
  uint32_t settings_refresh_samples = 6;
  uint32_t slab_refresh_samples = 6;
  uint32_t stat_refresh_samples = 6;  // memory.stat of a detailed cgroup whose usage stood still
  bool nr_procs_from_processes = true;  // false: cgroup.procs of every detailed cgroup every sample
  bool watch_cgroups = true;  // inotify on cgroup directories; false: stat every directory every sample
  // Whether /proc/loadavg speaks for the procfs read: detected (its "self" is us) unless forced
  // (tests, on fixture trees whose loadavg they change as a kernel would).
  enum class PidCounter { kDetect, kTrusted, kUntrusted };
  PidCounter pid_counter = PidCounter::kDetect;
  // A BPF task walk (probe/bpf/task_iter.hpp, without cmdlines) read into the buffer each sample:
  // then the walk says which processes exist and gives every process's RSS split, state, threads,
  // ppid, uid, comm, memory cgroup id and exec count, and procfs is read only for what a walk has
  // not: a new process's cmdline and cgroup lines, an exec'd or moved one's, the stored processes'
  // status (the walk's RSS is the per-CPU counters' central value, status sums them), and the rolling
  // identity refresh. Empty, or a walk that fails (a warning): procfs as above for that sample.
  std::function<Result<void>(bpf::IterBuf&)> task_walk;
  // A BPF cgroup walk (probe/bpf/cgroup_iter.hpp) read into the buffer each sample: its page
  // counters stand in for the usage, limit, swap limit and v1 failcnt files of every cgroup it
  // has (and the limits are then read every sample, not on their cadence). memory.stat,
  // memory.events and cgroup.procs are still files. Empty, or a failed walk (a warning): files.
  std::function<Result<void>(bpf::IterBuf&)> cgroup_walk;
};

class SampleReader {
 public:
  explicit SampleReader(HostPaths paths, SampleReaderOptions opts = {});
  ~SampleReader();
  SampleReader(const SampleReader&) = delete;
  SampleReader& operator=(const SampleReader&) = delete;

  // Reads the node now. The Snapshot belongs to the reader and is updated in place by the next read();
  // processes by pid, cgroups by path, as read_snapshot. Fails only when meminfo cannot be read.
  Result<Snapshot*> read();
  // Reads stat and status afresh for these processes (indexes into the snapshot's processes) through
  // fds kept while they are stored: RSS split, swap, state, threads, ppid, uid, comm as read_snapshot
  // reads them; cmdline and cgroups too when comm changed (an exec).
  void complete_processes(const std::vector<size_t>& indexes);
  // Reads these cgroups in full and afresh (limits, counters, memory.stat, cgroup.procs), skipping
  // what this sample already read.
  void complete_cgroups(const std::vector<size_t>& indexes);
  // Node files on a cadence (slabinfo), afresh: for a full snapshot.
  void complete_node();

  size_t kept_fds() const;
  // CPU seconds this thread spent in read() on processes (the walk or procfs) since the reader was
  // made: the recorder's summary splits its read time with it.
  double process_cpu_seconds() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace ms
