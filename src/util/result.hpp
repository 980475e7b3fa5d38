#pragma once
// Error type for the data path: no exceptions for normal failures (a vanished pid, a malformed file).
#include <string>
#include <tl/expected.hpp>

namespace ms {

struct Error {
  enum class Kind { kNotFound, kPermission, kMalformed, kIo, kInvalidArgument };
  Kind kind = Kind::kIo;
  std::string path;     // file the error is about, empty when not a file
  int line = 0;         // 1-based line in that file, 0 when not line-specific
  std::string message;  // what was wrong, with the offending value

  std::string describe() const;
  static Error malformed(std::string path, int line, std::string message);
  static Error from_errno(std::string path, int err);
  static Error invalid(std::string message);
};

// An errno-like code (outside errno's range) for a file refused because it is not a regular file
// (a FIFO, socket or device where memsleuth expects a file: reading it could block or never end).
inline constexpr int kNotRegularFile = 0x10001;

template <class T>
using Result = tl::expected<T, Error>;

inline tl::unexpected<Error> fail(Error e) { return tl::unexpected<Error>(std::move(e)); }

}  // namespace ms
