#include "agent/task_walk.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <malloc.h>
#include <unistd.h>

#include "probe/snapshot_reader.hpp"

namespace ms::agent {

// The cgroup walk, attached to the memory hierarchy's root directory. Not an error when it cannot
// load (kernels before 6.1 have no cgroup iterator): the files are read, and the note says why.
void RecorderTaskWalk::start_cgroups(RecorderTaskWalk& w, const HostPaths& paths, const CgroupLayout& layout,
                                     const std::string& pin_dir, Started& s) {
  std::string cg_pin = pin_dir + "/" + std::string(bpf::kCgroupsPin);
  if (layout.memory_mount.empty()) {
    s.cgroups_note = "no memory cgroup hierarchy: no BPF cgroup walk";
  } else {
    std::string root = paths.host(layout.memory_mount);
    int fd = ::open(root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) {
      s.cgroups_note = "cgroup counters read from their files: " + Error::from_errno(root, errno).describe();
    } else {
      auto it = bpf::CgroupIter::load(fd, layout.memory_on_v2);
      ::close(fd);
      if (it) {
        w.cgroups_ = std::move(*it);
      } else {
        s.cgroups_note = "cgroup counters read from their files (BPF cgroup walk: " + it.error().describe() + ")";
      }
    }
  }
  if (!w.cgroups_) {
    (void)bpf::unpin(cg_pin);  // an older recorder's pin would outlive its programs
    return;
  }
  if (auto r = w.cgroups_->pin(pin_dir); !r)
    s.cgroups_note = "BPF cgroup walk not pinned, one-shot commands read the cgroups' files: " + r.error().describe();
  else if (!s.pinned.empty())
    s.pinned += fmt::format("; its cgroup walk at {} (record version {})", cg_pin, bpf::cgroup_record_version());
}

RecorderTaskWalk::Started RecorderTaskWalk::start(const HostPaths& paths, const TaskSourceOptions& opts) {
  Started s;
  if (opts.want == ProcessSource::kProcfs) return s;
  if (!bpf::built()) {
    s.note = fmt::format("this memsleuth has no BPF programs: {}", bpf::not_built_reason());
    return s;
  }
  if (auto r = procfs_is_the_running_kernels(paths); !r) {
    s.note = r.error().message;
    return s;
  }
  auto mounts = read_mounts(paths);
  CgroupLayout layout = mounts ? detect_cgroup_layout(*mounts, paths) : CgroupLayout{};
  bool v2 = layout.memory_on_v2;
  auto it = bpf::TaskIter::load(v2);
  if (!it) {
    s.note = "loading the BPF task iterator: " + it.error().describe();
    return s;
  }
  std::unique_ptr<RecorderTaskWalk> w(new RecorderTaskWalk());
  w->iter_ = std::move(*it);
  if (auto r = w->iter_->pin(opts.pin_dir); !r) {
    s.note = fmt::format("BPF task walk not pinned, one-shot commands read procfs or load their own: {}",
                         r.error().describe());
  } else {
    s.pinned = fmt::format("{} (record version {})", opts.pin_dir, bpf::task_record_version());
  }
  start_cgroups(*w, paths, layout, opts.pin_dir, s);
  s.walk = std::move(w);
  // libbpf parsed the kernel's BTF (~5 MB) to load the programs and has freed it: hand those pages
  // back, or they stay in the recorder's RSS for good.
  ::malloc_trim(0);
  return s;
}

}  // namespace ms::agent
