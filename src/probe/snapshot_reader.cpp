#include "probe/snapshot_reader.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <fmt/format.h>

#include "probe/fs.hpp"
#include "probe/parsers.hpp"
#include "util/text.hpp"
#include "util/units.hpp"

namespace ms {

namespace {

constexpr unsigned kPfKthread = 0x00200000;  // include/linux/sched.h PF_KTHREAD

bool is_gone(int err) { return err == ENOENT || err == ESRCH || err == ENODEV; }

bool is_tmpfs_like(std::string_view fs) { return fs == "tmpfs" || fs == "ramfs" || fs == "shm"; }

uint64_t read_btime(const HostPaths& paths) {
  auto text = read_file(paths.proc("stat"));
  if (!text) return 0;
  uint64_t bt = 0;
  for_each_line(*text, [&](std::string_view line, int) {
    if (starts_with(line, "btime ")) bt = parse_u64(trim(line.substr(6))).value_or(0);
  });
  return bt;
}

// Counts non-empty lines of cgroup.procs without allocating per line.
uint32_t count_lines(std::string_view s) {
  uint32_t n = 0;
  for_each_line(s, [&](std::string_view line, int) {
    if (!line.empty()) ++n;
  });
  return n;
}

}  // namespace

Result<std::vector<Mount>> read_mounts(const HostPaths& paths) {
  // PID 1's view is the host's mount namespace when we run with hostPID in a DaemonSet.
  auto text = read_file(paths.proc("1/mountinfo"));
  std::string used = paths.proc("1/mountinfo");
  if (!text) {
    used = paths.proc("self/mountinfo");
    text = read_file(used);
  }
  if (!text) return fail(text.error());
  return parse_mountinfo(*text, used);
}

namespace {
bool has_option(std::string_view opts, std::string_view want) {
  while (!opts.empty()) {
    size_t comma = opts.find(',');
    if (opts.substr(0, comma) == want) return true;
    if (comma == std::string_view::npos) break;
    opts.remove_prefix(comma + 1);
  }
  return false;
}

// Among several mounts of one hierarchy (bind mounts into containers show up in PID 1's table on
// some hosts), prefer the one that shows the whole hierarchy, then the conventional location.
bool better_mount(const Mount& cand, const Mount* cur, std::string_view conventional) {
  if (!cur) return true;
  bool cand_full = cand.root == "/", cur_full = cur->root == "/";
  if (cand_full != cur_full) return cand_full;
  return cand.mount_point == conventional && cur->mount_point != conventional;
}

bool word_in(std::string_view text, std::string_view word) {
  size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && (text[i] == ' ' || text[i] == '\n' || text[i] == '\t')) ++i;
    size_t b = i;
    while (i < text.size() && text[i] != ' ' && text[i] != '\n' && text[i] != '\t') ++i;
    if (text.substr(b, i - b) == word) return true;
  }
  return false;
}
}  // namespace

CgroupLayout detect_cgroup_layout(const std::vector<Mount>& mounts, const HostPaths& paths) {
  CgroupLayout l;
  bool any_v1 = false;
  const Mount* v1_memory = nullptr;
  const Mount* v2 = nullptr;
  for (const auto& m : mounts) {
    if (m.fs_type == "cgroup2") {
      if (better_mount(m, v2, "/sys/fs/cgroup")) v2 = &m;
    } else if (m.fs_type == "cgroup") {
      any_v1 = true;
      if (has_option(m.super_options, "memory") && better_mount(m, v1_memory, "/sys/fs/cgroup/memory"))
        v1_memory = &m;
    }
  }
  if (v1_memory) {
    // Hybrid: v1 controllers plus a cgroup2 mount (systemd's "unified" or a v2 root with one v1
    // controller such as net_cls). The memory controller lives on v1 here.
    l.version = v2 ? CgroupVersion::kHybrid : CgroupVersion::kV1;
    l.memory_mount = v1_memory->mount_point;
    l.memory_mount_root = v1_memory->root;
  } else if (v2) {
    l.version = any_v1 ? CgroupVersion::kHybrid : CgroupVersion::kV2;
    // The memory controller may be bound to no hierarchy at all (v1 disabled, v2 without memory).
    auto ctl = read_file(paths.host(v2->mount_point + "/cgroup.controllers"));
    if (!ctl || word_in(*ctl, "memory")) {
      l.memory_on_v2 = true;
      l.memory_mount = v2->mount_point;
      l.memory_mount_root = v2->root;
    }
  } else {
    // No mountinfo (fixture trees may omit it): look at the conventional places.
    if (is_dir(paths.sys("fs/cgroup/memory"))) {
      l.version = CgroupVersion::kV1;
      l.memory_mount = "/sys/fs/cgroup/memory";
    } else if (exists(paths.sys("fs/cgroup/cgroup.controllers"))) {
      l.version = CgroupVersion::kV2;
      l.memory_on_v2 = true;
      l.memory_mount = "/sys/fs/cgroup";
    }
  }
  return l;
}

namespace {

std::string join_rel(const std::string& base, std::string_view name) {
  std::string out = base;
  if (out.empty() || out.back() != '/') out += '/';
  out += name;
  return out;
}

// path: the cgroup's path in the hierarchy; dir: where we read it (only for messages).
Cgroup read_cgroup_at(int fd, std::string path, const std::string& dir, bool v2, std::string& buf,
                      std::vector<std::string>* warnings) {
  Cgroup c;
  c.path = std::move(path);
  struct stat st{};
  if (::fstat(fd, &st) == 0) c.inode = st.st_ino;
  int err = 0;
  auto warn = [&](const Error& e) {
    if (warnings) warnings->push_back(e.describe());
  };
  const char* usage_file = v2 ? "memory.current" : "memory.usage_in_bytes";
  if (read_record_at(fd, usage_file, buf, err)) {
    if (auto v = parse_single_u64(buf, join_rel(dir, usage_file))) c.usage_bytes = *v;
    else warn(v.error());
  }
  const char* limit_file = v2 ? "memory.max" : "memory.limit_in_bytes";
  if (read_record_at(fd, limit_file, buf, err)) {
    if (auto v = parse_cgroup_limit(buf, join_rel(dir, limit_file))) {
      c.limit_bytes = *v;
      c.limit_known = true;
    } else {
      warn(v.error());
    }
  } else if (err == ENOENT && c.path == "/") {
    c.limit_known = true;  // the v2 root has no memory.max: unlimited by definition
  }
  const char* swap_file = v2 ? "memory.swap.max" : "memory.memsw.limit_in_bytes";
  if (read_record_at(fd, swap_file, buf, err)) {
    if (auto v = parse_cgroup_limit(buf, join_rel(dir, swap_file))) c.swap_limit_bytes = *v;
    else warn(v.error());
  }
  if (!v2 && read_record_at(fd, "memory.failcnt", buf, err)) {
    if (auto v = parse_single_u64(buf, join_rel(dir, "memory.failcnt"))) c.failcnt = *v;
    else warn(v.error());
  }
  if (read_record_at(fd, "memory.stat", buf, err)) {
    if (auto kv = parse_flat_keyed(buf, join_rel(dir, "memory.stat"))) c.stat = std::move(*kv);
    else warn(kv.error());
  }
  if (v2 && read_record_at(fd, "memory.events", buf, err)) {
    if (auto kv = parse_flat_keyed(buf, join_rel(dir, "memory.events"))) c.events = std::move(*kv);
    else warn(kv.error());
  }
  if (read_at(fd, "cgroup.procs", buf, err)) {
    c.nr_procs = count_lines(buf);
    c.nr_procs_known = true;
  }
  return c;
}

struct CgroupWalk {
  bool v2;
  std::vector<Cgroup>& out;
  uint64_t& skipped;
  std::vector<std::string>* warnings;
  std::string buf;

  // fd is an open directory of the cgroup; path its hierarchy path; dir its readable location.
  void walk(int fd, const std::string& path, const std::string& dir, int depth) {
    out.push_back(read_cgroup_at(fd, path, dir, v2, buf, warnings));
    if (depth > 64) return;
    int dup_fd = ::fcntl(fd, F_DUPFD_CLOEXEC, 0);
    if (dup_fd < 0) return;
    DIR* d = ::fdopendir(dup_fd);
    if (!d) {
      ::close(dup_fd);
      return;
    }
    std::vector<std::string> children;
    while (dirent* e = ::readdir(d)) {
      if (e->d_type != DT_DIR && e->d_type != DT_UNKNOWN) continue;
      std::string_view n = e->d_name;
      if (n == "." || n == "..") continue;
      children.emplace_back(n);
    }
    ::closedir(d);
    std::sort(children.begin(), children.end());
    for (const auto& ch : children) {
      DirFd child = DirFd::open_at(fd, ch.c_str());
      if (!child.ok()) {
        // A regular file reported as DT_UNKNOWN, or a cgroup removed since readdir.
        if (errno != ENOTDIR) ++skipped;
        continue;
      }
      walk(child.get(), join_rel(path, ch), join_rel(dir, ch), depth + 1);
    }
  }
};

}  // namespace

std::optional<Cgroup> read_cgroup(const std::string& root_dir, const std::string& rel, bool v2,
                                  std::vector<std::string>* warnings) {
  std::string dir = rel == "/" ? root_dir : HostPaths::join(root_dir, rel);
  DirFd fd = DirFd::open(dir);
  if (!fd.ok()) return std::nullopt;
  std::string buf;
  return read_cgroup_at(fd.get(), rel, dir, v2, buf, warnings);
}

ProcessReader::ProcessReader(const HostPaths& paths, bool memory_on_v2, const SnapshotOptions& opts)
    : paths_(paths), memory_on_v2_(memory_on_v2), opts_(opts) {
  proc_fd_ = ::open(paths.procfs.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  buf_.reserve(8192);
  link_.reserve(256);
}

ProcessReader::~ProcessReader() {
  if (proc_fd_ >= 0) ::close(proc_fd_);
}

bool ProcessReader::ok() const { return proc_fd_ >= 0; }

std::vector<int> ProcessReader::list_pids() const {
  std::vector<int> pids;
  if (proc_fd_ < 0) return pids;
  int dup_fd = ::fcntl(proc_fd_, F_DUPFD_CLOEXEC, 0);
  if (dup_fd < 0) return pids;
  DIR* d = ::fdopendir(dup_fd);
  if (!d) {
    ::close(dup_fd);
    return pids;
  }
  pids.reserve(1024);
  while (dirent* e = ::readdir(d)) {
    const char* n = e->d_name;
    if (*n < '0' || *n > '9') continue;
    int pid = 0;
    auto [end, ec] = std::from_chars(n, n + std::strlen(n), pid);
    if (ec == std::errc() && *end == '\0' && pid > 0) pids.push_back(pid);
  }
  ::closedir(d);
  std::sort(pids.begin(), pids.end());
  return pids;
}

ProcessReader::Outcome ProcessReader::read(int pid, Process& p, std::string* warning) {
  char name[16];
  auto [end, ec] = std::to_chars(name, name + sizeof name - 1, pid);
  *end = '\0';
  DirFd fd(::openat(proc_fd_, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd.ok()) return Outcome::kGone;
  auto where = [&](const char* file) { return paths_.proc(std::string(name) + "/" + file); };
  auto malformed = [&](const Error& e) {
    if (warning) *warning = e.describe();
    return Outcome::kMalformed;
  };
  int err = 0;
  p = Process{};
  p.pid = pid;
  if (!read_record_at(fd.get(), "stat", buf_, err)) return Outcome::kGone;
  if (buf_.empty()) return Outcome::kGone;  // the task was reaped between open and read
  auto st = parse_proc_stat(buf_, where("stat"));
  if (!st) return malformed(st.error());
  p.ppid = st->ppid;
  p.state = st->state;
  p.start_time = st->start_time;
  p.comm = std::move(st->comm);
  p.threads = st->num_threads;
  p.kernel_thread = (st->flags & kPfKthread) != 0;

  if (read_record_at(fd.get(), "status", buf_, err)) {
    auto s = parse_proc_status(buf_, where("status"));
    if (!s) return malformed(s.error());
    p.uid = s->uid;
    if (s->kthread) p.kernel_thread = true;
    if (s->threads) p.threads = *s->threads;
    // Kernel threads have no mm: their memory fields stay null. A zombie or an exiting task has
    // released its mm (status then has no Vm* lines): it holds no memory, which is 0, not unknown.
    if (!p.kernel_thread) {
      bool no_mm = !s->has_vm_size || p.state == 'Z' || p.state == 'X';
      if (no_mm) {
        p.rss_bytes = p.rss_anon_bytes = p.rss_file_bytes = p.rss_shmem_bytes = p.swap_bytes = 0;
      } else {
        p.rss_bytes = s->vm_rss;
        p.rss_anon_bytes = s->rss_anon;
        p.rss_file_bytes = s->rss_file;
        p.rss_shmem_bytes = s->rss_shmem;
        p.swap_bytes = s->vm_swap;
      }
    }
  } else if (is_gone(err)) {
    return Outcome::kGone;
  }
  if (read_record_at(fd.get(), "cmdline", buf_, err)) p.cmdline = parse_cmdline(buf_);
  else if (is_gone(err)) return Outcome::kGone;
  if (read_record_at(fd.get(), "cgroup", buf_, err)) {
    auto cg = parse_proc_cgroup(buf_, where("cgroup"));
    if (!cg) return malformed(cg.error());
    p.cgroups = std::move(*cg);
    p.memory_cgroup = memory_cgroup_of(p.cgroups, memory_on_v2_);
  } else if (is_gone(err)) {
    return Outcome::kGone;
  }
  if (opts_.links && !p.kernel_thread) {
    // EACCES (another user's process, without CAP_SYS_PTRACE) leaves them null.
    if (read_link_at(fd.get(), "exe", link_, err)) p.exe = link_;
    if (read_link_at(fd.get(), "cwd", link_, err)) p.cwd = link_;
  }
  if (opts_.pss && !p.kernel_thread && p.rss_bytes && *p.rss_bytes <= opts_.pss_max_rss_bytes) {
    if (read_record_at(fd.get(), "smaps_rollup", buf_, err)) {
      auto r = parse_smaps_rollup(buf_, where("smaps_rollup"));
      if (r) {
        p.pss_bytes = r->pss;
        p.uss_bytes = r->uss();
      } else if (!buf_.empty()) {
        return malformed(r.error());
      }
    }
  }
  return Outcome::kRead;
}

std::optional<Process> read_process(const HostPaths& paths, int pid, bool memory_on_v2, const SnapshotOptions& opts,
                                    bool* gone) {
  ProcessReader reader(paths, memory_on_v2, opts);
  Process p;
  auto r = reader.ok() ? reader.read(pid, p) : ProcessReader::Outcome::kGone;
  if (gone) *gone = r != ProcessReader::Outcome::kRead;
  if (r != ProcessReader::Outcome::kRead) return std::nullopt;
  return p;
}

Result<Snapshot> read_snapshot(const HostPaths& paths, const SnapshotOptions& opts) {
  Snapshot s;
  s.time = now_unix();
  s.clock_ticks = ::sysconf(_SC_CLK_TCK);
  s.page_size = ::sysconf(_SC_PAGESIZE);
  s.boot_time = read_btime(paths);

  auto mi_text = read_file(paths.proc("meminfo"));
  if (!mi_text) return fail(mi_text.error());
  auto mi = parse_meminfo(*mi_text, paths.proc("meminfo"));
  if (!mi) return fail(mi.error());
  s.meminfo = std::move(*mi);

  if (auto t = read_file(paths.proc("vmstat"))) {
    if (auto kv = parse_flat_keyed(*t, paths.proc("vmstat"))) s.vmstat = std::move(*kv);
    else s.warnings.push_back(kv.error().describe());
  }
  if (auto t = read_file(paths.proc("pressure/memory"))) {
    if (auto psi = parse_psi(*t, paths.proc("pressure/memory"))) s.psi = *psi;
    else s.warnings.push_back(psi.error().describe());
  }
  if (opts.slab) {
    if (auto t = read_file(paths.proc("slabinfo"))) {
      if (auto slab = parse_slabinfo(*t, paths.proc("slabinfo"))) {
        s.slab = std::move(*slab);
        s.slab_readable = true;
      } else {
        s.warnings.push_back(slab.error().describe());
      }
    }
  }

  if (auto mounts = read_mounts(paths)) s.mounts = std::move(*mounts);
  else s.warnings.push_back(mounts.error().describe());
  CgroupLayout layout = detect_cgroup_layout(s.mounts, paths);
  s.cgroup_version = layout.version;
  s.memory_on_v2 = layout.memory_on_v2;
  if (!layout.memory_mount.empty()) {
    s.memory_root = paths.host(layout.memory_mount);
    s.memory_root_path = layout.memory_mount_root;
  }

  if (opts.statvfs_tmpfs) {
    for (auto& m : s.mounts) {
      if (!is_tmpfs_like(m.fs_type)) continue;
      struct statvfs vfs{};
      if (::statvfs(paths.host(m.mount_point).c_str(), &vfs) == 0) {
        m.size_bytes = static_cast<uint64_t>(vfs.f_blocks) * vfs.f_frsize;
        m.used_bytes = static_cast<uint64_t>(vfs.f_blocks - vfs.f_bfree) * vfs.f_frsize;
      }
    }
  }

  if (opts.cgroups && !s.memory_root.empty()) {
    DirFd root = DirFd::open(s.memory_root);
    if (root.ok()) {
      CgroupWalk w{s.memory_on_v2, s.cgroups, s.skipped, &s.warnings, {}};
      w.walk(root.get(), s.memory_root_path, s.memory_root, 0);
      std::sort(s.cgroups.begin(), s.cgroups.end(), [](const Cgroup& a, const Cgroup& b) { return a.path < b.path; });
      // cgroup v2 has no memory.current at the root; like runc, derive it from meminfo.
      if (s.memory_on_v2 && !s.cgroups.empty() && s.cgroups[0].path == "/" && !s.cgroups[0].usage_bytes) {
        auto total = s.meminfo.get("MemTotal"), free = s.meminfo.get("MemFree");
        if (total && free && *total >= *free) {
          s.cgroups[0].usage_bytes = *total - *free;
          s.cgroups[0].usage_from_meminfo = true;
        }
      }
    } else {
      s.warnings.push_back(Error::from_errno(s.memory_root, errno).describe());
    }
  }

  if (opts.processes) {
    ProcessReader reader(paths, s.memory_on_v2, opts);
    if (!reader.ok()) return fail(Error::from_errno(paths.procfs, errno));
    std::vector<int> pids = reader.list_pids();
    s.processes.reserve(pids.size());
    std::string warning;
    for (int pid : pids) {
      s.processes.emplace_back();
      auto r = reader.read(pid, s.processes.back(), &warning);
      if (r == ProcessReader::Outcome::kRead) continue;
      s.processes.pop_back();
      ++s.skipped;
      if (r == ProcessReader::Outcome::kMalformed) s.warnings.push_back(std::move(warning));
    }
  }
  return s;
}

}  // namespace ms
