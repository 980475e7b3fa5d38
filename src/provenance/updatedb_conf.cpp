#include "provenance/updatedb_conf.hpp"

#include <algorithm>
#include <cctype>
#include <fmt/format.h>

#include "util/text.hpp"

namespace ms {

namespace {

constexpr std::string_view kOpenQuote = "\xE2\x80\x9C";   // “
constexpr std::string_view kCloseQuote = "\xE2\x80\x9D";  // ”
constexpr std::string_view kBullet = "\xE2\x80\xA2";      // •

std::string upper(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

std::string basename_of(std::string_view p) {
  auto slash = p.rfind('/');
  return std::string(slash == std::string_view::npos ? p : p.substr(slash + 1));
}

// Strips what a paste adds around an assignment: bullets, list markers, blockquote, backticks.
std::string_view strip_decoration(std::string_view s) {
  for (bool changed = true; changed;) {
    changed = false;
    s = trim(s);
    if (starts_with(s, kBullet)) {
      s.remove_prefix(kBullet.size());
      changed = true;
    } else if (!s.empty() && (s.front() == '`' || s.front() == '>' || s.front() == '*')) {
      s.remove_prefix(1);
      changed = true;
    } else if (s.size() >= 2 && s.front() == '-' && (s[1] == ' ' || s[1] == '\t')) {
      s.remove_prefix(2);
      changed = true;
    }
  }
  while (!s.empty() && s.back() == '`') s.remove_suffix(1);
  return trim(s);
}

struct Value {
  std::string text;
  bool truncated = false;
};

// The value after '=': "…", “…”, '…', or bare to the end of the line.
Value parse_value(std::string_view v) {
  v = trim(v);
  while (!v.empty() && v.back() == '`') v.remove_suffix(1);
  v = trim(v);
  auto close_at = [&](std::string_view body, std::initializer_list<std::string_view> closers) -> Value {
    size_t best = std::string_view::npos;
    for (auto c : closers) best = std::min(best, body.find(c));
    if (best == std::string_view::npos) return {std::string(trim(body)), true};
    return {std::string(trim(body.substr(0, best))), false};
  };
  if (starts_with(v, "\"")) return close_at(v.substr(1), {"\"", kCloseQuote});
  if (starts_with(v, kOpenQuote)) return close_at(v.substr(kOpenQuote.size()), {kCloseQuote, "\""});
  if (starts_with(v, kCloseQuote)) return close_at(v.substr(kCloseQuote.size()), {kCloseQuote, "\""});
  if (starts_with(v, "'")) return close_at(v.substr(1), {"'"});
  // Unquoted: mlocate rejects it, but the meaning is clear; a trailing comment ends it.
  auto hash = v.find(" #");
  return {std::string(trim(v.substr(0, hash))), false};
}

std::optional<UpdatedbSetting>* slot(UpdatedbConf& c, std::string_view name) {
  if (name == "PRUNE_BIND_MOUNTS") return &c.prune_bind_mounts;
  if (name == "PRUNEFS") return &c.prunefs;
  if (name == "PRUNENAMES") return &c.prunenames;
  if (name == "PRUNEPATHS") return &c.prunepaths;
  return nullptr;
}

std::vector<std::string> words(const std::optional<UpdatedbSetting>& s) {
  std::vector<std::string> out;
  if (!s) return out;
  for (auto w : split_ws(s->value)) out.emplace_back(w);
  return out;
}

bool is_ident(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_')) return false;
  return true;
}

bool all_upper(std::string_view s) {
  for (char c : s)
    if (std::islower(static_cast<unsigned char>(c))) return false;
  return true;
}

std::string yaml_scalar(std::string_view s) {
  s = trim(s);
  if (s.size() >= 2 && (s.front() == '\'' || s.front() == '"') && s.back() == s.front()) s = s.substr(1, s.size() - 2);
  return std::string(s);
}

}  // namespace

bool UpdatedbConf::prune_bind_mounts_on() const {
  if (!prune_bind_mounts) return false;
  std::string v = upper(trim(prune_bind_mounts->value));
  return v == "YES" || v == "1" || v == "TRUE";
}

std::vector<std::string> UpdatedbConf::prunefs_list() const { return words(prunefs); }
std::vector<std::string> UpdatedbConf::prunepaths_list() const { return words(prunepaths); }
std::vector<std::string> UpdatedbConf::prunenames_list() const { return words(prunenames); }

bool UpdatedbConf::prunes_fs(std::string_view fs_type) const {
  std::string want = upper(fs_type);
  for (const auto& f : prunefs_list())
    if (upper(f) == want) return true;
  return false;
}

std::optional<std::string> UpdatedbConf::pruning_path(std::string_view path) const {
  for (const auto& p : prunepaths_list()) {
    if (p == path) return p;
    if (path.size() > p.size() && starts_with(path, p) && path[p.size()] == '/' && p != "/") return p;
  }
  return std::nullopt;
}

std::optional<std::string> UpdatedbConf::pruning_path(std::string_view path, std::string_view root) const {
  for (const auto& p : prunepaths_list()) {
    bool below_root = root == "/" ? p != "/" : (p.size() > root.size() && starts_with(p, root) && p[root.size()] == '/');
    if (!below_root) continue;
    if (p == path || (path.size() > p.size() && starts_with(path, p) && path[p.size()] == '/')) return p;
  }
  return std::nullopt;
}

UpdatedbConf parse_updatedb_conf(std::string_view text, std::string_view path) {
  UpdatedbConf conf;
  // YAML (puppet-mlocate data): "mlocate::prunefs:" followed by "  - item" lines.
  std::optional<UpdatedbSetting>* yaml_target = nullptr;
  for_each_line(text, [&](std::string_view raw, int n) {
    if (!raw.empty() && raw.back() == '\r') raw.remove_suffix(1);
    std::string_view line = trim(raw);
    if (yaml_target) {
      if (starts_with(line, "- ") || line == "-") {
        auto& s = *yaml_target;
        std::string item = yaml_scalar(line.substr(1));
        if (!item.empty()) s->value += (s->value.empty() ? "" : " ") + item;
        return;
      }
      if (line.empty() || line.front() == '#') return;
      yaml_target = nullptr;
    }
    if (starts_with(line, "mlocate::")) {
      auto colon = line.find(':', 9);
      if (colon == std::string_view::npos) return;
      std::string key = upper(line.substr(9, colon - 9));
      auto* s = slot(conf, key);
      if (!s) return;  // mlocate::locate, mlocate::package_cron ...
      conf.from_yaml = true;
      *s = UpdatedbSetting{"", n, std::string(line), false};
      std::string_view rest = trim(line.substr(colon + 1));
      if (rest.empty()) {
        yaml_target = s;
      } else if (rest.front() == '[') {
        rest.remove_prefix(1);
        if (!rest.empty() && rest.back() == ']') rest.remove_suffix(1);
        for (auto item : split(rest, ',')) {
          std::string v = yaml_scalar(item);
          if (!v.empty()) (*s)->value += ((*s)->value.empty() ? "" : " ") + v;
        }
      } else {
        (*s)->value = yaml_scalar(rest);
      }
      return;
    }
    std::string_view body = strip_decoration(line);
    if (body.empty() || body.front() == '#') return;
    auto eq = body.find('=');
    if (eq == std::string_view::npos) return;  // prose around a pasted config
    std::string_view name = trim(body.substr(0, eq));
    if (!is_ident(name)) return;
    auto* s = slot(conf, name);
    if (!s) {
      if (name != "DAILY_UPDATE" && all_upper(name) && name.size() > 2)
        conf.problems.push_back(Error::malformed(std::string(path), n, fmt::format("unknown variable {}", name)));
      return;
    }
    Value v = parse_value(body.substr(eq + 1));
    if (v.truncated)
      conf.problems.push_back(
          Error::malformed(std::string(path), n, fmt::format("{} has no closing quote; value may be cut", name)));
    *s = UpdatedbSetting{std::move(v.text), n, std::string(body), v.truncated};
  });
  return conf;
}

UpdatedbArgs parse_updatedb_args(const std::vector<std::string>& argv) {
  UpdatedbArgs a;
  size_t start = 0;
  for (; start < argv.size(); ++start) {
    std::string b = basename_of(argv[start]);
    if (starts_with(b, "updatedb")) {
      a.findutils = b == "updatedb.findutils";
      break;
    }
  }
  if (start == argv.size()) start = 0;
  auto value_of = [&](size_t& i, std::string_view arg, std::string_view shortopt, std::string_view longopt,
                      std::string& out) {
    if (!shortopt.empty() && arg == shortopt && i + 1 < argv.size()) {
      out = argv[++i];
      return true;
    }
    if (!shortopt.empty() && arg.size() > 2 && starts_with(arg, shortopt) && !starts_with(arg, "--")) {
      out = std::string(arg.substr(shortopt.size()));
      return true;
    }
    if (arg == longopt && i + 1 < argv.size()) {
      out = argv[++i];
      return true;
    }
    if (starts_with(arg, std::string(longopt) + "=")) {
      out = std::string(arg.substr(longopt.size() + 1));
      return true;
    }
    return false;
  };
  auto unquote = [](std::string s) {
    if (s.size() >= 2 && (s.front() == '"' || s.front() == '\'') && s.back() == s.front()) s = s.substr(1, s.size() - 2);
    return s;
  };
  for (size_t i = start + 1; i < argv.size(); ++i) {
    std::string_view arg = argv[i];
    std::string v;
    if (value_of(i, arg, "-U", "--database-root", v)) {
      a.database_root = unquote(v);
    } else if (value_of(i, arg, "", "--localpaths", v)) {
      a.findutils = true;
      std::string uq = unquote(v);  // split_ws returns views into it: keep it alive
      auto w = split_ws(uq);
      if (!w.empty()) a.database_root = std::string(w.front());
    } else if (value_of(i, arg, "-e", "--add-prunepaths", v) || value_of(i, arg, "", "--prunepaths", v)) {
      if (starts_with(arg, "--prunepaths")) a.findutils = true;
      std::string uq = unquote(v);  // a temporary inside the range expression dies before the loop (C++20)
      for (auto w : split_ws(uq)) a.add_prunepaths.emplace_back(w);
    } else if (value_of(i, arg, "-f", "--add-prunefs", v) || value_of(i, arg, "", "--prunefs", v)) {
      if (starts_with(arg, "--prunefs")) a.findutils = true;
      v = unquote(v);
      if (starts_with(v, "$")) a.prunefs_from_shell = true;
      else
        for (auto w : split_ws(v)) a.add_prunefs.emplace_back(w);
    } else if (value_of(i, arg, "", "--prune-bind-mounts", v)) {
      std::string u = upper(unquote(v));
      a.prune_bind_mounts = u == "YES" || u == "1" || u == "TRUE";
    } else if (value_of(i, arg, "-o", "--output", v)) {
      a.output = unquote(v);
    }
  }
  return a;
}

}  // namespace ms
