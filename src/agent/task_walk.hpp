#pragma once
// The recorder's BPF task walk (probe/bpf/task_iter.hpp): loaded once at start, pinned under the pin
// directory for the one-shot commands (they read it instead of procfs), walked every sample by the
// SampleReader. Where BPF is unavailable the recorder reads procfs and says why once.
#include <memory>
#include <string>

#include "probe/bpf/bpf.hpp"
#include "probe/bpf/task_iter.hpp"
#include "probe/host_paths.hpp"
#include "probe/task_source.hpp"
#include "util/result.hpp"

namespace ms::agent {

class RecorderTaskWalk {
 public:
  struct Started {
    std::unique_ptr<RecorderTaskWalk> walk;  // null: procfs
    std::string note;                        // why procfs, or why not pinned; "" when all is well
    std::string pinned;                      // where it was pinned, "" when not
  };
  static Started start(const HostPaths& paths, const TaskSourceOptions& opts);
  // One walk without cmdlines (the sample's).
  Result<void> read(bpf::IterBuf& buf) const { return iter_->read(false, buf); }

 private:
  std::unique_ptr<bpf::TaskIter> iter_;
};

}  // namespace ms::agent
