#pragma once
// /dev/kmsg: the kernel's structured log ring. Pure record parser + a non-blocking reader that
// drains whatever is available, so the CLI can read the whole ring once and the recorder can keep
// the fd open and poll(2) it for new records.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "probe/host_paths.hpp"
#include "util/result.hpp"

namespace ms {

struct KmsgRecord {
  int facility = 0;   // syslog facility (0 = kernel)
  int level = 6;      // syslog level (0 emerg .. 7 debug)
  uint64_t seq = 0;   // kernel sequence number; gaps mean records were overwritten
  uint64_t usec = 0;  // CLOCK_MONOTONIC-like timestamp (local_clock) in microseconds since boot
  char flag = '-';    // '-' whole record, 'c' fragment start / '+' continuation (kernels < 4.9)
  std::string text;   // message with the kernel's \xNN escapes decoded
  std::vector<std::pair<std::string, std::string>> dict;  // continuation "KEY=value" lines
};

// Parses one record as read(2) returns it: "pri,seq,usec,flags[,...];text\n[ KEY=value\n]*".
Result<KmsgRecord> parse_kmsg_record(std::string_view raw);
// Decodes the kernel's "\xNN" escapes (it escapes non-printable bytes and backslash itself).
std::string kmsg_unescape(std::string_view s);

// "btime N" of /proc/stat: the wall-clock second of boot, to turn record usec into wall time.
std::optional<int64_t> parse_btime(std::string_view proc_stat);
std::optional<int64_t> read_boot_time(const HostPaths& paths);

class KmsgReader {
 public:
  enum class Start { kOldest, kNewest };
  // Opens <rootfs>/dev/kmsg non-blocking. kOldest reads the whole ring, kNewest only what comes next.
  static Result<KmsgReader> open(const HostPaths& paths, Start start = Start::kOldest);
  // Opens an arbitrary path (tests use a fifo or regular file with one record per line).
  static Result<KmsgReader> open_path(const std::string& path, Start start = Start::kOldest);

  KmsgReader(KmsgReader&& o) noexcept;
  KmsgReader& operator=(KmsgReader&& o) noexcept;
  KmsgReader(const KmsgReader&) = delete;
  KmsgReader& operator=(const KmsgReader&) = delete;
  ~KmsgReader();

  // Reads every record available now and returns without blocking (EAGAIN ends the batch).
  // Records overwritten before we read them (EPIPE) are counted in lost() and skipped.
  // Unparseable records are counted in malformed(), never fatal.
  Result<std::vector<KmsgRecord>> read_available();
  int fd() const { return fd_; }  // for poll(2)/epoll: readable when new records arrive
  uint64_t lost() const { return lost_; }
  uint64_t malformed() const { return malformed_; }
  const std::string& path() const { return path_; }

 private:
  KmsgReader(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
  void split_records(std::string_view chunk, std::vector<KmsgRecord>& out);
  int fd_ = -1;
  std::string path_;
  uint64_t lost_ = 0, malformed_ = 0;
  std::optional<uint64_t> last_seq_;
  std::string carry_;  // unfinished tail of a regular file read
};

}  // namespace ms
