#include "probe/fs.hpp"

#include "probe/close_batch.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

namespace ms {

namespace {
// single_record: the file is one seq_file record or a plain proc read that fills the buffer (stat,
// status, cmdline, <pid>/cgroup, memory.stat, memory.current), so a short read is the end and the
// extra read() that would return 0 is skipped. Multi-record seq files (cgroup.procs, mountinfo)
// may return short reads before the end, so they loop.
// positional: pread from offset 0 (a kept fd re-read every sample) instead of read from wherever
// the fd stands.
bool read_loop(int fd, std::string& buf, int& err, bool single_record, bool positional) {
  buf.clear();
  size_t cap = buf.capacity() < 4096 ? 4096 : buf.capacity();
  buf.resize(cap);
  size_t len = 0;
  for (;;) {
    if (len == buf.size()) buf.resize(buf.size() * 2);
    ssize_t n = positional ? ::pread(fd, buf.data() + len, buf.size() - len, static_cast<off_t>(len))
                           : ::read(fd, buf.data() + len, buf.size() - len);
    if (n < 0) {
      if (errno == EINTR) continue;
      err = errno;
      buf.clear();
      return false;
    }
    if (n == 0) break;
    len += static_cast<size_t>(n);
    if (single_record && len < buf.size()) break;
  }
  buf.resize(len);
  return true;
}

bool slurp(int fd, std::string& buf, int& err, bool single_record = false) {
  return read_loop(fd, buf, err, single_record, false);
}
}  // namespace

bool pread_all(int fd, std::string& buf, int& err, bool single_record) {
  return read_loop(fd, buf, err, single_record, true);
}

Result<std::string> read_file(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return fail(Error::from_errno(path, errno));
  std::string buf;
  int err = 0;
  bool ok = slurp(fd, buf, err);
  ::close(fd);
  if (!ok) return fail(Error::from_errno(path, err));
  return buf;
}

namespace {
void close_fd(int fd, CloseBatch* batch) {
  if (batch) batch->close(fd);
  else ::close(fd);
}
}  // namespace

bool read_at(int dirfd, const char* name, std::string& buf, int& err, CloseBatch* batch) {
  int fd = ::openat(dirfd, name, O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    err = errno;
    return false;
  }
  bool ok = slurp(fd, buf, err);
  close_fd(fd, batch);
  return ok;
}

bool read_record_at(int dirfd, const char* name, std::string& buf, int& err, CloseBatch* batch) {
  int fd = ::openat(dirfd, name, O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    err = errno;
    return false;
  }
  bool ok = slurp(fd, buf, err, true);
  close_fd(fd, batch);
  return ok;
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
