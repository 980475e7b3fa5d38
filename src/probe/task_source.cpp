#include "probe/task_source.hpp"

#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>

#include "probe/fs.hpp"
#include "probe/parsers.hpp"
#include "util/text.hpp"

namespace ms {

const char* to_string(ProcessSource s) {
  switch (s) {
    case ProcessSource::kAuto:
      return "auto";
    case ProcessSource::kBpf:
      return "bpf";
    case ProcessSource::kProcfs:
      return "procfs";
  }
  return "?";
}

std::optional<ProcessSource> parse_process_source(std::string_view s) {
  if (s == "auto") return ProcessSource::kAuto;
  if (s == "bpf") return ProcessSource::kBpf;
  if (s == "procfs") return ProcessSource::kProcfs;
  return std::nullopt;
}

namespace {

constexpr ino_t kInitPidNsIno = 0xEFFFFFFCU;  // PROC_PID_INIT_INO: the initial pid namespace

Error note(std::string message) {
  return Error{Error::Kind::kIo, {}, 0, std::move(message)};
}

// Tasks on the node (threads included): /proc/loadavg's "running/total".
std::optional<uint64_t> node_tasks(const HostPaths& paths) {
  auto text = read_file(paths.proc("loadavg"), FileKind::kKernel);
  if (!text) return std::nullopt;
  auto slash = text->find('/');
  if (slash == std::string::npos) return std::nullopt;
  auto end = text->find(' ', slash);
  return parse_u64(std::string_view(*text).substr(slash + 1, end == std::string::npos ? end : end - slash - 1));
}

Result<void> use_walk(const bpf::IterBuf& buf, bool memory_on_v2, TaskWalkTaken& out, const std::string& what) {
  if (auto r = bpf::parse_task_walk(buf.view(), out.walk); !r) return fail(note(what + ": " + r.error().describe()));
  if (out.walk.cgroup_v2 != memory_on_v2) {
    return fail(note(fmt::format("{}: loaded for a cgroup {} node, this read found {}", what,
                                 out.walk.cgroup_v2 ? "v2" : "v1", memory_on_v2 ? "v2" : "v1")));
  }
  return {};
}

}  // namespace

Result<void> procfs_is_the_running_kernels(const HostPaths& paths) {
  char link[32];
  ssize_t n = ::readlink((paths.procfs + "/self").c_str(), link, sizeof link);
  char me[16];
  auto [end, ec] = std::to_chars(me, me + sizeof me, static_cast<int>(::getpid()));
  if (n <= 0 || std::string_view(link, static_cast<size_t>(n)) != std::string_view(me, static_cast<size_t>(end - me))) {
    return fail(
        note(fmt::format("{} is not the procfs of this process's pid namespace (a fixture tree or another "
                         "namespace's): a BPF walk reads the running kernel",
                         paths.procfs)));
  }
  struct stat st {};
  if (::stat((paths.procfs + "/self/ns/pid").c_str(), &st) == 0 && st.st_ino != kInitPidNsIno) {
    return fail(
        note("not in the initial pid namespace (a container without hostPID): a BPF walk gives the host's pids"));
  }
  return {};
}

Result<void> take_task_walk(const HostPaths& paths, const TaskSourceOptions& opts, bool memory_on_v2,
                            TaskWalkTaken& out) {
  if (opts.want == ProcessSource::kProcfs) return fail(note("--source procfs"));
  if (!bpf::built()) return fail(note(fmt::format("this memsleuth has no BPF programs: {}", bpf::not_built_reason())));
  if (auto r = procfs_is_the_running_kernels(paths); !r) return r;

  // The recorder's pin; the cmdline walk where the kernel had sleepable iterators.
  std::string pin_note;
  bool cmdline = opts.cmdline;
  for (int attempt = 0; attempt < 2; ++attempt) {
    std::string_view name = cmdline ? bpf::kTasksCmdlinePin : bpf::kTasksPin;
    std::string pin = opts.pin_dir + "/" + std::string(name);
    auto r = bpf::read_pinned_tasks(opts.pin_dir, cmdline, out.buf);
    if (r) {
      auto used = use_walk(out.buf, memory_on_v2, out, "pinned iterator " + pin);
      if (used) {
        out.how = "pinned iterator " + pin;
        return {};
      }
      pin_note = used.error().message;
      break;
    }
    if (r.error().kind == Error::Kind::kNotFound && cmdline) {
      // A recorder on a kernel without sleepable iterators pins only the walk without cmdlines.
      if (::access((opts.pin_dir + "/" + std::string(bpf::kTasksPin)).c_str(), F_OK) == 0) {
        cmdline = false;
        continue;
      }
    }
    pin_note = r.error().kind == Error::Kind::kNotFound
                   ? fmt::format("no pinned task iterator at {} (memsleuth record pins it)", pin)
                   : r.error().describe();
    break;
  }

  if (opts.want == ProcessSource::kAuto) {
    auto tasks = node_tasks(paths);
    if (tasks && *tasks < opts.load_min_tasks) {
      return fail(note(fmt::format("{}; loading one for {} tasks would cost more than procfs", pin_note, *tasks)));
    }
  }
  auto it = bpf::TaskIter::load(memory_on_v2);
  if (!it) return fail(note(fmt::format("{}; loading one: {}", pin_note, it.error().describe())));
  bool with_cmdline = opts.cmdline && (*it)->has_cmdline();
  if (auto r = (*it)->read(with_cmdline, out.buf); !r) return fail(note(r.error().describe()));
  if (auto r = use_walk(out.buf, memory_on_v2, out, "loaded task iterator"); !r) return r;
  out.how = "task iterator loaded for this read";
  return {};
}

void process_from_task(const bpf::TaskRecord& r, long clock_ticks, long page_size, Process& p) {
  p = Process{};
  p.pid = r.pid;
  p.ppid = r.ppid;
  p.state = r.state;
  p.start_time = bpf::start_ticks(r.start_boottime_ns, clock_ticks);
  p.comm.assign(r.comm);
  p.uid = r.uid;
  p.kernel_thread = r.has(bpf::TaskRecord::kKthread);
  p.threads = r.threads;
  // As ProcessReader::read: kernel threads have no memory fields; a process without its mm (a
  // zombie, an exiting task) holds none, which is 0, not unknown.
  if (!p.kernel_thread) {
    auto ps = static_cast<uint64_t>(page_size);
    if (!r.has(bpf::TaskRecord::kHasMm) || p.state == 'Z' || p.state == 'X') {
      p.rss_bytes = p.rss_anon_bytes = p.rss_file_bytes = p.rss_shmem_bytes = p.swap_bytes = 0;
    } else {
      p.rss_anon_bytes = r.rss_anon_pages * ps;
      p.rss_file_bytes = r.rss_file_pages * ps;
      p.rss_shmem_bytes = r.rss_shmem_pages * ps;
      p.rss_bytes = *p.rss_anon_bytes + *p.rss_file_bytes + *p.rss_shmem_bytes;
      p.swap_bytes = r.swap_pages * ps;
    }
  }
  if (r.has(bpf::TaskRecord::kCmdline)) p.cmdline = parse_cmdline(r.cmdline);
}

}  // namespace ms
