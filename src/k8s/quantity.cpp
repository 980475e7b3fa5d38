#include "k8s/quantity.hpp"

#include <charconv>
#include <cmath>
#include <fmt/format.h>
#include <limits>

#include "util/text.hpp"

namespace ms::k8s {

namespace {

using u128 = unsigned __int128;
constexpr u128 kMaxI64 = static_cast<u128>(std::numeric_limits<int64_t>::max());

struct Suffix {
  int exp10 = 0;
  int exp2 = 0;
};

// resource.Quantity's suffixer: binary, decimal SI, or a decimal exponent.
std::optional<Suffix> interpret_suffix(std::string_view s) {
  if (s.empty()) return Suffix{};
  static constexpr std::pair<std::string_view, int> kBinary[] = {{"Ki", 10}, {"Mi", 20}, {"Gi", 30},
                                                                 {"Ti", 40}, {"Pi", 50}, {"Ei", 60}};
  for (auto [name, e2] : kBinary)
    if (s == name) return Suffix{0, e2};
  static constexpr std::pair<std::string_view, int> kDecimal[] = {{"n", -9}, {"u", -6}, {"m", -3}, {"k", 3},
                                                                  {"M", 6},  {"G", 9},  {"T", 12}, {"P", 15},
                                                                  {"E", 18}};
  for (auto [name, e10] : kDecimal)
    if (s == name) return Suffix{e10, 0};
  if (s.size() > 1 && (s[0] == 'e' || s[0] == 'E')) {
    auto rest = s.substr(1);
    int e = 0;
    size_t i = (rest[0] == '+' || rest[0] == '-') ? 1 : 0;
    auto [p, ec] = std::from_chars(rest.data() + i, rest.data() + rest.size(), e);
    if (ec != std::errc() || p != rest.data() + rest.size() || i == rest.size()) return std::nullopt;
    if (rest[0] == '-') e = -e;
    return Suffix{e, 0};
  }
  return std::nullopt;
}

}  // namespace

Result<Quantity> parse_quantity(std::string_view in, std::string_view what) {
  std::string_view s = trim(in);
  auto bad = [&](std::string_view why) {
    return fail(Error::invalid(fmt::format("{}: '{}' is not a valid quantity ({})", what, s, why)));
  };
  if (s.empty()) return bad("empty");
  size_t pos = 0;
  bool negative = false;
  if (s[0] == '+' || s[0] == '-') {
    negative = s[0] == '-';
    ++pos;
  }
  u128 mant = 0;
  int digits = 0, frac = 0;
  bool overflow = false;
  auto take_digits = [&](bool fractional) {
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
      if (mant > (std::numeric_limits<u128>::max() - 9) / 10) overflow = true;
      else mant = mant * 10 + static_cast<unsigned>(s[pos] - '0');
      ++digits;
      if (fractional) ++frac;
      ++pos;
    }
  };
  take_digits(false);
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    take_digits(true);
  }
  if (digits == 0) return bad("no digits");
  if (overflow) return bad("too many digits");
  auto suffix = interpret_suffix(s.substr(pos));
  if (!suffix) return bad(fmt::format("unknown suffix '{}'", s.substr(pos)));

  // value = mant * 2^exp2 * 10^(exp10 - frac), rounded up (toward +inf) as Quantity.Value() does.
  int e10 = suffix->exp10 - frac;
  if (suffix->exp2 > 0) {
    if (mant > (std::numeric_limits<u128>::max() >> suffix->exp2)) return bad("too large");
    mant <<= suffix->exp2;
  }
  u128 whole = mant;
  bool remainder = false;
  if (e10 > 0) {
    for (int i = 0; i < e10; ++i) {
      if (whole > kMaxI64) break;  // already too large; avoid u128 overflow
      whole *= 10;
    }
  } else if (e10 < 0) {
    u128 d = 1;
    int k = -e10;
    bool huge = false;
    for (int i = 0; i < k; ++i) {
      if (d > std::numeric_limits<u128>::max() / 10) {
        huge = true;
        break;
      }
      d *= 10;
    }
    if (huge) {
      remainder = whole != 0;
      whole = 0;
    } else {
      remainder = whole % d != 0;
      whole /= d;
    }
  }
  if (whole + (remainder ? 1 : 0) > kMaxI64) return bad("too large");
  Quantity q;
  q.text = std::string(s);
  q.exact = !remainder;
  int64_t w = static_cast<int64_t>(whole);
  if (negative) q.value = -w;  // ceil(-(w + f)) = -w for 0 < f < 1
  else q.value = w + (remainder ? 1 : 0);
  return q;
}

Result<float> parse_percentage(std::string_view in, std::string_view what) {
  std::string_view s = in;
  // strings.TrimRight(input, "%") removes every trailing '%'.
  while (!s.empty() && s.back() == '%') s.remove_suffix(1);
  auto bad = [&](std::string_view why) {
    return fail(Error::invalid(fmt::format("{}: '{}' is not a valid percentage ({})", what, in, why)));
  };
  if (s.empty()) return bad("no number");
  std::string_view num = s;
  if (num[0] == '+') num.remove_prefix(1);  // Go's ParseFloat accepts a leading '+', from_chars does not
  float f = 0;
  auto [p, ec] = std::from_chars(num.data(), num.data() + num.size(), f, std::chars_format::general);
  if (ec == std::errc::result_out_of_range) return bad("out of range");
  if (ec != std::errc() || p != num.data() + num.size()) return bad("not a number");
  if (!std::isfinite(f)) return bad("not finite");
  float pct = f / 100.0f;  // float32 division, as `float32(value) / 100` in Go
  return pct;
}

int64_t percentage_of(float p, int64_t capacity) {
  double v = static_cast<double>(capacity) * static_cast<double>(p);
  if (v >= 9.2233720368547758e18) return std::numeric_limits<int64_t>::max();
  if (v <= -9.2233720368547758e18) return std::numeric_limits<int64_t>::min();
  return static_cast<int64_t>(v);  // truncation toward zero, as Go's int64(float64)
}

Result<double> parse_go_duration(std::string_view in, std::string_view what) {
  // time.ParseDuration: no spaces, an optional sign, then number+unit pairs; errors name the whole
  // value as given (not what is left of it when parsing stopped).
  std::string_view s = in;
  auto bad = [&](std::string_view why) {
    return fail(Error::invalid(fmt::format("{}: '{}' is not a valid duration ({})", what, in, why)));
  };
  if (s.empty()) return bad("empty");
  bool neg = false;
  if (s[0] == '+' || s[0] == '-') {
    neg = s[0] == '-';
    s.remove_prefix(1);
  }
  if (s == "0") return 0.0;
  if (s.empty()) return bad("empty");
  double total = 0;
  while (!s.empty()) {
    size_t i = 0;
    bool any = false;
    while (i < s.size() && ((s[i] >= '0' && s[i] <= '9') || s[i] == '.')) {
      if (s[i] != '.') any = true;
      ++i;
    }
    if (!any) return bad("missing number");
    auto num = parse_double(s.substr(0, i));
    if (!num) return bad("bad number");
    s.remove_prefix(i);
    size_t j = 0;
    while (j < s.size() && !((s[j] >= '0' && s[j] <= '9') || s[j] == '.')) ++j;
    std::string_view unit = s.substr(0, j);
    s.remove_prefix(j);
    double mult = 0;
    if (unit == "ns") mult = 1e-9;
    else if (unit == "us" || unit == "\xc2\xb5s" || unit == "\xce\xbcs") mult = 1e-6;
    else if (unit == "ms") mult = 1e-3;
    else if (unit == "s") mult = 1;
    else if (unit == "m") mult = 60;
    else if (unit == "h") mult = 3600;
    else if (unit.empty()) return bad("missing unit");
    else return bad(fmt::format("unknown unit '{}'", unit));
    total += *num * mult;
  }
  // A Duration is an int64 of nanoseconds: about 2,562,047 hours at most.
  if (total > 9223372036.854775807) return bad("out of range");
  return neg ? -total : total;
}

}  // namespace ms::k8s
