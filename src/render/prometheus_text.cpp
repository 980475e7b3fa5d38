#include "render/prometheus_text.hpp"

#include <fmt/format.h>

#include <cmath>

#include "util/escape.hpp"

namespace ms {

namespace {

std::string format_value(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  if (v == std::floor(v) && std::fabs(v) < 1e15) return fmt::format("{:.0f}", v);
  return fmt::format("{}", v);
}

// HELP text escapes backslash and newline only.
std::string escape_help(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '\\') out += "\\\\";
    else if (c == '\n') out += "\\n";
    else out.push_back(c);
  }
  return out;
}

}  // namespace

std::string render_prometheus(const std::vector<PromFamily>& families) {
  std::string out;
  for (const auto& f : families) {
    if (f.samples.empty()) continue;
    out += fmt::format("# HELP {} {}\n# TYPE {} {}\n", f.name, escape_help(f.help), f.name, f.type);
    for (const auto& s : f.samples) {
      out += f.name;
      if (!s.labels.empty()) {
        out.push_back('{');
        bool first = true;
        for (const auto& [k, v] : s.labels) {
          if (!first) out.push_back(',');
          first = false;
          out += k;
          out += "=\"";
          out += escape_prom_label(v);
          out.push_back('"');
        }
        out.push_back('}');
      }
      out.push_back(' ');
      out += format_value(s.value);
      out.push_back('\n');
    }
  }
  return out;
}

}  // namespace ms
