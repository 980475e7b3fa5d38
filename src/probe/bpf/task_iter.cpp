#include "probe/bpf/task_iter.hpp"

#include <fmt/format.h>

#include <cstring>

#include "probe/bpf/task_record.h"

#if MEMSLEUTH_HAVE_BPF
#include <linux/capability.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>

#include "probe/bpf/libbpf_log.hpp"
#include "probe/bpf/skeleton.hpp"
#include "task_iter.skel.h"
#endif

namespace ms::bpf {

static_assert(sizeof(ms_header) == 32 && sizeof(ms_task) == 96 && sizeof(ms_end) == 8,
              "task_record.h: the layout is shared with the BPF program; change MS_TASK_VERSION with it");

uint32_t task_record_version() {
  return MS_TASK_VERSION;
}

namespace {

Error walk_error(std::string message) {
  return Error::malformed("BPF task iterator", 0, std::move(message));
}

constexpr char kStates[] = "RSDTtXZPI";

}  // namespace

Result<void> parse_task_walk(std::string_view data, TaskWalk& out) {
  out.tasks.clear();
  out.cmdlines = false;
  out.cgroup_v2 = false;
  out.page_size = 0;
  if (data.size() < sizeof(ms_header))
    return fail(walk_error(fmt::format("walk of {} bytes has no header", data.size())));
  auto h = record_at<ms_header>(data, 0);
  if (h.kind != MS_REC_HEADER || h.magic != MS_TASK_MAGIC || h.size < sizeof h) {
    return fail(walk_error("not a memsleuth task iterator (no header record)"));
  }
  if (h.version != MS_TASK_VERSION) {
    return fail(walk_error(fmt::format("record version {} (loaded by another memsleuth version); this one reads {}",
                                       h.version, MS_TASK_VERSION)));
  }
  if (h.task_size != sizeof(ms_task)) {
    return fail(
        walk_error(fmt::format("task records of {} bytes; this memsleuth reads {}", h.task_size, sizeof(ms_task))));
  }
  out.cmdlines = (h.features & MS_FEAT_CMDLINE) != 0;
  out.cgroup_v2 = (h.features & MS_FEAT_CGROUP_V2) != 0;
  out.page_size = h.page_size;
  out.tasks.reserve(data.size() / (sizeof(ms_task) + (out.cmdlines ? 32 : 0)) + 1);
  size_t off = h.size;
  bool ended = false;
  while (off < data.size()) {
    if (data.size() - off < 4) return fail(walk_error(fmt::format("record cut at byte {}", off)));
    auto kind = record_at<uint16_t>(data, off);
    auto size = record_at<uint16_t>(data, off + 2);
    if (size < 4 || size > data.size() - off) {
      return fail(walk_error(fmt::format("record at byte {} claims {} bytes, {} left", off, size, data.size() - off)));
    }
    if (kind == MS_REC_END) {
      ended = true;
      off += size;
      break;
    }
    if (kind != MS_REC_TASK) {
      // A newer minor record kind would bump the version; anything else is damage.
      return fail(walk_error(fmt::format("unknown record kind {} at byte {}", kind, off)));
    }
    if (size < sizeof(ms_task)) return fail(walk_error(fmt::format("task record of {} bytes at byte {}", size, off)));
    auto t = record_at<ms_task>(data, off);
    if (sizeof(ms_task) + t.cmdline_len != size) {
      return fail(
          walk_error(fmt::format("task record at byte {}: {} bytes with a cmdline of {}", off, size, t.cmdline_len)));
    }
    TaskRecord& r = out.tasks.emplace_back();
    r.flags = t.flags;
    r.pid = static_cast<int>(t.pid);
    r.ppid = static_cast<int>(t.ppid);
    r.uid = t.uid;
    r.threads = static_cast<int>(t.threads);
    r.start_boottime_ns = t.start_boottime_ns;
    r.rss_file_pages = t.rss[0];
    r.rss_anon_pages = t.rss[1];
    r.swap_pages = t.rss[2];
    r.rss_shmem_pages = t.rss[3];
    r.memcg_id = t.memcg_id;
    r.exec_id = t.exec_id;
    r.state = t.state_index < sizeof kStates - 1 ? kStates[t.state_index] : '?';
    const char* comm = data.data() + off + offsetof(ms_task, comm);
    r.comm = std::string_view(comm, strnlen(comm, sizeof t.comm));
    r.cmdline = data.substr(off + sizeof(ms_task), t.cmdline_len);
    off += size;
  }
  if (!ended) return fail(walk_error("walk ended without its end record (truncated)"));
  if (off != data.size()) return fail(walk_error(fmt::format("{} bytes after the end record", data.size() - off)));
  return {};
}

Result<void> read_pinned_tasks(const std::string& dir, bool cmdline, IterBuf& buf) {
  auto fd = open_pinned_iter(dir + "/" + std::string(cmdline ? kTasksCmdlinePin : kTasksPin));
  if (!fd) return fail(fd.error());
  return buf.read_all(fd->get());
}

#if MEMSLEUTH_HAVE_BPF

struct TaskIter::Impl {
  Skeleton<task_iter> skel{"task_iter"};
  bool cmdline = false;
};

namespace {

// One attempt at loading: with or without the sleepable program, with or without summing the
// RSS counters' per-CPU shares (which needs CAP_PERFMON: see task_iter.bpf.c cpu_probe).
// Has this process CAP_BPF (or CAP_SYS_ADMIN, which also allows BPF on kernels before 5.8)?
bool bpf_allowed() {
  __user_cap_header_struct hdr{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct data[2]{};
  if (::syscall(SYS_capget, &hdr, data) != 0) return true;  // cannot tell: let the load say
  auto has = [&](int cap) { return (data[cap / 32].effective & (1u << (cap % 32))) != 0; };
  return has(39 /* CAP_BPF */) || has(21 /* CAP_SYS_ADMIN */);
}

Result<std::unique_ptr<TaskIter::Impl>> try_load(bool cgroup_v2, bool cmdline, bool sum_cpus) {
  auto impl = std::make_unique<TaskIter::Impl>();
  LIBBPF_OPTS(bpf_object_open_opts, oo);
  use_kernel_btf_by_path(oo);
  if (auto r = impl->skel.open(&oo); !r) return fail(r.error());
  auto& s = impl->skel;
  s->rodata->page_size = static_cast<uint32_t>(::sysconf(_SC_PAGESIZE));
  int ncpu = libbpf_num_possible_cpus();
  s->rodata->sum_cpus = sum_cpus && ncpu > 0 && ncpu <= 256 ? static_cast<uint32_t>(ncpu) : 0;
  s->rodata->cgroup_v2 = cgroup_v2 ? 1 : 0;
  bpf_program__set_autoload(s->progs.tasks_cmdline, cmdline);
  if (auto r = s.load(); !r) return fail(r.error());
  {
    LibbpfLog log;
    s->links.tasks = bpf_program__attach_iter(s->progs.tasks, nullptr);
    if (!s->links.tasks) return fail(bpf_error("attaching BPF iterator tasks", errno, log.tail()));
    if (cmdline) {
      s->links.tasks_cmdline = bpf_program__attach_iter(s->progs.tasks_cmdline, nullptr);
      if (!s->links.tasks_cmdline) return fail(bpf_error("attaching BPF iterator tasks_cmdline", errno, log.tail()));
    }
  }
  impl->cmdline = cmdline;
  return impl;
}

}  // namespace

Result<std::unique_ptr<TaskIter>> TaskIter::load(bool cgroup_v2) {
  std::unique_ptr<TaskIter> it(new TaskIter());
  auto full = try_load(cgroup_v2, true, true);
  if (!full && full.error().kind == Error::Kind::kPermission && !bpf_allowed()) {
    // libbpf's own words for this guess at the kernel config and RLIMIT_MEMLOCK; the usual cause is
    // a user without the capabilities, and no other way of loading would do better.
    constexpr const char* kWhy =
        "loading BPF programs is not permitted: it needs CAP_BPF and CAP_PERFMON (kernel >= 5.8) or root";
    return fail(Error{Error::Kind::kPermission, {}, 0, kWhy});
  }
  // Summing the per-CPU RSS shares reads pointers as numbers (CAP_PERFMON): without it, central values.
  if (!full) full = try_load(cgroup_v2, true, false);
  if (full) {
    it->impl_ = std::move(*full);
    return it;
  }
  // Kernels before 5.18 have no sleepable iterators (bpf_copy_from_user_task): cmdlines from procfs.
  auto no_cmdline = try_load(cgroup_v2, false, false);
  if (!no_cmdline) return fail(full.error());  // the first reason is the most telling
  it->impl_ = std::move(*no_cmdline);
  it->no_cmdline_reason_ = full.error().describe();
  return it;
}

TaskIter::~TaskIter() = default;

bool TaskIter::has_cmdline() const {
  return impl_->cmdline;
}

Result<void> TaskIter::read(bool cmdline, IterBuf& buf) const {
  auto& s = impl_->skel;
  auto fd = iter_create(cmdline && impl_->cmdline ? s->links.tasks_cmdline : s->links.tasks, "tasks");
  if (!fd) return fail(fd.error());
  return buf.read_all(fd->get());
}

Result<void> TaskIter::pin(const std::string& dir) const {
  if (auto r = make_pin_dir(dir); !r) return r;
  // The first cmdline walk learns the per-CPU offsets (task_iter.bpf.c cpu_probe): done here,
  // before any other reader can start one through the pin.
  IterBuf warm;
  if (auto r = read(true, warm); !r) return r;
  auto& s = impl_->skel;
  if (auto r = pin_fd(bpf_link__fd(s->links.tasks), dir + "/" + std::string(kTasksPin)); !r) return r;
  std::string cmd_pin = dir + "/" + std::string(kTasksCmdlinePin);
  if (impl_->cmdline) return pin_fd(bpf_link__fd(s->links.tasks_cmdline), cmd_pin);
  return unpin(cmd_pin);  // an older pin would outlive this one's programs
}

#else

struct TaskIter::Impl {};

Result<std::unique_ptr<TaskIter>> TaskIter::load(bool) {
  return fail(Error{Error::Kind::kIo, {}, 0, std::string(not_built_reason())});
}
TaskIter::~TaskIter() = default;
bool TaskIter::has_cmdline() const {
  return false;
}
Result<void> TaskIter::read(bool, IterBuf&) const {
  return fail(Error{Error::Kind::kIo, {}, 0, std::string(not_built_reason())});
}
Result<void> TaskIter::pin(const std::string&) const {
  return fail(Error{Error::Kind::kIo, {}, 0, std::string(not_built_reason())});
}

#endif

}  // namespace ms::bpf
