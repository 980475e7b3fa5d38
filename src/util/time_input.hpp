#pragma once
// Times typed by a user (--since/--until/--at). Same contract as the events developer's parser; the
// one that lands first on main is kept.
#include <cstdint>
#include <string_view>

#include "util/result.hpp"

namespace ms {

// Parses a user-supplied point in time into Unix microseconds. Accepted forms:
//   RFC 3339:          2026-11-27T02:10:00Z, 2026-11-27T02:10:00.5+01:00, 2026-11-27 02:10:00Z
//   local civil time:  "2026-11-27 02:10", "2026-11-27 02:10:30", "2026-11-27" (midnight)
//   relative to now:   -2h, 90m, -1d12h, 30s, "now"  (a missing sign still means "ago")
Result<int64_t> parse_time_input(std::string_view text, int64_t now_us);

}  // namespace ms
