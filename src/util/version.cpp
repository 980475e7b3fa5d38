#include "util/version.hpp"

// Generated into the build tree by cmake/version.cmake; only this file includes it, so a new commit
// recompiles one file.
#include "memsleuth_version.h"

namespace ms {

std::string_view version() {
  return MEMSLEUTH_VERSION;
}
std::string_view revision() {
  return MEMSLEUTH_REVISION;
}
std::string_view commit_date() {
  return MEMSLEUTH_COMMIT_DATE;
}

}  // namespace ms
