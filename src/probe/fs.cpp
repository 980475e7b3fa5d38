#include "probe/fs.hpp"

#include "probe/close_batch.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "util/units.hpp"

namespace ms {

namespace {

// O_NONBLOCK: opening a FIFO returns at once and reading it never waits. O_NOCTTY: a tty is never
// made our controlling terminal.
constexpr int kReadFlags = O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY;

bool regular_fd(int fd, int& err) {
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    err = errno;
    return false;
  }
  if (!S_ISREG(st.st_mode)) {
    err = kNotRegularFile;
    return false;
  }
  return true;
}

}  // namespace

size_t file_cap(FileKind k) {
  constexpr size_t MiB = size_t{1} << 20;
  switch (k) {
    case FileKind::kProcess:
      return 1 * MiB;
    case FileKind::kCmdline:
      return 8 * MiB;
    case FileKind::kKernel:
      return 1 * MiB;
    case FileKind::kKernelTable:
      return 16 * MiB;
    case FileKind::kMounts:
      return 64 * MiB;
    case FileKind::kCgroup:
      return 1 * MiB;
    case FileKind::kPidList:
      return 64 * MiB;
    case FileKind::kConfig:
      return 4 * MiB;
    case FileKind::kAccounts:
      return 64 * MiB;
    case FileKind::kLog:
      return 256 * MiB;
  }
  return 1 * MiB;
}

const char* to_string(FileKind k) {
  switch (k) {
    case FileKind::kProcess:
      return "a process file";
    case FileKind::kCmdline:
      return "a command line";
    case FileKind::kKernel:
      return "a kernel file";
    case FileKind::kKernelTable:
      return "a kernel table";
    case FileKind::kMounts:
      return "a mount table";
    case FileKind::kCgroup:
      return "a cgroup file";
    case FileKind::kPidList:
      return "a pid list";
    case FileKind::kConfig:
      return "a configuration file";
    case FileKind::kAccounts:
      return "an account database";
    case FileKind::kLog:
      return "a log";
  }
  return "a file";
}

std::string truncation_warning(std::string_view path, FileKind k) {
  std::string cap = human_bytes_u(file_cap(k));
  return fmt::format("{}: larger than the {} memsleuth reads of {}; only its first {} were read", path, cap,
                     to_string(k), cap);
}

bool is_kernel_fs(int fd) {
  struct statfs fs {};
  if (::fstatfs(fd, &fs) != 0) return false;
  auto t = static_cast<unsigned long>(fs.f_type);
  return t == PROC_SUPER_MAGIC || t == SYSFS_MAGIC || t == CGROUP_SUPER_MAGIC || t == CGROUP2_SUPER_MAGIC;
}

int open_kept(int dirfd, const char* name, bool on_kernel_fs, int extra_flags) {
  int fd = ::openat(dirfd, name, kReadFlags | extra_flags);
  if (fd < 0 || on_kernel_fs || (extra_flags & O_DIRECTORY)) return fd;
  int err = 0;
  if (!regular_fd(fd, err)) {
    ::close(fd);
    errno = err;
    return -1;
  }
  return fd;
}

ReadBuf::ReadBuf() : data_(static_cast<char*>(std::malloc(16384))), cap_(data_ ? 16384 : 0) {}

ReadBuf::~ReadBuf() { std::free(data_); }

// kRecord: the file is one seq_file record or a plain proc read that fills the buffer (stat, status,
// cmdline, <pid>/cgroup, memory.stat, memory.current), so a short read is the end and the extra
// read() that would return 0 is skipped. Multi-record seq files (cgroup.procs, mountinfo) may
// return short reads before the end, so they loop. positional: pread from offset 0 (a kept fd
// re-read every sample) instead of read from wherever the fd stands.
// Stops at the cap of kind: one more byte tells a file of exactly the cap from a bigger one, and a
// cut file ends at its last whole line (a command line is NUL-separated: cut where it stops).
bool ReadBuf::fill(int fd, int& err, Mode mode, bool positional, FileKind kind) {
  len_ = 0;
  truncated_ = false;
  const size_t limit = file_cap(kind);
  for (;;) {
    if (len_ >= limit) {
      char more = 0;
      ssize_t n = positional ? ::pread(fd, &more, 1, static_cast<off_t>(len_)) : ::read(fd, &more, 1);
      truncated_ = n > 0;
      break;
    }
    if (len_ == cap_) {
      size_t cap = std::min(cap_ ? cap_ * 2 : 16384, std::max(limit, cap_ + 1));
      char* grown = static_cast<char*>(std::realloc(data_, cap));
      if (!grown) {
        err = ENOMEM;
        len_ = 0;
        return false;
      }
      data_ = grown;
      cap_ = cap;
    }
    size_t want = std::min(cap_, limit) - len_;
    ssize_t n = positional ? ::pread(fd, data_ + len_, want, static_cast<off_t>(len_)) : ::read(fd, data_ + len_, want);
    if (n < 0) {
      if (errno == EINTR) continue;
      err = errno;
      len_ = 0;
      return false;
    }
    if (n == 0) break;
    len_ += static_cast<size_t>(n);
    if (mode == Mode::kRecord && static_cast<size_t>(n) < want) break;
    if (mode == Mode::kSeqShortIsEnd && static_cast<size_t>(n) + 256 < std::min<size_t>(want, 4096)) break;
  }
  if (truncated_ && kind != FileKind::kCmdline) {
    if (const void* nl = ::memrchr(data_, '\n', len_))
      len_ = static_cast<size_t>(static_cast<const char*>(nl) - data_) + 1;
  }
  return true;
}

bool ReadBuf::read_at(int dirfd, const char* name, int& err, Mode mode, CloseBatch* batch, FileKind kind) {
  len_ = 0;
  truncated_ = false;
  int fd = ::openat(dirfd, name, kReadFlags);
  if (fd < 0) {
    err = errno;
    return false;
  }
  bool ok = (!check_regular_ || regular_fd(fd, err)) && fill(fd, err, mode, false, kind);
  if (batch)
    batch->close(fd);
  else
    ::close(fd);
  return ok;
}

bool ReadBuf::pread(int fd, int& err, Mode mode, FileKind kind) {
  return fill(fd, err, mode, true, kind);
}

bool ReadBuf::read(int fd, int& err, Mode mode, FileKind kind) {
  return fill(fd, err, mode, false, kind);
}

Result<std::string> read_file(const std::string& path, FileKind kind, std::vector<std::string>* warnings) {
  // stat before open: a path that names a device or a FIFO is refused without opening it (opening
  // some devices has effects); the fstat after open is the check that counts.
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return fail(Error::from_errno(path, errno));
  if (!S_ISREG(st.st_mode)) return fail(Error::from_errno(path, kNotRegularFile));
  int fd = ::open(path.c_str(), kReadFlags);
  if (fd < 0) return fail(Error::from_errno(path, errno));
  ReadBuf buf;
  int err = 0;
  bool ok = regular_fd(fd, err) && buf.read(fd, err, ReadBuf::Mode::kSeq, kind);
  ::close(fd);
  if (!ok) return fail(Error::from_errno(path, err));
  if (buf.truncated()) {
    if (!warnings)
      return fail(Error{Error::Kind::kIo, path, 0,
                        fmt::format("larger than the {} memsleuth reads of {}: not read", human_bytes_u(file_cap(kind)),
                                    to_string(kind))});
    warnings->push_back(truncation_warning(path, kind));
  }
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
  return DirFd(::open(path.c_str(), kReadFlags | O_DIRECTORY));
}

DirFd DirFd::open_at(int dirfd, const char* name) {
  return DirFd(::openat(dirfd, name, kReadFlags | O_DIRECTORY));
}

}  // namespace ms
