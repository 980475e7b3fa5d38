#pragma once
// The BPF layer's libbpf-free interface: whether BPF programs were built in, bpffs pins, reading a
// pinned iterator. Loading a program goes through skeleton.hpp (which includes libbpf), only in
// files of this library (src/probe/bpf, where MEMSLEUTH_HAVE_BPF says whether BPF is built in) and
// tests that define it. Every failure is an Error whose message says why
// (errno text, plus libbpf's own last words when it had any), so a caller can fall back to procfs
// with one line naming the reason. docs/bpf.md describes the whole design.
#include <cstddef>
#include <cstring>
#include <string>
#include <string_view>

#include "util/result.hpp"

namespace ms::bpf {

// Was this binary built with its BPF programs (CMake MEMSLEUTH_BPF)? When not, why not (the
// configure message, e.g. "no kernel BTF at /sys/kernel/btf/vmlinux ...").
bool built();
std::string_view not_built_reason();

// Where the recorder pins its programs unless told otherwise (--bpf-pin-dir).
inline constexpr std::string_view kDefaultPinDir = "/sys/fs/bpf/memsleuth";

// An fd that closes itself.
class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  UniqueFd(UniqueFd&& o) noexcept : fd_(o.fd_) { o.fd_ = -1; }
  UniqueFd& operator=(UniqueFd&& o) noexcept;
  ~UniqueFd();
  int get() const { return fd_; }
  bool ok() const { return fd_ >= 0; }

 private:
  int fd_ = -1;
};

// Is dir on a bpf filesystem? kNotFound when it does not exist; kInvalidArgument when it is some
// other filesystem (bpffs not mounted there).
Result<void> check_bpffs(const std::string& dir);
// Creates dir (mode 0700) unless it exists; its parent must be on bpffs.
Result<void> make_pin_dir(const std::string& dir);
// Pins the object behind fd (a link, map or program) at path (its last part without a dot: bpffs
// refuses those), atomically replacing what was pinned
// there: pinned under a temporary name first, then renamed over path, so a reader never finds
// the path missing while a newer recorder re-pins.
Result<void> pin_fd(int fd, const std::string& path);
// Removes a pin (the object lives on while something else holds it). A missing pin is no error.
Result<void> unpin(const std::string& path);

// A pinned iterator link reads like a file: each open starts a new walk. kNotFound: nothing is
// pinned there; kPermission: the pin exists but is not ours to read.
Result<UniqueFd> open_pinned_iter(const std::string& path);

// The read buffer of an iterator: grows, never shrinks, read(2) straight into it.
class IterBuf {
 public:
  IterBuf() = default;
  ~IterBuf();
  IterBuf(const IterBuf&) = delete;
  IterBuf& operator=(const IterBuf&) = delete;
  // Reads fd (an iterator fd or an opened pin) to its end, replacing what the buffer held. A walk
  // that fails part way (EAGAIN, E2BIG: a record larger than the kernel's buffer) is an error.
  Result<void> read_all(int fd);
  std::string_view view() const { return {data_, len_}; }
  // errno of the read that failed the last read_all (0 after a complete walk): callers that tell
  // one failure from another (the cgroup walk's EOPNOTSUPP) read it here, not from errno.
  int read_errno() const { return read_errno_; }

 private:
  char* data_ = nullptr;
  size_t cap_ = 0, len_ = 0;
  int read_errno_ = 0;
};

// A fixed-layout record at byte `off` of an iterator's stream (task_record.h, cgroup_record.h),
// copied out: the stream gives no alignment. The caller has checked that it fits.
template <class T>
T record_at(std::string_view data, size_t off) {
  T v;
  std::memcpy(&v, data.data() + off, sizeof v);
  return v;
}

// An error about a BPF operation: what ("loading task_iter"), errno's text, and the last lines
// libbpf printed while it ran (captured, never written to stderr: the caller decides what to say).
Error bpf_error(std::string_view what, int err, std::string_view libbpf_log = {});

}  // namespace ms::bpf
