#include "probe/sample_reader.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <linux/magic.h>
#include <poll.h>
#include <sys/inotify.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <numeric>
#include <unordered_map>
#include <unordered_set>

#include "probe/bpf/cgroup_iter.hpp"
#include "probe/bpf/task_iter.hpp"
#include "probe/fs.hpp"
#include "probe/parsers.hpp"
#include "probe/task_source.hpp"
#include "util/text.hpp"
#include "util/units.hpp"

namespace ms {

namespace {

constexpr int kNoFd = -1;    // not kept (no fd budget): opened, read and closed each time
constexpr int kAbsent = -2;  // the file does not exist (no swap accounting, v2 root): not retried


std::string join_rel(const std::string& base, std::string_view name) {
  std::string out = base;
  if (out.empty() || out.back() != '/') out += '/';
  out += name;
  return out;
}

// record: one seq_file record or a plain proc read (a short read is the end); else a multi-record
// seq file (cgroup.procs, mountinfo, slabinfo, vmstat), read to the end.
ReadBuf::Mode mode_of(bool record) { return record ? ReadBuf::Mode::kRecord : ReadBuf::Mode::kSeq; }

uint32_t count_lines(std::string_view s) {
  uint32_t n = 0;
  for_each_line(s, [&](std::string_view line, int) {
    if (!line.empty()) ++n;
  });
  return n;
}

double thread_cpu_seconds() {
  timespec ts{};
  ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

// statm: "size resident shared text lib data dt", in pages.
bool parse_statm(std::string_view s, uint64_t& resident, uint64_t& text) {
  uint64_t f[4] = {0, 0, 0, 0};
  size_t i = 0;
  const char* p = s.data();
  const char* end = s.data() + s.size();
  for (; i < 4 && p < end; ++i) {
    while (p < end && *p == ' ') ++p;
    auto [q, ec] = std::from_chars(p, end, f[i]);
    if (ec != std::errc()) return false;
    p = q;
  }
  if (i < 4) return false;
  resident = f[1];
  text = f[3];
  return true;
}

struct ProcTrack {
  int fd = kNoFd;         // kept statm (or stat) fd
  bool via_stat = false;  // no statm in this tree: stat's rss field, and its start time as identity
  uint64_t text_pages = 0;
  uint64_t seen_at = 0;   // sample of first sight
  int stat_fd = kNoFd, status_fd = kNoFd;  // kept once the process is stored
  bool fresh = false;     // identity and status read this sample
  size_t cg_index = 0;    // its memory cgroup's index in the snapshot, valid while cg_gen matches
  uint64_t cg_gen = 0;
  uint64_t memcg_id = 0;  // BPF walk: the cgroup id and exec count last seen (a change: moved, exec'd)
  uint32_t exec_id = 0;
};

struct CgTrack {
  std::string dir;  // readable directory
  int dirfd = kNoFd, usage = kNoFd, limit = kNoFd, swap = kNoFd, failcnt = kNoFd, stat = kNoFd, events = kNoFd,
      procs = kNoFd;
  bool detail_opened = false;
  nlink_t nlink = 0;
  int wd = -1;  // inotify watch: subdirectories made or removed, the directory itself removed
  bool always_detail = false;
  bool detailed = false;  // memory.stat (and the rest of the detail) read this sample
  bool usage_seen = false;
  bool usage_changed = true;  // usage moved since the last sample (or is new): its processes' RSS is re-read
  bool detail_valid = false;  // swap limit and counters hold a reading (cleared while not detailed)
  uint32_t slot = 0;          // spreads the cadences of settings and memory.stat over samples
  // The sample in which each part was last read.
  uint64_t limit_at = 0, swap_at = 0, counters_at = 0, stat_at = 0, procs_at = 0;
  std::optional<uint64_t> hier_limit, hier_memsw;  // v1 memory.stat's hierarchical limits, last read
};

}  // namespace

struct SampleReader::Impl {
  HostPaths paths;
  SampleReaderOptions opts;
  SnapshotOptions so;
  Snapshot snap;
  std::vector<ProcTrack> ptrack;  // parallel to snap.processes
  std::vector<CgTrack> ctrack;    // parallel to snap.cgroups
  std::unique_ptr<ProcessReader> preader;
  int proc_fd = kNoFd;
  int f_meminfo = kNoFd, f_vmstat = kNoFd, f_psi = kNoFd, f_slab = kNoFd, f_mountinfo = kNoFd;
  std::string mountinfo_path;
  size_t kept = 0, budget = 0;
  uint64_t sample_no = 0;
  int refresh_after_pid = 0;
  bool started = false;
  bool v2 = false;
  bool detail_all = false;  // the memory hierarchy is not visible from its root: hierarchical limits need every stat
  ReadBuf buf;              // cgroup and process files
  bool proc_kfs = false, cg_kfs = false;  // procfs / the memory hierarchy are kernel filesystems (is_kernel_fs)
  int own_ns = -1;                        // procfs is our pid namespace's: -1 unknown
  int f_loadavg = kNoFd;
  uint64_t last_pid = 0, tasks = 0;  // /proc/loadavg at the last sample
  bool counter_ok = false;           // ... and they were read and speak for this procfs
  uint64_t identity_seq = 0;         // Process::identity_seq handed out
  uint64_t cg_gen = 1;               // bumped whenever snap.cgroups gains or loses an entry
  uint64_t slab_at = 0;
  uint32_t next_slot = 0;            // CgTrack::slot handed out
  bool mounts_pollable = false;      // procfs mountinfo: poll() says when the mount table changed
  int ino_fd = kNoFd;                // inotify on every cgroup directory (see watch())
  std::unordered_map<int, std::string> wd_path;
  ReadBuf nbuf;                      // node files (slabinfo, mountinfo are large)
  bpf::IterBuf wbuf;                 // the BPF task walk (opts.task_walk)
  bpf::TaskWalk walk;
  std::string walk_error;  // the last walk's failure, warned once until a walk works again
  bpf::IterBuf cgbuf;      // the BPF cgroup walk (opts.cgroup_walk): this sample's page counters
  bpf::CgroupWalk cgwalk;
  bool cgwalk_ok = false;
  std::string cgwalk_error;
  uint64_t cgwalk_retry_at = 0;  // after a failed walk: the sample that tries again
  static constexpr uint64_t kCgroupWalkRetry = 60;
  double process_cpu = 0;  // process_cpu_seconds()

  Impl(HostPaths p, SampleReaderOptions o) : paths(std::move(p)), opts(std::move(o)) {
    so.links = false;
    so.pss = false;
    so.cgroup_lines = true;
    // A node with 50,000 processes needs more than the usual soft limit of 1,024.
    rlimit rl{};
    if (::getrlimit(RLIMIT_NOFILE, &rl) == 0) {
      if (rl.rlim_cur < rl.rlim_max) {
        rlimit want = rl;
        want.rlim_cur = rl.rlim_max;
        if (::setrlimit(RLIMIT_NOFILE, &want) == 0) rl = want;
      }
      uint64_t lim = rl.rlim_cur == RLIM_INFINITY ? uint64_t{1} << 20 : static_cast<uint64_t>(rl.rlim_cur);
      budget = lim > opts.fd_reserve ? static_cast<size_t>(lim - opts.fd_reserve) : 0;
    }
    budget = std::min(budget, opts.max_kept_fds);
  }

  ~Impl() {
    for (auto& t : ptrack) drop_proc(t);
    for (auto& t : ctrack) close_cgroup(t);
    if (ino_fd >= 0) ::close(ino_fd);
    for (int* f : {&f_meminfo, &f_vmstat, &f_psi, &f_slab, &f_mountinfo, &f_loadavg, &proc_fd}) drop(*f);
  }

  // Opens name (relative to dirfd) to keep: kNoFd when over budget or on an error other than
  // "missing" (then err says which), kAbsent when it does not exist. kfs: dirfd is on procfs or
  // cgroupfs (no fstat needed to know the file is regular; probe/fs.hpp).
  int keep_at(int dirfd, const char* name, bool kfs, int flags = 0) {
    if (kept >= budget) return kNoFd;
    int fd = open_kept(dirfd, name, kfs, flags);
    if (fd < 0) return errno == ENOENT ? kAbsent : kNoFd;
    ++kept;
    return fd;
  }
  int keep_cg(int dirfd, const char* name) { return keep_at(dirfd, name, cg_kfs); }
  int keep_proc(const char* name) { return keep_at(proc_fd, name, proc_kfs); }
  void drop(int& fd) {
    if (fd >= 0) {
      ::close(fd);
      --kept;
    }
    fd = kNoFd;
  }
  void drop_proc(ProcTrack& t) {
    drop(t.fd);
    drop(t.stat_fd);
    drop(t.status_fd);
  }
  void close_cgroup(CgTrack& t) {
    if (t.wd >= 0) {
      ::inotify_rm_watch(ino_fd, t.wd);  // fails harmlessly when the kernel already removed it
      wd_path.erase(t.wd);
      t.wd = -1;
    }
    for (int* f : {&t.usage, &t.limit, &t.swap, &t.failcnt, &t.stat, &t.events, &t.procs, &t.dirfd}) drop(*f);
  }

  // A node file through a kept fd (opened on first use, fstat'ed then), into nbuf. False when
  // unreadable; a file that is not regular (a fixture tree) or is cut at its cap is a warning.
  bool node_file(int& fd, const std::string& path, bool record, FileKind kind = FileKind::kKernel) {
    int err = 0;
    bool ok;
    if (fd == kNoFd && kept < budget) {
      fd = open_kept(AT_FDCWD, path.c_str(), false);
      if (fd >= 0)
        ++kept;
      else if (errno == kNotRegularFile)
        err = kNotRegularFile;
      else
        fd = kNoFd;
      if (fd < 0) fd = kNoFd;
    }
    if (err)
      ok = false;
    else if (fd == kNoFd)
      ok = nbuf.read_at(AT_FDCWD, path.c_str(), err, mode_of(record), nullptr, kind);
    else
      ok = nbuf.pread(fd, err, mode_of(record), kind);
    if (!ok && err == kNotRegularFile) snap.warnings.push_back(Error::from_errno(path, err).describe());
    if (ok && nbuf.truncated()) snap.warnings.push_back(truncation_warning(path, kind));
    return ok;
  }

  // ---- cgroups ----

  // A cgroup file: kept fd, or openat each time when there was no budget. False with err set.
  bool cg_read(CgTrack& t, int& fd, const char* name, bool record, int& err) {
    if (fd == kAbsent) {
      err = ENOENT;
      return false;
    }
    FileKind kind = record ? FileKind::kCgroup : FileKind::kPidList;
    bool ok;
    if (fd >= 0) {
      ok = buf.pread(fd, err, mode_of(record), kind);
    } else {
      int dfd = t.dirfd;
      std::string full;
      const char* at = name;
      if (dfd < 0) {
        full = t.dir + "/" + name;
        dfd = AT_FDCWD;
        at = full.c_str();
      }
      ok = buf.read_at(dfd, at, err, mode_of(record), nullptr, kind);
    }
    if (ok && buf.truncated()) snap.warnings.push_back(truncation_warning(t.dir + "/" + name, kind));
    return ok;
  }

  void open_hot(CgTrack& t) {
    if (t.dirfd < 0) return;
    t.usage = keep_cg(t.dirfd, v2 ? "memory.current" : "memory.usage_in_bytes");
    t.limit = keep_cg(t.dirfd, v2 ? "memory.max" : "memory.limit_in_bytes");
  }
  void open_detail(CgTrack& t) {
    if (t.detail_opened || t.dirfd < 0) return;
    t.detail_opened = true;
    t.swap = keep_cg(t.dirfd, v2 ? "memory.swap.max" : "memory.memsw.limit_in_bytes");
    if (!v2) t.failcnt = keep_cg(t.dirfd, "memory.failcnt");
    t.stat = keep_cg(t.dirfd, "memory.stat");
    if (v2) t.events = keep_cg(t.dirfd, "memory.events");
    // v1 keeps a pidlist per open file for a second after each read: a kept fd could be served an
    // old list, so v1's cgroup.procs is opened for each read. v2 walks the tasks afresh at offset 0.
    if (v2) t.procs = keep_cg(t.dirfd, "cgroup.procs");
  }

  // The BPF cgroup walk (opts.cgroup_walk), once per sample before the cgroups are read. A walk
  // that fails is a warning (once until one works again) and the files are read that sample.
  void take_cgroup_walk() {
    cgwalk_ok = false;
    if (!opts.cgroup_walk || sample_no < cgwalk_retry_at) return;
    auto got = opts.cgroup_walk(cgbuf);
    if (got) got = bpf::parse_cgroup_walk(cgbuf.view(), cgwalk);
    if (got && (cgwalk.v2 != v2 || cgwalk.page_size != static_cast<uint64_t>(snap.page_size))) {
      got = fail(Error{Error::Kind::kInvalidArgument, {}, 0,
                       fmt::format("a walk of a cgroup {} hierarchy with {}-byte pages; this node reads v{} with {}",
                                   cgwalk.v2 ? "v2" : "v1", cgwalk.page_size, v2 ? 2 : 1, snap.page_size)});
    }
    if (!got) {
      // A walk that failed will most likely fail again (a hierarchy too large for one walk): tried
      // again after kCgroupWalkRetry samples, not every sample.
      cgwalk_retry_at = sample_no + kCgroupWalkRetry;
      if (cgwalk_error != got.error().describe()) {
        cgwalk_error = got.error().describe();
        snap.warnings.push_back(fmt::format(
            "BPF cgroup walk failed, cgroup counters read from their files for the next {} samples: {}",
            kCgroupWalkRetry, cgwalk_error));
      }
      return;
    }
    cgwalk_error.clear();
    cgwalk_ok = true;
  }

  // This sample's page counters of a cgroup from the walk; nullptr: read its files.
  const bpf::CgroupCounters* counters_of(const Cgroup& c) const {
    return cgwalk_ok && c.inode ? cgwalk.find(c.inode) : nullptr;
  }

  // Usage. False when the cgroup is gone.
  bool read_usage(Cgroup& c, CgTrack& t) {
    int err = 0;
    const char* usage_file = v2 ? "memory.current" : "memory.usage_in_bytes";
    std::optional<uint64_t> before = c.usage_bytes;
    // The walk stands in for a file held open (so there, and readable); not for v1's root, whose
    // usage is computed from statistics, nor v2's, which has no file.
    const bpf::CgroupCounters* k = t.usage >= 0 ? counters_of(c) : nullptr;
    if (k && !k->root) {
      c.usage_bytes = checked_mul(k->usage_pages, static_cast<uint64_t>(snap.page_size));
    } else if (cg_read(t, t.usage, usage_file, true, err)) {
      if (auto v = parse_single_u64(buf.view(), usage_file)) c.usage_bytes = *v;
      else c.usage_bytes.reset();
    } else {
      if (err == ENODEV) return false;  // kernfs: the cgroup was removed
      c.usage_bytes.reset();
    }
    c.usage_from_meminfo = false;
    t.usage_changed = !t.usage_seen || before != c.usage_bytes;
    t.usage_seen = true;
    return true;
  }

  // The limit. False when the cgroup is gone.
  bool read_limit(Cgroup& c, CgTrack& t) {
    int err = 0;
    t.limit_at = sample_no;
    const char* limit_file = v2 ? "memory.max" : "memory.limit_in_bytes";
    c.limit_bytes.reset();
    c.limit_known = false;
    const bpf::CgroupCounters* k = t.limit >= 0 ? counters_of(c) : nullptr;
    if (k) {
      c.limit_bytes = cgroup_limit_from_pages(k->max_pages, cgwalk.page_size);
      c.limit_known = true;
    } else if (cg_read(t, t.limit, limit_file, true, err)) {
      if (auto v = parse_cgroup_limit(buf.view(), limit_file)) {
        c.limit_bytes = *v;
        c.limit_known = true;
      }
    } else if (err == ENODEV) {
      return false;
    } else if (err == ENOENT && c.path == "/") {
      c.limit_known = true;  // the v2 root has no memory.max: unlimited by definition
    }
    return true;
  }

  void read_swap_limit(Cgroup& c, CgTrack& t) {
    int err = 0;
    t.swap_at = sample_no;
    c.swap_limit_bytes.reset();
    const char* swap_file = v2 ? "memory.swap.max" : "memory.memsw.limit_in_bytes";
    const bpf::CgroupCounters* k = t.swap >= 0 ? counters_of(c) : nullptr;
    if (k && k->swap_max_pages)
      c.swap_limit_bytes = cgroup_limit_from_pages(*k->swap_max_pages, cgwalk.page_size);
    else if (cg_read(t, t.swap, swap_file, true, err))
      if (auto v = parse_cgroup_limit(buf.view(), swap_file)) c.swap_limit_bytes = *v;
  }

  // v1 failcnt, v2 memory.events: counters.
  void read_counters(Cgroup& c, CgTrack& t) {
    int err = 0;
    t.counters_at = sample_no;
    c.failcnt.reset();
    const bpf::CgroupCounters* k = !v2 && t.failcnt >= 0 ? counters_of(c) : nullptr;
    if (k && k->failcnt)
      c.failcnt = *k->failcnt;
    else if (!v2 && cg_read(t, t.failcnt, "memory.failcnt", true, err))
      if (auto v = parse_single_u64(buf.view(), "memory.failcnt")) c.failcnt = *v;
    if (!v2 || !cg_read(t, t.events, "memory.events", true, err) || !parse_flat_keyed_into(buf.view(), "memory.events", c.events))
      c.events.items.clear();
  }

  // memory.stat. True when v1's hierarchical limits in it moved since the last reading (a limit
  // here or above changed: the limits are read again at once).
  bool read_stat(Cgroup& c, CgTrack& t) {
    int err = 0;
    t.stat_at = sample_no;
    if (!cg_read(t, t.stat, "memory.stat", true, err) || !parse_flat_keyed_into(buf.view(), "memory.stat", c.stat))
      c.stat.items.clear();
    if (v2) return false;
    auto h = c.stat.get("hierarchical_memory_limit"), hs = c.stat.get("hierarchical_memsw_limit");
    bool moved = h != t.hier_limit || hs != t.hier_memsw;
    t.hier_limit = h;
    t.hier_memsw = hs;
    return moved;
  }

  void read_procs(Cgroup& c, CgTrack& t) {
    int err = 0;
    t.procs_at = sample_no;
    c.nr_procs = 0;
    c.nr_procs_known = false;
    if (cg_read(t, t.procs, "cgroup.procs", false, err)) {
      c.nr_procs = count_lines(buf.view());
      c.nr_procs_known = true;
    }
  }

  // Everything not yet read this sample (a full snapshot, or tests).
  void read_detail(Cgroup& c, CgTrack& t) {
    open_detail(t);
    if (t.stat_at != sample_no) read_stat(c, t);
    if (t.limit_at != sample_no) read_limit(c, t);
    if (t.swap_at != sample_no) read_swap_limit(c, t);
    if (t.counters_at != sample_no) read_counters(c, t);
    if (t.procs_at != sample_no) read_procs(c, t);
    t.detailed = true;
    t.detail_valid = true;
  }

  bool settings_due(const CgTrack& t) const {
    uint32_t k = opts.settings_refresh_samples;
    return k <= 1 || (t.slot + sample_no) % k == 0;
  }

  // memory.stat: when the usage moved since the last sample (and so since the stat was last read:
  // it is skipped only while the usage stands still), on its cadence, or near the limit.
  bool stat_due(const Cgroup& c, const CgTrack& t) const {
    uint32_t k = opts.stat_refresh_samples;
    return k <= 1 || t.usage_changed || !t.detail_valid || (t.slot + sample_no) % k == 0 || near_limit(c);
  }

  bool near_limit(const Cgroup& c) const {
    if (!c.limit_bytes || !c.usage_bytes) return false;
    return *c.usage_bytes >= *c.limit_bytes - *c.limit_bytes / 10;
  }

  // A regular sample's reading of one cgroup after its usage: memory.stat for the detailed ones,
  // limits and counters on their cadence or at a sign of change (see the header).
  void read_regular(Cgroup& c, CgTrack& t) {
    bool due = settings_due(t);
    // With the BPF walk the limits and v1's failcnt are this sample's, at no cost: every sample.
    bool walked = counters_of(c) != nullptr;
    if (!wants_detail(c, t)) {
      if ((due || walked) && t.limit_at != sample_no) read_limit(c, t);
      clear_detail(c, t);
      return;
    }
    open_detail(t);
    bool moved = stat_due(c, t) && read_stat(c, t);
    if ((due || moved || walked) && t.limit_at != sample_no) read_limit(c, t);
    if (due || moved || walked || !t.detail_valid) read_swap_limit(c, t);
    if (due || !t.detail_valid || near_limit(c) || (walked && !v2)) read_counters(c, t);
    // Counted from the process list after the processes are read, or read here.
    if (!count_procs_from_list()) read_procs(c, t);
    t.detailed = true;
    t.detail_valid = true;
  }

  bool count_procs_from_list() const { return opts.nr_procs_from_processes && !detail_all; }

  void clear_detail(Cgroup& c, CgTrack& t) {
    c.swap_limit_bytes.reset();
    c.failcnt.reset();
    c.stat.items.clear();
    c.events.items.clear();
    c.nr_procs = 0;
    c.nr_procs_known = false;
    t.detailed = false;
    t.detail_valid = false;
  }

  bool wants_detail(const Cgroup& c, const CgTrack& t) const {
    return detail_all || t.always_detail || c.usage_bytes.value_or(0) >= opts.detail_floor_bytes;
  }

  // Subdirectory names of a cgroup directory.
  std::vector<std::string> children_of(const CgTrack& t) {
    std::vector<std::string> out;
    DIR* d = nullptr;
    if (t.dirfd >= 0) {
      int dup = ::fcntl(t.dirfd, F_DUPFD_CLOEXEC, 0);
      if (dup >= 0) {
        ::lseek(dup, 0, SEEK_SET);  // a dup shares the offset of the kept fd
        d = ::fdopendir(dup);
        if (!d) ::close(dup);
      }
    } else {
      d = ::opendir(t.dir.c_str());
    }
    if (!d) return out;
    while (dirent* e = ::readdir(d)) {
      if (e->d_type != DT_DIR && e->d_type != DT_UNKNOWN) continue;
      std::string_view n = e->d_name;
      if (n == "." || n == "..") continue;
      out.emplace_back(n);
    }
    ::closedir(d);
    return out;
  }

  // Adds the cgroup at (path, dir) and everything below it to `added`, in the order a recursive walk
  // would (parent, then children by name), with no depth limit: an explicit stack, not recursion.
  // `seen`: inodes of the directories already tracked or added; one met again (a bind mount of an
  // ancestor inside its own subtree) is a loop and is not entered.
  void add_subtree(int parent_fd, const std::string& name, const std::string& path, const std::string& dir,
                   std::vector<std::pair<Cgroup, CgTrack>>& added, std::unordered_set<uint64_t>& seen) {
    struct Todo {
      int parent_fd;
      std::string name, path, dir;
    };
    std::vector<Todo> todo;
    todo.push_back({parent_fd, name, path, dir});
    while (!todo.empty()) {
      Todo it = std::move(todo.back());
      todo.pop_back();
      CgTrack t;
      t.dir = it.dir;
      struct stat st {};
      if (it.name.empty()) {
        if (kept < budget) {
          t.dirfd = ::open(it.dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NONBLOCK);
          if (t.dirfd >= 0)
            ++kept;
          else
            t.dirfd = kNoFd;
        }
        if (t.dirfd >= 0 && it.path == snap.memory_root_path) {
          cg_kfs = is_kernel_fs(t.dirfd);  // the hierarchy's root: a cgroup filesystem or a fixture tree
          buf.set_check_regular(!(proc_kfs && cg_kfs));
        }
      } else if (it.parent_fd >= 0) {
        bool room = kept < budget;
        t.dirfd = keep_at(it.parent_fd, it.name.c_str(), cg_kfs, O_DIRECTORY);
        if (t.dirfd == kAbsent) continue;  // removed since the listing
        if (t.dirfd == kNoFd && room && errno != ENOENT)
          snap.warnings.push_back(
              fmt::format("{}: cgroup directory unreadable ({}): read by path, its files may be unknown", it.dir,
                          Error::from_errno("", errno).message));
      }
      if ((t.dirfd >= 0 ? ::fstat(t.dirfd, &st) : ::stat(it.dir.c_str(), &st)) != 0 || !S_ISDIR(st.st_mode)) {
        drop(t.dirfd);
        continue;
      }
      if (!seen.insert(st.st_ino).second) {
        snap.warnings.push_back(fmt::format(
            "{}: the same directory as a cgroup already tracked (a bind mount loop?): not walked again", it.dir));
        drop(t.dirfd);
        continue;
      }
      Cgroup c;
      c.path = it.path;
      c.inode = st.st_ino;
      t.nlink = st.st_nlink;
      watch(t, it.path);  // before its children are listed: one made in between is still seen
      t.always_detail = opts.always_detail && opts.always_detail(it.path);
      // In turn as cgroups are found, not by inode: cgroupfs hands out inodes in steps of the number
      // of files per directory (33 on v1), which put every pod (and every container) in the same slot.
      t.slot = next_slot++;
      open_hot(t);
      if (!read_usage(c, t) || !read_limit(c, t)) {
        close_cgroup(t);
        continue;
      }
      int fd = t.dirfd;
      added.emplace_back(std::move(c), std::move(t));
      if (st.st_nlink == 2) continue;  // 2 links: no subdirectories (kernfs, tmpfs, ext4)
      CgTrack probe;
      probe.dirfd = fd;
      probe.dir = it.dir;
      auto kids = children_of(probe);
      std::sort(kids.begin(), kids.end(), std::greater<>());  // popped in name order
      for (auto& k : kids) {
        std::string kp = join_rel(it.path, k), kd = join_rel(it.dir, k);
        todo.push_back({fd, std::move(k), std::move(kp), std::move(kd)});
      }
    }
  }

  // A cgroup directory is watched (one inotify watch, no fd) so that a sample need not stat every
  // directory to find new or removed cgroups: mkdir and rmdir, on cgroupfs as on any filesystem, go
  // through the VFS, which reports them. Without a watch (no inotify, watches exhausted, or
  // opts.watch_cgroups off) a cgroup's directory is stat'ed every sample, as is every directory
  // after the event queue overflowed.
  void watch(CgTrack& t, const std::string& path) {
    if (!opts.watch_cgroups) return;
    if (ino_fd == kNoFd) {
      ino_fd = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
      if (ino_fd < 0) ino_fd = kAbsent;
    }
    if (ino_fd < 0) return;
    int wd = ::inotify_add_watch(ino_fd, t.dir.c_str(),
                                 IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO | IN_DELETE_SELF | IN_MOVE_SELF |
                                     IN_ONLYDIR | IN_DONT_FOLLOW);
    if (wd < 0) return;
    t.wd = wd;
    wd_path[wd] = path;
  }

  struct CgroupChanges {
    bool all = false;                      // check every cgroup (queue overflow, no inotify)
    std::unordered_set<std::string> check;  // may be gone or replaced
    std::unordered_set<std::string> relist; // may have new children
  };

  CgroupChanges drain_cgroup_events() {
    CgroupChanges ch;
    if (ino_fd < 0) {
      ch.all = true;
      return ch;
    }
    alignas(inotify_event) char ev[16384];
    for (;;) {
      ssize_t n = ::read(ino_fd, ev, sizeof ev);
      if (n <= 0) break;  // EAGAIN: drained
      for (ssize_t off = 0; off < n;) {
        inotify_event e{};
        std::memcpy(&e, ev + off, sizeof e);
        const char* name = ev + off + sizeof(inotify_event);
        off += static_cast<ssize_t>(sizeof(inotify_event) + e.len);
        if (e.mask & IN_Q_OVERFLOW) {
          ch.all = true;
          continue;
        }
        auto it = wd_path.find(e.wd);
        if (it == wd_path.end()) continue;
        if (e.mask & (IN_DELETE_SELF | IN_MOVE_SELF | IN_IGNORED)) ch.check.insert(it->second);
        if (!(e.mask & IN_ISDIR)) continue;
        if (e.mask & (IN_CREATE | IN_MOVED_TO)) ch.relist.insert(it->second);
        if ((e.mask & (IN_DELETE | IN_MOVED_FROM)) && e.len > 0) {
          ch.check.insert(join_rel(it->second, std::string_view(name, ::strnlen(name, e.len))));
          ch.relist.insert(it->second);
        }
      }
    }
    return ch;
  }

  void read_cgroups() {
    take_cgroup_walk();
    std::vector<std::pair<Cgroup, CgTrack>> added;
    if (!started) {
      std::unordered_set<uint64_t> seen;
      if (!snap.memory_root.empty()) add_subtree(kNoFd, "", snap.memory_root_path, snap.memory_root, added, seen);
    } else {
      CgroupChanges ch = drain_cgroup_events();
      std::unordered_set<std::string> relist = std::move(ch.relist);  // paths whose children may have changed
      std::vector<bool> gone(snap.cgroups.size(), false);
      for (size_t i = 0; i < snap.cgroups.size(); ++i) {
        Cgroup& c = snap.cgroups[i];
        CgTrack& t = ctrack[i];
        if (!ch.all && t.wd >= 0 && !ch.check.count(c.path)) {
          // Watched and not named by an event: there and unchanged (kernfs also fails the read of a
          // removed cgroup with ENODEV).
          if (!read_usage(c, t)) {
            gone[i] = true;
            relist.insert(parent_of(c.path));
          }
          continue;
        }
        // Gone: its directory was removed (no links left on a plain filesystem; kernfs fails the reads
        // with ENODEV), or, read by path, another directory took its place.
        struct stat st{};
        bool alive = (t.dirfd >= 0 ? ::fstat(t.dirfd, &st) : ::stat(t.dir.c_str(), &st)) == 0 && st.st_nlink > 0 &&
                     st.st_ino == c.inode;
        if (!alive || !read_usage(c, t)) {
          gone[i] = true;
          // A removed cgroup and a new sibling leave the parent's link count as it was.
          relist.insert(parent_of(c.path));
          continue;
        }
        // kernfs gives a directory 2 + subdirectories links; a filesystem that gives 1 is listed each time.
        if (st.st_nlink != t.nlink || st.st_nlink < 2) relist.insert(c.path);
        t.nlink = st.st_nlink;
      }
      if (std::find(gone.begin(), gone.end(), true) != gone.end()) {
        size_t k = 0;
        for (size_t i = 0; i < snap.cgroups.size(); ++i) {
          if (gone[i]) {
            close_cgroup(ctrack[i]);
            continue;
          }
          if (k != i) {
            snap.cgroups[k] = std::move(snap.cgroups[i]);
            ctrack[k] = std::move(ctrack[i]);
          }
          ++k;
        }
        snap.cgroups.resize(k);
        ctrack.resize(k);
        ++cg_gen;
      }
      std::unordered_set<uint64_t> seen;
      if (!relist.empty())
        for (const auto& c : snap.cgroups) seen.insert(c.inode);
      for (const auto& p : relist) {
        size_t i = find(p);
        if (i == SIZE_MAX) continue;
        auto kids = children_of(ctrack[i]);
        std::sort(kids.begin(), kids.end());
        for (const auto& k : kids) {
          std::string child = join_rel(p, k);
          if (find(child) != SIZE_MAX) continue;
          add_subtree(ctrack[i].dirfd, k, child, join_rel(ctrack[i].dir, k), added, seen);
        }
      }
    }
    if (!added.empty()) {
      for (auto& [c, t] : added) {
        snap.cgroups.push_back(std::move(c));
        ctrack.push_back(std::move(t));
      }
      std::vector<size_t> order(snap.cgroups.size());
      std::iota(order.begin(), order.end(), 0);
      std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return snap.cgroups[a].path < snap.cgroups[b].path; });
      std::vector<Cgroup> cs;
      std::vector<CgTrack> ts;
      cs.reserve(order.size());
      ts.reserve(order.size());
      for (size_t i : order) {
        cs.push_back(std::move(snap.cgroups[i]));
        ts.push_back(std::move(ctrack[i]));
      }
      // A path seen twice (removed and created again between the listing and the walk): keep one.
      size_t k = 0;
      for (size_t i = 0; i < cs.size(); ++i) {
        if (k > 0 && cs[k - 1].path == cs[i].path) {
          close_cgroup(ts[i]);
          continue;
        }
        if (k != i) {
          cs[k] = std::move(cs[i]);
          ts[k] = std::move(ts[i]);
        }
        ++k;
      }
      cs.resize(k);
      ts.resize(k);
      snap.cgroups = std::move(cs);
      ctrack = std::move(ts);
      ++cg_gen;
    }
    for (size_t i = 0; i < snap.cgroups.size(); ++i) read_regular(snap.cgroups[i], ctrack[i]);
    // cgroup v2 has no memory.current at the root; like runc (and read_snapshot), MemTotal - MemFree.
    if (!snap.cgroups.empty() && snap.memory_on_v2 && snap.cgroups[0].path == "/" && !snap.cgroups[0].usage_bytes) {
      auto total = snap.meminfo.get("MemTotal"), free = snap.meminfo.get("MemFree");
      if (total && free && *total >= *free) {
        snap.cgroups[0].usage_bytes = *total - *free;
        snap.cgroups[0].usage_from_meminfo = true;
      }
    }
  }

  static std::string parent_of(const std::string& path) {
    auto slash = path.rfind('/');
    if (slash == std::string::npos || slash == 0) return "/";
    return path.substr(0, slash);
  }

  size_t find(const std::string& path) const {
    auto it = std::lower_bound(snap.cgroups.begin(), snap.cgroups.end(), path,
                               [](const Cgroup& c, const std::string& p) { return c.path < p; });
    return it != snap.cgroups.end() && it->path == path ? static_cast<size_t>(it - snap.cgroups.begin()) : SIZE_MAX;
  }

  // ---- processes ----

  bool counter_trusted() {
    using PC = SampleReaderOptions::PidCounter;
    if (opts.pid_counter != PC::kDetect) return opts.pid_counter == PC::kTrusted;
    if (own_ns < 0) {
      char link[32];
      ssize_t n = ::readlinkat(proc_fd, "self", link, sizeof link);
      char me[16];
      auto [end, ec] = std::to_chars(me, me + sizeof me, static_cast<int>(::getpid()));
      own_ns = n > 0 && std::string_view(link, static_cast<size_t>(n)) == std::string_view(me, static_cast<size_t>(end - me));
    }
    return own_ns == 1;
  }

  // /proc/loadavg's last two fields: "running/tasks last_pid". The last pid is the last one handed
  // out in our pid namespace (a fork or a thread bumps it); tasks counts every task until it is
  // reaped. Both unchanged: no task was born and none reaped since, so /proc lists what it listed.
  bool read_pid_counter(uint64_t& last, uint64_t& ntasks) {
    if (!node_file(f_loadavg, paths.proc("loadavg"), true)) return false;
    std::string_view line = trim(nbuf.view());
    auto sp = line.rfind(' ');
    if (sp == std::string_view::npos) return false;
    auto l = parse_u64(line.substr(sp + 1));
    std::string_view head = line.substr(0, sp);
    auto sp2 = head.rfind(' ');
    if (!l || sp2 == std::string_view::npos) return false;
    std::string_view rt = head.substr(sp2 + 1);
    auto slash = rt.find('/');
    if (slash == std::string_view::npos) return false;
    auto t = parse_u64(rt.substr(slash + 1));
    if (!t) return false;
    last = *l;
    ntasks = *t;
    return true;
  }

  // The memory cgroup of a process: its index in snap.cgroups, SIZE_MAX when not known.
  size_t cg_of(const Process& p, ProcTrack& t) {
    if (t.cg_gen == cg_gen) return t.cg_index;
    t.cg_index = p.memory_cgroup ? find(*p.memory_cgroup) : SIZE_MAX;
    t.cg_gen = cg_gen;
    return t.cg_index;
  }

  // RSS due this sample without a liveness reason: see the header.
  bool rss_due(const Process& p, ProcTrack& t) {
    if (p.kernel_thread) return false;
    uint32_t k = opts.rss_refresh_samples;
    if (k <= 1 || (static_cast<uint64_t>(p.pid) + sample_no) % k == 0) return true;
    size_t ci = cg_of(p, t);
    return ci == SIZE_MAX || ctrack[ci].usage_changed;
  }

  // Re-reads the kept fd (or stat by path): RSS and liveness. False when the process is gone.
  bool resample(Process& p, ProcTrack& t, bool* exec_seen = nullptr) {
    int err = 0;
    char name[48];
    bool via_stat = t.via_stat || t.fd < 0;
    bool ok;
    if (t.fd >= 0 && !via_stat) {
      // statm is one short line: a stack buffer, no allocation, no clearing of a large one.
      char line[256];
      ssize_t n = ::pread(t.fd, line, sizeof line - 1, 0);
      if (n <= 0) return false;
      uint64_t rss_pages = 0, text = 0;
      if (!parse_statm(std::string_view(line, static_cast<size_t>(n)), rss_pages, text)) return false;
      // A new program image has a new text size: its comm, cmdline and maybe uid are re-read.
      if (text != t.text_pages && exec_seen && t.seen_at != sample_no) *exec_seen = true;
      t.text_pages = text;
      if (!p.kernel_thread) p.rss_bytes = checked_mul(rss_pages, static_cast<uint64_t>(snap.page_size));
      return true;
    }
    if (t.fd >= 0) {
      ok = buf.pread(t.fd, err);
    } else {
      auto [end, ec] = std::to_chars(name, name + 16, p.pid);
      std::memcpy(end, "/stat", 6);
      ok = buf.read_at(proc_fd, name, err);
    }
    if (!ok || buf.empty()) return false;
    uint64_t rss_pages = 0;
    if (via_stat) {
      auto st = parse_proc_stat(buf.view(), "stat");
      // Without a kept fd the pid is all we have: the start time tells a reused pid apart.
      if (!st || st->start_time != p.start_time) return false;
      rss_pages = st->rss_pages;
      p.state = st->state;
      p.threads = st->num_threads;
      if (p.ppid != st->ppid || p.comm != st->comm) p.identity_seq = ++identity_seq;
      p.ppid = st->ppid;
      if (p.comm != st->comm) {
        p.comm = std::move(st->comm);
        if (exec_seen) *exec_seen = true;
      }
    }
    if (!p.kernel_thread) p.rss_bytes = checked_mul(rss_pages, static_cast<uint64_t>(snap.page_size));
    return true;
  }

  // First sight of pid: identity and status (read_snapshot's reader), and the fd kept from now on.
  bool first_sight(int pid, Process& p, ProcTrack& t) {
    t = ProcTrack{};
    char name[48];
    auto [end, ec] = std::to_chars(name, name + 16, pid);
    std::memcpy(end, "/statm", 7);
    // Opened before the identity is read: if the pid changes hands in between, the fd belongs to
    // the earlier holder and reads nothing below.
    t.fd = keep_proc(name);
    if (t.fd == kAbsent) {
      std::memcpy(end, "/stat", 6);
      t.fd = keep_proc(name);
      t.via_stat = true;
      if (t.fd == kAbsent) return false;  // gone
    }
    if (preader->read(pid, p) != ProcessReader::Outcome::kRead) {
      drop_proc(t);
      return false;
    }
    p.identity_seq = ++identity_seq;
    std::optional<uint64_t> rss = p.rss_bytes;
    if (t.fd >= 0 && !resample(p, t)) {
      drop_proc(t);
      return false;
    }
    p.rss_bytes = rss;  // status's VmRSS, read with the rest of status (the same count as statm's)
    t.seen_at = sample_no;
    t.fresh = true;
    return true;
  }

  // What a sample stores of a process, afresh: stat (state, ppid, threads, comm) and status (uid,
  // RSS split, swap) through fds kept while it is stored. cmdline and cgroups change only with an
  // exec or a move, which refresh() catches. Falls back to refresh() without fds.
  void refresh_stored(Process& p, ProcTrack& t) {
    if (t.fresh) return;
    char name[48];
    auto [end, ec] = std::to_chars(name, name + 16, p.pid);
    if (t.stat_fd == kNoFd) {
      std::memcpy(end, "/stat", 6);
      t.stat_fd = keep_proc(name);
    }
    if (t.status_fd == kNoFd) {
      std::memcpy(end, "/status", 8);
      t.status_fd = keep_proc(name);
    }
    if (t.stat_fd < 0 || t.status_fd < 0) {
      refresh(p, t);
      return;
    }
    int err = 0;
    if (!buf.pread(t.stat_fd, err) || buf.empty()) return;
    auto st = parse_proc_stat(buf.view(), "stat");
    if (!st || st->start_time != p.start_time) return;  // the fds belong to an earlier holder of the pid
    Process q = p;
    q.ppid = st->ppid;
    q.state = st->state;
    q.comm = std::move(st->comm);
    q.threads = st->num_threads;
    q.kernel_thread = p.kernel_thread || (st->flags & 0x00200000u) != 0;  // PF_KTHREAD
    if (!buf.pread(t.status_fd, err) || buf.empty()) return;
    auto ss = parse_proc_status(buf.view(), "status");
    if (!ss) return;
    // As ProcessReader::read: kernel threads have no memory fields; a zombie or exiting task holds 0.
    q.uid = ss->uid;
    if (ss->kthread) q.kernel_thread = true;
    if (ss->threads) q.threads = *ss->threads;
    if (!q.kernel_thread) {
      bool no_mm = !ss->has_vm_size || q.state == 'Z' || q.state == 'X';
      if (no_mm) {
        q.rss_bytes = q.rss_anon_bytes = q.rss_file_bytes = q.rss_shmem_bytes = q.swap_bytes = 0;
      } else {
        q.rss_bytes = ss->vm_rss;
        q.rss_anon_bytes = ss->rss_anon;
        q.rss_file_bytes = ss->rss_file;
        q.rss_shmem_bytes = ss->rss_shmem;
        q.swap_bytes = ss->vm_swap;
      }
    }
    bool execd = q.comm != p.comm;
    p = std::move(q);
    p.identity_seq = ++identity_seq;
    t.fresh = true;
    if (execd) {
      t.fresh = false;
      refresh(p, t);  // a new program: its cmdline too
    }
  }

  // Identity and status afresh (same process: same start time).
  void refresh(Process& p, ProcTrack& t) {
    if (t.fresh) return;
    Process q;
    if (preader->read(p.pid, q) != ProcessReader::Outcome::kRead || q.start_time != p.start_time) return;
    p = std::move(q);
    p.identity_seq = ++identity_seq;
    t.fresh = true;
  }

  void read_processes() {
    // Whether /proc must be listed, and which known processes must be read to know they still are
    // the process we know (see the header).
    bool trusted = counter_trusted();
    uint64_t now_last = 0, now_tasks = 0;
    if (trusted && !read_pid_counter(now_last, now_tasks)) trusted = false;
    bool prev_ok = counter_ok && started;
    bool unchanged = trusted && prev_ok && now_last == last_pid && now_tasks == tasks;
    uint64_t prev_last = last_pid;
    last_pid = now_last;
    tasks = now_tasks;
    counter_ok = trusted;

    std::vector<int> pids;
    if (unchanged) {
      pids.reserve(snap.processes.size());
      for (const auto& p : snap.processes) pids.push_back(p.pid);
    } else {
      pids = preader->list_pids();
      // The pids handed out since the last sample lie (cyclically) after the last pid then, up to
      // the last pid now, read again after the listing so that it covers every pid listed. Those a
      // known process held may belong to a new one: they are read (a gone process's kept fd reads
      // nothing). Pids are handed out in turn, so the others are still the processes we know (a
      // whole turn of pid_max between two samples is caught by the RSS cadence's reads).
      uint64_t after = 0, ignored = 0;
      if (trusted && read_pid_counter(after, ignored)) now_last = after;
    }
    bool wrapped = now_last < prev_last;
    auto maybe_reused = [&](int pid) {
      if (!trusted || !prev_ok) return true;
      auto u = static_cast<uint64_t>(pid);
      return wrapped ? (u > prev_last || u <= now_last) : (u > prev_last && u <= now_last);
    };
    // Merged in place: a kept process stays in its slot (moved down over the exited ones) and the
    // born are gathered aside, then merged in by pid from the back. A sample with no birth and no
    // exit moves no Process (each is a few hundred bytes of strings and optionals).
    const size_t n_old = snap.processes.size();
    std::vector<std::pair<Process, ProcTrack>> born;
    std::unordered_set<int> gone;
    std::vector<int> refresh_pids;
    size_t a = 0, b = 0, w = 0;
    auto see = [&](int pid) {
      Process p;
      ProcTrack t;
      if (first_sight(pid, p, t)) born.emplace_back(std::move(p), t);
      else ++snap.skipped;
    };
    while (a < n_old || b < pids.size()) {
      if (b == pids.size() || (a < n_old && snap.processes[a].pid < pids[b])) {
        drop_proc(ptrack[a]);
        gone.insert(snap.processes[a].pid);
        ++a;
        continue;
      }
      if (a == n_old || pids[b] < snap.processes[a].pid) {
        see(pids[b++]);
        continue;
      }
      Process& p = snap.processes[a];
      ProcTrack& t = ptrack[a];
      t.fresh = false;
      if (!p.kernel_thread) {  // status's split of RSS is for the sample that read status
        p.rss_anon_bytes.reset();
        p.rss_file_bytes.reset();
        p.rss_shmem_bytes.reset();
        p.swap_bytes.reset();
      }
      bool exec_seen = false;
      bool read = maybe_reused(p.pid) || rss_due(p, t);
      if (!read || resample(p, t, &exec_seen)) {
        // A process born since the last sample (not one found at start-up) may have been moved into its
        // scope right after its fork.
        if (exec_seen || (t.seen_at > 1 && t.seen_at + 1 == sample_no)) refresh_pids.push_back(p.pid);
        if (w != a) {
          snap.processes[w] = std::move(p);
          ptrack[w] = t;
        }
        ++w;
      } else {
        // Exited; the pid is listed again by a new process, or by this one's zombie being reaped.
        drop_proc(t);
        gone.insert(p.pid);
        see(pids[b]);
      }
      ++a;
      ++b;
    }
    snap.processes.resize(w);
    ptrack.resize(w);
    merge_born(born);
    std::vector<size_t> refresh_now;  // indexes into snap.processes
    for (int pid : refresh_pids) {
      auto it = std::lower_bound(snap.processes.begin(), snap.processes.end(), pid,
                                 [](const Process& q, int v) { return q.pid < v; });
      refresh_now.push_back(static_cast<size_t>(it - snap.processes.begin()));
    }
    // Children of an exited parent were reparented: their ppid is read again.
    for (size_t i = 0; i < snap.processes.size(); ++i)
      if (!ptrack[i].fresh && gone.count(snap.processes[i].ppid)) refresh_now.push_back(i);
    for (size_t i : refresh_now) refresh(snap.processes[i], ptrack[i]);
    rolling_refresh();
  }

  // Merges the processes born this sample (sorted by pid) into the kept ones (sorted by pid).
  void merge_born(std::vector<std::pair<Process, ProcTrack>>& born) {
    const size_t w = snap.processes.size();
    if (!born.empty()) {  // both runs are sorted by pid
      size_t i = w, j = born.size(), k = w + born.size();
      snap.processes.resize(k);
      ptrack.resize(k);
      while (j > 0) {
        --k;
        if (i > 0 && snap.processes[i - 1].pid > born[j - 1].first.pid) {
          --i;
          snap.processes[k] = std::move(snap.processes[i]);
          ptrack[k] = ptrack[i];
        } else {
          --j;
          snap.processes[k] = std::move(born[j].first);
          ptrack[k] = born[j].second;
        }
      }
    }
  }

  // Everyone in turn (comm set by prctl, a cgroup move, setuid, a rewritten argv): a few processes
  // per sample.
  void rolling_refresh() {
    if (!snap.processes.empty() && opts.identity_refresh_per_sample > 0) {
      auto it = std::upper_bound(snap.processes.begin(), snap.processes.end(), refresh_after_pid,
                                 [](int pid, const Process& q) { return pid < q.pid; });
      size_t i = static_cast<size_t>(it - snap.processes.begin());
      for (size_t n = 0; n < std::min(opts.identity_refresh_per_sample, snap.processes.size()); ++n, ++i) {
        if (i >= snap.processes.size()) i = 0;
        refresh(snap.processes[i], ptrack[i]);
        refresh_after_pid = snap.processes[i].pid;
      }
    }
  }

  // ---- processes from a BPF task walk (opts.task_walk) ----

  // A process first seen in the walk: the record, and from procfs its cmdline and cgroup lines.
  bool first_sight_task(const bpf::TaskRecord& r, Process& p, ProcTrack& t) {
    t = ProcTrack{};
    if (preader->read_task(r, p) != ProcessReader::Outcome::kRead) return false;
    if (preader->read_cgroup(r.pid, p) != ProcessReader::Outcome::kRead) return false;
    p.identity_seq = ++identity_seq;
    t.memcg_id = r.memcg_id;
    t.exec_id = r.exec_id;
    t.seen_at = sample_no;
    t.fresh = true;
    return true;
  }

  // A known process from its record: what changes without an exec. Returns whether its identity
  // must be read again from procfs (an exec: cmdline and cgroups too).
  bool update_from_task(const bpf::TaskRecord& r, Process& p, ProcTrack& t) {
    Process q;
    process_from_task(r, snap.clock_ticks, snap.page_size, q);
    bool changed = q.ppid != p.ppid || q.uid != p.uid || (!r.has(bpf::TaskRecord::kCommProcfs) && q.comm != p.comm);
    p.ppid = q.ppid;
    p.uid = q.uid;
    p.state = q.state;
    p.threads = q.threads;
    if (!r.has(bpf::TaskRecord::kCommProcfs)) p.comm = std::move(q.comm);
    p.rss_bytes = q.rss_bytes;
    p.rss_anon_bytes = q.rss_anon_bytes;
    p.rss_file_bytes = q.rss_file_bytes;
    p.rss_shmem_bytes = q.rss_shmem_bytes;
    p.swap_bytes = q.swap_bytes;
    bool execd = r.exec_id != t.exec_id;
    if (r.memcg_id != t.memcg_id && !execd) {
      // Moved to another cgroup: its cgroup lines again (the name=systemd line moves with it).
      preader->read_cgroup(p.pid, p);
      t.cg_gen = 0;
      changed = true;
    }
    t.memcg_id = r.memcg_id;
    t.exec_id = r.exec_id;
    if (changed) p.identity_seq = ++identity_seq;
    return execd;
  }

  // False when the walk failed: procfs this sample (read_processes).
  bool read_processes_from_walk() {
    auto got = opts.task_walk(wbuf);
    if (got) got = bpf::parse_task_walk(wbuf.view(), walk);
    if (!got) {
      if (walk_error != got.error().describe()) {
        walk_error = got.error().describe();
        snap.warnings.push_back("BPF task walk failed, processes read from procfs this sample: " + walk_error);
      }
      return false;
    }
    walk_error.clear();
    const auto& tasks = walk.tasks;
    // Merged in place as read_processes does: a kept process stays in its slot (moved down over
    // the exited ones), the born are gathered aside and merged in by pid from the back.
    const size_t n_old = snap.processes.size();
    std::vector<std::pair<Process, ProcTrack>> born;
    std::vector<int> refresh_pids;
    size_t a = 0, w = 0;
    auto keep = [&](size_t i) {
      if (w != i) {
        snap.processes[w] = std::move(snap.processes[i]);
        ptrack[w] = ptrack[i];
      }
      ++w;
    };
    // The kernel's walk may leave out PID 1 (seen on 6.18): kept through procfs, as without a walk.
    if (tasks.empty() || tasks.front().pid != 1) {
      if (a < n_old && snap.processes[a].pid == 1) {
        ptrack[a].fresh = false;
        if (resample(snap.processes[a], ptrack[a]))
          keep(a);
        else
          drop_proc(ptrack[a]);
        ++a;
      } else if (::faccessat(proc_fd, "1", F_OK, 0) == 0) {
        Process p;
        ProcTrack t;
        if (first_sight(1, p, t)) born.emplace_back(std::move(p), t);
      }
    }
    for (const auto& r : tasks) {
      while (a < n_old && snap.processes[a].pid < r.pid) drop_proc(ptrack[a++]);
      if (a < n_old && snap.processes[a].pid == r.pid) {
        Process& p = snap.processes[a];
        ProcTrack& t = ptrack[a];
        if (p.start_time == bpf::start_ticks(r.start_boottime_ns, snap.clock_ticks)) {
          t.fresh = false;
          bool execd = update_from_task(r, p, t);
          // A process born since the last sample (not one found at start-up) may have been moved into
          // its scope right after its fork.
          if (execd || (t.seen_at > 1 && t.seen_at + 1 == sample_no)) refresh_pids.push_back(p.pid);
          keep(a++);
          continue;
        }
        drop_proc(ptrack[a++]);  // the pid changed hands
      }
      Process p;
      ProcTrack t;
      if (first_sight_task(r, p, t))
        born.emplace_back(std::move(p), t);
      else
        ++snap.skipped;
    }
    while (a < n_old) drop_proc(ptrack[a++]);
    snap.processes.resize(w);
    ptrack.resize(w);
    merge_born(born);
    for (int pid : refresh_pids) {
      auto it = std::lower_bound(snap.processes.begin(), snap.processes.end(), pid,
                                 [](const Process& q, int v) { return q.pid < v; });
      size_t i = static_cast<size_t>(it - snap.processes.begin());
      refresh(snap.processes[i], ptrack[i]);
    }
    rolling_refresh();
    return true;
  }

  // nr_procs of the detailed cgroups that did not read cgroup.procs: from the process list.
  void count_procs() {
    if (!count_procs_from_list()) return;
    std::vector<uint32_t> n(snap.cgroups.size(), 0);
    for (size_t i = 0; i < snap.processes.size(); ++i) {
      size_t ci = cg_of(snap.processes[i], ptrack[i]);
      if (ci < n.size()) ++n[ci];
    }
    for (size_t i = 0; i < snap.cgroups.size(); ++i) {
      if (!ctrack[i].detailed || ctrack[i].procs_at == sample_no) continue;
      snap.cgroups[i].nr_procs = n[i];
      snap.cgroups[i].nr_procs_known = true;
    }
  }

  void read_slab() {
    slab_at = sample_no;
    snap.slab.clear();
    snap.slab_readable = false;
    if (node_file(f_slab, paths.proc("slabinfo"), false, FileKind::kKernelTable))
      if (auto slab = parse_slabinfo(nbuf.view(), paths.proc("slabinfo"))) {
        snap.slab = std::move(*slab);
        snap.slab_readable = true;
      }
  }

  // True when mountinfo must be read: always from a plain file, on a change from procfs.
  bool mounts_due() {
    if (!started || !mounts_pollable || f_mountinfo < 0) return true;
    pollfd pfd{f_mountinfo, POLLPRI, 0};
    return ::poll(&pfd, 1, 0) != 0;  // POLLPRI|POLLERR once per change; an error: read
  }

  // ---- node ----

  Result<Snapshot*> read() {
    ++sample_no;
    snap.time = now_unix();
    snap.skipped = 0;
    snap.warnings.clear();
    if (!started) {
      snap.clock_ticks = ::sysconf(_SC_CLK_TCK);
      snap.page_size = ::sysconf(_SC_PAGESIZE);
      if (auto t = read_file(paths.proc("stat"), FileKind::kKernel)) {
        for_each_line(*t, [&](std::string_view line, int) {
          if (starts_with(line, "btime ")) snap.boot_time = parse_u64(trim(line.substr(6))).value_or(0);
        });
      }
      proc_fd = ::open(paths.procfs.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
      if (proc_fd < 0) return fail(Error::from_errno(paths.procfs, errno));
      ++kept;
      proc_kfs = is_kernel_fs(proc_fd);
      nbuf.set_check_regular(!proc_kfs);
    }
    if (!node_file(f_meminfo, paths.proc("meminfo"), true))
      return fail(Error::from_errno(paths.proc("meminfo"), ENOENT));
    auto mi = parse_meminfo(nbuf.view(), paths.proc("meminfo"), &snap.warnings);
    if (!mi) return fail(mi.error());
    snap.meminfo = std::move(*mi);
    if (!node_file(f_vmstat, paths.proc("vmstat"), false) || !parse_flat_keyed_into(nbuf.view(), paths.proc("vmstat"), snap.vmstat))
      snap.vmstat.items.clear();
    snap.psi.reset();
    if (node_file(f_psi, paths.proc("pressure/memory"), false))
      if (auto psi = parse_psi(nbuf.view(), paths.proc("pressure/memory"))) snap.psi = *psi;
    // Between readings the last one stands (meminfo's Slab totals are every sample's).
    if (opts.slab && (opts.slab_refresh_samples <= 1 || slab_at == 0 || sample_no - slab_at >= opts.slab_refresh_samples))
      read_slab();
    if (!started) {
      // PID 1's view is the host's mount namespace when we run with hostPID (as read_mounts).
      mountinfo_path = paths.proc("1/mountinfo");
      if (!node_file(f_mountinfo, mountinfo_path, false, FileKind::kMounts)) {
        drop(f_mountinfo);
        mountinfo_path = paths.proc("self/mountinfo");
      }
    }
    if (mounts_due()) {
      snap.mounts.clear();
      if (node_file(f_mountinfo, mountinfo_path, false, FileKind::kMounts))
        if (auto m = parse_mountinfo(nbuf.view(), mountinfo_path)) snap.mounts = std::move(*m);
    }
    if (!started) {
      struct statfs sf{};
      mounts_pollable = f_mountinfo >= 0 && ::fstatfs(f_mountinfo, &sf) == 0 && sf.f_type == PROC_SUPER_MAGIC;
      CgroupLayout layout = detect_cgroup_layout(snap.mounts, paths);
      snap.cgroup_version = layout.version;
      snap.memory_on_v2 = layout.memory_on_v2;
      v2 = layout.memory_on_v2;
      if (!layout.memory_mount.empty()) {
        snap.memory_root = paths.host(layout.memory_mount);
        snap.memory_root_path = layout.memory_mount_root;
      }
      detail_all = snap.memory_root_path != "/";
      preader = std::make_unique<ProcessReader>(paths, v2, so);
    }
    read_cgroups();
    double t0 = thread_cpu_seconds();
    if (!opts.task_walk || !read_processes_from_walk()) read_processes();
    process_cpu += thread_cpu_seconds() - t0;
    count_procs();
    started = true;
    return &snap;
  }
};

SampleReader::SampleReader(HostPaths paths, SampleReaderOptions opts)
    : impl_(std::make_unique<Impl>(std::move(paths), std::move(opts))) {}

SampleReader::~SampleReader() = default;

Result<Snapshot*> SampleReader::read() { return impl_->read(); }

void SampleReader::complete_processes(const std::vector<size_t>& indexes) {
  for (size_t i : indexes)
    if (i < impl_->snap.processes.size()) impl_->refresh_stored(impl_->snap.processes[i], impl_->ptrack[i]);
}

void SampleReader::complete_cgroups(const std::vector<size_t>& indexes) {
  for (size_t i : indexes)
    if (i < impl_->snap.cgroups.size()) impl_->read_detail(impl_->snap.cgroups[i], impl_->ctrack[i]);
}

void SampleReader::complete_node() {
  if (impl_->opts.slab && impl_->slab_at != impl_->sample_no) impl_->read_slab();
}

size_t SampleReader::kept_fds() const { return impl_->kept; }

double SampleReader::process_cpu_seconds() const {
  return impl_->process_cpu;
}

}  // namespace ms
