#pragma once
// memsleuth's version, from scripts/version.sh at build time (one source for --version,
// memsleuth_build_info, the man page and the image tag).
#include <string_view>

namespace ms {

// `git describe --tags --always --dirty`, or the project version when built outside a git checkout.
std::string_view version();
// The full commit hash, or "unknown".
std::string_view revision();
// The commit's date (YYYY-MM-DD), or "" outside a git checkout.
std::string_view commit_date();

}  // namespace ms
