#include "render/doctor_text.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "render/table.hpp"
#include "util/escape.hpp"
#include "util/units.hpp"

namespace ms {
namespace {

struct Style {
  bool on;
  std::string paint(std::string_view code, const std::string& s) const {
    return on ? fmt::format("\x1b[{}m{}\x1b[0m", code, s) : s;
  }
};

const char* sev_colour(Severity s) {
  switch (s) {
    case Severity::kCritical: return "1;31";
    case Severity::kWarning: return "1;33";
    case Severity::kInfo: break;
  }
  return "1;36";
}

std::string sev_label(Severity s) {
  std::string l = to_string(s);
  std::transform(l.begin(), l.end(), l.begin(), [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return l;
}

std::string subject_line(const Subject& s) {
  std::vector<std::string> parts;
  if (s.pid) parts.push_back(fmt::format("pid {}{}", *s.pid, s.comm ? " (" + escape_terminal(*s.comm) + ")" : ""));
  if (s.owner) parts.push_back("owner " + escape_terminal(*s.owner) + (s.owner_kind ? " [" + *s.owner_kind + "]" : ""));
  if (s.cgroup) parts.push_back("cgroup " + escape_terminal(*s.cgroup));
  if (s.path) parts.push_back(escape_terminal(*s.path));
  std::string out;
  for (size_t i = 0; i < parts.size(); ++i) out += (i ? " · " : "") + parts[i];
  return out;
}

}  // namespace

std::string render_doctor_text(const DoctorReport& r, bool colour) {
  Style st{colour};
  size_t counts[3] = {0, 0, 0};
  for (const auto& f : r.findings) ++counts[static_cast<int>(f.severity)];
  std::string out;
  out += st.paint("1", fmt::format("memsleuth doctor: {} at {}", escape_terminal(r.node.hostname),
                                   rfc3339_utc(r.node.time)));
  out += fmt::format("\n  MemTotal {}  MemAvailable {}", human_bytes_opt(r.node.mem_total_bytes),
                     human_bytes_opt(r.node.mem_available_bytes));
  if (r.node.kubelet_memory_available_bytes)
    out += fmt::format("  kubelet memory.available {}", human_bytes(*r.node.kubelet_memory_available_bytes));
  out += fmt::format("  cgroup {}\n", r.node.cgroup_version);
  if (r.node.replayed) out += "  " + escape_terminal(*r.node.replayed) + "\n";
  if (r.node.history) {
    const auto& h = *r.node.history;
    out += fmt::format("  history {} .. {}: {} samples", rfc3339_utc(h.since), rfc3339_utc(h.until), h.samples);
    if (h.lowest_kubelet_available)
      out += fmt::format(", worst kubelet memory.available {} at {}", human_bytes_u(h.lowest_kubelet_available->bytes),
                         rfc3339_utc(h.lowest_kubelet_available->time));
    else if (h.lowest_mem_available)
      out += fmt::format(", worst MemAvailable {} at {}", human_bytes_u(h.lowest_mem_available->bytes),
                         rfc3339_utc(h.lowest_mem_available->time));
    if (h.fastest_decline_bytes_per_s)
      out += fmt::format(", fastest decline {}/s", human_bytes_u(static_cast<uint64_t>(*h.fastest_decline_bytes_per_s)));
    out += "\n";
  }
  out += fmt::format("  {} critical, {} warning, {} info from {} rules\n", counts[2], counts[1], counts[0],
                     r.node.rules_run);
  for (const auto& m : r.node.missing) out += "  not checked: " + escape_terminal(m) + "\n";
  if (r.findings.empty()) {
    out += "\n" + st.paint("1;32", "No problem found.") + "\n";
    return out;
  }
  int n = 0;
  for (const auto& f : r.findings) {
    out += fmt::format("\n{}. {}  {}\n", ++n, st.paint(sev_colour(f.severity), sev_label(f.severity)),
                       st.paint("1", escape_terminal(f.title)));
    auto subj = subject_line(f.subject);
    if (!subj.empty()) out += "   subject:  " + subj + "\n";
    if (!f.evidence.empty()) {
      Table t({"   EVIDENCE", "VALUE", "SOURCE"});
      for (const auto& e : f.evidence) t.add({"   " + e.what, e.value, e.source});
      out += t.render();
    }
    out += "   why:      " + escape_terminal(f.why) + "\n";
    for (size_t i = 0; i < f.fix.size(); ++i)
      out += std::string(i == 0 ? "   fix:      " : "             ") + escape_terminal(f.fix[i]) + "\n";
    out += "   rule:     " + f.rule + " (" + f.id + ")\n";
  }
  return out;
}

}  // namespace ms
