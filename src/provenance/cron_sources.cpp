#include "provenance/cron_sources.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <cctype>

#include "probe/fs.hpp"

namespace ms {

const std::vector<std::string> kCronPeriodicDirs = {"/etc/cron.hourly", "/etc/cron.daily", "/etc/cron.weekly",
                                                    "/etc/cron.monthly"};

bool run_parts_name_ok(std::string_view name) {
  if (name.empty()) return false;
  for (char c : name)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-')) return false;
  return true;
}

void CronSources::add_file(std::string path, CronFileKind kind, std::string_view text, std::optional<std::string> user) {
  CronFile f;
  f.kind = kind;
  f.user = std::move(user);
  if (kind == CronFileKind::kAnacron) {
    f.anacrontab = parse_anacrontab(text, path);
    for (auto& p : f.anacrontab.problems) problems.push_back(p);
  } else {
    f.crontab = parse_crontab(text, kind == CronFileKind::kSystem ? CrontabFlavor::kSystem : CrontabFlavor::kUser, path);
    for (auto& p : f.crontab.problems) problems.push_back(p);
  }
  f.path = std::move(path);
  files.push_back(std::move(f));
}

namespace {

// Editor and package-manager leftovers cron does not read (cronie skips these; Debian cron skips
// any name with a dot).
bool skipped_name(std::string_view n) {
  return n.empty() || n.front() == '.' || n.back() == '~' || n.find(".dpkg-") != std::string_view::npos ||
         n.find(".rpm") != std::string_view::npos || n.find(".ucf-") != std::string_view::npos;
}

std::vector<std::string> sorted_entries(const std::string& dir) {
  auto names = list_dir(dir);
  if (!names) return {};
  std::sort(names->begin(), names->end());
  return *names;
}

void read_crontab(CronSources& s, const HostPaths& paths, const std::string& path, CronFileKind kind,
                  std::optional<std::string> user) {
  auto text = read_file(paths.root(path), FileKind::kConfig);
  if (!text) {
    if (text.error().kind != Error::Kind::kNotFound) s.problems.push_back(text.error());
    return;
  }
  s.add_file(path, kind, *text, std::move(user));
}

}  // namespace

std::vector<std::string> CronSources::unreadable() const {
  std::vector<std::string> out;
  for (const auto& p : problems)
    if (p.kind != Error::Kind::kMalformed) out.push_back(p.describe());
  return out;
}

CronSources CronSources::load(const HostPaths& paths) {
  CronSources s;
  read_crontab(s, paths, "/etc/crontab", CronFileKind::kSystem, std::nullopt);
  for (const auto& n : sorted_entries(paths.root("/etc/cron.d")))
    if (!skipped_name(n)) read_crontab(s, paths, "/etc/cron.d/" + n, CronFileKind::kSystem, std::nullopt);
  read_crontab(s, paths, "/etc/anacrontab", CronFileKind::kAnacron, std::nullopt);
  for (const auto& n : sorted_entries(paths.root("/var/spool/cron/crontabs")))
    if (!skipped_name(n)) read_crontab(s, paths, "/var/spool/cron/crontabs/" + n, CronFileKind::kUser, n);
  // RHEL keeps user crontabs directly in /var/spool/cron; Debian has only directories there.
  for (const auto& n : sorted_entries(paths.root("/var/spool/cron"))) {
    if (skipped_name(n) || is_dir(paths.root("/var/spool/cron/" + n))) continue;
    read_crontab(s, paths, "/var/spool/cron/" + n, CronFileKind::kUser, n);
  }
  for (const auto& dir : kCronPeriodicDirs) {
    for (const auto& n : sorted_entries(paths.root(dir))) {
      CronScript sc;
      sc.dir = dir;
      sc.path = dir + "/" + n;
      std::string host = paths.root(sc.path);
      struct stat st {};
      if (::stat(host.c_str(), &st) != 0) continue;
      if (!S_ISREG(st.st_mode)) {
        // run-parts runs regular files only; a FIFO or device here is named, never opened.
        if (!S_ISDIR(st.st_mode)) s.problems.push_back(Error::from_errno(host, kNotRegularFile));
        continue;
      }
      sc.executable = (st.st_mode & 0111) != 0;
      sc.runnable_name = run_parts_name_ok(n);
      // Scripts are small; a binary or a huge file is not a script we can read meaningfully.
      if (st.st_size < (1 << 20)) {
        if (auto t = read_file(host, FileKind::kConfig)) sc.text = std::move(*t);
      }
      s.scripts.push_back(std::move(sc));
    }
  }
  s.anacron_installed = exists(paths.root("/usr/sbin/anacron"));
  s.systemd_running = is_dir(paths.root("/run/systemd/system"));
  return s;
}

}  // namespace ms
