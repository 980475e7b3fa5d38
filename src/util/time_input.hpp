#pragma once
// Times typed by a user (--since/--until/--at) and civil-time helpers shared by log parsers and the
// recorder (one parser for every command).
#include <cstdint>
#include <optional>
#include <string_view>

#include "util/result.hpp"

namespace ms {

// Parses a user-supplied point in time into Unix microseconds. Accepted forms:
//   RFC 3339:            2026-11-27T02:10:00Z, 2026-11-27T02:10:00.5+01:00, 2026-11-27 02:10:00Z
//   local civil time:    "2026-11-27 02:10", "2026-11-27 02:10:30", "2026-11-27" (midnight)
//   relative to now:     -2h, 90m, -1d12h, 30s, "now"  (a missing sign still means "ago")
// now_us is injected so tests are deterministic.
Result<int64_t> parse_time_input(std::string_view text, int64_t now_us);

// Days since 1970-01-01 of a proleptic Gregorian date (no time zone involved).
int64_t days_from_civil(int64_t y, unsigned m, unsigned d);
// Unix seconds of a civil UTC time; nullopt if a field is out of range.
std::optional<int64_t> utc_seconds(int y, int mon, int day, int h, int mi, int s);
// Unix seconds of a civil time in the process's local zone (TZ), via mktime.
std::optional<int64_t> local_seconds(int y, int mon, int day, int h, int mi, int s);
// "Jan" -> 1 ... "Dec" -> 12; nullopt otherwise.
std::optional<int> month_from_abbrev(std::string_view s);
// Parses an RFC 3339 / ISO 8601 timestamp with optional fraction and zone (Z, +hh:mm, +hhmm);
// without a zone the time is local. Returns Unix microseconds.
std::optional<int64_t> parse_iso8601_us(std::string_view s);

}  // namespace ms
