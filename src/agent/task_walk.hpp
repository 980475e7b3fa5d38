#pragma once
// The recorder's BPF task walk (probe/bpf/task_iter.hpp): loaded once at start, pinned under the pin
// directory for the one-shot commands (they read it instead of procfs), walked every sample by the
// SampleReader. Where BPF is unavailable the recorder reads procfs and says why once. Beside it,
// the cgroup walk (probe/bpf/cgroup_iter.hpp): every memory cgroup's page counters, pinned as
// <pin dir>/cgroups; where it cannot load, the cgroups' files are read as before.
#include <memory>
#include <string>

#include "probe/bpf/bpf.hpp"
#include "probe/bpf/cgroup_iter.hpp"
#include "probe/bpf/task_iter.hpp"
#include "probe/host_paths.hpp"
#include "probe/snapshot_reader.hpp"
#include "probe/task_source.hpp"
#include "util/result.hpp"

namespace ms::agent {

class RecorderTaskWalk {
 public:
  struct Started {
    std::unique_ptr<RecorderTaskWalk> walk;  // null: procfs
    std::string note;                        // why procfs, or why not pinned; "" when all is well
    std::string pinned;                      // where it was pinned, "" when not
    std::string cgroups_note;                // why the cgroup walk is not used or not pinned; "" when all is well
  };
  static Started start(const HostPaths& paths, const TaskSourceOptions& opts);
  // One walk without cmdlines (the sample's).
  Result<void> read(bpf::IterBuf& buf) const { return iter_->read(false, buf); }
  bool has_cgroups() const { return cgroups_ != nullptr; }
  Result<void> read_cgroups(bpf::IterBuf& buf) const { return cgroups_->read(buf); }

 private:
  std::unique_ptr<bpf::TaskIter> iter_;
  std::unique_ptr<bpf::CgroupIter> cgroups_;
  static void start_cgroups(RecorderTaskWalk& w, const HostPaths& paths, const CgroupLayout& layout,
                            const std::string& pin_dir, Started& s);
};

}  // namespace ms::agent
