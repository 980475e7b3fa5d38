#pragma once
// Follows a text log file (the kubelet's /var/log/kubelet.log, or /var/log/syslog and
// /var/log/messages where rsyslog writes the journal's kubelet lines) like `tail -F`: returns the
// complete lines appended since the last poll, survives rotation (a new inode) and truncation, and
// waits quietly while the file does not exist. Bounded: at most max_bytes per poll, long lines cut.
#include <cstdint>
#include <string>
#include <vector>

namespace ms {

class LogTail {
 public:
  struct Options {
    uint64_t backlog_bytes = 256 << 10;  // at first open, start this far before the end (0: at the end)
    uint64_t max_bytes_per_poll = 1 << 20;
    size_t max_line = 16 << 10;
  };
  explicit LogTail(std::string path) : LogTail(std::move(path), Options{}) {}
  LogTail(std::string path, Options opts) : path_(std::move(path)), opts_(opts) {}
  LogTail(const LogTail&) = delete;
  LogTail& operator=(const LogTail&) = delete;
  LogTail(LogTail&& o) noexcept;
  ~LogTail();

  // Complete lines appended since the last call (without the newline). Never throws, never blocks.
  std::vector<std::string> poll();
  const std::string& path() const { return path_; }
  bool is_open() const { return fd_ >= 0; }
  uint64_t rotations() const { return rotations_; }

 private:
  bool reopen(bool first);
  std::string path_;
  Options opts_;
  int fd_ = -1;
  uint64_t inode_ = 0, dev_ = 0, offset_ = 0, rotations_ = 0;
  bool opened_once_ = false;
  bool skip_partial_ = false;  // started mid-file: drop up to the first newline
  std::string carry_;
};

}  // namespace ms
