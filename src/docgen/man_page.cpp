#include "docgen/man_page.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <utility>
#include <vector>

#include "util/escape.hpp"

namespace ms::docgen {

namespace {

// One UTF-8 sequence at s[i] -> code point (or U+FFFD for a broken one); advances i.
uint32_t next_code_point(std::string_view s, size_t& i) {
  size_t n = utf8_seq_len(s, i);
  auto b = static_cast<unsigned char>(s[i]);
  if (n <= 1) {
    ++i;
    return b < 0x80 ? b : 0xFFFD;
  }
  uint32_t cp = b & (0xFF >> (n + 1));
  for (size_t k = 1; k < n; ++k) cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
  i += n;
  return cp;
}

std::string escape(std::string_view s, bool minus) {
  std::string out;
  out.reserve(s.size() + 8);
  bool line_start = true;
  for (size_t i = 0; i < s.size();) {
    char c = s[i];
    auto uc = static_cast<unsigned char>(c);
    // A '.' or '\'' opening a line would be read as a request.
    if (line_start && (c == '.' || c == '\'')) out += "\\&";
    line_start = false;
    if (uc >= 0x80) {
      uint32_t cp = next_code_point(s, i);
      out += fmt::format("\\[u{:04X}]", cp);
      continue;
    }
    ++i;
    bool word_start = out.empty() || out.back() == ' ' || out.back() == '\n' || out.back() == '(' ||
                      out.back() == '[' || out.back() == '`';
    bool prev_minus = out.size() >= 2 && out.compare(out.size() - 2, 2, "\\-") == 0;
    switch (c) {
      case '\\':
        out += "\\e";
        break;
      case '"':
        out += "\\(dq";
        break;
      case '`':
        out += "\\(ga";
        break;
      case '\'':
        out += minus ? "\\(aq" : "'";
        break;  // a quote in prose, \(aq in literals
      case '^':
        out += "\\(ha";
        break;
      case '~':
        out += "\\(ti";
        break;
      case '-':
        // A minus sign in literals and where prose names an option ("--procfs", "-2h"), so that
        // what is copied from the page types; a hyphen inside words ("read-only").
        out += minus || word_start || prev_minus ? "\\-" : "-";
        break;
      case '\n':
        out += '\n';
        line_start = true;
        break;
      case '\t':
        out += ' ';
        break;
      default:
        if (uc < 0x20 || uc == 0x7F) break;  // other control characters mean nothing on a page
        out += c;
    }
  }
  return out;
}

// Ends with a period, so that what the generator appends reads as the next sentence.
std::string sentence(std::string s) {
  if (!s.empty() && s.back() != '.') s += '.';
  return s;
}

// "-o, --output" in bold, then the value: "FORMAT" in italics, or the allowed values.
std::string option_heading(const OptionDoc& o) {
  if (!o.positional.empty()) return fmt::format("\\fI{}\\fR", roff_literal(o.positional));
  std::string out;
  for (const auto& n : o.names()) {
    if (!out.empty()) out += ", ";
    out += fmt::format("\\fB{}\\fR", roff_literal(n));
  }
  if (!o.takes_value()) return out;
  std::string value;
  if (o.kind == ValueKind::kChoice) {
    for (const auto& c : o.choices) value += (value.empty() ? "" : "|") + roff_literal(c);
  } else {
    value = roff_literal(o.value_name);
  }
  out += fmt::format(" \\fI{}\\fR", value);
  if (o.repeatable) out += " ...";
  return out;
}

void write_option(std::string& out, const OptionDoc& o) {
  out += ".TP\n" + option_heading(o) + "\n";
  std::string text = o.description;
  text = sentence(text);
  if (o.kind == ValueKind::kChoice) {
    std::string list;
    for (const auto& c : o.choices) list += (list.empty() ? "" : ", ") + c;
    text += " One of: " + list + ".";
  }
  if (!o.default_value.empty()) text += " Default: " + o.default_value + ".";
  if (o.repeatable) text += " May be given more than once.";
  if (o.required) text += " Required.";
  out += roff_text(text) + "\n";
}

std::string synopsis(const CommandDoc& c, const std::string& prefix) {
  std::string out = fmt::format(".B {}\n", roff_literal(prefix + c.name));
  bool any_option = false;
  for (const auto& o : c.options) any_option |= o.positional.empty();
  if (any_option) out += "[\\fIOPTIONS\\fR]\n";
  for (const auto* p : c.positionals()) out += fmt::format("[\\fI{}\\fR]\n", roff_literal(p->positional));
  return out;
}

// Defaults that are absolute paths are the files memsleuth reads or writes unless told otherwise:
// path -> the options that default to it ("--db", "record --db", ...).
using DefaultPaths = std::vector<std::pair<std::string, std::vector<std::string>>>;
void collect_default_paths(const CommandDoc& c, const std::string& prefix, DefaultPaths& out) {
  for (const auto& o : c.options) {
    if (o.default_value.size() < 2 || o.default_value[0] != '/' || o.long_names.empty()) continue;
    std::string where = prefix.empty() ? o.long_names[0] : prefix + " " + o.long_names[0];
    auto it = std::find_if(out.begin(), out.end(), [&](const auto& p) { return p.first == o.default_value; });
    if (it == out.end())
      out.push_back({o.default_value, {where}});
    else
      it->second.push_back(where);
  }
  for (const auto& s : c.subcommands) collect_default_paths(s, s.name, out);
}

}  // namespace

std::string roff_text(std::string_view s) {
  return escape(s, false);
}
std::string roff_literal(std::string_view s) {
  return escape(s, true);
}

std::string render_man_page(const CommandDoc& app, const ManInfo& info) {
  std::string out;
  out += ".\\\" Generated by memsleuth-docgen from memsleuth's command-line definitions; do not edit.\n";
  std::string upper = app.name;
  for (auto& ch : upper) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  out += fmt::format(".TH {} 1 \"{}\" \"{} {}\" \"User Commands\"\n", roff_literal(upper), roff_text(info.date),
                     roff_literal(app.name), roff_text(info.version));
  // Paths and option names must not be hyphenated or stretched: no hyphenation, ragged right.
  out += ".nh\n.ad l\n";
  // The app's description reads "memsleuth: <what it does>".
  std::string what = app.description;
  if (auto colon = what.find(": "); colon != std::string::npos && what.compare(0, colon, app.name) == 0)
    what = what.substr(colon + 2);
  out += ".SH NAME\n" + roff_literal(app.name) + " \\- " + roff_text(what) + "\n";

  out += ".SH SYNOPSIS\n";
  out += fmt::format(".B {}\n[\\fIGLOBAL OPTIONS\\fR]\n\\fICOMMAND\\fR\n[\\fIOPTIONS\\fR]\n", roff_literal(app.name));
  for (const auto& c : app.subcommands) out += ".br\n" + synopsis(c, app.name + " ");

  out += ".SH DESCRIPTION\n";
  out += roff_text(
             "memsleuth reads a Linux or Kubernetes node through /proc and /sys (or a host mounted elsewhere, "
             "see --procfs, --sysfs and --rootfs) and tells who uses its memory, what bounds it, why the "
             "kubelet did not stop it, and what happened while nobody was watching.") +
         "\n";
  bool fallthrough = false;
  for (const auto& c : app.subcommands) fallthrough |= c.parent_options_apply;
  if (fallthrough) out += ".PP\n" + roff_text("Global options may be given before or after the command.") + "\n";

  out += ".SH GLOBAL OPTIONS\n";
  for (const auto& o : app.options) write_option(out, o);

  out += ".SH COMMANDS\n";
  for (const auto& c : app.subcommands) {
    out += fmt::format(".SS {}\n", roff_literal(c.name));
    if (!c.aliases.empty()) {
      std::string a;
      for (const auto& x : c.aliases) a += (a.empty() ? "" : ", ") + x;
      out += roff_text("Also: " + a + ".") + "\n.br\n";
    }
    out += roff_text(sentence(c.description)) + "\n";
    if (!c.footer.empty()) out += ".PP\n" + roff_text(c.footer) + "\n";
    for (const auto& o : c.options) write_option(out, o);
  }

  if (!app.footer.empty()) out += ".SH NOTES\n" + roff_text(app.footer) + "\n";

  DefaultPaths files;
  collect_default_paths(app, "", files);
  if (!files.empty()) out += ".SH FILES\n";
  for (const auto& [path, options] : files) {
    std::string by;
    for (const auto& o : options) by += (by.empty() ? "" : ", ") + o;
    out += ".TP\n.I " + roff_literal(path) + "\n" + roff_text("Default of " + by + ".") + "\n";
  }
  out += ".SH SEE ALSO\n";
  out += roff_text(
             "memsleuth-record.service, the systemd unit installed with memsleuth that runs `memsleuth record`; "
             "README.md and docs/ (recorder.md, metrics.md, doctor.md, ...) in memsleuth's documentation "
             "directory, share/doc/memsleuth under the installation prefix.") +
         "\n";
  return out;
}

}  // namespace ms::docgen
