#include "cli/arg_units.hpp"

#include <fmt/format.h>

#include <array>
#include <utility>

#include "util/text.hpp"

namespace ms::cli {

namespace {

// Splits "512MiB" into 512 and "MiB".
std::pair<std::string_view, std::string_view> number_and_unit(std::string_view s) {
  size_t i = 0;
  while (i < s.size() && ((s[i] >= '0' && s[i] <= '9') || s[i] == '.')) ++i;
  return {s.substr(0, i), s.substr(i)};
}

}  // namespace

Result<int64_t> parse_duration_ms(std::string_view s) {
  s = trim(s);
  auto [num, unit] = number_and_unit(s);
  auto v = parse_double(num);
  if (!v || *v < 0) return fail(Error::invalid(fmt::format("not a duration: '{}' (try 10s, 500ms, 5m, 7d)", s)));
  static const std::array<std::pair<std::string_view, double>, 6> kUnits = {
      {{"ms", 1}, {"s", 1e3}, {"m", 60e3}, {"h", 3600e3}, {"d", 86400e3}, {"w", 7 * 86400e3}}};
  for (auto& [u, mult] : kUnits)
    if (unit == u) return static_cast<int64_t>(*v * mult);
  if (unit.empty()) return static_cast<int64_t>(*v * 1e3);  // plain number: seconds
  return fail(Error::invalid(fmt::format("unknown duration unit in '{}' (ms, s, m, h, d, w)", s)));
}

Result<uint64_t> parse_size_bytes(std::string_view s) {
  s = trim(s);
  auto [num, unit] = number_and_unit(s);
  auto v = parse_double(num);
  if (!v || *v < 0) return fail(Error::invalid(fmt::format("not a size: '{}' (try 512MiB, 1Gi, 100M)", s)));
  static const std::array<std::pair<std::string_view, double>, 15> kUnits = {{
      {"", 1}, {"B", 1},
      {"K", 1e3}, {"KB", 1e3}, {"M", 1e6}, {"MB", 1e6}, {"G", 1e9}, {"GB", 1e9},
      {"Ki", 1024.0}, {"KiB", 1024.0}, {"Mi", 1048576.0}, {"MiB", 1048576.0}, {"Gi", 1073741824.0},
      {"GiB", 1073741824.0}, {"Ti", 1099511627776.0},
  }};
  for (auto& [u, mult] : kUnits)
    if (unit == u) return static_cast<uint64_t>(*v * mult);
  return fail(Error::invalid(fmt::format("unknown size unit in '{}' (B, Ki/KiB, Mi/MiB, Gi/GiB, K/M/G)", s)));
}

}  // namespace ms::cli
