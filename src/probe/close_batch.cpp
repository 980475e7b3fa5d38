#include "probe/close_batch.hpp"

#include <unistd.h>

#include <algorithm>
#include <cerrno>

namespace ms {

CloseBatch::CloseBatch(size_t max_deferred) {
  if (max_deferred == 0) return;
  rlimit lim{};
  if (::getrlimit(RLIMIT_NOFILE, &lim) != 0) return;
  saved_ = lim;
  if (lim.rlim_cur < lim.rlim_max) {
    rlimit raised = lim;
    raised.rlim_cur = lim.rlim_max;
    if (::setrlimit(RLIMIT_NOFILE, &raised) == 0) {
      lim = raised;
      restore_ = true;
    }
  }
  // Half the limit stays for everything else the process holds (a handful of fds in the CLI).
  rlim_t half = lim.rlim_cur == RLIM_INFINITY ? max_deferred : lim.rlim_cur / 2;
  max_ = std::min<size_t>(max_deferred, static_cast<size_t>(half));
  pending_.reserve(max_);
}

CloseBatch::~CloseBatch() {
  flush();
  // Every deferred fd is closed, so the old limit holds again.
  if (restore_) ::setrlimit(RLIMIT_NOFILE, &saved_);
}

void CloseBatch::close(int fd) {
  if (fd < 0) return;
  if (max_ == 0) {
    ::close(fd);
    return;
  }
  std::vector<int> full;
  {
    std::lock_guard lock(mu_);
    pending_.push_back(fd);
    ++deferred_;
    if (pending_.size() < max_) return;
    full.swap(pending_);
    pending_.reserve(max_);
  }
  close_all(full);  // outside the lock: the other worker keeps deferring meanwhile
}

void CloseBatch::flush() {
  std::vector<int> all;
  {
    std::lock_guard lock(mu_);
    all.swap(pending_);
  }
  close_all(all);
}

void CloseBatch::close_all(std::vector<int>& fds) {
  std::sort(fds.begin(), fds.end());
  size_t i = 0;
  while (i < fds.size()) {
    size_t j = i + 1;
    while (j < fds.size() && fds[j] == fds[j - 1] + 1) ++j;
    if (j - i == 1) {
      ::close(fds[i]);
    } else {
      {
        std::lock_guard lock(mu_);
        ++bulk_calls_;
      }
      // close_range(2): Linux 5.9, glibc 2.34. Without it (ENOSYS), one close each.
      if (::close_range(static_cast<unsigned>(fds[i]), static_cast<unsigned>(fds[j - 1]), 0) != 0)
        for (size_t k = i; k < j; ++k) ::close(fds[k]);
    }
    i = j;
  }
  fds.clear();
}

}  // namespace ms
