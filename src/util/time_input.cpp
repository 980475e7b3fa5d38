#include "util/time_input.hpp"

#include <ctime>
#include <string>

#include "util/text.hpp"

namespace ms {

int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
  // Howard Hinnant's algorithm: exact for the proleptic Gregorian calendar.
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

static bool civil_ok(int y, int mon, int day, int h, int mi, int s) {
  return y >= 1900 && y <= 9999 && mon >= 1 && mon <= 12 && day >= 1 && day <= 31 && h >= 0 && h <= 23 &&
         mi >= 0 && mi <= 59 && s >= 0 && s <= 60;
}

std::optional<int64_t> utc_seconds(int y, int mon, int day, int h, int mi, int s) {
  if (!civil_ok(y, mon, day, h, mi, s)) return std::nullopt;
  return days_from_civil(y, static_cast<unsigned>(mon), static_cast<unsigned>(day)) * 86400 + h * 3600 + mi * 60 + s;
}

std::optional<int64_t> local_seconds(int y, int mon, int day, int h, int mi, int s) {
  if (!civil_ok(y, mon, day, h, mi, s)) return std::nullopt;
  std::tm tm{};
  tm.tm_year = y - 1900;
  tm.tm_mon = mon - 1;
  tm.tm_mday = day;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = s;
  tm.tm_isdst = -1;
  std::time_t t = std::mktime(&tm);
  if (t == static_cast<std::time_t>(-1)) return std::nullopt;
  return static_cast<int64_t>(t);
}

std::optional<int> month_from_abbrev(std::string_view s) {
  static constexpr std::string_view kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                 "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  for (int i = 0; i < 12; ++i)
    if (s == kMonths[i]) return i + 1;
  return std::nullopt;
}

namespace {

// Reads exactly n digits at s[pos].
std::optional<int> digits(std::string_view s, size_t pos, size_t n) {
  if (pos + n > s.size()) return std::nullopt;
  int v = 0;
  for (size_t i = 0; i < n; ++i) {
    char c = s[pos + i];
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + (c - '0');
  }
  return v;
}

}  // namespace

std::optional<int64_t> parse_iso8601_us(std::string_view s) {
  // YYYY-MM-DD[T ]HH:MM[:SS[.frac]][Z|+hh:mm|+hhmm]
  auto y = digits(s, 0, 4), mo = digits(s, 5, 2), d = digits(s, 8, 2);
  if (!y || !mo || !d || s[4] != '-' || s[7] != '-') return std::nullopt;
  size_t p = 10;
  int h = 0, mi = 0, sec = 0;
  int64_t frac_us = 0;
  if (p < s.size() && (s[p] == 'T' || s[p] == ' ' || s[p] == 't')) {
    auto hh = digits(s, p + 1, 2), mm = digits(s, p + 4, 2);
    if (!hh || !mm || s[p + 3] != ':') return std::nullopt;
    h = *hh;
    mi = *mm;
    p += 6;
    if (p < s.size() && s[p] == ':') {
      auto ss = digits(s, p + 1, 2);
      if (!ss) return std::nullopt;
      sec = *ss;
      p += 3;
      if (p < s.size() && (s[p] == '.' || s[p] == ',')) {
        ++p;
        int64_t scale = 100000;
        while (p < s.size() && s[p] >= '0' && s[p] <= '9') {
          frac_us += (s[p] - '0') * scale;
          scale /= 10;
          ++p;
        }
      }
    }
  }
  std::optional<int64_t> base;
  if (p == s.size()) {
    base = local_seconds(*y, *mo, *d, h, mi, sec);
  } else if (s[p] == 'Z' || s[p] == 'z') {
    if (p + 1 != s.size()) return std::nullopt;
    base = utc_seconds(*y, *mo, *d, h, mi, sec);
  } else if (s[p] == '+' || s[p] == '-') {
    int sign = s[p] == '-' ? -1 : 1;
    auto oh = digits(s, p + 1, 2);
    if (!oh) return std::nullopt;
    std::optional<int> om;
    if (p + 3 == s.size()) om = 0;
    else if (s.size() == p + 6 && s[p + 3] == ':') om = digits(s, p + 4, 2);
    else if (s.size() == p + 5) om = digits(s, p + 3, 2);
    if (!om) return std::nullopt;
    auto utc = utc_seconds(*y, *mo, *d, h, mi, sec);
    if (!utc) return std::nullopt;
    base = *utc - sign * (*oh * 3600 + *om * 60);
  } else {
    return std::nullopt;
  }
  if (!base) return std::nullopt;
  return *base * 1000000 + frac_us;
}

static std::optional<int64_t> parse_relative_us(std::string_view s) {
  // [-|+]?(N(w|d|h|m|s))+ ; "+" means in the future, otherwise ago.
  int sign = -1;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) {
    sign = s[0] == '+' ? 1 : -1;
    s.remove_prefix(1);
  }
  if (s.empty()) return std::nullopt;
  int64_t total = 0;
  while (!s.empty()) {
    size_t n = 0;
    while (n < s.size() && s[n] >= '0' && s[n] <= '9') ++n;
    if (n == 0 || n > 9 || n == s.size()) return std::nullopt;
    auto v = parse_u64(s.substr(0, n));
    if (!v) return std::nullopt;
    int64_t unit = 0;
    size_t ulen = 1;
    if (s.substr(n, 3) == "min") unit = 60, ulen = 3;
    else switch (s[n]) {
        case 'w': unit = 7 * 86400; break;
        case 'd': unit = 86400; break;
        case 'h': unit = 3600; break;
        case 'm': unit = 60; break;
        case 's': unit = 1; break;
        default: return std::nullopt;
      }
    total += static_cast<int64_t>(*v) * unit;
    s.remove_prefix(n + ulen);
  }
  return sign * total * 1000000;
}

Result<int64_t> parse_time_input(std::string_view text, int64_t now_us) {
  std::string_view s = trim(text);
  if (s == "now") return now_us;
  if (auto rel = parse_relative_us(s)) return now_us + *rel;
  if (auto abs = parse_iso8601_us(s)) return *abs;
  // @SECONDS: Unix time, as `date -d @N` reads it (what scripts and the JSON output's clocks give).
  if (s.size() > 1 && s.size() <= 12 && s[0] == '@')
    if (auto v = parse_u64(s.substr(1))) return static_cast<int64_t>(*v) * 1000000;
  return fail(Error::invalid("cannot read time '" + std::string(s) +
                             "': use RFC 3339 (2026-11-27T02:10:00Z), \"YYYY-MM-DD HH:MM[:SS]\" local time, "
                             "@UNIX-SECONDS, or a relative time such as -2h, 30m, 1d"));
}

}  // namespace ms
