#include "rules/rules.hpp"

namespace ms::rules {

double pct_of(uint64_t part, uint64_t whole) {
  return whole == 0 ? 0.0 : 100.0 * static_cast<double>(part) / static_cast<double>(whole);
}

std::optional<uint64_t> mem_total(const Snapshot& s) {
  auto t = s.meminfo.get("MemTotal");
  if (!t || *t == 0) return std::nullopt;
  return t;
}

}  // namespace ms::rules
