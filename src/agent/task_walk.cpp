#include "agent/task_walk.hpp"

#include <fmt/format.h>
#include <malloc.h>

#include "probe/snapshot_reader.hpp"

namespace ms::agent {

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
  bool v2 = mounts && detect_cgroup_layout(*mounts, paths).memory_on_v2;
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
  s.walk = std::move(w);
  // libbpf parsed the kernel's BTF (~5 MB) to load the programs and has freed it: hand those pages
  // back, or they stay in the recorder's RSS for good.
  ::malloc_trim(0);
  return s;
}

}  // namespace ms::agent
