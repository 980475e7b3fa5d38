#include "probe/fs.hpp"

#include "probe/close_batch.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>

namespace ms {

ReadBuf::ReadBuf() : data_(static_cast<char*>(std::malloc(16384))), cap_(data_ ? 16384 : 0) {}

ReadBuf::~ReadBuf() { std::free(data_); }

// kRecord: the file is one seq_file record or a plain proc read that fills the buffer (stat, status,
// cmdline, <pid>/cgroup, memory.stat, memory.current), so a short read is the end and the extra
// read() that would return 0 is skipped. Multi-record seq files (cgroup.procs, mountinfo) may
// return short reads before the end, so they loop. positional: pread from offset 0 (a kept fd
// re-read every sample) instead of read from wherever the fd stands.
bool ReadBuf::fill(int fd, int& err, Mode mode, bool positional) {
  len_ = 0;
  for (;;) {
    if (len_ == cap_) {
      size_t cap = cap_ ? cap_ * 2 : 16384;
      char* grown = static_cast<char*>(std::realloc(data_, cap));
      if (!grown) {
        err = ENOMEM;
        len_ = 0;
        return false;
      }
      data_ = grown;
      cap_ = cap;
    }
    size_t want = cap_ - len_;
    ssize_t n = positional ? ::pread(fd, data_ + len_, want, static_cast<off_t>(len_)) : ::read(fd, data_ + len_, want);
    if (n < 0) {
      if (errno == EINTR) continue;
      err = errno;
      len_ = 0;
      return false;
    }
    if (n == 0) break;
    len_ += static_cast<size_t>(n);
    if (mode == Mode::kRecord && len_ < cap_) break;
    if (mode == Mode::kSeqShortIsEnd && static_cast<size_t>(n) + 256 < std::min<size_t>(want, 4096)) break;
  }
  return true;
}

bool ReadBuf::read_at(int dirfd, const char* name, int& err, Mode mode, CloseBatch* batch) {
  len_ = 0;
  int fd = ::openat(dirfd, name, O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    err = errno;
    return false;
  }
  bool ok = fill(fd, err, mode, false);
  if (batch) batch->close(fd);
  else ::close(fd);
  return ok;
}

bool ReadBuf::pread(int fd, int& err, Mode mode) { return fill(fd, err, mode, true); }

bool ReadBuf::read(int fd, int& err, Mode mode) { return fill(fd, err, mode, false); }

Result<std::string> read_file(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return fail(Error::from_errno(path, errno));
  ReadBuf buf;
  int err = 0;
  bool ok = buf.read(fd, err);
  ::close(fd);
  if (!ok) return fail(Error::from_errno(path, err));
  return std::string(buf.view());
}

bool read_link_at(int dirfd, const char* name, std::string& out, int& err) {
  char buf[4096];
  ssize_t n = ::readlinkat(dirfd, name, buf, sizeof buf);
  if (n < 0) {
    err = errno;
    return false;
  }
  out.assign(buf, static_cast<size_t>(n));
  return true;
}

Result<std::string> read_link(const std::string& path) {
  std::string out;
  int err = 0;
  if (!read_link_at(AT_FDCWD, path.c_str(), out, err)) return fail(Error::from_errno(path, err));
  return out;
}

Result<std::vector<std::string>> list_dir(const std::string& path) {
  DIR* d = ::opendir(path.c_str());
  if (!d) return fail(Error::from_errno(path, errno));
  std::vector<std::string> out;
  while (dirent* e = ::readdir(d)) {
    std::string_view n = e->d_name;
    if (n == "." || n == "..") continue;
    out.emplace_back(n);
  }
  ::closedir(d);
  return out;
}

bool is_dir(const std::string& path) {
  struct stat st{};
  return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

bool exists(const std::string& path) { return ::access(path.c_str(), F_OK) == 0; }

DirFd& DirFd::operator=(DirFd&& o) noexcept {
  if (this != &o) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = o.fd_;
    o.fd_ = -1;
  }
  return *this;
}

DirFd::~DirFd() {
  if (fd_ >= 0) ::close(fd_);
}

DirFd DirFd::open(const std::string& path) {
  return DirFd(::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
}

DirFd DirFd::open_at(int dirfd, const char* name) {
  return DirFd(::openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC));
}

}  // namespace ms
