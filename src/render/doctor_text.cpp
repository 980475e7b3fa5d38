#include "render/doctor_text.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "render/table.hpp"
#include "render/text_layout.hpp"
#include "util/escape.hpp"
#include "util/text.hpp"
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
  if (s.pid) parts.push_back(fmt::format("pid {}{}", *s.pid, s.comm ? " (" + term_field(*s.comm) + ")" : ""));
  if (s.owner) parts.push_back("owner " + term_field(*s.owner) + (s.owner_kind ? " [" + *s.owner_kind + "]" : ""));
  if (s.cgroup) parts.push_back("cgroup " + term_field(*s.cgroup));
  if (s.path) parts.push_back(term_field(*s.path));
  std::string out;
  for (size_t i = 0; i < parts.size(); ++i) out += (i ? " · " : "") + parts[i];
  return out;
}

// The evidence of a finding: a table when it fits the terminal, else one wrapped item per number
// (a cut value would hide the very line that proves the finding).
std::string render_evidence(const std::vector<Evidence>& evidence, const TextLayout& layout) {
  Table t({"   EVIDENCE", "VALUE", "SOURCE"});
  for (const auto& e : evidence) t.add({"   " + e.what, e.value, e.source});
  TextLayout natural = layout;
  natural.width = 0;
  std::string table = t.render(natural);
  bool fits = true;
  for_each_line(table, [&](std::string_view line, int) { fits = fits && display_width(line) <= layout.width; });
  if (layout.width == 0 || fits) return table;
  std::string out;
  for (const auto& e : evidence)
    out += wrap_text(fmt::format("{}: {}  ({})", term_field(e.what), term_field(e.value), term_field(e.source)),
                     layout.width, "   - ", "     ");
  return out;
}

}  // namespace

std::string render_doctor_text(const DoctorReport& r, const TextLayout& layout) {
  Style st{layout.colour};
  const size_t w = layout.width;
  size_t counts[3] = {0, 0, 0};
  for (const auto& f : r.findings) ++counts[static_cast<int>(f.severity)];
  std::string out;
  // Header lines: wrapped words, then painted (colour codes take no columns but must not be split).
  std::string title = wrap_text(
      fmt::format("memsleuth doctor: {} at {}", term_field(r.node.hostname), rfc3339_utc(r.node.time)), w, "", "  ");
  out += st.paint("1", title.substr(0, title.size() - 1)) + "\n";
  std::string mem = fmt::format("MemTotal {}  MemAvailable {}", human_bytes_opt(r.node.mem_total_bytes),
                                human_bytes_opt(r.node.mem_available_bytes));
  if (r.node.kubelet_memory_available_bytes)
    mem += fmt::format("  kubelet memory.available {}", human_bytes(*r.node.kubelet_memory_available_bytes));
  mem += fmt::format("  cgroup {}", r.node.cgroup_version);
  out += wrap_text(mem, w, "  ", "  ");
  if (r.node.replayed) out += wrap_text(term_field(*r.node.replayed), w, "  ", "    ");
  if (r.node.history) {
    const auto& h = *r.node.history;
    std::string hist =
        fmt::format("history {} .. {}: {} samples", rfc3339_utc(h.since), rfc3339_utc(h.until), h.samples);
    if (h.lowest_kubelet_available)
      hist += fmt::format(", worst kubelet memory.available {} at {}", human_bytes_u(h.lowest_kubelet_available->bytes),
                          rfc3339_utc(h.lowest_kubelet_available->time));
    else if (h.lowest_mem_available)
      hist += fmt::format(", worst MemAvailable {} at {}", human_bytes_u(h.lowest_mem_available->bytes),
                          rfc3339_utc(h.lowest_mem_available->time));
    if (h.fastest_decline_bytes_per_s)
      hist +=
          fmt::format(", fastest decline {}/s", human_bytes_u(static_cast<uint64_t>(*h.fastest_decline_bytes_per_s)));
    out += wrap_text(hist, w, "  ", "    ");
  }
  out += wrap_text(
      fmt::format("{} critical, {} warning, {} info from {} rules", counts[2], counts[1], counts[0], r.node.rules_run),
      w, "  ", "  ");
  for (const auto& t : r.node.kubelet_trust) out += wrap_text(term_field(t), w, "  kubelet: ", "    ");
  for (const auto& m : r.node.missing) out += wrap_text(term_field(m), w, "  not checked: ", "    ");
  if (r.findings.empty()) {
    out += "\n" + st.paint("1;32", "No problem found.") + "\n";
    return out;
  }
  int n = 0;
  for (const auto& f : r.findings) {
    std::string label = sev_label(f.severity);
    std::string head = fmt::format("{}. {}  ", ++n, label);
    // Wrap the plain title after the heading, then paint the label and the title on each line.
    std::string lines = wrap_text(term_field(f.title), w, head, std::string(head.size(), ' '));
    out += "\n";
    for_each_line(lines, [&](std::string_view line, int k) {
      std::string rest(line.substr(std::min(head.size(), line.size())));
      if (k == 1)
        out += fmt::format("{}. {}  {}\n", n, st.paint(sev_colour(f.severity), label), st.paint("1", rest));
      else
        out += std::string(head.size(), ' ') + st.paint("1", rest) + "\n";
    });
    auto subj = subject_line(f.subject);
    if (!subj.empty()) out += wrap_text(subj, w, "   subject:  ", "             ");
    if (!f.evidence.empty()) out += render_evidence(f.evidence, layout);
    out += wrap_text(term_field(f.why), w, "   why:      ", "             ");
    for (size_t i = 0; i < f.fix.size(); ++i)
      out += wrap_text(term_field(f.fix[i]), w, i == 0 ? "   fix:      " : "             ", "               ");
    out += wrap_text(f.rule + " (" + f.id + ")", w, "   rule:     ", "             ");
  }
  return out;
}

}  // namespace ms
