#include "util/units.hpp"

#include <ctime>
#include <fmt/format.h>

namespace ms {

std::string human_bytes(int64_t bytes) {
  if (bytes < 0) {
    std::string out(1, '-');
    out += human_bytes_u(static_cast<uint64_t>(-(bytes + 1)) + 1);
    return out;
  }
  return human_bytes_u(static_cast<uint64_t>(bytes));
}

std::string human_bytes_u(uint64_t bytes) {
  static const char* kUnits[] = {"Ki", "Mi", "Gi", "Ti", "Pi", "Ei"};
  if (bytes < 1024) return fmt::format("{}", bytes);
  double v = static_cast<double>(bytes);
  int u = -1;
  while (v >= 1024.0 && u < 5) {
    v /= 1024.0;
    ++u;
  }
  if (v >= 100.0) return fmt::format("{:.0f}{}", v, kUnits[u]);
  if (v >= 10.0) return fmt::format("{:.1f}{}", v, kUnits[u]);
  return fmt::format("{:.2f}{}", v, kUnits[u]);
}

std::string human_bytes_opt(const std::optional<uint64_t>& b, const char* none) {
  return b ? human_bytes_u(*b) : std::string(none);
}

std::string rfc3339_utc(int64_t t) {
  std::time_t tt = static_cast<std::time_t>(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

int64_t now_unix() { return static_cast<int64_t>(std::time(nullptr)); }

}  // namespace ms
