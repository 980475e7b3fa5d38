#pragma once
// Reads the whole node through HostPaths into a model::Snapshot. Races are normal: a process or a
// cgroup that vanishes mid-read is dropped and counted in `skipped`; EACCES leaves fields empty.
#include <cstdint>

#include "model/snapshot.hpp"
#include "probe/close_batch.hpp"
#include "probe/fs.hpp"
#include "probe/host_paths.hpp"
#include "probe/task_source.hpp"
#include "util/result.hpp"

namespace ms {

struct SnapshotOptions {
  bool processes = true;
  bool cgroups = true;
  bool links = true;  // exe and cwd readlinks
  bool pss = false;   // smaps_rollup: costly, and it stalls big processes (mmap_lock)
  uint64_t pss_max_rss_bytes = uint64_t{4} << 30;  // never read smaps_rollup above this RSS
  bool slab = true;
  bool statvfs_tmpfs = true;  // statvfs on tmpfs-like mounts (live hosts only)
  // Workers for the cgroup walk and the process scan; 0 = min(2, CPUs). The result does not depend
  // on it (same order, same warnings); 2 halves the wall time of a snapshot, not its CPU time.
  unsigned threads = 0;
  // Every line of /proc/<pid>/cgroup in Process::cgroups (attribution needs v1's name=systemd).
  // false: only memory_cgroup, mostly placed from the cgroup walk's cgroup.procs (no per-process
  // cgroup file); for callers that need nothing else (`snapshot`).
  bool cgroup_lines = true;
  // With cgroup_lines false, still keep every line for user processes whose memory cgroup is not
  // under a "kubepods" / "kubepods.slice" segment, on v1 only: owner classification reads v1's
  // name=systemd line for exactly those (the memory hierarchy often stops at /system.slice there),
  // so `snapshot -o json` gives the owners `top` gives at the cost of a file per such process.
  bool cgroup_lines_outside_kubepods = false;
  bool swap_limits = true;  // memory.memsw.limit_in_bytes / memory.swap.max of every cgroup
  // One-shot commands: the close(2) of each procfs/cgroupfs file is deferred and done in bulk with
  // close_range(2) (probe/close_batch.hpp), at most this many files held open at once; 0 = off.
  // Off by default: it raises the soft RLIMIT_NOFILE for the scan, process-wide, and holds up to
  // ~4 KiB of kernel memory per waiting file: not for the recorder, whose HTTP thread opens sockets.
  // Measured at 2,000 processes (bench/notes.md): ~9,700 close(2) become ~60 close_range(2), but
  // CPU did not fall (the kernel's per-file release work stays; sys time rose), so no command sets
  // it yet.
  size_t defer_close = 0;
  // Where the process list comes from (probe/task_source.hpp): procfs by default; a BPF task walk
  // gives pid, ppid, start time, uid, state, threads, comm, the RSS split, swap, the memory cgroup
  // and (where the kernel allows) cmdline for every process in one read, leaving procfs the exe and
  // cwd links, --pss, v1's name=systemd line outside kubepods and whatever a record lacks. The
  // Snapshot says which it used (process_source) and, when procfs replaced BPF, why.
  TaskSourceOptions tasks;
};

// Fails only when the node cannot be read at all (no meminfo); everything else degrades.
Result<Snapshot> read_snapshot(const HostPaths& paths, const SnapshotOptions& opts = {});

// Individual pieces, also used by commands that need only part of a snapshot.
struct CgroupLayout {
  CgroupVersion version = CgroupVersion::kNone;
  bool memory_on_v2 = false;
  std::string memory_mount;  // host path of the memory hierarchy's mount point, e.g. /sys/fs/cgroup/memory
  std::string memory_mount_root = "/";  // hierarchy path shown at that mount point (mountinfo field 4)
};
CgroupLayout detect_cgroup_layout(const std::vector<Mount>& mounts, const HostPaths& paths);
Result<std::vector<Mount>> read_mounts(const HostPaths& paths);
// Reads one process; nullopt (and *gone = true) when it vanished.
std::optional<Process> read_process(const HostPaths& paths, int pid, bool memory_on_v2, const SnapshotOptions& opts,
                                    bool* gone = nullptr);
// Reads one cgroup directory (relative path "/" = root) under the memory mount. Malformed files
// leave their fields empty and add a warning naming file and line.
std::optional<Cgroup> read_cgroup(const std::string& memory_root_dir, const std::string& rel, bool v2,
                                  std::vector<std::string>* warnings = nullptr);

// Is a memory cgroup path certainly under kubepods (a "kubepods" or "kubepods.slice" segment)? The
// probe's own conservative test: attribution (k8s/) knows more forms, and a path it answers "no"
// for here is simply read in full.
bool surely_in_kubepods(std::string_view memory_cgroup);

// Reads many processes through one open fd of the procfs root and per-pid openat, reusing its
// buffers: the hot path of every snapshot. Not thread-safe; one per thread.
class ProcessReader {
 public:
  enum class Outcome { kRead, kGone, kMalformed };
  ProcessReader(const HostPaths& paths, bool memory_on_v2, const SnapshotOptions& opts);
  bool ok() const;
  // Pids currently listed in procfs, ascending.
  std::vector<int> list_pids() const;
  // kGone: vanished mid-read (normal). kMalformed: *warning names the file and line.
  Outcome read(int pid, Process& out, std::string* warning = nullptr);
  // Leave /proc/<pid>/cgroup to a later read_cgroup (the caller places most pids otherwise).
  void skip_cgroup_file(bool skip) { skip_cgroup_file_ = skip; }
  // Hand the files' fds to batch instead of closing each (nullptr: close each).
  void defer_closes(CloseBatch* batch) { batch_ = batch; }
  // A process from its BPF task record: the record's fields, and from procfs what it lacks
  // (comm of a workqueue worker, cmdline when the walk had none) and what records never carry
  // (exe, cwd, smaps_rollup). Not the memory cgroup: read_snapshot maps the record's cgroup id.
  Outcome read_task(const bpf::TaskRecord& r, Process& out, std::string* warning = nullptr);
  // Reads only /proc/<pid>/cgroup into out (memory_cgroup, and cgroups if opts.cgroup_lines).
  Outcome read_cgroup(int pid, Process& out, std::string* warning = nullptr);
  // Does read_cgroup keep every line of this (placed) process (opts.cgroup_lines*)?
  bool keep_lines(const Process& p) const;

 private:
  const HostPaths& paths_;
  bool memory_on_v2_;
  const SnapshotOptions& opts_;
  int proc_fd_ = -1;
  ReadBuf buf_;
  bool skip_cgroup_file_ = false;
  CloseBatch* batch_ = nullptr;
  // "<pid>/<file>" in a stack buffer.
  class PidPath {
   public:
    explicit PidPath(int pid);
    const char* operator()(const char* file);  // "<pid>/<file>"
    const char* pid();                         // "<pid>"

   private:
    char buf_[64];
    size_t len_;  // of "<pid>"
  };
  Outcome read_cgroup_file(PidPath& at, Process& p, std::string* warning);
  Outcome read_links_and_pss(PidPath& at, Process& p, std::string* warning);
  long clock_ticks_ = 100, page_size_ = 4096;

 public:
  ~ProcessReader();
  ProcessReader(const ProcessReader&) = delete;
  ProcessReader& operator=(const ProcessReader&) = delete;
};

}  // namespace ms
