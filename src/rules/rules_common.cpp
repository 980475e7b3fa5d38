#include "rules/rules.hpp"

namespace ms::rules {

double pct_of(uint64_t part, uint64_t whole) {
  return whole == 0 ? 0.0 : 100.0 * static_cast<double>(part) / static_cast<double>(whole);
}

std::optional<Severity> severity_for_pct(double pct, double warn_pct, double crit_pct) {
  if (pct >= crit_pct) return Severity::kCritical;
  if (pct >= warn_pct) return Severity::kWarning;
  return std::nullopt;
}

Finding make_finding(std::string id, Severity severity, std::string title, uint64_t bytes_at_stake) {
  Finding f;
  f.id = std::move(id);
  f.severity = severity;
  f.title = std::move(title);
  f.bytes_at_stake = bytes_at_stake;
  return f;
}

Evidence ev_share(std::string what, uint64_t part, uint64_t whole, std::string source) {
  return ev_percent(std::move(what), pct_of(part, whole), std::move(source));
}

void set_owner_subject(Finding& f, const Owner& owner, std::optional<std::string> cgroup) {
  f.subject.cgroup = std::move(cgroup);
  f.subject.owner = owner.label();
  f.subject.owner_kind = to_string(owner.kind);
}

std::optional<uint64_t> mem_total(const Snapshot& s) {
  auto t = s.meminfo.get("MemTotal");
  if (!t || *t == 0) return std::nullopt;
  return t;
}

}  // namespace ms::rules
