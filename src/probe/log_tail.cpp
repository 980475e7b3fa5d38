#include "probe/log_tail.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

namespace ms {

LogTail::LogTail(LogTail&& o) noexcept
    : path_(std::move(o.path_)),
      opts_(o.opts_),
      fd_(o.fd_),
      inode_(o.inode_),
      dev_(o.dev_),
      offset_(o.offset_),
      rotations_(o.rotations_),
      opened_once_(o.opened_once_),
      skip_partial_(o.skip_partial_),
      carry_(std::move(o.carry_)) {
  o.fd_ = -1;
}

LogTail::~LogTail() {
  if (fd_ >= 0) ::close(fd_);
}

bool LogTail::reopen(bool first) {
  int fd = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
  if (fd < 0) return false;
  struct stat st{};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return false;
  }
  if (fd_ >= 0) ::close(fd_);
  fd_ = fd;
  inode_ = st.st_ino;
  dev_ = st.st_dev;
  carry_.clear();
  auto size = static_cast<uint64_t>(st.st_size);
  // The first file we see: a bounded backlog (evictions shortly before the agent started). A file
  // that appears or replaces the old one later is new: read it from its start.
  if (first) {
    offset_ = size > opts_.backlog_bytes ? size - opts_.backlog_bytes : 0;
    skip_partial_ = offset_ > 0;
  } else {
    offset_ = 0;
    skip_partial_ = false;
  }
  opened_once_ = true;
  return true;
}

std::vector<std::string> LogTail::poll() {
  std::vector<std::string> out;
  // Rotation: the path names another file now (or none). Drain the old one first, then switch.
  struct stat st{};
  bool path_ok = ::stat(path_.c_str(), &st) == 0;
  bool rotated = fd_ >= 0 && path_ok && (static_cast<uint64_t>(st.st_ino) != inode_ || static_cast<uint64_t>(st.st_dev) != dev_);
  if (fd_ < 0) {
    if (!path_ok || !reopen(!opened_once_)) return out;
  }
  auto drain = [&] {
    struct stat cur{};
    if (::fstat(fd_, &cur) == 0 && static_cast<uint64_t>(cur.st_size) < offset_) {
      offset_ = 0;  // truncated in place (copytruncate)
      carry_.clear();
      skip_partial_ = false;
      ++rotations_;
    }
    uint64_t budget = opts_.max_bytes_per_poll;
    char buf[64 << 10];
    while (budget > 0) {
      ssize_t n = ::pread(fd_, buf, std::min<uint64_t>(sizeof buf, budget), static_cast<off_t>(offset_));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      offset_ += static_cast<uint64_t>(n);
      budget -= static_cast<uint64_t>(n);
      std::string_view chunk(buf, static_cast<size_t>(n));
      while (!chunk.empty()) {
        size_t nl = chunk.find('\n');
        std::string_view part = chunk.substr(0, nl);
        if (skip_partial_) {
          if (nl != std::string_view::npos) skip_partial_ = false;
        } else if (carry_.size() < opts_.max_line) {
          carry_.append(part.substr(0, opts_.max_line - carry_.size()));
        }
        if (nl == std::string_view::npos) break;
        if (!carry_.empty()) out.push_back(std::move(carry_));
        carry_.clear();
        chunk.remove_prefix(nl + 1);
      }
    }
  };
  drain();
  if (rotated) {
    ++rotations_;
    if (reopen(false)) drain();
  }
  return out;
}

}  // namespace ms
