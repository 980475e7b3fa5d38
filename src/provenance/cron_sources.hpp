#pragma once
// Every cron schedule on the node, read once under --rootfs: /etc/crontab, /etc/cron.d/*,
// /etc/anacrontab, /var/spool/cron/crontabs/* (Debian), /var/spool/cron/* (RHEL), and the scripts in
// /etc/cron.{hourly,daily,weekly,monthly}/. Paths are kept as the node names them ("/etc/crontab").
#include <optional>
#include <string>
#include <vector>

#include "probe/host_paths.hpp"
#include "provenance/crontab.hpp"
#include "util/result.hpp"

namespace ms {

enum class CronFileKind { kSystem, kUser, kAnacron };

struct CronFile {
  std::string path;  // "/etc/crontab", "/var/spool/cron/crontabs/alice"
  CronFileKind kind = CronFileKind::kSystem;
  std::optional<std::string> user;  // per-user crontabs: the file name
  Crontab crontab;                  // kSystem / kUser
  Anacrontab anacrontab;            // kAnacron
};

struct CronScript {
  std::string dir;   // "/etc/cron.daily"
  std::string path;  // "/etc/cron.daily/plocate"
  std::string text;  // empty when unreadable
  bool executable = false;
  // run-parts runs only names of [A-Za-z0-9_-] (Debian) — "plocate.dpkg-old" is skipped.
  bool runnable_name = false;
};

struct CronSources {
  std::vector<CronFile> files;
  std::vector<CronScript> scripts;
  std::vector<Error> problems;  // unreadable files (permissions), malformed lines
  bool anacron_installed = false;  // /usr/sbin/anacron exists
  bool systemd_running = false;    // /run/systemd/system exists (scripts that defer to timers exit)

  static CronSources load(const HostPaths& paths);
  // The problems that are files which could not be read (not malformed lines), described.
  std::vector<std::string> unreadable() const;
  // Pure constructor for tests: parses the given texts.
  void add_file(std::string path, CronFileKind kind, std::string_view text, std::optional<std::string> user = {});
};

extern const std::vector<std::string> kCronPeriodicDirs;  // /etc/cron.hourly ... /etc/cron.monthly

// run-parts' default name filter (Debian): letters, digits, '_' and '-' only.
bool run_parts_name_ok(std::string_view name);

}  // namespace ms
