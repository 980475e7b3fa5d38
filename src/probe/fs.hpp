#pragma once
// Thin file reads. errno policy: ENOENT/ESRCH/ENODEV = gone (kNotFound), EACCES/EPERM = kPermission.
#include <string>
#include <string_view>
#include <vector>

#include "util/result.hpp"

namespace ms {

class CloseBatch;

Result<std::string> read_file(const std::string& path);
// Reads name relative to an open directory fd into buf (reused across calls to avoid allocation).
// Returns false and sets err (errno) on failure. With batch, the file's fd is handed to it instead
// of being closed here (probe/close_batch.hpp).
bool read_at(int dirfd, const char* name, std::string& buf, int& err, CloseBatch* batch = nullptr);
// Same for files the kernel produces in one go (stat, status, cmdline, memory.stat): one read()
// when the buffer is large enough. Never for multi-record seq files (cgroup.procs, mountinfo).
bool read_record_at(int dirfd, const char* name, std::string& buf, int& err, CloseBatch* batch = nullptr);
// Reads a kept fd from offset 0 (pread: no seek, the fd stays usable for the next sample). A procfs
// fd of a process that has exited fails or reads 0 bytes. single_record: see read_record_at.
bool pread_all(int fd, std::string& buf, int& err, bool single_record);
Result<std::string> read_link(const std::string& path);
bool read_link_at(int dirfd, const char* name, std::string& out, int& err);
// Entries of a directory (names only, no "." or ".."); kNotFound if it does not exist.
Result<std::vector<std::string>> list_dir(const std::string& path);
bool is_dir(const std::string& path);
bool exists(const std::string& path);

// RAII directory fd.
class DirFd {
 public:
  DirFd() = default;
  explicit DirFd(int fd) : fd_(fd) {}
  DirFd(const DirFd&) = delete;
  DirFd& operator=(const DirFd&) = delete;
  DirFd(DirFd&& o) noexcept : fd_(o.fd_) { o.fd_ = -1; }
  DirFd& operator=(DirFd&& o) noexcept;
  ~DirFd();
  int get() const { return fd_; }
  bool ok() const { return fd_ >= 0; }
  // Gives up ownership (the caller closes it).
  int release() {
    int fd = fd_;
    fd_ = -1;
    return fd;
  }
  static DirFd open(const std::string& path);
  static DirFd open_at(int dirfd, const char* name);

 private:
  int fd_ = -1;
};

}  // namespace ms
