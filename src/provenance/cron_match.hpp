#pragma once
// Which crontab line started a process. Pure: the ancestry and the parsed cron files go in.
//
// cron (Debian cron, cronie, busybox crond) forks, then runs `/bin/sh -c "<command>"` with the text
// of the line; anacron does the same with an anacrontab job. Periodic jobs then go through
// `run-parts DIR` to a script in /etc/cron.daily/ etc. So we look, below the nearest cron-family
// ancestor, for (1) a shell whose -c text equals a line's command, (2) `run-parts DIR` and the
// script it runs, (3) a script path of a periodic dir in any argv; and when no cron ancestor is
// left (re-parented), (4) a line or script naming the program, reported as a weaker match.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "provenance/ancestry.hpp"
#include "provenance/cron_sources.hpp"

namespace ms {

struct CronMatch {
  std::string file;  // "/etc/crontab", "/etc/anacrontab", "/var/spool/cron/crontabs/alice"
  int line = 0;
  std::string schedule;       // as written: "25 6 * * *", "@daily", "1 5" (anacron period delay)
  std::string schedule_text;  // for people: "daily at 06:25", "anacron: every day, ..."
  std::string command;        // the line's command
  std::string raw;            // the line as written
  std::optional<std::string> user;
  std::optional<std::string> run_parts_dir;  // "/etc/cron.daily"
  std::optional<std::string> script;         // "/etc/cron.daily/plocate"
  bool anacron = false;
  std::string how;          // which rule matched, for the evidence section
  bool via_ancestry = true;  // false: matched by command text only (no cron ancestor left)
};

// `rootfs`: a process started from a node mounted elsewhere names paths with that prefix
// (/host/etc/cron.daily); it is removed before comparing with the files' own text.
std::optional<CronMatch> match_cron_source(const Ancestry& ancestry, const CronSources& cron,
                                           std::string_view rootfs = "/");

bool is_cron_daemon(std::string_view comm);  // cron, crond, anacron, busybox crond, fcron

// Where the periodic dir is scheduled: the crontab/anacrontab line that run-parts it. Prefers
// anacron when the crontab line defers to it ("test -x /usr/sbin/anacron || ...") and anacron is
// installed.
std::optional<CronMatch> find_run_parts_line(const CronSources& cron, std::string_view dir);

}  // namespace ms
