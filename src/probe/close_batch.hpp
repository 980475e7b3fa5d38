#pragma once
// Deferred close(2) for one-shot scans: a snapshot opens ~10,000 procfs/cgroupfs files, and on a VM
// each close is a syscall entry/exit of its own. CloseBatch keeps the fds it is given and closes
// them together: sorted, each run of consecutive fd numbers with one close_range(2).
//
// Only fds handed to close() are ever closed, never a range guessed around them: a gap in a run is
// an fd someone else holds (or a free number), and stays untouched. At most `max_deferred` fds wait
// at once (the kernel keeps each open file's seq_file buffer, ~4 KiB, until it is closed), then
// they are closed in bulk. RLIMIT_NOFILE: the soft limit is raised to the hard one for the batch's
// lifetime and restored after; at most half of it is ever held here, so the scan never hits EMFILE.
// Changes process-wide state (the soft limit): for the one-shot CLI commands, not the recorder.
#include <sys/resource.h>

#include <cstddef>
#include <mutex>
#include <vector>

namespace ms {

class CloseBatch {
 public:
  // max_deferred = 0: every close() closes at once (the fallback when no budget is left).
  explicit CloseBatch(size_t max_deferred);
  ~CloseBatch();  // closes what is left, restores the soft RLIMIT_NOFILE
  CloseBatch(const CloseBatch&) = delete;
  CloseBatch& operator=(const CloseBatch&) = delete;

  void close(int fd);  // thread-safe
  void flush();

  size_t budget() const { return max_; }
  // For tests and measurements.
  size_t deferred() const { return deferred_; }
  size_t bulk_calls() const { return bulk_calls_; }

 private:
  void close_all(std::vector<int>& fds);
  std::mutex mu_;
  std::vector<int> pending_;
  size_t max_ = 0;
  size_t deferred_ = 0, bulk_calls_ = 0;
  rlimit saved_{};
  bool restore_ = false;
};

}  // namespace ms
