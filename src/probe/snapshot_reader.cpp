#include "probe/snapshot_reader.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <sched.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <memory>
#include <optional>
#include <system_error>
#include <thread>
#include <unordered_map>
#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <cstring>
#include <fmt/format.h>
#include <unordered_map>
#include <unordered_set>

#include "probe/bpf/cgroup_iter.hpp"
#include "probe/close_batch.hpp"
#include "probe/fs.hpp"
#include "probe/parsers.hpp"
#include "util/text.hpp"
#include "util/units.hpp"

namespace ms {

namespace {

constexpr unsigned kPfKthread = 0x00200000;  // include/linux/sched.h PF_KTHREAD

bool is_gone(int err) { return err == ENOENT || err == ESRCH || err == ENODEV; }

bool is_tmpfs_like(std::string_view fs) { return fs == "tmpfs" || fs == "ramfs" || fs == "shm"; }

// Is dev the device mountinfo writes as "major:minor"?
bool same_device(dev_t dev, std::string_view major_minor) {
  size_t colon = major_minor.find(':');
  if (colon == std::string_view::npos) return false;
  auto ma = parse_u64(major_minor.substr(0, colon)), mi = parse_u64(major_minor.substr(colon + 1));
  return ma && mi && major(dev) == *ma && minor(dev) == *mi;
}

uint64_t read_btime(const HostPaths& paths) {
  auto text = read_file(paths.proc("stat"), FileKind::kKernel);
  if (!text) return 0;
  uint64_t bt = 0;
  for_each_line(*text, [&](std::string_view line, int) {
    if (starts_with(line, "btime ")) bt = parse_u64(trim(line.substr(6))).value_or(0);
  });
  return bt;
}

// Is procfs the procfs of our own pid namespace (so cgroup.procs pids are its pids)?
bool same_pid_namespace(const std::string& procfs) {
  char buf[32];
  ssize_t n = ::readlink((procfs + "/self").c_str(), buf, sizeof buf);
  char me[16];
  auto [end, ec] = std::to_chars(me, me + sizeof me, static_cast<int>(::getpid()));
  return n > 0 && std::string_view(buf, static_cast<size_t>(n)) == std::string_view(me, static_cast<size_t>(end - me));
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
  auto text = read_file(paths.proc("1/mountinfo"), FileKind::kMounts);
  std::string used = paths.proc("1/mountinfo");
  if (!text) {
    used = paths.proc("self/mountinfo");
    text = read_file(used, FileKind::kMounts);
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
    auto ctl = read_file(paths.host(v2->mount_point + "/cgroup.controllers"), FileKind::kCgroup);
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

struct LinuxDirent64 {  // getdents64(2) record
  uint64_t d_ino;
  int64_t d_off;
  unsigned short d_reclen;
  unsigned char d_type;
  char d_name[];
};

std::string join_rel(const std::string& base, std::string_view name) {
  std::string out = base;
  if (out.empty() || out.back() != '/') out += '/';
  out += name;
  return out;
}

// path: the cgroup's path in the hierarchy; dir: where we read it (only for messages).
// What the walk reads beyond the basics, and where it records which pids cgroup.procs lists.
struct CgroupReadOpts {
  bool swap_limit = true;
  std::vector<std::pair<int, uint32_t>>* placements = nullptr;  // (pid, index of the cgroup in the walk)
  uint32_t index = 0;
  CloseBatch* batch = nullptr;     // where the files' fds go instead of close(2)
  bool cgroupfs = false;           // the hierarchy is a cgroup filesystem (see ReadBuf::Mode::kSeqShortIsEnd)
  // The recorder's pinned BPF cgroup walk of this hierarchy: its page counters stand in for the
  // usage, limit, swap limit and failcnt files of the cgroups it has (null: read the files).
  const bpf::CgroupWalk* counters = nullptr;
  // Does the hierarchy have swap limit files (swap accounting)? -1 not known yet: learnt from the
  // first cgroup below the root read with the walk (v2's root has none).
  int* swap_files = nullptr;
};

// A file's parser is given the file's full path only to name it in an error: parse with the short
// name, and build the path (an allocation per file otherwise) only to parse again for the message.
template <class Parse>
auto parse_cg(Parse parse, std::string_view text, const std::string& dir, const char* file) {
  auto r = parse(text, std::string_view(file));
  if (!r) r = parse(text, join_rel(dir, file));
  return r;
}

// The cgroup's files are read as prefix + name relative to fd: fd is the cgroup's own directory
// (prefix "") or its parent's (prefix "<child>/", no open and close of a leaf's directory). st: the
// directory's stat when the caller has it (else fstat of fd). *vanished: with a prefix, the
// directory was gone at the first file (removed since it was listed).
Cgroup read_cgroup_at(int fd, std::string_view prefix, const struct stat* st, std::string path, const std::string& dir,
                      bool v2, ReadBuf& buf, std::vector<std::string>* warnings, const CgroupReadOpts& ro = {},
                      bool* vanished = nullptr) {
  Cgroup c;
  c.path = std::move(path);
  struct stat own{};
  if (!st && ::fstat(fd, &own) == 0) st = &own;
  if (st) c.inode = st->st_ino;
  std::string name_buf;
  auto name = [&](const char* file) {
    if (prefix.empty()) return file;
    name_buf.assign(prefix);
    name_buf += file;
    return name_buf.c_str();
  };
  int err = 0;
  auto warn = [&](const Error& e) {
    if (warnings) warnings->push_back(e.describe());
  };
  // Files that exist but cannot be read (EACCES, not a regular file, an I/O error) are named in the
  // warnings, never left out silently; a missing file is a null field (no swap accounting, v2 root).
  std::vector<std::pair<const char*, int>> unreadable;
  int tried = 0;
  auto read = [&](const char* file, ReadBuf::Mode mode = ReadBuf::Mode::kRecord, FileKind kind = FileKind::kCgroup) {
    ++tried;
    if (buf.read_at(fd, name(file), err, mode, ro.batch, kind)) {
      if (buf.truncated() && warnings) warnings->push_back(truncation_warning(join_rel(dir, file), kind));
      return true;
    }
    if (!is_gone(err)) unreadable.emplace_back(file, err);
    return false;
  };
  // The file missing is a null field; the directory missing is a cgroup removed since listed.
  auto removed = [&] {
    if (!vanished || prefix.empty() || !is_gone(err)) return false;
    struct stat dst{};
    std::string child(prefix.substr(0, prefix.size() - 1));
    return *vanished = ::fstatat(fd, child.c_str(), &dst, 0) != 0;
  };
  // The walk's counters: not the root's (v1 computes its usage from statistics; v2's has no files).
  const bpf::CgroupCounters* k = ro.counters && st ? ro.counters->find(st->st_ino) : nullptr;
  if (k && k->root) k = nullptr;
  const char* swap_file = v2 ? "memory.swap.max" : "memory.memsw.limit_in_bytes";
  bool swap_from_walk = false;
  if (k) {
    uint32_t page = ro.counters->page_size;
    c.usage_bytes = checked_mul(k->usage_pages, uint64_t{page});
    c.limit_bytes = cgroup_limit_from_pages(k->max_pages, page);
    c.limit_known = true;
    if (ro.swap_limit && k->swap_max_pages && ro.swap_files) {
      if (*ro.swap_files < 0) *ro.swap_files = ::faccessat(fd, name(swap_file), F_OK, 0) == 0 ? 1 : 0;
      swap_from_walk = true;  // a hierarchy without the files (no swap accounting): null, as a missing file
      if (*ro.swap_files == 1) c.swap_limit_bytes = cgroup_limit_from_pages(*k->swap_max_pages, page);
    }
    if (!v2 && k->failcnt) c.failcnt = *k->failcnt;
  } else {
    const char* usage_file = v2 ? "memory.current" : "memory.usage_in_bytes";
    if (read(usage_file)) {
      if (auto v = parse_cg(parse_single_u64, buf.view(), dir, usage_file))
        c.usage_bytes = *v;
      else
        warn(v.error());
    } else if (removed()) {
      return c;
    }
    const char* limit_file = v2 ? "memory.max" : "memory.limit_in_bytes";
    if (read(limit_file)) {
      if (auto v = parse_cg(parse_cgroup_limit, buf.view(), dir, limit_file)) {
        c.limit_bytes = *v;
        c.limit_known = true;
      } else {
        warn(v.error());
      }
    } else if (err == ENOENT && c.path == "/") {
      c.limit_known = true;  // the v2 root has no memory.max: unlimited by definition
    }
  }
  if (ro.swap_limit && !swap_from_walk && read(swap_file)) {
    if (auto v = parse_cg(parse_cgroup_limit, buf.view(), dir, swap_file))
      c.swap_limit_bytes = *v;
    else
      warn(v.error());
  }
  if (!v2 && !(k && k->failcnt) && read("memory.failcnt")) {
    if (auto v = parse_cg(parse_single_u64, buf.view(), dir, "memory.failcnt"))
      c.failcnt = *v;
    else
      warn(v.error());
  }
  if (read("memory.stat")) {
    if (auto kv = parse_cg(parse_flat_keyed, buf.view(), dir, "memory.stat"))
      c.stat = std::move(*kv);
    else
      warn(kv.error());
  } else if (k && removed()) {
    return c;  // the first file read when the walk gave the counters
  }
  if (v2 && read("memory.events")) {
    if (auto kv = parse_cg(parse_flat_keyed, buf.view(), dir, "memory.events"))
      c.events = std::move(*kv);
    else
      warn(kv.error());
  }
  auto procs_mode = ro.cgroupfs ? ReadBuf::Mode::kSeqShortIsEnd : ReadBuf::Mode::kSeq;
  bool procs_read = read("cgroup.procs", procs_mode, FileKind::kPidList);
  if (!unreadable.empty() && warnings) {
    // Every file failing alike is the directory itself (no search permission): one warning for it.
    bool all_alike = static_cast<int>(unreadable.size()) == tried && tried > 1 &&
                     std::all_of(unreadable.begin(), unreadable.end(),
                                 [&](const auto& u) { return u.second == unreadable[0].second; });
    if (all_alike) {
      warnings->push_back(fmt::format("{}: cgroup unreadable ({}): its usage, limit and statistics are unknown", dir,
                                      Error::from_errno("", unreadable[0].second).message));
    } else {
      for (const auto& [file, e] : unreadable)
        warnings->push_back(fmt::format("{}: unreadable ({}): left out of this cgroup", join_rel(dir, file),
                                        Error::from_errno("", e).message));
    }
  }
  if (procs_read) {
    if (ro.placements) {
      for_each_line(buf.view(), [&](std::string_view line, int) {
        int pid = 0;
        auto [end, ec] = std::from_chars(line.data(), line.data() + line.size(), pid);
        if (ec == std::errc() && pid > 0) {
          ro.placements->emplace_back(pid, ro.index);
          ++c.nr_procs;
        } else if (!line.empty()) {
          ++c.nr_procs;
        }
      });
    } else {
      c.nr_procs = count_lines(buf.view());
    }
    c.nr_procs_known = true;
  }
  return c;
}

struct CgroupWalk {
  bool v2;
  std::vector<Cgroup>& out;
  uint64_t& skipped;
  std::vector<std::string>* warnings;
  ReadBuf buf;
  CgroupReadOpts ro{};
  std::vector<char> dents = std::vector<char>(16384);  // one getdents64 buffer for the whole walk

  // Names of the subdirectories of fd, read from fd itself (freshly opened, used only for openat
  // otherwise): no dup, no opendir with its 32 KiB allocation per cgroup.
  std::vector<std::string> subdirs(int fd) {
    std::vector<std::string> children;
    for (;;) {
      long n = ::syscall(SYS_getdents64, fd, dents.data(), dents.size());
      if (n <= 0) break;
      for (long off = 0; off < n;) {
        auto* e = reinterpret_cast<const LinuxDirent64*>(dents.data() + off);
        off += e->d_reclen;
        if (e->d_type != DT_DIR && e->d_type != DT_UNKNOWN) continue;
        std::string_view name = e->d_name;
        if (name == "." || name == "..") continue;
        children.emplace_back(name);
      }
      // kernfs fills the buffer until the next entry does not fit (fs/kernfs/dir.c): with room
      // left for a longest name (NAME_MAX) it has listed everything; skips the getdents64 that
      // returns 0. Other filesystems are read until 0.
      if (ro.cgroupfs && static_cast<size_t>(n) + 512 < dents.size()) break;
    }
    return children;
  }

  // The walk is iterative with no depth limit (a 3,000-deep chain is walked whole) and meets every
  // directory once: a (device, inode) seen before is a loop (a bind mount of an ancestor inside its
  // own subtree) and is not entered again. Directories deeper than kKeepFds levels give their fd up
  // while a child is walked and reopen it through the child's "..", checked by inode, so a deep
  // chain never holds more than kKeepFds fds.
  static constexpr size_t kKeepFds = 128;
  struct Frame {
    int fd = -1;
    bool owned = false;  // closed when the frame is done (not the caller's root fd)
    dev_t dev = 0;
    ino_t ino = 0;
    std::string path;  // hierarchy path
    std::vector<std::string> children;
    size_t next = 0;
  };
  struct DevIno {
    size_t operator()(const std::pair<dev_t, ino_t>& k) const { return std::hash<uint64_t>()(k.second * 31 + k.first); }
  };
  std::vector<Frame> stack;
  std::unordered_set<std::pair<dev_t, ino_t>, DevIno> seen;
  std::string root_path, root_dir;

  // Where a hierarchy path is read (for the files' names in messages).
  std::string dir_of(const std::string& path) const {
    if (path == root_path) return root_dir;
    std::string_view rel = std::string_view(path).substr(root_path == "/" ? 0 : root_path.size());
    return join_rel(root_dir, rel.substr(rel.empty() || rel[0] != '/' ? 0 : 1));
  }

  void warn(std::string w) {
    if (warnings) warnings->push_back(std::move(w));
  }

  void release(int fd) {
    if (ro.batch)
      ro.batch->close(fd);
    else
      ::close(fd);
  }

  // Reads the cgroup at fd and, unless it is a leaf, pushes it to be walked.
  void enter(int fd, bool owned, const struct stat& st, std::string path) {
    ro.index = static_cast<uint32_t>(out.size());
    out.push_back(read_cgroup_at(fd, "", &st, path, dir_of(path), v2, buf, warnings, ro));
    // A directory's link count is 2 + its subdirectories on cgroupfs (kernfs), tmpfs and ext4, so
    // 2 means a leaf: no getdents. Filesystems that report 1 or 0 for directories are listed.
    if (st.st_nlink == 2) {
      if (owned) release(fd);
      return;
    }
    Frame f;
    f.fd = fd;
    f.owned = owned;
    f.dev = st.st_dev;
    f.ino = st.st_ino;
    f.path = std::move(path);
    f.children = subdirs(fd);
    std::sort(f.children.begin(), f.children.end());
    if (stack.size() >= kKeepFds && !stack.empty() && stack.back().owned) {
      release(stack.back().fd);  // reopened through this directory's ".." when it is done
      stack.back().fd = -1;
    }
    stack.push_back(std::move(f));
  }

  // Pops the finished top frame; reopens its parent's fd through ".." if the parent gave it up.
  void leave() {
    Frame done = std::move(stack.back());
    stack.pop_back();
    if (!stack.empty() && stack.back().fd < 0) {
      Frame& parent = stack.back();
      int fd = done.fd >= 0 ? ::openat(done.fd, "..", O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NONBLOCK) : -1;
      struct stat pst {};
      if (fd >= 0 && ::fstat(fd, &pst) == 0 && pst.st_dev == parent.dev && pst.st_ino == parent.ino) {
        parent.fd = fd;
      } else {
        if (fd >= 0) ::close(fd);
        warn(fmt::format("{}: moved while it was walked: {} of its subdirectories not read", dir_of(parent.path),
                         parent.children.size() - parent.next));
        parent.next = parent.children.size();
      }
    }
    if (done.owned && done.fd >= 0) release(done.fd);
  }

  // root_fd is an open directory of the cgroup (the caller keeps it), st its stat; path its
  // hierarchy path; dir its readable location.
  void walk(int root_fd, const struct stat& st, const std::string& path, const std::string& dir) {
    root_path = path;
    root_dir = dir;
    seen.insert({st.st_dev, st.st_ino});
    enter(root_fd, false, st, path);
    std::string prefix;
    while (!stack.empty()) {
      Frame& f = stack.back();
      if (f.next == f.children.size() || f.fd < 0) {
        leave();
        continue;
      }
      const std::string& ch = f.children[f.next++];
      struct stat cst {};
      if (::fstatat(f.fd, ch.c_str(), &cst, 0) != 0) {
        if (is_gone(errno))
          ++skipped;  // removed since readdir
        else
          warn(fmt::format("{}: cannot stat ({}): this cgroup and its subtree are not in the snapshot",
                           join_rel(dir_of(f.path), ch), Error::from_errno("", errno).message));
        continue;
      }
      if (!S_ISDIR(cst.st_mode)) continue;  // a regular file reported as DT_UNKNOWN
      std::string child_path = join_rel(f.path, ch);
      if (!seen.insert({cst.st_dev, cst.st_ino}).second) {
        warn(fmt::format("{}: the same directory as one already walked (a bind mount loop?): not walked again",
                         dir_of(child_path)));
        continue;
      }
      if (cst.st_nlink == 2) {
        // A leaf (most cgroups): its files are read through this directory's fd as
        // "<child>/<file>", without an open and a close of its own directory.
        prefix.assign(ch);
        prefix += '/';
        ro.index = static_cast<uint32_t>(out.size());
        bool vanished = false;
        Cgroup c = read_cgroup_at(f.fd, prefix, &cst, std::move(child_path), join_rel(dir_of(f.path), ch), v2, buf,
                                  warnings, ro, &vanished);
        if (vanished)
          ++skipped;
        else
          out.push_back(std::move(c));
        continue;
      }
      DirFd child = DirFd::open_at(f.fd, ch.c_str());
      if (!child.ok()) {
        if (is_gone(errno))
          ++skipped;
        else if (errno != ENOTDIR)
          warn(fmt::format("{}: cgroup directory unreadable ({}): it and its subtree are not in the snapshot",
                           dir_of(child_path), Error::from_errno("", errno).message));
        continue;
      }
      enter(child.release(), true, cst, std::move(child_path));  // f may dangle from here on
    }
  }
};

}  // namespace

std::optional<Cgroup> read_cgroup(const std::string& root_dir, const std::string& rel, bool v2,
                                  std::vector<std::string>* warnings) {
  std::string dir = rel == "/" ? root_dir : HostPaths::join(root_dir, rel);
  DirFd fd = DirFd::open(dir);
  if (!fd.ok()) return std::nullopt;
  ReadBuf buf;
  buf.set_check_regular(!is_kernel_fs(fd.get()));
  return read_cgroup_at(fd.get(), "", nullptr, rel, dir, v2, buf, warnings);
}

ProcessReader::ProcessReader(const HostPaths& paths, bool memory_on_v2, const SnapshotOptions& opts)
    : paths_(paths), memory_on_v2_(memory_on_v2), opts_(opts) {
  proc_fd_ = ::open(paths.procfs.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  // A fixture tree (--procfs on a plain filesystem) can hold FIFOs: its files are fstat'ed.
  buf_.set_check_regular(proc_fd_ < 0 || !is_kernel_fs(proc_fd_));
  clock_ticks_ = ::sysconf(_SC_CLK_TCK);
  page_size_ = ::sysconf(_SC_PAGESIZE);
}

ProcessReader::~ProcessReader() {
  if (proc_fd_ >= 0) ::close(proc_fd_);
}

bool ProcessReader::ok() const { return proc_fd_ >= 0; }

namespace {
struct Dirent64 {  // getdents64(2) record
  uint64_t d_ino;
  int64_t d_off;
  unsigned short d_reclen;
  unsigned char d_type;
  char d_name[];
};
}  // namespace

// getdents64 straight on the kept procfs fd, rewound each time (no dup, no DIR: the recorder lists
// /proc every sample that something forked).
std::vector<int> ProcessReader::list_pids() const {
  std::vector<int> pids;
  if (proc_fd_ < 0 || ::lseek(proc_fd_, 0, SEEK_SET) != 0) return pids;
  pids.reserve(1024);
  std::vector<char> dents(32768);
  for (;;) {
    long n = ::syscall(SYS_getdents64, proc_fd_, dents.data(), dents.size());
    if (n <= 0) break;
    for (long off = 0; off < n;) {
      auto* e = reinterpret_cast<const Dirent64*>(dents.data() + off);
      off += e->d_reclen;
      const char* name = e->d_name;
      if (*name < '1' || *name > '9') continue;
      int pid = 0;
      auto [end, ec] = std::from_chars(name, name + std::strlen(name), pid);
      if (ec == std::errc() && *end == '\0' && pid > 0) pids.push_back(pid);
    }
  }
  std::sort(pids.begin(), pids.end());
  return pids;
}

ProcessReader::Outcome ProcessReader::read(int pid, Process& p, std::string* warning) {
  // Files are opened as "<pid>/<file>" relative to the procfs fd, like ps: opening the pid
  // directory first costs two more syscalls per process (a third of a snapshot's CPU is syscall
  // entry on a VM). All files are still of one process: its pid cannot be reused within a read
  // (that would take pid_max forks in between).
  PidPath at(pid);
  auto where = [&](const char* file) { return paths_.proc(std::to_string(pid) + "/" + file); };
  auto malformed = [&](const Error& e) {
    if (warning) *warning = e.describe();
    return Outcome::kMalformed;
  };
  // A file cut at its cap or refused (not a regular file) is a warning; the process is still read.
  auto note = [&](const char* file, bool cut) {
    if (!warning) return;
    if (!warning->empty()) *warning += "; ";
    *warning += cut ? truncation_warning(where(file),
                                         file == std::string_view("cmdline") ? FileKind::kCmdline : FileKind::kProcess)
                    : Error::from_errno(where(file), kNotRegularFile).describe();
  };
  int err = 0;
  if (warning) warning->clear();
  p = Process{};
  p.pid = pid;
  if (!buf_.read_at(proc_fd_, at("stat"), err, ReadBuf::Mode::kRecord, batch_)) {
    if (err != kNotRegularFile) return Outcome::kGone;
    note("stat", false);
    return Outcome::kMalformed;
  }
  if (buf_.empty()) return Outcome::kGone;  // the task was reaped between open and read
  if (buf_.truncated()) note("stat", true);
  // Parsed with a short name; the full path (an allocation) only for the message of a bad file.
  auto st = parse_proc_stat(buf_.view(), "stat");
  if (!st) return malformed(parse_proc_stat(buf_.view(), where("stat")).error());
  p.ppid = st->ppid;
  p.state = st->state;
  p.start_time = st->start_time;
  p.comm = std::move(st->comm);
  p.threads = st->num_threads;
  p.kernel_thread = (st->flags & kPfKthread) != 0;

  if (buf_.read_at(proc_fd_, at("status"), err, ReadBuf::Mode::kRecord, batch_)) {
    if (buf_.truncated()) note("status", true);
    auto s = parse_proc_status(buf_.view(), "status");
    if (!s) return malformed(parse_proc_status(buf_.view(), where("status")).error());
    if (!s->warnings.empty() && warning) {
      auto named = parse_proc_status(buf_.view(), where("status"));  // again, for the full path
      for (const auto& w : named->warnings) {
        if (!warning->empty()) *warning += "; ";
        *warning += w;
      }
    }
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
  } else if (err == kNotRegularFile) {
    note("status", false);
  }
  if (buf_.read_at(proc_fd_, at("cmdline"), err, ReadBuf::Mode::kRecord, batch_, FileKind::kCmdline)) {
    if (buf_.truncated()) note("cmdline", true);
    p.cmdline = parse_cmdline(buf_.view());
  } else if (is_gone(err)) {
    return Outcome::kGone;
  } else if (err == kNotRegularFile) {
    note("cmdline", false);
  }
  if (!skip_cgroup_file_) {
    if (Outcome o = read_cgroup_file(at, p, warning); o != Outcome::kRead) return o;
  }
  return read_links_and_pss(at, p, warning);
}

ProcessReader::Outcome ProcessReader::read_task(const bpf::TaskRecord& r, Process& p, std::string* warning) {
  process_from_task(r, clock_ticks_, page_size_, p);
  PidPath at(p.pid);
  int err = 0;
  if (warning) warning->clear();
  if (r.has(bpf::TaskRecord::kCommProcfs)) {
    if (!buf_.read_at(proc_fd_, at("stat"), err, ReadBuf::Mode::kRecord, batch_) || buf_.empty()) return Outcome::kGone;
    auto st = parse_proc_stat(buf_.view(), "stat");
    if (!st) {
      if (warning)
        *warning = parse_proc_stat(buf_.view(), paths_.proc(std::string(at.pid()) + "/stat")).error().describe();
      return Outcome::kMalformed;
    }
    if (st->start_time != p.start_time) return Outcome::kGone;  // the pid changed hands since the walk
    p.comm = std::move(st->comm);
  }
  if (!r.has(bpf::TaskRecord::kCmdline) && !p.kernel_thread) {
    if (buf_.read_at(proc_fd_, at("cmdline"), err, ReadBuf::Mode::kRecord, batch_, FileKind::kCmdline)) {
      if (buf_.truncated() && warning)
        *warning = truncation_warning(paths_.proc(std::string(at.pid()) + "/cmdline"), FileKind::kCmdline);
      p.cmdline = parse_cmdline(buf_.view());
    } else if (is_gone(err)) {
      return Outcome::kGone;
    }
  }
  return read_links_and_pss(at, p, warning);
}

ProcessReader::Outcome ProcessReader::read_links_and_pss(PidPath& at, Process& p, std::string* warning) {
  int err = 0;
  if (opts_.links && !p.kernel_thread) {
    // EACCES (another user's process, without CAP_SYS_PTRACE) leaves them null.
    char link[4096];
    ssize_t n = ::readlinkat(proc_fd_, at("exe"), link, sizeof link);
    if (n >= 0) p.exe.emplace(link, static_cast<size_t>(n));
    n = ::readlinkat(proc_fd_, at("cwd"), link, sizeof link);
    if (n >= 0) p.cwd.emplace(link, static_cast<size_t>(n));
  }
  if (opts_.pss && !p.kernel_thread && p.rss_bytes && *p.rss_bytes <= opts_.pss_max_rss_bytes) {
    if (buf_.read_at(proc_fd_, at("smaps_rollup"), err)) {
      auto r = parse_smaps_rollup(buf_.view(), "smaps_rollup");
      if (r) {
        p.pss_bytes = r->pss;
        p.uss_bytes = r->uss();
      } else if (!buf_.empty()) {
        if (warning)
          *warning =
              parse_smaps_rollup(buf_.view(), paths_.proc(std::string(at.pid()) + "/smaps_rollup")).error().describe();
        return Outcome::kMalformed;
      }
    }
  }
  return Outcome::kRead;
}

ProcessReader::PidPath::PidPath(int pid) {
  auto [end, ec] = std::to_chars(buf_, buf_ + 16, pid);
  len_ = static_cast<size_t>(end - buf_);
  buf_[len_] = '\0';
}

const char* ProcessReader::PidPath::operator()(const char* file) {
  size_t n = std::strlen(file);
  if (len_ + 1 + n >= sizeof buf_) n = sizeof buf_ - len_ - 2;  // our own short names only
  buf_[len_] = '/';
  std::memcpy(buf_ + len_ + 1, file, n);
  buf_[len_ + 1 + n] = '\0';
  return buf_;
}

const char* ProcessReader::PidPath::pid() {
  buf_[len_] = '\0';
  return buf_;
}

bool surely_in_kubepods(std::string_view path) {
  while (!path.empty()) {
    size_t slash = path.find('/');
    std::string_view seg = path.substr(0, slash);
    if (seg == "kubepods" || seg == "kubepods.slice") return true;
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return false;
}

bool ProcessReader::keep_lines(const Process& p) const {
  if (opts_.cgroup_lines) return true;
  return opts_.cgroup_lines_outside_kubepods && !memory_on_v2_ && !p.kernel_thread &&
         !(p.memory_cgroup && surely_in_kubepods(*p.memory_cgroup));
}

ProcessReader::Outcome ProcessReader::read_cgroup_file(PidPath& at, Process& p, std::string* warning) {
  int err = 0;
  if (buf_.read_at(proc_fd_, at("cgroup"), err, ReadBuf::Mode::kRecord, batch_)) {
    auto cg = parse_proc_cgroup(buf_.view(), "cgroup");
    if (!cg) {
      if (warning) *warning = parse_proc_cgroup(buf_.view(), paths_.proc(std::string(at.pid()) + "/cgroup")).error().describe();
      return Outcome::kMalformed;
    }
    p.memory_cgroup = memory_cgroup_of(*cg, memory_on_v2_);
    if (keep_lines(p)) p.cgroups = std::move(*cg);
    if (buf_.truncated() && warning) {
      if (!warning->empty()) *warning += "; ";
      *warning += truncation_warning(paths_.proc(std::string(at.pid()) + "/cgroup"), FileKind::kProcess);
    }
  } else if (is_gone(err)) {
    return Outcome::kGone;
  } else if (err == kNotRegularFile && warning) {
    if (!warning->empty()) *warning += "; ";
    *warning += Error::from_errno(paths_.proc(std::string(at.pid()) + "/cgroup"), err).describe();
  }
  return Outcome::kRead;
}

ProcessReader::Outcome ProcessReader::read_cgroup(int pid, Process& p, std::string* warning) {
  PidPath at(pid);
  return read_cgroup_file(at, p, warning);
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

  auto mi_text = read_file(paths.proc("meminfo"), FileKind::kKernel, &s.warnings);
  if (!mi_text) return fail(mi_text.error());
  auto mi = parse_meminfo(*mi_text, paths.proc("meminfo"), &s.warnings);
  if (!mi) return fail(mi.error());
  s.meminfo = std::move(*mi);

  // A node file that is missing is normal (no PSI, slabinfo needs root); one that exists but cannot
  // be read (not a regular file, an I/O error) is a warning.
  auto node_file = [&](const char* rel, FileKind kind) -> std::optional<std::string> {
    auto t = read_file(paths.proc(rel), kind, &s.warnings);
    if (t) return std::move(*t);
    if (t.error().kind != Error::Kind::kNotFound && t.error().kind != Error::Kind::kPermission)
      s.warnings.push_back(t.error().describe());
    return std::nullopt;
  };
  if (auto t = node_file("vmstat", FileKind::kKernel)) {
    if (auto kv = parse_flat_keyed(*t, paths.proc("vmstat")))
      s.vmstat = std::move(*kv);
    else
      s.warnings.push_back(kv.error().describe());
  }
  if (auto t = node_file("pressure/memory", FileKind::kKernel)) {
    if (auto psi = parse_psi(*t, paths.proc("pressure/memory")))
      s.psi = *psi;
    else
      s.warnings.push_back(psi.error().describe());
  }
  if (opts.slab) {
    if (auto t = node_file("slabinfo", FileKind::kKernelTable)) {
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
    // statvfs only where the path we can reach is that very filesystem (its device is the one
    // mountinfo gives): under a fixture tree, or a --rootfs without the host's submounts, the path is
    // a plain directory and statvfs would report whatever filesystem holds it.
    // A mount hidden under a later one at the same point (mountinfo lists the top one last) cannot
    // be reached by any path: it is skipped, not reported; only a point none of whose mounts is the
    // reachable filesystem means the tree is not the host's.
    std::vector<std::string> elsewhere;
    std::unordered_map<std::string, size_t> top;  // mount point -> index of its last (visible) mount
    for (size_t i = 0; i < s.mounts.size(); ++i) top[s.mounts[i].mount_point] = i;
    for (size_t i = 0; i < s.mounts.size(); ++i) {
      auto& m = s.mounts[i];
      if (!is_tmpfs_like(m.fs_type)) continue;
      std::string at = paths.host(m.mount_point);
      struct stat st {};
      if (::stat(at.c_str(), &st) != 0) continue;
      if (!same_device(st.st_dev, m.major_minor)) {
        if (top[m.mount_point] == i) elsewhere.push_back(m.mount_point);
        continue;
      }
      struct statvfs vfs {};
      if (::statvfs(at.c_str(), &vfs) == 0) {
        m.size_bytes = static_cast<uint64_t>(vfs.f_blocks) * vfs.f_frsize;
        m.used_bytes = static_cast<uint64_t>(vfs.f_blocks - vfs.f_bfree) * vfs.f_frsize;
      }
    }
    if (!elsewhere.empty()) {
      std::string list;
      for (size_t i = 0; i < elsewhere.size() && i < 8; ++i) list += (i ? ", " : "") + elsewhere[i];
      if (elsewhere.size() > 8) list += fmt::format(" and {} more", elsewhere.size() - 8);
      s.warnings.push_back(fmt::format(
          "usage of {} tmpfs-like mount(s) not read: under --rootfs/--sysfs their mount points are not those "
          "filesystems (a fixture tree, or the host's submounts are not visible): {}",
          elsewhere.size(), list));
    }
  }

  // The cgroup walk and the process scan are independent: with two workers, one walks the cgroups
  // while the other scans processes, then both share what is left of the scan. Each worker has its
  // own reader and buffers; results land in per-pid slots, so the order stays by pid.
  // Declared before every reader and DirFd of the scan: destroyed after them, it closes last.
  std::optional<CloseBatch> batch;
  if (opts.defer_close) batch.emplace(opts.defer_close);
  CloseBatch* cb = batch ? &*batch : nullptr;
  DirFd cg_root;
  if (opts.cgroups && !s.memory_root.empty()) {
    cg_root = DirFd::open(s.memory_root);
    if (!cg_root.ok()) s.warnings.push_back(Error::from_errno(s.memory_root, errno).describe());
  }
  // Without cgroup lines, a process's memory cgroup comes from the cgroup.procs the walk reads
  // anyway (one file per cgroup instead of /proc/<pid>/cgroup per process), when those pids are
  // the pids of this procfs (same pid namespace). Pids listed twice (threads of one process in
  // two cgroups, v1) or not at all (started after the walk, zombies) read their file afterwards.
  // A BPF task walk instead of listing /proc (probe/task_source.hpp): each record's cgroup id is
  // mapped to the walk's cgroup by inode afterwards, so no cgroup.procs placement then.
  std::unique_ptr<TaskWalkTaken> walk;
  if (opts.processes && opts.tasks.want != ProcessSource::kProcfs) {
    walk = std::make_unique<TaskWalkTaken>();
    if (auto r = take_task_walk(paths, opts.tasks, s.memory_on_v2, *walk); r) {
      s.process_source = "bpf";
    } else {
      s.process_source_note = r.error().message;
      walk.reset();
    }
  }
  // The recorder's pinned cgroup walk of this hierarchy (probe/bpf/cgroup_iter.hpp), where BPF may
  // be read: its page counters instead of three or four files per cgroup. Only a walk of this very
  // hierarchy (its root's inode) on this kernel; anything else, quietly, the files.
  bpf::IterBuf cgbuf;
  bpf::CgroupWalk cgwalk;
  bool use_cgwalk = false;
  int swap_files = -1;
  if (cg_root.ok() && opts.tasks.want != ProcessSource::kProcfs && bpf::built() && procfs_is_the_running_kernels(paths)) {
    struct stat rst{};
    struct statfs rfs{};
    use_cgwalk = ::fstat(cg_root.get(), &rst) == 0 && ::fstatfs(cg_root.get(), &rfs) == 0 &&
                 (rfs.f_type == CGROUP_SUPER_MAGIC || rfs.f_type == CGROUP2_SUPER_MAGIC) &&
                 bpf::read_pinned_cgroups(opts.tasks.pin_dir, cgbuf) && bpf::parse_cgroup_walk(cgbuf.view(), cgwalk) &&
                 cgwalk.v2 == s.memory_on_v2 && cgwalk.page_size == static_cast<uint64_t>(s.page_size) &&
                 cgwalk.root_id == rst.st_ino;
    if (use_cgwalk) s.cgroup_source = "bpf";
  }
  bool place = !walk && !opts.cgroup_lines && opts.processes && cg_root.ok() && same_pid_namespace(paths.procfs);
  std::vector<std::pair<int, uint32_t>> placements;
  std::vector<int> pids;
  std::vector<const bpf::TaskRecord*> recs;  // with a walk: each pid's record (none: read from procfs)
  std::optional<ProcessReader> main_reader;
  if (opts.processes) {
    main_reader.emplace(paths, s.memory_on_v2, opts);
    if (!main_reader->ok()) return fail(Error::from_errno(paths.procfs, errno));
    main_reader->skip_cgroup_file(place || walk);
    main_reader->defer_closes(cb);
    if (walk) {
      const auto& tasks = walk->walk.tasks;
      // The kernel's walk may leave out PID 1 (seen on 6.18: it starts after it): read from procfs.
      bool has_init = !tasks.empty() && tasks.front().pid == 1;
      pids.reserve(tasks.size() + 1);
      recs.reserve(tasks.size() + 1);
      if (!has_init && ::access(paths.proc("1").c_str(), F_OK) == 0) {
        pids.push_back(1);
        recs.push_back(nullptr);
      }
      for (const auto& t : tasks) {
        pids.push_back(t.pid);
        recs.push_back(&t);
      }
    } else {
      pids = main_reader->list_pids();
    }
  }
  std::vector<Process> procs(pids.size());
  std::vector<ProcessReader::Outcome> outcome(pids.size(), ProcessReader::Outcome::kGone);
  std::vector<std::pair<size_t, std::string>> proc_warnings[2];
  std::atomic<size_t> next{0};
  auto scan = [&](ProcessReader& reader, std::vector<std::pair<size_t, std::string>>& warns) {
    constexpr size_t kChunk = 32;
    std::string warning;
    for (;;) {
      size_t b = next.fetch_add(kChunk, std::memory_order_relaxed);
      if (b >= pids.size()) return;
      size_t e = std::min(pids.size(), b + kChunk);
      for (size_t i = b; i < e; ++i) {
        outcome[i] = !recs.empty() && recs[i] ? reader.read_task(*recs[i], procs[i], &warning)
                                              : reader.read(pids[i], procs[i], &warning);
        if (!warning.empty()) warns.emplace_back(i, std::move(warning));  // malformed, refused or cut files
        warning.clear();
      }
    }
  };
  std::vector<Cgroup> cgroups;
  uint64_t cg_skipped = 0;
  std::vector<std::string> cg_warnings;
  auto walk_cgroups = [&] {
    if (!cg_root.ok()) return;
    CgroupWalk w{s.memory_on_v2, cgroups, cg_skipped, &cg_warnings, {}};
    w.ro.swap_limit = opts.swap_limits;
    w.ro.batch = cb;
    // Fixture trees (--sysfs) live on ordinary filesystems: their reads end only at 0.
    struct statfs fs{};
    w.ro.cgroupfs = ::fstatfs(cg_root.get(), &fs) == 0 &&
                    (fs.f_type == CGROUP_SUPER_MAGIC || fs.f_type == CGROUP2_SUPER_MAGIC);
    if (place) w.ro.placements = &placements;
    if (use_cgwalk) {
      w.ro.counters = &cgwalk;
      w.ro.swap_files = &swap_files;
    }
    struct stat root_st{};
    if (::fstat(cg_root.get(), &root_st) != 0) return;
    w.buf.set_check_regular(!w.ro.cgroupfs);
    w.walk(cg_root.get(), root_st, s.memory_root_path, s.memory_root);
  };
  unsigned workers = opts.threads ? opts.threads : std::min(2u, std::max(1u, std::thread::hardware_concurrency()));
  bool helper = workers > 1 && cg_root.ok();
  std::thread second;
  if (helper) {
    try {
      second = std::thread([&] {
        // A file table of its own (a copy: cg_root and the rest stay valid here). With one table
        // shared by two threads, every openat/close takes the table's spinlock against the other
        // thread and every read/openat-at-dirfd takes a reference on its file (fdget's shortcut is
        // for unshared tables only): measured ~6% more CPU than one thread. With deferred closes
        // the fds must stay in the table the batch closes from, so then it is shared.
        if (!cb) ::unshare(CLONE_FILES);
        walk_cgroups();
        if (!opts.processes) return;
        ProcessReader reader(paths, s.memory_on_v2, opts);
        reader.skip_cgroup_file(place || walk);
        reader.defer_closes(cb);
        if (reader.ok()) scan(reader, proc_warnings[1]);
      });
    } catch (const std::system_error&) {
      helper = false;  // no thread available: do it all here
    }
  }
  if (!helper) walk_cgroups();
  if (main_reader) scan(*main_reader, proc_warnings[0]);
  if (second.joinable()) second.join();

  if (place) {
    std::sort(placements.begin(), placements.end());
    for (size_t i = 0; i < pids.size(); ++i) {
      if (outcome[i] != ProcessReader::Outcome::kRead) continue;
      auto it = std::lower_bound(placements.begin(), placements.end(), std::make_pair(pids[i], uint32_t{0}));
      bool once = it != placements.end() && it->first == pids[i] && (it + 1 == placements.end() || (it + 1)->first != pids[i]);
      if (once) {
        procs[i].memory_cgroup = cgroups[it->second].path;
        if (!main_reader->keep_lines(procs[i])) continue;
      }
      outcome[i] = main_reader->read_cgroup(pids[i], procs[i], &proc_warnings[0].emplace_back(i, "").second);
    }
    std::erase_if(proc_warnings[0], [](const auto& w) { return w.second.empty(); });
  }
  s.cgroups = std::move(cgroups);
  s.skipped += cg_skipped;
  for (auto& w : cg_warnings) s.warnings.push_back(std::move(w));
  if (walk) {
    // Each record's cgroup id is its cgroup directory's inode: the walk's cgroup of that inode.
    // A cgroup made since the walk, or outside the mounted subtree, is read from procfs.
    std::unordered_map<uint64_t, uint32_t> by_inode;
    by_inode.reserve(s.cgroups.size());
    for (uint32_t c = 0; c < s.cgroups.size(); ++c) by_inode.emplace(s.cgroups[c].inode, c);
    for (size_t i = 0; i < pids.size(); ++i) {
      if (outcome[i] != ProcessReader::Outcome::kRead) continue;
      const bpf::TaskRecord* r = recs[i];
      bool placed = false;
      if (r && r->has(bpf::TaskRecord::kMemcg)) {
        auto it = by_inode.find(r->memcg_id);
        if (it != by_inode.end()) {
          procs[i].memory_cgroup = s.cgroups[it->second].path;
          placed = true;
        }
      }
      if (placed && !main_reader->keep_lines(procs[i])) continue;
      std::string warning;
      outcome[i] = main_reader->read_cgroup(pids[i], procs[i], &warning);
      if (!warning.empty()) proc_warnings[0].emplace_back(i, std::move(warning));
    }
  }
  if (!s.cgroups.empty()) {
    std::sort(s.cgroups.begin(), s.cgroups.end(), [](const Cgroup& a, const Cgroup& b) { return a.path < b.path; });
    // cgroup v2 has no memory.current at the root; like runc, derive it from meminfo.
    if (s.memory_on_v2 && s.cgroups[0].path == "/" && !s.cgroups[0].usage_bytes) {
      auto total = s.meminfo.get("MemTotal"), free = s.meminfo.get("MemFree");
      if (total && free && *total >= *free) {
        s.cgroups[0].usage_bytes = *total - *free;
        s.cgroups[0].usage_from_meminfo = true;
      }
    }
  }

  // Malformed-file warnings in pid order, as a single-threaded scan reports them.
  auto& pw = proc_warnings[0];
  pw.insert(pw.end(), std::make_move_iterator(proc_warnings[1].begin()), std::make_move_iterator(proc_warnings[1].end()));
  std::sort(pw.begin(), pw.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  for (auto& [i, w] : pw) s.warnings.push_back(std::move(w));
  size_t kept = 0;
  for (size_t i = 0; i < pids.size(); ++i) {
    if (outcome[i] != ProcessReader::Outcome::kRead) {
      ++s.skipped;
      continue;
    }
    if (kept != i) procs[kept] = std::move(procs[i]);
    ++kept;
  }
  procs.resize(kept);
  s.processes = std::move(procs);
  return s;
}

}  // namespace ms
