#pragma once
// Thin file reads. errno policy: ENOENT/ESRCH/ENODEV = gone (kNotFound), EACCES/EPERM = kPermission.
#include <string>
#include <string_view>
#include <vector>

#include "util/result.hpp"

namespace ms {

class CloseBatch;

Result<std::string> read_file(const std::string& path);

// The probe's read buffer: read(2) goes straight into it (a std::string would be resized, i.e.
// zero-filled, to its whole capacity before every read: ~16,000 times 8 KiB per snapshot), and it
// only grows. Not thread-safe; one per worker. The one read loop of the probe: snapshots (read_at)
// and the recorder's kept fds (pread) read through it.
class ReadBuf {
 public:
  enum class Mode {
    kRecord,  // one seq_file record or a plain procfs read (stat, status, cmdline, memory.stat): a short read is the end
    kSeq,     // multi-record seq file (cgroup.procs): read until read(2) returns 0
    // Multi-record seq file on cgroupfs/procfs: a read that returns more than 256 bytes less than
    // it asked for and than one page is also the end. seq_read stops filling the user's buffer only
    // at the end, when that buffer is full, or when its own page-sized buffer cannot take the next
    // record (fs/seq_file.c), so such a read had no more records to give; skips the read(2) that
    // returns 0. Only for files whose records are short (pids).
    kSeqShortIsEnd,
  };
  ReadBuf();
  ~ReadBuf();
  ReadBuf(const ReadBuf&) = delete;
  ReadBuf& operator=(const ReadBuf&) = delete;
  // Opens name relative to dirfd and reads it whole. false: err = errno (open or read).
  bool read_at(int dirfd, const char* name, int& err, Mode mode = Mode::kRecord, CloseBatch* batch = nullptr);
  // Reads a kept fd whole from offset 0 (pread: no seek, the fd stays usable for the next sample).
  // A procfs fd of a process that has exited fails or reads 0 bytes.
  bool pread(int fd, int& err, Mode mode = Mode::kRecord);
  // Reads an open fd from where it stands to its end.
  bool read(int fd, int& err, Mode mode = Mode::kSeq);
  std::string_view view() const { return {data_, len_}; }
  bool empty() const { return len_ == 0; }

 private:
  bool fill(int fd, int& err, Mode mode, bool positional);
  char* data_ = nullptr;
  size_t cap_ = 0, len_ = 0;
};

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
