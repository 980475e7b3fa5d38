#pragma once
// Every file memsleuth reads goes through here: bounded and non-blocking (docs/hardening.md,
// "Reading files"). Each open is O_RDONLY|O_NONBLOCK|O_CLOEXEC|O_NOCTTY, so a FIFO, a tty or a
// device planted where a file was expected can neither block nor become our terminal; anything that
// is not a regular file is refused (err = kNotRegularFile) unless the caller vouches for the
// filesystem (procfs/cgroupfs, where every file is regular: see ReadBuf::set_check_regular); and
// each kind of file is read up to a cap, above which it is cut and the caller warns naming it.
// errno policy: ENOENT/ESRCH/ENODEV = gone (kNotFound), EACCES/EPERM = kPermission.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "util/result.hpp"

namespace ms {

class CloseBatch;

// What a file is, for its size cap. A real file of each kind is far below its cap (the numbers and
// why: docs/hardening.md); a bigger one was made by hand.
enum class FileKind : uint8_t {
  kProcess,  // /proc/<pid>/{stat,statm,status,cgroup,smaps_rollup}: 1 MiB (status "Groups:" of 65,536 gids ~ 720 KB)
  kCmdline,  // /proc/<pid>/cmdline: 8 MiB (execve takes at most 6 MiB of arguments)
  kKernel,   // meminfo, vmstat, stat, pressure, loadavg, one-value sysctls: 1 MiB
  kKernelTable,  // slabinfo, zoneinfo (per-CPU lines): 16 MiB
  kMounts,       // mountinfo: 64 MiB
  kCgroup,       // memory.* and cgroup.controllers: 1 MiB
  kPidList,      // cgroup.procs: 64 MiB (pid_max 4,194,304 pids of 8 bytes)
  kConfig,       // kubelet config and drop-ins, crontabs, updatedb.conf, unit files, scripts: 4 MiB
  kAccounts,     // /etc/passwd: 64 MiB
  kLog,          // a kernel log given on the command line (oom --file): 256 MiB
};
size_t file_cap(FileKind k);
const char* to_string(FileKind k);  // "meminfo-like kernel file", ...
// "PATH: larger than the 1 MiB read for a kernel file; only the first 1 MiB was read".
std::string truncation_warning(std::string_view path, FileKind k);

// Reads a whole file, bounded and non-blocking (see the top of this file). Refuses anything that is
// not a regular file, with an error naming it. A file above its cap is cut at the last line end
// before the cap (cmdline: at the cap); with `warnings` the cut is reported there, without it the
// file is an error (so no caller can use a cut file without saying so).
Result<std::string> read_file(const std::string& path, FileKind kind, std::vector<std::string>* warnings = nullptr);

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
  // Opens name relative to dirfd (O_NONBLOCK|O_CLOEXEC|O_NOCTTY) and reads it whole, up to the cap
  // of `kind` (truncated() then says so). false: err = errno (open or read), or kNotRegularFile.
  bool read_at(int dirfd, const char* name, int& err, Mode mode = Mode::kRecord, CloseBatch* batch = nullptr,
               FileKind kind = FileKind::kProcess);
  // Reads a kept fd whole from offset 0 (pread: no seek, the fd stays usable for the next sample).
  // A procfs fd of a process that has exited fails or reads 0 bytes. Kept fds are checked once,
  // when opened (open_kept).
  bool pread(int fd, int& err, Mode mode = Mode::kRecord, FileKind kind = FileKind::kProcess);
  // Reads an open fd from where it stands to its end (up to the cap of kind).
  bool read(int fd, int& err, Mode mode = Mode::kSeq, FileKind kind = FileKind::kProcess);
  std::string_view view() const { return {data_, len_}; }
  bool empty() const { return len_ == 0; }
  // The last read stopped at its cap: view() holds the start of the file (cut at a line end).
  bool truncated() const { return truncated_; }
  // Whether read_at fstat()s each file it opens and refuses what is not regular (the default).
  // Off only for files opened relative to a directory fd on procfs or cgroupfs (is_kernel_fs):
  // every file there is regular, a FIFO cannot be created there, and nothing can be mounted over
  // one without CAP_SYS_ADMIN in our mount namespace. Saves an fstat per file on the hot path.
  void set_check_regular(bool on) { check_regular_ = on; }

 private:
  bool fill(int fd, int& err, Mode mode, bool positional, FileKind kind);
  char* data_ = nullptr;
  size_t cap_ = 0, len_ = 0;
  bool truncated_ = false;
  bool check_regular_ = true;
};

// Is fd on procfs, sysfs or a cgroup filesystem (a kernel filesystem whose files are all regular
// and where no one can create a FIFO)?
bool is_kernel_fs(int fd);
// Opens a file to keep (the recorder re-reads it with pread): the flags above, and unless on_kernel_fs
// an fstat that refuses what is not regular (-1, errno = kNotRegularFile).
int open_kept(int dirfd, const char* name, bool on_kernel_fs, int extra_flags = 0);

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
