#include "util/time_input.hpp"

#include <fmt/format.h>

#include <ctime>
#include <optional>

#include "util/text.hpp"

namespace ms {

namespace {

int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

bool digits(std::string_view s, size_t pos, size_t n, int& out) {
  if (pos + n > s.size()) return false;
  int v = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    v = v * 10 + (s[i] - '0');
  }
  out = v;
  return true;
}

Result<int64_t> bad(std::string_view s) {
  return fail(Error::invalid(fmt::format(
      "cannot read time '{}': use RFC 3339 (2026-11-27T02:10:00Z), local 'YYYY-MM-DD HH:MM[:SS]' or relative (-2h)",
      s)));
}

Result<int64_t> relative(std::string_view s, int64_t now_us) {
  bool future = false;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) {
    future = s[0] == '+';
    s.remove_prefix(1);
  }
  if (s.empty()) return bad(s);
  int64_t total = 0;
  while (!s.empty()) {
    size_t i = 0;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
    if (i == 0 || i == s.size()) return bad(s);
    auto n = parse_u64(s.substr(0, i));
    if (!n) return bad(s);
    int64_t mult = 0;
    size_t ulen = 1;
    if (s.substr(i, 2) == "ms") { mult = 1000; ulen = 2; }
    else if (s[i] == 's') mult = 1'000'000;
    else if (s[i] == 'm') mult = 60'000'000;
    else if (s[i] == 'h') mult = 3'600'000'000;
    else if (s[i] == 'd') mult = 86'400'000'000;
    else if (s[i] == 'w') mult = 7 * 86'400'000'000;
    else return bad(s);
    total += static_cast<int64_t>(*n) * mult;
    s.remove_prefix(i + ulen);
  }
  return future ? now_us + total : now_us - total;
}

}  // namespace

Result<int64_t> parse_time_input(std::string_view text, int64_t now_us) {
  std::string_view s = trim(text);
  if (s == "now") return now_us;
  if (s.empty()) return bad(text);
  // Relative: starts with a sign, or is digits followed by a unit letter (no '-' at index 4).
  if (s[0] == '-' || s[0] == '+' || (s.size() < 10 || s[4] != '-')) return relative(s, now_us);
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, sec = 0;
  if (!digits(s, 0, 4, y) || s[4] != '-' || !digits(s, 5, 2, mo) || s.size() < 10 || s[7] != '-' ||
      !digits(s, 8, 2, d))
    return bad(text);
  size_t pos = 10;
  int64_t frac_us = 0;
  std::optional<int64_t> offset_s;
  if (pos < s.size()) {
    if (s[pos] != 'T' && s[pos] != 't' && s[pos] != ' ') return bad(text);
    ++pos;
    if (!digits(s, pos, 2, h) || pos + 2 >= s.size() || s[pos + 2] != ':' || !digits(s, pos + 3, 2, mi)) return bad(text);
    pos += 5;
    if (pos < s.size() && s[pos] == ':') {
      if (!digits(s, pos + 1, 2, sec)) return bad(text);
      pos += 3;
      if (pos < s.size() && (s[pos] == '.' || s[pos] == ',')) {
        ++pos;
        int64_t scale = 100000;
        while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
          frac_us += (s[pos] - '0') * scale;
          scale /= 10;
          ++pos;
        }
      }
    }
    if (pos < s.size()) {
      if (s[pos] == 'Z' || s[pos] == 'z') {
        offset_s = 0;
        ++pos;
      } else if (s[pos] == '+' || s[pos] == '-') {
        int oh = 0, om = 0;
        int sign = s[pos] == '-' ? -1 : 1;
        if (!digits(s, pos + 1, 2, oh)) return bad(text);
        size_t mpos = pos + 3;
        if (mpos < s.size() && s[mpos] == ':') ++mpos;
        if (!digits(s, mpos, 2, om)) return bad(text);
        offset_s = sign * (oh * 3600 + om * 60);
        pos = mpos + 2;
      }
      if (pos != s.size()) return bad(text);
    }
  }
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60) return bad(text);
  int64_t secs;
  if (offset_s) {
    secs = days_from_civil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d)) * 86400 + h * 3600 + mi * 60 + sec -
           *offset_s;
  } else {
    std::tm tm{};
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    tm.tm_sec = sec;
    tm.tm_isdst = -1;
    time_t t = mktime(&tm);
    if (t == static_cast<time_t>(-1)) return bad(text);
    secs = t;
  }
  return secs * 1'000'000 + frac_us;
}

}  // namespace ms
