#pragma once
// The recorder's reader: the same Snapshot as read_snapshot, read again every sample at a fraction
// of the cost. It keeps an fd per known process and per known memory cgroup's hot files across
// samples and re-reads them with pread (no open/close, no path lookup), and reads each process's
// identity (stat, status, cmdline, cgroup) once, at first sight.
//
// Every sample:
//   - /proc is listed (new pids); each known process's statm is re-read through its kept fd: RSS, and
//     liveness (an fd of a process that exited reads nothing, even if its pid was reused);
//   - each known cgroup's usage and limit are re-read through kept fds; a cgroup whose directory link
//     count changed is listed again (new children), a removed one fails its reads;
//   - the root, kubepods(.slice) and pod cgroups, and every cgroup at or above detail_floor_bytes,
//     are read in full (swap limit, failcnt, memory.stat, memory.events, cgroup.procs) — the cgroups
//     a regular sample stores and the analyses read;
// and complete_processes / complete_cgroups read the rest for what a sample stores (the stored
// processes' stat and status afresh; every cgroup in full for a full snapshot). /proc is not listed
// when /proc/loadavg's last pid is unchanged (no fork since the last listing; own pid namespace only).
//
// What is not re-read every sample, and when it is: a process's comm, cmdline, ppid, uid and cgroups
// are re-read for the processes a sample stores (complete_processes), on the sample after first
// sight (systemd moves a new session's process into its scope right after fork), when statm's text
// size changes (exec), when its parent exits (reparenting), and for every process in turn
// (identity_refresh_per_sample per sample). Mounts come from mountinfo every sample (no statvfs).
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
  size_t identity_refresh_per_sample = 16;
  size_t max_kept_fds = SIZE_MAX;  // tests: force the open/read/close fallback
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
  // Reads these cgroups in full (those read() already read in full are skipped).
  void complete_cgroups(const std::vector<size_t>& indexes);

  size_t kept_fds() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace ms
