#pragma once
// Culprits that are scheduled but not running now (for `doctor`, issue 7): crontab lines, the
// scripts run-parts runs from /etc/cron.{hourly,daily,weekly,monthly}/, anacron jobs and systemd
// timers whose service runs updatedb & friends, with what each would crawl and how to stop it.
#include <optional>
#include <string>
#include <vector>

#include "model/snapshot.hpp"
#include "probe/host_paths.hpp"
#include "provenance/cron_sources.hpp"
#include "provenance/culprits.hpp"

namespace ms {

struct ScheduledCulprit {
  std::string rule, title;  // from the rules table
  std::string kind;         // "cron" | "anacron" | "timer"
  std::string file;         // crontab/anacrontab holding the line, or the .timer file
  int line = 0;             // 0 for timers
  std::string schedule;       // as written ("25 6 * * *", "OnCalendar=daily")
  std::string schedule_text;  // for people
  std::optional<std::string> script;  // /etc/cron.daily/mlocate
  int script_line = 0;                // the line of the script that runs the program
  std::optional<std::string> unit, timer;
  std::string command;  // the line (or ExecStart=) that runs it
  bool active = true;   // false: the job exists but will not run the program (see reason)
  std::optional<std::string> inactive_reason;
  Culprit culprit;  // evidence, fixes and (updatedb) what it would crawl
};

// A systemd timer and the service it starts, as plain data (filled from attribution's unit parser).
struct TimerJob {
  std::string timer, timer_path;
  std::string service, service_path;
  std::vector<std::string> on_calendar, on_boot_sec, on_unit_active_sec;
  std::optional<std::string> randomized_delay;
  bool persistent = false;
  bool enabled = false;
  std::vector<std::string> exec_start;  // every ExecStart= of the service
  // Text of the programs ExecStart= runs when they are scripts (RHEL: /usr/libexec/mlocate-run-updatedb).
  std::vector<std::pair<std::string, std::string>> exec_scripts;  // path, text
};

struct ScheduledSources {
  CronSources cron;
  std::vector<TimerJob> timers;
  static ScheduledSources load(const HostPaths& paths);
};

// Reads cron files, cron.* scripts, timers and <rootfs>/etc/updatedb.conf, then scans. `problems`:
// the files that exist but could not be read (not a regular file, permissions, too large), named.
std::vector<ScheduledCulprit> find_scheduled_culprits(const HostPaths& paths, const std::vector<Mount>& mounts,
                                                      std::vector<std::string>* problems = nullptr);
// Pure: `base` carries mounts, the updatedb config and the Kubernetes dirs that exist.
std::vector<ScheduledCulprit> find_scheduled_culprits(const ScheduledSources& sources, const CulpritInputs& base);

// Everything a culprit rule needs besides the command, read under --rootfs.
CulpritInputs load_culprit_inputs(const HostPaths& paths, const std::vector<Mount>& mounts);

// "OnCalendar=daily, RandomizedDelaySec=12h, Persistent=true" (+ "not enabled")
std::string describe_timer_schedule(const TimerJob& t);

}  // namespace ms
