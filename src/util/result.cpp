#include "util/result.hpp"

#include <cerrno>
#include <cstring>
#include <fmt/format.h>

namespace ms {

std::string Error::describe() const {
  std::string where = path;
  if (line > 0) where += fmt::format(":{}", line);
  if (where.empty()) return message;
  return fmt::format("{}: {}", where, message);
}

Error Error::malformed(std::string path, int line, std::string message) {
  return Error{Kind::kMalformed, std::move(path), line, std::move(message)};
}

Error Error::from_errno(std::string path, int err) {
  if (err == kNotRegularFile)
    return Error{Kind::kIo, std::move(path), 0, "not a regular file (a FIFO, socket or device): not read"};
  Kind k = Kind::kIo;
  if (err == ENOENT || err == ESRCH || err == ENODEV) k = Kind::kNotFound;
  if (err == EACCES || err == EPERM) k = Kind::kPermission;
  return Error{k, std::move(path), 0, std::strerror(err)};
}

Error Error::invalid(std::string message) { return Error{Kind::kInvalidArgument, {}, 0, std::move(message)}; }

}  // namespace ms
