#include "attribution/systemd_units.hpp"

#include <algorithm>
#include <fmt/format.h>

#include "probe/fs.hpp"
#include "util/text.hpp"

namespace ms {

std::optional<std::string> UnitFile::get(std::string_view section, std::string_view key) const {
  std::optional<std::string> v;
  for (const auto& s : sections)
    if (s.name == section)
      for (const auto& [k, val] : s.entries)
        if (k == key) v = val;
  return v;
}

std::vector<std::string> UnitFile::get_all(std::string_view section, std::string_view key) const {
  std::vector<std::string> out;
  for (const auto& s : sections)
    if (s.name == section)
      for (const auto& [k, val] : s.entries)
        if (k == key) {
          if (val.empty()) out.clear();
          else out.push_back(val);
        }
  return out;
}

void UnitFile::merge(const UnitFile& drop_in) {
  sections.insert(sections.end(), drop_in.sections.begin(), drop_in.sections.end());
}

Result<UnitFile> parse_unit_file(std::string_view text, std::string_view path) {
  UnitFile u;
  u.path = std::string(path);
  std::string pending;  // a line continued with a trailing backslash
  int pending_line = 0;
  Error err;
  bool failed = false;
  for_each_line(text, [&](std::string_view raw, int n) {
    if (failed) return;
    std::string_view line = trim(raw);
    if (pending.empty()) {
      if (line.empty() || line[0] == '#' || line[0] == ';') return;
      pending_line = n;
    } else if (!line.empty() && (line[0] == '#' || line[0] == ';')) {
      return;  // comments inside a continued line are skipped (systemd.syntax(7))
    }
    if (ends_with(line, "\\")) {
      pending += std::string(line.substr(0, line.size() - 1));
      pending += ' ';
      return;
    }
    std::string full = pending + std::string(line);
    pending.clear();
    std::string_view l = trim(full);
    if (l.front() == '[') {
      if (l.back() != ']' || l.size() < 3) {
        err = Error::malformed(std::string(path), pending_line, fmt::format("bad section header '{}'", l));
        failed = true;
        return;
      }
      u.sections.push_back({std::string(l.substr(1, l.size() - 2)), {}});
      return;
    }
    size_t eq = l.find('=');
    if (eq == std::string_view::npos || eq == 0) {
      err = Error::malformed(std::string(path), pending_line, fmt::format("expected Key=Value, got '{}'", l));
      failed = true;
      return;
    }
    if (u.sections.empty()) {
      err = Error::malformed(std::string(path), pending_line, "assignment outside of a section");
      failed = true;
      return;
    }
    u.sections.back().entries.emplace_back(std::string(trim(l.substr(0, eq))), std::string(trim(l.substr(eq + 1))));
  });
  if (failed) return fail(err);
  if (!pending.empty()) {
    // A trailing backslash on the last line: keep what was there.
    std::string_view l = trim(pending);
    size_t eq = l.find('=');
    if (eq != std::string_view::npos && eq > 0 && !u.sections.empty())
      u.sections.back().entries.emplace_back(std::string(trim(l.substr(0, eq))), std::string(trim(l.substr(eq + 1))));
  }
  return u;
}

const std::vector<std::string>& unit_search_dirs() {
  static const std::vector<std::string> dirs = {"/etc/systemd/system", "/run/systemd/system",
                                                "/usr/local/lib/systemd/system", "/lib/systemd/system",
                                                "/usr/lib/systemd/system"};
  return dirs;
}

namespace {

void apply_drop_ins(const HostPaths& paths, UnitFile& u) {
  // Drop-ins from every directory apply, in file-name order (systemd.unit(5)).
  std::vector<std::pair<std::string, std::string>> confs;  // (file name, full path)
  for (const auto& dir : unit_search_dirs()) {
    std::string d = paths.root(dir + "/" + u.name + ".d");
    if (auto entries = list_dir(d))
      for (const auto& e : *entries)
        if (ends_with(e, ".conf")) confs.emplace_back(e, d + "/" + e);
  }
  std::sort(confs.begin(), confs.end());
  for (const auto& [name, p] : confs)
    if (auto text = read_file(p, FileKind::kConfig))
      if (auto d = parse_unit_file(*text, p)) u.merge(*d);
}

}  // namespace

Result<UnitFile> load_unit_file(const HostPaths& paths, std::string_view name) {
  for (const auto& dir : unit_search_dirs()) {
    std::string p = paths.root(dir + "/" + std::string(name));
    auto text = read_file(p, FileKind::kConfig);
    if (!text) {
      if (text.error().kind == Error::Kind::kNotFound) continue;
      return fail(text.error());
    }
    auto u = parse_unit_file(*text, p);
    if (!u) return u;
    u->name = std::string(name);
    apply_drop_ins(paths, *u);
    return u;
  }
  return fail(Error::from_errno(std::string(name), ENOENT));
}

void SystemdUnits::add_timer(TimerInfo t) {
  auto name = t.timer;
  timers_.emplace(std::move(name), std::move(t));  // first (highest-precedence directory) wins
}

const TimerInfo* SystemdUnits::timer_for(std::string_view service) const {
  for (const auto& [name, t] : timers_)
    if (t.unit == service) return &t;
  return nullptr;
}

SystemdUnits SystemdUnits::load(const HostPaths& paths) {
  SystemdUnits units;
  std::vector<std::string> wanted;  // timers named by a *.wants/ symlink (enabled)
  if (auto entries = list_dir(paths.root("/etc/systemd/system")))
    for (const auto& e : *entries)
      if (ends_with(e, ".wants"))
        if (auto w = list_dir(paths.root("/etc/systemd/system/" + e)))
          for (const auto& x : *w)
            if (ends_with(x, ".timer")) wanted.push_back(x);
  for (const auto& dir : unit_search_dirs()) {
    auto entries = list_dir(paths.root(dir));
    if (!entries) continue;
    std::sort(entries->begin(), entries->end());
    for (const auto& e : *entries) {
      if (!ends_with(e, ".timer") || units.timers_.count(e)) continue;
      auto u = load_unit_file(paths, e);
      if (!u) continue;  // unreadable or malformed: not evidence of anything
      TimerInfo t;
      t.timer = e;
      t.path = u->path;
      t.unit = u->get("Timer", "Unit").value_or(e.substr(0, e.size() - 6) + ".service");
      t.on_calendar = u->get_all("Timer", "OnCalendar");
      t.enabled = std::find(wanted.begin(), wanted.end(), e) != wanted.end();
      units.add_timer(std::move(t));
    }
  }
  return units;
}

}  // namespace ms
