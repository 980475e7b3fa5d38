#include "probe/snapshot_reader.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
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

CgroupLayout detect_cgroup_layout(const std::vector<Mount>& mounts, const HostPaths& paths) {
  CgroupLayout l;
  bool any_v1 = false, any_v2 = false;
  std::string v1_memory, v2_mount;
  for (const auto& m : mounts) {
    if (m.fs_type == "cgroup2") {
      any_v2 = true;
      if (v2_mount.empty() || m.mount_point == "/sys/fs/cgroup") v2_mount = m.mount_point;
    } else if (m.fs_type == "cgroup") {
      any_v1 = true;
      for (auto o : split(m.super_options, ','))
        if (o == "memory") v1_memory = m.mount_point;
    }
  }
  if (!v1_memory.empty()) {
    l.version = any_v2 ? CgroupVersion::kHybrid : CgroupVersion::kV1;
    l.memory_mount = v1_memory;
  } else if (any_v2) {
    l.version = any_v1 ? CgroupVersion::kHybrid : CgroupVersion::kV2;
    l.memory_on_v2 = true;
    l.memory_mount = v2_mount;
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

std::optional<Cgroup> read_cgroup(const std::string& root_dir, const std::string& rel, bool v2) {
  std::string dir = rel == "/" ? root_dir : HostPaths::join(root_dir, rel);
  DirFd fd = DirFd::open(dir);
  if (!fd.ok()) return std::nullopt;
  Cgroup c;
  c.path = rel;
  struct stat st{};
  if (::fstat(fd.get(), &st) == 0) c.inode = st.st_ino;
  std::string buf;
  int err = 0;
  if (read_at(fd.get(), v2 ? "memory.current" : "memory.usage_in_bytes", buf, err)) {
    if (auto v = parse_single_u64(buf, dir)) c.usage_bytes = *v;
  }
  if (read_at(fd.get(), v2 ? "memory.max" : "memory.limit_in_bytes", buf, err)) {
    if (auto v = parse_cgroup_limit(buf, dir)) {
      c.limit_bytes = *v;
      c.limit_known = true;
    }
  } else if (rel == "/") {
    c.limit_known = true;  // the v2 root has no memory.max: unlimited by definition
  }
  if (read_at(fd.get(), v2 ? "memory.swap.max" : "memory.memsw.limit_in_bytes", buf, err)) {
    if (auto v = parse_cgroup_limit(buf, dir)) c.swap_limit_bytes = *v;
  }
  if (!v2 && read_at(fd.get(), "memory.failcnt", buf, err)) {
    if (auto v = parse_single_u64(buf, dir)) c.failcnt = *v;
  }
  if (read_at(fd.get(), "memory.stat", buf, err)) {
    if (auto kv = parse_flat_keyed(buf, dir + "/memory.stat")) c.stat = std::move(*kv);
  }
  if (v2 && read_at(fd.get(), "memory.events", buf, err)) {
    if (auto kv = parse_flat_keyed(buf, dir + "/memory.events")) c.events = std::move(*kv);
  }
  if (read_at(fd.get(), "cgroup.procs", buf, err)) c.nr_procs = count_lines(buf);
  return c;
}

namespace {

void walk_cgroups(const std::string& root_dir, const std::string& rel, bool v2, std::vector<Cgroup>& out,
                  uint64_t& skipped, int depth) {
  auto c = read_cgroup(root_dir, rel, v2);
  if (!c) {
    ++skipped;
    return;
  }
  out.push_back(std::move(*c));
  if (depth > 64) return;
  std::string dir = rel == "/" ? root_dir : HostPaths::join(root_dir, rel);
  DIR* d = ::opendir(dir.c_str());
  if (!d) return;
  std::vector<std::string> children;
  while (dirent* e = ::readdir(d)) {
    if (e->d_type != DT_DIR && e->d_type != DT_UNKNOWN) continue;
    std::string_view n = e->d_name;
    if (n == "." || n == "..") continue;
    if (e->d_type == DT_UNKNOWN && !is_dir(dir + "/" + std::string(n))) continue;
    children.emplace_back(n);
  }
  ::closedir(d);
  for (const auto& ch : children) {
    std::string child_rel = rel == "/" ? "/" + ch : rel + "/" + ch;
    walk_cgroups(root_dir, child_rel, v2, out, skipped, depth + 1);
  }
}

struct ProcReader {
  std::string buf;
};

}  // namespace

std::optional<Process> read_process(const HostPaths& paths, int pid, bool memory_on_v2, const SnapshotOptions& opts,
                                    bool* gone) {
  if (gone) *gone = false;
  std::string dir = paths.proc(std::to_string(pid));
  DirFd fd = DirFd::open(dir);
  if (!fd.ok()) {
    if (gone) *gone = true;
    return std::nullopt;
  }
  thread_local std::string buf;
  int err = 0;
  Process p;
  p.pid = pid;
  if (!read_at(fd.get(), "stat", buf, err)) {
    if (gone) *gone = true;
    return std::nullopt;
  }
  auto st = parse_proc_stat(buf, dir + "/stat");
  if (!st) {
    if (gone) *gone = true;  // a torn or empty stat means the task is exiting
    return std::nullopt;
  }
  p.ppid = st->ppid;
  p.state = st->state;
  p.start_time = st->start_time;
  p.comm = std::move(st->comm);
  p.threads = st->num_threads;
  p.kernel_thread = (st->flags & kPfKthread) != 0;

  if (read_at(fd.get(), "status", buf, err)) {
    if (auto s = parse_proc_status(buf, dir + "/status")) {
      p.uid = s->uid;
      if (s->kthread) p.kernel_thread = true;
      if (!p.kernel_thread) {
        // Kernel threads have no mm: leave their memory fields empty rather than 0.
        p.rss_bytes = s->vm_rss.value_or(0);
        p.rss_anon_bytes = s->rss_anon;
        p.rss_file_bytes = s->rss_file;
        p.rss_shmem_bytes = s->rss_shmem;
        p.swap_bytes = s->vm_swap;
        if (!s->vm_rss && s->has_vm_size) p.rss_bytes.reset();
        if (!s->has_vm_size && !s->vm_rss) p.rss_bytes = 0;  // zombie: no mm left
      }
    }
  } else if (is_gone(err)) {
    if (gone) *gone = true;
    return std::nullopt;
  }
  if (read_at(fd.get(), "cmdline", buf, err)) p.cmdline = parse_cmdline(buf);
  if (read_at(fd.get(), "cgroup", buf, err)) {
    if (auto cg = parse_proc_cgroup(buf, dir + "/cgroup")) {
      p.cgroups = std::move(*cg);
      p.memory_cgroup = memory_cgroup_of(p.cgroups, memory_on_v2);
    }
  } else if (is_gone(err)) {
    if (gone) *gone = true;
    return std::nullopt;
  }
  if (opts.links && !p.kernel_thread) {
    std::string link;
    if (read_link_at(fd.get(), "exe", link, err)) p.exe = link;
    if (read_link_at(fd.get(), "cwd", link, err)) p.cwd = link;
  }
  if (opts.pss && !p.kernel_thread && p.rss_bytes && *p.rss_bytes <= opts.pss_max_rss_bytes) {
    if (read_at(fd.get(), "smaps_rollup", buf, err)) {
      if (auto r = parse_smaps_rollup(buf, dir + "/smaps_rollup")) {
        p.pss_bytes = r->pss;
        p.uss_bytes = r->uss();
      }
    }
  }
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
  if (!layout.memory_mount.empty()) s.memory_root = paths.host(layout.memory_mount);

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
    walk_cgroups(s.memory_root, "/", s.memory_on_v2, s.cgroups, s.skipped, 0);
    std::sort(s.cgroups.begin(), s.cgroups.end(), [](const Cgroup& a, const Cgroup& b) { return a.path < b.path; });
  }

  if (opts.processes) {
    auto entries = list_dir(paths.procfs);
    if (!entries) return fail(entries.error());
    std::vector<int> pids;
    pids.reserve(entries->size());
    for (const auto& e : *entries)
      if (auto v = parse_u64(e)) pids.push_back(static_cast<int>(*v));
    std::sort(pids.begin(), pids.end());
    s.processes.reserve(pids.size());
    for (int pid : pids) {
      bool gone = false;
      if (auto p = read_process(paths, pid, s.memory_on_v2, opts, &gone)) s.processes.push_back(std::move(*p));
      else if (gone) ++s.skipped;
    }
  }
  return s;
}

}  // namespace ms
