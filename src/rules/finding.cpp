#include "rules/finding.hpp"

#include <fmt/format.h>

#include "util/units.hpp"

namespace ms {

const char* to_string(Severity s) {
  switch (s) {
    case Severity::kCritical: return "critical";
    case Severity::kWarning: return "warning";
    case Severity::kInfo: break;
  }
  return "info";
}

Evidence ev_bytes(std::string what, uint64_t bytes, std::string source) {
  return {std::move(what), human_bytes_u(bytes), static_cast<double>(bytes), "bytes", std::move(source)};
}
Evidence ev_signed_bytes(std::string what, int64_t bytes, std::string source) {
  return {std::move(what), human_bytes(bytes), static_cast<double>(bytes), "bytes", std::move(source)};
}
Evidence ev_percent(std::string what, double percent, std::string source) {
  return {std::move(what), fmt::format("{:.1f}%", percent), percent, "percent", std::move(source)};
}
Evidence ev_seconds(std::string what, double seconds, std::string source) {
  return {std::move(what), fmt::format("{:g}s", seconds), seconds, "seconds", std::move(source)};
}
Evidence ev_count(std::string what, uint64_t n, std::string source) {
  return {std::move(what), fmt::format("{}", n), static_cast<double>(n), "count", std::move(source)};
}
Evidence ev_rate(std::string what, double bytes_per_second, std::string source) {
  std::string v = (bytes_per_second < 0 ? "-" : "") +
                  human_bytes_u(static_cast<uint64_t>(bytes_per_second < 0 ? -bytes_per_second : bytes_per_second)) +
                  "/s";
  return {std::move(what), v, bytes_per_second, "bytes/s", std::move(source)};
}
Evidence ev_text(std::string what, std::string text, std::string source) {
  return {std::move(what), std::move(text), std::nullopt, "", std::move(source)};
}

}  // namespace ms
